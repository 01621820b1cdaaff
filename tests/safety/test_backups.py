"""Dated backups: made through SQLite, labelled, verified, listed and rotated; a missing, blocked or
full backup folder is handled (created, or a Chinese message with nothing changed)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fupin_desktop.store import BackupFailed, Store, backups
from fupin_desktop.store.backups import BackupInfo, Rotation
from fupin_desktop.store.database import APPLICATION_ID, schema_version
from tests import diskfull
from tests.diskfull import db_digest
from tests.helpers import full_household, make_store
from tests.safety.backupkit import REPO, demo_store, dump, fupin, fupin_json

NAME = re.compile(r"^茶坝乡-\d{4}-\d{2}-\d{2}-\d{4}-手动\.db$")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = demo_store(tmp_path / "township.db")
    yield s
    s.close()


def test_a_backup_is_a_dated_verified_copy_in_backups_beside_the_database(store: Store, tmp_path: Path) -> None:
    households, persons = store.households.count(), store.households.person_count()
    info = backups.create(store.db, backups.MANUAL)

    assert info.path.parent == tmp_path / "backups" and NAME.match(info.path.name), info.path
    local = datetime.now(UTC).astimezone()
    assert info.path.name.startswith(f"茶坝乡-{local:%Y-%m-%d}")
    assert (info.reason, info.township_code, info.township_name) == ("手动", "510822105", "茶坝乡")
    assert (info.households, info.persons, info.schema_version) == (households, persons, schema_version())
    created = datetime.fromisoformat(info.created_at)
    assert created.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert info.size == info.path.stat().st_size > 0
    with sqlite3.connect(f"{info.path.as_uri()}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert copy.execute("SELECT COUNT(*) FROM households WHERE deleted = 0").fetchone()[0] == households
    copy.close()
    # The copy is the database plus its label, nothing else.
    label = [line for line in dump(info.path) if "fupin_backup" in line]
    assert [line for line in dump(info.path) if line not in label] == dump(store.path)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [info.path.name]  # no journal, no temp
    assert backups.verify(info.path).problem is None


def test_a_second_backup_in_the_same_minute_gets_a_number(store: Store) -> None:
    moment = datetime(2026, 3, 1, 8, 5, tzinfo=UTC)
    names = [backups.create(store.db, backups.MANUAL, now=moment).path.name for _ in range(3)]
    stamp = moment.astimezone().strftime("%Y-%m-%d-%H%M")
    assert names == [f"茶坝乡-{stamp}-手动.db", f"茶坝乡-{stamp}-手动-2.db", f"茶坝乡-{stamp}-手动-3.db"]
    listed = backups.list_backups(backups.folder(store.db))
    assert [b.path.name for b in listed] == names[::-1]  # newest first


@pytest.mark.parametrize("hostile", ["茶坝/乡", "..\\..\\x", "a:b*c?d\"e<f>g|h", "\u202e乡\x00镇", "   ", "乡" * 80])
def test_the_township_name_is_made_safe_for_a_file_name(hostile: str) -> None:
    name = backups.safe_name(hostile)
    assert name and len(name) <= 40
    assert not re.search(r'[\\/:*?"<>|\x00-\x1f\s]', name) and not name.startswith(".")


def test_a_county_database_is_named_after_the_county(tmp_path: Path) -> None:
    from fupin_desktop.store.sync import SyncRepository
    from fupin_desktop.sync.keys import init_county

    with Store(tmp_path / "county.db") as county:
        init_county(SyncRepository(county.db), "510822", "青川县", "口令-secret-2016", county.operator)
        info = backups.create(county.db, backups.MANUAL)
    assert info.path.name.startswith("青川县-") and info.township_code == "510822"


def test_a_missing_backup_folder_is_created(store: Store, tmp_path: Path) -> None:
    chosen = tmp_path / "U盘" / "扶贫备份" / "茶坝乡"
    backups.set_folder(store.db, chosen)
    assert backups.folder(store.db) == chosen.resolve()
    info = backups.create(store.db)
    assert info.path.parent == chosen.resolve() and backups.verify(info.path).problem is None
    backups.set_folder(store.db, None)
    assert backups.folder(store.db) == tmp_path / "backups"


def test_a_folder_that_cannot_be_made_is_refused_in_chinese_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    good = backups.create(store.db).path
    blocker = tmp_path / "U盘"
    blocker.write_bytes(b"a file where the folder should be")
    backups.set_folder(store.db, blocker / "备份")
    before = db_digest(store.path)

    with pytest.raises(BackupFailed, match="备份没有完成.*路径中有一部分不是文件夹") as failed:
        backups.create(store.db)
    # The reason travels on its own, so the refusal words its sentence without cutting text apart.
    assert "路径中有一部分不是文件夹" in failed.value.why and "备份没有完成" not in failed.value.why
    with pytest.raises(backups.BackupRefused, match="(?s)导入 Excel 表格前要先自动备份.*数据库保持原样.*选择另一个备份文件夹") as refused:
        backups.before(store.db, backups.EXCEL)
    assert str(refused.value).count("备份没有完成") == 1 and "路径中有一部分不是文件夹" in str(refused.value)

    assert db_digest(store.path) == before
    assert blocker.read_bytes() == b"a file where the folder should be"
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [good.name]


def test_a_full_disk_leaves_the_database_and_the_earlier_backups_as_they_were(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    earlier = backups.create(store.db).path
    earlier_dump = dump(earlier)
    store.close()
    before = db_digest(tmp_path / "township.db")

    proc = diskfull.fupin("backup", "create", "--db", str(tmp_path / "township.db"), "--json",
                          limit=diskfull.DB_MIN_LIMIT)

    assert proc.returncode == 2, proc.stdout
    assert "错误：备份没有完成" in proc.stderr and "Traceback" not in proc.stderr
    assert re.search("磁盘(空间已满|或 U 盘可能已满)", proc.stderr)
    assert diskfull.listing(folder) == [earlier.name], "no partial copy, no journal left behind"
    assert dump(earlier) == earlier_dump
    assert db_digest(tmp_path / "township.db") == before


def test_a_damaged_copy_is_never_kept_under_a_backup_name(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """If the check after writing fails (here: the count read from the copy differs), no file stays."""
    real = backups.counts
    calls: list[int] = []

    def off_by_one(conn: sqlite3.Connection) -> tuple[int, int]:
        calls.append(1)
        households, persons = real(conn)
        return (households + 1, persons) if len(calls) == 2 else (households, persons)  # the copy's count

    monkeypatch.setattr(backups, "counts", off_by_one)
    with pytest.raises(BackupFailed, match="检查没有通过.*户数不符"):
        backups.create(store.db)
    assert diskfull.listing(tmp_path / "backups") == []


_READ_ONLY = """
set -e
mount --bind "$1" "$1"
mount -o remount,ro,bind "$1"
shift
exec "$@"
"""


def test_a_read_only_backup_folder_is_refused_in_chinese_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    """A real read-only medium (as root chmod does not stop writes): the folder bind-mounted read-only
    in a mount namespace of the child's own."""
    folder = tmp_path / "backups"
    earlier = backups.create(store.db).path
    earlier_dump = dump(earlier)
    store.close()
    db = tmp_path / "township.db"
    before = db_digest(db)

    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", _READ_ONLY, "sh", str(folder),
         sys.executable, "-m", "fupin_desktop", "backup", "create", "--db", str(db)],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)})

    assert proc.returncode == 2, proc.stderr
    assert "备份没有完成" in proc.stderr and "磁盘只读" in proc.stderr and "Traceback" not in proc.stderr
    assert diskfull.listing(folder) == [earlier.name] and dump(earlier) == earlier_dump
    assert db_digest(db) == before


# -- rotation ------------------------------------------------------------------------------------------
def _info(when: datetime, n: int) -> BackupInfo:
    return BackupInfo(path=Path(f"/b/{n}.db"), created_at=when.isoformat(), township_code="510822105")


def test_rotation_keeps_the_last_ten_one_a_day_for_thirty_days_and_one_a_month() -> None:
    today = date(2026, 12, 6)
    noon = datetime(2026, 12, 6, 12, tzinfo=UTC).astimezone()
    found = [_info(noon - timedelta(hours=6 * i), i) for i in range(4 * 400)]  # four a day for 400 days
    removed = {b.path for b in backups.to_remove(found, Rotation(last=10, days=30, months=24), today=today)}
    kept = [b for b in found if b.path not in removed]
    days = {b.created().astimezone().date() for b in kept}
    months = {(d.year, d.month) for d in days}
    assert all(b in kept for b in found[:10])  # the last ten
    assert {today - timedelta(days=i) for i in range(30)} <= days  # one for each of the last 30 days
    assert len(months) == 14  # every month back to the oldest backup (400 days)
    assert len(kept) == len(days) + 10 - 3  # the last ten fall on three days, each day's newest among them
    assert backups.to_remove(found[:5], Rotation(last=0, days=0, months=0), today=today) == found[:5]


def test_rotation_deletes_only_our_old_backups_of_this_township(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    made = [backups.create(store.db, backups.DAILY, now=start + timedelta(days=i)).path for i in range(6)]
    strangers = {
        "notes.db": b"the clerk's own file",
        "茶坝乡-2026-01-01-0900-手动-9.db": b"damaged: not a database",
        "readme.txt": b"hello",
    }
    for name, data in strangers.items():
        (folder / name).write_bytes(data)
    with make_store(tmp_path, "other.db") as other:  # another township's backup in the same folder
        other.db.conn.execute("UPDATE township SET code = '510822106', name = '马鹿乡'")
        foreign = backups.create(other.db, backups.MANUAL, to=folder, now=start).path
    backups.set_rotation(store.db, Rotation(last=2, days=0, months=0))

    newest = backups.create(store.db, backups.MANUAL, now=start + timedelta(days=10)).path

    left = {p.name for p in folder.iterdir()}
    assert left == {newest.name, made[-1].name, foreign.name, *strangers}
    assert all((folder / n).read_bytes() == d for n, d in strangers.items())
    backups.set_rotation(store.db, Rotation(last=0, days=0, months=0))
    latest = backups.create(store.db, backups.MANUAL, now=start + timedelta(days=11)).path
    assert latest.exists()  # the backup just made is never rotated away
    with pytest.raises(Exception, match="0 到 9999"):
        backups.set_rotation(store.db, Rotation(last=-1))


# -- the command ---------------------------------------------------------------------------------------
def test_fupin_backup_create_list_verify_with_json(store: Store, tmp_path: Path) -> None:
    store.close()
    db = str(tmp_path / "township.db")
    made = fupin_json("backup", "create", "--db", db)
    keys = {"file", "name", "created_at", "reason", "township_code", "township_name", "households", "persons",
            "schema_version", "size_bytes", "verified", "verified_at", "problem"}
    assert set(made) == keys and made["verified"] is True and made["reason"] == "手动"
    listed = fupin_json("backup", "list", "--db", db)
    assert listed["folder"] == str(tmp_path / "backups") and [b["name"] for b in listed["backups"]] == [made["name"]]
    assert datetime.fromisoformat(listed["backups"][0]["created_at"]).utcoffset() is not None
    text = fupin("backup", "list", "--db", db)
    local = datetime.fromisoformat(made["created_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    assert text.returncode == 0 and local in text.stdout and "12 户" in text.stdout and "已验证" in text.stdout

    Path(made["file"]).with_name("茶坝乡-2020-01-01-0000-手动.db").write_bytes(b"SQLite format 3\x00" + b"x" * 5000)
    checked = fupin("backup", "verify", "--db", db, "--json")
    assert checked.returncode == 1
    import json

    result = json.loads(checked.stdout)
    assert result["ok"] is False
    assert {b["name"]: b["problem"] is None for b in result["backups"]} == {
        made["name"]: True, "茶坝乡-2020-01-01-0000-手动.db": False}

    elsewhere = tmp_path / "U盘"
    other = fupin_json("backup", "create", "--db", db, "--folder", str(elsewhere))
    assert Path(other["file"]).parent == elsewhere
    assert [b["name"] for b in fupin_json("backup", "list", "--db", db, "--folder", str(elsewhere))["backups"]] == [
        other["name"]]


def test_fupin_backup_without_a_verb_says_what_to_give(tmp_path: Path) -> None:
    proc = fupin("backup", "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2 and "请给出 backup 的子命令" in proc.stderr


def test_a_backup_killed_half_way_leaves_no_backup_and_the_database_intact(tmp_path: Path) -> None:
    """kill -9 while the copy is written: nothing appears under a backup name, nothing is listed."""
    import signal
    import time

    from tests.safety.backupkit import integrity

    db = tmp_path / "township.db"
    with demo_store(db, households=5) as store:
        with store.db.transaction():  # a big database, so that the copy takes a while
            store.db.execute("CREATE TABLE padding (b BLOB)")
            for _ in range(150):
                store.db.execute("INSERT INTO padding VALUES (randomblob(1048576))")
    before = db_digest(db)
    folder = tmp_path / "backups"
    child = subprocess.Popen([sys.executable, "-m", "fupin_desktop", "backup", "create", "--db", str(db)],
                             cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while child.poll() is None:
            parts = list(folder.glob(".*.part.db")) if folder.exists() else []
            if parts and parts[0].stat().st_size > 20 * 1048576:
                break
            time.sleep(0.01)
        assert child.poll() is None, "the backup ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    assert [p for p in folder.iterdir() if backups.is_backup_name(p.name)] == []
    assert backups.list_backups(folder) == []
    assert integrity(db) == "ok" and db_digest(db) == before
    with Store(db) as again:  # the next backup works and is not confused by the leftover
        made = backups.create(again.db)
        assert backups.verify(made.path).problem is None


def test_an_unplugged_u_disk_does_not_stop_the_upgrade_or_the_daily_backup(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The chosen folder is gone (a U 盘 not plugged in): 升级 and 每日 go to backups/ beside the
    database; a clerk's import is still refused (the clerk can choose another folder)."""
    from fupin_desktop.store import database

    first = database.migrations()[:3]
    with monkeypatch.context() as m:
        m.setattr(database, "migrations", lambda: first)
        old = make_store(tmp_path)
        blocker = tmp_path / "U盘"
        blocker.write_bytes(b"")
        backups.set_folder(old.db, blocker / "备份")
        old.close()

    with Store(tmp_path / "township.db") as store:  # migrates: 升级 backup in the default folder
        assert store.db.user_version == schema_version()
        [upgrade] = backups.list_backups(tmp_path / "backups")
        assert upgrade.reason == "升级" and upgrade.schema_version == 3
        daily = backups.daily(store.db, now=datetime(2030, 1, 1, tzinfo=UTC))
        assert daily is None  # an empty township has nothing to keep
        store.households.save(full_household(store.spec),
                              store.operator)
        daily = backups.daily(store.db, now=datetime(2030, 1, 1, tzinfo=UTC))
        assert daily is not None and daily.path.parent == tmp_path / "backups"
        with pytest.raises(backups.BackupRefused, match="选择另一个备份文件夹"):
            backups.before(store.db, backups.EXCEL)


def test_rotation_never_deletes_a_backup_opened_as_the_database(tmp_path: Path) -> None:
    """The clerk opened a backup itself as the database (选择其他数据库…) and keeps backups in that
    same folder: rotation deletes the other old backups, never the file in use."""
    folder = tmp_path / "backups"
    with demo_store(tmp_path / "township.db", households=3) as store:
        first = backups.create(store.db, now=datetime(2026, 1, 1, tzinfo=UTC)).path
        backups.create(store.db, now=datetime(2026, 1, 2, tzinfo=UTC))
    with Store(first) as opened:  # now a live database (WAL) with a backup's name and label
        backups.set_folder(opened.db, folder)
        backups.set_rotation(opened.db, Rotation(last=0, days=0, months=0))
        newest = backups.create(opened.db, now=datetime(2026, 1, 3, tzinfo=UTC)).path
        opened.households.count()
        assert sorted(p.name for p in folder.glob("*.db")) == sorted([first.name, newest.name])
        assert opened.households.count() == 3
    assert backups.verify(newest).problem is None


def test_programs_backing_up_at_the_same_moment_each_get_their_own_verified_copy(store: Store,
                                                                                 tmp_path: Path) -> None:
    store.close()
    db = tmp_path / "township.db"
    children = [subprocess.Popen([sys.executable, "-m", "fupin_desktop", "backup", "create", "--db", str(db), "--json"],
                                 cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
                for _ in range(4)]
    results = [child.communicate(timeout=120) for child in children]
    assert [c.returncode for c in children] == [0] * 4, [err for _out, err in results]
    import json

    names = {json.loads(out)["name"] for out, _err in results}
    assert len(names) == 4
    listed = backups.list_backups(tmp_path / "backups")
    assert {b.path.name for b in listed} == names and all(backups.verify(b.path).problem is None for b in listed)
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(names)  # no marker, no temp left
