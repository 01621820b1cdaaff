"""Main window: village tree, searchable household list, menus and status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import __version__
from fupin_desktop.domain.household import Household
from fupin_desktop.store import Store, StoreError
from fupin_desktop.ui.household_editor import HouseholdEditor
from fupin_desktop.ui.household_list import HouseholdListModel
from fupin_desktop.ui.village_tree import VillageTree

SEARCH_DELAY_MS = 250


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.editors: dict[str, HouseholdEditor] = {}
        self.setWindowTitle(self._title())
        self.resize(1280, 780)

        self.tree = VillageTree(store)
        self.model = HouseholdListModel(store, self)
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
        for col, width in enumerate((180, 80, 80, 90, 170, 70, 80, 120, 130)):
            header.resizeSection(col, width)
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
        lay.addLayout(top)
        lay.addWidget(self.table, 1)

        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 1020])
        self.setCentralWidget(splitter)
        self.tree.scope_changed.connect(self._on_scope)

        self.status_db = QLabel()
        self.status_counts = QLabel()
        self.statusBar().addWidget(self.status_db, 1)
        self.statusBar().addPermanentWidget(self.status_counts)
        self._build_menus()
        self.model.refresh()
        self.update_status()

    # -- menus ----------------------------------------------------------------
    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)  # type: ignore[arg-type]
        return act

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
        file_menu.addAction(self._action("备份数据库(&B)…", self.backup))
        file_menu.addSeparator()
        file_menu.addAction(self._action("退出(&X)", self.close, "Ctrl+Q"))

        edit_menu = bar.addMenu("编辑(&E)")
        edit_menu.addAction(self._action("查找(&F)", self.focus_search, QKeySequence.StandardKey.Find))
        edit_menu.addAction(self._action("刷新(&R)", self.refresh, QKeySequence.StandardKey.Refresh))

        settings_menu = bar.addMenu("设置(&S)")
        settings_menu.addAction(self._action("录入员姓名(&U)…", self.set_operator))

        help_menu = bar.addMenu("帮助(&H)")
        help_menu.addAction(self._action("关于(&A)", self.about))

        tools = self.addToolBar("常用")
        tools.setObjectName("main_toolbar")
        tools.setMovable(False)
        tools.addActions([self.act_new, self.act_open, self.act_delete])

    # -- list -------------------------------------------------------------------
    def _title(self) -> str:
        town = self.store.townships.get()
        name = town.name if town else ""
        return f"扶贫建档立卡 {name} — {Path(self.store.path).name}"

    def _on_scope(self, village_id: int | None, group: str | None) -> None:
        self.model.set_filter(village_id=village_id, group=group)
        self.update_status()

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text())
        self.update_status()
        if self.model.rowCount():
            self.table.selectRow(0)

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self._apply_search()
        if self.model.rowCount() == 1:
            self.open_selected()
        elif self.model.rowCount():
            self.table.setFocus()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        selected = self.selected_household_id()
        self.tree.reload()
        self.model.refresh()
        if selected is not None:
            row = self.model.row_of(selected)
            if row is not None:
                self.table.selectRow(row)
        self.update_status()

    def update_status(self) -> None:
        self.status_db.setText(f"数据库：{self.store.path}    录入员：{self.store.operator}")
        villages = len(self.store.townships.villages())
        total = self.store.households.count()
        persons = self.store.households.person_count()
        self.status_counts.setText(
            f"{villages} 个村 · 共 {total} 户 {persons} 人 · 当前列表 {self.model.rowCount()} 户"
        )

    def selected_household_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.household_id(rows[0].row()) if rows else None

    # -- actions ------------------------------------------------------------------
    def open_selected(self) -> None:
        self.open_household(self.selected_household_id())

    def open_household(self, household_id: int | None) -> HouseholdEditor | None:
        if household_id is None:
            return None
        hh = self.store.households.get(household_id)
        if hh is None:
            QMessageBox.warning(self, "打开户档案", "找不到该户，可能已被删除。")
            self.refresh()
            return None
        return self._show_editor(hh)

    def new_household(self) -> HouseholdEditor | None:
        villages = self.store.townships.villages()
        if not villages:
            QMessageBox.information(self, "新建户", "还没有设置村，请先完成乡镇设置。")
            return None
        village_id, group = self.tree.current_scope()
        village = next((v for v in villages if v.id == village_id), None)
        hh = Household(fields={"village": village.name if village else None, "group": group})
        town = self.store.townships.get()
        if town:
            hh.fields.update(province=town.province, city=town.city, county=town.county, township=town.name)
        return self._show_editor(hh)

    def _show_editor(self, hh: Household) -> HouseholdEditor:
        existing = self.editors.get(hh.uuid)
        if existing is not None:
            existing.raise_()
            existing.activateWindow()
            return existing
        editor = HouseholdEditor(self.store, hh, parent=self)
        self.editors[hh.uuid] = editor
        editor.saved.connect(self._on_saved)
        editor.closed.connect(lambda uuid: self.editors.pop(uuid, None))
        editor.show()
        return editor

    def _on_saved(self, household_id: int) -> None:
        self.refresh()
        row = self.model.row_of(household_id)
        if row is not None:
            self.table.selectRow(row)

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
        try:
            self.store.households.delete(household_id, self.store.operator)
        except StoreError as exc:
            QMessageBox.warning(self, "删除户", str(exc))
        self.refresh()

    def backup(self) -> None:
        default = str(Path(self.store.path).with_suffix(".backup.db"))
        path, _ = QFileDialog.getSaveFileName(self, "备份数据库", default, "数据库 (*.db)")
        if not path:
            return
        try:
            self.store.db.backup(path)
        except OSError as exc:
            QMessageBox.critical(self, "备份数据库", f"备份失败：{exc}\n请换一个位置或检查磁盘空间。")
            return
        QMessageBox.information(self, "备份数据库", f"已备份到 {path}")

    def set_operator(self) -> None:
        name, ok = QInputDialog.getText(self, "录入员", "录入员姓名（记入修改记录）：", text=self.store.operator)
        if ok:
            self.store.set_operator(name)
            self.update_status()

    def about(self) -> None:
        QMessageBox.about(
            self, "关于",
            f"扶贫建档立卡 乡镇版 {__version__}\n\n录入《扶贫手册》，离线保存，数据不出本机。",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for editor in list(self.editors.values()):
            if not editor.close():
                event.ignore()
                return
        event.accept()
