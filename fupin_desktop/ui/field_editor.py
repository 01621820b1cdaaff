"""The field editors' shared interface (:class:`FieldEditor`) and the plain ones: one-line text,
numbers, dates, ID/phone/bank numbers (:class:`LineFieldEditor`), derived values and multi-line text.

See :mod:`~fupin_desktop.ui.field_widgets` for the interface every editor keeps; the code-list
editors are in :mod:`~fupin_desktop.ui.code_editors`.
"""


from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from fupin_desktop.domain.values import FieldValueError, parse_value
from fupin_desktop.formspec import FieldSpec
from fupin_desktop.ui.display import display_value
from fupin_desktop.ui.input_cleaning import clean_line_edit, clean_plain_text_edit

#: Application-level stylesheet fragment for field editors (install once on the window/app).
FIELD_STYLESHEET = """
*[invalid="true"] { border: 1px solid #d93025; background: #fff4f4; }
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] { background: #f0f0f0; color: #444444; }
"""

#: Placeholder shown in empty date fields (also documents the canonical format).
DATE_PLACEHOLDER = "2015-06-01"

#: Text whose width is each field type's minimum width (plus frame padding).
_WIDTH_SAMPLES: dict[str, str] = {
    "text": "汉" * 6,
    "multiline": "汉" * 16,
    "integer": "0" * 6,
    "decimal": "0" * 10,
    "date": "0000-00-00" + "0",
    "bool": "汉" * 2 + "0",
    "code": "汉" * 4 + "|" + "0" * 8,  # four Chinese characters or eight digits, whichever is wider
    "multicode": "汉" * 8,
    "id_number": "0" * 20 + "X",  # a 20-character 残疾人证 number and a little slack
    "phone": "0" * 13,
    "bank_account": "0" * 23,
    "derived": "0" * 8,
}
_FRAME_PADDING = 16  # frame + text margins of a line edit, in pixels


def _repolish(widget: QWidget) -> None:
    """Re-evaluate stylesheet property selectors after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def _is_undo_redo(event: QEvent) -> bool:
    return isinstance(event, QKeyEvent) and (
        event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
    )


class FieldEditor:
    """The interface shared by all field editors (a mixin for a ``QWidget`` subclass).

    Concrete classes declare the Qt signals ``edited = Signal(object, object)``,
    ``error_changed = Signal(str)`` and ``text_live = Signal(str)`` and implement
    :meth:`raw_text`, :meth:`_set_display` and :meth:`set_readonly`.
    """

    spec: FieldSpec
    _value: Any
    _error: str | None
    _base_tooltip: str

    # -- set-up ----------------------------------------------------------
    def _init_editor(self, spec: FieldSpec) -> None:
        """Common set-up; call right after the Qt base class ``__init__``."""
        widget: Any = self
        self.spec = spec
        self._value = self._empty_value()
        self._error = None
        self._base_tooltip = spec.help
        widget.setObjectName(f"field_{spec.id}")
        widget.setAccessibleName(spec.label)
        if spec.help:
            widget.setToolTip(spec.help)
            widget.setAccessibleDescription(spec.help)
        widget.setProperty("invalid", False)
        sample = _WIDTH_SAMPLES.get(spec.type)
        if sample:  # "a|b": as wide as the wider of the samples (fonts differ in CJK vs digit widths)
            fm = widget.fontMetrics()
            width = max(fm.horizontalAdvance(part) for part in sample.split("|"))
            widget.setMinimumWidth(width + _FRAME_PADDING)

    def _empty_value(self) -> Any:
        return [] if self.spec.type == "multicode" else None

    if TYPE_CHECKING:  # supplied by each concrete editor (a QLineEdit or QPlainTextEdit subclass)

        def raw_text(self) -> str:
            """What is typed in the widget right now."""

        def set_readonly(self, readonly: bool) -> None:
            """Make the editor read-only (or editable again)."""

        def _set_display(self, text: str) -> None:
            """Show ``text`` in the widget."""

    # -- public interface ------------------------------------------------
    def value(self) -> Any:
        """The last successfully parsed (or programmatically set) value."""
        return list(self._value) if isinstance(self._value, list) else self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` (formatted), clear any error; does not emit ``edited``."""
        if value is None:
            value = self._empty_value()
        self._value = list(value) if isinstance(value, list) else value
        self._set_display(display_value(self.spec, value))
        self._set_error(None)

    def error(self) -> str | None:
        """The current parse error (Chinese), or ``None``."""
        return self._error

    def commit(self) -> bool:
        """Parse the typed text; on success show it normalised and emit ``edited`` if it changed.

        Called on Enter/focus-out/popup choice; the form may call it before saving.
        Returns whether the text is valid.  Idempotent.
        """
        text = self.raw_text()
        try:
            new = self._parse(text)
        except FieldValueError as exc:
            self._set_error(str(exc))
            return False
        self._set_error(None)
        shown = display_value(self.spec, new)
        if shown != text:
            self._set_display(shown)
        old = self._value
        if new != old:
            self._value = new
            self.edited.emit(old, new)  # type: ignore[attr-defined]
        return True

    # -- hooks and helpers -------------------------------------------------
    def _parse(self, text: str) -> Any:
        return parse_value(self.spec, text, None)

    def _revalidate_live(self, text: str) -> None:
        """While an error is shown it follows the typing (cleared as soon as the text is valid)."""
        if self._error is None:
            return
        try:
            self._parse(text)
        except FieldValueError as exc:
            self._set_error(str(exc))
        else:
            self._set_error(None)

    def _set_error(self, message: str | None) -> None:
        if message == self._error:
            return
        widget: Any = self
        self._error = message
        invalid = message is not None
        widget.setProperty("invalid", invalid)
        widget.setToolTip(message if invalid else self._base_tooltip)
        _repolish(widget)
        widget.error_changed.emit(message or "")


class LineFieldEditor(QLineEdit, FieldEditor):
    """Single-line editor for text, phone, bank_account, id_number, integer, decimal and date."""

    edited = Signal(object, object)
    error_changed = Signal(str)
    text_live = Signal(str)
    notice = Signal(str)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_editor(spec)
        ftype = spec.type
        if ftype == "text" and spec.max_length:
            self.setMaxLength(spec.max_length)
        if ftype in ("integer", "decimal"):
            self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if ftype == "date":
            self.setPlaceholderText(DATE_PLACEHOLDER)
        self.textEdited.connect(self._on_text_edited)
        self.editingFinished.connect(self.commit)

    # -- FieldEditor -----------------------------------------------------
    def raw_text(self) -> str:
        return self.text()

    def _set_display(self, text: str) -> None:
        self.setText(text)

    def set_readonly(self, readonly: bool) -> None:
        self.setReadOnly(readonly)
        _repolish(self)

    # -- Qt overrides ------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and _is_undo_redo(event):
            event.ignore()  # let the window's undo/redo actions fire
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_undo_redo(event):
            event.ignore()  # never the line edit's own undo
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.commit()

    def _on_text_edited(self, text: str) -> None:
        message = clean_line_edit(self)  # pasted or IME-committed invisible characters
        if message:
            text = self.text()
            self.notice.emit(message)
        self.text_live.emit(text)
        self._revalidate_live(text)


class DerivedEditor(LineFieldEditor):
    """Read-only display of a value computed by the program; Tab skips it."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if spec.unit:
            self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.setPalette(palette)

    def _parse(self, text: str) -> Any:
        return self._value  # never edited by the clerk: the set value stands

    def set_readonly(self, readonly: bool) -> None:
        """Derived fields are always read-only."""


class MultilineEditor(QPlainTextEdit, FieldEditor):
    """Multi-line text (notes): Tab moves on, commit on focus-out; max_length checked on commit."""

    edited = Signal(object, object)
    error_changed = Signal(str)
    text_live = Signal(str)
    notice = Signal(str)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._programmatic = False
        self._init_editor(spec)
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)  # the form's undo stack owns undo
        lines = self.fontMetrics().lineSpacing() * 3
        self.setMinimumHeight(lines + 2 * self.frameWidth() + 8)
        self.textChanged.connect(self._on_text_changed)

    def raw_text(self) -> str:
        return self.toPlainText()

    def _set_display(self, text: str) -> None:
        self._programmatic = True
        try:
            self.setPlainText(text)
        finally:
            self._programmatic = False

    def set_readonly(self, readonly: bool) -> None:
        self.setReadOnly(readonly)
        _repolish(self)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and _is_undo_redo(event):
            event.ignore()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_undo_redo(event):
            event.ignore()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.commit()

    def _on_text_changed(self) -> None:
        if self._programmatic:
            return
        self._programmatic = True
        try:
            message = clean_plain_text_edit(self)
        finally:
            self._programmatic = False
        if message:
            self.notice.emit(message)
        text = self.toPlainText()
        self.text_live.emit(text)
        self._revalidate_live(text)
