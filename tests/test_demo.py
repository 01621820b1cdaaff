"""Tests for fupin_desktop.demo: the 茶坝乡 demo township and generated households."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop import demo
from fupin_desktop.demo import (
    DEMO_TOWNSHIP,
    POVERTY_LINE_2015,
    REFERENCE_DATE,
    build_demo,
    demo_township,
    generate_households,
)
from fupin_desktop.demo.villages import MISMATCH
from fupin_desktop.domain.household import TABLES, Household
from fupin_desktop.domain.idnumber import check_id
from fupin_desktop.domain.township import Village
from fupin_desktop.domain.values import to_store
from fupin_desktop.formspec import load_form
from fupin_desktop.store import Store

SPEC = load_form("household")
QUOTAS = [
    ("炉场村", 95), ("兴龙村", 123), ("青新村", 75), ("双河村", 130), ("月明村", 112), ("寺坝村", 81),
    ("青岭村", 69), ("新坪村", 57), ("石古村", 72), ("太平村", 47), ("三溪村", 46),
]
POOR = {"月明村", "新坪村", "太平村"}
CHILD = ("之子", "之女")
STUDENT = {"小学", "七年级", "八年级", "九年级", "高中一年级", "高中二年级", "高中三年级", "中职一年级",
           "中职二年级", "中职三年级", "高职一年级", "高职二年级", "高职三年级", "大专及以上"}
MALE_RELATIONS = {"之子", "之父", "之孙子", "之外孙子", "之女婿"}
FEMALE_RELATIONS = {"之女", "之母", "之孙女", "之外孙女", "之儿媳"}


@pytest.fixture(scope="module")
def households() -> list[Household]:
    return list(generate_households(3000, seed=7))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "demo.db")
    yield s
    s.close()


def age(birth: date) -> int:
    return REFERENCE_DATE.year - birth.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day))


def dump(hh: Household) -> str:
    """Everything a household holds, as JSON (UUIDs included)."""
    data: dict[str, Any] = {"uuid": hh.uuid, "fields": {k: to_store(v) for k, v in hh.fields.items()}}
    for table in TABLES:
        data[table] = [{"uuid": r.uuid, **{k: to_store(v) for k, v in r.fields.items()}} for r in hh.table(table)]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------- township


def test_demo_township_has_the_seed_villages_quotas_and_poor_flags() -> None:
    town = demo_township()
    assert (town.code, town.name, town.county, town.city, town.province) == (
        "510822105", "茶坝乡", "青川县", "广元市", "四川省"
    )
    assert [(v.name, v.quota) for v in town.villages] == QUOTAS
    assert {v.name for v in town.villages if v.is_poor} == POOR
    assert [v.code for v in town.villages] == [f"510822105{i:03d}" for i in range(1, 12)]
    numerals = "一二三四五六七八"
    for v in town.villages:
        assert 4 <= len(v.groups) <= 8
        assert v.groups == [f"{numerals[i]}组" for i in range(len(v.groups))]
    assert sum(v.quota or 0 for v in town.villages) == 907


def test_demo_township_is_a_fresh_copy() -> None:
    a, b = demo_township(), demo_township()
    assert a.uuid != b.uuid and a.villages[0].uuid != b.villages[0].uuid
    a.villages[0].groups.append("九组")
    assert "九组" not in DEMO_TOWNSHIP.villages[0].groups
    assert demo_township().villages[0].groups == DEMO_TOWNSHIP.villages[0].groups


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_households() -> None:
    first = list(generate_households(60, seed=3))
    second = list(generate_households(60, seed=3))
    assert [dump(h) for h in first] == [dump(h) for h in second]
    assert first == second


def test_different_seed_gives_different_households() -> None:
    a = [dump(h) for h in generate_households(20, seed=1)]
    b = [dump(h) for h in generate_households(20, seed=2)]
    assert a != b
    assert not set(a) & set(b)


def test_prefix_is_stable_and_zero_gives_nothing() -> None:
    assert [dump(h) for h in generate_households(10)] == [dump(h) for h in generate_households(30)][:10]
    assert list(generate_households(0)) == []


# ---------------------------------------------------------------- members


def test_id_numbers_valid_unique_and_agree_with_sex_and_birth(households: list[Household]) -> None:
    seen: set[str] = set()
    for hh in households:
        for m in hh.members:
            number = m.get("id_number")
            check = check_id(number)
            assert check.valid, (number, check.error)
            assert check.normalized == number and not check.upgraded
            assert number.startswith("510822")
            assert m.get("sex") == check.sex
            assert m.get("birth_date") == check.birth_date
            if m.get("health") == "残疾":  # every 残疾 member holds a 20-character 残疾人证 number
                assert len(number) == 20 and check.disability_category and check.disability_grade
                assert m.get("id_type") == "残疾人证"
            else:
                assert len(number) == 18 and m.get("id_type") == "居民身份证"
            assert number not in seen
            seen.add(number)
    assert len(seen) == sum(hh.size for hh in households)


def test_family_structure_is_consistent(households: list[Household]) -> None:
    for hh in households:
        assert 1 <= hh.size <= 7
        heads = [m for m in hh.members if m.get("relation") == "户主"]
        assert len(heads) == 1
        head = heads[0]
        assert hh.head is head and hh.fields["head_name"] == head.get("name")
        assert hh.fields["head_id_number"] == head.get("id_number")
        assert hh.fields["size"] == len(hh.members)
        spouses = [m for m in hh.members if m.get("relation") == "配偶"]
        assert len(spouses) <= 1
        for spouse in spouses:
            assert spouse.get("sex") != head.get("sex")
            assert age(spouse.get("birth_date")) >= 20
        parents = [head, *spouses]
        children = [m for m in hh.members if m.get("relation") in CHILD]
        for child in children:
            for parent in parents:
                gap = child.get("birth_date").year - parent.get("birth_date").year
                assert 18 <= gap <= 40, (hh.fields["number"], gap)
        for elder in (m for m in hh.members if m.get("relation") in ("之父", "之母")):
            gap = head.get("birth_date").year - elder.get("birth_date").year
            assert 20 <= gap <= 40
        for m in hh.members:
            if m.get("relation") in MALE_RELATIONS:
                assert m.get("sex") == "男"
            if m.get("relation") in FEMALE_RELATIONS:
                assert m.get("sex") == "女"
        names = [m.get("name") for m in hh.members]
        assert len(set(names)) == len(names)
        assert hh.fields["only_child"] == (len(children) == 1)
        assert hh.fields["two_daughters"] == (
            len(children) == 2 and all(c.get("relation") == "之女" for c in children)
        )


def test_children_share_the_heads_surname(households: list[Household]) -> None:
    for hh in households:
        head = hh.head
        assert head is not None
        surname = head.get("name")[0]
        for m in hh.members:
            if m.get("relation") in CHILD:
                assert m.get("name")[0] == surname
            if m.get("relation") == "配偶" and "·" not in m.get("name"):
                assert m.get("name")[0] != surname


def test_schooling_health_labour_and_work_match_age(households: list[Household]) -> None:
    for hh in households:
        for m in hh.members:
            years = age(m.get("birth_date"))
            school = m.get("school_status")
            edu = m.get("education")
            if years < 6:
                assert edu == "学龄前儿童"
            elif 7 <= years <= 12:
                assert school == "小学"
            elif 13 <= years <= 15:
                assert school == ("七年级", "八年级", "九年级")[years - 13]
            elif 16 <= years <= 18:
                assert school in ("非在校生", f"高中{'一二三'[years - 16]}年级", f"中职{'一二三'[years - 16]}年级")
            elif years >= 22:
                assert school == "非在校生"
            if 6 <= years <= 23:
                assert school
            if school == "非在校生":  # under 3: 学龄前儿童, not in school (the national system wants both filled)
                assert edu is not None and (edu != "学龄前儿童" or years < 3)
            labour = m.get("labor_skill")
            if years < 16 or years > 65:
                assert labour == "无劳动力"
            elif m.get("health") == "健康":
                assert labour in ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
                if years < 60:
                    assert labour in ("普通劳动力", "技能劳动力")
            work, months = m.get("work_status"), m.get("work_months")
            if work == "无":
                assert months in (0, None)
            else:
                assert 16 <= years <= 60 and school not in STUDENT
                assert labour in ("普通劳动力", "技能劳动力")
                assert 1 <= months <= 12
                assert m.get("work_place") and m.get("work_company")  # national check: 务工 without them
            assert m.get("on_dibao") == (hh.fields["household_type"] in ("低保贫困户", "低保户"))
            if not m.get("in_ncms"):
                assert not m.get("in_critical")
            if years < 16:
                assert not m.get("in_pension")


def test_household_mix(households: list[Household]) -> None:
    kinds = [hh.fields["household_type"] for hh in households]
    assert 0.6 < (kinds.count("一般贫困户") + kinds.count("一般农户")) / len(kinds) < 0.9
    assert kinds.count("低保贫困户") > 200 and kinds.count("低保户") > 100
    assert 30 < kinds.count("五保贫困户") + kinds.count("五保户") < 200
    assert kinds.count("五保贫困户") > 10 and kinds.count("五保户") > 10
    for hh in households:
        f = hh.fields
        assert f["year"] == 2015
        planted = demo.PLANTED_MARK + "I003" in (f.get("cause_note") or "")
        exited = f["per_capita_income"] > POVERTY_LINE_2015 and not planted
        assert f["exit_flag"] == ("已脱贫（享受政策）" if exited else "未脱贫")
        # national check 57: after exit 低保户 / 五保户 / 一般农户, before it the 贫困户 kinds
        assert (f["household_type"] in ("一般农户", "低保户", "五保户")) == exited
        assert f.get("exit_year") == (2015 if exited else None)
        if exited:
            assert not f["dilapidated"] and f["drinking_safe"] and not f["drinking_difficult"]
            assert all(r.get("exited") and r.get("two_no_three") == "已实现" for r in hh.results)
        if f["household_type"] in ("五保贫困户", "五保户"):
            assert hh.size == 1 and age(hh.members[0].get("birth_date")) >= 66
            assert f["wubao_money"] > 0 and f["dibao_money"] == 0
        elif f["household_type"] in ("低保贫困户", "低保户"):
            assert f["dibao_money"] > 0 and f["wubao_money"] == 0
        else:
            assert f["dibao_money"] == 0 and f["wubao_money"] == 0
    ethnicities = {m.get("ethnicity") for hh in households for m in hh.members}
    assert {"汉族", "回族", "藏族", "羌族"} <= ethnicities
    han = sum(m.get("ethnicity") == "汉族" for hh in households for m in hh.members)
    assert han / sum(hh.size for hh in households) > 0.9


def test_numbers_unique_and_shaped_by_village_and_group(households: list[Household]) -> None:
    numbers = [hh.fields["number"] for hh in households]
    assert len(set(numbers)) == len(numbers)
    codes = {v.name: v for v in DEMO_TOWNSHIP.villages}
    for hh in households:
        village = codes[hh.fields["village"]]
        number = hh.fields["number"]
        assert re.fullmatch(r"\d{19}", number)
        assert number.startswith(village.code)
        assert hh.fields["group"] in village.groups
        assert int(number[12:15]) == village.groups.index(hh.fields["group"]) + 1


def test_phones_and_bank_accounts(households: list[Household]) -> None:
    phones = [hh.fields["phone"] for hh in households if hh.fields["phone"]]
    assert len(phones) == len(households)  # the national blank-field checks want both for every household
    assert all(re.fullmatch(r"1[358]\d{9}", p) for p in phones)
    assert len(set(phones)) == len(phones)
    accounts = [hh.fields["bank_account"] for hh in households if hh.fields["bank_account"]]
    assert len(accounts) == len(households)
    assert all(re.fullmatch(r"\d{19}", a) for a in accounts)
    assert len(set(accounts)) == len(accounts)
    for hh in households:
        assert (hh.fields["bank"] is None) == (hh.fields["bank_account"] is None)


def test_land_and_living(households: list[Household]) -> None:
    for hh in households:
        f = hh.fields
        assert Decimal("0.5") <= f["farmland"] <= 6
        assert 0 <= f["irrigated"] <= f["farmland"]
        assert 0 <= f["forest"] <= 30
        assert Decimal("0.1") <= f["road_distance"] <= 8 and f["road_distance"] == f["road_distance"].quantize(
            Decimal("0.1")
        )
        assert 40 <= f["housing_area"] <= 160
        assert f["living_power"] is True


def test_income_around_the_line(households: list[Household]) -> None:
    per_capita = []
    for hh in households:
        f = hh.fields
        for key in ("wage_income", "business_income", "property_income", "business_cost", "dibao_money",
                    "wubao_money", "pension_money", "eco_compensation", "other_transfer", "family_planning"):
            assert isinstance(f[key], Decimal) and f[key] >= 0
            assert f[key] == f[key].quantize(Decimal("0.01"))
        workers = [m for m in hh.members if m.get("work_status") != "无"]
        assert (f["wage_income"] > 0) == bool(workers)
        assert (f["business_cost"] > 0) == (f["business_income"] > 0)
        assert f["per_capita_income"] == hh.derived(SPEC.derived_sources())["per_capita_income"]
        assert f["per_capita_income"] > 0
        per_capita.append(f["per_capita_income"])
    in_band = sum(Decimal(1500) <= p <= Decimal(3500) for p in per_capita)
    above = sum(p > POVERTY_LINE_2015 for p in per_capita)
    assert in_band / len(per_capita) > 0.7
    assert 0.2 < above / len(per_capita) < 0.6
    assert sum(p > 3500 for p in per_capita) / len(per_capita) < 0.25


def test_causes_match_the_household(households: list[Household]) -> None:
    for hh in households:
        f = hh.fields
        health = {m.get("health") for m in hh.members}
        main, others = f["main_cause"], f["other_causes"]
        if demo.PLANTED_MARK + "H004" not in f["cause_note"]:
            assert main not in others
        assert len(set(others)) == len(others) <= 2
        causes = {main, *others}
        if "因病" in causes and demo.PLANTED_MARK + "C001" not in f["cause_note"]:
            assert health & {"长期慢性病", "患有大病"}
        if "因残" in causes:
            assert "残疾" in health
        if "因学" in causes:
            assert any(m.get("school_status") in STUDENT for m in hh.members)
        assert f["cause_note"]


def test_handbook_rows(households: list[Household]) -> None:
    for hh in households:
        names = {m.get("name") for m in hh.members}
        assert len(hh.helpers) == 1
        helper = hh.helpers[0]
        assert helper.get("name") not in names
        assert helper.get("start_date").year == 2015 and helper.get("start_date").month == 7
        assert 1 <= len(hh.plans) <= 2 and all(p.get("year") in (2015, 2016) for p in hh.plans)
        assert 1 <= len(hh.measures) <= 3
        types = [m.get("type") for m in hh.measures]
        assert len(set(types)) == len(types)
        assert all(m.get("amount") > 0 for m in hh.measures)
        assert len(hh.results) <= 1
        for r in hh.results:
            assert r.get("year") == 2015 and r.get("exited") is (hh.fields["exit_flag"] != "未脱贫")


def test_values_fit_the_form_spec(households: list[Household]) -> None:
    """Every value has the spec's type, code fields hold labels of their list, ranges hold."""
    villages = {v.name: v for v in DEMO_TOWNSHIP.villages}
    grid = {f.id: f for f in SPEC.grid_fields()}
    tables = {t.id: {f.id: f for f in t.fields} for t in SPEC.tables()}

    def check(spec: Any, value: Any) -> None:
        if value is None:
            assert not spec.required or spec.readonly, spec.id
            return
        if spec.type == "code":
            if spec.codes == "@villages":
                assert value in villages
            elif spec.codes != "@groups":
                assert value in SPEC.codes[spec.codes].labels, (spec.id, value)
        elif spec.type == "multicode":
            assert isinstance(value, list)
            assert all(v in SPEC.codes[spec.codes].labels for v in value), (spec.id, value)
        elif spec.type == "bool":
            assert isinstance(value, bool), spec.id
        elif spec.type == "integer":
            assert isinstance(value, int) and not isinstance(value, bool)
            assert spec.min is None or value >= spec.min
            assert spec.max is None or value <= spec.max
        elif spec.type == "decimal":
            assert isinstance(value, Decimal), spec.id
            assert value == value.quantize(Decimal(1).scaleb(-spec.decimals))
            assert spec.min is None or value >= Decimal(str(spec.min))
            assert spec.max is None or value <= Decimal(str(spec.max))
        elif spec.type == "date":
            assert isinstance(value, date)
        elif spec.type in ("text", "multiline", "phone", "bank_account", "id_number"):
            assert isinstance(value, str) and value
            assert spec.max_length is None or len(value) <= spec.max_length

    for hh in households:
        assert set(hh.fields) <= set(grid), set(hh.fields) - set(grid)
        for fid, spec in grid.items():
            if spec.readonly and spec.type != "derived":
                continue  # township-sourced: filled by the store
            if fid not in hh.fields:
                assert not spec.required, fid
                continue
            check(spec, hh.fields[fid])
        assert hh.fields["group"] in villages[hh.fields["village"]].groups
        for table, columns in tables.items():
            for row in hh.table(table):
                assert set(row.fields) <= set(columns), (table, set(row.fields) - set(columns))
                for fid, spec in columns.items():
                    check(spec, row.fields.get(fid))


def test_rare_names_appear_deterministically() -> None:
    batch = list(generate_households(50))
    names = [m.get("name") for hh in batch for m in hh.members]
    dotted = [n for n in names if "·" in n]
    assert dotted and all(re.fullmatch(r"[\u4e00-\u9fff]+·[\u4e00-\u9fff]+", n) for n in dotted)
    assert any(demo.RARE_CHAR in n for n in names)
    assert any(ord(ch) > 0xFFFF for n in names for ch in n)
    for hh in batch:
        for m in hh.members:
            if "·" in m.get("name"):
                assert m.get("ethnicity") in ("回族", "藏族")
    many = list(generate_households(1500))
    assert sum("·" in m.get("name") for hh in many for m in hh.members) == 3
    assert sum(demo.RARE_CHAR in hh.head_name for hh in many) == 3


def test_households_spread_over_villages_by_quota(households: list[Household]) -> None:
    counts = {v.name: 0 for v in DEMO_TOWNSHIP.villages}
    for hh in households:
        counts[hh.fields["village"]] += 1
    assert all(counts.values())
    assert counts["双河村"] > counts["三溪村"] * 2


def test_custom_villages() -> None:
    villages = [Village(name="甲村", quota=10, groups=["一社"]), Village(name="乙村", code="")]
    batch = list(generate_households(40, seed=5, villages=villages))
    assert {hh.fields["village"] for hh in batch} == {"甲村", "乙村"}
    for hh in batch:
        assert hh.fields["group"] == ("一社" if hh.fields["village"] == "甲村" else "一组")
    assert len({hh.fields["number"] for hh in batch}) == 40
    with pytest.raises(ValueError):
        list(generate_households(1, villages=[]))


# ---------------------------------------------------------------- build_demo


def test_build_demo_zero_households_creates_only_the_township(store: Store) -> None:
    assert build_demo(store, households=0).value == 0
    town = store.townships.get()
    assert town is not None and town.name == "茶坝乡" and town.code == "510822105"
    assert [(v.name, v.quota) for v in town.villages] == QUOTAS
    assert {v.name for v in town.villages if v.is_poor} == POOR
    assert [v.groups for v in town.villages] == [v.groups for v in DEMO_TOWNSHIP.villages]
    assert store.households.count() == 0
    # A second run keeps the township it finds.
    assert build_demo(store, households=0).value == 0
    assert store.townships.get().uuid == town.uuid


def test_build_demo_saves_households(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH_SIZE", 25)
    calls: list[tuple[int, int]] = []
    assert build_demo(store, households=60, seed=4, progress=lambda d, t: calls.append((d, t))).value == 60
    assert calls == [(25, 60), (50, 60), (60, 60)]
    assert store.households.count() == 60
    generated = list(generate_households(60, seed=4, villages=store.townships.villages()))
    ids = store.households.ids()
    assert len(ids) == 60
    stored = {h.fields["number"]: h for h in (store.households.get(i) for i in ids)}
    for hh in generated:
        saved = stored[hh.fields["number"]]
        if saved.fields["exit_flag"] == "返贫" or any(m.get("change") for m in saved.members):
            continue  # the live year's events of demo/years.py (a return, births, a death)
        assert saved.uuid != hh.uuid  # fresh records of this store
        for key, value in hh.fields.items():
            assert saved.fields[key] == value or (value in (None, []) and saved.fields[key] in (None, [])), key
        assert saved.fields["township"] == "茶坝乡" and saved.fields["county"] == "青川县"
        for table in TABLES:
            assert _same_rows(saved.table(table), hh.table(table)), table
    persons = store.db.query_one("SELECT COUNT(*), COUNT(DISTINCT id_number) FROM members WHERE deleted = 0")
    assert persons[0] == persons[1] == store.households.person_count()
    # The search index knows the pinyin initials.
    head = generated[0].head_name
    assert store.households.ids(search=head)


def _same_rows(saved: list[Any], generated: list[Any]) -> bool:
    if len(saved) != len(generated):
        return False
    for a, b in zip(saved, generated, strict=True):
        for key, value in b.fields.items():
            if a.fields.get(key) != value and not (value in (None, []) and a.fields.get(key) in (None, [])):
                return False
    return True


def test_build_demo_stops_when_cancelled(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH_SIZE", 10)
    calls: list[int] = []
    saved = build_demo(
        store, households=50, progress=lambda d, t: calls.append(d), cancelled=lambda: len(calls) >= 2
    )
    assert saved.value == 20 and saved.change.count == 20
    assert calls == [10, 20]
    assert store.households.count() == 20  # committed batches stay


def test_build_demo_cancelled_at_once_keeps_the_township(store: Store) -> None:
    assert build_demo(store, households=30, cancelled=lambda: True).value == 0
    assert store.townships.get() is not None
    assert store.households.count() == 0


def test_build_demo_rolls_back_only_the_failing_batch(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH_SIZE", 10)
    real_save = store.households.save
    count = {"n": 0}

    def flaky(hh: Household, operator: str, **kwargs: object) -> Household:
        count["n"] += 1
        if count["n"] == 15:
            raise RuntimeError("disk full")
        return real_save(hh, operator, **kwargs)

    monkeypatch.setattr(store.households, "save", flaky)
    with pytest.raises(RuntimeError):
        build_demo(store, households=30)
    assert store.households.count() == 10


def test_a_fresh_demo_validates_clean_apart_from_its_planted_cases(tmp_path: Path) -> None:
    """`fupin demo` then `fupin validate --json` (real subprocesses): exactly the cases PLANTED names,
    one household each, marked in its 致贫原因说明, and nothing else."""
    import subprocess
    import sys

    db = tmp_path / "demo.db"
    made = subprocess.run([sys.executable, "-m", "fupin_desktop", "demo", "--db", str(db), "--json"],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    done = subprocess.run([sys.executable, "-m", "fupin_desktop", "validate", "--db", str(db), "--json"],
                          capture_output=True, text=True, check=False)
    findings = json.loads(done.stdout)["findings"]
    village_findings = [f for f in findings if not f["household_id"]]  # the 贫困村登记表 (demo/villages.py)
    assert [(f["rule"], f["village"]) for f in village_findings] == [("V001", MISMATCH[0])]
    findings = [f for f in findings if f["household_id"]]
    assert sorted(f["rule"] for f in findings) == sorted(demo.PLANTED)
    with Store(db) as store:
        marked = {}
        for hh in (store.households.get(i) for i in store.households.ids()):
            note = hh.fields.get("cause_note") or ""
            if demo.PLANTED_MARK in note:
                marked[hh.fields["number"]] = note.split(demo.PLANTED_MARK)[1][:4]
        kinds = {store.households.get(i).fields["household_type"] for i in store.households.ids()}
        holders = [m for i in store.households.ids() for m in store.households.get(i).members
                   if m.get("id_type") == "残疾人证"]
    assert {f["household_number"]: f["rule"] for f in findings} == marked
    assert {"低保户", "低保贫困户", "五保户", "五保贫困户", "一般农户", "一般贫困户"} <= kinds
    assert holders and all(len(m.get("id_number")) == 20 and m.get("health") == "残疾" for m in holders)
