"""Issue 12 item 6: ``--layout national`` writes the NATIONAL.md §4 roster with national labels or
code numbers; the file imports back unchanged (real .xlsx both ways, both ``--codes`` variants),
and a roster written with every national label imports without a rejected value."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.excel.exporter import NATIONAL_SHEET, export_workbook
from fupin_desktop.excel.importer import import_file
from fupin_desktop.store import Store
from tests.excel import files
from tests.helpers import full_household, make_store
from tests.test_national_codes import NATIONAL

NATIONAL_4 = ["县(市、区、旗)", "乡", "行政村", "自然村", "户编号", "人编号", "年度", "姓名", "证件号码", "人数",
              "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "务工所在地",
              "务工企业名称", "成员联系电话", "是否参加大病保险", "是否参加新型农村合作医疗（城乡居民基本医疗保险）",
              "脱贫属性", "脱贫年度", "贫困户属性", "主要致贫原因", "危房户", "饮水安全", "饮水困难", "人均纯收入",
              "户联系电话"]
HOUSEHOLD_CARRIED = ("county", "township", "village", "group", "number", "year", "exit_flag", "household_type",
                     "main_cause", "dilapidated", "drinking_safe", "drinking_difficult", "phone", "exit_year")
MEMBER_CARRIED = ("person_number", "name", "id_number", "id_type", "sex", "birth_date", "relation", "ethnicity",
                  "education", "school_status", "health", "labor_skill", "work_months", "work_place", "work_company",
                  "phone", "in_critical", "in_ncms")
DISABILITY_ID = make_id("510822", date(1960, 5, 6), 31) + "24"  # 残疾类别 2, 等级 4


def national(hh: Household, **fields: object) -> Household:
    hh.fields.update(fields)
    return hh


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path, "source.db")
    variants = [
        {"household_type": "低保户", "exit_flag": "已脱贫（享受政策）", "exit_year": 2017, "main_cause": "缺劳力"},
        {"household_type": "五保贫困户", "exit_flag": "未脱贫", "main_cause": "其它", "exit_year": None},
        {"household_type": "一般农户", "exit_flag": "已脱贫（不再享受政策）", "exit_year": 2016, "dilapidated": True},
        {"household_type": "低保贫困户", "exit_flag": "返贫", "exit_year": None, "main_cause": "交通条件落后"},
    ]
    for seed, extra in enumerate(variants, start=1):
        hh = national(full_household(s.spec, village="炉场村" if seed % 2 else "兴龙村", seed=seed), **extra)
        members = hh.members
        members[0].fields["person_number"] = f"51082210500100{seed:02d}0001"
        members[1].fields["person_number"] = None  # not given by the national system yet: stays blank
        members[-1].fields["school_status"] = "高中一年级"
        members[-1].fields["labor_skill"] = "弱劳动力或半劳动力"  # no national number: its label either way
        if seed == 1:
            members[0].fields.update(id_type="残疾人证", id_number=DISABILITY_ID, health="残疾",
                                     birth_date=date(1960, 5, 6), sex="男")
        hh.refresh_derived(s.spec.derived_sources())
        s.households.save(hh, s.operator)
    yield s
    s.close()


def rows_of(path: Path) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[NATIONAL_SHEET]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3)]


def carried(store: Store) -> dict[str, tuple]:
    out = {}
    for hh in (store.households.get(i) for i in store.households.ids()):
        out[hh.fields["number"]] = (
            tuple(hh.fields.get(k) for k in HOUSEHOLD_CARRIED),
            [tuple(m.get(k) for k in MEMBER_CARRIED) for m in hh.current_members])
    return out


@pytest.mark.parametrize("codes", ["label", "number"])
def test_the_national_roster_imports_back_unchanged(store: Store, tmp_path: Path, codes: str) -> None:
    path = tmp_path / f"花名册-{codes}.xlsx"
    result = export_workbook(store, path, "national", codes=codes)
    assert result.to_json()["codes"] == codes
    rows = rows_of(path)
    assert rows[0] == NATIONAL_4
    empty = make_store(tmp_path, "empty.db")
    report, _ = import_file(empty, path)
    assert (report.rejected, report.created) == (0, 4), [r.reasons for r in report.rows if r.reasons]
    assert carried(empty) == carried(store)
    again, _ = import_file(store, path)  # back into the township it came from: nothing to change
    assert (again.rejected, again.created, again.changed) == (0, 0, 0)
    copy = tmp_path / "copy.xlsx"
    export_workbook(empty, copy, "national", codes=codes)
    income = NATIONAL_4.index("人均纯收入")  # derived from the income table, which the roster does not carry
    assert [r[:income] + r[income + 1:] for r in rows_of(copy)] == [r[:income] + r[income + 1:] for r in rows]
    empty.close()


def test_code_numbers_and_labels_in_the_cells(store: Store, tmp_path: Path) -> None:
    export_workbook(store, tmp_path / "n.xlsx", "national", codes="number")
    export_workbook(store, tmp_path / "l.xlsx", "national")
    ws_n = openpyxl.load_workbook(tmp_path / "n.xlsx")[NATIONAL_SHEET]
    ws_l = openpyxl.load_workbook(tmp_path / "l.xlsx")[NATIONAL_SHEET]
    col = {h: i + 1 for i, h in enumerate(NATIONAL_4)}
    n, lab = (lambda h, r=4: ws_n.cell(r, col[h])), (lambda h, r=4: ws_l.cell(r, col[h]))
    assert (n("贫困户属性").value, lab("贫困户属性").value) == ("02", "低保户")
    assert (n("脱贫属性").value, lab("脱贫属性").value) == ("1", "已脱贫（享受政策）")
    assert (n("主要致贫原因").value, lab("主要致贫原因").value) == ("08", "缺劳力")
    assert (n("与户主关系").value, lab("与户主关系").value) == ("01", "户主")
    assert n("健康状况").value == "04" and lab("健康状况").value == "残疾"
    assert n("危房户").value in ("0", "1") and lab("危房户").value in ("是", "否")
    assert n("脱贫年度").value == 2017
    for header in ("证件号码", "人编号", "户编号", "与户主关系", "贫困户属性"):
        assert n(header).data_type == "s" and n(header).number_format == "@", header
    assert n("证件号码").value == DISABILITY_ID and len(n("证件号码").value) == 20
    assert n("人编号").value == "51082210500100010001" and n("人编号", 5).value is None
    numbers = [ws_n.cell(r, col["在校生状况"]).value for r in range(4, ws_n.max_row + 1)]
    assert "07" in numbers  # 高中一年级
    skills = [ws_n.cell(r, col["劳动技能"]).value for r in range(4, ws_n.max_row + 1)]
    assert "弱劳动力或半劳动力" in skills  # no national number: the label, never a blank


def national_label_rows() -> list[list[object]]:
    """One person per national label of each roster list, and the roster spellings."""
    lists = {"relation": "与户主关系", "ethnicity": "民族", "education": "文化程度", "school_status": "在校生状况",
             "health": "健康状况", "labor_skill": "劳动技能", "exit_flag": "脱贫属性",
             "household_type": "贫困户属性", "main_cause": "主要致贫原因"}
    spellings = {"在校生状况": ["高一", "高二", "高三"], "主要致贫原因": ["缺劳动力", "其它"],
                 "脱贫属性": ["稳定脱贫", "已脱贫（享受政策）"], "贫困户属性": ["一般农户", "五保户"]}
    rows: list[list[object]] = [NATIONAL_4]
    base = {"县(市、区、旗)": "青川县", "乡": "茶坝乡", "行政村": "炉场村", "自然村": "一组", "年度": 2016,
            "人数": 1, "与户主关系": "户主", "民族": "汉族", "健康状况": "健康", "脱贫属性": "未脱贫",
            "贫困户属性": "一般贫困户", "主要致贫原因": "因病", "危房户": "否", "饮水安全": "是", "饮水困难": "否",
            "是否参加大病保险": "是", "是否参加新型农村合作医疗（城乡居民基本医疗保险）": "是"}
    n = 0
    for list_id, header in lists.items():
        labels = [label for _, label in NATIONAL.get(list_id, [])] + spellings.get(header, [])
        if list_id == "relation":
            labels = ["户主"]  # one person per household: the other relations need a 户主 beside them
        for label in dict.fromkeys(labels):
            n += 1
            birth = date(1990, 1, 1) if header in ("在校生状况", "文化程度") else date(1970, 1, 1)
            row = {**base, "户编号": f"L{n:03d}", "人编号": f"P{n:03d}", "姓名": "张三",
                   "证件号码": make_id("510822", birth, n % 999), header: label}
            rows.append([row.get(h) for h in NATIONAL_4])
    return rows


MALE = {"之子", "之女婿", "之孙子", "之外孙子", "之父", "之岳父", "之公公", "之祖父", "之外祖父"}


def every_relation_rows() -> list[list[object]]:
    """One household of a 户主 and a person under every other national relation label."""
    base = dict(zip(NATIONAL_4, national_label_rows()[1], strict=True))
    rows = []
    labels = [label for _, label in NATIONAL["relation"]]
    for n, label in enumerate(dict.fromkeys(labels)):
        sex = 1 if label in MALE or label == "户主" else 0
        birth = date(1930 + n * 4, 1, 1)
        row = {**base, "户编号": "R001", "人编号": f"R{n:03d}", "姓名": f"成员{n}", "与户主关系": label,
               "证件号码": make_id("510822", birth, 100 + n * 2 + sex), "人数": len(set(labels))}
        rows.append([row.get(h) for h in NATIONAL_4])
    return rows


def test_a_roster_of_national_labels_imports_without_a_rejected_value(tmp_path: Path) -> None:
    store = make_store(tmp_path, "t.db")
    rows = national_label_rows() + every_relation_rows()
    assert len(rows) >= 60
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "labels.xlsx", rows))
    refused = [reason for r in report.rows for reason in r.reasons if "代码表" in reason or "不是有效" in reason]
    assert refused == []
    assert report.rejected == 0 and report.created == len(rows) - 1 - (len(every_relation_rows()) - 1)
    number = store.households.ids_by_number(["R001"])["R001"][0]
    relations = [m.get("relation") for m in store.households.get(number).members]
    assert relations == list(dict.fromkeys(label for _, label in NATIONAL["relation"]))
    store.close()


def test_export_excel_codes_option_and_a_bad_choice(store: Store, tmp_path: Path) -> None:
    db = store.db.path
    out = tmp_path / "cli.xlsx"
    done = subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), "export-excel", "--json",
                           "--out", str(out), "--layout", "national", "--codes", "number"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["codes"] == "number" and rows_of(out)[0] == NATIONAL_4
    bad = subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), "export-excel",
                          "--out", str(tmp_path / "x.xlsx"), "--codes", "abc"], capture_output=True, text=True,
                         check=False)
    assert bad.returncode != 0 and not (tmp_path / "x.xlsx").exists()
