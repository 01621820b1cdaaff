"""The household list's filter bar (issue 16): 年度, 脱贫状态, 贫困户属性.

Beside the search box.  The year box offers the current year (the live files, editable) and every
closed year; a closed year makes the list show that year's frozen files under the same filters and
the same search (store/year_list.py), read-only: Enter or a double-click opens the year's file in
the read-only form (ui/year_views.py :class:`SnapshotView`); the box (in red) and each row's
tooltip say so.
The label boxes keep one 脱贫状态 (national codes) and one 贫困户属性; the store does the filtering
on indexes (migration ``0013_year_lists``), so they stay quick at 100,000 households.  A carry-over (a change
of the current year) refills the year box.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QTableView, QWidget

from fupin_desktop.formspec import load_codes
from fupin_desktop.store import Store, settings, year_list, years
from fupin_desktop.store.changes import Change
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.exit_status import ALL as ALL_STATUSES
from fupin_desktop.ui.household_list import HouseholdListModel

ALL_TYPES = "全部贫困户属性"


class FilterBar(QWidget):
    """年度 / 脱贫状态 / 贫困户属性 for ``model``; opens a closed year's file from ``table``."""

    def __init__(self, store: Store, model: HouseholdListModel, table: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("list_filters")
        self.store, self.model, self.table = store, model, table
        self.opened: list[QWidget] = []
        self.year = QComboBox()
        self.year.setObjectName("year_filter")
        self.year.setToolTip("列出哪一年度的档案：当前年度可修改；往年（已结转）的只读")
        self.exit_flag = QComboBox()
        self.exit_flag.setObjectName("exit_filter")
        self.exit_flag.setToolTip("只列出这一脱贫状态的户")
        self.exit_flag.addItem(ALL_STATUSES, None)
        for label in load_codes()["exit_flag"].labels:
            self.exit_flag.addItem(label, label)
        self.household_type = QComboBox()
        self.household_type.setObjectName("type_filter")
        self.household_type.setToolTip("只列出这一贫困户属性的户")
        self.household_type.addItem(ALL_TYPES, None)
        for label in load_codes()["household_type"].labels:
            self.household_type.addItem(label, label)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.year, self.exit_flag, self.household_type):
            lay.addWidget(w)
        self._fill_years()
        self.year.currentIndexChanged.connect(lambda _i: self._year_chosen())
        for box in (self.exit_flag, self.household_type):
            box.currentIndexChanged.connect(lambda _i: self.model.set_labels(
                exit_flag=self.exit_flag.currentData(), household_type=self.household_type.currentData()))
        table.doubleClicked.connect(self._open)  # Enter: the window's 打开户档案 asks open_selected()
        hub(store).changed.connect(self._on_change)

    def _fill_years(self) -> None:
        chosen = self.year.currentData()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItem(f"{years.live_year(self.store.db)}年度（当前）", None)
        for y in sorted(years.closed_years(self.store.db), reverse=True):
            self.year.addItem(f"{y}年度（往年，只读）", y)
        self.year.setCurrentIndex(max(0, self.year.findData(chosen)) if chosen is not None else 0)
        self.year.blockSignals(False)
        if self.year.currentData() != self.model.year:
            self._year_chosen()

    def _on_change(self, change: Change) -> None:
        if change.everything or settings.CURRENT_YEAR.key in change.settings:
            self._fill_years()

    def _year_chosen(self) -> None:
        year = self.year.currentData()
        self.year.setStyleSheet("color: #b3261e;" if year is not None else "")  # a closed year: read-only
        self.model.set_year(year)

    def set_year(self, year: int | None) -> None:
        """Choose ``year`` (None: the current one) as the clerk would in the box."""
        self.year.setCurrentIndex(max(0, self.year.findData(year)) if year is not None else 0)

    def _open(self, index: QModelIndex) -> QWidget | None:
        return self.open_row(index.row())

    def open_selected(self) -> QWidget | None:
        """The selected row's closed-year file, read-only (None on the current year's list)."""
        rows = self.table.selectionModel().selectedRows()
        return self.open_row(rows[0].row()) if rows else None

    def open_row(self, row: int) -> QWidget | None:
        """The closed year's file on ``row``, read-only (nothing on the current year's list)."""
        from fupin_desktop.ui.year_views import SnapshotView  # the household form: loaded when used

        snapshot_id = self.model.snapshot_id(row)
        found = year_list.household_uuid(self.store.db, snapshot_id) if snapshot_id is not None else None
        payload = years.snapshot(self.store.db, *found) if found is not None else None
        if payload is None:
            return None
        view = SnapshotView(self.store, payload, self.window())
        view.setWindowFlag(Qt.WindowType.Window, True)
        view.show()
        self.opened.append(view)
        return view
