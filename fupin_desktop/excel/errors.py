"""The error workbook: the rows an import rejected, as they were, plus why.

The clerk corrects the cells named in the last column (错误原因) and imports the
file again: it keeps the sheet names and the (combined) header of the original,
so it is recognised and mapped the same way, and the two added columns (原行号,
错误原因) are never imported.

Pure Python, no Qt.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from fupin_desktop import fileio
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.exporter import Column, column_width, discard, display_width, safe_value, text_cell
from fupin_desktop.excel.importer import REJECTED, ImportPlan, ImportReport, SourceRow
from fupin_desktop.excel.normalize import cell_text, is_blank
from fupin_desktop.excel.saving import save_book

log = logging.getLogger(__name__)

_REASON_FILL = PatternFill("solid", fgColor="FDE9E7")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def rejected_rows(plan: ImportPlan, report: ImportReport) -> dict[str, list[tuple[SourceRow, list[str]]]]:
    """Sheet name -> (row, reasons) of every rejected row, in sheet order; each row's cells are read
    again from the source's (compressed) sheet, only the rejected ones."""
    sheets = {s.name: s for s in plan.source.sheets}
    out: dict[str, list[tuple[SourceRow, list[str]]]] = {}
    for result in report.rows:
        sheet = sheets.get(result.sheet)
        if result.status == REJECTED and sheet is not None and 0 < result.row <= len(sheet.rows):
            row = SourceRow(sheet=sheet.name, number=result.row, cells=sheet.rows[result.row - 1], kind=sheet.kind)
            out.setdefault(result.sheet, []).append((row, result.reasons))
    return out


def write_error_workbook(plan: ImportPlan, report: ImportReport, path: str | Path) -> int:
    """Write the rejected rows to ``path``; returns how many rows were written.

    Written atomically (:mod:`fupin_desktop.fileio`): a full disk or a read-only folder raises
    :class:`~fupin_desktop.fileio.WriteError` and leaves ``path`` as it was."""
    path = Path(path)
    existed = fileio.exists(path)
    book = Workbook(write_only=True)
    try:  # openpyxl keeps write-only sheets in temporary files: a full disk may show there too
        rows = _write_error_workbook(plan, report, path, book)
        log.info("excel error workbook written file=%s rows=%d", path, rows)
        return rows
    except BaseException as exc:
        discard(book)
        if isinstance(exc, OSError):
            raise fileio.write_error(path, exc, existed=existed) from exc
        raise


def _write_error_workbook(plan: ImportPlan, report: ImportReport, path: Path, book: Workbook) -> int:
    rows_by_sheet = rejected_rows(plan, report)
    written = 0
    source_name = Path(plan.source.path).name
    for sheet in plan.source.sheets:
        rows = rows_by_sheet.get(sheet.name, [])
        if not rows and plan.source.layout == "roster":
            continue
        ws = book.create_sheet(sheet.name)
        names = list(sheet.header.names)
        while names and not names[-1]:
            names.pop()
        width = max(len(names), max((len(r.cells) for r, _ in rows), default=0))
        names += [""] * (width - len(names))
        text = plan.text_columns.get(sheet.name, set())
        for i, name in enumerate(names):
            dimension = ws.column_dimensions[hdr.column_letter(i)]
            longest = max((display_width(cell_text(r.cells[i])) + 2 for r, _ in rows if i < len(r.cells)), default=0)
            dimension.width = min(max(column_width(Column(name or "列", lambda: None)), longest), 40)
            if i in text:
                dimension.width = max(dimension.width, 21)
                dimension.number_format = "@"  # a corrected ID number typed here stays text
        ws.column_dimensions[hdr.column_letter(width)].width = 8
        ws.column_dimensions[hdr.column_letter(width + 1)].width = 60
        ws.freeze_panes = "A3"
        title = WriteOnlyCell(ws, value=f"以下为未能导入的行（原文件：{source_name}，{date.today().isoformat()}）。"
                                        "请按最后一列“错误原因”改正后保存，再用“导入 Excel”导入本文件。")
        title.font = Font(bold=True, color="9C0006")
        ws.append([title])
        header = []
        for name in [*names, hdr.SOURCE_ROW_LABEL, hdr.REASON_LABEL]:
            cell = WriteOnlyCell(ws, value=name or None)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            header.append(cell)
        ws.append(header)
        for row, reasons in rows:
            values = [_as_was(ws, v, i in text) for i, v in enumerate(row.cells[:width])]
            values += [None] * (width - len(values))
            reason = WriteOnlyCell(ws, value="；".join(reasons) or "同户其他行有错误")
            reason.fill = _REASON_FILL
            reason.alignment = Alignment(wrap_text=True, vertical="top")
            ws.append([*values, row.number, reason])
            written += 1
    if not book.worksheets:
        ws = book.create_sheet("未导入的行")
        ws.append(["没有未导入的行。"])
    with fileio.atomic_path(path) as tmp:
        save_book(book, tmp)
    return written


def _as_was(ws: Any, value: Any, text: bool = False) -> Any:
    """The cell as it was read: a number stays a number (an ID stored as a number shows in full).

    In a ``text`` column (ID numbers, phones, 户编号) the cell is formatted "@", so the number the
    clerk types over it in Excel or WPS is kept as text with all its digits."""
    if text and not is_blank(value) and not isinstance(value, bool):
        return text_cell(ws, safe_value(ws, value))
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e11:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "0"
        return cell
    if isinstance(value, str) and not value:
        return None
    return safe_value(ws, value) if not isinstance(value, bool) else value
