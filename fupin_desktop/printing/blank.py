"""Blank forms for field work: the card, the Handbook and a family-member sheet.

The card and the Handbook are their own drawings with no household (see card.py, handbook.py);
the member sheet is the Handbook's member table alone, on landscape pages with tall ruled rows
for handwriting, and a header line for the household it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from fupin_desktop.formspec import FormSpec
from fupin_desktop.printing.layout import SIZE_5, SIZE_S2, Document
from fupin_desktop.printing.spec_layout import draw_spec_table, label_value_line

MEMBER_SHEET_TITLE = "家庭成员情况登记表"
MEMBER_SHEET_ROWS = 8


def draw_member_sheet(doc: Document, form: FormSpec, township: Mapping[str, Any] | None = None) -> None:
    """A landscape sheet: where the household lives, then the member table with empty rows."""
    t = township or {}
    doc.new_page(label=f"{MEMBER_SHEET_TITLE}（空白）", landscape_page=True)
    doc.heading(MEMBER_SHEET_TITLE, SIZE_S2, gap_after=2 * mm)
    label_value_line(doc, [
        ("县", str(t.get("county") or "")), ("乡（镇）", str(t.get("township") or "")), ("行政村", ""),
        ("村民小组", ""), ("户主姓名", ""), ("户编号", ""),
    ], size=SIZE_5)
    doc.y -= 2 * mm
    draw_spec_table(doc, form.table("members"), None, blank_rows=MEMBER_SHEET_ROWS, blank_row=10 * mm)
    label_value_line(doc, [("调查人", ""), ("户主签字", ""), ("调查日期", "")], size=SIZE_5, blank_w=35 * mm)
