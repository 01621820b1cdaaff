"""Cases across the county-township exchange (issue 15): the SQL of ``sync/case_sync.py``.

The township sends each case whose records grew since its last batch (``sync_exported``, entity
``case``, revision = the number of records); the county keeps the township's case under the same
UUID and adds its records by UUID (never twice, never changed); the feedback carries every record
of the township's cases back, and the township adds those it lacks the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from fupin_desktop.rules.workflow import Position
from fupin_desktop.store.cases import CASE_COLUMNS, CaseRow, _case
from fupin_desktop.store.database import Database, now_iso

RECORD_KEYS = ("uuid", "stage", "to_stage", "date", "decision", "reference", "note", "reason", "override_reason",
               "operator", "recorded_at")


class CaseSync:
    def __init__(self, db: Database) -> None:
        self.db = db

    def changed_cases(self, skip_households: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Township: the cases (with their records) not yet carried at their current length."""
        skip = set(skip_households)
        rows = self.db.query(
            "SELECT c.id, c.uuid, h.uuid AS household_uuid, c.year, c.kind, c.procedure, c.stage, c.status,"
            " c.last_date, c.details, n.count FROM cases c"
            " JOIN households h ON h.id = c.subject_id AND c.subject_kind = 'household'"
            " JOIN villages v ON v.id = c.village_id"
            " JOIN (SELECT case_id, COUNT(*) AS count FROM case_records GROUP BY case_id) n ON n.case_id = c.id"
            " LEFT JOIN sync_exported e ON e.uuid = c.uuid"
            " WHERE v.township_code IS NULL AND (e.revision IS NULL OR e.revision < n.count) ORDER BY c.id")
        out = []
        for r in rows:
            if r["household_uuid"] in skip:
                continue
            out.append({"uuid": r["uuid"], "household_uuid": r["household_uuid"], "year": r["year"], "kind": r["kind"],
                        "procedure": r["procedure"], "stage": r["stage"], "status": r["status"],
                        "last_date": r["last_date"], "details": json.loads(r["details"] or "{}"),
                        "records": self.record_dicts(r["id"]), "revision": r["count"]})
        return out

    def record_dicts(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.db.query(f"SELECT {', '.join(RECORD_KEYS)} FROM case_records WHERE case_id = ? ORDER BY id",
                             (case_id,))
        return [{k: r[k] for k in RECORD_KEYS} for r in rows]

    def case_by_uuid(self, uuid: str) -> CaseRow | None:
        row = self.db.query_one(f"SELECT {CASE_COLUMNS} FROM cases WHERE uuid = ?", (uuid,))
        return _case(row) if row else None

    def household_by_uuid(self, uuid: str) -> tuple[int, int] | None:
        """(household id, village id) of a current household."""
        row = self.db.query_one("SELECT id, village_id FROM households WHERE uuid = ? AND deleted = 0", (uuid,))
        return (row[0], row[1]) if row else None

    def add_case(self, rec: dict[str, Any], household_id: int, village_id: int) -> int:
        """County: the township's case under its own UUID (closing any other open case of the household,
        whose later records the township's batch then carries)."""
        now = now_iso()
        cur = self.db.execute(
            "INSERT INTO cases (uuid, subject_kind, subject_id, village_id, year, kind, procedure, stage, status,"
            " last_date, details, created_at, updated_at) VALUES (?, 'household', ?,?,?,?,?,?,?,?,?,?,?)",
            (rec["uuid"], household_id, village_id, int(rec["year"]), str(rec["kind"]), str(rec["procedure"]),
             str(rec["stage"]), "refused", str(rec["last_date"]),
             json.dumps(rec.get("details") or {}, ensure_ascii=False, sort_keys=True), now, now))
        return int(cur.lastrowid or 0)

    def add_record(self, case_id: int, rec: dict[str, Any]) -> bool:
        """Add a record by its UUID; False when it is already there (records are never changed)."""
        date.fromisoformat(str(rec["date"]))  # a malformed date refuses the batch or feedback
        cur = self.db.execute(
            "INSERT OR IGNORE INTO case_records (uuid, case_id, stage, to_stage, date, decision, reference, note,"
            " reason, override_reason, operator, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (str(rec["uuid"]), case_id, *(str(rec.get(k) or "") for k in RECORD_KEYS[1:])))
        return cur.rowcount > 0

    def records_for_replay(self, case_id: int) -> list[tuple[date, str, str, str]]:
        return [(date.fromisoformat(r[0]), r[1], r[2], r[3]) for r in self.db.query(
            "SELECT date, recorded_at, to_stage, decision FROM case_records WHERE case_id = ?", (case_id,))]

    def set_position(self, case_id: int, position: Position) -> None:
        self.db.execute("UPDATE cases SET stage = ?, status = ?, last_date = ?, updated_at = ? WHERE id = ?",
                        (position.stage, position.status.value, position.last_date.isoformat(), now_iso(), case_id))

    def township_cases(self, township_code: str) -> list[dict[str, Any]]:
        """County: every case of a township's households, with all its records (for the feedback)."""
        rows = self.db.query(
            "SELECT c.id, c.uuid FROM cases c JOIN villages v ON v.id = c.village_id"
            " WHERE v.township_code = ? ORDER BY c.id", (township_code,))
        return [{"uuid": r["uuid"], "records": self.record_dicts(r["id"])} for r in rows]
