"""The GUI on a full disk, a locked database, a place that cannot be written: a Chinese message box,
never a traceback, and the clerk's typing never lost (a draft if it can be written, else the window).

The database is really full: a real file with 512-byte pages (a valid SQLite layout), no free page,
and ``PRAGMA max_page_count`` at its size; the lock is a second connection holding BEGIN EXCLUSIVE.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from fupin_desktop import services
from fupin_desktop.store import Store
from fupin_desktop.ui.main_window import MainWindow
from tests.diskfull import db_digest, fill_database, unfill_database
from tests.helpers import full_household

#: What the clerk adds to 致贫原因说明: more than a 512-byte page, so saving must grow the file.
NOTE = "二〇一六年户主腰椎手术后不能干重活，妻子在家照顾老人，两个孩子上学，家中缺少劳动力和发展资金。" * 4


@pytest.fixture
def small_pages(tmp_path: Path) -> Iterator[Store]:
    """A township database whose file is made of 512-byte pages, with one household saved."""
    path = tmp_path / "town.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA page_size = 512")
    conn.execute("VACUUM")  # an empty file with that page size, no table yet
    conn.close()
    store = Store(path)
    services.init_township(store, code="510822105", name="茶坝乡", county="青川县", city="广元市",
                           province="四川省", villages=[("炉场村", 95), ("兴龙村", 123)])
    for v in store.townships.villages():
        for g in ("一组", "二组", "三组"):
            store.townships.add_group(v.id, g, store.operator)
    store.households.save(full_household(store.spec, seed=1), "测试")
    assert store.db.conn.execute("PRAGMA page_size").fetchone()[0] == 512
    yield store
    store.close()


def open_first(qtbot, store: Store):  # type: ignore[no-untyped-def]
    window = MainWindow(store)
    qtbot.addWidget(window)
    editor = window.open_household(store.households.ids()[0])
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return window, editor


def type_note(clerk, editor) -> str:  # type: ignore[no-untyped-def]
    field = editor.form.editors["cause_note"]
    field.setFocus()
    before = field.value() or ""
    clerk.type(NOTE)
    return before


def test_ctrl_s_on_a_full_disk_says_so_saves_nothing_and_keeps_the_typing_in_the_window(
        qtbot, small_pages, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    store = small_pages
    window, editor = open_first(qtbot, store)
    old_note = type_note(clerk, editor)
    fill_database(store)
    before = db_digest(store.path)

    clerk.shortcut("Ctrl+S")

    kind, title, text = dialogs.shown[-1]
    assert (kind, title) == ("critical", "保存失败")
    assert text.startswith("磁盘空间已满，本次修改没有写入，数据库保持原样。请清理磁盘")
    assert "已录入的内容仍在这个窗口中" in text and "Traceback" not in text
    assert db_digest(store.path) == before, "nothing saved, not even a draft"
    assert store.households.get(editor.household.id).fields["cause_note"] == old_note
    assert store.drafts.get(editor.household.uuid) is None
    assert NOTE in editor.form.editors["cause_note"].value(), "the typing is still in the form"
    assert editor.isVisible() and editor.dirty and editor.windowTitle().startswith("*")
    assert "没有保存" in editor.status.text()

    unfill_database(store)  # the clerk made room: the same Ctrl+S saves
    clerk.shortcut("Ctrl+S")
    assert NOTE in store.households.get(editor.household.id).fields["cause_note"]
    assert not editor.dirty
    editor.close()
    window.close()


def test_closing_on_a_full_disk_keeps_the_window_open_with_the_typing(
        qtbot, small_pages, clerk, dialogs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = small_pages
    window, editor = open_first(qtbot, store)
    type_note(clerk, editor)
    fill_database(store)
    answers = [QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Yes]  # save; then keep as draft
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert not editor.close(), "neither saved nor kept as a draft: the window stays"
    assert len(asked) == 2 and asked[1].startswith("这一户没有保存（原因见刚才的提示）。\n保留为草稿并关闭")
    assert any(k == "critical" and "草稿没能写入" in t and "窗口保持打开" in t for k, _, t in dialogs.shown)
    assert editor.isVisible() and NOTE in editor.form.editors["cause_note"].value()
    unfill_database(store)
    clerk.shortcut("Ctrl+S")
    assert not editor.dirty and editor.close()
    window.close()


def test_autosave_and_delete_with_the_database_locked_by_another_program(
        qtbot, small_pages, clerk, dialogs) -> None:  # type: ignore[no-untyped-def]
    store = small_pages
    window, editor = open_first(qtbot, store)
    type_note(clerk, editor)
    editor.form.commit_all()
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    store.db.conn.execute("PRAGMA busy_timeout = 100")
    try:
        editor.save_draft()  # the autosave timer's slot
        assert "草稿没有自动保存" in editor.status.text() and "另一个程序" in editor.status.text()
        discard_editor(editor)
        window.table.selectRow(0)
        dialogs.answer = QMessageBox.StandardButton.Yes
        window.delete_selected()
    finally:
        other.execute("ROLLBACK")
        other.close()
    kind, title, text = dialogs.shown[-1]
    assert (kind, title) == ("warning", "删除户") and "正被另一个程序占用" in text
    assert store.households.count() == 1, "not deleted"
    window.close()


def discard_editor(editor) -> None:  # type: ignore[no-untyped-def]
    editor.undo_stack.setClean()
    editor._draft_restored = False
    editor.close()


def test_backup_into_a_place_that_cannot_be_written_says_why(
        qtbot, small_pages, dialogs, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(small_pages)
    qtbot.addWidget(window)
    blocker = tmp_path / "U盘"
    blocker.write_bytes(b"a file")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(blocker / "备份")))
    dialog = window.open_backups()
    dialog.choose_folder()
    dialog.backup_button.click()
    qtbot.waitUntil(lambda: dialog.op is None and bool(dialogs.shown))
    kind, title, text = dialogs.shown[-1]
    assert (kind, title) == ("warning", "立即备份")
    assert text.startswith("备份没有完成。无法写入") and "路径中有一部分" in text
    assert blocker.read_bytes() == b"a file"
    dialog.close()
    window.close()


def test_export_dialog_into_a_place_that_cannot_be_written_says_why(
        qtbot, small_pages, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(small_pages)
    qtbot.addWidget(window)
    window.act_export_excel.trigger()
    dialog = window.export_dialog
    blocker = tmp_path / "导出"
    blocker.write_bytes(b"a file")
    dialog.path.setText(str(blocker / "花名册.xlsx"))
    qtbot.mouseClick(dialog.findChild(QPushButton, "export"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.op is None and "导出失败" in dialog.status.text(), timeout=20_000)
    assert "无法写入" in dialog.status.text() and "路径中有一部分" in dialog.status.text()
    assert blocker.read_bytes() == b"a file"
    dialog.close()
    window.close()


def test_an_error_nobody_caught_is_a_chinese_message_box_not_a_traceback(qtbot, dialogs) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.fileio import WriteError
    from fupin_desktop.store import DiskFull
    from fupin_desktop.ui.app import show_uncaught

    full = DiskFull("磁盘空间已满，本次修改没有写入，数据库保持原样。请清理磁盘后再试。")
    show_uncaught(DiskFull, full, None)
    refused = WriteError("无法写入 E:/a.xlsx：磁盘只读（可能有写保护）。")
    show_uncaught(WriteError, refused, None)
    show_uncaught(KeyError, KeyError("village"), None)
    assert [(k, t) for k, t, _ in dialogs.shown] == [("critical", "操作没有完成")] * 3
    assert dialogs.shown[0][2] == str(full) and dialogs.shown[1][2] == str(refused)
    assert dialogs.shown[2][2].startswith("操作没有完成（KeyError") and "Traceback" not in dialogs.shown[2][2]
