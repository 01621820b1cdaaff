"""The pages of the import wizard: file, sheet and header, column mapping, preview, result.

Each page asks its :class:`~fupin_desktop.ui.import_wizard.ImportWizard` to read or check (off the
GUI thread) and shows what came back.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from fupin_desktop import applog
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.importer import ImportReport
from fupin_desktop.fileio import WriteError
from fupin_desktop.ui.import_report import ERROR_STYLE, ReportModel, detail_label, report_view, wrap

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from fupin_desktop.ui.import_wizard import ImportWizard

FILE_FILTER = "Excel 文件 (*.xlsx *.xlsm *.xls *.et *.ods);;所有文件 (*)"
NOT_IMPORTED = "（不导入）"


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
        self.error = wrap(name="file_error")
        self.error.setStyleSheet(ERROR_STYLE)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(wrap("导入前会先检查文件：不是 Excel 的文件、设置了打开密码的文件、已损坏或异常巨大的文件会被拒绝，"
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
        self.info = wrap(name="sheet_info")
        self.error = wrap(name="sheet_error")
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
        self.note = wrap(name="mapping_note")
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
        self.summary = wrap(name="preview_summary")
        self.notes = wrap(name="preview_notes")
        self.model = ReportModel(self)
        self.view = report_view(self.model)
        self.view.setObjectName("preview")
        self.detail = detail_label(self.view, self.model)
        self.only = QCheckBox("只显示有问题的行")
        self.only.setObjectName("problems_only")
        self.only.toggled.connect(self.model.set_problems_only)
        self.status = wrap(name="import_status")
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
        self.summary = wrap(name="result_summary")
        self.model = ReportModel(self)
        self.view = report_view(self.model)
        self.detail = detail_label(self.view, self.model)
        self.save = QPushButton("保存未导入的行（错误工作簿）…")
        self.save.setObjectName("save_errors")
        self.save.clicked.connect(self.save_errors)
        self.saved = wrap(name="errors_saved")
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
