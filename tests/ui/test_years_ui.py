"""Registration years in the GUI (issue 16): member changes, 历年记录, earlier years, carry-over, review.

Real widgets and signals; Chinese typed as input-method commits; modal dialogs answered the way
a clerk answers them (a timer picks the choice and presses 确定).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from fupin_desktop.domain.household import Household
from fupin_desktop.store import Store, years
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.member_changes import MemberChanges
from fupin_desktop.ui.review_page import ReviewWindow
from fupin_desktop.ui.year_views import HistoryDialog, SnapshotView, YearBrowser
from tests.helpers import full_household


def saved(store: Store, **fields: object) -> Household:
    hh = full_household(store.spec)
    hh.fields.update(fields)
    return store.households.save(hh, store.operator)


def answer(changes: MemberChanges, label: str | None, when: date | None = None, *, cancel: bool = False) -> None:
    """Answer the 人员变更 dialog as soon as it opens."""
    def respond() -> None:
        dialog = changes.dialog
        if dialog is None:
            QTimer.singleShot(10, respond)
            return
        assert dialog.isVisible()
        if cancel:
            dialog.reject()
            return
        dialog.choose(label, when)
        dialog.accept()
    QTimer.singleShot(0, respond)


def members_table(qtbot, window: MainWindow, household_id: int):  # noqa: ANN001, ANN201
    """The household's form in front with the keyboard, and its 家庭成员 table."""
    editor = window.open_household(household_id)
    assert editor is not None
    qtbot.waitExposed(editor)
    editor.activateWindow()
    editor.raise_()
    qtbot.waitUntil(editor.isActiveWindow)
    table = editor.form.tables["members"]
    table.view.setFocus()
    return editor, table


def test_removing_a_member_asks_why_keeps_the_row_struck_and_leaves_the_size(qtbot, store, clerk, dialogs) -> None:
    hh = saved(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor, table = members_table(qtbot, window, int(hh.id or 0))
    assert isinstance(table.changes, MemberChanges)
    table.focus_cell(2, 0)
    answer(table.changes, "死亡", date(2016, 7, 8))
    clerk.shortcut("Ctrl+Delete")
    assert len(table.model.rows) == 3  # never deleted
    row = table.model.rows[2].values
    assert (row["change"], row["change_date"]) == ("死亡", date(2016, 7, 8))
    idx = table.model.index(2, 0)
    assert table.model.data(idx, Qt.ItemDataRole.FontRole).strikeOut()
    assert editor.form.editors["size"].value() == 2
    clerk.shortcut("Ctrl+S")
    again = store.households.get(int(hh.id or 0))
    assert again is not None and again.size == 2 and again.members[2].get("change") == "死亡"
    editor.close()


def test_adding_a_member_asks_for_the_change_and_chinese_is_typed_into_the_new_row(qtbot, store, clerk, dialogs) -> None:
    hh = saved(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor, table = members_table(qtbot, window, int(hh.id or 0))
    table.focus_cell(2, 0)
    answer(table.changes, "新生儿", date(2016, 9, 1))
    clerk.shortcut("Ctrl+Insert")
    assert len(table.model.rows) == 4
    assert table.model.rows[3].values["change"] == "新生儿"
    assert table.model.rows[3].values["change_date"] == date(2016, 9, 1)
    clerk.type("王小宝")
    clerk.enter()
    QApplication.processEvents()
    assert table.model.rows[3].values["name"] == "王小宝"
    # Cancel: nothing is added.  录入错误: a saved row is deleted outright.
    answer(table.changes, None, cancel=True)
    clerk.shortcut("Ctrl+Insert")
    assert len(table.model.rows) == 4
    table.focus_cell(1, 0)
    answer(table.changes, None)
    table.changes.dialog = None
    clerk.shortcut("Ctrl+Delete")
    assert len(table.model.rows) == 3
    editor.undo_stack.undo()
    assert len(table.model.rows) == 4
    editor.undo_stack.setClean()
    editor.close()


def test_a_new_household_adds_members_without_asking(qtbot, store, clerk) -> None:
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor = window.new_household()
    assert editor is not None and editor.form.tables["members"].changes is None
    editor.undo_stack.setClean()
    editor.close()


def test_history_dialog_and_a_closed_years_file_read_only(qtbot, store) -> None:
    hh = saved(store, exit_flag="未脱贫", household_type="低保贫困户")
    years.carry_over(store.db, 2017, store.operator)
    now = store.households.get(int(hh.id or 0))
    assert now is not None
    now.fields.update(exit_flag="已脱贫（享受政策）", exit_year=2017, household_type="低保户")
    store.households.save(now, store.operator)
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert "2017年度" in window.windowTitle()
    editor = window.open_household(int(hh.id or 0))
    editor.act_history.trigger()
    dialog = editor.history
    assert isinstance(dialog, HistoryDialog)
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 0).text().startswith("2016")
    assert "脱贫状态：未脱贫 → 已脱贫（享受政策）" in dialog.table.item(1, 5).text()
    assert dialog.open_year(1) is None  # the current year is the open form
    view = dialog.open_year(0)
    assert isinstance(view, SnapshotView)
    assert not view.act_save.isEnabled() and "只读" in view.windowTitle() and "2016" in view.windowTitle()
    assert view.form.editors["exit_flag"].value() == "未脱贫"
    assert view.form.tables["members"].model.read_only and not view.save()
    view.grab().save(str(Path(store.path).parent / "snapshot.png"))
    browser = YearBrowser(store, 2016)
    qtbot.addWidget(browser)
    assert browser.table.rowCount() == 1 and browser.table.item(0, 5).text() == "未脱贫"
    browser.label_box.setCurrentIndex(browser.label_box.findData("返贫"))  # filter by 脱贫状态
    assert browser.table.rowCount() == 0
    browser.label_box.setCurrentIndex(browser.label_box.findData("未脱贫"))
    assert browser.table.rowCount() == 1
    opened = browser.open_row(0)
    assert isinstance(opened, SnapshotView)
    for window_ in (opened, view, editor):
        window_.close()


def test_carry_over_from_the_menu_runs_off_the_gui_thread_and_reports(qtbot, store, dialogs) -> None:
    for seed in range(3):
        store.households.save(full_household(store.spec, seed=seed), store.operator)
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert "2016年度" in window.windowTitle()
    op = window.years.carry_over()  # asks first: the recorder answers 是
    assert dialogs.shown[0][1] == "结转下一年度" and "3 户" in dialogs.shown[0][2]
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    assert "已从 2016 年度结转到 2017 年度：3 户" in window.years.report
    assert "结转前的备份" in window.years.report
    assert "2017年度" in window.windowTitle()
    assert years.years(store.db) == [2016, 2017]
    second = window.years.carry_over(ask=False, to=2017)  # the same year again
    with qtbot.waitSignal(second.finished, timeout=60_000):
        pass
    assert "：0 户" in window.years.report and "3 户没有重复结转" in window.years.report
    counts = window.years.open_counts()
    assert counts.table.rowCount() == 2
    assert window.years.switch_year(2016)
    assert "2017年度｜查看 2016年度往年档案（只读）" in window.windowTitle()
    assert isinstance(window.years.windows[-1], YearBrowser)


def test_review_window_lists_marks_exports_and_prints(qtbot, store, tmp_path, dialogs) -> None:
    bare = full_household(store.spec, number="N001")
    bare.fields["exit_flag"] = "未脱贫"
    bare.helpers, bare.measures = [], []
    store.households.save(bare, store.operator)
    page = ReviewWindow(store)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.op.finished, timeout=30_000):
        pass
    assert [i.number for i in page.items] == ["N001"] and "没有帮扶措施" in page.table.item(0, 4).text()
    assert page.mark(0, "已安排帮扶责任人")
    with qtbot.waitSignal(page.op.finished, timeout=30_000):
        pass
    assert page.table.item(0, 5).text() == "是" and page.table.item(0, 6).text() == "已安排帮扶责任人"
    out = page.export(tmp_path / "名单.xlsx")
    assert out is not None
    rows = list(load_workbook(out).active.iter_rows(min_row=3, values_only=True))
    assert rows[0][3] == "N001" and rows[0][7] == "已安排帮扶责任人"
    pdf = tmp_path / "名单.pdf"
    assert page.print_list(pdf) and pdf.read_bytes().startswith(b"%PDF")
    page.grab().save(str(tmp_path / "review.png"))
