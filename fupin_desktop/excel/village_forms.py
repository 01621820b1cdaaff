"""The 贫困村登记表 of every village as one Excel sheet, and back.

Export: sheet ``贫困村登记表``, a title row, then one header row (村名, then every field of
``forms/village.toml`` in paper order, with its unit) and one row per village.  Import reads the
same layout (headers matched by label, alias or field id; the title row may be missing), checks
every cell with the form's own parsing, and saves all rows in one transaction, or nothing when
any cell is wrong (the message names the row, the column and what to type).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop import fileio
from fupin_desktop.domain.text import normalize_text
from fupin_desktop.domain.values import FieldValueError, format_value, parse_value
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.excel.limits import ExcelRefused
from fupin_desktop.excel.reader import open_workbook
from fupin_desktop.formspec import FieldSpec, FormSpec
from fupin_desktop.store.changes import Change, Changed, ChangeKind
from fupin_desktop.store.database import StoreError

if TYPE_CHECKING:
    from fupin_desktop.store import Store

SHEET = "贫困村登记表"
VILLAGE_HEADER = "村名"
MAX_ERRORS = 20


def header(f: FieldSpec) -> str:
    return f"{f.label}（{f.unit}）" if f.unit else f.label


def export_forms(store: Store, path: str | Path, year: int) -> tuple[Path, int]:
    """Write every village's form of ``year``; returns the path and the number of villages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from fupin_desktop.excel.saving import save_book

    spec = store.village_forms.spec
    fields = spec.grid_fields()
    forms = store.village_forms.for_year(year)
    town = store.townships.get()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([f"{town.name if town else ''}{year}年贫困村登记表（标准时点 {year}-12-31）"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append([VILLAGE_HEADER, *(header(f) for f in fields)])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    villages = store.townships.villages()
    for v in villages:
        form = forms.get(int(v.id or 0))
        values = form.fields if form else {"year": year}
        ws.append([v.name, *(_cell(f, values.get(f.id)) for f in fields)])
    ws.column_dimensions["A"].width = 10
    ws.freeze_panes = "B3"
    target = Path(path)
    try:
        with fileio.atomic_path(target) as tmp:
            save_book(wb, tmp)
    except fileio.WriteError as exc:
        raise StoreError(str(exc)) from exc
    return target, len(villages)


def _cell(f: FieldSpec, value: Any) -> Any:
    if value is None or isinstance(value, bool) or f.type not in ("integer", "decimal"):
        return format_value(f, value) if value is not None else None
    return int(value) if f.type == "integer" else float(value)


def _match(spec: FormSpec) -> dict[str, FieldSpec | None]:
    names: dict[str, FieldSpec | None] = {VILLAGE_HEADER: None, "村": None, "行政村": None}
    for f in spec.grid_fields():
        for name in (f.label, header(f), f.id, *f.aliases):
            names.setdefault(normalize_text(name), f)
    return names


def read_forms(store: Store, path: str | Path, year: int | None = None) -> list[VillageForm]:
    """Parse the sheet into forms (nothing saved); raises :class:`StoreError` naming every bad cell."""
    spec = store.village_forms.spec
    try:
        with open_workbook(path) as book:
            name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
            rows = book.sheet(name).rows
    except ExcelRefused as exc:
        raise StoreError(str(exc)) from exc
    names = _match(spec)
    head_at = next((i for i, r in enumerate(rows[:5])
                    if any(normalize_text(str(c or "")) in (VILLAGE_HEADER, "村", "行政村") for c in r)), None)
    if head_at is None:
        raise StoreError(f"第 1-5 行中没有“{VILLAGE_HEADER}”列。请用“导出贫困村登记表”得到的表格填写后再导入。")
    columns: list[tuple[int, FieldSpec | None]] = []
    unknown = []
    for j, c in enumerate(rows[head_at]):
        text = normalize_text(str(c or ""))
        if not text:
            continue
        if text not in names:
            unknown.append(text)
            continue
        columns.append((j, names[text]))
    if unknown:
        raise StoreError(f"不认识的列：{'、'.join(unknown[:10])}。列名应与导出的贫困村登记表一致。")
    village_col = next(j for j, f in columns if f is None)
    forms: list[VillageForm] = []
    errors: list[str] = []
    seen: set[tuple[int, int]] = set()
    for i, row in enumerate(rows[head_at + 1:], start=head_at + 2):
        cells = {j: (row[j] if j < len(row) else None) for j, _ in columns}
        if all(v in (None, "") for v in cells.values()):
            continue
        vname = normalize_text(str(cells[village_col] or ""))
        village = store.townships.village_by_name(vname) if vname else None
        if village is None or village.id is None:
            errors.append(f"第 {i} 行：本乡没有“{vname}”" if vname else f"第 {i} 行：村名未填")
            continue
        values: dict[str, Any] = {}
        for j, f in columns:
            if f is None:
                continue
            raw = cells[j]
            text = "" if raw is None else (str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw))
            try:
                values[f.id] = parse_value(f, text, spec.codes.get(f.codes) if f.codes else None)
            except FieldValueError as exc:
                errors.append(f"第 {i} 行（{village.name}）“{f.label}”：{exc}")
        form_year = values.get("year") or year
        if not isinstance(form_year, int):
            errors.append(f"第 {i} 行（{village.name}）：登记年度未填")
            continue
        if (int(village.id), form_year) in seen:
            errors.append(f"第 {i} 行：{village.name}{form_year}年出现了两次")
            continue
        seen.add((int(village.id), form_year))
        values["year"] = form_year
        forms.append(VillageForm(village_id=int(village.id), village=village.name, year=form_year, fields=values))
    if errors:
        more = f"；另有 {len(errors) - MAX_ERRORS} 处" if len(errors) > MAX_ERRORS else ""
        raise StoreError("未导入，表格中有错误：\n" + "\n".join(errors[:MAX_ERRORS]) + more
                         + "\n请改正后重新导入。")
    if not forms:
        raise StoreError("表格中没有村的数据行，未导入。")
    return forms


def import_forms(store: Store, path: str | Path, year: int | None = None) -> Changed[list[VillageForm]]:
    """Read and save every row (one transaction: all or nothing); returns the saved forms and
    the change to announce."""
    forms = read_forms(store, path, year)
    saved = []
    with store.db.transaction():
        for form in forms:
            old = store.village_forms.get(form.village_id, form.year)
            if old is not None:  # cells the sheet has no column for keep their values
                form.uuid, form.revision = old.uuid, old.revision
                form.fields = {**old.fields, **form.fields}
            saved.append(store.village_forms.save(form, store.operator))
    return Changed(saved, Change.of(ChangeKind.VILLAGE_FORM, villages=[f.village for f in saved], count=len(saved)))
