"""The main window on a county database: 县 > 乡(镇) > 村 > 组, a 乡镇 column, the county named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTreeWidgetItem

from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.village_tree import ROLE_TOWNSHIP
from tests.helpers import full_household
from tests.sync.world import OTHER, PASSPHRASE, World, export, import_, make_world
from tests.ui.test_sync_page import shots


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """茶坝乡 (3 households) and 马鹿乡 (2, in its own 炉场村) imported into the county."""
    from fupin_desktop.sync import keys

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)
    w = make_world(tmp_path)
    for s in (11, 12):
        w.other.households.save(full_household(w.other.spec, seed=s, village="炉场村", group="二组",
                                               number=f"{OTHER['code']}{s:07d}"), "测试")
    results = import_(w.county, export(w.town, w.stick).batch, export(w.other, w.stick).batch)
    assert [r.status for r in results] == ["imported", "imported"]
    yield w
    w.close()


def nodes(item: QTreeWidgetItem) -> list[tuple[str, str]]:
    return [(item.child(i).text(0), item.child(i).text(1)) for i in range(item.childCount())]


def column(window: MainWindow, key: str) -> list[str]:
    col = [k for k, _label in window.model.columns].index(key)
    return [window.model.index(r, col).data() for r in range(window.model.rowCount())]


def test_county_tree_is_county_township_village_group_with_counts(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    root = window.tree.topLevelItem(0)
    assert window.tree.topLevelItemCount() == 1 and (root.text(0), root.text(1)) == ("青川县", "5")
    assert window.tree.headerItem().text(0) == "县 / 乡 / 村 / 组"
    assert nodes(root) == [("茶坝乡", "3"), ("马鹿乡", "2")]
    chaba, malu = root.child(0), root.child(1)
    assert (chaba.data(0, ROLE_TOWNSHIP), malu.data(0, ROLE_TOWNSHIP)) == ("510822105", OTHER["code"])
    # Each township's own 炉场村, with its own counts and groups.
    assert nodes(malu) == [("炉场村", "2"), ("白果村", "0")]
    assert nodes(chaba) == [("炉场村", "1"), ("兴龙村", "2"), ("青新村", "0")]
    assert nodes(malu.child(0)) == [("一组", "0"), ("二组", "2")]


def test_picking_a_township_lists_only_its_households_with_a_township_column(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    labels = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())]
    assert labels[:3] == ["户编号", "乡镇", "行政村"]
    assert sorted(column(window, "township")) == ["茶坝乡"] * 3 + ["马鹿乡"] * 2
    root = window.tree.topLevelItem(0)
    window.tree.setCurrentItem(root.child(1))
    assert column(window, "township") == ["马鹿乡", "马鹿乡"] and window.tree.current_township() == OTHER["code"]
    assert window.tree.current_scope() == (None, None)
    assert "当前列表 2 户" in window.status_counts.text()
    # A village under a township: only that township's 炉场村.
    window.tree.setCurrentItem(root.child(0).child(0))
    assert root.child(0).child(0).text(0) == "炉场村"
    assert column(window, "township") == ["茶坝乡"] and column(window, "village") == ["炉场村"]
    # The pick survives a refresh (e.g. after a save or an import).
    window.tree.setCurrentItem(root.child(1))
    window.refresh()
    assert window.tree.currentItem().text(0) == "马鹿乡" and window.model.rowCount() == 2
    window.tree.setCurrentItem(window.tree.topLevelItem(0))  # the tree was rebuilt
    assert window.model.rowCount() == 5
    window.show()
    QApplication.processEvents()
    window.grab().save(str(shots(Path(world.root)) / "county-main-window.png"))


def test_county_title_and_status_bar_name_the_county_database(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    assert "县级数据库：青川县" in window.windowTitle()
    assert window.status_db.text().startswith("县级数据库：青川县")
    assert window.status_counts.text().startswith("2 个乡镇 · 5 个村 · 共 5 户")


def test_county_household_opens_with_its_own_township(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    root = window.tree.topLevelItem(0)
    window.tree.setCurrentItem(root.child(1))
    editor = window.open_household(window.model.household_id(0))
    assert editor is not None
    values = editor.form.values()
    assert (values["township"], values["county"], values["province"]) == ("马鹿乡", "青川县", "四川省")
    editor.close()


def test_a_county_household_offers_its_own_townships_villages_and_groups(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.county)
    qtbot.addWidget(window)
    root = window.tree.topLevelItem(0)
    window.tree.setCurrentItem(root.child(1))  # 马鹿乡
    editor = window.open_household(window.model.household_id(0))
    own = {v.name: v.groups for v in world.county.townships.villages(OTHER["code"])}
    everyone = world.county.townships.villages()
    assert len([v for v in everyone if v.name == "炉场村"]) == 2, "both townships have a 炉场村"
    assert editor.form.villages == own
    assert editor.form.villages["炉场村"] == own["炉场村"]
    editor.close()


def test_township_database_keeps_township_village_group(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.town)
    qtbot.addWidget(window)
    root = window.tree.topLevelItem(0)
    assert root.text(0) == "茶坝乡" and window.tree.headerItem().text(0) == "乡 / 村 / 组"
    assert [name for name, _n in nodes(root)] == ["炉场村", "兴龙村", "青新村"]
    assert "township" not in [k for k, _label in window.model.columns]
    assert "县级" not in window.windowTitle() and "乡镇 ·" not in window.status_counts.text()


def test_a_household_made_at_the_county_goes_to_the_picked_townships_village(world: World, qtbot, dialogs) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.store.sync import SyncRepository

    window = MainWindow(world.county)
    qtbot.addWidget(window)
    malu_luchang = window.tree.topLevelItem(0).child(1).child(0)
    assert malu_luchang.text(0) == "炉场村"
    window.tree.setCurrentItem(malu_luchang.child(0))
    editor = window.new_household()
    assert editor is not None and editor.form.values()["township"] == "马鹿乡"
    hh = full_household(world.county.spec, seed=21, village="炉场村", group="一组", number=f"{OTHER['code']}0000021")
    hh.fields.update(editor.household.fields)  # where the editor placed it: 马鹿乡, 炉场村, 一组
    hh.fields["number"] = f"{OTHER['code']}0000021"
    saved = world.county.households.save(hh, "县里")
    village_id = world.county.db.query_one("SELECT village_id FROM households WHERE id = ?", (saved.id,))[0]
    assert SyncRepository(world.county.db).village_townships()[village_id] == OTHER["code"]
    assert saved.fields["township"] == "马鹿乡"
    editor.close()
