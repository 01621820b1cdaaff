"""The 政策参数 dialog's 贫困村 part: the reference figures of "一高一低一无", per year, and (issue 17,
item 4) the township's quota of poor villages and the incidence below which a poor village may exit.

A table of 年度, 贫困发生率 (%), 农民人均纯收入 (元) and 口径 (全省: twice the incidence and 60% of
the income; 全县: above the incidence, below the income), read and checked by
:func:`fupin_desktop.rules.village_refs.references_from_json` when the dialog is confirmed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.rules.policy import MAX_POOR_VILLAGES, Policy, PolicyError
from fupin_desktop.rules.village_refs import BASES

HEADERS = ("年度", "贫困发生率（%）", "农民人均纯收入（元）", "口径")


class VillageReferenceBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("贫困村识别“一高一低一无”参照数（全省或全县的贫困发生率、农民人均纯收入）", parent)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("village_references")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(120)
        add = QPushButton("增加年度")
        add.clicked.connect(lambda: self.add_row(None, None, None, "province"))
        remove = QPushButton("删除所选年度")
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        # 贫困村识别与退出 (issue 17, item 4): this township's quota of poor villages, the exit line
        self.quota = QSpinBox()
        self.quota.setObjectName("poor_village_quota")
        self.quota.setRange(-1, MAX_POOR_VILLAGES)
        self.quota.setSpecialValueText("未设置")
        self.quota.setSuffix(" 个村")
        self.exit_line = QDoubleSpinBox()
        self.exit_line.setObjectName("village_exit_incidence")
        self.exit_line.setRange(0.01, 100)
        self.exit_line.setDecimals(2)
        self.exit_line.setSuffix(" %")
        self._quotas: dict[str, int] = {}
        self._code = "*"
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("本乡镇贫困村规模"))
        buttons.addWidget(self.quota)
        buttons.addWidget(QLabel("贫困村退出：贫困发生率低于"))
        buttons.addWidget(self.exit_line)
        buttons.addStretch(1)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addLayout(buttons)

    def add_row(self, year: int | None, incidence: Any, income: Any, basis: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, value in enumerate((year, incidence, income)):
            self.table.setItem(row, col, QTableWidgetItem("" if value is None else str(value)))
        box = QComboBox()
        for key, label in BASES.items():
            box.addItem(label, key)
        box.setCurrentIndex(max(0, box.findData(basis)))
        self.table.setCellWidget(row, 3, box)

    def load(self, policy: Policy, township_code: str = "") -> None:
        self._quotas, self._code = dict(policy.poor_village_quotas), township_code or "*"
        quota = policy.poor_village_quota(self._code)
        self.quota.setValue(-1 if quota is None else quota)
        self.exit_line.setValue(float(policy.village_exit_incidence))
        self.table.setRowCount(0)
        for year, ref in sorted(policy.village_references.items()):
            data = ref.to_json()
            self.add_row(year, data["incidence"], data["income"], ref.basis)

    def value(self) -> dict[str, Any]:
        """The table as the profile's ``village_references`` JSON (checked by the profile)."""
        out: dict[str, Any] = {}
        for row in range(self.table.rowCount()):
            cells = [item.text().strip() if (item := self.table.item(row, c)) is not None else "" for c in range(3)]
            if not any(cells):
                continue
            if not cells[0]:
                raise PolicyError(f"贫困村参照数第 {row + 1} 行没有填年度")
            if cells[0] in out:
                raise PolicyError(f"贫困村参照数中 {cells[0]} 年出现了两次")
            box = self.table.cellWidget(row, 3)
            basis = box.currentData() if isinstance(box, QComboBox) else "province"
            entry: dict[str, Any] = {"basis": basis}
            for key, text in (("incidence", cells[1]), ("income", cells[2])):
                if text:
                    entry[key] = text.replace(",", "").rstrip("%").strip()
            out[cells[0]] = entry
        return out

    def poor_villages(self) -> dict[str, Any]:
        """The profile's ``poor_village_quotas`` (this township's set or cleared, the others kept) and
        ``village_exit_incidence``."""
        quotas = dict(self._quotas)
        if self.quota.value() < 0:
            quotas.pop(self._code, None)
        else:
            quotas[self._code] = self.quota.value()
        return {"poor_village_quotas": quotas, "village_exit_incidence": f"{self.exit_line.value():.2f}"}
