"""The recycle bin (编辑 → 已删除的户, ``fupin restore-household``): list deleted households, restore one.

A restored household comes back with exactly the rows it had when it was deleted, under a new
revision with a ``restore`` audit row, found by the search box again, carried by the next
township batch and applied by the county.  A restore that would duplicate a 户编号 or an ID
number of a current household is refused (nothing changed) unless forced.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fupin_desktop import services
from fupin_desktop.domain.clock import local_time
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.audit import history
from fupin_desktop.store.recycle import RestoreConflict, UnknownDeleted
from fupin_desktop.store.sync import SyncRepository
from tests.helpers import full_household, make_store
from tests.sync.world import PASSPHRASE, World, export, import_, make_world

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LOCAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path)
    yield s
    s.close()


def digest(store: Store) -> str:
    return SyncRepository(store.db).table_digest()


def file_of(store: Store, household_id: int) -> dict:
    hh = store.households.get(household_id)
    assert hh is not None
    data = services.household_json(hh, store.spec)
    for bookkeeping in ("updated_at", "revision"):
        data["household"].pop(bookkeeping, None)
    return data


def test_restore_brings_back_exactly_the_rows_the_household_had_when_deleted(store: Store) -> None:
    hh = store.households.save(full_household(store.spec, seed=1, names=("张三丰", "李梅", "张小宝")), "测试")
    # An ordinary edit removes a member and a helper: those rows are tombstones of their own.
    gone_member = hh.members.pop().uuid
    gone_helper = hh.table("helpers").pop().uuid
    hh = store.households.save(hh, "测试")
    before = file_of(store, hh.id)
    store.set_operator("王会计")
    store.households.delete(hh.id, store.operator)
    assert store.households.get(hh.id) is None and store.households.count() == 0
    assert store.households.ids(search="张三丰") == []

    [item] = store.recycle.list()
    assert (item.id, item.number, item.head_name, item.size, item.village, item.group) == \
        (hh.id, hh.fields["number"], "张三丰", 2, "炉场村", "一组")
    assert item.deleted_by == "王会计" and item.deleted_at.endswith("+00:00")
    assert LOCAL.match(local_time(item.deleted_at))

    store.set_operator("李文书")
    restored = store.recycle.restore(hh.id, store.operator)
    assert restored.conflicts == []
    back = store.households.get(hh.id)
    assert back is not None and back.revision == hh.revision + 2  # the delete, then the restore
    assert file_of(store, hh.id) == before
    assert gone_member not in {m.uuid for m in back.members}
    assert gone_helper not in {r.uuid for r in back.table("helpers")}
    assert store.recycle.list() == [] and store.households.count() == 1
    # The search box and the list's sort columns find it again.
    assert store.households.ids(search="张三丰") == [hh.id]
    assert store.households.ids(search="zsf") == [hh.id]
    assert store.households.ids(order="head_name") == [hh.id]
    assert store.households.ids(order="updated_at") == [hh.id]
    trail = history(store.db, hh.uuid)
    assert [(a["action"], a["operator"]) for a in trail[-2:]] == [("delete", "王会计"), ("restore", "李文书")]


def test_restore_puts_back_a_stale_sort_key_and_the_list_counts(store: Store) -> None:
    a = store.households.save(full_household(store.spec, seed=1, names=("安娜", "李梅")), "测试")
    b = store.households.save(full_household(store.spec, seed=2, names=("张伟", "赵六")), "测试")
    store.households.delete(a.id, "测试")
    with store.db.transaction():  # a sort key written by another pypinyin, say
        store.db.execute("UPDATE households SET head_sort = 'zzz' WHERE id = ?", (a.id,))
    store.recycle.restore(a.id, "测试")
    assert store.households.ids(order="head_name") == [a.id, b.id]
    village = store.townships.village_by_name("炉场村")
    assert store.households.count(village.id) == 2
    assert store.households.person_count() == 4


def test_a_restore_that_would_duplicate_a_household_number_is_refused_unless_forced(store: Store) -> None:
    old = store.households.save(full_household(store.spec, seed=1, number="5108221050010001"), "测试")
    store.households.delete(old.id, "测试")
    # The clerk typed the household again under the same 户编号.
    new = store.households.save(full_household(store.spec, seed=2, number="5108221050010001",
                                               names=("王五", "赵六")), "测试")
    assert store.recycle.conflicts(old.id) == [f"户编号 5108221050010001 已被 王五户（编号 {new.id}）使用"]
    before = digest(store)
    with pytest.raises(RestoreConflict) as refused:
        store.recycle.restore(old.id, "测试")
    message = str(refused.value)
    assert "5108221050010001" in message and "王五" in message and "--force" in message
    assert digest(store) == before, "a refused restore changes nothing"

    restored = store.recycle.restore(old.id, "测试", force=True)
    assert restored.conflicts == refused.value.conflicts
    assert store.households.count() == 2
    assert history(store.db, old.uuid)[-1]["field"] == "conflicts"


def test_a_restore_that_would_give_an_id_number_a_second_household_is_refused(store: Store) -> None:
    old = store.households.save(full_household(store.spec, seed=1, names=("张三", "李梅")), "测试")
    store.households.delete(old.id, "测试")
    moved = full_household(store.spec, seed=2, names=("王五", "赵六"))
    li_mei = old.members[1]
    moved.members[1].fields.update(name="李梅", id_number=li_mei.get("id_number"), birth_date=li_mei.get("birth_date"),
                                   sex=li_mei.get("sex"))
    store.households.save(moved, "测试")  # 李梅 married into 王五's household meanwhile
    before = digest(store)
    with pytest.raises(RestoreConflict) as refused:
        store.recycle.restore(old.id, "测试")
    [conflict] = refused.value.conflicts
    assert "李梅" in conflict and li_mei.get("id_number") in conflict and "王五" in conflict
    assert digest(store) == before


def test_an_id_number_only_in_rows_deleted_before_is_no_conflict(store: Store) -> None:
    old = store.households.save(full_household(store.spec, seed=1, names=("张三", "李梅")), "测试")
    li_mei = old.members.pop()
    old = store.households.save(old, "测试")  # 李梅 left the household before it was deleted
    store.households.delete(old.id, "测试")
    moved = full_household(store.spec, seed=2, names=("王五", "赵六"))
    moved.members[1].fields.update(name="李梅", id_number=li_mei.get("id_number"),
                                   birth_date=li_mei.get("birth_date"), sex=li_mei.get("sex"))
    store.households.save(moved, "测试")
    assert store.recycle.conflicts(old.id) == []
    store.recycle.restore(old.id, "测试")


@pytest.mark.parametrize("household_id", [0, -1, 999, 2 ** 63 - 1, 2 ** 63, 99999999999999999999999])
def test_unknown_ids_are_refused_in_chinese_and_change_nothing(store: Store, household_id: int) -> None:
    store.households.save(full_household(store.spec, seed=1), "测试")
    before = digest(store)
    with pytest.raises(UnknownDeleted) as refused:
        store.recycle.restore(household_id, "测试")
    assert CHINESE.search(str(refused.value)) and str(household_id) in str(refused.value)
    assert store.recycle.get(household_id) is None
    assert digest(store) == before


def test_a_household_of_a_village_deleted_since_waits_for_the_village(store: Store) -> None:
    hh = store.households.save(full_household(store.spec, seed=1), "测试")
    store.households.delete(hh.id, "测试")
    with store.db.transaction():  # (the county's copy of a township that dropped a village, say)
        store.db.execute("UPDATE villages SET deleted = 1 WHERE name = '炉场村'")
    before = digest(store)
    with pytest.raises(StoreError, match="炉场村"):
        store.recycle.restore(hh.id, "测试")
    assert digest(store) == before


def test_a_current_household_is_not_restored(store: Store) -> None:
    hh = store.households.save(full_household(store.spec, seed=1), "测试")
    before = digest(store)
    with pytest.raises(StoreError, match="没有被删除"):
        store.recycle.restore(hh.id, "测试")
    assert digest(store) == before


def test_times_are_shown_in_the_clerks_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert local_time("2026-12-06T13:45:00.123+00:00") == "2026-12-06 21:45"
        assert local_time("2026-12-06T13:45:00") == "2026-12-06 21:45"  # no offset: stored UTC
        assert local_time("not a time") == "not a time" and local_time(None) == ""
    finally:
        monkeypatch.undo()
        time.tzset()


# -- synced like any change ---------------------------------------------------------------------------
@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from fupin_desktop.sync import keys

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)  # cheap test keys (the cost is stored with each key)
    w = make_world(tmp_path)
    yield w
    w.close()


def test_a_restored_household_goes_with_the_next_batch_and_the_county_applies_it(world: World) -> None:
    town, county = world.town, world.county
    hid = world.saved["town"][0]
    uuid = town.households.get(hid).uuid
    [first] = import_(county, export(town, world.stick).batch)
    assert first.merge["inserted"] == 3

    town.households.delete(hid, "测试")
    deleted = export(town, world.stick)
    assert deleted.counts["deleted_households"] == 1
    [result] = import_(county, deleted.batch)
    assert result.status == "imported" and county.households.id_for_uuid(uuid) is None
    assert county.households.count() == 2

    town.recycle.restore(hid, "测试")
    batch = export(town, world.stick)
    assert (batch.counts["households"], batch.counts["deleted_households"]) == (1, 0)
    assert batch.counts["members"] == len(town.households.get(hid).members)
    [result] = import_(county, batch.batch)
    assert result.status == "imported" and result.merge["updated"] == 1 and not result.conflicts
    county_id = county.households.id_for_uuid(uuid)
    assert county_id is not None and county.households.count() == 3
    mine, theirs = file_of(town, hid), file_of(county, county_id)
    skip = {"id", "province", "city", "county", "township"}
    assert {k: v for k, v in mine["household"].items() if k not in skip} == \
        {k: v for k, v in theirs["household"].items() if k not in skip}
    for table in ("members", "helpers", "plans", "measures", "results"):
        assert mine[table] == theirs[table], table
    number = town.households.get(hid).fields["number"]
    assert county.households.ids(search=number) == [county_id]  # back in the county's search index
    # Nothing more to send: the next batch is empty of households.
    assert export(town, world.stick).counts["households"] == 0


def test_the_county_lists_a_townships_deleted_household_but_leaves_restoring_to_the_township(world: World) -> None:
    town, county = world.town, world.county
    hid = world.saved["town"][0]
    import_(county, export(town, world.stick).batch)
    town.households.delete(hid, "测试")
    import_(county, export(town, world.stick).batch)
    [item] = county.recycle.list()
    assert item.from_township and item.township == "茶坝乡"
    # Who: the township, through the exchange (not the county clerk who imported the batch);
    # when: the township's time of deletion, carried by the batch.
    assert item.deleted_by == "茶坝乡（数据交换）"
    assert item.deleted_at == town.db.query_one("SELECT updated_at FROM households WHERE id = ?", (hid,))[0]
    before = digest(county)
    with pytest.raises(StoreError, match="茶坝乡"):
        county.recycle.restore(item.id, "县审核员")
    assert digest(county) == before


# -- the command ------------------------------------------------------------------------------------
def fupin(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": "Asia/Shanghai"}  # a clerk in China
    return subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), *argv], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=120)


def assert_refused(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2, run.stderr
    assert CHINESE.search(run.stderr) and "Traceback" not in run.stderr, run.stderr
    for word in words:
        assert word in run.stderr, run.stderr


def test_the_restore_household_command_lists_restores_and_refuses(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        store.set_operator("王会计")
        a = store.households.save(full_household(store.spec, seed=1, number="5108221050010001",
                                                 names=("张三", "李梅")), "测试")
        b = store.households.save(full_household(store.spec, seed=2, names=("王五", "赵六")), "测试")
        store.households.delete(a.id, store.operator)
        store.households.delete(b.id, store.operator)
        store.households.save(full_household(store.spec, seed=3, number="5108221050010001",
                                             names=("孙七", "周八")), "测试")
        db = store.path

    listed = fupin(db, "restore-household", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == [b.id, a.id]  # the latest deletion first
    assert set(rows[0]) == {"id", "number", "township", "village", "group", "head_name", "size", "deleted_by",
                            "deleted_at", "deleted_at_local", "restorable_here"}
    assert (rows[0]["head_name"], rows[0]["size"], rows[0]["deleted_by"]) == ("王五", 2, "王会计")
    assert LOCAL.match(rows[0]["deleted_at_local"])
    utc = datetime.fromisoformat(rows[0]["deleted_at"])
    assert rows[0]["deleted_at_local"] == (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    text = fupin(db, "restore-household", "--list")
    assert "王五" in text.stdout and rows[0]["deleted_at_local"] in text.stdout and "王会计" in text.stdout

    with Store(db) as s:
        before = digest(s)
    for bad, words in ((str(a.id), ("5108221050010001", "孙七", "--force")), ("99999999999999999999999", ()),
                       ("9223372036854775808", ()), ("0", ()), ("abc", ("不是数字",)), ("-5", ())):
        assert_refused(fupin(db, "restore-household", bad), *words)
    assert_refused(fupin(db, "restore-household"), "--list")
    conflict = fupin(db, "restore-household", str(a.id), "--json")
    assert_refused(conflict)
    assert json.loads(conflict.stdout)["restored"] is False
    with Store(db) as s:
        assert digest(s) == before, "refusals change nothing"

    done = fupin(db, "restore-household", str(b.id), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["restored"], out["id"], out["head_name"], out["conflicts"]) == (True, b.id, "王五", [])
    assert_refused(fupin(db, "restore-household", str(b.id)), "没有被删除")

    forced = fupin(db, "restore-household", str(a.id), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "已恢复" in forced.stdout and "孙七" in forced.stderr  # the clash is still told
    assert json.loads(fupin(db, "restore-household", "--list", "--json").stdout) == []
    shown = fupin(db, "households", "--json")
    assert {r["head_name"] for r in json.loads(shown.stdout)} == {"张三", "王五", "孙七"}


def test_a_clash_under_the_other_card_of_the_same_person_is_named(tmp_path: Path) -> None:
    """A member stored with a 残疾人证 number elsewhere is the same person as the ID number here."""
    from tests.helpers import full_household, make_store

    store = make_store(tmp_path, "card.db")
    try:
        gone = store.households.save(full_household(store.spec, seed=3, number="N3"), "测试")
        store.households.delete(gone.id, "测试")
        number = gone.members[0].get("id_number")
        other = full_household(store.spec, seed=4, number="N4")
        other.members[1].fields["id_number"] = number + "12"  # 残疾人证: category 1, grade 2
        store.households.save(other, "测试")
        clashes = store.recycle.conflicts(gone.id)
        assert any(number in c and "N4" in c for c in clashes), clashes
    finally:
        store.close()
