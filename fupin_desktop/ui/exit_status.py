"""脱贫状态 in the household list: a colour per national code and a filter (issue 15).

未脱贫 red, 已脱贫（享受政策） green, 已脱贫（不再享受政策） grey-green, 返贫 orange: the background of
the list's 脱贫标志 cell.  The combo box beside the search box keeps one state.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox

from fupin_desktop.formspec import load_codes

ALL = "全部脱贫状态"
#: Background colours (light, so the text stays readable) by 脱贫状态 label.
COLOURS = {"未脱贫": QColor("#f8d7da"), "已脱贫（享受政策）": QColor("#d4edda"),
           "已脱贫（不再享受政策）": QColor("#e2e8e0"), "返贫": QColor("#ffe5b4")}


def exit_colour(value: Any) -> QColor | None:
    return COLOURS.get(str(value or ""))


def exit_filter_combo(model: Any) -> QComboBox:
    """The filter: 全部 or one 脱贫状态; sets ``model.set_exit_filter``."""
    combo = QComboBox()
    combo.setObjectName("exit_filter")
    combo.setToolTip("只列出这一脱贫状态的户")
    combo.addItem(ALL)
    combo.addItems(load_codes()["exit_flag"].labels)
    combo.currentTextChanged.connect(lambda text: model.set_exit_filter(None if text == ALL else text))
    return combo
