"""One entry of a county import on SQLite with few statements: states looked up once per entry,
new households written with one ``executemany`` per table.

The county import merges a batch household by household (the same code on both back ends,
``sync/county_merge.py``).  Inside :meth:`CountyMerge.bulk_loading` on SQLite this class (1)
answers ``household_state`` and the other-township ID lookups of one ``households-*.jsonl`` entry
(up to a thousand households) from a few queries (:meth:`EntryLoad.prefetch`), and (2) gathers
what ``apply_bundle`` writes for a household the database does not have yet — the household, its
members and Handbook rows, the audit row, its search text — and the sync points, and writes them
at the end of the entry (:meth:`EntryLoad.flush`), inside the batch's one transaction.  The rows
are the ones the household-at-a-time path writes, with the same ids (``INTEGER PRIMARY KEY``:
the next id is the largest plus one, as SQLite picks it).  A household seen twice in one entry, or
one the database already holds, takes the ordinary path, after what waits is written.
PostgreSQL has its own (``store/pg/bulk.py``, ``COPY``).
"""

from __future__ import annotations

import functools
from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import person_key, same_person_numbers
from fupin_desktop.store import audit, facts, search_index
from fupin_desktop.store.audit import encode
from fupin_desktop.store.bulk_states import PrefetchedStates
from fupin_desktop.store.database import Database, now_iso
from fupin_desktop.store.sync_records import bundle_search_text, field_text

_CHUNK = 500
_HOLDER_COLUMNS = ("m.id, m.id_number, m.uuid AS member_uuid, h.uuid AS household_uuid, v.township_code"
                   " FROM members m JOIN households h ON h.id = m.household_id JOIN villages v ON v.id = h.village_id"
                   " WHERE m.deleted = 0 AND h.deleted = 0")
_EXACT_HOLDERS = "SELECT 0 AS card, " + _HOLDER_COLUMNS + " AND m.id_number IN "
_CARD_HOLDERS = "SELECT 1 AS card, " + _HOLDER_COLUMNS + " AND length(m.id_number) = 20 AND substr(m.id_number, 1, 18) IN "


@functools.lru_cache(maxsize=1024)
def _card_numbers(key: str) -> frozenset[str]:
    """The 残疾人证 numbers of an ID number (none when ``key`` is not one)."""
    return frozenset(same_person_numbers(key)[1:])


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


class EntryLoad(PrefetchedStates):
    """What one entry's merge looked up and gathered; written by :meth:`flush`."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        # person key -> (number, row id, holder) of the rows found under one of its numbers
        self._holders: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
        self._persons: set[str] = set()  # the person keys whose numbers were all asked
        self.revisions: dict[int, int] = {}
        self._next_id: int | None = None
        self.received: list[tuple[str, str, int, str, int, str]] = []
        self._households: list[tuple[Any, ...]] = []
        self._rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        self._audit: list[tuple[Any, ...]] = []
        self._search: list[tuple[int, str]] = []

    # -- lookups ------------------------------------------------------------------------------
    def prefetch(self, bundles: list[dict[str, Any]]) -> None:
        """The state of every household of the entry, and the members of other townships who hold
        one of its ID numbers, in a few queries."""
        self.flush()
        self._states.clear()
        self._holders.clear()
        self._persons.clear()
        uuids = list(dict.fromkeys(str(b["uuid"]) for b in bundles))
        local: dict[str, dict[str, Any]] = {}
        received: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uuids), _CHUNK):
            chunk = uuids[start:start + _CHUNK]
            for r in self.db.query(
                "SELECT h.uuid, h.id, h.revision, h.deleted, v.township_code FROM households h"
                f" JOIN villages v ON v.id = h.village_id WHERE h.uuid IN ({_marks(chunk)})", tuple(chunk),
            ):
                local[r["uuid"]] = {"id": r["id"], "revision": r["revision"], "deleted": r["deleted"],
                                    "township_code": r["township_code"]}
            for r in self.db.query(f"SELECT * FROM sync_received WHERE uuid IN ({_marks(chunk)})", tuple(chunk)):
                received[r["uuid"]] = dict(r)
        for u in uuids:
            self._states[u] = (local.get(u), received.get(u))
        keys = sorted({person_key(str(m["id_number"])) for b in bundles for m in b["members"]
                       if not m.get("deleted") and m.get("id_number")})
        self._persons = set(keys)
        for start in range(0, len(keys), _CHUNK):
            # One number a person: the ID number itself, and the 残疾人证 numbers that begin with it
            # (migration 0014's members_card_holder); the other numbers of the person key are kept.
            chunk = keys[start:start + _CHUNK]
            marks = f"({_marks(chunk)})"
            for r in self.db.query(_EXACT_HOLDERS + marks + " UNION ALL " + _CARD_HOLDERS + marks, (*chunk, *chunk)):
                number = str(r["id_number"])
                key = number[:18] if r["card"] else number
                if r["card"] and number not in _card_numbers(key):
                    continue  # begins with a key but is none of its 残疾人证 numbers
                self._holders.setdefault(key, []).append((number, r["id"], {
                    "member_uuid": r["member_uuid"], "household_uuid": r["household_uuid"],
                    "township_code": r["township_code"]}))

    def holders(self, id_number: str, code: str) -> list[dict[str, Any]] | None:
        """Members of other townships with this person's numbers, in the order the one-number query
        gives them (by number, then row) — None: not prefetched.  Rows this entry writes belong to
        its own township, so they never change the answer."""
        key = person_key(id_number)
        if key not in self._persons:
            return None
        found = sorted((x for x in self._holders.get(key, ()) if (x[2]["township_code"] or "") != code),
                       key=lambda x: (x[0], x[1]))
        return [dict(h) for _n, _id, h in found]

    # -- gathering ----------------------------------------------------------------------------
    def insert(self, bundle: dict[str, Any], cols: tuple[Any, ...], operator: str, township_code: str) -> int:
        """Gather a new household (``cols`` as ``apply_bundle`` builds them); returns its id."""
        if self._next_id is None:
            self._next_id = self.db.integer("SELECT COALESCE(MAX(id), 0) FROM households") + 1
        hid = self._next_id
        self._next_id += 1
        uuid = str(bundle["uuid"])
        self._households.append((hid, *cols, uuid))
        for r in bundle["members"]:
            self._rows["members"].append((r["uuid"], hid, r["seq"], field_text(r["fields"]), r["revision"],
                                          r["updated_at"], int(bool(r["deleted"])), r["name"], r["id_number"],
                                          r["relation"]))
        for table in TABLES[1:]:
            for r in bundle[table]:
                self._rows[table].append((r["uuid"], hid, r["seq"], field_text(r["fields"]), r["revision"],
                                          r["updated_at"], int(bool(r["deleted"]))))
        self._audit.append((now_iso(), operator, "create", "household", uuid, uuid, "sync", encode(None),
                            encode({"township": township_code, "revision": bundle["revision"]})))
        if not bundle["deleted"]:
            self._search.append((hid, bundle_search_text(bundle)))
        self.touch(uuid)
        self.revisions[hid] = int(bundle["revision"])
        return hid

    # -- writing ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write what was gathered (inside the caller's transaction), in the order the
        household-at-a-time path writes it."""
        if self._households:
            with facts.counted_after(self.db, (h[0] for h in self._households)):
                self._write_households()
            search_index.write_many(self.db, self._search)
            audit.record_many(self.db, self._audit)
            self._households.clear()
            for rows in self._rows.values():
                rows.clear()
            self._audit.clear()
            self._search.clear()
        if self.received:
            self.db.executemany(
                "INSERT INTO sync_received (uuid, entity, township_code, revision, content_hash, local_revision,"
                " batch_hash) VALUES (?, 'household', ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                " township_code = excluded.township_code, revision = excluded.revision,"
                " content_hash = excluded.content_hash, local_revision = excluded.local_revision,"
                " batch_hash = excluded.batch_hash", self.received)
            self.received.clear()
        self.touched.clear()
        self._next_id = None

    def _write_households(self) -> None:
        """The gathered households and their rows (member counts: see :func:`facts.counted_after`)."""
        self.db.executemany(
            "INSERT INTO households (id, village_id, group_name, number, year, head_name, head_id_number, size,"
            " fields, revision, created_at, updated_at, deleted, head_sort, uuid)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._households)
        for table in TABLES:
            if table == "members":
                self.db.executemany(
                    "INSERT INTO members (uuid, household_id, seq, fields, revision, updated_at, deleted, name,"
                    " id_number, relation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted,"
                    " name = excluded.name, id_number = excluded.id_number, relation = excluded.relation",
                    self._rows[table])
            else:
                self.db.executemany(
                    f"INSERT INTO {table} (uuid, household_id, seq, fields, revision, updated_at, deleted)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted",
                    self._rows[table])
