"""教育资助 at the county (issue 16): each township's students per school year, as its batches sent them.

On a county database 工具 → 教育资助 opens this window instead of the township's: the students
every township reported (store/education_sync.py ``received_students``; ``fupin sync students``
prints the same), by school year and township — school, type, where, the batch and the amounts.
Read-only: a student's school and application are kept by the township.  ID numbers show as
their first 6 and last 4 unless the role may see them whole (issue 18).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change
from fupin_desktop.ui.changes import hub

COLUMNS = ("乡镇", "学年", "村", "户编号", "学生", "身份证号", "学校", "学校类型", "就读地", "批次", "合计（元）")


class ReceivedStudents(QMainWindow):
    """The county's view of the townships' students (see the module)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("received_students")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle("教育资助 — 各乡镇报送的学生（只读）")
        self.store = store
        self.full_ids = store.may(Action.SEE_FULL_IDS)
        self.year_box = QComboBox()
        self.year_box.setObjectName("received_year")
        self.township_box = QComboBox()
        self.township_box.setObjectName("received_township")
        for box in (self.year_box, self.township_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("received_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("学年"))
        top.addWidget(self.year_box)
        top.addWidget(QLabel("乡镇"))
        top.addWidget(self.township_box)
        top.addStretch(1)
        top.addWidget(self.count)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addLayout(top)
        note = QLabel("各乡镇导入的批次中的教育资助学生（学校、批次、金额由乡镇登记，这里只能查看）。")
        note.setStyleSheet("color: #555;")
        lay.addWidget(note)
        lay.addWidget(self.table, 1)
        self.setCentralWidget(body)
        self.rows: list[dict[str, Any]] = []
        self._fill_boxes()
        self.year_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.township_box.currentIndexChanged.connect(lambda _i: self.refresh())
        hub(store).changed.connect(self._on_change)
        self.refresh()
        self.resize(1100, 600)

    def _fill_boxes(self) -> None:
        year, township = self.year_box.currentData(), self.township_box.currentData()
        for box in (self.year_box, self.township_box):
            box.blockSignals(True)
            box.clear()
        school_years = self.store.sync.received_school_years()
        for y in reversed(school_years):
            self.year_box.addItem(y.replace("-", "—") + " 学年", y)
        self.year_box.addItem("全部学年", None)
        self.township_box.addItem("全部乡镇", None)
        for t in self.store.sync.townships():
            self.township_box.addItem(t.name, t.code)
        self.year_box.setCurrentIndex(max(0, self.year_box.findData(year)) if year is not None else 0)
        self.township_box.setCurrentIndex(max(0, self.township_box.findData(township)) if township else 0)
        for box in (self.year_box, self.township_box):
            box.blockSignals(False)

    def _on_change(self, change: Change) -> None:
        if change.everything or change.households:  # a batch imported
            self._fill_boxes()
            self.refresh()

    def refresh(self) -> None:
        self.rows = self.store.sync.received_students(self.year_box.currentData(),
                                                      township_code=self.township_box.currentData())
        self.table.setRowCount(len(self.rows))
        for i, s in enumerate(self.rows):
            number = str(s.get("id_number") or "")
            inside = s.get("in_province")
            place = "" if inside is None else ("省内" if inside else "省外")
            batch = f"第{s['batch']}批" if s.get("batch") else "未纳入批次"
            for j, text in enumerate((s["township"], s["school_year"], s.get("village") or "", s["household"],
                                      s["name"], number if self.full_ids or not number else mask_id(number),
                                      s.get("school") or "", s.get("school_type") or "未登记学校", place, batch,
                                      str(s.get("total") or ""))):
                self.table.setItem(i, j, QTableWidgetItem(text))
        applied = [s for s in self.rows if s.get("batch")]
        self.count.setText(f"共 {len(self.rows)} 名学生，已纳入批次 {len(applied)} 名")


def open_received_students(parent: QWidget, store: Store) -> ReceivedStudents:
    """The one county students window of ``parent`` (made on first use), shown and raised."""
    window = parent.findChild(ReceivedStudents)
    if window is None:
        window = ReceivedStudents(store, parent)
    window.show()
    window.raise_()
    return window
