"""A county database holds every township's households: each keeps its own township.

Both townships of the world have a 炉场村; the county must never mix them up.
"""

from __future__ import annotations

import json

from fupin_desktop.store.sync import SyncRepository
from tests.helpers import full_household
from tests.sync.world import COUNTY_NAME, OTHER, World, export, import_

TOWN_CODE = "510822105"


def import_both(world: World) -> dict[str, list[str]]:
    """Two 马鹿乡 households in its 炉场村 beside 茶坝乡's three; returns the UUIDs by township code."""
    other = [world.other.households.save(
        full_household(world.other.spec, seed=s, village="炉场村", group="一组", number=f"{OTHER['code']}{s:07d}"),
        "测试").uuid for s in (11, 12)]
    results = import_(world.county, export(world.town, world.stick).batch, export(world.other, world.stick).batch)
    assert [r.status for r in results] == ["imported", "imported"], [r.message for r in results]
    town = [world.town.households.get(i).uuid for i in world.saved["town"]]
    return {TOWN_CODE: town, OTHER["code"]: other}


def place(hh) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    return tuple(hh.fields.get(k) for k in ("province", "city", "county", "township"))  # type: ignore[return-value]


def test_county_household_shows_its_own_township_not_the_county_database(world: World) -> None:
    uuids = import_both(world)
    households = world.county.households
    for code, name in ((TOWN_CODE, "茶坝乡"), (OTHER["code"], "马鹿乡")):
        for uuid in uuids[code]:
            hh = households.get(households.id_for_uuid(uuid))
            assert place(hh) == ("四川省", "广元市", "青川县", name)
    # The bulk reader (quality checks, Excel, printing) agrees with get().
    bulk = {hh.uuid: place(hh) for hh in households.iter_all()}
    assert {bulk[u][3] for u in uuids[OTHER["code"]]} == {"马鹿乡"}
    assert {bulk[u][3] for u in uuids[TOWN_CODE]} == {"茶坝乡"}
    # A township database still shows its own township.
    assert place(world.town.households.get(world.saved["town"][0])) == ("四川省", "广元市", "青川县", "茶坝乡")


def test_names_the_registry_lacks_come_from_the_county_database(world: World) -> None:
    uuids = import_both(world)
    with world.county.db.transaction():  # a township key file without county, city or province
        SyncRepository(world.county.db).update_township_info(OTHER["code"], {"name": "马鹿乡"})
    hh = world.county.households.get(world.county.households.id_for_uuid(uuids[OTHER["code"]][0]))
    assert hh.fields["township"] == "马鹿乡" and hh.fields["county"] == COUNTY_NAME
    assert not hh.fields.get("province")


def test_place_of_a_village_for_a_new_household(world: World) -> None:
    import_both(world)
    villages = SyncRepository(world.county.db).village_townships()
    malu = next(v for v, code in villages.items() if code == OTHER["code"])
    assert world.county.households.place(malu)["township"] == "马鹿乡"
    assert world.town.households.place(None)["township"] == "茶坝乡"


def test_households_of_one_township(world: World) -> None:
    uuids = import_both(world)
    households = world.county.households
    malu = households.ids(township_code=OTHER["code"])
    assert {households.get(i).uuid for i in malu} == set(uuids[OTHER["code"]])
    assert households.count(township_code=OTHER["code"]) == 2
    assert households.count(township_code=TOWN_CODE) == 3 and households.count() == 5
    assert households.ids(township_code="510822199") == [] and households.count(township_code="510822199") == 0
    # The filter combines with the others: 炉场村 exists in both townships.
    [summary] = households.summaries(malu[:1])
    both = households.ids(search=summary.number)
    assert households.ids(search=summary.number, township_code=TOWN_CODE) == [] and both == malu[:1]
    # On a township database its own code keeps every household.
    assert len(world.town.households.ids(township_code=TOWN_CODE)) == world.town.households.count(
        township_code=TOWN_CODE) == 3


def test_households_command_at_the_county_names_and_filters_townships(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.cli import main

    import_both(world)
    db = str(world.county.path)
    assert main(["households", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and {line.split("\t")[2] for line in lines} == {"茶坝乡", "马鹿乡"}
    assert main(["households", "--db", db, "--township", "马鹿乡", "--json"]) == 0
    assert {r["township"] for r in json.loads(capsys.readouterr().out)} == {"马鹿乡"}
    # 炉场村 is in both townships: the command asks which one rather than guessing.
    assert main(["households", "--db", db, "--village", "炉场村"]) != 0
    assert "--township" in capsys.readouterr().err
    assert main(["households", "--db", db, "--village", "炉场村", "--township", TOWN_CODE, "--json"]) == 0
    assert [(r["township"], r["village"]) for r in json.loads(capsys.readouterr().out)] == [("茶坝乡", "炉场村")]
    assert main(["households", "--db", db, "--township", "不存在乡"]) != 0
    assert "马鹿乡（510822106）" in capsys.readouterr().err
