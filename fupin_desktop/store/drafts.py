"""Drafts: editor state that is not (yet) a valid saved household.

A clerk's typing is never thrown away: when a save is blocked by errors, or
while the editor is open (autosave), the form state is kept here as JSON and
offered back when the household is opened again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fupin_desktop.store.database import Database, now_iso


@dataclass(frozen=True)
class Draft:
    key: str  # household UUID
    household_id: int | None
    payload: dict[str, Any]
    saved_at: str


class DraftRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, key: str, household_id: int | None, payload: dict[str, Any]) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO drafts (key, household_id, payload, saved_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET household_id = excluded.household_id,"
                " payload = excluded.payload, saved_at = excluded.saved_at",
                (key, household_id, json.dumps(payload, ensure_ascii=False), now_iso()),
            )

    def get(self, key: str) -> Draft | None:
        row = self.db.query_one("SELECT * FROM drafts WHERE key = ?", (key,))
        if row is None:
            return None
        return Draft(row["key"], row["household_id"], json.loads(row["payload"]), row["saved_at"])

    def discard(self, key: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM drafts WHERE key = ?", (key,))

    def all(self) -> list[Draft]:
        rows = self.db.query("SELECT * FROM drafts ORDER BY saved_at DESC")
        return [Draft(r["key"], r["household_id"], json.loads(r["payload"]), r["saved_at"]) for r in rows]
