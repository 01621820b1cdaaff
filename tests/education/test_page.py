"""The 教育资助 window with real widgets: list, filters, school, checklist, batch, print, roster.

Opened from the main window's 工具 menu; Chinese typed as input-method commits; every write is a
StoreOp whose result the list shows after the change hub's broadcast.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox

from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.education import EducationRepository
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.education_page import EducationWindow
from fupin_desktop.ui.main_window import MainWindow
from tests.education.world import YEAR, school_world
from tests.printing.pdfcheck import page_texts
from tests.ui.clerk import Clerk
from tests.ui.conftest import DialogRecorder


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogRecorder:
    rec = DialogRecorder()
    rec.install(monkeypatch)
    return rec


@pytest.fixture
def world(tmp_path: Path):  # noqa: ANN201
    path, ids = school_world(tmp_path)
    store = Store(path)
    yield store, ids
    store.close()


def open_window(qtbot, store: Store) -> tuple[MainWindow, EducationWindow]:
    main = MainWindow(store)
    qtbot.addWidget(main)
    action = next(a for a in main.menuBar().actions() if a.text().startswith("工具"))
    entry = next(a for a in action.menu().actions() if a.text().startswith("教育资助"))
    entry.trigger()
    window = main.findChild(EducationWindow)
    assert window is not None and window.isVisible()
    qtbot.waitUntil(lambda: not window.busy and bool(window.model.students), timeout=20_000)
    return main, window


def choose(qtbot, window: EducationWindow, name: str) -> None:
    qtbot.waitUntil(lambda: not window.busy, timeout=20_000)
    row = next(i for i, s in enumerate(window.model.students) if s.name == name)
    window.table.selectRow(row)
    assert window.panel.student is not None and window.panel.student.name == name


def tick(qtbot, box: QCheckBox) -> None:
    """Click the box itself (a check box's free space to the right of its text does not toggle it)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def settle(qtbot, window: EducationWindow) -> None:
    qtbot.waitUntil(lambda: not window.busy, timeout=20_000)
    QApplication.processEvents()


def test_the_list_shows_the_students_and_filters_them(qtbot, world, dialogs) -> None:
    store, _ids = world
    _main, window = open_window(qtbot, store)
    assert {s.name for s in window.model.students} == {"张高中", "张本科", "李专科", "李中职", "王免费", "赵出列"}
    assert window.year.currentData() == YEAR
    window.kind.setCurrentIndex(window.kind.findData("普通高中"))
    settle(qtbot, window)
    assert {s.name for s in window.model.students} == {"张高中", "王免费", "赵出列"}
    window.village.setCurrentIndex(window.village.findData("兴龙村"))
    settle(qtbot, window)
    assert {s.name for s in window.model.students} == {"王免费", "赵出列"}
    window.grab().save(str(Path(window.store.path).parent / "education.png"))


def test_a_clerk_enters_a_school_sees_the_entitlement_ticks_documents_and_applies(qtbot, world, dialogs) -> None:
    store, ids = world
    heard: list[Change] = []
    hub(store).changed.connect(heard.append)
    _main, window = open_window(qtbot, store)
    choose(qtbot, window, "张本科")
    panel = window.panel
    assert "待定" in panel.entitlement.text() and not panel.apply_button.isEnabled()
    panel.school.setFocus()
    Clerk(qtbot).type("贵州大学")
    panel.school_type.setCurrentIndex(panel.school_type.findText("普通高校本科"))
    tick(qtbot, panel.outside)
    assert panel.outside.isChecked()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "合计：4,830.00 元" in panel.entitlement.text()
    assert panel.where.text() == "受理单位：青川县教育局学生资助管理中心"
    assert list(panel.document_boxes) == ["form", "id", "card", "bank", "enrolment"]
    tick(qtbot, panel.document_boxes["bank"])
    settle(qtbot, window)
    with Store(store.path) as other:
        saved = EducationRepository(other.db).student(ids["张本科"], YEAR)
    assert saved.enrolment.school == "贵州大学" and not saved.enrolment.in_province
    assert saved.enrolment.documents == ("bank",)
    panel.batch.setCurrentIndex(panel.batch.findData(2))
    panel.day.setDate(date(2016, 4, 20))
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "第二批" in panel.status.text() and "4,830.00" in panel.status.text()
    assert next(s for s in window.model.students if s.name == "张本科").application.batch == 2
    assert not dialogs.shown
    household = window.panel.student.household_id
    assert [c.kind for c in heard] == [ChangeKind.EDUCATION] * 3  # school, a document, the batch
    assert all(c.households == {household} for c in heard)


def test_a_late_application_asks_for_the_reason_and_a_double_one_is_refused(qtbot, world, dialogs) -> None:
    store, ids = world
    repo = EducationRepository(store.db)
    repo.enrol(repo.student(ids["李中职"], YEAR), school="绥阳县中等职业学校", school_type="中职", in_province=True,
               operator="测试")
    _main, window = open_window(qtbot, store)
    asked: list[str] = []
    window.ask_override = lambda message: asked.append(message) or "学校证明迟开"
    choose(qtbot, window, "李中职")
    window.panel.batch.setCurrentIndex(window.panel.batch.findData(2))
    window.panel.day.setDate(date(2016, 5, 3))
    qtbot.mouseClick(window.panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.panel.student.application is not None, timeout=20_000)
    settle(qtbot, window)
    assert "2016-04-28" in asked[0]
    assert "学校证明迟开" in window.panel.status.text()
    # the same student again (the button is off once applied: ask the window directly)
    window.apply(1, date(2015, 10, 1))
    qtbot.waitUntil(lambda: bool(dialogs.shown), timeout=20_000)
    assert "第二批" in dialogs.shown[-1][2] and "不能重复" in dialogs.shown[-1][2]
    settle(qtbot, window)


def test_print_the_form_and_export_the_roster_off_the_gui_thread(qtbot, world, dialogs, tmp_path) -> None:
    store, ids = world
    repo = EducationRepository(store.db)
    for name, school, kind in (("张高中", "绥阳中学", "高中"), ("李专科", "遵义职业技术学院", "专科")):
        student = repo.enrol(repo.student(ids[name], YEAR), school=school, school_type=kind, in_province=True,
                             operator="测试")
        repo.apply(student, store.policy.get(), batch=2, day=date(2016, 4, 1), override=None, operator="测试")
    _main, window = open_window(qtbot, store)
    choose(qtbot, window, "张高中")
    window.ask_path = lambda *_: str(tmp_path / "申请表.pdf")
    qtbot.mouseClick(window.panel.print_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    form, card = page_texts(tmp_path / "申请表.pdf")
    assert "张高中" in form and "贰仟陆佰陆拾元整" in form and "申请资助学生：张高中" in card
    window.panel.batch.setCurrentIndex(window.panel.batch.findData(2))
    window.ask_path = lambda *_: str(tmp_path / "名册.xlsx")
    qtbot.mouseClick(window.roster_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    ws = load_workbook(tmp_path / "名册.xlsx")["资助名册"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[5] for r in rows[:-1]] == ["张高中", "李专科"] and rows[-1][-2] == 2660 + 4500
    assert "*" in rows[0][6]
    assert not dialogs.shown


def test_the_subsidy_table_is_edited_per_school_year_and_the_policy_dialog_keeps_it(qtbot, world, dialogs) -> None:
    from fupin_desktop.ui.education_table import EducationTableDialog
    from fupin_desktop.ui.policy_dialog import PolicyDialog

    store, ids = world
    _main, window = open_window(qtbot, store)
    dialog = EducationTableDialog(store, "2016-2017", window)
    qtbot.addWidget(dialog)
    dialog.table.item(0, 1).setText("abc")  # 普通高中 学费
    dialog.accept()
    assert "不是金额" in dialogs.shown[-1][2] and "2016-2017" not in store.policy.get().education.years
    dialog.table.item(0, 1).setText("800")
    dialog.deadlines[1].setText("2016-11-30")
    dialog.grab().save(str(Path(store.path).parent / "table.png"))
    dialog.accept()
    education = store.policy.get().education
    assert education.years["2016-2017"].table["普通高中"]["免（补助）学费"] == 800
    assert [(b.number, b.deadline) for b in education.batches("2016-2017")] == [(1, date(2016, 11, 30))]
    qtbot.waitUntil(lambda: window.year.findData("2016-2017") >= 0, timeout=5_000)
    # the 政策参数 dialog saves its own parts and keeps the county's education table
    policy_dialog = PolicyDialog(store)
    qtbot.addWidget(policy_dialog)
    policy_dialog.days.setValue(5)
    policy_dialog.accept()
    kept = store.policy.get()
    assert kept.publicity_days == 5 and kept.education == education
    settle(qtbot, window)  # the window reads the list again after the policy change
