"""The batch roster for the county's education bureau (教育精准扶贫学生资助名册) as Excel.

One row per student of the batch: village, group, household number and head, the student, the ID
number (masked as on a 公示 unless the setting or the caller asks for it in full), school, type,
where, the date, each item's amount and the total; a 合计 row; and a second sheet 汇总 with the
totals per school type and item.  Amounts are numbers (not formulas), so what Excel shows is what
the store holds.  Written atomically (``fileio``) and read back before it replaces anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from fupin_desktop import fileio
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.excel import saving
from fupin_desktop.rules import education as rules
from fupin_desktop.store import Store, settings
from fupin_desktop.store.education import EducationRepository

log = logging.getLogger(__name__)
SHEET = "资助名册"
SUMMARY_SHEET = "汇总"
HEADER_ROW = 3
BEFORE_ITEMS = ("序号", "村", "组", "户编号", "户主", "学生姓名", "身份证号", "就读学校", "学校类型", "就读地", "申请日期")
MONEY = "#,##0.00"
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TEXT_RISK = ("=", "+", "-", "@")


class RosterError(ValueError):
    """Nothing to export as asked; ``str(exc)`` is a Chinese message."""


@dataclass(frozen=True)
class RosterResult:
    path: Path
    students: int
    total: Decimal
    by_item: dict[str, Decimal]
    by_type: dict[str, Decimal]
    full_ids: bool

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.path), "students": self.students, "total": float(self.total),
                "by_item": {k: float(v) for k, v in self.by_item.items()},
                "by_type": {k: float(v) for k, v in self.by_type.items()}, "full_ids": self.full_ids}


def _text(ws: Any, row: int, col: int, value: Any, **style: Any) -> None:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(_TEXT_RISK):
            cell.data_type = "s"  # a name typed as "=1+1" stays text, never a formula
            cell.quotePrefix = True
    else:
        cell.value = value
    for key, val in style.items():
        setattr(cell, key, val)


def export_roster(store: Store, year: str, batch: int, out: str | Path, *, full_ids: bool | None = None,
                  progress: Callable[[int, int], None] | None = None) -> RosterResult:
    """The roster of ``batch`` of ``year`` at ``out``.  ``full_ids`` None: the setting
    (设置: 资助名册显示完整身份证号)."""
    out = Path(out)
    if full_ids is None:
        full_ids = bool(settings.EDUCATION_FULL_ID.get(store.db))
    students = [s for s in EducationRepository(store.db).students(year, batch=batch) if s.application]
    if not students:
        raise RosterError(f"{year} 学年{rules.batch_name(batch)}还没有学生（用 fupin education apply 纳入）。")
    items = [i for i in rules.ITEMS if any(i in dict(s.application.items) for s in students if s.application)]
    extra = sorted({i for s in students if s.application for i, _ in s.application.items} - set(items))
    items += extra
    town = store.townships.get()
    place = f"{town.county}{town.name}" if town is not None else ""
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    headers = [*BEFORE_ITEMS, *items, "合计（元）", "备注"]
    _text(ws, 1, 1, f"{place}{year} 学年{rules.batch_name(batch)}教育精准扶贫学生资助名册", font=_TITLE)
    _text(ws, 2, 1, f"导出日期：{date.today().isoformat()}　共 {len(students)} 人　身份证号："
                    f"{'完整' if full_ids else '已遮蔽'}")
    for col, header in enumerate(headers, start=1):
        _text(ws, HEADER_ROW, col, header, font=_BOLD, fill=_FILL, border=_BORDER,
              alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    by_item = dict.fromkeys(items, Decimal(0))
    by_type: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, int] = {}
    row = HEADER_ROW
    for n, s in enumerate(students, start=1):
        assert s.application is not None and s.enrolment is not None
        row += 1
        amounts = dict(s.application.items)
        kind = s.enrolment.school_type
        values: list[Any] = [n, s.village, s.group, s.household_number, s.head_name, s.name,
                             s.id_number if full_ids else mask_id(s.id_number), s.enrolment.school, kind,
                             "省内" if s.enrolment.in_province else "省外", s.application.applied_on.isoformat()]
        values += [float(amounts[i]) if i in amounts else None for i in items]
        values += [float(s.application.total), f"逾期受理：{s.application.override}" if s.application.override else None]
        for col, value in enumerate(values, start=1):
            _text(ws, row, col, value, border=_BORDER)
            if isinstance(value, float):
                ws.cell(row=row, column=col).number_format = MONEY
        ws.cell(row=row, column=4).number_format = "@"
        ws.cell(row=row, column=7).number_format = "@"
        counts[kind] = counts.get(kind, 0) + 1
        per_type = by_type.setdefault(kind, dict.fromkeys(items, Decimal(0)))
        for item, amount in amounts.items():
            by_item[item] += amount
            per_type[item] += amount
        if progress is not None:
            progress(n, len(students))
    total = sum(by_item.values(), Decimal(0))
    row += 1
    _text(ws, row, 1, "合计", font=_BOLD, border=_BORDER)
    _text(ws, row, 6, f"{len(students)} 人", font=_BOLD, border=_BORDER)
    for offset, item in enumerate(items):
        _text(ws, row, len(BEFORE_ITEMS) + 1 + offset, float(by_item[item]), font=_BOLD, border=_BORDER,
              number_format=MONEY)
    _text(ws, row, len(BEFORE_ITEMS) + len(items) + 1, float(total), font=_BOLD, border=_BORDER, number_format=MONEY)
    widths = [6, 10, 8, 21, 10, 10, 21, 24, 18, 8, 12, *([14] * len(items)), 12, 24]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=col).column_letter].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _summary(book, items, by_type, counts, by_item, total)
    type_totals = {k: sum(v.values(), Decimal(0)) for k, v in by_type.items()}
    existed = fileio.exists(out)
    try:
        with fileio.atomic_path(out) as tmp:
            saving.save_book(book, tmp)
            _verify(tmp, len(students))
    except OSError as exc:
        raise fileio.write_error(out, exc, existed=existed) from exc
    log.info("education roster written file=%s year=%s batch=%d students=%d", out, year, batch, len(students))
    return RosterResult(out, len(students), total, by_item, type_totals, full_ids)


def _summary(book: Workbook, items: list[str], by_type: dict[str, dict[str, Decimal]], counts: dict[str, int],
             by_item: dict[str, Decimal], total: Decimal) -> None:
    ws = book.create_sheet(SUMMARY_SHEET)
    headers = ["学校类型", "人数", *items, "合计（元）"]
    for col, header in enumerate(headers, start=1):
        _text(ws, 1, col, header, font=_BOLD, fill=_FILL, border=_BORDER)
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 20 if col == 1 else 14
    kinds = [k for k in rules.SCHOOL_TYPES if k in by_type] + sorted(set(by_type) - set(rules.SCHOOL_TYPES))
    row = 1
    for kind in kinds:
        row += 1
        values: list[Any] = [kind, counts[kind], *(float(by_type[kind][i]) for i in items),
                             float(sum(by_type[kind].values(), Decimal(0)))]
        for col, value in enumerate(values, start=1):
            _text(ws, row, col, value, border=_BORDER, number_format=MONEY if isinstance(value, float) else "General")
    row += 1
    values = ["合计", sum(counts.values()), *(float(by_item[i]) for i in items), float(total)]
    for col, value in enumerate(values, start=1):
        _text(ws, row, col, value, font=_BOLD, border=_BORDER, number_format=MONEY if isinstance(value, float) else "General")


def _verify(path: Path, students: int) -> None:
    """Read the file back: a roster that does not open or lacks rows never replaces anything."""
    try:
        book = load_workbook(path, read_only=True)
        try:
            rows = book[SHEET].max_row
        finally:
            book.close()
    except Exception as exc:  # noqa: BLE001 - any failure to read back means the file is bad
        raise fileio.WriteError(f"写入的名册读不回来（{exc}），导出没有完成。") from exc
    if rows is None or rows < HEADER_ROW + students + 1:
        raise fileio.WriteError("写入的名册读回时不完整，导出没有完成，没有留下不完整的文件。")
