"""Editors of code-list fields: a code (typed as its number, its name or its pinyin initials, with
a completion popup), 是/否, and several codes at once.
"""


from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QApplication, QCompleter, QWidget

from fupin_desktop.domain.codes import CodeItem, CodeList
from fupin_desktop.domain.text import normalize_text
from fupin_desktop.domain.township import match_group
from fupin_desktop.domain.values import FieldValueError, parse_bool, parse_value, unknown_code_message
from fupin_desktop.formspec import FieldSpec, load_codes
from fupin_desktop.ui.field_editor import LineFieldEditor

#: Separators between the items of a multicode field (same set as ``values.parse_value``).
_SEPARATORS = re.compile(r"[,，、;；/\s]+")

#: The 是/否 list (forms/codes.toml ``yes_no``) for bool fields created without a code list.
_YES_NO = load_codes()["yes_no"]

_POPUP_CHOICE = Qt.ItemDataRole.UserRole + 1


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
        self._made: QCompleter | None = None  # made on first use: a form has dozens of code fields

    @property
    def _completer(self) -> QCompleter:
        if self._made is None:
            self._model = QStandardItemModel(self)
            completer = self._made = QCompleter(self)
            completer.setModel(self._model)
            completer.setWidget(self)  # not setCompleter(): choosing is handled here
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setMaxVisibleItems(12)
            # PySide6's stubs do not know that an overloaded signal is indexed by its argument type.
            completer.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]
        return self._made

    _popup_made = False

    def _popup(self) -> QAbstractItemView:
        """The completer's list (Qt makes it on first use: never None here)."""
        popup = self._completer.popup()
        assert popup is not None
        self._popup_made = True
        return popup

    def _hide_popup(self) -> None:
        """Hide the list if it was ever made (making one costs a form of 60 fields ~30 ms at open)."""
        if self._popup_made:
            self._popup().hide()

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
        self._hide_popup()
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
        self._hide_popup()
        super().set_value(value)

    def set_readonly(self, readonly: bool) -> None:
        if readonly:
            self._hide_popup()
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
            self._hide_popup()
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
