"""No personal data where it does not belong (issue 18): temporary files go into the program's
own folder, removed at exit or at the next start after a crash; a full session leaves no name or
ID number of the demo in any file the program wrote outside the database (log, temp folder,
the database's folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.store import Store

CRASH = """
import os, sys, tempfile
from fupin_desktop import scratch
scratch.claim()
folder = tempfile.mkdtemp(prefix="fupin-print-")
with open(os.path.join(folder, "preview.pdf"), "w", encoding="utf-8") as f:
    f.write("张三 110105194912310021")
print(folder, flush=True)
if sys.argv[1] == "crash":
    os._exit(1)
sys.stdin.read()  # alive until the test closes stdin
"""


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUPIN_")}
    env.update(TMPDIR=str(tmp / "system-temp"), TEMP=str(tmp / "system-temp"), TMP=str(tmp / "system-temp"),
               FUPIN_LOG_DIR=str(tmp / "logs"), **extra)
    (tmp / "system-temp").mkdir(exist_ok=True)
    return env


def fupin(tmp: Path, *argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fupin_desktop.cli", *argv], capture_output=True, text=True,
                          encoding="utf-8", env=env_for(tmp, **extra), stdin=subprocess.DEVNULL, timeout=300)


def test_a_crash_leaves_its_previews_only_until_the_next_start(tmp_path: Path) -> None:
    system = tmp_path / "system-temp"
    env = env_for(tmp_path)
    legacy = system / "fupin-print-k3j2"  # what an older program left: a village's Handbooks
    legacy.mkdir(parents=True)
    (legacy / "card-1.pdf").write_text("张三 110105194912310021", encoding="utf-8")
    crashed = subprocess.run([sys.executable, "-c", CRASH, "crash"], capture_output=True, text=True, env=env,
                             timeout=120)
    left = Path(crashed.stdout.strip())
    assert crashed.returncode == 1 and left.exists() and left.parent.parent == system
    running = subprocess.Popen([sys.executable, "-c", CRASH, "wait"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=env)
    assert running.stdout is not None
    alive = Path(running.stdout.readline().strip())
    try:
        assert fupin(tmp_path, "check-id", "11010519491231002X").returncode == 0  # the next start
        assert not legacy.exists() and not left.parent.exists()
        assert alive.exists()  # another running program's folder is left alone
    finally:
        running.communicate("", timeout=120)
    assert not alive.parent.exists()  # removed at its normal exit
    assert list(system.iterdir()) == []


def _demo_secrets(db: Path) -> set[str]:
    """Every name and ID number of the demo (and the heads' phones)."""
    with Store(db, read_only=True) as store:
        found: set[str] = set()
        for summary in store.households.summaries(store.households.ids()):
            found.update({summary.head_name, summary.head_id_number})
        for household_id in store.households.ids()[:40]:
            hh = store.households.get(household_id)
            assert hh is not None
            for m in hh.current_members:
                found.update({str(m.fields.get("name") or ""), str(m.fields.get("id_number") or "")})
    return {s for s in found if len(s) >= 2}


def _written_outside_the_database(tmp_path: Path, db: Path) -> list[Path]:
    database = {db.name, f"{db.name}-wal", f"{db.name}-shm"}
    files = []
    for folder in (tmp_path / "system-temp", tmp_path / "logs", db.parent):
        for path in folder.rglob("*"):
            if not path.is_file() or (path.parent == db.parent and path.name in database):
                continue
            if path.suffix == ".db" and path.parent.name == "backups":  # a database too (encrypted with it)
                continue
            files.append(path)
    return files


@pytest.mark.timeout(900)
def test_a_full_session_leaves_no_personal_data_outside_the_database(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"  # out: the files the clerk asked for
    data.mkdir()
    out.mkdir()
    db = data / "township.db"
    assert fupin(tmp_path, "demo", "--db", str(db), "--households", "40").returncode == 0
    secrets = _demo_secrets(db)
    some_name, some_id = sorted(s for s in secrets if not s[0].isdigit())[0], \
        sorted(s for s in secrets if s[0].isdigit())[0]
    pw = {"FUPIN_PASSWORD": "admin-pass-1"}
    steps = [  # (command..., expected exit code last)
        ("user", "add", "王管理", "--role", "管理员", 0),
        ("households", "--search", some_name, "--user", "王管理", 0),
        ("show", "1", "--user", "王管理", 0),
        ("check-id", some_id[:17] + ("1" if some_id[17] != "1" else "2"), 1),  # a wrong check digit
        ("export-excel", "--layout", "full", "--out", str(out / "full.xlsx"), "--user", "王管理", 0),
        ("import-excel", str(out / "full.xlsx"), "--user", "王管理", 0),
        ("print", "village-handbooks", "--village", "炉场村", "--out", str(out / "hb.pdf"), "--user", "王管理", 0),
        ("policy", "set", "--publicity-days", "9", 2),  # refused: nobody logged in
        ("audit", "--as", "王管理", "--json", 0),
        ("backup", "create", "--user", "王管理", 0),
    ]
    for *step, expected in steps:
        result = fupin(tmp_path, *step, "--db", str(db), **pw)
        assert result.returncode == expected and "Traceback" not in result.stderr, (step, result.stderr)
    files = _written_outside_the_database(tmp_path, db)
    assert any(p.parent == tmp_path / "logs" for p in files)  # the log was written (and is checked)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path} holds {leaked[:3]}"
    assert [p for p in (tmp_path / "system-temp").iterdir()] == []
