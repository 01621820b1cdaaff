"""The main window as a clerk uses it: the search box, Enter to open, the status bar's counts."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import activate


def heads(window: MainWindow) -> list[str]:
    return [window.model.summary(r).head_name for r in range(window.model.rowCount())]


def finds(qtbot, window: MainWindow, clerk, text: str, expected: list[str]) -> bool:
    """Type ``text`` in the search box and wait until the list shows ``expected`` (head names)."""
    window.focus_search()  # Ctrl+F
    clerk.type(text)  # typing replaces the selected old search
    qtbot.waitUntil(lambda: window.model.search == text and heads(window) == expected, timeout=5000)
    return True


def test_search_box_finds_by_name_initials_id_fragment_and_household_number(qtbot, store, clerk, dialogs) -> None:
    households = [full_household(store.spec, seed=s, names=n) for s, n in
                  ((1, ("张三丰", "李梅")), (2, ("王五", "赵六")), (3, ("张小三", "钱七")))]
    for hh in households:
        store.households.save(hh, "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    assert window.status_counts.text() == "3 个村 · 共 3 户 6 人 · 当前列表 3 户"

    wang = households[1]
    id_number = wang.members[0].get("id_number")
    assert finds(qtbot, window, clerk, "张三丰", ["张三丰"])
    assert finds(qtbot, window, clerk, "zsf", ["张三丰"])
    assert finds(qtbot, window, clerk, id_number[6:14], ["王五"])  # the birth date part of the ID
    assert finds(qtbot, window, clerk, wang.fields["number"], ["王五"])
    assert finds(qtbot, window, clerk, "钱七", ["张小三"]), "a member's name finds the household"
    assert window.status_counts.text().endswith("当前列表 1 户")

    clerk.enter()  # the only match opens
    qtbot.waitUntil(lambda: len(window.editors) == 1)
    editor = next(iter(window.editors.values()))
    assert editor.household.head_name == "张小三"
    editor.close()


def test_status_bar_counts_follow_a_save_and_a_deletion(qtbot, store, clerk, dialogs) -> None:
    store.households.save(full_household(store.spec, seed=1), "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.status_counts.text() == "3 个村 · 共 1 户 3 人 · 当前列表 1 户"
    editor = window.new_household()
    editor.form.load(full_household(store.spec, seed=2, names=("王五", "赵六")))
    assert editor.save()
    assert window.status_counts.text() == "3 个村 · 共 2 户 5 人 · 当前列表 2 户"
    editor.close()
    window.table.selectRow(window.model.row_of(editor.household.id))
    dialogs.answer = QMessageBox.StandardButton.Yes
    window.delete_selected()
    assert window.status_counts.text() == "3 个村 · 共 1 户 3 人 · 当前列表 1 户"


def click_header(window: MainWindow, label: str) -> None:
    header = window.table.horizontalHeader()
    column = [text for _key, text in window.model.columns].index(label)
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_clicking_the_head_name_header_sorts_in_pinyin_order(qtbot, store) -> None:
    """As Excel and WPS sort names: 安 < 白 < 陈 < 张 (by code point 安 张 白 陈); 𠮷, unknown to
    pypinyin, after the known ones; a second click turns the order round."""
    for seed, head in enumerate(("张伟", "𠮷祥", "白雪", "陈静", "章伟", "安娜"), start=1):
        store.households.save(full_household(store.spec, seed=seed, names=(head, "李梅")), "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    click_header(window, "户主姓名")
    qtbot.waitUntil(lambda: window.model.order == "head_name")
    assert heads(window) == ["安娜", "白雪", "陈静", "张伟", "章伟", "𠮷祥"]
    assert window.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    click_header(window, "户主姓名")
    qtbot.waitUntil(lambda: window.model.descending)
    assert heads(window) == ["𠮷祥", "章伟", "张伟", "陈静", "白雪", "安娜"]


def test_a_household_opened_from_elsewhere_is_selected_in_the_list_and_its_save_keeps_it(qtbot, store) -> None:
    """Issue 14 (first save): opened by id (数据质量, a link) its row is selected as a double-click
    would leave it -- so the save does not move the list (a scroll and a repaint) on the GUI thread."""
    saved = [store.households.save(full_household(store.spec, seed=s, names=n), "测试")
             for s, n in ((1, ("张三丰", "李梅")), (2, ("王五", "赵六")), (3, ("张小三", "钱七")))]
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.offer_drafts = False
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and window.selected_household_id() is not None)
    other = next(h.id for h in saved if h.id != window.selected_household_id())

    editor = window.open_household(other)
    assert editor is not None and window.selected_household_id() == other

    moved: list[object] = []
    window.table.selectionModel().selectionChanged.connect(lambda *a: moved.append(a))
    editor.apply_field("bank", "测试银行")
    assert editor.save()
    assert moved == [] and window.selected_household_id() == other
    editor.close()
