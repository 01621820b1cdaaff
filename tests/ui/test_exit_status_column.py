"""脱贫状态 in the household list: coloured by state and filtered from the combo beside the search."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from fupin_desktop.ui.exit_status import COLOURS
from fupin_desktop.ui.main_window import MainWindow
from tests.workflow.conftest import add_households


def test_exit_status_is_coloured_and_filtered(qtbot, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = add_households(store, "炉场村", 3)
    hh = store.households.get(ids[0])
    hh.fields.update(exit_flag="已脱贫（享受政策）", household_type="低保户", exit_year=2016)
    store.households.save(hh, "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    model = window.model
    column = [key for key, _ in model.columns].index("exit_flag")
    colours = {model.data(model.index(r, column)): model.data(model.index(r, column), Qt.ItemDataRole.BackgroundRole)
               for r in range(model.rowCount())}
    assert colours == {"已脱贫（享受政策）": COLOURS["已脱贫（享受政策）"], "未脱贫": COLOURS["未脱贫"]}
    combo = window.findChild(QComboBox, "exit_filter")
    combo.setCurrentText("已脱贫（享受政策）")
    assert model.rowCount() == 1 and model.household_id(0) == ids[0]
    combo.setCurrentText("未脱贫")
    assert sorted(model.household_id(r) for r in range(model.rowCount())) == sorted(ids[1:])
    combo.setCurrentText("返贫")
    assert model.rowCount() == 0
    combo.setCurrentIndex(0)
    assert model.rowCount() == 3
    window.grab().save(str(tmp_path / "main.png"))
