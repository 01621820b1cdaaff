"""The 户编号 a new household of a group is offered: the next free one of its group.

户编号 follow the village's statistical code, the group and a serial: ``510822105001`` (12-digit
village code) ``001`` (the group) ``0001`` (the serial), as the demo and most county rosters do.

- The group already has households with all-digit 户编号: the largest (longest, then greatest)
  plus one, at the same width.
- It has none yet: the village's code (its 12-digit code when known, else the township code and
  the village's place, ``510822105`` + ``002``), the group's place in the village (``003``) and
  serial 1, at the serial width the village's other groups use (3 digits if none).
- Either way, a number any household holds -- deleted ones too, so restoring one never clashes --
  is skipped.  It is a suggestion: the clerk may type another.
"""

from __future__ import annotations

import sqlite3

from fupin_desktop.store.database import Database

DEFAULT_SERIAL_WIDTH = 3
GROUP_WIDTH = 3


def next_free_number(db: Database, village_id: int, group: str) -> str:
    """The 户编号 to suggest for a new household of ``group`` in village ``village_id`` ("" if the
    village is unknown)."""
    village = db.query_one(
        "SELECT v.id, v.code, v.township_code, t.code AS own_code FROM villages v"
        " LEFT JOIN township t ON t.id = 1 WHERE v.id = ? AND v.deleted = 0", (village_id,))
    if village is None:
        return ""
    taken = _digit_numbers(db, "SELECT number FROM households WHERE village_id = ?", (village_id,))
    in_group = _digit_numbers(
        db, "SELECT number FROM households WHERE village_id = ? AND group_name = ?", (village_id, group.strip()))
    if in_group:
        last = max(in_group, key=lambda n: (len(n), n))
        start, width = int(last) + 1, len(last)
        prefix = ""
    else:
        prefix = _village_prefix(db, village) + f"{_group_place(db, village_id, group):0{GROUP_WIDTH}d}"
        width = _serial_width(taken, prefix)
        start = 1
    candidate = start
    while (number := f"{prefix}{candidate:0{width}d}") in taken or _held_elsewhere(db, number):
        candidate += 1
    return number


def _digit_numbers(db: Database, sql: str, params: tuple[object, ...]) -> set[str]:
    return {r[0] for r in db.query(sql, params) if r[0] and r[0].isascii() and r[0].isdigit()}


def _village_prefix(db: Database, village: sqlite3.Row) -> str:
    code = str(village["code"] or "")
    if len(code) == 12 and code.isdigit():
        return code
    township_code = str(village["township_code"] or village["own_code"] or "")
    rows = db.query(
        "SELECT id FROM villages WHERE deleted = 0 AND COALESCE(township_code, '') = COALESCE(?, '')"
        " ORDER BY seq, id", (village["township_code"],))
    ids = [r[0] for r in rows]
    place = ids.index(village["id"]) + 1 if village["id"] in ids else len(ids) + 1
    return f"{township_code}{place:03d}"


def _group_place(db: Database, village_id: int, group: str) -> int:
    names = [r[0] for r in db.query(
        "SELECT name FROM village_groups WHERE village_id = ? AND deleted = 0 ORDER BY seq, id", (village_id,))]
    return names.index(group.strip()) + 1 if group.strip() in names else len(names) + 1


def _serial_width(taken: set[str], prefix: str) -> int:
    """The serial width the village's other groups use (numbers of the same shape)."""
    widths = [len(n) - len(prefix) for n in taken
              if len(n) > len(prefix) and n[:len(prefix) - GROUP_WIDTH] == prefix[:-GROUP_WIDTH]]
    return max(widths, key=widths.count) if widths else DEFAULT_SERIAL_WIDTH


def _held_elsewhere(db: Database, number: str) -> bool:
    return db.query_one("SELECT 1 FROM households WHERE number = ? LIMIT 1", (number,)) is not None
