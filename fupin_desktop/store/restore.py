"""Restoring a backup into the live database, through SQLite only.

1. The chosen file is checked first, read-only: it must be an intact database of this program
   (``integrity_check``, ``application_id``), not from a newer program, and of the same township
   (its code; a database with no township yet takes any).  Otherwise :class:`BackupRefused`.
2. The current data is backed up (reason 恢复前): if that fails, nothing is restored.
3. The backup is copied INTO the live connection by the backup API (source = the backup,
   destination = the live database) in one step: every page goes into one write transaction
   of the live database (its WAL), so a crash or ``kill -9`` half-way leaves it as it was.
4. The result is checked (integrity, household count equal to the backup's); if it were wrong the
   恢复前 copy is put back the same way.  An older schema is then brought forward (migrate).

The backup folder and rotation settings of the current database are kept (they belong to the
computer, not to the data).  The restored database also holds the backup's label table
(``fupin_backup``: where the data came from); the next backup relabels its own copy.  Nothing
here opens a file other than through SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin_desktop import fileio
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import access, backups, driver, settings
from fupin_desktop.store.backups import BackupInfo, BackupRefused
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import Database, StoreError, schema_version, write_error


@dataclass
class RestoreResult:
    restored: BackupInfo
    safety: BackupInfo | None  # the 恢复前 backup of the data that was replaced
    households: int
    persons: int

    @property
    def change(self) -> Change:
        """The whole database replaced: every view reloads, the title too."""
        return Change.of(ChangeKind.BACKUP_RESTORE, count=self.households, everything=True)

    def to_json(self) -> dict[str, Any]:
        return {"restored": self.restored.to_json(),
                "safety_backup": self.safety.to_json() if self.safety else None,
                "households": self.households, "persons": self.persons}


def usable(db: Database, path: str | Path) -> BackupInfo:
    """The backup at ``path`` if it can be restored into ``db``; else :class:`BackupRefused`."""
    path = Path(path)
    keep = "当前数据没有任何改动。"
    if not fileio.exists(path) or not path.is_file():
        raise BackupRefused(f"找不到备份文件 {path}。{keep}请选择一个备份文件（.db）。")
    if path.resolve() == db.path.resolve():
        raise BackupRefused(f"{path} 就是正在使用的数据库，不是备份。{keep}请选择备份文件夹里的一份备份。")
    try:
        with backups.open_read_only(path) as conn:
            problem = backups.check(conn)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0]) if problem is None else 0
            code, name = backups.identity(conn) if problem is None else ("", "")
            households, persons = backups.counts(conn) if problem is None else (0, 0)
            if problem is None and driver.is_cipher(conn) != driver.is_cipher(db.conn):
                problem = ("它是加密的，而当前数据库没有加密" if driver.is_cipher(conn)
                           else "它没有加密，而当前数据库是加密的") + "（加密和未加密的数据库之间不能直接恢复）"
    except driver.DatabaseError as exc:
        problem = f"文件无法读取（{exc}）"
    if problem is not None:
        if "not a database" in problem or problem == "不是本程序的数据库":
            problem = "它不是本程序的数据库或备份文件"
        raise BackupRefused(f"不能用 {path.name} 恢复：{problem}。{keep}"
                            "请选择另一份备份（可先在“备份与恢复”中按“验证”检查）。")
    if version > schema_version():
        raise BackupRefused(f"不能用 {path.name} 恢复：它由更新版本的程序制作（数据结构版本 {version}，本程序支持到 "
                            f"{schema_version()}）。{keep}请先升级本程序再恢复。")
    live_code, live_name = backups.identity(db.conn)
    if live_code and code != live_code:
        whose = f"{name}（代码 {code}）" if code else "一个还没有设置乡镇的数据库"
        raise BackupRefused(f"不能用 {path.name} 恢复：这份备份属于{whose}，当前数据库是{live_name}（代码 "
                            f"{live_code}）。{keep}请选择本乡镇的备份。")
    info = backups.read_label(path)
    info.problem = None  # a plain copy without our label is fine too
    info.township_code, info.township_name = code, name
    info.households, info.persons, info.schema_version = households, persons, version
    return info


def restore(db: Database, path: str | Path, *, to: str | Path | None = None) -> RestoreResult:
    """Replace the live data by the backup at ``path`` (see the module docstring).  ``to``: the
    folder for the 恢复前 backup (default: the backup folder)."""
    access.require(db, Action.BACKUP)
    info = usable(db, path)
    with db.snapshot() as conn:
        live_code, _ = backups.identity(conn)
        live_households, _ = backups.counts(conn)
    kept = {setting: setting.raw(db) for setting in settings.KEPT_ON_RESTORE}
    safety = None
    if live_code or live_households:  # an empty new database has nothing to keep
        safety = backups.before(db, backups.BEFORE_RESTORE, to=to)
    _copy_into(db, Path(path))
    problem = backups.check(db.conn, expected_households=info.households)
    if problem is not None:
        if safety is not None:
            _copy_into(db, safety.path)
        raise StoreError(f"恢复后检查没有通过（{problem}），已改回恢复前的数据。请选择另一份备份再试。")
    if db.user_version < schema_version():
        db.migrate()
    for setting, value in kept.items():
        if value is not None and setting.raw(db) != value:
            setting.put_raw(db, value)
    households, persons = backups.counts(db.conn)
    return RestoreResult(restored=info, safety=safety, households=households, persons=persons)


def _copy_into(db: Database, source: Path) -> None:
    """Every page of ``source`` into the live database, in one write transaction."""
    with db._lock:
        if db.conn.in_transaction:
            raise RuntimeError("restore runs outside any transaction")
        try:
            with backups.open_read_only(source) as src:
                src.backup(db.conn)  # pages=-1: all in one step
        except driver.Error as exc:
            refused = write_error(exc, db.path)
            if refused is not None:
                raise refused from exc
            raise BackupRefused(f"恢复没有完成（{exc}），当前数据没有任何改动。") from exc
