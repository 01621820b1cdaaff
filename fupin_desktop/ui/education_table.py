"""资助标准 of one school year: the table (school type × item, 元/生·年) and the batches' deadlines.

Part of the county's policy profile (``Policy.education``); the same as ``fupin education table``
and ``fupin education batch``.  An empty cell means the item is not paid to that school type; an
empty deadline means the batch is open.  Saving writes the profile (audited) and announces a
policy change, so the 教育资助 window and every open view read it again.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.values import FieldValueError, parse_date
from fupin_desktop.rules import education as rules
from fupin_desktop.store import Store, StoreError
from fupin_desktop.ui.changes import announce

TITLE = "资助标准"


def _yuan(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class EducationTableDialog(QDialog):
    """Edit ``year``'s subsidy table and batch deadlines."""

    def __init__(self, store: Store, year: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("education_table_dialog")
        self.setWindowTitle(f"{TITLE} — {year} 学年")
        self.store, self.year = store, year
        policy = store.policy.get().education
        try:
            table_year, entry = policy.year(year)
            table = entry.table
        except rules.EducationError:
            table_year, table = year, {}
        note = f"（{year} 学年尚未设置，下面是沿用的 {table_year} 学年标准）" if table_year != year else ""
        self.table = QTableWidget(len(rules.SCHOOL_TYPES), len(rules.ITEMS))
        self.table.setObjectName("subsidy_table")
        self.table.setVerticalHeaderLabels(list(rules.SCHOOL_TYPES))
        self.table.setHorizontalHeaderLabels(list(rules.ITEMS))
        for r, kind in enumerate(rules.SCHOOL_TYPES):
            for c, item in enumerate(rules.ITEMS):
                amount = table.get(kind, {}).get(item)
                self.table.setItem(r, c, QTableWidgetItem("" if amount is None else _yuan(amount)))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumWidth(760)
        self.table.setMinimumHeight(210)
        self.deadlines: dict[int, QLineEdit] = {}
        batches = {b.number: b for b in policy.batches(year)}
        form = QFormLayout()
        for number in range(1, 4):
            deadline = batches[number].deadline if number in batches else None
            edit = QLineEdit(deadline.isoformat() if deadline is not None else "")
            edit.setObjectName(f"deadline_{number}")
            edit.setPlaceholderText("截止日期，如 2016-04-28；空为未定" if number in batches else "不设此批次")
            self.deadlines[number] = edit
            form.addRow(f"{rules.batch_name(number)}截止日期", edit)
        self.batch_set = set(batches)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        hint = QLabel(f"{year} 学年各类学校的资助标准（元/生·年）{note}。空格表示该类学校没有此项。")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self.table)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def accept(self) -> None:
        policy = self.store.policy.get()
        education = policy.education
        try:
            for r, kind in enumerate(rules.SCHOOL_TYPES):
                for c, item in enumerate(rules.ITEMS):
                    cell = self.table.item(r, c)
                    text = cell.text().strip() if cell is not None else ""
                    value = rules.amount(text, f"{kind}{item}") if text else None
                    education = education.with_amount(self.year, kind, item, value)
            for number, edit in self.deadlines.items():
                text = edit.text().strip()
                if text or number in self.batch_set:
                    try:
                        day = parse_date(text) if text else None
                    except FieldValueError as exc:
                        raise rules.EducationError(f"{rules.batch_name(number)}截止日期：{exc}") from exc
                    education = education.with_batch(self.year, number, day)
            change = self.store.policy.put(dataclasses.replace(policy, education=education), self.store.operator)
        except (rules.EducationError, StoreError) as exc:
            QMessageBox.warning(self, TITLE, f"{exc}\n\n请改正后再按“确定”。")
            return
        announce(self.store, change)
        super().accept()
