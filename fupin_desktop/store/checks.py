"""Kept check results (``household_checks``): see :mod:`fupin_desktop.rules.kept`.

A row says: at revision ``revision``, under the rule context ``context``, the household's kept
rules found these blocking messages (``errors``), true until ``valid_until`` (if set).  Rows are
written with the household (import) or after an export has checked it again; a row that does not
match is never used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fupin_desktop.store.database import Database

_CHUNK = 500


@dataclass(frozen=True)
class KeptCheck:
    household_id: int
    revision: int
    context: str
    valid_until: date | None
    errors: tuple[str, ...]

    def row(self) -> tuple[int, int, str, str | None, str]:
        return (self.household_id, self.revision, self.context,
                self.valid_until.isoformat() if self.valid_until else None,
                json.dumps(list(self.errors), ensure_ascii=False))


class CheckRepository:
    """Reading and writing ``household_checks``; the caller's transaction, if any, is joined."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def keep(self, checks: Iterable[KeptCheck]) -> int:
        """Write (replace) these results; returns how many."""
        rows = [c.row() for c in checks]
        if rows:
            with self.db.transaction():
                self.db.executemany(
                    "INSERT OR REPLACE INTO household_checks (household_id, revision, context, valid_until, errors)"
                    " VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def kept(self, household_ids: Iterable[int], context: str, today: date) -> dict[int, tuple[int, tuple[str, ...]]]:
        """``id -> (revision, errors)`` of the households whose row holds under ``context`` on ``today``
        (the caller compares the revision with the household's own)."""
        out: dict[int, tuple[int, tuple[str, ...]]] = {}
        ids = list(household_ids)
        day = today.isoformat()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            for r in self.db.query(
                "SELECT household_id, revision, errors FROM household_checks"
                f" WHERE household_id IN ({','.join('?' * len(chunk))}) AND context = ?"
                " AND (valid_until IS NULL OR valid_until > ?)", (*chunk, context, day),
            ):
                out[r["household_id"]] = (r["revision"], tuple(json.loads(r["errors"])))
        return out

    def all(self) -> list[KeptCheck]:
        """Every kept row (tests, diagnostics)."""
        return [KeptCheck(r["household_id"], r["revision"], r["context"],
                          date.fromisoformat(r["valid_until"]) if r["valid_until"] else None,
                          tuple(json.loads(r["errors"])))
                for r in self.db.query("SELECT * FROM household_checks ORDER BY household_id")]
