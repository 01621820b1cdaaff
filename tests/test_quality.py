"""Township-wide data quality: bulk reading, cross-record checks over a real store, the Excel list,
the policy profile in the database and as a file, and the ``fupin validate`` / ``fupin policy`` faces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop import quality, services
from fupin_desktop.cli import main
from fupin_desktop.demo import build_demo, generate_households
from fupin_desktop.domain.household import Household
from fupin_desktop.rules import RuleContext, check_household
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.crossrecord import StoreRecords, load_memory_records
from tests.helpers import full_household, grid_values, make_store, table_values

TODAY = date(2024, 6, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path)
    yield s
    s.close()


def save(store: Store, hh: Household) -> Household:
    return store.households.save(hh, "测试")


def township(store: Store) -> dict[str, Household]:
    """Four households with every cross-record problem between them.

    A and B share a person (李梅); C uses A's 户编号; D's helper is B's member 王五;
    E counts 张三, who is recorded as 死亡 in B.
    """
    spec = store.spec
    a = full_household(spec, seed=1, names=("张三丰", "李梅"))
    b = full_household(spec, seed=2, names=("王五", "赵六", "王小明"), village="兴龙村", group="三组")
    b.members[1].fields.update({k: a.members[1].get(k) for k in ("name", "id_number", "birth_date", "sex")})
    c = full_household(spec, seed=3, number=a.fields["number"])
    d = full_household(spec, seed=4)
    d.helpers[0].fields["id_number"] = b.members[0].get("id_number")
    e = full_household(spec, seed=5, names=("刘大", "张三丰"), village="兴龙村", group="一组")
    e.members[1].fields.update({k: a.members[0].get(k) for k in ("id_number", "birth_date", "sex")})
    a.members[0].fields.update(change="死亡", on_dibao=False)
    a.members[1].fields.update(relation="户主", health="长期慢性病", labor_skill="普通劳动力", on_dibao=True)
    e.members[1].fields["relation"] = "其他"
    return {k: save(store, h) for k, h in zip("abcde", (a, b, c, d, e), strict=True)}


# -- bulk reading ---------------------------------------------------------------------------------
def test_iter_all_loads_every_household_as_get_does(store: Store) -> None:
    saved = [save(store, full_household(store.spec, seed=s, village=v, group=g))
             for s, v, g in ((1, "兴龙村", "三组"), (2, "炉场村", "一组"), (3, "炉场村", "二组"), (4, "青新村", "四组"))]
    store.households.delete(saved[2].id, "测试")
    loaded = list(store.households.iter_all(batch_size=2))
    assert [h.id for h in loaded] == [saved[1].id, saved[0].id, saved[3].id]  # village order, no tombstone
    for h in loaded:
        single = store.households.get(h.id)
        assert grid_values(h, store.spec) == grid_values(single, store.spec)
        assert table_values(h, store.spec) == table_values(single, store.spec)
        assert (h.uuid, h.revision, h.updated_at) == (single.uuid, single.revision, single.updated_at)
    village = store.townships.village_by_name("炉场村")
    assert [h.id for h in store.households.iter_all(village.id)] == [saved[1].id]


def test_iter_all_reads_in_a_few_queries_however_many_households(store: Store) -> None:
    for seed in range(12):
        save(store, full_household(store.spec, seed=seed))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        assert len(list(store.households.iter_all(batch_size=500))) == 12
    finally:
        store.db.conn.set_trace_callback(None)
    assert len(statements) <= 8, statements  # ids, township, households, five tables: no N+1


# -- the township-wide run ------------------------------------------------------------------------
def test_clean_township_gives_no_finding(store: Store) -> None:
    for seed in range(6):
        save(store, full_household(store.spec, seed=seed))
    report = quality.run_township(store, today=TODAY)
    assert report.findings == [] and report.households == 6 and report.counts() == {"error": 0, "warning": 0}


def test_demo_households_give_no_finding_but_the_planted_ones() -> None:
    from fupin_desktop.demo import PLANTED, PLANTED_MARK
    from fupin_desktop.formspec import load_form

    context = RuleContext(spec=load_form("household"))
    planted = []
    for hh in generate_households(1500, seed=11):
        note = hh.fields.get("cause_note") or ""
        expected = [note.split(PLANTED_MARK)[1][:4]] if PLANTED_MARK in note else []
        assert [f.rule for f in check_household(hh, context)] == expected, hh.fields["number"]
        planted += expected
    assert sorted(planted) == sorted(PLANTED)


def test_demo_township_in_a_store_gives_no_finding_but_the_planted_ones(tmp_path: Path) -> None:
    from fupin_desktop.demo import PLANTED

    with Store(tmp_path / "demo.db") as s:
        build_demo(s, households=150, seed=3)
        report = quality.run_township(s)
    households = [f for f in report.findings if f.household_id]
    assert report.households == 150 and sorted(f.rule for f in households) == sorted(PLANTED)
    # the 贫困村登记表 the demo plants a difference in (demo/villages.py MISMATCH)
    assert [f.rule for f in report.findings if not f.household_id] == ["V001"]


def test_cross_record_findings_name_both_households(store: Store) -> None:
    hs = township(store)
    report = quality.run_township(store, today=TODAY)
    got = {(f.rule, f.household_id) for f in report.findings}
    ids = {k: h.id for k, h in hs.items()}
    assert got == {
        ("X001", ids["a"]), ("X001", ids["b"]),  # 李梅 in A and B
        ("X002", ids["a"]), ("X002", ids["c"]),  # one 户编号, two households
        ("X004", ids["d"]),  # D's helper is 王五 of B
        ("X006", ids["e"]),  # 张三丰 died in A, still counted in E
    }
    x001 = next(f for f in report.findings if f.rule == "X001" and f.household_id == ids["a"])
    assert x001.member_name == "李梅" and x001.related == (ids["b"],) and "兴龙村三组" in x001.message
    assert x001.fields == ["members[1].id_number"]
    assert report.counts() == {"error": 6, "warning": 0}
    villages = [f.village for f in report.findings]
    assert villages == sorted(villages, key=["炉场村", "兴龙村", "青新村"].index)  # the township's order


def test_one_village_is_checked_against_the_whole_township(store: Store) -> None:
    hs = township(store)
    village = store.townships.village_by_name("兴龙村")
    report = quality.run_township(store, village_id=village.id, today=TODAY)
    assert report.households == 2
    assert {(f.rule, f.household_id) for f in report.findings} == {("X001", hs["b"].id), ("X006", hs["e"].id)}


def test_stored_size_that_differs_from_the_rows_is_found(store: Store) -> None:
    hh = save(store, full_household(store.spec))
    with store.db.transaction():  # as an old import or a bug might have left it
        store.db.execute("UPDATE households SET size = 5 WHERE id = ?", (hh.id,))
    [f] = quality.run_township(store, today=TODAY).findings
    assert f.rule == "X003" and "5 人" in f.message and "3 人" in f.message
    assert quality.check_households(store, [hh.id], today=TODAY)[0].rule == "X003"
    save(store, store.households.get(hh.id))  # saving again puts it right
    assert quality.run_township(store, today=TODAY).findings == []


def test_live_recheck_agrees_with_the_bulk_run(store: Store) -> None:
    hs = township(store)
    bulk = quality.run_township(store, today=TODAY).findings
    live = quality.check_households(store, [h.id for h in hs.values()], today=TODAY)
    assert [(f.rule, f.household_id, f.message) for f in live] == [(f.rule, f.household_id, f.message) for f in bulk]


def test_memory_records_hold_only_what_can_give_a_finding(store: Store) -> None:
    hs = township(store)
    records = load_memory_records(store.db)
    assert set(records.households) == {h.id for h in hs.values()}
    shared = hs["a"].members[1].get("id_number")
    assert {p.household_id for p in records.persons(shared)} == {hs["a"].id, hs["b"].id}
    assert records.persons(hs["c"].members[0].get("id_number")) == ()  # in one household only
    assert [p.name for p in records.persons(hs["b"].members[0].get("id_number"))] == ["王五"]  # a helper's number


def test_disability_card_holder_is_the_same_person_as_the_id_number(store: Store) -> None:
    """李梅 is in A under her ID number and in B under her 残疾人证 number: one person, two households."""
    a = save(store, full_household(store.spec, seed=1, names=("张三丰", "李梅")))
    number = a.members[1].get("id_number")
    b = full_household(store.spec, seed=2, names=("王五", "李梅"))
    b.members[1].fields.update({k: a.members[1].get(k) for k in ("birth_date", "sex")})
    b.members[1].fields.update(id_number=number + "42", id_type="残疾人证", health="残疾")
    b = save(store, b)
    c = full_household(store.spec, seed=3)
    c.helpers[0].fields["id_number"] = number + "42"  # a helper holding that card
    c = save(store, c)
    bulk = quality.run_township(store, today=TODAY).findings
    assert {(f.rule, f.household_id) for f in bulk} == {("X001", a.id), ("X001", b.id), ("X004", c.id)}
    x001 = next(f for f in bulk if f.household_id == b.id and f.rule == "X001")
    assert x001.related == (a.id,) and number + "42" in x001.message
    live = quality.check_households(store, [a.id, b.id, c.id], today=TODAY)
    assert [(f.rule, f.household_id, f.message) for f in live] == [(f.rule, f.household_id, f.message) for f in bulk]
    assert {p.household_id for p in StoreRecords(store.db).persons(number)} == {a.id, b.id}
    assert {p.household_id for p in load_memory_records(store.db).persons(number + "11")} == {a.id, b.id}


def test_a_person_number_in_two_households_is_found_live_and_township_wide(store: Store) -> None:
    a = full_household(store.spec, seed=1, names=("张三丰", "李梅"))
    a.members[1].fields["person_number"] = "51082210500100010002"
    a = save(store, a)
    b = full_household(store.spec, seed=2, names=("王五", "赵六"))
    b.members[0].fields["person_number"] = "51082210500100010002"
    b = save(store, b)
    bulk = quality.run_township(store, today=TODAY).findings
    assert {(f.rule, f.household_id) for f in bulk} == {("X007", a.id), ("X007", b.id)}
    live = quality.check_households(store, [a.id, b.id], today=TODAY)
    assert [(f.rule, f.household_id, f.message) for f in live] == [(f.rule, f.household_id, f.message) for f in bulk]
    assert {p.household_id for p in StoreRecords(store.db).persons_numbered("51082210500100010002")} == {a.id, b.id}
    b.members[0].fields["person_number"] = "51082210500100020001"  # corrected: both findings go
    save(store, b)
    assert quality.run_township(store, today=TODAY).findings == []


def test_helper_named_like_a_member_of_the_household_with_that_phone(store: Store) -> None:
    a = save(store, full_household(store.spec, seed=1, names=("张三丰", "李梅")))
    phone = a.fields["phone"]
    b = full_household(store.spec, seed=2)
    b.helpers[0].fields.update(name="李梅", phone=phone, id_number=None)
    b.helpers[1].fields.update(name="张三丰", phone=phone, id_number=None)
    b = save(store, b)
    live = StoreRecords(store.db)
    assert [p.household_id for p in live.persons_named_at_phone("李梅", phone)] == [a.id]  # 2 characters
    assert [p.household_id for p in live.persons_named_at_phone("张三丰", phone)] == [a.id]  # 3: the FTS index
    assert live.persons_named_at_phone("李梅", "13000000000") == []
    found = [(f.rule, f.household_id, f.refs[0].row) for f in quality.run_township(store, today=TODAY).findings]
    assert found == [("X005", b.id, 0), ("X005", b.id, 1)]
    assert [(f.rule, f.refs[0].row) for f in quality.check_households(store, [b.id], today=TODAY)] == [
        ("X005", 0), ("X005", 1)]


def test_cancel_stops_the_run_between_batches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quality, "BATCH", 2)
    for seed in range(6):
        save(store, full_household(store.spec, seed=seed))
    calls: list[tuple[int, int]] = []
    report = quality.run_township(store, progress=lambda d, t: calls.append((d, t)), cancelled=lambda: len(calls) > 1)
    assert report.cancelled and report.households == 2 and calls == [(0, 6), (2, 6)]
    calls.clear()
    report = quality.run_township(store, progress=lambda d, t: calls.append((d, t)))
    assert not report.cancelled and calls == [(0, 6), (2, 6), (4, 6), (6, 6)]


# -- the household editor's live checks --------------------------------------------------------------------
def test_editor_validation_sees_the_other_households(store: Store) -> None:
    first = save(store, full_household(store.spec, seed=1))
    new = full_household(store.spec, seed=2, number=first.fields["number"])
    new.members[1].fields.update({k: first.members[1].get(k) for k in ("name", "id_number", "birth_date", "sex")})
    rules = {f.rule for f in services.validate(store, new)}
    assert {"X001", "X002"} <= rules
    result = services.save_household(store, new)
    assert not result.ok  # one person in two households blocks the save
    assert services.validate(store, store.households.get(first.id)) == []  # itself is no duplicate


def test_editor_validation_reads_the_countys_policy(store: Store) -> None:
    hh = full_household(store.spec)
    hh.fields["exclusions"] = ["土地撂荒"]
    assert services.validate(store, hh) == []
    store.policy.put(Policy(exclusions=("土地撂荒",)), "测试")
    assert [f.rule for f in services.validate(store, hh)] == ["E001"]


def test_editor_never_reports_the_stored_size_of_the_household_being_edited(store: Store) -> None:
    hh = save(store, full_household(store.spec))
    hh.members.pop()  # 3 stored, 2 after the edit: not a finding, saving updates it
    assert StoreRecords(store.db).declared_size(hh.id) is None
    assert "X003" not in {f.rule for f in services.validate(store, hh)}


# -- Excel --------------------------------------------------------------------------------------------
def test_export_xlsx_one_sheet_with_chinese_headers(store: Store, tmp_path: Path) -> None:
    township(store)
    findings = quality.run_township(store, today=TODAY).findings
    path = quality.export_xlsx(findings, tmp_path / "out" / "问题清单.xlsx")
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 1
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == ("村", "组", "户编号", "户主", "成员", "规则", "严重程度", "问题说明")
    assert len(rows) == len(findings) + 1
    first = findings[0]
    assert rows[1] == (first.village, first.group, first.household_number, first.head_name,
                       first.member_name or None, f"{first.rule} {quality.rule_titles()[first.rule]}", "错误",
                       first.message)
    assert all(isinstance(r[2], str) for r in rows[1:])  # 户编号 stays text


def test_export_xlsx_to_an_unwritable_place_explains(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "已存在的文件夹.xlsx"
    folder.mkdir()
    with pytest.raises(StoreError, match="无法写入"):
        quality.export_xlsx([], folder)


# -- the policy profile in the store and as a file ---------------------------------------------------------
def test_policy_is_stored_audited_and_defaults_when_unset(store: Store) -> None:
    assert store.policy.get() == Policy() and not store.policy.is_set()
    changed = Policy(publicity_days=5, exclusions=("土地撂荒",)).with_line("省定标准", 2016, Decimal(3100))
    store.policy.put(changed, "张会计")
    with Store(store.path) as fresh:
        assert fresh.policy.get() == changed and fresh.policy.is_set()
    rows = store.db.query("SELECT operator, field, old, new FROM audit WHERE entity = 'policy' ORDER BY field")
    assert [(r["operator"], r["field"]) for r in rows] == [
        ("张会计", "exclusions"), ("张会计", "income_lines"), ("张会计", "publicity_days")]
    assert json.loads(rows[2]["old"]) == 7 and json.loads(rows[2]["new"]) == 5
    store.policy.reset("张会计")
    assert store.policy.get() == Policy()


def test_a_damaged_stored_policy_is_reported_not_guessed(store: Store) -> None:
    from fupin_desktop.store import settings

    settings.POLICY.put(store.db, json.dumps({"publicity_days": "七天"}))
    with pytest.raises(StoreError, match="政策参数"):
        store.policy.get()
    settings.POLICY.put(store.db, json.dumps({"publicity_days": 5, "added_by_a_newer_version": 1}))
    assert store.policy.get().publicity_days == 5


def test_policy_file_round_trip_between_townships(store: Store, tmp_path: Path) -> None:
    store.policy.put(Policy(wubao_in_scope=False, publicity_days=5), "测试")
    path = quality.export_policy(store, tmp_path / "青川县政策参数.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["township"]["name"] == "茶坝乡" and doc["township"]["villages"][0]["name"] == "炉场村"
    with make_store(tmp_path, "other.db") as other:
        policy, source = quality.import_policy(other, path)
        assert other.policy.get() == policy and policy.publicity_days == 5 and source["county"] == "青川县"
        assert [v.name for v in other.townships.villages()] == ["炉场村", "兴龙村", "青新村"]  # untouched


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "不是有效的 JSON"),
    ('{"format": "fupin-policy", "policy": {"publicity_days": 99}}', "1-60"),
    ('{"format": "fupin-batch"}', "不是政策参数文件"),
])
def test_policy_import_refuses_bad_files_and_keeps_the_old_profile(
        store: Store, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoreError, match=message):
        quality.import_policy(store, path)
    assert not store.policy.is_set()


# -- the command --------------------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_json_contract_and_strict_exit_code(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    hs = township(store)
    db = str(store.path)
    code, out, _ = run(capsys, "validate", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["counts"] == {"error": 6, "warning": 0} and data["households"] == 5
    first = data["findings"][0]
    assert {"rule", "severity", "household_id", "household_number", "member_name", "fields", "message"} <= set(first)
    assert first["household_id"] == hs["a"].id and first["member_name"] == "李梅"
    assert first["fields"] == ["members[1].id_number"]
    code, _, err = run(capsys, "validate", "--db", db, "--strict")
    assert code == 1 and "错误 6 条" in err
    code, out, _ = run(capsys, "validate", "--db", db, "--village", "青新村", "--strict", "--json")
    assert code == 0 and json.loads(out)["findings"] == []


def test_validate_text_and_xlsx(store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    township(store)
    xlsx = tmp_path / "问题.xlsx"
    code, out, err = run(capsys, "validate", "--db", str(store.path), "--xlsx", str(xlsx))
    assert code == 0 and out.count("［错误］") == 6 and "X001 同一人在两户在册" in out
    assert "共检查 5 户" in err and xlsx.exists()


def test_validate_unknown_village_or_database(store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", "--db", str(store.path), "--village", "外乡村")
    assert code == 2 and "本乡没有“外乡村”" in err and "炉场村" in err
    code, _, err = run(capsys, "validate", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "不存在" in err


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--json")
    rules = json.loads(out)
    assert code == 0 and rules[0] == {"rule": "F001", "severity": "error", "title": "字段填写",
                                      "national": ["空项 1", "空项 2", "空项 10", "身份 1", "身份 5", "范围 6"]}
    assert {"I003", "X001", "E001"} <= {r["rule"] for r in rules}


def test_policy_commands(store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(store.path)
    code, out, _ = run(capsys, "policy", "show", "--db", db)
    assert code == 0 and "2015年 2855" in out and "尚未设置" in out
    code, out, err = run(capsys, "policy", "set", "--db", db, "--line", "省定标准:2016:3100", "--standard", "省定标准",
                         "--wubao-in-scope", "否", "--publicity-days", "5", "--exclusions", "土地撂荒,dbxd",
                         "--limit", "forest_per_person=120", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["income_lines"]["省定标准"] == {"2016": 3100} and data["standard"] == "省定标准"
    assert data["wubao_in_scope"] is False and data["publicity_days"] == 5
    assert data["exclusions"] == ["土地撂荒", "赌博吸毒等违法"] and data["limits"]["forest_per_person"] == 120
    path = tmp_path / "p.json"
    assert run(capsys, "policy", "export", str(path), "--db", db)[0] == 0
    assert run(capsys, "policy", "reset", "--db", db)[0] == 0
    assert store.policy.get() == Policy()
    code, out, _ = run(capsys, "policy", "import", str(path), "--db", db)
    assert code == 0 and "来自 青川县茶坝乡" in out and store.policy.get().publicity_days == 5
    code, _, err = run(capsys, "policy", "set", "--db", db, "--publicity-days", "0")
    assert code == 2 and "公示天数" in err and store.policy.get().publicity_days == 5
    code, _, err = run(capsys, "policy", "set", "--db", db, "--line", "2016:3100")
    assert code == 2 and "标准:年度:金额" in err
    code, _, err = run(capsys, "policy", "set", "--db", db, "--remove-line", "市定标准:2016")
    assert code == 2 and "没有 2016 年" in err

