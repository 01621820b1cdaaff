"""Two tabs of the 统计 page (issue 17): 识别进度 and 教育资助, each a chart with its table.

- 识别进度: per village the persons of households registered this year and in process against the
  village's quota (bars), and the table of the 识别进度表: the village's own 贫困村 case, applications,
  in process, registered, refused, open objections, quota and its use.  A click on a bar lists the
  village's households that have a case this year.
- 教育资助: the yuan of each subsidy item (bars) for the school year holding the year's 12-31, with
  the students per item and per village in the table; a click on a bar lists the students' households.

The numbers are the ``progress`` and ``education`` parts of the one statistics document
(:func:`fupin_desktop.store.village_view.statistics`), read off the GUI thread with the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor

if TYPE_CHECKING:
    from fupin_desktop.ui.stats_page import ChartTab

BLUE, ORANGE, GREEN, GREY = QColor("#3b6fb6"), QColor("#e08a2e"), QColor("#3a9a5b"), QColor("#8a8f98")
PROGRESS_HEADERS = ["村名", "贫困村识别", "申请户", "办理中户", "建档立卡户", "未通过户", "待核实异议", "规模（人）",
                    "已识别（人）", "办理中（人）", "规模使用率"]


def _use(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def bar_names(rows: list[dict[str, Any]]) -> list[str]:
    """Each village's name on a chart's axis.  Qt merges equal categories into one bar, so a name
    two townships share (at the county) carries its village code, or its place in the list."""
    names = [str(r["village"]) for r in rows]
    count = Counter(names)
    return [f"{n}（{r.get('code') or i + 1}）" if count[n] > 1 else n for i, (n, r) in enumerate(zip(names, rows, strict=True))]


def show_progress(tab: ChartTab, rows: list[dict[str, Any]], pick: Callable[[str, str], None]) -> None:
    """Fill the 识别进度 tab; ``pick(what, village)`` lists a village's households with a case."""
    names = bar_names(rows)
    sets = tab.bars(names, [("已识别人数", [r["identified_persons"] for r in rows], GREEN),
                            ("办理中人数", [r["in_process_persons"] for r in rows], BLUE),
                            ("识别规模", [r["quota_persons"] or 0 for r in rows], GREY)],
                    title="各村识别进度（人）与规模")
    for s in sets:
        s.clicked.connect(lambda i: pick(f"{rows[i]['village']}本年有识别或退出案件的户", rows[i]["village"]))
    table: list[list[Any]] = [
        [r["village"], r["village_case"], r["applied"], sum(r["stages"].values()), r["registered"], r["refused"],
         r["open_objections"], r["quota_persons"], r["identified_persons"], r["in_process_persons"],
         _use(r["quota_use"])] for r in rows]
    if len(rows) > 1:
        total: list[Any] = ["合计", f"贫困村 {sum(1 for r in rows if r['is_poor'])} 个"]
        total += [sum(row[j] or 0 for row in table) for j in range(2, len(PROGRESS_HEADERS) - 1)]
        quota = total[7]
        total.append(_use(round((total[8] + total[9]) * 100 / quota, 1) if quota else None))
        table.append(total)
    tab.fill_table(PROGRESS_HEADERS, table)


def show_education(tab: ChartTab, edu: dict[str, Any], pick: Callable[[str, str], None]) -> None:
    """Fill the 教育资助 tab: yuan per item (bars), students and yuan per item and per village;
    ``pick(what, item)`` lists the households of the students granted an item."""
    items = list(edu["items"].items())
    sets = tab.bars([name for name, _ in items], [("金额（元）", [round(v["amount"]) for _, v in items], ORANGE)],
                    title=f"{edu['school_year']} 学年教育资助（元）")
    for s in sets:
        s.clicked.connect(lambda i: pick(f"有学生享受“{items[i][0]}”的户", items[i][0]))
    table: list[list[Any]] = [[name, v["students"], v["amount"]] for name, v in items]
    table.append(["合计", edu["students"], edu["amount"]])
    if edu["villages"]:
        table.append(["各村", "学生（人）", "金额（元）"])
        table += [[name, v["students"], v["amount"]] for name, v in edu["villages"].items()]
    tab.fill_table(["资助项目", "学生（人）", "金额（元）"], table)
