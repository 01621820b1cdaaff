"""First-run township setup: the township's code and name and its villages with quotas."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog, services
from fupin_desktop.domain.township import parse_village_arg
from fupin_desktop.store import Store, StoreError

log = logging.getLogger(__name__)

HELP = "每行一个村，可加“:规模”（贫困人口规模，人），贫困村在末尾加“*”。例如：\n炉场村:95\n月明村:112*"


class SetupDialog(QDialog):
    """Accepted when the township was created; ``demo_requested`` when the clerk chose the demo."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.demo_requested = False
        self.setWindowTitle("乡镇设置（首次使用）")
        self.resize(560, 560)
        self.code = QLineEdit()
        self.code.setObjectName("township_code")
        self.code.setPlaceholderText("如 510822105")
        self.name = QLineEdit()
        self.name.setObjectName("township_name")
        self.name.setPlaceholderText("如 茶坝乡")
        self.county = QLineEdit()
        self.city = QLineEdit()
        self.province = QLineEdit()
        self.villages = QPlainTextEdit()
        self.villages.setObjectName("villages")
        self.villages.setTabChangesFocus(True)
        self.villages.setPlaceholderText(HELP)
        form = QFormLayout()
        form.addRow("乡镇代码*", self.code)
        form.addRow("乡镇名称*", self.name)
        form.addRow("所属县", self.county)
        form.addRow("所属市", self.city)
        form.addRow("所属省", self.province)
        form.addRow("所辖村*", self.villages)
        hint = QLabel("每行一个村：村名:贫困人口规模（人），贫困村在末尾加 *")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        form.addRow("", hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("建立")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        demo = QPushButton("打开示范数据（茶坝乡）")
        demo.setObjectName("demo_button")
        buttons.addButton(demo, QDialogButtonBox.ButtonRole.ActionRole)
        demo.clicked.connect(self._demo)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        intro = QLabel("本数据库还没有设置乡镇。请填写本乡镇及所辖各村（设置一次即可）。")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def parsed_villages(self) -> tuple[list[tuple[str, int | None]], set[str]]:
        villages, poor = [], set()
        for line in self.villages.toPlainText().splitlines():
            line = line.strip()
            if not line:
                continue
            is_poor = line.endswith(("*", "＊"))
            name, quota = parse_village_arg(line.rstrip("*＊").strip())
            villages.append((name, quota))
            if is_poor:
                poor.add(name)
        return villages, poor

    def _create(self) -> None:
        try:
            villages, poor = self.parsed_villages()
            if not villages:
                raise StoreError("请至少填写一个村。")
            services.init_township(
                self.store, code=self.code.text(), name=self.name.text(), villages=villages,
                county=self.county.text().strip(), city=self.city.text().strip(),
                province=self.province.text().strip(), poor_villages=poor,
            )
        except (StoreError, ValueError) as exc:
            applog.refused(log, "乡镇设置", exc)
            QMessageBox.warning(self, "乡镇设置", str(exc))
            return
        self.accept()

    def _demo(self) -> None:
        self.demo_requested = True
        self.accept()
