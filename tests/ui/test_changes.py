"""One change broadcast: every write announces what it changed, and a new subscriber hears it all.

The subscriber below is wired to nothing but the database's hub (``ui/changes.py``): no main
window relays to it.  Each kind of write is driven through its real dialog, on real files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QInputDialog

from fupin_desktop.store import Store, backups
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui.backup_dialog import BackupDialog
from fupin_desktop.ui.casework_page import CaseworkPage
from fupin_desktop.ui.changes import announce, hub
from fupin_desktop.ui.household_editor import HouseholdEditor
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.policy_dialog import PolicyDialog
from fupin_desktop.ui.quality_view import QualityWindow
from fupin_desktop.ui.recycle_bin import RecycleBinDialog
from fupin_desktop.ui.sync_page import SyncPage
from tests.excel import files
from tests.helpers import full_household
from tests.sync.world import PASSPHRASE, World, make_world
from tests.ui.test_import_wizard import open_wizard, wait_idle

#: What the tests below drive through the GUI; together every kind of change there is.
HEARD_ON_ONE_TOWNSHIP = [ChangeKind.SAVE, ChangeKind.DELETE, ChangeKind.RESTORE, ChangeKind.POLICY,
                         ChangeKind.SETTINGS, ChangeKind.WORKFLOW, ChangeKind.IMPORT, ChangeKind.BACKUP_RESTORE]
HEARD_IN_AN_EXCHANGE = [ChangeKind.SYNC_EXPORT, ChangeKind.SYNC_IMPORT, ChangeKind.SYNC_FEEDBACK]
HEARD_FROM_A_VILLAGE_FORM = [ChangeKind.VILLAGE_FORM]  # test_a_saved_village_form_is_heard
HEARD_IN_EDUCATION = [ChangeKind.EDUCATION]  # the 教育资助 window: tests/education/test_page.py


def test_the_gui_tests_drive_every_kind_of_change() -> None:
    # A new kind of change needs a GUI path here that announces it.
    assert set(HEARD_ON_ONE_TOWNSHIP) | set(HEARD_IN_AN_EXCHANGE) | set(HEARD_FROM_A_VILLAGE_FORM) | set(HEARD_IN_EDUCATION) == set(ChangeKind)


def test_a_saved_village_form_is_heard(qtbot: Any, store: Store) -> None:
    """The 贫困村登记表 editor (issue 17) announces its save; the statistics page hears it."""
    from fupin_desktop.ui.village_form import VillageFormDialog

    subscriber = Subscriber(store)
    dialog = VillageFormDialog(store, "月明村", 2015)
    qtbot.addWidget(dialog)
    for field, value in (("village_type", "贫困村"), ("leader", "王书记"), ("natural_villages", 3),
                         ("total_households", 300), ("total_population", 1100), ("per_capita_income", 4000),
                         ("collective_income", 0), ("road_paved", True), ("bus", False), ("production_power", True),
                         ("clinic", True)):
        dialog.editor.set_field(field, value)
    assert dialog.save(), dialog.status.text()
    assert subscriber.last.kind is ChangeKind.VILLAGE_FORM and subscriber.last.villages == {"月明村"}


class Subscriber(QObject):
    """A view added later: it only connects to the hub."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.seen: list[Change] = []
        hub(store).changed.connect(self.on_change)

    def on_change(self, change: Change) -> None:
        self.seen.append(change)

    @property
    def last(self) -> Change:
        return self.seen[-1]


def test_a_new_subscriber_hears_every_kind_of_write(qtbot: Any, store: Store, dialogs: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    subscriber = Subscriber(store)
    window = MainWindow(store)
    window.offer_drafts = False
    qtbot.addWidget(window)

    # Save (the household form).
    editor = HouseholdEditor(store, full_household(store.spec, seed=1), draft="keep")
    qtbot.addWidget(editor)
    assert editor.save(), [f.message for f in editor.findings]
    hid = editor.household.id
    assert subscriber.last.kind is ChangeKind.SAVE and subscriber.last.households == {hid}
    assert subscriber.last.villages == {"炉场村"}
    editor.close()
    assert window.model.row_of(hid) is not None and window.selected_household_id() == hid  # the list followed
    assert "共 1 户" in window.status_counts.text()

    # Delete (the main window's action, answered 是).
    window.delete_selected()
    assert subscriber.last.kind is ChangeKind.DELETE and subscriber.last.households == {hid}
    assert window.model.row_of(hid) is None and "共 0 户" in window.status_counts.text()
    assert window.tree.topLevelItem(0).text(1) == "0"  # the village tree counted again

    # Restore from the recycle bin (its own dialog).
    recycle = RecycleBinDialog(store)
    qtbot.addWidget(recycle)
    assert recycle.select_household(hid) and recycle.restore_selected()
    assert subscriber.last.kind is ChangeKind.RESTORE and subscriber.last.households == {hid}
    assert window.selected_household_id() == hid and not window.act_undo_delete.isEnabled()
    assert window.tree.topLevelItem(0).text(1) == "1"
    assert "已恢复" in window.statusBar().currentMessage()

    # Policy (设置 → 政策参数).
    policy = PolicyDialog(store)
    qtbot.addWidget(policy)
    policy.days.setValue(5)
    policy.accept()
    assert subscriber.last.kind is ChangeKind.POLICY and subscriber.last.rules

    # A setting (设置 → 录入员).
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("王会计", True)))
    window.set_operator()
    assert subscriber.last.kind is ChangeKind.SETTINGS and subscriber.last.settings == {"operator"}

    # An application on the 识别工作 page (its StoreOp announces it).
    page = CaseworkPage(store)
    qtbot.addWidget(page)
    page.apply_for(store.households.get(hid).fields["number"])
    with qtbot.waitSignal(page.last_op.finished, timeout=20_000):
        pass
    assert subscriber.last.kind is ChangeKind.WORKFLOW and subscriber.last.households == {hid}
    page.close()

    # Excel import (the wizard's StoreOp announces it).
    before = len(subscriber.seen)
    wizard = open_wizard(qtbot, store, monkeypatch, files.write_messy_roster(tmp_path / "花名册.xlsx"))
    wizard.next()
    wizard.next()
    wait_idle(qtbot, wizard)
    assert len(subscriber.seen) == before  # reading and the dry run change nothing
    wizard.next()  # 开始导入
    wait_idle(qtbot, wizard)
    change = subscriber.last
    assert change.kind is ChangeKind.IMPORT and change.everything and change.count > 0
    assert window.model.rowCount() == store.households.count() > 1
    wizard.close()

    # Backup restore (a StoreOp on the dialog's own connection).
    backup = backups.create(store.db).path
    store.households.delete(hid, "测试")
    dialog = BackupDialog(store)
    qtbot.addWidget(dialog)
    dialog.reload()
    row = next(r for r, info in enumerate(dialog.backups) if info.path == backup)
    dialog.table.selectRow(row)
    dialog.restore_selected()
    qtbot.waitUntil(lambda: dialog.op is None, timeout=60_000)
    assert subscriber.last.kind is ChangeKind.BACKUP_RESTORE and subscriber.last.everything
    assert window.model.row_of(hid) is not None  # the list reloaded itself from the restored data

    assert [c.kind for c in subscriber.seen] == HEARD_ON_ONE_TOWNSHIP
    assert not [d for d in dialogs.shown if d[0] in ("warning", "critical")], dialogs.shown


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from fupin_desktop.sync import keys

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)
    w = make_world(tmp_path)
    yield w
    w.close()


def test_sync_import_and_feedback_are_heard_on_each_database(world: World, qtbot: Any, dialogs: Any,
                                                            tmp_path: Path) -> None:
    at_county, at_town = Subscriber(world.county), Subscriber(world.town)
    town_page = SyncPage(world.town)
    qtbot.addWidget(town_page)
    stick = tmp_path / "u盘"
    stick.mkdir()
    op = town_page.export_to(stick)
    assert op is not None
    qtbot.waitUntil(lambda: op.result is not None, timeout=20_000)
    assert not at_county.seen  # an export changes no household of either database
    assert [c.kind for c in at_town.seen] == [ChangeKind.SYNC_EXPORT] and not at_town.last.household_rows

    county = MainWindow(world.county)
    qtbot.addWidget(county)
    before = county.model.rowCount()
    county_page = SyncPage(world.county)
    qtbot.addWidget(county_page)
    op = county_page.import_paths(list(stick.glob("*.fpsync")))
    assert op is not None
    qtbot.waitUntil(lambda: op.result is not None, timeout=20_000)
    assert at_county.last.kind is ChangeKind.SYNC_IMPORT and at_county.last.everything
    assert county.model.rowCount() == world.county.households.count() > before  # no relaying needed
    assert [c.kind for c in at_town.seen] == [ChangeKind.SYNC_EXPORT]

    county_page.townships.selectRow(0)
    written = county_page.write_feedback_to("510822105", tmp_path)
    assert written is not None
    assert town_page.import_feedback_file(Path(written)) is not None
    assert at_town.last.kind is ChangeKind.SYNC_FEEDBACK
    heard = [c.kind for c in at_town.seen] + [c.kind for c in at_county.seen]
    assert sorted(set(heard)) == sorted(HEARD_IN_AN_EXCHANGE)
    assert not [d for d in dialogs.shown if d[0] in ("warning", "critical")], dialogs.shown


def test_a_hidden_quality_list_is_checked_again_when_next_shown(qtbot: Any, store: Store) -> None:
    store.households.save(full_household(store.spec, seed=3), "测试")
    view = QualityWindow(store, lambda _hid: None)
    qtbot.addWidget(view)
    view.show()
    view.run()
    qtbot.waitUntil(lambda: not view.running and view.report is not None, timeout=20_000)
    view.hide()
    announce(store, Change.of(ChangeKind.POLICY, settings=["policy"]))
    assert view.report is None  # stale: 工具 → 数据质量 checks again on opening
    QApplication.processEvents()
