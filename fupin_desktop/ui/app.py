"""GUI wiring: QApplication, fonts, opening the database safely, first-run set-up, screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fupin_desktop import fileio, services
from fupin_desktop.store import DatabaseCorrupt, DatabaseTooNew, Store, StoreError

APP_STYLESHEET = """
QGroupBox { font-weight: bold; border: 1px solid #c8ccd2; border-radius: 4px; margin-top: 12px; padding: 8px 6px 6px 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #1a4f8b; }
QTabBar::tab { padding: 6px 14px; }
QTableView { gridline-color: #d5d9de; }
QHeaderView::section { background: #eef1f5; padding: 4px; border: 0; border-right: 1px solid #d5d9de;
                       border-bottom: 1px solid #d5d9de; }
QLineEdit[readOnly="true"] { background: #f1f3f4; color: #3c4043; }
"""


def make_app() -> object:
    """The QApplication (created once), with bundled fonts and the app style."""
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.ui.fonts import apply_default_font

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("扶贫建档立卡")
        app.setOrganizationName("fupin-desktop")
        app.setStyle("Fusion")
        apply_default_font(app)  # type: ignore[arg-type]
        app.setStyleSheet(APP_STYLESHEET)  # type: ignore[attr-defined]
    return app


def show_uncaught(kind: type[BaseException], exc: BaseException, tb: object) -> None:
    """``sys.excepthook`` of the GUI: an error no handler caught (a database that is full, read-only
    or locked, a file that cannot be written, in some rarely used dialog) is shown to the clerk as a
    Chinese message, never as a traceback; the traceback still goes to stderr for the technician."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fupin_desktop.fileio import WriteError

    sys.__excepthook__(kind, exc, tb)  # type: ignore[arg-type]
    if _showing or QApplication.instance() is None or not isinstance(exc, Exception):
        return
    if isinstance(exc, (StoreError, WriteError)):
        text = str(exc)
    else:
        text = (f"操作没有完成（{type(exc).__name__}：{exc}）。已保存的数据不受影响；"
                "如果反复出现，请记下操作步骤，告诉县扶贫办技术人员。")
    _showing.append(True)  # one box at a time, even if the error repeats meanwhile
    try:
        QMessageBox.critical(QApplication.activeWindow(), "操作没有完成", text)
    finally:
        _showing.clear()


_showing: list[bool] = []


def open_store_interactive(path: Path) -> Store | None:
    """Open the database; on a bad file explain and offer another file or quit (never loop)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    while True:
        try:
            return Store(path)
        except (DatabaseCorrupt, DatabaseTooNew, StoreError) as exc:
            box = QMessageBox(QMessageBox.Icon.Critical, "无法打开数据库", str(exc))
            box.setInformativeText("可以选择其他数据库文件打开（例如用“文件 → 备份数据库”做的备份），"
                                   "新建一个数据库，或退出程序。这个文件不会被改动。")
            other = box.addButton("选择其他数据库…", QMessageBox.ButtonRole.ActionRole)
            new = box.addButton("新建数据库…", QMessageBox.ButtonRole.ActionRole)
            box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is other:
                chosen, _ = QFileDialog.getOpenFileName(None, "选择数据库", str(path.parent), "数据库 (*.db)")
            elif box.clickedButton() is new:
                # An existing file chosen here is opened, never overwritten.
                chosen, _ = QFileDialog.getSaveFileName(
                    None, "新建数据库", str(path.with_name("township-new.db")), "数据库 (*.db)",
                    options=QFileDialog.Option.DontConfirmOverwrite)
            else:
                return None
            if not chosen:
                return None
            path = Path(chosen)


def ensure_township(store: Store) -> bool:
    """First run: ask for the township, or build the demo township.  False if the clerk quits."""
    from PySide6.QtWidgets import QMessageBox

    from fupin_desktop.ui.ops import BackgroundOp
    from fupin_desktop.ui.setup_dialog import SetupDialog

    if store.townships.get() is not None:
        return True
    dialog = SetupDialog(store)
    if not dialog.exec():
        return False
    if not dialog.demo_requested:
        return True
    from PySide6.QtCore import QEventLoop

    from fupin_desktop.demo import build_demo

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        with Store(store.path) as own:  # the worker's own connection
            return build_demo(own, households=300, progress=progress, cancelled=cancelled)

    loop = QEventLoop()
    failure: list[BaseException] = []
    op = BackgroundOp(None, "正在生成示范数据（茶坝乡）…", work, on_failure=failure.append)
    op.finished.connect(loop.quit)
    op.start()
    loop.exec()
    if failure:
        QMessageBox.critical(None, "示范数据", f"生成示范数据失败：{failure[0]}")
    return store.townships.get() is not None


class _SetUpQuit(Exception):
    pass


def first_run(path: Path) -> str:
    """No database yet: set the township up in a database built under a temporary name, which gets
    ``path`` only once set up -- quitting the set-up (or a crash) leaves no file.  "quit" if the
    clerk quit; otherwise "ready", and the caller opens ``path`` as usual (if the file could not be
    built -- a read-only folder, say -- opening it explains and offers the ways out)."""
    try:
        with services.new_database(path) as store:
            if not ensure_township(store):
                raise _SetUpQuit
    except _SetUpQuit:
        return "quit"
    except (StoreError, OSError):
        pass
    return "ready"


def run_gui(db: str | None = None, screenshot: str | None = None, household: int | None = None) -> int:
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    path = Path(db) if db else services.default_db_path()
    if screenshot:
        return _screenshot(path, Path(screenshot), household)
    sys.excepthook = show_uncaught
    if not fileio.exists(path) and first_run(path) == "quit":
        return 0  # the clerk quit the first set-up: no database file is left behind
    store = open_store_interactive(path)
    if store is None:
        return 1
    if not ensure_township(store):
        store.close()
        return 0
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(store)
    window.show()
    window.reopen_unsaved_new_households()
    code = app.exec()  # type: ignore[attr-defined]
    store.close()
    return int(code)


def _screenshot(path: Path, out: Path, household: int | None) -> int:
    """Render the main window (or a household's form) offscreen to a PNG."""
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.ui.main_window import MainWindow

    if not path.exists():
        print(f"错误：数据库 {path} 不存在", file=sys.stderr)
        return 2
    store = Store(path)
    try:
        window = MainWindow(store)
        window.offer_drafts = False  # offscreen, nobody could answer: show what is saved
        window.show()
        target = window
        if household is not None:
            editor = window.open_household(household)
            if editor is None:
                print(f"错误：没有编号为 {household} 的户", file=sys.stderr)
                return 2
            target = editor
        for _ in range(5):
            QApplication.processEvents()
        try:
            with fileio.atomic_path(out) as tmp:  # same suffix: Qt picks the image format from it
                if not target.grab().save(str(tmp)):
                    raise fileio.WriteError(f"无法写入 {out}：图片没有保存（磁盘可能已满，或位置不能写入）。"
                                            "请清理磁盘或换一个位置后再试。", path=out)
        except fileio.WriteError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        for editor in list(window.editors.values()):
            editor.undo_stack.setClean()
            editor.close()
        window.close()
    finally:
        store.close()
    print(str(out))
    return 0
