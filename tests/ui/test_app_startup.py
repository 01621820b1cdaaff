"""Starting the program: a bad database file, typing a crash left behind, offscreen screenshots.

Message boxes and file choosers are answered by the test (a modal dialog would wait for a
person); what the clerk reads and which ways out are offered is what is checked.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fupin_desktop import services
from fupin_desktop.rules import FieldRef
from fupin_desktop.store import Store
from fupin_desktop.store.database import schema_version
from fupin_desktop.ui import app, household_editor
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import activate


class StartupAnswers:
    """Answers the “无法打开数据库” box with the given buttons, in turn; records what it said."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *buttons: str, chosen: list[str] | None = None) -> None:
        self.buttons = list(buttons)
        self.shown: list[tuple[str, str, list[str]]] = []
        self.files = list(chosen or [])
        self.chooser_calls = 0
        answers = self

        def exec_(box: QMessageBox) -> int:
            answers.shown.append((box.text(), box.informativeText(), [b.text() for b in box.buttons()]))
            wanted = answers.buttons.pop(0)
            answers._clicked = next(b for b in box.buttons() if b.text() == wanted)
            return 0

        def choose(*_args: object, **_kwargs: object) -> tuple[str, str]:
            answers.chooser_calls += 1
            return (answers.files.pop(0) if answers.files else "", "")

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        monkeypatch.setattr(QMessageBox, "clickedButton", lambda _box: answers._clicked)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))


def good_database(path: Path) -> Path:
    with Store(path) as store:
        services.init_township(store, code="510822105", name="茶坝乡", villages=[("炉场村", 95)])
    return path


def test_a_corrupt_database_explains_and_another_file_can_be_chosen(qtbot, tmp_path, monkeypatch) -> None:
    bad = tmp_path / "township.db"
    bad.write_bytes(random.Random(3).randbytes(8192))
    before = bad.read_bytes()
    backup = good_database(tmp_path / "township.backup.db")
    answers = StartupAnswers(monkeypatch, "选择其他数据库…", chosen=[str(backup)])

    store = app.open_store_interactive(bad)

    assert store is not None and store.path == backup
    store.close()
    [(text, hint, buttons)] = answers.shown
    assert str(bad) in text and "不是本程序的数据库文件" in text
    assert "备份" in hint and "不会被改动" in hint
    assert sorted(buttons) == sorted(["选择其他数据库…", "新建数据库…", "退出"])
    assert bad.read_bytes() == before, "a refused file is never touched"


def test_a_database_from_a_newer_program_offers_a_way_out_and_quits_cleanly(qtbot, tmp_path, monkeypatch) -> None:
    newer = good_database(tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.close()
    answers = StartupAnswers(monkeypatch, "退出")

    assert app.open_store_interactive(newer) is None
    [(text, _hint, _buttons)] = answers.shown
    assert "更新版本的程序" in text and "升级" in text
    assert answers.chooser_calls == 0


def test_no_loop_asking_again_only_while_the_clerk_keeps_choosing_bad_files(qtbot, tmp_path, monkeypatch) -> None:
    bad = tmp_path / "a.db"
    bad.write_bytes(b"not a database at all")
    also_bad = tmp_path / "b.db"
    also_bad.write_bytes(b"PK\x03\x04 an xlsx renamed")
    answers = StartupAnswers(monkeypatch, "选择其他数据库…", "选择其他数据库…", chosen=[str(also_bad)])

    assert app.open_store_interactive(bad) is None  # the second chooser is cancelled: quit
    assert [str(p) in shown[0] for p, shown in zip((bad, also_bad), answers.shown, strict=True)] == [True, True]
    assert answers.chooser_calls == 2


def test_a_folder_that_cannot_hold_a_database_is_explained_not_a_crash(qtbot, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("a file where the folder should be")
    answers = StartupAnswers(monkeypatch, "退出")

    assert app.open_store_interactive(blocker / "township.db") is None
    [(text, _hint, _buttons)] = answers.shown
    assert "无法在" in text and "可以写入的文件夹" in text


# -- typing a crash left behind ----------------------------------------------------------------------
def power_cut(window: MainWindow, editor: household_editor.HouseholdEditor) -> None:
    """The program dies with the form open: no closeEvent, nothing more written."""
    editor._autosave_timer.stop()
    editor._validate_timer.stop()
    editor.undo_stack.cleanChanged.disconnect()
    window.editors.clear()
    editor.hide()
    editor.deleteLater()


def test_a_new_household_autosaved_before_a_crash_is_offered_at_the_next_start(
        qtbot, store, clerk, dialogs, monkeypatch) -> None:
    monkeypatch.setattr(household_editor, "AUTOSAVE_MS", 20)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    editor = window.new_household()
    activate(qtbot, editor)
    editor.form.focus_ref(FieldRef("number"))
    clerk.field("5108221050010099")
    uuid = editor.household.uuid
    qtbot.waitUntil(lambda: store.drafts.get(uuid) is not None)
    power_cut(window, editor)

    again = MainWindow(store)
    qtbot.addWidget(again)
    dialogs.answer = QMessageBox.StandardButton.No
    assert again.reopen_unsaved_new_households() == [], "answered 否: nothing opened"
    assert store.drafts.get(uuid) is not None, "and the typing is still kept"
    dialogs.answer = QMessageBox.StandardButton.Yes
    [restored] = again.reopen_unsaved_new_households()
    assert [d[1] for d in dialogs.shown] == ["未保存的新户", "未保存的新户"], "asked once per start, not per household"
    assert "1 户" in dialogs.shown[-1][2]
    assert restored.household.uuid == uuid and restored.dirty
    assert restored.form.editors["number"].value() == "5108221050010099"

    hh = full_household(store.spec, seed=5)
    hh.uuid = uuid
    restored.form.load(hh)
    assert restored.save(), [f.message for f in restored.findings]
    assert store.drafts.get(uuid) is None and store.households.count() == 1
    restored.close()
    dialogs.shown.clear()
    assert again.reopen_unsaved_new_households() == [] and not dialogs.shown


def test_an_existing_household_autosaved_before_a_crash_is_offered_when_opened(
        qtbot, store, clerk, dialogs, monkeypatch) -> None:
    monkeypatch.setattr(household_editor, "AUTOSAVE_MS", 20)
    hid = store.households.save(full_household(store.spec, seed=1), "测试").id
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor = window.open_household(hid)
    activate(qtbot, editor)
    editor.form.focus_ref(FieldRef("bank"))
    clerk.field("农业银行")
    qtbot.waitUntil(lambda: store.drafts.get(editor.household.uuid) is not None)
    power_cut(window, editor)

    again = MainWindow(store)
    qtbot.addWidget(again)
    assert again.reopen_unsaved_new_households() == [], "a saved household is opened from the list"
    dialogs.answer = QMessageBox.StandardButton.Yes
    reopened = again.open_household(hid)
    assert dialogs.shown[-1][1] == "发现未保存的草稿"
    assert reopened.form.editors["bank"].value() == "农业银行" and reopened.dirty
    reopened.undo_stack.setClean()
    reopened._draft_restored = False
    reopened.close()


def test_a_screenshot_of_a_household_with_a_draft_never_waits_for_an_answer(qtbot, store, dialogs, tmp_path) -> None:
    hh = store.households.save(full_household(store.spec, seed=1), "测试")
    store.drafts.put(hh.uuid, hh.id, {"values": services.household_json(hh, store.spec), "texts": {}})
    out = tmp_path / "form.png"

    assert app._screenshot(store.path, out, int(hh.id)) == 0

    assert out.stat().st_size > 0 and not dialogs.shown
    assert store.drafts.get(hh.uuid) is not None, "the clerk's draft is left for the clerk"


def test_a_new_database_can_be_started_instead_of_a_corrupt_one(qtbot, tmp_path, monkeypatch) -> None:
    bad = tmp_path / "township.db"
    bad.write_bytes(random.Random(5).randbytes(8192))
    before = bad.read_bytes()
    fresh = tmp_path / "township-new.db"
    StartupAnswers(monkeypatch, "新建数据库…", chosen=[str(fresh)])

    store = app.open_store_interactive(bad)

    assert store is not None and store.path == fresh and store.townships.get() is None  # set-up comes next
    store.close()
    assert bad.read_bytes() == before


# -- the first set-up ------------------------------------------------------------------------------
def test_quitting_the_first_set_up_leaves_no_database_file(qtbot, tmp_path, monkeypatch) -> None:
    import sys

    from fupin_desktop.ui.setup_dialog import SetupDialog

    shown: list[SetupDialog] = []

    def quit_(dialog: SetupDialog) -> int:
        shown.append(dialog)
        dialog.reject()  # 退出
        return 0

    monkeypatch.setattr(SetupDialog, "exec", quit_)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    folder = tmp_path / "数据"
    folder.mkdir()
    assert app.run_gui(db=str(folder / "township.db")) == 0
    assert len(shown) == 1 and sorted(folder.iterdir()) == []


def test_a_refused_then_completed_first_set_up_makes_the_whole_database(qtbot, tmp_path, monkeypatch,
                                                                        dialogs) -> None:
    from fupin_desktop.ui.setup_dialog import SetupDialog

    def fill(dialog: SetupDialog) -> int:
        dialog.code.setText("12x")  # refused: the clerk is told and corrects it
        dialog.name.setText("茶坝乡")
        dialog.villages.setPlainText("炉场村:95\n月明村*")
        dialog._create()
        assert dialog.result() == 0 and "乡镇代码" in dialogs.shown[-1][2]
        dialog.code.setText("510822105")
        dialog._create()
        return dialog.result()

    monkeypatch.setattr(SetupDialog, "exec", fill)
    path = tmp_path / "township.db"
    assert app.first_run(path) == "ready"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["township.db"]
    with Store(path) as store:
        town = store.townships.get()
        assert town is not None and [(v.name, v.is_poor) for v in town.villages] == [("炉场村", False), ("月明村", True)]


START_PROBE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from fupin_desktop.store import backups
from fupin_desktop.ui import login_dialog, main_window
login_dialog.login_at_start = lambda store: True  # no users in this file: nobody to ask
events = []
shown, daily = main_window.MainWindow.show, main_window.MainWindow.daily_backup
def show(self):
    shown(self)
    events.append("shown")
    def made():
        if backups.list_backups(backups.folder(self.store.db)) or len(events) > 200:
            print(" ".join(e for e in events if e != "tick"), len(backups.list_backups(backups.folder(self.store.db))), flush=True)
            QApplication.instance().quit()
        else:
            events.append("tick")
            QTimer.singleShot(100, made)
    QTimer.singleShot(0, lambda: events.append("first turn"))
    QTimer.singleShot(0, made)
def daily_backup(self):
    events.append("daily backup")
    return daily(self)
main_window.MainWindow.show, main_window.MainWindow.daily_backup = show, daily_backup
from fupin_desktop import cli
sys.exit(cli.main(["--db", sys.argv[1]]))
"""


def test_the_window_is_up_before_the_daily_backup_and_the_checks_start(tmp_path: Path) -> None:
    """A real start of the program: the window shows and the event loop turns first; then the
    daily backup (and the integrity check, the warm-up) start, and the backup is made."""
    import os
    import subprocess
    import sys

    from tests.sync.world import make_township

    path = tmp_path / "township.db"
    with make_township(path) as store:
        store.households.save(full_household(store.spec, seed=1), "测试")
    done = subprocess.run([sys.executable, "-c", START_PROBE, str(path)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["shown", "first", "turn", "daily", "backup", "1"], done.stdout
