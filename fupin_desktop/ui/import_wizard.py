"""文件 → 导入 Excel…: a wizard (file, sheet, column mapping, preview, import) and the export dialog.

All reading, checking and exporting runs off the GUI thread in a
:class:`~fupin_desktop.ui.ops.QueryOp` on its own reader connection; the import is a
:class:`~fupin_desktop.ui.ops.StoreOp` that commits on its own connection in one transaction
(Cancel rolls it back, nothing written) and announces the change (``ui/changes.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from fupin_desktop import applog
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.exporter import LAYOUTS, ExportCancelled, ExportError, ExportResult, export_workbook
from fupin_desktop.excel.importer import (
    REJECTED,
    STATUS_LABELS,
    WARNING,
    ImportCancelled,
    ImportPlan,
    ImportReport,
    RowResult,
    Source,
    import_file,
    plan_with_header,
    read_source,
)
from fupin_desktop.excel.reader import ExcelRefused
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui.ops import QueryOp, StoreOp

log = logging.getLogger(__name__)

FILE_FILTER = "Excel 文件 (*.xlsx *.xlsm *.xls *.et *.ods);;所有文件 (*)"
NOT_IMPORTED = "（不导入）"
REJECTED_COLOR = QColor("#fbd3d0")
WARNING_COLOR = QColor("#fff1c2")
ERROR_STYLE = "color: #b3261e;"
_ROOT = QModelIndex()


def _wrap(text: str = "", *, name: str = "") -> QLabel:
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


def _detail_label(view: QTableView, model: ReportModel) -> QLabel:
    """Below a report table: the selected row's reasons in full."""
    label = _wrap(name="row_detail")
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


def _report_view(model: ReportModel) -> QTableView:
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


# -- pages ----------------------------------------------------------------------------------
class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 1 步：选择要导入的 Excel 文件")
        self.setSubTitle("可以是县里下发的一人一行花名册，也可以是本程序导出的完整格式或村里填好的模板。")
        self.path = QLineEdit()
        self.path.setObjectName("import_path")
        self.path.setPlaceholderText("点“浏览…”选择 .xlsx / .xls / .ods 文件")
        self.path.textChanged.connect(self._path_edited)
        browse = QPushButton("浏览…")
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.error = _wrap(name="file_error")
        self.error.setStyleSheet(ERROR_STYLE)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(_wrap("导入前会先检查文件：不是 Excel 的文件、设置了打开密码的文件、已损坏或异常巨大的文件会被拒绝，"
                            "数据库不会有任何改动。导入前还有一步预览，可以先看哪些行有问题。"))
        lay.addWidget(self.error)
        lay.addStretch(1)

    def _path_edited(self, _text: str) -> None:
        self.error.clear()
        self.completeChanged.emit()

    def browse(self) -> None:
        start = str(Path(self.path.text()).parent) if self.path.text() else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "选择 Excel 文件", start, FILE_FILTER)
        if chosen:
            self.path.setText(chosen)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.path.text().strip()) and not self.wiz.busy

    def validatePage(self) -> bool:  # noqa: N802
        path = self.path.text().strip()
        source = self.wiz.source
        if source is not None and str(source.path) == path:
            return True
        self.error.clear()
        self.wiz.read(path, None, on_error=self.error.setText)
        return False


class SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 2 步：选择工作表")
        self.setSubTitle("一个文件可能有几张工作表：选中花名册所在的那一张，并核对表头所在的行。")
        self.sheets = QListWidget()
        self.sheets.setObjectName("sheets")
        self.sheets.itemActivated.connect(lambda _i: self._choose())
        self.sheets.currentItemChanged.connect(lambda *_a: self._choose())
        self.info = _wrap(name="sheet_info")
        self.error = _wrap(name="sheet_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.header_row = QSpinBox()
        self.header_row.setObjectName("header_row")
        self.header_row.setRange(1, hdr.SCAN_ROWS)
        self.header_height = QComboBox()
        self.header_height.setObjectName("header_height")
        self.header_height.addItems(["1 行", "2 行（上下两行合并的表头）"])
        self.header_row.valueChanged.connect(lambda _v: self._header_changed())
        self.header_height.currentIndexChanged.connect(lambda _i: self._header_changed())
        where = QHBoxLayout()
        where.addWidget(QLabel("表头在第"))
        where.addWidget(self.header_row)
        where.addWidget(QLabel("行，占"))
        where.addWidget(self.header_height)
        where.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.sheets, 1)
        lay.addWidget(self.info)
        lay.addLayout(where)
        lay.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802
        self.refresh()

    def refresh(self) -> None:
        source = self.wiz.source
        if source is None:
            return
        self.sheets.blockSignals(True)
        self.sheets.clear()
        used = {s.name for s in source.sheets}
        for name in source.sheet_names:
            item = QListWidgetItem(name + ("  ✓" if name in used else ""))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.sheets.addItem(item)
            if name == source.main.name:
                self.sheets.setCurrentItem(item)
        self.sheets.setEnabled(source.layout == "roster")
        self.sheets.blockSignals(False)
        main = source.main
        for widget in (self.header_row, self.header_height):
            widget.blockSignals(True)
            widget.setEnabled(source.layout == "roster")
        self.header_row.setMaximum(max(min(hdr.SCAN_ROWS, len(main.rows)), 1))
        self.header_row.setValue(main.header.top + 1)
        self.header_height.setCurrentIndex(main.header.height - 1)
        for widget in (self.header_row, self.header_height):
            widget.blockSignals(False)
        if source.layout == "full":
            names = "、".join(s.name for s in source.sheets)
            text = f"这是本程序的完整格式（{names}），各工作表一起导入。"
        else:
            text = (f"一人一行花名册：表头在{main.header.rows_text}，其下有 {main.data_rows} 行数据。"
                    "如果不对，请选择其他工作表，或在下面指定表头所在的行。")
        if not main.detected:
            text = ("<span style='color:#b3261e'>没有自动找到表头（如“姓名”“证件号码”“户编号”）。"
                    "请指定表头所在的行，下一步再逐列选择对应的项目。</span>")
        self.info.setText(text)

    def _header_changed(self) -> None:
        self.wiz.set_header(self.header_row.value() - 1, self.header_height.currentIndex() + 1)
        self.refresh()

    def _choose(self) -> None:
        item = self.sheets.currentItem()
        source = self.wiz.source
        if item is None or source is None or source.layout != "roster":
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        if name == source.main.name:
            return
        self.error.clear()
        self.wiz.read(str(source.path), name, on_error=self._failed, advance=False)

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.refresh()

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.source is not None and not self.wiz.busy


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 3 步：核对每一列导入到哪一项")
        self.setSubTitle("程序已按表头自动对应；不对的请在右边改选。确认导入后，同样格式的文件下次会自动用这次的对应。")
        self.sheet_box = QComboBox()
        self.sheet_box.setObjectName("mapping_sheet")
        self.sheet_box.currentIndexChanged.connect(lambda _i: self.fill())
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("mapping")
        self.table.setHorizontalHeaderLabels(["列", "表中的列名", "示例", "导入到"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((40, 170, 260)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        self.note = _wrap(name="mapping_note")
        reset = QPushButton("恢复自动对应")
        reset.setObjectName("reset_mapping")
        reset.clicked.connect(self.reset)
        top = QHBoxLayout()
        self.sheet_label = QLabel("工作表")
        top.addWidget(self.sheet_label)
        top.addWidget(self.sheet_box, 1)
        top.addStretch(1)
        top.addWidget(reset)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        self.combos: list[QComboBox] = []

    def initializePage(self) -> None:  # noqa: N802
        source = self.wiz.source
        assert source is not None
        self.sheet_box.blockSignals(True)
        self.sheet_box.clear()
        self.sheet_box.addItems([s.name for s in source.sheets])
        self.sheet_box.blockSignals(False)
        several = len(source.sheets) > 1
        self.sheet_box.setVisible(several)
        self.sheet_label.setVisible(several)
        self.fill()

    def current(self) -> Any:
        source = self.wiz.source
        assert source is not None
        return source.sheets[max(self.sheet_box.currentIndex(), 0)]

    def fill(self) -> None:
        sheet = self.current()
        targets = hdr.targets(self.wiz.store.spec, sheet.kind)
        self.table.setRowCount(len(sheet.header.names))
        self.combos = []
        for i, name in enumerate(sheet.header.names):
            self.table.setItem(i, 0, QTableWidgetItem(hdr.column_letter(i)))
            self.table.setItem(i, 1, QTableWidgetItem(name))
            self.table.setItem(i, 2, QTableWidgetItem("、".join(sheet.samples(i))))
            combo = QComboBox()
            combo.setObjectName(f"map_{i}")
            combo.addItem(NOT_IMPORTED, None)
            for t in targets:
                combo.addItem(t.display, t.key)
            combo.setCurrentIndex(max(combo.findData(sheet.mapping[i]), 0) if sheet.mapping[i] else 0)
            combo.currentIndexChanged.connect(lambda _x, col=i: self.changed(col))
            self.table.setCellWidget(i, 3, combo)
            self.combos.append(combo)
        self.table.resizeRowsToContents()
        self.update_note()

    def changed(self, column: int) -> None:
        sheet = self.current()
        key = self.combos[column].currentData()
        sheet.mapping[column] = key
        if key:  # one column per item: the other column that had it is let go
            for i, other in enumerate(sheet.mapping):
                if i != column and other == key:
                    sheet.mapping[i] = None
                    self.combos[i].blockSignals(True)
                    self.combos[i].setCurrentIndex(0)
                    self.combos[i].blockSignals(False)
        self.wiz.preview = None
        self.update_note()

    def reset(self) -> None:
        sheet = self.current()
        sheet.mapping = list(sheet.auto_mapping)
        sheet.remembered = False
        self.wiz.preview = None
        self.fill()

    def missing(self) -> list[str]:
        source = self.wiz.source
        assert source is not None
        mapped = {k for s in source.sheets for k in s.mapping if k}
        if source.layout == "roster":
            need = {"members.name": "姓名", "members.id_number": "证件号码"}
        else:
            need = {"household.number": "户编号"}
        return [label for key, label in need.items() if key not in mapped]

    def update_note(self) -> None:
        sheet = self.current()
        targets = {t.key: t for t in hdr.targets(self.wiz.store.spec, sheet.kind)}
        used = sum(1 for k in sheet.mapping if k and targets[k].importable)
        checked = sum(1 for k in sheet.mapping if k and not targets[k].importable)
        parts = [f"{len(sheet.mapping)} 列中有 {used} 列将导入" + (f"，{checked} 列仅用于核对。" if checked else "。")]
        if sheet.remembered:
            parts.append("已使用上次为同样格式确认的对应关系。")
        missing = self.missing()
        if missing:
            parts.append(f"<span style='color:#b3261e'>还没有对应“{'”“'.join(missing)}”，无法导入。</span>")
        self.note.setText("".join(parts))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.source is not None and not self.missing() and not self.wiz.busy


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("第 4 步：预览（尚未写入）")
        self.setSubTitle("红色的行不会导入，黄色的行会导入但有提示。点“开始导入”后一次写入，可随时取消，取消则不作任何改动。")
        self.summary = _wrap(name="preview_summary")
        self.notes = _wrap(name="preview_notes")
        self.model = ReportModel(self)
        self.view = _report_view(self.model)
        self.view.setObjectName("preview")
        self.detail = _detail_label(self.view, self.model)
        self.only = QCheckBox("只显示有问题的行")
        self.only.setObjectName("problems_only")
        self.only.toggled.connect(self.model.set_problems_only)
        self.status = _wrap(name="import_status")
        self.status.setStyleSheet(ERROR_STYLE)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.only)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.detail)
        lay.addWidget(self.notes)
        lay.addWidget(self.status)

    def initializePage(self) -> None:  # noqa: N802
        self.wiz.setButtonText(QWizard.WizardButton.NextButton, "开始导入")
        self.status.clear()
        if self.wiz.preview is None:
            self.model.set_rows([])
            self.summary.setText("正在检查…")
            self.wiz.check()
        else:
            self.show_report(self.wiz.preview[0])

    def cleanupPage(self) -> None:  # noqa: N802
        self.wiz.setButtonText(QWizard.WizardButton.NextButton, "下一步(&N) >")

    def show_report(self, report: ImportReport) -> None:
        self.view.setColumnHidden(0, report.layout != "full")
        self.summary.setText(report.summary())
        self.notes.setText("\n".join(report.notes))
        self.model.set_rows(report.rows)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.preview is not None and not self.wiz.busy

    def validatePage(self) -> bool:  # noqa: N802
        if self.wiz.result is not None:
            return True
        self.status.clear()
        self.wiz.run_import()
        return False


class ResultPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("导入完成")
        self.summary = _wrap(name="result_summary")
        self.model = ReportModel(self)
        self.view = _report_view(self.model)
        self.detail = _detail_label(self.view, self.model)
        self.save = QPushButton("保存未导入的行（错误工作簿）…")
        self.save.setObjectName("save_errors")
        self.save.clicked.connect(self.save_errors)
        self.saved = _wrap(name="errors_saved")
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addWidget(self.saved, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.detail)
        lay.addLayout(row)

    def initializePage(self) -> None:  # noqa: N802
        assert self.wiz.result is not None
        report, _plan = self.wiz.result
        text = report.summary()
        if report.rejected:
            text += "。未导入的行可保存为错误工作簿，按“错误原因”改正后再导入。"
        self.summary.setText(text)
        self.view.setColumnHidden(0, report.layout != "full")
        self.model.set_problems_only(True)
        self.model.set_rows(report.rows)
        self.save.setEnabled(report.rejected > 0)

    def save_errors(self) -> None:
        assert self.wiz.result is not None
        report, plan = self.wiz.result
        default = Path(plan.source.path).with_name(Path(plan.source.path).stem + "-未导入.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "保存未导入的行", str(default), "Excel 文件 (*.xlsx)")
        if not path:
            return
        try:
            count = write_error_workbook(plan, report, path)
        except OSError as exc:  # WriteError: why, and that nothing half-written was left
            applog.refused(log, "保存未导入的行", exc)
            self.saved.setText(f"保存失败：{exc if isinstance(exc, WriteError) else exc.strerror or exc}")
            return
        self.saved.setText(f"已保存 {count} 行到 {path}")
        self.wiz.errors_path = Path(path)


# -- the wizard -------------------------------------------------------------------------------
class ImportWizard(QWizard):
    """文件 → 导入 Excel…"""

    imported = Signal(object)  # the ImportReport, after a commit
    FILE, SHEET, MAPPING, PREVIEW, RESULT = range(5)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.source: Source | None = None
        self.preview: tuple[ImportReport, ImportPlan] | None = None
        # Shadows QDialog.result(), which nothing calls; the name goes with the module split (item 7).
        self.result: tuple[ImportReport, ImportPlan] | None = None  # type: ignore[assignment]
        self.errors_path: Path | None = None
        self.op: QueryOp[Any] | None = None
        self.setWindowTitle("导入 Excel")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步(&B)")
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步(&N) >")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.result_page = ResultPage(self)
        for page_id, page in enumerate((self.file_page, self.sheet_page, self.mapping_page, self.preview_page,
                                        self.result_page)):
            self.setPage(page_id, page)
        self.resize(1000, 660)

    @property
    def busy(self) -> bool:
        return self.op is not None

    def _start(self, op: QueryOp[Any]) -> None:
        def done() -> None:
            self.op = None
            for page in (self.file_page, self.sheet_page, self.mapping_page, self.preview_page):
                page.completeChanged.emit()

        self.op = op
        self.op.finished.connect(done)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.preview_page):
            page.completeChanged.emit()
        self.op.start()

    # -- steps ----------------------------------------------------------------------
    def read(self, path: str, sheet: str | None, *, on_error: Any, advance: bool = True) -> None:
        """Open and map the file off the GUI thread (its own connection); advance to the next page when done."""
        def work(own: Store, progress: Any, cancelled: Any) -> Source:
            return read_source(own, path, sheet, guess=True, cancelled=cancelled)

        def ok(source: Source) -> None:
            self.source = source
            self.preview = None
            self.result = None
            if advance:
                self.next()
            else:
                self.sheet_page.refresh()

        def failed(exc: BaseException) -> None:
            on_error(str(exc) if isinstance(exc, (ExcelRefused, StoreError, OSError)) else f"无法读取：{exc}")

        self._start(QueryOp[Source](self, "正在读取和检查文件…", self.store, work, ok, failed))

    def set_header(self, top: int, height: int) -> None:
        """The clerk says where the roster's header is: map its columns again."""
        source = self.source
        if source is None or source.layout != "roster":
            return
        main = source.main
        top = min(top, max(len(main.rows) - height, 0))
        header = hdr.make_header(main.rows, top, height, hdr.label_index(self.store.spec, main.kind))
        plan = plan_with_header(self.store, main.name, main.kind, main.rows, header)
        plan.detected = main.detected or any(plan.mapping)
        source.sheets[0] = plan
        self.preview = None

    def check(self) -> None:
        """The dry run behind the preview (nothing written)."""
        source = self.source
        assert source is not None

        def work(own: Store, progress: Any, cancelled: Any) -> tuple[ImportReport, ImportPlan]:
            return import_file(own, source.path, source=source, dry_run=True, progress=progress,
                               cancelled=cancelled)

        def ok(result: tuple[ImportReport, ImportPlan]) -> None:
            self.preview = result
            self.preview_page.show_report(result[0])

        def failed(exc: BaseException) -> None:
            message = "已取消检查。" if isinstance(exc, ImportCancelled) else f"检查失败：{exc}"
            self.preview_page.summary.setText(message)

        self._start(QueryOp[tuple[ImportReport, ImportPlan]](self, "正在检查每一户…", self.store, work, ok, failed))

    def run_import(self) -> None:
        """Stage again and commit on the worker's own connection, in one transaction."""
        source = self.source
        assert source is not None

        def work(own: Store, progress: Any, cancelled: Any) -> tuple[ImportReport, ImportPlan]:
            return import_file(own, source.path, source=source, progress=progress, cancelled=cancelled)

        def changes(result: tuple[ImportReport, ImportPlan]) -> Change:
            report = result[0]
            written = report.created + report.changed
            return Change.of(ChangeKind.IMPORT, count=written, everything=bool(written or report.groups_added))

        def ok(result: tuple[ImportReport, ImportPlan]) -> None:
            self.result = result
            self.imported.emit(result[0])
            self.next()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ImportCancelled):
                self.preview_page.status.setText("已取消导入，数据库没有任何改动。")
            else:
                self.preview_page.status.setText(f"导入失败，数据库没有任何改动：{exc}")

        self._start(StoreOp[tuple[ImportReport, ImportPlan]](self, "正在导入…", self.store, work, changes, ok, failed))

    def reject(self) -> None:
        if self.op is not None:
            self.op.cancel()
            return
        super().reject()


class ExportDialog(QDialog):
    """文件 → 导出 Excel…: layout, village, file; written off the GUI thread."""

    exported = Signal(object)  # ExportResult

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.op: QueryOp[ExportResult] | None = None
        # Shadows QDialog.result(), which nothing calls; the name goes with the module split (item 7).
        self.result: ExportResult | None = None  # type: ignore[assignment]
        self.setWindowTitle("导出 Excel")
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("layout")
        for key, label in LAYOUTS.items():
            self.layout_box.addItem(label, key)
        self.layout_box.currentIndexChanged.connect(lambda _i: self._suggest())
        self.village = QComboBox()
        self.village.setObjectName("village")
        self.village.addItem("全部村", None)
        for v in store.townships.villages():
            self.village.addItem(v.name, v.name)
        self.village.currentIndexChanged.connect(lambda _i: self._suggest())
        self.path = QLineEdit()
        self.path.setObjectName("export_path")
        browse = QPushButton("浏览…")
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("格式", self.layout_box)
        form.addRow("范围", self.village)
        form.addRow("保存到", path_row)
        self.status = _wrap(name="export_status")
        self.export_button = QPushButton("导出")
        self.export_button.setObjectName("export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(_wrap("身份证号等以文本格式写入；以 = + - @ 开头的内容按文字写入，打开时不会被当作公式执行。"))
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.resize(620, 230)
        self._suggest()

    def _suggest(self) -> None:
        town = self.store.townships.get()
        name = self.village.currentData() or (town.name if town else "")
        kind = {"national": "花名册", "full": "扶贫手册完整格式", "template": "信息采集模板"}[self.layout_box.currentData()]
        folder = Path(self.path.text()).parent if self.path.text() else Path(self.store.path).parent
        self.path.setText(str(folder / f"{name}{kind}.xlsx"))

    def browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出到", self.path.text(), "Excel 文件 (*.xlsx)")
        if path:
            self.path.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export(self) -> None:
        if self.op is not None or not self.path.text().strip():
            return
        out = self.path.text().strip()
        layout, village = self.layout_box.currentData(), self.village.currentData()

        def work(own: Store, progress: Any, cancelled: Any) -> ExportResult:
            return export_workbook(own, out, layout, village=village, progress=progress, cancelled=cancelled)

        def ok(result: ExportResult) -> None:
            self.op = None
            self.result = result
            what = "空白模板" if result.layout == "template" else f"{result.households} 户 {result.persons} 人"
            self.status.setText(f"已导出 {what}到 {result.path}")
            self.exported.emit(result)

        def failed(exc: BaseException) -> None:
            self.op = None
            if isinstance(exc, ExportCancelled):
                self.status.setText("已取消导出，没有留下文件。")
            elif isinstance(exc, (ExportError, WriteError)):
                self.status.setText(f"导出失败：{exc}")
            elif isinstance(exc, OSError):
                self.status.setText(f"导出失败：{exc.strerror or exc}")
            else:
                self.status.setText(f"导出失败：{exc}")

        self.status.setText("正在导出…")
        self.op = QueryOp[ExportResult](self, "正在导出 Excel…", self.store, work, ok, failed)
        self.op.start()
