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
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QAbstractItemView, QApplication, QCompleter, QLineEdit, QPlainTextEdit, QWidget

from fupin_desktop.domain.codes import CodeItem, CodeList
from fupin_desktop.domain.text import normalize_text
from fupin_desktop.domain.township import match_group
from fupin_desktop.domain.values import (
    FieldValueError,
    parse_bool,
    parse_value,
    unknown_code_message,
)
from fupin_desktop.formspec import FieldSpec, load_codes
from fupin_desktop.ui.display import display_value
from fupin_desktop.ui.input_cleaning import clean_line_edit, clean_plain_text_edit

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

#: Application-level stylesheet fragment for field editors (install once on the window/app).
FIELD_STYLESHEET = """
*[invalid="true"] { border: 1px solid #d93025; background: #fff4f4; }
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] { background: #f0f0f0; color: #444444; }
"""

#: Placeholder shown in empty date fields (also documents the canonical format).
DATE_PLACEHOLDER = "2015-06-01"

#: Separators between the items of a multicode field (same set as ``values.parse_value``).
_SEPARATORS = re.compile(r"[,，、;；/\s]+")

#: The 是/否 list (forms/codes.toml ``yes_no``) for bool fields created without a code list.
_YES_NO = load_codes()["yes_no"]

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

_LINE_TYPES = frozenset({"text", "phone", "bank_account", "id_number", "integer", "decimal", "date"})
_POPUP_CHOICE = Qt.ItemDataRole.UserRole + 1


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


def _resolve_label(spec: FieldSpec, codes: CodeList, text: str) -> str:
    """The label of the one item ``text`` names, or a Chinese error.

    Several possible items (and none named exactly) is an error asking the clerk to
    pick from the list: the first candidate is only taken when chosen in the popup.
    """
    item = codes.resolve(text)
    if item is not None:
        return item.label
    matches = _matches(codes, text)
    if matches:
        shown = "、".join(i.label for i in matches[:4]) + ("等" if len(matches) > 4 else "")
        raise FieldValueError(f"{spec.label}“{text}”可能是{shown}，请从列表中选择")
    raise FieldValueError(unknown_code_message(spec.label, text, codes))


def _matches(codes: CodeList, text: str) -> list[CodeItem]:
    """Popup entries for ``text``: the exact hit first, then prefix candidates, then labels containing it."""
    key = normalize_text(text).lower()
    if not key:
        return list(codes.items)
    ordered: list[CodeItem] = []
    hit = codes.resolve(key)
    if hit is not None:
        ordered.append(hit)
    ordered.extend(codes.candidates(key))
    ordered.extend(
        i for i in codes.items if key in i.label.lower() or any(key in a.lower() for a in i.aliases)
    )
    seen: set[str] = set()
    unique: list[CodeItem] = []
    for item in ordered:
        if item.label not in seen:
            seen.add(item.label)
            unique.append(item)
    return unique


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


class CodeEditor(LineFieldEditor):
    """A code field: type the code, the label, an alias or pinyin initials; the label is shown.

    A completion popup lists matching entries (``"01 因病  yb"``); Up/Down move in it,
    Enter or Tab pick the highlighted entry and move on; F4 or Alt+Down open the whole list.
    Dynamic lists (``codes = "@groups"``) may be replaced with :meth:`set_code_list`; with
    ``accepts_new`` a Chinese name the list does not have yet is taken as a new entry (a new
    村民小组 is added to the village when the household is saved).
    """

    #: take a typed name that is not in the list as a new entry (the township's own lists)
    accepts_new = False
    #: Enter on a popup entry takes it and moves on (a multicode field stays for the next item)
    enter_moves_on = True

    def __init__(self, spec: FieldSpec, codes: CodeList | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._codes: CodeList | None = codes
        self._model = QStandardItemModel(self)
        self._completer = QCompleter(self)
        self._completer.setModel(self._model)
        self._completer.setWidget(self)  # not setCompleter(): choosing is handled here
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._completer.setMaxVisibleItems(12)
        # PySide6's stubs do not know that an overloaded signal is indexed by its argument type.
        self._completer.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]

    def _popup(self) -> QAbstractItemView:
        """The completer's list (Qt makes it on first use: never None here)."""
        popup = self._completer.popup()
        assert popup is not None
        return popup

    # -- public ------------------------------------------------------------
    def completer(self) -> QCompleter:  # type: ignore[override]
        """The completion popup's completer."""
        return self._completer

    def code_list(self) -> CodeList | None:
        return self._codes

    def set_code_list(self, codes: CodeList | None) -> None:
        """Replace the list (e.g. the groups of a newly chosen village).

        The value is kept; the typed text is re-checked against the new list, so a
        value the new list does not know shows an error (``edited`` is not emitted).
        """
        self._codes = codes
        self._popup().hide()
        text = self.raw_text()
        if not normalize_text(text):
            self._set_error(None)
            return
        try:
            self._parse(text)
        except FieldValueError as exc:
            self._set_error(str(exc))
        else:
            self._set_error(None)

    def set_value(self, value: Any) -> None:
        self._popup().hide()
        super().set_value(value)

    def set_readonly(self, readonly: bool) -> None:
        if readonly:
            self._popup().hide()
        super().set_readonly(readonly)

    # -- parsing -----------------------------------------------------------
    def _parse(self, text: str) -> Any:
        if self._codes is None:
            return parse_value(self.spec, text, None)
        t = normalize_text(text)
        if not t:
            return None
        try:
            return _resolve_label(self.spec, self._codes, t)
        except FieldValueError:
            if not self.accepts_new:
                raise
            same = match_group(t, self._codes.labels)
            if same is not None:
                return same  # "1组", "01", "第一组" name the village's own 一组
            if t.isascii() or self._codes.candidates(t):
                # Codes and initials must name an entry; a name several entries begin with is a choice.
                raise FieldValueError(
                    f"{self.spec.label}“{t}”不在列表中。可从列表中选择，新的请输入完整名称（如“五组”）"
                ) from None
            return t

    # -- completion --------------------------------------------------------
    def _completion_key(self) -> tuple[str, str]:
        """(text before the part being completed, the part being completed)."""
        return "", self.text()

    def _apply_choice(self, label: str) -> None:
        self.setText(label)
        self.commit()

    def _show_completions(self, force: bool = False) -> None:
        popup = self._popup()
        codes = self._codes
        _, key = self._completion_key()
        if codes is None or self.isReadOnly() or not (force or normalize_text(key)):
            popup.hide()
            return
        items = _matches(codes, key)
        if not items:
            popup.hide()
            return
        self._model.clear()
        for item in items:
            row = QStandardItem(f"{codes.typed_code(item)} {item.label}  {item.initials}".strip())
            row.setData(item.label, _POPUP_CHOICE)
            row.setEditable(False)
            self._model.appendRow(row)
        width = max(self.width(), popup.sizeHintForColumn(0) + 32)
        self._completer.complete(QRect(0, 0, width, self.height()))
        # The first match is highlighted (an exact code or name sorts first), the others shown
        # below it: Enter or Tab takes the highlighted entry, ↑/↓ choose another.  Text that is
        # committed without a pick (Escape, then leaving) is never kept when it names several.
        popup.setCurrentIndex(self._completer.completionModel().index(0, 0))

    def _on_activated(self, index: QModelIndex) -> None:
        label = index.data(_POPUP_CHOICE)
        if label:
            self._apply_choice(str(label))

    def _on_text_edited(self, text: str) -> None:
        super()._on_text_edited(text)
        self._show_completions()

    # -- keys ----------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            popup = self._popup()
            enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if popup.isVisible() and (enter and self.enter_moves_on and popup.currentIndex().isValid()
                                      or key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)):
                # The completer hands the popup's keys straight to event(), past the form's
                # and the table's event filters.  Take the entry, then deliver the key again
                # the ordinary way, so Enter and Tab move on in the paper's order at once.
                self.accept_popup()
                again = QKeyEvent(event.type(), key, event.modifiers(), event.text())
                QApplication.sendEvent(self, again)
                return True
        return super().event(event)

    def accept_popup(self) -> None:
        """If the completion list is open, take its highlighted entry (Tab leaves with it)."""
        popup = self._popup()
        if popup.isVisible():
            index = popup.currentIndex()
            popup.hide()
            if index.isValid():
                self._on_activated(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self._popup()
        key = event.key()
        if popup.isVisible():
            # Reached directly or forwarded by the completer's event filter on the popup.
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                index = popup.currentIndex()
                popup.hide()
                if index.isValid():  # pick the highlighted entry
                    self._on_activated(index)
                    event.accept()
                    return
                # nothing highlighted: commit what is typed (QLineEdit emits editingFinished)
            elif key == Qt.Key.Key_Escape:
                popup.hide()
                event.accept()
                return
        elif key == Qt.Key.Key_F4 or (
            key == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            self._show_completions(force=True)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self._popup().hide()
        super().focusOutEvent(event)


class BoolEditor(CodeEditor):
    """是/否 field: "1"/"是"/"s"/"y" -> 是, "0"/"否"/"f"/"n" -> 否 (value ``True``/``False``)."""

    def __init__(self, spec: FieldSpec, codes: CodeList | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, codes if codes is not None else _YES_NO, parent)

    def _parse(self, text: str) -> Any:
        t = normalize_text(text)
        if not t:
            return None
        item = self._codes.resolve(t) if self._codes is not None else None
        if item is not None:
            try:
                return parse_bool(item.label)
            except FieldValueError:
                return parse_bool(item.code)
        try:
            return parse_bool(t)
        except FieldValueError as exc:
            raise FieldValueError(f"{self.spec.label}：{exc}") from None


class MultiCodeEditor(CodeEditor):
    """Several code items separated by 、 , ， ; or spaces, each resolved like a code, shown joined by 、."""

    enter_moves_on = False  # Enter on the popup takes an item and waits for the next one

    def _parse(self, text: str) -> Any:
        if self._codes is None:
            return parse_value(self.spec, text, None)
        out: list[str] = []
        for part in _SEPARATORS.split(normalize_text(text)):
            if not part:
                continue
            label = _resolve_label(self.spec, self._codes, part)
            if label not in out:
                out.append(label)
        return out

    def _completion_key(self) -> tuple[str, str]:
        text = self.text()
        seps = list(_SEPARATORS.finditer(text))
        if not seps:
            return "", text
        cut = seps[-1].end()
        return text[:cut], text[cut:]

    def _apply_choice(self, label: str) -> None:
        head, _ = self._completion_key()
        self.setText(head + label)
        if self.commit():
            # Ready for the next item; the trailing separator is dropped at the next commit.
            self.setText(self.text() + "、")


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
