"""设置 → 政策参数: the county's policy profile (income lines, scope, 公示, 三优先, 三不评, limits).

Nothing is saved until 确定; the profile is checked first (``Policy.from_json``) and a
problem is shown in Chinese with the dialog left open.  导入/导出 move the profile as the
JSON file a county hands to its townships.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog, quality, services
from fupin_desktop.rules.policy import (
    EXCLUSIONS,
    LIMIT_LABELS,
    PRIORITY_FLAGS,
    PUBLICITY_DAYS,
    STANDARDS,
    Policy,
    PolicyError,
)
from fupin_desktop.store import Store, StoreError
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.village_refs_box import VillageReferenceBox

log = logging.getLogger(__name__)

FILE_FILTER = "政策参数 (*.json)"


def _yuan(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class PolicyDialog(QDialog):
    """Edit the township's copy of the county's policy profile."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.from_file = False  # set once parameters were read from a file (a backup before saving)
        self.setObjectName("policy_dialog")
        self.setWindowTitle("政策参数（县里统一设置）")
        self.resize(760, 700)  # fits a 1366x768 screen; the form scrolls

        self.standard = QComboBox()
        self.standard.setObjectName("standard")
        self.standard.addItems(list(STANDARDS))
        self.lines = QTableWidget(0, 1 + len(STANDARDS))
        self.lines.setObjectName("income_lines")
        self.lines.setHorizontalHeaderLabels(["年度", *STANDARDS])
        self.lines.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().hide()
        self.lines.setMinimumHeight(220)
        add = QPushButton("增加年度")
        add.clicked.connect(lambda: self._add_year(None))
        remove = QPushButton("删除所选年度")
        remove.clicked.connect(self._remove_year)
        line_box = QGroupBox("识别标准与扶贫标准（元/人·年，按登记年度取当年或之前最近一年的标准）")
        grid = QGridLayout(line_box)
        grid.addWidget(QLabel("本县采用的识别标准"), 0, 0)
        grid.addWidget(self.standard, 0, 1)
        grid.addWidget(self.lines, 1, 0, 1, 4)
        grid.addWidget(add, 2, 2)
        grid.addWidget(remove, 2, 3)

        self.wubao = QCheckBox("五保贫困户纳入建档立卡识别范围")
        self.wubao.setObjectName("wubao_in_scope")
        self.dibao = QCheckBox("低保贫困户纳入建档立卡识别范围")
        self.dibao.setObjectName("dibao_in_scope")
        self.days = QSpinBox()
        self.days.setObjectName("publicity_days")
        self.days.setRange(*PUBLICITY_DAYS)
        self.days.setSuffix(" 天")
        scope = QGroupBox("识别范围与公示")
        form = QFormLayout(scope)
        form.addRow(self.wubao)
        form.addRow(self.dibao)
        form.addRow("每轮公示天数", self.days)
        self.gbt4761 = QCheckBox("与户主关系按 GB/T 4761 家庭关系代码输入（如 10 配偶、20 之子）")
        self.gbt4761.setObjectName("relation_numbering")
        self.gbt4761.setToolTip("不勾选时按全国扶贫开发信息系统的代码（01 户主、02 配偶、03 之子……）")
        form.addRow(self.gbt4761)

        self.priorities = {flag: QCheckBox(flag) for flag in PRIORITY_FLAGS}
        self.exclusions = {item: QCheckBox(item) for item in EXCLUSIONS}
        flags = QGroupBox("“三优先”（优先识别）与“三不评”（有此情形不评为贫困户）")
        flag_grid = QGridLayout(flags)
        flag_grid.addWidget(QLabel("三优先："), 0, 0)
        for col, box in enumerate(self.priorities.values(), start=1):
            flag_grid.addWidget(box, 0, col)
        flag_grid.addWidget(QLabel("三不评："), 1, 0)
        for col, box in enumerate(self.exclusions.values(), start=1):
            box.setObjectName(f"exclusion_{col}")
            flag_grid.addWidget(box, 1, col)

        self.limits = {key: QLineEdit() for key in LIMIT_LABELS}
        limits = QGroupBox("核查阈值（超过时提示核对；默认为国家系统的疑点口径）")
        limit_grid = QGridLayout(limits)
        per_row = 3  # label, box, unit per threshold: 30 of them would not fit one column
        for n, (key, (label, unit)) in enumerate(LIMIT_LABELS.items()):
            self.limits[key].setObjectName(f"limit_{key}")
            self.limits[key].setMinimumWidth(70)
            row, col = divmod(n, per_row)
            unit_label = QLabel(unit)
            unit_label.setMinimumWidth(32)
            limit_grid.addWidget(QLabel(label), row, col * 3)
            limit_grid.addWidget(self.limits[key], row, col * 3 + 1)
            limit_grid.addWidget(unit_label, row, col * 3 + 2)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.import_button = buttons.addButton("导入…", QDialogButtonBox.ButtonRole.ResetRole)
        self.import_button.clicked.connect(self.import_file)
        self.export_button = buttons.addButton("导出…", QDialogButtonBox.ButtonRole.ResetRole)
        self.export_button.clicked.connect(self.export_file)
        defaults = buttons.addButton("恢复默认", QDialogButtonBox.ButtonRole.ResetRole)
        defaults.clicked.connect(lambda: self.load(Policy()))

        body = QWidget()
        body_lay = QVBoxLayout(body)
        self.village_refs = VillageReferenceBox()  # issue 17: 一高一低一无 (ui/village_refs_box.py)
        for part in (line_box, scope, flags, limits, self.village_refs):
            body_lay.addWidget(part)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll)
        lay.addWidget(buttons)
        self.load(store.policy.get())

    # -- form <-> profile ------------------------------------------------------------------
    def load(self, policy: Policy) -> None:
        """Show a profile in the form."""
        self._kept = policy  # parts this dialog does not edit (教育资助 标准: fupin education table)
        self.standard.setCurrentText(policy.standard)
        self.lines.setRowCount(0)
        years = sorted({y for table in policy.income_lines.values() for y in table})
        for year in years:
            self._add_year(year, {s: policy.income_lines.get(s, {}).get(year) for s in STANDARDS})
        self.wubao.setChecked(policy.wubao_in_scope)
        self.dibao.setChecked(policy.dibao_in_scope)
        self.days.setValue(policy.publicity_days)
        self.gbt4761.setChecked(policy.relation_numbering == "gbt4761")
        for flag, box in self.priorities.items():
            box.setChecked(flag in policy.priority_flags)
        for item, box in self.exclusions.items():
            box.setChecked(item in policy.exclusions)
        for key, edit in self.limits.items():
            edit.setText(_yuan(getattr(policy.limits, key)))
        town = self.store.townships.get()
        self.village_refs.load(policy, town.code if town else "")

    def policy(self) -> Policy:
        """The profile in the form; raises :class:`PolicyError` with a Chinese message."""
        lines: dict[str, dict[str, Any]] = {s: {} for s in STANDARDS}
        for row in range(self.lines.rowCount()):
            year = self._text(row, 0)
            amounts = {s: self._text(row, col) for col, s in enumerate(STANDARDS, start=1)}
            if not year:
                if any(amounts.values()):
                    raise PolicyError(f"扶贫标准表第 {row + 1} 行没有填年度")
                continue
            for standard, text in amounts.items():
                if text:
                    if year in lines[standard]:
                        raise PolicyError(f"扶贫标准表中 {year} 年出现了两次")
                    lines[standard][year] = self._amount(text, f"{year}年{standard}")
        limits = {key: self._amount(edit.text(), LIMIT_LABELS[key][0]) for key, edit in self.limits.items()}
        return Policy.from_json({
            "standard": self.standard.currentText(),
            "income_lines": lines,
            "wubao_in_scope": self.wubao.isChecked(),
            "dibao_in_scope": self.dibao.isChecked(),
            "publicity_days": self.days.value(),
            "priority_flags": [f for f, box in self.priorities.items() if box.isChecked()],
            "exclusions": [x for x, box in self.exclusions.items() if box.isChecked()],
            "limits": limits,
            "relation_numbering": "gbt4761" if self.gbt4761.isChecked() else "national",
            "village_references": self.village_refs.value(),
            "education": self._kept.education.to_json(),
            "procedure": self._kept.procedure,  # set by fupin policy set --procedure (issue 15)
            **self.village_refs.poor_villages(),
        })

    def _text(self, row: int, col: int) -> str:
        item = self.lines.item(row, col)
        return item.text().strip() if item is not None else ""

    @staticmethod
    def _amount(text: str, what: str) -> Any:
        try:
            value = Decimal(text.strip().replace(",", ""))
        except InvalidOperation:
            raise PolicyError(f"{what}“{text}”不是数字") from None
        return int(value) if value == value.to_integral_value() else float(value)

    def _add_year(self, year: int | None, amounts: dict[str, Decimal | None] | None = None) -> None:
        row = self.lines.rowCount()
        self.lines.insertRow(row)
        first = QTableWidgetItem("" if year is None else str(year))
        self.lines.setItem(row, 0, first)
        for col, standard in enumerate(STANDARDS, start=1):
            amount = (amounts or {}).get(standard)
            self.lines.setItem(row, col, QTableWidgetItem("" if amount is None else _yuan(amount)))
        if year is None:
            self.lines.setCurrentCell(row, 0)
            self.lines.editItem(first)

    def _remove_year(self) -> None:
        rows = sorted({i.row() for i in self.lines.selectedIndexes()}, reverse=True)
        for row in rows or ([self.lines.currentRow()] if self.lines.currentRow() >= 0 else []):
            self.lines.removeRow(row)

    # -- buttons ------------------------------------------------------------------------------
    def accept(self) -> None:
        try:
            policy = self.policy()
        except PolicyError as exc:
            QMessageBox.warning(self, "政策参数", f"{exc}\n\n请改正后再按“确定”。")
            return
        if self.from_file:  # parameters read from a file: a dated backup (政策导入) first
            try:
                services.backup_before(self.store, "政策导入")
            except StoreError as exc:
                QMessageBox.warning(self, "政策参数", str(exc))
                return
        try:
            change = self.store.policy.put(policy, self.store.operator)
        except (PolicyError, StoreError) as exc:
            applog.refused(log, "政策参数", exc)
            QMessageBox.warning(self, "政策参数", f"{exc}\n\n请改正后再按“确定”。")
            return
        super().accept()
        announce(self.store, change)

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入政策参数", str(self.store.path.parent), FILE_FILTER)
        if not path:
            return
        try:
            policy, township = quality.read_policy_file(path)
        except StoreError as exc:
            applog.refused(log, "导入政策参数", exc)
            QMessageBox.warning(self, "导入政策参数", str(exc))
            return
        self.load(policy)
        self.from_file = True
        source = f"{township.get('county', '')}{township.get('name', '')}" if township else "该文件"
        QMessageBox.information(self, "导入政策参数", f"已读入{source}的政策参数。请核对后按“确定”保存。")

    def export_file(self) -> None:
        try:
            policy = self.policy()
        except PolicyError as exc:
            applog.refused(log, "导出政策参数", exc)
            QMessageBox.warning(self, "导出政策参数", str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "导出政策参数", str(self.store.path.parent / "政策参数.json"), FILE_FILTER)
        if not path:
            return
        try:
            quality.export_policy(self.store, path, policy)
        except StoreError as exc:
            applog.refused(log, "导出政策参数", exc)
            QMessageBox.warning(self, "导出政策参数", str(exc))
            return
        QMessageBox.information(self, "导出政策参数", f"已导出到\n{path}\n（含本乡镇设置，可交县里或其他乡镇导入）")
