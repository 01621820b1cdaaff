"""SQLite store: every SQL statement of the program lives in this package."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.formspec import FormSpec, load_form
from fupin_desktop.store import settings
from fupin_desktop.store.database import (
    BackupFailed,
    Database,
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseTooNew,
    DiskFull,
    DiskIOError,
    StoreError,
    StoreWriteError,
)
from fupin_desktop.store.drafts import DraftRepository
from fupin_desktop.store.households import ConcurrentEdit, HouseholdRepository, HouseholdSummary
from fupin_desktop.store.policy import PolicyRepository
from fupin_desktop.store.recycle import RecycleBin
from fupin_desktop.store.townships import TownshipRepository

__all__ = [
    "BackupFailed", "ConcurrentEdit", "Database", "DatabaseCorrupt", "DatabaseLocked", "DatabaseReadOnly",
    "DatabaseTooNew", "DiskFull", "DiskIOError", "HouseholdSummary", "Store", "StoreError", "StoreWriteError",
]


class Store:
    """A township database with its repositories."""

    def __init__(self, path: str | Path, spec: FormSpec | None = None, *, read_only: bool = False,
                 _reader: bool = False) -> None:
        # A reader skips the start-up checks: it is a second connection to a file that
        # the program has already opened, checked and migrated.  ``read_only``: see Database.
        self.db = Database(path, check=not _reader, migrate=not _reader, read_only=read_only)
        self.spec = spec or load_form("household")
        self.townships = TownshipRepository(self.db)
        self.households = HouseholdRepository(self.db, self.spec)
        self.drafts = DraftRepository(self.db)
        self.policy = PolicyRepository(self.db)
        self.recycle = RecycleBin(self.db, self.households)  # deleted households: list, restore

    def reader(self) -> Store:
        """Another connection to the same file, for queries run off the GUI thread (WAL lets
        readers run beside the writer).  The caller closes it."""
        return Store(self.path, self.spec, _reader=True)

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
