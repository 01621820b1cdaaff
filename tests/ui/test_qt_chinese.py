"""Issue 13 item 9: Qt's own buttons and dialogs speak Chinese (Save/Discard/Cancel, Yes/No, OK,
the file dialog), in the running program (``make_app``) as in the widgets themselves."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTreeView,
)

from fupin_desktop.ui.translations import install_translations

B = QMessageBox.StandardButton
BUTTONS = (B.Save, B.Discard, B.Cancel, B.Yes, B.No, B.Ok, B.Close, B.Open, B.Apply, B.Retry)


def english(texts: list[str]) -> list[str]:
    """The texts with a Latin letter left once the mnemonic ``(&Y)`` / ``&`` is taken out."""
    return [t for t in texts if re.search(r"[A-Za-z]", re.sub(r"\(&\w\)|&", "", t))]


@pytest.fixture
def chinese_qt(qapp: QApplication) -> Iterator[None]:
    translators = install_translations(qapp)
    assert translators, "Qt's zh_CN catalogue was not found"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


def test_message_box_standard_buttons_are_chinese(qtbot, chinese_qt) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox(QMessageBox.Icon.Question, "保存", "保存修改吗？")
    qtbot.addWidget(box)
    for button in BUTTONS:
        box.addButton(button)
    texts = {button: box.button(button).text() for button in BUTTONS}
    assert english(list(texts.values())) == []
    assert texts[B.Save] == "保存" and texts[B.Discard] == "丢弃" and texts[B.Cancel] == "取消"
    assert texts[B.Ok] == "确定" and texts[B.Yes].startswith("是") and texts[B.No].startswith("否")


def test_dialog_button_box_is_chinese(qtbot, chinese_qt) -> None:  # type: ignore[no-untyped-def]
    S = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(S.Ok | S.Cancel | S.Save | S.Discard | S.Yes | S.No | S.Close)
    qtbot.addWidget(box)
    texts = [button.text() for button in box.buttons()]
    assert len(texts) == 7 and english(texts) == []
    assert box.button(S.Ok).text() == "确定" and box.button(S.Cancel).text() == "取消"


def test_file_dialog_labels_buttons_and_columns_are_chinese(qtbot, chinese_qt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = QFileDialog(None, "选择数据库", str(tmp_path), "数据库 (*.db)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own dialog, as on Linux
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    buttons = [b.text() for b in dialog.findChildren(QAbstractButton) if b.text()]
    tips = [b.toolTip() for b in dialog.findChildren(QAbstractButton) if b.toolTip()]
    model = dialog.findChild(QTreeView).model()
    columns = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert len(labels) == 3 and len(buttons) >= 2 and len(tips) >= 4 and len(columns) == 4
    assert english(labels + buttons + tips + columns) == []
    assert "打开(&O)" in buttons and "取消" in buttons


PROBE = """
import json
from PySide6.QtWidgets import QMessageBox
from fupin_desktop.ui.app import make_app
app = make_app()
box = QMessageBox()
B = QMessageBox.StandardButton
for b in (B.Save, B.Discard, B.Cancel, B.Yes, B.No, B.Ok):
    box.addButton(b)
print(json.dumps([b.text() for b in box.buttons()], ensure_ascii=False))
"""


def test_the_program_loads_the_translations_at_start_up() -> None:
    """``make_app`` (what ``fupin`` and the frozen build start with) installs them: a fresh process."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, encoding="utf-8",
                         timeout=120, check=True)
    texts = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(texts) == 6 and english(texts) == []
    assert {"保存", "丢弃", "取消", "确定"} <= set(texts)
