"""Publicity notices posted on the village board: 第一次公示, 第二次公示 and 公告 (DOMAIN.md §3).

Privacy (DOMAIN.md §6, PIPL art. 28) is by construction: a household reaches a notice only as
a :class:`NoticeRow`, which holds the group, the head's name, the household size, the head's ID
number masked to its first 6 and last 4 characters, and the decision (识别标准, 贫困户属性).
No health, disability, cause (因病/因残), bank account or phone number can get onto the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from reportlab.lib.units import mm

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.printing.layout import LEADING, SIZE_2, SIZE_5, SIZE_S4, Column, Document, draw_table

Round = Literal["first", "second", "announce"]
ROUNDS: dict[str, str] = {"first": "第一次公示", "second": "第二次公示", "announce": "公告"}
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class NoticeRow:
    """What a notice may show of one household, and nothing else."""

    village: str
    group: str
    head_name: str
    size: int
    masked_id: str
    standard: str
    household_type: str


def notice_row(hh: Household, sources: Mapping[str, str]) -> NoticeRow:
    """The public face of a household: the only way household data reaches a notice.  ``sources``:
    the form's derived fields (``FormSpec.derived_sources()``)."""
    hh.refresh_derived(sources)
    f = hh.fields
    return NoticeRow(
        village=str(f.get("village") or ""),
        group=str(f.get("group") or ""),
        head_name=hh.head_name,
        size=hh.size,
        masked_id=mask_id(str(f.get("head_id_number") or "")) if f.get("head_id_number") else "",
        standard=str(f.get("standard") or ""),
        household_type=str(f.get("household_type") or ""),
    )


@dataclass(frozen=True)
class NoticeInfo:
    """Who posts which notice when: the words around the table."""

    township: str
    village: str | None  # None: one list for the whole township
    year: int
    round: str
    start: date
    days: int
    issuer: str
    addressee: str
    phone: str = ""
    county: str = ""

    @property
    def end(self) -> date:
        return self.start + timedelta(days=max(1, self.days) - 1)

    @property
    def round_name(self) -> str:
        return ROUNDS[self.round]

    @property
    def title(self) -> str:
        return f"{self.township}{self.village or ''}{self.year}年度建档立卡贫困户{self.round_name}"


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def default_issuer(round_: str, township: str, village: str | None, county: str) -> str:
    """Who issues each round: the village committee, the township government, the county."""
    if round_ == "first" and village:
        return f"{village}村民委员会"
    if round_ == "announce" and county:
        return f"{county}扶贫开发领导小组"
    return f"{township}人民政府"


def default_addressee(round_: str, township: str, village: str | None, county: str) -> str:
    """Where objections go in each round."""
    if round_ == "first" and village:
        return f"{village}村民委员会或驻村工作队"
    if round_ == "announce":
        return f"{county}扶贫开发领导小组办公室" if county else f"{township}人民政府（扶贫办）"
    return f"{township}人民政府（扶贫办）"


def intro(info: NoticeInfo, households: int, persons: int) -> str:
    who = f"以下{households}户{persons}人"
    if info.round == "first":
        basis = "经农户申请、村民代表大会民主评议、村委会和驻村工作队入户核实"
        ask = f"拟将{who}确定为{info.year}年度建档立卡贫困户，现予以公示"
    elif info.round == "second":
        basis = f"经民主评议、村内第一次公示和{info.township}人民政府审核"
        ask = f"拟将{who}确定为{info.year}年度建档立卡贫困户，现予以第二次公示"
    else:
        basis = "经农户申请、民主评议、两次公示、乡（镇）审核和县级审定"
        ask = f"{who}为{info.year}年度建档立卡贫困户，现予以公告"
    kind = "公告" if info.round == "announce" else "公示"
    period = f"{kind}时间：{chinese_date(info.start)}至{chinese_date(info.end)}（共{info.days}天）。"
    return f"{basis}，{ask}。{period}"


def objection_text(info: NoticeInfo) -> str:
    kind = "公告" if info.round == "announce" else "公示"
    phone = info.phone or "＿＿＿＿＿＿＿＿"
    return (
        f"{kind}期间，如对上述名单有异议，请于{chinese_date(info.end)}前以书面、电话或当面方式向"
        f"{info.addressee}反映。反映情况应实事求是，以真实姓名反映的，我们将及时调查核实并予以答复。"
        f"监督电话：{phone}。"
    )


def columns_for(doc: Document, township_wide: bool) -> list[Column]:
    spec = [("序号", 8.0, "center")]
    if township_wide:
        spec.append(("行政村", 18.0, "center"))
    spec += [("村民组", 15.0, "center"), ("户主姓名", 23.0, "center"), ("家庭人口", 15.0, "center"),
             ("证件号码", 37.0, "center"), ("识别标准", 19.0, "center"), ("贫困户属性", 22.0, "center")]
    total = sum(w for _, w, _ in spec)
    return [Column(label, doc.width * w / total, align) for label, w, align in spec]


def table_cells(index: int, row: NoticeRow, township_wide: bool) -> list[str]:
    cells = [str(index)]
    if township_wide:
        cells.append(row.village)
    cells += [row.group, row.head_name, str(row.size), row.masked_id, row.standard, row.household_type]
    return cells


def draw_notice(doc: Document, info: NoticeInfo, rows: Sequence[NoticeRow], *, title: str | None = None,
                intro_text: str | None = None) -> None:
    """The notice: title, introduction with the period, the list, objections, issuer and date
    (``title``/``intro_text``: a publicity round's own wording, printing/casework.py)."""
    label = title or info.title
    doc.new_page(label=label)
    doc.heading(label, SIZE_2, gap_after=5 * mm)
    persons = sum(r.size for r in rows)
    doc.paragraph(intro_text or intro(info, len(rows), persons), SIZE_S4, gap_after=3 * mm)
    township_wide = info.village is None
    columns = columns_for(doc, township_wide)
    cells = (table_cells(i, row, township_wide) for i, row in enumerate(rows, start=1))
    draw_table(doc, columns, cells, size=SIZE_5, header_size=SIZE_5, min_row=7 * mm, cap_lines=2)
    doc.y -= 2 * mm
    doc.paragraph(f"共{len(rows)}户{persons}人。", SIZE_S4, gap_after=1 * mm)
    draw_closing(doc, info)


def draw_closing(doc: Document, info: NoticeInfo) -> None:
    """Where objections go, then the issuer and the date (households' and villages' notices)."""
    doc.paragraph(objection_text(info), SIZE_S4, gap_after=2 * mm)
    # The issuer and the date at the right, with free room above and around for the stamp.
    block = 45 * mm
    doc.ensure(block)
    right = doc.right - 8 * mm
    issuer_w = doc.measure.width(info.issuer, SIZE_S4)
    date_text = chinese_date(info.start)
    date_w = doc.measure.width(date_text, SIZE_S4)
    width = max(issuer_w, date_w)
    x = right - width
    doc.text(x + (width - issuer_w) / 2, doc.y - 20 * mm, info.issuer, SIZE_S4)
    doc.text(x + (width - date_w) / 2, doc.y - 20 * mm - SIZE_S4 * LEADING * 1.6, date_text, SIZE_S4)
    doc.y -= block
