"""Many new households in one go (an Excel import): what :meth:`HouseholdRepository.save` writes
for a household that is not stored yet, with one ``executemany`` per table.

The same rows as ``save`` (the household, its Handbook rows, one ``create`` audit row, its search
text, its draft gone), inside the caller's transaction.  A household whose UUID is already stored
(a deleted one coming back) goes through ``save`` as before.  Pure SQL, no Qt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fupin_desktop.domain.household import TABLES, Household, HouseholdId
from fupin_desktop.domain.text import normalize_text, pinyin_sort_key
from fupin_desktop.domain.township import Village
from fupin_desktop.domain.values import to_store
from fupin_desktop.formspec import FieldSpec
from fupin_desktop.store import audit, facts, search_index
from fupin_desktop.store.audit import encode
from fupin_desktop.store.database import StoreError, now_iso
from fupin_desktop.store.household_reads import MEMBER_COLUMNS
from fupin_desktop.store.households import HouseholdRepository, search_text

_CHUNK = 500
#: New households are written this many at a time (one executemany per table each time).
_WRITE_EVERY = 1000


def insert_households(repo: HouseholdRepository, households: Sequence[Household], operator: str, *,
                      derived_fresh: bool = False) -> None:
    """Store every household of ``households`` as a new one; each gets its id, revision 1 and time.

    First what is written one at a time, in the file's order (a household whose UUID is stored goes
    through ``save``; a group the township lacks is added); then the new households, written a
    thousand at a time, so their rows are never all held in memory at once.  ``derived_fresh``: the
    caller has just refreshed every household's derived fields with this form's sources (an Excel
    import's staging), so they are not worked out again (they depend only on fields that are not
    derived: a second refresh gives the same values)."""
    db = repo.db
    uuids = [hh.uuid for hh in households]
    stored: set[str] = set()
    for start in range(0, len(uuids), _CHUNK):
        chunk = uuids[start:start + _CHUNK]
        stored.update(r[0] for r in db.query(
            f"SELECT uuid FROM households WHERE uuid IN ({','.join('?' * len(chunk))})", tuple(chunk)))
    now = now_iso()
    villages: dict[tuple[str, str], Village] = {}
    with db.transaction():
        placed: list[tuple[Household, Village, str]] = []
        for hh in households:
            if hh.uuid in stored:
                repo.save(hh, operator, reload=False)
                continue
            if not derived_fresh:
                hh.refresh_derived(repo.spec.derived_sources())
            village = _village(repo, villages, hh)
            group = normalize_text(hh.fields.get("group") or "")
            if group and group not in village.groups:
                assert village.id is not None
                repo.townships.add_group(village.id, group, operator)
                village = villages[_place(hh)] = repo.townships.village_by_id(village.id) or village
            placed.append((hh, village, group))
        next_id = db.integer("SELECT COALESCE(MAX(id), 0) FROM households") + 1
        for start in range(0, len(placed), _WRITE_EVERY):
            _write(repo, placed[start:start + _WRITE_EVERY], next_id + start, operator, now)


def _write(repo: HouseholdRepository, placed: list[tuple[Household, Village, str]], first_id: int,
           operator: str, now: str) -> None:
    """One ``executemany`` per table for these new households (ids from ``first_id`` on)."""
    db = repo.db
    heads: list[tuple[Any, ...]] = []
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    audits: list[tuple[Any, ...]] = []
    search: list[tuple[int, str]] = []
    grid, columns = repo._grid, repo._columns
    for household_id, (hh, village, group) in enumerate(placed, start=first_id):
        head_name = hh.head_name
        heads.append((
            household_id, hh.uuid, village.id, group, str(hh.fields.get("number") or ""), hh.fields.get("year"),
            head_name, str(hh.fields.get("head_id_number") or ""), hh.size,
            _json(hh.fields, grid), pinyin_sort_key(head_name), now, now,
        ))
        for table in TABLES:
            specs = columns[table]
            out = rows[table]
            for seq, row in enumerate(getattr(hh, table), start=1):
                values = row.fields
                if table == "members":
                    out.append((row.uuid, household_id, seq, _json(values, specs), now,
                                *(str(values.get(c) or "") for c in MEMBER_COLUMNS)))
                else:
                    out.append((row.uuid, household_id, seq, _json(values, specs), now))
        audits.append((now, operator, "create", "household", hh.uuid, hh.uuid, None, encode(None), encode(None)))
        search.append((household_id, search_text(hh)))
        hh.id, hh.revision, hh.updated_at = HouseholdId(household_id), 1, now
    with facts.counted_after(db, (h[0] for h in heads)):  # member counts once a household
        db.executemany(
            "INSERT INTO households (id, uuid, village_id, group_name, number, year, head_name, head_id_number,"
            " size, fields, head_sort, revision, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)", heads)
        for table in TABLES:
            cols, marks = (", name, id_number, relation", ", ?, ?, ?") if table == "members" else ("", "")
            db.executemany(f"INSERT INTO {table} (uuid, household_id, seq, fields, revision, updated_at{cols})"
                           f" VALUES (?, ?, ?, ?, 1, ?{marks})", rows[table])
    audit.record_many(db, audits)  # of kind import inside the import's audit.kind_of
    search_index.write_many(db, search)  # the list's search index (store/search_index.py)
    db.executemany("DELETE FROM drafts WHERE key = ?", [(h[1],) for h in heads])


def _json(values: dict[str, Any], specs: Mapping[str, FieldSpec]) -> str:
    """The stored ``fields`` text: exactly ``json.dumps(repo._dump(values, specs), ensure_ascii=False,
    sort_keys=True)``, the bytes ``save`` writes (the same keys and values; the keys are sorted, so the
    order they are picked in does not matter), looking at the values the row holds rather than at
    every field of the form."""
    return _DUMPS({k: to_store(v) for k, v in values.items() if k in specs and v not in _EMPTY})


#: What ``HouseholdReads._dump`` leaves out of the stored JSON.
_EMPTY: tuple[Any, ...] = (None, "", [])
#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)`` without building the encoder each time.
_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _place(hh: Household) -> tuple[str, str]:
    return str(hh.fields.get("village") or ""), str(hh.fields.get("township") or "")


def _village(repo: HouseholdRepository, known: dict[tuple[str, str], Village], hh: Household) -> Village:
    place = _place(hh)
    village = known.get(place)
    if village is None:
        village = repo._village_named(*place)
        if village is None or village.id is None:
            raise StoreError(f"本乡没有“{place[0]}”这个村，请先在乡镇设置中添加。")
        known[place] = village
    return village
