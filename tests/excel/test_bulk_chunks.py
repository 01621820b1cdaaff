"""New households of an import are written a thousand at a time (store/household_bulk.py): the
database ends up with exactly the rows of writing them all at once — ids, members, Handbook rows,
audit, search index, new groups and a stored household coming back through ``save``."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.domain.household import TABLES
from fupin_desktop.store import Store, household_bulk
from tests.helpers import full_household, make_store

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def rows(store: Store, ours: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table; times, and the UUIDs each database made itself (its villages and
    groups), blanked."""

    def plain(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        if _TIME.match(v):
            return "T"
        return _UUID.sub(lambda m: m[0] if m[0] in ours else "U", v)

    names = [r[0] for r in store.db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'household_search_%' ORDER BY name")]
    out = {}
    for name in names:
        sql = store.db.query_one("SELECT sql FROM sqlite_master WHERE name = ?", (name,))[0]
        found = store.db.query(f'SELECT * FROM "{name}"' if "WITHOUT ROWID" in sql.upper()
                               else f'SELECT rowid, * FROM "{name}" ORDER BY rowid')
        out[name] = sorted((tuple(plain(v) for v in r) for r in found), key=repr)
    return out


def test_writing_in_chunks_writes_the_rows_of_writing_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stores = [make_store(tmp_path, "chunked.db"), make_store(tmp_path, "at-once.db")]
    back = full_household(stores[0].spec, seed=40, village="炉场村", group="一组")
    households = [full_household(stores[0].spec, seed=s, village=("炉场村", "兴龙村")[s % 2],
                                 group=("一组", "三组", "九组")[s % 3]) for s in range(1, 8)]
    households.insert(3, back)
    for store, every in zip(stores, (2, 1000), strict=True):
        stored = store.households.save(copy.deepcopy(back), "测试")
        store.households.delete(stored.id, "测试")  # a deleted household the file brings back
        monkeypatch.setattr(household_bulk, "_WRITE_EVERY", every)
        batch = copy.deepcopy(households)
        household_bulk.insert_households(store.households, batch, "导入")
        assert [h.id for h in batch if h.uuid != back.uuid] == list(range(2, 9))
    try:
        ours = {h.uuid for h in households} | {r.uuid for h in households for t in TABLES for r in h.table(t)}
        assert rows(stores[0], ours) == rows(stores[1], ours)
        assert stores[0].db.integer("SELECT COUNT(*) FROM households") == 8
    finally:
        for store in stores:
            store.close()
