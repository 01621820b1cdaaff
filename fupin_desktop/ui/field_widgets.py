"""Keyboard-first editor widgets for single form fields, one per :class:`FieldSpec` type.

Every editor shares the small :class:`FieldEditor` interface so the form (and table
delegates) can treat them alike:

* ``value()`` is the last successfully parsed value (``None``, or ``[]`` for multicode,
  when empty); ``set_value()`` shows a value programmatically without emitting ``edited``;
* ``raw_text()`` is what is typed now, ``error()`` the current parse error or ``None``;
* ``edited(old, new)`` is emitted when the clerk commits a changed value (Enter/Return,
  focus-out, or a pick from the completion popup) -- never per keystroke;
* ``error_changed(message)`` (``""`` when cleared) and ``text_live(text)`` per keystroke;
* ``notice(message)`` when invisible characters the clerk pasted were removed (input_cleaning).

Text that does not parse is never thrown away: it stays in the widget, the widget gets
the dynamic property ``invalid=true`` (styled by :data:`FIELD_STYLESHEET`) and the
message as its tooltip, and ``value()`` keeps the previous valid value.

Undo/redo keys are deliberately *not* handled by the widgets' own undo: the form owns a
window-level ``QUndoStack`` whose Ctrl+Z/Ctrl+Y actions must fire even while an editor
has the keyboard focus.

The interface and the plain editors are in :mod:`~fupin_desktop.ui.field_editor`, the code-list
editors in :mod:`~fupin_desktop.ui.code_editors`; :func:`make_editor` picks one for a field.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from fupin_desktop.domain.codes import CodeList
from fupin_desktop.formspec import FieldSpec
from fupin_desktop.ui.code_editors import BoolEditor, CodeEditor, MultiCodeEditor
from fupin_desktop.ui.field_editor import (
    FIELD_STYLESHEET,
    DerivedEditor,
    FieldEditor,
    LineFieldEditor,
    MultilineEditor,
)

__all__ = [
    "FIELD_STYLESHEET",
    "BoolEditor",
    "CodeEditor",
    "DerivedEditor",
    "FieldEditor",
    "LineFieldEditor",
    "MultiCodeEditor",
    "MultilineEditor",
    "make_editor",
]

_LINE_TYPES = frozenset({"text", "phone", "bank_account", "id_number", "integer", "decimal", "date"})


def make_editor(spec: FieldSpec, codes: CodeList | None, parent: QWidget | None = None) -> FieldEditor:
    """Create the editor widget for ``spec``.

    ``codes`` is the field's code list (for ``@`` dynamic lists: the one the caller
    built; for bool fields the 是/否 list, a built-in one when ``None``).  Read-only
    spec fields (filled from township data) are made read-only and skipped by Tab.
    """
    ftype = spec.type
    editor: FieldEditor
    if ftype == "multiline":
        editor = MultilineEditor(spec, parent)
    elif ftype == "code":
        editor = CodeEditor(spec, codes, parent)
    elif ftype == "bool":
        editor = BoolEditor(spec, codes, parent)
    elif ftype == "multicode":
        editor = MultiCodeEditor(spec, codes, parent)
    elif ftype == "derived":
        editor = DerivedEditor(spec, parent)
    elif ftype in _LINE_TYPES:
        editor = LineFieldEditor(spec, parent)
    else:
        raise ValueError(f"unknown field type {ftype!r} for {spec.id}")
    if spec.readonly and ftype != "derived":
        editor.set_readonly(True)
        editor.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # type: ignore[attr-defined]
    return editor
