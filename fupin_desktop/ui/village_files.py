"""Files of the village form and the statistics, from the GUI: print the form (filled or blank),
export and import every village's form as Excel, and write the county's reports.

The same functions as ``fupin print village``, ``fupin village export|import`` and ``fupin report``,
run off the GUI thread (:mod:`fupin_desktop.ui.ops`) on the worker's own connection.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from fupin_desktop.store import Store
from fupin_desktop.ui.ops import QueryOp, StoreOp

#: Report keys and titles offered by the statistics page.
REPORTS = (("basic", "贫困户基本情况汇总表"), ("causes", "致贫原因统计表"), ("measures", "帮扶措施统计表"),
           ("progress", "识别进度表"), ("exits", "脱贫退出统计表"))


def _save_path(parent: QWidget, title: str, name: str, pattern: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / name), pattern)
    return Path(chosen) if chosen else None


def _done(parent: QWidget, text: str) -> Callable[[Any], None]:
    def show(_result: Any) -> None:
        QMessageBox.information(parent, "完成", text)

    return show


def print_form(parent: QWidget, store: Store, village: str, year: int, *, blank: bool = False,
               path: Path | None = None) -> QueryOp[Any] | None:
    """The village's form (or the blank one) as a PDF."""
    from fupin_desktop.printing.village import print_village_form

    name = f"{village}贫困村登记表{'（空白）' if blank else year}.pdf"
    target = path or _save_path(parent, "打印贫困村登记表", name, "PDF 文件 (*.pdf)")
    if target is None:
        return None
    op: QueryOp[Any] = QueryOp(parent, "正在生成 PDF…", store,
                               lambda own, _p, _c: print_village_form(own, village, target, year=year, blank=blank),
                               _done(parent, f"已生成：{target}"), title="打印")
    op.start()
    return op


def export_forms(parent: QWidget, store: Store, year: int, path: Path | None = None) -> QueryOp[Any] | None:
    from fupin_desktop.excel.village_forms import export_forms as export

    target = path or _save_path(parent, "导出贫困村登记表", f"{year}年贫困村登记表.xlsx", "Excel 文件 (*.xlsx)")
    if target is None:
        return None
    op: QueryOp[Any] = QueryOp(parent, "正在导出…", store, lambda own, _p, _c: export(own, target, year),
                               _done(parent, f"已导出：{target}"), title="导出")
    op.start()
    return op


def import_forms(parent: QWidget, store: Store, path: Path | None = None,
                 after: Callable[[], None] | None = None) -> StoreOp[Any] | None:
    """Every row of the sheet, all or nothing (a wrong cell is named and nothing is saved)."""
    from fupin_desktop.excel.village_forms import import_forms as load

    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(parent, "导入贫困村登记表", str(Path.home()), "Excel 文件 (*.xlsx)")
        if not chosen:
            return None
        path = Path(chosen)
    source = path

    def success(result: Any) -> None:  # a Changed: the StoreOp has announced its change
        if after is not None:
            after()
        QMessageBox.information(parent, "完成", f"已导入 {len(result.value)} 份贫困村登记表。")

    op: StoreOp[Any] = StoreOp(parent, "正在导入…", store, lambda own, _p, _c: load(own, source), success,
                               title="导入贫困村登记表")
    op.start()
    return op


def write_report(parent: QWidget, store: Store, key: str, year: int, path: Path | None = None) -> QueryOp[Any] | None:
    """One Excel report, or the one-page PDF summary (``key == "summary"``)."""
    title = dict(REPORTS).get(key, "统计汇总")
    pdf = key == "summary"
    target = path or _save_path(parent, f"导出{title}", f"{year}年{title}{'.pdf' if pdf else '.xlsx'}",
                                "PDF 文件 (*.pdf)" if pdf else "Excel 文件 (*.xlsx)")
    if target is None:
        return None

    def work(own: Store, _p: object, _c: object) -> Path:
        if pdf:
            from fupin_desktop.printing.summary import write_summary

            return write_summary(own, target, year)
        from fupin_desktop.excel.reports import write_report as write

        return write(own, key, target, year)[0]

    op: QueryOp[Any] = QueryOp(parent, f"正在生成{title}…", store, work, _done(parent, f"已生成：{target}"), title="报表")
    op.start()
    return op
