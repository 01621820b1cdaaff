"""文件 → 导出 Excel…: the export dialog (layout, code style, village, file), written off the GUI thread."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.excel.exporter import (
    CODE_STYLES,
    LAYOUTS,
    ExportCancelled,
    ExportError,
    ExportResult,
    export_workbook,
)
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store
from fupin_desktop.ui.import_report import wrap
from fupin_desktop.ui.ops import QueryOp, StoreOp

log = logging.getLogger(__name__)


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
        # National roster: code fields as names (已脱贫（享受政策）) or the national code numbers (1).
        self.codes_box = QComboBox()
        self.codes_box.setObjectName("codes")
        for key, label in CODE_STYLES.items():
            self.codes_box.addItem(f"{label}（如 {'已脱贫（享受政策）' if key == 'label' else '1'}）", key)
        self.codes_box.setToolTip("全国系统花名册中代码字段的写法：名称或全国系统的代码")
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
        form.addRow("代码写法", self.codes_box)
        form.addRow("范围", self.village)
        form.addRow("保存到", path_row)
        self.status = wrap(name="export_status")
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
        lay.addWidget(wrap("身份证号等以文本格式写入；以 = + - @ 开头的内容按文字写入，打开时不会被当作公式执行。"))
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.resize(620, 230)
        self._suggest()

    def _suggest(self) -> None:
        town = self.store.townships.get()
        name = self.village.currentData() or (town.name if town else "")
        layout = self.layout_box.currentData()
        self.codes_box.setEnabled(layout == "national")
        kind = {"national": "花名册", "full": "扶贫手册完整格式", "template": "信息采集模板"}[layout]
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
        codes = self.codes_box.currentData() if layout == "national" else "label"

        def work(own: Store, progress: Any, cancelled: Any) -> ExportResult:
            return export_workbook(own, out, layout, village=village, progress=progress, cancelled=cancelled,
                                   codes=codes)

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
        # A writer connection (changing nothing) so the audit trail keeps who exported whose data (issue 18).
        self.op = StoreOp[ExportResult](self, "正在导出 Excel…", self.store, work, ok, failed)
        self.op.start()
