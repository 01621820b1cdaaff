"""Registration years (issue 16): carry-over, history, counts per year, member changes, review list.

Real SQLite files; the ``fupin`` contract through real subprocesses where the JSON is the contract.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop.demo import build_demo
from fupin_desktop.domain.household import Household, Row
from fupin_desktop.formspec import load_form
from fupin_desktop.rules.years import year_rules
from fupin_desktop.store import Store, StoreError, review, years
from fupin_desktop.store.backups import read_label
from tests.helpers import full_household, make_store, person_id

REPO = Path(__file__).resolve().parent.parent


def fupin(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), *argv], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, env=env, timeout=300)


def state(store: Store) -> tuple[object, ...]:
    """Everything a carry-over may touch, to compare before and after a run."""
    q = store.db.query_one
    return (tuple(q("SELECT COUNT(*), SUM(revision), MAX(updated_at), SUM(year) FROM households")),
            tuple(q("SELECT COUNT(*), SUM(revision), SUM(deleted) FROM members")),
            tuple(q("SELECT COUNT(*), SUM(deleted) FROM results")),
            tuple(q("SELECT COUNT(*), MAX(id) FROM year_snapshots")),
            tuple(q("SELECT COUNT(*) FROM audit")), tuple(q("SELECT COUNT(*) FROM year_log")))


# -- carry-over ----------------------------------------------------------------------------------------
def test_carry_over_of_a_2000_household_township_twice_is_idempotent(tmp_path: Path) -> None:
    with Store(tmp_path / "town.db") as store:
        build_demo(store, households=2000, seed=5)  # one year (2015): too large for the demo's two years
        assert years.years(store.db) == [2015]
        before = store.db.query_one("SELECT COUNT(*) FROM results WHERE deleted = 0")[0]
        first = years.carry_over_safely(store.db, 2016, store.operator)
        assert (first.carried, first.skipped, first.from_year, first.to_year) == (2000, 0, 2015, 2016)
        assert first.backup and read_label(Path(first.backup)).households == 2000  # the backup made first
        assert first.cleared_results == before and sum(first.villages.values()) == 2000
        assert years.years(store.db) == [2015, 2016] and years.current_year(store.db) == 2016
        assert store.db.query_one("SELECT COUNT(*), COUNT(DISTINCT household_uuid) FROM year_snapshots")[:] == (2000, 2000)
        live = store.households.get(store.households.ids()[0])
        assert live is not None and live.fields["year"] == 2016
        assert live.fields["wage_income"] is None and not live.fields["per_capita_income"]  # per year: cleared
        assert live.results == [] and live.members and live.helpers  # what stays true is kept
        snap = years.snapshot(store.db, live.uuid, 2015)
        assert snap is not None and snap["fields"]["per_capita_income"] and snap["results"]

        kept = state(store)
        second = years.carry_over_safely(store.db, 2016, store.operator)
        assert (second.carried, second.skipped, second.backup) == (0, 2000, None)
        assert state(store) == kept  # nothing new, nothing changed, no second backup
        assert years.year_counts(store.db, 2015)["households"] == years.year_counts(store.db, 2016)["households"]


def test_an_interrupted_carry_over_is_completed_by_running_it_again(tmp_path: Path) -> None:
    with Store(tmp_path / "town.db") as store:
        build_demo(store, households=1200, seed=2)
        asked = iter([False, True])  # the first chunk, then cancel
        part = years.carry_over(store.db, 2016, store.operator, cancelled=lambda: next(asked, True))
        assert part.cancelled and part.carried == years.CHUNK
        rest = years.carry_over(store.db, 2016, store.operator)
        assert (rest.carried, rest.skipped) == (1200 - years.CHUNK, years.CHUNK)
        assert store.db.query_one("SELECT COUNT(*), COUNT(DISTINCT household_uuid) FROM year_snapshots")[:] == (1200, 1200)


def test_carry_over_refuses_a_year_that_is_not_the_next_and_changes_nothing(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        store.households.save(full_household(store.spec), store.operator)  # 登记年度 2016
        kept = state(store)
        for bad in (2015, 2018, 1999):
            with pytest.raises(StoreError) as info:
                years.carry_over_safely(store.db, bad, store.operator)
            assert "2017" in str(info.value) or "年度应在" in str(info.value)
        with pytest.raises(StoreError, match="没有 2014 年度"):
            years.switch(store.db, 2014)
        assert state(store) == kept and not (tmp_path / "backups").exists()


def test_members_who_left_stay_in_the_closed_year_and_not_in_the_next(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        hh = full_household(store.spec)
        hh.members[2].fields.update(change="死亡", change_date=date(2016, 10, 2))
        saved = store.households.save(hh, store.operator)
        assert saved.size == 2
        result = years.carry_over(store.db, 2017, store.operator)
        assert result.dropped_members == 1
        now = store.households.get(int(saved.id or 0))
        assert now is not None and len(now.members) == 2 and all(not m.get("change") for m in now.members)
        snap = years.snapshot(store.db, saved.uuid, 2016)
        assert snap is not None and [m["fields"].get("change") for m in snap["members"]].count("死亡") == 1
        assert store.households.ids(search=hh.members[2].get("name")) == []  # gone from the search too


# -- history -----------------------------------------------------------------------------------------------
def _baby(born: date) -> Row:
    return Row(fields={"name": "王小宝", "sex": "男", "id_type": "居民身份证", "id_number": person_id(born, "男", 7, 7),
                       "birth_date": born, "relation": "之子", "ethnicity": "汉族", "health": "健康",
                       "change": "新生儿", "change_date": born})


def test_history_shows_each_year_and_a_readable_diff(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        hh = full_household(store.spec)
        hh.fields["exit_flag"] = "未脱贫"
        hh.fields["household_type"] = "低保贫困户"
        saved = store.households.save(hh, store.operator)
        years.carry_over(store.db, 2017, store.operator)
        now = store.households.get(int(saved.id or 0))
        assert now is not None
        now.members.append(_baby(date(2017, 4, 9)))
        now.members[1].fields.update(change="死亡", change_date=date(2017, 8, 1))
        now.fields.update(exit_flag="已脱贫（享受政策）", exit_year=2017, household_type="低保户",
                          wage_income=Decimal(20000))
        store.households.save(now, store.operator)
        rows = years.history(store.db, store.spec, saved.uuid)
    assert [r["year"] for r in rows] == [2016, 2017]
    assert rows[0]["changes"] == ["首次登记"] and rows[0]["exit_status"] == "未脱贫" and rows[0]["size"] == 3
    last = rows[1]
    assert last["exit_status"] == "已脱贫（享受政策）" and last["size"] == 3 and last["live"]
    text = "\n".join(last["changes"])
    assert "成员增加：王小宝（新生儿 2017-04-09）" in text
    assert f"成员减少：{hh.members[1].get('name')}（死亡 2017-08-01）" in text
    assert "脱贫状态：未脱贫 → 已脱贫（享受政策）" in text and "贫困户属性：低保贫困户 → 低保户" in text
    assert "年人均纯收入：" in text


def test_fupin_history_and_year_contract_through_real_processes(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert fupin(db, "demo").returncode == 0
    shown = json.loads(fupin(db, "year", "show", "--json").stdout)
    assert shown["current"] == 2015 and shown["years"] == [2014, 2015]
    stats = json.loads(fupin(db, "year", "stats", "--year", "2015", "--json").stdout)
    assert set(stats) >= {"households", "persons", "exits", "returns", "new", "births", "deaths"}
    assert (stats["households"], stats["returns"], stats["births"], stats["deaths"]) == (300, 1, 2, 1)
    assert stats["exits"] > 0
    number = json.loads(fupin(db, "households", "--json").stdout)[0]["number"]
    history = json.loads(fupin(db, "history", number, "--json").stdout)
    assert [h["year"] for h in history] == [2014, 2015]
    assert all(set(h) >= {"year", "exit_status", "size", "per_capita_income", "changes"} for h in history)

    switched = fupin(db, "year", "switch", "2014", "--json")
    assert switched.returncode == 0 and json.loads(switched.stdout) == {"current": 2014, "read_only": True}
    assert json.loads(fupin(db, "year", "show", "--json").stdout)["current"] == 2014
    carried = json.loads(fupin(db, "year", "carry-over", "--to", "2016", "--json").stdout)
    assert (carried["carried"], carried["skipped"]) == (300, 0) and Path(carried["backup"]).exists()
    again = json.loads(fupin(db, "year", "carry-over", "--to", "2016", "--json").stdout)
    assert (again["carried"], again["skipped"], again["backup"]) == (0, 300, None)
    assert json.loads(fupin(db, "year", "show", "--json").stdout) == {
        "current": 2016, "years": [2014, 2015, 2016], "live": 2016, "read_only": False}

    for argv, word in ((("year", "carry-over", "--to", "2018"), "2017"), (("year", "switch", "2010"), "2010"),
                       (("history", "不存在"), "不存在"), (("year", "stats", "--year", "2030"), "2030"),
                       (("year", "carry-over", "--to", "abc"), "年度"), (("review", "--village", "无此村"), "无此村")):
        bad = fupin(db, *argv, "--json")
        assert bad.returncode == 2 and word in bad.stderr and "Traceback" not in bad.stderr and bad.stdout == ""


# -- counts per year -------------------------------------------------------------------------------------
def test_year_counts_come_from_the_files(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, households=300)
        counts = years.year_counts(store.db, 2015)
        earlier = years.year_counts(store.db, 2014)
        exited = store.db.integer("SELECT COUNT(*) FROM households WHERE json_extract(fields, '$.exit_year') = 2015")
        persons = store.households.person_count()
    assert counts == {"year": 2015, "households": 300, "persons": persons, "exits": exited, "returns": 1,
                      "new": 0, "births": 2, "deaths": 1}
    assert earlier["households"] == 300 and earlier["persons"] == persons - 1  # +2 births, -1 death


# -- member change codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "label", "code"), [
    ("06", "新生儿", "06"), ("出生", "新生儿", "06"), ("婚入", "嫁入", "05"), ("迁入", "其他转入", "07"),
    ("01", "死亡", "01"), ("婚出", "嫁出", "02"), ("迁出", "其他转出", "08"), ("判刑收监", "判刑收监", "04"),
])
def test_member_change_codes_are_the_national_ones(typed: str, label: str, code: str) -> None:
    spec = load_form("household")
    change = next(f for f in spec.table("members").fields if f.id == "change")
    item = spec.code_list(change).resolve(typed)
    assert item is not None and (item.label, item.code) == (label, code)
    rules = year_rules()
    assert set(rules.added) | set(rules.removed) == set(spec.code_list(change).labels)


# -- split households and the review list --------------------------------------------------------------------
def _two_years_with_a_split(store: Store) -> tuple[Household, Household]:
    a = store.households.save(full_household(store.spec, seed=1, number="A001"), store.operator)
    store.households.save(full_household(store.spec, seed=2, number="C001"), store.operator)
    years.carry_over(store.db, 2017, store.operator)
    a = store.households.get(int(a.id or 0))
    assert a is not None
    son = a.members[2]
    son.fields.update(change="其他转出", change_date=date(2017, 3, 1))
    store.households.save(a, store.operator)
    b = full_household(store.spec, seed=3, number="B001", names=("新户主",))
    b.fields.update(year=2017, identified_year=2017)
    moved = Row(fields={**son.fields, "relation": "户主", "change": "其他转入", "change_date": date(2017, 3, 1)})
    b.members = [moved]
    return a, store.households.save(b, store.operator)


def test_a_new_household_made_of_a_registered_ones_member_is_flagged_in_both(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        a, b = _two_years_with_a_split(store)
        items = {i.number: i for i in review.review_list(store.db)}
    flag = [r for r in items["A001"].reasons if "拆户" in r]
    assert flag and flag == [r for r in items["B001"].reasons if "拆户" in r]
    assert "户编号 A001" in flag[0] and "户编号 B001" in flag[0]
    assert not any("拆户" in r for r in items.get("C001", review.ReviewItem(0, "", "", "", "", "")).reasons)


def test_review_list_reasons_mark_and_excel(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        rich = full_household(store.spec, seed=4, number="R001")
        rich.fields.update(exit_flag="未脱贫", household_type="一般贫困户", wage_income=Decimal(60000))
        rich = store.households.save(rich, store.operator)
        bare = full_household(store.spec, seed=5, number="N001")
        bare.fields["exit_flag"] = "未脱贫"
        bare.helpers, bare.measures = [], []
        store.households.save(bare, store.operator)
        years.carry_over(store.db, 2017, store.operator)
        rich2 = store.households.get(int(rich.id or 0))
        assert rich2 is not None
        rich2.fields["wage_income"] = Decimal(60000)  # above the line again: two years running
        rich2.members[1].fields.update(change="死亡", change_date=date(2017, 2, 1))
        rich2.members[0].fields["health"] = "患有大病"
        store.households.save(rich2, store.operator)
        items = {i.number: i for i in review.review_list(store.db)}
        assert any("脱贫候选" in r and "连续 2 年" in r for r in items["R001"].reasons)
        assert any("新增死亡" in r for r in items["R001"].reasons)
        assert any("新登记患有大病" in r for r in items["R001"].reasons)
        assert "没有帮扶措施" in items["N001"].reasons and "没有帮扶责任人" in items["N001"].reasons
        assert any("尚未更新" in r for r in items["N001"].reasons)
        assert not any("尚未更新" in r for r in items["R001"].reasons)
        review.mark_reviewed(store.db, rich.uuid, "已入户核实，下半年办理脱贫", store.operator)
        with pytest.raises(StoreError):
            review.mark_reviewed(store.db, "no-such-uuid", "x", store.operator)
        marked = {i.number: i for i in review.review_list(store.db)}["R001"]
        assert marked.reviewed_at and marked.note == "已入户核实，下半年办理脱贫"
        assert [i.number for i in review.review_list(store.db, village="兴龙村")] == []
    db = tmp_path / "township.db"
    out = tmp_path / "审核名单.xlsx"
    done = fupin(db, "review", "--json", "--out", str(out))
    listed = json.loads(done.stdout)
    assert {i["number"] for i in listed} == {"R001", "N001"} and all(set(i) >= {"number", "reasons"} for i in listed)
    sheet = load_workbook(out).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert {r[3] for r in rows} == {"R001", "N001"} and any(r[6] == "是" and "入户核实" in r[7] for r in rows)
    marked = fupin(db, "review", "--mark", "N001", "--note", "已补帮扶责任人", "--json")
    assert marked.returncode == 0
    assert next(i for i in json.loads(marked.stdout) if i["number"] == "N001")["note"] == "已补帮扶责任人"
    bad = fupin(db, "review", "--mark", "X999", "--json")
    assert bad.returncode == 2 and "X999" in bad.stderr


def test_stats_command_gives_the_years_movements_beside_the_village_figures(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``fupin stats --year Y --json``: issue 16's keys at the top level, beside issue 17's villages."""
    from fupin_desktop.cli import main

    path = tmp_path / "demo.db"
    assert main(["demo", "--db", str(path), "--households", "300"]) == 0
    capsys.readouterr()
    with Store(path) as store:
        year = years.live_year(store.db)
        expected = years.year_counts(store.db, year)
    assert main(["stats", "--db", str(path), "--year", str(year), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"households", "persons", "exits", "returns", "new", "births", "deaths", "villages", "township"} <= set(out)
    assert {k: out[k] for k in ("exits", "returns", "new", "births", "deaths")} == \
        {k: expected[k] for k in ("exits", "returns", "new", "births", "deaths")}
    assert out["households"] == expected["households"] and out["persons"] == expected["persons"]
