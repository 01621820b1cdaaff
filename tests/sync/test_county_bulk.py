"""A county import on SQLite writes each entry's new households in one go (store/sync_bulk.py):
the county database ends up with exactly the rows the household-at-a-time merge writes.

Two copies of one county database take the same batches, one with the entry loader, one without
(``prefetch`` a no-op: every household on its own); apart from the county's own clock, every row of
every table is the same — households and their ids, members, Handbook rows, search index, audit,
sync points, conflicts, rejections and cross-township duplicates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.store import Store
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.sync_bulk import EntryLoad
from fupin_desktop.store.sync_merge import CountyMerge
from fupin_desktop.sync.county_import import ImportResult
from tests.helpers import full_household
from tests.sync.world import World, export, import_

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def rows(store: Store, since: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, the county's own timestamps (from ``since`` on) blanked."""
    names = [r[0] for r in store.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'household_search_%' ORDER BY name")]  # (the full-text index's own tables)
    out = {}
    for name in names:
        without_rowid = "WITHOUT ROWID" in store.db.query_one(
            "SELECT sql FROM sqlite_master WHERE name = ?", (name,))[0].upper()
        found = store.db.query(f'SELECT * FROM "{name}"' if without_rowid else f'SELECT rowid, * FROM "{name}" ORDER BY rowid')
        out[name] = sorted((tuple("NOW" if isinstance(v, str) and _TIME.match(v) and v >= since else v for v in row)
                            for row in found), key=repr)
    return out


def import_one_by_one(county: Store, batch: Path, monkeypatch: pytest.MonkeyPatch) -> ImportResult:
    with monkeypatch.context() as m:
        m.setattr(CountyMerge, "prefetch", lambda self, bundles: None)
        [result] = import_(county, batch)
    return result


def same_result(a: ImportResult, b: ImportResult) -> None:
    assert (a.status, a.merge, a.counts, a.conflicts, a.duplicates, a.rejected, a.cleaned) == (
        b.status, b.merge, b.counts, b.conflicts, b.duplicates, b.rejected, b.cleaned)


def test_an_entry_at_a_time_writes_the_rows_of_a_household_at_a_time(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    town, other = world.town, world.other
    for s in range(4, 12):  # more households, a few of them people the other township has too
        town.households.save(full_household(town.spec, seed=s, village="炉场村", group="一组"), "测试")
    for s in (1, 5):
        other.households.save(full_household(other.spec, seed=s, village="炉场村", group="一组",
                                             number=f"51082210600000{s:02d}"), "测试")
    [first] = import_(world.county, export(other, tmp_path / "other").batch)
    assert first.status == "imported"
    world.county.db.backup(tmp_path / "county-b.db")
    plain = Store(tmp_path / "county-b.db")
    since = now_iso()
    inserted: list[str] = []
    real_insert = EntryLoad.insert

    def counting(self: EntryLoad, bundle: dict[str, Any], *args: Any) -> int:
        inserted.append(bundle["uuid"])
        return real_insert(self, bundle, *args)

    monkeypatch.setattr(EntryLoad, "insert", counting)
    try:
        # The first batch: every household new, some of them also in the other township.
        batch = export(town, tmp_path / "stick1").batch
        bulk_result, plain_result = import_(world.county, batch)[0], import_one_by_one(plain, batch, monkeypatch)
        same_result(bulk_result, plain_result)
        assert bulk_result.merge["inserted"] == 11 and len(inserted) == 11 and bulk_result.duplicates
        # Both counties edit one household; the township edits it too (a conflict), edits another,
        # deletes a third and adds two.
        ids = world.saved["town"]
        for county in (world.county, plain):
            uuid = town.households.get(ids[0]).uuid
            hh = county.households.get(county.households.id_for_uuid(uuid))
            hh.fields["phone"] = "13711112222"
            county.households.save(hh, "县里")
        for hid, phone in ((ids[0], "13633334444"), (ids[1], "13655556666")):
            hh = town.households.get(hid)
            hh.fields["phone"] = phone
            town.households.save(hh, "乡里")
        town.households.delete(ids[2], "乡里")
        for s in (21, 22):
            town.households.save(full_household(town.spec, seed=s, village="兴龙村", group="三组"), "测试")
        batch = export(town, tmp_path / "stick2").batch
        inserted.clear()
        bulk_result, plain_result = import_(world.county, batch)[0], import_one_by_one(plain, batch, monkeypatch)
        same_result(bulk_result, plain_result)
        assert bulk_result.merge["inserted"] == 2 and len(inserted) == 2
        assert bulk_result.merge["updated"] >= 2 and len(bulk_result.conflicts) == 1
        # The same batch again changes nothing on either side.
        assert import_(world.county, batch)[0].status == import_one_by_one(plain, batch, monkeypatch).status
        assert rows(world.county, since) == rows(plain, since)
    finally:
        plain.close()
