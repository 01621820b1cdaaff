"""The 贫困村登记表, the statistics and the reports, on a real demo database (issue 17)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fupin_desktop.demo import build_demo
from fupin_desktop.demo.villages import MISMATCH
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.village_view import statistics, village_view


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("village") / "demo.db"
    with Store(path) as store:
        build_demo(store, 300)
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy (through SQLite's backup API) for tests that write."""
    target = tmp_path / "copy.db"
    src = sqlite3.connect(demo_db)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def fupin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True, check=False)


def plain(db: Path, sql: str, *params: Any) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


# -- statistics equal plain SQL counts -----------------------------------------------------------
def test_every_statistic_equals_a_plain_sql_count(demo_db: Path) -> None:
    assert_equals_plain_counts(demo_db)


def test_statistics_follow_saves_deletes_restores_and_moves(db: Path) -> None:
    """The narrow tables the statistics read are kept by triggers: after a save that changes a
    cause, a member's health and the household's village, a delete, a restore and a member who
    died, every figure still equals the plain count of the households' JSON."""
    with Store(db) as store:
        ids = store.households.ids()
        hh = store.households.get(ids[0])
        hh.fields["main_cause"] = "因灾"
        hh.fields["other_causes"] = ["缺水"]
        hh.fields["village"] = "三溪村" if hh.fields["village"] != "三溪村" else "炉场村"
        hh.fields["group"] = "一组"
        hh.members[0].fields["health"] = "残疾"
        if len(hh.members) > 1:
            hh.members[1].fields["change"] = "死亡"
        store.households.save(hh, "测试")
        store.households.delete(ids[1], "测试")
        store.households.delete(ids[2], "测试")
        store.recycle.restore(ids[2], "测试", force=True)
        before = statistics(store)
    assert_equals_plain_counts(db)
    assert before["households"] == 299


def assert_equals_plain_counts(demo_db: Path) -> None:
    with Store(demo_db) as store:
        doc = statistics(store)
    year = doc["year"]
    base = "FROM households h JOIN villages v ON v.id = h.village_id WHERE h.deleted = 0 AND h.year = ? AND v.name = ?"
    members = ("FROM members m JOIN households h ON h.id = m.household_id JOIN villages v ON v.id = h.village_id"
               " WHERE m.deleted = 0 AND h.deleted = 0 AND h.year = ? AND v.name = ?"
               " AND COALESCE(json_extract(m.fields, '$.change'), '') NOT IN ('死亡','嫁出','出国定居','判刑收监','其他转出')")
    assert doc["households"] == plain(demo_db, "SELECT COUNT(*) FROM households WHERE deleted = 0 AND year = ?", year)
    assert doc["persons"] == plain(demo_db, "SELECT COUNT(*) FROM members m JOIN households h ON h.id = m.household_id"
                                   " WHERE m.deleted = 0 AND h.deleted = 0 AND h.year = ? AND COALESCE("
                                   "json_extract(m.fields, '$.change'), '') NOT IN ('死亡','嫁出','出国定居','判刑收监','其他转出')",
                                   year)
    for v in doc["villages"]:
        name = v["village"]
        assert v["households"] == plain(demo_db, f"SELECT COUNT(*) {base}", year, name)
        assert v["persons"] == plain(demo_db, f"SELECT COUNT(*) {members}", year, name)
        assert v["poor_households"] == plain(demo_db, f"SELECT COUNT(*) {base} AND json_extract(h.fields, '$.exit_flag')"
                                             " IN ('未脱贫', '返贫')", year, name)
        assert v["disabled"] == plain(demo_db, f"SELECT COUNT(*) {members} AND json_extract(m.fields, '$.health') = '残疾'",
                                      year, name)
        assert v["migrant"] == plain(demo_db, f"SELECT COUNT(*) {members} AND json_extract(m.fields, '$.work_status')"
                                     " IN ('乡（镇）外县内务工', '县外省内务工', '省外务工')", year, name)
        assert v["dilapidated"] == plain(demo_db, f"SELECT COUNT(*) {base} AND json_extract(h.fields, '$.dilapidated')",
                                         year, name)
        for cause, n in v["causes"].items():
            assert n == plain(demo_db, f"SELECT COUNT(*) {base} AND json_extract(h.fields, '$.main_cause') = ?",
                              year, name, cause)
        for cause, n in v["all_causes"].items():
            assert n == plain(demo_db, f"SELECT COUNT(*) {base} AND (json_extract(h.fields, '$.main_cause') = ? OR EXISTS"
                              " (SELECT 1 FROM json_each(h.fields, '$.other_causes') c WHERE c.value = ?))",
                              year, name, cause, cause)
        for kind, n in v["attributes"].items():
            assert n == plain(demo_db, f"SELECT COUNT(*) {base} AND json_extract(h.fields, '$.household_type') = ?",
                              year, name, kind)
    assert sum(v["households"] for v in doc["villages"]) == doc["township"]["households"]
    assert doc["township"]["poor_villages"] == 3


def test_stats_json_contract_through_the_command(demo_db: Path) -> None:
    done = fupin("stats", "--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"villages", "township", "households", "persons"} <= set(doc)
    first = doc["villages"][0]
    assert {"village", "households", "persons", "incidence", "causes", "attributes"} <= set(first)
    one = json.loads(fupin("stats", "--db", str(demo_db), "--village", "月明村", "--json").stdout)
    assert [v["village"] for v in one["villages"]] == ["月明村"]
    bad = fupin("stats", "--db", str(demo_db), "--village", "不存在村")
    assert bad.returncode == 2 and "本乡没有“不存在村”" in bad.stderr


# -- the village form ------------------------------------------------------------------------------
def test_village_show_has_fields_computed_differences_and_tests(demo_db: Path) -> None:
    done = fupin("village", "show", MISMATCH[0], "--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert view["village"] == MISMATCH[0] and view["saved"] and view["leader"]
    diff = view["differences"]
    assert [d["field"] for d in diff] == [MISMATCH[1]]
    assert diff[0]["typed"] == diff[0]["computed"] + MISMATCH[2] == view[MISMATCH[1]]
    assert view["computed"][MISMATCH[1]] == diff[0]["computed"]
    with Store(demo_db) as store:
        for name in ("月明村", "新坪村", "太平村"):
            assert village_view(store, name)["poor_village_tests"]["met"] == ["high", "low", "none"]
        assert village_view(store, "炉场村")["poor_village_tests"]["met"] == []


def test_validate_names_both_numbers(demo_db: Path) -> None:
    done = fupin("validate", "--db", str(demo_db), "--village", MISMATCH[0], "--json")
    found = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "V001"]
    assert len(found) == 1
    view = json.loads(fupin("village", "show", MISMATCH[0], "--db", str(demo_db), "--json").stdout)
    d = view["differences"][0]
    assert f"填写 {d['typed']}" in found[0]["message"] and f"合计 {d['computed']}" in found[0]["message"]


def test_export_import_round_trip_and_bad_cells_change_nothing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "村表.xlsx"
    assert fupin("village", "export", "--db", str(db), "--out", str(out)).returncode == 0
    book = load_workbook(out)
    ws = book.active
    headers = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "月明村")
    row[headers.index("村负责人")].value = "新书记"
    book.save(out)
    done = fupin("village", "import", str(out), "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == 11
    with Store(db) as store:
        assert village_view(store, "月明村")["leader"] == "新书记"
        before = village_view(store, "新坪村")
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "新坪村")
    row[headers.index("总人口（人）")].value = "很多"
    row[headers.index("村负责人")].value = "不该保存"
    book.save(out)
    bad = fupin("village", "import", str(out), "--db", str(db))
    assert bad.returncode == 2 and "新坪村" in bad.stderr and "总人口" in bad.stderr and "未导入" in bad.stderr
    with Store(db) as store:
        assert village_view(store, "新坪村") == before


def test_a_saved_form_is_audited_and_a_stale_revision_refused(db: Path) -> None:
    with Store(db) as store:
        village = store.townships.village_by_name("三溪村")
        form = store.village_forms.get(int(village.id), 2015)
        assert form is not None
        stale = store.village_forms.get(int(village.id), 2015)
        form.fields["leader"] = "甲"
        store.village_forms.save(form, "测试")
        stale.fields["leader"] = "乙"
        with pytest.raises(StoreError, match="已在别处修改"):
            store.village_forms.save(stale, "测试")
        rows = store.db.query("SELECT * FROM audit WHERE entity = 'village_form' AND field = 'leader' AND new = ?",
                              ('"甲"',))
        assert len(rows) == 1


# -- reports and PDFs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["basic", "causes", "measures", "exits"])
def test_reports_read_back_with_correct_totals(demo_db: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / f"{name}.xlsx"
    done = fupin("report", name, "--db", str(demo_db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    ws = load_workbook(out).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert "茶坝乡2015年" in rows[0][0] and "填报单位：茶坝乡" in rows[1][0]
    assert any(str(c or "").startswith("单位：") for c in rows[1]) and any(str(c or "").startswith("制表日期") for c in rows[1])
    header = rows[2]
    body = [r for r in rows[3:] if r[0] and r[0] not in ("合计",) and not str(r[0]).startswith("茶坝乡")]
    total = next(r for r in rows if r[0] == "合计")
    for j in range(2, len(header)):
        if header[j] and "发生率" not in header[j] and isinstance(total[j], (int, float)):
            assert total[j] == pytest.approx(sum((r[j] or 0) for r in body[:11]))
    with Store(demo_db) as store:
        doc = statistics(store)
    if name == "basic":
        assert total[header.index("建档立卡户数")] == doc["households"] == plain(
            demo_db, "SELECT COUNT(*) FROM households WHERE deleted = 0")
        assert total[header.index("建档立卡人数")] == doc["persons"]
    if name == "measures":
        assert total[header.index("合计（项）")] == plain(
            demo_db, "SELECT COUNT(*) FROM measures r JOIN households h ON h.id = r.household_id"
            " WHERE r.deleted = 0 AND h.deleted = 0")


def test_progress_report_reads_back_and_equals_plain_sql(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    done = fupin("report", "progress", "--db", str(demo_db), "--out", str(out), "--year", "2016", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"] == "识别进度表"
    rows = [[c.value for c in r] for r in load_workbook(out).active.iter_rows()]
    assert "茶坝乡2016年识别进度表" in rows[0][0] and "填报单位：茶坝乡" in rows[1][0]
    header, body = rows[2], [r for r in rows[3:] if r[0] and r[0] != "合计"]
    total = next(r for r in rows if r[0] == "合计")
    by = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert len(body) == 11
    for j in range(2, len(header) - 1):  # every count column's total is the sum of the villages
        assert total[j] == sum(r[j] or 0 for r in body), header[j]
    latest = ("SELECT COUNT(*) FROM cases c JOIN villages v ON v.id = c.village_id JOIN households h"
              " ON h.id = c.subject_id WHERE c.id IN (SELECT MAX(id) FROM cases WHERE subject_kind = 'household'"
              " AND year = 2016 GROUP BY subject_id) AND h.deleted = 0 AND v.name = ?")
    for name in ("炉场村", "兴龙村", "青新村"):
        applied = plain(demo_db, latest + " AND c.kind <> 'exit'", name)
        assert by[name]["申请户数"] == applied > 0
        assert by[name]["待核实异议（件）"] == plain(
            demo_db, "SELECT COUNT(*) FROM objections o JOIN cases c ON c.id = o.case_id JOIN villages v"
            " ON v.id = c.village_id WHERE o.finding IS NULL AND v.name = ?", name)
    assert by["炉场村"]["第二次公示（户）"] == plain(demo_db, latest + " AND c.stage = 'publicity2'", "炉场村")
    assert by["兴龙村"]["待核实异议（件）"] == 1
    assert by["青新村"]["未通过户数"] == 1
    assert by["炉场村"]["识别规模（人）"] == 95 and by["炉场村"]["办理中人数"] == plain(
        demo_db, "SELECT SUM(h.size) FROM cases c JOIN households h ON h.id = c.subject_id JOIN villages v"
        " ON v.id = c.village_id WHERE c.subject_kind = 'household' AND c.status = 'open' AND c.kind <> 'exit'"
        " AND v.name = '炉场村'")
    assert by["双河村"]["贫困村识别"] == "贫困村公示" and by["寺坝村"]["贫困村识别"] == "村委会自愿申请"
    assert by["月明村"]["贫困村识别"] == "贫困村" and total[1] == "贫困村 3 个"
    unknown = fupin("report", "nonsense", "--db", str(demo_db), "--out", str(tmp_path / "x.xlsx"))
    assert unknown.returncode == 2 and "没有“nonsense”这张报表" in unknown.stderr


def _pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_village_pdf_filled_blank_and_summary_read_back(demo_db: Path, tmp_path: Path) -> None:
    filled, blank, summary = tmp_path / "f.pdf", tmp_path / "b.pdf", tmp_path / "s.pdf"
    assert fupin("print", "village", MISMATCH[0], "--db", str(demo_db), "--out", str(filled)).returncode == 0
    assert fupin("print", "village", "月明村", "--blank", "--db", str(demo_db), "--out", str(blank)).returncode == 0
    assert fupin("report", "summary", "--db", str(demo_db), "--out", str(summary)).returncode == 0
    text = _pdftext(filled).replace(" ", "")
    for title in ("一、基本情况", "二、发展水平", "三、基础设施状况", "四、生产生活条件", "五、公共服务情况", "六、帮扶情况",
                  "七、帮扶成效"):
        assert title in text
    assert "贫困户数填写" in text and MISMATCH[0] in text
    assert "□是□否" in _pdftext(blank).replace(" ", "").replace("\u3000", "")
    s = _pdftext(summary).replace(" ", "")
    with Store(demo_db) as store:
        doc = statistics(store)
    assert f"建档立卡{doc['households']}户" in s and "主要致贫原因" in s and "合计" in s
    pages = subprocess.run(["pdfinfo", str(summary)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.MULTILINE)


# -- bad input: a Chinese message, nothing changed ---------------------------------------------------
def _forms(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT village_id, year, fields, revision FROM village_forms ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("case", ["not_excel", "unknown_column", "unknown_village", "twice", "no_village_column"])
def test_bad_import_files_are_refused_untouched(db: Path, tmp_path: Path, case: str) -> None:
    from openpyxl import Workbook

    path = tmp_path / "bad.xlsx"
    if case == "not_excel":
        path.write_text("村名,总人口\n月明村,100\n", encoding="utf-8")
        expected = "不是"
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = "贫困村登记表"
        header = {"unknown_column": ["村名", "登记年度", "外星人口"], "no_village_column": ["登记年度", "总人口（人）"]}
        ws.append(header.get(case, ["村名", "登记年度", "总人口（人）"]))
        rows = {"unknown_village": [["不存在村", 2015, 100]], "twice": [["月明村", 2015, 100], ["月明村", 2015, 120]],
                "unknown_column": [["月明村", 2015, 1]], "no_village_column": [[2015, 100]]}[case]
        for r in rows:
            ws.append(r)
        wb.save(path)
        expected = {"unknown_column": "外星人口", "unknown_village": "本乡没有“不存在村”", "twice": "出现了两次",
                    "no_village_column": "村名"}[case]
    before = _forms(db)
    done = fupin("village", "import", str(path), "--db", str(db))
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr
    assert _forms(db) == before


def test_unknown_village_year_and_unwritable_output_are_refused(db: Path, tmp_path: Path) -> None:
    for args, expected in ((["village", "show", "火星村"], "本乡没有“火星村”"),
                           (["village", "show", "月明村", "--year", "1800"], "年度应为"),
                           (["print", "village", "火星村", "--out", str(tmp_path / "x.pdf")], "本乡没有“火星村”"),
                           (["stats", "--year", "abc"], "年度应为"),
                           (["village", "export", "--out", str(tmp_path)], "")):
        done = fupin(*args, "--db", str(db))
        assert done.returncode == 2, args
        assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("raw, message", [
    ({"2015": {"incidence": -1}}, "贫困发生率"),
    ({"二〇一五": {"income": 1}}, "不是年份"),
    ({"2015": {"basis": "city"}}, "口径"),
    ({"2015": "8%"}, "贫困村参照数"),
])
def test_bad_village_references_in_a_policy_are_refused(raw: Any, message: str) -> None:
    from fupin_desktop.rules.policy import Policy, PolicyError

    with pytest.raises(PolicyError, match=message):
        Policy.from_json({"village_references": raw})
