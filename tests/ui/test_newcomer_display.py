"""Issue 13 item 10: incomes show two decimals (list, form, tables); column titles fit; the
village tree says what its red means."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import discard


def money_fields(store):  # type: ignore[no-untyped-def]
    return [f.id for f in store.spec.grid_fields() if f.unit == "元"]


def test_incomes_show_two_decimals_in_the_list_and_the_form(qtbot, store, dialogs) -> None:  # type: ignore[no-untyped-def]
    hh = full_household(store.spec, seed=1)
    hh.fields["wage_income"] = Decimal("6000")
    hh.fields["business_income"] = Decimal("1234.5")
    saved = store.households.save(hh, "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    col = [key for key, _ in model.columns].index("per_capita_income")
    shown = model.data(model.index(0, col))
    assert shown == f"{saved.fields['per_capita_income']:.2f}" and shown.count(".") == 1 and len(shown.split(".")[1]) == 2

    editor = window.open_household(int(saved.id or 0))
    form = editor.form
    assert form.editors["wage_income"].raw_text() == "6000.00"
    assert form.editors["business_income"].raw_text() == "1234.50"
    for fid in money_fields(store):
        text = form.editors[fid].raw_text()
        assert text == "" or (text.count(".") == 1 and len(text.split(".")[1]) == 2), (fid, text)
    measures = form.tables["measures"]
    amount = measures.model.data(measures.model.index(0, measures.column_of("amount")), Qt.ItemDataRole.DisplayRole)
    assert len(amount.split(".")[1]) == 2
    # not money: areas keep what was typed
    form.editors["forest"].set_value(Decimal("10"))
    assert form.editors["forest"].raw_text() == "10"
    # typing money: shown with its cents after Tab, stored as the number
    form.editors["wage_income"].setText("7000.5")
    assert form.editors["wage_income"].commit()
    assert form.editors["wage_income"].raw_text() == "7000.50" and form.editors["wage_income"].value() == Decimal("7000.5")
    discard(editor)


def test_column_titles_fit_in_the_tables_and_the_list(qtbot, store, dialogs) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(store)
    qtbot.addWidget(window)
    header = window.table.horizontalHeader()
    for col, (_key, label) in enumerate(window.model.columns):
        assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(label) + 16, label
    editor = window.new_household()
    titles = {}
    for table in editor.form.tables.values():
        h = table.view.horizontalHeader()
        for i in range(table.model.columnCount()):
            title = table.model.headerData(i, Qt.Orientation.Horizontal)
            titles[title] = (h.sectionSize(i), h.fontMetrics().horizontalAdvance(title))
    assert {"帮扶后年人均纯收入(元)", "务工时间(月)"} <= set(titles)
    assert [t for t, (size, need) in titles.items() if size < need + 16] == []
    discard(editor)


def test_the_village_tree_explains_its_red(qtbot, store, dialogs) -> None:  # type: ignore[no-untyped-def]
    village = store.townships.village_by_name("炉场村")
    village.quota = 1
    store.townships.update_village(village, store.operator)
    store.households.save(full_household(store.spec, seed=1, names=("张三", "李四")), "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    tree = window.tree
    assert "红色" in tree.headerItem().toolTip(1) and "超过贫困人口规模" in tree.headerItem().toolTip(1)
    root = tree.topLevelItem(0)
    item = next(root.child(i) for i in range(root.childCount()) if root.child(i).text(0).startswith("炉场村"))
    assert item.foreground(1).color() == Qt.GlobalColor.darkRed
    assert "超出规模 1 人" in item.toolTip(1) and "已登记 2 人" in item.toolTip(0)
    other = next(root.child(i) for i in range(root.childCount()) if root.child(i).text(0).startswith("兴龙村"))
    assert "超出" not in other.toolTip(1)
