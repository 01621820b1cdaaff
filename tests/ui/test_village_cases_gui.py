"""贫困村识别与退出 and the 统计 page's 识别进度 / 教育资助 tabs with real widgets (issue 17)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QPushButton

from fupin_desktop.demo import build_demo
from fupin_desktop.store import Store
from fupin_desktop.store.village_view import statistics
from fupin_desktop.ui.stats_page import StatsWindow
from fupin_desktop.ui.village_cases import VillageCasesDialog
from fupin_desktop.ui.village_form import VillageFormDialog

SHOTS = Path("/tmp/h17-shots")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("villagecases") / "demo.db"
    with Store(path) as store:
        build_demo(store, 300)
    return path


@pytest.fixture(autouse=True)
def cjk_font(qapp: object) -> None:
    """The bundled CJK font, so the grabbed pictures read as on a clerk's screen."""
    from fupin_desktop.ui.fonts import apply_default_font

    apply_default_font(qapp)  # type: ignore[arg-type]


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "demo.db"
    src, dst = sqlite3.connect(demo_file), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    store = Store(target)
    yield store
    store.close()


def select(dialog: VillageCasesDialog, *names: str) -> None:
    dialog.select(list(names))
    assert sorted(dialog.selected()) == sorted(names)


def press(qtbot: object, dialog: VillageCasesDialog, key: str, day: str, note: str = "") -> str:
    dialog.when.setDate(QDate.fromString(day, "yyyy-MM-dd"))
    dialog.note.setText(note)
    before = dialog.last_op
    button: QPushButton = dialog.buttons[key]
    button.click()
    if dialog.last_op is not before:
        with qtbot.waitSignal(dialog.last_op.finished, timeout=20_000):  # type: ignore[attr-defined]
            pass
    return dialog.message.text()


def row(dialog: VillageCasesDialog, name: str) -> list[str]:
    for i in range(dialog.table.rowCount()):
        if dialog.table.item(i, 0).text() == name:
            return [dialog.table.item(i, j).text() for j in range(dialog.table.columnCount())]
    raise AssertionError(name)


def test_a_village_from_application_to_announcement(qtbot: object, demo: Store, tmp_path: Path) -> None:
    form = VillageFormDialog(demo, "石古村")
    qtbot.addWidget(form)  # type: ignore[attr-defined]
    dialog = form.open_cases()
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.waitExposed(dialog)  # type: ignore[attr-defined]
    assert dialog.selected() == ["石古村"]
    assert "规模：4 个村" in dialog.quota.text() and "月明村" in dialog.quota.text()
    assert row(dialog, "双河村")[2] == "贫困村公示" and row(dialog, "寺坝村")[2] == "村委会自愿申请"
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "village-cases.png"))
    # nothing selected: a clear message, nothing done
    dialog.table.clearSelection()
    assert "请先在列表中选中" in press(qtbot, dialog, "apply", "2016-04-01")
    select(dialog, "石古村")
    assert "已受理" in press(qtbot, dialog, "apply", "2016-04-01", "村民代表大会同意申请")
    assert row(dialog, "石古村")[2] == "村委会自愿申请"
    # 乡镇审核 would make it the fifth village of a quota of 4: refused without a reason
    text = press(qtbot, dialog, "advance", "2016-04-02")
    assert "未办理" in text and "超出贫困村规模" in text and row(dialog, "石古村")[2] == "村委会自愿申请"
    dialog.override.setText("县里追加一个指标")
    assert "超出贫困村规模" in press(qtbot, dialog, "advance", "2016-04-02")
    assert row(dialog, "石古村")[2] == "乡镇审核"
    dialog.override.clear()
    press(qtbot, dialog, "advance", "2016-04-05", "乡镇审核通过")
    assert row(dialog, "石古村")[2] == "贫困村公示"
    # 双河村's round is open: 石古村 waits for a new round
    assert "已开始" in press(qtbot, dialog, "publicity", "2016-04-06")
    assert "期满" in press(qtbot, dialog, "advance", "2016-04-08")
    select(dialog, "石古村")
    assert "已登记异议" in press(qtbot, dialog, "objection", "2016-04-07", "耕地面积填报有误")
    assert row(dialog, "石古村")[2] == "贫困村公示（有异议待核实）" and row(dialog, "石古村")[4] == "1"
    assert "异议不成立" in press(qtbot, dialog, "dismissed", "2016-04-09", "核实：面积准确")
    pdf = tmp_path / "公示.pdf"
    dialog.print_round(pdf)
    qtbot.waitUntil(lambda: "已生成" in dialog.message.text(), timeout=20000)  # type: ignore[attr-defined]
    assert "石古村" in PdfReader(pdf).pages[0].extract_text()
    press(qtbot, dialog, "advance", "2016-04-13")
    assert "文号" in press(qtbot, dialog, "approve", "2016-04-20")  # no document number: refused
    dialog.document.setText("青扶发〔2016〕5号")
    assert "县审定通过" in press(qtbot, dialog, "approve", "2016-04-20")
    press(qtbot, dialog, "advance", "2016-04-22", "公告")
    assert row(dialog, "石古村")[1:3] == ["是", "确定为贫困村"]
    assert dialog.records.rowCount() == 6 and dialog.records.item(0, 2).text() == "申请"
    announce = tmp_path / "公告.pdf"
    dialog.print_announce(announce)
    qtbot.waitUntil(lambda: "已生成" in dialog.message.text() and announce.exists(),  # type: ignore[attr-defined]
                    timeout=20000)
    assert "石古村" in PdfReader(announce).pages[0].extract_text()
    village = demo.townships.village_by_name("石古村")
    assert village is not None and village.is_poor
    dialog.grab().save(str(SHOTS / "village-cases-done.png"))


def test_exit_refused_above_the_line_in_the_dialog(qtbot: object, demo: Store) -> None:
    dialog = VillageCasesDialog(demo, "月明村")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    year = statistics(demo)["year"]
    text = press(qtbot, dialog, "exit", f"{year}-12-01")
    assert "未办理" in text and "贫困发生率" in text
    assert row(dialog, "月明村")[2] == "贫困村"


def test_stats_page_progress_and_education_tabs_equal_the_store(qtbot: object, demo: Store) -> None:
    window = StatsWindow(demo)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.year_box.setCurrentText("2016")
    window.reload()
    qtbot.waitUntil(lambda: window.data is not None and window.data["year"] == 2016,  # type: ignore[attr-defined]
                    timeout=20000)
    doc = statistics(demo, 2016)
    table = window.progress_tab.table
    assert table.rowCount() == len(doc["progress"]) + 1
    by = {table.item(i, 0).text(): [table.item(i, j).text() for j in range(table.columnCount())]
          for i in range(table.rowCount())}
    lu = next(p for p in doc["progress"] if p["village"] == "炉场村")
    assert by["炉场村"][2] == str(lu["applied"]) and by["炉场村"][9] == str(lu["in_process_persons"])
    assert by["双河村"][1] == "贫困村公示" and by["兴龙村"][6] == "1"
    assert by["合计"][2] == str(demo.db.integer(
        "SELECT COUNT(DISTINCT subject_id) FROM cases WHERE subject_kind = 'household' AND year = 2016"
        " AND kind <> 'exit'"))
    window.tabs.setCurrentWidget(window.progress_tab)
    index = [p["village"] for p in doc["progress"]].index("炉场村")
    window.progress_tab.bar_sets[1].clicked.emit(index)
    qtbot.waitUntil(lambda: "炉场村本年" in window.picked.text(), timeout=20000)  # type: ignore[attr-defined]
    assert window.households.rowCount() == demo.db.integer(
        "SELECT COUNT(DISTINCT c.subject_id) FROM cases c JOIN villages v ON v.id = c.village_id"
        " WHERE c.subject_kind = 'household' AND c.year = 2016 AND v.name = '炉场村'")
    SHOTS.mkdir(exist_ok=True)
    window.resize(1200, 800)
    window.grab().save(str(SHOTS / "stats-progress.png"))
    window.year_box.setCurrentText("2015")  # the school year 2015-2016 holds 2015-12-31
    qtbot.waitUntil(lambda: window.data is not None and window.data["year"] == 2015,  # type: ignore[attr-defined]
                    timeout=20000)
    edu = window.education_tab.table
    items = {edu.item(i, 0).text(): (edu.item(i, 1).text(), edu.item(i, 2).text()) for i in range(edu.rowCount())}
    plain = demo.db.query(
        "SELECT json_extract(j.value, '$[0]'), COUNT(*), SUM(json_extract(j.value, '$[1]'))"
        " FROM education_applications a, json_each(a.items) j WHERE a.deleted = 0 AND a.school_year = '2015-2016'"
        " GROUP BY 1")
    assert plain and {r[0]: (str(r[1]), str(float(r[2]))) for r in plain} == {
        k: v for k, v in items.items() if k in {r[0] for r in plain}}
    assert items["合计"][0] == str(demo.db.integer(
        "SELECT COUNT(*) FROM education_applications WHERE deleted = 0 AND school_year = '2015-2016'"))
    # 历年变化: exits and returns per year beside the persons
    years = window.years_tab.table
    row2015 = next(i for i in range(years.rowCount()) if years.item(i, 0).text() == "2015")
    assert [years.horizontalHeaderItem(j).text() for j in (5, 6)] == ["当年脱贫户", "返贫户"]
    assert int(years.item(row2015, 5).text()) == demo.db.integer(
        "SELECT COUNT(*) FROM household_facts WHERE deleted = 0 AND year = 2015 AND exit_year = 2015"
        " AND exit_flag IN ('已脱贫（享受政策）', '已脱贫（不再享受政策）')")
    assert int(years.item(row2015, 6).text()) == demo.db.integer(
        "SELECT COUNT(*) FROM household_facts WHERE deleted = 0 AND year = 2015 AND exit_flag = '返贫'")
    # 含其他致贫原因: read on demand (deferred at opening), equal to the full document's
    window.all_causes.setChecked(True)
    qtbot.waitUntil(lambda: window.data["all_causes_loaded"], timeout=20000)  # type: ignore[attr-defined]
    causes = window.causes_tab.table
    assert {causes.item(i, 0).text(): int(causes.item(i, 1).text()) for i in range(causes.rowCount())} == \
        statistics(demo, 2015)["township"]["all_causes"]
    window.tabs.setCurrentWidget(window.education_tab)
    window.education_tab.bar_sets[0].clicked.emit(0)  # 扶贫专项助学金: every student's household
    qtbot.waitUntil(lambda: "扶贫专项助学金" in window.picked.text(), timeout=20000)  # type: ignore[attr-defined]
    assert window.households.rowCount() == demo.db.integer(
        "SELECT COUNT(DISTINCT m.household_id) FROM education_applications a JOIN members m ON m.uuid = a.member_uuid"
        " JOIN households h ON h.id = m.household_id AND h.deleted = 0 AND h.year = 2015"
        " WHERE a.deleted = 0 AND a.school_year = '2015-2016'")
    window.grab().save(str(SHOTS / "stats-education.png"))


def test_policy_dialog_edits_the_quota_and_exit_line_and_keeps_the_procedure(qtbot: object, demo: Store,
                                                                             dialogs: object) -> None:
    import dataclasses
    from decimal import Decimal

    from fupin_desktop.ui.policy_dialog import PolicyDialog

    demo.policy.put(dataclasses.replace(demo.policy.get(), procedure="three_level"), "测试")
    code = demo.townships.get().code  # type: ignore[union-attr]
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.village_refs.quota.value() == 4 and dialog.village_refs.exit_line.value() == 3
    dialog.accept()  # saving keeps both, and the identification procedure
    saved = demo.policy.get()
    assert saved.poor_village_quota(code) == 4 and saved.village_exit_incidence == 3
    assert saved.procedure == "three_level"
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.village_refs.quota.setValue(5)
    dialog.village_refs.exit_line.setValue(2)
    dialog.accept()
    saved = demo.policy.get()
    assert saved.poor_village_quota(code) == 5 and saved.village_exit_incidence == Decimal(2)
    assert saved.poor_village_quotas["*"] == 4  # other townships' quota kept
    dialog = PolicyDialog(demo)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.village_refs.quota.setValue(-1)  # 未设置
    dialog.accept()
    assert code not in demo.policy.get().poor_village_quotas


def test_the_households_casework_page_lists_no_village_round(qtbot: object, demo: Store) -> None:
    from fupin_desktop.ui.casework_page import CaseworkPage

    page = CaseworkPage(demo)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.refresh()
    stages = {page.rounds.item(i, 2).text() for i in range(page.rounds.rowCount())}
    assert stages and "贫困村公示" not in stages  # the demo's 双河村 round is the village dialog's
    assert len(demo.publicity.rounds()) == page.rounds.rowCount() + 1


def test_villages_two_townships_share_get_bars_of_their_own() -> None:
    from fupin_desktop.ui.stats_tabs import bar_names

    rows = [{"village": "炉场村", "code": "510822105001"}, {"village": "兴龙村", "code": "510822105002"},
            {"village": "炉场村", "code": "510822106001"}, {"village": "新村"}, {"village": "新村"}]
    assert bar_names(rows) == ["炉场村（510822105001）", "兴龙村", "炉场村（510822106001）", "新村（4）", "新村（5）"]
