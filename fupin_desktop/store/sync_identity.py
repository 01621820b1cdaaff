"""Sync identities: key pairs, the trusted county, the registered townships and the county's batch log."""


from __future__ import annotations

import json
from typing import Any

from fupin_desktop.store import audit
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.sync_records import (
    CountyRecord,
    KeyRecord,
    LoggedBatch,
    SyncTables,
    TownshipRecord,
    canonical,
)


class SyncIdentity(SyncTables):
    """Who is who: this side's keys, the county it trusts, the townships a county registered."""

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
