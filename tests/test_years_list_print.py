"""Issue 16, the household list by year and label, and printing a closed year's file.

Real SQLite files; the ``fupin`` contract through real subprocesses: ``fupin households --year
--label`` (same JSON keys as before) and ``fupin print card|handbook --year`` (the year's frozen
file, read-only); bad input refused in Chinese with nothing changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fupin_desktop.store import Store, year_list, years
from fupin_desktop.store.search_index import Scope
from tests.helpers import full_household, make_store
from tests.printing.pdfcheck import page_count, pdf_text

REPO = Path(__file__).resolve().parent.parent
KEYS = {"id", "number", "village", "group", "head_name", "size", "township"}


def fupin(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(db), *argv], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, env=env, timeout=300)


def two_years(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """2016 closed, 2017 current: 甲 was 未脱贫 低保户 in 2016 and 已脱贫 in 2017; 乙 一般贫困户 both
    years, renamed head in 2017; 丙 only in 2016 (deleted since); 丁 new in 2017."""
    numbers: dict[str, str] = {}
    with make_store(tmp_path) as store:
        made = {}
        for seed, key, kind in ((1, "甲", "低保户"), (2, "乙", "一般贫困户"), (3, "丙", "五保户")):
            hh = full_household(store.spec, seed=seed, names=(f"{key}户主", f"{key}妻"))
            hh.fields.update(exit_flag="未脱贫", household_type=kind)
            made[key] = store.households.save(hh, "测试")
            numbers[key] = str(made[key].fields["number"])
        years.carry_over(store.db, 2017, "测试")
        first = store.households.get(int(made["甲"].id or 0))
        assert first is not None
        first.fields.update(exit_flag="已脱贫（享受政策）", exit_year=2017)
        store.households.save(first, "测试")
        second = store.households.get(int(made["乙"].id or 0))
        assert second is not None
        second.members[0].fields["name"] = "乙新名"
        store.households.save(second, "测试")
        store.households.delete(int(made["丙"].id or 0), "测试")
        new = full_household(store.spec, seed=4, names=("丁户主",))
        new.fields.update(exit_flag="未脱贫", household_type="低保户", year=2017)
        numbers["丁"] = str(store.households.save(new, "测试").fields["number"])
    return tmp_path / "township.db", numbers


def test_the_store_lists_a_closed_year_by_label_village_and_search(tmp_path: Path) -> None:
    db, numbers = two_years(tmp_path)
    with Store(db) as store:
        every = year_list.ids(store.db, 2016, Scope())
        rows = year_list.summaries(store.db, every)
        assert sorted(r.head_name for r in rows) == ["丙户主", "乙户主", "甲户主"]
        assert {r.year for r in rows} == {2016} and all(r.exit_flag == "未脱贫" for r in rows)
        low = year_list.summaries(store.db, year_list.ids(store.db, 2016, Scope(household_type="低保户")))
        assert [r.number for r in low] == [numbers["甲"]]
        # The same label in the live list is the current year's: 甲 exited, 丁 is new.
        assert len(store.households.ids(household_type="低保户")) == 2
        assert store.households.ids(household_type="低保户", exit_flag="未脱贫") == [
            store.households.ids_by_number([numbers["丁"]])[numbers["丁"]][0]]
        # Search: the head's name of that year, or a member of the current file.
        assert [r.head_name for r in year_list.summaries(store.db, year_list.ids(store.db, 2016, Scope(),
                                                                                 search="乙户主"))] == ["乙户主"]
        assert len(year_list.ids(store.db, 2016, Scope(), search="乙新名")) == 1
        assert year_list.ids(store.db, 2016, Scope(exit_flag="返贫")) == []
        village = store.townships.villages()[0]
        assert len(year_list.ids(store.db, 2016, Scope(village_id=village.id))) == sum(
            1 for r in rows if r.village == village.name)
        descending = year_list.ids(store.db, 2016, Scope(), descending=True)
        assert descending == list(reversed(every))
        plan = " ".join(str(tuple(r)) for r in store.db.query(
            "EXPLAIN QUERY PLAN SELECT s.id FROM year_snapshots s WHERE s.year = ? ORDER BY s.number, s.id", (2016,)))
        assert "year_snapshots_list" in plan and "TEMP B-TREE" not in plan


def test_fupin_households_year_and_label_keep_the_json_keys(tmp_path: Path) -> None:
    db, numbers = two_years(tmp_path)
    current = json.loads(fupin(db, "households", "--json").stdout)
    assert {r["head_name"] for r in current} == {"甲户主", "乙新名", "丁户主"} and all(set(r) == KEYS for r in current)
    old = json.loads(fupin(db, "households", "--year", "2016", "--json").stdout)
    assert {r["head_name"] for r in old} == {"甲户主", "乙户主", "丙户主"} and all(set(r) == KEYS for r in old)
    gone = next(r for r in old if r["head_name"] == "丙户主")
    assert gone["id"] is None  # no longer registered: no current id
    kept = next(r for r in old if r["head_name"] == "甲户主")
    assert kept["id"] == next(r["id"] for r in current if r["number"] == numbers["甲"])
    exited = json.loads(fupin(db, "households", "--label", "已脱贫（享受政策）", "--json").stdout)
    assert [r["number"] for r in exited] == [numbers["甲"]]
    both = json.loads(fupin(db, "households", "--year", "2016", "--label", "低保", "--label", "未脱贫",
                            "--json").stdout)
    assert [r["number"] for r in both] == [numbers["甲"]]
    live_low = json.loads(fupin(db, "households", "--year", "2017", "--label", "dbh", "--json").stdout)
    # The current year named by its number: the live files; 低保户 by its pinyin initials.
    assert sorted(r["number"] for r in live_low) == sorted([numbers["甲"], numbers["丁"]])
    for argv, words in ((("--year", "2010"), ("没有 2010 年度", "2016、2017")),
                        (("--label", "乱写"), ("不是脱贫状态或贫困户属性", "低保户")),
                        (("--label", "01"), ("请写名称",)),
                        (("--label", "未脱贫", "--label", "返贫"), ("两个脱贫状态",)),
                        (("--year", "abc"), ("年度",))):
        bad = fupin(db, "households", *argv, "--json")
        assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
        assert all(w in bad.stderr for w in words), bad.stderr


def test_fupin_print_a_closed_years_card_and_handbook(tmp_path: Path) -> None:
    db, numbers = two_years(tmp_path)
    out = tmp_path / "2016.pdf"
    run = fupin(db, "print", "card", "--household", numbers["乙"], "--year", "2016", "--out", str(out), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["households"] == 1
    text = pdf_text(out)
    assert "乙户主" in text and "乙新名" not in text and "2016" in text  # the file as it was carried over
    now = tmp_path / "2017.pdf"
    assert fupin(db, "print", "card", "--household", numbers["乙"], "--out", str(now)).returncode == 0
    assert "乙新名" in pdf_text(now)
    # A household no longer registered is still printable for the year it was.
    gone = tmp_path / "gone.pdf"
    run = fupin(db, "print", "handbook", "--household", numbers["丙"], "--year", "2016", "--out", str(gone))
    assert run.returncode == 0, run.stderr
    assert page_count(gone) > 1 and "丙户主" in pdf_text(gone)
    # The current year given as --year prints the live file.
    same = tmp_path / "same.pdf"
    assert fupin(db, "print", "card", "--household", numbers["甲"], "--year", "2017", "--out", str(same)).returncode == 0
    assert "已脱贫（享受政策）" in pdf_text(same)
    # A whole village's 2016 files, 丙 among them.
    village = tmp_path / "village.pdf"
    with Store(db) as store:
        name = store.households.summaries(store.households.ids())[0].village
        expected = len(years.snapshot_summaries(store.db, 2016, village=name))
    run = fupin(db, "print", "village-cards", "--village", name, "--year", "2016", "--out", str(village), "--json")
    assert run.returncode == 0 and json.loads(run.stdout)["households"] == expected >= 1, run.stderr
    bad = fupin(db, "print", "village-cards", "--village", "无此村", "--year", "2016", "--out", str(village) + "x")
    assert bad.returncode == 2 and "无此村没有 2016 年度的档案" in bad.stderr
    with Store(db) as store:
        before = store.sync.table_digest()
    for argv, word in (((numbers["丁"], "2016"), "没有 2016 年度的档案"), ((numbers["甲"], "2012"), "没有 2012 年度"),
                       (("99999999", "2016"), "99999999")):
        bad_out = tmp_path / "bad.pdf"
        bad = fupin(db, "print", "card", "--household", argv[0], "--year", argv[1], "--out", str(bad_out), "--json")
        assert bad.returncode == 2 and word in bad.stderr and bad.stdout == "" and not bad_out.exists(), bad.stderr
    with Store(db) as store:
        assert store.sync.table_digest() == before
