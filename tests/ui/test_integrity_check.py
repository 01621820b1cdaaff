"""The integrity check never stands between the clerk and the window (issue 14): the window opens
without it and it runs on a worker thread; a damaged file is then said so, with 备份与恢复 offered."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from fupin_desktop.store import DatabaseCorrupt, Store
from fupin_desktop.ui import app
from fupin_desktop.ui.integrity import check_integrity, warm_up
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household, make_store


def township_with_damaged_audit(tmp_path: Path) -> Path:
    """A township database whose audit table (not read to show the window) has a garbage page."""
    store = make_store(tmp_path, "damaged.db")
    for seed in range(6):
        store.households.save(full_household(store.spec, seed=seed, number=f"N{seed}"), "测试")
    root = store.db.one("SELECT rootpage FROM sqlite_master WHERE name = 'audit'")[0]
    page_size = store.db.one("PRAGMA page_size")[0]
    store.close()
    path = tmp_path / "damaged.db"
    with open(path, "r+b") as fh:  # the test's own file, closed: nothing else has it open
        fh.seek((root - 1) * page_size)
        fh.write(b"\xfe" * 64)
    return path


class Boxes:
    """QMessageBox.exec recorded; the button named ``click`` is pressed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, click: str) -> None:
        self.shown: list[tuple[str, str, list[str]]] = []

        def exec_(box: QMessageBox) -> int:
            names = [b.text() for b in box.buttons()]
            self.shown.append((box.windowTitle(), box.text() + box.informativeText(), names))
            chosen = next(b for b in box.buttons() if b.text() == click)
            chosen.click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_a_damaged_file_opens_then_the_check_says_so_and_offers_the_backups(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = township_with_damaged_audit(tmp_path)
    with pytest.raises(DatabaseCorrupt):
        Store(path)  # the command line (and a migration) still checks first
    boxes = Boxes(monkeypatch, "备份与恢复…")
    store = app._open_held(path)  # the window's way: no quick_check before the window
    assert store is not None
    try:
        window = MainWindow(store)
        qtbot.addWidget(window)
        opened: list[bool] = []
        monkeypatch.setattr(window, "open_backups", lambda: opened.append(True))
        window.show()
        assert window.model.rowCount() == 6  # the clerk sees the list at once
        check_integrity(window)
        qtbot.waitUntil(lambda: bool(opened))
        [(title, text, buttons)] = boxes.shown
        assert title == "数据库已损坏" and "已损坏" in text and "备份" in text
        assert buttons == ["备份与恢复…", "以后再说"]
    finally:
        store.close()
        app.release_locks()


def test_a_sound_file_is_checked_quietly(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    boxes = Boxes(monkeypatch, "以后再说")
    try:
        window = MainWindow(store)
        qtbot.addWidget(window)
        fetch = check_integrity(window)
        qtbot.waitUntil(lambda: not fetch.pending)
        assert boxes.shown == []
        warm_up().join()
    finally:
        store.close()
