"""Batches and feedback on a full disk, a stick that cannot be written, a database that cannot record.

"Exported" is never shown for a batch that is not whole on the stick, and no batch file is left
behind that the database has not recorded (its sequence number would be used again).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fupin_desktop.store import DatabaseLocked, DatabaseReadOnly, Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.export import outbox_dir
from fupin_desktop.sync.format import SyncError
from tests import diskfull
from tests.helpers import full_household
from tests.sync.world import PASSPHRASE, World, export, make_world


def outbox_files(store: Store) -> list[str]:
    folder = outbox_dir(store)
    return diskfull.listing(folder) if folder.exists() else []


def test_export_to_a_full_disk_exits_2_leaves_no_batch_and_records_nothing(tmp_path: Path) -> None:
    world = make_world(tmp_path, households=80)  # a batch (57 KB) bigger than the disk takes
    path = world.town.path
    world.close()
    before = diskfull.db_digest(path)

    proc = diskfull.fupin("sync", "export", "--db", str(path), "--out", str(world.stick),
                          limit=diskfull.DB_MIN_LIMIT, env={"FUPIN_PASSPHRASE": PASSPHRASE})

    assert proc.returncode == 2, proc.stderr
    assert "错误：无法写入" in proc.stderr and "磁盘空间已满" in proc.stderr and "批次没有导出" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert diskfull.listing(world.stick) == []
    with Store(path) as town:
        assert outbox_files(town) == [] and SyncRepository(town.db).outbox() == []
        assert diskfull.db_digest(path) == before
        result = export(town, world.stick)  # room again: the same changes go, as batch 1
    assert result.sequence == 1 and diskfull.listing(world.stick) == [Path(result.batch).name]


def test_a_batch_the_database_cannot_record_is_removed_from_the_stick_and_the_outbox(world: World) -> None:
    town = world.town
    before = diskfull.db_digest(town.path)
    other = sqlite3.connect(town.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program writes meanwhile; reading goes on (WAL)
    town.db.conn.execute("PRAGMA busy_timeout = 150")
    try:
        with pytest.raises(DatabaseLocked, match="正被另一个程序占用"):
            export(town, world.stick)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert diskfull.listing(world.stick) == [] and outbox_files(town) == []
    assert diskfull.db_digest(town.path) == before
    assert export(town, world.stick).sequence == 1


def test_a_read_only_database_exports_no_batch(world: World) -> None:
    path = world.town.path
    world.town.close()
    with Store(path, read_only=True) as town:
        with pytest.raises(DatabaseReadOnly):
            export(town, world.stick)
        assert diskfull.listing(world.stick) == [] and outbox_files(town) == []
    world.town = Store(path)  # for the fixture's close


def test_an_outbox_that_cannot_be_made_is_refused_in_chinese(world: World) -> None:
    blocker = outbox_dir(world.town)
    blocker.write_bytes(b"a file where the outbox folder goes")
    with pytest.raises(SyncError, match="无法写入 .*路径中有一部分.*批次没有导出"):
        export(world.town, world.stick)
    assert diskfull.listing(world.stick) == [] and SyncRepository(world.town.db).outbox() == []
    assert blocker.read_bytes() == b"a file where the outbox folder goes"


_FEEDBACK_ON_A_FULL_DISK = """
import json, resource, sys
from fupin_desktop.store import Store
from fupin_desktop.sync.feedback import write_feedback
from fupin_desktop.sync.format import SyncError
with Store(sys.argv[1]) as county:
    resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))  # the disk is full now
    try:
        write_feedback(county, "510822105", sys.argv[2], passphrase=sys.argv[3])
        print(json.dumps({"error": None}))
    except SyncError as exc:
        print(json.dumps({"error": "SyncError", "message": str(exc)}, ensure_ascii=False))
"""


def test_feedback_on_a_full_disk_keeps_the_previous_file(world: World, tmp_path: Path) -> None:
    world.town.households.save(full_household(world.town.spec, seed=7), "测试")
    target = tmp_path / "反馈" / "chaba.fpfeedback"
    target.parent.mkdir()
    target.write_bytes(b"last month's feedback")

    result = diskfull.last_json(diskfull.python(_FEEDBACK_ON_A_FULL_DISK, str(world.county.path), str(target),
                                                PASSPHRASE, limit=10**9))

    assert result["error"] == "SyncError", result
    assert "磁盘空间已满" in result["message"] and "反馈文件没有写出" in result["message"]
    assert target.read_bytes() == b"last month's feedback"
    assert diskfull.listing(target.parent) == [target.name]


def test_a_county_database_on_a_full_disk_takes_no_batch_and_says_why(world: World) -> None:
    from tests.sync.world import import_

    batch = export(world.town, world.stick).batch
    before = diskfull.db_digest(world.county.path)
    diskfull.fill_database(world.county)

    [result] = import_(world.county, batch)

    assert result.status == "refused" and "写入县级数据库失败，已撤销本批次：磁盘空间已满" in result.message
    assert diskfull.db_digest(world.county.path) == before
    diskfull.unfill_database(world.county)
    [result] = import_(world.county, batch)
    assert result.status == "imported"
