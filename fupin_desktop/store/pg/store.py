"""A receiving database on PostgreSQL, shaped like the county's SQLite :class:`~fupin_desktop.store.Store`.

The county import, the receiving service and feedback use ``store.sync``, ``store.db.transaction()``,
``store.spec`` and ``store.operator``; :class:`PgStore` offers the same.  A county SQLite file is
backed up before each import (SQLite's backup API); a PostgreSQL server keeps its own backups
(``pg_dump``, base backups) and every batch is one transaction, so nothing here copies data.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import cast

from fupin_desktop.domain.roles import Action
from fupin_desktop.formspec import FormSpec, load_form
from fupin_desktop.store import Role
from fupin_desktop.store.access import Accounts
from fupin_desktop.store.cases import CaseRepository
from fupin_desktop.store.database import Database
from fupin_desktop.store.drafts import DraftRepository
from fupin_desktop.store.pg.database import PgDatabase
from fupin_desktop.store.pg.reads import PgHouseholdReads, PgVillageForms
from fupin_desktop.store.pg.receiving import PgCaseSync, PgSyncRepository
from fupin_desktop.store.pg.url import URL_ENV, is_url
from fupin_desktop.store.policy import PolicyRepository
from fupin_desktop.store.townships import TownshipRepository

log = logging.getLogger(__name__)

#: Who the audit trail names for work done on the receiving server (until logins exist there).
DEFAULT_OPERATOR = "县级管理员"
#: What is never done on the receiving database (the households are the townships'; the server keeps
#: its own backups and logins; the county's policy profile is set on its SQLite file).
HOUSEHOLD_WRITES = frozenset({Action.EDIT_HOUSEHOLD, Action.DELETE_HOUSEHOLD, Action.RESTORE_HOUSEHOLD,
                              Action.IMPORT_EXCEL, Action.POLICY, Action.BACKUP, Action.USERS, Action.ENCRYPTION})
#: Windows that need the township's (or county's) SQLite file: the backups, the recycle bin, the
#: casework, education, year and print pages, the audit view.  On PostgreSQL the window greys them out.
SQLITE_ONLY = frozenset({"backups", "recycle", "casework", "education", "years", "print", "excel", "audit",
                         "village_form", "users", "policy", "operator", "encryption"})


class PgStore:
    """The receiving side's database on PostgreSQL (county, province).

    The receiving commands (import, serve, feedback) write through ``sync`` and ``case_sync``.  The
    county window (``fupin --database URL``), ``fupin validate`` and ``fupin stats`` read through
    the same attributes as a county SQLite :class:`~fupin_desktop.store.Store`: ``households``,
    ``townships``, ``policy``, ``accounts``, ``drafts``, ``village_forms``, ``read_only`` … —
    opened with ``read_only=True`` the connection cannot write (the server refuses it).
    """

    backend = "postgresql"

    def __init__(self, url: str, spec: FormSpec | None = None, *, operator: str | None = None,
                 read_only: bool = False, households_read_only: bool = False, _reader: bool = False) -> None:
        # ``read_only``: the connection cannot write at all (the server refuses: fupin validate, stats,
        # the window's background queries).  ``households_read_only``: the county window's own
        # connection — the households are the townships' and stay as their batches bring them, while
        # the receiving work of 数据交换 (batches, conflicts, keys, feedback) writes as on a county file.
        self.db = PgDatabase(url, read_only=read_only, migrate=not _reader)
        self._households_read_only = households_read_only
        self.url = url
        self._base_spec = spec or load_form("household")
        self._numbering = "national"
        self._spec = self._base_spec
        self._operator = operator
        self.sync = PgSyncRepository(self.db)
        self.case_sync = PgCaseSync(self.db, self.sync)  # identification cases carried in batches (issue 15)
        # What the county window reads (issue 19 item 5): the SQLite repositories where their SQL
        # reads alike on both engines, the PostgreSQL ones (store/pg/reads.py) where it differs.
        same = cast(Database, self.db)
        self.households = PgHouseholdReads(self.db, self._base_spec)
        self.townships = TownshipRepository(same)
        self.policy = PolicyRepository(same)
        self.accounts = Accounts(same)  # no users on the server: its own logins guard it
        self.drafts = DraftRepository(same)
        self.cases = CaseRepository(same)
        self.village_forms = PgVillageForms(self.db, load_form("village"))
        if not _reader:
            log.info("PostgreSQL database opened %s schema=%d read_only=%s", self.db.path, self.db.user_version,
                     read_only)

    @property
    def spec(self) -> FormSpec:
        """The household form, read as the county's profile says (as ``Store.spec``)."""
        numbering = self.policy.relation_numbering()
        if numbering != self._numbering:
            self._spec, self._numbering = self._base_spec.with_numbering(numbering), numbering
        return self._spec

    @spec.setter
    def spec(self, spec: FormSpec) -> None:
        self._base_spec = self._spec = spec

    @property
    def operator(self) -> str:
        """Who the audit trail names for work done here: ``--user``, else the 县级管理员."""
        return self._operator or DEFAULT_OPERATOR

    @operator.setter
    def operator(self, name: str) -> None:
        self._operator = name

    @property
    def path(self) -> str:
        """The address without its password (what messages and the log name)."""
        return self.db.path

    @property
    def read_only(self) -> bool:
        """No household can be changed here (the window shows each form read-only)."""
        return self.db.read_only or self._households_read_only

    @property
    def role(self) -> Role:
        """Always the receiving side's (a township never works on PostgreSQL)."""
        return Role.COUNTY

    def require(self, action: object, *, household_uuid: str | None = None) -> None:
        """Rights on the receiving server: it has no logins of its own yet — the PostgreSQL server's
        roles and passwords decide who may connect (``--database`` names the login), and the audit
        trail names the user who started the import (``--user``)."""

    def may(self, action: Action) -> bool:
        """The county window greys out what cannot be done here: changing households always, and on a
        read-only connection the receiving work too."""
        if action in HOUSEHOLD_WRITES:
            return False
        return not (self.db.read_only and action in (Action.SYNC, Action.SYNC_KEYS))

    def offers(self, feature: str) -> bool:
        """Whether this back end has ``feature`` (a window of :data:`SQLITE_ONLY` needs the SQLite file)."""
        return feature not in SQLITE_ONLY

    def reader(self) -> PgStore:
        """Another connection, for queries run off the GUI thread (the caller closes it)."""
        return PgStore(self.url, self._base_spec, operator=self._operator, read_only=True, _reader=True)

    def worker(self, *, read_only: bool) -> PgStore:
        """A connection of its own for a background job (ui/ops.py): a query's cannot write; a 数据交换
        job's (a batch import) writes as the window's own connection may."""
        return PgStore(self.url, self._base_spec, operator=self._operator, read_only=read_only or self.db.read_only,
                       households_read_only=self._households_read_only, _reader=True)

    def household_count(self, township_code: str | None = None) -> int:
        if township_code is None:
            return self.db.integer("SELECT COUNT(*) FROM households WHERE deleted = 0")
        return self.db.integer("SELECT COUNT(*) FROM households WHERE county_code = ? AND township_code = ?"
                               " AND deleted = 0", (township_code[:6], township_code))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def receiving_target(db: str | Path | None) -> str | Path | None:
    """What a receiving command works on: ``--database``/``--db`` as given, else ``FUPIN_DATABASE_URL``."""
    if db is not None:
        return db
    return os.environ.get(URL_ENV) or None


def open_receiving(url: str) -> PgStore:
    """Open (and migrate) a ``postgresql://`` receiving database."""
    if not is_url(url):
        raise ValueError(f"not a PostgreSQL address: {url!r}")
    return PgStore(url)
