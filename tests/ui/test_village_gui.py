"""The 贫困村登记表 editor and the 统计 page with real widgets (issue 17)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fupin_desktop.demo import build_demo
from fupin_desktop.demo.villages import MISMATCH
from fupin_desktop.rules import FieldRef
from fupin_desktop.store import Store
from fupin_desktop.store.village_view import statistics, village_view
from fupin_desktop.ui.stats_page import StatsWindow
from fupin_desktop.ui.village_form import VillageFormDialog
from tests.ui.clerk import Clerk


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("villagegui") / "demo.db"
    with Store(path) as store:
        build_demo(store, 300)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "demo.db"
    src, dst = sqlite3.connect(demo_file), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    store = Store(target)
    yield store
    store.close()


def test_typed_figures_beside_the_households_and_saved_from_the_keyboard(
        qtbot: object, clerk: Clerk, demo: Store) -> None:
    dialog = VillageFormDialog(demo, MISMATCH[0])
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    qtbot.waitExposed(dialog)  # type: ignore[attr-defined]
    dialog.activateWindow()
    dialog.raise_()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    dialog.editor.editors["village_type"].setFocus()  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.editor.editors["village_type"].hasFocus)  # type: ignore[attr-defined]
    view = village_view(demo, MISMATCH[0])
    computed = view["computed"][MISMATCH[1]]
    label = dialog.editor.error_labels[MISMATCH[1]]
    assert f"填写 {computed + MISMATCH[2]}" in label.text() and f"合计 {computed}" in label.text()
    assert "不一致" in dialog.status.text()
    assert dialog.editor.error_labels["labour"].text() == f"户档案：{view['computed']['labour']}"
    # Keyboard only: 村属性 has the focus; Tab to 村负责人 and type a Chinese name over it.
    assert clerk.focus() is dialog.editor.editors["village_type"]
    clerk.tab(2)
    assert clerk.focus() is dialog.editor.editors["leader"]
    clerk.type("李建华")
    clerk.tab()
    dialog.editor.focus_ref(FieldRef(MISMATCH[1]))  # (the clerk's Tabs through the other cells are above)
    clerk.type(str(computed))
    clerk.tab()
    assert label.text() == f"户档案：{computed}"
    clerk.shortcut("Ctrl+S")
    saved = village_view(demo, MISMATCH[0])
    assert saved["leader"] == "李建华" and saved[MISMATCH[1]] == computed and saved["differences"] == []
    assert "已保存" in dialog.status.text()


def test_an_empty_required_cell_blocks_saving_and_says_where(qtbot: object, clerk: Clerk, demo: Store) -> None:
    dialog = VillageFormDialog(demo, "三溪村")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    qtbot.waitExposed(dialog)  # type: ignore[attr-defined]
    dialog.activateWindow()
    dialog.raise_()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    dialog.editor.editors["village_type"].setFocus()  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.editor.editors["village_type"].hasFocus)  # type: ignore[attr-defined]
    before = village_view(demo, "三溪村")
    clerk.tab(2)
    clerk.press(Qt.Key.Key_Delete)
    clerk.tab()
    clerk.shortcut("Ctrl+S")
    assert "未保存" in dialog.status.text()
    assert dialog.editor.error_labels["leader"].text() == "村负责人未填"
    assert village_view(demo, "三溪村") == before


def test_the_poor_village_tests_are_shown(qtbot: object, demo: Store) -> None:
    dialog = VillageFormDialog(demo, "月明村")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert "三项均符合" in dialog.tests.text()
    dialog.village_box.setCurrentIndex(0)  # 炉场村
    assert "符合 0 项" in dialog.tests.text() and "不符合" in dialog.tests.text()


def test_stats_page_tables_equal_the_store_and_a_bar_lists_its_households(qtbot: object, demo: Store) -> None:
    window = StatsWindow(demo)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.reload()
    qtbot.waitUntil(lambda: window.data is not None, timeout=20000)  # type: ignore[attr-defined]
    doc = statistics(demo)
    table = window.villages_tab.table
    assert table.rowCount() == len(doc["villages"]) + 1
    for i, v in enumerate(doc["villages"]):
        assert table.item(i, 0).text().rstrip("★") == v["village"]
        assert int(table.item(i, 2).text()) == v["persons"]
    assert table.item(table.rowCount() - 1, 0).text() == "合计"
    assert int(table.item(table.rowCount() - 1, 1).text()) == doc["households"]
    causes = window.causes_tab.table
    assert {causes.item(i, 0).text(): int(causes.item(i, 1).text()) for i in range(causes.rowCount())} == \
        doc["township"]["causes"]
    # A click on 月明村's bar lists its households.
    index = [v["village"] for v in doc["villages"]].index("月明村")
    window.villages_tab.bar_sets[0].clicked.emit(index)
    qtbot.waitUntil(lambda: window.households.rowCount() > 0, timeout=20000)  # type: ignore[attr-defined]
    assert window.households.rowCount() == doc["villages"][index]["households"]
    assert {window.households.item(i, 0).text() for i in range(window.households.rowCount())} == {"月明村"}
    # A cause bar: the households whose main cause it is.
    window.causes_tab.bar_sets[0].clicked.emit(len(doc["township"]["causes"]) - 1)  # bars run bottom-up
    first = next(iter(doc["township"]["causes"]))
    qtbot.waitUntil(lambda: first in window.picked.text(), timeout=20000)  # type: ignore[attr-defined]
    assert window.households.rowCount() == doc["township"]["causes"][first]
    # One village in scope.
    window.scope_box.setCurrentText("新坪村")
    qtbot.waitUntil(lambda: window.data is not None and window.data["village"] == "新坪村",  # type: ignore[attr-defined]
                    timeout=20000)
    assert window.villages_tab.table.rowCount() == 1


def test_files_from_the_gui_print_export_import_and_report(qtbot: object, demo: Store, tmp_path: Path,
                                                           dialogs: object) -> None:
    from openpyxl import load_workbook

    from fupin_desktop.ui import village_files

    dialog = VillageFormDialog(demo, "月明村")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    year = dialog.year_box.value()
    pdf = tmp_path / "月明村.pdf"
    village_files.print_form(dialog, demo, "月明村", year, path=pdf)
    qtbot.waitUntil(lambda: len(dialogs.shown) == 1, timeout=30000)  # type: ignore[attr-defined]
    assert pdf.read_bytes().startswith(b"%PDF") and "已生成" in dialogs.shown[-1][2]  # type: ignore[attr-defined]
    xlsx = tmp_path / "村表.xlsx"
    village_files.export_forms(dialog, demo, year, path=xlsx)
    qtbot.waitUntil(lambda: len(dialogs.shown) == 2, timeout=30000)  # type: ignore[attr-defined]
    book = load_workbook(xlsx)
    ws = book.active
    headers = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "月明村")
    row[headers.index("主导产业")].value = "天麻"
    book.save(xlsx)
    village_files.import_forms(dialog, demo, path=xlsx, after=dialog.load)
    qtbot.waitUntil(lambda: len(dialogs.shown) == 3, timeout=30000)  # type: ignore[attr-defined]
    assert "已导入 11 份" in dialogs.shown[-1][2]  # type: ignore[attr-defined]
    assert village_view(demo, "月明村")["main_industry"] == "天麻"
    assert dialog.editor.editors["main_industry"].value() == "天麻"  # reloaded after the import
    report = tmp_path / "basic.xlsx"
    village_files.write_report(dialog, demo, "basic", year, path=report)
    qtbot.waitUntil(lambda: len(dialogs.shown) == 4, timeout=30000)  # type: ignore[attr-defined]
    total = next(r for r in load_workbook(report).active.iter_rows(values_only=True) if r[0] == "合计")
    assert total[2] == statistics(demo)["households"]


def test_policy_dialog_keeps_and_edits_the_village_references(qtbot: object, demo: Store, dialogs: object) -> None:
    from decimal import Decimal

    from fupin_desktop.ui.policy_dialog import PolicyDialog

    before = demo.policy.get().village_references
    assert before  # the demo set them
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    table = dialog.village_refs.table
    assert table.rowCount() == len(before)
    dialog.accept()  # saving other parameters keeps the references
    assert demo.policy.get().village_references == before
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.village_refs.table.item(0, 1).setText("7.5")
    dialog.village_refs.table.cellWidget(0, 3).setCurrentIndex(1)  # 全县
    dialog.accept()
    (ref,) = demo.policy.get().village_references.values()
    assert ref.incidence == Decimal("7.5") and ref.basis == "county"
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.village_refs.table.item(0, 2).setText("很多")
    dialog.accept()
    assert "农民人均纯收入" in dialogs.shown[-1][2]  # type: ignore[attr-defined]
    assert demo.policy.get().village_references[2015].income == before[2015].income
