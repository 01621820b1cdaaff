"""文件 → 备份与恢复 with real widgets: the list, 立即备份, 验证, 恢复所选… (open forms closed first,
the window reloaded), the folder and rotation settings, and the daily backup at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fupin_desktop.store import Store, backups
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.safety.backupkit import demo_store, dump
from tests.ui.conftest import DialogRecorder


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogRecorder:
    rec = DialogRecorder()
    rec.install(monkeypatch)
    return rec


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = demo_store(tmp_path / "township.db", households=15)
    yield s
    s.close()


@pytest.fixture
def window(qtbot: Any, store: Store) -> MainWindow:
    w = MainWindow(store)
    w.offer_drafts = False
    qtbot.addWidget(w)
    w.show()
    yield w
    for editor in list(w.editors.values()):
        editor.undo_stack.setClean()
        editor.close()
    w.close()


def finish(qtbot: Any, dialog: Any, dialogs: DialogRecorder, shown: int) -> tuple[str, str, str]:
    qtbot.waitUntil(lambda: dialog.op is None and len(dialogs.shown) > shown, timeout=60_000)
    return dialogs.shown[-1]


def test_the_menu_opens_the_list_with_local_times_and_counts(qtbot: Any, window: MainWindow, store: Store,
                                                            tmp_path: Path) -> None:
    made = backups.create(store.db, backups.EXCEL)
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "备份与恢复(&B)…" in texts and not any("备份数据库" in t for t in texts)
    window.act_backups.trigger()
    dialog = window.backup_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "备份与恢复"
    row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert row == [made.local_time, "导入Excel", row[2], "15", str(made.persons), "已验证", made.path.name]
    assert row[2].endswith("KB") or row[2].endswith("MB")
    assert dialog.folder_edit.text() == str(tmp_path / "backups")
    dialog.resize(960, 560)
    dialog.grab().save(str(tmp_path / "backup_dialog.png"))
    dialog.close()


def test_backup_now_runs_off_the_gui_thread_and_lists_the_new_backup(qtbot: Any, window: MainWindow,
                                                                     dialogs: DialogRecorder) -> None:
    dialog = window.open_backups()
    assert dialog.table.rowCount() == 0
    dialog.backup_button.click()
    kind, title, text = finish(qtbot, dialog, dialogs, 0)
    assert (kind, title) == ("information", "立即备份") and "已备份并检查无误" in text
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "手动"
    assert dialog.selected() is not None and dialog.selected().reason == "手动"


def test_verify_marks_a_damaged_backup(qtbot: Any, window: MainWindow, store: Store, dialogs: DialogRecorder) -> None:
    good = backups.create(store.db).path
    bad = good.with_name("茶坝乡-2020-01-01-0000-手动.db")
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 3000)
    dialog = window.open_backups()
    assert dialog.table.rowCount() == 2
    dialog.table.clearSelection()
    dialog.verify_button.click()
    kind, _title, text = finish(qtbot, dialog, dialogs, 0)
    assert kind == "warning" and bad.name in text and "1 份有问题" in text
    states = {dialog.table.item(r, 6).text(): dialog.table.item(r, 5).text() for r in range(2)}
    assert states[good.name] == "已验证" and states[bad.name].startswith("有问题")
    dialog.table.selectRow([r for r in range(2) if dialog.table.item(r, 6).text() == bad.name][0])
    assert not dialog.restore_button.isEnabled()  # a damaged backup cannot be chosen


def test_restore_closes_open_forms_first_and_reloads_the_window(qtbot: Any, window: MainWindow, store: Store,
                                                                dialogs: DialogRecorder) -> None:
    backup = backups.create(store.db).path
    for seed in (40, 41, 42):
        store.households.save(full_household(store.spec, seed=seed), store.operator)
    window.refresh()
    assert window.model.rowCount() == 18
    editor = window.open_household(window.model.household_id(0))
    assert editor is not None and window.editors

    dialog = window.open_backups()
    dialog.table.selectRow(0)
    dialogs.answer = QMessageBox.StandardButton.No  # "restore?" -> no: nothing happens
    dialog.restore_button.click()
    assert dialogs.shown[-1][0] == "question" and "先自动备份" in dialogs.shown[-1][2]
    assert window.editors and store.households.count() == 18

    dialogs.answer = QMessageBox.StandardButton.Yes
    shown = len(dialogs.shown)
    dialog.restore_button.click()
    kind, title, text = finish(qtbot, dialog, dialogs, shown + 1)
    assert any("关闭打开的 1 个户档案窗口" in t for _k, _t, t in dialogs.shown[shown:])
    assert (kind, title) == ("information", "恢复备份") and "15 户" in text and "恢复前" in text
    assert not window.editors
    assert window.model.rowCount() == 15 and "共 15 户" in window.status_counts.text()
    assert "茶坝乡" in window.windowTitle()
    assert [line for line in dump(store.path) if backups.LABEL_TABLE not in line] == [
        line for line in dump(backup) if backups.LABEL_TABLE not in line]
    reasons = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert sorted(reasons) == ["恢复前", "手动"]


def test_a_form_with_unsaved_changes_that_is_kept_open_stops_the_restore(qtbot: Any, window: MainWindow,
                                                                         store: Store, dialogs: DialogRecorder,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    backups.create(store.db)
    editor = window.open_household(window.model.household_id(0))
    monkeypatch.setattr(editor, "close", lambda: False)  # the clerk pressed 取消 in the form's own question
    before = dump(store.path)
    dialog = window.open_backups()
    dialog.table.selectRow(0)
    dialog.restore_button.click()
    assert dialog.op is None and dump(store.path) == before and window.editors


def test_folder_and_rotation_settings(qtbot: Any, window: MainWindow, store: Store, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    stick = tmp_path / "U盘" / "备份"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(stick)))
    dialog = window.open_backups()
    dialog.choose_folder()
    assert backups.folder(store.db) == stick and dialog.folder_edit.text() == str(stick)
    dialog.keep_last.setValue(5)
    dialog.keep_days.setValue(7)
    dialog.keep_months.setValue(12)
    dialog.accept()
    assert backups.rotation(store.db) == backups.Rotation(5, 7, 12)
    dialog = window.open_backups()
    assert (dialog.keep_last.value(), dialog.keep_days.value(), dialog.keep_months.value()) == (5, 7, 12)
    dialog.set_folder(None)
    assert dialog.folder_edit.text() == str(tmp_path / "backups")


def test_the_daily_backup_is_made_once_a_day_and_not_for_an_empty_database(qtbot: Any, window: MainWindow,
                                                                           store: Store, tmp_path: Path) -> None:
    op = window.daily_backup()
    qtbot.waitUntil(lambda: not (tmp_path / "backups").exists() or any((tmp_path / "backups").iterdir()))
    assert op is not None
    qtbot.waitUntil(lambda: "已做每日备份" in window.statusBar().currentMessage(), timeout=60_000)
    [made] = backups.list_backups(tmp_path / "backups")
    assert made.reason == "每日"
    assert backups.daily(store.db) is None  # once a day
    with Store(tmp_path / "empty.db") as empty:
        assert backups.daily(empty.db) is None and not (tmp_path / "backups" / "empty").exists()
