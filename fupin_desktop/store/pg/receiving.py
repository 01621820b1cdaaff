"""The county side of the exchange on PostgreSQL.

:class:`PgSyncRepository` is the SQLite :class:`~fupin_desktop.store.sync.SyncRepository`'s
identity, batch-log and merge methods on a :class:`~fupin_desktop.store.pg.database.PgDatabase`:
the statements both engines read alike are inherited unchanged (so the two back ends cannot drift);
what differs is overridden here — households and their rows partitioned by county code, ``jsonb``
fields, ``RETURNING`` ids, ``GREATEST``, ``ON CONFLICT DO NOTHING``, and the cross-database
``person_ids`` index that finds an ID number in two households with one lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import same_person_numbers
from fupin_desktop.domain.text import pinyin_sort_key
from fupin_desktop.store import audit
from fupin_desktop.store.case_sync import RECORD_KEYS, CaseSync
from fupin_desktop.store.database import Database, now_iso
from fupin_desktop.store.households import search_text_of
from fupin_desktop.store.pg.bulk import BulkLoad
from fupin_desktop.store.pg.database import PgDatabase, partition_suffix
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.store.sync_records import CHUNK, HOUSEHOLD_KEYS, canonical, field_text
from fupin_desktop.store.sync_records import SyncTables as _SyncTables

#: The partitioned tables, each partitioned by county code.
PARTITIONED = ("households", "members", "household_rows")


def county_of(township_code: str) -> str:
    """The county code of a township (its first six digits: 省2 市2 县2)."""
    return township_code[:6]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def bundle_search_text(bundle: dict[str, Any]) -> str:
    """The household list's search text of an incoming household (as the SQLite index holds it)."""
    return search_text_of(bundle["number"], ((m["name"], m["id_number"]) for m in bundle["members"]
                                             if not m["deleted"])).lower()


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


class PgSyncRepository(SyncRepository):
    """Every statement of the receiving side, on PostgreSQL (the township side's outbox methods are
    inherited but never used: townships always work on SQLite)."""

    def __init__(self, db: PgDatabase) -> None:
        # The inherited statements only use query/query_one/one/integer/execute/transaction,
        # which PgDatabase offers with the same meaning.
        _SyncTables.__init__(self, cast(Database, db))
        self.pg = db
        self._partitions: set[str] = set()  # made in a committed transaction, or in the open one
        db.on_rollback.append(self._partitions.clear)
        self._bulk: BulkLoad | None = None  # inside bulk_loading(): new households gathered for COPY

    # -- one batch's merge: looked up in one query, written with COPY --------------------------
    @contextmanager
    def bulk_loading(self) -> Iterator[None]:
        self._bulk = BulkLoad(self.pg)
        try:
            yield
            self._bulk.flush()
        finally:
            self._bulk = None

    def flush_bulk(self) -> None:
        """Write what this batch gathered so far (before reading the households it brought)."""
        if self._bulk is not None:
            self._bulk.flush()

    def prefetch(self, bundles: list[dict[str, Any]]) -> None:
        if self._bulk is not None:
            self._bulk.prefetch(bundles)

    def household_state(self, uuid: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if self._bulk is not None:
            known = self._bulk.state(uuid)
            if known is not None:
                return known
        return super().household_state(uuid)

    def household_revision(self, household_id: int) -> int:
        if self._bulk is not None and household_id in self._bulk.revisions:
            return self._bulk.revisions[household_id]
        return super().household_revision(household_id)

    def set_received(self, uuid: str, code: str, revision: int, content_hash: str, local_revision: int,
                     batch_hash: str) -> None:
        if self._bulk is not None:
            self._bulk.received.append((uuid, code, revision, content_hash, local_revision, batch_hash))
            self._bulk.touch(uuid)
        else:
            super().set_received(uuid, code, revision, content_hash, local_revision, batch_hash)

    # -- partitions -------------------------------------------------------------------------
    def ensure_partition(self, county_code: str) -> None:
        """Create the county's partitions of the household tables once (inside the caller's transaction)."""
        if county_code in self._partitions:
            return
        suffix = partition_suffix(county_code)
        for table in PARTITIONED:
            # Identifiers cannot be bound; the suffix is digits only (partition_suffix checks it).
            self.pg.execute(
                f"CREATE TABLE IF NOT EXISTS {table}_{suffix} PARTITION OF {table} FOR VALUES IN ('{suffix}')")
        self._partitions.add(county_code)

    def counties(self) -> list[str]:
        return [r[0] for r in self.pg.query("SELECT DISTINCT county_code FROM villages ORDER BY 1")]

    # -- batch log ---------------------------------------------------------------------------
    def log_batch(self, batch_hash: str, code: str, sequence: int, created_at: str, counts: dict[str, int],
                  merge: dict[str, Any]) -> str:
        now = now_iso()
        self.pg.execute(
            "INSERT INTO sync_batch_log (hash, township_code, sequence, created_at, imported_at, counts, merge,"
            " status) VALUES (?, ?, ?, ?, ?, ?, ?, 'imported')",
            (batch_hash, code, sequence, created_at, now, canonical(counts), canonical(merge)),
        )
        self.pg.execute("UPDATE sync_townships SET last_sequence = GREATEST(last_sequence, ?) WHERE code = ?",
                        (sequence, code))
        return now

    # -- villages ----------------------------------------------------------------------------
    def _village_place(self, code: str) -> dict[str, str]:
        self.ensure_partition(county_of(code))  # the county's partitions, before its first household
        return {"township_code": code, "county_code": county_of(code)}

    # -- households as bundles -------------------------------------------------------------
    def bundles(self, household_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
        for start in range(0, len(household_ids), CHUNK):
            chunk = household_ids[start:start + CHUNK]
            by_id: dict[int, dict[str, Any]] = {}
            for r in self.pg.query(
                "SELECT h.*, v.uuid AS village_uuid FROM households h JOIN villages v ON v.id = h.village_id"
                " WHERE h.id = ANY(?)", (chunk,),
            ):
                b = {k: r[k] for k in HOUSEHOLD_KEYS if k != "fields"}
                b["fields"] = r["fields"]
                b["deleted"] = bool(r["deleted"])
                for table in TABLES:
                    b[table] = []
                by_id[r["id"]] = b
            for r in self.pg.query(
                "SELECT household_id, uuid, seq, fields, revision, updated_at, deleted, name, id_number, relation"
                " FROM members WHERE household_id = ANY(?) ORDER BY household_id, seq, id", (chunk,),
            ):
                by_id[r["household_id"]]["members"].append({
                    "uuid": r["uuid"], "seq": r["seq"], "fields": r["fields"], "revision": r["revision"],
                    "updated_at": r["updated_at"], "deleted": bool(r["deleted"]), "name": r["name"],
                    "id_number": r["id_number"], "relation": r["relation"]})
            for r in self.pg.query(
                "SELECT tbl, household_id, uuid, seq, fields, revision, updated_at, deleted FROM household_rows"
                " WHERE household_id = ANY(?) ORDER BY household_id, seq, id", (chunk,),
            ):
                by_id[r["household_id"]][r["tbl"]].append({
                    "uuid": r["uuid"], "seq": r["seq"], "fields": r["fields"], "revision": r["revision"],
                    "updated_at": r["updated_at"], "deleted": bool(r["deleted"])})
            for hid in chunk:
                if hid in by_id:
                    yield hid, by_id[hid]

    def apply_bundle(self, bundle: dict[str, Any], village_id: int, operator: str, township_code: str) -> int:
        """Write an incoming household bundle over the database's copy (caller holds the transaction)."""
        county = county_of(township_code)
        self.ensure_partition(county)
        cols = (village_id, _text(bundle["group_name"]), _text(bundle["number"]), _int_or_none(bundle["year"]),
                _text(bundle["head_name"]), _text(bundle["head_id_number"]), int(bundle["size"] or 0),
                field_text(bundle["fields"]), int(bundle["revision"]), _text(bundle["created_at"]),
                _text(bundle["updated_at"]), int(bool(bundle["deleted"])), pinyin_sort_key(_text(bundle["head_name"])),
                bundle_search_text(bundle))
        if self._bulk is not None and self._bulk.absent(bundle["uuid"]):
            return self._bulk.insert(bundle, cols, county, township_code, operator)
        row = self.pg.query_one("SELECT id FROM households WHERE county_code = ? AND uuid = ?", (county, bundle["uuid"]))
        if row is None:
            household_id = int(self.pg.one(
                "INSERT INTO households (village_id, group_name, number, year, head_name, head_id_number, size,"
                " fields, revision, created_at, updated_at, deleted, head_sort, search_text, uuid, county_code,"
                " township_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (*cols, bundle["uuid"], county, township_code),
            )[0])
            action = "create"
        else:
            household_id = int(row[0])
            self.pg.execute(
                "UPDATE households SET village_id = ?, group_name = ?, number = ?, year = ?, head_name = ?,"
                " head_id_number = ?, size = ?, fields = ?::jsonb, revision = ?, created_at = ?, updated_at = ?,"
                " deleted = ?, head_sort = ?, search_text = ? WHERE county_code = ? AND id = ?",
                (*cols, county, household_id),
            )
            action = "delete" if bundle["deleted"] else "update"
        now = now_iso()
        for table in TABLES:
            incoming = bundle[table]
            if table == "members":
                self.pg.executemany(
                    "INSERT INTO members (county_code, uuid, household_id, seq, fields, revision, updated_at, deleted,"
                    " name, id_number, relation) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (county_code, uuid) DO UPDATE SET household_id = excluded.household_id,"
                    " seq = excluded.seq, fields = excluded.fields, revision = excluded.revision,"
                    " updated_at = excluded.updated_at, deleted = excluded.deleted, name = excluded.name,"
                    " id_number = excluded.id_number, relation = excluded.relation",
                    [(county, r["uuid"], household_id, int(r["seq"] or 0), field_text(r["fields"]), int(r["revision"]),
                      _text(r["updated_at"]), int(bool(r["deleted"])), _text(r["name"]), _text(r["id_number"]),
                      _text(r["relation"])) for r in incoming],
                )
                target, where = "members", ""
            else:
                self.pg.executemany(
                    "INSERT INTO household_rows (county_code, tbl, uuid, household_id, seq, fields, revision,"
                    " updated_at, deleted) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)"
                    " ON CONFLICT (county_code, uuid) DO UPDATE SET household_id = excluded.household_id,"
                    " tbl = excluded.tbl, seq = excluded.seq, fields = excluded.fields, revision = excluded.revision,"
                    " updated_at = excluded.updated_at, deleted = excluded.deleted",
                    [(county, table, r["uuid"], household_id, int(r["seq"] or 0), field_text(r["fields"]),
                      int(r["revision"]), _text(r["updated_at"]), int(bool(r["deleted"]))) for r in incoming],
                )
                target, where = "household_rows", " AND tbl = ?"
            if row is not None:  # rows only this database had: tombstoned, as on SQLite
                self.pg.execute(
                    f"UPDATE {target} SET deleted = 1, revision = revision + 1, updated_at = ?"
                    f" WHERE county_code = ? AND household_id = ? AND deleted = 0 AND NOT (uuid = ANY(?)){where}",
                    (now, county, household_id, [r["uuid"] for r in incoming], *((table,) if where else ())),
                )
        self._index_ids(bundle, township_code)
        audit.record(cast(Database, self.pg), operator=operator, action=action, entity="household",
                     entity_uuid=bundle["uuid"], household_uuid=bundle["uuid"], field="sync",
                     new={"township": township_code, "revision": bundle["revision"]}, at=now)
        return household_id

    def _index_ids(self, bundle: dict[str, Any], township_code: str) -> None:
        self.pg.execute("DELETE FROM person_ids WHERE household_uuid = ?", (bundle["uuid"],))
        if bundle["deleted"]:
            return
        live = {(_text(m["id_number"]), m["uuid"]) for m in bundle["members"]
                if not m["deleted"] and _text(m["id_number"])}
        if live:
            self.pg.executemany(
                "INSERT INTO person_ids (id_number, member_uuid, household_uuid, township_code) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (member_uuid) DO UPDATE SET id_number = excluded.id_number,"
                " household_uuid = excluded.household_uuid, township_code = excluded.township_code",
                [(number, uuid, bundle["uuid"], township_code) for number, uuid in sorted(live)],
            )

    # -- conflicts, duplicates ---------------------------------------------------------------
    def add_conflict(self, bundle: dict[str, Any], code: str, batch_hash: str, reason: str, local_revision: int) -> None:
        if self._bulk is not None:
            self._bulk.touch(str(bundle["uuid"]))
        super().add_conflict(bundle, code, batch_hash, reason, local_revision)

    def conflicts(self, *, township_code: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        where, params = [], []
        if open_only:
            where.append("c.resolved_at IS NULL")
        if township_code is not None:
            where.append("c.township_code = ?")
            params.append(township_code)
        sql = (
            "SELECT c.id, c.household_uuid, c.township_code, c.batch_hash, c.reason, c.incoming_revision,"
            " c.local_revision, c.created_at, c.resolved_at, c.resolution, c.resolved_by,"
            " c.incoming::jsonb ->> 'number' AS number, c.incoming::jsonb ->> 'head_name' AS head_name,"
            " c.incoming::jsonb ->> 'updated_at' AS incoming_updated_at, h.updated_at AS local_updated_at,"
            " h.id AS household_id, h.head_name AS local_head_name, st.name AS township_name"
            " FROM sync_conflicts c LEFT JOIN households h ON h.uuid = c.household_uuid"
            " LEFT JOIN sync_townships st ON st.code = c.township_code"
            + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY c.id"
        )
        return [dict(r) for r in self.pg.query(sql, tuple(params))]

    def other_township_holders(self, id_number: str, code: str) -> list[dict[str, Any]]:
        """Members of other townships who are this person (one lookup in ``person_ids``)."""
        if self._bulk is not None:
            known = self._bulk.holders(id_number, code)
            if known is not None:
                return known
        rows = self.pg.query(
            "SELECT member_uuid, household_uuid, township_code FROM person_ids"
            " WHERE id_number = ANY(?) AND township_code <> ?",
            (list(same_person_numbers(id_number)), code),
        )
        return [dict(r) for r in rows]

    # -- snapshots (tests and diagnostics) ---------------------------------------------------
    def table_digest(self) -> str:
        """A hash of every row of every table: equal digests mean an unchanged database."""
        h = hashlib.sha256()
        names = [r[0] for r in self.pg.query(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " ORDER BY c.relname")]
        for name in names:
            h.update(name.encode())
            # The name comes from the catalogue, quoted as an identifier.
            for row in self.pg.query(f'SELECT t::text FROM "{name}" t ORDER BY 1'):
                h.update(str(row[0]).encode())
        return h.hexdigest()


class PgCaseSync(CaseSync):
    """Identification cases on PostgreSQL: the SQLite statements, with ``RETURNING`` ids and
    ``ON CONFLICT DO NOTHING`` where SQLite says ``lastrowid`` and ``INSERT OR IGNORE``."""

    def __init__(self, db: PgDatabase, repo: PgSyncRepository) -> None:
        super().__init__(cast(Database, db))
        self.pg = db
        self.repo = repo

    def household_by_uuid(self, uuid: str) -> tuple[int, int] | None:
        self.repo.flush_bulk()  # the batch's own households, gathered for COPY, are written first
        return super().household_by_uuid(uuid)

    def add_case(self, rec: dict[str, Any], household_id: int, village_id: int) -> int:
        now = now_iso()
        return int(self.pg.one(
            "INSERT INTO cases (uuid, subject_kind, subject_id, village_id, year, kind, procedure, stage, status,"
            " last_date, details, created_at, updated_at) VALUES (?, 'household', ?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (rec["uuid"], household_id, village_id, int(rec["year"]), str(rec["kind"]), str(rec["procedure"]),
             str(rec["stage"]), "refused", str(rec["last_date"]),
             json.dumps(rec.get("details") or {}, ensure_ascii=False, sort_keys=True), now, now))[0])

    def add_record(self, case_id: int, rec: dict[str, Any]) -> bool:
        date.fromisoformat(str(rec["date"]))  # a malformed date refuses the batch
        cur = self.pg.execute(
            "INSERT INTO case_records (uuid, case_id, stage, to_stage, date, decision, reference, note,"
            " reason, override_reason, operator, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (uuid) DO NOTHING",
            (str(rec["uuid"]), case_id, *(str(rec.get(k) or "") for k in RECORD_KEYS[1:])))
        return cur.rowcount > 0
