"""文件 → 导入 Excel…: a wizard (file, sheet, column mapping, preview, import).

All reading, checking and exporting runs off the GUI thread in a
:class:`~fupin_desktop.ui.ops.QueryOp` on its own reader connection; the import is a
:class:`~fupin_desktop.ui.ops.StoreOp` that commits on its own connection in one transaction
(Cancel rolls it back, nothing written) and announces the change (``ui/changes.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.importer import (
    ImportCancelled,
    ImportPlan,
    ImportReport,
    ImportRun,
    Source,
    import_file,
    plan_with_header,
    read_source,
)
from fupin_desktop.excel.reader import ExcelRefused
from fupin_desktop.store import Store, StoreError
from fupin_desktop.ui.export_dialog import ExportDialog
from fupin_desktop.ui.import_pages import FilePage, MappingPage, PreviewPage, ResultPage, SheetPage
from fupin_desktop.ui.import_report import REJECTED_COLOR, WARNING_COLOR, ReportModel
from fupin_desktop.ui.ops import QueryOp, StoreOp

log = logging.getLogger(__name__)

# The pages, the export dialog and the report's parts live in their own modules (import_pages,
# export_dialog, import_report); callers import the names below from here too.
__all__ = ["REJECTED_COLOR", "WARNING_COLOR", "ExportDialog", "ImportWizard", "ReportModel"]


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
        self.result: ImportRun | None = None  # type: ignore[assignment]
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

        def work(own: Store, progress: Any, cancelled: Any) -> ImportRun:
            return import_file(own, source.path, source=source, progress=progress, cancelled=cancelled)

        def ok(result: ImportRun) -> None:
            self.result = result
            self.imported.emit(result[0])
            self.next()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ImportCancelled):
                self.preview_page.status.setText("已取消导入，数据库没有任何改动。")
            else:
                self.preview_page.status.setText(f"导入失败，数据库没有任何改动：{exc}")

        self._start(StoreOp[ImportRun](self, "正在导入…", self.store, work, ok, failed))

    def reject(self) -> None:
        if self.op is not None:
            self.op.cancel()
            return
        super().reject()
