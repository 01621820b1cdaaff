"""The identification year's papers: a round's notice, the appraisal sheet, the 告知书 (issue 15).

- ``print_round_notice``: exactly the households of one publicity round, with its dates and the
  objection phone; households reach it only as :class:`~fupin_desktop.printing.notice.NoticeRow`
  (masked ID numbers, no health, causes, bank or phone).
- ``print_appraisal``: the 民主评议 sheet of a village -- its applicants ranked by 年人均纯收入,
  lowest first, with the 五比五看 facts the files hold, the 三优先 marks, a 三不评 column for the
  meeting, 同意/反对 columns, and a line where the cumulative persons reach the village's quota;
  optionally the same as an Excel workbook.  An internal paper: no ID numbers either.
- ``print_refusal``: 不予认定（不予受理）告知书 naming the reason and where to appeal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm

from fupin_desktop import fileio
from fupin_desktop.domain.household import Household
from fupin_desktop.printing import notice as notice_mod
from fupin_desktop.printing.layout import (
    FORM_MARGINS,
    NOTICE_MARGINS,
    SIZE_2,
    SIZE_5,
    SIZE_S4,
    SIZE_S5,
    Column,
    Document,
    draw_table,
)
from fupin_desktop.printing.notice import NoticeInfo, chinese_date, notice_row
from fupin_desktop.printing.service import (
    Output,
    PrintError,
    PrintResult,
    _load,
    _render,
    _village,
    fonts_for,
    township_fields,
)
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.policy import priority_flags
from fupin_desktop.store import Store, settings

#: Which of the notice's wordings a round's stage takes.
NOTICE_ROUND = {"publicity1": "first", "exit_publicity": "first", "publicity2": "second", "publicity3": "announce"}
LABOURERS = ("普通劳动力", "技能劳动力")


def print_round_notice(store: Store, round_id: int, out: Output, *, phone: str | None = None,
                       font: str | None = None) -> PrintResult:
    """The notice of publicity round ``round_id`` (``fupin publicity list`` numbers them)."""
    rnd = store.publicity.get_round(round_id)
    if rnd is None:
        raise PrintError(f"没有编号为 {round_id} 的公示（用 fupin publicity list 查看）。")
    if store.publicity.round_villages(round_id):  # a 贫困村 round (issue 17): the villages' notice
        from fupin_desktop.printing.village_notice import print_village_round

        return print_village_round(store, round_id, out, phone=phone, font=font)
    rows = [notice_row(_load(store, r["id"]), store.spec.derived_sources()) for r in store.publicity.round_households(round_id)]
    town = township_fields(store)
    township, county = town.get("township", ""), town.get("county", "")
    key = NOTICE_ROUND.get(rnd.stage, "first")
    village = rnd.village or None
    info = NoticeInfo(
        township=township, village=village, year=rnd.year, round=key, start=rnd.start, days=rnd.days,
        issuer=notice_mod.default_issuer(key, township, village, county) if rnd.scope != "county"
        else f"{county}扶贫开发领导小组",
        addressee=notice_mod.default_addressee(key, township, village, county),
        phone=phone if phone is not None else (rnd.phone or settings.COMPLAINT_PHONE.get(store.db)), county=county)
    exit_round = rnd.stage == "exit_publicity"
    title = (f"{township}{village or ''}{rnd.year}年度贫困户脱贫退出公示" if exit_round
             else f"{township}{village or ''}{rnd.year}年度建档立卡贫困户{wf.stage_label(rnd.stage)}")
    persons = sum(r.size for r in rows)
    period = f"公示时间：{chinese_date(info.start)}至{chinese_date(info.end)}（共{info.days}天）。"
    intro = (f"经村民评议、入户核实和户主签字认可，以下{len(rows)}户{persons}人拟于{rnd.year}年脱贫退出，"
             f"现予以公示。{period}") if exit_round else notice_mod.intro(info, len(rows), persons)
    fonts = fonts_for(store, font)

    def draw(doc: Document) -> int:
        notice_mod.draw_notice(doc, info, rows, title=title, intro_text=intro)
        return len(rows)

    return _render(out, fonts, title, NOTICE_MARGINS, draw)


# -- the appraisal sheet ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Applicant:
    group: str
    head_name: str
    size: int
    income: float | None
    housing: str
    labour: str
    living: str
    cause: str
    priority: str
    stage: str
    votes: tuple[str, str, str] = ("", "", "")  # 同意, 反对, 弃权 at the latest meeting (blank: to fill in)


APPRAISAL_HEADERS = ("序号", "村民组", "户主姓名", "家庭人口", "年人均纯收入(元)", "住房", "劳动力", "生活条件",
                     "主要致贫原因", "三优先", "三不评", "累计人数", "同意", "反对", "弃权")


def _yes(value: object) -> bool:
    return value is True


def applicant(hh: Household, store: Store, stage: str) -> Applicant:
    f = hh.fields
    income = f.get("per_capita_income")
    members = hh.current_members
    labourers = sum(1 for m in members if m.get("labor_skill") in LABOURERS)
    area = f.get("housing_area")
    housing = (f"{area}㎡" if area is not None else "") + ("，危房" + str(f.get("dilapidated_grade") or "")
                                                             if _yes(f.get("dilapidated")) else "")
    living = "，".join(x for x in (
        "饮水困难" if _yes(f.get("drinking_difficult")) else "",
        "未通生活用电" if f.get("living_power") is False else "",
        f"距主干路{f.get('road_distance')}公里" if f.get("road_distance") is not None else "")
        if x) or "—"
    return Applicant(
        group=str(f.get("group") or ""), head_name=hh.head_name, size=hh.size,
        income=float(income) if income is not None else None, housing=housing or "—",
        labour=f"{labourers}人", living=living, cause=str(f.get("main_cause") or ""),
        priority="、".join(priority_flags(hh, store.policy.get())), stage=wf.stage_label(stage))


def appraisal_rows(store: Store, village: str, year: int | None = None) -> tuple[list[Applicant], int | None, int]:
    """The village's applicants of ``year`` (the latest year with applications), ranked lowest
    income first; the village's quota of persons; the year."""
    chosen = _village(store, village)
    ids = store.households.ids(village_id=chosen.id)
    cases = [c for c in store.cases.latest(ids).values()
             if c.kind is not wf.Kind.EXIT and c.status is not wf.Status.REFUSED]
    if not cases:
        raise PrintError(f"{chosen.name}没有识别申请（用 fupin workflow apply 登记）。")
    year = year or max(c.year for c in cases)
    chosen_cases = [c for c in cases if c.year == year]
    votes = store.publicity.latest_votes([c.id for c in chosen_cases])

    def voted(case_id: int) -> tuple[str, str, str]:
        v = votes.get(case_id)
        return ("", "", "") if v is None else (str(v[0] if v[0] is not None else ""), str(v[1] if v[1] is not None else ""),
                                               str(v[2] if v[2] is not None else ""))

    rows = [dataclasses.replace(applicant(_load(store, c.subject_id), store, c.stage), votes=voted(c.id))
            for c in chosen_cases]
    if not rows:
        raise PrintError(f"{chosen.name}没有 {year} 年的识别申请。")
    rows.sort(key=lambda a: (a.income is None, a.income if a.income is not None else 0.0, a.head_name))
    quota = store.publicity.quotas(year).get(chosen.id, chosen.quota)
    return rows, quota, year


def _cells(rows: Sequence[Applicant], quota: int | None) -> list[list[str]]:
    out: list[list[str]] = []
    total = 0
    line_drawn = quota is None
    for i, a in enumerate(rows, start=1):
        total += a.size
        if not line_drawn and total > quota:  # type: ignore[operator]
            out.append(_quota_line(f"以上累计 {total - a.size} 人，规模 {quota} 人"))
            line_drawn = True
        out.append([str(i), a.group, a.head_name, str(a.size), f"{a.income:.0f}" if a.income is not None else "未填",
                    a.housing, a.labour, a.living, a.cause, a.priority, "", str(total), *a.votes])
    if not line_drawn:
        out.append(_quota_line(f"累计 {total} 人，未达规模 {quota} 人"))
    return out


def _quota_line(text: str) -> list[str]:
    """The row that marks where the cumulative persons reach the quota."""
    cells = [""] * len(APPRAISAL_HEADERS)
    cells[2], cells[7] = "——", f"规模线：{text}"
    return cells


def print_appraisal(store: Store, village: str, out: Output, *, xlsx: str | Path | None = None,
                    year: int | None = None, font: str | None = None) -> PrintResult:
    """民主评议表 of a village (and the same as Excel, when ``xlsx`` is given)."""
    rows, quota, year = appraisal_rows(store, village, year)
    policy = store.policy.get()
    town = township_fields(store)
    title = f"{town.get('township', '')}{village}{year}年度贫困户民主评议表"
    cells = _cells(rows, quota)
    widths = (8, 12, 16, 10, 16, 20, 12, 26, 16, 18, 12, 12, 10, 10, 10)
    exclusions = "、".join(policy.exclusions) or "（本县未设定）"

    def draw(doc: Document) -> int:
        doc.new_page(label=title, landscape_page=True)
        doc.heading(title, SIZE_2, gap_after=3 * mm)
        doc.paragraph(f"按年人均纯收入由低到高排序（五比五看：比收入、资产、劳力、生活环境、贫困程度）。"
                      f"规模：{quota if quota is not None else '未设置'} 人。三优先：{'、'.join(policy.priority_flags) or '无'}；"
                      f"三不评：{exclusions}（符合者在“三不评”栏注明，不参加排序）。", SIZE_S5, gap_after=2 * mm)
        total = sum(widths)
        columns = [Column(h, doc.width * w / total) for h, w in zip(APPRAISAL_HEADERS, widths, strict=True)]
        draw_table(doc, columns, cells, size=SIZE_5, header_size=SIZE_5, min_row=7 * mm, cap_lines=3)
        doc.y -= 4 * mm
        doc.paragraph("评议小组成员（签字）：＿＿＿＿＿＿＿＿＿＿＿＿＿＿　监票人：＿＿＿＿　唱票人：＿＿＿＿　计票人：＿＿＿＿"
                      "　　评议日期：＿＿＿＿年＿＿月＿＿日", SIZE_S4)
        return len(rows)

    result = _render(out, fonts_for(store, font), title, FORM_MARGINS, draw)
    if xlsx is not None:
        _appraisal_xlsx(Path(xlsx), title, cells)
    return result


def _appraisal_xlsx(path: Path, title: str, cells: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "民主评议表"
    sheet.append([title])
    sheet.append(list(APPRAISAL_HEADERS))
    for row in cells:
        sheet.append(row)
    try:
        with fileio.atomic_path(path) as part:
            book.save(part)
    except fileio.WriteError as exc:
        raise PrintError(str(exc)) from exc


def _step_name(stage: str) -> str:
    """How the letter names the step that decided: 审查 at the application, else the stage."""
    return "受理审查" if stage == "apply" else wf.stage_label(stage)


# -- 告知书 ---------------------------------------------------------------------------------------------------
def print_refusal(store: Store, household_id: int, out: Output, *, font: str | None = None) -> PrintResult:
    """不予认定（不予受理）告知书 of the household's refused case: the reason and where to appeal."""
    hh = _load(store, household_id)
    case = store.cases.latest([household_id]).get(household_id)
    if case is None or case.status is not wf.Status.REFUSED:
        raise PrintError(f"{hh.head_name}户没有不予认定或不予受理的决定，无告知书可打印。")
    records = store.cases.records([case.id])[case.id]
    decision = next(r for r in reversed(records) if r.decision in (wf.Decision.REFUSE.value, wf.Decision.REJECT.value))
    application = store.cases.application(case.id)
    town = township_fields(store)
    township, county = town.get("township", ""), town.get("county", "")
    kind = "不予受理" if decision.decision == wf.Decision.REJECT.value else "不予认定"
    title = f"{kind}告知书"
    applied = chinese_date(application.date) if application else chinese_date(case.last_date)
    what = "脱贫退出" if case.kind is wf.Kind.EXIT else "贫困户识别"
    body = (f"{hh.head_name}（{hh.fields.get('village') or ''}{hh.fields.get('group') or ''}）：\n"
            f"你户于{applied}提出的{case.year}年度{what}申请，经{_step_name(decision.stage)}，"
            f"于{chinese_date(decision.date)}决定{kind}。\n理由：{decision.reason}\n"
            f"如对本决定有异议，可自收到本告知书之日起 30 日内，向{county or '县'}扶贫开发领导小组办公室"
            f"（县扶贫办）提出申诉；也可向{township}人民政府（扶贫办）反映。")
    issuer = f"{township}人民政府"

    def draw(doc: Document) -> int:
        doc.new_page(label=title)
        doc.heading(title, SIZE_2, gap_after=8 * mm)
        for para in body.split("\n"):
            doc.paragraph(para, SIZE_S4, gap_after=3 * mm)
        doc.y -= 20 * mm
        doc.text(doc.right - 60 * mm, doc.y, issuer, SIZE_S4)
        doc.text(doc.right - 60 * mm, doc.y - 9 * mm, chinese_date(date.today()), SIZE_S4)
        doc.y -= 30 * mm
        doc.paragraph("签收人：＿＿＿＿＿＿　　签收日期：＿＿＿＿年＿＿月＿＿日", SIZE_S4)
        return 1

    return _render(out, fonts_for(store, font), title, NOTICE_MARGINS, draw)
