"""GUI wiring: QApplication, fonts, opening the database safely, first-run set-up, screenshots."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from fupin_desktop import applog, fileio, inuse, services
from fupin_desktop.store import (
    READ_ONLY_MEDIUM,
    DatabaseCorrupt,
    DatabaseTooNew,
    Store,
    StoreError,
    StoreWriteError,
)

log = logging.getLogger(__name__)

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
    """The QApplication (created once), with bundled fonts, Qt's Chinese texts and the app style."""
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.ui.fonts import apply_default_font
    from fupin_desktop.ui.translations import install_translations

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("扶贫建档立卡")
        app.setOrganizationName("fupin-desktop")
        app.setStyle("Fusion")
        install_translations(app)  # Qt's own buttons and dialogs in Chinese
        apply_default_font(app)  # type: ignore[arg-type]
        app.setStyleSheet(APP_STYLESHEET)  # type: ignore[attr-defined]
    return app


def show_uncaught(kind: type[BaseException], exc: BaseException, tb: object) -> None:
    """``sys.excepthook`` of the GUI: an error no handler caught (a database that is full, read-only
    or locked, a file that cannot be written, in some rarely used dialog) is shown to the clerk as a
    Chinese message, never as a traceback; the traceback goes to the log (the windowed build has no
    console) and to stderr for the technician."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fupin_desktop.fileio import WriteError

    log.error("uncaught exception in the GUI", exc_info=(kind, exc, tb))  # type: ignore[arg-type]
    if sys.stderr is not None:  # the windowed Windows build has none
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


#: The lock files this GUI holds (``<db>.inuse``) while it runs; the OS drops them if it dies.
_held: list[inuse.InUseLock] = []
READ_ONLY, ANYWAY = "只读打开", "仍然打开"


def release_locks() -> None:
    while _held:
        _held.pop().release()


def ask_in_use(holder: inuse.Holder, path: Path) -> str | None:
    """Another running program holds ``path``: read-only, open anyway, or quit (``None``)."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "数据库正在使用",
                      f"数据库正在被另一个程序使用：{holder.describe()}。\n\n{path}")
    box.setObjectName("database_in_use")
    box.setInformativeText(
        "“只读打开”：可以查找、查看、打印和导出，不能修改。\n"
        "“仍然打开”：两边都可以修改；两处同时修改同一户时，后保存的一方会被拒绝并保留草稿。\n"
        "“退出”：不打开。")
    read_only = box.addButton(READ_ONLY, QMessageBox.ButtonRole.AcceptRole)
    anyway = box.addButton(ANYWAY, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(read_only)
    box.exec()
    clicked = box.clickedButton()
    return READ_ONLY if clicked is read_only else ANYWAY if clicked is anyway else None


def _open_held(path: Path) -> Store | None:
    """Open ``path``, first taking its in-use lock; if another program holds it, ask.  ``None``:
    the clerk chose to quit."""
    lock = inuse.InUseLock(path)
    read_only = False
    for attempt in range(3):
        if lock.acquire():
            break
        holder = lock.holder()
        if holder is None and attempt < 2:
            continue  # it let go meanwhile: take it
        choice = ask_in_use(holder or inuse.Holder(), path)
        if choice is None:
            return None
        read_only = choice == READ_ONLY
        break
    from fupin_desktop.store import cipher

    if cipher.is_encrypted(path) and cipher.key_for(path) is None:  # (the dialog's modules only then)
        from fupin_desktop.ui.encryption_dialog import unlock_interactive

        if not unlock_interactive(path):  # an encrypted database: a user's password opens it (issue 18)
            lock.release()
            return None
    try:
        store = Store(path, read_only=read_only, check=False)  # checked after the window is up
    except BaseException:
        lock.release()
        raise
    if lock.held:
        _held.append(lock)
    return store


def open_store_interactive(path: Path) -> Store | None:
    """Open the database; on a bad file explain and offer another file or quit (never loop).
    A database another running program holds is said so first (read-only, open anyway, quit)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    while True:
        try:
            store = _open_held(path)
            if store is not None and store.db.read_only_reason == READ_ONLY_MEDIUM:
                QMessageBox.information(None, "只读打开", store.db.read_only_message(""))
            return store
        except (DatabaseCorrupt, DatabaseTooNew, StoreError) as exc:
            applog.refused(log, "open database", exc, file=path)
            box = QMessageBox(QMessageBox.Icon.Critical, "无法打开数据库", str(exc))
            retry = None
            if isinstance(exc, StoreWriteError):  # full, read-only, locked, a disk error: not damaged
                box.setInformativeText("数据库文件没有损坏，请不要用备份覆盖它。按上面的提示处理后选“重试”；"
                                       "也可以选择其他数据库文件、新建一个数据库，或退出程序。这个文件不会被改动。")
                retry = box.addButton("重试", QMessageBox.ButtonRole.AcceptRole)
            else:
                box.setInformativeText("可以选择其他数据库文件打开（例如备份文件夹 backups 里的备份），"
                                       "新建一个数据库，或退出程序。这个文件不会被改动。")
            other = box.addButton("选择其他数据库…", QMessageBox.ButtonRole.ActionRole)
            new = box.addButton("新建数据库…", QMessageBox.ButtonRole.ActionRole)
            box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if retry is not None and box.clickedButton() is retry:
                continue
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

    from fupin_desktop.store.changes import Changed
    from fupin_desktop.ui.ops import StoreOp
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

    def work(own: Store, progress: Any, cancelled: Any) -> Changed[int]:
        return build_demo(own, households=300, progress=progress, cancelled=cancelled)

    loop = QEventLoop()
    failure: list[BaseException] = []
    op = StoreOp[Changed[int]](None, "正在生成示范数据（茶坝乡）…", store, work, on_failure=failure.append)
    op.finished.connect(loop.quit)
    op.start()
    loop.exec()
    if failure:
        applog.refused(log, "build demo", failure[0])
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


def run_gui(db: str | None = None, screenshot: str | None = None, household: int | None = None,
            database: str | None = None) -> int:
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    applog.configure()  # idempotent: ``fupin`` has configured it already
    if not screenshot:
        applog.keep_crash_traces()
    log.info("gui%s qt=%s pyside=%s", " --screenshot" if screenshot else "", *qt_versions())
    if database is not None:  # the county (province) window on its PostgreSQL server (ui/receiving_app.py)
        from fupin_desktop.ui.receiving_app import run_receiving

        return run_receiving(app, database, screenshot)
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
        release_locks()
        return 0
    from fupin_desktop.ui.login_dialog import login_at_start

    if not login_at_start(store):  # issue 18: who works, with which role (the first start makes the 管理员)
        store.close()
        release_locks()
        return 0
    from PySide6.QtCore import QTimer

    from fupin_desktop.ui.integrity import check_integrity, warm_up
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(store)
    window.show()

    def after_show() -> None:
        """What need not stand between the clerk and the window starts on the event loop's first
        turn, once the window is up: the daily backup and the integrity check (both off the GUI
        thread), the warm-up of the form's modules, the unsaved new households reopened."""
        window.daily_backup()
        check_integrity(window)
        warm_up()
        window.reopen_unsaved_new_households()

    QTimer.singleShot(0, after_show)
    code = app.exec()  # type: ignore[attr-defined]
    store.close()
    release_locks()
    return int(code)


def qt_versions() -> tuple[str, str]:
    """(Qt, PySide6) versions, for the start-up lines of the log."""
    import PySide6
    from PySide6.QtCore import qVersion

    return qVersion(), PySide6.__version__


def _screenshot(path: Path, out: Path, household: int | None) -> int:
    """Render the main window (or a household's form) offscreen to a PNG."""
    from PySide6.QtWidgets import QApplication, QWidget

    from fupin_desktop.ui.main_window import MainWindow

    if not path.exists():
        print(f"错误：数据库 {path} 不存在", file=sys.stderr)
        return 2
    store = Store(path)
    try:
        window = MainWindow(store)
        window.offer_drafts = False  # offscreen, nobody could answer: show what is saved
        window.show()
        target: QWidget = window
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
