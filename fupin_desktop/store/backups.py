"""Dated backups: made, verified, listed and rotated, only ever through SQLite.

A backup is a consistent copy made by the SQLite backup API (:meth:`Database.backup`), named
``<乡镇>-<YYYY-MM-DD-HHMM>-<reason>.db`` (the county's name at a county database; ``-2``, ``-3``
when the name is taken) in the backup folder: ``backups/`` beside the database unless the
clerk chose another (设置 key ``backup_folder``, e.g. a U 盘 folder).

Before the copy gets its final name it is labelled and verified: a small table
``fupin_backup`` (key/value) inside the copy records why and when it was made (UTC, ISO with
offset), whose it is (township code and name) and its household and person counts, so a list of
backups needs nothing but SQLite; then ``PRAGMA integrity_check``, the program's
``application_id`` and the household count (equal to the source's, read in the same snapshot)
are checked on the closed file.  A copy that fails is removed: every file under a backup name
passed that check when it was made (``fupin backup verify`` checks again).

Rotation keeps the last ``last`` backups, the newest of each day for ``days`` days and the
newest of each month for ``months`` months (设置 keys ``backup_keep_last|days|months``).  It only
ever deletes files that carry our name pattern AND our label for the same township, never the
backup just made, never a file it cannot read.

:func:`before` is what a risky operation calls first (Excel import, sync import, migration,
policy import, restore, later the year carry-over): if the backup cannot be made the operation
is refused with :class:`BackupRefused`, a Chinese message saying why and what to do.
Restoring lives in store/restore.py.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fupin_desktop import fileio
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import cipher, driver, settings
from fupin_desktop.store.database import (
    APPLICATION_ID,
    BackupFailed,
    Database,
    StoreError,
    schema_version,
)

MANUAL, DAILY, EXCEL, SYNC, UPGRADE, POLICY, BEFORE_RESTORE = (
    "手动", "每日", "导入Excel", "同步导入", "升级", "政策导入", "恢复前")
#: What the clerk was about to do, by reason (for the refusal message).
ACTIONS = {MANUAL: "备份", DAILY: "每日备份", EXCEL: "导入 Excel 表格", SYNC: "导入同步批次",
           UPGRADE: "升级数据结构", POLICY: "导入政策参数", BEFORE_RESTORE: "恢复备份",
           "年度结转": "结转下一年度", "加密前": "加密数据库", "解密前": "解密数据库"}
LABEL_TABLE = "fupin_backup"
DEFAULT_FOLDER_NAME = "backups"
NAME_RE = re.compile(r"^(?P<town>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}-\d{4})-(?P<reason>[^-./\\]+?)(?:-(?P<n>\d+))?\.db$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s.]+')


class BackupRefused(BackupFailed):
    """A backup could not be made or used; ``str(exc)`` says why and what to do.  Nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, message=message)


@dataclass(frozen=True)
class Rotation:
    last: int = 10
    days: int = 30
    months: int = 24

    def to_json(self) -> dict[str, int]:
        return {"keep_last": self.last, "keep_days": self.days, "keep_months": self.months}


_ROTATION_SETTINGS = {"last": settings.BACKUP_KEEP_LAST, "days": settings.BACKUP_KEEP_DAYS,
                      "months": settings.BACKUP_KEEP_MONTHS}
ROTATION_LIMIT = settings.ROTATION_LIMIT


@dataclass
class BackupInfo:
    """One backup file as its label tells (``problem`` says why it is unusable, or None)."""

    path: Path
    reason: str = ""
    created_at: str = ""
    township_code: str = ""
    township_name: str = ""
    households: int = 0
    persons: int = 0
    schema_version: int = 0
    size: int = 0
    verified_at: str = ""
    problem: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def local_time(self) -> str:
        """``YYYY-MM-DD HH:MM`` in the clerk's time zone."""
        created = self.created()
        return created.astimezone().strftime("%Y-%m-%d %H:%M") if created else ""

    def created(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.created_at)
        except ValueError:
            return None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "name": self.path.name, "created_at": self.created_at,
            "reason": self.reason, "township_code": self.township_code, "township_name": self.township_name,
            "households": self.households, "persons": self.persons, "schema_version": self.schema_version,
            "size_bytes": self.size, "verified": self.problem is None and bool(self.verified_at),
            "verified_at": self.verified_at or None, "problem": self.problem,
        }


# -- settings ------------------------------------------------------------------------------------
def default_folder(db: Database) -> Path:
    return db.path.resolve().parent / DEFAULT_FOLDER_NAME


def folder(db: Database) -> Path:
    """Where this database's backups go (the clerk's choice, else ``backups/`` beside it)."""
    chosen = settings.BACKUP_FOLDER.get(db)
    return Path(chosen) if chosen else default_folder(db)


def set_folder(db: Database, path: str | Path | None) -> None:
    """Choose the backup folder (None or "" goes back to the default)."""
    settings.BACKUP_FOLDER.put(db, str(Path(path).resolve()) if path else "")


def rotation(db: Database) -> Rotation:
    return Rotation(**{attr: setting.get(db) for attr, setting in _ROTATION_SETTINGS.items()})


def set_rotation(db: Database, keep: Rotation) -> None:
    for attr in _ROTATION_SETTINGS:
        value = getattr(keep, attr)
        if not isinstance(value, int) or not 0 <= value <= ROTATION_LIMIT:
            raise StoreError(f"备份保留份数应为 0 到 {ROTATION_LIMIT} 之间的整数。")
    with db.transaction():
        for attr, setting in _ROTATION_SETTINGS.items():
            setting.put(db, getattr(keep, attr))


# -- what a database holds --------------------------------------------------------------------
def identity(conn: sqlite3.Connection) -> tuple[str, str]:
    """``(code, name)`` of the township (the county's at a county database), or ``("", "")``."""
    try:
        row = conn.execute("SELECT code, name FROM township WHERE id = 1").fetchone()
    except driver.OperationalError:
        return "", ""
    return (str(row[0] or ""), str(row[1] or "")) if row else ("", "")


def counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """``(households, persons)``: current households and their current members."""
    households = conn.execute("SELECT COUNT(*) FROM households WHERE deleted = 0").fetchone()[0]
    persons = conn.execute(
        "SELECT COUNT(*) FROM members m JOIN households h ON h.id = m.household_id"
        " WHERE m.deleted = 0 AND h.deleted = 0").fetchone()[0]
    return int(households), int(persons)


def safe_name(name: str) -> str:
    """``name`` made safe as part of a file name on Windows and Linux alike."""
    cleaned = _UNSAFE.sub("_", name).strip("_-")[:40]
    return cleaned or "数据库"


# -- making ---------------------------------------------------------------------------------------
def create(db: Database, reason: str = MANUAL, *, to: str | Path | None = None,
           now: datetime | None = None) -> BackupInfo:
    """Make, verify and rotate one backup; :class:`BackupFailed` (nothing left) if it cannot be."""
    if db._depth:
        raise RuntimeError("a backup is made outside any write transaction")
    if reason == MANUAL:  # the automatic ones (daily, before an import...) are made for everyone
        from fupin_desktop.store import access  # (access builds on the audit, which builds on here)

        access.require(db, Action.BACKUP)
    if not reason or "-" in reason or _UNSAFE.search(reason):
        raise ValueError(f"bad backup reason {reason!r}")
    target_folder = Path(to) if to else folder(db)
    local = (now or datetime.now(UTC)).astimezone()
    created_at = local.astimezone(UTC).isoformat(timespec="milliseconds")
    with db.snapshot() as conn:
        code, name = identity(conn)
        households, persons = counts(conn)
        version = db.user_version
        label = {"reason": reason, "created_at": created_at, "township_code": code, "township_name": name,
                 "households": str(households), "persons": str(persons), "schema_version": str(version),
                 "source_file": db.path.name, "verified_at": created_at}
        target, claim = _claim_name(target_folder, f"{safe_name(name)}-{local:%Y-%m-%d-%H%M}-{reason}")
        try:
            _room_for(target, db)
            db.backup(target, finish=lambda copy: _label_and_verify(copy, label, households))
        finally:
            fileio.remove_quietly(claim)
    info = read_label(target)
    remove_old(target_folder, code, rotation(db), keep=target, live=db.path)
    return info


def before(db: Database, reason: str, *, to: str | Path | None = None, now: datetime | None = None) -> BackupInfo:
    """The backup a risky operation makes first; refuses the operation if it cannot be made.

    A backup nobody asked for at that moment (升级 when the program opens the database, 每日) goes
    to the default folder when the chosen one is missing (the U 盘 is not plugged in): otherwise
    the clerk could not even open the program to choose another folder."""
    try:
        return create(db, reason, to=to, now=now)
    except (BackupFailed, fileio.WriteError) as exc:
        if to is None and reason in (UPGRADE, DAILY) and folder(db) != default_folder(db):
            try:
                return create(db, reason, to=default_folder(db), now=now)
            except (BackupFailed, fileio.WriteError):
                pass
        if reason == DAILY:
            raise  # nothing is refused: the caller says the daily backup was not made
        action = ACTIONS.get(reason, "操作")
        why = exc.why if isinstance(exc, BackupFailed) else str(exc)
        todo = ("请清理磁盘空间，或把数据库文件放到本机可以写入的文件夹后再打开。" if reason == UPGRADE else
                "请在“文件 → 备份与恢复”中选择另一个备份文件夹（如 U 盘上的文件夹），或清理磁盘空间后再试。")
        raise BackupRefused(f"{action}前要先自动备份当前数据，但备份没有完成：{why}\n"
                            f"为保护数据，本次{action}没有进行，数据库保持原样。{todo}") from exc


def daily(db: Database, *, now: datetime | None = None) -> BackupInfo | None:
    """The first start of the day: a 每日 backup unless the database is empty or one was made today."""
    with db.snapshot() as conn:
        code, _ = identity(conn)
        households, _ = counts(conn)
    if households == 0:
        return None
    today = (now or datetime.now(UTC)).astimezone().date()
    for info in list_backups(folder(db), township_code=code):
        created = info.created()
        if created is not None and created.astimezone().date() == today:
            return None
    return before(db, DAILY, now=now)


def _room_for(target: Path, db: Database) -> None:
    """Say plainly that a folder is read-only or too full before writing anything into it."""
    where = target.parent
    if not fileio.exists(where):
        return  # made by the copy (or its failure reported)
    problem = None
    if hasattr(os, "statvfs"):
        try:
            if os.statvfs(where).f_flag & os.ST_RDONLY:
                problem = OSError(errno.EROFS, "read-only file system")
        except OSError:
            pass
    if problem is None:
        needed = int(db.conn.execute("PRAGMA page_count").fetchone()[0]) * int(
            db.conn.execute("PRAGMA page_size").fetchone()[0])
        try:
            if shutil.disk_usage(where).free < needed:
                problem = OSError(errno.ENOSPC, "no space left on device")
        except OSError:
            pass
    if problem is not None:
        raise BackupFailed(str(fileio.write_error(target, problem)))


def _claim_name(where: Path, stem: str) -> tuple[Path, Path]:
    """A free backup name in ``where`` (``-2``, ``-3``... when taken), claimed by an empty marker
    file made with O_EXCL: two programs backing up in the same minute (two windows starting on
    one database) never write the same temporary copy.  The caller removes the marker."""
    first = where / f"{stem}.db"
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(str(fileio.write_error(first, exc))) from exc
    for n in range(1, 1000):
        target = first if n == 1 else where / f"{stem}-{n}.db"
        if fileio.exists(target) or fileio.exists(fileio.temp_path(target)):
            continue
        claim = where / f".{target.stem}.claim"
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        except OSError as exc:
            raise BackupFailed(str(fileio.write_error(target, exc))) from exc
        # Another program may have finished this name between the look above and the claim (it
        # renames its copy into place before it drops its claim): look again while holding it.
        if fileio.exists(target):
            fileio.remove_quietly(claim)
            continue
        return target, claim
    raise BackupFailed(f"{where} 里同一分钟的备份太多。请稍后再试。")


def _label_and_verify(copy: sqlite3.Connection, label: dict[str, str], households: int) -> None:
    """Inside :meth:`Database.backup`, before the rename: write the label, then check the copy."""
    copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable read-only
    copy.execute("BEGIN IMMEDIATE")
    copy.execute(f"CREATE TABLE IF NOT EXISTS {LABEL_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    copy.execute(f"DELETE FROM {LABEL_TABLE}")
    copy.executemany(f"INSERT INTO {LABEL_TABLE} (key, value) VALUES (?, ?)", sorted(label.items()))
    copy.execute("COMMIT")
    problem = check(copy, expected_households=households)
    if problem:
        why = f"备份写好后检查没有通过（{problem}），这份备份已删除。请换一个备份文件夹后再试。"
        raise BackupFailed(why, message=why)


# -- reading --------------------------------------------------------------------------------------
@contextmanager
def open_read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A backup opened for reading only (never written, no -wal made).

    An encrypted backup (issue 18) is opened with the key of the database it came from, which a
    login has unlocked in this process (store/cipher.py); a database with a key file beside it
    is opened with its own key.  A file no key opens is handed over as it is: its first read
    fails as SQLite says (\"file is not a database\")."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    own = cipher.key_for(path)
    if own is not None or cipher.is_encrypted(path):
        conn = driver.connect(uri, uri=True, key=own, cipher=True)
    else:
        conn = _opened_with_any_key(uri)
    try:
        yield conn
    finally:
        conn.close()


def _opened_with_any_key(uri: str) -> sqlite3.Connection:
    """A plain connection to ``uri`` if SQLite reads it; else the first unlocked key's that does
    (a closed backup file: trying two drivers on it is safe, nobody holds it open)."""
    conn = driver.connect(uri, uri=True)
    keys = cipher.unlocked_keys()
    if not keys:
        return conn
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except driver.DatabaseError:
        pass
    for key in keys:
        keyed = driver.connect(uri, uri=True, key=key)
        try:
            keyed.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except driver.DatabaseError:
            keyed.close()
            continue
        conn.close()
        return keyed
    return conn


def check(conn: sqlite3.Connection, *, expected_households: int | None = None, full: bool = True) -> str | None:
    """Why the database behind ``conn`` is not a sound copy of ours, or None."""
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
        bad = [r[0] for r in rows if r[0] != "ok"]
        if bad:
            return f"文件已损坏：{bad[0]}"
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID and not (app_id == 0 and 0 < version < 4):  # 0004 set the id
            return "不是本程序的数据库"
        households, _ = counts(conn)
    except driver.DatabaseError as exc:
        return f"文件无法读取（{exc}）"
    if expected_households is not None and households != expected_households:
        return f"户数不符（应为 {expected_households} 户，实有 {households} 户）"
    return None


def read_label(path: Path) -> BackupInfo:
    """What a backup's label says (``problem`` set if the file cannot be read as one)."""
    info = BackupInfo(path=Path(path))
    try:
        info.size = path.stat().st_size
    except OSError as exc:
        info.problem = f"文件无法读取（{fileio.reason(exc)}）"
        return info
    try:
        with open_read_only(path) as conn:
            label = dict(conn.execute(f"SELECT key, value FROM {LABEL_TABLE}").fetchall())
    except driver.DatabaseError as exc:
        text = str(exc)
        info.problem = ("不是本程序的备份文件" if "no such table" in text or "not a database" in text
                        else f"文件无法读取（{exc}）")
        return info
    info.reason = label.get("reason", "")
    info.created_at = label.get("created_at", "")
    info.township_code = label.get("township_code", "")
    info.township_name = label.get("township_name", "")
    info.verified_at = label.get("verified_at", "")
    for attr in ("households", "persons", "schema_version"):
        text = label.get(attr, "")
        setattr(info, attr, int(text) if text.isdigit() else 0)
    return info


def verify(path: str | Path) -> BackupInfo:
    """Check a backup again now: readable, intact, ours, and as many households as its label says."""
    info = read_label(Path(path))
    if info.problem is None:
        version = 0
        try:
            with open_read_only(Path(path)) as conn:
                info.problem = check(conn, expected_households=info.households)
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except driver.Error as exc:
            info.problem = f"文件无法读取（{exc}）"
        if info.problem is None and version > schema_version():
            info.problem = f"由更新版本的程序制作（数据结构版本 {version}），请先升级本程序"
    return info


def _number(name: str) -> int:
    match = NAME_RE.match(name)
    return int(match["n"]) if match and match["n"] else 1


def is_backup_name(name: str) -> bool:
    return NAME_RE.match(name) is not None


def list_backups(where: str | Path, *, township_code: str | None = None) -> list[BackupInfo]:
    """The backups in ``where`` (files with our name pattern), newest first; those of another
    township are left out when ``township_code`` is given.  Reads labels only (fast)."""
    where = Path(where)
    try:
        names = [p for p in where.iterdir() if is_backup_name(p.name) and p.is_file()]
    except OSError:
        return []
    found = [read_label(p) for p in names]
    if township_code is not None:
        found = [b for b in found if b.problem is not None or b.township_code == township_code]
    found.sort(key=lambda b: (b.created_at, _number(b.path.name)), reverse=True)
    return found


# -- rotation -------------------------------------------------------------------------------------
def to_remove(found: list[BackupInfo], keep: Rotation, *, today: date | None = None) -> list[BackupInfo]:
    """Which of ``found`` (one township's readable backups) the rotation deletes."""
    dated = sorted(((b.created(), b) for b in found if b.problem is None and b.created() is not None),
                   key=lambda t: t[0], reverse=True)  # type: ignore[arg-type,return-value]
    today = today or datetime.now(UTC).astimezone().date()
    kept: set[Path] = {b.path for _, b in dated[:keep.last]}
    days: set[date] = set()
    months: set[tuple[int, int]] = set()
    for created, b in dated:
        assert created is not None
        day = created.astimezone().date()
        if (today - day).days < keep.days and day not in days:
            days.add(day)
            kept.add(b.path)
        month = (day.year, day.month)
        if (today.year - day.year) * 12 + today.month - day.month < keep.months and month not in months:
            months.add(month)
            kept.add(b.path)
    return [b for _, b in dated if b.path not in kept]


def remove_old(where: Path, township_code: str, rule: Rotation, *, keep: Path, live: Path | None = None) -> list[Path]:
    """Apply the rotation to one township's backups in ``where``; ``keep`` (the backup just made)
    is never deleted, nor any file that is not one of our readable backups of that township, nor a
    database in use: ``live`` (a backup the clerk opened as the database), or any file in WAL mode
    or with a -wal/-shm beside it (our backups are single files in rollback-journal mode)."""
    mine = [b for b in list_backups(where, township_code=township_code)
            if b.problem is None and b.township_code == township_code]
    spared = {Path(keep).resolve()} | ({Path(live).resolve()} if live is not None else set())
    removed = []
    for b in to_remove(mine, rule):
        if b.path.resolve() in spared or not is_backup_name(b.path.name) or _in_use(b.path):
            continue
        fileio.remove_quietly(b.path)  # a closed backup, never a live database
        removed.append(b.path)
    return removed


def _in_use(path: Path) -> bool:
    if any(fileio.exists(path.with_name(path.name + suffix)) for suffix in ("-wal", "-shm", "-journal")):
        return True
    try:
        with open_read_only(path) as conn:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
    except driver.Error:
        return True
