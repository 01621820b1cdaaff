"""扶贫手册: the Handbook, all six parts of the form spec, each part from a new page.

Grid groups are drawn on the paper grid, table groups as ruled tables; the tables of parts 3-6
(helpers, plans, measures, results) run on into ruled empty rows to the foot of the page,
where the paper is filled in by hand over the years, and part 6 ends with the signatures.
``hh=None`` draws the blank Handbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FormSpec, GroupSpec
from fupin_desktop.printing.card import footer_label
from fupin_desktop.printing.layout import LEADING, SIZE_3, SIZE_4, SIZE_5, SIZE_S4, Document
from fupin_desktop.printing.spec_layout import draw_grid, draw_spec_table

TITLE = "扶贫手册"
COVER_SIZE = 36.0  # 小初: the booklet's cover
SIGNATURE_HEIGHT = 42 * mm
#: Empty rows under each table of the blank Handbook's part 1.
BLANK_MEMBERS = 8
#: Groups of the spec that are not on the paper Handbook (the program's own records).
OFF_PAPER_GROUPS = frozenset({"identification"})


def on_paper(group: GroupSpec) -> bool:
    """Whether a spec group is printed: not the program's own additions ("…手册以外")."""
    return group.id not in OFF_PAPER_GROUPS and "手册以外" not in group.title


def draw_handbook(
    doc: Document,
    form: FormSpec,
    hh: Household | None,
    *,
    township: Mapping[str, Any] | None = None,
    issuer: str = "",
) -> None:
    """The whole Handbook of one household (or the blank one), cover first."""
    label = f"{TITLE}　{footer_label(hh)}" if hh is not None else f"{TITLE}（空白）"
    doc.context = footer_label(hh) if hh is not None else ""
    values = hh.fields if hh is not None else None
    draw_cover(doc, values, township or {}, issuer, label)
    if hh is not None:
        doc.bookmark(f"{hh.head_name}（{hh.fields.get('number') or ''}）")
    last = len(form.sections) - 1
    for index, section in enumerate(form.sections):
        doc.new_page(label=label)
        doc.heading(section.title, SIZE_3, align="left", gap_after=3 * mm)
        groups = [g for g in section.groups if on_paper(g)]
        tables = [g for g in groups if g.is_table]
        for group in groups:
            if not group.is_table:
                draw_grid(doc, group, form, values, prefill=township)
                doc.y -= 2 * mm
                continue
            rows = hh.table(group.id) if hh is not None else None
            alone = len(tables) == 1 and len(groups) == 1
            draw_spec_table(
                doc, group, rows,
                blank_rows=2 if hh is not None else (BLANK_MEMBERS if not alone else 0),
                fill_page=alone,
                reserve=SIGNATURE_HEIGHT if index == last else 0.0,
            )
        if index == last:
            draw_signatures(doc)


def draw_cover(
    doc: Document, values: Mapping[str, Any] | None, township: Mapping[str, Any], issuer: str, label: str
) -> None:
    """The cover: title, year, the household's place and name, who made the booklet."""
    doc.new_page(label=label)
    v = dict(township)
    if values:
        v.update({k: val for k, val in values.items() if val not in (None, "")})
    doc.y = doc.top - 45 * mm
    doc.heading(TITLE, COVER_SIZE, gap_after=6 * mm)
    year = v.get("year")
    doc.heading(f"（{year}年度）" if year else "（　　　　年度）", SIZE_4, gap_after=30 * mm)
    rows = [
        ("省（区、市）", "province"), ("市（地、州）", "city"), ("县（市、区）", "county"),
        ("乡（镇）", "township"), ("行政村", "village"), ("自然村/村民小组", "group"),
        ("户主姓名", "head_name"), ("户编号", "number"),
    ]
    label_x = doc.left + doc.width * 0.2
    value_x = doc.left + doc.width * 0.42
    line_end = doc.left + doc.width * 0.82
    step = SIZE_S4 * LEADING * 2.1
    for caption, key in rows:
        baseline = doc.y - SIZE_S4
        doc.text(label_x, baseline, caption, SIZE_S4)
        text = str(v.get(key) or "")
        if text:
            doc.text_in_box(value_x, doc.y + 2, line_end - value_x, SIZE_S4 * LEADING + 4, text, SIZE_S4, align="center",
                            pad=0)
        doc.canvas.setLineWidth(0.5)
        doc.canvas.line(value_x, baseline - 3, line_end, baseline - 3)
        doc.y -= step
    doc.y = doc.bottom + 40 * mm
    doc.heading("贫困户、村委会各执一册", SIZE_5, gap_after=8 * mm)
    doc.heading("国务院扶贫开发领导小组办公室　监制", SIZE_S4, gap_after=3 * mm)
    doc.heading(f"{issuer}　制发" if issuer else "　　　　　　　　　　　　制发", SIZE_S4, gap_after=0)


def draw_signatures(doc: Document) -> None:
    """The foot of part 6: the household, the helper and the village committee sign."""
    doc.ensure(SIGNATURE_HEIGHT)
    top = doc.y - 4 * mm
    line = SIZE_5 * LEADING * 2
    col = doc.width / 3
    for i, caption in enumerate(("贫困户签字（按手印）：", "帮扶责任人签字：", "村委会（盖章）：")):
        doc.text(doc.left + i * col, top - line, caption, SIZE_5)
        doc.text(doc.left + i * col, top - line - 22 * mm, "　　　　年　　月　　日", SIZE_5)
    doc.y = top - line - 26 * mm
