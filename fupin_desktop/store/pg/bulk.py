"""One batch's merge on PostgreSQL with few round trips: states looked up per entry, new households
loaded with ``COPY``.

The county import merges a batch household by household (the same code on both back ends).  On a
server every statement is a round trip, so inside :meth:`PgSyncRepository.bulk_loading` this class
(1) answers ``household_state`` and the other-township ID lookups from one query per entry of up to
a thousand households (:meth:`prefetch`), and (2) gathers the rows of households the database does
not have yet — the household, its members and Handbook rows, its ID numbers, the audit row and the
sync point — and writes them with ``COPY`` (:meth:`flush`), all inside the batch's one transaction.
A household seen twice in one batch, or one the database already holds, takes the ordinary path.
"""

from __future__ import annotations

from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import person_key, same_person_numbers
from fupin_desktop.store.audit import encode
from fupin_desktop.store.bulk_states import PrefetchedStates
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.pg.database import PgDatabase
from fupin_desktop.store.sync_records import field_text

#: Gathered households are written once this many are waiting (and at the end of the batch).
FLUSH_EVERY = 2000
_ID_BLOCK = 1000


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class BulkLoad(PrefetchedStates):
    """What one batch's merge gathers; written by :meth:`flush`."""

    def __init__(self, db: PgDatabase) -> None:
        super().__init__()
        self.db = db
        self._holders: dict[str, list[dict[str, Any]]] = {}
        self._ids: list[int] = []
        self.revisions: dict[int, int] = {}
        self.received: list[tuple[str, str, int, str, int, str]] = []
        self._households: list[tuple[Any, ...]] = []
        self._members: list[tuple[Any, ...]] = []
        self._rows: list[tuple[Any, ...]] = []
        self._person_ids: list[tuple[str, str, str, str]] = []
        self._audit: list[tuple[Any, ...]] = []

    # -- lookups ------------------------------------------------------------------------------
    def prefetch(self, bundles: list[dict[str, Any]]) -> None:
        uuids = [str(b["uuid"]) for b in bundles]
        local = {r["uuid"]: {"id": r["id"], "revision": r["revision"], "deleted": r["deleted"],
                             "township_code": r["township_code"]}
                 for r in self.db.query(
                     "SELECT h.uuid, h.id, h.revision, h.deleted, v.township_code FROM households h"
                     " JOIN villages v ON v.id = h.village_id WHERE h.uuid = ANY(?)", (uuids,))}
        received = {r["uuid"]: dict(r) for r in self.db.query(
            "SELECT * FROM sync_received WHERE uuid = ANY(?)", (uuids,))}
        for u in uuids:
            if u not in self.touched:
                self._states[u] = (local.get(u), received.get(u))
        keys = {person_key(str(m["id_number"])) for b in bundles for m in b["members"]
                if not m.get("deleted") and m.get("id_number")}
        self._holders = {k: [] for k in keys}
        # one number per person: exact numbers by the primary key, 残疾人证 numbers by the ID number
        # they begin with (migration 0008); a row counts only if it is one of the person's numbers
        for r in self.db.query("SELECT id_number, member_uuid, household_uuid, township_code FROM person_ids"
                               " WHERE id_number = ANY(?) OR (length(id_number) = 20 AND left(id_number, 18) = ANY(?))",
                               (sorted(keys), sorted(k for k in keys if len(k) == 18))):
            number = str(r["id_number"])
            key = person_key(number)
            if key in self._holders and number in same_person_numbers(key):
                self._holders[key].append({"member_uuid": r["member_uuid"], "household_uuid": r["household_uuid"],
                                           "township_code": r["township_code"]})

    def holders(self, id_number: str, code: str) -> list[dict[str, Any]] | None:
        """Members of other townships with this person's numbers (None: not prefetched).  Rows this batch
        writes belong to its own township, so they never change the answer."""
        holders = self._holders.get(person_key(id_number))
        if holders is None:
            return None
        return [h for h in holders if h["township_code"] != code]

    # -- gathering ----------------------------------------------------------------------------
    def _next_id(self) -> int:
        if not self._ids:
            self._ids = [int(r[0]) for r in self.db.query(
                "SELECT nextval('household_ids') FROM generate_series(1, ?)", (_ID_BLOCK,))]
            self._ids.reverse()
        return self._ids.pop()

    def insert(self, bundle: dict[str, Any], cols: tuple[Any, ...], county: str, township_code: str,
               operator: str) -> int:
        """Gather a new household (``cols`` as ``apply_bundle`` builds them); returns its id."""
        hid = self._next_id()
        uuid = str(bundle["uuid"])
        self._households.append((county, hid, uuid, township_code, *cols))
        for m in bundle["members"]:
            self._members.append((county, m["uuid"], hid, int(m["seq"] or 0), field_text(m["fields"]),
                                  int(m["revision"]), _text(m["updated_at"]), int(bool(m["deleted"])),
                                  _text(m["name"]), _text(m["id_number"]), _text(m["relation"])))
            if not bundle["deleted"] and not m["deleted"] and _text(m["id_number"]):
                self._person_ids.append((_text(m["id_number"]), m["uuid"], uuid, township_code))
        for table in TABLES[1:]:
            for r in bundle[table]:
                self._rows.append((county, table, r["uuid"], hid, int(r["seq"] or 0), field_text(r["fields"]),
                                   int(r["revision"]), _text(r["updated_at"]), int(bool(r["deleted"]))))
        self._audit.append((now_iso(), operator, "create", "household", uuid, uuid, "sync", None,
                            encode({"township": township_code, "revision": bundle["revision"]}), "sync"))
        self.touch(uuid)
        self.revisions[hid] = int(bundle["revision"])
        if len(self._households) >= FLUSH_EVERY:
            self.flush()
        return hid

    # -- writing ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write what was gathered (inside the caller's transaction)."""
        if self._households:
            self._copy("households (county_code, id, uuid, township_code, village_id, group_name, number, year,"
                       " head_name, head_id_number, size, fields, revision, created_at, updated_at, deleted,"
                       " head_sort, search_text)", self._households)
            self._copy("members (county_code, uuid, household_id, seq, fields, revision, updated_at, deleted,"
                       " name, id_number, relation)", self._members)
            self._copy("household_rows (county_code, tbl, uuid, household_id, seq, fields, revision,"
                       " updated_at, deleted)", self._rows)
            self._copy("person_ids (id_number, member_uuid, household_uuid, township_code)", self._person_ids)
            self._copy("audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new, kind)",
                       self._audit)
            for rows in (self._households, self._members, self._rows, self._person_ids, self._audit):
                rows.clear()
        if self.received:
            self.db.executemany(
                "INSERT INTO sync_received (uuid, entity, township_code, revision, content_hash, local_revision,"
                " batch_hash) VALUES (?, 'household', ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                " township_code = excluded.township_code, revision = excluded.revision,"
                " content_hash = excluded.content_hash, local_revision = excluded.local_revision,"
                " batch_hash = excluded.batch_hash", self.received)
            self.received.clear()
        self.touched.clear()

    def _copy(self, target: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with self.db.conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
