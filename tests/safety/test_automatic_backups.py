"""A dated backup before every risky operation -- Excel import (command and wizard), sync import at the
county, policy import (command and dialog) -- holding exactly the data before it; if the backup
cannot be made the operation is refused with a Chinese message and the database is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from fupin_desktop import quality, services
from fupin_desktop.demo import build_demo
from fupin_desktop.excel.exporter import export_workbook
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, backups
from fupin_desktop.store.backups import BackupRefused
from tests.diskfull import db_digest
from tests.helpers import make_store
from tests.safety.backupkit import demo_store, dump, fupin, fupin_json
from tests.ui.conftest import DialogRecorder


def without_label(lines: list[str]) -> list[str]:
    return [line for line in lines if backups.LABEL_TABLE not in line]


def only_backup(folder: Path, reason: str) -> backups.BackupInfo:
    found = [b for b in backups.list_backups(folder) if b.reason == reason]
    assert len(found) == 1, [b.path.name for b in backups.list_backups(folder)]
    return found[0]


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    with Store(tmp_path / "source.db") as source:
        build_demo(source, households=30)
        return export_workbook(source, tmp_path / "茶坝乡扶贫手册.xlsx", "full").path


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A township with a few households of its own (the import adds the roster's)."""
    demo_store(tmp_path / "town" / "township.db", households=5).close()
    return tmp_path / "town" / "township.db"


def test_fupin_import_excel_backs_up_first(roster: Path, target: Path) -> None:
    before = dump(target)
    report = fupin_json("import-excel", "--db", str(target), str(roster))
    assert report["imported"] + report["warnings"] > 0  # warnings: imported, with national 疑点 to look at
    made = only_backup(target.parent / "backups", "导入Excel")
    assert without_label(dump(made.path)) == before and made.households == 5
    assert made.path.name.startswith("茶坝乡-")


def test_fupin_import_excel_is_refused_when_the_backup_cannot_be_made(roster: Path, target: Path) -> None:
    with Store(target) as store:
        blocker = target.parent / "U盘"
        blocker.write_bytes(b"")
        backups.set_folder(store.db, blocker / "备份")
    before = db_digest(target)
    proc = fupin("import-excel", "--db", str(target), str(roster), "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "导入 Excel 表格前要先自动备份" in proc.stderr and "数据库保持原样" in proc.stderr
    assert "选择另一个备份文件夹" in proc.stderr
    assert db_digest(target) == before
    dry = fupin("import-excel", "--db", str(target), str(roster), "--dry-run", "--json")  # checking writes nothing
    assert dry.returncode == 0, dry.stderr


def test_the_import_wizard_backs_up_first_and_says_why_it_refuses(qtbot: Any, tmp_path: Path, roster: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui.test_import_wizard import open_wizard, wait_idle

    store = make_store(tmp_path / "w")
    try:
        blocker = tmp_path / "U盘"
        blocker.write_bytes(b"")
        backups.set_folder(store.db, blocker)
        wizard = open_wizard(qtbot, store, monkeypatch, roster)
        while wizard.currentId() != wizard.PREVIEW:
            wizard.next()
            wait_idle(qtbot, wizard)
        wizard.next()  # 开始导入
        wait_idle(qtbot, wizard)
        text = wizard.preview_page.status.text()
        assert "导入失败，数据库没有任何改动" in text and "导入 Excel 表格前要先自动备份" in text
        assert store.households.count() == 0

        backups.set_folder(store.db, None)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == wizard.RESULT, timeout=60_000)
        assert store.households.count() > 0
        made = only_backup(tmp_path / "w" / "backups", "导入Excel")
        assert made.households == 0
        wizard.close()
    finally:
        store.close()


def test_a_county_sync_import_backs_up_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.sync import keys
    from tests.sync.world import PASSPHRASE, export, import_, make_world

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)
    world = make_world(tmp_path)
    try:
        batch = export(world.town, world.stick).batch
        assert batch is not None
        blocker = tmp_path / "U盘"
        blocker.write_bytes(b"")
        backups.set_folder(world.county.db, blocker)
        before = db_digest(world.county.path)
        with pytest.raises(BackupRefused, match="(?s)导入同步批次前要先自动备份.*数据库保持原样"):
            import_(world.county, batch)
        assert db_digest(world.county.path) == before

        backups.set_folder(world.county.db, None)
        before = dump(world.county.path)
        [result] = import_(world.county, batch)
        assert result.status == "imported"
        made = only_backup(tmp_path / "backups", "同步导入")
        assert made.path.name.startswith("青川县-") and made.township_code == "510822"
        assert without_label(dump(made.path)) == before
    finally:
        world.close()


def test_policy_import_backs_up_first(tmp_path: Path) -> None:
    with make_store(tmp_path, "county-profile.db") as source:
        source.policy.put(Policy(publicity_days=5), "测试")
        profile = quality.export_policy(source, tmp_path / "政策参数.json")
    store = make_store(tmp_path / "t")
    db = str(store.path)
    store.close()
    before = dump(Path(db))
    fupin_json("policy", "import", str(profile), "--db", db)
    made = only_backup(tmp_path / "t" / "backups", "政策导入")
    assert without_label(dump(made.path)) == before


def test_the_policy_dialog_backs_up_before_saving_imported_parameters(qtbot: Any, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.ui.policy_dialog import PolicyDialog

    DialogRecorder().install(monkeypatch)
    with make_store(tmp_path, "county-profile.db") as source:
        source.policy.put(Policy(publicity_days=5), "测试")
        profile = quality.export_policy(source, tmp_path / "政策参数.json")
    with make_store(tmp_path / "t") as store:
        dialog = PolicyDialog(store)
        qtbot.addWidget(dialog)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(profile), "")))
        dialog.import_file()
        dialog.accept()
        assert store.policy.get().publicity_days == 5
        assert only_backup(tmp_path / "t" / "backups", "政策导入").households == 0


def test_services_backup_before_is_the_one_call_for_later_features(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        made = services.backup_before(store, "结转")
        assert made.reason == "结转" and backups.verify(made.path).problem is None
