"""Parts the import wizard and the export dialog share: the per-row report model and its view.

The report lists every row of the file (行号, 户编号, 姓名, 证件号码, 状态, 原因), problems coloured;
the label under the view shows the selected row's reasons in full.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QWidget

from fupin_desktop.excel.importer import REJECTED, STATUS_LABELS, WARNING, RowResult

log = logging.getLogger(__name__)

REJECTED_COLOR = QColor("#fbd3d0")
WARNING_COLOR = QColor("#fff1c2")
ERROR_STYLE = "color: #b3261e;"
_ROOT = QModelIndex()


def wrap(text: str = "", *, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class ReportModel(QAbstractTableModel):
    """The per-row report: 行号, 户编号, 姓名, 证件号码, 状态, 原因; problems coloured."""

    HEADERS = ("工作表", "行号", "户编号", "姓名", "证件号码", "状态", "原因")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all: list[RowResult] = []
        self._rows: list[RowResult] = []
        self.problems_only = False

    def set_rows(self, rows: list[RowResult]) -> None:
        self.beginResetModel()
        self._all = rows
        self._rows = [r for r in rows if r.reasons or r.status == REJECTED] if self.problems_only else rows
        self.endResetModel()

    def set_problems_only(self, on: bool) -> None:
        self.problems_only = on
        self.set_rows(self._all)

    def row_result(self, row: int) -> RowResult:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (r.sheet, r.row, r.household_number, r.name, r.id_number, STATUS_LABELS[r.status],
                      "；".join(r.reasons))
            return values[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            if r.status == REJECTED:
                return QBrush(REJECTED_COLOR)
            if r.status == WARNING:
                return QBrush(WARNING_COLOR)
        return None


def detail_label(view: QTableView, model: ReportModel) -> QLabel:
    """Below a report table: the selected row's reasons in full."""
    label = wrap(name="row_detail")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def show(current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            label.clear()
            return
        r = model.row_result(current.row())
        reasons = "；".join(r.reasons) or "无"
        label.setText(f"第 {r.row} 行（{STATUS_LABELS[r.status]}）：{reasons}")

    view.selectionModel().currentRowChanged.connect(show)
    model.modelReset.connect(label.clear)
    return label


def report_view(model: ReportModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    for col, width in enumerate((80, 50, 150, 110, 160, 110)):
        header.resizeSection(col, width)
    header.setStretchLastSection(True)
    return view
