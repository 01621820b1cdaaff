"""The one-page statistics summary for a meeting: key figures, three charts and the village table.

Drawn with reportlab's own charts (bars per village, bars of the main causes, a line of the
registered persons over the years) from the one statistics document
(:func:`fupin_desktop.store.village_view.statistics`), in the embedded CJK font.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from fupin_desktop.printing.layout import FORM_MARGINS, SIZE_3, SIZE_5, SIZE_S5, Column, Document, draw_table
from fupin_desktop.printing.service import PrintError, _render, fonts_for

if TYPE_CHECKING:
    from fupin_desktop.store import Store

BLUE = colors.HexColor("#3b6fb6")
ORANGE = colors.HexColor("#e08a2e")


def _rate(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}%"


def _drawing(w: float, h: float, title: str, font: str) -> Drawing:
    d = Drawing(w, h)
    d.add(String(0, h - 10, title, fontName=font, fontSize=9))
    return d


def village_chart(doc: Document, data: dict[str, Any], w: float, h: float) -> Drawing:
    font = doc.fonts.main
    d = _drawing(w, h, "各村建档立卡人数与未脱贫人数（人）", font)
    rows = data["villages"]
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 30, w - 36, h - 50
    chart.data = [[v["persons"] for v in rows] or [0], [v["poor_persons"] for v in rows] or [0]]
    chart.categoryAxis.categoryNames = [v["village"] for v in rows] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = ORANGE
    d.add(chart)
    d.add(String(w - 110, h - 22, "■建档立卡", fontName=font, fontSize=7, fillColor=BLUE))
    d.add(String(w - 55, h - 22, "■未脱贫", fontName=font, fontSize=7, fillColor=ORANGE))
    return d


def cause_chart(doc: Document, data: dict[str, Any], w: float, h: float) -> Drawing:
    font = doc.fonts.main
    d = _drawing(w, h, "主要致贫原因（户）", font)
    causes = list(data["township"]["causes"].items())[:10][::-1]
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70, 8, w - 80, h - 26
    chart.data = [[n for _, n in causes] or [0]]
    chart.categoryAxis.categoryNames = [c for c, _ in causes] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BLUE
    d.add(chart)
    return d


def year_chart(doc: Document, data: dict[str, Any], w: float, h: float) -> Drawing:
    font = doc.fonts.main
    d = _drawing(w, h, "历年建档立卡人数（人）", font)
    series = data["series"]
    years = sorted(series)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, w - 40, h - 40
    chart.data = [[series[y]["persons"] for y in years] or [0], [series[y]["poor_persons"] for y in years] or [0]]
    chart.categoryAxis.categoryNames = years or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor = BLUE
    chart.lines[1].strokeColor = ORANGE
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.5
    d.add(chart)
    return d


def draw_summary(doc: Document, data: dict[str, Any], today: date) -> None:
    t = data["township"]
    doc.new_page(label="统计汇总")
    doc.heading(f"{t['name']}{data['year']}年扶贫建档立卡统计汇总", SIZE_3, gap_after=2 * mm)
    doc.paragraph(
        f"全乡 {t['villages']} 个行政村（贫困村 {t['poor_villages']} 个），建档立卡 {data['households']} 户 "
        f"{data['persons']} 人；未脱贫 {t['poor_households']} 户 {t['poor_persons']} 人，当年脱贫 "
        f"{t['exited_households']} 户 {t['exited_persons']} 人；贫困发生率 {_rate(t['incidence'])}。"
        f"低保户 {t['dibao_households']} 户，五保户 {t['wubao_households']} 户；劳动力 {t['labour']} 人，外出务工 "
        f"{t['migrant']} 人；危房户 {t['dilapidated']} 户，饮水困难户 {t['drinking_difficult']} 户。",
        SIZE_5, first_indent_chars=2, gap_after=2 * mm)
    half = doc.width / 2
    h1 = 62 * mm
    top = doc.y
    renderPDF.draw(village_chart(doc, data, half - 3 * mm, h1), doc.canvas, doc.left, top - h1)
    renderPDF.draw(cause_chart(doc, data, half - 3 * mm, h1), doc.canvas, doc.left + half + 3 * mm, top - h1)
    doc.y = top - h1 - 3 * mm
    h2 = 45 * mm
    renderPDF.draw(year_chart(doc, data, half - 3 * mm, h2), doc.canvas, doc.left, doc.y - h2)
    attrs = "；".join(f"{k} {v} 户" for k, v in t["attributes"].items())
    work = "；".join(f"{k} {v} 人" for k, v in t["work"].items())
    x = doc.left + half + 3 * mm
    y = doc.y - 10
    for line in (f"贫困户属性：{attrs}", f"务工状况：{work}"):
        for chunk in [line[i:i + 24] for i in range(0, len(line), 24)]:
            doc.text(x, y, chunk, SIZE_S5)
            y -= SIZE_S5 * 1.5
        y -= 4
    doc.y -= h2 + 3 * mm
    columns = [Column("村名", 22 * mm), Column("户数", 16 * mm, "right"), Column("人数", 16 * mm, "right"),
               Column("未脱贫户", 18 * mm, "right"), Column("未脱贫人数", 20 * mm, "right"),
               Column("农村人口", 20 * mm, "right"), Column("贫困发生率", 22 * mm, "right"),
               Column("主要致贫原因", doc.width - 134 * mm)]
    rows = [[v["village"] + ("★" if v["is_poor"] else ""), str(v["households"]), str(v["persons"]),
             str(v["poor_households"]), str(v["poor_persons"]), "" if v["population"] is None else str(v["population"]),
             _rate(v["incidence"]), "、".join(list(v["causes"])[:2])] for v in data["villages"]]
    rows.append(["合计", str(data["households"]), str(data["persons"]), str(t["poor_households"]),
                 str(t["poor_persons"]), "" if t["population"] is None else str(t["population"]),
                 _rate(t["incidence"]), "、".join(list(t["causes"])[:2])])
    draw_table(doc, columns, rows, size=SIZE_S5)
    doc.text(doc.left, doc.bottom + 2 * mm, f"★ 贫困村　　制表：{t['name']}人民政府　　日期：{today.isoformat()}", SIZE_S5)


def write_summary(store: Store, out: str | Path, year: int | None = None, *, today: date | None = None,
                  font: str | None = None) -> Path:
    from fupin_desktop.store.village_view import statistics

    data = statistics(store, year)
    fonts = fonts_for(store, font)

    def draw(doc: Document) -> int:
        draw_summary(doc, data, today or date.today())
        return 0

    result = _render(out, fonts, f"{data['township']['name']}{data['year']}年统计汇总", FORM_MARGINS, draw)
    if result.path is None:
        raise PrintError("汇总 PDF 未写入文件")
    return result.path
