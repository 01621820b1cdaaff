"""Main window: village tree, searchable household list, menus and status bar (the commands that
open a dialog or page live in ui/main_actions.py, mixed in).

The window relays no changes: whatever writes announces a :class:`~fupin_desktop.store.changes.Change`
on the database's hub (``ui/changes.py``); the list, the village tree and the 数据质量 window
refresh themselves, and :meth:`MainWindow.on_change` keeps the title, the status bar, the
selection and 撤销删除户 in step.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.household import Household
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui import years_menu
from fupin_desktop.ui.background import Fetch
from fupin_desktop.ui.changes import announce, hub
from fupin_desktop.ui.household_list import HouseholdListModel
from fupin_desktop.ui.list_filters import FilterBar
from fupin_desktop.ui.login_dialog import Rights, who
from fupin_desktop.ui.main_actions import MainActions
from fupin_desktop.ui.users_dialog import UsersDialog
from fupin_desktop.ui.village_tree import VillageTree

if TYPE_CHECKING:  # the form's widgets are imported when a household is first opened (or warmed up)
    from fupin_desktop.ui.household_editor import DraftChoice, HouseholdEditor
    from fupin_desktop.ui.quality_view import QualityWindow

log = logging.getLogger(__name__)
SEARCH_DELAY_MS = 250
#: Household list column widths by column key (the county database adds 乡镇).
COLUMN_WIDTHS = {"number": 180, "township": 80, "village": 80, "group": 80, "head_name": 90, "head_id_number": 170,
                 "size": 70, "exit_flag": 150, "household_type": 110, "per_capita_income": 120, "updated_at": 130}


def _page(name: str) -> Any:
    """A page's module under fupin_desktop/ui, imported when the clerk first opens it: the window
    comes up without Excel (openpyxl) and PDF (reportlab) loaded."""
    return importlib.import_module(f"fupin_desktop.ui.{name}")


#: The status bar's totals: households, persons, villages, townships (at the county).
Counts = tuple[int, int, int, int]


def _counts(store: Store) -> Counts:
    """Read on a worker at county scale (``store`` is then the worker's own reader)."""
    return (store.households.count(), store.households.person_count(), len(store.townships.villages()),
            len(store.sync.townships()))


class MainWindow(MainActions):
    #: whether opening a household offers its unsaved draft (not while rendering a screenshot)
    offer_drafts = True
    act_carry: QAction  # 年度 → 结转下一年度 (made by ui/years_menu.py)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.editors: dict[str, HouseholdEditor] = {}
        self.quality: QualityWindow | None = None  # 工具 → 数据质量, made on first use
        self._last_deleted: int | None = None  # 编辑 → 撤销删除户 restores it
        self.setWindowTitle(self._title())
        self.resize(1280, 780)

        self.tree = VillageTree(store)
        self.model = HouseholdListModel(store, self)
        self.model.deferred = True
        self.table = QTableView()
        self.table.setObjectName("household_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        for col, (key, label) in enumerate(self.model.columns):  # never narrower than the title
            header.resizeSection(col, max(COLUMN_WIDTHS.get(key, 100), header.fontMetrics().horizontalAdvance(label) + 28))
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda idx: self.open_household(self.model.household_id(idx.row())))

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("查找：姓名、拼音首字母（如 zs）、身份证号片段或户编号    Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self._apply_search())
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_enter)

        right = QWidget()
        lay = QVBoxLayout(right)
        lay.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("查找"))
        top.addWidget(self.search, 1)
        self.filters = FilterBar(store, self.model, self.table)  # 年度/脱贫状态/贫困户属性 (ui/list_filters.py)
        top.addWidget(self.filters)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)

        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1020])
        self.setCentralWidget(splitter)
        self.tree.scope_changed.connect(self._on_scope)
        self._open_when_ready = False
        self._reselect: int | None = None  # the household to select again after the list reloads
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.refreshed.connect(self._on_list_refreshed)
        self.model.busy.connect(self._on_list_busy)

        self.status_db = QLabel()
        self.status_counts = QLabel()
        self._known_counts: Counts | None = None
        self._county_name_known = False
        self._counts: Fetch[Counts] = Fetch(store, "status-counts", self._show_counts, parent=self)
        self.statusBar().addWidget(self.status_db, 1)
        self.statusBar().addPermanentWidget(self.status_counts)
        self._build_menus()
        if store.read_only:
            self._make_read_only()
        self.model.deferred = False
        self.model.refresh()
        self.update_status()
        hub(store).changed.connect(self.on_change)

    # -- menus (the commands they run: ui/main_actions.py) ------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        self.act_new = self._action("新建户(&N)", self.new_household, QKeySequence.StandardKey.New)
        self.act_open = self._action("打开户档案(&O)", self.open_selected, "Return")
        self.act_open.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(self.act_open)
        self.act_delete = self._action("删除户(&D)", self.delete_selected, QKeySequence.StandardKey.Delete)
        self.act_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(self.act_delete)
        file_menu.addActions([self.act_new, self.act_open, self.act_delete])
        file_menu.addSeparator()
        self.act_print = self._action("打印(&P)…", self.open_print_centre, QKeySequence.StandardKey.Print)
        file_menu.addAction(self.act_print)
        self.act_import_excel = self._action("导入 Excel(&I)…", self.import_excel)
        self.act_export_excel = self._action("导出 Excel(&E)…", self.export_excel)
        file_menu.addActions([self.act_import_excel, self.act_export_excel])
        self.act_backups = self._action("备份与恢复(&B)…", self.open_backups)
        file_menu.addAction(self.act_backups)
        file_menu.addSeparator()
        file_menu.addAction(self._action("退出(&X)", self.close, "Ctrl+Q"))

        edit_menu = bar.addMenu("编辑(&E)")
        edit_menu.addAction(self._action("查找(&F)", self.focus_search, QKeySequence.StandardKey.Find))
        edit_menu.addAction(self._action("刷新(&R)", self.refresh, QKeySequence.StandardKey.Refresh))
        edit_menu.addSeparator()
        self.act_undo_delete = self._action("撤销删除户(&U)", self.undo_delete, QKeySequence.StandardKey.Undo)
        self.act_undo_delete.setEnabled(False)
        edit_menu.addAction(self.act_undo_delete)
        edit_menu.addAction(self._action("已删除的户(&T)…", self.open_recycle_bin))

        tools_menu = bar.addMenu("工具(&T)")
        self.act_quality = self._action("数据质量(&Q)…", self.open_quality, "Ctrl+Shift+Q")
        tools_menu.addAction(self.act_quality)
        self.act_education = self._action(
            "教育资助(&E)…", lambda: _page("education_page").open_education_window(self, self.store))
        tools_menu.addAction(self.act_education)
        self.act_audit = self._action("操作记录(&A)…", self.open_audit)  # ui/audit_view.py
        tools_menu.addAction(self.act_audit)
        self.act_encryption = self._action(  # issue 18: 加密数据库 / 解密数据库 (ui/encryption_dialog.py)
            "解密数据库(&K)…" if getattr(self.store.db, "key", None) else "加密数据库(&K)…",
            lambda: _page("encryption_dialog").toggle_encryption(self))
        tools_menu.addAction(self.act_encryption)
        self.act_casework = self._action("识别工作(&W)…", self.open_casework, "Ctrl+Shift+W")
        self.act_village_form = self._action("贫困村登记表(&V)…", lambda: _page("village_form").open_from(self))
        self.act_stats = self._action("统计(&S)…", lambda: _page("stats_page").open_from(self), "Ctrl+Shift+T")
        self.act_village_cases = self._action(  # issue 17: 贫困村识别与退出
            "贫困村识别与退出…", lambda: _page("village_cases").open_dialog(self.store, parent=self))
        tools_menu.addActions([self.act_casework, self.act_village_form, self.act_stats, self.act_village_cases])

        settings_menu = bar.addMenu("设置(&S)")
        self.act_operator = self._action("录入员姓名(&U)…", self.set_operator)
        settings_menu.addAction(self.act_operator)
        self.act_policy = self._action("政策参数(&P)…", self.edit_policy)
        settings_menu.addAction(self.act_policy)
        self.act_users = self._action("用户管理(&M)…", lambda: UsersDialog(self.store, self).exec())
        settings_menu.addAction(self.act_users)
        self.act_operator.setVisible(not self.store.accounts.users.any())  # once users exist: the login's name

        sync_menu = bar.addMenu("数据交换(&Y)")
        self.act_sync = self._action("县乡数据交换(&Y)…", self.open_sync_page)
        sync_menu.addAction(self.act_sync)

        years_menu.install(self)  # 年度: switch, carry over, earlier years, review (ui/years_menu.py)

        help_menu = bar.addMenu("帮助(&H)")
        help_menu.addAction(self._action("打开日志文件夹(&L)", self.open_log_folder))
        help_menu.addSeparator()
        help_menu.addAction(self._action("关于(&A)", self.about))

        tools = self.addToolBar("常用")
        tools.setObjectName("main_toolbar")
        tools.setMovable(False)
        tools.addActions([self.act_new, self.act_open, self.act_delete])
        #: actions that change the database: disabled when it is open read-only (add new ones here)
        self.write_actions = [self.act_new, self.act_delete, self.act_import_excel, self.act_policy,
                              self.act_sync, self.act_operator, self.act_users]
        # A PostgreSQL receiving database (issue 19) offers the list, the forms, 数据质量: the rest is greyed out.
        unavailable = [act for act, feature in (
            (self.act_print, "print"), (self.act_export_excel, "excel"), (self.act_backups, "backups"),
            (self.act_audit, "audit"), (self.act_education, "education"), (self.act_stats, "stats"),
            (self.act_casework, "casework"), (self.act_village_form, "village_form"),
            (self.act_village_cases, "casework"), (self.act_encryption, "encryption"))
            if not self.store.offers(feature)]
        self.rights = Rights(self.store, {
            Action.DELETE_HOUSEHOLD: self.act_delete, Action.IMPORT_EXCEL: self.act_import_excel,
            Action.POLICY: self.act_policy, Action.BACKUP: self.act_backups, Action.SYNC: self.act_sync,
            Action.USERS: self.act_users, Action.READ_AUDIT: self.act_audit,
            Action.CARRY_OVER: self.act_carry, Action.ENCRYPTION: self.act_encryption},
            writes=[*self.write_actions, self.act_carry, self.act_encryption], unavailable=unavailable)
        self.rights.refresh()
        for menu in bar.findChildren(QMenu):  # a role changed elsewhere shows when a menu opens
            menu.aboutToShow.connect(self.rights.refresh)

    # -- list -------------------------------------------------------------------
    def _county_name(self) -> str | None:
        """The county's name when this is a county database (it collects every township's households)."""
        county = self.store.sync.county()
        return county.name if county is not None and county.own else None

    def _title(self) -> str:
        county = self._county_name()
        if county is not None:
            return f"扶贫建档立卡 县级数据库：{county} — {Path(self.store.path).name}" + (
                "（只读）" if self.store.read_only else "")
        town = self.store.townships.get()
        name = town.name if town else ""
        ro = "（只读）" if self.store.read_only else ""
        return f"扶贫建档立卡 {name}{years_menu.year_title(self.store)} — {Path(self.store.path).name}{ro}"

    def _on_scope(self, village_id: int | None, group: str | None, township_code: str | None = None) -> None:
        self.model.set_filter(village_id=village_id, group=group, township_code=township_code)

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text())

    def _remember_selection(self) -> None:
        if self._reselect is None:
            self._reselect = self.selected_household_id()

    def _on_list_refreshed(self) -> None:
        self._show_list_count()  # the totals follow writes (on_change), not searches
        wanted, self._reselect = self._reselect, None
        row = self.model.row_of(wanted) if wanted is not None else None
        if row is not None:
            self.table.selectRow(row)
        elif self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        if self._open_when_ready:
            self._open_when_ready = False
            if self.model.rowCount() == 1:
                self.open_selected()
            elif self.model.rowCount():
                self.table.setFocus()

    def _on_list_busy(self, busy: bool) -> None:
        if busy:
            self.status_counts.setText("正在查找…")

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self._open_when_ready = True  # acted on when the (possibly background) search is done
        self._apply_search()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        """编辑 → 刷新: read everything again (another program may have written); the selection stays."""
        self.tree.reload()
        self.model.refresh()
        self.update_status()

    def on_change(self, change: Change) -> None:
        """Any write announced on the hub: the title, the status bar, the selection and 撤销删除户.
        (The list, the village tree and 数据质量 refresh themselves.)"""
        self.setWindowTitle(self._title())
        self.update_status()
        if change.kind is ChangeKind.BACKUP_RESTORE or (
                change.kind is ChangeKind.RESTORE and self._last_deleted in change.households):
            self._last_deleted = None
            self.act_undo_delete.setEnabled(False)
        if change.kind not in (ChangeKind.SAVE, ChangeKind.RESTORE) or len(change.households) != 1:
            return
        [household_id] = change.households
        row = self.model.row_of(household_id)
        if row is not None:
            self.table.selectRow(row)
        elif self.model.loading:  # a county's list reloads in the background: selected when it is back
            self._reselect = household_id
        if change.kind is ChangeKind.RESTORE:
            summary = next(iter(self.store.households.summaries([household_id])), None)
            if summary is not None:
                self.statusBar().showMessage(
                    f"已恢复 {summary.head_name}（户编号 {summary.number}），双击即可打开。", 30000)

    def update_status(self) -> None:
        county = self._county_name()
        self._county_name_known = county is not None
        where = f"县级数据库：{county}    " if county is not None else ""
        self.status_db.setText(f"{where}数据库：{self.store.path}    {who(self.store)}")
        if self.model.large:  # counting 100,000 households: off the GUI thread (ui/background.py)
            self._counts.start(_counts)
            self._show_counts(self._known_counts)
        else:
            self._show_counts(_counts(self.store))

    def _show_counts(self, counts: Counts | None) -> None:
        """The status bar's counts; ``None``: still being counted (the last ones known stay meanwhile)."""
        self._known_counts = counts
        self._show_list_count()

    def _show_list_count(self) -> None:
        """The status bar with the list's own count (no database read: the counts are kept)."""
        counts = self._known_counts
        total, persons, villages, townships = counts if counts is not None else ("…", "…", "…", "…")
        where = f"{townships} 个乡镇 · " if self._county_name_known else ""
        self.status_counts.setText(
            f"{where}{villages} 个村 · 共 {total} 户 {persons} 人 · 当前列表 {self.model.rowCount()} 户"
        )

    def selected_household_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.household_id(rows[0].row()) if rows else None

    # -- actions ------------------------------------------------------------------
    def open_selected(self) -> None:
        if self.filters.open_selected() is None:  # a closed year's row opens read-only (ui/list_filters.py)
            self.open_household(self.selected_household_id())

    def open_household(self, household_id: int | None) -> HouseholdEditor | None:
        if household_id is None:
            return None
        hh = self.store.households.get(household_id)
        if hh is None:
            QMessageBox.warning(self, "打开户档案", "找不到该户，可能已被删除。")
            self.refresh()  # deleted by another program: nothing announced it here
            return None
        self._select(household_id)
        return self._show_editor(hh)

    def _select(self, household_id: int) -> None:
        """Its row selected in the list, as a double-click leaves it (not first at its save)."""
        row = self.model.row_of(household_id)
        if row is not None and not self.table.selectionModel().isRowSelected(row):
            self.table.selectRow(row)

    def new_household(self) -> HouseholdEditor | None:
        villages = self.store.townships.villages()
        if not villages:
            QMessageBox.information(self, "新建户", "还没有设置村，请先完成乡镇设置。")
            return None
        village_id, group = self.tree.current_scope()
        village = next((v for v in villages if v.id == village_id), None)
        hh = Household(fields={"village": village.name if village else None, "group": group})
        # At the county the village's own township, not the county database's name.
        hh.fields.update(self.store.households.place(village.id if village else None))
        return self._show_editor(hh)

    def reopen_unsaved_new_households(self) -> list[HouseholdEditor]:
        """At start-up: new households typed but never saved (closed as a draft, or the program died)
        live only in their drafts, and nothing in the list opens them: offer them (not read-only)."""
        if self.store.read_only:
            return []
        drafts = [d for d in self.store.drafts.all()
                  if d.household_id is None and self.store.households.id_for_uuid(d.key) is None]
        if not drafts:
            return []
        answer = QMessageBox.question(
            self, "未保存的新户",
            f"有 {len(drafts)} 户新录入的档案还没有保存（留作草稿，或程序被关闭、断电），录入的内容都在。\n"
            "现在打开继续录入吗？\n选“否”则先不打开，下次启动时再问。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return []
        return [self._show_editor(Household(uuid=d.key), draft="restore") for d in drafts]

    def _show_editor(self, hh: Household, draft: DraftChoice = "ask") -> HouseholdEditor:
        existing = self.editors.get(hh.uuid)
        if existing is not None:
            existing.raise_()
            existing.activateWindow()
            return existing
        from fupin_desktop.ui.household_editor import HouseholdEditor

        editor = HouseholdEditor(self.store, hh, parent=self, draft=draft if self.offer_drafts else "keep")
        self.editors[hh.uuid] = editor
        editor.closed.connect(lambda uuid: self.editors.pop(uuid, None))
        editor.show()
        return editor

    def delete_selected(self) -> None:
        household_id = self.selected_household_id()
        if household_id is None:
            return
        s = self.model.summary(self.table.currentIndex().row())
        name = f"{s.head_name}（户编号 {s.number}）" if s else ""
        answer = QMessageBox.question(
            self, "删除户", f"确定删除 {name} 这一户吗？\n删除后不再出现在列表中，但修改记录会保留。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        # An open form would bring the household back on its next save: close it first (it asks).
        editor = next((e for e in self.editors.values() if e.household.id == household_id), None)
        if editor is not None and not editor.close():
            return
        try:
            change = self.store.households.delete(household_id, self.store.operator)
        except StoreError as exc:
            applog.refused(log, "delete household", exc, household=household_id)
            QMessageBox.warning(self, "删除户", str(exc))
            self.refresh()  # perhaps deleted elsewhere meanwhile
            return
        log.info("household deleted household=%d", household_id)
        self._last_deleted = household_id
        self.act_undo_delete.setEnabled(True)
        announce(self.store, change)
        self.statusBar().showMessage(f"已删除 {name}。按 Ctrl+Z 撤销，或在 编辑 → 已删除的户 中恢复。", 30000)

    def undo_delete(self) -> bool:
        """编辑 → 撤销删除户 (Ctrl+Z): restore the household this window deleted last."""
        from fupin_desktop.ui.recycle_bin import restore_household

        item = self.store.recycle.get(self._last_deleted) if self._last_deleted is not None else None
        if item is None:  # restored meanwhile (the recycle bin, another program)
            self.act_undo_delete.setEnabled(False)
            return False
        return restore_household(self, self.store, item, ask=False)  # announces the change

    def open_quality(self) -> QualityWindow:
        """工具 → 数据质量: every finding of the township (checked on first opening)."""
        if self.quality is None:
            self.quality = _page("quality_view").QualityWindow(self.store, self.open_household, self)
        self.quality.show()
        self.quality.raise_()
        self.quality.activateWindow()
        if self.quality.report is None:
            self.quality.run()
        return self.quality

    def open_audit(self) -> QDialog:
        """工具 → 操作记录: the audit trail, filtered, exported to Excel (ui/audit_view.py)."""
        dialog: QDialog = _page("audit_view").AuditDialog(self.store, self)
        self.audit_dialog = dialog
        dialog.show()
        return dialog

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Back to the front: a role changed meanwhile (a 管理员 elsewhere) shows in the menus and
        the status bar."""
        if (event.type() is QEvent.Type.ActivationChange and self.isActiveWindow() and hasattr(self, "rights")
                and not self.store.db.closed):
            self.rights.refresh()
            self.update_status()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for editor in list(self.editors.values()):
            if not editor.close():
                event.ignore()
                return
        if self.quality is not None:
            self.quality.stop()
        event.accept()
