"""A household rebuilt from its sync bundle (what the county checks) is the household the store loads."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.demo import build_demo
from fupin_desktop.domain.household import TABLES
from fupin_desktop.store import Store
from fupin_desktop.store.household_reads import LOCATION_FIELDS, TOWNSHIP_SOURCED
from fupin_desktop.store.year_files import bundle_household


def test_bundle_household_types_every_value_as_the_store_does(tmp_path: Path) -> None:
    with Store(tmp_path / "town.db") as store:
        build_demo(store, households=40, seed=3)
        ids = [int(r[0]) for r in store.db.query("SELECT id FROM households WHERE deleted = 0 ORDER BY id")]
        grid = [f.id for f in store.spec.grid_fields() if f.id not in LOCATION_FIELDS and f.id not in TOWNSHIP_SOURCED]
        for household_id, bundle in store.sync.bundles(ids):
            loaded = store.households.get(household_id)
            rebuilt = bundle_household(bundle, store.spec, "某村", None, household_id)
            for k in grid:
                assert rebuilt.fields.get(k) == loaded.fields.get(k), k
                assert type(rebuilt.fields.get(k)) is type(loaded.fields.get(k)), k
            for table in TABLES:
                assert [r.fields for r in rebuilt.table(table)] == [r.fields for r in loaded.table(table)], table
                assert [r.uuid for r in rebuilt.table(table)] == [r.uuid for r in loaded.table(table)]
            # every row gets its own lists: changing one row's multi-choice field leaves the others
            members = rebuilt.table("members")
            lists = [v for r in members for v in r.fields.values() if isinstance(v, list)]
            assert len({id(v) for v in lists}) == len(lists)
