"""文件 → 备份与恢复: the backups of this database, 立即备份, 恢复所选…, 验证, the folder and rotation.

Backing up and restoring run off the GUI thread (``ops.QueryOp`` / ``ops.StoreOp``) on a connection
of the worker's own; the window only lists labels (store/backups.py reads them through SQLite).
Before a restore the main window is asked to close open household forms
(``before_restore() -> bool``); the restore's change (``ui/changes.py``) makes every view reload.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.store import Store, StoreError, backups
from fupin_desktop.store.backups import BackupInfo, Rotation
from fupin_desktop.store.restore import RestoreResult, restore
from fupin_desktop.ui.ops import BackgroundOp, QueryOp, StoreOp

COLUMNS = ("备份时间", "原因", "大小", "户数", "人数", "状态", "文件名")
WIDTHS = (140, 80, 80, 60, 60, 170)


def size_text(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(size, 1) // 1024} KB"


def status_text(info: BackupInfo) -> str:
    if info.problem is not None:
        return f"有问题：{info.problem}"
    return "已验证" if info.verified_at else "未验证"


class BackupDialog(QDialog):
    restored = Signal(object)  # the RestoreResult, after a restore
    changed = Signal()  # a backup was made or the list changed

    def __init__(self, store: Store, parent: QWidget | None = None,
                 before_restore: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.before_restore = before_restore or (lambda: True)
        self.op: BackgroundOp | None = None
        self.backups: list[BackupInfo] = []
        self.setObjectName("backup_dialog")
        self.setWindowTitle("备份与恢复")
        self.resize(900, 560)
        layout = QVBoxLayout(self)

        intro = QLabel("每天第一次启动、导入 Excel、同步导入、导入政策参数和程序升级之前，都会自动备份。"
                       "恢复时会先把当前数据再备份一份（原因“恢复前”），需要时可以恢复回来。")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("backup_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col, width in enumerate(WIDTHS):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.restore_selected())
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.backup_button = QPushButton("立即备份")
        self.restore_button = QPushButton("恢复所选…")
        self.verify_button = QPushButton("验证")
        self.verify_button.setToolTip("重新检查所选的备份（未选时检查全部）是否完好")
        self.open_button = QPushButton("打开备份文件夹")
        self.close_button = QPushButton("关闭")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.verify_button.clicked.connect(self.verify)
        self.open_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.accept)
        for b in (self.backup_button, self.restore_button, self.verify_button, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        layout.addWidget(self._settings_box())
        self.reload()

    def _settings_box(self) -> QGroupBox:
        box = QGroupBox("设置")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("备份文件夹"))
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("backup_folder")
        self.folder_edit.setReadOnly(True)
        row.addWidget(self.folder_edit, 1)
        choose = QPushButton("更改…")
        choose.setToolTip("例如 U 盘上的一个文件夹；电脑坏了也不丢数据")
        choose.clicked.connect(self.choose_folder)
        default = QPushButton("恢复默认")
        default.clicked.connect(lambda: self.set_folder(None))
        row.addWidget(choose)
        row.addWidget(default)
        lay.addLayout(row)

        keep = rotation_of(self.store)
        row = QHBoxLayout()
        self.keep_last, self.keep_days, self.keep_months = (
            _spin(keep.last), _spin(keep.days), _spin(keep.months))
        for widget in (QLabel("保留最近"), self.keep_last, QLabel("份，另外每天保留一份、共"), self.keep_days,
                       QLabel("天，每月保留一份、共"), self.keep_months, QLabel("个月。更早的自动备份会被删除。")):
            row.addWidget(widget)
        row.addStretch(1)
        for spin in (self.keep_last, self.keep_days, self.keep_months):
            spin.editingFinished.connect(self.save_rotation)
        lay.addLayout(row)
        return box

    # -- list -------------------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return backups.folder(self.store.db)

    def reload(self, problems: dict[Path, str | None] | None = None) -> None:
        self.folder_edit.setText(str(self.folder))
        code, _ = backups.identity(self.store.db.conn)
        self.backups = backups.list_backups(self.folder, township_code=code or None)
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            if problems is not None and info.path in problems:
                info.problem = problems[info.path]
            counted = info.problem is None
            cells = (info.local_time, info.reason, size_text(info.size), str(info.households) if counted else "—",
                     str(info.persons) if counted else "—", status_text(info), info.path.name)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col in (5, 6) else "")
                if col in (2, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if info.problem is not None:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, item)
        if self.backups and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        busy = self.op is not None
        chosen = self.selected()
        self.restore_button.setEnabled(not busy and chosen is not None and chosen.problem is None)
        self.backup_button.setEnabled(not busy)
        self.verify_button.setEnabled(not busy and bool(self.backups))

    # -- actions ---------------------------------------------------------------------------------------
    def _run(self, label: str, work: Callable[..., Any], done: Callable[[Any], None], title: str,
             cancellable: bool = False, *, reads: bool = False, writes: bool = False) -> None:
        """``work(progress, cancelled)``; or ``work(own, progress, cancelled)`` on the worker's own
        connection when it ``reads`` (QueryOp) or ``writes`` (StoreOp: what its result changed is
        announced)."""
        def failed(exc: BaseException) -> None:
            self.op = None
            self._update_buttons()
            QMessageBox.warning(self, title, str(exc) if isinstance(exc, (StoreError, OSError))
                                else f"{title}没有完成（{type(exc).__name__}：{exc}）。当前数据没有改动。")

        def succeeded(result: Any) -> None:
            self.op = None
            done(result)

        if writes:
            self.op = StoreOp[Any](self, label, self.store, work, succeeded, failed, title=title,
                                   cancellable=cancellable)
        elif reads:
            self.op = QueryOp[Any](self, label, self.store, work, succeeded, failed, title=title,
                                   cancellable=cancellable)
        else:
            self.op = BackgroundOp(self, label, work, succeeded, failed, cancellable=cancellable)
        self._update_buttons()
        self.op.start()

    def backup_now(self) -> None:
        def work(own: Store, progress: Any, cancelled: Any) -> BackupInfo:
            return backups.create(own.db, backups.MANUAL)

        def done(info: BackupInfo) -> None:
            self.reload()
            self._select(info.path)
            self.changed.emit()
            QMessageBox.information(self, "立即备份", f"已备份并检查无误：\n{info.path}\n"
                                                     f"（{info.households} 户 {info.persons} 人）")

        self._run("正在备份…", work, done, "立即备份", reads=True)

    def restore_selected(self) -> None:
        info = self.selected()
        if info is None or info.problem is not None or self.op is not None:
            return
        answer = QMessageBox.question(
            self, "恢复备份",
            f"用 {info.local_time} 的备份（{info.reason}，{info.households} 户 {info.persons} 人）替换当前数据吗？\n\n"
            "当前数据会先自动备份一份（原因“恢复前”），需要时可以再恢复回来。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes or not self.before_restore():
            return
        path = info.path

        def work(own: Store, progress: Any, cancelled: Any) -> RestoreResult:
            return restore(own.db, path)

        def done(result: RestoreResult) -> None:
            self.reload()
            self.restored.emit(result)
            kept = f"\n恢复前的数据已备份为 {result.safety.path.name}。" if result.safety else ""
            QMessageBox.information(self, "恢复备份", f"已恢复 {result.restored.local_time} 的备份："
                                                     f"{result.households} 户 {result.persons} 人。{kept}")

        self._run("正在恢复…（请勿关闭程序）", work, done, "恢复备份", writes=True)

    def verify(self) -> None:
        chosen = self.selected()
        paths = [chosen.path] if chosen is not None else [b.path for b in self.backups]

        def work(progress: Any, cancelled: Any) -> dict[Path, str | None]:
            found: dict[Path, str | None] = {}
            for done, path in enumerate(paths):
                if cancelled():
                    break
                found[path] = backups.verify(path).problem
                progress(done + 1, len(paths))
            return found

        def done(found: dict[Path, str | None]) -> None:
            self.reload(found)
            bad = [p.name for p, problem in found.items() if problem]
            if bad:
                QMessageBox.warning(self, "验证", f"检查了 {len(found)} 份备份，{len(bad)} 份有问题："
                                                 f"{'、'.join(bad)}。请不要用它们恢复。")
            else:
                QMessageBox.information(self, "验证", f"检查了 {len(found)} 份备份，都完好。")

        self._run("正在验证备份…", work, done, "验证", cancellable=True)

    def open_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "打开备份文件夹", f"无法打开 {self.folder}（{exc.strerror or exc}）。"
                                                       "请选择另一个备份文件夹。")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择备份文件夹", str(self.folder))
        if chosen:
            self.set_folder(chosen)

    def set_folder(self, path: str | None) -> None:
        try:
            backups.set_folder(self.store.db, path)
        except StoreError as exc:
            QMessageBox.warning(self, "备份文件夹", str(exc))
        self.reload()

    def save_rotation(self) -> None:
        keep = Rotation(self.keep_last.value(), self.keep_days.value(), self.keep_months.value())
        if keep == rotation_of(self.store):
            return
        try:
            backups.set_rotation(self.store.db, keep)
        except StoreError as exc:
            QMessageBox.warning(self, "备份保留份数", str(exc))

    def _select(self, path: Path) -> None:
        for row, info in enumerate(self.backups):
            if info.path == path:
                self.table.selectRow(row)

    def reject(self) -> None:  # Esc: not while a backup or restore runs
        if self.op is None:
            super().reject()

    def accept(self) -> None:
        if self.op is None:
            self.save_rotation()
            super().accept()


def rotation_of(store: Store) -> Rotation:
    return backups.rotation(store.db)


def _spin(value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, backups.ROTATION_LIMIT)
    spin.setValue(value)
    spin.setMinimumWidth(70)
    return spin


# -- what the main window asks for ----------------------------------------------------------------
def open_backup_dialog(window: Any) -> BackupDialog:
    """The dialog over the main window: open forms are closed before a restore (the window reloads
    itself on the restore's change, ui/changes.py)."""
    dialog = BackupDialog(window.store, window, before_restore=lambda: close_editors(window))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


def close_editors(window: Any) -> bool:
    """Open household forms would write their (older) data back over the restored data: close them
    first; a form with unsaved changes asks as usual.  False if the clerk keeps one open."""
    if not window.editors:
        return True
    answer = QMessageBox.question(
        window, "恢复备份", f"恢复前要先关闭打开的 {len(window.editors)} 个户档案窗口。"
        "有未保存修改的窗口会询问是否保存（保存的内容也会随当前数据先备份）。现在关闭吗？",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    return all(editor.close() for editor in list(window.editors.values()))


def start_daily_backup(window: Any) -> BackgroundOp:
    """A 每日 backup off the GUI thread (none for an empty database or when one was made today);
    a failure is said in the status bar and a message, and the program goes on."""
    store = window.store

    def work(own: Store, progress: Any, cancelled: Any) -> BackupInfo | None:
        return backups.daily(own.db)

    def done(info: BackupInfo | None) -> None:
        if info is not None:
            window.statusBar().showMessage(f"已做每日备份：{info.path.name}", 10_000)

    def failed(exc: BaseException) -> None:
        window.statusBar().showMessage("每日备份没有完成", 0)
        QMessageBox.warning(window, "每日备份", f"每日自动备份没有完成：{exc}\n数据没有受影响。请在“文件 → "
                            "备份与恢复”中选择另一个备份文件夹（如 U 盘），或清理磁盘空间。")

    op = QueryOp[BackupInfo | None](window, "正在做每日备份…", store, work, done, failed, cancellable=False)
    op.start()
    return op
