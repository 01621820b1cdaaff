"""The SQLite connection: pragmas, transactions, migrations, integrity and backups.

One file per township.  WAL + synchronous=FULL so a confirmed save survives a
power cut; every write runs inside ``with db.transaction():`` (nested blocks
collapse into the outermost one) and a lock serialises writers across threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

MIGRATIONS_PACKAGE = "fupin_desktop.store.migrations"


class StoreError(Exception):
    """A problem with the database file; ``str(exc)`` is a Chinese message for the clerk."""


class DatabaseTooNew(StoreError):
    pass


class DatabaseCorrupt(StoreError):
    pass


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every numbered migration, in order."""
    out = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    out.sort()
    for expected, (version, name, _) in enumerate(out, start=1):
        if version != expected:
            raise RuntimeError(f"migration numbering gap at {name}")
    return out


def schema_version() -> int:
    """The schema version this program writes."""
    return len(migrations())


class Database:
    """A township (or county) database file."""

    def __init__(self, path: str | Path, *, check: bool = True, migrate: bool = True) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._depth = 0
        if self.path.exists() and self.path.stat().st_size > 0:
            _check_header(self.path)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"无法在 {self.path.parent} 建立数据库（{exc.strerror or exc}）。请选择本机上可以写入的文件夹。"
                ) from exc
        try:
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
        except sqlite3.Error as exc:
            raise StoreError(f"无法打开数据库文件 {self.path}：{exc}") from exc
        self.conn.row_factory = sqlite3.Row
        try:
            # Read-only checks first: switching to WAL rewrites the file header, and a
            # database we refuse (too new, corrupt) must be left exactly as it was.
            if migrate:
                self._refuse_newer()
            if check:
                self.quick_check()
            self._configure()
            if migrate:
                self.migrate()
        except BaseException:
            self.conn.close()
            raise

    # -- set-up ---------------------------------------------------------
    def _configure(self) -> None:
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise DatabaseCorrupt(
                f"数据库文件 {self.path} 无法读取或写入（{exc}）。"
                "请改用备份文件（文件 → 备份数据库 所做的副本），或把该文件交给县扶贫办技术人员处理。"
            ) from exc

    def quick_check(self) -> None:
        try:
            rows = self.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            rows = [(str(exc),)]
        problems = [r[0] for r in rows if r[0] != "ok"]
        if problems:
            raise DatabaseCorrupt(
                f"数据库文件 {self.path} 已损坏（{problems[0]}）。为保护数据，程序没有对它做任何修改。"
                "请从备份恢复，或把该文件交给县扶贫办技术人员处理。"
            )

    @property
    def user_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_newer(self) -> None:
        try:
            current = self.user_version
        except sqlite3.DatabaseError as exc:
            raise DatabaseCorrupt(
                f"数据库文件 {self.path} 无法读取（{exc}）。为保护数据，程序没有对它做任何修改。"
                "请从备份恢复，或把该文件交给县扶贫办技术人员处理。"
            ) from exc
        supported = schema_version()
        if current > supported:
            raise DatabaseTooNew(
                f"数据库 {self.path} 由更新版本的程序创建（数据结构版本 {current}，本程序支持到 "
                f"{supported}）。请升级本程序后再打开，数据未作任何改动。"
            )

    def migrate(self) -> None:
        """Bring the schema forward; back the file up first; refuse a newer database."""
        self._refuse_newer()
        steps = migrations()
        current = self.user_version
        pending = steps[current:]
        if not pending:
            return
        if current > 0:
            self.backup(self.path.with_name(f"{self.path.stem}.before-v{current + 1}.bak"))
        for version, _name, sql in pending:
            with self._lock:
                # executescript commits implicitly; wrap the step so it is all-or-nothing.
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(sql):
                        self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {int(version)}")
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise

    # -- transactions ---------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One explicit write transaction; nested uses join the outer one."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outer:
                    try:
                        self.conn.execute("COMMIT")
                    except sqlite3.Error:
                        self.conn.execute("ROLLBACK")
                        raise

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read-only view (a deferred transaction): writers on other connections
        go on meanwhile, unseen here (WAL).  Inside a write transaction it is that transaction."""
        with self._lock:
            if self._depth:
                yield self.conn
                return
            self.conn.execute("BEGIN DEFERRED")
            try:
                self.conn.execute("SELECT COUNT(*) FROM sqlite_master")  # the view starts at the first read
                yield self.conn
            finally:
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        """Run one write statement; the caller must hold a transaction."""
        if self._depth == 0:
            raise RuntimeError("writes must run inside db.transaction()")
        return self.conn.execute(sql, params)

    # -- maintenance ----------------------------------------------------
    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database (safe while the program runs)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            dest = sqlite3.connect(str(target))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
        return target

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for another reader
            except sqlite3.Error:
                pass
            self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_header(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"无法读取数据库文件 {path}（{exc.strerror or exc}）。请选择正确的 .db 文件。") from exc
    if head != b"SQLite format 3\x00":
        raise DatabaseCorrupt(f"{path} 不是本程序的数据库文件（文件头不符）。请选择正确的 .db 文件。")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about strings)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
