"""Writing the clerk's files so that a failure leaves nothing half-written.

Every file the program writes (Excel, PDF, sync batches and feedback, key files, database
backups) is written under a temporary name in the target folder, flushed and fsynced, renamed
over the final name (atomic on one file system), and the folder is fsynced.  If anything fails --
a full disk or U 盘, a read-only or write-protected folder, a file open in Excel, a stick pulled
out -- the temporary file is removed, the final name keeps what it had before (or stays absent),
and :class:`WriteError` is raised: an :class:`OSError` whose ``str()`` is a Chinese message that
says what happened and what to do.

Reading JSON that comes from outside (policy files, key files, batch headers and manifests,
feedback) goes through :func:`loads_json` / :func:`read_json`: a size and a nesting limit are
checked before the parser runs, so a hostile file is a :class:`JsonError` (a ``ValueError``
with a Chinese message), never a ``RecursionError`` or a memory blow-up.

A database file is never written or read here while this process holds a connection to it:
closing any other descriptor of a database drops every POSIX lock SQLite holds on it, and another
process may then delete the live -wal.  Open databases register themselves
(:func:`register_database`); :func:`atomic_path` and :func:`refuse_live_database` refuse such a
file (or its -wal/-shm/-journal), whatever name or link the clerk picked it by.  Checking uses
``os.stat`` only, which opens nothing.

Pure Python: no Qt, no SQL, nothing of the program imported.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Why a file operation failed, in the clerk's words (the system's own text is English).
REASONS: dict[int, str] = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EFBIG: "磁盘空间已满（或文件超过了该磁盘允许的大小）",
    errno.EROFS: "磁盘只读（可能有写保护）",
    errno.EACCES: "没有访问权限（或文件正被其他程序打开）",
    errno.EPERM: "没有访问权限（或文件正被其他程序打开）",
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EEXIST: "路径中有一部分是同名的文件，不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EIO: "读写出错（磁盘或 U 盘可能已满、已拔出或损坏）",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EBUSY: "文件正被其他程序使用",
}
if hasattr(errno, "EDQUOT"):
    REASONS[errno.EDQUOT] = "磁盘空间配额已用完"

#: What the clerk can do, by kind of failure.
ADVICE = {
    "full": "请清理磁盘（删除不用的文件、清空回收站）或换一个位置后再试。",
    "readonly": "请换一个可以写入的位置；U 盘请先关闭写保护开关。",
    "denied": "请关闭正在使用该文件的程序（如 Excel、WPS），或换一个有写入权限的位置后再试。",
    "io": "请检查磁盘或 U 盘是否已满、是否已拔出或损坏，然后再试。",
    "other": "请换一个位置后再试。",
}
_KINDS = {
    errno.ENOSPC: "full", errno.EFBIG: "full", errno.EROFS: "readonly", errno.EACCES: "denied",
    errno.EPERM: "denied", errno.EBUSY: "denied", errno.EIO: "io",
}
if hasattr(errno, "EDQUOT"):
    _KINDS[errno.EDQUOT] = "full"


class WriteError(OSError):
    """A file was not written; ``str(exc)`` is a Chinese message saying why and what to do.

    ``kind`` is "full", "readonly", "denied", "io" or "other"; ``reason`` the short Chinese reason
    (also ``strerror``, so ``exc.strerror or exc`` in older callers still reads well).
    """

    def __init__(self, message: str, *, path: Path | None = None, code: int | None = None,
                 reason: str | None = None, kind: str = "other") -> None:
        super().__init__(code, reason or message)
        self.message = message
        self.path = path
        self.reason = reason or message
        self.kind = kind

    def __str__(self) -> str:
        return self.message


#: Resolved paths of the databases this process has open, with how many connections each.
_LIVE_DATABASES: dict[str, int] = {}
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def register_database(path: str | os.PathLike[str]) -> None:
    key = os.path.realpath(path)
    _LIVE_DATABASES[key] = _LIVE_DATABASES.get(key, 0) + 1


def unregister_database(path: str | os.PathLike[str]) -> None:
    key = os.path.realpath(path)
    left = _LIVE_DATABASES.get(key, 0) - 1
    if left > 0:
        _LIVE_DATABASES[key] = left
    else:
        _LIVE_DATABASES.pop(key, None)


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def is_live_database(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (by name, link or hard link) a database this process has open, or one
    of its -wal/-shm/-journal files."""
    if not _LIVE_DATABASES:
        return False
    target = _identity(path)
    real = os.path.realpath(path)
    for db in list(_LIVE_DATABASES):
        for suffix in _SIDE_FILES:
            side = db + suffix
            if real == side or (target is not None and _identity(side) == target):
                return True
    return False


def refuse_live_database(path: str | os.PathLike[str], *, writing: bool = False) -> None:
    """Raise :class:`WriteError` if ``path`` is a database this process has open (see module doc)."""
    if not is_live_database(path):
        return
    if writing:
        message = (f"不能写入 {path}：这是本程序正在使用的数据库文件，写入会毁坏其中的数据。"
                   "请换一个文件名或位置后再试。")
    else:
        message = (f"{path} 是本程序正在使用的数据库文件，不能作为要读取的文件打开。"
                   "请选择正确的文件（数据库的副本请用“文件 → 备份与恢复”制作）。")
    raise WriteError(message, path=Path(path), code=errno.EBUSY, reason="这是正在使用的数据库文件", kind="denied")


def reason(exc: OSError) -> str:
    """A short Chinese reason for ``exc`` (the system's own text for an unusual one)."""
    if isinstance(exc, WriteError):
        return exc.reason
    return REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


def kind(exc: OSError) -> str:
    """"full", "readonly", "denied", "io" or "other"."""
    if isinstance(exc, WriteError):
        return exc.kind
    return _KINDS.get(exc.errno or 0, "other")


def write_error(path: str | os.PathLike[str], exc: OSError, *, existed: bool = False) -> WriteError:
    """The :class:`WriteError` for ``exc`` while writing ``path``."""
    if isinstance(exc, WriteError):
        return exc
    why, what = reason(exc), kind(exc)
    kept = "原有的文件保持不变" if existed else "没有留下不完整的文件"
    message = f"无法写入 {path}：{why}。本次没有写成，{kept}。{ADVICE[what]}"
    return WriteError(message, path=Path(path), code=exc.errno, reason=why, kind=what)


def temp_path(target: Path) -> Path:
    """The temporary name beside ``target`` (hidden, same suffix so readers recognise it)."""
    return target.with_name(f".{target.stem}.part{target.suffix}")


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder to write; when the block ends without error
    the file is fsynced and renamed to ``target``.  On any error the temporary file is removed,
    ``target`` is left as it was, and an :class:`OSError` becomes a :class:`WriteError`."""
    target = Path(target)
    refuse_live_database(target, writing=True)
    existed = exists(target)
    tmp = temp_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        remove_quietly(tmp)
        if isinstance(exc, OSError):
            raise write_error(target, exc, existed=existed) from exc
        raise
    fsync_dir(target.parent)


def exists(path: Path) -> bool:
    """Whether ``path`` exists (a folder that cannot even be looked into counts as no)."""
    try:
        return path.exists()
    except OSError:
        return False


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""
    target = Path(target)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return target


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(target, text.encode(encoding))


def copy_file(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Copy ``source`` to ``target`` atomically (a full disk never leaves a truncated copy)."""
    target = Path(target)
    refuse_live_database(source)  # a database is copied by SQLite's backup API, never as bytes
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return target


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush a closed file's data to the disk (a full disk may only show here)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(*paths: str | os.PathLike[str]) -> None:
    """Remove leftovers of a failed write; a failure to remove them is not the clerk's problem."""
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def can_write_beside(path: Path) -> bool:
    """Whether ``path`` and its folder can be written: False on a write-protected U 盘, a CD or a
    read-only share (even for root: a read-only file system refuses everyone).  Asks the system
    (``access``), never opens the file."""
    try:
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    except OSError:
        return False


def file_size(path: Path) -> int:
    """The size of ``path`` in bytes (0 when it is absent), from the folder entry (never opened)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk holding ``folder``; ``None`` if the system cannot tell."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


# -- JSON from outside ----------------------------------------------------------------------------
#: Deepest nesting of objects/arrays accepted (the program's own files nest a handful of levels).
MAX_JSON_DEPTH = 64
_JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_JSON_PAIRS = re.compile(r"\[\]|\{\}")


class JsonError(ValueError):
    """JSON that is not read: too large, nested too deep, or not JSON; ``str()`` is Chinese."""


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of the JSON ``text``, without parsing it (stops once past ``limit``).

    Strings and everything but brackets are dropped, then innermost ``[]``/``{}`` pairs are removed
    one level per pass (each pass is one regular-expression substitution, so a long document of
    normal depth costs a few passes).
    """
    brackets = _JSON_NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text))
    depth = 0
    while brackets and depth <= limit:
        brackets, pairs = _JSON_PAIRS.subn("", brackets)
        if not pairs:  # unbalanced: not JSON, the parser says so (and stops at its own depth)
            break
        depth += 1
    return depth


def loads_json(raw: bytes | str, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON from outside the program with a size and a nesting limit (UTF-8, BOM allowed)."""
    if len(raw) > max_bytes:
        raise JsonError(f"内容过大（超过 {max_bytes // 1024 or 1} KB）")
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError as exc:
        raise JsonError("内容不是 UTF-8 编码的文本") from exc
    # Fewer opening brackets than the limit cannot nest deeper (the usual case: no scan needed).
    if text.count("[") + text.count("{") > max_depth and json_depth(text, max_depth) > max_depth:
        raise JsonError(f"内容嵌套过深（超过 {max_depth} 层）")
    from fupin_desktop import fastjson  # (orjson: not needed before the first JSON from outside)

    try:
        return fastjson.loads(text)
    except RecursionError as exc:  # pragma: no cover - the depth check comes first
        raise JsonError("内容嵌套过深") from exc
    except ValueError as exc:
        raise JsonError(f"不是有效的 JSON（{exc}）") from exc


def read_json(path: str | os.PathLike[str], *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Read and parse a JSON file from outside with :func:`loads_json`'s limits; never reads more
    than ``max_bytes + 1`` bytes.  An unreadable file raises :class:`OSError` (a database this
    process has open: :class:`WriteError`, and it is not opened)."""
    refuse_live_database(path)
    with open(path, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    return loads_json(raw, max_bytes=max_bytes, max_depth=max_depth)
