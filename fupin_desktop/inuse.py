"""Who else has a database open: a small lock file beside it, ``<name>.db.inuse``.

The GUI holds an operating-system lock on that file for as long as it runs and writes into it
who it is (computer, user, process, program version, since when).  A second GUI (or a ``fupin``
command that writes) finds the lock taken and can say, before anything happens, “数据库正在被另一个
程序使用：计算机 …，用户 …，自 … 起。”.  The operating system drops the lock when the process ends,
however it ends (crash, ``kill -9``, power cut): a stale “in use” is never reported, only the
JSON of the last holder stays in the file and is overwritten by the next one.

Only this file is ever opened here, never the database or its -wal/-shm (only SQLite touches
those).  POSIX: ``flock`` -- bound to the open file, so unlike ``lockf`` (POSIX record locks,
dropped by *any* close of the file in the process: the trap of issue 11) no other descriptor
can release it.  Windows: ``msvcrt.locking`` of one byte past the JSON (Windows locks are
mandatory: the JSON itself stays readable).  ``filelock`` was considered: it cannot tell
*whether another* process holds a lock, nor share the holder's details readably on Windows.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fupin_desktop import __version__

SUFFIX = ".inuse"
#: The locked byte: past any JSON we write, so on Windows the JSON stays readable.
LOCK_OFFSET = 1 << 16
_MAX_JSON = 4096


@dataclass(frozen=True)
class Holder:
    """The program holding a database (as it wrote itself into the lock file)."""

    host: str = "未知"
    user: str = "未知"
    pid: int = 0
    program: str = "扶贫建档立卡"
    version: str = ""
    since: str = ""  # ISO 8601 with offset (UTC)

    @property
    def since_local(self) -> str:
        """``since`` in the clerk's local time, ``YYYY-MM-DD HH:MM``."""
        try:
            return datetime.fromisoformat(self.since).astimezone().strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return "（时间不详）"

    def describe(self) -> str:
        """“计算机 …，用户 …，自 … 起” for a message."""
        return f"计算机 {self.host}，用户 {self.user}，自 {self.since_local} 起"


def lock_path(db: str | os.PathLike[str]) -> Path:
    db = Path(db)
    return db.with_name(db.name + SUFFIX)


class InUseLock:
    """The lock file of one database, held by this process from :meth:`acquire` to :meth:`release`."""

    def __init__(self, db: str | os.PathLike[str]) -> None:
        self.path = lock_path(db)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock and write who we are; False if another process holds it.  A folder that
        cannot be written (a write-protected U 盘: nobody can write the database there either)
        counts as taken by nobody: True, nothing held."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError:
            return True
        if not _try_lock(fd, exclusive=True):
            os.close(fd)
            return False
        self._fd = fd
        me = Holder(host=_host(), user=_user(), pid=os.getpid(), version=__version__,
                    since=datetime.now(UTC).isoformat(timespec="seconds"))
        data = json.dumps(asdict(me), ensure_ascii=False).encode("utf-8")[:_MAX_JSON]
        try:  # who we are is a courtesy to the next program: a full disk does not stop us
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
            os.fsync(fd)
        except OSError:
            pass
        return True

    def holder(self) -> Holder | None:
        """Who holds the lock now (another process), or ``None`` if nobody does."""
        if self._fd is not None:
            return None  # we do
        return holder(self.path.with_name(self.path.name.removesuffix(SUFFIX)))

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> InUseLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(db: str | os.PathLike[str]) -> Holder | None:
    """The other running program that holds ``db`` (its lock file is locked), or ``None``.

    Tests the lock without keeping it (a shared lock, let go at once) and reads the JSON."""
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None  # no lock file: nobody ever held it (or it cannot be read: say nothing)
    try:
        if _try_lock(fd, exclusive=False):
            _unlock(fd)
            return None
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, _MAX_JSON)
    except OSError:
        return None
    finally:
        os.close(fd)
    return _parse(raw)


def _parse(raw: bytes) -> Holder:
    """The holder from the lock file's JSON; unreadable or missing fields stay “未知”."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Holder()
    if not isinstance(data, dict):
        return Holder()
    known = Holder()
    values: dict[str, Any] = {}  # str or int, by field: checked against the defaults below
    for key, default in asdict(known).items():
        value = data.get(key, default)
        if isinstance(default, int):
            values[key] = value if isinstance(value, int) and not isinstance(value, bool) else default
        else:  # keep it short and printable: the file could have been written by anyone
            text = "".join(ch for ch in str(value) if ch.isprintable())[:80]
            values[key] = text or default
    return Holder(**values)


def _host() -> str:
    try:
        return socket.gethostname() or "未知"
    except OSError:
        return "未知"


def _user() -> str:
    try:
        return getpass.getuser() or "未知"
    except (OSError, KeyError, ImportError):
        return "未知"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _try_lock(fd: int, *, exclusive: bool) -> bool:  # Windows has exclusive locks only
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(fd: int, *, exclusive: bool) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
