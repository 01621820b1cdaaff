"""Export households to .xlsx (openpyxl, streaming write-only workbooks).

Layouts (:data:`LAYOUTS`):

* ``national``: one row per person with the household's columns repeated, the roster
  headers of NATIONAL.md §4 in their order; code fields as the national labels
  (``codes="label"``, 已脱贫（享受政策）, 低保户 ...) or the national code numbers
  (``codes="number"``: 01, 1/0 for 是/否; a value without a national number keeps its label),
  人编号 as stored (blank when the national system has not given one yet);
* ``full``: every Handbook field, a 户基本情况 sheet (one row per household) and one
  sheet per table, joined by 户编号 and the household UUID (户标识), each row with its
  own UUID (记录标识), so an export imported elsewhere gives back the same records;
* ``template``: the full layout without data, with drop-down lists for code fields,
  for villages to fill in and send back.

Every sheet has a title row, a date row, a frozen bold header row with filters and
column widths to fit.  ID numbers, phones, accounts and 户编号 are text cells; text
that begins with = + - @ tab or CR is written as a plain string cell with Excel's
"quote prefix" so Excel and WPS show it and never evaluate it; numbers stay numbers.

Pure Python, no Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from fupin_desktop import fileio
from fupin_desktop.domain import derived, yesno
from fupin_desktop.domain.household import TABLES, Household
from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.values import format_value
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel import saving
from fupin_desktop.formspec import FieldSpec, FormSpec, LayoutColumn, check_layout, load_layout
from fupin_desktop.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

LAYOUTS: dict[str, str] = {
    "national": "全国系统花名册（一人一行）",
    "full": "完整格式（户及各表分工作表，可导回）",
    "template": "空白模板（供村里填写后导入）",
}
#: How the national layout writes code fields: ``--codes label|number``.
CODE_STYLES: dict[str, str] = {"label": "名称", "number": "代码"}
NATIONAL_SHEET = "花名册"
CODES_SHEET = "代码表"
HEADER_ROW = 3  # title, date, header
TEMPLATE_ROWS = 1000
#: Text beginning with these would be a formula (or start one) if typed into Excel or WPS.
RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_TYPES = hdr.TEXT_TYPES

_TITLE_FONT = Font(bold=True, size=14)
_DATE_FONT = Font(italic=True, color="555555")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_DERIVED_FILL = PatternFill("solid", fgColor="EDEDED")
_THIN = Side(style="thin", color="8EA9C1")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


class ExportCancelled(Exception):
    """The clerk cancelled; no file was left behind."""


class ExportError(ValueError):
    """The export cannot be made as asked; ``str(exc)`` is a Chinese message."""


@dataclass
class ExportResult:
    path: Path
    layout: str
    households: int
    persons: int
    sheets: list[str] = field(default_factory=list)
    codes: str = "label"

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "layout": self.layout, "households": self.households,
                "persons": self.persons, "sheets": self.sheets, "codes": self.codes}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[..., Any]
    spec: FieldSpec | None = None
    width: int = 0
    derived: bool = False
    text: bool = False  # digits that are text (code numbers such as 01)


# -- cells ---------------------------------------------------------------------------------
def safe_value(ws: Any, value: Any) -> Any:
    """A value ready for a write-only sheet: risky text as a quote-prefixed string cell."""
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, bool):
        return yesno.word(value)
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    if isinstance(value, (int, float, Decimal, date)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(RISKY_PREFIXES):
        cell = WriteOnlyCell(ws, value=None)
        cell.value = text  # openpyxl reads a leading "=" as a formula ...
        cell.data_type = "s"  # ... so say it is a string
        cell.quotePrefix = True  # and Excel/WPS keep it text when the cell is edited
        return cell
    return text


def is_text_column(col: Column) -> bool:
    """Digits that are not numbers: ID numbers, phones, bank accounts, 户编号 and 人编号."""
    return col.text or col.header in ("户编号", "人编号") or hdr.is_text_field(col.spec)


def text_cell(ws: Any, value: Any) -> Any:
    """``value`` (a string, a cell from :func:`safe_value` or a number) in a cell formatted "@"
    (文本): what Excel and WPS type into it later stays text, never a number that loses digits."""
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
    cell.number_format = "@"
    return cell


def field_cell(spec: FieldSpec, value: Any) -> Any:
    """A stored value as it goes into a cell: labels, numbers as numbers, dates as dates."""
    if value is None or value == []:
        return None
    if spec.type in ("integer", "decimal") or isinstance(value, (Decimal, date)):
        return value
    if spec.type in ("bool", "multicode"):
        return format_value(spec, value)
    return value if isinstance(value, (int, float)) and spec.type == "derived" else str(value)


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def column_width(col: Column) -> float:
    spec = col.spec
    width = max(display_width(col.header) + 2, col.width)
    if spec is not None:
        width = max(width, spec.width * 2 + 2 if spec.width else 0)
        kind = (spec.source or "").rpartition(".")[2] if spec.type == "derived" else spec.type  # 户主证件号码
        width = max(width, {"id_number": 21, "bank_account": 22, "phone": 14, "date": 12,
                            "multiline": 30, "multicode": 18}.get(kind, 0))
    if col.header in (hdr.HOUSEHOLD_UUID_LABEL, hdr.ROW_UUID_LABEL):
        width = 38
    if col.header == "户编号":
        width = max(width, 21)  # 19 digits (510822105001001 0001) and a margin
    return min(max(width, 6), 40)


# -- sheets ----------------------------------------------------------------------------------
class _Sheet:
    """A write-only sheet with the title, date and header rows written."""

    def __init__(self, book: Workbook, title: str, heading: str, subtitle: str, columns: list[Column]) -> None:
        self.ws = book.create_sheet(title)
        self.columns = columns
        self.rows = 0
        #: Columns of numbers that are text (ID numbers, phones, 户编号): "@" on the column for rows
        #: typed later and on every written cell, so a number retyped in Excel or WPS stays text.
        self.text = [is_text_column(col) for col in columns]
        ws = self.ws
        last = hdr.column_letter(max(len(columns) - 1, 0))
        for i, col in enumerate(columns):
            letter = hdr.column_letter(i)
            ws.column_dimensions[letter].width = column_width(col)
            if self.text[i]:
                ws.column_dimensions[letter].number_format = "@"
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        title_cell = WriteOnlyCell(ws, value=heading)
        title_cell.font = _TITLE_FONT
        ws.append([title_cell])
        ws.merged_cells.add(f"A1:{last}1")
        date_cell = WriteOnlyCell(ws, value=subtitle)
        date_cell.font = _DATE_FONT
        ws.append([date_cell])
        row = []
        for col in columns:
            cell = WriteOnlyCell(ws, value=col.header)
            cell.font = _HEADER_FONT
            cell.fill = _DERIVED_FILL if col.derived else _HEADER_FILL
            cell.border = _HEADER_BORDER
            cell.alignment = _HEADER_ALIGN
            row.append(cell)
        ws.append(row)

    def append(self, *args: Any) -> None:
        ws = self.ws
        values = [safe_value(ws, col.value(*args)) for col in self.columns]
        for i, value in enumerate(values):
            if self.text[i] and value is not None:
                values[i] = text_cell(ws, value)
        ws.append(values)
        self.rows += 1

    def finish(self) -> None:
        last = hdr.column_letter(max(len(self.columns) - 1, 0))
        self.ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(self.rows, 1)}"


def national_columns(spec: FormSpec, codes: str = "label") -> list[Column]:
    """The national roster's columns as ``forms/layouts.toml`` declares them (NATIONAL.md §4, in
    their order); ``codes`` as :data:`CODE_STYLES`."""
    numbers = codes == "number"

    def cell(f: FieldSpec, value: Any) -> Any:
        return national_code(spec, f, value) if numbers else field_cell(f, value)

    def coded(f: FieldSpec) -> bool:
        return numbers and f.type in ("code", "bool", "multicode")

    def column(col: LayoutColumn, f: FieldSpec | None) -> Column:
        if f is None:  # a derived value straight from the registry (人数)
            assert col.source is not None and col.header
            compute = derived.HOUSEHOLD_SOURCES[col.source]
            return Column(col.header, lambda hh, m, i: compute(hh))
        if col.table is None:
            return Column(col.header or f.label, lambda hh, m, i: cell(f, hh.fields.get(f.id)), f, text=coded(f))
        return Column(col.header or f.label, lambda hh, m, i: cell(f, m.get(f.id)), f, text=coded(f))

    return [column(col, f) for col, f in check_layout(spec, load_layout("national"))]


def national_code(spec: FormSpec, f: FieldSpec, value: Any) -> Any:
    """A stored value as the national system's code number (是/否 as 1/0); a value whose list
    gives it no national number (弱劳动力或半劳动力) keeps its label, so nothing is lost."""
    if value is None or value == []:
        return None
    if f.type == "bool" and isinstance(value, bool):
        return "1" if value else "0"
    if f.type in ("code", "multicode") and f.codes and not f.codes.startswith("@"):
        code_list = spec.codes[f.codes]

        def one(label: Any) -> str:
            item = code_list.by_label(str(label))
            return item.code if item is not None and item.code else str(label)

        return "、".join(one(v) for v in value) if isinstance(value, list) else one(value)
    return field_cell(f, value)


def household_columns(spec: FormSpec, *, template: bool) -> list[Column]:
    cols = []
    for f in spec.grid_fields():
        if template and (f.readonly or f.type == "derived"):
            continue
        cols.append(Column(f.label, lambda hh, _f=f: field_cell(_f, hh.fields.get(_f.id)), f,
                           derived=f.readonly or f.type == "derived"))
    cols.append(Column(hdr.HOUSEHOLD_UUID_LABEL, lambda hh: hh.uuid))
    return cols


def table_columns(spec: FormSpec, table: str) -> list[Column]:
    number = spec.field("number")
    cols = [Column(number.label, lambda hh, row: hh.fields.get("number"), number)]
    cols += [Column(f.label, lambda hh, row, _f=f: field_cell(_f, row.get(_f.id)), f)
             for f in spec.table(table).fields]
    cols += [Column(hdr.HOUSEHOLD_UUID_LABEL, lambda hh, row: hh.uuid),
             Column(hdr.ROW_UUID_LABEL, lambda hh, row: row.uuid)]
    return cols


# -- the export ----------------------------------------------------------------------------
def export_workbook(store: Store, out: str | Path, layout: str = "national", *, village: str | None = None,
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    today: date | None = None, codes: str = "label") -> ExportResult:
    """Write ``out`` (.xlsx) in ``layout``; ``village`` limits it to one village; ``codes``
    (national layout) writes code fields as labels or national code numbers (:data:`CODE_STYLES`).

    The file is written beside ``out`` under a temporary name, read back to check it, fsynced
    and moved into place only when complete (:mod:`fupin_desktop.fileio`); a cancel leaves no
    file, and a full disk or a read-only folder raises :class:`~fupin_desktop.fileio.WriteError`
    with ``out`` as it was before.
    """
    if layout not in LAYOUTS:
        raise ExportError(f"未知的导出格式“{layout}”，可选：{'、'.join(LAYOUTS)}")
    if codes not in CODE_STYLES:
        raise ExportError(f"未知的代码写法“{codes}”，可选：number（代码）、label（名称）")
    if layout != "template":  # the full Handbook holds every personal detail; see domain/roles.py
        store.require(Action.EXPORT_FULL if layout == "full" else Action.EXPORT_ROSTER)
    progress = progress or (lambda d, t: None)
    cancelled = cancelled or (lambda: False)
    out = Path(out)
    uuids: list[str] = []
    town = store.townships.get()
    village_id = None
    if village:
        found = store.townships.village_by_name(village)
        if found is None:
            raise ExportError(f"本乡没有“{village}”")
        village_id = found.id
    ids = [] if layout == "template" else store.households.ids(village_id=village_id, order="village")
    summaries = store.households.summaries(ids) if layout == "national" else []
    persons = sum(s.size for s in summaries)
    today = today or date.today()
    place = f"{town.county if town else ''}{town.name if town else ''}{village or ''}"
    book = Workbook(write_only=True)
    spec = store.spec
    sheets: list[_Sheet]
    if layout == "national":
        sheets = [_Sheet(book, NATIONAL_SHEET, f"{place} 建档立卡贫困人口花名册",
                         f"导出日期：{today.isoformat()}    共 {len(ids)} 户 {persons} 人", national_columns(spec, codes))]
    else:
        template = layout == "template"
        note = ("填写说明：一户一行填在“户基本情况”，各成员、帮扶责任人等按户编号填在对应工作表；请勿改动表头"
                if template else f"导出日期：{today.isoformat()}    共 {len(ids)} 户")
        heading = f"{place} 扶贫手册" + ("信息采集模板" if template else "（完整格式）")
        sheets = [_Sheet(book, hdr.FULL_HOUSEHOLD_SHEET, heading, note, household_columns(spec, template=template))]
        sheets += [_Sheet(book, spec.table(t).title, f"{place} {spec.table(t).title}", note, table_columns(spec, t))
                   for t in TABLES]
        if template:
            _add_code_lists(book, spec, sheets)
    households = 0
    existed = fileio.exists(out)
    try:  # openpyxl keeps write-only sheets in temporary files: a full disk may show here too
        for done, hh in enumerate(_households(store, ids), start=1):
            if done % 100 == 0:
                if cancelled():
                    raise ExportCancelled
                progress(done, len(ids))
            households += 1
            uuids.append(hh.uuid)
            if layout == "national":
                for i, m in enumerate(hh.current_members, start=1):
                    sheets[0].append(hh, m, i)
            else:
                sheets[0].append(hh)
                for table, sheet in zip(TABLES, sheets[1:], strict=True):
                    for row in hh.table(table):
                        sheet.append(hh, row)
        if layout != "national":
            persons = sheets[1].rows
        for sheet in sheets:
            sheet.finish()
        if cancelled():
            raise ExportCancelled
        with fileio.atomic_path(out) as tmp:
            saving.save_book(book, tmp)
            _verify(tmp, [(s.ws.title, s.rows) for s in sheets])
    except BaseException as exc:
        discard(book)
        if isinstance(exc, OSError):
            raise fileio.write_error(out, exc, existed=existed) from exc
        raise
    progress(len(ids), len(ids))
    if layout != "template":  # who exported whose data, when
        store.record_use("export", LAYOUTS[layout], uuids)
    log.info("excel export written file=%s layout=%s village_id=%s households=%d persons=%d",
             out, layout, village_id, households, persons)
    return ExportResult(path=out, layout=layout, households=households, persons=persons,
                        sheets=[s.ws.title for s in sheets],
                        codes=codes if layout == "national" else "label")


def discard(book: Workbook) -> None:
    """After a failed or cancelled write: see :func:`fupin_desktop.excel.saving.discard`."""
    saving.discard(book)


def _households(store: Store, ids: list[int]) -> Iterator[Household]:
    for household_id in ids:
        hh = store.households.get(household_id)
        if hh is not None:
            yield hh


def _verify(path: Path, expected: list[tuple[str, int]]) -> None:
    """Read the written file back (every part decompressed, CRCs checked, rows counted)."""
    from fupin_desktop.excel.reader import ExcelRefused, Limits, open_workbook

    try:
        with open_workbook(path, Limits.unlimited()) as book:
            for name, rows in expected:
                if (book.row_count(name) or 0) < HEADER_ROW + rows:
                    raise fileio.WriteError(f"写入的文件读回时不完整（工作表“{name}”应有 {rows} 行数据），"
                                            "导出没有完成，没有留下不完整的文件。请换一个位置重新导出。", kind="io")
    except ExcelRefused as exc:
        raise fileio.WriteError(f"写入的文件读不回来（{exc}），导出没有完成，没有留下不完整的文件。"
                                "请换一个位置重新导出。", kind="io") from exc


def _add_code_lists(book: Workbook, spec: FormSpec, sheets: list[_Sheet]) -> None:
    """Drop-down lists for code and 是/否 columns of the template, from a hidden 代码表 sheet."""
    lists = sorted({f.codes for s in sheets for c in s.columns if (f := c.spec) is not None
                    and f.type == "code" and f.codes and not f.codes.startswith("@")})
    codes_ws = book.create_sheet(CODES_SHEET)
    codes_ws.sheet_state = "hidden"
    longest = max((len(spec.codes[c].items) for c in lists), default=0)
    codes_ws.append([spec.codes[c].title for c in lists])
    for i in range(longest):
        codes_ws.append([spec.codes[c].items[i].label if i < len(spec.codes[c].items) else None for c in lists])
    ranges = {c: f"{CODES_SHEET}!${hdr.column_letter(j)}$2:${hdr.column_letter(j)}${len(spec.codes[c].items) + 1}"
              for j, c in enumerate(lists)}
    first, last = HEADER_ROW + 1, HEADER_ROW + TEMPLATE_ROWS
    for sheet in sheets:
        for i, col in enumerate(sheet.columns):
            f = col.spec
            if f is None:
                continue
            letter = hdr.column_letter(i)
            if f.type == "bool":
                dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            elif f.type == "code" and f.codes in ranges:
                dv = DataValidation(type="list", formula1=ranges[f.codes], allow_blank=True)
            else:
                continue
            dv.error = f"请从下拉列表中选择{f.label}"
            dv.showErrorMessage = False  # typing a code number or an alias is fine too: the import resolves it
            dv.add(f"{letter}{first}:{letter}{last}")
            sheet.ws.data_validations.append(dv)
