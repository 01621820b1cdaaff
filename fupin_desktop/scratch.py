"""The program's own temporary folder: every temporary file it (and its libraries) writes, in one
place that goes away (issue 18).

Print previews (``fupin-print-*``), openpyxl's write-only sheets while an Excel file is written,
pdftoppm's pages: all of them may hold names and ID numbers.  :func:`claim` (at the start of the
``fupin`` program and of the GUI) makes ``<system temp>/fupin-tmp-XXXX/``, holds a lock on a file
inside it for the life of the process and points Python's :mod:`tempfile` there, so every library
that asks :mod:`tempfile` writes inside it.  At a normal exit the folder is removed; after a crash
(or a power cut) the next start removes every ``fupin-tmp-*`` folder whose lock nobody holds --
and every ``fupin-print-*`` folder older programs left in the system temp folder.  A folder whose
lock another running program holds is left alone.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from fupin_desktop.inuse import _try_lock, _unlock

log = logging.getLogger(__name__)

PREFIX = "fupin-tmp-"
#: What older programs left in the system temp folder (print previews), removed at the next start.
LEGACY = ("fupin-print-",)
LOCK = ".alive"
_claimed: list[tuple[Path, int, str | None]] = []  # (folder, lock descriptor, tempfile.tempdir before)


def claim() -> Path:
    """This process's temporary folder (made once), after sweeping what crashed processes left."""
    if _claimed:
        return _claimed[0][0]
    system = Path(tempfile.gettempdir())
    removed = sweep(system)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=system))
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    _try_lock(fd, exclusive=True)
    _claimed.append((folder, fd, tempfile.tempdir))
    tempfile.tempdir = str(folder)
    atexit.register(release)
    if removed:
        log.info("removed %d temporary folders left by earlier runs", removed)
    return folder


def release() -> None:
    """Remove this process's temporary folder (at exit; also by tests)."""
    while _claimed:
        folder, fd, before = _claimed.pop()
        if tempfile.tempdir == str(folder):
            tempfile.tempdir = before
        try:
            _unlock(fd)
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


def sweep(system: Path) -> int:
    """Remove the temporary folders of programs no longer running; how many were removed."""
    removed = 0
    try:
        entries = list(system.iterdir())
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(PREFIX) or name.startswith(LEGACY)) or not entry.is_dir():
            continue
        if any(entry == folder for folder, _, _ in _claimed) or _alive(entry):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += not entry.exists()
    return removed


def _alive(folder: Path) -> bool:
    """Whether a running program holds the folder's lock (a legacy folder has none: not alive)."""
    lock = folder / LOCK
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        if not _try_lock(fd, exclusive=True):
            return True
        _unlock(fd)
        return False
    finally:
        os.close(fd)
