"""Issue 13 item 10: a new household's form offers the next free 户编号 of its group; the clerk
may type another, which then is never replaced."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fupin_desktop.rules import FieldRef
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import activate, discard


def open_new(qtbot, store, village: str, group: str):  # type: ignore[no-untyped-def]
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    v = store.townships.village_by_name(village)
    window.tree.select_scope(v.id, group)
    editor = window.new_household()
    activate(qtbot, editor)
    return window, editor


def test_new_household_is_offered_the_next_free_number_of_its_group(qtbot, store, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    store.households.save(full_household(store.spec, seed=1, number="510822105001001007"), "测试")
    _, editor = open_new(qtbot, store, "炉场村", "一组")
    number = editor.form.editors["number"]
    assert number.value() == "510822105001001008"
    assert not editor.windowTitle().startswith("*"), "an offer is not a change"
    # another group: the offer follows, as one undoable step
    editor.form.focus_ref(FieldRef("group"))
    clerk.field("二组")
    assert editor.form.editors["group"].value() == "二组"
    assert number.value() == "510822105001002001"
    editor.undo_stack.undo()
    assert number.value() == "510822105001001008"
    editor.undo_stack.redo()
    assert number.value() == "510822105001002001"
    discard(editor)


def test_a_number_the_clerk_typed_is_kept_when_the_group_changes(qtbot, store, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    _, editor = open_new(qtbot, store, "炉场村", "一组")
    number = editor.form.editors["number"]
    assert number.value() == "510822105001001001"
    editor.form.focus_ref(FieldRef("number"))
    number.selectAll()
    clerk.type("510822105001001099")
    clerk.press(Qt.Key.Key_Tab)
    assert number.value() == "510822105001001099"
    editor.form.focus_ref(FieldRef("group"))
    clerk.field("二组")
    assert number.value() == "510822105001001099"
    discard(editor)
