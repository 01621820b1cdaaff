"""Points 1-6 of the Excel issue: a messy county roster comes in; rejected rows come back out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.domain.idnumber import upgrade_15
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.importer import ImportCancelled, commit, import_file, read_source, stage
from fupin_desktop.store import Store
from tests.excel import files
from tests.excel.files import N1, N2, N3, N10
from tests.helpers import full_household, make_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    # Someone already registered: 唐永福 (HEAD10) belongs to another household.
    other = full_household(s.spec, village="兴龙村", group="一组", seed=5, number="5108221059999999")
    other.members[0].fields.update(id_number=files.HEAD10, birth_date=date(1973, 5, 18), sex="男")
    s.households.save(other, s.operator)
    yield s
    s.close()


def by_number(store: Store, number: str):  # type: ignore[no-untyped-def]
    ids = store.households.ids_by_number([number]).get(number, [])
    assert len(ids) == 1, f"{number}: {ids}"
    return store.households.get(ids[0])


def test_header_found_under_title_rows_in_a_merged_two_row_header(store: Store, tmp_path: Path) -> None:
    source = read_source(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    sheet = source.main
    assert source.layout == "roster"
    assert (sheet.header.top, sheet.header.height, sheet.header.data_start) == (2, 2, 4)
    mapped = dict(zip(sheet.header.names, sheet.mapping, strict=True))
    assert mapped["户编号"] == "household.number"  # merged down both header rows
    assert mapped["姓 名"] == "members.name"  # under the merged group title 家庭成员信息
    assert mapped["身份证号码"] == "members.id_number"  # an alias from the spec
    assert mapped["乡（镇）"] == "household.township"
    assert mapped["村民小组"] == "household.group"
    assert mapped["是否参加新农合"] == "members.in_ncms"
    assert mapped["序号"] is None


def test_every_row_gets_a_status_and_reasons_with_its_own_row_number(store: Store, tmp_path: Path) -> None:
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    statuses = {}
    for r in report.rows:
        statuses.setdefault(r.household_number, set()).add(r.status)
    assert statuses[N1] == {"warning"}  # its ID cell held a zero-width space, removed
    assert statuses[N2] == {"warning"}
    for number, status in files.STATUS_BY_HOUSEHOLD.items():
        if status == "rejected":
            assert statuses[number] == {"rejected"}, number
    rows = {r.row: r for r in report.rows}
    assert sorted(rows) == list(range(files.FIRST_DATA_ROW, files.FIRST_DATA_ROW + 17))  # footer skipped
    assert "被 Excel 存成了数字" in rows[10].reasons[0]
    assert "校验码" in rows[12].reasons[0]
    assert "只能有一位户主" in rows[13].reasons[0] and "只能有一位户主" in rows[14].reasons[0]
    assert "没有“户主”" in rows[15].reasons[0]
    assert "本乡没有“火星村”" in rows[16].reasons[0]
    assert "出现了 2 次" in rows[18].reasons[0] and "出现了 2 次" in rows[20].reasons[0]
    assert "同户其他行有错误" in rows[17].reasons[0]
    assert "已登记在" in rows[21].reasons[0] and "5108221059999999" in rows[21].reasons[0]
    assert any("五组" in m and "新增" in m for m in rows[8].reasons)
    assert rows[5].reasons == ["“身份证号码”列含有不可见的控制字符（U+200B），已去掉"]  # names its column
    assert (report.imported, report.warnings, report.rejected, report.updated) == (0, 2, 8, 0)
    assert report.groups_added == ["兴龙村五组"]
    assert any("识别标准" in n for n in report.notes)  # required fields the roster does not carry


def test_messy_values_are_normalised_and_names_kept_exactly(store: Store, tmp_path: Path) -> None:
    import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    hh = by_number(store, N1)
    head, wife, father = hh.members
    assert head.get("name") == f"{files.RARE}祥"  # non-BMP kept, edge spaces trimmed
    assert wife.get("name") == "阿依古丽·买买提"  # the middle dot kept
    assert head.get("id_number") == files.HEAD1  # full-width digits and a zero-width space
    assert wife.get("id_number") == files.WIFE1 and wife.get("id_number").endswith("X")  # lowercase x
    assert father.get("id_number") == upgrade_15(files.OLD15)  # 15 digits upgraded
    assert (head.get("sex"), wife.get("sex")) == ("男", "女")  # missing 性别 from the ID
    assert head.get("birth_date") == date(1968, 3, 15)  # derived from the ID
    assert wife.get("birth_date") == date(1970, 8, 9)  # an Excel date cell
    assert father.get("birth_date") == date(1940, 3, 15)  # text "1940-3-15"
    assert (head.get("relation"), wife.get("relation")) == ("户主", "配偶")  # 本人, 妻
    assert wife.get("ethnicity") == "维吾尔族"  # an alias
    assert father.get("ethnicity") == "汉族"  # a code number
    assert head.get("health") == "健康"  # code "1"
    assert (head.get("in_ncms"), head.get("in_pension"), head.get("in_critical")) == (True, True, True)  # √ 已参加 Y
    assert (wife.get("in_pension"), wife.get("in_critical"), father.get("in_critical")) == (False, False, False)
    assert hh.fields["household_type"] == "一般贫困户"  # alias 一般户
    assert hh.fields["main_cause"] == "缺技术"  # code 07
    assert hh.fields["phone"] == "13912345678"
    assert hh.fields["village"] == "炉场村" and hh.fields["group"] == "一组"


def test_an_id_stored_as_a_number_is_never_stored(store: Store, tmp_path: Path) -> None:
    import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    assert store.households.ids_by_number([N3]) == {}
    truncated = str(int(float(files.HEAD3)))
    assert truncated != files.HEAD3
    assert store.households.households_of_persons([truncated, files.HEAD3]) == {}


def test_unknown_group_is_added_and_reported(store: Store, tmp_path: Path) -> None:
    import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    assert "五组" in store.townships.village_by_name("兴龙村").groups
    assert by_number(store, N2).fields["group"] == "五组"


def test_the_person_already_in_another_household_is_not_moved(store: Store, tmp_path: Path) -> None:
    import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    assert store.households.ids_by_number([N10]) == {}
    assert [h for h, _ in store.households.households_of_persons([files.HEAD10])[files.HEAD10]] == [
        by_number(store, "5108221059999999").id]


def test_reimport_updates_the_same_households_never_duplicates(store: Store, tmp_path: Path) -> None:
    path = files.write_messy_roster(tmp_path / "r.xlsx")
    import_file(store, path)
    ids = sorted(store.households.ids())
    members = {i: [m.uuid for m in store.households.get(i).members] for i in ids}
    report, _ = import_file(store, path)
    assert sorted(store.households.ids()) == ids
    assert {i: [m.uuid for m in store.households.get(i).members] for i in ids} == members
    assert (report.created, report.changed, report.unchanged) == (0, 0, 2)  # the same file changes nothing
    assert {r.status for r in report.rows if r.household_number in (N1, N2)} == {"unchanged"}


def test_reimport_without_household_numbers_matches_by_id_numbers(store: Store, tmp_path: Path) -> None:
    rows = [r[:4] + [""] + r[5:] for r in files.roster_rows()[:5]]  # 户编号 left empty: grouped by 户主 rows
    path = files.write_messy_roster(tmp_path / "r.xlsx", rows)
    first, _ = import_file(store, path)
    assert first.created == 2
    again, _ = import_file(store, path)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    assert store.households.count() == 3


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    audit = store.db.query_one("SELECT COUNT(*) FROM audit")[0]
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"), dry_run=True)
    assert report.dry_run and report.created == 2
    assert store.households.count() == 1
    assert "五组" not in store.townships.village_by_name("兴龙村").groups
    assert store.db.query_one("SELECT COUNT(*) FROM audit")[0] == audit


def test_cancel_at_any_point_writes_nothing(store: Store, tmp_path: Path) -> None:
    """All households go in one transaction: a cancel after the last save still rolls back."""
    source = read_source(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    plan = stage(store, source)
    audit = store.db.query_one("SELECT COUNT(*) FROM audit")[0]
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2  # after both accepted households were saved

    with pytest.raises(ImportCancelled):
        commit(store, plan, cancelled=cancelled)
    assert store.households.count() == 1
    assert "五组" not in store.townships.village_by_name("兴龙村").groups
    assert store.db.query_one("SELECT COUNT(*) FROM audit")[0] == audit


def test_fix_the_error_workbook_and_import_it_again(store: Store, tmp_path: Path) -> None:
    report, plan = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    errors = tmp_path / "未导入.xlsx"
    assert write_error_workbook(plan, report, errors) == 12
    wb = openpyxl.load_workbook(errors)
    ws = wb["花名册"]
    header = [c.value for c in ws[2]]
    assert header[-2:] == [hdr.SOURCE_ROW_LABEL, hdr.REASON_LABEL]
    col = {name: i + 1 for i, name in enumerate(header)}
    rows = {ws.cell(r, col["原行号"]).value: r for r in range(3, ws.max_row + 1)}
    assert set(rows) == {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}
    assert ws.cell(rows[10], col["身份证号码"]).value == float(files.HEAD3)  # as it was: a number
    # ... in a text ("@") cell, like every ID number and 户编号 there: what the clerk retypes stays text.
    assert {ws.cell(r, col[name]).number_format for r in rows.values() for name in ("身份证号码", "户编号")} == {"@"}
    assert ws.cell(rows[10], col["姓 名"]).number_format == "General"
    assert "存成了数字" in ws.cell(rows[10], col["错误原因"]).value

    def put(row: int, name: str, value: object) -> None:
        cell = ws.cell(rows[row], col[name])
        cell.value = value
        cell.data_type = "s" if isinstance(value, str) else cell.data_type

    put(10, "身份证号码", files.HEAD3)  # retyped as text
    put(12, "身份证号码", files.HEAD4_BAD[:-1] + "7")  # the check character the message named
    put(14, "与户主关系", "之子")  # one 户主 only
    put(15, "与户主关系", "户主")  # the household had none
    put(16, "行政村", "炉场村")  # a village of this township
    put(20, "身份证号码", files.make_id("510822", date(1998, 3, 16), 152))  # the other person
    ws.delete_rows(rows[21])  # 唐永福 is already registered: his row is dropped
    wb.save(errors)

    again, _ = import_file(store, errors)
    assert again.rejected == 0, [r.reasons for r in again.rows if r.status == "rejected"]
    assert again.created == 7
    assert store.households.count() == 1 + 2 + 7
    assert by_number(store, N3).members[0].get("id_number") == files.HEAD3


def test_remembered_mapping_is_used_for_files_of_the_same_layout(store: Store, tmp_path: Path) -> None:
    rows = [["名字", "身份证号", "与户主关系", "行政村", "组", "户号"],
            ["张三", files.HEAD2, "户主", "炉场村", "一组", "A1"]]
    first = files.write_plain_xlsx(tmp_path / "a.xlsx", rows)
    source = read_source(store, first)
    assert source.main.mapping[0] is None  # 名字 is no known header
    source.main.mapping[0] = "members.name"  # the clerk corrects it
    import_file(store, first, source=source)
    assert by_number(store, "A1").members[0].get("name") == "张三"

    rows[1] = ["李四", files.HEAD3, "户主", "炉场村", "一组", "A2"]
    second = files.write_plain_xlsx(tmp_path / "b.xlsx", rows)
    again = read_source(store, second)
    assert again.main.remembered and again.main.mapping[0] == "members.name"
    import_file(store, second, source=again)
    assert by_number(store, "A2").members[0].get("name") == "李四"


def test_header_variants_and_one_row_per_household(store: Store, tmp_path: Path) -> None:
    """户主姓名 as the only name column, 证件号, 乡镇, 户编码, numbers and dates as Excel holds them."""
    rows = [["乡镇", "村", "社", "户编码", "户主姓名", "证件号", "人数", "脱贫属性", "危房户", "饮水安全"],
            ["茶坝乡", "炉场", "二组", "B1", "杨德明", files.HEAD5, 1, "1", "否", "√"]]
    path = files.write_plain_xlsx(tmp_path / "h.xlsx", rows)
    report, _ = import_file(store, path)
    assert report.rejected == 0
    hh = by_number(store, "B1")
    assert hh.fields["village"] == "炉场村"  # "炉场" resolves to the village
    assert hh.members[0].get("name") == "杨德明"
    assert hh.members[0].get("relation") == "户主"  # one row per household: its head
    assert hh.fields["exit_flag"] == "已脱贫（享受政策）"  # national code 1
    assert hh.fields["dilapidated"] is False
    assert hh.fields["drinking_safe"] is True


def test_another_townships_households_are_rejected(store: Store, tmp_path: Path) -> None:
    rows = [["乡(镇)", "行政村", "户编号", "姓名", "证件号码", "与户主关系"],
            ["石坝乡", "炉场村", "C1", "张三", files.HEAD5, "户主"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "t.xlsx", rows))
    assert report.rejected == 1 and "不是本乡" in report.rows[0].reasons[0]


def test_the_first_sheet_with_a_header_is_chosen_or_the_one_named(store: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按要求填写，不要合并单元格。"])
    for title, number in (("一村", "S1"), ("二村", "S2")):
        ws = wb.create_sheet(title)
        ws.append(["户编号", "姓名", "证件号码", "与户主关系", "行政村"])
        ws.append([number, "张三" if number == "S1" else "李四", files.HEAD5 if number == "S1" else files.HEAD7,
                   "户主", "炉场村"])
    path = tmp_path / "多表.xlsx"
    wb.save(path)
    assert read_source(store, path).main.name == "一村"
    report, _ = import_file(store, path, sheet="二村")
    assert report.created == 1 and store.households.ids_by_number(["S2"])
    assert not store.households.ids_by_number(["S1"])
    with pytest.raises(Exception, match="找不到表头"):
        read_source(store, path, sheet="填表说明")


def test_footer_rows_in_the_name_column_are_not_persons(store: Store, tmp_path: Path) -> None:
    """合计 and 填表人/审核人 lines under the table reach into the 姓名 column: still no persons."""
    rows = [["序号", "户编号", "姓名", "证件号码", "与户主关系", "行政村", "组"],
            [1, "F1", "张三", files.HEAD5, "户主", "炉场村", "一组"],
            [2, "F1", "张小三", files.SON5, "之子", "炉场村", "一组"],
            [],
            ["合计", None, "2人"],
            ["填表人：王五", None, "审核人：赵六", None, None, "填报日期：2016年12月31日"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "f.xlsx", rows))
    assert (report.created, report.rejected) == (1, 0), [r.reasons for r in report.rows]
    assert [r.row for r in report.rows] == [2, 3]
    assert [m.get("name") for m in by_number(store, "F1").members] == ["张三", "张小三"]


def test_township_and_groups_written_other_ways_are_this_townships(store: Store, tmp_path: Path) -> None:
    """茶坝 / 青川县茶坝乡 name this township; 1组, 01, 第二组, 2 name the villages' own groups."""
    rows = [["乡镇", "行政村", "组", "户编号", "姓名", "证件号码", "与户主关系"],
            ["茶坝", "炉场村", "1组", "G1", "张三", files.HEAD5, "户主"],
            ["青川县茶坝乡", "青川县茶坝乡炉场村", "01", "G2", "李四", files.HEAD7, "户主"],
            ["茶坝乡", "炉场", "第二组", "G3", "王五", files.HEAD8, "户主"],
            ["茶坝乡", "炉场村", "二组", "G3", "王小妹", files.TWICE, "之女"],
            ["茶坝乡", "炉场村", "2", "G3", "王二", files.HEAD9, "之父"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "g.xlsx", rows))
    assert (report.created, report.rejected, report.warnings) == (3, 0, 0), [r.reasons for r in report.rows]
    assert report.groups_added == []
    assert [by_number(store, n).fields["group"] for n in ("G1", "G2", "G3")] == ["一组", "一组", "二组"]
    assert store.townships.village_by_name("炉场村").groups == ["一组", "二组"]
    other = [["乡镇", "行政村", "户编号", "姓名", "证件号码", "与户主关系"],
             ["石茶坝乡", "炉场村", "G4", "赵六", files.HEAD10, "户主"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "o.xlsx", other))
    assert report.rejected == 1 and "不是本乡" in report.rows[0].reasons[0]


def test_a_person_listed_twice_in_one_household_is_said_once_with_the_files_rows(
        store: Store, tmp_path: Path) -> None:
    rows = [["户编号", "姓名", "证件号码", "与户主关系", "行政村"],
            ["D1", "张三", files.HEAD5, "户主", "炉场村"],
            ["D1", "张小三", files.SON5, "之子", "炉场村"],
            ["D1", "张小三", files.SON5, "之子", "炉场村"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "d.xlsx", rows))
    rows_by_number = {r.row: r for r in report.rows}
    assert report.rejected == 1
    for row in (3, 4):
        assert rows_by_number[row].reasons == [
            f"证件号码 {files.SON5} 在表中出现了 2 次（第 3 行、第 4 行），同一人又出现在本户"]


def test_the_summary_says_which_households_have_remarks(store: Store, tmp_path: Path) -> None:
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"), dry_run=True)
    assert report.summary().startswith("可导入：新增 2 户，更新 0 户（这 2 户中 2 户有提示），未导入 8 户")


def test_the_mapping_examples_skip_the_column_numbers_and_repeats(store: Store, tmp_path: Path) -> None:
    rows = [["序号", "户编号", "姓名", "证件号码", "与户主关系", "行政村"],
            [1, 2, 3, 4, 5, 6],
            [1, "E1", "张三", files.HEAD5, "户主", "炉场村"],
            [2, "E1", "张小三", files.SON5, "之子", "炉场村"]]
    sheet = read_source(store, files.write_plain_xlsx(tmp_path / "e.xlsx", rows)).main
    assert [sheet.samples(i) for i in range(3)] == [["1", "2"], ["E1"], ["张三", "张小三"]]
