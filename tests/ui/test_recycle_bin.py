"""编辑 → 已删除的户 as a clerk uses it: delete in the main window, find the household in the recycle
bin (who and when, in local time), restore it, and see it back in the list, the tree and the counts."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QTreeWidgetItemIterator

from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.recycle_bin import RecycleBinDialog
from tests.helpers import full_household
from tests.ui.test_household_editor import activate

LOCAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


def tree_counts(window: MainWindow) -> dict[str, str]:
    out = {}
    it = QTreeWidgetItemIterator(window.tree)
    while it.value():
        item = it.value()
        out.setdefault(item.text(0), item.text(1))  # (the first of the same-named groups)
        it += 1
    return out


def heads(window: MainWindow) -> list[str]:
    return [window.model.summary(r).head_name for r in range(window.model.rowCount())]


def edit_action(window: MainWindow, text: str):  # noqa: ANN201
    [menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "编辑(&E)"]
    [action] = [a for a in menu.actions() if a.text() == text]
    return action


def cells(dialog: RecycleBinDialog, row: int) -> list[str]:
    return [dialog.table.item(row, c).text() for c in range(dialog.table.columnCount())]


def make_window(qtbot, store) -> tuple[MainWindow, list]:
    saved = [store.households.save(full_household(store.spec, seed=s, names=n), "测试") for s, n in
             ((1, ("张三丰", "李梅")), (2, ("王五", "赵六", "钱七")))]
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    return window, saved


def delete_with_the_key(window: MainWindow, clerk, household_id: int) -> None:
    window.table.selectRow(window.model.row_of(household_id))
    window.table.setFocus()
    clerk.press(Qt.Key.Key_Delete)


def test_delete_then_restore_from_the_recycle_bin(qtbot, store, clerk, dialogs) -> None:
    store.set_operator("王会计")
    window, (zhang, wang) = make_window(qtbot, store)
    assert window.status_counts.text() == "3 个村 · 共 2 户 5 人 · 当前列表 2 户"
    counts_before = tree_counts(window)

    dialogs.answer = QMessageBox.StandardButton.Yes
    delete_with_the_key(window, clerk, wang.id)
    assert heads(window) == ["张三丰"]
    assert window.status_counts.text() == "3 个村 · 共 1 户 2 人 · 当前列表 1 户"
    assert "编辑 → 已删除的户" in window.statusBar().currentMessage()
    assert tree_counts(window)["茶坝乡"] == "1"

    edit_action(window, "已删除的户(&T)…").trigger()
    dialog = window.recycle_bin
    activate(qtbot, dialog)
    assert dialog.table.rowCount() == 1
    row = cells(dialog, 0)
    assert row[0] == wang.fields["number"] and row[4] == "王五" and row[5] == "3" and row[6] == "王会计"
    assert LOCAL.match(row[7]), row[7]  # local time, never the stored UTC text
    assert dialog.table.isColumnHidden(1), "no 乡镇 column on a township database"

    # The search box: Chinese typed through the input method, then pinyin initials.
    dialog.search.setFocus()
    assert clerk.focus() is dialog.search
    clerk.type("张三")
    assert dialog.table.rowCount() == 0 and not dialog.btn_restore.isEnabled()
    dialog.search.clear()
    clerk.type("ww")
    assert dialog.table.rowCount() == 1 and dialog.btn_restore.isEnabled()

    QTest.mouseClick(dialog.btn_restore, Qt.MouseButton.LeftButton)
    assert any(kind == "question" and "确定恢复 王五户" in text for kind, _t, text in dialogs.shown)
    assert dialog.table.rowCount() == 0 and "已恢复" in dialog.info.text()
    assert sorted(heads(window)) == ["张三丰", "王五"]
    assert window.status_counts.text() == "3 个村 · 共 2 户 5 人 · 当前列表 2 户"
    assert tree_counts(window) == counts_before
    assert "已恢复 王五" in window.statusBar().currentMessage()
    assert window.selected_household_id() == wang.id

    editor = window.open_household(window.selected_household_id())  # the restored household opens with all its members
    assert editor is not None and [m.get("name") for m in editor.household.members] == ["王五", "赵六", "钱七"]
    editor.close()
    dialog.close()


def test_a_restore_that_clashes_with_a_current_household_needs_a_second_yes(
        qtbot, store, clerk, dialogs, monkeypatch) -> None:
    window, (zhang, wang) = make_window(qtbot, store)
    dialogs.answer = QMessageBox.StandardButton.Yes
    delete_with_the_key(window, clerk, wang.id)
    store.households.save(full_household(store.spec, seed=3, number=wang.fields["number"],
                                         names=("孙七", "周八")), "测试")
    window.refresh()

    dialog = window.open_recycle_bin()
    qtbot.waitExposed(dialog)
    assert not dialog.restore_selected(), "the warning's default is 否"
    [warning] = [text for kind, _t, text in dialogs.shown if kind == "warning"]
    assert wang.fields["number"] in warning and "孙七" in warning and "仍然恢复" in warning
    assert dialog.table.rowCount() == 1 and store.households.get(wang.id) is None

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert dialog.restore_selected()
    assert store.households.get(wang.id) is not None
    assert sorted(heads(window)) == ["孙七", "张三丰", "王五"]
    dialog.close()


def test_ctrl_z_undoes_a_delete_in_the_main_window(qtbot, store, clerk, dialogs) -> None:
    window, (zhang, wang) = make_window(qtbot, store)
    undo = window.act_undo_delete
    assert not undo.isEnabled()
    dialogs.answer = QMessageBox.StandardButton.Yes
    delete_with_the_key(window, clerk, zhang.id)
    assert heads(window) == ["王五"] and undo.isEnabled()

    clerk.shortcut("Ctrl+Z")
    assert sorted(heads(window)) == ["张三丰", "王五"] and not undo.isEnabled()
    assert window.selected_household_id() == zhang.id
    assert store.recycle.list() == []
    assert window.status_counts.text() == "3 个村 · 共 2 户 5 人 · 当前列表 2 户"


def test_at_the_county_a_townships_deleted_household_is_listed_but_left_to_the_township(
        qtbot, tmp_path, monkeypatch) -> None:
    from fupin_desktop.sync import keys
    from tests.sync.world import PASSPHRASE, export, import_, make_world

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)
    world = make_world(tmp_path)
    try:
        import_(world.county, export(world.town, world.stick).batch)
        world.town.households.delete(world.saved["town"][0], "王会计")
        import_(world.county, export(world.town, world.stick).batch)
        dialog = RecycleBinDialog(world.county)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.table.isColumnHidden(1) and cells(dialog, 0)[1] == "茶坝乡"
        assert cells(dialog, 0)[6] == "茶坝乡（数据交换）"
        assert not dialog.btn_restore.isEnabled()
        assert "请在该乡镇的程序里恢复" in dialog.info.text()
    finally:
        world.close()


def test_a_household_restored_meanwhile_elsewhere_is_told_and_leaves_the_list(qtbot, store, clerk, dialogs) -> None:
    window, (zhang, wang) = make_window(qtbot, store)
    dialogs.answer = QMessageBox.StandardButton.Yes
    delete_with_the_key(window, clerk, wang.id)
    dialog = window.open_recycle_bin()
    qtbot.waitExposed(dialog)
    store.recycle.restore(wang.id, "另一个窗口")  # e.g. fupin restore-household in a terminal
    assert not dialog.restore_selected()
    assert any(kind == "warning" and "没有被删除" in text for kind, _t, text in dialogs.shown)
    assert dialog.table.rowCount() == 0 and dialog.info.text() == "没有已删除的户。"
    dialog.close()
