"""Real disks for the tests: a small tmpfs that fills up, a file system mounted read-only.

As root, ``chmod`` stops nobody, so a write-protected U 盘 or a CD is simulated honestly with a
tmpfs remounted read-only (``mount -o remount,ro``: the kernel refuses every write with EROFS,
root's too).  Not root, a folder and file without write permission do the same for this user.
A full disk is a tmpfs of a few MiB filled with a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@contextmanager
def disk(folder: Path, size: str = "8m") -> Iterator[Path]:
    """A real file system of ``size`` at ``folder`` (tmpfs), unmounted afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        pytest.skip("needs root and mount (tmpfs) to make a real small or read-only disk")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def write_protect(folder: Path) -> None:
    """Make ``folder``'s file system refuse every write from now on (a write-protected U 盘)."""
    assert _mount("-o", "remount,ro", str(folder)), "could not remount read-only"
    probe = folder / "probe"
    with pytest.raises(OSError):
        probe.write_bytes(b"x")


def fill(folder: Path) -> None:
    """Take every free byte of ``folder``'s disk."""
    fd = os.open(folder / "filler.bin", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def fupin(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``fupin`` command."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=ROOT, timeout=300, check=False)
