"""Draw the paper form from its spec: grid groups as ruled label/value cells, table groups as
ruled tables, in the paper's order, with the spec's labels, units, rows, columns and spans.

``values=None`` (or ``rows=None``) draws the blank form for field work: empty cells with the
unit printed at the right, 是/否 and short code lists as boxes to tick, and ruled empty rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reportlab.lib.units import mm

from fupin_desktop.domain.household import Row
from fupin_desktop.domain.values import format_value
from fupin_desktop.formspec import FieldSpec, FormSpec, GroupSpec
from fupin_desktop.printing.layout import (
    LEADING,
    PAD,
    SIZE_5,
    SIZE_6,
    SIZE_S5,
    TITLE_FILL,
    VPAD,
    Column,
    Document,
    draw_table,
    scale_to,
    split_columns,
)

NUMERIC = ("integer", "decimal")
#: Column types written in digits, half as wide as Chinese characters.
DIGITS = ("integer", "decimal", "date", "id_number", "phone", "bank_account")
#: Longest code list printed as boxes to tick on a blank form.
MAX_TICK_ITEMS = 4
BANDS = "一二三四五六七八九十"


def cell_text(spec: FieldSpec, value: Any) -> str:
    """A value as printed in its cell, with its unit (``2.2 亩``)."""
    text = format_value(spec, value)
    if text and spec.unit:
        text = f"{text} {spec.unit}"
    return text


def tick_boxes(spec: FieldSpec, form: FormSpec) -> str:
    """``□是 □否`` (or a short code list) for a blank cell; empty if the list is long."""
    if spec.type == "bool":
        return "□是　□否"
    if spec.type == "code" and spec.codes and not spec.codes.startswith("@"):
        labels = form.codes[spec.codes].labels
        if len(labels) <= MAX_TICK_ITEMS:
            return "　".join(f"□{label}" for label in labels)
    return ""


def column_label(spec: FieldSpec) -> str:
    return f"{spec.label}（{spec.unit}）" if spec.unit and spec.unit not in spec.label else spec.label


def reflow(group: GroupSpec, entries: Sequence[tuple[FieldSpec, int]], columns: int, title: str) -> GroupSpec:
    """A grid of the given fields (with spans) laid row by row into ``columns`` pairs.

    Used for a card that gathers fields of several paper groups on one compact grid.
    """
    placed: list[FieldSpec] = []
    row = col = 0
    for spec, span in entries:
        span = max(1, min(span, columns))
        if col + span > columns:
            row, col = row + 1, 0
        placed.append(replace(spec, row=row, col=col, span=span))
        col += span
        if col >= columns:
            row, col = row + 1, 0
    return GroupSpec(id=group.id, title=title, kind="grid", columns=columns, fields=tuple(placed))


def draw_grid(
    doc: Document,
    group: GroupSpec,
    form: FormSpec,
    values: Mapping[str, Any] | None,
    *,
    size: float = SIZE_5,
    row_h: float = 8 * mm,
    title: str | None = None,
    prefill: Mapping[str, Any] | None = None,
) -> None:
    """A grid group as on the paper: ``columns`` label/value pairs per row, fields at
    (row, col) spanning ``span`` pairs; empty positions stay as empty ruled cells.

    ``values=None`` draws the blank form; ``prefill`` then still fills what is known
    beforehand (the township's names on a blank card)."""
    blank = values is None
    known = prefill or {}
    columns = max(1, group.columns)
    pair_w = doc.width / columns
    label_w: list[float] = []
    for c in range(columns):
        labels = [f.label for f in group.fields if f.col == c]
        natural = max((doc.measure.width(lab, size) for lab in labels), default=0.0) + 2 * PAD + 1
        label_w.append(min(max(natural, pair_w * 0.28), pair_w * 0.5))
    x_of = [doc.left + c * pair_w for c in range(columns + 1)]
    rows = max((f.row for f in group.fields), default=-1) + 1
    by_row: dict[int, list[FieldSpec]] = {}
    for f in group.fields:
        by_row.setdefault(f.row, []).append(f)

    def text_of(f: FieldSpec) -> str:
        if blank:
            return cell_text(f, known[f.id]) if known.get(f.id) else tick_boxes(f, form)
        return cell_text(f, values.get(f.id))  # type: ignore[union-attr]

    def value_width(f: FieldSpec) -> float:
        end = min(columns, f.col + max(1, f.span))
        return x_of[end] - x_of[f.col] - label_w[f.col]

    heights: list[float] = []
    for r in range(rows):
        h = row_h
        for f in by_row.get(r, []):
            multiline = f.type == "multiline"
            if multiline:
                h = max(h, row_h * (5 if blank else 3))  # the paper leaves room to write a few lines
            if blank and multiline:
                continue
            cap = 8 if multiline else 3
            lines = min(cap, doc.measure.lines_needed(text_of(f), value_width(f) - 2 * PAD, size))
            label_w_inner = label_w[f.col] - 2 * PAD
            label_lines = 1 if doc.measure.width(f.label, size) * 0.8 <= label_w_inner else min(
                3, doc.measure.lines_needed(f.label, label_w_inner, size))
            h = max(h, max(lines, label_lines) * size * LEADING + 2 * VPAD + 1)
        heights.append(h)

    title_text = group.title if title is None else title
    title_h = 7 * mm if title_text else 0.0
    total = title_h + sum(heights)
    if total <= doc.top - doc.bottom:
        doc.ensure(total)
    else:
        doc.ensure(title_h + (heights[0] if heights else 0))
    block_top = doc.y
    if title_text:
        doc.box(doc.left, doc.y, doc.width, title_h, fill=TITLE_FILL)
        doc.text_in_box(doc.left, doc.y, doc.width, title_h, title_text, SIZE_5, bold=True)
        doc.y -= title_h
    for r in range(rows):
        h = heights[r]
        if doc.y - h < doc.bottom:
            doc.frame(block_top, doc.y)
            doc.new_page()
            block_top = doc.y
        taken = [False] * columns
        for f in by_row.get(r, []):
            x = x_of[f.col]
            lw, vw = label_w[f.col], value_width(f)
            doc.box(x, doc.y, lw, h, fill=0.96)
            doc.text_in_box(x, doc.y, lw, h, f.label, size, align="center", one_line_shrink=0.8)
            doc.box(x + lw, doc.y, vw, h)
            text = text_of(f)
            multiline = f.type == "multiline"
            if text:
                small = blank and text.startswith("□")
                doc.text_in_box(x + lw, doc.y, vw, h, text, SIZE_S5 if small else size,
                                valign="top" if multiline and not blank else "middle",
                                gray=0.2 if small else 0.0)
            if blank and multiline and not text:
                doc.canvas.setLineWidth(0.3)
                doc.canvas.setStrokeGray(0.6)
                guide = doc.y - row_h
                while guide > doc.y - h + 2:
                    doc.canvas.line(x + lw + PAD, guide, x + lw + vw - PAD, guide)
                    guide -= row_h
                doc.canvas.setStrokeGray(0)
                doc.canvas.setLineWidth(0.5)
            if blank and f.unit and not known.get(f.id):
                doc.text_in_box(x + lw, doc.y, vw, h, f.unit, size, align="right")
            for c in range(f.col, min(columns, f.col + max(1, f.span))):
                taken[c] = True
        for c in range(columns):
            if not taken[c]:
                doc.box(x_of[c], doc.y, x_of[c + 1] - x_of[c], h)
        doc.y -= h
    doc.frame(block_top, doc.y)


def natural_width(f: FieldSpec) -> float:
    """A column's comfortable width from its spec's width hint (in characters)."""
    chars = max(f.width, 2) * (0.62 if f.type in DIGITS else 1.0)
    # What the longest value needs at 9 pt: 18 digits, 11 digits, a date.
    chars = max(chars, {"id_number": 10.5, "bank_account": 11.0, "phone": 6.5, "date": 5.8}.get(f.type, 2.5))
    return float(chars * SIZE_S5 + 2 * PAD)


def table_fields(group: GroupSpec, only: Sequence[str] | None = None) -> list[FieldSpec]:
    if only is None:
        return list(group.fields)
    by_id = {f.id: f for f in group.fields}
    return [by_id[i] for i in only]


#: Space left under a table.
TABLE_GAP = 3 * mm


def draw_spec_table(
    doc: Document,
    group: GroupSpec,
    rows: Sequence[Row] | None,
    *,
    only: Sequence[str] | None = None,
    blank_rows: int = 2,
    fill_page: bool = False,
    reserve: float = 0.0,
    size: float = SIZE_5,
    min_row: float = 7 * mm,
    blank_row: float = 9 * mm,
    title: str | None = None,
    squeeze: float = 0.78,
) -> None:
    """A table group: the spec's columns (banded if too wide: each band repeats the first
    column), the rows' values, then ruled empty rows for handwriting (``blank_rows`` at least;
    with ``fill_page`` as many as fit above ``reserve``)."""
    fields = table_fields(group, only)
    naturals = [natural_width(f) for f in fields]
    bands = split_columns(naturals, doc.width, squeeze)
    base_title = group.title if title is None else title
    for number, band in enumerate(bands):
        band_fields = [fields[i] for i in band]
        widths = scale_to([naturals[i] for i in band], doc.width)
        columns = [
            Column(column_label(f), w, "right" if f.type in NUMERIC else ("left" if f.type in ("text", "multiline") else "center"))
            for f, w in zip(band_fields, widths, strict=True)
        ]
        data = [[cell_text(f, r.get(f.id)) for f in band_fields] for r in (rows or [])]
        band_title = base_title
        if len(bands) > 1 and base_title:
            band_title = f"{base_title}（{BANDS[number] if number < len(BANDS) else number + 1}）"
        fill = fill_page and number == len(bands) - 1
        padding = 999 if fill else max(0, blank_rows)
        row_h = min_row
        if rows is None and not fill:
            # A blank form: its empty rows are the content, kept together and carried over pages.
            data, padding, row_h = [[""] * len(columns) for _ in range(padding)], 0, blank_row
            height = (7 * mm if band_title else 0) + 12 * mm + len(data) * blank_row
            if height <= doc.top - doc.bottom:
                doc.ensure(height)
        # What is reserved below the table (part 6's signatures) must fit after the gap under it too.
        draw_table(doc, columns, data, size=size, header_size=SIZE_S5, min_row=row_h, title=band_title,
                   padding=padding, padding_row=blank_row, reserve=reserve + TABLE_GAP if fill and reserve else 0.0)
        doc.y -= TABLE_GAP


def label_value_line(doc: Document, parts: Sequence[tuple[str, str]], size: float = SIZE_5,
                     gap: float = 6 * mm, blank_w: float = 22 * mm) -> None:
    """Lines of ``label：value`` pairs; an empty value is an underline to fill in by hand."""
    h = size * LEADING + 2 * VPAD
    doc.ensure(h)
    x = doc.left
    for label, value in parts:
        needed = doc.measure.width(f"{label}：", size) + (doc.measure.width(value, size) if value else blank_w)
        if x > doc.left and x + needed > doc.right:
            doc.y -= h
            doc.ensure(h)
            x = doc.left
        baseline = doc.y - VPAD - size
        x += doc.text(x, baseline, f"{label}：", size)
        if value:
            x += doc.text(x, baseline, value, size)
        else:
            doc.canvas.setLineWidth(0.4)
            doc.canvas.line(x, baseline - 1.5, x + blank_w, baseline - 1.5)
            x += blank_w
        x += gap
    doc.y -= h


def small_note(doc: Document, text: str) -> None:
    doc.paragraph(text, SIZE_6 + 1.5, first_indent_chars=0, gap_after=1 * mm)
