"""Invisible characters typed through an input method or pasted from the clipboard are removed
at once, the cursor stays put, and the clerk is told (real widgets, real clipboard)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.formspec import load_form
from fupin_desktop.ui.field_widgets import LineFieldEditor, MultilineEditor, make_editor
from fupin_desktop.ui.form_view import FormView
from fupin_desktop.ui.input_cleaning import CLEANED

RLO = "\u202e"
TAG_A = "\U000e0041"
PRIVATE = "\ue000"  # a 造字 of a rare-name font: kept


def ime_commit(widget: QWidget, text: str) -> None:
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def member_field(field_id: str) -> Any:
    return next(f for f in load_form("household").table("members").fields if f.id == field_id)


def notices(editor: Any) -> list[str]:
    calls: list[str] = []
    editor.notice.connect(calls.append)
    return calls


def test_an_input_method_commit_with_a_bidi_override_is_cleaned(qtbot: Any) -> None:
    editor = make_editor(member_field("name"), None)
    assert isinstance(editor, LineFieldEditor)
    qtbot.addWidget(editor)
    editor.show()
    editor.setFocus()
    seen = notices(editor)
    ime_commit(editor, "张")
    ime_commit(editor, f"{RLO}三\x00丰")
    assert editor.text() == "张三丰" and editor.cursorPosition() == 3
    assert seen and CLEANED in seen[-1] and "U+202E" in seen[-1] and "U+0000" in seen[-1]
    assert CLEANED in QToolTip.text()
    assert editor.commit() and editor.value() == "张三丰"


def test_a_pasted_id_number_loses_its_invisible_characters_and_is_valid(qtbot: Any) -> None:
    number = make_id("510822", date(1968, 3, 15), 11)
    editor = make_editor(member_field("id_number"), None)
    qtbot.addWidget(editor)
    editor.show()
    seen = notices(editor)
    QApplication.clipboard().setText(f"\u200b{number[:6]}\x00{number[6:]}{TAG_A}\ufeff")
    editor.paste()  # type: ignore[attr-defined]
    assert editor.text() == number  # type: ignore[attr-defined]
    assert len(seen) == 1 and "U+200B" in seen[0]
    assert editor.commit() and editor.value() == number


def test_the_cursor_stays_where_it_was_after_a_rare_character(qtbot: Any) -> None:
    editor = make_editor(member_field("name"), None)
    qtbot.addWidget(editor)
    editor.show()
    ime_commit(editor, "𠮷祥")  # 𠮷 is two UTF-16 units for Qt
    editor.setCursorPosition(2)  # type: ignore[attr-defined]
    ime_commit(editor, f"{RLO}王")
    assert editor.text() == "𠮷王祥"  # type: ignore[attr-defined]
    assert editor.cursorPosition() == 3  # type: ignore[attr-defined]


def test_private_use_characters_are_kept_without_a_notice(qtbot: Any) -> None:
    editor = make_editor(member_field("name"), None)
    qtbot.addWidget(editor)
    editor.show()
    seen = notices(editor)
    ime_commit(editor, f"{PRIVATE}祥")
    assert editor.text() == f"{PRIVATE}祥" and seen == []  # type: ignore[attr-defined]


def test_a_pasted_note_keeps_its_lines_and_tabs(qtbot: Any) -> None:
    spec = load_form("household").field("cause_note")
    editor = make_editor(spec, None)
    assert isinstance(editor, MultilineEditor)
    qtbot.addWidget(editor)
    editor.show()
    seen = notices(editor)
    QApplication.clipboard().setText(f"第一行\r\n第二行{RLO}\x07\t尾{TAG_A}")
    editor.paste()
    assert editor.toPlainText() == "第一行\n第二行\t尾"
    assert len(seen) == 1 and "U+202E" in seen[0] and "U+0007" in seen[0]
    assert editor.commit() and editor.value() == "第一行\n第二行\t尾"


def test_the_form_shows_the_notice_beside_the_field(qtbot: Any, tmp_path: Any) -> None:
    view = FormView(load_form("household"), {"炉场村": ["一组"]})
    qtbot.addWidget(view)
    view.show()
    editor = view.editors["number"]
    editor.setFocus()  # type: ignore[attr-defined]
    ime_commit(editor, f"5108221050010001{RLO}")  # type: ignore[arg-type]
    label = view.findChild(QLabel, "error_number")
    assert label is not None and label.isVisible() and CLEANED in label.text()
    assert editor.raw_text() == "5108221050010001"
    view.grab().save(str(tmp_path / "notice.png"))
