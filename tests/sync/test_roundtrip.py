"""Township -> county -> feedback -> township, with real files and real keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fupin_desktop import services
from fupin_desktop.domain.text import pinyin_sort_key
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import resolve_conflict
from fupin_desktop.sync.feedback import import_feedback, write_feedback
from tests.helpers import full_household
from tests.sync.world import PASSPHRASE, World, digest, export, import_

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def county_copy(world: World, uuid: str) -> dict:
    hid = world.county.households.id_for_uuid(uuid)
    assert hid is not None
    return services.household_json(world.county.households.get(hid), world.county.spec)


def town_copy(world: World, household_id: int) -> dict:
    return services.household_json(world.town.households.get(household_id), world.town.spec)


def same_file(a: dict, b: dict) -> None:
    """Every field and every row equal (local ids and the township-sourced names aside)."""
    skip = {"id", "province", "city", "county", "township", "updated_at"}
    assert {k: v for k, v in a["household"].items() if k not in skip} == \
        {k: v for k, v in b["household"].items() if k not in skip}
    for table in ("members", "helpers", "plans", "measures", "results"):
        assert a[table] == b[table], table


def test_round_trip_township_to_county_to_feedback_and_back(world: World) -> None:
    first = export(world.town, world.stick)
    assert first.sequence == 1 and first.batch and Path(first.batch).exists()
    assert first.counts["households"] == 3 and first.counts["members"] == 9 and first.held_back == []
    assert not CHINESE.search(Path(first.batch).name)

    [result] = import_(world.county, first.batch)
    assert result.status == "imported", result.message
    assert (result.township, result.sequence, result.missing_sequences) == ("510822105", 1, [])
    assert result.counts == first.counts and result.merge["inserted"] == 3
    for hid in world.saved["town"]:
        same_file(town_copy(world, hid), county_copy(world, world.town.households.get(hid).uuid))
    rows = [services.summary_json(s) for s in world.county.households.summaries(world.county.households.ids())]
    assert {r["township"] for r in rows} == {"茶坝乡"} and len(rows) == 3

    # The township edits one household and deletes another: the next batch carries just that.
    edited = world.town.households.get(world.saved["town"][0])
    edited.fields["phone"] = "13900001111"
    edited.members.pop()
    world.town.households.save(edited, "测试")
    world.town.households.delete(world.saved["town"][1], "测试")
    second = export(world.town, world.stick)
    assert second.sequence == 2
    assert (second.counts["households"], second.counts["deleted_households"]) == (1, 1)
    [result] = import_(world.county, second.batch)
    assert result.status == "imported" and result.merge["updated"] == 2
    same_file(town_copy(world, edited.id), county_copy(world, edited.uuid))
    assert world.county.households.count() == 2
    assert world.county.households.id_for_uuid(world.town.households.get(world.saved["town"][2]).uuid)

    # Feedback: signed by the county, imported by the township, batches acknowledged.
    written = write_feedback(world.county, "510822105", world.stick, passphrase=PASSPHRASE)
    assert written.batches == 2 and written.rejected == 0
    view = import_feedback(world.town, written.path).value
    assert [b["sequence"] for b in view["batches"]] == [1, 2] and not view["already_imported"]
    states = {b.sequence: b.state for b in SyncRepository(world.town.db).outbox()}
    assert states == {1: "acknowledged", 2: "acknowledged"}
    assert import_feedback(world.town, written.path).value["already_imported"]


def test_nothing_changed_exports_nothing_and_full_exports_everything(world: World) -> None:
    export(world.town, world.stick)
    again = export(world.town, world.stick)
    assert again.batch is None and again.sequence is None and "没有新的变更" in again.message
    full = export(world.town, world.stick, full=True)
    assert full.sequence == 2 and full.counts["households"] == 3 and full.counts["villages"] == 3
    results = import_(world.county, *sorted(world.stick.glob("*.fpsync")))
    assert [r.status for r in results] == ["imported", "imported"]
    assert results[1].merge["unchanged"] == 3 and results[1].merge["inserted"] == 0


def test_household_with_blocking_errors_is_held_back_and_listed(world: World) -> None:
    bad = world.town.households.get(world.saved["town"][2])
    bad.members[0].fields["relation"] = "之子"  # no 户主 left: a blocking error
    world.town.households.save(bad, "测试")
    result = export(world.town, world.stick)
    assert result.counts["households"] == 2
    [held] = result.held_back
    assert held["id"] == bad.id and held["number"] == bad.fields["number"] and held["errors"]
    assert all(CHINESE.search(e) for e in held["errors"])
    # Fixed, it goes with the next batch.
    bad = world.town.households.get(bad.id)
    bad.members[0].fields["relation"] = "户主"
    world.town.households.save(bad, "测试")
    fixed = export(world.town, world.stick)
    assert fixed.counts["households"] == 1 and fixed.held_back == []


def test_gap_lists_the_missing_sequences_until_they_arrive(world: World) -> None:
    paths = []
    for n in range(3):
        hh = world.town.households.get(world.saved["town"][0])
        hh.fields["phone"] = f"1390000000{n}"
        world.town.households.save(hh, "测试")
        paths.append(export(world.town, world.stick).batch)
    r1, r3 = import_(world.county, paths[0], paths[2])
    assert r3.status == "imported" and r3.missing_sequences == [2] and "缺少第 2 批" in r3.message
    [r2] = import_(world.county, paths[1])
    assert r2.status == "imported" and r2.missing_sequences == []
    assert r2.merge["older"] == 1  # batch 3 already brought a newer revision of that household
    hh = world.county.households.get(world.county.households.id_for_uuid(hh.uuid))
    assert hh.fields["phone"] == "13900000002"


def _edit_both_sides(world: World) -> tuple[str, int]:
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert r.status == "imported"
    uuid = world.town.households.get(world.saved["town"][0]).uuid
    at_county = world.county.households.get(world.county.households.id_for_uuid(uuid))
    at_county.fields["phone"] = "13711112222"
    world.county.households.save(at_county, "县里")
    at_town = world.town.households.get(world.saved["town"][0])
    at_town.fields["phone"] = "13633334444"
    world.town.households.save(at_town, "乡里")
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert r.status == "imported" and len(r.conflicts) == 1
    assert r.conflicts[0]["household_uuid"] == uuid and "都修改过" in r.conflicts[0]["reason"]
    county_id = world.county.households.id_for_uuid(uuid)
    assert world.county.households.get(county_id).fields["phone"] == "13711112222"  # nothing overwritten
    [conflict] = SyncRepository(world.county.db).conflicts()
    return uuid, conflict["id"]


@pytest.mark.parametrize("choice, phone", [("township", "13633334444"), ("county", "13711112222")])
def test_edit_on_both_sides_goes_to_the_conflict_list_and_a_person_resolves_it(
    world: World, choice: str, phone: str
) -> None:
    uuid, conflict_id = _edit_both_sides(world)
    resolve_conflict(world.county, conflict_id, choice)
    county_id = world.county.households.id_for_uuid(uuid)
    assert world.county.households.get(county_id).fields["phone"] == phone
    assert SyncRepository(world.county.db).conflicts() == []
    # The township hears how it was resolved.
    written = write_feedback(world.county, "510822105", world.stick, passphrase=PASSPHRASE)
    view = import_feedback(world.town, written.path).value
    assert [c["state"] for c in view["conflicts"]] == [choice]
    # A later township edit is taken again (the sync point moved to the resolution).
    at_town = world.town.households.get(world.saved["town"][0])
    at_town.fields["phone"] = "13655556666"
    world.town.households.save(at_town, "乡里")
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert r.merge["updated"] == 1 and r.conflicts == []
    assert world.county.households.get(county_id).fields["phone"] == "13655556666"


def test_open_conflict_shows_in_the_township_feedback(world: World) -> None:
    _edit_both_sides(world)
    written = write_feedback(world.county, "510822105", world.stick, passphrase=PASSPHRASE)
    view = import_feedback(world.town, written.path).value
    [c] = view["conflicts"]
    assert c["state"] == "open" and c["household_id"] == world.saved["town"][0] and c["head_name"]
    states = {b.sequence: b.state for b in SyncRepository(world.town.db).outbox()}
    assert states == {1: "acknowledged", 2: "problems"}


def test_same_revision_with_different_content_is_a_conflict(world: World) -> None:
    [r] = import_(world.county, export(world.town, world.stick).batch)
    hid = world.saved["town"][0]
    uuid = world.town.households.get(hid).uuid
    # As if the township database had been restored from a backup and edited again: the revision
    # number repeats with other content.
    with world.town.db.transaction():
        world.town.db.execute("UPDATE households SET number = 'X-1' WHERE id = ?", (hid,))
        world.town.db.execute("DELETE FROM sync_exported WHERE uuid = ?", (uuid,))
    [r] = import_(world.county, export(world.town, world.stick).batch)
    assert [c["household_uuid"] for c in r.conflicts] == [uuid]
    assert "同一版本" in r.conflicts[0]["reason"]


def test_same_id_number_in_two_townships_is_flagged_for_review(world: World) -> None:
    twin = full_household(world.other.spec, seed=1, village="炉场村", group="一组", number="5108221060000001")
    world.other.households.save(twin, "测试")
    [a] = import_(world.county, export(world.town, world.stick).batch)
    [b] = import_(world.county, export(world.other, world.root / "stick2").batch)
    assert a.duplicates == []
    assert len(b.duplicates) == 3 and {d["other_township"] for d in b.duplicates} == {"510822105"}
    assert all("*" in d["id_number"] for d in b.duplicates)
    towns = {r["township"] for r in services_rows(world)}
    assert towns == {"茶坝乡", "马鹿乡"}
    # Both townships hear about it, each with its own names.
    for store, code, other_name in ((world.town, "510822105", "马鹿乡"), (world.other, "510822106", "茶坝乡")):
        written = write_feedback(world.county, code, world.root, passphrase=PASSPHRASE)
        view = import_feedback(store, written.path).value
        assert len(view["duplicates"]) == 3
        assert {d["other_township"] for d in view["duplicates"]} == {other_name}
        assert all(d["member_name"] and d["household_id"] for d in view["duplicates"])
        numbers = {h.fields["number"] for h in store.households.iter_all()}
        assert {d["number"] for d in view["duplicates"]} <= numbers and all(d["number"] for d in view["duplicates"])
    # Reviewed duplicates leave the open list.
    repo = SyncRepository(world.county.db)
    for d in repo.duplicates():
        repo.review_duplicate(d["id"])
    assert repo.duplicates() == []


def services_rows(world: World) -> list[dict]:
    return [services.summary_json(s) for s in world.county.households.summaries(world.county.households.ids())]


def test_county_households_command_lists_the_township(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from fupin_desktop.cli import main

    import_(world.county, export(world.town, world.stick).batch)
    assert main(["households", "--db", str(world.county.path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["township"] for r in rows} == {"茶坝乡"}
    assert {"id", "number", "village", "group", "head_name", "size", "township"} <= set(rows[0])


def test_import_is_idempotent_for_many_batches_at_once(world: World) -> None:
    a = export(world.town, world.stick).batch
    before = digest(world.county)
    results = import_(world.county, a, a)
    assert [r.status for r in results] == ["imported", "already-imported"]
    after = digest(world.county)
    assert before != after
    assert [r.status for r in import_(world.county, a)] == ["already-imported"]
    assert digest(world.county) == after


def test_clerk_can_save_while_a_batch_is_exported_and_the_edit_goes_next_time(world: World) -> None:
    from fupin_desktop.store import Store
    from fupin_desktop.sync.export import export_batch
    from tests.sync.world import PASSPHRASE

    hid = world.saved["town"][0]
    other = Store(world.town.path)  # the GUI thread's own connection

    def save_elsewhere(done: int, total: int) -> None:  # mid-export
        hh = other.households.get(hid)
        hh.fields["phone"] = "13822223333"
        other.households.save(hh, "乡里")

    first = export_batch(world.town, world.stick, passphrase=PASSPHRASE, progress=save_elsewhere)
    other.close()
    assert first.counts["households"] == 3
    [r] = import_(world.county, first.batch)
    uuid = world.town.households.get(hid).uuid
    county_id = world.county.households.id_for_uuid(uuid)
    assert world.county.households.get(county_id).fields["phone"] != "13822223333"  # not in the snapshot
    second = export(world.town, world.stick)
    assert second.counts["households"] == 1
    import_(world.county, second.batch)
    assert world.county.households.get(county_id).fields["phone"] == "13822223333"


def test_county_sorts_imported_households_by_head_name_in_pinyin_order(world: World) -> None:
    """The 户主姓名 sort key is not in the batch: the county computes its own on import."""
    hid = world.saved["town"][0]
    hh = world.town.households.get(hid)
    hh.members[0].fields["name"] = "安国强"
    world.town.households.save(hh, "测试")
    import_(world.county, export(world.town, world.stick).batch)
    county = world.county.households
    rows = county.db.query("SELECT head_name, head_sort FROM households")
    assert rows and all(r["head_sort"] == pinyin_sort_key(r["head_name"]) for r in rows)
    heads = [s.head_name for s in county.summaries(county.ids(order="head_name"))]
    assert heads == sorted(heads, key=pinyin_sort_key) and heads[0] == "安国强"
