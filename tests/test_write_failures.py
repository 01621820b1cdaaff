"""A full disk, a read-only database and a database locked by another program, on real SQLite files.

Every refused write says in Chinese what happened and what to do, and changes nothing: the
transaction is rolled back whole (a hash of every table is the same before and after), and the
connection goes on working once the disk has room again.  The command exits 2 with the message.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from fupin_desktop import services
from fupin_desktop.store import (
    BackupFailed,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    Store,
    StoreError,
    StoreWriteError,
)
from tests import diskfull
from tests.diskfull import db_digest, fill_database, unfill_database
from tests.helpers import full_household, make_store


def big_household(store: Store, seed: int):
    """More than one page of rows (12 members): saving it must grow the file."""
    return full_household(store.spec, seed=seed, names=tuple(f"成员{seed}号{i}" for i in range(12)))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    s.households.save(full_household(s.spec, seed=1), s.operator)
    yield s
    s.close()


def test_saving_a_household_on_a_full_disk_says_so_and_changes_nothing(store: Store) -> None:
    before, count = db_digest(store.path), store.households.count()
    fill_database(store)

    with pytest.raises(DiskFull) as refused:
        store.households.save(big_household(store, seed=2), store.operator)

    message = str(refused.value)
    assert "磁盘空间已满" in message and "数据库保持原样" in message and "请清理磁盘" in message
    assert store.households.count() == count
    assert db_digest(store.path) == before
    assert not store.db.conn.in_transaction

    unfill_database(store)  # room again: the same connection saves as usual
    saved = store.households.save(big_household(store, seed=2), store.operator)
    assert store.households.count() == count + 1 and saved.id is not None


def test_a_draft_or_a_blocked_save_on_a_full_disk_is_refused_the_same_way(store: Store) -> None:
    before = db_digest(store.path)
    fill_database(store)
    hh = full_household(store.spec, seed=3)
    payload = {"values": services.household_json(hh, store.spec), "texts": {}}

    with pytest.raises(DiskFull):
        store.drafts.put(hh.uuid, None, payload)
    hh.members[0].fields["id_number"] = "510822197005010130"  # a wrong check digit blocks the save
    result = services.save_household(store, hh, draft=payload)  # blocked: it keeps a draft, which cannot be written
    assert not result.ok and result.errors and isinstance(result.draft_failed, DiskFull)

    assert store.drafts.get(hh.uuid) is None
    assert db_digest(store.path) == before


def test_a_read_only_database_refuses_every_write_and_changes_nothing(store: Store) -> None:
    path, before = store.path, db_digest(store.path)
    household_id = store.households.ids()[0]
    store.close()
    with Store(path, read_only=True) as ro:
        assert ro.households.count() == 1  # reading goes on
        writes = [
            lambda: ro.households.save(full_household(ro.spec, seed=4), ro.operator),
            lambda: ro.households.delete(household_id, ro.operator),
            lambda: ro.drafts.put("k", None, {"values": {}}),
            lambda: ro.set_operator("张会计"),
        ]
        for write in writes:
            with pytest.raises(DatabaseReadOnly, match="只能读、不能写.*本次修改没有写入，数据库保持原样"):
                write()
            assert not ro.db.conn.in_transaction
    assert db_digest(path) == before


def test_a_database_locked_by_another_program_is_refused_after_waiting(store: Store) -> None:
    before = db_digest(store.path)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    store.db.conn.execute("PRAGMA busy_timeout = 150")  # the program waits 30 s; the test less
    try:
        with pytest.raises(DatabaseLocked) as refused:
            store.households.save(full_household(store.spec, seed=5), store.operator)
        assert "正被另一个程序占用" in str(refused.value) and "稍等片刻后再试" in str(refused.value)
        with pytest.raises(DatabaseLocked):
            store.households.delete(store.households.ids()[0], store.operator)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert db_digest(store.path) == before
    store.households.save(full_household(store.spec, seed=5), store.operator)  # free again: it saves
    assert store.households.count() == 2


def test_other_sqlite_errors_are_left_as_they_are(store: Store) -> None:
    with pytest.raises(sqlite3.OperationalError), store.db.transaction():
        store.db.execute("INSERT INTO no_such_table VALUES (1)")
    assert not isinstance(sqlite3.OperationalError("no such table"), StoreError)


_SAVE_ON_A_FULL_DISK = """
import json, resource, sys
from fupin_desktop.store import Store, StoreError
from tests.helpers import full_household
store = Store(sys.argv[1])
hh = full_household(store.spec, seed=9)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # the disk is full now: the WAL cannot grow
try:
    store.households.save(hh, store.operator)
    print(json.dumps({"error": None}))
except StoreError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc),
                      "in_transaction": store.db.conn.in_transaction}, ensure_ascii=False))
store.close()
"""


def test_a_disk_that_fills_up_at_commit_rolls_the_whole_save_back(store: Store) -> None:
    path, before, count = store.path, db_digest(store.path), store.households.count()
    store.close()  # the child has the file alone

    result = diskfull.last_json(diskfull.python(_SAVE_ON_A_FULL_DISK, str(path), limit=10**9))

    assert result["error"] in ("DiskFull", "DiskIOError"), result
    assert "本次修改没有写入，数据库保持原样" in result["message"] and result["in_transaction"] is False
    with Store(path) as again:
        assert again.households.count() == count
    assert db_digest(path) == before


def test_backup_to_a_full_disk_leaves_the_previous_backup_as_it_was(store: Store, tmp_path: Path) -> None:
    backups = tmp_path / "备份"
    backups.mkdir()
    target = backups / "township.backup.db"
    target.write_bytes(b"yesterday's backup")
    pages, size = (store.db.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
    assert pages * size > diskfull.DB_MIN_LIMIT * 2, "the copy is bigger than the disk takes"
    store.close()
    code = ("import json, sys\nfrom fupin_desktop.store import Store, StoreError\n"
            "with Store(sys.argv[1]) as s:\n"
            "    try:\n        s.db.backup(sys.argv[2]); print(json.dumps({'error': None}))\n"
            "    except StoreError as exc:\n"
            "        print(json.dumps({'error': type(exc).__name__, 'message': str(exc)}, ensure_ascii=False))\n")

    result = diskfull.last_json(diskfull.python(code, str(tmp_path / "township.db"), str(target),
                                                limit=diskfull.DB_MIN_LIMIT))

    assert result["error"] == "BackupFailed", result
    # SQLite says "disk I/O error" when a file may not grow (EFBIG), "database or disk is full" on ENOSPC
    assert "备份没有完成" in result["message"] and re.search("磁盘(空间已满|或 U 盘可能已满)", result["message"])
    assert "原有的文件保持不变" in result["message"]
    assert target.read_bytes() == b"yesterday's backup"
    assert diskfull.listing(backups) == ["township.backup.db"], "no partial copy, no journal left behind"


def test_backup_into_a_folder_that_is_a_file_is_refused_in_chinese(store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "U盘"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(BackupFailed, match="备份没有完成。无法写入 .*路径中有一部分"):
        store.db.backup(blocker / "backup.db")
    assert blocker.read_bytes() == b"not a folder"
    target = tmp_path / "good.backup.db"
    assert store.db.backup(target) == target  # and a good place works
    with Store(target) as copy:
        assert copy.households.count() == 1


def test_store_write_errors_are_store_errors() -> None:
    assert issubclass(StoreWriteError, StoreError) and issubclass(BackupFailed, StoreError)


def test_cli_import_on_a_full_disk_exits_2_with_the_message_and_changes_nothing(tmp_path: Path) -> None:
    from fupin_desktop.demo import build_demo
    from fupin_desktop.excel.exporter import export_workbook

    with Store(tmp_path / "source.db") as source:
        build_demo(source, households=40)
        roster = export_workbook(source, tmp_path / "茶坝乡扶贫手册.xlsx", "full").path
    target = tmp_path / "township.db"
    with Store(target) as empty:
        build_demo(empty, households=0)  # the same township, no households yet
    before = db_digest(target)

    proc = diskfull.fupin("import-excel", "--db", str(target), str(roster), "--json", limit=diskfull.DB_MIN_LIMIT)

    assert proc.returncode == 2, proc.stderr
    # The automatic backup before an import (导入Excel) meets the full disk first: nothing is imported.
    assert "错误：" in proc.stderr and "导入 Excel 表格前要先自动备份" in proc.stderr
    assert "数据库保持原样" in proc.stderr and "清理磁盘空间" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert db_digest(target) == before
    proc = diskfull.fupin("import-excel", "--db", str(target), str(roster), "--json", limit=10**9)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["imported"] + report["warnings"] == 40  # room again: it imports


def test_a_migration_whose_backup_cannot_be_written_does_not_run(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.store import database

    first = database.migrations()[:1]
    with monkeypatch.context() as m:
        m.setattr(database, "migrations", lambda: first)
        make_store(tmp_path).close()  # a version-1 township file
    path = tmp_path / "township.db"
    (tmp_path / "backups").write_bytes(b"")  # a file where the backup folder should be
    before = db_digest(path)

    with pytest.raises(BackupFailed, match="(?s)升级数据结构前要先自动备份.*备份没有完成.*路径中有一部分.*数据库保持原样"):
        Store(path)
    with pytest.raises(DatabaseReadOnly, match="需要升级数据结构.*只读"):
        Store(path, read_only=True)

    assert db_digest(path) == before
    with Store(path, read_only=True, _reader=True) as old:  # no check, no migration: just read it
        assert old.db.user_version == 1
