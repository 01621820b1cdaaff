"""A roster written with the national system's headers and code numbers (NATIONAL.md §1, §4),
imported from a real .xlsx: every national number gives the national value, the national
headers map, and 人编号 matches a member on re-import before the ID number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.importer import import_file, read_source
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store
from tests.excel import files
from tests.helpers import make_store
from tests.test_national_codes import FIELD_OF, NATIONAL

HEADERS = ["县(市、区、旗)", "乡", "行政村", "自然村", "户编号", "人编号", "年度", "姓名", "证件号码", "人数",
           "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况", "务工时间（月）",
           "务工所在地", "务工企业名称", "成员联系电话", "是否参加大病保险",
           "是否参加新型农村合作医疗（城乡居民基本医疗保险）", "脱贫属性", "脱贫年度", "贫困户属性", "主要致贫原因",
           "危房户", "饮水安全", "饮水困难", "户联系电话"]
MEMBER_COLUMNS = {"relation": "与户主关系", "ethnicity": "民族", "education": "文化程度",
                  "school_status": "在校生状况", "health": "健康状况", "labor_skill": "劳动技能",
                  "work_status": "务工状况"}
HOUSEHOLD_COLUMNS = {"exit_flag": "脱贫属性", "household_type": "贫困户属性", "main_cause": "主要致贫原因"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path, "township.db")
    yield s
    s.close()


def roster_row(number: str, person: str, name: str, id_number: str, **cells: object) -> list[object]:
    row = {h: None for h in HEADERS}
    row.update({"县(市、区、旗)": "青川县", "乡": "茶坝乡", "行政村": "炉场村", "自然村": "一组", "户编号": number,
                "人编号": person, "年度": 2016, "姓名": name, "证件号码": id_number, "人数": 1, "与户主关系": "01",
                "民族": "01", "健康状况": "01", "脱贫属性": "0", "贫困户属性": "01", "主要致贫原因": "01",
                "危房户": "0", "饮水安全": "1", "饮水困难": "0"})
    row.update(cells)
    return [row[h] for h in HEADERS]


def test_the_national_headers_map_to_the_spec(store: Store, tmp_path: Path) -> None:
    path = files.write_plain_xlsx(tmp_path / "r.xlsx", [HEADERS, roster_row("N1", "P1", "张三", make_id("510822", date(1970, 1, 1), 1))])
    source = read_source(store, path)
    mapping = dict(zip(HEADERS, source.main.mapping, strict=False))
    assert {k: v for k, v in mapping.items() if v is None} == {}, "every national header maps"
    assert mapping["人编号"] == "members.person_number" and mapping["年度"] == "household.year"
    assert mapping["乡"] == "household.township" and mapping["县(市、区、旗)"] == "household.county"
    assert mapping["务工所在地"] == "members.work_place" and mapping["务工企业名称"] == "members.work_company"
    assert mapping["成员联系电话"] == "members.phone" and mapping["户联系电话"] == "household.phone"
    assert mapping["是否参加新型农村合作医疗（城乡居民基本医疗保险）"] == "members.in_ncms"
    assert mapping["脱贫年度"] == "household.exit_year"
    targets = {t.key: t for t in hdr.targets(store.spec, hdr.ROSTER)}
    assert targets["members.person_number"].is_text  # long digits stay text


def national_rows() -> list[list[object]]:
    """One household per national number of each list typed in a roster column."""
    rows: list[list[object]] = [HEADERS]
    n = 0
    for field_id, header in {**MEMBER_COLUMNS, **HOUSEHOLD_COLUMNS}.items():
        list_id = next(k for k, (_, f) in FIELD_OF.items() if f == field_id)
        for number, _value in NATIONAL[list_id]:
            n += 1
            cells: dict[str, object] = {header: number}
            if field_id == "relation" and number not in ("01",):
                continue  # one person per household: the 户主 (other relations are typed in the form tests)
            rows.append(roster_row(f"N{n:03d}", f"P{n:03d}", "张三", make_id("510822", date(1970, 1, 1), n % 999),
                                   **cells))
    return rows


def test_every_national_number_imports_as_the_national_value(store: Store, tmp_path: Path) -> None:
    rows = national_rows()
    path = files.write_plain_xlsx(tmp_path / "national.xlsx", rows)
    report, _ = import_file(store, path)
    assert report.rejected == 0
    by_number = {s.number: s for s in store.households.summaries(store.households.ids())}
    index = {h: i for i, h in enumerate(HEADERS)}
    checked = 0
    for row in rows[1:]:
        hh = store.households.get(by_number[str(row[index["户编号"]])].id)
        for field_id, header in {**MEMBER_COLUMNS, **HOUSEHOLD_COLUMNS}.items():
            list_id = next(k for k, (_, f) in FIELD_OF.items() if f == field_id)
            expected = dict(NATIONAL[list_id])[str(row[index[header]])] if row[index[header]] is not None else None
            if expected is None:
                continue
            got = hh.members[0].get(field_id) if field_id in MEMBER_COLUMNS else hh.fields.get(field_id)
            assert got == expected, (header, row[index[header]], got)
            checked += 1
    assert checked >= 60


def test_relation_numbers_in_a_national_roster_and_under_the_gbt4761_profile(store: Store, tmp_path: Path) -> None:
    head, wife = make_id("510822", date(1970, 1, 1), 11), make_id("510822", date(1972, 2, 2), 22)
    rows = [HEADERS, roster_row("N1", "P1", "张三", head), roster_row("N1", "P2", "李四", wife, **{"与户主关系": "02"})]
    import_file(store, files.write_plain_xlsx(tmp_path / "a.xlsx", rows))
    [hid] = store.households.ids()
    assert [m.get("relation") for m in store.households.get(hid).members] == ["户主", "配偶"]
    store.policy.put(Policy(relation_numbering="gbt4761"), "测试")
    rows = [HEADERS, roster_row("N2", "P3", "王五", make_id("510822", date(1960, 3, 3), 33), **{"与户主关系": "02"}),
            roster_row("N2", "P4", "赵六", make_id("510822", date(1962, 4, 4), 44), **{"与户主关系": "10"})]
    import_file(store, files.write_plain_xlsx(tmp_path / "b.xlsx", rows))
    hh = next(store.households.get(i) for i in store.households.ids() if i != hid)
    assert [m.get("relation") for m in hh.members] == ["户主", "配偶"]  # GB/T 4761: 02 户主, 10 配偶


def test_person_number_matches_a_member_on_reimport_before_the_id_number(store: Store, tmp_path: Path) -> None:
    """The ID number was corrected in the national system: 人编号 still names the same person."""
    old_id, new_id = make_id("510822", date(1970, 1, 1), 11), make_id("510822", date(1970, 1, 1), 13)
    first = [HEADERS, roster_row("N1", "510822105001000100101", "张三", old_id)]
    import_file(store, files.write_plain_xlsx(tmp_path / "a.xlsx", first))
    [hid] = store.households.ids()
    before = store.households.get(hid).members[0]
    assert before.get("person_number") == "510822105001000100101"
    again = [HEADERS, roster_row("N1", "510822105001000100101", "张三", new_id)]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "b.xlsx", again))
    assert report.rejected == 0 and report.created == 0
    [member] = store.households.get(hid).members
    assert member.uuid == before.uuid and member.get("id_number") == new_id


def test_hdr_text_fields_include_the_person_number() -> None:
    from fupin_desktop.formspec import load_form

    members = load_form("household").table("members")
    assert hdr.is_text_field(next(f for f in members.fields if f.id == "person_number"))
