"""The county's statistical reports as Excel workbooks: title, unit, township, date and totals.

Each report is built from the one statistics document (:func:`fupin_desktop.store.village_view.
statistics`) or the store's aggregates, one row per village and a 合计 row that is the sum of the
rows above (a test reads the files back and compares with the store).  识别进度表 reads the
identification workflow's cases (issue 15) and the villages' own (store/progress.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop import fileio
from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import stats
from fupin_desktop.store.database import StoreError
from fupin_desktop.store.village_view import default_year, statistics

if TYPE_CHECKING:
    from fupin_desktop.store import Store


@dataclass(frozen=True)
class Table:
    title: str
    unit: str
    headers: list[str]
    rows: list[list[Any]]  # first column: the village's name
    total: bool = True


def _basic(store: Store, year: int) -> list[Table]:
    doc = statistics(store, year)
    headers = ["村名", "贫困村", "建档立卡户数", "建档立卡人数", "未脱贫户数", "未脱贫人数", "已脱贫户数",
               "一般贫困户", "低保贫困户", "五保贫困户", "残疾人数", "劳动力人数", "外出务工人数", "危房户数",
               "饮水困难户数", "饮水不安全户数", "农村人口", "贫困发生率（%）"]
    rows = []
    for v in doc["villages"]:
        a = v["attributes"]
        rows.append([v["village"], "是" if v["is_poor"] else "", v["households"], v["persons"], v["poor_households"],
                     v["poor_persons"], v["households"] - v["poor_households"], a.get("一般贫困户", 0),
                     a.get("低保贫困户", 0), a.get("五保贫困户", 0), v["disabled"], v["labour"], v["migrant"],
                     v["dilapidated"], v["drinking_difficult"], v["drinking_unsafe"], v["population"], v["incidence"]])
    if rows:  # the total's incidence is the township's (not a sum)
        rows.append(_total_row(rows, doc["township"]["incidence"]))
    return [Table("贫困户基本情况汇总表", "户、人", headers, rows, total=False)]


def _total_row(rows: list[list[Any]], incidence: float | None) -> list[Any]:
    out: list[Any] = ["合计", sum(1 for r in rows if r[1] == "是")]
    for j in range(2, len(rows[0]) - 1):
        out.append(sum(r[j] or 0 for r in rows))
    out.append(incidence)
    return out


def _causes(store: Store, year: int) -> list[Table]:
    doc = statistics(store, year)
    tables = []
    for key, title in (("causes", "主要致贫原因（户）"), ("all_causes", "全部致贫原因（户，含其他致贫原因）")):
        names = sorted({c for v in doc["villages"] for c in v[key]}, key=lambda c: -doc["township"][key].get(c, 0))
        rows = [[v["village"], *(v[key].get(c, 0) for c in names)] + ([v["households"]] if key == "causes" else [])
                for v in doc["villages"]]
        headers = ["村名", *names] + (["合计"] if key == "causes" else [])
        tables.append(Table(f"致贫原因统计表：{title}", "户", headers, rows))
    return tables


def _measures(store: Store, year: int) -> list[Table]:
    data = stats.measures(store.db, year)
    villages = store.townships.villages()
    types = list(store.spec.codes["measure_type"].labels)
    extra = sorted({t for d in data.values() for t in d} - set(types))
    types += extra
    headers = ["村名"]
    for t in types:
        headers += [f"{t}（项）", f"{t}（户）", f"{t}（元）"]
    headers += ["合计（项）", "合计（元）"]
    rows = []
    for v in villages:
        d = data.get(int(v.id or 0), {})
        row: list[Any] = [v.name]
        for t in types:
            item = d.get(t, {"items": 0, "households": 0, "amount": 0.0})
            row += [item["items"], item["households"], item["amount"]]
        row += [sum(i["items"] for i in d.values()), round(sum(i["amount"] for i in d.values()), 2)]
        rows.append(row)
    return [Table("帮扶措施统计表", "项、户、元", headers, rows)]


def _exits(store: Store, year: int) -> list[Table]:
    doc = statistics(store, year)
    flags = ["未脱贫", "已脱贫（享受政策）", "已脱贫（不再享受政策）", "返贫"]
    headers = ["村名", "建档立卡户数", "建档立卡人数", *(f"{f}（户）" for f in flags), "当年脱贫户数", "当年脱贫人数"]
    rows = [[v["village"], v["households"], v["persons"], *(v["exit_states"].get(f, 0) for f in flags),
             v["exited_households"], v["exited_persons"]] for v in doc["villages"]]
    return [Table("脱贫退出统计表", "户、人", headers, rows)]


def _progress(store: Store, year: int) -> list[Table]:
    """识别进度表: per village the households at each stage of the county's procedure (their latest
    case of the year), registered, refused, exits, open objections and the quota's use; the
    village's own 贫困村 case beside it (store/progress.py, one GROUP BY)."""
    from fupin_desktop.store.progress import identification_procedure, progress

    proc = identification_procedure(store)
    stages = [s for s in proc.stages if not s.final]
    entries = progress(store, year)
    extra = sorted({k for e in entries for k in e.stages} - {s.key for s in stages})  # another procedure's
    keys = [s.key for s in stages] + extra
    headers = ["村名", "贫困村识别", "申请户数", *(f"{wf.stage_label(k)}（户）" for k in keys), "建档立卡户数",
               "未通过户数", "退出办理中（户）", "已退出（户）", "待核实异议（件）", "识别规模（人）", "已识别人数",
               "办理中人数", "规模使用率（%）"]
    rows = [[e.village, e.village_case, e.applied, *(e.stages.get(k, 0) for k in keys), e.registered, e.refused,
             e.exits_open, e.exits_done, e.open_objections, e.quota_persons, e.identified_persons,
             e.in_process_persons, e.quota_use] for e in entries]
    if rows:
        total: list[Any] = ["合计", f"贫困村 {sum(1 for e in entries if e.is_poor)} 个"]
        total += [sum(r[j] or 0 for r in rows) for j in range(2, len(headers) - 1)]
        quota = total[-3]
        total.append(round((total[-2] + total[-1]) * 100 / quota, 1) if quota else None)
        rows.append(total)
    return [Table(f"识别进度表（{proc.label}）", "户、人、件", headers, rows, total=False)]


REPORTS: dict[str, tuple[str, Callable[[Store, int], list[Table]]]] = {
    "basic": ("贫困户基本情况汇总表", _basic),
    "causes": ("致贫原因统计表", _causes),
    "measures": ("帮扶措施统计表", _measures),
    "progress": ("识别进度表", _progress),
    "exits": ("脱贫退出统计表", _exits),
}


def report_key(name: str) -> str:
    """``basic`` … or the report's Chinese title; a Chinese message for anything else."""
    text = name.strip()
    for key, (title, _) in REPORTS.items():
        if text in (key, title, title.removesuffix("表")):
            return key
    names = "、".join(f"{k}（{t}）" for k, (t, _) in REPORTS.items())
    raise StoreError(f"没有“{name}”这张报表。可选：{names}、summary（一页汇总 PDF）")


def write_report(store: Store, name: str, path: str | Path, year: int | None = None,
                 today: date | None = None) -> tuple[Path, str]:
    """Build report ``name`` of ``year`` into ``path``; returns the path and the report's title."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from fupin_desktop.excel.saving import save_book

    key = report_key(name)
    title, build = REPORTS[key]
    year = default_year(store) if year is None else year
    tables = build(store, year)
    town = store.townships.get()
    town_name = town.name if town else ""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    r = 1
    for table in tables:
        width = len(table.headers)
        ws.cell(r, 1, f"{town_name}{year}年{table.title}").font = Font(bold=True, size=14)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        r += 1
        ws.cell(r, 1, f"填报单位：{town_name}人民政府（盖章）")
        ws.cell(r, max(2, width - 3), f"单位：{table.unit}")
        ws.cell(r, max(3, width - 1), f"制表日期：{(today or date.today()).isoformat()}")
        r += 1
        for j, h in enumerate(table.headers, start=1):
            c = ws.cell(r, j, h)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="DDE5F0")
            c.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            c.border = border
        r += 1
        body = list(table.rows)
        if table.total and body:
            body.append(["合计", *(round(sum(row[j] or 0 for row in body), 2) if isinstance(body[0][j], float)
                                   else sum(row[j] or 0 for row in body) for j in range(1, width))])
        for row in body:
            for j, value in enumerate(row, start=1):
                c = ws.cell(r, j, value)
                c.border = border
                if row[0] == "合计":
                    c.font = Font(bold=True)
            r += 1
        r += 2
    ws.column_dimensions["A"].width = 12
    for j in range(2, max(len(t.headers) for t in tables) + 1):
        ws.column_dimensions[ws.cell(3, j).column_letter].width = 11
    target = Path(path)
    try:
        with fileio.atomic_path(target) as tmp:
            save_book(wb, tmp)
    except fileio.WriteError as exc:
        raise StoreError(str(exc)) from exc
    return target, title
