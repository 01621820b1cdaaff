"""打印中心: choose a document and its scope, preview it in the program, print it or save the PDF.

Documents: 贫困户登记卡 and 扶贫手册 (scope: the selected household, households ticked in a
list, or a whole village), the three publicity rounds (a village), and blank forms.  The PDF is
made off the GUI thread by the printing services (a QueryOp with progress and Cancel),
into a temporary file; the preview renders its pages (see pdf_pages.py); 打印 sends the
rendered pages to a QPrinter, 保存 copies the PDF where the clerk wants it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRect, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPainter, QPixmap, QTransform
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog, fileio
from fupin_desktop.printing import service
from fupin_desktop.printing.service import HouseholdDocument, PrintCancelled, PrintError, PrintResult
from fupin_desktop.rules.policy import PUBLICITY_DAYS
from fupin_desktop.store import Store, StoreError, settings
from fupin_desktop.ui.ops import BackgroundOp, StoreOp
from fupin_desktop.ui.pdf_pages import PdfPages
from fupin_desktop.ui.print_years import closed_year, fill_year_households, year_combo, year_job

log = logging.getLogger(__name__)

#: (key, label) of every document, in the order offered.
DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("card", "贫困户登记卡"),
    ("handbook", "扶贫手册（六个部分）"),
    ("notice-first", "第一次公示"),
    ("notice-second", "第二次公示"),
    ("notice-announce", "公告"),
    ("blank-card", "空白登记卡"),
    ("blank-handbook", "空白扶贫手册"),
    ("blank-members", "空白家庭成员情况登记表"),
)

SCOPE_HOUSEHOLD, SCOPE_SELECTION, SCOPE_VILLAGE = 0, 1, 2
PREVIEW_DPI = 80.0
PRINT_DPI = 300.0


class PrintCentre(QDialog):
    """The print centre (文件 → 打印…, Ctrl+P)."""

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        household_id: int | None = None,
        selected_ids: Sequence[int] = (),
        village_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.household_id = household_id
        self.result: PrintResult | None = None  # type: ignore[assignment]  # shadows QDialog.result(), unused
        self.pages: PdfPages | None = None
        self.page = 0
        self._tmp = Path(tempfile.mkdtemp(prefix="fupin-print-"))
        self._op: BackgroundOp | None = None
        self._made = ""  # what the preview shows, e.g. "兴龙村第一次公示": the PDF's default file name
        self._scope_before_notice: int | None = None
        self.setWindowTitle("打印")
        self.resize(1100, 780)

        self.document = QComboBox()
        self.document.setObjectName("print_document")
        for key, label in DOCUMENTS:
            self.document.addItem(label, key)
        self.document.currentIndexChanged.connect(self._update_options)
        self.year = year_combo(store)  # 年度: a closed year prints its frozen files (ui/print_years.py)
        self.year.currentIndexChanged.connect(lambda _i: self._fill_households(()))

        self.scope_household = QRadioButton(self._household_caption())
        self.scope_selection = QRadioButton("选定的户（在下表中勾选）")
        self.scope_village = QRadioButton("整村")
        self.scopes = QButtonGroup(self)
        for i, button in enumerate((self.scope_household, self.scope_selection, self.scope_village)):
            self.scopes.addButton(button, i)
        self.scopes.idToggled.connect(lambda _i, _on: self._update_options())
        self.village = QComboBox()
        self.village.setObjectName("print_village")
        for v in store.townships.villages():
            self.village.addItem(v.name, v.id)
        if village_id is not None:
            self.village.setCurrentIndex(max(0, self.village.findData(village_id)))
        self.village.currentIndexChanged.connect(lambda _i: self._fill_households(()))
        self.households = QListWidget()
        self.households.setObjectName("print_households")
        self._fill_households(selected_ids)

        self.start = QDateEdit(QDate.currentDate())
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy年M月d日")
        self.days = QSpinBox()
        self.days.setRange(*PUBLICITY_DAYS)
        self.days.setValue(service.publicity_days(store))
        self.days.setSuffix(" 天")
        self.phone = QLineEdit(settings.COMPLAINT_PHONE.get(store.db))
        self.phone.setPlaceholderText("监督电话，如 0839-7201234")
        self.copies = QSpinBox()
        self.copies.setRange(1, service.MAX_COPIES)

        self.generate_button = QPushButton("生成预览(&G)")
        self.generate_button.setObjectName("print_generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.print_button = QPushButton("打印(&P)…")
        self.print_button.clicked.connect(self.print_pdf)
        self.save_button = QPushButton("保存 PDF(&S)…")
        self.save_button.clicked.connect(self.save_pdf)
        self.open_button = QPushButton("用系统程序打开")
        self.open_button.clicked.connect(self.open_external)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)

        self.preview = QLabel("选择文书和范围后，按“生成预览”。")
        self.preview.setObjectName("print_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_label = QLabel("")
        self.prev_button = QPushButton("上一页")
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button = QPushButton("下一页")
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.valueChanged.connect(lambda n: self.show_page(n - 1))
        self.warnings = QLabel("")
        self.warnings.setObjectName("print_warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b3261e;")

        # layout: options at the left, preview at the right
        options = QVBoxLayout()
        form = QFormLayout()
        form.addRow("文书", self.document)
        form.addRow("年度", self.year)
        options.addLayout(form)
        scope_box = QGroupBox("范围")
        scope_lay = QVBoxLayout(scope_box)
        scope_lay.addWidget(self.scope_household)
        scope_lay.addWidget(self.scope_selection)
        row = QHBoxLayout()
        row.addWidget(self.scope_village)
        row.addWidget(self.village, 1)
        scope_lay.addLayout(row)
        scope_lay.addWidget(self.households, 1)
        options.addWidget(scope_box, 1)
        self.notice_box = QGroupBox("公示")
        notice_form = QFormLayout(self.notice_box)
        notice_form.addRow("开始日期", self.start)
        notice_form.addRow("公示天数", self.days)
        notice_form.addRow("监督电话", self.phone)
        options.addWidget(self.notice_box)
        self.blank_box = QGroupBox("空白表")
        blank_form = QFormLayout(self.blank_box)
        blank_form.addRow("份数", self.copies)
        options.addWidget(self.blank_box)
        options.addWidget(self.warnings)
        buttons = QHBoxLayout()
        for b in (self.generate_button, self.print_button, self.save_button):
            buttons.addWidget(b)
        options.addLayout(buttons)
        buttons2 = QHBoxLayout()
        buttons2.addWidget(self.open_button)
        buttons2.addStretch(1)
        buttons2.addWidget(close)
        options.addLayout(buttons2)
        left = QWidget()
        left.setLayout(options)
        left.setFixedWidth(360)

        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.page_box)
        nav.addWidget(self.next_button)
        nav.addWidget(self.page_label, 1)
        right = QVBoxLayout()
        right.addLayout(nav)
        right.addWidget(scroll, 1)
        main = QHBoxLayout(self)
        main.addWidget(left)
        main.addLayout(right, 1)

        (self.scope_household if household_id is not None else self.scope_village).setChecked(True)
        self._update_options()
        self._set_ready(False)
        # Any change of what to print makes the preview stale: 打印 and 保存 wait for a new one.
        self.document.currentIndexChanged.connect(self._stale)
        self.scopes.idToggled.connect(lambda _i, _on: self._stale())
        self.village.currentIndexChanged.connect(self._stale)
        self.year.currentIndexChanged.connect(self._stale)
        self.households.itemChanged.connect(self._stale)
        self.start.dateChanged.connect(self._stale)
        for box in (self.days, self.copies):
            box.valueChanged.connect(self._stale)
        self.phone.textChanged.connect(self._stale)

    # -- options ------------------------------------------------------------------------------
    def _household_caption(self) -> str:
        if self.household_id is None:
            return "本户（未选中户）"
        found = self.store.households.summaries([self.household_id])
        return f"本户：{found[0].head_name}（{found[0].village}{found[0].group}）" if found else "本户"

    def _fill_households(self, checked: Sequence[int]) -> None:
        self.households.clear()
        village_id = self.village.currentData()
        if village_id is None:
            return
        if closed_year(self.year) is not None:
            fill_year_households(self.store, closed_year(self.year) or 0, self.village.currentText(), self.households)
            return
        ids = self.store.households.ids(village_id=village_id)
        for s in self.store.households.summaries(ids):
            item = QListWidgetItem(f"{s.group}　{s.head_name}　{s.size}人　{s.number}")
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if s.id in checked else Qt.CheckState.Unchecked)
            self.households.addItem(item)

    def document_key(self) -> str:
        return str(self.document.currentData())

    def set_document(self, key: str) -> None:
        self.document.setCurrentIndex(self.document.findData(key))

    def checked_ids(self) -> list[Any]:
        """The ticked households: ids, or uuids on a closed year's list (ui/print_years.py)."""
        out = []
        for i in range(self.households.count()):
            item = self.households.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))  # an id; a uuid for a closed year
        return out

    def _update_options(self) -> None:
        key = self.document_key()
        per_household = key in ("card", "handbook")
        notice = key.startswith("notice-")
        self.scope_household.setEnabled(per_household and self.household_id is not None)
        self.scope_selection.setEnabled(per_household)
        self.scope_village.setEnabled(per_household or notice)
        if notice and not self.scope_village.isChecked():
            self._scope_before_notice = self.scopes.checkedId()
            self.scope_village.setChecked(True)  # a notice is for a village
        elif per_household and self._scope_before_notice is not None:
            button = self.scopes.button(self._scope_before_notice)
            self._scope_before_notice = None
            if button.isEnabled():
                button.setChecked(True)  # back from a notice: the household(s) chosen before
        scope = self.scopes.checkedId()
        self.village.setEnabled(per_household or notice)
        self.year.setEnabled(per_household)
        self.households.setEnabled(per_household and scope == SCOPE_SELECTION)
        self.notice_box.setVisible(notice)
        self.blank_box.setVisible(key.startswith("blank-"))

    # -- making the PDF -------------------------------------------------------------------------
    def job(self) -> tuple[str, Callable[[Store, Path, Any, Any], PrintResult]]:
        """What to make, as (progress label, work on a store of the worker's own)."""
        key = self.document_key()
        font = None
        if key in ("card", "handbook"):
            document: HouseholdDocument = "card" if key == "card" else "handbook"
            scope = self.scopes.checkedId()
            year = closed_year(self.year)
            if year is not None:
                return year_job(self.store, year, document, title=self.document.currentText(),
                                household_id=self.household_id if scope == SCOPE_HOUSEHOLD else None,
                                checked=self.checked_ids() if scope == SCOPE_SELECTION else None,
                                village=self.village.currentText())
            if scope == SCOPE_HOUSEHOLD and self.household_id is not None:
                ids = [self.household_id]
            elif scope == SCOPE_SELECTION:
                ids = self.checked_ids()
                if not ids:
                    raise PrintError("请在列表中勾选要打印的户。")
            else:
                village = self.village.currentText()
                return (f"正在生成{village}的{self.document.currentText()}…",
                        lambda s, out, p, c: service.print_village(s, village, out, document=document, progress=p,
                                                                   cancelled=c, font=font))
            return (f"正在生成{self.document.currentText()}…",
                    lambda s, out, p, c: service.print_households(s, ids, out, document=document, progress=p,
                                                                  cancelled=c, font=font))
        if key.startswith("notice-"):
            village = self.village.currentText()
            round_ = key.removeprefix("notice-")
            start = self.start.date().toPython()
            days = self.days.value()
            phone = self.phone.text().strip()
            if phone != settings.COMPLAINT_PHONE.get(self.store.db):
                try:
                    settings.COMPLAINT_PHONE.put(self.store.db, phone)  # remembered for next time
                except StoreError:
                    pass  # the database cannot be written now (full, locked): print all the same
            assert isinstance(start, date)
            return (f"正在生成{village}的{self.document.currentText()}…",
                    lambda s, out, p, c: service.print_notice(s, village, round_, out, start=start, days=days,
                                                              phone=phone, progress=p, cancelled=c, font=font))
        kind = key.removeprefix("blank-")
        copies = self.copies.value()
        return (f"正在生成{self.document.currentText()}…",
                lambda s, out, p, c: service.print_blank(kind, out, store=s, copies=copies, font=font))  # type: ignore[arg-type]

    def generate(self) -> BackgroundOp | None:
        """Make the PDF off the GUI thread; the preview follows."""
        try:
            label, work = self.job()
        except PrintError as exc:
            applog.refused(log, "打印", exc)
            QMessageBox.warning(self, "打印", str(exc))
            return None
        out = self._tmp / f"{self.document_key()}-{id(work)}.pdf"

        def run(own: Store, progress: Any, cancelled: Any) -> PrintResult:
            return work(own, out, progress, cancelled)

        self._set_ready(False)
        self.generate_button.setEnabled(False)
        self._made = self.document_name()
        # A writer connection (changing nothing) so the audit trail keeps who printed whose data (issue 18).
        self._op = StoreOp[PrintResult](self, label, self.store, run, self._on_done,
                                        self._on_failed)
        self._op.finished.connect(lambda: self.generate_button.setEnabled(True))
        return self._op.start()

    def _on_done(self, result: PrintResult) -> None:
        self._op = None
        self.result = result
        if self.pages is not None:
            self.pages.close()
        assert result.path is not None
        self.pages = PdfPages(result.path, result.pages)
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(max(1, result.pages))
        self.page_box.blockSignals(False)
        if result.warnings:
            self.warnings.setText("注意：\n" + "\n".join(result.warnings[:12]))
        else:
            self.warnings.setText("")
        self._set_ready(True)
        self.show_page(0)

    def _on_failed(self, exc: BaseException) -> None:
        self._op = None
        if isinstance(exc, PrintCancelled):
            self.preview.setText("已取消。")
            return
        QMessageBox.warning(self, "打印", str(exc) if isinstance(exc, PrintError) else f"生成失败：{exc}")

    def document_name(self) -> str:
        """The document as chosen now, for a file name: 兴龙村第一次公示, 贫困户登记卡, ..."""
        key = self.document_key()
        name = self.document.currentText()
        if key.startswith("notice-") or (key in ("card", "handbook") and self.scopes.checkedId() == SCOPE_VILLAGE):
            return f"{self.village.currentText()}{name}"
        return name

    def _stale(self) -> None:
        if self.result is None:
            return
        self.result = None
        if self.pages is not None:
            self.pages.close()
            self.pages = None
        self._set_ready(False)
        self.warnings.setText("")
        self.page_label.setText("")
        self.preview.setPixmap(QPixmap())
        self.preview.setText("文书或范围已改变，请重新按“生成预览”。")

    def _set_ready(self, ready: bool) -> None:
        for button in (self.print_button, self.save_button, self.open_button, self.prev_button,
                       self.next_button, self.page_box):
            button.setEnabled(ready)

    # -- preview --------------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        if self.result is None or self.pages is None:
            return
        index = max(0, min(index, self.result.pages - 1))
        self.page = index
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.result.pages - 1)
        self.page_label.setText(f"第 {index + 1} 页，共 {self.result.pages} 页（{self.result.households} 户）"
                                if self.result.households else f"第 {index + 1} 页，共 {self.result.pages} 页")
        image = self.pages.render(index, PREVIEW_DPI)
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(f"已生成 {self.result.pages} 页。本机无法在程序内预览，"
                                 "请按“用系统程序打开”查看，或直接保存 PDF。")
            return
        self.preview.setPixmap(QPixmap.fromImage(image))

    # -- output ---------------------------------------------------------------------------------
    def save_pdf(self) -> Path | None:
        if self.result is None or self.result.path is None:
            return None
        default = str(Path.home() / f"{self._made or self.document.currentText()}.pdf")
        chosen, _ = QFileDialog.getSaveFileName(self, "保存 PDF", default, "PDF 文件 (*.pdf)")
        if not chosen:
            return None
        target = Path(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")
        try:
            fileio.copy_file(self.result.path, target)  # a full disk leaves no truncated PDF
        except OSError as exc:
            applog.refused(log, "保存 PDF", exc)
            QMessageBox.critical(self, "保存 PDF", str(exc))
            return None
        QMessageBox.information(self, "保存 PDF", f"已保存：{target}（{self.result.pages} 页）")
        return target

    def open_external(self) -> None:
        if self.result is not None and self.result.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.path)))

    def print_pdf(self) -> BackgroundOp | None:
        """Ask for the printer, then send it the rendered pages off the GUI thread."""
        if self.result is None or self.pages is None:
            return None
        if self.pages.backend is None:
            QMessageBox.information(self, "打印", "本机没有可在程序内打印 PDF 的组件，将用系统程序打开，请在其中打印。")
            self.open_external()
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.document.currentText())
        printer.setFromTo(1, self.result.pages)
        dialog = QPrintDialog(printer, self)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setMinMax(1, self.result.pages)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        first, last = printer.fromPage() or 1, printer.toPage() or self.result.pages
        pages = PdfPages(self.result.path or "", self.result.pages, backend=self.pages.backend)
        dpi = min(float(printer.resolution()), PRINT_DPI)

        def work(progress: Any, cancelled: Any) -> int:
            painter = QPainter()
            if not painter.begin(printer):
                raise PrintError("无法连接打印机，请检查打印机是否开机、联网。")
            try:
                total = last - first + 1
                for n, page in enumerate(range(first - 1, last)):
                    if cancelled():
                        printer.abort()
                        raise PrintCancelled()
                    if n:
                        printer.newPage()
                    image = pages.render(page, dpi)
                    if image is not None:
                        target = painter.viewport()
                        if (image.width() > image.height()) != (target.width() > target.height()):
                            image = image.transformed(QTransform().rotate(90))  # landscape page, portrait paper
                        scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                        painter.drawImage(QRect(target.x(), target.y(), scaled.width(), scaled.height()), image)
                    progress(n + 1, total)
                return total
            finally:
                painter.end()
                pages.close()

        self._op = BackgroundOp(self, "正在打印…", work, lambda n: self._printed(n), self._on_failed)
        return self._op.start()

    def _printed(self, count: int) -> None:
        self._op = None
        log.info("sent to printer document=%s pages=%d", self.document_key(), count)
        self.page_label.setText(f"已送打印机 {count} 页。")

    def done(self, code: int) -> None:  # noqa: D102 - also on reject/close
        if self._op is not None:
            self._op.cancel()
            self._op.wait()
        if self.pages is not None:
            self.pages.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
        super().done(code)
