"""The county's search index follows every batch it imports (new, changed and deleted households)."""

from __future__ import annotations

from tests.sync.world import World, export, import_
from tests.test_search import expected, index_rows, rebuilt


def test_the_index_follows_a_county_import(world: World) -> None:
    results = import_(world.county, export(world.town, world.stick).batch)
    assert [r.status for r in results] == ["imported"]
    county = world.county
    assert county.households.ids()
    assert index_rows(county) == rebuilt(county)
    hh = county.households.get(county.households.ids()[0])
    name = str(hh.members[0].get("name"))
    assert county.households.ids(search=name[:2]) == expected(county, name[:2])
    # The township deletes the household; the next batch takes it out of the county's search too.
    world.town.households.delete(world.town.households.id_for_uuid(hh.uuid), "测试")
    import_(county, export(world.town, world.stick).batch)
    assert county.households.id_for_uuid(hh.uuid) is None
    assert index_rows(county) == rebuilt(county)
