"""工具 → 操作记录 (the audit trail, for 审核员 and 管理员) and a household's 修改记录 tab (issue 18).

The dialog filters by user, date range (local days), village, 户编号 and kind (修改, 删除, 恢复, 导入,
导出, 打印, 同步, 登录, 登录失败, 拒绝, 用户管理) and exports what it shows to Excel.  The history tab
lists who changed which field of the household from what to what, newest first; it reads again
each time it is shown.  Neither can change an audit row (the database refuses that anyway).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.household import Household
from fupin_desktop.domain.roles import Action
from fupin_desktop.fileio import WriteError
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import Store, StoreError, audit

log = logging.getLogger(__name__)
#: The most rows the dialog shows (newest first); narrower filters find older ones.
SHOWN = 5000
_ALL = "（全部）"


ENTITIES = {"household": "户", "user": "用户", "action": "操作", "village": "村", "village_group": "村民小组",
            "township": "乡镇", "policy": "政策参数", "document": "文书", "sync_township": "数据交换"}
USER_CHANGES = {"add": "添加用户", "password": "密码", "unlock": "解锁", "role": "角色", "disable": "停用",
                "enable": "启用", "remove": "删除用户", "no such user": "用户名不存在", "disabled": "用户已停用",
                "locked": "用户已锁定"}


def entity_title(spec: FormSpec, entity: str) -> str:
    if entity in ENTITIES:
        return ENTITIES[entity]
    try:
        return spec.table(entity).title or entity
    except KeyError:
        return entity


def field_title(spec: FormSpec, entity: str, field: str) -> str:
    """An audit row's field in the clerk's words (its label in the form), else as stored."""
    if not field:
        return ""
    if entity == "action":
        return next((a.value for a in Action if a.name == field), "修改数据" if field == "WRITE" else field)
    if entity == "user":
        return USER_CHANGES.get(field, field)
    try:
        if entity == "household":
            return spec.field(field).label
        return next((f.label for f in spec.table(entity).fields if f.id == field), field)
    except KeyError:
        return field


def _utc(day: QDate) -> str:
    local = datetime.combine(date(day.year(), day.month(), day.day()), time()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="milliseconds")


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


class AuditDialog(QDialog):
    """操作记录: the audit trail, filtered; 导出 Excel… writes what is shown."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("操作记录")
        self.resize(1100, 620)
        self.user = QComboBox()
        self.user.addItems([_ALL, *audit.operators(store.db)])
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, day in ((self.start, QDate.currentDate().addDays(-30)), (self.end, QDate.currentDate())):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(day)
        self.village = QComboBox()
        self.village.addItems([_ALL, *(v.name for v in store.townships.villages())])
        self.number = QLineEdit()
        self.number.setPlaceholderText("户编号")
        self.kind = QComboBox()
        self.kind.addItem(_ALL, None)
        for key, name in audit.KINDS.items():
            self.kind.addItem(name, key)
        search, export = QPushButton("查询"), QPushButton("导出 Excel…")
        search.clicked.connect(self.refresh)
        export.clicked.connect(lambda: self.export())
        grid = QGridLayout()
        for col, (label, widget) in enumerate((("用户", self.user), ("从", self.start), ("到", self.end),
                                               ("村", self.village), ("户编号", self.number), ("类别", self.kind))):
            grid.addWidget(QLabel(label), 0, 2 * col)
            grid.addWidget(widget, 0, 2 * col + 1)
        grid.addWidget(search, 0, 12)
        grid.addWidget(export, 0, 13)
        from fupin_desktop.excel.audit_export import HEADERS  # openpyxl: not before it is wanted

        self.table = _table(HEADERS)
        self.count = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self.rows: list[dict[str, Any]] = []
        self.refresh()

    def filters(self) -> dict[str, Any]:
        user = self.user.currentText()
        village = self.village.currentText()
        return {"user": None if user == _ALL else user, "start": _utc(self.start.date()),
                "end": _utc(self.end.date().addDays(1)), "village": None if village == _ALL else village,
                "household_number": self.number.text().strip() or None, "kind": self.kind.currentData(),
                "limit": SHOWN}

    def title(self, row: dict[str, Any]) -> str:
        return field_title(self.store.spec, str(row["entity"]), str(row["field"] or ""))

    def refresh(self) -> bool:
        if self.end.date() < self.start.date():
            self.count.setText("“到”的日期早于“从”的日期，请检查日期。")
            return False
        try:
            self.rows = self.store.audit_rows(**self.filters())
        except StoreError as exc:  # a role without the right, a removed user
            applog.refused(log, "audit view", exc)
            self.count.setText(str(exc))
            self.rows = []
        from fupin_desktop.excel.audit_export import row_cells

        _fill(self.table, [row_cells(r, audit.KINDS, self.title, lambda e: entity_title(self.store.spec, e))
                           for r in self.rows])
        more = f"（只显示最近的 {SHOWN} 条，请缩小范围）" if len(self.rows) >= SHOWN else ""
        if self.rows or not self.count.text():
            self.count.setText(f"共 {len(self.rows)} 条{more}")
        return True

    def export(self, out: str | None = None) -> bool:
        if out is None:
            out, _ = QFileDialog.getSaveFileName(self, "导出操作记录", "操作记录.xlsx", "Excel 工作簿 (*.xlsx)")
            if not out:
                return False
        from fupin_desktop.excel.audit_export import export_audit

        try:
            export_audit(self.rows, out, audit.KINDS, self.title, lambda e: entity_title(self.store.spec, e))
        except WriteError as exc:
            QMessageBox.warning(self, "导出操作记录", str(exc))
            return False
        self.store.record_use("export", "操作记录", [])
        return True


class HistoryView(QWidget):
    """A household's 修改记录 tab: when, who, what, which field, from what, to what."""

    HEADERS = ("时间", "用户", "类别", "对象", "项目", "原值", "新值")

    def __init__(self, store: Store, household: Household, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.household = store, household
        self._table: QTableWidget | None = None  # made when the tab is first shown (not at open)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("这一户的每次修改（最新的在最上面）："))

    @property
    def table(self) -> QTableWidget:
        if self._table is None:
            self._table = _table(self.HEADERS)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._table)
        return self._table

    def showEvent(self, event: Any) -> None:  # noqa: N802 - read again each time it is shown
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        from fupin_desktop.excel.audit_export import readable, row_cells  # when first shown

        spec = self.store.spec
        rows = audit.search(self.store.db, household_uuid=self.household.uuid, limit=SHOWN)
        _fill(self.table, [[row_cells(r, audit.KINDS)[0], str(r["operator"]), audit.KINDS.get(r["kind"], r["kind"]),
                            entity_title(spec, r["entity"]),
                            field_title(spec, r["entity"], r["field"] or ""), readable(r["old"]), readable(r["new"])]
                           for r in rows])

