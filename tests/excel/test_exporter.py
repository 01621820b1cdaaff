"""Points 8-10 of the Excel issue: layouts, safe cells, and export -> import gives back the same."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.exporter import NATIONAL_SHEET, export_workbook
from fupin_desktop.excel.importer import import_file
from fupin_desktop.services import household_json
from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

DOMAIN_7 = ["县", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数", "与户主关系", "民族",
            "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "是否参加大病保险", "脱贫属性",
            "脱贫年度", "贫困户属性", "主要致贫原因", "危房户", "饮水安全", "饮水困难", "人均纯收入", "户联系电话"]
INJECTIONS = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+2", "-3+4", "@SUM(A1)", "\t=1+1", "\r=2"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path, "source.db")
    for seed, (village, group) in enumerate([("炉场村", "一组"), ("兴龙村", "三组"), ("炉场村", "二组")], start=1):
        s.households.save(full_household(s.spec, village=village, group=group, seed=seed), s.operator)
    yield s
    s.close()


def comparable(store: Store) -> dict[str, dict]:
    out = {}
    for i in store.households.ids():
        data = household_json(store.households.get(i), store.spec)
        for key in ("id", "revision", "updated_at"):
            data["household"].pop(key)
        out[data["household"]["uuid"]] = data
    return out


def test_national_layout(store: Store, tmp_path: Path) -> None:
    result = export_workbook(store, tmp_path / "花名册.xlsx", "national", today=date(2016, 12, 31))
    assert (result.households, result.persons) == (3, 9)
    wb = openpyxl.load_workbook(tmp_path / "花名册.xlsx")
    assert wb.sheetnames == [NATIONAL_SHEET]
    ws = wb[NATIONAL_SHEET]
    assert "茶坝乡" in ws["A1"].value and "花名册" in ws["A1"].value
    assert ws["A2"].value.startswith("导出日期：2016-12-31") and "3 户 9 人" in ws["A2"].value
    assert [c.value for c in ws[3]] == DOMAIN_7
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:Z12"
    assert ws[3][0].font.b
    assert ws.column_dimensions["H"].width >= 20  # 证件号码
    id_cell = ws.cell(4, DOMAIN_7.index("证件号码") + 1)
    assert id_cell.data_type == "s" and len(id_cell.value) == 18  # text, never a number
    assert ws.cell(4, DOMAIN_7.index("与户主关系") + 1).value == "户主"  # labels, not codes
    assert isinstance(ws.cell(4, DOMAIN_7.index("人数") + 1).value, int)
    assert isinstance(ws.cell(4, DOMAIN_7.index("人均纯收入") + 1).value, (int, float))  # numbers stay numbers


def test_full_layout_round_trip_into_an_empty_township_is_exact(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "完整.xlsx"
    result = export_workbook(store, path, "full")
    assert result.sheets == [hdr.FULL_HOUSEHOLD_SHEET, "家庭成员", "帮扶责任人", "帮扶计划", "帮扶措施", "帮扶成效"]
    empty = make_store(tmp_path, "empty.db")
    report, _ = import_file(empty, path)
    assert report.rejected == 0 and report.created == 3
    assert comparable(empty) == comparable(store)
    again, _ = import_file(empty, path)  # and a second import changes nothing
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)
    assert comparable(empty) == comparable(store)
    assert empty.db.query_one("SELECT MAX(revision) FROM households")[0] == 1
    empty.close()


def test_an_empty_optional_sheet_of_the_full_layout_is_skipped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "完整.xlsx"
    export_workbook(store, path, "full")
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index("帮扶成效")
    wb.remove(wb["帮扶成效"])
    wb.create_sheet("帮扶成效", index)  # the sheet is there, with no cell at all (EmptySheet, skipped)
    wb.save(path)
    empty = make_store(tmp_path, "empty.db")
    report, _ = import_file(empty, path)
    assert report.rejected == 0 and report.created == 3
    empty.close()


def test_national_round_trip_keeps_what_the_layout_carries(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "花名册.xlsx"
    export_workbook(store, path, "national")
    empty = make_store(tmp_path, "empty.db")
    report, _ = import_file(empty, path)
    assert report.rejected == 0 and report.created == 3
    carried = ["name", "id_number", "sex", "birth_date", "relation", "ethnicity", "education", "school_status",
               "health", "labor_skill", "work_months", "in_critical"]
    for original in (store.households.get(i) for i in store.households.ids()):
        number = original.fields["number"]
        copy = empty.households.get(empty.households.ids_by_number([number])[number][0])
        for key in ("village", "group", "exit_flag", "household_type", "main_cause", "dilapidated",
                    "drinking_safe", "drinking_difficult", "phone"):
            assert copy.fields[key] == original.fields[key], key
        assert [[m.get(k) for k in carried] for m in copy.members] == [
            [m.get(k) for k in carried] for m in original.current_members]
    empty.close()


def test_text_that_looks_like_a_formula_is_written_as_text(store: Store, tmp_path: Path) -> None:
    hh = store.households.get(store.households.ids()[0])
    hh.fields["bank"] = INJECTIONS[0]
    hh.fields["cause_note"] = INJECTIONS[1]
    for row, text in zip(hh.helpers + hh.measures, INJECTIONS[2:], strict=False):
        row.fields["position" if row in hh.helpers else "fund_source"] = text
    hh.members[0].fields["name"] = "@张三"
    store.households.save(hh, store.operator)
    path = tmp_path / "完整.xlsx"
    export_workbook(store, path, "full")
    with zipfile.ZipFile(path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
        styles = z.read("xl/styles.xml")
    assert b"<f>" not in xml and b"<f " not in xml  # no formula anywhere
    assert b'quotePrefix="1"' in styles
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value in INJECTIONS]
    assert {c.value for c in cells} >= {INJECTIONS[0], INJECTIONS[1]}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    money = wb[hdr.FULL_HOUSEHOLD_SHEET]
    wage = [c.value for c in money[3]].index("工资性收入") + 1
    assert isinstance(money.cell(4, wage).value, (int, float))  # numbers stay numbers
    empty = make_store(tmp_path, "empty.db")
    import_file(empty, path)
    back = empty.households.get(empty.households.id_for_uuid(hh.uuid))
    assert back.fields["bank"] == INJECTIONS[0] and back.fields["cause_note"] == INJECTIONS[1]
    assert back.members[0].get("name") == "@张三"
    empty.close()


def test_template_is_blank_with_drop_downs_and_imports_once_filled(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    result = export_workbook(store, path, "template")
    assert result.households == 0
    wb = openpyxl.load_workbook(path)
    assert wb["代码表"].sheet_state == "hidden"
    ws = wb[hdr.FULL_HOUSEHOLD_SHEET]
    assert ws.max_row == 3 and ws.freeze_panes == "A4"
    header = [c.value for c in ws[3]]
    assert "户主姓名" not in header and "省" not in header  # nothing computed or township-wide to fill
    assert any("代码表" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    members = wb["家庭成员"]
    member_header = [c.value for c in members[3]]

    def fill(sheet: openpyxl.worksheet.worksheet.Worksheet, names: list, values: dict) -> None:
        sheet.append([values.get(n) for n in names])

    fill(ws, header, {"行政村": "青新村", "自然村/村民小组": "四组", "户编号": "T-1", "识别标准": "国家标准"})
    fill(members, member_header, {"户编号": "T-1", "姓名": "王五", "证件号码": make_id("510822", date(1980, 1, 1), 11),
                                  "与户主关系": "户主"})
    fill(members, member_header, {"户编号": "T-1", "姓名": "王小五", "证件号码": make_id("510822", date(2010, 1, 1), 13),
                                  "与户主关系": "之子"})
    wb.save(path)
    report, _ = import_file(store, path)
    assert report.created == 1
    ids = store.households.ids_by_number(["T-1"])["T-1"]
    hh = store.households.get(ids[0])
    assert [m.get("name") for m in hh.members] == ["王五", "王小五"] and hh.fields["standard"] == "国家标准"
    assert report.rejected == 0


def test_export_one_village(store: Store, tmp_path: Path) -> None:
    result = export_workbook(store, tmp_path / "兴龙村.xlsx", "national", village="兴龙村")
    assert result.households == 1
    ws = openpyxl.load_workbook(tmp_path / "兴龙村.xlsx")[NATIONAL_SHEET]
    assert {ws.cell(r, 3).value for r in range(4, ws.max_row + 1)} == {"兴龙村"}


def test_numbers_and_dates_keep_their_types_in_full(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "完整.xlsx"
    export_workbook(store, path, "full")
    ws = openpyxl.load_workbook(path)["家庭成员"]
    header = [c.value for c in ws[3]]
    birth = ws.cell(4, header.index("出生日期") + 1)
    assert birth.is_date
    hh = store.households.get(store.households.ids()[0])
    assert Decimal(str(openpyxl.load_workbook(path)[hdr.FULL_HOUSEHOLD_SHEET].cell(
        4, [c.value for c in openpyxl.load_workbook(path)[hdr.FULL_HOUSEHOLD_SHEET][3]].index("耕地面积") + 1
    ).value)) == hh.fields["farmland"]


def test_digits_that_are_text_stay_text_when_retyped_and_fit_their_columns(store: Store, tmp_path: Path) -> None:
    """ID numbers, phones, accounts, 户编号 and 人编号: text cells formatted "@" (文本), so a number the
    clerk retypes in Excel or WPS keeps all its digits; their columns are wide enough to show them."""
    export_workbook(store, tmp_path / "花名册.xlsx", "national")
    ws = openpyxl.load_workbook(tmp_path / "花名册.xlsx")[NATIONAL_SHEET]
    for header in ("户编号", "人编号", "证件号码", "户联系电话"):
        column = DOMAIN_7.index(header) + 1
        letter = openpyxl.utils.get_column_letter(column)
        cells = [ws.cell(r, column) for r in range(4, ws.max_row + 1)]
        assert all(c.data_type == "s" and c.number_format == "@" for c in cells if c.value), header
        longest = max(len(c.value) for c in cells if c.value)
        assert ws.column_dimensions[letter].width >= longest + 1, header
    assert ws.cell(4, DOMAIN_7.index("姓名") + 1).number_format == "General"
    export_workbook(store, tmp_path / "完整.xlsx", "full")
    full = openpyxl.load_workbook(tmp_path / "完整.xlsx")
    households = full[hdr.FULL_HOUSEHOLD_SHEET]
    header = [c.value for c in households[3]]
    for name in ("户编号", "联系电话", "户主证件号码", "银行账号"):
        column = header.index(name) + 1
        assert households.cell(4, column).number_format == "@", name
        letter = openpyxl.utils.get_column_letter(column)
        assert households.column_dimensions[letter].width > len(households.cell(4, column).value), name
    assert households.cell(4, header.index("耕地面积") + 1).number_format != "@"
    members = full["家庭成员"]
    assert members.cell(4, [c.value for c in members[3]].index("证件号码") + 1).number_format == "@"
