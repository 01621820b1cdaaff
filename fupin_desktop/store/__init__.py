"""SQLite store: every SQL statement of the program lives in this package."""

from __future__ import annotations

import functools
import logging
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.roles import Action
from fupin_desktop.formspec import FormSpec, load_form
from fupin_desktop.store import audit, driver, settings
from fupin_desktop.store.access import Accounts
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.conflicts import ConcurrentEdit
from fupin_desktop.store.database import (
    READ_ONLY_CHOSEN,
    READ_ONLY_MEDIUM,
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
from fupin_desktop.store.households import HouseholdRepository, HouseholdSummary
from fupin_desktop.store.policy import PolicyRepository
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.store.townships import TownshipRepository
from fupin_desktop.store.villages import VillageFormRepository

if TYPE_CHECKING:  # imported when first used (below): the window's start-up needs none of them
    from fupin_desktop.store.case_sync import CaseSync
    from fupin_desktop.store.cases import CaseRepository
    from fupin_desktop.store.checks import CheckRepository
    from fupin_desktop.store.publicity import PublicityRepository
    from fupin_desktop.store.recycle import RecycleBin

log = logging.getLogger(__name__)
#: Below this many households (the largest id) the opening's log line counts households and persons.
LOG_COUNTS_BELOW = 20_000


class Role(StrEnum):
    """Whose database this is."""

    TOWNSHIP = "township"
    COUNTY = "county"

__all__ = [
    "READ_ONLY_CHOSEN", "READ_ONLY_MEDIUM", "BackupFailed", "ConcurrentEdit", "Database", "DatabaseCorrupt", "DatabaseLocked", "DatabaseReadOnly",
    "DatabaseTooNew", "DiskFull", "DiskIOError", "HouseholdSummary", "Role", "Store", "StoreError", "StoreWriteError",
]


class Store:
    """A township database with its repositories."""

    def __init__(self, path: str | Path, spec: FormSpec | None = None, *, read_only: bool = False,
                 check: bool = True, _reader: bool = False) -> None:
        # A reader skips the start-up checks: it is a second connection to a file that
        # the program has already opened, checked and migrated.  ``read_only``: see Database.
        # ``check=False`` (the window) leaves PRAGMA quick_check for later, off the GUI thread
        # (ui/integrity.py); a file about to be migrated is still checked first.
        self.db = Database(path, check=check and not _reader, migrate=not _reader, read_only=read_only)
        self._base_spec = spec or load_form("household")
        self._spec = self._base_spec
        self._numbering = "national"
        self.townships = TownshipRepository(self.db)
        self.households = HouseholdRepository(self.db, self._base_spec)
        self.drafts = DraftRepository(self.db)
        self.policy = PolicyRepository(self.db)
        self.sync = SyncRepository(self.db)  # keys, outbox, the county's townships and feedback
        self.accounts = Accounts(self.db)  # users, logins and rights (store/access.py)
        if not _reader:
            self._log_opened(read_only)

    # The repositories below are made (and their modules imported) when first used: opening the
    # window needs none of them, and the rules' workflow they import costs the start-up time.
    @functools.cached_property
    def recycle(self) -> RecycleBin:
        """Deleted households: list, restore."""
        from fupin_desktop.store.recycle import RecycleBin

        return RecycleBin(self.db, self.households)

    @functools.cached_property
    def checks(self) -> CheckRepository:
        """Findings kept from save time (rules/kept.py)."""
        from fupin_desktop.store.checks import CheckRepository

        return CheckRepository(self.db)

    @functools.cached_property
    def cases(self) -> CaseRepository:
        """Identification cases and their records (issue 15)."""
        from fupin_desktop.store.cases import CaseRepository

        return CaseRepository(self.db)

    @functools.cached_property
    def publicity(self) -> PublicityRepository:
        """Publicity rounds, objections, quotas, meetings."""
        from fupin_desktop.store.publicity import PublicityRepository

        return PublicityRepository(self.db)

    @functools.cached_property
    def village_forms(self) -> VillageFormRepository:
        """贫困村登记表 (its form spec read when first wanted, not at every open)."""
        return VillageFormRepository(self.db, load_form("village"))

    def _log_opened(self, read_only: bool) -> None:
        """The log's line for a technician: which file, which schema, how much is in it (not counted
        at county scale, households=-1 persons=-1: counting reads every household's index entry on
        the GUI thread before the window shows, 5-10 ms warm at 100,000 and far more from a cold disk;
        the status bar counts them off the GUI thread)."""
        try:
            if self.households.size_hint() < LOG_COUNTS_BELOW:  # the largest id: instant at any scale
                households, persons = self.households.count(), self.households.person_count()
            else:
                households = persons = -1
        except driver.Error + (StoreError,):  # an empty file before its first migration, say
            households = persons = -1
        log.info("database opened file=%s schema=%d households=%d persons=%d read_only=%s",
                 self.path, self.db.user_version, households, persons, read_only)

    @property
    def spec(self) -> FormSpec:
        """The household form, its typed code numbers read as the county's profile says
        (与户主关系 by GB/T 4761 when the profile has ``relation_numbering = gbt4761``)."""
        numbering = self.policy.relation_numbering()
        if numbering != self._numbering:
            self._spec, self._numbering = self._base_spec.with_numbering(numbering), numbering
        return self._spec

    def reader(self) -> Store:
        """Another connection to the same file, for queries run off the GUI thread (WAL lets
        readers run beside the writer).  The caller closes it."""
        reader = Store(self.path, self._base_spec, read_only=self.db.read_only_reason == READ_ONLY_CHOSEN,
                       _reader=True)
        reader.accounts.adopt(self.accounts.actor)
        return reader

    def worker(self, *, read_only: bool) -> Store:
        """A connection of its own for a background job (ui/ops.py), acting for the logged-in user:
        read-only for a query, else writable unless the clerk chose to open the file read-only."""
        own = Store(self.path, self._base_spec, read_only=read_only or self.db.read_only_reason == READ_ONLY_CHOSEN,
                    _reader=True)
        own.accounts.adopt(self.accounts.actor)
        return own

    def offers(self, feature: str) -> bool:
        """Every window works on a SQLite file (a PostgreSQL receiving database offers fewer)."""
        return True

    @property
    def case_sync(self) -> CaseSync:
        """Identification cases as batches and feedback carry them (``sync/case_sync.py``)."""
        from fupin_desktop.store.case_sync import CaseSync

        return CaseSync(self.db)

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def read_only(self) -> bool:
        """Opened for reading only (chosen, or the disk cannot be written): every write is refused."""
        return self.db.read_only

    @property
    def operator(self) -> str:
        """Who is recorded in the audit trail: the logged-in user; while the database has no users,
        the 录入员 setting (设置 → 录入员).  Raises NotLoggedIn when it has users and nobody logged in."""
        return self.accounts.operator(settings.OPERATOR.get(self.db))

    def require(self, action: Action, *, household_uuid: str | None = None) -> None:
        """Refuse ``action`` unless the logged-in user's role may do it (store/access.py)."""
        self.accounts.require(action, household_uuid=household_uuid)

    def audit_rows(self, **filters: Any) -> list[dict[str, Any]]:
        """The audit trail, filtered (store/audit.py ``search``): for the roles that may read it."""
        self.require(Action.READ_AUDIT)
        return audit.search(self.db, **filters)

    def may(self, action: Action) -> bool:
        """Whether the logged-in user may do ``action`` (the GUI greys out what they may not)."""
        return self.accounts.may(action)

    def record_use(self, kind: str, what: str, household_uuids: list[str]) -> None:
        """Audit rows saying who printed or exported (``kind``) ``what`` of which households."""
        self.accounts.record_use(kind, what, household_uuids, settings.OPERATOR.get(self.db))

    def set_operator(self, name: str) -> Change:
        settings.OPERATOR.put(self.db, name.strip() or settings.DEFAULT_OPERATOR)
        return Change.of(ChangeKind.SETTINGS, settings=[settings.OPERATOR.key])

    @property
    def role(self) -> Role:
        """A township's database, or the county's (which merges the townships' batches).  Asked
        each time: initialising the county keys turns a new database into the county's."""
        return Role.COUNTY if self.sync.is_county() else Role.TOWNSHIP

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
