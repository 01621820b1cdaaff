"""The import wizard and the export dialog, driven like a clerk with real widgets and real files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QPushButton, QWizard

from fupin_desktop.excel.importer import REJECTED, WARNING, import_file
from fupin_desktop.store import Store
from fupin_desktop.ui.import_wizard import REJECTED_COLOR, ExportDialog, ImportWizard
from fupin_desktop.ui.main_window import MainWindow
from tests.excel import files
from tests.helpers import make_store


@pytest.fixture
def township(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path)
    yield s
    s.close()


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def wait_idle(qtbot, wizard: ImportWizard) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: wizard.op is None, timeout=20_000)


def open_wizard(qtbot, township: Store, monkeypatch: pytest.MonkeyPatch, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(township)
    qtbot.addWidget(wizard)
    wizard.show()
    choose_file(monkeypatch, path)
    qtbot.mouseClick(wizard.file_page.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    assert wizard.file_page.path.text() == str(path)
    wizard.next()
    wait_idle(qtbot, wizard)
    return wizard


def test_import_a_messy_roster_through_every_page(qtbot, township: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    roster = files.write_messy_roster(tmp_path / "花名册.xlsx")
    wizard = open_wizard(qtbot, township, monkeypatch, roster)
    assert wizard.currentId() == ImportWizard.SHEET
    assert "第 3-4 行" in wizard.sheet_page.info.text()
    wizard.next()
    assert wizard.currentId() == ImportWizard.MAPPING
    page = wizard.mapping_page
    names = wizard.source.main.header.names
    phone = names.index("户联系电话")
    combo = page.findChild(QComboBox, f"map_{phone}")
    assert combo.currentData() == "household.phone"
    combo.setCurrentIndex(0)  # the clerk decides not to import the phone numbers
    assert wizard.source.main.mapping[phone] is None
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wizard.grab().save(str(tmp_path / "import-wizard-mapping.png"))

    wizard.next()
    assert wizard.currentId() == ImportWizard.PREVIEW
    wait_idle(qtbot, wizard)
    preview = wizard.preview_page
    assert "未导入 8 户" in preview.summary.text() or "未导入 7 户" in preview.summary.text()
    model = preview.model
    statuses = [model.row_result(r).status for r in range(model.rowCount())]
    assert REJECTED in statuses and WARNING in statuses
    rejected = statuses.index(REJECTED)
    assert model.data(model.index(rejected, 0), Qt.ItemDataRole.BackgroundRole).color() == REJECTED_COLOR
    preview.only.setChecked(True)
    assert model.rowCount() < len(statuses)
    assert wizard.grab().save(str(tmp_path / "import-wizard-preview.png"))
    assert township.households.count() == 0  # the preview wrote nothing

    assert wizard.button(QWizard.WizardButton.NextButton).text() == "开始导入"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.RESULT, timeout=20_000)
    assert township.households.count() == 3
    numbers = township.households.ids_by_number([files.N1])
    assert township.households.get(numbers[files.N1][0]).fields.get("phone") is None  # the mapping held

    errors = tmp_path / "未导入.xlsx"
    save_to(monkeypatch, errors)
    qtbot.mouseClick(wizard.result_page.save, Qt.MouseButton.LeftButton)
    assert errors.exists() and "已保存" in wizard.result_page.saved.text()
    assert openpyxl.load_workbook(errors)["花名册"].max_row > 2
    assert wizard.grab().save(str(tmp_path / "import-wizard-result.png"))
    wizard.close()


def test_a_bad_file_is_refused_on_the_first_page(qtbot, township: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "照片.xlsx"
    fake.write_bytes(files.PNG_BYTES)
    wizard = open_wizard(qtbot, township, monkeypatch, fake)
    assert wizard.currentId() == ImportWizard.FILE
    assert "PNG 图片" in wizard.file_page.error.text()
    wizard.close()


@pytest.mark.parametrize("make", [
    lambda d: files.write_sparse_xlsx(d / "花名册.xlsx", {"A4": "姓名", "XFD60000": 1}),
    lambda d: files.write_repeated_ods(d / "花名册.ods", 99_000, 100),
])
def test_a_hostile_file_is_refused_on_the_first_page_with_what_to_do(  # type: ignore[no-untyped-def]
        qtbot, township: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make) -> None:
    """A few KB that would make a 60,000 × 16,384 grid: the wizard stays on the file page and says what to do."""
    path = make(tmp_path)
    wizard = open_wizard(qtbot, township, monkeypatch, path)
    assert wizard.currentId() == ImportWizard.FILE
    text = wizard.file_page.error.text()
    assert "删除多余的行列后另存为 .xlsx 再导入" in text and wizard.file_page.error.isVisible()
    wizard.grab().save(str(tmp_path / f"hostile-{path.suffix[1:]}.png"))
    assert township.households.count() == 0
    wizard.close()


def test_cancel_during_the_import_writes_nothing(qtbot, township: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = open_wizard(qtbot, township, monkeypatch, files.write_messy_roster(tmp_path / "r.xlsx"))
    wizard.next()
    wizard.next()
    wait_idle(qtbot, wizard)
    audit = township.db.query_one("SELECT COUNT(*) FROM audit")[0]
    # Another writer holds the database, so the import cannot finish before the clerk cancels.
    blocker = sqlite3.connect(str(township.path), timeout=30)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        wizard.next()
        assert wizard.op is not None
        wizard.op.cancel()
    finally:
        blocker.rollback()
        blocker.close()
    wait_idle(qtbot, wizard)
    assert wizard.currentId() == ImportWizard.PREVIEW
    assert "已取消导入，数据库没有任何改动" in wizard.preview_page.status.text()
    assert township.households.count() == 0
    assert township.db.query_one("SELECT COUNT(*) FROM audit")[0] == audit
    wizard.close()


def test_menu_entries_open_the_wizard_and_export(qtbot, township: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow(township)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "导入 Excel(&I)…" in texts and "导出 Excel(&E)…" in texts
    window.act_import_excel.trigger()
    assert window.import_wizard.isVisible()
    window.import_wizard.close()

    window.act_export_excel.trigger()
    dialog: ExportDialog = window.export_dialog
    assert dialog.isVisible()
    dialog.layout_box.setCurrentIndex(dialog.layout_box.findData("template"))
    out = tmp_path / "模板.xlsx"
    save_to(monkeypatch, out)
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert out.exists() and "已导出" in dialog.status.text()
    assert dialog.grab().save(str(tmp_path / "export-dialog.png"))
    dialog.close()
    window.close()


def test_the_clerk_points_at_the_header_and_maps_unknown_columns(qtbot, township: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    odd = files.write_plain_xlsx(tmp_path / "村里自己做的表.xlsx", [
        ["炉场村贫困户名单"],
        ["名字", "身份号", "跟户主的关系", "在哪个村"],
        ["张三", files.HEAD2, "户主", "炉场村"],
        ["张小三", files.DAUGHTER2, "之女", "炉场村"],
    ])
    wizard = open_wizard(qtbot, township, monkeypatch, odd)
    assert wizard.currentId() == ImportWizard.SHEET
    page = wizard.sheet_page
    assert "没有自动找到表头" in page.info.text()
    page.header_row.setValue(2)
    assert wizard.source.main.header.names == ["名字", "身份号", "跟户主的关系", "在哪个村"]
    wizard.next()
    mapping = wizard.mapping_page
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # 姓名 and 证件号码 not mapped yet
    for column, key in enumerate(("members.name", "members.id_number", "members.relation", "household.village")):
        combo = mapping.findChild(QComboBox, f"map_{column}")
        combo.setCurrentIndex(combo.findData(key))
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    wait_idle(qtbot, wizard)
    assert "新增 1 户" in wizard.preview_page.summary.text()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.RESULT, timeout=20_000)
    assert township.households.count() == 1
    hh = township.households.get(township.households.ids()[0])
    assert [m.get("name") for m in hh.members] == ["张三", "张小三"]
    wizard.close()


def test_a_household_saved_during_the_import_is_named_and_nothing_is_imported(  # type: ignore[no-untyped-def]
        qtbot, township: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clerk saves 户编号 N1's phone in another window while the wizard imports a new phone for it."""
    from fupin_desktop.excel import importer
    from fupin_desktop.ui import import_wizard

    import_file(township, files.write_messy_roster(tmp_path / "first.xlsx"))
    rows = files.roster_rows()
    for row in rows:
        if row[4] == files.N1:
            row[17] = "13800002222"
    second = files.write_messy_roster(tmp_path / "second.xlsx", rows)
    wizard = open_wizard(qtbot, township, monkeypatch, second)
    wizard.next()
    wizard.next()
    wait_idle(qtbot, wizard)
    assert wizard.currentId() == ImportWizard.PREVIEW

    def import_with_a_save_meanwhile(store, path, **kwargs):  # type: ignore[no-untyped-def]
        progress = kwargs.pop("progress")
        fired: list[bool] = []

        def seam(done: int, total: int) -> None:  # staging is done: the other window saves now
            if not fired and total and done * 2 >= total:
                fired.append(True)
                with Store(township.path) as other:
                    hh = other.households.get(other.households.ids_by_number([files.N1])[files.N1][0])
                    hh.fields["phone"] = "13700003333"
                    other.households.save(hh, "另一个窗口")
            progress(done, total)

        return importer.import_file(store, path, progress=seam, **kwargs)

    monkeypatch.setattr(import_wizard, "import_file", import_with_a_save_meanwhile)
    before = township.households.count()
    wizard.next()  # 开始导入
    wait_idle(qtbot, wizard)
    assert wizard.currentId() == ImportWizard.PREVIEW
    text = wizard.preview_page.status.text()
    assert f"户编号 {files.N1}" in text and "什么也没有导入" in text and "重新导入" in text
    assert township.households.count() == before
    hh = township.households.get(township.households.ids_by_number([files.N1])[files.N1][0])
    assert hh.fields["phone"] == "13700003333"  # the clerk's save stands
    wizard.grab().save(str(tmp_path / "import-conflict.png"))
    wizard.close()


def test_the_export_dialog_writes_the_national_roster_with_code_numbers(qtbot, township: Store,  # type: ignore[no-untyped-def]
                                                                         tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import full_household

    township.households.save(full_household(township.spec, seed=3), township.operator)
    dialog = ExportDialog(township)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.codes_box.isEnabled() and dialog.codes_box.currentData() == "label"
    dialog.layout_box.setCurrentIndex(dialog.layout_box.findData("full"))
    assert not dialog.codes_box.isEnabled()  # only the national roster has the choice
    dialog.layout_box.setCurrentIndex(dialog.layout_box.findData("national"))
    assert [dialog.codes_box.itemData(i) for i in range(dialog.codes_box.count())] == ["label", "number"]
    assert dialog.codes_box.itemText(1).startswith("代码") and dialog.codes_box.itemText(0).startswith("名称")
    dialog.codes_box.setCurrentIndex(dialog.codes_box.findData("number"))
    out = tmp_path / "花名册-代码.xlsx"
    save_to(monkeypatch, out)
    qtbot.mouseClick(dialog.findChild(QPushButton, "browse"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.result.codes == "number"
    ws = openpyxl.load_workbook(out)["花名册"]
    headers = [c.value for c in ws[3]]
    assert ws.cell(4, headers.index("与户主关系") + 1).value == "01"
    assert ws.cell(4, headers.index("脱贫属性") + 1).value == "1"
    assert dialog.grab().save(str(tmp_path / "export-dialog-codes.png"))
