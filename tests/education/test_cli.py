"""``fupin education …`` and ``fupin print education-form``: the headless contract of issue 16.

Real database files; the contract verbs also run as real ``fupin`` processes.  Every refusal is
a Chinese message on stderr, a non-zero exit, and the file unchanged.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop.cli import main
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.store import Store
from fupin_desktop.store.education import EducationRepository
from tests.education.world import YEAR, school_world
from tests.printing.pdfcheck import page_texts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return school_world(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> object:
    code, out, err = run(capsys, *argv, "--db", str(db), "--json")
    assert code == 0, err
    return json.loads(out)


def refused(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    before = dump(db)
    code, out, err = run(capsys, *argv, "--db", str(db))
    assert code != 0 and out == "", out
    assert "错误：" in err and "Traceback" not in err, err
    assert dump(db) == before  # nothing changed
    return err


def dump(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return [*conn.execute("SELECT * FROM education_enrolments ORDER BY id"),
                *conn.execute("SELECT * FROM education_applications ORDER BY id"),
                *conn.execute("SELECT key, value FROM settings ORDER BY key")]
    finally:
        conn.close()


def fupin(*argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *argv], capture_output=True, cwd=REPO, env=env,
                          timeout=120)


def enrol_all(capsys: pytest.CaptureFixture[str], db: Path, ids: dict[str, str]) -> None:
    for name, school, kind, *extra in (
        ("张高中", "绥阳中学", "普通高中"), ("张本科", "贵州大学", "本科"), ("李专科", "遵义职业技术学院", "专科"),
        ("李中职", "绥阳县中等职业学校", "中职"), ("王免费", "绥阳中学", "高中", "--received", "学费"),
        ("王技工", "重庆市技工学校", "技工", "--outside-province"),
    ):
        ok(capsys, db, "education", "enrol", ids[name], "--school-year", YEAR, "--school", school,
           "--school-type", kind, *extra)


# -- students and entitlements ----------------------------------------------------------------------
def test_students_lists_members_who_study_with_the_contract_keys(capsys, world) -> None:
    db, ids = world
    rows = ok(capsys, db, "education", "students", "--school-year", YEAR)
    names = [r["name"] for r in rows]
    assert set(names) == {"张高中", "张本科", "李专科", "李中职", "王免费", "赵出列"}  # not 小学, not 非在校生
    for row in rows:
        assert {"id_number", "name", "household", "school_type", "in_province", "received"} <= set(row)
    enrol_all(capsys, db, ids)
    rows = {r["name"]: r for r in ok(capsys, db, "education", "students", "--school-year", YEAR)}
    assert rows["王技工"]["school_type"] == "技工学校" and rows["王技工"]["in_province"] is False
    assert rows["王免费"]["received"] == ["免（补助）学费"] and rows["张高中"]["in_province"] is True
    assert rows["张本科"]["household"] == rows["张高中"]["household"] != rows["李专科"]["household"]
    high = ok(capsys, db, "education", "students", "--school-year", YEAR, "--school-type", "高中")
    assert {r["name"] for r in high} == {"张高中", "王免费", "赵出列"}


@pytest.mark.parametrize(("name", "total", "items"), [
    ("张高中", 2660, ["扶贫专项助学金", "免（补助）学费", "免（补助）教科书费", "免（补助）住宿费"]),
    ("张本科", 4830, ["扶贫专项助学金", "免（补助）学费"]),
    ("李专科", 4500, ["扶贫专项助学金", "免（补助）学费"]),
    ("李中职", 1900, ["扶贫专项助学金", "免（补助）教科书费", "免（补助）住宿费"]),
    ("王免费", 1900, ["扶贫专项助学金", "免（补助）教科书费", "免（补助）住宿费"]),  # 免学费 from the school
])
def test_entitlement_follows_the_seeds_table(capsys, world, name: str, total: int, items: list[str]) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    owed = ok(capsys, db, "education", "entitlement", ids[name], "--school-year", YEAR)
    assert owed["total"] == total and [i["item"] for i in owed["items"]] == items
    assert sum(i["amount"] for i in owed["items"]) == total


def test_the_table_is_changed_per_school_year_in_the_policy_profile(capsys, world) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    ok(capsys, db, "education", "table", "--school-year", "2016-2017", "--set", "普通高中:学费:800")
    assert ok(capsys, db, "education", "entitlement", ids["张高中"], "--school-year", YEAR)["total"] == 2660
    # the student has no school entered for 2016-2017: the type comes from 在校生状况
    assert ok(capsys, db, "education", "entitlement", ids["张高中"], "--school-year", "2016-2017")["total"] == 2700
    exported = ok(capsys, db, "policy", "show")
    assert exported["education"]["2016-2017"]["table"]["普通高中"]["免（补助）学费"] == 800


# -- applying to a batch ----------------------------------------------------------------------------
def test_a_student_in_the_first_batch_is_refused_in_the_second_naming_the_first(capsys, world) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    first = ok(capsys, db, "education", "apply", ids["张高中"], "--school-year", YEAR, "--batch", "1",
               "--date", "2015-10-20")
    assert (first["batch"], first["total"]) == (1, 2660)
    err = refused(capsys, db, "education", "apply", ids["张高中"], "--school-year", YEAR, "--batch", "2",
                  "--date", "2016-04-01")
    assert "第一批" in err and "张高中" in err and "不能重复" in err


def test_the_same_person_under_a_disability_card_number_is_the_same_student(capsys, world) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    ok(capsys, db, "education", "apply", ids["李中职"], "--school-year", YEAR, "--batch", "1", "--date", "2015-10-20")
    with Store(db) as store:
        student = EducationRepository(store.db).student(ids["李中职"], YEAR)
        with store.db.transaction():  # the member now holds a 残疾人证 (category 4, grade 2)
            store.db.execute("UPDATE members SET id_number = ? WHERE uuid = ?", (ids["李中职"] + "42",
                                                                                  student.member_uuid))
    err = refused(capsys, db, "education", "apply", ids["李中职"] + "42", "--school-year", YEAR, "--batch", "2",
                  "--date", "2016-04-01")
    assert "第一批" in err


def test_a_late_application_is_refused_naming_the_deadline_and_an_override_needs_a_reason(capsys, world) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    err = refused(capsys, db, "education", "apply", ids["张本科"], "--school-year", YEAR, "--batch", "2",
                  "--date", "2016-04-29")
    assert "2016-04-28" in err and "逾期" in err and "--override" in err
    refused(capsys, db, "education", "apply", ids["张本科"], "--school-year", YEAR, "--batch", "2",
            "--date", "2016-04-29", "--override", "   ")
    done = ok(capsys, db, "education", "apply", ids["张本科"], "--school-year", YEAR, "--batch", "2",
              "--date", "2016-04-29", "--override", "录取通知书迟到")
    assert done["override"] == "录取通知书迟到" and done["total"] == 4830
    with Store(db) as store:
        audit = store.db.query("SELECT new FROM audit WHERE entity = 'education_applications'")
    assert "录取通知书迟到" in audit[-1][0]


@pytest.mark.parametrize(("argv", "words"), [
    (("apply", "110101199003077777", "--batch", "2", "--date", "2016-04-01"), ("没有证件号码",)),
    (("apply", "@@", "--batch", "2", "--date", "2016-04-01"), ("没有证件号码",)),
    (("apply", "{赵出列}", "--batch", "2", "--date", "2016-04-01"), ("不再享受政策",)),
    (("apply", "{张高中}", "--batch", "9", "--date", "2016-04-01"), ("批次",)),
    (("apply", "{张高中}", "--batch", "3", "--date", "2016-04-01"), ("第三批",)),
    (("apply", "{张本科}", "--batch", "2", "--date", "2016-02-30"), ("不是有效日期",)),
    (("apply", "{张本科}", "--batch", "2", "--date", "2016-04-01", "--school-year", "2015-2017"), ("学年",)),
    (("enrol", "{张本科}", "--school", "贵州大学", "--school-type", "小学"), ("学校类型",)),
    (("enrol", "{张本科}", "--school", "  ", "--school-type", "本科"), ("学校名称",)),
    (("enrol", "{张本科}", "--school", "贵州大学", "--school-type", "本科", "--received", "午餐"), ("资助项目",)),
    (("checklist", "{张高中}", "--tick", "bank"), ("省内",)),
    (("table", "--set", "普通高中:学费:-3"), ("元之间",)),
    (("table", "--set", "普通高中学费760"), ("学校类型:项目:金额",)),
    (("roster", "--batch", "2", "--out", "{tmp}/r.xlsx"), ("还没有学生",)),
])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(capsys, world, tmp_path, argv, words) -> None:
    db, ids = world
    ok(capsys, db, "education", "enrol", ids["张高中"], "--school-year", YEAR, "--school", "绥阳中学",
       "--school-type", "高中")
    argv = tuple(a.replace("{tmp}", str(tmp_path)) for a in argv)
    argv = tuple(ids[a[1:-1]] if a.startswith("{") and a[1:-1] in ids else a for a in argv)
    year = () if "--school-year" in argv else ("--school-year", YEAR)
    err = refused(capsys, db, "education", *argv, *year)
    for word in words:
        assert word in err, err
    assert not (tmp_path / "r.xlsx").exists()


def test_apply_needs_the_school_entered_first(capsys, world) -> None:
    db, ids = world
    err = refused(capsys, db, "education", "apply", ids["张高中"], "--school-year", YEAR, "--batch", "2",
                  "--date", "2016-04-01")
    assert "enrol" in err


def test_where_to_apply_and_the_checklist_tick(capsys, world) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    inside = ok(capsys, db, "education", "checklist", ids["张高中"], "--school-year", YEAR, "--tick", "申请表")
    assert inside["where"] == "就读学校"
    assert [(d["key"], d["ticked"]) for d in inside["documents"]] == [("form", True), ("id", False), ("card", False)]
    outside = ok(capsys, db, "education", "checklist", ids["王技工"], "--school-year", YEAR, "--tick", "bank",
                 "--tick", "在校证明")
    assert outside["where"].endswith("人力资源社会保障部门")
    assert [d["key"] for d in outside["documents"] if d["ticked"]] == ["bank", "enrolment"]
    again = ok(capsys, db, "education", "checklist", ids["王技工"], "--school-year", YEAR, "--untick-all")
    assert not any(d["ticked"] for d in again["documents"])


# -- outputs --------------------------------------------------------------------------------------
def test_the_roster_has_one_row_per_student_and_totals_equal_to_the_store(capsys, world, tmp_path) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    for name in ("张高中", "张本科", "李专科", "李中职", "王免费", "王技工"):
        ok(capsys, db, "education", "apply", ids[name], "--school-year", YEAR, "--batch", "2", "--date", "2016-04-20")
    ok(capsys, db, "education", "withdraw", ids["王技工"], "--school-year", YEAR)
    out = tmp_path / "名册.xlsx"
    result = ok(capsys, db, "education", "roster", "--school-year", YEAR, "--batch", "2", "--out", str(out))
    assert result["students"] == 5 and result["total"] == 2660 + 4830 + 4500 + 1900 + 1900
    book = load_workbook(out)
    ws = book["资助名册"]
    header = [c.value for c in ws[3]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    body, total_row = rows[:-1], rows[-1]
    assert len(body) == 5 and total_row[0] == "合计"
    names = [r[header.index("学生姓名")] for r in body]
    assert sorted(names) == sorted(["张高中", "张本科", "李专科", "李中职", "王免费"])
    assert all(r[header.index("身份证号")] == mask_id(ids[r[header.index("学生姓名")]]) for r in body)
    with Store(db) as store:
        students = EducationRepository(store.db).students(YEAR, batch=2)
    stored_by_item: dict[str, Decimal] = {}
    for s in students:
        for item, amount in s.application.items:
            stored_by_item[item] = stored_by_item.get(item, Decimal(0)) + amount
    for item, amount in stored_by_item.items():
        col = header.index(item)
        assert Decimal(str(total_row[col])) == amount
        assert sum(Decimal(str(r[col] or 0)) for r in body) == amount
    assert Decimal(str(total_row[header.index("合计（元）")])) == sum(stored_by_item.values())
    summary = {r[0].value: [c.value for c in r] for r in book["汇总"].iter_rows(min_row=2)}
    assert summary["普通高中"][1] == 2 and summary["普通高中"][-1] == 2660 + 1900
    assert summary["合计"][-1] == sum(float(v) for v in stored_by_item.values())
    # full ID numbers by the setting, or by the option
    ok(capsys, db, "education", "roster-ids", "full")
    ok(capsys, db, "education", "roster", "--school-year", YEAR, "--batch", "2", "--out", str(out))
    ws = load_workbook(out)["资助名册"]
    assert {ids[r[5].value] == r[6].value for r in ws.iter_rows(min_row=4, max_row=8)} == {True}
    ok(capsys, db, "education", "roster", "--school-year", YEAR, "--batch", "2", "--out", str(out), "--masked-id")
    assert "*" in load_workbook(out)["资助名册"]["G4"].value


def test_the_application_form_names_the_student_amounts_office_and_the_card_shows_the_student(
        capsys, world, tmp_path) -> None:
    db, ids = world
    enrol_all(capsys, db, ids)
    ok(capsys, db, "education", "apply", ids["王技工"], "--school-year", YEAR, "--batch", "2", "--date", "2016-04-20")
    out = tmp_path / "申请表.pdf"
    result = ok(capsys, db, "print", "education-form", ids["王技工"], "--school-year", YEAR, "--out", str(out))
    assert result["pages"] == 2 and result["warnings"] == []
    form, card = page_texts(out)
    for text in ("教育精准扶贫学生资助申请表", "王技工", ids["王技工"], "重庆市技工学校", "技工学校", "省外",
                 "人力资源社会保障部门", "第二批", "壹仟玖佰元整", "1,900.00", "在校证明", "学生资助卡"):
        assert text in form, text
    assert "贫困户登记卡" in card and "申请资助学生：王技工" in card and card.count("王技工") >= 2
    # a student with no school entered: refused, no file
    err = refused(capsys, db, "print", "education-form", ids["赵出列"], "--out", str(tmp_path / "x.pdf"))
    assert "登记" in err and not (tmp_path / "x.pdf").exists()


# -- real processes ----------------------------------------------------------------------------------
def test_the_contract_runs_as_real_fupin_processes(world, tmp_path) -> None:
    db, ids = world
    student = ids["李专科"]
    enrol = fupin("education", "enrol", student, "--db", str(db), "--school-year", YEAR, "--school", "遵义职业技术学院",
                  "--school-type", "专科", "--json")
    assert enrol.returncode == 0, enrol.stderr.decode()
    owed = json.loads(fupin("education", "entitlement", student, "--db", str(db), "--school-year", YEAR,
                            "--json").stdout)
    assert owed["total"] == 4500 and set(owed) >= {"items", "total"}
    assert all(set(i) >= {"item", "amount"} for i in owed["items"])
    applied = fupin("education", "apply", student, "--db", str(db), "--school-year", YEAR, "--batch", "1",
                    "--date", "2015-11-02", "--json")
    assert applied.returncode == 0, applied.stderr.decode()
    again = fupin("education", "apply", student, "--db", str(db), "--school-year", YEAR, "--batch", "2",
                  "--date", "2016-04-01", "--json")
    assert again.returncode != 0 and again.stdout == b""
    assert "第一批" in again.stderr.decode("utf-8")
    roster = fupin("education", "roster", "--db", str(db), "--school-year", YEAR, "--batch", "1",
                   "--out", str(tmp_path / "r.xlsx"))
    assert roster.returncode == 0 and (tmp_path / "r.xlsx").exists()
    printed = fupin("print", "education-form", student, "--db", str(db), "--out", str(tmp_path / "f.pdf"))
    assert printed.returncode == 0 and (tmp_path / "f.pdf").exists()
    students = json.loads(fupin("education", "students", "--db", str(db), "--json").stdout)  # default: 2015-2016
    assert next(s for s in students if s["id_number"] == student)["batch"] == 1


def test_education_without_a_verb_says_what_to_give(capsys) -> None:
    code, out, err = run(capsys, "education")
    assert code == 2 and out == "" and "错误：请给出要做的事" in err and "students" in err
