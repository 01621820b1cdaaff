"""Issue 16 item 6 at the county: each township's years, counts and closed-year list apart.

Two townships: 茶坝乡 carried over to 2017 (its batch carries the 2016 files), 马鹿乡 still in 2016.
The county answers per township: ``fupin year show|stats --township``, and the household list of a
closed year under the township picked in the tree (store/year_list.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from fupin_desktop.rules.years import year_rules
from fupin_desktop.store import year_list, years
from fupin_desktop.store.search_index import Scope
from tests.helpers import full_household
from tests.sync.world import OTHER, World, export, import_

REPO = Path(__file__).resolve().parents[2]


def fupin(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *argv, "--db", str(db)], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, env=env, timeout=300)


def test_the_county_sees_each_townships_years(world: World) -> None:
    for seed in (11, 12):
        world.other.households.save(full_household(world.other.spec, seed=seed, village="白果村", group="三组"), "测试")
    years.carry_over(world.town.db, 2017, "测试")
    for store in (world.town, world.other):
        [r] = import_(world.county, export(store, world.stick).batch)
        assert r.status == "imported", r.message
    county = world.county.path
    # 茶坝乡's 2017 files wait for the year's incomes: until then the county holds its 2016 only.
    waiting = json.loads(fupin(county, "year", "show", "--township", "茶坝乡", "--json").stdout)
    assert (waiting["years"], waiting["live"]) == ([2016], 2016)
    for hid in world.saved["town"]:  # the clerk enters 2017's incomes; the next batch brings the files
        hh = world.town.households.get(hid)
        last = years.snapshot(world.town.db, hh.uuid, 2016)["fields"]
        hh.fields.update({k: Decimal(v) for k, v in last.items() if k in year_rules().carry.clear_fields})
        world.town.households.save(hh, "测试")
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert r.status == "imported" and r.counts["households"] == 3
    chaba = json.loads(fupin(county, "year", "show", "--township", "茶坝乡", "--json").stdout)
    malu = json.loads(fupin(county, "year", "show", "--township", OTHER["code"], "--json").stdout)
    assert (chaba["years"], chaba["live"]) == ([2016, 2017], 2017)
    assert (malu["years"], malu["live"]) == ([2016], 2016)
    both = json.loads(fupin(county, "year", "stats", "--year", "2016", "--json").stdout)
    town16 = json.loads(fupin(county, "year", "stats", "--year", "2016", "--township", "茶坝乡", "--json").stdout)
    other16 = json.loads(fupin(county, "year", "stats", "--year", "2016", "--township", "马鹿乡", "--json").stdout)
    assert (town16["households"], other16["households"]) == (3, 2)
    assert town16["persons"] + other16["persons"] >= town16["persons"] > 0 and both["households"] >= 3
    assert json.loads(fupin(county, "year", "stats", "--year", "2017", "--township", "茶坝乡",
                            "--json").stdout)["households"] == 3
    bad = fupin(county, "year", "stats", "--year", "2017", "--township", "马鹿乡", "--json")
    assert bad.returncode == 2 and "没有 2017 年度" in bad.stderr and "2016" in bad.stderr and bad.stdout == ""
    bad = fupin(county, "year", "show", "--township", "无此乡", "--json")
    assert bad.returncode == 2 and "没有乡镇“无此乡”" in bad.stderr and "茶坝乡" in bad.stderr
    # The county's household list of 2016, township by township (the tree's pick).
    own = world.town.townships.get()
    assert own is not None
    assert len(year_list.ids(world.county.db, 2016, Scope(township_code=own.code))) == 3
    assert year_list.ids(world.county.db, 2016, Scope(township_code=OTHER["code"])) == []  # 马鹿乡 not closed yet
    rows = year_list.summaries(world.county.db, year_list.ids(world.county.db, 2016, Scope()))
    assert {r.township for r in rows} == {"茶坝乡"}
