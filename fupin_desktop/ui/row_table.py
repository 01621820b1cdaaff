"""Repeating blocks of the Handbook (members, helpers, plans, measures, results) as tables.

Cells are edited with the same field editors as the grid (via a delegate), so a
code column accepts code numbers and pinyin initials, an ID column checks the
check digit, and so on.  Every change goes through :meth:`RowsModel.apply` as a
before/after snapshot so the form's undo stack can take it back.

The model is :mod:`~fupin_desktop.ui.rows_model`; this module is the view, its delegate and buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.formspec import FormSpec, GroupSpec
from fupin_desktop.ui.field_widgets import make_editor
from fupin_desktop.ui.rows_model import Index, RowsModel, RowState

__all__ = ["ROW_SHORTCUTS", "CellDelegate", "FormTableView", "RowState", "RowTable", "RowsModel"]

ROW_SHORTCUTS = ("Ctrl+Insert", "Ctrl+Delete", "Alt+Up", "Alt+Down")


class CellDelegate(QStyledItemDelegate):
    """Edits a cell with the field editor of its column; Enter and Tab move on in paper order."""

    def __init__(self, table: RowTable) -> None:
        super().__init__(table.view)
        self.table = table

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        model = index.model()
        assert isinstance(model, RowsModel)
        spec = model.columns[index.column()]
        editor = make_editor(spec, model.codes_for(index.column()), parent)
        editor.setMinimumWidth(0)  # type: ignore[attr-defined]
        editor.setProperty("cell_editor", True)  # type: ignore[attr-defined]
        return editor  # type: ignore[return-value]

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        # Only once: a model refresh while the clerk types must not overwrite the typing.
        if not editor.property("started"):
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")  # type: ignore[attr-defined]
            editor.setProperty("started", True)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        model.setData(index, editor.raw_text(), Qt.ItemDataRole.EditRole)  # type: ignore[attr-defined]

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            combo = QKeySequence(event.keyCombination())
            if any(combo.matches(QKeySequence(k)) == QKeySequence.SequenceMatch.ExactMatch
                   for k in ROW_SHORTCUTS):
                return True  # not accepted: the table's row shortcut fires, not the line edit's
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(editor, event)
        key = event.key()
        forward = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or (
            key == Qt.Key.Key_Tab and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        backward = key == Qt.Key.Key_Backtab or (
            key == Qt.Key.Key_Tab and bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        )
        if not (forward or backward):
            return super().eventFilter(editor, event)
        completer = getattr(editor, "completer", None)
        popup = completer().popup() if callable(completer) and completer() else None
        if popup is not None and popup.isVisible() and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False  # the completer is choosing an item
        if hasattr(editor, "accept_popup"):
            editor.accept_popup()
        self.commitData.emit(editor)  # type: ignore[arg-type]
        idx = self.table.view.currentIndex()
        if forward and self.table.is_last_cell(idx):
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)  # type: ignore[arg-type]
            self.table.leave.emit(True)
        elif backward and idx.row() <= 0 and idx.column() <= 0:
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)  # type: ignore[arg-type]
            self.table.leave.emit(False)
        else:
            hint = (QAbstractItemDelegate.EndEditHint.EditNextItem if forward
                    else QAbstractItemDelegate.EndEditHint.EditPreviousItem)
            self.closeEditor.emit(editor, hint)  # type: ignore[arg-type]
        return True


class FormTableView(QTableView):
    """A table view where Chinese typed on a cell (an input-method commit) starts editing it.

    Qt forwards an input method's *composition* to a new cell editor, but drops a
    bare commit (what many IMEs send for a chosen phrase); here the commit opens the
    editor and lands in it, as a typed letter would.
    """

    #: set by RowTable: adds the first row of an empty table when the clerk types into it
    first_row: Callable[[], bool] | None = None

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802
        if event.commitString() and self.first_row is not None:
            self.first_row()
        idx = self.currentIndex()
        if (self.state() != QAbstractItemView.State.EditingState and idx.isValid()
                and event.commitString() and not event.preeditString()):
            self.edit(idx)
            editor = QApplication.focusWidget()
            if self.state() == QAbstractItemView.State.EditingState and isinstance(editor, QLineEdit):
                editor.clear()  # typing replaces the cell, as with a letter key
                QApplication.sendEvent(editor, event)
                return
        super().inputMethodEvent(event)


class RowTable(QWidget):
    """A repeating block: the table plus add / remove / move buttons (with shortcuts)."""

    #: emitted when Tab leaves the last cell (forward) or the first cell (backward)
    leave = Signal(bool)

    def __init__(self, group: GroupSpec, spec: FormSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.model = RowsModel(group, spec, self)
        self.view = FormTableView(self)
        self.view.setObjectName(f"table_{group.id}")
        self.view.setAccessibleName(group.title)
        self.view.setModel(self.model)
        self.view.setItemDelegate(CellDelegate(self))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.setTabKeyNavigation(True)
        self.view.verticalHeader().setDefaultSectionSize(28)
        self.view.installEventFilter(self)
        self.view.first_row = self._first_row
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        for i, col in enumerate(self.model.columns):
            chars = max(col.width or 6, len(col.label) + (1 if col.required else 0), 3)
            width = metrics.horizontalAdvance("汉") * min(chars, 16) + 16
            if col.type == "id_number":  # a whole 20-character 残疾人证 number, whatever the CJK width
                width = max(width, metrics.horizontalAdvance("0" * 20 + "X") + 16)
            title = self.model.headerData(i, Qt.Orientation.Horizontal)  # 帮扶后年人均纯收入(元): whole
            header.resizeSection(i, max(width, header.fontMetrics().horizontalAdvance(str(title)) + 24))
        header.setStretchLastSection(True)

        buttons = QVBoxLayout()
        self.btn_add = QPushButton("添加行")
        self.btn_add.setToolTip("在当前行下面添加一行（Ctrl+Insert）")
        self.btn_remove = QPushButton("删除行")
        self.btn_remove.setToolTip("删除当前行（Ctrl+Delete）")
        self.btn_up = QPushButton("上移")
        self.btn_up.setToolTip("Alt+↑")
        self.btn_down = QPushButton("下移")
        self.btn_down.setToolTip("Alt+↓")
        for b in (self.btn_add, self.btn_remove, self.btn_up, self.btn_down):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keyboard users have the shortcuts
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.btn_add.clicked.connect(self.add_row)
        self.btn_remove.clicked.connect(self.remove_row)
        self.btn_up.clicked.connect(lambda: self.move_row(-1))
        self.btn_down.clicked.connect(lambda: self.move_row(1))
        for keys, slot in (
            ("Ctrl+Insert", self.add_row), ("Ctrl+Delete", self.remove_row),
            ("Alt+Up", lambda: self.move_row(-1)), ("Alt+Down", lambda: self.move_row(1)),
        ):
            sc = QShortcut(QKeySequence(keys), self.view)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        self._fit_height()
        self.model.rowsInserted.connect(self._fit_height)
        self.model.rowsRemoved.connect(self._fit_height)
        self.model.modelReset.connect(self._fit_height)

    def set_read_only(self, read_only: bool) -> None:
        """Rows can be read, selected and copied, not changed (no editing, no row buttons)."""
        self.model.read_only = read_only
        for b in (self.btn_add, self.btn_remove, self.btn_up, self.btn_down):
            b.setEnabled(not read_only)

    def _fit_height(self, *args: Any) -> None:
        rows = max(len(self.model.rows), 3) + 1
        height = self.view.horizontalHeader().height() + rows * self.view.verticalHeader().defaultSectionSize()
        self.view.setMinimumHeight(min(height + 24, 420))

    def current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else len(self.model.rows) - 1

    def commit_edit(self) -> None:
        """Write the cell being edited into the model and close its editor (nothing typed is lost).

        Row shortcuts work mid-edit, and moving a row resets the model, which would drop
        an open editor's text; saving must see it too.
        """
        if self.view.state() != QAbstractItemView.State.EditingState:
            return
        editor = QApplication.focusWidget()
        if editor is None or not editor.property("cell_editor") or not self.view.isAncestorOf(editor):
            self.view.setFocus()  # the editor commits as it loses the focus
            return
        delegate = self.view.itemDelegate()
        delegate.commitData.emit(editor)
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    #: Members of a saved household are added and removed as 人员变更 (ui/member_changes.py):
    #: ``changes.on_add(table, row)`` / ``changes.on_remove(table, row)`` (True: handled there).
    changes: Any = None

    def add_row(self) -> None:
        if self.group.max_rows and len(self.model.rows) >= self.group.max_rows:
            return
        self.commit_edit()
        at = self.current_row() + 1
        if self.changes is not None and self.changes.on_add(self, at):
            return
        self.model.apply(lambda: self.model.insert_row(at))
        self.focus_cell(at, 0, edit=False)

    def _first_row(self) -> bool:
        """Typing into an empty table starts its first row (the typing lands in its first cell).
        True if a row was added."""
        if self.model.rows or self.model.read_only:
            return False
        self.model.apply(lambda: self.model.insert_row(0))
        self.view.setCurrentIndex(self.model.index(0, 0))
        return True

    def remove_row(self) -> None:
        self.commit_edit()
        row = self.current_row()
        if 0 <= row < len(self.model.rows) and self.changes is not None and self.changes.on_remove(self, row):
            return
        if 0 <= row < len(self.model.rows):
            self.model.apply(lambda: self.model.remove_row(row))
            self.focus_cell(min(row, len(self.model.rows) - 1), self.view.currentIndex().column())

    def move_row(self, delta: int) -> None:
        self.commit_edit()
        row = self.current_row()
        to = row + delta
        if 0 <= row < len(self.model.rows) and 0 <= to < len(self.model.rows):
            col = max(self.view.currentIndex().column(), 0)
            self.model.apply(lambda: self.model.move_row(row, to))
            self.focus_cell(to, col)

    def focus_cell(self, row: int, column: int, edit: bool = False) -> None:
        if not self.model.rows:
            self.view.setFocus()
            return
        row = max(0, min(row, len(self.model.rows) - 1))
        idx = self.model.index(row, max(column, 0))
        self.view.setFocus()
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        if edit:
            self.view.edit(idx)

    def is_last_cell(self, idx: QModelIndex) -> bool:
        return idx.row() == len(self.model.rows) - 1 and idx.column() == len(self.model.columns) - 1

    def column_of(self, field_id: str) -> int:
        for i, c in enumerate(self.model.columns):
            if c.id == field_id:
                return i
        return 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.view and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            idx = self.view.currentIndex()
            last_col = len(self.model.columns) - 1
            key = event.key()
            if (not self.model.rows and event.text().isprintable() and event.text().strip()
                    and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
                self._first_row()  # the view then opens the new cell's editor with this key
                return False
            if (key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and idx.isValid()
                    and event.modifiers() == Qt.KeyboardModifier.NoModifier):
                # Delete on a cell (not being edited) empties it, as in a spreadsheet; undoable.
                if self.model.data(idx, Qt.ItemDataRole.EditRole):
                    self.model.apply(lambda: self.model.set_text(idx.row(), idx.column(), ""))
                return True
            if key == Qt.Key.Key_Tab and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                if not self.model.rows or self.is_last_cell(idx):
                    self.leave.emit(True)
                    return True
            if key == Qt.Key.Key_Backtab or (
                key == Qt.Key.Key_Tab and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                if not self.model.rows or (idx.row() <= 0 and idx.column() <= 0):
                    self.leave.emit(False)
                    return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.model.rows:
                self.leave.emit(True)  # an empty block: Enter moves on like Tab
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and idx.isValid():
                # Enter on a cell that is not being edited moves on like Tab.
                if self.is_last_cell(idx):
                    self.leave.emit(True)
                else:
                    nxt = idx.column() + 1
                    self.focus_cell(idx.row() + (nxt > last_col), nxt % (last_col + 1))
                return True
        return super().eventFilter(obj, event)
