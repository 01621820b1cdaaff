"""The half-year review list (半年审核调整名单) as an Excel workbook: one row per household.

Written through :func:`fupin_desktop.fileio.atomic_path` (a full disk or a read-only folder leaves
nothing behind and raises a Chinese :class:`~fupin_desktop.fileio.WriteError`).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from fupin_desktop import fileio
from fupin_desktop.excel import saving
from fupin_desktop.store.review import ReviewItem

HEADERS = ("序号", "村", "组", "户编号", "户主", "审核原因", "是否已审核", "审核说明")
WIDTHS = (6, 12, 8, 20, 10, 70, 10, 30)


def export_review(items: list[ReviewItem], out: Path, *, title: str) -> Path:
    if out.suffix.lower() != ".xlsx":
        raise fileio.WriteError(f"请给出 .xlsx 文件名（现为 {out.name}）。")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "审核名单"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for n, item in enumerate(items, start=1):
        sheet.append([n, item.village, item.group, item.number, item.head_name, "\n".join(item.reasons),
                      "是" if item.reviewed_at else "否", item.note])
        sheet.cell(row=n + 2, column=6).alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A3"
    with fileio.atomic_path(out) as tmp:
        saving.save_book(book, tmp)
    return out
