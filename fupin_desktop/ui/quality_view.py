"""The 数据质量 window: every finding of the township, filtered by village, rule and severity.

The township-wide run happens off the GUI thread (``ops.QueryOp`` with its own
database connection); a double-click opens the household at the field.  The window listens to
the database's change hub (``ui/changes.py``): after a save, delete or restore the households
touched and those tied to them by cross-record findings are re-checked on the spot, so the list
stays true without a new run; after a policy change or a bulk change (import, sync, restored
backup) the whole township is checked again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QBrush, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog, quality
from fupin_desktop.quality import QualityFinding, QualityReport
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.changes import Change
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.ops import QueryOp

log = logging.getLogger(__name__)

COLUMNS = ("严重程度", "村", "组", "户编号", "户主", "成员", "规则", "问题说明")
ERROR_COLOR = QColor("#c5221f")
WARNING_COLOR = QColor("#b06000")
ALL = ""
Index = QModelIndex | QPersistentModelIndex
OpenHousehold = Callable[[int], Any]  # MainWindow.open_household: returns the editor or None


class FindingsModel(QAbstractTableModel):
    """All findings of a run; ``visible`` are those the filters let through."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.findings: list[QualityFinding] = []
        self.visible: list[QualityFinding] = []
        self.titles = quality.rule_titles()
        self.village, self.rule, self.severity = ALL, ALL, ALL

    def set_findings(self, findings: list[QualityFinding]) -> None:
        self.findings = findings
        self.apply()

    def set_filter(self, *, village: str, rule: str, severity: str) -> None:
        self.village, self.rule, self.severity = village, rule, severity
        self.apply()

    def apply(self) -> None:
        self.beginResetModel()
        self.visible = [
            f for f in self.findings
            if (not self.village or f.village == self.village) and (not self.rule or f.rule == self.rule)
            and (not self.severity or f.severity == self.severity)
        ]
        self.endResetModel()

    def finding(self, row: int) -> QualityFinding | None:
        return self.visible[row] if 0 <= row < len(self.visible) else None

    # -- Qt model ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        f = self.finding(index.row()) if index.isValid() else None
        if f is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (quality.SEVERITY_LABELS[f.severity], f.village, f.group, f.household_number, f.head_name,
                      f.member_name, f"{f.rule} {self.titles.get(f.rule, '')}", f.message)
            return values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            return QBrush(ERROR_COLOR if f.is_error else WARNING_COLOR)
        if role == Qt.ItemDataRole.UserRole:
            return f
        return None


class QualityWindow(QMainWindow):
    """工具 → 数据质量 (Ctrl+Shift+Q)."""

    def __init__(self, store: Store, open_household: OpenHousehold, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("quality_window")
        self.setWindowTitle("数据质量 — 全乡核查")
        self.resize(1240, 720)
        self.store = store
        self.open_household = open_household
        self.report: QualityReport | None = None
        self.op: QueryOp[QualityReport] | None = None
        hub(store).changed.connect(self.on_change)

        self.model = FindingsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("findings_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # village, group, 户编号 until a header is clicked
        header = self.table.horizontalHeader()
        for col, width in enumerate((64, 70, 60, 170, 70, 100, 230)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.doubleClicked.connect(self._activated)
        self.act_open = QAction("打开该户并跳到问题处", self)
        self.act_open.setShortcut(QKeySequence("Return"))
        self.act_open.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_open.triggered.connect(lambda: self._activated(self.table.currentIndex()))
        self.table.addAction(self.act_open)

        self.village_box = self._combo("village_filter")
        self.rule_box = self._combo("rule_filter")
        self.severity_box = self._combo("severity_filter")
        self.run_button = QPushButton("重新检查 (F5)")
        self.run_button.setObjectName("run_button")
        self.run_button.clicked.connect(self.run)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setObjectName("export_button")
        self.export_button.clicked.connect(self.export)
        self.summary = QLabel("尚未检查")
        self.summary.setObjectName("summary")
        self.summary.setStyleSheet("font-weight: bold;")
        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("background: #f6f8fa; border: 1px solid #d5d9de; padding: 6px;")
        self.detail.setMinimumHeight(48)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._show_detail(current))
        hint = QLabel("双击一条（或选中后按回车）打开该户，光标停在要改的地方；保存后本清单自动更新。")
        hint.setStyleSheet("color: #5f6368;")

        bar = QHBoxLayout()
        for label, box in (("村", self.village_box), ("规则", self.rule_box), ("严重程度", self.severity_box)):
            bar.addWidget(QLabel(label))
            bar.addWidget(box)
        bar.addStretch(1)
        bar.addWidget(self.run_button)
        bar.addWidget(self.export_button)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addLayout(bar)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.detail)
        lay.addWidget(hint)
        self.setCentralWidget(central)
        refresh = QAction("重新检查", self)
        refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self.run)
        self.addAction(refresh)
        self._fill_filters()

    def _combo(self, name: str) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.currentIndexChanged.connect(lambda _i: self._filter_changed())
        return box

    # -- running -------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.op is not None

    def run(self) -> None:
        """Check the whole township off the GUI thread, with progress and Cancel."""
        if self.running:
            return
        def work(own: Store, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> QualityReport:
            return quality.run_township(own, progress=progress, cancelled=cancelled)

        self.run_button.setEnabled(False)
        self.summary.setText("正在检查全乡各户…")
        self.op = QueryOp[QualityReport](self, "正在检查全乡各户的数据质量…", self.store, work, self._finished,
                                         self._failed)
        self.op.finished.connect(self._op_done)
        self.op.start()

    def stop(self) -> None:
        """Cancel a running check and wait for it: closing must not leave a thread behind."""
        if self.op is not None:
            self.op.cancel()
            self.op.wait()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.stop()
        event.accept()

    def _op_done(self) -> None:
        self.op = None
        self.run_button.setEnabled(True)

    def _finished(self, report: QualityReport) -> None:
        if report.cancelled and self.report is not None:
            self._show_summary()  # keep the previous complete list
            return
        self.report = report
        self.model.set_findings(report.findings)
        self._fill_filters()

    def _failed(self, exc: BaseException) -> None:
        self._show_summary()
        QMessageBox.critical(self, "数据质量", f"检查没有完成：{exc}")

    def on_change(self, change: Change) -> None:
        """A write anywhere: the households it touched are checked again; after a policy change or a
        bulk change the whole township (now if the window is shown, else on its next opening)."""
        if self.report is None:
            return
        if change.rules:
            if self.isVisible():
                self.run()
            elif not self.running:
                self.report = None  # stale: 工具 → 数据质量 runs the check again
            return
        if change.households:
            self.households_changed(change.households)

    def household_saved(self, household_id: int) -> None:
        self.households_changed({household_id})

    def households_changed(self, household_ids: Iterable[int]) -> None:
        """Re-check the saved (or deleted) households and every household a cross-record finding ties to them."""
        if self.report is None:
            return
        touched = set(household_ids)
        ids = set(touched)
        for f in self.report.findings:
            if f.household_id in touched:
                ids.update(f.related)
            elif touched & set(f.related):
                ids.add(f.household_id)
        fresh = quality.check_households(self.store, ids)
        more = {r for f in fresh for r in f.related} - ids  # ties the save has just made
        if more:
            ids |= more
            fresh = quality.check_households(self.store, ids)
        kept = [f for f in self.report.findings if f.household_id not in ids]
        self.report.findings = quality.sort_findings(self.store, kept + fresh)
        self.report.households = self.store.households.count()
        self.model.set_findings(self.report.findings)
        self._fill_filters()

    # -- filters ---------------------------------------------------------------------
    def _fill_filters(self) -> None:
        findings = self.report.findings if self.report else []
        villages = Counter(f.village for f in findings)
        rules = Counter(f.rule for f in findings)
        severities = Counter(f.severity for f in findings)
        titles = quality.rule_titles()
        village_items = [(ALL, f"全部村（{len(findings)}）")] + [
            (v.name, f"{v.name}（{villages[v.name]}）") for v in self.store.townships.villages()]
        rule_items = [(ALL, f"全部规则（{len(findings)}）")] + [
            (rid, f"{rid} {title}（{rules[rid]}）") for rid, title in titles.items() if rules[rid]]
        severity_items = [(ALL, f"全部（{len(findings)}）"), ("error", f"错误（{severities['error']}）"),
                          ("warning", f"提示（{severities['warning']}）")]
        for box, items in ((self.village_box, village_items), (self.rule_box, rule_items),
                           (self.severity_box, severity_items)):
            current = box.currentData() or ALL
            box.blockSignals(True)
            box.clear()
            for key, text in items:
                box.addItem(text, key)
            if current and box.findData(current) < 0:  # keep a chosen rule even when it has none left
                box.addItem(f"{current} {titles.get(current, '')}（0）", current)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)
        self._filter_changed()

    def _filter_changed(self) -> None:
        self.model.set_filter(village=self.village_box.currentData() or ALL, rule=self.rule_box.currentData() or ALL,
                              severity=self.severity_box.currentData() or ALL)
        if self.proxy.rowCount():
            self.table.selectRow(0)  # Enter opens it at once; the detail line shows it
        self._show_summary()

    def set_filter(self, *, village: str = ALL, rule: str = ALL, severity: str = ALL) -> None:
        """Choose filters by value (village name, rule id, "error"/"warning"; "" for all)."""
        for box, key in ((self.village_box, village), (self.rule_box, rule), (self.severity_box, severity)):
            box.setCurrentIndex(max(box.findData(key), 0))

    def _show_summary(self) -> None:
        if self.report is None:
            self.summary.setText("尚未检查（F5 开始检查全乡）")
            return
        counts = self.report.counts()
        shown = self.model.visible
        errors = sum(f.is_error for f in shown)
        text = (f"共检查 {self.report.households} 户：错误 {counts['error']} 条，提示 {counts['warning']} 条。"
                f"当前显示 {len(shown)} 条（错误 {errors}，提示 {len(shown) - errors}），"
                f"涉及 {len({f.household_id for f in shown})} 户")
        if not self.report.findings:
            text = f"共检查 {self.report.households} 户，没有发现问题。"
        self.summary.setText(text)
        self.export_button.setEnabled(bool(shown))
        self._show_detail(self.table.currentIndex())

    # -- actions ------------------------------------------------------------------------
    def _show_detail(self, index: QModelIndex) -> None:
        finding: QualityFinding | None = self.proxy.data(index, Qt.ItemDataRole.UserRole) if index.isValid() else None
        if finding is None:
            self.detail.setText("选中一条问题，这里显示完整说明。")
            return
        member = f" 成员 {finding.member_name}" if finding.member_name else ""
        self.detail.setText(
            f"<b>{finding.village}{finding.group} 户编号 {finding.household_number} 户主 {finding.head_name}{member}</b>"
            f"　{finding.rule} {self.model.titles.get(finding.rule, '')}<br>{finding.message}")

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        finding: QualityFinding | None = self.proxy.data(index, Qt.ItemDataRole.UserRole)
        if finding is None or not finding.household_id:  # a village form's finding (rules V001-V003)
            return
        editor = self.open_household(finding.household_id)
        if editor is not None and finding.refs:
            # After the editor's own first-field focus, which it queues the same way.
            QTimer.singleShot(0, lambda: editor.form.focus_ref(finding.refs[0]))

    def export(self) -> None:
        """The findings now shown, to Excel, for village cadres to correct on paper."""
        shown = list(self.model.visible)
        if not shown:
            return
        village = self.village_box.currentData() or ""
        name = f"数据质量问题-{village + '-' if village else ''}{date.today().isoformat()}.xlsx"
        default = str(Path.home() / name)  # where a clerk finds it, not the database folder
        path, _ = QFileDialog.getSaveFileName(self, "导出问题清单", default, "Excel 文件 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        try:
            quality.export_xlsx(shown, path)
        except StoreError as exc:
            applog.refused(log, "导出问题清单", exc)
            QMessageBox.warning(self, "导出问题清单", str(exc))
            return
        QMessageBox.information(self, "导出问题清单", f"已导出 {len(shown)} 条问题到\n{path}")
