"""教育精准扶贫学生资助申请表: one student's application form, then the household's 登记卡.

The seed asks the student to bring the 申请表 and the 贫困户登记卡 that names the student: the PDF
has the form (student, school, household, the items and amounts of the table, the office to apply
to, the documents to bring with the ticks the clerk made, the signatures) on page 1 and the
household's registration card on page 2, headed with the student's name.  The form shows the
student's full ID number: it is the student's own paper, handed to the school or the bureau.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.units import mm

from fupin_desktop.domain.household import Household
from fupin_desktop.printing.card import draw_card
from fupin_desktop.printing.layout import FORM_MARGINS, GRID_LINE, SIZE_4, SIZE_5, SIZE_S2, SIZE_S5, Document
from fupin_desktop.printing.service import (
    PrintError,
    PrintResult,
    _render,
    card_issuer,
    fonts_for,
    township_fields,
)
from fupin_desktop.rules import education as rules
from fupin_desktop.store import Store
from fupin_desktop.store.education import EducationRepository, Student

TITLE = "教育精准扶贫学生资助申请表"
ROW_H = 9 * mm
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")


def yuan_in_words(value: Decimal) -> str:
    """An amount in the capital numerals of financial forms: 2660 -> 贰仟陆佰陆拾元整."""
    cents = int((value * 100).quantize(Decimal(1)))
    yuan, rest = divmod(cents, 100)
    if not 0 <= yuan < 100_000_000:
        return ""

    def below_10000(n: int) -> str:
        out, zero = "", False
        for power in range(3, -1, -1):
            digit = n // 10 ** power % 10
            if digit:
                out += ("零" if zero and out else "") + _DIGITS[digit] + _UNITS[power]
                zero = False
            else:
                zero = True
        return out

    high, low = divmod(yuan, 10_000)
    text = (below_10000(high) + "万" if high else "") + (
        ("零" if high and low < 1000 and low else "") + below_10000(low))
    text = (text or "零") + "元"
    jiao, fen = divmod(rest, 10)
    if not jiao and not fen:
        return text + "整"
    return text + (_DIGITS[jiao] + "角" if jiao else "零") + (_DIGITS[fen] + "分" if fen else "")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _grid(doc: Document, rows: Sequence[Sequence[tuple[str, str | None, float]]], *, row_h: float = ROW_H) -> None:
    """Rows of label/value pairs: (label, value, share of the width for the pair)."""
    top = doc.y
    for row in rows:
        doc.ensure(row_h)
        x = doc.left
        for label, value, share in row:
            pair_w = doc.width * share
            label_w = min(pair_w * 0.42, 30 * mm) if value is not None else pair_w
            doc.box(x, doc.y, label_w, row_h, fill=0.92)
            doc.text_in_box(x, doc.y, label_w, row_h, label, SIZE_5, align="center")
            if value is not None:
                doc.box(x + label_w, doc.y, pair_w - label_w, row_h)
                doc.text_in_box(x + label_w, doc.y, pair_w - label_w, row_h, value, SIZE_5)
            x += pair_w
        doc.y -= row_h
    doc.frame(top, doc.y)


def draw_form(doc: Document, student: Student, hh: Household, *, county: str, items: Sequence[tuple[str, Decimal]],
              skipped: Sequence[str], total: Decimal) -> None:
    """The 申请表 of ``student`` on a new page."""
    member = next((m for m in hh.members if m.uuid == student.member_uuid), None)
    fields = member.fields if member is not None else {}
    enrolment = student.enrolment
    assert enrolment is not None
    doc.context = f"{student.name}（{student.village}{student.household_number}）"
    doc.new_page(label=f"{TITLE}　{student.name}　{student.school_year} 学年")
    doc.bookmark(f"{student.name} 申请表")
    doc.heading(TITLE, SIZE_S2, gap_after=1 * mm)
    app = student.application
    batch = app.batch_name if app is not None else "（未纳入批次）"
    doc.heading(f"{student.school_year} 学年　{batch}", SIZE_4, gap_after=3 * mm)
    place = "".join(str(hh.fields.get(k) or "") for k in ("county", "township", "village", "group"))
    _grid(doc, [
        [("学生姓名", student.name, 0.34), ("性别", str(fields.get("sex") or ""), 0.33),
         ("民族", str(fields.get("ethnicity") or ""), 0.33)],
        [("身份证号", student.id_number, 0.67), ("在校生状况", student.school_status, 0.33)],
        [("就读学校", enrolment.school, 0.67), ("学校类型", enrolment.school_type, 0.33)],
        [("就读地", "省内" if enrolment.in_province else "省外", 0.34),
         ("受理单位", rules.where_to_apply(enrolment.school_type, enrolment.in_province, county), 0.66)],
        [("户籍所在地", place, 1.0)],
        [("户主姓名", student.head_name, 0.34), ("户编号", student.household_number, 0.66)],
        [("家庭人口", f"{hh.size} 人", 0.34), ("脱贫标志", student.exit_flag, 0.33),
         ("联系电话", str(hh.fields.get("phone") or ""), 0.33)],
    ])
    doc.y -= 3 * mm
    _grid(doc, [[("申请资助项目", None, 0.5), ("标准（元/生·年）", None, 0.25), ("本次申请（元）", None, 0.25)]])
    rows: list[list[tuple[str, str | None, float]]] = []
    for item, amount in items:
        rows.append([(item, None, 0.5), (_money(amount), None, 0.25), (_money(amount), None, 0.25)])
    for item in skipped:
        rows.append([(item, None, 0.5), ("已享受同类资助", None, 0.25), ("0.00", None, 0.25)])
    rows.append([(f"合计（大写）：{yuan_in_words(total)}", None, 0.75), (_money(total), None, 0.25)])
    _grid(doc, rows, row_h=8 * mm)
    doc.y -= 3 * mm
    doc.ensure(8 * mm)
    doc.text(doc.left, doc.y - SIZE_5, "提交材料（原件审核后退还本人，复印件存档备查）：", SIZE_5, bold=True)
    doc.y -= SIZE_5 * 1.8
    ticked = set(enrolment.documents)
    for key, label in rules.checklist(enrolment.in_province):
        doc.ensure(SIZE_S5 * 1.6)
        side = SIZE_S5 * 0.9
        box_x, box_top = doc.left + 4 * mm, doc.y - SIZE_S5 * 0.05
        doc.box(box_x, box_top, side, side)  # a drawn box: fonts rarely have ☐ and ☑
        if key in ticked:
            doc.text(box_x + side * 0.12, box_top - side * 0.85, "√", SIZE_S5 * 0.9, bold=True)
        doc.paragraph(label, SIZE_S5, first_indent_chars=0, x=doc.left + 4 * mm + side * 1.8,
                      width=doc.width - 4 * mm - side * 1.8)
    doc.y -= 2 * mm
    if app is not None and app.override:
        doc.paragraph(f"逾期受理理由：{app.override}", SIZE_S5, first_indent_chars=0)
    signatures = [("申请人（监护人）签字：", "年　月　日"), ("村（居）委会意见：", "（盖章）　年　月　日"),
                  ("乡（镇）扶贫工作站意见：", "（盖章）　年　月　日"), ("受理单位审核意见：", "（盖章）　年　月　日")]
    height = 16 * mm
    for label, tail in signatures:
        doc.ensure(height)
        doc.box(doc.left, doc.y, doc.width, height, line=GRID_LINE)
        doc.text(doc.left + 2 * mm, doc.y - SIZE_5 - 2 * mm, label, SIZE_5)
        tail_w = doc.measure.width(tail, SIZE_5)
        doc.text(doc.right - tail_w - 4 * mm, doc.y - height + 3 * mm, tail, SIZE_5)
        doc.y -= height
    if app is not None:
        doc.y -= 2 * mm
        doc.text(doc.left, doc.y - SIZE_S5, f"申请日期：{app.applied_on.isoformat()}", SIZE_S5)


def print_education_form(store: Store, id_number: str, year: str, out: str | Path | BinaryIO, *,
                         font: str | None = None, with_card: bool = True) -> PrintResult:
    """The 申请表 of the student with ``id_number`` for ``year``, then the household's 登记卡
    naming the student.  The student's school must be entered; the items are the application's
    when there is one, else those the table gives today."""
    repo = EducationRepository(store.db)
    student = repo.student(id_number, year)
    if student.enrolment is None:
        raise PrintError(f"请先登记{student.name} {year} 学年就读的学校（fupin education enrol），再打印申请表。")
    try:
        owed = rules.entitlement(store.policy.get().education, year, student.enrolment.school_type,
                                 set(student.enrolment.received))
    except rules.EducationError as exc:
        if student.application is None:
            raise PrintError(str(exc)) from exc
        owed = None
    items, total = (owed.items, owed.total) if owed is not None else ((), Decimal(0))
    if student.application is not None:  # as applied: the table may have changed since
        items, total = student.application.items, student.application.total
    skipped = tuple(i for i in (owed.skipped if owed is not None else ()) if i not in dict(items))
    hh = store.households.get(student.household_id)
    if hh is None:
        raise PrintError(f"{student.name}所在的户已删除。")
    township = township_fields(store)
    issuer = card_issuer(store)

    def draw(doc: Document) -> int:
        draw_form(doc, student, hh, county=township.get("county", ""), items=items, skipped=skipped, total=total)
        if with_card:
            draw_card(doc, store.spec, hh, township=township, issuer=issuer)
            note = f"申请资助学生：{student.name}（{student.school_year} 学年，{student.enrolment.school if student.enrolment else ''}）"
            doc.text(doc.left, doc.top + 4 * mm, note, SIZE_5, bold=True)
        return 1

    return _render(out, fonts_for(store, font), f"{TITLE}（{student.name}）", FORM_MARGINS, draw)
