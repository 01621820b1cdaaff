"""The model behind a Handbook table: one :class:`RowState` per row, edited by column.

Every change goes through :meth:`RowsModel.apply` as a before/after snapshot so the form's undo
stack can take it back; an ID number typed into a member row fills its sex and birth date.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from fupin_desktop.domain import idnumber
from fupin_desktop.domain.household import LEFT_HOUSEHOLD, Row, new_uuid
from fupin_desktop.domain.values import FieldValueError, parse_value
from fupin_desktop.formspec import FormSpec, GroupSpec
from fupin_desktop.ui.display import display_value

Index = QModelIndex | QPersistentModelIndex
ERROR_BG = QBrush(QColor("#fde7e7"))
#: A member who left the household (人员变更 死亡, 嫁出 ...): kept in the file, shown grey and struck through.
LEFT_FOREGROUND = QBrush(QColor("#8a8a8a"))


def _struck() -> QFont:
    font = QFont()
    font.setStrikeOut(True)
    return font
WARNING_BG = QBrush(QColor("#fff4d6"))


@dataclass
class RowState:
    """One table row as the clerk sees it: parsed values, plus raw text where parsing failed."""

    uuid: str = field(default_factory=new_uuid)
    revision: int = 0
    id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    bad_text: dict[str, str] = field(default_factory=dict)  # column -> typed text that did not parse
    bad_message: dict[str, str] = field(default_factory=dict)


class RowsModel(QAbstractTableModel):
    """The rows of one repeating block."""

    #: (before, after) snapshots of a change made by the clerk, for the undo stack.
    changed = Signal(object, object)

    def __init__(self, group: GroupSpec, spec: FormSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.spec = spec
        self.columns = list(group.fields)
        self.rows: list[RowState] = []
        self.findings: dict[tuple[int, str], tuple[str, str]] = {}  # (row, col) -> (severity, message)
        self.read_only = False  # a database opened read-only: the clerk changes nothing

    # -- content ------------------------------------------------------------
    def load(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = [RowState(uuid=r.uuid, revision=r.revision, id=r.id, values=dict(r.fields)) for r in rows]
        self.findings.clear()
        self.endResetModel()

    def to_rows(self) -> list[Row]:
        return [Row(fields=dict(r.values), uuid=r.uuid, revision=r.revision, id=r.id) for r in self.rows]

    def snapshot(self) -> list[RowState]:
        return copy.deepcopy(self.rows)

    def restore(self, rows: list[RowState]) -> None:
        self.beginResetModel()
        self.rows = copy.deepcopy(rows)
        self.endResetModel()

    def apply(self, change: Callable[[], None]) -> None:
        """Run a clerk's change and report it as (before, after) for undo."""
        if self.read_only:
            return
        before = self.snapshot()
        change()
        after = self.snapshot()
        self.changed.emit(before, after)

    def parse_errors(self) -> list[tuple[int, str, str]]:
        return [(i, col, msg) for i, r in enumerate(self.rows) for col, msg in r.bad_message.items()]

    def codes_for(self, column: int) -> Any:
        spec = self.columns[column]
        return self.spec.codes.get(spec.codes) if spec.codes else None

    # -- edits ----------------------------------------------------------------
    def set_text(self, row: int, column: int, text: str) -> None:
        """Parse typed text into a cell (keeping it as typed if invalid); fills sex/birth from an ID."""
        spec = self.columns[column]
        state = self.rows[row]
        try:
            value = parse_value(spec, text, self.codes_for(column))
        except FieldValueError as exc:
            state.bad_text[spec.id] = text
            state.bad_message[spec.id] = str(exc)
        else:
            state.bad_text.pop(spec.id, None)
            state.bad_message.pop(spec.id, None)
            state.values[spec.id] = value
            if spec.type == "id_number" and value:
                self._fill_from_id(state, idnumber.check_id(value))
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def _fill_from_id(self, state: RowState, check: idnumber.IdCheck) -> None:
        """A valid typed number sets 证件类型 from its length (20: 残疾人证, 18: 居民身份证 unless
        another document is chosen) and fills 性别 and 出生日期 from its ID number part."""
        if not check.valid:
            return
        kind = state.values.get("id_type")
        if "id_type" in (c.id for c in self.columns):
            if check.id_type == idnumber.DISABILITY_CARD and kind not in idnumber.DISABILITY_CARD_TYPES:
                kind = idnumber.DISABILITY_CARD
            elif check.id_type == idnumber.ID_CARD and (kind is None or kind in idnumber.DISABILITY_CARD_TYPES):
                kind = idnumber.ID_CARD
            if kind != state.values.get("id_type"):
                state.values["id_type"] = kind
                state.bad_text.pop("id_type", None)
                state.bad_message.pop("id_type", None)
        if kind in (None, idnumber.ID_CARD, *idnumber.DISABILITY_CARD_TYPES):
            state.values["sex"] = check.sex
            state.values["birth_date"] = check.birth_date

    def insert_row(self, at: int) -> None:
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, RowState())
        self.endInsertRows()

    def remove_row(self, at: int) -> None:
        self.beginRemoveRows(QModelIndex(), at, at)
        del self.rows[at]
        self.endRemoveRows()

    def move_row(self, at: int, to: int) -> None:
        if not (0 <= at < len(self.rows) and 0 <= to < len(self.rows)) or at == to:
            return
        self.beginResetModel()
        self.rows.insert(to, self.rows.pop(at))
        self.endResetModel()

    # -- Qt model ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            spec = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                unit = f"({spec.unit})" if spec.unit else ""
                return ("*" if spec.required else "") + spec.label + unit
            if role == Qt.ItemDataRole.ToolTipRole:
                return spec.help or spec.label
        elif role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() and not self.read_only else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        state = self.rows[index.row()]
        spec = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if spec.id in state.bad_text:
                return state.bad_text[spec.id]
            return display_value(spec, state.values.get(spec.id))
        if state.values.get("change") in LEFT_HOUSEHOLD and role in (Qt.ItemDataRole.ForegroundRole,
                                                                     Qt.ItemDataRole.FontRole):
            return LEFT_FOREGROUND if role == Qt.ItemDataRole.ForegroundRole else _struck()  # a member who left
        finding = self.findings.get((index.row(), spec.id))
        if role == Qt.ItemDataRole.BackgroundRole:
            if spec.id in state.bad_message or (finding and finding[0] == "error"):
                return ERROR_BG
            if finding:
                return WARNING_BG
        if role == Qt.ItemDataRole.ToolTipRole:
            if spec.id in state.bad_message:
                return state.bad_message[spec.id]
            if finding:
                return finding[1]
            return spec.help or None
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.type in ("integer", "decimal"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        text = "" if value is None else str(value)
        if text == self.data(index, Qt.ItemDataRole.EditRole):
            return False
        self.apply(lambda: self.set_text(index.row(), index.column(), text))
        return True

    def set_findings(self, findings: dict[tuple[int, str], tuple[str, str]]) -> None:
        self.findings = findings
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))
