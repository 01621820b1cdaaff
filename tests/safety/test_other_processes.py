"""A save the program confirmed survives any other process and any crash (issue: data safety).

The defect this guards: opening and closing the database file with anything but SQLite drops
every POSIX lock the process holds on it; the next other process that opened and closed the
file then deleted the live -wal, and saves confirmed after that were lost at the next crash.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.store import Store

ROOT = Path(__file__).resolve().parents[2]

# A process shaped like the GUI: the main connection, a worker's connection opened and closed
# (print preview, data quality, Excel import...), then, once the other process has run, a save.
GUI_LIKE = r"""
import sys
import pytest

from fupin_desktop.store import Store
store = Store(sys.argv[1])
reader = store.reader()
reader.households.count()
reader.close()
print("ready", flush=True)
sys.stdin.readline()                     # the other process runs meanwhile
hh = store.households.get(1)
hh.fields["phone"] = "13912345678"
saved = store.households.save(hh, "test")
print(saved.revision, flush=True)        # confirmed
sys.stdin.readline()                     # killed here, never closing anything
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_a_confirmed_save_survives_another_process_and_a_kill(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), "demo", "--households", "5"],
                   check=True, capture_output=True, env=_env())
    gui = subprocess.Popen([sys.executable, "-c", GUI_LIKE, str(db)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, env=_env())
    assert gui.stdout is not None and gui.stdin is not None
    try:
        assert gui.stdout.readline().strip() == "ready"
        other = subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), "households", "--json"],
                               capture_output=True, text=True, env=_env())
        assert other.returncode == 0, other.stderr
        gui.stdin.write("\n")
        gui.stdin.flush()
        revision = int(gui.stdout.readline())
        # The live -wal is still the file on disk (not unlinked under the writer).
        deleted = [os.readlink(f"/proc/{gui.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{gui.pid}/fd")]
        assert not [p for p in deleted if "r.db" in p and "(deleted)" in p], deleted
    finally:
        os.kill(gui.pid, signal.SIGKILL)
        gui.wait()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored_revision, fields = conn.execute("SELECT revision, fields FROM households WHERE id = 1").fetchone()
    finally:
        conn.close()
    assert stored_revision == revision
    assert json.loads(fields)["phone"] == "13912345678"


def test_opening_never_reads_the_file_outside_sqlite(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """No Python-level open() of the database file (or its -wal/-shm) while opening stores."""
    import builtins
    import io

    path = tmp_path / "township.db"
    Store(path).close()
    opened: list[str] = []
    real_open, real_io_open = builtins.open, io.open

    def spy(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_io(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        opened.append(str(file))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy_io)
    with Store(path) as store:
        store.reader().close()
    assert not [p for p in opened if p.startswith(str(path))], opened


def test_the_kill_campaign_loses_no_confirmed_save() -> None:
    """20 kill -9s of a GUI-shaped writer while real fupin commands run beside it."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "kill_campaign.py"), "--kills", "20",
                          "--households", "20", "--json"], capture_output=True, text=True, env=_env(), timeout=600)
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["kills"] == 20
    assert result["confirmed_saves"] > 20 and result["fupin_runs"] > 5
    assert result["lost"] == 0 and result["integrity_failures"] == 0, result


def test_the_live_database_is_never_read_or_written_as_a_clerk_file(tmp_path: Path) -> None:
    """Picking the open database (or a link to it, or its -wal) as an Excel file, a batch, a key, a
    policy, or as the target of an export is refused with a Chinese message, the file untouched."""
    from fupin_desktop import fileio, quality
    from fupin_desktop.excel.reader import ExcelRefused, open_workbook
    from fupin_desktop.store import StoreError
    from fupin_desktop.sync.county_import import read_batch_file
    from fupin_desktop.sync.format import SyncError
    from fupin_desktop.sync.keys import read_key_file

    path = tmp_path / "township.db"
    link = tmp_path / "链接.xlsx"
    with Store(path) as store:
        link.symlink_to(path)
        wal = Path(f"{path}-wal")
        assert wal.exists()
        for candidate in (path, link, wal):
            assert fileio.is_live_database(candidate)
            with pytest.raises(ExcelRefused, match="正在使用的数据库"):
                open_workbook(candidate)
            with pytest.raises(SyncError, match="正在使用的数据库"):
                read_batch_file(candidate)
            with pytest.raises(SyncError, match="正在使用的数据库"):
                read_key_file(candidate)
            with pytest.raises(StoreError, match="正在使用的数据库"):
                quality.read_policy_file(candidate)
            with pytest.raises(fileio.WriteError, match="正在使用的数据库"):
                fileio.write_bytes(candidate, b"an export")
        assert store.households.count() == 0  # still a working database
        assert store.db.query_one("PRAGMA integrity_check")[0] == "ok"
    assert not fileio.is_live_database(path)  # closed: an ordinary file again
