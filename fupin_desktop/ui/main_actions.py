"""The main window's commands that open a dialog or a page, and its read-only mode.

:class:`MainActions` is mixed into :class:`~fupin_desktop.ui.main_window.MainWindow`: the window
builds its menus (``_build_menus``) and keeps the list, the selection and the household forms; the
commands here each open their own dialog (文件 → 打印 / 导入 Excel / 导出 Excel / 备份与恢复,
编辑 → 已删除的户, 设置, 数据交换, 帮助).  None of them relays a change: every dialog that writes
announces what its operation returned on the database's hub (``ui/changes.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLabel, QMainWindow, QMessageBox, QTableView, QWidget

from fupin_desktop import __version__, applog
from fupin_desktop.store import Store, StoreError
from fupin_desktop.ui.changes import announce

if TYPE_CHECKING:
    from fupin_desktop.ui.household_list import HouseholdListModel
    from fupin_desktop.ui.village_tree import VillageTree

log = logging.getLogger(__name__)


class MainActions(QMainWindow):
    """The dialog-opening commands of the main window (mixed in; see the module docstring)."""

    store: Store
    table: QTableView
    model: HouseholdListModel
    tree: VillageTree
    write_actions: list[QAction]

    if TYPE_CHECKING:  # supplied by MainWindow

        def selected_household_id(self) -> int | None:
            """The household selected in the list."""

        def _county_name(self) -> str | None:
            """The county's name when this is a county database."""

    def _action(self, text: str, slot: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        return act

    def _make_read_only(self) -> None:
        """A database opened read-only (chosen at start-up, or a write-protected disk): say so in
        the title and status bar, and switch off everything that would change it."""
        why = self.store.db.read_only_message("")
        for act in self.write_actions:
            act.setEnabled(False)
            act.setToolTip("数据库以只读方式打开，不能修改")
        self.read_only_label = QLabel("（只读）")
        self.read_only_label.setObjectName("read_only")
        self.read_only_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.read_only_label.setToolTip(why)
        self.statusBar().insertWidget(0, self.read_only_label)

    def open_recycle_bin(self) -> QWidget:
        """编辑 → 已删除的户: the deleted households, with who/when, restored on request."""
        from fupin_desktop.ui.recycle_bin import RecycleBinDialog

        self.recycle_bin = RecycleBinDialog(self.store, self)
        self.recycle_bin.setWindowModality(Qt.WindowModality.WindowModal)
        self.recycle_bin.show()
        return self.recycle_bin

    def open_print_centre(self) -> None:
        """文件 → 打印…: the print centre, on the selected household and the tree's village."""
        from fupin_desktop.ui.print_centre import PrintCentre

        selected = [self.model.household_id(i.row()) for i in self.table.selectionModel().selectedRows()]
        village_id, _group = self.tree.current_scope()
        if village_id is None and selected and selected[0] is not None:
            summary = next(iter(self.store.households.summaries([selected[0]])), None)
            village = self.store.townships.village_by_name(summary.village) if summary else None
            village_id = village.id if village else None
        centre = PrintCentre(self.store, self, household_id=self.selected_household_id(),
                             selected_ids=[i for i in selected if i is not None], village_id=village_id)
        centre.exec()

    def open_casework(self) -> QWidget:
        """工具 → 识别工作: the identification year's page (ui/casework_page.py)."""
        from fupin_desktop.ui.casework_page import open_casework_page

        self.casework_page = open_casework_page(self.store, self)
        return self.casework_page

    def open_sync_page(self) -> QWidget:
        """数据交换 → the exchange page (export, batches, feedback; at the county: import, conflicts)."""
        from fupin_desktop.ui.sync_page import open_sync_page

        self.sync_page = open_sync_page(self.store, self)
        return self.sync_page

    def import_excel(self) -> QWidget:
        """文件 → 导入 Excel…: the import wizard (window-modal, never blocks the event loop)."""
        from fupin_desktop.ui.import_wizard import ImportWizard

        self.import_wizard = ImportWizard(self.store, self)
        self.import_wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.import_wizard.show()
        return self.import_wizard

    def export_excel(self) -> QWidget:
        """文件 → 导出 Excel…: national roster, full layout or blank template."""
        from fupin_desktop.ui.export_dialog import ExportDialog

        self.export_dialog = ExportDialog(self.store, self)
        self.export_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.export_dialog.show()
        return self.export_dialog

    def edit_policy(self) -> bool:
        """设置 → 政策参数: the county's profile (the dialog announces the change)."""
        from fupin_desktop.ui.policy_dialog import PolicyDialog

        return bool(PolicyDialog(self.store, self).exec())

    def open_backups(self) -> QWidget:
        """文件 → 备份与恢复: the dated backups, 立即备份, 恢复所选…, 验证, folder and rotation."""
        from fupin_desktop.ui.backup_dialog import open_backup_dialog

        self.backup_dialog = open_backup_dialog(self)
        return self.backup_dialog

    def daily_backup(self) -> QObject:
        """The first start of the day: a 每日 backup off the GUI thread (see ui/backup_dialog.py)."""
        from fupin_desktop.ui.backup_dialog import start_daily_backup

        self.daily_op = start_daily_backup(self)
        return self.daily_op

    def set_operator(self) -> None:
        name, ok = QInputDialog.getText(self, "录入员", "录入员姓名（记入修改记录）：", text=self.store.operator)
        if ok:
            try:
                change = self.store.set_operator(name)
            except StoreError as exc:
                applog.refused(log, "set operator", exc)
                QMessageBox.warning(self, "录入员", f"录入员姓名没有保存：{exc}")
                return
            announce(self.store, change)

    def open_log_folder(self) -> bool:
        """帮助 → 打开日志文件夹: the log a technician asks for, in the system's file manager."""
        folder = applog.log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "日志文件夹", f"日志文件夹 {folder} 无法建立（{exc.strerror or exc}）。")
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            QMessageBox.information(self, "日志文件夹", f"日志文件在：\n{folder}")
            return False
        return True

    def about(self) -> None:
        QMessageBox.about(
            self, "关于",
            f"扶贫建档立卡 {'县级版' if self._county_name() else '乡镇版'} {__version__}\n\n"
            "录入《扶贫手册》，离线保存，数据不出本机。",
        )
