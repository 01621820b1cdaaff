"""A PostgreSQL database behind the small interface the store's repositories use.

The receiving side (county, province) can outgrow one SQLite file; it then runs on PostgreSQL
(``postgresql://…``).  :class:`PgDatabase` offers what :class:`~fupin_desktop.store.database.Database`
offers the sync repositories — ``query``, ``query_one``, ``one``, ``integer``, ``execute`` and
``transaction()`` (nested blocks join the outermost one) — so most of their SQL runs unchanged:
``?`` placeholders become psycopg's ``%s``, and rows answer both ``row[0]`` and ``row["name"]``.

Migrations are numbered files ``store/pg/migrations/NNNN_name.sql`` (plus the statements of an
optional ``NNNN_name.py``'s ``sql()``, made from the domain's words) applied in order, each in one
transaction with the version in ``fupin_meta``; PostgreSQL's DDL is transactional, so a step is
all or nothing, and an advisory lock keeps two programs from migrating at once.  A database that
holds tables but no ``fupin_meta`` belongs to another program and is refused untouched.

Every failure is a :class:`~fupin_desktop.store.errors.StoreError` with a Chinese message that
names the server (never the password) and says what to do.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import RowMaker

from fupin_desktop.store.errors import StoreError, StoreWriteError
from fupin_desktop.store.pg.url import URL_ENV, is_url, safe_url

__all__ = ["URL_ENV", "ForeignDatabase", "PgDatabase", "PgRow", "PgUnavailable", "is_url", "migrations", "safe_url"]

log = logging.getLogger(__name__)
MIGRATIONS_PACKAGE = "fupin_desktop.store.pg.migrations"
APPLICATION = "fupin-desktop"
#: Any 64-bit number of our own: the advisory lock migrations hold.
_MIGRATION_LOCK = 0x4655504E0001
#: ``read_only_reason`` of a receiving database opened in the county window.
READ_ONLY_RECEIVING = "receiving"


class PgUnavailable(StoreError):
    """The server cannot be reached, refused the login, or the database does not exist."""


class ForeignDatabase(StoreError):
    """The PostgreSQL database holds another program's tables."""


def to_pg(sql: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgRow(Sequence[Any]):
    """One result row: by position (``row[0]``) or by column name (``row["name"]``), and ``dict(row)``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = tuple(values)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def _row_factory(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    names = [c.name for c in cursor.description or ()]
    index = {n: i for i, n in enumerate(names)}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(index, values)

    return make


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def connect_error(url: str, exc: psycopg.Error) -> PgUnavailable:
    """The Chinese message for a failed connection: which server, what went wrong, what to do."""
    where = safe_url(url)
    text = str(exc).lower()
    refused = ("password authentication failed", "not permitted to log in", "no pg_hba.conf entry")
    if any(r in text for r in refused) or "authentication" in text and "fail" in text or (
            "role" in text and "does not exist" in text):
        return PgUnavailable(f"PostgreSQL 服务器 {where} 拒绝登录：用户名或密码不对。请向数据库管理员核对后重试，未作任何改动。")
    if "does not exist" in text and "database" in text:
        return PgUnavailable(f"PostgreSQL 服务器上没有地址 {where} 中的数据库。请先由数据库管理员建库（createdb），未作任何改动。")
    return PgUnavailable(f"无法连接 PostgreSQL 数据库 {where}（{_reason(exc)}）。请检查地址、网络和服务器是否已启动，未作任何改动。")


class PgDatabase:
    """One connection to a PostgreSQL database (autocommit outside :meth:`transaction`)."""

    dialect = "postgresql"  # (Database.dialect is "sqlite")

    def __init__(self, url: str, *, migrate: bool = True, connect_timeout: int = 10, read_only: bool = False) -> None:
        self.url = url
        self.path = safe_url(url)  # what messages name, as Database.path does
        #: The county window reads the receiving database and never writes it: its connection's
        #: transactions are read-only on the server too (``default_transaction_read_only``).
        self.read_only = read_only
        self.read_only_reason: str | None = READ_ONLY_RECEIVING if read_only else None
        self._depth = 0
        #: The audit trail's kind for rows written meanwhile (store/audit.py ``kind_of``); the
        #: PostgreSQL audit table always has the ``kind`` column (migration 0004).
        self.audit_kind: str | None = None
        self.audit_has_kind = True
        #: Who is logged in on this connection (store/access.py); the receiving server has no
        #: logins of its own yet, and its ``users`` table stays empty (migration 0004).
        self.actor: object | None = None
        #: Called when a transaction rolls back (caches of what it created, e.g. partitions).
        self.on_rollback: list[Callable[[], None]] = []
        try:
            self.conn: psycopg.Connection[PgRow] = psycopg.connect(
                url, autocommit=True, row_factory=_row_factory, connect_timeout=connect_timeout,
                application_name="fupin-desktop")
        except psycopg.Error as exc:
            raise connect_error(url, exc) from exc
        except ValueError as exc:  # a malformed address
            raise PgUnavailable(f"数据库地址 {safe_url(url)} 写得不对（{_reason(exc)}）。"
                                "格式如 postgresql://用户名:密码@服务器:5432/库名，未作任何改动。") from exc
        try:
            self._check_owner()
            if migrate:
                self.migrate()
            self._session()
        except BaseException:
            self.conn.close()
            raise

    def _session(self) -> None:
        if self.read_only:
            self.conn.execute("SET default_transaction_read_only = on")

    def read_only_message(self, done: str = "") -> str:
        """Why this database is not written here, and what to do (as ``Database.read_only_message``)."""
        return (f"PostgreSQL 数据库 {self.path} 是县（省）接收端的数据库，本程序在这里只读：可以查找、查看、"
                f"检查数据质量、统计和导出反馈，不能修改户档案。{done}户档案由乡镇录入，经“县乡数据交换”导入后更新。")

    # -- whose database ---------------------------------------------------------------------
    def _check_owner(self) -> None:
        tables = {r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        if not tables:
            return
        if "fupin_meta" not in tables:
            raise ForeignDatabase(f"PostgreSQL 数据库 {self.path} 里已有其他程序的数据表，不是本程序的数据库。"
                                  "请换一个空数据库（或本程序建的库），未作任何改动。")
        app = self.query_one("SELECT value FROM fupin_meta WHERE key = 'application'")
        if app is None or app[0] != APPLICATION:
            raise ForeignDatabase(f"PostgreSQL 数据库 {self.path} 属于其他程序，未作任何改动。")

    @property
    def user_version(self) -> int:
        try:
            row = self.query_one("SELECT value FROM fupin_meta WHERE key = 'schema_version'")
        except psycopg.errors.UndefinedTable:
            return 0
        return int(row[0]) if row else 0

    def migrate(self) -> None:
        """Bring the schema forward, one transaction per step; refuse a database newer than the program."""
        steps = migrations()
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            exists = self.query_one("SELECT to_regclass('fupin_meta')")
            current = self.user_version if exists and exists[0] else 0
            if current > len(steps):
                raise StoreError(f"PostgreSQL 数据库 {self.path} 由更新版本的程序创建（数据结构版本 {current}，"
                                 f"本程序支持到 {len(steps)}）。请升级本程序，数据未作任何改动。")
            for version, name, sql in steps[current:]:
                log.info("applying PostgreSQL migration %s", name)
                self.conn.execute(sql.encode("utf-8"))  # a whole script: several statements, no parameters
                self.execute("INSERT INTO fupin_meta (key, value) VALUES ('schema_version', ?)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(version),))

    # -- statements -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[PgRow]]:
        """One transaction; nested uses join the outermost one, any error rolls it all back."""
        if self._depth == 0:
            self._live()
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            with self.conn.transaction():
                self._depth = 1
                try:
                    yield self.conn
                finally:
                    self._depth = 0
        except BaseException as exc:
            for forget in self.on_rollback:  # what callers cached of this transaction's work is gone too
                forget()
            if not isinstance(exc, psycopg.OperationalError):
                raise
            raise StoreWriteError(f"写入 PostgreSQL 数据库 {self.path} 失败（{_reason(exc)}），"
                                  "本次操作已全部撤销，未作任何改动。请检查网络和服务器后重试。") from exc

    def _live(self) -> None:
        """Outside a transaction: connect again if the server dropped the connection (a restart, a
        network cut).  Inside one, a lost connection fails the transaction, as it must."""
        if self._depth == 0 and (self.conn.closed or self.conn.broken):
            log.warning("PostgreSQL connection lost; connecting again to %s", self.path)
            try:
                self.conn = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory,
                                            connect_timeout=10, application_name="fupin-desktop")
                self._session()
            except psycopg.Error as exc:
                raise connect_error(self.url, exc) from exc

    def query(self, sql: str, params: Sequence[object] = ()) -> list[PgRow]:
        self._live()
        return self.conn.execute(to_pg(sql), tuple(params)).fetchall()

    def query_one(self, sql: str, params: Sequence[object] = ()) -> PgRow | None:
        self._live()
        return self.conn.execute(to_pg(sql), tuple(params)).fetchone()

    def one(self, sql: str, params: Sequence[object] = ()) -> PgRow:
        row = self.query_one(sql, params)
        if row is None:
            raise LookupError("the query returned no row")
        return row

    def integer(self, sql: str, params: Sequence[object] = ()) -> int:
        return int(self.one(sql, params)[0])

    def execute(self, sql: str, params: Sequence[object] = ()) -> psycopg.Cursor[PgRow]:
        """Run one write statement; the caller must hold a transaction."""
        if self._depth == 0:
            raise RuntimeError("writes must run inside db.transaction()")
        return self.conn.execute(to_pg(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if self._depth == 0:
            raise RuntimeError("writes must run inside db.transaction()")
        with self.conn.cursor() as cur:
            cur.executemany(to_pg(sql), rows)

    @property
    def closed(self) -> bool:
        """Whether the connection is closed (a window outliving its store asks)."""
        return bool(self.conn.closed)

    def close(self) -> None:
        self.conn.close()


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every numbered PostgreSQL migration, in order, without gaps."""
    out = []
    folder = resources.files(MIGRATIONS_PACKAGE)
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            sql = entry.read_text(encoding="utf-8")
            stem = entry.name[:-4]
            if folder.joinpath(stem + ".py").is_file():  # statements made from the domain's words
                sql += "\n" + importlib.import_module(f"{MIGRATIONS_PACKAGE}.{stem}").sql()
            out.append((int(entry.name[:4]), entry.name, sql))
    out.sort()
    for expected, (version, name, _) in enumerate(out, start=1):
        if version != expected:
            raise RuntimeError(f"PostgreSQL migration numbering gap at {name}")
    return out


_IDENT = re.compile(r"^[0-9A-Za-z_]+$")


def partition_suffix(county_code: str) -> str:
    """A county code as part of a table name (digits only; anything else is refused)."""
    if not _IDENT.match(county_code):
        raise StoreError(f"县代码 {county_code!r} 不是数字代码，无法建分区。")
    return county_code
