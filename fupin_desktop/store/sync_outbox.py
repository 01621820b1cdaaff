"""The township side of the exchange: what changed since the last batch, the outbox, the feedback."""


from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fupin_desktop.store import settings
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.sync_records import (
    CHUNK,
    GROUP_KEYS,
    VILLAGE_KEYS,
    OutboxBatch,
    SyncTables,
    canonical,
)


class TownshipOutbox(SyncTables):
    """What a township sends (changed records, the batches written) and the county's feedback it read."""

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
