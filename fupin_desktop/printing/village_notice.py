"""The notices of 贫困村 identification and exit (issue 17): "一公示一公告".

- :func:`print_village_round`: the 贫困村公示 (or 贫困村退出公示) of one publicity round -- exactly the
  villages of the round, with the year's 贫困村登记表 figures the decision rests on (总户数, 总人口,
  贫困人口, 贫困发生率, 农民人均纯收入, 村集体经济收入); the objection paragraph, the issuer and the
  date are the households' notices' own (:func:`printing.notice.draw_closing`).
- :func:`print_village_announcement`: the county's 公告 of the villages it approved in a year.

Villages' figures are public: no household data reaches these pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm

from fupin_desktop.printing import notice as notice_mod
from fupin_desktop.printing.layout import (
    NOTICE_MARGINS,
    SIZE_2,
    SIZE_5,
    SIZE_S4,
    Column,
    Document,
    draw_table,
)
from fupin_desktop.printing.notice import NoticeInfo, chinese_date
from fupin_desktop.printing.service import (
    Output,
    PrintError,
    PrintResult,
    _render,
    fonts_for,
    township_fields,
)
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.village import incidence
from fupin_desktop.store import Store, settings

HEADERS = (("序号", 8.0), ("行政村", 22.0), ("总户数", 14.0), ("总人口", 14.0), ("贫困人口", 14.0),
           ("贫困发生率", 16.0), ("农民人均纯收入(元)", 22.0), ("集体经济收入(万元)", 22.0))
EXIT_STAGES = frozenset(s.key for s in wf.VILLAGE_EXIT.stages)


@dataclass(frozen=True)
class VillageRow:
    """What a village notice shows of one village."""

    village: str
    households: Any
    population: Any
    poor: Any
    income: Any
    collective: Any

    def cells(self, index: int) -> list[str]:
        rate = incidence(self.poor if isinstance(self.poor, int) else None,
                         self.population if isinstance(self.population, int) else None)
        return [str(index), self.village, _text(self.households), _text(self.population), _text(self.poor),
                "" if rate is None else f"{rate}%", _text(self.income), _text(self.collective)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def village_rows(rows: Sequence[Any]) -> list[VillageRow]:
    return [VillageRow(r["village"], r["total_households"], r["total_population"], r["poor_population"],
                       r["per_capita_income"], r["collective_income"]) for r in rows]


def draw_village_notice(doc: Document, info: NoticeInfo, title: str, intro: str, rows: Sequence[VillageRow]) -> None:
    doc.new_page(label=title)
    doc.heading(title, SIZE_2, gap_after=5 * mm)
    doc.paragraph(intro, SIZE_S4, gap_after=3 * mm)
    total = sum(w for _, w in HEADERS)
    columns = [Column(label, doc.width * w / total, "center") for label, w in HEADERS]
    draw_table(doc, columns, (r.cells(i) for i, r in enumerate(rows, start=1)), size=SIZE_5, header_size=SIZE_5,
               min_row=7 * mm, cap_lines=2)
    doc.y -= 2 * mm
    doc.paragraph(f"共{len(rows)}个村。", SIZE_S4, gap_after=1 * mm)
    notice_mod.draw_closing(doc, info)


def print_village_round(store: Store, round_id: int, out: Output, *, phone: str | None = None,
                        font: str | None = None) -> PrintResult:
    """The notice of village publicity round ``round_id``."""
    rnd = store.publicity.get_round(round_id)
    found = store.publicity.round_villages(round_id) if rnd else []
    if rnd is None or not found:
        raise PrintError(f"第 {round_id} 号公示不是贫困村公示（用 fupin village status 查看）。")
    town = township_fields(store)
    township, county = town.get("township", ""), town.get("county", "")
    info = NoticeInfo(township=township, village=None, year=rnd.year, round="second", start=rnd.start,
                      days=rnd.days, issuer=f"{township}人民政府", addressee=f"{township}人民政府（扶贫办）",
                      phone=phone if phone is not None else (rnd.phone or settings.COMPLAINT_PHONE.get(store.db)),
                      county=county)
    rows = village_rows(found)
    period = f"公示时间：{chinese_date(info.start)}至{chinese_date(info.end)}（共{info.days}天）。"
    if rnd.stage in EXIT_STAGES:
        title = f"{township}{rnd.year}年度贫困村退出公示"
        intro = (f"经村委会申请、{township}人民政府审核，以下{len(rows)}个村贫困发生率已降至规定标准以下，"
                 f"拟于{rnd.year}年退出贫困村，现予以公示。{period}")
    else:
        title = f"{township}{rnd.year}年度贫困村公示"
        intro = (f"经村委会自愿申请、{township}人民政府审核，拟将以下{len(rows)}个村确定为{rnd.year}年度贫困村，"
                 f"现予以公示。{period}")

    def draw(doc: Document) -> int:
        draw_village_notice(doc, info, title, intro, rows)
        return 0

    return _render(out, fonts_for(store, font), title, NOTICE_MARGINS, draw)


def print_village_announcement(store: Store, year: int, out: Output, *, exit_: bool = False, start: date | None = None,
                               font: str | None = None) -> PrintResult:
    """公告 of the villages the county approved for ``year`` (at 公告, or finished): identified, or
    with ``exit_`` those leaving the list."""
    proc = wf.VILLAGE_EXIT if exit_ else wf.VILLAGE
    wanted = {proc.stages[-2].key, proc.stages[-1].key}
    found = [r for r in store.publicity.village_cases_at(year, proc.key, tuple(wanted))]
    if not found:
        what = "退出" if exit_ else "确定为贫困村"
        raise PrintError(f"{year} 年没有经县审定{what}的村（先办理 fupin village approve）。")
    town = township_fields(store)
    township, county = town.get("township", ""), town.get("county", "")
    start = start or date.today()
    info = NoticeInfo(township=township, village=None, year=year, round="announce", start=start, days=7,
                      issuer=f"{county}扶贫开发领导小组" if county else f"{township}人民政府",
                      addressee=f"{county}扶贫开发领导小组办公室" if county else f"{township}人民政府（扶贫办）",
                      phone=settings.COMPLAINT_PHONE.get(store.db), county=county)
    rows = village_rows(found)
    title = f"{county or township}{year}年度{'贫困村退出' if exit_ else '贫困村'}公告"
    done = "退出贫困村" if exit_ else "为贫困村"
    intro = f"经村委会申请、乡（镇）审核、公示和县级审定，以下{len(rows)}个村{year}年度{done}，现予以公告。"

    def draw(doc: Document) -> int:
        draw_village_notice(doc, info, title, intro, rows)
        return 0

    return _render(out, fonts_for(store, font), title, NOTICE_MARGINS, draw)
