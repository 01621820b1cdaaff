"""The store's errors: what a refused write or open raises, each with a Chinese message.

A write that SQLite refuses because the disk is full, the file is read-only, another program
holds the lock or the disk fails becomes a :class:`StoreWriteError` (``DiskFull``,
``DatabaseReadOnly``, ``DatabaseLocked``, ``DiskIOError``) via :func:`write_error`.
"""

from __future__ import annotations

import errno
from pathlib import Path

from fupin_desktop.store import driver


class StoreError(Exception):
    """A problem with the database file; ``str(exc)`` is a Chinese message for the clerk."""


class DatabaseTooNew(StoreError):
    pass


class DatabaseCorrupt(StoreError):
    pass


class StoreWriteError(StoreError):
    """SQLite could not write; the transaction was rolled back and the database is unchanged."""


class DiskFull(StoreWriteError):
    pass


class DatabaseReadOnly(StoreWriteError):
    pass


class DatabaseLocked(StoreWriteError):
    pass


class DiskIOError(StoreWriteError):
    pass


class BackupFailed(StoreError):
    """The backup copy could not be written; no partial copy is left under its name.

    ``why`` is the reason alone (a full disk, a folder that cannot be written), for a caller
    that words its own sentence around it; ``str(exc)`` is the whole message."""

    def __init__(self, why: str, *, message: str | None = None) -> None:
        super().__init__(message or f"备份没有完成。{why}")
        self.why = why


_UNCHANGED = "本次修改没有写入，数据库保持原样。"


def write_error(exc: Exception, path: Path, *, opening: bool = False) -> StoreWriteError | None:
    """The :class:`StoreWriteError` for a full disk, a read-only file, a lock held by another
    program or a disk error; ``None`` for any other SQLite error (left as it is)."""
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    done = "数据库暂时无法打开。" if opening else _UNCHANGED
    if "database or disk is full" in text or primary == 13:  # SQLITE_FULL
        return DiskFull(f"磁盘空间已满，{done}请清理磁盘（删除不用的文件、清空回收站）后再试。")
    if "readonly database" in text or primary == 8:  # SQLITE_READONLY
        return DatabaseReadOnly(
            f"数据库文件 {path} 只能读、不能写（文件或所在文件夹是只读的、没有写入权限，或磁盘有写保护），{done}"
            "请把数据库放在本机可以写入的文件夹，或请电脑管理员开放写入权限后再试。")
    if "database is locked" in text:  # SQLITE_BUSY after the busy timeout
        return DatabaseLocked(
            f"数据库正被另一个程序占用（例如同时打开的另一个扶贫程序、正在进行的备份或复制、杀毒软件），{done}"
            "请关闭另一个程序或稍等片刻后再试。")
    if "disk i/o error" in text or primary == 10:  # SQLITE_IOERR
        return DiskIOError(
            f"读写数据库文件时出错（磁盘可能已满、已拔出或损坏），{done}请检查磁盘后再试；"
            "若反复出现，请把数据库文件交给县扶贫办技术人员处理。")
    return None


def _translated(exc: BaseException, path: Path) -> BaseException:
    if isinstance(exc, driver.Error):
        return write_error(exc, path) or exc
    return exc


def _as_os_error(exc: Exception) -> OSError:
    """The file-system error behind a failed SQLite write to a new file (for its message)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    number = {13: errno.ENOSPC, 8: errno.EROFS, 14: errno.EACCES, 10: errno.EIO}.get(primary or 0)
    if number is None and "database or disk is full" in str(exc):
        number = errno.ENOSPC
    return OSError(number, str(exc)) if number is not None else OSError(str(exc))
