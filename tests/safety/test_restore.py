"""Restoring a backup: exact (full dumps compared), the current data backed up first, every bad
backup refused with the current database unchanged, and a restore killed half-way harmless."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fupin_desktop.store import Store, backups
from fupin_desktop.store.backups import BackupRefused
from fupin_desktop.store.database import schema_version
from fupin_desktop.store.restore import restore
from tests.diskfull import db_digest
from tests.helpers import full_household, make_store
from tests.safety.backupkit import REPO, demo_store, dump, fupin, integrity


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = demo_store(tmp_path / "township.db")
    yield s
    s.close()


def without_label(lines: list[str]) -> list[str]:
    """A dump without the label table a backup carries (store/backups.py LABEL_TABLE)."""
    return [line for line in lines if backups.LABEL_TABLE not in line]


def change_things(store: Store) -> None:
    ids = store.households.ids()
    store.households.delete(ids[0], store.operator)
    hh = store.households.get(ids[1])
    hh.fields["phone"] = "13900001111"
    store.households.save(hh, store.operator)
    store.households.save(full_household(store.spec, seed=77), store.operator)
    store.set_operator("张会计")


def test_a_restore_gives_back_exactly_the_backup_and_keeps_the_replaced_data(store: Store) -> None:
    backup = backups.create(store.db, backups.MANUAL).path
    change_things(store)
    replaced = dump(store.path)
    assert replaced != dump(backup)

    result = restore(store.db, backup)

    assert dump(store.path) == dump(backup)  # every table, every row, the schema
    assert integrity(store.path) == "ok"
    assert result.safety is not None and result.safety.reason == "恢复前"
    assert without_label(dump(result.safety.path)) == replaced  # undo is possible
    assert (result.households, result.persons) == (store.households.count(), store.households.person_count())
    # The same connection goes on working, in WAL mode, and a new connection sees the restored data.
    assert store.db.query_one("PRAGMA journal_mode")[0] == "wal"
    store.households.save(full_household(store.spec, seed=78), store.operator)
    with Store(store.path) as again:
        assert again.households.count() == result.households + 1 and again.operator != "张会计"


def test_restoring_the_replaced_data_again_undoes_the_restore(store: Store) -> None:
    backup = backups.create(store.db).path
    change_things(store)
    changed = dump(store.path)
    safety = restore(store.db, backup).safety
    assert safety is not None
    restore(store.db, safety.path)
    # The same data again; the restored file also carries the label of the copy it came from.
    assert without_label(dump(store.path)) == changed


def test_restore_keeps_this_computers_backup_folder_and_rotation(store: Store, tmp_path: Path) -> None:
    backup = backups.create(store.db).path
    stick = tmp_path / "U盘"
    backups.set_folder(store.db, stick)
    backups.set_rotation(store.db, backups.Rotation(last=3, days=7, months=6))
    result = restore(store.db, backup, to=stick)
    assert result.safety is not None and result.safety.path.parent == stick
    assert backups.folder(store.db) == stick and backups.rotation(store.db) == backups.Rotation(3, 7, 6)


def test_an_older_backup_is_restored_and_brought_up_to_date(store: Store, tmp_path: Path) -> None:
    old = backups.create(store.db).path
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA user_version = 3")  # as if made by the previous program
    conn.commit()
    conn.close()
    restore(store.db, old)
    assert store.db.user_version == schema_version()
    assert [p for p in (tmp_path / "backups").iterdir() if p.name.endswith("-升级.db")]


# -- refusals: each leaves the current database as it was ---------------------------------------------
def _damaged(store: Store, tmp_path: Path) -> Path:
    path = backups.create(store.db).path
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'households'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:  # a closed backup, not the live database
        fh.seek((root - 1) * size + 8)
        fh.write(b"\xff" * 200)
    return path


def _not_a_database(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "backups" / "茶坝乡-2026-01-01-0000-手动.db"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"PK\x03\x04 this is a spreadsheet, not a database" * 100)
    return path


def _other_township(store: Store, tmp_path: Path) -> Path:
    with make_store(tmp_path, "malu.db") as other:
        with other.db.transaction():
            other.db.execute("UPDATE township SET code = '510822106', name = '马鹿乡'")
        return backups.create(other.db, backups.MANUAL).path


def _newer_schema(store: Store, tmp_path: Path) -> Path:
    path = backups.create(store.db).path
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.commit()
    conn.close()
    return path


def _another_program(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE households (id INTEGER, deleted INTEGER)")
    conn.commit()
    conn.close()
    return path


def _live_file(store: Store, tmp_path: Path) -> Path:
    return store.path


def _missing(store: Store, tmp_path: Path) -> Path:
    return tmp_path / "backups" / "没有这个文件.db"


BAD = {"damaged": (_damaged, "已损坏|无法读取"), "not a database": (_not_a_database, "不是本程序的数据库或备份文件"),
       "another township": (_other_township, "属于马鹿乡（代码 510822106）.*当前数据库是茶坝乡"),
       "newer program": (_newer_schema, "更新版本的程序.*请先升级本程序"),
       "another program": (_another_program, "不是本程序的数据库或备份文件"),
       "the live file": (_live_file, "就是正在使用的数据库"), "missing": (_missing, "找不到备份文件")}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_backup_is_refused_and_nothing_changes(store: Store, tmp_path: Path, kind: str) -> None:
    make, message = BAD[kind]
    bad = make(store, tmp_path)
    before = db_digest(store.path)
    folder_before = sorted(p.name for p in (tmp_path / "backups").iterdir()) if (tmp_path / "backups").exists() else []

    with pytest.raises(BackupRefused, match=message) as refused:
        restore(store.db, bad)
    assert "当前数据没有任何改动" in str(refused.value)

    assert db_digest(store.path) == before
    after = sorted(p.name for p in (tmp_path / "backups").iterdir()) if (tmp_path / "backups").exists() else []
    assert after == folder_before, "no 恢复前 backup for a refused restore"
    if kind in ("damaged", "not a database", "newer program", "another program"):
        assert backups.verify(bad).problem is not None  # 验证 says so too


def test_a_restore_whose_safety_backup_cannot_be_made_does_not_restore(store: Store, tmp_path: Path) -> None:
    backup = backups.create(store.db).path
    change_things(store)
    before = db_digest(store.path)
    blocker = tmp_path / "U盘"
    blocker.write_bytes(b"")
    with pytest.raises(BackupRefused, match="(?s)恢复备份前要先自动备份.*本次恢复备份没有进行，数据库保持原样"):
        restore(store.db, backup, to=blocker)
    assert db_digest(store.path) == before


def test_an_empty_new_database_takes_any_townships_backup_without_a_safety_copy(store: Store, tmp_path: Path) -> None:
    backup = backups.create(store.db).path
    with Store(tmp_path / "new" / "township.db") as fresh:  # a new computer: nothing set up yet
        result = restore(fresh.db, backup)
        assert result.safety is None and fresh.townships.get().name == "茶坝乡"
    assert dump(tmp_path / "new" / "township.db") == dump(backup)


# -- the command and kill -9 ----------------------------------------------------------------------------
def test_fupin_backup_restore_needs_yes_and_prints_json(store: Store, tmp_path: Path) -> None:
    backup = backups.create(store.db).path
    change_things(store)
    store.close()
    db = str(tmp_path / "township.db")
    before = db_digest(Path(db))

    refused = fupin("backup", "restore", backup.name, "--db", db)
    assert refused.returncode == 2 and "需要确认" in refused.stderr and "--yes" in refused.stderr
    assert db_digest(Path(db)) == before

    done = fupin("backup", "restore", backup.name, "--db", db, "--yes", "--json")  # a name in the folder is enough
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"restored", "safety_backup", "households", "persons"}
    assert result["restored"]["file"] == str(backup) and result["safety_backup"]["reason"] == "恢复前"
    assert dump(Path(db)) == dump(backup)

    bad = fupin("backup", "restore", str(tmp_path / "nope.db"), "--db", db, "--yes")
    assert bad.returncode == 2 and "找不到备份文件" in bad.stderr and "Traceback" not in bad.stderr


def _pad(path: Path, megabytes: int) -> None:
    """Make a backup big (a table of random bytes) so that copying it takes a while."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (randomblob(1048576))", [()] * megabytes)
    conn.commit()
    conn.close()


def test_a_restore_killed_half_way_leaves_the_current_database_as_it_was(store: Store, tmp_path: Path) -> None:
    big = backups.create(store.db).path
    _pad(big, 300)
    change_things(store)
    store.close()
    db = tmp_path / "township.db"
    before, before_dump = db_digest(db), dump(db)
    wal = db.with_name(db.name + "-wal")
    child = subprocess.Popen([sys.executable, "-m", "fupin_desktop", "backup", "restore", str(big), "--db", str(db),
                              "--yes"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Kill it once the copy is well under way: the restore's pages pour into the WAL.
        while child.poll() is None:
            try:
                if wal.stat().st_size > 50 * 1048576:
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        assert child.poll() is None, "the restore ended before it could be killed: pad the backup more"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    assert integrity(db) == "ok"
    assert db_digest(db) == before and dump(db) == before_dump
    with Store(db) as again:  # it opens and works as before
        assert again.operator == "张会计"
        again.households.save(full_household(again.spec, seed=90), again.operator)
