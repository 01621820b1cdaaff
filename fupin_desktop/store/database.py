"""The SQLite connection: pragmas, transactions, migrations, integrity and backups.

One file per township.  WAL + synchronous=FULL so a confirmed save survives a
power cut; every write runs inside ``with db.transaction():`` (nested blocks
collapse into the outermost one) and a lock serialises writers across threads.

A write that SQLite refuses because the disk is full, the file is read-only, another
program holds the lock or the disk fails is rolled back whole and raised as a
:class:`StoreWriteError` (``DiskFull``, ``DatabaseReadOnly``, ``DatabaseLocked``,
``DiskIOError``, in store/errors.py) whose message says, in Chinese, what happened and what to do.

Migrations are the numbered files ``store/migrations/NNNN_name.sql``, applied in order, each
in one transaction that also sets ``PRAGMA user_version`` to ``NNNN``; the file is backed up
first (a dated backup of reason 升级, store/backups.py) and a database newer than the program is
refused untouched.
A migration whose data SQL cannot compute (pinyin, say) adds a Python hook beside it,
``store/migrations/NNNN_name.py`` with ``def upgrade(conn: sqlite3.Connection) -> None``:
it runs after the SQL step, inside the same transaction (it must not commit or roll back),
so the step is still all or nothing.  A hook keeps its SQL in ``store/`` like every other
module and works through a large table in batches (100,000 households at the county).

An encrypted database (issue 18) is opened with SQLCipher and its data key (store/driver.py,
store/cipher.py): the key a login unlocked in this process for the file, else it is refused
(:class:`~fupin_desktop.store.cipher.EncryptedLocked`); its backups are encrypted with the same key.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import import_module, resources, util
from pathlib import Path
from typing import TypeAlias

from fupin_desktop import fileio
from fupin_desktop.store import cipher, driver
from fupin_desktop.store.errors import (
    _UNCHANGED,
    BackupFailed,
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseTooNew,
    DiskFull,
    DiskIOError,
    StoreError,
    StoreWriteError,
    _as_os_error,
    _translated,
    write_error,
)

# The errors live in store/errors.py; callers import them from here too.
__all__ = [
    "APPLICATION_ID", "MIGRATIONS_PACKAGE", "NEARLY_FULL", "READ_ONLY_CHOSEN", "READ_ONLY_MEDIUM",
    "BackupFailed", "Database", "DatabaseCorrupt", "DatabaseLocked", "DatabaseReadOnly", "DatabaseTooNew",
    "DiskFull", "DiskIOError", "Params", "StoreError", "StoreWriteError", "migration_hook", "migrations",
    "now_iso", "schema_version", "write_error",
]

#: Bound parameters of a statement: positional (``?``) or named (``:name``).
Params: TypeAlias = tuple[object, ...] | dict[str, object]

log = logging.getLogger(__name__)
MIGRATIONS_PACKAGE = "fupin_desktop.store.migrations"
#: Why a database is open read-only: the clerk chose it (another program holds the file), or the
#: disk or folder cannot be written (a write-protected U 盘, a CD, a read-only share).
READ_ONLY_CHOSEN = "chosen"
READ_ONLY_MEDIUM = "medium"
#: With less free space than this, an I/O error while opening is a full disk: SQLite could not
#: even make its shared-memory file (-shm) beside the database.
NEARLY_FULL = 1 << 20
_WAL_HEADER = 32  # a -wal no longer than its header holds no transaction
#: ``PRAGMA application_id`` of every database this program writes ("FUPN"), set by migration 0004.
APPLICATION_ID = 0x4655504E

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


def migration_hook(name: str) -> Callable[[sqlite3.Connection], None] | None:
    """The ``upgrade(conn)`` of migration ``name``'s Python hook (``NNNN_name.py``), if it has one."""
    module_name = f"{MIGRATIONS_PACKAGE}.{name.removesuffix('.sql')}"
    if util.find_spec(module_name) is None:
        return None
    upgrade = getattr(import_module(module_name), "upgrade", None)
    if not callable(upgrade):
        raise RuntimeError(f"migration hook {module_name} has no upgrade(conn) function")
    hook: Callable[[sqlite3.Connection], None] = upgrade
    return hook


def schema_version() -> int:
    """The schema version this program writes."""
    return len(migrations())


class Database:
    """A township (or county) database file."""

    #: the SQL engine (PgDatabase says "postgresql"): for the few hints only one of them knows
    dialect = "sqlite"

    def __init__(self, path: str | Path, *, check: bool = True, migrate: bool = True,
                 read_only: bool = False, key: bytes | None = None) -> None:
        """``read_only`` opens the file for reading only (SQLite ``mode=ro``): every write is
        refused with :class:`DatabaseReadOnly`.  A file on a disk or in a folder that cannot be
        written is opened read-only as well (``read_only_reason`` says which), so a
        write-protected U 盘 or a CD can still be listed, printed and exported."""
        self.path = Path(path)
        on_read_only_medium = fileio.exists(self.path) and not fileio.can_write_beside(self.path)
        self.read_only = read_only or on_read_only_medium
        self.read_only_reason: str | None = (
            READ_ONLY_MEDIUM if on_read_only_medium else READ_ONLY_CHOSEN if read_only else None)
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        #: The logged-in user (store/access.py ``Actor``) whose name the audit rows carry, or None.
        self.actor: object | None = None
        #: The kind of the audit rows written meanwhile (store/audit.py ``kind_of``), or None: ``edit``.
        self.audit_kind: str | None = None
        # Never open() the file to look at it: closing any other descriptor of a database drops
        # every SQLite lock this process holds on it (another process may then delete the
        # -wal a live connection still writes into).  SQLite itself tells a file that is not a
        # database (SQLITE_NOTADB) in _probe().
        if not self.read_only and not fileio.exists(self.path):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"无法在 {self.path.parent} 建立数据库（{exc.strerror or exc}）。请选择本机上可以写入的文件夹。"
                ) from exc
        #: The data key of an encrypted database (store/cipher.py: unlocked by a login), or None.
        self.key = key if key is not None else cipher.key_for(self.path)
        #: Opened with SQLCipher (store/driver.py): the file has a key file beside it, or a key.
        self.encrypted = self.key is not None or cipher.is_encrypted(self.path)
        if self.encrypted and self.key is None:
            raise cipher.EncryptedLocked(
                f"数据库 {self.path.name} 已加密：请先登录（输入用户名和密码）才能打开。命令行请加 --user 用户名"
                "（密码由环境变量 FUPIN_PASSWORD 提供或在提示时输入）。数据库没有任何改动。")
        self.conn = self._connect(self.key)
        fileio.register_database(self.path)
        try:
            if check or migrate:
                self._probe()
            # Read-only checks first: switching to WAL rewrites the file header, and a
            # database we refuse (too new, corrupt) must be left exactly as it was.
            if migrate:
                self._refuse_newer()
            if check or (migrate and self.user_version < len(migrations())):  # never migrate a damaged file
                self.quick_check()
            self._configure()
            if migrate:
                self.migrate()
        except BaseException:
            self.conn.close()
            fileio.unregister_database(self.path)
            raise

    # -- set-up ---------------------------------------------------------
    def _connect(self, key: bytes | None) -> driver.Connection:
        try:
            if self.read_only:
                return driver.connect(self._read_only_uri(), uri=True, key=key, cipher=self.encrypted,
                                      check_same_thread=False, timeout=30)
            return driver.connect(self.path, key=key, cipher=self.encrypted, check_same_thread=False, timeout=30)
        except driver.Error as exc:
            raise StoreError(f"无法打开数据库文件 {self.path}：{exc}") from exc

    def _read_only_uri(self) -> str:
        """The URI of a read-only connection.  SQLite reads a WAL database read-only only if its
        -wal and -shm exist or can be created, or if the file is *immutable* (wal.html, "Read-Only
        Databases"): on a disk or folder that cannot be written, a database with its -wal and -shm
        beside it (left by a crash, or in use by a program that may write there) is opened
        ``mode=ro``, which reads the -wal; one closed cleanly (no -wal, no -shm: nobody has it
        open) is opened immutable; one with a -wal but no -shm is refused (immutable would not
        see the changes waiting in the -wal)."""
        uri = self.path.resolve().as_uri()
        if self.read_only_reason != READ_ONLY_MEDIUM:
            return f"{uri}?mode=ro"
        wal, shm = (self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm"))
        if fileio.exists(wal) and fileio.exists(shm):  # (also what a program using it now has)
            return f"{uri}?mode=ro"
        if fileio.file_size(wal) <= _WAL_HEADER:  # nobody has it open, nothing waits in a -wal
            return f"{uri}?mode=ro&immutable=1"
        raise DatabaseReadOnly(
            f"数据库 {self.path} 所在的磁盘或文件夹是只读的，而且它上次没有正常关闭（旁边的 {wal.name} "
            "里还有最近的修改），程序无法以只读方式打开它。数据没有损坏，请不要用备份覆盖它："
            f"请把 {self.path.name} 和 {wal.name} 一起复制到本机可以写入的文件夹，再打开复制出来的文件。")

    def read_only_message(self, done: str = _UNCHANGED) -> str:
        """Why this database cannot be written, and what to do (for a database opened read-only)."""
        if self.read_only_reason == READ_ONLY_MEDIUM:
            return (f"数据库 {self.path} 所在的磁盘或文件夹是只读的（例如有写保护的 U 盘、光盘或只读的共享文件夹），"
                    f"程序以只读方式打开了它：只能读、不能写（可以查看、打印和导出）。{done}"
                    "如需修改，请把数据库复制到本机可以写入的文件夹后再打开（U 盘请先关闭写保护开关）。")
        return (f"数据库 {self.path} 是以只读方式打开的（启动时选择了“只读打开”）：只能读、不能写"
                f"（可以查看、打印和导出）。{done}如需修改，请关闭正在使用这个数据库的另一个程序，再重新启动本程序。")

    def _probe(self) -> None:
        """Refuse, untouched, a file that is not a database of this program: SQLite reads the
        header itself (SQLITE_NOTADB for a spreadsheet or random bytes), and another program's
        SQLite database has a different ``application_id``."""
        try:
            app_id = int(self.conn.execute("PRAGMA application_id").fetchone()[0])
        except driver.DatabaseError as exc:
            failure = self._open_failure(exc)
            if self.key is None or not isinstance(failure, DatabaseCorrupt):
                raise failure from exc
            app_id = self._without_key(exc)
        if app_id not in (0, APPLICATION_ID):
            raise DatabaseCorrupt(f"{self.path} 是其他程序的 SQLite 数据库，不是本程序的数据库文件。"
                                  "为保护它，程序没有对它做任何修改。请选择正确的 .db 文件。")

    def _without_key(self, refused: Exception) -> int:
        """The key does not open the file: a plain database whose conversion stopped before its
        key file was removed (or after it was written) is opened without it; any other file was
        encrypted with another key -- another program's, or the key file is not its own."""
        self.conn.close()
        self.conn = self._connect(None)
        try:
            app_id = int(self.conn.execute("PRAGMA application_id").fetchone()[0])
        except driver.DatabaseError:
            self.conn.close()
            self.conn = self._connect(self.key)  # (closed by the caller)
            raise cipher.KeyFileBroken(
                f"数据库 {self.path.name} 无法用它旁边的密钥文件打开：它可能是用其他程序或其他密钥加密的，"
                f"或 {cipher.key_file(self.path).name} 不属于它。为保护数据，程序没有对它做任何修改。"
                "请确认选择了正确的数据库和密钥文件，或从备份恢复。") from refused
        log.warning("file=%s has a key file but is not encrypted (a conversion stopped): opened as plain",
                    self.path)
        self.key = None
        return app_id

    def _configure(self) -> None:
        try:
            if not self.read_only:  # a read-only file keeps its journal mode
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=30000")
        except driver.DatabaseError as exc:
            raise self._open_failure(exc) from exc

    def _open_failure(self, exc: Exception) -> StoreError:
        """Why opening failed, said as it is.  Only a file SQLite finds damaged is called damaged:
        a full disk, a read-only disk, a lock held by another program or a disk error is said so,
        and the clerk is told the file is not damaged -- restoring a backup over a good database
        on a full disk would lose every change since the backup."""
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == 26 or "file is not a database" in str(exc):  # SQLITE_NOTADB
            return DatabaseCorrupt(f"{self.path} 不是本程序的数据库文件（文件头不符）。请选择正确的 .db 文件。")
        if primary == 14:  # SQLITE_CANTOPEN
            return StoreError(f"无法读取数据库文件 {self.path}（{exc}）。请确认文件存在、"
                              "有读取权限，或选择正确的 .db 文件。")
        refused = write_error(exc, self.path, opening=True)
        if isinstance(refused, DatabaseReadOnly) and self.read_only:
            return DatabaseReadOnly(self.read_only_message("数据库暂时无法打开。"))
        if isinstance(refused, (DiskFull, DiskIOError)):
            free = fileio.free_bytes(self.path.parent)
            if isinstance(refused, DiskFull) or (free is not None and free < NEARLY_FULL):
                return DiskFull(f"磁盘空间已满，数据库 {self.path} 暂时无法打开（程序需要在它旁边建立工作文件）。"
                                "数据库文件没有损坏，请不要用备份覆盖它：请清理磁盘（删除不用的文件、清空回收站）"
                                "后再打开。")
            return DiskIOError(f"读写数据库文件 {self.path} 时出错（{exc}）：磁盘可能已满、已拔出或损坏。"
                               "这不一定是数据库损坏，请不要用备份覆盖它：请检查磁盘（U 盘请重新插好）后再打开；"
                               "若反复出现，请把数据库文件交给县扶贫办技术人员处理。")
        if refused is not None:
            return refused
        return DatabaseCorrupt(
            f"数据库文件 {self.path} 无法读取（{exc}）。为保护数据，程序没有对它做任何修改。"
            "请改用备份文件（数据库旁 backups 文件夹里的自动备份），或把该文件交给县扶贫办技术人员处理。")

    def quick_check(self) -> None:
        try:
            rows = self.conn.execute("PRAGMA quick_check").fetchall()
        except driver.DatabaseError as exc:
            failure = self._open_failure(exc)
            if not isinstance(failure, DatabaseCorrupt):
                raise failure from exc
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
        except driver.DatabaseError as exc:
            raise self._open_failure(exc) from exc
        supported = schema_version()
        if current > supported:
            raise DatabaseTooNew(
                f"数据库 {self.path} 由更新版本的程序创建（数据结构版本 {current}，本程序支持到 "
                f"{supported}）。请升级本程序后再打开，数据未作任何改动。"
            )

    def migrate(self) -> None:
        """Bring the schema forward; back the file up first; refuse a newer database.

        Each step runs its SQL, then its Python hook if it has one, in one transaction."""
        self._refuse_newer()
        steps = migrations()
        current = self.user_version
        pending = steps[current:]
        if not pending:
            return
        if self.read_only:
            raise DatabaseReadOnly(f"数据库 {self.path} 需要升级数据结构（版本 {current} → {len(steps)}）才能使用。"
                                   + self.read_only_message("数据库未作任何改动。"))
        log.info("migrating file=%s schema %d -> %d", self.path, current, len(steps))
        if current > 0:
            # A dated, verified backup (reason 升级) in the backup folder.  store/backups.py builds
            # on this module (and on settings), hence the import here.
            from fupin_desktop.store import backups

            backups.before(self, backups.UPGRADE)
        for version, name, sql in pending:
            hook = migration_hook(name)
            log.info("applying migration %s", name)
            with self._lock:
                # executescript commits implicitly; wrap the step so it is all-or-nothing.
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        for statement in _split_sql(sql):
                            self.conn.execute(statement)
                        if hook is not None:
                            hook(self.conn)
                            if not self.conn.in_transaction:
                                raise RuntimeError(f"the Python hook of migration {name} ended its transaction")
                        self.conn.execute(f"PRAGMA user_version = {int(version)}")
                        self.conn.execute("COMMIT")
                    except BaseException:
                        self._rollback()
                        raise
                except driver.Error as exc:
                    log.warning("migration %s failed, rolled back: %s", name, exc)
                    raise _translated(exc, self.path) from exc
        log.info("migrated file=%s to schema %d", self.path, self.user_version)

    # -- transactions ---------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One explicit write transaction; nested uses join the outer one.

        Any error rolls the whole (outermost) transaction back; a full disk, a read-only file,
        a lock held by another program or a disk error (in the body or at COMMIT) is raised as
        a :class:`StoreWriteError` with a Chinese message."""
        if self.read_only:
            raise DatabaseReadOnly(self.read_only_message())
        with self._lock:
            outer = self._depth == 0
            if outer:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except driver.Error as exc:
                    raise _translated(exc, self.path) from exc
            self._depth += 1
            try:
                yield self.conn
            except BaseException as exc:
                self._depth -= 1
                if outer:
                    self._rollback()
                translated = _translated(exc, self.path)
                if translated is exc:
                    raise
                raise translated from exc
            else:
                self._depth -= 1
                if outer:
                    try:
                        self.conn.execute("COMMIT")
                    except driver.Error as exc:
                        self._rollback()
                        raise _translated(exc, self.path) from exc

    def _rollback(self) -> None:
        """Undo the open transaction.  SQLite has already rolled it back itself after a full disk
        or an I/O error; a failing ROLLBACK must not hide the error that led here."""
        if not self.conn.in_transaction:
            return
        try:
            self.conn.execute("ROLLBACK")
        except driver.Error:
            pass

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

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._lock:
            rows: list[sqlite3.Row] = self.conn.execute(sql, params).fetchall()
            return rows

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row:
        """The row a query always returns (an aggregate, a row this transaction just wrote)."""
        row = self.query_one(sql, params)
        if row is None:
            raise StoreError(f"数据库中缺少应有的记录，请用“文件 → 备份与恢复”检查数据。（{sql.split()[0]}）")
        return row

    def integer(self, sql: str, params: Params = ()) -> int:
        """The whole number in the first column of :meth:`one` (``COUNT(*)``, ``COALESCE(MAX(..), 0)``)."""
        return int(self.one(sql, params)[0])

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one write statement; the caller must hold a transaction."""
        if self._depth == 0:
            raise RuntimeError("writes must run inside db.transaction()")
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one write statement for every row (bulk imports); the caller must hold a transaction."""
        if self._depth == 0:
            raise RuntimeError("writes must run inside db.transaction()")
        self.conn.executemany(sql, rows)

    # -- maintenance ----------------------------------------------------
    def backup(self, target: str | Path, *, finish: Callable[[sqlite3.Connection], None] | None = None) -> Path:
        """A consistent copy of the database (safe while the program runs).

        Written under a temporary name beside ``target`` and renamed when complete: a full disk
        or a read-only folder raises :class:`BackupFailed` and leaves ``target`` as it was.
        ``finish(copy)`` runs on the copy's own connection before the rename (store/backups.py
        writes its label and verifies the copy there); whatever it raises leaves no copy behind."""
        target = Path(target)
        existed = fileio.exists(target)
        try:
            with fileio.atomic_path(target) as tmp, self._lock:
                fileio.remove_quietly(tmp, f"{tmp}-journal", f"{tmp}-wal", f"{tmp}-shm")  # leftovers of a failure
                try:
                    # An encrypted database's copy is encrypted with the same key (SQLCipher's
                    # backup API copies between connections of one driver only).
                    dest = driver.connect(tmp, key=self.key, cipher=self.encrypted)
                    try:
                        self.conn.backup(dest)
                        if finish is not None:
                            finish(dest)
                    finally:
                        dest.close()
                except driver.Error as exc:
                    fileio.remove_quietly(f"{tmp}-journal", f"{tmp}-wal", f"{tmp}-shm")
                    raise fileio.write_error(target, _as_os_error(exc), existed=existed) from exc
                except BaseException:
                    fileio.remove_quietly(f"{tmp}-journal", f"{tmp}-wal", f"{tmp}-shm")
                    raise
        except fileio.WriteError as exc:
            log.warning("backup of %s to %s failed: %s", self.path, target, exc)
            raise BackupFailed(str(exc)) from exc
        log.info("backup written file=%s to=%s", self.path, target)
        return target

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called (a window outliving its store asks)."""
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for another reader
            except driver.Error:
                pass
            self.conn.close()
            fileio.unregister_database(self.path)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about strings)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.lstrip().startswith("--"):
            continue
        buf += line
        if driver.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
