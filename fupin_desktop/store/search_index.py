"""The household search index: what the search box finds, first page first, at 100,000 households.

A household's search text (``households.search_text``: 户编号, every member's name, pinyin
initials and ID number, joined by `` | ``) is written to three tables in the save's transaction:

- ``household_search`` (FTS5 trigram): substrings of three characters or more;
- ``search_docs``: one row per household with the lower-cased text, its 户编号, village and group;
  its index ``search_docs_order`` (户编号, id, village, group, text) is the list's own order, so
  walking it finds the first matches of a common query without sorting anything;
- ``search_grams``: every one- and two-character piece of a name, pinyin initials or ID number
  that holds no digit (张, 张三, zs, x), keyed (gram, 户编号, id): the households of a short query,
  already in list order.

:func:`matching_ids` answers a query in the list's order (户编号, then id), ``limit`` ids at
most: a short query without digits reads its gram's posting list (a range of an index); a longer
one asks FTS5 for up to :data:`FEW` candidates (under a millisecond) and sorts those, and when
there are more (``5108``: every household) walks ``search_docs_order`` until the page is full;
one or two digits (matched by nearly every household) walk ``search_docs_order`` too.  No path
sorts more than :data:`FEW` rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from fupin_desktop.domain.text import normalize_text
from fupin_desktop.store.database import Database

#: A longer query with at most this many candidates is sorted; with more it walks the list's order.
FEW = 600
#: A query's first page is looked for in this many households of the list's order before FTS5 is asked.
WALK = 8000
#: FTS5 is asked for this many of a longer query's last characters.
PIECE = 6
SEPARATOR = " | "
#: The stretches of a search text that grams are cut from.
_RUNS = re.compile(r"[^\d\s|]+")
#: Ids of a township's villages (``NULL`` township: this database's own).
_TOWNSHIP_VILLAGES = (
    "SELECT v.id FROM villages v LEFT JOIN township t ON t.id = 1 WHERE COALESCE(v.township_code, t.code) = ?"
)


@dataclass(frozen=True)
class Scope:
    """The list's filter: a village, one of its groups, a township (at the county), a 脱贫状态
    (issue 15's filter); None = all."""

    village_id: int | None = None
    group: str | None = None
    township_code: str | None = None
    exit_flag: str | None = None
    household_type: str | None = None  # 贫困户属性 (issue 16's label filter)

    def where(self, alias: str) -> tuple[list[str], list[object]]:
        """SQL conditions on ``alias``'s ``village_id`` / ``group_name`` columns, and their parameters."""
        where: list[str] = []
        params: list[object] = []
        if self.township_code is not None:
            where.append(f"{alias}.village_id IN ({_TOWNSHIP_VILLAGES})")
            params.append(self.township_code)
        if self.village_id is not None:
            where.append(f"{alias}.village_id = ?")
            params.append(self.village_id)
        if self.group is not None:
            where.append(f"{alias}.group_name = ?")
            params.append(self.group)
        for key, value in (("exit_flag", self.exit_flag), ("household_type", self.household_type)):
            if value is None:
                continue
            if alias == "h":  # the households themselves: their label index, in the list's order (0013_year_lists)
                where.append(f"json_extract(h.fields, '$.{key}') = ?")
            else:  # not in the search index: the households' own field, by the same index
                where.append(f"{alias}.household_id IN (SELECT id FROM households WHERE deleted = 0"
                             f" AND json_extract(fields, '$.{key}') = ?)")
            params.append(value)
        return where, params


def query_text(search: str | None) -> str:
    """The search box's text as the index holds it: normalized, lower-case."""
    return normalize_text(search or "").lower()


def grams(text: str) -> set[str]:
    """The one- and two-character pieces of a search text's runs without digits, spaces or ``|``."""
    out: set[str] = set()
    for run in _RUNS.findall(text.lower()):
        out.update(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def uses_grams(text: str) -> bool:
    """Whether a (normalized) query is answered from ``search_grams``."""
    return 0 < len(text) <= 2 and _RUNS.fullmatch(text) is not None


# -- writing ------------------------------------------------------------------------------
def write(db: Database, household_id: int, text: str) -> None:
    """(Re)index one stored household with its search text; the caller holds the transaction."""
    remove(db, household_id)
    db.execute("INSERT INTO household_search (rowid, text) VALUES (?, ?)", (household_id, text))
    lowered = text.lower()
    db.execute(
        "INSERT INTO search_docs (household_id, number, village_id, group_name, text)"
        " SELECT id, number, village_id, group_name, ? FROM households WHERE id = ?",
        (lowered, household_id),
    )
    row = db.query_one("SELECT number FROM search_docs WHERE household_id = ?", (household_id,))
    if row is not None:
        db.conn.executemany(
            "INSERT OR IGNORE INTO search_grams (gram, number, household_id) VALUES (?, ?, ?)",
            [(g, row[0], household_id) for g in grams(lowered)],
        )


def write_many(db: Database, items: Iterable[tuple[int, str]]) -> None:
    """(Re)index many stored households at once (bulk imports): ``(household id, search text)``."""
    items = list(items)
    for household_id, _text in items:
        remove(db, household_id)
    db.conn.executemany("INSERT INTO household_search (rowid, text) VALUES (?, ?)", items)
    db.conn.executemany(
        "INSERT INTO search_docs (household_id, number, village_id, group_name, text)"
        " SELECT id, number, village_id, group_name, ? FROM households WHERE id = ?",
        [(text.lower(), household_id) for household_id, text in items],
    )
    rows = []
    for household_id, text in items:
        row = db.query_one("SELECT number FROM search_docs WHERE household_id = ?", (household_id,))
        if row is not None:
            rows += [(g, row[0], household_id) for g in grams(text)]
    db.conn.executemany("INSERT OR IGNORE INTO search_grams (gram, number, household_id) VALUES (?, ?, ?)",
                        sorted(rows))


def remove(db: Database, household_id: int) -> None:
    """Take a household out of the index (deleted, or about to be written again)."""
    db.execute("DELETE FROM household_search WHERE rowid = ?", (household_id,))
    old = db.query_one("SELECT number, text FROM search_docs WHERE household_id = ?", (household_id,))
    if old is None:
        return
    db.conn.executemany(
        "DELETE FROM search_grams WHERE gram = ? AND number = ? AND household_id = ?",
        [(g, old[0], household_id) for g in grams(old[1])],
    )
    db.execute("DELETE FROM search_docs WHERE household_id = ?", (household_id,))


def build(conn: sqlite3.Connection, batch: int = 5000) -> None:
    """Fill ``search_docs`` and ``search_grams`` from ``household_search`` (a migration's hook).

    The grams are collected in a temporary table and copied over in key order: appending to the
    B-tree is several times faster than inserting 2.5 million keys (100,000 households) at random.
    """
    conn.execute("DELETE FROM search_docs")  # a restored older backup runs the step again
    conn.execute("DELETE FROM search_grams")
    conn.execute("CREATE TEMP TABLE new_grams (gram TEXT, number TEXT, household_id INTEGER)")
    last = -1
    while True:
        rows = conn.execute(
            "SELECT s.rowid, s.text, h.number, h.village_id, h.group_name FROM household_search s"
            " JOIN households h ON h.id = s.rowid WHERE s.rowid > ? AND h.deleted = 0 ORDER BY s.rowid LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            break
        docs = [(hid, number, village, group, text.lower()) for hid, text, number, village, group in rows]
        conn.executemany(
            "INSERT INTO search_docs (household_id, number, village_id, group_name, text) VALUES (?, ?, ?, ?, ?)",
            docs,
        )
        conn.executemany(
            "INSERT INTO new_grams (gram, number, household_id) VALUES (?, ?, ?)",
            [(g, number, hid) for hid, number, _v, _g, text in docs for g in grams(text)],
        )
        last = rows[-1][0]
    conn.execute("INSERT OR IGNORE INTO search_grams (gram, number, household_id)"
                 " SELECT gram, number, household_id FROM new_grams ORDER BY gram, number, household_id")
    conn.execute("DROP TABLE temp.new_grams")


# -- reading ------------------------------------------------------------------------------
def matching_ids(
    db: Database, search: str, scope: Scope = Scope(), *, limit: int | None = None, descending: bool = False,
) -> list[int]:
    """Ids of the current households matching ``search`` in ``scope``, by 户编号 then id.

    ``limit`` ids at most (the list's first page); None for all of them.
    """
    text = query_text(search)
    direction = "DESC" if descending else "ASC"
    if not text:
        where, params = scope.where("h")
        return _ids(db, "SELECT h.id FROM households h WHERE " + " AND ".join(["h.deleted = 0", *where])
                    + f" ORDER BY h.number {direction}, h.id {direction}", params, limit)
    if uses_grams(text):
        where, params = scope.where("d")
        join = " JOIN search_docs d ON d.household_id = g.household_id" if where else ""
        return _ids(db, f"SELECT g.household_id FROM search_grams g{join} WHERE "
                    + " AND ".join(["g.gram = ?", *where])
                    + f" ORDER BY g.number {direction}, g.household_id {direction}", [text, *params], limit)
    if limit is not None and len(text) < 3:
        # One or two digits are in nearly every ID: the page fills within a few rows.
        page = _walk(db, text, scope, descending, limit, WALK)
        if page is not None:
            return page
    if len(text) >= 3:
        few = _few_matches(db, text, scope, descending)
        if few is not None:
            return few if limit is None else few[:limit]
    return _walk(db, text, scope, descending, limit, None) or []


def _walk(db: Database, text: str, scope: Scope, descending: bool, limit: int | None,
          budget: int | None) -> list[int] | None:
    """Walk the list's order checking each household's text; None if ``budget`` rows were read
    before ``limit`` matches turned up (a rare query: ask FTS5 instead).

    The texts are compared as bytes (UTF-8: the same substrings), four times faster than
    ``instr`` on text, which counts characters.
    """
    where, params = scope.where("d")
    direction = "DESC" if descending else "ASC"
    order = f" ORDER BY d.number {direction}, d.household_id {direction}"
    bound = db.query_one(
        f"SELECT d.number, d.household_id FROM search_docs d INDEXED BY search_docs_order{order} LIMIT 1 OFFSET ?",
        (budget,)) if budget is not None else None
    if bound is not None:
        where.append(f"(d.number, d.household_id) {'>' if descending else '<'} (?, ?)")
        params.extend(bound)
    rows = _ids(db, "SELECT d.household_id FROM search_docs d INDEXED BY search_docs_order WHERE "
                + " AND ".join(["instr(CAST(d.text AS BLOB), CAST(? AS BLOB)) > 0", *where]) + order,
                [text, *params], limit)
    if bound is not None and limit is not None and len(rows) < limit:
        return None
    return rows


def _few_matches(db: Database, text: str, scope: Scope, descending: bool) -> list[int] | None:
    """The matches in order when FTS5 finds at most :data:`FEW` candidates (None: more).

    FTS5 is asked for the query's last :data:`PIECE` characters only: the piece is as selective
    (an ID's last digits) and the trigrams every ID shares (510, 822 …) are left out; each
    candidate's text is then checked for the whole query.
    """
    piece = text[-PIECE:]
    phrase = '"' + piece.replace('"', '""') + '"'
    found = [r[0] for r in db.query(
        "SELECT rowid FROM household_search WHERE household_search MATCH ? LIMIT ?", (phrase, FEW + 1))]
    if len(found) > FEW:
        return None
    if not found:
        return []
    where, params = scope.where("d")
    marks = ",".join("?" * len(found))
    rows = db.query(
        f"SELECT d.household_id, d.number FROM search_docs d WHERE d.household_id IN ({marks})"
        " AND instr(CAST(d.text AS BLOB), CAST(? AS BLOB)) > 0" + "".join(f" AND {w}" for w in where), (*found, text, *params),
    )
    return [hid for _n, hid in sorted(((r[1], r[0]) for r in rows), reverse=descending)]


def _ids(db: Database, sql: str, params: Iterable[object], limit: int | None) -> list[int]:
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return [r[0] for r in db.conn.execute(sql, tuple(params))]


def match_condition(search: str, column: str) -> tuple[str, str] | None:
    """A SQL condition that ``column`` (a household id) matches ``search``, and its parameter.

    For the list in another order than 户编号 (a clicked column header); None without a query.
    """
    text = query_text(search)
    if not text:
        return None
    if uses_grams(text):
        return f"{column} IN (SELECT household_id FROM search_grams WHERE gram = ?)", text
    if len(text) >= 3:
        return (f"{column} IN (SELECT rowid FROM household_search WHERE household_search MATCH ?)",
                '"' + text.replace('"', '""') + '"')
    return f"{column} IN (SELECT household_id FROM search_docs WHERE instr(CAST(text AS BLOB), CAST(? AS BLOB)) > 0)", text
