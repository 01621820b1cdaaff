"""The 贫困村登记表 on paper: its seven parts in order, drawn from ``forms/village.toml``.

Filled: the village's form of a year, each computed figure that disagrees with the households
noted under its part.  Blank (``values=None``): ruled empty cells with units and □是 □否 boxes,
for the village committee to fill in by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm

from fupin_desktop.formspec import FormSpec
from fupin_desktop.printing.layout import FORM_MARGINS, SIZE_3, SIZE_4, Document
from fupin_desktop.printing.service import PrintResult, _render, fonts_for, township_fields
from fupin_desktop.printing.spec_layout import draw_grid, label_value_line, small_note

if TYPE_CHECKING:
    from fupin_desktop.store import Store

TITLE = "贫困村登记表"


def draw_village_form(doc: Document, form: FormSpec, values: dict[str, Any] | None, head: dict[str, str],
                      notes: dict[str, list[str]] | None = None) -> None:
    """One village's form (or the blank one) from a new page."""
    label = f"{TITLE}　{head.get('village', '')}" if values is not None else f"{TITLE}（空白）"
    doc.new_page(label=label)
    doc.heading(TITLE, SIZE_3, gap_after=2 * mm)
    label_value_line(doc, [("省", head.get("province", "")), ("市", head.get("city", "")),
                           ("县", head.get("county", "")), ("乡（镇）", head.get("township", "")),
                           ("行政村", head.get("village", "")), ("村代码", head.get("code", ""))])
    doc.y -= 1 * mm
    for section in form.sections:
        doc.ensure(20 * mm)
        doc.heading(section.title, SIZE_4, align="left", gap_after=1.5 * mm)
        for group in section.groups:
            draw_grid(doc, group, form, values, row_h=7 * mm)
            doc.y -= 1.5 * mm
        for note in (notes or {}).get(section.id, []):
            small_note(doc, note)
    doc.y -= 3 * mm
    label_value_line(doc, [("填表人", ""), ("村负责人（签字）", ""), ("填表日期", "")])


def print_village_form(store: Store, name: str, out: str | Path, *, year: int | None = None,
                       blank: bool = False, font: str | None = None) -> PrintResult:
    """The filled form of village ``name`` for ``year`` (default the latest), or the blank form
    (``blank``: the township's names and the village's filled in, nothing else)."""
    from fupin_desktop.rules.village import difference_message
    from fupin_desktop.store.village_view import default_year, find_village, village_view

    spec = store.village_forms.spec
    head = dict(township_fields(store))
    village = find_village(store, name)
    head.update(village=village.name, code=village.code)
    values: dict[str, Any] | None = None
    notes: dict[str, list[str]] = {}
    if not blank:
        year = default_year(store) if year is None else year
        form = store.village_forms.get(int(village.id or 0), year)
        values = dict(form.fields) if form else {"year": year}
        view = village_view(store, village.name, year)
        section_of = {f.id: s.id for s in spec.sections for g in s.groups for f in g.fields}
        for d in view["differences"]:
            notes.setdefault(section_of[d["field"]], []).append("※ " + difference_message(d))
    fonts = fonts_for(store, font)

    def draw(doc: Document) -> int:
        draw_village_form(doc, spec, values, head, notes)
        return 0

    title = f"{village.name}{TITLE}" + ("（空白）" if blank else f"（{year}年）")
    return _render(out, fonts, title, FORM_MARGINS, draw)
