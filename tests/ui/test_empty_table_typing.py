"""Issue 13 item 10: an empty table accepts typing at once -- the first row appears with what
the clerk typed in its first cell (Chinese through the input method, digits as keys)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_household_editor import discard, new_editor


def test_typing_chinese_into_the_empty_members_table_starts_the_first_row(qtbot, store, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    _, editor = new_editor(qtbot, store)
    members = editor.form.tables["members"]
    assert members.model.rows == []
    members.view.setFocus()
    clerk.type("张三")
    clerk.tab()
    assert len(members.model.rows) == 1
    assert members.model.data(members.model.index(0, members.column_of("name")), Qt.ItemDataRole.EditRole) == "张三"
    assert editor.windowTitle().startswith("*")
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert members.model.rows == [], "the new row is undone like any other"
    discard(editor)


def test_typing_digits_into_an_empty_table_starts_its_first_row(qtbot, store, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    _, editor = new_editor(qtbot, store)
    plans = editor.form.tables["plans"]
    first = plans.model.columns[0]
    assert plans.model.rows == [] and first.id == "year"
    plans.view.setFocus()
    clerk.type("2016")
    clerk.press(Qt.Key.Key_Return)
    assert len(plans.model.rows) == 1
    assert str(plans.model.data(plans.model.index(0, 0), Qt.ItemDataRole.EditRole)) == "2016"
    discard(editor)


def test_keys_that_type_nothing_leave_an_empty_table_empty(qtbot, store, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    _, editor = new_editor(qtbot, store)
    members = editor.form.tables["members"]
    members.view.setFocus()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Delete, Qt.Key.Key_Down, Qt.Key.Key_F2):
        clerk.press(key)
    assert members.model.rows == []
    discard(editor)
