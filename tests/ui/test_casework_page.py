"""The 识别工作 page with real widgets: board, multi-select advance, rounds, objections, printing,
and the household form's read-only 识别记录 tab."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QItemSelectionModel, Qt
from PySide6.QtWidgets import QProgressBar, QPushButton

from fupin_desktop.casework import core, quotas
from fupin_desktop.ui.casework_page import CaseworkPage
from fupin_desktop.ui.main_window import MainWindow
from tests.workflow.conftest import add_households

D = date


def wait(qtbot, page: CaseworkPage) -> None:  # type: ignore[no-untyped-def]
    op = page.last_op
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=20_000):
        pass


def board(page: CaseworkPage) -> dict[str, int]:
    return {page.board.horizontalHeaderItem(c).text().replace("\n", ""): int(page.board.item(0, c).text())
            for c in range(page.board.columnCount())}


def select_all(page: CaseworkPage) -> None:
    model = page.households.selectionModel()
    for r in range(page.households.rowCount()):
        model.select(page.households.model().index(r, 0),
                     QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def test_the_board_runs_a_village(qtbot, store, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = add_households(store, "炉场村", 3)
    quotas.set_quota(store, 95, year=2016, village="炉场村")
    core.apply(store, ids, D(2016, 6, 1))
    for day in (2, 3, 4):
        core.advance(store, ids, D(2016, 6, day))
    page = CaseworkPage(store)
    qtbot.addWidget(page)
    page.show()
    page.year.setValue(2016)
    page.village.setCurrentText("炉场村")
    assert board(page)["第一次公示"] == 3 and page.households.rowCount() == 3
    bar = page.findChild(QProgressBar, "quota_炉场村")
    assert bar.maximum() == 95 and bar.value() > 0
    page.when.setDate(QDate(2016, 6, 5))
    qtbot.mouseClick(page.findChild(QPushButton, "open_round"), Qt.MouseButton.LeftButton)
    wait(qtbot, page)
    assert page.rounds.rowCount() == 1 and page.rounds.item(0, 2).text() == "第一次公示"
    # An objection on the first household, then advancing everyone is refused (all or none).
    page.rounds.selectRow(0)
    page.households.selectRow(0)
    page.add_objection("反映有小轿车")
    wait(qtbot, page)
    assert page.objections.rowCount() == 1 and page.objections.item(0, 6).text() == "待核实"
    page.when.setDate(QDate(2016, 6, 12))
    select_all(page)
    page.advance()
    wait(qtbot, page)
    assert "异议" in page.message.text() and board(page)["第一次公示"] == 3
    assert dialogs.shown and dialogs.shown[-1][0] == "warning"
    page.objections.selectRow(0)
    page.note.setText("核实：车是亲戚的")
    page.resolve(False)
    wait(qtbot, page)
    assert page.objections.item(0, 6).text() == "不成立"
    page.note.setText("乡镇审核会")
    select_all(page)
    page.advance()
    wait(qtbot, page)
    assert board(page)["乡镇审核"] == 3, page.message.text()
    # Printing the round's notice from the page.
    out = tmp_path / "notice.pdf"
    page.ask_path = lambda _title, _name: str(out)
    page.rounds.selectRow(0)
    page.print_notice()
    wait(qtbot, page)
    assert out.exists() and "已生成" in page.message.text()
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "第一次公示" in text
    page.grab().save(str(tmp_path / "page.png"))


def test_household_form_shows_its_records_read_only(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    ids = add_households(store, "炉场村", 1)
    core.apply(store, ids, D(2016, 6, 1))
    core.refuse(store, ids, D(2016, 6, 2), "不符合条件")
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor = window.open_household(ids[0])
    form = editor.form
    assert form.tabText(form.count() - 1) == "识别记录（2）"
    table = editor.case_history
    assert table.rowCount() == 2 and table.item(1, 4).text() == "不予受理" and table.item(1, 6).text() == "不符合条件"
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers


def test_applications_exits_and_paper_county_decisions_from_the_page(qtbot, store, dialogs) -> None:  # type: ignore[no-untyped-def]
    ids = add_households(store, "炉场村", 3)
    numbers = [store.households.get(i).fields["number"] for i in ids]
    page = CaseworkPage(store)
    qtbot.addWidget(page)
    page.show()
    page.year.setValue(2016)
    page.village.setCurrentText("炉场村")
    page.when.setDate(QDate(2016, 6, 1))
    page.apply_for("nosuch")
    assert dialogs.shown[-1][0] == "warning" and "nosuch" in dialogs.shown[-1][2]
    page.apply_for(f"{numbers[0]}，{numbers[1]}")
    wait(qtbot, page)
    assert board(page)["农户申请"] == 2
    for day in (2, 3, 4):
        core.advance(store, ids[:2], D(2016, 6, day))
    from fupin_desktop.casework import publicity

    publicity.open_round(store, D(2016, 6, 5), village="炉场村")
    core.advance(store, ids[:2], D(2016, 6, 12))
    core.advance(store, ids[:2], D(2016, 6, 13))
    publicity.open_round(store, D(2016, 6, 14), village="炉场村")
    core.advance(store, ids[:2], D(2016, 6, 21))
    page.refresh()
    assert board(page)["县审定"] == 2 and page.stage == "county"
    select_all(page)
    page.when.setDate(QDate(2016, 7, 1))
    page.county_decision("青扶发〔2016〕12号")
    wait(qtbot, page)
    assert board(page)["公告"] == 2, page.message.text()
    page.kind.setCurrentIndex(1)
    page.when.setDate(QDate(2016, 10, 1))
    page.propose_exit(numbers[2], consent=D(2016, 9, 30))
    wait(qtbot, page)
    assert board(page)["村评议"] == 1, page.message.text()
