"""The county's 教育资助 window (issue 16): each township's reported students, per school year.

A real county file fed by a real batch; 工具 → 教育资助 on the county's main window opens the
read-only list of the townships' students (ui/received_students.py), filtered by year and township.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox

from fupin_desktop.store.education import EducationRepository
from fupin_desktop.ui.education_page import open_education_window
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.received_students import ReceivedStudents
from tests.pg.test_education_sync import YEAR, _students
from tests.sync.world import OTHER, World, export, import_


def test_the_county_window_lists_each_townships_students(world: World, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = _students(world.town, 7, ("张高中", "张中职"))
    repo = EducationRepository(world.town.db)
    policy = world.town.policy.get()
    for name, kind in (("张高中", "高中"), ("张中职", "中职")):
        student = repo.enrol(repo.student(ids[name], YEAR), school="绥阳中学", school_type=kind, in_province=name
                             == "张高中", operator="测试")
        if name == "张高中":
            repo.apply(student, policy, batch=1, day=date(2016, 3, 1), override=None, operator="测试")
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    students = open_education_window(window, world.county)
    assert isinstance(students, ReceivedStudents) and students.table.rowCount() == 0
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert r.status == "imported", r.message
    students._fill_boxes()  # the GUI's own import announces its change; this batch came in beside it
    students.refresh()
    year_box = students.findChild(QComboBox, "received_year")
    assert year_box.currentData() == YEAR and students.table.rowCount() == 2
    cells = {students.table.item(r, 4).text(): [students.table.item(r, c).text() for c in range(11)]
             for r in range(2)}
    assert cells["张高中"][0] == "茶坝乡" and cells["张高中"][7:] == ["普通高中", "省内", "第1批", "2660"]
    assert cells["张中职"][7:] == ["中职学校", "省外", "未纳入批次", ""]
    assert "共 2 名学生，已纳入批次 1 名" in students.count.text()
    township_box = students.findChild(QComboBox, "received_township")
    township_box.setCurrentIndex(township_box.findData(OTHER["code"]))
    assert students.table.rowCount() == 0
    township_box.setCurrentIndex(0)
    students.grab().save(str(tmp_path / "county_students.png"))
    students.close()
