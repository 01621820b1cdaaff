"""Factories for the sync tests: a county database, townships linked to it, batches on a "stick".

Everything is real: database files, key pairs, passphrases, batch files on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fupin_desktop import quality
from fupin_desktop.domain.township import Township, Village
from fupin_desktop.store import Store
from fupin_desktop.store.crossrecord import load_memory_records
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import ImportResult, import_files
from fupin_desktop.sync.export import ExportResult, export_batch
from fupin_desktop.sync.keys import (
    CountyPrivate,
    ensure_township_key,
    init_county,
    register_township,
    trust_county,
    unlock_county,
)
from tests.helpers import TOWNSHIP, VILLAGES, full_household, new_database_file

PASSPHRASE = "乡镇口令-2016-secret"
COUNTY_CODE, COUNTY_NAME = "510822", "青川县"
#: A second township of the same county; it has a 炉场村 too (names are unique per township only).
OTHER = {"code": "510822106", "name": "马鹿乡", "county": "青川县", "city": "广元市", "province": "四川省"}
OTHER_VILLAGES = {"炉场村": (80, ["一组", "二组"]), "白果村": (60, ["三组"])}


def make_county(path: Path) -> Store:
    store = Store(new_database_file(path))
    init_county(SyncRepository(store.db), COUNTY_CODE, COUNTY_NAME, PASSPHRASE, store.operator)
    return store


def make_township(path: Path, info: dict[str, str] = TOWNSHIP,
                  villages: dict[str, tuple[int | None, list[str]]] = VILLAGES) -> Store:
    store = Store(new_database_file(path))
    town = Township(**info, villages=[Village(name=v, quota=q, groups=list(g)) for v, (q, g) in villages.items()])
    store.townships.create(town, store.operator)
    return store


def link(town: Store, county: Store) -> None:
    """The township trusts the county key; the county registers the township key."""
    from fupin_desktop.sync.keys import own_county_public

    trust_county(SyncRepository(town.db), own_county_public(SyncRepository(county.db)))
    pub = ensure_township_key(SyncRepository(town.db), PASSPHRASE)
    register_township(SyncRepository(county.db), pub, county.operator)


def unlock(county: Store) -> CountyPrivate:
    return unlock_county(SyncRepository(county.db), PASSPHRASE)


def export(town: Store, out: Path, *, full: bool = False) -> ExportResult:
    out.mkdir(parents=True, exist_ok=True)
    return export_batch(town, out, passphrase=PASSPHRASE, full=full,
                        context=quality.context(town, load_memory_records(town.db)))


def import_(county: Store, *paths: str | Path) -> list[ImportResult]:
    return import_files(county, list(paths), passphrase=PASSPHRASE).value


def digest(store: Store) -> str:
    return SyncRepository(store.db).table_digest()


@dataclass
class World:
    """Two townships linked to one county, with a few households each."""

    root: Path
    county: Store
    town: Store
    other: Store
    stick: Path
    saved: dict[str, list[int]] = field(default_factory=dict)

    def close(self) -> None:
        for s in (self.county, self.town, self.other):
            s.close()


def make_world(root: Path, households: int = 3) -> World:
    county = make_county(root / "county.db")
    town = make_township(root / "chaba.db")
    other = make_township(root / "malu.db", OTHER, OTHER_VILLAGES)
    link(town, county)
    link(other, county)
    world = World(root, county, town, other, root / "stick")
    world.stick.mkdir()
    world.saved["town"] = [
        town.households.save(full_household(town.spec, seed=s, village=("炉场村", "兴龙村")[s % 2],
                                            group=("一组", "三组")[s % 2]), "测试").id
        for s in range(1, households + 1)
    ]
    return world
