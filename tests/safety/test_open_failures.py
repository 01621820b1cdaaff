"""Opening a database says what is really wrong (issue 11, faults of the reliability campaign).

A database on a full disk or a write-protected medium is not damaged: it must never be reported
as unreadable “请从备份恢复” (a clerk could overwrite good data with an old backup).  On a
read-only medium the program falls back to read-only: listing, showing and checking work, every
write is refused with a Chinese message.  Real file systems: a small tmpfs filled up, a tmpfs
remounted read-only (see ``media.py``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop import services
from fupin_desktop.store import READ_ONLY_MEDIUM, DatabaseReadOnly, DiskFull, Store
from tests.helpers import full_household
from tests.safety.media import ROOT, disk, fill, fupin, write_protect

#: A writer that saves a phone number and dies without closing: its -wal and -shm stay behind.
DIE_AFTER_SAVE = r"""
import os, sys
from fupin_desktop.store import Store
store = Store(sys.argv[1])
store.db.conn.execute("PRAGMA wal_autocheckpoint=0")
hh = store.households.get(1)
hh.fields["phone"] = "13900000042"
store.households.save(hh, "test")
os._exit(0)
"""


def township(path: Path, households: int = 3) -> Path:
    with Store(path) as store:
        services.init_township(store, code="510822105", name="茶坝乡", villages=[("炉场村", 95)])
        for seed in range(1, households + 1):
            store.households.save(full_household(store.spec, seed=seed), store.operator)
    return path


def dump(path: Path) -> str:
    """Every row, through an ordinary connection: closing it leaves no -wal/-shm behind (a
    read-only one would, and a full disk would then not stop SQLite at all)."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def assert_not_called_damaged(message: str) -> None:
    assert "损坏（" not in message and "请从备份恢复" not in message and "改用备份" not in message
    assert "不要用备份覆盖" in message


def test_a_full_disk_at_start_up_is_called_full_not_damaged(tmp_path: Path) -> None:
    with disk(tmp_path / "usb", size="4m") as usb:
        path = township(usb / "township.db")
        before = dump(path)
        fill(usb)

        with pytest.raises(DiskFull) as refused:
            Store(path)
        message = str(refused.value)
        assert "磁盘空间已满" in message and "请清理磁盘" in message
        assert_not_called_damaged(message)

        cli = fupin("households", "--db", str(path))  # the command says the same, exit 2, no traceback
        assert cli.returncode == 2 and "磁盘空间已满" in cli.stderr and "Traceback" not in cli.stderr
        assert_not_called_damaged(cli.stderr)

        (usb / "filler.bin").unlink()
        with Store(path) as store:  # room again: it opens as usual, nothing was lost
            assert store.households.count() == 3 and not store.read_only
        assert dump(path) == before


def test_a_write_protected_disk_opens_read_only_and_lists(tmp_path: Path) -> None:
    with disk(tmp_path / "usb") as usb:
        path = township(usb / "township.db")
        before = dump(path)
        write_protect(usb)

        with Store(path) as store:
            assert store.read_only and store.db.read_only_reason == READ_ONLY_MEDIUM
            assert store.households.count() == 3
            hh = store.households.get(1)
            assert hh is not None
            with store.reader() as reader:  # the GUI's list and workers read the same way
                assert reader.households.count() == 3
            for write in (lambda: store.households.save(hh, store.operator),
                          lambda: store.households.delete(1, store.operator),
                          lambda: store.drafts.put(hh.uuid, 1, {"values": {}}),
                          lambda: store.set_operator("张会计")):
                with pytest.raises(DatabaseReadOnly) as refused:
                    write()
                message = str(refused.value)
                assert "只读" in message and "U 盘" in message and "本次修改没有写入" in message

        listed = fupin("households", "--db", str(path))
        assert listed.returncode == 0, listed.stderr
        assert len(listed.stdout.splitlines()) == 3
        assert "只读" in listed.stderr  # it says so
        shown = fupin("show", "--db", str(path), "1")
        assert shown.returncode == 0 and hh.head_name in shown.stdout
        checked = fupin("validate", "--db", str(path), "--json")
        assert checked.returncode == 0, checked.stderr
        refused = fupin("policy", "set", "--db", str(path), "--publicity-days", "9")
        assert refused.returncode == 2 and "只读" in refused.stderr and "Traceback" not in refused.stderr
        assert sorted(os.listdir(usb)) == ["township.db"]  # nothing written beside it
        with Store(path) as store:
            assert "\n".join(store.db.conn.iterdump()) == before


def test_a_write_protected_disk_shows_the_last_changes_kept_in_the_wal(tmp_path: Path) -> None:
    with disk(tmp_path / "usb") as usb:
        path = township(usb / "township.db")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", DIE_AFTER_SAVE, str(path)], env=env, check=True, timeout=120)
        assert (usb / "township.db-wal").exists()
        write_protect(usb)

        with Store(path) as store:
            assert store.read_only
            assert store.households.get(1).fields["phone"] == "13900000042"  # the WAL is read, not ignored


def test_a_write_protected_disk_with_a_wal_but_no_shm_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A copy that took the -wal but not the -shm: immutable would hide the last changes."""
    with disk(tmp_path / "usb") as usb:
        path = township(usb / "township.db")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", DIE_AFTER_SAVE, str(path)], env=env, check=True, timeout=120)
        (usb / "township.db-shm").unlink()  # the writer is dead: nobody has the file open
        write_protect(usb)

        with pytest.raises(DatabaseReadOnly) as refused:
            Store(path)
        message = str(refused.value)
        assert "township.db-wal" in message and "一起复制" in message
        assert_not_called_damaged(message)
