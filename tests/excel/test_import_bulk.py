"""The Excel import's bulk write (store/household_bulk.py) and the findings it keeps (issue 14).

New households are written with ``executemany``: the database must hold exactly what saving them
one by one (``HouseholdRepository.save``) holds, and the check results kept for the export must be
those a full check of the stored rows gives.
"""

from __future__ import annotations

import copy
from pathlib import Path

from fupin_desktop import quality
from fupin_desktop.excel.importer import import_file
from fupin_desktop.rules import check_household
from fupin_desktop.rules.kept import context_key, kept_errors
from fupin_desktop.store import Store
from fupin_desktop.store.crossrecord import load_memory_records
from fupin_desktop.store.household_bulk import insert_households
from tests.excel import files
from tests.helpers import full_household, make_store


def stored(store: Store) -> dict[str, object]:
    """Everything about the households that does not depend on the clock or the row ids."""
    out = {}
    for household_id in store.households.ids():
        hh = store.households.get(household_id)
        assert hh is not None
        out[hh.uuid] = (hh.fields, [(t, [(r.uuid, r.fields, r.revision) for r in hh.table(t)]) for t in
                                     ("members", "helpers", "plans", "measures", "results")], hh.revision)
    search = sorted(r[0] for r in store.db.query("SELECT text FROM household_search"))
    audit = sorted(tuple(r) for r in store.db.query(
        "SELECT operator, action, entity, entity_uuid, household_uuid, field, old, new FROM audit"
        " WHERE household_uuid IS NOT NULL"))
    columns = sorted(tuple(r) for r in store.db.query(
        "SELECT uuid, group_name, number, year, head_name, head_id_number, size, fields, head_sort, revision,"
        " deleted FROM households"))
    groups = sorted(tuple(r) for r in store.db.query("SELECT village_id, name FROM village_groups"))
    # the statistics' member counts (recounted once a household by the bulk path, store/facts.py)
    facts = sorted(tuple(r) for r in store.db.query(
        "SELECT h.uuid, f.members, f.women, f.minority, f.disabled, f.labour, f.migrant, f.local_work, f.ncms,"
        " f.pension, f.work, f.main_cause FROM household_facts f JOIN households h ON h.id = f.household_id"))
    assert len(facts) == len(out)
    return {"households": out, "search": search, "audit": audit, "columns": columns, "groups": groups,
            "facts": facts}


def test_bulk_insert_writes_what_saving_one_by_one_writes(tmp_path: Path) -> None:
    one = make_store(tmp_path, "one.db")
    many = make_store(tmp_path, "many.db")
    households = [full_household(one.spec, seed=s, village=("炉场村", "兴龙村")[s % 2], group=("一组", "五组")[s % 2])
                  for s in range(1, 6)]
    for hh in copy.deepcopy(households):
        one.households.save(hh, "测试")
    batch = copy.deepcopy(households)
    insert_households(many.households, batch, "测试")
    assert all(hh.id is not None and hh.revision == 1 for hh in batch)
    assert stored(many) == stored(one)
    again = copy.deepcopy(households[:1])  # a UUID already stored goes through save: no duplicate
    insert_households(many.households, again, "测试")
    assert many.households.count() == 5
    one.close()
    many.close()


def test_the_kept_results_of_an_import_are_a_full_check_of_what_was_stored(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    report, plan = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    assert report.created >= 2
    kept = {k.household_id: k for k in store.checks.all()}
    ctx = quality.context(store, load_memory_records(store.db))
    assert set(kept) == set(store.households.ids())
    for household_id, k in kept.items():
        hh = store.households.get(household_id)
        assert hh is not None and k.revision == hh.revision
        assert k.context == plan.check_context == context_key(ctx, store.db.user_version)
        assert list(k.errors) == kept_errors(check_household(hh, ctx))
    store.close()
