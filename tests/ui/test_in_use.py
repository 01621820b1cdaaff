"""Opening a database another running program holds (issue 11, item 3): said at start-up, with
the computer, the user and since when; 只读打开 gives a main window and forms that change nothing.

The other program is the real GUI (``fupin --db``) in a process of its own, offscreen; it holds
``<db>.inuse`` until it is killed.  A write-protected disk opens read-only the same way.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fupin_desktop import inuse, services
from fupin_desktop.store import Store
from fupin_desktop.ui import app
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.safety.media import disk, write_protect
from tests.ui.test_app_startup import StartupAnswers

ROOT = Path(__file__).resolve().parents[2]


def township(path: Path) -> tuple[Path, int]:
    with Store(path) as store:
        services.init_township(store, code="510822105", name="茶坝乡", villages=[("炉场村", 95)])
        hh = store.households.save(full_household(store.spec, seed=2), store.operator)
    return path, int(hh.id)


@pytest.fixture
def released():
    app.release_locks()  # what earlier tests' start-ups took
    yield
    app.release_locks()


def held_here(path: Path) -> bool:
    return any(lock.path == inuse.lock_path(path) and lock.held for lock in app._held)


@pytest.fixture
def running_gui(qtbot, tmp_path: Path):
    """The real program, started on the database in a process of its own (offscreen)."""
    path, household_id = township(tmp_path / "township.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "fupin_desktop", "--db", str(path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        qtbot.waitUntil(lambda: inuse.holder(path) is not None or proc.poll() is not None, timeout=120_000)
        assert proc.poll() is None, "the GUI ended instead of running"
        yield path, household_id, proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_second_start_says_who_holds_the_database_and_opens_read_only(
        qtbot, running_gui, monkeypatch, dialogs, released) -> None:
    path, household_id, gui = running_gui
    with Store(path, read_only=True) as reader:
        before = services.household_json(reader.households.get(household_id), reader.spec)
    answers = StartupAnswers(monkeypatch, app.READ_ONLY)

    store = app.open_store_interactive(path)

    [(text, hint, buttons)] = answers.shown
    holder = inuse.holder(path)
    assert holder is not None and holder.pid == gui.pid
    assert f"数据库正在被另一个程序使用：计算机 {socket.gethostname()}，用户 {getpass.getuser()}，" \
           f"自 {holder.since_local} 起。" in text
    assert sorted(buttons) == sorted([app.READ_ONLY, app.ANYWAY, "退出"])
    assert "后保存的一方会被拒绝并保留草稿" in hint
    assert store is not None and store.read_only
    try:
        window = MainWindow(store)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        assert "（只读）" in window.windowTitle()
        assert window.read_only_label.isVisible() and window.read_only_label.text() == "（只读）"
        assert all(not act.isEnabled() for act in window.write_actions)
        assert window.new_household is not None and not window.act_new.isEnabled()

        editor = window.open_household(household_id)
        assert "（只读）" in editor.windowTitle() and not editor.act_save.isEnabled()
        phone = editor.form.editors["phone"]
        assert phone.isReadOnly()
        phone.setFocus()
        qtbot.keyClicks(phone, "999")
        members = editor.form.tables["members"]
        index = members.model.index(0, 0)
        assert not members.model.flags(index) & Qt.ItemFlag.ItemIsEditable
        assert not members.btn_add.isEnabled()
        members.add_row()  # even called directly, nothing changes
        assert len(members.model.rows) == len(editor.household.members)
        assert not editor.dirty and editor.save() is False  # refused with a message
        assert "只读" in dialogs.shown[-1][2]
        editor.close()
        after = services.household_json(store.households.get(household_id), store.spec)
        assert after == before
        window.close()
    finally:
        store.close()


def test_open_anyway_or_quit_and_a_killed_holder_frees_the_database(qtbot, running_gui, monkeypatch, released) -> None:
    path, _household_id, gui = running_gui
    StartupAnswers(monkeypatch, "退出")
    assert app.open_store_interactive(path) is None

    StartupAnswers(monkeypatch, app.ANYWAY)
    store = app.open_store_interactive(path)
    assert store is not None and not store.read_only and not held_here(path)  # the other keeps the lock
    store.close()

    os.kill(gui.pid, signal.SIGKILL)  # the other program crashes
    gui.wait()
    answers = StartupAnswers(monkeypatch)  # no question this time
    store = app.open_store_interactive(path)
    assert store is not None and not store.read_only and answers.shown == []
    assert held_here(path)
    store.close()


def test_a_write_protected_disk_opens_read_only_and_says_so(qtbot, tmp_path, dialogs, released) -> None:
    with disk(tmp_path / "usb") as usb:
        path, household_id = township(usb / "township.db")
        write_protect(usb)
        store = app.open_store_interactive(path)
        assert store is not None and store.read_only
        [(kind, title, text)] = dialogs.shown
        assert title == "只读打开" and "写保护" in text and "只能读、不能写" in text
        try:
            window = MainWindow(store)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.show()
            assert "（只读）" in window.windowTitle() and window.model.rowCount() == 1
            editor = window.open_household(household_id)
            assert editor.form.editors["phone"].isReadOnly()
            editor.close()
            window.close()
        finally:
            store.close()


def test_a_full_disk_at_start_up_is_not_called_damaged_and_retry_opens_it(qtbot, tmp_path, monkeypatch,
                                                                             released) -> None:
    from PySide6.QtWidgets import QMessageBox

    from tests.safety.media import fill

    with disk(tmp_path / "usb", size="4m") as usb:
        path, _household_id = township(usb / "township.db")
        fill(usb)
        shown: list[tuple[str, str, list[str]]] = []

        def exec_(box: QMessageBox) -> int:
            shown.append((box.text(), box.informativeText(), [b.text() for b in box.buttons()]))
            (usb / "filler.bin").unlink()  # the clerk empties the recycle bin, then 重试
            retry = next(b for b in box.buttons() if b.text() == "重试")
            monkeypatch.setattr(QMessageBox, "clickedButton", lambda _box: retry)
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        store = app.open_store_interactive(path)
        [(text, hint, buttons)] = shown
        assert "磁盘空间已满" in text and "没有损坏" in text and "从备份恢复" not in text
        assert "不要用备份覆盖" in hint and "重试" in buttons
        assert store is not None and store.households.count() == 1
        store.close()
