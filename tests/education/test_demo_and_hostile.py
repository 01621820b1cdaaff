"""The demo's students, and hostile input: formula-like names in the roster, a read-only file,
a batch over the deadline bypassed by a blank reason, two programs applying at once."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop.demo import build_demo
from fupin_desktop.demo.education import add_students
from fupin_desktop.excel.education_roster import export_roster
from fupin_desktop.rules import education as rules
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.education import EducationRefused, EducationRepository
from tests.education.world import YEAR, school_world


def test_the_demo_has_students_in_several_school_types_and_both_batches(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, 300)
        students = EducationRepository(store.db).students(YEAR)
        enrolled = [s for s in students if s.enrolment]
        kinds = {s.enrolment.school_type for s in enrolled if s.enrolment}
        assert {"普通高中", "中职学校", "普通高校本科", "普通高校专科（高职）", "技工学校"} <= kinds
        assert {s.application.batch for s in students if s.application} == {1, 2}
        assert any(s.enrolment and not s.enrolment.in_province for s in students)
        assert any(s.enrolment and rules.TUITION in s.enrolment.received for s in students)
        assert any(s.application is None for s in enrolled)  # some left for the clerk to try
        again = build_demo(store, 0)  # nothing doubles on a second run
        assert add_students(store) == 0
        assert again.value == 0 and len(EducationRepository(store.db).students(YEAR)) == len(students)


def test_formula_like_names_and_schools_stay_text_in_the_roster(tmp_path: Path) -> None:
    path, ids = school_world(tmp_path)
    with Store(path) as store:
        repo = EducationRepository(store.db)
        with store.db.transaction():
            store.db.execute("UPDATE members SET name = '=HYPERLINK(\"x\")' WHERE id_number = ?", (ids["张高中"],))
        student = repo.enrol(repo.student(ids["张高中"], YEAR), school="=1+1 中学", school_type="高中",
                             in_province=True, operator="t")
        repo.apply(student, store.policy.get(), batch=2, day=date(2016, 4, 1), override=None, operator="t")
        export_roster(store, YEAR, 2, tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")["资助名册"]
    assert ws["F4"].value == '=HYPERLINK("x")' and ws["F4"].data_type == "s"
    assert ws["H4"].value == "=1+1 中学" and ws["H4"].data_type == "s"


def test_a_read_only_file_refuses_every_write_and_still_lists(tmp_path: Path) -> None:
    path, ids = school_world(tmp_path)
    with Store(path, read_only=True) as store:
        repo = EducationRepository(store.db)
        assert repo.students(YEAR)
        with pytest.raises(StoreError):
            repo.enrol(repo.student(ids["张高中"], YEAR), school="绥阳中学", school_type="高中", in_province=True,
                       operator="t")


def test_two_programs_applying_for_the_same_student_at_once_make_one_application(tmp_path: Path) -> None:
    path, ids = school_world(tmp_path)
    with Store(path) as first, Store(path) as second:
        a, b = EducationRepository(first.db), EducationRepository(second.db)
        a.enrol(a.student(ids["李专科"], YEAR), school="遵义职院", school_type="专科", in_province=True, operator="t")
        seen_by_a = a.student(ids["李专科"], YEAR)
        seen_by_b = b.student(ids["李专科"], YEAR)  # both read "no application yet"
        a.apply(seen_by_a, first.policy.get(), batch=1, day=date(2015, 10, 1), override=None, operator="t")
        with pytest.raises(EducationRefused, match="第一批"):
            b.apply(seen_by_b, second.policy.get(), batch=2, day=date(2016, 4, 1), override=None, operator="t")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM education_applications WHERE deleted = 0").fetchone()[0] == 1
    conn.close()


def test_a_withdrawn_application_can_be_made_again_and_both_are_audited(tmp_path: Path) -> None:
    path, ids = school_world(tmp_path)
    with Store(path) as store:
        repo = EducationRepository(store.db)
        s = repo.enrol(repo.student(ids["李中职"], YEAR), school="职校", school_type="中职", in_province=True,
                       operator="t")
        s = repo.apply(s, store.policy.get(), batch=1, day=date(2015, 10, 1), override=None, operator="t")
        s = repo.withdraw(s, "t")
        s = repo.apply(s, store.policy.get(), batch=2, day=date(2016, 4, 1), override=None, operator="t")
        assert s.application is not None and s.application.batch == 2
        actions = [r[0] for r in store.db.query(
            "SELECT action FROM audit WHERE entity = 'education_applications' ORDER BY id")]
        assert actions == ["create", "delete", "create"]


def test_members_who_left_and_deleted_households_are_not_students(tmp_path: Path) -> None:
    path, ids = school_world(tmp_path)
    with Store(path) as store:
        repo = EducationRepository(store.db)
        zhang = repo.student(ids["张高中"], YEAR)
        hh = store.households.get(zhang.household_id)
        next(m for m in hh.members if m.get("name") == "张高中").fields["change"] = "其他转出"
        store.households.save(hh, "t")
        li = repo.student(ids["李专科"], YEAR)
        store.households.delete(li.household_id, "t")
        names = {s.name for s in repo.students(YEAR)}
        assert names == {"张本科", "王免费", "赵出列"}
        with pytest.raises(EducationRefused, match="没有证件号码"):
            repo.student(ids["李专科"], YEAR)
