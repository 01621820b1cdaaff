"""Sync repositories: keys, the county identity, outbox and batch logs, per-record sync state.

Both sides of the county-township exchange keep their state here (migration 0002):

* township side: its signing key, the trusted county, the batches it wrote (``sync_outbox``),
  the revision of every record last exported (``sync_exported``) and imported feedback;
* county side: its key pairs, the registered townships, the batch log, what was last received
  of each household (``sync_received``), conflicts, cross-township duplicates and rejections.

A household travels as a *bundle*: the household row with every row of its Handbook tables,
tombstones included, as plain JSON-able dicts.  The household revision moves whenever any of
its rows changes (see ``HouseholdRepository.save``), so the bundle is the unit of merging.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import same_person_numbers
from fupin_desktop.domain.text import pinyin_initials, pinyin_sort_key
from fupin_desktop.store import audit, settings
from fupin_desktop.store.database import Database, now_iso

#: Columns of a household bundle besides its tables (``fields`` is the parsed JSON).
HOUSEHOLD_KEYS = ("uuid", "village_uuid", "group_name", "number", "year", "head_name", "head_id_number",
                  "size", "fields", "revision", "created_at", "updated_at", "deleted")
ROW_KEYS = ("uuid", "seq", "fields", "revision", "updated_at", "deleted")
MEMBER_EXTRA = ("name", "id_number", "relation")
VILLAGE_KEYS = ("uuid", "code", "name", "quota", "is_poor", "seq", "revision", "updated_at", "deleted")
GROUP_KEYS = ("uuid", "village_uuid", "name", "seq", "revision", "updated_at", "deleted")
CHUNK = 500


@dataclass(frozen=True)
class KeyRecord:
    role: str
    algorithm: str
    public_key: bytes
    private_key: bytes
    fingerprint: str
    created_at: str


@dataclass(frozen=True)
class CountyRecord:
    code: str
    name: str
    seal_key: bytes
    sign_key: bytes
    fingerprint: str
    own: bool
    trusted_at: str


@dataclass(frozen=True)
class TownshipRecord:
    code: str
    name: str
    county: str
    city: str
    province: str
    sign_key: bytes
    fingerprint: str
    last_sequence: int
    registered_at: str


@dataclass(frozen=True)
class OutboxBatch:
    sequence: int
    hash: str
    file_name: str
    path: str
    copy_path: str
    full: bool
    size: int
    created_at: str
    counts: dict[str, int]
    held_back: int
    state: str
    state_at: str
    message: str


@dataclass(frozen=True)
class LoggedBatch:
    hash: str
    township_code: str
    sequence: int
    created_at: str
    imported_at: str
    counts: dict[str, int]
    merge: dict[str, Any]
    status: str


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def bundle_hash(bundle: dict[str, Any]) -> str:
    """Hash of what a household *says*, not of its bookkeeping (revisions, times, tombstones).

    Two bundles with the same hash hold the same values; a deleted row and an absent row
    are the same thing.
    """
    content: dict[str, Any] = {k: bundle.get(k) for k in HOUSEHOLD_KEYS
                               if k not in ("uuid", "revision", "created_at", "updated_at")}
    for table in TABLES:
        rows = [r for r in bundle.get(table, []) if not r.get("deleted")]
        content[table] = sorted(
            ({k: r.get(k) for k in (*ROW_KEYS, *MEMBER_EXTRA) if k not in ("revision", "updated_at")}
             for r in rows),
            key=lambda r: str(r.get("uuid")),
        )
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


class SyncRepository:
    """Every SQL statement of the exchange, for either side."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- keys and identities ---------------------------------------------------------------
    def key(self, role: str) -> KeyRecord | None:
        row = self.db.query_one("SELECT * FROM sync_keys WHERE role = ?", (role,))
        if row is None:
            return None
        return KeyRecord(row["role"], row["algorithm"], bytes(row["public_key"]), bytes(row["private_key"]),
                         row["fingerprint"], row["created_at"])

    def put_key(self, role: str, algorithm: str, public_key: bytes, private_key: bytes, fingerprint: str) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO sync_keys (role, algorithm, public_key, private_key, fingerprint, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (role, algorithm, public_key, private_key, fingerprint, now_iso()),
            )

    def county(self) -> CountyRecord | None:
        row = self.db.query_one("SELECT * FROM sync_county WHERE id = 1")
        if row is None:
            return None
        return CountyRecord(row["code"], row["name"], bytes(row["seal_key"]), bytes(row["sign_key"]),
                            row["fingerprint"], bool(row["own"]), row["trusted_at"])

    def put_county(self, code: str, name: str, seal_key: bytes, sign_key: bytes, fingerprint: str,
                   *, own: bool) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO sync_county (id, code, name, seal_key, sign_key, fingerprint, own, trusted_at)"
                " VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET code = excluded.code,"
                " name = excluded.name, seal_key = excluded.seal_key, sign_key = excluded.sign_key,"
                " fingerprint = excluded.fingerprint, own = excluded.own, trusted_at = excluded.trusted_at",
                (code, name, seal_key, sign_key, fingerprint, int(own), now_iso()),
            )

    def is_county(self) -> bool:
        row = self.db.query_one("SELECT own FROM sync_county WHERE id = 1")
        return bool(row and row[0])

    def own_township(self) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT uuid, code, name, county, city, province, revision FROM township WHERE id = 1")
        return dict(row) if row else None

    def create_county_township_row(self, code: str, name: str, operator: str) -> None:
        """A county database's own row in ``township`` (its villages come from the townships)."""
        from fupin_desktop.domain.household import new_uuid

        now = now_iso()
        uuid = new_uuid()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO township (id, uuid, code, name, county, revision, updated_at)"
                " VALUES (1, ?, ?, ?, ?, 1, ?)",
                (uuid, code, name, name, now),
            )
            audit.record(self.db, operator=operator, action="create", entity="township", entity_uuid=uuid,
                         field="name", new=name, at=now)

    # -- county: registered townships -------------------------------------------------------
    def townships(self) -> list[TownshipRecord]:
        return [self._township(r) for r in self.db.query("SELECT * FROM sync_townships ORDER BY code")]

    def township(self, code: str) -> TownshipRecord | None:
        row = self.db.query_one("SELECT * FROM sync_townships WHERE code = ?", (code,))
        return self._township(row) if row else None

    def township_by_fingerprint(self, fingerprint: str) -> TownshipRecord | None:
        row = self.db.query_one("SELECT * FROM sync_townships WHERE fingerprint = ?", (fingerprint,))
        return self._township(row) if row else None

    @staticmethod
    def _township(r: Any) -> TownshipRecord:
        return TownshipRecord(r["code"], r["name"], r["county"], r["city"], r["province"], bytes(r["sign_key"]),
                              r["fingerprint"], r["last_sequence"], r["registered_at"])

    def register_township(self, code: str, name: str, county: str, city: str, province: str,
                          sign_key: bytes, fingerprint: str, operator: str) -> None:
        now = now_iso()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO sync_townships (code, name, county, city, province, sign_key, fingerprint,"
                " registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
                " name = excluded.name, sign_key = excluded.sign_key, fingerprint = excluded.fingerprint,"
                " registered_at = excluded.registered_at",
                (code, name, county, city, province, sign_key, fingerprint, now),
            )
            audit.record(self.db, operator=operator, action="update", entity="sync_township", entity_uuid=code,
                         field="fingerprint", new=fingerprint, at=now)

    def update_township_info(self, code: str, info: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE sync_townships SET name = ?, county = ?, city = ?, province = ? WHERE code = ?",
            (str(info.get("name") or ""), str(info.get("county") or ""), str(info.get("city") or ""),
             str(info.get("province") or ""), code),
        )

    # -- county: batch log -------------------------------------------------------------------
    def logged_batch(self, batch_hash: str) -> LoggedBatch | None:
        row = self.db.query_one("SELECT * FROM sync_batch_log WHERE hash = ?", (batch_hash,))
        return self._logged(row) if row else None

    def logged_sequence(self, code: str, sequence: int) -> LoggedBatch | None:
        row = self.db.query_one(
            "SELECT * FROM sync_batch_log WHERE township_code = ? AND sequence = ?", (code, sequence)
        )
        return self._logged(row) if row else None

    def batch_log(self, code: str | None = None) -> list[LoggedBatch]:
        if code is None:
            rows = self.db.query("SELECT * FROM sync_batch_log ORDER BY imported_at DESC, township_code, sequence")
        else:
            rows = self.db.query("SELECT * FROM sync_batch_log WHERE township_code = ? ORDER BY sequence", (code,))
        return [self._logged(r) for r in rows]

    @staticmethod
    def _logged(r: Any) -> LoggedBatch:
        return LoggedBatch(r["hash"], r["township_code"], r["sequence"], r["created_at"], r["imported_at"],
                           json.loads(r["counts"]), json.loads(r["merge"]), r["status"])

    def log_batch(self, batch_hash: str, code: str, sequence: int, created_at: str, counts: dict[str, int],
                  merge: dict[str, Any]) -> str:
        now = now_iso()
        self.db.execute(
            "INSERT INTO sync_batch_log (hash, township_code, sequence, created_at, imported_at, counts, merge,"
            " status) VALUES (?, ?, ?, ?, ?, ?, ?, 'imported')",
            (batch_hash, code, sequence, created_at, now, canonical(counts), canonical(merge)),
        )
        self.db.execute(
            "UPDATE sync_townships SET last_sequence = MAX(last_sequence, ?) WHERE code = ?", (sequence, code)
        )
        return now

    def missing_sequences(self, code: str) -> list[int]:
        seqs = {r[0] for r in self.db.query("SELECT sequence FROM sync_batch_log WHERE township_code = ?", (code,))}
        return [n for n in range(1, max(seqs, default=0)) if n not in seqs]

    # -- county: villages and groups of a township -------------------------------------------
    def village_ids(self, code: str) -> dict[str, int]:
        rows = self.db.query("SELECT uuid, id FROM villages WHERE township_code = ?", (code,))
        return {r[0]: r[1] for r in rows}

    def village_townships(self) -> dict[int, str | None]:
        """Village id -> the code of the township it came from (None: this database's own)."""
        return {r[0]: r[1] for r in self.db.query("SELECT id, township_code FROM villages WHERE deleted = 0")}

    def village_owner(self, uuid: str) -> tuple[int, str | None] | None:
        row = self.db.query_one("SELECT id, township_code FROM villages WHERE uuid = ?", (uuid,))
        return (row[0], row[1]) if row else None

    def village_groups_of(self, code: str) -> dict[str, list[str]]:
        """Village name -> its groups, for one township (the rules' context at the county)."""
        rows = self.db.query(
            "SELECT v.name AS village, g.name AS grp FROM villages v LEFT JOIN village_groups g"
            " ON g.village_id = v.id AND g.deleted = 0 WHERE v.township_code = ? AND v.deleted = 0"
            " ORDER BY v.seq, g.seq", (code,),
        )
        out: dict[str, list[str]] = {}
        for r in rows:
            groups = out.setdefault(r["village"], [])
            if r["grp"] is not None:
                groups.append(r["grp"])
        return out

    def upsert_village(self, code: str, rec: dict[str, Any]) -> str | None:
        """Insert or update an incoming village; returns a Chinese reason if it cannot be taken."""
        owner = self.village_owner(rec["uuid"])
        if owner is not None and owner[1] != code:
            return "该村的记录编号已属于其他乡镇"
        if not rec["deleted"]:
            clash = self.db.query_one(
                "SELECT uuid FROM villages WHERE township_code = ? AND name = ? AND deleted = 0 AND uuid != ?",
                (code, rec["name"], rec["uuid"]),
            )
            if clash is not None:
                return f"本乡已有另一个名为“{rec['name']}”的村"
        values = (rec["code"], rec["name"], rec["quota"], int(bool(rec["is_poor"])), rec["seq"], rec["revision"],
                  rec["updated_at"], int(bool(rec["deleted"])))
        if owner is None:
            self.db.execute(
                "INSERT INTO villages (uuid, code, name, quota, is_poor, seq, revision, updated_at, deleted,"
                " township_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rec["uuid"], *values, code),
            )
        else:
            self.db.execute(
                "UPDATE villages SET code = ?, name = ?, quota = ?, is_poor = ?, seq = ?, revision = ?,"
                " updated_at = ?, deleted = ? WHERE uuid = ? AND revision <= ?",
                (*values, rec["uuid"], rec["revision"]),
            )
        return None

    def upsert_group(self, village_id: int, rec: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO village_groups (uuid, village_id, name, seq, revision, updated_at, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET village_id = excluded.village_id,"
            " name = excluded.name, seq = excluded.seq, revision = excluded.revision,"
            " updated_at = excluded.updated_at, deleted = excluded.deleted"
            " WHERE excluded.revision >= village_groups.revision",
            (rec["uuid"], village_id, rec["name"], rec["seq"], rec["revision"], rec["updated_at"],
             int(bool(rec["deleted"]))),
        )

    # -- township side: what changed since the last batch ----------------------------------
    def changed_villages(self, full: bool) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT v.* FROM villages v LEFT JOIN sync_exported e ON e.uuid = v.uuid"
            " WHERE v.township_code IS NULL AND (? OR e.revision IS NULL OR e.revision < v.revision)"
            " ORDER BY v.deleted DESC, v.seq, v.id", (int(full),),
        )
        return [{k: (bool(r[k]) if k in ("is_poor", "deleted") else r[k]) for k in VILLAGE_KEYS} for r in rows]

    def changed_groups(self, full: bool) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT g.*, v.uuid AS village_uuid FROM village_groups g JOIN villages v ON v.id = g.village_id"
            " LEFT JOIN sync_exported e ON e.uuid = g.uuid"
            " WHERE v.township_code IS NULL AND (? OR e.revision IS NULL OR e.revision < g.revision)"
            " ORDER BY g.deleted DESC, g.village_id, g.seq, g.id", (int(full),),
        )
        return [{k: (bool(r[k]) if k == "deleted" else r[k]) for k in GROUP_KEYS} for r in rows]

    def changed_household_ids(self, full: bool) -> list[int]:
        rows = self.db.query(
            "SELECT h.id FROM households h JOIN villages v ON v.id = h.village_id"
            " LEFT JOIN sync_exported e ON e.uuid = h.uuid"
            " WHERE v.township_code IS NULL AND (? OR e.revision IS NULL OR e.revision < h.revision)"
            " AND NOT (h.deleted = 1 AND e.revision IS NULL AND NOT ?)"
            " ORDER BY h.id", (int(full), int(full)),
        )
        # A household created and deleted between two batches was never seen by the county: skip it
        # (unless --full, which tells the county about every tombstone too).
        return [r[0] for r in rows]

    def bundles(self, household_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(household id, bundle)`` with tombstoned rows included, in the order of ``household_ids``."""
        for start in range(0, len(household_ids), CHUNK):
            chunk = household_ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            heads = self.db.query(
                "SELECT h.*, v.uuid AS village_uuid FROM households h JOIN villages v ON v.id = h.village_id"
                f" WHERE h.id IN ({marks})", tuple(chunk),
            )
            by_id: dict[int, dict[str, Any]] = {}
            for r in heads:
                b = {k: r[k] for k in HOUSEHOLD_KEYS if k != "fields"}
                b["fields"] = json.loads(r["fields"])
                b["deleted"] = bool(r["deleted"])
                for table in TABLES:
                    b[table] = []
                by_id[r["id"]] = b
            for table in TABLES:
                extra = ", name, id_number, relation" if table == "members" else ""
                rows = self.db.query(
                    f"SELECT household_id, uuid, seq, fields, revision, updated_at, deleted{extra} FROM {table}"
                    f" WHERE household_id IN ({marks}) ORDER BY household_id, seq, id", tuple(chunk),
                )
                for r in rows:
                    row = {"uuid": r["uuid"], "seq": r["seq"], "fields": json.loads(r["fields"]),
                           "revision": r["revision"], "updated_at": r["updated_at"], "deleted": bool(r["deleted"])}
                    if extra:
                        row.update(name=r["name"], id_number=r["id_number"], relation=r["relation"])
                    by_id[r["household_id"]][table].append(row)
            for hid in chunk:
                if hid in by_id:
                    yield hid, by_id[hid]

    def mark_exported(self, items: Iterable[tuple[str, str, int]]) -> None:
        """Remember ``(uuid, entity, revision)`` as carried by a batch (caller holds the transaction)."""
        self.db.conn.executemany(
            "INSERT INTO sync_exported (uuid, entity, revision) VALUES (?, ?, ?)"
            " ON CONFLICT (uuid) DO UPDATE SET revision = excluded.revision, entity = excluded.entity",
            list(items),
        )

    # -- township side: outbox ----------------------------------------------------------------
    def next_sequence(self) -> int:
        last = self.db.integer("SELECT COALESCE(MAX(sequence), 0) FROM sync_outbox")
        floor = settings.SYNC_MIN_SEQUENCE.get(self.db)
        return max(int(last), floor) + 1

    def raise_sequence_floor(self, last_seen_by_county: int) -> None:
        """The county has seen up to this number: never reuse it (e.g. after a restore)."""
        if last_seen_by_county > settings.SYNC_MIN_SEQUENCE.get(self.db):
            settings.SYNC_MIN_SEQUENCE.put(self.db, last_seen_by_county)

    def last_outbox(self) -> OutboxBatch | None:
        row = self.db.query_one("SELECT * FROM sync_outbox ORDER BY sequence DESC LIMIT 1")
        return self._outbox(row) if row else None

    def outbox(self) -> list[OutboxBatch]:
        return [self._outbox(r) for r in self.db.query("SELECT * FROM sync_outbox ORDER BY sequence DESC")]

    def outbox_by_hash(self, batch_hash: str) -> OutboxBatch | None:
        row = self.db.query_one("SELECT * FROM sync_outbox WHERE hash = ?", (batch_hash,))
        return self._outbox(row) if row else None

    @staticmethod
    def _outbox(r: Any) -> OutboxBatch:
        return OutboxBatch(r["sequence"], r["hash"], r["file_name"], r["path"], r["copy_path"], bool(r["full"]),
                           r["size"], r["created_at"], json.loads(r["counts"]), r["held_back"], r["state"],
                           r["state_at"], r["message"])

    def add_outbox(self, *, sequence: int, batch_hash: str, file_name: str, path: str, copy_path: str,
                   full: bool, size: int, created_at: str, counts: dict[str, int], held_back: int) -> None:
        self.db.execute(
            "INSERT INTO sync_outbox (sequence, hash, file_name, path, copy_path, full, size, created_at, counts,"
            " held_back, state, state_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'exported', ?)",
            (sequence, batch_hash, file_name, path, copy_path, int(full), size, created_at, canonical(counts),
             held_back, created_at),
        )

    def set_outbox_state(self, batch_hash: str, state: str, message: str = "") -> None:
        with self.db.transaction():
            self.db.execute(
                "UPDATE sync_outbox SET state = ?, state_at = ?, message = ? WHERE hash = ?",
                (state, now_iso(), message, batch_hash),
            )

    # -- township side: feedback ------------------------------------------------------------
    def feedback_seen(self, feedback_hash: str) -> str | None:
        row = self.db.query_one("SELECT imported_at FROM sync_feedback WHERE hash = ?", (feedback_hash,))
        return row[0] if row else None

    def add_feedback(self, feedback_hash: str, county_code: str, created_at: str, content: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO sync_feedback (hash, county_code, created_at, imported_at, content) VALUES (?, ?, ?, ?, ?)",
            (feedback_hash, county_code, created_at, now_iso(), canonical(content)),
        )

    def latest_feedback(self) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT content FROM sync_feedback ORDER BY created_at DESC, imported_at DESC LIMIT 1")
        return json.loads(row[0]) if row else None

    def household_refs(self, uuids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """uuid -> {id, number, head_name, village} of local households (for showing feedback)."""
        out: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(uuids))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            rows = self.db.query(
                "SELECT h.uuid, h.id, h.number, h.head_name, v.name AS village, h.deleted FROM households h"
                f" JOIN villages v ON v.id = h.village_id WHERE h.uuid IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            )
            out.update({r["uuid"]: dict(r) for r in rows})
        return out

    def member_names(self, uuids: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(uuids))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            rows = self.db.query(f"SELECT uuid, name FROM members WHERE uuid IN ({','.join('?' * len(chunk))})",
                                 tuple(chunk))
            out.update({r[0]: r[1] for r in rows})
        return out

    # -- county: merging households ------------------------------------------------------------
    def household_state(self, uuid: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(local household row with its township, last received state) of one household."""
        local = self.db.query_one(
            "SELECT h.id, h.revision, h.deleted, v.township_code FROM households h"
            " JOIN villages v ON v.id = h.village_id WHERE h.uuid = ?", (uuid,),
        )
        received = self.db.query_one("SELECT * FROM sync_received WHERE uuid = ?", (uuid,))
        return (dict(local) if local else None), (dict(received) if received else None)

    def local_bundle(self, household_id: int) -> dict[str, Any] | None:
        return next((b for _id, b in self.bundles([household_id])), None)

    def apply_bundle(self, bundle: dict[str, Any], village_id: int, operator: str, township_code: str) -> int:
        """Write an incoming household bundle over the county's copy (caller holds the transaction)."""
        cols = (village_id, bundle["group_name"], bundle["number"], bundle["year"], bundle["head_name"],
                bundle["head_id_number"], bundle["size"], canonical(bundle["fields"]), bundle["revision"],
                bundle["created_at"], bundle["updated_at"], int(bool(bundle["deleted"])),
                pinyin_sort_key(bundle["head_name"] or ""))  # the 户主姓名 sort key is the county's own
        row = self.db.query_one("SELECT id FROM households WHERE uuid = ?", (bundle["uuid"],))
        if row is None:
            cur = self.db.execute(
                "INSERT INTO households (village_id, group_name, number, year, head_name, head_id_number, size,"
                " fields, revision, created_at, updated_at, deleted, head_sort, uuid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*cols, bundle["uuid"]),
            )
            household_id = int(cur.lastrowid or 0)
            action = "create"
        else:
            household_id = row[0]
            self.db.execute(
                "UPDATE households SET village_id = ?, group_name = ?, number = ?, year = ?, head_name = ?,"
                " head_id_number = ?, size = ?, fields = ?, revision = ?, created_at = ?, updated_at = ?,"
                " deleted = ?, head_sort = ? WHERE id = ?",
                (*cols, household_id),
            )
            action = "delete" if bundle["deleted"] else "update"
        now = now_iso()
        for table in TABLES:
            incoming = bundle[table]
            keep = {r["uuid"] for r in incoming}
            if table == "members":
                self.db.conn.executemany(
                    "INSERT INTO members (uuid, household_id, seq, fields, revision, updated_at, deleted, name,"
                    " id_number, relation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted,"
                    " name = excluded.name, id_number = excluded.id_number, relation = excluded.relation",
                    [(r["uuid"], household_id, r["seq"], canonical(r["fields"]), r["revision"], r["updated_at"],
                      int(bool(r["deleted"])), r["name"], r["id_number"], r["relation"]) for r in incoming],
                )
            else:
                self.db.conn.executemany(
                    f"INSERT INTO {table} (uuid, household_id, seq, fields, revision, updated_at, deleted)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted",
                    [(r["uuid"], household_id, r["seq"], canonical(r["fields"]), r["revision"], r["updated_at"],
                      int(bool(r["deleted"]))) for r in incoming],
                )
            if row is not None:  # rows only the county had (edits taken over by the township's version)
                for other in self.db.query(
                    f"SELECT id, uuid FROM {table} WHERE household_id = ? AND deleted = 0", (household_id,)
                ):
                    if other["uuid"] not in keep:
                        self.db.execute(
                            f"UPDATE {table} SET deleted = 1, revision = revision + 1, updated_at = ? WHERE id = ?",
                            (now, other["id"]),
                        )
        self.db.execute("DELETE FROM household_search WHERE rowid = ?", (household_id,))
        if not bundle["deleted"]:
            self.db.execute("INSERT INTO household_search (rowid, text) VALUES (?, ?)",
                            (household_id, bundle_search_text(bundle)))
        audit.record(self.db, operator=operator, action=action, entity="household", entity_uuid=bundle["uuid"],
                     household_uuid=bundle["uuid"], field="sync",
                     new={"township": township_code, "revision": bundle["revision"]}, at=now)
        return household_id

    def household_revision(self, household_id: int) -> int:
        return self.db.integer("SELECT revision FROM households WHERE id = ?", (household_id,))

    def set_received(self, uuid: str, code: str, revision: int, content_hash: str, local_revision: int,
                     batch_hash: str) -> None:
        self.db.execute(
            "INSERT INTO sync_received (uuid, entity, township_code, revision, content_hash, local_revision,"
            " batch_hash) VALUES (?, 'household', ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
            " township_code = excluded.township_code, revision = excluded.revision,"
            " content_hash = excluded.content_hash, local_revision = excluded.local_revision,"
            " batch_hash = excluded.batch_hash",
            (uuid, code, revision, content_hash, local_revision, batch_hash),
        )

    # -- county: conflicts ------------------------------------------------------------------
    def add_conflict(self, bundle: dict[str, Any], code: str, batch_hash: str, reason: str, local_revision: int) -> None:
        """Open a conflict (or refresh the open one of this household with the newer incoming copy)."""
        now = now_iso()
        self.db.execute(
            "INSERT INTO sync_conflicts (household_uuid, township_code, batch_hash, reason, incoming,"
            " incoming_revision, local_revision, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (household_uuid) WHERE resolved_at IS NULL DO UPDATE SET batch_hash = excluded.batch_hash,"
            " reason = excluded.reason, incoming = excluded.incoming, incoming_revision = excluded.incoming_revision,"
            " local_revision = excluded.local_revision"
            " WHERE excluded.incoming_revision >= sync_conflicts.incoming_revision",
            (bundle["uuid"], code, batch_hash, reason, canonical(bundle), bundle["revision"], local_revision, now),
        )

    def open_conflict(self, household_uuid: str) -> dict[str, Any] | None:
        row = self.db.query_one(
            "SELECT * FROM sync_conflicts WHERE household_uuid = ? AND resolved_at IS NULL", (household_uuid,)
        )
        return dict(row) if row else None

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
            " json_extract(c.incoming, '$.number') AS number, json_extract(c.incoming, '$.head_name') AS head_name,"
            " json_extract(c.incoming, '$.updated_at') AS incoming_updated_at, h.updated_at AS local_updated_at,"
            " h.id AS household_id, h.head_name AS local_head_name, st.name AS township_name"
            " FROM sync_conflicts c LEFT JOIN households h ON h.uuid = c.household_uuid"
            " LEFT JOIN sync_townships st ON st.code = c.township_code"
            + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY c.id"
        )
        return [dict(r) for r in self.db.query(sql, tuple(params))]

    def conflict(self, conflict_id: int) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT * FROM sync_conflicts WHERE id = ?", (conflict_id,))
        return dict(row) if row else None

    def close_conflict(self, conflict_id: int, resolution: str, operator: str) -> None:
        self.db.execute(
            "UPDATE sync_conflicts SET resolved_at = ?, resolution = ?, resolved_by = ? WHERE id = ?",
            (now_iso(), resolution, operator, conflict_id),
        )

    # -- county: duplicates and rejections --------------------------------------------------
    def other_township_holders(self, id_number: str, code: str) -> list[dict[str, Any]]:
        """Members of other townships who are this person: the ID number or one of its 残疾人证 numbers."""
        numbers = same_person_numbers(id_number)
        rows = self.db.query(
            "SELECT m.uuid AS member_uuid, h.uuid AS household_uuid, v.township_code FROM members m"
            " JOIN households h ON h.id = m.household_id JOIN villages v ON v.id = h.village_id"
            f" WHERE m.id_number IN ({','.join('?' * len(numbers))}) AND m.deleted = 0 AND h.deleted = 0"
            " AND COALESCE(v.township_code, '') != ?",
            (*numbers, code),
        )
        return [dict(r) for r in rows]

    def add_duplicate(self, id_number: str, member_uuid: str, household_uuid: str, code: str,
                      other: dict[str, Any]) -> bool:
        reverse = self.db.query_one(
            "SELECT 1 FROM sync_duplicates WHERE member_uuid = ? AND other_member_uuid = ?",
            (other["member_uuid"], member_uuid),
        )
        if reverse is not None:
            return False
        cur = self.db.execute(
            "INSERT OR IGNORE INTO sync_duplicates (id_number, member_uuid, household_uuid, township_code,"
            " other_member_uuid, other_household_uuid, other_township_code, found_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (id_number, member_uuid, household_uuid, code, other["member_uuid"], other["household_uuid"],
             other["township_code"], now_iso()),
        )
        return cur.rowcount > 0

    def duplicates(self, *, township_code: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        where, params = [], []
        if open_only:
            where.append("d.reviewed_at IS NULL")
        if township_code is not None:
            where.append("(d.township_code = ? OR d.other_township_code = ?)")
            params += [township_code, township_code]
        sql = (
            "SELECT d.*, m.name AS name, om.name AS other_name, h.number AS number, oh.number AS other_number,"
            " st.name AS township_name, COALESCE(ost.name, t.name) AS other_township_name"
            " FROM sync_duplicates d LEFT JOIN members m ON m.uuid = d.member_uuid"
            " LEFT JOIN members om ON om.uuid = d.other_member_uuid"
            " LEFT JOIN households h ON h.uuid = d.household_uuid"
            " LEFT JOIN households oh ON oh.uuid = d.other_household_uuid"
            " LEFT JOIN sync_townships st ON st.code = d.township_code"
            " LEFT JOIN sync_townships ost ON ost.code = d.other_township_code"
            " LEFT JOIN township t ON t.id = 1"
            + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY d.id"
        )
        return [dict(r) for r in self.db.query(sql, tuple(params))]

    def review_duplicate(self, duplicate_id: int) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE sync_duplicates SET reviewed_at = ? WHERE id = ?", (now_iso(), duplicate_id))

    def add_rejection(self, code: str, batch_hash: str, entity: str, uuid: str, number: str,
                      reasons: list[str]) -> None:
        self.db.execute(
            "INSERT INTO sync_rejections (township_code, batch_hash, entity, uuid, number, reasons, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, batch_hash, entity, uuid, number, canonical(reasons), now_iso()),
        )

    def rejections(self, code: str) -> list[dict[str, Any]]:
        """The latest rejection of each record of a township that was not taken later."""
        rows = self.db.query(
            "SELECT r.* FROM sync_rejections r WHERE r.township_code = ? AND r.id = (SELECT MAX(id) FROM"
            " sync_rejections x WHERE x.uuid = r.uuid) AND NOT EXISTS (SELECT 1 FROM sync_received s"
            " JOIN sync_batch_log b1 ON b1.hash = s.batch_hash JOIN sync_batch_log b2 ON b2.hash = r.batch_hash"
            " WHERE s.uuid = r.uuid AND b1.sequence > b2.sequence) ORDER BY r.id", (code,),
        )
        return [{**dict(r), "reasons": json.loads(r["reasons"])} for r in rows]

    # -- snapshots (tests and diagnostics) ---------------------------------------------------
    def table_digest(self) -> str:
        """A hash of every row of every table: equal digests mean an unchanged database."""
        h = hashlib.sha256()
        names = [r[0] for r in self.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'household_search_%' ORDER BY name")]
        for name in names:
            h.update(name.encode())
            for row in self.db.query(f'SELECT * FROM "{name}" ORDER BY rowid' if name != "household_search"
                                     else "SELECT rowid, text FROM household_search ORDER BY rowid"):
                h.update(repr(tuple(row)).encode())
        h.update(str(self.db.user_version).encode())
        return h.hexdigest()


def bundle_search_text(bundle: dict[str, Any]) -> str:
    """The search-index text of a bundle, as ``households.search_text`` makes it for a Household."""
    parts = [str(bundle.get("number") or "")]
    for m in bundle.get("members", []):
        if m.get("deleted"):
            continue
        name = str(m.get("name") or "")
        parts += [name, pinyin_initials(name), str(m.get("id_number") or "")]
    return " | ".join(p for p in parts if p)
