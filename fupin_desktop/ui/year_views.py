"""Earlier years, read-only: a household's 历年记录, a closed year's file, a closed year's list.

* :class:`HistoryDialog` (档案 → 历年记录, in the household form): per year its 脱贫状态, size,
  per-capita income, causes and what changed from the year before (store/years.py ``history``,
  the same rows ``fupin history NUMBER --json`` prints); a closed year's file opens read-only.
* :class:`SnapshotView`: the household form showing a closed year's frozen file, read-only.
* :class:`YearBrowser` (年度 → 往年档案): the households of a closed year, side by side with the
  live year's window; Enter or a double-click opens one read-only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.household import Household
from fupin_desktop.store import Store, years
from fupin_desktop.store.year_files import bundle_household
from fupin_desktop.ui.household_editor import HouseholdEditor

HISTORY_COLUMNS = ("年度", "脱贫状态", "家庭人口", "年人均纯收入（元）", "致贫原因", "与上一年度相比")
LIST_COLUMNS = ("户编号", "村", "组", "户主", "人口", "脱贫状态", "贫困户属性", "年人均纯收入")


def snapshot_household(store: Store, payload: dict[str, Any]) -> Household:
    """A closed year's file as a :class:`Household` (typed by the form, for the form)."""
    town = store.townships.get()
    place = {"province": town.province, "city": town.city, "county": town.county, "name": town.name} if town else None
    return bundle_household(payload, store.spec, str(payload.get("village") or ""), place)


class SnapshotView(HouseholdEditor):
    """The household form on a closed year's file: shown, printed from, never changed."""

    def __init__(self, store: Store, payload: dict[str, Any], parent: QWidget | None = None) -> None:
        self.year = int(payload["year"])
        super().__init__(store, snapshot_household(store, payload), parent, draft="keep")
        self.setObjectName("snapshot_view")
        self.form.set_read_only()
        for act in (self.act_save, self.act_undo, self.act_redo):
            act.setEnabled(False)
        self.status.setText(f"{self.year}年度档案（已结转，只读）：只能查看，不能修改。要修改请在当前年度的档案中进行。")
        self._update_title()

    def _update_title(self) -> None:
        year = getattr(self, "year", None)
        if year is None:  # while the base class builds the window
            return
        self.setWindowTitle(f"扶贫手册 — {self.household.head_name} {self.household.fields.get('number') or ''}"
                            f"（{year}年度，只读）")

    def save(self) -> bool:
        return False  # a closed year is never written

    def save_draft(self) -> None:
        return None


class HistoryDialog(QDialog):
    """历年记录 of one household (see the module)."""

    def __init__(self, store: Store, household_uuid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_dialog")
        self.store, self.uuid = store, household_uuid
        self.rows = years.history(store.db, store.spec, household_uuid)
        name = self.rows[-1]["head_name"] if self.rows else ""
        self.setWindowTitle(f"历年记录 — {name}")
        lay = QVBoxLayout(self)
        self.table = QTableWidget(len(self.rows), len(HISTORY_COLUMNS))
        self.table.setObjectName("history_table")
        self.table.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for i, r in enumerate(self.rows):
            year = f"{r['year']}" + ("（当前）" if r["live"] else "（已结转）")
            values = (year, r["exit_status"] or "（未填）", f"{r['size']} 人", str(r["per_capita_income"] or "（未填）"),
                      "、".join(r["causes"]) or "（未填）", "\n".join(r["changes"]) or "无变化")
            for j, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.table.setItem(i, j, item)
        header = self.table.horizontalHeader()
        for j, width in enumerate((110, 150, 80, 130, 150)):
            header.resizeSection(j, width)
        header.setStretchLastSection(True)
        self.table.resizeRowsToContents()
        self.table.doubleClicked.connect(lambda idx: self.open_year(idx.row()))
        lay.addWidget(QLabel("每年的档案以 12 月 31 日为标准时点；往年档案只读。双击一行打开该年度的档案。"))
        lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.btn_open = QPushButton("打开该年度档案")
        self.btn_open.clicked.connect(lambda: self.open_year(self.table.currentRow()))
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.btn_open)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.resize(1000, 420)
        self.opened: QWidget | None = None

    def open_year(self, row: int) -> QWidget | None:
        if not 0 <= row < len(self.rows) or self.rows[row]["live"]:
            return None  # the current year is the form already open
        payload = years.snapshot(self.store.db, self.uuid, int(self.rows[row]["year"]))
        if payload is None:
            return None
        self.opened = SnapshotView(self.store, payload, self.parentWidget())
        self.opened.show()
        return self.opened


def add_history_action(editor: HouseholdEditor, menu: Any) -> QAction:
    """档案 → 历年记录 in the household form."""
    act = QAction("历年记录(&Y)…", editor)
    act.setShortcut(QKeySequence("Ctrl+Shift+H"))
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    def show() -> None:
        editor.history = HistoryDialog(editor.store, editor.household.uuid, editor)  # type: ignore[attr-defined]
        editor.history.show()  # type: ignore[attr-defined]
    act.triggered.connect(show)
    menu.addAction(act)
    editor.addAction(act)
    return act


class YearBrowser(QMainWindow):
    """往年档案: a closed year's households (see the module)."""

    def __init__(self, store: Store, year: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("year_browser")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.store = store
        closed = years.closed_years(store.db)
        self.year_box = QComboBox()
        self.year_box.setObjectName("year_box")
        for y in reversed(closed):
            self.year_box.addItem(f"{y}年度", y)
        self.village_box = QComboBox()
        self.village_box.addItem("全部村", None)
        for v in store.townships.villages():
            self.village_box.addItem(v.name, v.name)
        self.label_box = QComboBox()  # 脱贫状态 (the national labels)
        self.label_box.setObjectName("label_box")
        self.label_box.addItem("全部脱贫状态", None)
        for label in store.spec.code_list(store.spec.field("exit_flag")).labels:
            self.label_box.addItem(label, label)
        self.table = QTableWidget(0, len(LIST_COLUMNS))
        self.table.setObjectName("year_table")
        self.table.setHorizontalHeaderLabels(list(LIST_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda idx: self.open_row(idx.row()))
        self.table.activated.connect(lambda idx: self.open_row(idx.row()))
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year_box)
        top.addWidget(QLabel("村"))
        top.addWidget(self.village_box)
        top.addWidget(self.label_box)
        top.addStretch(1)
        top.addWidget(self.count)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addLayout(top)
        note = QLabel("往年档案是结转时冻结的副本，只能查看。双击或回车打开一户。")
        note.setStyleSheet("color: #555;")
        lay.addWidget(note)
        lay.addWidget(self.table, 1)
        self.setCentralWidget(body)
        if year is not None and year in closed:
            self.year_box.setCurrentIndex(self.year_box.findData(year))
        self.year_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.village_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.label_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.rows: list[years.SnapshotSummary] = []
        self.opened: list[QWidget] = []
        self.refresh()
        self.resize(1000, 640)

    def refresh(self) -> None:
        year = self.year_box.currentData()
        self.rows = years.snapshot_summaries(self.store.db, int(year), village=self.village_box.currentData()) \
            if year is not None else []
        if self.label_box.currentData() is not None:
            self.rows = [r for r in self.rows if r.exit_flag == self.label_box.currentData()]
        self.setWindowTitle(f"往年档案 — {year}年度（只读）" if year else "往年档案（还没有结转过的年度）")
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            for j, text in enumerate((r.number, r.village, r.group, r.head_name, str(r.size), r.exit_flag,
                                      r.household_type, r.per_capita_income)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.count.setText(f"共 {len(self.rows)} 户 {sum(r.size for r in self.rows)} 人")

    def open_row(self, row: int) -> QWidget | None:
        if not 0 <= row < len(self.rows):
            return None
        r = self.rows[row]
        payload = years.snapshot(self.store.db, r.household_uuid, r.year)
        if payload is None:
            return None
        view = SnapshotView(self.store, payload, self)
        view.show()
        self.opened.append(view)
        return view


__all__ = ["HistoryDialog", "SnapshotView", "YearBrowser", "add_history_action", "snapshot_household"]
