"""Education students travel in sync batches (issue 16), on a county SQLite file AND PostgreSQL.

The township sends its whole education record set when it changed; the county keeps each
township's students per school year, re-importing changes nothing, a withdrawn application and a
changed school follow in the next batch, and a malformed record refuses the batch whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.store import Store, education_sync
from fupin_desktop.store.education import EducationRepository
from fupin_desktop.store.pg.store import PgStore
from fupin_desktop.sync.format import PayloadWriter
from fupin_desktop.sync.keys import init_county, unlock_county
from tests.helpers import full_household
from tests.pg.test_receiving_backends import Receiving, link, open_county
from tests.sync.tamper import rebuild
from tests.sync.world import (
    COUNTY_CODE,
    COUNTY_NAME,
    OTHER,
    OTHER_VILLAGES,
    PASSPHRASE,
    export,
    import_,
    make_township,
)

YEAR = "2015-2016"


def _students(town: Store, seed: int, names: tuple[str, ...], village: str = "炉场村") -> dict[str, str]:
    hh = full_household(town.spec, seed=seed, names=("户主甲", "妻乙", *names), village=village)
    ids = {}
    for member in hh.members:
        name = member.get("name")
        member.fields["school_status"] = "高中二年级" if name in names else "非在校生"
        if name in names:
            ids[name] = member.get("id_number")
    town.households.save(hh, "测试")
    return ids


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[tuple[Receiving, Store, Store, dict[str, str], Path]]:
    county = open_county(backend)
    init_county(county.sync, COUNTY_CODE, COUNTY_NAME, PASSPHRASE, county.operator)
    town = make_township(tmp_path / "chaba.db")
    other = make_township(tmp_path / "malu.db", OTHER, OTHER_VILLAGES)
    link(town, county)
    link(other, county)
    ids = _students(town, 1, ("张高中", "张本科"))
    ids |= _students(other, 2, ("李中职",), village="白果村")
    policy = town.policy.get()
    for store, name, kind in ((town, "张高中", "高中"), (town, "张本科", "本科"), (other, "李中职", "中职")):
        repo = EducationRepository(store.db)
        student = repo.student(ids[name], YEAR)
        student = repo.enrol(student, school="绥阳中学", school_type=kind, in_province=True,
                                        operator="测试")
        if name != "张本科":
            repo.apply(student, policy, batch=1, day=date(2016, 3, 1), override=None, operator="测试")
    stick = tmp_path / "stick"
    stick.mkdir()
    yield county, town, other, ids, stick
    for store in (county, town, other):
        store.close()


def test_the_county_sees_each_townships_students_per_year(world: tuple[Receiving, Store, Store, dict[str, str], Path]
                                                           ) -> None:
    county, town, other, ids, stick = world
    first = export(town, stick)
    assert first.counts[education_sync.COUNT_KEY] == 2
    [r] = import_(county, first.batch)
    assert r.status == "imported", r.message
    assert r.counts[education_sync.COUNT_KEY] == 2 and "教育资助学生记录新增 2 条" in r.message
    [r2] = import_(county, export(other, stick).batch)
    assert r2.status == "imported", r2.message
    got = county.sync.received_students(YEAR)
    assert [(s["township"], s["name"], s["school_type"], s["batch"], s["total"]) for s in got] == [
        ("茶坝乡", "张本科", "普通高校本科", None, None),
        ("茶坝乡", "张高中", "普通高中", 1, "2660"),
        (OTHER["name"], "李中职", "中职学校", 1, "1900"),
    ]
    assert got[1]["id_number"] == ids["张高中"] and got[1]["household"]
    assert county.sync.received_students(YEAR, township_code=OTHER["code"])[0]["name"] == "李中职"
    assert county.sync.received_students("2016-2017") == []


def test_reimport_changes_nothing_and_changes_follow(world: tuple[Receiving, Store, Store, dict[str, str], Path]
                                                     ) -> None:
    county, town, _other, ids, stick = world
    first = export(town, stick)
    import_(county, first.batch)
    before = county.sync.table_digest()
    [again] = import_(county, first.batch)
    assert again.status == "already-imported" and county.sync.table_digest() == before
    assert export(town, stick).batch is None  # nothing new: no batch
    # A full batch carries the same set again: nothing written at the county.
    full = export(town, stick, full=True)
    [r] = import_(county, full.batch)
    assert r.status == "imported" and "教育资助" not in r.message
    # The application withdrawn, the other student's school changed: the next batch says so.
    repo = EducationRepository(town.db)
    repo.withdraw(repo.student(ids["张高中"], YEAR), "测试")
    repo.enrol(repo.student(ids["张本科"], YEAR), school="贵州大学", school_type="本科", in_province=True, operator="测试")
    [r] = import_(county, export(town, stick).batch)
    assert "更新 2 条" in r.message, r.message
    got = {s["name"]: s for s in county.sync.received_students(YEAR)}
    assert got["张高中"]["batch"] is None and got["张本科"]["school"] == "贵州大学"


def test_a_malformed_record_refuses_the_batch(world: tuple[Receiving, Store, Store, dict[str, str], Path]) -> None:
    county, town, _other, _ids, stick = world
    import_(county, export(town, stick).batch)
    hh = town.households.get(town.households.ids()[0])
    assert hh is not None
    hh.fields["phone"] = "13900003333"
    town.households.save(hh, "测试")
    good = Path(export(town, stick).batch or "").read_bytes()  # no education entry: nothing changed there
    before = county.sync.table_digest()
    key = unlock_county(county.sync, PASSPHRASE)

    whole = {"member_uuid": "m-1", "school_year": YEAR, "household_uuid": "h-1", "household": "1", "name": "某",
             "id_number": "", "village": "炉场村", "school": "某校", "school_type": "普通高中", "in_province": True,
             "received": [], "batch": 1, "items": [], "total": "2660"}
    for bad in ({"member_uuid": 5}, {**whole, "batch": 10 ** 30}, {**whole, "batch": True},
                {**whole, "name": "长" * 500}, {**whole, "school": {"a": 1}}, {**whole, "received": "学费"},
                {k: v for k, v in whole.items() if k != "total"}, [1, 2]):
        def broken(writer: PayloadWriter, bad: object = bad) -> None:
            writer.add(education_sync.ENTRY, (json.dumps(bad, ensure_ascii=False) + "\n").encode())

        (stick / "bad.fpb").write_bytes(rebuild(town, county, key, good, broken))  # type: ignore[arg-type]
        [r] = import_(county, stick / "bad.fpb")
        assert r.status == "refused" and "未作任何改动" in r.message, (bad, r.message)
        assert county.sync.table_digest() == before


def test_fupin_sync_students_json(world: tuple[Receiving, Store, Store, dict[str, str], Path], backend: str) -> None:
    county, town, _other, _ids, stick = world
    import_(county, export(town, stick).batch)
    where = ["--database", backend] if isinstance(county, PgStore) else ["--db", backend]
    run = subprocess.run([sys.executable, "-m", "fupin_desktop", "sync", "students", *where, "--school-year",
                          "2015-16", "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert sorted(s["name"] for s in json.loads(run.stdout)) == ["张本科", "张高中"]
    bad = subprocess.run([sys.executable, "-m", "fupin_desktop", "sync", "students", *where, "--township",
                          "999999999", "--json"], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "没有登记代码为 999999999 的乡镇" in bad.stderr and not bad.stdout
