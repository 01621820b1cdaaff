"""Finding U 盘 mount points (Linux /proc/mounts; the Windows path uses GetDriveTypeW)."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.sync.drives import human_size, linux_mount_points, removable_drives

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
/dev/sdb1 /media/zhang/KINGSTON vfat rw,nosuid,nodev 0 0
/dev/sdc1 /run/media/li/U\\040DISK vfat rw 0 0
/dev/sdd1 /mnt/usb exfat rw 0 0
tmpfs /run/user/1000 tmpfs rw 0 0
"""


def test_linux_mount_points_under_media_run_media_and_mnt() -> None:
    assert linux_mount_points(MOUNTS) == [
        Path("/media/zhang/KINGSTON"), Path("/run/media/li/U DISK"), Path("/mnt/usb"),
    ]


def test_removable_drives_never_raises_and_reports_free_space() -> None:
    for drive in removable_drives():
        assert drive.free >= 0 and "剩余" in drive.describe()
    assert human_size(3 * (1 << 30)) == "3.0 GB" and human_size(512) == "512 字节"
