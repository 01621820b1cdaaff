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

from fupin_desktop.formspec import FormSpec, load_form
from fupin_desktop.store.pg.database import PgDatabase
from fupin_desktop.store.pg.receiving import PgCaseSync, PgSyncRepository
from fupin_desktop.store.pg.url import URL_ENV, is_url

log = logging.getLogger(__name__)

#: Who the audit trail names for work done on the receiving server (until logins exist there).
DEFAULT_OPERATOR = "县级管理员"


class PgStore:
    """The receiving side's database on PostgreSQL (county, province)."""

    backend = "postgresql"

    def __init__(self, url: str, spec: FormSpec | None = None, *, operator: str | None = None) -> None:
        self.db = PgDatabase(url)
        self.url = url
        self.spec: FormSpec = spec or load_form("household")
        self.operator: str = operator or DEFAULT_OPERATOR
        self.sync = PgSyncRepository(self.db)
        self.case_sync = PgCaseSync(self.db, self.sync)  # identification cases carried in batches (issue 15)
        log.info("PostgreSQL database opened %s schema=%d", self.db.path, self.db.user_version)

    @property
    def path(self) -> str:
        """The address without its password (what messages and the log name)."""
        return self.db.path

    @property
    def read_only(self) -> bool:
        return False

    def require(self, action: object) -> None:
        """Rights on the receiving server: it has no logins of its own yet — the PostgreSQL server's
        roles and passwords decide who may connect (``--database`` names the login), and the audit
        trail names the user who started the import (``--user``)."""

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
