"""工具 → 数据质量: the township's findings, filters with counts, jump to the field, refresh after a
save, export for village cadres; 设置 → 政策参数: the county's profile.  Real widgets, real threads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.policy_dialog import PolicyDialog
from fupin_desktop.ui.quality_view import QualityWindow
from tests.helpers import full_household


def township(store: Store) -> dict[str, int]:
    """A and B share 李梅 (an error on each); C lives 60 km from the road (a warning); D is clean."""
    spec = store.spec
    a = full_household(spec, seed=1, names=("张三", "李梅"))
    b = full_household(spec, seed=2, names=("王五", "李梅"), village="兴龙村", group="二组")
    b.members[1].fields.update({k: a.members[1].get(k) for k in ("id_number", "birth_date", "sex")})
    b.members[1].fields["on_dibao"] = False  # marrying out of B below leaves no one on 低保 who left
    c = full_household(spec, seed=3, village="月明村", group="三组")
    c.fields["road_distance"] = Decimal(60)
    d = full_household(spec, seed=4)
    return {k: store.households.save(h, "测试").id for k, h in zip("abcd", (a, b, c, d), strict=True)}


def open_quality(qtbot, window: MainWindow) -> QualityWindow:
    view = window.open_quality()
    qtbot.waitUntil(lambda: view.report is not None and not view.running, timeout=20_000)
    return view


def rows(view: QualityWindow) -> list[tuple[str, str, str]]:
    return [(f.rule, f.village, f.member_name) for f in view.model.visible]


def test_quality_view_lists_the_township_with_filters_and_counts(qtbot, store, dialogs) -> None:
    township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.act_quality.shortcut().toString() == "Ctrl+Shift+Q"
    view = open_quality(qtbot, window)
    assert view.isVisible() and view.report.households == 4
    assert sorted(rows(view)) == [("L004", "月明村", ""), ("X001", "兴龙村", "李梅"), ("X001", "炉场村", "李梅")]
    assert "共检查 4 户：错误 2 条，提示 1 条" in view.summary.text()
    assert [view.village_box.itemText(i) for i in range(view.village_box.count())] == [
        "全部村（3）", "炉场村（1）", "兴龙村（1）", "月明村（1）"]
    assert view.rule_box.itemText(1) == "L004 与村主干路距离过远（1）"
    assert view.severity_box.itemText(1) == "错误（2）"

    view.set_filter(village="兴龙村")
    assert rows(view) == [("X001", "兴龙村", "李梅")] and "当前显示 1 条（错误 1，提示 0），涉及 1 户" in view.summary.text()
    view.set_filter(severity="warning")
    assert rows(view) == [("L004", "月明村", "")]
    view.set_filter(rule="X001")
    assert len(rows(view)) == 2 and view.proxy.rowCount() == 2
    model = view.model
    assert model.data(model.index(0, 7)).startswith("李梅（证件号码")
    assert model.data(model.index(0, 0)) == "错误"


def test_double_click_opens_the_household_at_the_field(qtbot, store, dialogs) -> None:
    ids = township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    view.set_filter(rule="X001", village="炉场村")
    index = view.proxy.index(0, 7)
    view.table.doubleClicked.emit(index)
    qtbot.waitUntil(lambda: len(window.editors) == 1)
    editor = next(iter(window.editors.values()))
    assert editor.household.id == ids["a"]
    members = editor.form.tables["members"]
    qtbot.waitUntil(lambda: members.view.hasFocus() or QApplication.focusWidget() is members.view)
    current = members.view.currentIndex()
    assert (current.row(), current.column()) == (1, members.column_of("id_number"))
    assert editor.form.currentIndex() == 0  # the tab holding the member table

    view.set_filter(rule="L004", village="")
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    view.act_open.trigger()  # Enter does the same
    qtbot.waitUntil(lambda: len(window.editors) == 2)
    other = next(e for e in window.editors.values() if e.household.id == ids["c"])
    qtbot.waitUntil(lambda: QApplication.focusWidget() is other.form.editors["road_distance"])
    for e in list(window.editors.values()):
        e.close()


def test_findings_refresh_after_a_save(qtbot, store, dialogs) -> None:
    ids = township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    editor = window.open_household(ids["b"])
    members = editor.form.tables["members"]
    members.model.set_text(1, members.column_of("change"), "嫁出")  # 李梅 married out of B
    editor.after_change()
    assert editor.save(), [f.message for f in editor.findings]
    # Both sides of the duplicate are re-checked: A's finding went with B's.
    assert sorted(rows(view)) == [("L004", "月明村", "")]
    assert "错误 0 条，提示 1 条" in view.summary.text()
    assert view.rule_box.currentData() == ""
    editor.close()


def test_deleting_a_household_takes_its_findings_off_the_list(qtbot, store, dialogs) -> None:
    ids = township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    window.open_household(ids["b"])  # open: deleting closes it first, or it would come back
    window.table.selectRow(window.model.row_of(ids["b"]))
    dialogs.answer = dialogs.answer.Yes
    window.delete_selected()
    assert not window.editors, "its form was closed"
    assert store.households.get(ids["b"]) is None
    # B's finding and the one it caused in A are gone without a new run (F5).
    assert sorted(rows(view)) == [("L004", "月明村", "")]
    assert view.report.households == 3 and "共检查 3 户：错误 0 条，提示 1 条" in view.summary.text()


def test_a_save_that_makes_a_duplicate_shows_it_at_once(qtbot, store, dialogs) -> None:
    ids = township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    d = store.households.get(ids["d"])
    c = store.households.get(ids["c"])
    d.members[2].fields.update({k: c.members[2].get(k) for k in ("id_number", "birth_date", "sex")})
    store.households.save(d, "测试")  # as an import would, past the editor's checks
    announce(store, Change.of(ChangeKind.SAVE, [ids["d"]]))  # what a save announces
    assert {(f.rule, f.household_id) for f in view.report.findings if f.rule == "X001"} >= {
        ("X001", ids["c"]), ("X001", ids["d"])}


def test_export_to_excel_the_findings_shown(qtbot, store, dialogs, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    view.set_filter(village="炉场村")
    target = tmp_path / "炉场村问题"
    asked: list[str] = []

    def save_name(parent, title, default, filters):  # type: ignore[no-untyped-def]
        asked.append(default)
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    view.export_button.click()
    assert "炉场村" in asked[0] and asked[0].endswith(".xlsx")
    sheet = load_workbook(str(target) + ".xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("村", "组", "户编号", "户主", "成员", "规则", "严重程度", "问题说明")
    assert [v[:2] for v in values[1:]] == [("炉场村", "一组")] and values[1][4] == "李梅"
    assert dialogs.shown[-1][0] == "information" and "已导出 1 条" in dialogs.shown[-1][2]


def test_policy_dialog_edits_checks_and_saves(qtbot, store, dialogs) -> None:
    dialog = PolicyDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.days.value() == 7 and dialog.lines.rowCount() == 6 and not dialog.exclusions["土地撂荒"].isChecked()
    dialog.days.setValue(5)
    dialog.exclusions["土地撂荒"].setChecked(True)
    dialog.wubao.setChecked(False)
    dialog.standard.setCurrentText("省定标准")
    dialog._add_year(2016)
    dialog.lines.item(dialog.lines.rowCount() - 1, 2).setText("3100")  # the 省定标准 column
    dialog.limits["forest_per_person"].setText("abc")
    dialog.accept()
    assert dialogs.shown[-1][0] == "warning" and "人均林地面积上限“abc”不是数字" in dialogs.shown[-1][2]
    assert not store.policy.is_set() and dialog.result() == 0
    dialog.limits["forest_per_person"].setText("120")
    dialog.accept()
    saved = store.policy.get()
    assert saved.publicity_days == 5 and saved.exclusions == ("土地撂荒",) and not saved.wubao_in_scope
    assert saved.standard == "省定标准" and saved.income_lines["省定标准"] == {2016: Decimal(3100)}
    assert saved.limits.forest_per_person == 120 and saved.income_lines["国家标准"][2015] == 2855


def test_policy_dialog_exports_and_imports_the_file(qtbot, store, dialogs, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "青川县.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    dialog = PolicyDialog(store)
    qtbot.addWidget(dialog)
    dialog.days.setValue(3)
    dialog.export_button.click()
    assert path.exists() and not store.policy.is_set()  # exported what the form shows, saved nothing
    dialog.load(Policy())
    assert dialog.days.value() == 7
    dialog.import_button.click()
    assert dialog.days.value() == 3 and "青川县茶坝乡" in dialogs.shown[-1][2]
    path.write_text("{broken", encoding="utf-8")
    dialog.import_button.click()
    assert dialogs.shown[-1][0] == "warning" and "不是有效的 JSON" in dialogs.shown[-1][2]


def test_policy_change_from_the_menu_checks_the_township_again(qtbot, store, dialogs,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ids = township(store)
    d = store.households.get(ids["d"])
    d.fields["exclusions"] = ["赌博吸毒等违法"]
    store.households.save(d, "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    assert "E001" not in {f.rule for f in view.report.findings}

    def accept_with_exclusions(dialog: PolicyDialog) -> int:
        dialog.exclusions["赌博吸毒等违法"].setChecked(True)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(PolicyDialog, "exec", accept_with_exclusions)
    assert window.edit_policy()
    qtbot.waitUntil(lambda: not view.running and "E001" in {f.rule for f in view.report.findings}, timeout=20_000)
    assert window.act_policy.text() == "政策参数(&P)…"


def test_running_twice_at_once_is_ignored_and_cancel_keeps_the_last_list(qtbot, store, dialogs) -> None:
    township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    before = list(view.report.findings)
    view.run()
    op = view.op
    view.run()  # already running: no second job
    assert view.op is op
    op.cancel()
    qtbot.waitUntil(lambda: not view.running, timeout=20_000)
    assert view.report.findings == before and view.run_button.isEnabled()
    assert view.table.horizontalHeader().sectionSize(0) > 0 and view.table.model().headerData(
        7, Qt.Orientation.Horizontal) == "问题说明"


def test_closing_the_main_window_stops_a_running_check(qtbot, store, dialogs) -> None:
    township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    view = window.open_quality()  # the first opening starts the check at once
    op = view.op
    assert op is not None
    window.close()
    assert op.wait(0), "no thread is left running after the window closed"
    qtbot.waitUntil(lambda: not view.running, timeout=20_000)


def test_an_import_or_sync_checks_an_open_list_again(qtbot, store, dialogs) -> None:
    ids = township(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    view = open_quality(qtbot, window)
    assert ("L004", "月明村", "") in rows(view)
    # Data arrives in bulk (as an Excel import or a sync does): C's road is fixed.
    c = store.households.get(ids["c"])
    c.fields["road_distance"] = Decimal(2)
    store.households.save(c, "测试")
    announce(store, Change.of(ChangeKind.IMPORT, everything=True))  # what an import announces
    qtbot.waitUntil(lambda: not view.running, timeout=20_000)
    assert ("L004", "月明村", "") not in rows(view)
