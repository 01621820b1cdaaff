"""Read a roster file for import: open it safely, find its layout and header, map its columns.

Split from :mod:`fupin_desktop.excel.importer` (which re-exports these names): a
:class:`Source` is what :func:`read_source` found in one file, ready to be staged.

Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.grid import Grid
from fupin_desktop.excel.limits import EmptySheet
from fupin_desktop.excel.normalize import cell_text, is_blank
from fupin_desktop.excel.reader import ExcelRefused, Limits, Workbook, open_workbook
from fupin_desktop.store import Store


def numbering_row(cells: list[Any]) -> bool:
    """A row of column numbers (1 2 3 …, (1) (2) …) that rosters put under the header."""
    filled = [cell_text(c) for c in cells if not is_blank(c)]
    return len(filled) >= 3 and all(t.strip("()（）").isdigit() and int(t.strip("()（）")) <= 200 for t in filled)


# -- reading ---------------------------------------------------------------------------
@dataclass
class SheetPlan:
    """One sheet to import: its cells, where its header is and how its columns map."""

    name: str
    kind: str  # headers.ROSTER, headers.HOUSEHOLDS or a table id
    rows: Grid  # the sheet's cells, compressed (a sequence of rows)
    header: hdr.Header
    mapping: list[str | None]
    auto_mapping: list[str | None]
    remembered: bool = False
    detected: bool = True  # False: no header was recognised; row 1 is assumed until the clerk says

    @property
    def data_rows(self) -> int:
        return max(len(self.rows) - self.header.data_start, 0)

    def samples(self, column: int, count: int = 3) -> list[str]:
        out = []
        start = self.header.data_start
        for offset, row in enumerate(self.rows[start:start + 200]):
            if offset < 2 and numbering_row(row):
                continue  # the 1 2 3 … under the header is no example of a column's values
            if column < len(row) and not is_blank(row[column]):
                text = cell_text(row[column])
                if text not in out:  # different values say more about a column than one repeated
                    out.append(text)
                if len(out) == count:
                    break
        return out


@dataclass
class Source:
    """What was read from one file, ready to stage."""

    path: Path
    format: str
    layout: str  # "roster" | "full"
    sheet_names: list[str]
    sheets: list[SheetPlan]

    @property
    def main(self) -> SheetPlan:
        return self.sheets[0]


def read_source(store: Store, path: str | Path, sheet: str | None = None,
                limits: Limits | None = None, *, guess: bool = False,
                cancelled: Callable[[], bool] | None = None) -> Source:
    """Open ``path`` safely, recognise its layout, find the header and map the columns.

    ``sheet`` picks the roster sheet (default: the first sheet with a recognisable header).
    A mapping the clerk confirmed earlier for the same header layout is used again.
    Without a recognisable header the file is refused, unless ``guess`` (the wizard, where
    the clerk can point at the header row): then row 1 is taken and ``detected`` is False.
    ``cancelled()`` is polled while the cells are read (a true answer stops the reading).
    """
    with open_workbook(path, limits, cancelled=cancelled) as book:
        full = _read_full(store, book)
        if full is not None and (sheet is None or sheet in {s.name for s in full}):
            return Source(Path(path), book.format, "full", book.sheet_names, full)
        names = [sheet] if sheet else [n for n in book.sheet_names if n not in book.hidden] or book.sheet_names
        problems = []
        first: Any = None
        for name in names:
            data = book.sheet(name)  # refuses a missing, empty or oversized sheet
            plan = _plan(store, name, hdr.ROSTER, data.rows, data.merged)
            if plan is not None:
                return Source(Path(path), book.format, "roster", book.sheet_names, [plan])
            problems.append(name)
            first = first or data
        if guess and first is not None:
            index = hdr.label_index(store.spec, hdr.ROSTER)
            plan = plan_with_header(store, first.name, hdr.ROSTER, first.rows,
                                    hdr.make_header(first.rows, 0, 1, index))
            plan.detected = False
            return Source(Path(path), book.format, "roster", book.sheet_names, [plan])
    raise ExcelRefused(
        f"在工作表“{'、'.join(problems)}”的前 {hdr.SCAN_ROWS} 行中找不到表头（如“姓名”“证件号码”“户编号”）。"
        "请确认选择了花名册所在的工作表。"
    )


def _read_full(store: Store, book: Workbook) -> list[SheetPlan] | None:
    if hdr.FULL_HOUSEHOLD_SHEET not in book.sheet_names:
        return None
    data = book.sheet(hdr.FULL_HOUSEHOLD_SHEET)
    plan = _plan(store, data.name, hdr.HOUSEHOLDS, data.rows, data.merged)
    if plan is None or "household.uuid" not in plan.mapping:
        return None
    plans = [plan]
    for table in TABLES:
        title = store.spec.table(table).title
        if title in book.sheet_names:
            try:
                sheet = book.sheet(title)
            except EmptySheet:
                continue
            table_plan = _plan(store, title, table, sheet.rows, sheet.merged)
            if table_plan is not None:
                plans.append(table_plan)
    return plans


def _plan(store: Store, name: str, kind: str, rows: Grid,
          merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> SheetPlan | None:
    hdr.fill_merged(rows, merged)
    index = hdr.label_index(store.spec, kind)
    header = hdr.detect_header(rows, index)
    if header is None:
        return None
    return plan_with_header(store, name, kind, rows, header)


def plan_with_header(store: Store, name: str, kind: str, rows: Grid, header: hdr.Header) -> SheetPlan:
    """A sheet plan for a given header (also used when the clerk moves the header row)."""
    index = hdr.label_index(store.spec, kind)
    auto = hdr.auto_map(header, index, kind)
    valid = {t.key for t in hdr.targets(store.spec, kind)}
    kept = hdr.remembered(store.db, header, kind, valid)
    return SheetPlan(name=name, kind=kind, rows=rows, header=header, mapping=list(kept or auto),
                     auto_mapping=auto, remembered=kept is not None)
