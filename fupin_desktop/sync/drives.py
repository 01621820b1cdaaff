"""Find removable drives (U 盘) to export to, with their free space.

Linux: mounted file systems under /media, /run/media and /mnt (from /proc/mounts).
Windows: drive letters whose type is DRIVE_REMOVABLE (GetDriveTypeW).  macOS: /Volumes.
The clerk can always choose any folder instead.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

LINUX_ROOTS = ("/media/", "/run/media/", "/mnt/")
DRIVE_REMOVABLE = 2


@dataclass(frozen=True)
class Drive:
    path: Path
    label: str
    free: int
    total: int

    def describe(self) -> str:
        return f"{self.label}（{self.path}，剩余 {human_size(self.free)}）"


def human_size(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} 字节"


def _usage(path: Path, label: str) -> Drive | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return Drive(path, label, usage.free, usage.total)


def _unescape(field: str) -> str:
    """/proc/mounts writes spaces and friends as octal escapes (\\040)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def linux_mount_points(mounts_text: str) -> list[Path]:
    points = []
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            point = _unescape(parts[1])
            if point.startswith(LINUX_ROOTS):
                points.append(Path(point))
    return points


def removable_drives() -> list[Drive]:
    """Writable removable drives now attached (best effort; never raises)."""
    drives: list[Drive] = []
    try:
        if sys.platform == "win32":
            drives = _windows()
        elif sys.platform == "darwin":
            volumes = Path("/Volumes")
            drives = [d for p in sorted(volumes.iterdir()) if p.is_dir() and not p.is_symlink()
                      for d in [_usage(p, p.name)] if d]
        else:
            text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
            drives = [d for p in linux_mount_points(text) for d in [_usage(p, p.name or str(p))] if d]
    except OSError:
        return []
    return [d for d in drives if os.access(d.path, os.W_OK)]


def _windows() -> list[Drive]:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    mask = kernel32.GetLogicalDrives()
    out = []
    for i in range(26):
        if mask & (1 << i):
            root = f"{chr(65 + i)}:\\"
            if kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)) == DRIVE_REMOVABLE:
                drive = _usage(Path(root), f"U 盘 {chr(65 + i)}:")
                if drive:
                    out.append(drive)
    return out
