"""Issue 16 in the GUI: the main list by year and label, and the print centre printing a closed year.

Real widgets and signals on a real two-year file (tests/test_years_list_print.py builds it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from fupin_desktop.store import Store, years
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.list_filters import FilterBar
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.print_centre import SCOPE_SELECTION, SCOPE_VILLAGE, PrintCentre
from fupin_desktop.ui.year_views import SnapshotView
from tests.printing.pdfcheck import pdf_text
from tests.test_years_list_print import two_years

WAIT_MS = 30_000


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    db, numbers = two_years(tmp_path)
    store = Store(db)
    yield store, numbers
    store.close()


def heads(window: MainWindow) -> list[str]:
    model = window.model
    return sorted(s.head_name for r in range(model.rowCount()) if (s := model.summary(r)) is not None)


def test_the_main_list_filters_by_year_and_label_and_opens_a_closed_year_read_only(qtbot, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, numbers = world
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    bar = window.findChild(FilterBar)
    year_box = window.findChild(QComboBox, "year_filter")
    type_box = window.findChild(QComboBox, "type_filter")
    exit_box = window.findChild(QComboBox, "exit_filter")
    assert [year_box.itemText(i) for i in range(year_box.count())] == ["2017年度（当前）", "2016年度（往年，只读）"]
    assert heads(window) == ["丁户主", "乙新名", "甲户主"]
    columns = [label for _key, label in window.model.columns]
    assert "贫困户属性" in columns and "脱贫标志" in columns
    type_box.setCurrentText("低保户")
    assert heads(window) == ["丁户主", "甲户主"]
    exit_box.setCurrentText("未脱贫")
    assert heads(window) == ["丁户主"]
    # 2016: that year's files under the same filters (甲 was 未脱贫 then).
    year_box.setCurrentIndex(year_box.findData(2016))
    assert heads(window) == ["甲户主"]
    assert "只读" in year_box.currentText() and "只读" in window.model.data(window.model.index(0, 0),
                                                                         Qt.ItemDataRole.ToolTipRole)
    type_box.setCurrentIndex(0)
    exit_box.setCurrentIndex(0)
    assert heads(window) == ["丙户主", "乙户主", "甲户主"]  # 丙 was deleted since: its 2016 file stays
    kind = [key for key, _ in window.model.columns].index("household_type")
    assert {window.model.data(window.model.index(r, kind)) for r in range(3)} == {"低保户", "一般贫困户", "五保户"}
    assert window.model.household_id(0) is None and window.selected_household_id() is None
    window.search.setText("乙户主")
    window._search_timer.stop()
    window._apply_search()
    assert heads(window) == ["乙户主"]
    view = bar.open_row(0)
    assert isinstance(view, SnapshotView) and view.year == 2016 and "只读" in view.windowTitle()
    assert view.save() is False
    view.close()
    # A double-click opens the year's file once; Enter (打开户档案) opens it too, never the live editor.
    window.table.selectRow(0)
    rect = window.table.visualRect(window.model.index(0, 1))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # as a mouse does:
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # press, then double
    assert len(bar.opened) == 2 and isinstance(bar.opened[-1], SnapshotView) and not window.editors
    window.act_open.trigger()
    assert len(bar.opened) == 3 and not window.editors
    for opened in bar.opened:
        opened.close()
    window.grab().save(str(tmp_path / "main_2016.png"))
    # Back to the current year: the live files, editable.
    window.search.clear()
    window._search_timer.stop()
    window._apply_search()
    year_box.setCurrentIndex(0)
    assert heads(window) == ["丁户主", "乙新名", "甲户主"] and window.model.household_id(0) is not None
    # A carry-over adds its closed year to the box.
    result = years.carry_over(store.db, 2018, "测试")
    announce(store, result.change)
    assert year_box.findData(2017) > 0 and year_box.itemText(0) == "2018年度（当前）"


def test_the_print_centre_prints_a_closed_years_file(qtbot, world) -> None:  # type: ignore[no-untyped-def]
    store, numbers = world
    second = store.households.ids_by_number([numbers["乙"]])[numbers["乙"]][0]
    centre = PrintCentre(store, household_id=second)
    qtbot.addWidget(centre)
    centre.set_document("card")
    year_box = centre.findChild(QComboBox, "print_year")
    assert year_box.isEnabled() and year_box.findData(2016) > 0
    year_box.setCurrentIndex(year_box.findData(2016))

    def generate() -> None:
        centre.result = None
        assert centre.generate() is not None
        qtbot.waitUntil(lambda: centre.result is not None, timeout=WAIT_MS)

    generate()
    text = pdf_text(centre.result.path)
    assert "乙户主" in text and "乙新名" not in text
    # A village's 2016 households, 丙 (deleted since) among them, ticked in the list.
    village = store.households.summaries([second])[0].village
    centre.village.setCurrentIndex(centre.village.findText(village))
    centre.scopes.button(SCOPE_SELECTION).setChecked(True)
    items = [centre.households.item(i) for i in range(centre.households.count())]
    assert all("2016年度" in item.toolTip() for item in items)
    for item in items:
        item.setCheckState(Qt.CheckState.Checked)
    generate()
    assert centre.result.households == len(items)
    centre.scopes.button(SCOPE_VILLAGE).setChecked(True)
    generate()
    assert centre.result.households == len(items)
    # Notices have no year: the box is off for them.
    centre.set_document("notice-first")
    assert not year_box.isEnabled()
    centre.done(0)
