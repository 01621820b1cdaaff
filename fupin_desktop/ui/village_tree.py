"""The 乡 > 村 > 组 tree beside the household list, with counts and quota use."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from fupin_desktop.store import Store

ROLE_VILLAGE = Qt.ItemDataRole.UserRole
ROLE_GROUP = Qt.ItemDataRole.UserRole + 1


class VillageTree(QTreeWidget):
    """Emits ``scope_changed(village_id or None, group or None)`` when the clerk picks a node."""

    scope_changed = Signal(object, object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setHeaderLabels(["乡 / 村 / 组", "户数"])
        self.setColumnWidth(0, 170)
        self.setUniformRowHeights(True)
        self.setAccessibleName("村组")
        self.currentItemChanged.connect(self._on_current)
        self.reload()

    def reload(self) -> None:
        current = self.current_scope()
        self.blockSignals(True)
        self.clear()
        town = self.store.townships.get()
        counts = self.store.townships.group_counts()
        persons = self.store.townships.person_counts()
        total = sum(c.households for c in counts)
        root = QTreeWidgetItem([town.name if town else "（未设置乡镇）", str(total)])
        root.setData(0, ROLE_VILLAGE, None)
        self.addTopLevelItem(root)
        for v in town.villages if town else []:
            per_group = {c.group_name: c.households for c in counts if c.village_id == v.id}
            label = v.name + ("（贫困村）" if v.is_poor else "")
            item = QTreeWidgetItem([label, str(sum(per_group.values()))])
            item.setData(0, ROLE_VILLAGE, v.id)
            if v.quota:
                used = persons.get(v.id or 0, 0)
                item.setToolTip(0, f"贫困人口规模 {v.quota} 人，已登记 {used} 人")
                if used > v.quota:
                    item.setForeground(1, Qt.GlobalColor.darkRed)
            root.addChild(item)
            groups = list(v.groups) + [g for g in per_group if g and g not in v.groups]
            for g in groups:
                child = QTreeWidgetItem([g, str(per_group.get(g, 0))])
                child.setData(0, ROLE_VILLAGE, v.id)
                child.setData(0, ROLE_GROUP, g)
                item.addChild(child)
        root.setExpanded(True)
        for i in range(self.columnCount()):
            self.resizeColumnToContents(i)
        self.blockSignals(False)
        self.select_scope(*current)

    def current_scope(self) -> tuple[int | None, str | None]:
        item = self.currentItem()
        if item is None:
            return None, None
        return item.data(0, ROLE_VILLAGE), item.data(0, ROLE_GROUP)

    def select_scope(self, village_id: int | None, group: str | None) -> None:
        root = self.topLevelItem(0)
        target = root
        if root is not None and village_id is not None:
            for i in range(root.childCount()):
                v = root.child(i)
                if v.data(0, ROLE_VILLAGE) == village_id:
                    target = v
                    for j in range(v.childCount()):
                        if v.child(j).data(0, ROLE_GROUP) == group:
                            target = v.child(j)
        self.blockSignals(True)
        self.setCurrentItem(target)
        self.blockSignals(False)

    def _on_current(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        self.scope_changed.emit(item.data(0, ROLE_VILLAGE), item.data(0, ROLE_GROUP))
