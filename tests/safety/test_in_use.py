"""“数据库正在被另一个程序使用”: the sidecar lock file ``<db>.inuse`` (fupin_desktop.inuse).

A real second process holds the lock, as a running GUI does; the OS drops it when that process
is killed, so a crash never leaves a stale “in use”.  The database and its -wal/-shm are never
touched by this: only the ``.inuse`` file is.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from fupin_desktop import inuse, services
from fupin_desktop.store import Store
from tests.safety.media import ROOT, fupin

HOLDER = r"""
import sys
from fupin_desktop.inuse import InUseLock
lock = InUseLock(sys.argv[1])
print("held" if lock.acquire() else "busy", flush=True)
sys.stdin.readline()
"""


class Holding:
    """A process that holds the database's in-use lock until it is killed."""

    def __init__(self, db: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout.readline().strip() == "held"

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "township.db"
    with Store(path) as store:
        services.init_township(store, code="510822105", name="茶坝乡", villages=[("炉场村", 95)])
    return path


def test_another_process_holding_the_database_is_named_and_a_kill_frees_it(db: Path) -> None:
    assert inuse.holder(db) is None
    other = Holding(db)
    try:
        found = inuse.holder(db)
        assert found is not None
        assert (found.host, found.user, found.pid) == (socket.gethostname(), getpass.getuser(), other.proc.pid)
        assert found.since_local == datetime.fromisoformat(found.since).astimezone().strftime("%Y-%m-%d %H:%M")
        assert found.describe() == f"计算机 {found.host}，用户 {found.user}，自 {found.since_local} 起"
        mine = inuse.InUseLock(db)
        assert not mine.acquire() and not mine.held
        assert mine.holder() == found
    finally:
        other.kill()  # kill -9: no clean-up ran, the OS let go of the lock
    assert inuse.holder(db) is None, "a dead process never leaves a stale “in use”"
    with inuse.InUseLock(db) as mine:
        assert mine.held
        assert json.loads(inuse.lock_path(db).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert sorted(p.name for p in db.parent.iterdir()) == ["township.db", "township.db.inuse"]


def test_a_tampered_lock_file_says_unknown_and_never_breaks_start_up(db: Path) -> None:
    other = Holding(db)
    try:  # the holder's JSON replaced by anything (another program, a broken disk)
        for junk in (b"\xff\xfe not json", b"[1, 2]", json.dumps({"host": "\u202eevil\x00" * 50, "pid": "x"}).encode()):
            inuse.lock_path(db).write_bytes(junk)
            found = inuse.holder(db)
            assert found is not None and found.pid == 0
            assert found.host == "未知" or (found.host.isprintable() and len(found.host) <= 80)
            assert "时间不详" in found.since_local
    finally:
        other.kill()


def test_commands_that_write_warn_but_work_and_read_commands_say_nothing(db: Path) -> None:
    other = Holding(db)
    try:
        changed = fupin("policy", "set", "--db", str(db), "--publicity-days", "9", "--json")
        assert changed.returncode == 0, changed.stderr
        assert "数据库正在被另一个程序使用" in changed.stderr and socket.gethostname() in changed.stderr
        json.loads(changed.stdout)  # the JSON on stdout is untouched by the warning
        listed = fupin("households", "--db", str(db))
        assert listed.returncode == 0 and "另一个程序" not in listed.stderr
    finally:
        other.kill()
    with Store(db) as store:
        assert store.policy.get().publicity_days == 9
    again = fupin("policy", "set", "--db", str(db), "--publicity-days", "7")
    assert again.returncode == 0 and "另一个程序" not in again.stderr
