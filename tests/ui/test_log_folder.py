"""帮助 → 打开日志文件夹 opens the log folder in the system's file manager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from fupin_desktop import applog
from fupin_desktop.ui.main_window import MainWindow


class Opened(QObject):
    """Stands in for the file manager: Qt hands it every file: URL opened."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_help_menu_opens_the_log_folder(qtbot, store, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(applog.LOG_DIR_ENV, str(tmp_path / "county-it" / "logs"))
    window = MainWindow(store)
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "帮助(&H)")
    [action] = [a for a in help_menu.actions() if a.text() == "打开日志文件夹(&L)"]
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in opened.urls] == [tmp_path / "county-it" / "logs"]
    assert (tmp_path / "county-it" / "logs").is_dir()


def test_the_gui_logs_its_start_with_the_qt_version(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from PySide6.QtCore import qVersion

    db = tmp_path / "t.db"
    env = {**os.environ, applog.LOG_DIR_ENV: str(tmp_path / "logs"), "QT_QPA_PLATFORM": "offscreen"}
    run = [sys.executable, "-m", "fupin_desktop"]
    subprocess.run([*run, "demo", "--db", str(db), "--households", "3"], env=env, check=True, capture_output=True)
    subprocess.run([*run, "--db", str(db), "--screenshot", str(tmp_path / "w.png")], env=env, check=True,
                   capture_output=True)
    text = (tmp_path / "logs" / "fupin.log").read_text(encoding="utf-8")
    assert "start gui fupin=" in text and f"gui --screenshot qt={qVersion()} pyside=" in text
    assert "gui finished exit=0" in text
