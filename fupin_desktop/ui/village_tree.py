"""The 乡 > 村 > 组 tree beside the household list, with counts and quota use.

On a county database the tree is 县 > 乡(镇) > 村 > 组: the registered townships (from the
sync registry), each with the villages its batches brought, so two townships' 炉场村 never mix.

At county scale the counts (a GROUP BY over every household) are read off the GUI thread
(ui/background.py): the tree is drawn at once with the villages and groups, and the counts are
filled in when they come.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from fupin_desktop.domain.township import Township, Village
from fupin_desktop.store import Role, Store
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.sync import TownshipRecord
from fupin_desktop.store.townships import GroupCount
from fupin_desktop.ui.background import Fetch, is_large
from fupin_desktop.ui.changes import hub

ROLE_VILLAGE = Qt.ItemDataRole.UserRole
ROLE_GROUP = Qt.ItemDataRole.UserRole + 1
ROLE_TOWNSHIP = Qt.ItemDataRole.UserRole + 2

Scope = tuple[int | None, str | None, str | None]
#: A village whose registered persons exceed its 贫困人口规模 (quota): its count in this colour.
OVER_QUOTA = Qt.GlobalColor.darkRed
LEGEND = "户数：已登记的户数。红色：该村已登记的贫困人口超过贫困人口规模（超指标），鼠标停在该村上可看超出多少人。"


@dataclass
class TreeData:
    """What the tree shows: the township, its villages (at the county by township) and the counts."""

    town: Township | None
    townships: list[TownshipRecord]
    owners: dict[int, str | None]
    counts: list[GroupCount] | None = None  # None: not read yet
    persons: dict[int, int] = field(default_factory=dict)


def tree_data(store: Store, *, county: bool, counts: bool) -> TreeData:
    data = TreeData(store.townships.get(), store.sync.townships() if county else [],
                    store.sync.village_townships() if county else {})
    if counts:
        data.counts = store.townships.group_counts()
        data.persons = store.townships.person_counts()
    return data


class VillageTree(QTreeWidget):
    """Emits ``scope_changed(village_id, group, township_code)`` (each or None) when the clerk picks a node.

    ``township_code`` is set on a county database only: on a township node and every node below it.
    """

    scope_changed = Signal(object, object, object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.sync = store.sync
        self.county_mode = store.role is Role.COUNTY
        self.setHeaderLabels(["县 / 乡 / 村 / 组" if self.county_mode else "乡 / 村 / 组", "户数"])
        self.headerItem().setToolTip(0, "村名后的“（贫困村）”标出贫困村；鼠标停在村名上可看贫困人口规模和已登记人数")
        self.headerItem().setToolTip(1, LEGEND)
        self.setColumnWidth(0, 170)
        self.setUniformRowHeights(True)
        self.setAccessibleName("村组")
        self.currentItemChanged.connect(self._on_current)
        self._counts: Fetch[TreeData] = Fetch(store, "village-tree-counts", self._show, parent=self)
        self.reload()
        hub(store).changed.connect(self._on_change)

    def _on_change(self, change: Change) -> None:
        """Counts move with households; a restored backup or a sync may bring villages and townships."""
        if change.household_rows or change.title or change.kind is ChangeKind.SETTINGS or "poor_villages" in change.settings:
            self.reload()

    def reload(self) -> None:
        """Read the tree again; at county scale the counts follow from a worker thread."""
        large = is_large(self.store)
        if not large or self.topLevelItem(0) is None:  # at county scale the tree stays until the new one comes
            self._show(tree_data(self.store, county=self.county_mode, counts=not large))
        if large:
            county = self.county_mode
            self._counts.start(lambda reader: tree_data(reader, county=county, counts=True))

    def _show(self, data: TreeData) -> None:
        current = self._scope(self.currentItem())
        self.blockSignals(True)
        self.clear()
        town = data.town
        counts = data.counts or []
        known = data.counts is not None
        total = sum(c.households for c in counts)
        root = QTreeWidgetItem([town.name if town else "（未设置乡镇）", str(total) if known else "…"])
        root.setData(0, ROLE_VILLAGE, None)
        self.addTopLevelItem(root)
        parents: dict[str | None, QTreeWidgetItem] = {None: root}
        if self.county_mode:
            for t in data.townships:
                item = QTreeWidgetItem([t.name, "0"])
                item.setData(0, ROLE_TOWNSHIP, t.code)
                item.setToolTip(0, f"乡镇代码 {t.code}")
                root.addChild(item)
                parents[t.code] = item
        per_village: dict[int, dict[str, int]] = {}
        for c in counts:
            per_village.setdefault(c.village_id, {})[c.group_name] = c.households
        for v in town.villages if town else []:
            code = data.owners.get(v.id or 0)
            self._add_village(parents.get(code) or root, v, code, per_village.get(v.id or 0, {}),
                              data.persons.get(v.id or 0, 0) if known else None)
        for code, item in parents.items():
            if code is not None:
                item.setText(1, str(sum(int(child.text(1)) for child in _children(item))) if known else "…")
        root.setExpanded(True)
        for i in range(self.columnCount()):
            self.resizeColumnToContents(i)
        self.blockSignals(False)
        self.select_scope(*current)

    def _add_village(self, parent: QTreeWidgetItem, v: Village, township_code: str | None, per_group: dict[str, int],
                     used: int | None) -> None:
        """``used`` None: the counts are still being read (county scale)."""
        label = v.name + ("（贫困村）" if v.is_poor else "")
        item = QTreeWidgetItem([label, str(sum(per_group.values())) if used is not None else "…"])
        item.setData(0, ROLE_VILLAGE, v.id)
        item.setData(0, ROLE_TOWNSHIP, township_code)
        if v.quota and used is not None:
            tip = f"贫困人口规模 {v.quota} 人，已登记 {used} 人"
            if used > v.quota:
                item.setForeground(1, OVER_QUOTA)
                tip += f"：超出规模 {used - v.quota} 人（户数显示为红色）"
            item.setToolTip(0, tip)
            item.setToolTip(1, tip)
        parent.addChild(item)
        groups = list(v.groups) + [g for g in per_group if g and g not in v.groups]
        for g in groups:
            child = QTreeWidgetItem([g, str(per_group.get(g, 0)) if used is not None else "…"])
            child.setData(0, ROLE_VILLAGE, v.id)
            child.setData(0, ROLE_GROUP, g)
            child.setData(0, ROLE_TOWNSHIP, township_code)
            item.addChild(child)

    @staticmethod
    def _scope(item: QTreeWidgetItem | None) -> Scope:
        if item is None:
            return None, None, None
        return item.data(0, ROLE_VILLAGE), item.data(0, ROLE_GROUP), item.data(0, ROLE_TOWNSHIP)

    def current_scope(self) -> tuple[int | None, str | None]:
        """(village id, group) of the picked node; None for the township (county, township node)."""
        village_id, group, _township = self._scope(self.currentItem())
        return village_id, group

    def current_township(self) -> str | None:
        """At the county: the code of the township the picked node belongs to (None on the root)."""
        return self._scope(self.currentItem())[2]

    def select_scope(self, village_id: int | None, group: str | None, township_code: str | None = None) -> None:
        root = self.topLevelItem(0)
        target = root
        wanted = (village_id, group, township_code)
        pending = [root] if root is not None else []
        while pending:
            item = pending.pop()
            scope = self._scope(item)
            if scope == wanted or (township_code is None and scope[:2] == wanted[:2] and scope[:2] != (None, None)):
                target = item
                break
            pending.extend(_children(item))
        if target is None:  # an empty tree
            return
        self.blockSignals(True)
        self.setCurrentItem(target)
        self.blockSignals(False)

    def _on_current(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        self.scope_changed.emit(*self._scope(item))


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for i in range(item.childCount()) if (child := item.child(i)) is not None]
