"""贫困户登记卡: the registration card a household keeps (户有卡), one A4 page as a rule.

The card gathers fields of the Handbook's part 1-3 from the form spec: the household's
location grid exactly as on the paper, a compact grid of its classification and causes, the
members and the helpers.  The household keeps the card, so it shows full data (ID numbers,
bank account, phone).  ``hh=None`` draws the blank card for field work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FormSpec
from fupin_desktop.printing.layout import LEADING, SIZE_5, SIZE_S2, SIZE_S5, Document
from fupin_desktop.printing.spec_layout import draw_grid, draw_spec_table, label_value_line, reflow

TITLE = "贫困户登记卡"
#: The card's second grid: (field id, span in label/value pairs), three pairs a row.
STATUS_FIELDS: tuple[tuple[str, int], ...] = (
    ("standard", 1), ("household_type", 1), ("exit_flag", 1),
    ("main_cause", 1), ("other_causes", 2),
    ("net_income", 1), ("per_capita_income", 1), ("military", 1),
    ("only_child", 1), ("two_daughters", 1), ("dilapidated", 1),
)
MEMBER_COLUMNS = (
    "name", "sex", "id_number", "relation", "ethnicity", "education", "school_status", "health",
    "labor_skill", "work_status",
)
HELPER_COLUMNS = ("name", "work_unit", "position", "phone", "start_date")
#: Empty rows on a blank card.
BLANK_MEMBERS = 6
BLANK_HELPERS = 3
ROW_H = 7 * mm
#: Table rows of the card: 小五 in 6.5 mm, so a household of eight still fits on one page.
TABLE_ROW_H = 6.5 * mm


def card_title(province: str) -> str:
    return f"{province}{TITLE}" if province else TITLE


def footer_label(hh: Household) -> str:
    f = hh.fields
    return f"{f.get('village') or ''}{f.get('group') or ''}　户主：{hh.head_name}　户编号：{f.get('number') or ''}"


def draw_card(
    doc: Document,
    form: FormSpec,
    hh: Household | None,
    *,
    township: Mapping[str, Any] | None = None,
    issuer: str = "",
) -> None:
    """One household's card on a new page (or the blank card when ``hh`` is None)."""
    values = hh.fields if hh is not None else None
    known = dict(township or {})
    province = str((values or known).get("province") or "")
    doc.context = footer_label(hh) if hh is not None else ""
    doc.new_page(label=footer_label(hh) if hh is not None else f"{TITLE}（空白）")
    if hh is not None:
        doc.bookmark(f"{hh.head_name}（{hh.fields.get('number') or ''}）")
    doc.heading(card_title(province), SIZE_S2, gap_after=2 * mm)
    label_value_line(doc, [
        ("户编号", str(values.get("number") or "") if values else ""),
        ("登记年度", str(values.get("year") or "") if values else ""),
        ("卡号", ""),
    ], size=SIZE_5)
    doc.y -= 1 * mm
    location = next(g for s in form.sections for g in s.groups if g.id == "location")
    draw_grid(doc, location, form, values, prefill=known, row_h=ROW_H)
    status = reflow(location, [(form.field(fid), span) for fid, span in STATUS_FIELDS], 3, "贫困户属性及致贫原因")
    draw_grid(doc, status, form, values, row_h=ROW_H)
    doc.y -= 2 * mm
    # A card keeps a member on one line: squeeze the columns harder than the Handbook does.
    draw_spec_table(doc, form.table("members"), hh.members if hh else None, only=MEMBER_COLUMNS,
                    blank_rows=1 if hh else BLANK_MEMBERS, size=SIZE_S5, squeeze=0.66, min_row=TABLE_ROW_H,
                    blank_row=8 * mm)
    draw_spec_table(doc, form.table("helpers"), hh.helpers if hh else None, only=HELPER_COLUMNS,
                    blank_rows=1 if hh else BLANK_HELPERS, size=SIZE_S5, min_row=TABLE_ROW_H, blank_row=8 * mm)
    draw_stamp_block(doc, issuer)


def draw_stamp_block(doc: Document, issuer: str) -> None:
    """Signatures at the left; the issuing office, its date and room for its stamp at the right."""
    line = SIZE_5 * LEADING * 1.7
    height = 3 * line + 12 * mm
    doc.ensure(height)
    top = doc.y - 1 * mm
    mid = doc.left + doc.width * 0.5
    doc.text(doc.left, top - line, "户主签字（按手印）：", SIZE_5)
    doc.text(doc.left, top - 2 * line, "帮扶责任人签字：", SIZE_5)
    doc.text(doc.left, top - 3 * line, "填卡人：", SIZE_5)
    doc.text_in_box(mid, top, doc.width * 0.5, line * 1.2, f"发卡单位（盖章）：{issuer}", SIZE_5, align="left", pad=0)
    doc.text(mid, top - 3 * line, "发卡日期：　　　　年　　月　　日", SIZE_5)
    doc.y = top - 3 * line - 3 * mm
    note = "注：本卡由贫困户妥善保管，享受教育、医疗、产业等扶贫政策时出示；信息变化请及时到村委会更新。"
    doc.text_in_box(doc.left, doc.y, doc.width, SIZE_S5 * 2, note, SIZE_S5, pad=0)
    doc.y -= SIZE_S5 * 2
