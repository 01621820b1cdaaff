"""半年审核调整: the households to review, per village, with their reasons (store/review.py).

The list loads off the GUI thread (:class:`~fupin_desktop.ui.ops.QueryOp`).  A row opens its
household (Enter, double-click); 标为已审核… records a note for this half year; 导出 Excel… writes
the list (excel/review_export.py, as ``fupin review --out``); 打印… prints it (or writes a PDF).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import fileio
from fupin_desktop.excel.review_export import export_review
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store, StoreError, review
from fupin_desktop.ui.ops import QueryOp

COLUMNS = ("户编号", "村", "组", "户主", "需要审核的原因", "已审核", "审核说明")


class ReviewWindow(QMainWindow):
    def __init__(self, store: Store, open_household: Callable[[int | None], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review_window")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.store, self._open = store, open_household
        self.period = review.period_of()
        self.setWindowTitle(f"半年审核调整 — {self.period}")
        self.items: list[review.ReviewItem] = []
        self.village = QComboBox()
        self.village.setObjectName("review_village")
        self.village.addItem("全乡", None)
        for v in store.townships.villages():
            self.village.addItem(v.name, v.name)
        self.village.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("review_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for j, width in enumerate((170, 70, 60, 70, 420, 60)):
            header.resizeSection(j, width)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda idx: self.open_row(idx.row()))
        self.table.activated.connect(lambda idx: self.open_row(idx.row()))
        self.count = QLabel()
        self.btn_mark = QPushButton("标为已审核…")
        self.btn_mark.clicked.connect(lambda: self.mark(self.table.currentRow()))
        self.btn_mark.setEnabled(not store.read_only)
        self.btn_excel = QPushButton("导出 Excel…")
        self.btn_excel.clicked.connect(lambda: self.export())
        self.btn_print = QPushButton("打印…")
        self.btn_print.clicked.connect(lambda: self.print_list())
        top = QHBoxLayout()
        top.addWidget(QLabel("村"))
        top.addWidget(self.village)
        top.addWidget(self.count, 1)
        for b in (self.btn_mark, self.btn_excel, self.btn_print):
            top.addWidget(b)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addLayout(top)
        note = QLabel("审核依据：收入连续高于扶贫标准（脱贫候选）、新增死亡或大病残疾、无帮扶措施或责任人、本年度未更新、"
                      "成员无故减少、疑似拆户分户空挂户（政策参数与 forms/years.toml）。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        lay.addWidget(note)
        lay.addWidget(self.table, 1)
        self.setCentralWidget(body)
        self.resize(1180, 640)
        self.op: QueryOp[Any] | None = None
        self.refresh()

    def refresh(self) -> QueryOp[Any]:
        village = self.village.currentData()
        self.count.setText("正在列出…")

        def work(own: Store, _progress: Any, _cancelled: Any) -> list[review.ReviewItem]:
            return review.review_list(own.db, village=village, period=self.period)

        self.op = QueryOp(self, "正在列出需要审核的户…", self.store, work, self._show, title="半年审核调整",
                          cancellable=False)
        self.op.start()
        return self.op

    def _show(self, items: list[review.ReviewItem]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for i, item in enumerate(items):
            values = (item.number, item.village, item.group, item.head_name, "\n".join(item.reasons),
                      "是" if item.reviewed_at else "", item.note)
            for j, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.table.setItem(i, j, cell)
        done = sum(1 for i in items if i.reviewed_at)
        self.count.setText(f"  需要审核 {len(items)} 户，已审核 {done} 户")

    def title(self) -> str:
        return f"半年审核调整名单（{self.village.currentData() or '全乡'}，{self.period}）"

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.items) and self._open is not None:
            self._open(self.items[row].household_id)

    def mark(self, row: int, note: str | None = None) -> bool:
        if not 0 <= row < len(self.items):
            return False
        item = self.items[row]
        if note is None:
            note, ok = QInputDialog.getText(self, "标为已审核", f"{item.head_name}户（{item.number}）的审核说明：",
                                            text=item.note)
            if not ok:
                return False
        try:
            review.mark_reviewed(self.store.db, item.uuid, note, self.store.operator, period=self.period)
        except StoreError as exc:
            QMessageBox.warning(self, "标为已审核", str(exc))
            return False
        self.refresh()
        return True

    def export(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "导出审核名单", str(Path.home() / f"{self.title()}.xlsx"),
                                                    "Excel 文件 (*.xlsx)")
            if not chosen:
                return None
            path = chosen
        try:
            return export_review(self.items, Path(path), title=self.title())
        except WriteError as exc:
            QMessageBox.warning(self, "导出 Excel", str(exc))
            return None

    def document(self) -> QTextDocument:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v).replace(chr(10), '<br>')}</td>" for v in (
                str(n), i.village, i.group, i.number, i.head_name, "\n".join(i.reasons),
                "是" if i.reviewed_at else "否", i.note)) + "</tr>"
            for n, i in enumerate(self.items, start=1))
        head = "".join(f"<th>{h}</th>" for h in ("序号", "村", "组", "户编号", "户主", "审核原因", "已审核", "审核说明"))
        doc = QTextDocument()
        doc.setHtml(f"<h3>{html.escape(self.title())}</h3><table border='1' cellspacing='0' cellpadding='3'>"
                    f"<tr>{head}</tr>{rows}</table>")
        return doc

    def print_list(self, pdf: str | Path | None = None) -> bool:
        """Print the list (a print dialog), or write it to ``pdf``."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if pdf is None:
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return False
            self.document().print_(printer)
            return True
        try:
            with fileio.atomic_path(pdf) as tmp:  # complete or nothing
                printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
                printer.setOutputFileName(str(tmp))
                self.document().print_(printer)
        except WriteError as exc:
            QMessageBox.warning(self, "打印", str(exc))
            return False
        return True


__all__ = ["ReviewWindow"]
