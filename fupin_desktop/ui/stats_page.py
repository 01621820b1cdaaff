"""工具 → 统计: the township's and each village's figures of a year, as charts with their tables.

Each tab is a chart (QtCharts) with the table of the same numbers beside it: registered households
and persons per village, causes (main, or all), attributes, labour and migrant work, housing and
water, and the registered persons over the years.  A click on a bar lists its households below
(double-click opens one).  Every number comes from the store's SQL aggregates
(:func:`fupin_desktop.store.village_view.statistics`), computed off the GUI thread
(:class:`~fupin_desktop.ui.ops.QueryOp`) on the worker's own connection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.store import Store, stats
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.village_view import default_year, other_causes, statistics
from fupin_desktop.ui import stats_tabs, village_files
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.ops import QueryOp

BLUE, ORANGE, GREEN, GREY = QColor("#3b6fb6"), QColor("#e08a2e"), QColor("#3a9a5b"), QColor("#8a8f98")
WHOLE = "全乡"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


class ChartTab(QWidget):
    """A chart on the left, its numbers in a table on the right."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tab_{name}")
        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumWidth(420)
        self.table = QTableWidget()
        self.table.setObjectName(f"table_{name}")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.controls = QHBoxLayout()
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.controls)
        lay.addWidget(self.view, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 380])
        QVBoxLayout(self).addWidget(split)
        self.bar_sets: list[QBarSet] = []

    def fill_table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(list(headers))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                item = QTableWidgetItem("" if value is None else str(value))
                if isinstance(value, (int, float)) or (isinstance(value, str) and value.endswith("%")):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row and row[0] == "合计":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        wanted = sum(self.table.columnWidth(j) for j in range(len(headers))) + 4
        self.table.setMinimumWidth(min(380, wanted))

    def bars(self, categories: Sequence[str], sets: Sequence[tuple[str, Sequence[int], QColor]], *,
             horizontal: bool = False, title: str = "") -> list[QBarSet]:
        """Replace the chart by bars: one set per (name, values, colour)."""
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.setTitle(title)
        series = QHorizontalBarSeries() if horizontal else QBarSeries()
        self.bar_sets = []
        for name, values, colour in sets:
            bar_set = QBarSet(name)
            bar_set.append([float(v) for v in values])
            bar_set.setColor(colour)
            bar_set.setLabelColor(QColor("#202124"))
            series.append(bar_set)
            self.bar_sets.append(bar_set)
        series.setLabelsVisible(len(categories) <= 12)
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        self.chart.addSeries(series)
        cat = QBarCategoryAxis()
        cat.append(list(categories))
        font = cat.labelsFont()
        font.setPointSizeF(8.5)
        cat.setLabelsFont(font)
        if not horizontal and len(categories) > 14:
            cat.setLabelsAngle(-45)
        value = QValueAxis()
        value.setLabelFormat("%d")
        top = max((v for _, vals, _ in sets for v in vals), default=0)
        value.setRange(0, max(1, top * 1.15))
        value.applyNiceNumbers()
        self.chart.addAxis(cat, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(value, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(cat)
        series.attachAxis(value)
        self.chart.legend().setVisible(len(sets) > 1)
        return self.bar_sets

    def lines(self, categories: Sequence[str], sets: Sequence[tuple[str, Sequence[int], QColor]], title: str) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.setTitle(title)
        cat = QBarCategoryAxis()
        cat.append(list(categories) or [""])
        value = QValueAxis()
        value.setLabelFormat("%d")
        top = max((v for _, vals, _ in sets for v in vals), default=0)
        value.setRange(0, max(1, top * 1.15))
        value.applyNiceNumbers()
        self.chart.addAxis(cat, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(value, Qt.AlignmentFlag.AlignLeft)
        for name, values, colour in sets:
            line = QLineSeries()
            line.setName(name)
            for i, v in enumerate(values):
                line.append(i, float(v))
            line.setColor(colour)
            line.setPointsVisible(True)
            line.setMarkerSize(9)
            self.chart.addSeries(line)
            line.attachAxis(cat)
            line.attachAxis(value)


class StatsWindow(QWidget):
    """The statistics page (a window of its own)."""

    def __init__(self, store: Store, open_household: Callable[[int], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self.open_household = open_household
        self.setWindowTitle("统计")
        self.resize(1150, 760)
        self.data: dict[str, Any] | None = None
        self.village_ids = {v.name: int(v.id or 0) for v in store.townships.villages()}
        self.op: QueryOp[Any] | None = None
        top = QHBoxLayout()
        self.year_box = QComboBox()
        self.year_box.setObjectName("year_box")
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("scope_box")
        self.scope_box.addItems([WHOLE, *self.village_ids])
        self.summary = QLabel()
        self.summary.setObjectName("stats_summary")
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.reload)
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year_box)
        top.addWidget(QLabel("范围"))
        top.addWidget(self.scope_box)
        top.addWidget(refresh)
        reports = QPushButton("导出报表")
        menu = QMenu(reports)
        for key, title in (*village_files.REPORTS, ("summary", "一页统计汇总（PDF）")):
            action = menu.addAction(f"{title}…")
            action.setData(key)
        menu.triggered.connect(lambda action: village_files.write_report(self, self.store, action.data(), self.year))
        reports.setMenu(menu)
        top.addWidget(reports)
        top.addWidget(self.summary, 1)
        self.tabs = QTabWidget()
        self.villages_tab = ChartTab("villages")
        self.causes_tab = ChartTab("causes")
        self.all_causes = QCheckBox("含其他致贫原因（一户可计入多个原因）")
        self.all_causes.toggled.connect(lambda _on: self._show_causes())
        self.causes_tab.controls.addWidget(self.all_causes)
        self.attributes_tab = ChartTab("attributes")
        self.work_tab = ChartTab("work")
        self.housing_tab = ChartTab("housing")
        self.years_tab = ChartTab("years")
        self.progress_tab = ChartTab("progress")
        self.education_tab = ChartTab("education")
        for tab, title in ((self.villages_tab, "各村户数人数"), (self.causes_tab, "致贫原因"),
                           (self.attributes_tab, "贫困户属性"), (self.work_tab, "劳动力与务工"),
                           (self.housing_tab, "住房与饮水"), (self.years_tab, "历年变化"),
                           (self.progress_tab, "识别进度"), (self.education_tab, "教育资助")):
            self.tabs.addTab(tab, title)
        self.picked = QLabel("点击图中的柱子，列出其中的户。")
        self.households = QTableWidget()
        self.households.setObjectName("picked_households")
        self.households.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.households.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.households.verticalHeader().hide()
        self.households.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.households.doubleClicked.connect(self._open_picked)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tabs)
        below = QWidget()
        bl = QVBoxLayout(below)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.picked)
        bl.addWidget(self.households)
        split.addWidget(below)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self._fill_years()
        self.year_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.scope_box.currentIndexChanged.connect(lambda _i: self.reload())
        hub(store).changed.connect(self.on_change)

    def _fill_years(self) -> None:
        # the registration years, and the years of the identification work (识别进度)
        years = sorted(set(stats.years(self.store.db)) | set(self.store.cases.years())) or [default_year(self.store)]
        self.year_box.blockSignals(True)
        self.year_box.clear()
        self.year_box.addItems([str(y) for y in reversed(years)])
        self.year_box.setCurrentText(str(default_year(self.store)))  # the latest registration year
        self.year_box.blockSignals(False)

    @property
    def year(self) -> int:
        return int(self.year_box.currentText() or default_year(self.store))

    @property
    def scope(self) -> str | None:
        text = self.scope_box.currentText()
        return None if text in ("", WHOLE) else text

    def on_change(self, change: Change) -> None:
        if self.isVisible() and (change.household_rows or change.villages or change.kind is ChangeKind.WORKFLOW):
            self.reload()

    # -- loading -----------------------------------------------------------------------------------
    def reload(self) -> QueryOp[Any]:
        year, scope = self.year, self.scope
        self.summary.setText("正在统计…")
        self.op = QueryOp(self, "正在统计…", self.store, lambda own, _p, _c: statistics(own, year, scope, page=True),
                          self.show_data, title="统计", cancellable=False)
        self.op.start()
        return self.op

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        t = data["township"]
        where = data["village"] or t["name"]
        first = data["villages"][0] if data["village"] else t
        self.summary.setText(
            f"{where} {data['year']}年：建档立卡 {first['households']} 户 {first['persons']} 人，未脱贫 "
            f"{first['poor_households']} 户 {first['poor_persons']} 人，贫困发生率 {rate(first['incidence'])}")
        self._show_villages()
        self._show_causes()
        self._show_attributes()
        self._show_work()
        self._show_housing()
        self._show_years()
        stats_tabs.show_progress(self.progress_tab, data["progress"],
                                 lambda what, village: self.pick(what, village, "case"))
        stats_tabs.show_education(self.education_tab, data["education"],
                                  lambda what, item: self.pick(what, self.scope, "education_item", item))
        self.households.setRowCount(0)
        self.picked.setText("点击图中的柱子，列出其中的户。")

    def _rows(self) -> list[dict[str, Any]]:
        assert self.data is not None
        return list(self.data["villages"])

    def _total(self) -> dict[str, Any]:
        assert self.data is not None
        return dict(self.data["villages"][0] if self.data["village"] else self.data["township"])

    def _show_villages(self) -> None:
        rows = self._rows()
        names = stats_tabs.bar_names(rows)
        sets = self.villages_tab.bars(names, [("建档立卡人数", [r["persons"] for r in rows], BLUE),
                                              ("未脱贫人数", [r["poor_persons"] for r in rows], ORANGE)],
                                      title="各村建档立卡人数")
        for s in sets:
            s.clicked.connect(lambda i: self.pick(f"{rows[i]['village']}的户", rows[i]["village"]))
        table = [[r["village"] + ("★" if r["is_poor"] else ""), r["households"], r["persons"], r["poor_households"], r["poor_persons"],
                  r["population"], rate(r["incidence"])] for r in rows]
        t = self._total()
        if len(rows) > 1:
            table.append(["合计", t["households"], t["persons"], t["poor_households"], t["poor_persons"],
                          t["population"], rate(t["incidence"])])
        self.villages_tab.fill_table(["村名（★贫困村）", "户数", "人数", "未脱贫户", "未脱贫人数", "农村人口", "贫困发生率"], table)

    def _show_causes(self) -> None:
        if self.data is None:
            return
        key = "all_causes" if self.all_causes.isChecked() else "causes"
        if key == "all_causes" and not self.data.get("all_causes_loaded", True):
            self._load_other_causes()
            return
        causes = list(self._total()[key].items())
        households = self._total()["households"] or 1
        shown = causes[::-1]
        sets = self.causes_tab.bars([c for c, _ in shown], [("户数", [n for _, n in shown], BLUE)], horizontal=True,
                                    title="全部致贫原因（户）" if key == "all_causes" else "主要致贫原因（户）")
        field = "any_cause" if key == "all_causes" else "main_cause"
        for s in sets:
            s.clicked.connect(lambda i: self.pick(f"致贫原因为“{shown[i][0]}”的户", self.scope, field, shown[i][0]))
        self.causes_tab.fill_table(["致贫原因", "户数", "占建档立卡户"],
                                   [[c, n, f"{n * 100 / households:.1f}%"] for c, n in causes])

    def _load_other_causes(self) -> None:
        """Read 全部致贫原因 (deferred at opening: county scale) and show them."""
        assert self.data is not None
        data, year, scope = self.data, self.data["year"], self.data["village"]

        def merge(found: dict[str, Any]) -> None:
            if self.data is not data:  # reloaded meanwhile
                return
            for row in data["villages"]:
                row["all_causes"] = found["villages"].get(row["village"], {})
            data["township"]["all_causes"] = found["township"]
            data["all_causes_loaded"] = True
            self._show_causes()

        self.op = QueryOp(self, "正在统计…", self.store, lambda own, _p, _c: other_causes(own, year, scope), merge,
                          title="统计", cancellable=False)
        self.op.start()

    def _show_attributes(self) -> None:
        attrs = list(self._total()["attributes"].items())
        sets = self.attributes_tab.bars([a for a, _ in attrs], [("户数", [n for _, n in attrs], GREEN)],
                                        title="贫困户属性（户）")
        for s in sets:
            s.clicked.connect(lambda i: self.pick(f"属性为“{attrs[i][0]}”的户", self.scope, "household_type",
                                                  attrs[i][0]))
        self.attributes_tab.fill_table(["贫困户属性", "户数"], [[a, n] for a, n in attrs] +
                                       [["合计", sum(n for _, n in attrs)]])

    def _show_work(self) -> None:
        t = self._total()
        work = sorted(t["work"].items(), key=lambda kv: -kv[1])
        self.work_tab.bars([w for w, _ in work], [("人数", [n for _, n in work], BLUE)], title="务工状况（人）")
        self.work_tab.fill_table(["项目", "人数"], [["建档立卡人口", t["persons"]], ["劳动力", t["labour"]],
                                                    ["外出务工（乡镇外）", t["migrant"]], ["乡（镇）内务工", t["local_work"]],
                                                    *([w, n] for w, n in work)])

    def _show_housing(self) -> None:
        rows = self._rows()
        sets = self.housing_tab.bars(stats_tabs.bar_names(rows), [
            ("危房户", [r["dilapidated"] for r in rows], ORANGE),
            ("饮水困难户", [r["drinking_difficult"] for r in rows], BLUE),
            ("饮水不安全户", [r["drinking_unsafe"] for r in rows], GREY)], title="住房与饮水（户）")
        for s in sets:
            s.clicked.connect(lambda i: self.pick(f"{rows[i]['village']}的户", rows[i]["village"]))
        table = [[r["village"], r["dilapidated"], r["drinking_difficult"], r["drinking_unsafe"], r["no_power"]]
                 for r in rows]
        if len(rows) > 1:
            t = self._total()
            table.append(["合计", t["dilapidated"], t["drinking_difficult"], t["drinking_unsafe"], t["no_power"]])
        self.housing_tab.fill_table(["村名", "危房户", "饮水困难户", "饮水不安全户", "未通生活用电户"], table)

    def _show_years(self) -> None:
        assert self.data is not None
        series = self.data["series"]
        years = sorted(series)
        self.years_tab.lines(years, [("建档立卡人数", [series[y]["persons"] for y in years], BLUE),
                                     ("未脱贫人数", [series[y]["poor_persons"] for y in years], ORANGE)],
                             "历年建档立卡人数（人）")
        self.years_tab.fill_table(["年度", "户数", "人数", "未脱贫户", "未脱贫人数", "当年脱贫户", "返贫户"],
                                  [[y, series[y]["households"], series[y]["persons"], series[y]["poor_households"],
                                    series[y]["poor_persons"], series[y].get("exited_households", 0),
                                    series[y].get("returned_households", 0)] for y in years])

    # -- the households behind a bar -------------------------------------------------------------------
    def pick(self, what: str, village: str | None, field: str | None = None, value: str | None = None) -> None:
        year = self.year
        vid = self.village_ids.get(village) if village else None

        def work(own: Store, _p: object, _c: object) -> list[dict[str, Any]]:
            return stats.households_of(own.db, year, vid, field=field, value=value)

        def show(rows: list[dict[str, Any]]) -> None:
            self.picked.setText(f"{what}：{len(rows)} 户（双击打开）")
            headers = ["村", "组", "户编号", "户主", "人数", "贫困户属性", "主要致贫原因", "脱贫标志"]
            keys = ["village", "group_name", "number", "head_name", "size", "household_type", "main_cause", "exit_flag"]
            self.households.clear()
            self.households.setColumnCount(len(headers))
            self.households.setHorizontalHeaderLabels(headers)
            self.households.setRowCount(len(rows))
            for i, r in enumerate(rows):
                for j, k in enumerate(keys):
                    item = QTableWidgetItem("" if r[k] is None else str(r[k]))
                    item.setData(Qt.ItemDataRole.UserRole, r["id"])
                    self.households.setItem(i, j, item)

        self.op = QueryOp(self, "正在查找…", self.store, work, show, title="统计", cancellable=False)
        self.op.start()

    def _open_picked(self) -> None:
        item = self.households.item(self.households.currentRow(), 0)
        if item is not None and self.open_household is not None:
            self.open_household(int(item.data(Qt.ItemDataRole.UserRole)))


def open_from(main: Any) -> StatsWindow:
    """工具 → 统计 in the main window (double-click on a listed household opens it there)."""
    window = StatsWindow(main.store, main.open_household, main)
    window.show()
    window.reload()
    return window
