"""The 数据交换 page on a township and on a county database, driven like a clerk would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.keys import own_county_public, township_public
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.sync_page import SyncPage
from tests.sync.world import PASSPHRASE, World, make_world


def shots(tmp_path: Path) -> Path:
    """Screenshots go to the test's folder; FUPIN_SCREENSHOTS=docs/screenshots refreshes the docs."""
    folder = Path(os.environ.get("FUPIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from fupin_desktop.sync import keys

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)
    w = make_world(tmp_path)
    yield w
    w.close()


def run_op(qtbot, start) -> None:  # type: ignore[no-untyped-def]
    op = start()
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=20_000):
        pass


def cells(table, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_township_exports_and_county_imports_resolves_and_answers(world: World, qtbot, dialogs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    town_page = SyncPage(world.town)
    qtbot.addWidget(town_page)
    assert town_page.own_fp.text() == township_public(SyncRepository(world.town.db)).fingerprint
    assert own_county_public(SyncRepository(world.county.db)).fingerprint in town_page.county_fp.text()
    stick = tmp_path / "u盘"
    stick.mkdir()
    run_op(qtbot, lambda: town_page.export_to(stick))
    assert cells(town_page.batches, 0) == ["1"] and cells(town_page.batches, 4) == ["已导出"]
    assert "已导出第 1 批" in town_page.export_note.text()
    [batch] = list(stick.glob("*.fpsync"))

    county_page = SyncPage(world.county)
    qtbot.addWidget(county_page)
    assert county_page.county_mode and county_page.windowTitle() == "数据交换（县级）"
    run_op(qtbot, lambda: county_page.import_paths([batch, batch]))
    assert cells(county_page.import_results, 3) == ["已导入", "已导入过"]
    assert cells(county_page.batch_log, 0) == ["茶坝乡"]

    # The same household edited on both sides: a conflict, resolved by taking the township's version.
    uuid = world.town.households.get(world.saved["town"][0]).uuid
    at_county = world.county.households.get(world.county.households.id_for_uuid(uuid))
    at_county.fields["phone"] = "13711112222"
    world.county.households.save(at_county, "县里")
    at_town = world.town.households.get(world.saved["town"][0])
    at_town.fields["phone"] = "13633334444"
    world.town.households.save(at_town, "乡里")
    run_op(qtbot, lambda: town_page.export_to(stick))
    second = sorted(stick.glob("*-000002-*.fpsync"))
    run_op(qtbot, lambda: county_page.import_paths(second))
    assert county_page.conflicts.rowCount() == 1 and county_page.tabs.tabText(1) == "冲突（1）"
    county_page.tabs.setCurrentIndex(1)
    county_page.show()
    QApplication.processEvents()
    county_page.grab().save(str(shots(tmp_path) / "sync-county.png"))
    county_page.conflicts.selectRow(0)
    county_page.resolve_selected("township")
    assert county_page.conflicts.rowCount() == 0
    assert world.county.households.get(at_county.id).fields["phone"] == "13633334444"

    # Feedback back to the township: shown, batches acknowledged.
    county_page.townships.selectRow(0)
    written = county_page.write_feedback_to("510822105", tmp_path)
    assert written and Path(written).exists()
    view = town_page.import_feedback_file(Path(written))
    assert view is not None and [c["state"] for c in view["conflicts"]] == ["township"]
    assert cells(town_page.batches, 4) == ["县里已确认", "县里已确认"]
    assert "冲突已处理" in cells(town_page.feedback, 0)
    assert "县里已收到 2 批" in town_page.feedback_note.text()
    town_page.show()
    QApplication.processEvents()
    town_page.grab().save(str(shots(tmp_path) / "sync-township.png"))
    assert not [d for d in dialogs.shown if d[0] in ("warning", "critical")], dialogs.shown


def test_main_window_menu_opens_the_exchange_page(world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(world.town)
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert "数据交换(&Y)" in menus
    window.act_sync.trigger()
    page = window.sync_page
    assert isinstance(page, SyncPage) and page.isVisible() and not page.county_mode
    page.close()


def test_export_without_a_target_asks_for_a_drive(world: World, qtbot, dialogs) -> None:  # type: ignore[no-untyped-def]
    page = SyncPage(world.town)
    qtbot.addWidget(page)
    assert page.export_to(None) is None
    assert dialogs.shown and "U 盘" in dialogs.shown[-1][2]
    assert page.drives.count() >= 1  # detected drives, or the hint to insert one / choose a folder


def test_importing_another_county_key_says_it_replaces_the_trusted_one(  # type: ignore[no-untyped-def]
        world: World, qtbot, dialogs, monkeypatch, tmp_path) -> None:
    from PySide6.QtWidgets import QFileDialog

    from fupin_desktop.sync.keys import write_key_file
    from tests.sync.world import make_county

    impostor = make_county(tmp_path / "impostor.db")
    key = write_key_file(tmp_path / "impostor.pub", own_county_public(SyncRepository(impostor.db)))
    impostor.close()
    old = SyncRepository(world.town.db).county()
    page = SyncPage(world.town)
    qtbot.addWidget(page)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(key), "")))
    dialogs.answer = dialogs.answer.No
    page.trust_county_key()
    assert "替换" in dialogs.shown[-1][2] and old.fingerprint in dialogs.shown[-1][2]
    assert SyncRepository(world.town.db).county() == old  # "no" changes nothing
    dialogs.answer = dialogs.answer.Yes
    page.trust_county_key()
    assert SyncRepository(world.town.db).county().fingerprint != old.fingerprint
    assert old.fingerprint not in page.county_fp.text()


def test_a_shown_table_still_fills_its_width_after_new_rows(qtbot) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.ui.sync_page import _fill, _table

    table = _table(["文件", "结果", "说明"], "t")
    qtbot.addWidget(table)
    table.resize(800, 300)
    table.show()
    _fill(table, [["a.fpsync", "已拒绝", "批次文件不完整"]] * 3)
    QApplication.processEvents()
    header = table.horizontalHeader()
    assert sum(header.sectionSize(i) for i in range(3)) >= table.viewport().width() - 2
