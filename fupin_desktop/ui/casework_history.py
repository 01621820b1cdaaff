"""识别记录: the household form's read-only tab of its identification and exit cases (issue 15).

Every decision record of every case of the household, oldest first: the case (year and kind),
stage, date, decision, reference, note or reason, the override reason and who recorded it.
Records are never edited here (nor anywhere: the store's triggers refuse it).
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QTabWidget

from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store

HEADERS = ["年度", "类别", "阶段", "日期", "决定", "文号/会议", "说明/理由", "特殊理由", "经办人"]
TAB_TITLE = "识别记录"


def case_history_table(store: Store, household_id: int | None) -> QTableWidget:
    cases = store.cases.cases_of(household_id) if household_id is not None else []
    records = store.cases.records([c.id for c in cases])
    rows = [[str(c.year), wf.KIND_LABELS[c.kind], wf.stage_label(r.stage), r.date.isoformat(), r.decision, r.reference,
             r.reason or r.note, r.override_reason, r.operator] for c in cases for r in records[c.id]]
    table = QTableWidget(len(rows), len(HEADERS))
    table.setObjectName("case_history")
    table.setHorizontalHeaderLabels(HEADERS)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    return table


def add_case_history_tab(form: QTabWidget, store: Store, household_id: int | None) -> QTableWidget:
    """Append the read-only 识别记录 tab (last, after the Handbook's six parts)."""
    table = case_history_table(store, household_id)
    form.addTab(table, f"{TAB_TITLE}（{table.rowCount()}）" if table.rowCount() else TAB_TITLE)
    return table
