"""SQLite store: every SQL statement of the program lives in this package."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.formspec import FormSpec, load_form
from fupin_desktop.store import settings
from fupin_desktop.store.database import Database, DatabaseCorrupt, DatabaseTooNew, StoreError
from fupin_desktop.store.drafts import DraftRepository
from fupin_desktop.store.households import ConcurrentEdit, HouseholdRepository, HouseholdSummary
from fupin_desktop.store.townships import TownshipRepository

__all__ = [
    "ConcurrentEdit", "Database", "DatabaseCorrupt", "DatabaseTooNew", "HouseholdSummary", "Store",
    "StoreError",
]


class Store:
    """A township database with its repositories."""

    def __init__(self, path: str | Path, spec: FormSpec | None = None) -> None:
        self.db = Database(path)
        self.spec = spec or load_form("household")
        self.townships = TownshipRepository(self.db)
        self.households = HouseholdRepository(self.db, self.spec)
        self.drafts = DraftRepository(self.db)

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def operator(self) -> str:
        return settings.operator(self.db)

    def set_operator(self, name: str) -> None:
        settings.put(self.db, "operator", name.strip() or settings.DEFAULT_OPERATOR)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
