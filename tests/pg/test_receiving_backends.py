"""The receiving semantics, run against a county SQLite file AND a real PostgreSQL server.

Every test here takes the ``backend`` fixture (parametrised over both), so the two cannot drift:
verify, decrypt, idempotent re-import, replay and gap detection, all-or-nothing per batch,
revisions and the conflict list, the cross-township duplicate-ID list, signed feedback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.store import Store
from fupin_desktop.store.pg.store import PgStore
from fupin_desktop.store.pg.url import is_url
from fupin_desktop.store.sync import bundle_hash
from fupin_desktop.sync.county_import import resolve_conflict
from fupin_desktop.sync.feedback import import_feedback, write_feedback
from fupin_desktop.sync.format import PayloadWriter
from fupin_desktop.sync.keys import (
    ensure_township_key,
    init_county,
    own_county_public,
    register_township,
    trust_county,
    unlock_county,
)
from tests.helpers import full_household
from tests.sync.tamper import decrypt, rebuild, seal
from tests.sync.world import (
    COUNTY_CODE,
    COUNTY_NAME,
    OTHER,
    OTHER_VILLAGES,
    PASSPHRASE,
    export,
    import_,
    make_township,
)

Receiving = Store | PgStore


def open_county(target: str) -> Receiving:
    return PgStore(target) if is_url(target) else Store(target)


def link(town: Store, county: Receiving) -> None:
    trust_county(town.sync, own_county_public(county.sync))
    register_township(county.sync, ensure_township_key(town.sync, PASSPHRASE), county.operator)


@dataclass
class Setup:
    root: Path
    target: str
    county: Receiving
    town: Store
    other: Store
    stick: Path
    ids: list[int]

    def county_bundle(self, uuid: str) -> dict[str, Any] | None:
        local, _ = self.county.sync.household_state(uuid)
        return None if local is None else self.county.sync.local_bundle(local["id"])

    def town_bundle(self, household_id: int) -> dict[str, Any]:
        return next(b for _id, b in self.town.sync.bundles([household_id]))

    def digest(self) -> str:
        return self.county.sync.table_digest()


@pytest.fixture
def setup(backend: str, tmp_path: Path) -> Iterator[Setup]:
    county = open_county(backend)
    init_county(county.sync, COUNTY_CODE, COUNTY_NAME, PASSPHRASE, county.operator)
    town = make_township(tmp_path / "chaba.db")
    other = make_township(tmp_path / "malu.db", OTHER, OTHER_VILLAGES)
    link(town, county)
    link(other, county)
    ids = [town.households.save(full_household(town.spec, seed=s, village=("炉场村", "兴龙村")[s % 2],
                                               group=("一组", "三组")[s % 2]), "测试").id for s in (1, 2, 3)]
    stick = tmp_path / "stick"
    stick.mkdir()
    s = Setup(tmp_path, backend, county, town, other, stick, ids)
    yield s
    for store in (county, town, other):
        store.close()


def test_a_batch_arrives_whole_and_a_replay_changes_nothing(setup: Setup) -> None:
    first = export(setup.town, setup.stick)
    [r] = import_(setup.county, first.batch)
    assert r.status == "imported", r.message
    assert (r.township, r.sequence, r.merge["inserted"], r.missing_sequences) == ("510822105", 1, 3, [])
    for hid in setup.ids:
        theirs = setup.town_bundle(hid)
        mine = setup.county_bundle(theirs["uuid"])
        assert mine is not None and bundle_hash(mine) == bundle_hash(theirs)
    after = setup.digest()
    [again] = import_(setup.county, first.batch)
    assert again.status == "already-imported" and "未作任何改动" in again.message
    assert setup.digest() == after


def test_edits_and_deletions_follow_in_the_next_batch(setup: Setup) -> None:
    import_(setup.county, export(setup.town, setup.stick).batch)
    edited = setup.town.households.get(setup.ids[0])
    edited.fields["phone"] = "13900001111"
    edited.members.pop()
    setup.town.households.save(edited, "测试")
    deleted_uuid = setup.town.households.get(setup.ids[1]).uuid
    setup.town.households.delete(setup.ids[1], "测试")
    [r] = import_(setup.county, export(setup.town, setup.stick).batch)
    assert r.status == "imported" and r.merge["updated"] == 2
    mine = setup.county_bundle(edited.uuid)
    assert mine is not None and bundle_hash(mine) == bundle_hash(setup.town_bundle(edited.id))
    gone = setup.county_bundle(deleted_uuid)
    assert gone is not None and gone["deleted"]


def test_gaps_are_listed_until_the_missing_batch_arrives(setup: Setup) -> None:
    paths = []
    for n in range(3):
        hh = setup.town.households.get(setup.ids[0])
        hh.fields["phone"] = f"1390000000{n}"
        setup.town.households.save(hh, "测试")
        paths.append(export(setup.town, setup.stick).batch)
    r1, r3 = import_(setup.county, paths[0], paths[2])
    assert r3.status == "imported" and r3.missing_sequences == [2] and "缺少第 2 批" in r3.message
    [r2] = import_(setup.county, paths[1])
    assert r2.missing_sequences == [] and r2.merge["older"] == 1
    mine = setup.county_bundle(hh.uuid)
    assert mine is not None and mine["fields"]["phone"] == "13900000002"


def test_a_batch_that_fails_half_way_leaves_nothing_behind(setup: Setup) -> None:
    """All or nothing: counts that disagree with the manifest are found after the rows were written."""
    import_(setup.county, export(setup.town, setup.stick).batch)
    before = setup.digest()
    hh = setup.town.households.get(setup.ids[0])
    hh.fields["phone"] = "13900002222"
    setup.town.households.save(hh, "测试")
    good = Path(export(setup.town, setup.stick).batch or "").read_bytes()
    key = unlock_county(setup.county.sync, PASSPHRASE)

    def extra(writer: PayloadWriter) -> None:  # one more household than the manifest says
        other = next(b for _id, b in setup.town.sync.bundles([setup.ids[2]]))
        writer.add("households-9.jsonl", (json.dumps(other, ensure_ascii=False) + "\n").encode())

    bad = rebuild(setup.town, setup.county, key, good, extra)  # type: ignore[arg-type]
    (setup.stick / "bad.fpb").write_bytes(bad)
    [r] = import_(setup.county, setup.stick / "bad.fpb")
    assert r.status == "refused" and "记录数与内容不符" in r.message
    assert setup.digest() == before


def test_a_taken_sequence_number_from_another_file_is_refused(setup: Setup) -> None:
    first = Path(export(setup.town, setup.stick).batch or "")
    import_(setup.county, first)
    key = unlock_county(setup.county.sync, PASSPHRASE)
    manifest, payload = decrypt(setup.county, key, first.read_bytes())  # type: ignore[arg-type]
    (setup.stick / "again.fpb").write_bytes(seal(setup.town, manifest, payload))  # same content, new seal
    before = setup.digest()
    [r] = import_(setup.county, setup.stick / "again.fpb")
    assert r.status == "refused" and "第 1 批" in r.message and setup.digest() == before


def test_same_revision_with_different_content_goes_to_the_conflict_list(setup: Setup) -> None:
    import_(setup.county, export(setup.town, setup.stick).batch)
    hid = setup.ids[0]
    uuid = setup.town.households.get(hid).uuid
    with setup.town.db.transaction():  # as if restored from a backup and edited again
        setup.town.db.execute("UPDATE households SET number = 'X-1' WHERE id = ?", (hid,))
        setup.town.db.execute("DELETE FROM sync_exported WHERE uuid = ?", (uuid,))
    [r] = import_(setup.county, export(setup.town, setup.stick).batch)
    assert [c["household_uuid"] for c in r.conflicts] == [uuid] and "同一版本" in r.conflicts[0]["reason"]
    [conflict] = setup.county.sync.conflicts()
    assert conflict["number"] == "X-1" and conflict["township_name"] == "茶坝乡"
    mine = setup.county_bundle(uuid)
    assert mine is not None and mine["number"] != "X-1"  # nothing overwritten
    resolve_conflict(setup.county, conflict["id"], "township")
    mine = setup.county_bundle(uuid)
    assert mine is not None and mine["number"] == "X-1" and setup.county.sync.conflicts() == []
    written = write_feedback(setup.county, "510822105", setup.stick, passphrase=PASSPHRASE)
    view = import_feedback(setup.town, written.path).value
    assert [c["state"] for c in view["conflicts"]] == ["township"]


def test_the_same_id_number_in_two_townships_is_flagged_and_both_hear_of_it(setup: Setup) -> None:
    twin = full_household(setup.other.spec, seed=1, village="炉场村", group="一组", number="5108221060000001")
    setup.other.households.save(twin, "测试")
    [a] = import_(setup.county, export(setup.town, setup.stick).batch)
    [b] = import_(setup.county, export(setup.other, setup.root / "stick2").batch)
    assert a.duplicates == []
    assert len(b.duplicates) == 3 and {d["other_township"] for d in b.duplicates} == {"510822105"}
    assert all("*" in d["id_number"] for d in b.duplicates)
    for store, code, other_name in ((setup.town, "510822105", "马鹿乡"), (setup.other, "510822106", "茶坝乡")):
        written = write_feedback(setup.county, code, setup.root, passphrase=PASSPHRASE)
        view = import_feedback(store, written.path).value
        assert len(view["duplicates"]) == 3 and {d["other_township"] for d in view["duplicates"]} == {other_name}
    for d in setup.county.sync.duplicates():
        setup.county.sync.review_duplicate(d["id"])
    assert setup.county.sync.duplicates() == []


@pytest.mark.parametrize("card_first", [False, True])
def test_a_disability_card_number_in_another_township_is_the_same_person(setup: Setup, card_first: bool) -> None:
    """A 残疾人证 number is the ID number and two digits: the holder found under either is one person,
    whichever of the two arrives first."""
    twin = full_household(setup.other.spec, seed=1, village="炉场村", group="一组", number="5108221060000001")
    for row in twin.table("members"):
        row.fields.update(id_type="残疾人证", id_number=str(row.fields["id_number"]) + "21")
    setup.other.households.save(twin, "测试")
    first, second = (setup.other, setup.town) if card_first else (setup.town, setup.other)
    [a] = import_(setup.county, export(first, setup.stick).batch)
    [b] = import_(setup.county, export(second, setup.root / "stick2").batch)
    assert a.duplicates == []
    other_code = "510822106" if card_first else "510822105"
    assert len(b.duplicates) == 3 and {d["other_township"] for d in b.duplicates} == {other_code}


def test_the_import_command_takes_either_back_end(setup: Setup) -> None:
    batch = export(setup.town, setup.stick).batch or ""
    where = ["--database", setup.target] if is_url(setup.target) else ["--db", setup.target]
    setup.county.close()  # the command opens its own connection
    cmd = [sys.executable, "-m", "fupin_desktop", "sync", "import", batch, *where, "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**_env(), "FUPIN_PASSPHRASE": PASSPHRASE})
    assert out.returncode == 0, out.stderr
    [r] = json.loads(out.stdout)
    assert r["status"] == "imported" and r["merge"]["inserted"] == 3
    again = subprocess.run(cmd, capture_output=True, text=True, env={**_env(), "FUPIN_PASSPHRASE": PASSPHRASE})
    assert json.loads(again.stdout)[0]["status"] == "already-imported"
    setup.county = open_county(setup.target)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "FUPIN_DATABASE_URL"}


def test_the_overview_lists_counties_townships_and_villages(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    import_(setup.county, export(setup.town, setup.stick).batch)
    setup.other.households.save(full_household(setup.other.spec, seed=5, village="白果村", group="三组",
                                               number="5108221060000005"), "测试")
    import_(setup.county, export(setup.other, setup.root / "stick2").batch)
    [county] = setup.county.sync.receiving_tree()
    assert (county["code"], county["households"]) == ("510822", 4)
    towns = {t["name"]: t for t in county["townships"]}
    assert towns["茶坝乡"]["households"] == 3 and towns["马鹿乡"]["households"] == 1
    assert {v["name"]: v["households"] for v in towns["马鹿乡"]["villages"]}["白果村"] == 1
    from fupin_desktop.cli import main

    where = ["--database", setup.target] if is_url(setup.target) else ["--db", setup.target]
    assert main(["sync", "tree", *where, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counties"][0]["households"] == 4


def test_one_household_twice_in_a_batch_ends_as_its_later_copy(setup: Setup) -> None:
    """A batch may carry a household twice (hand-made, or two exports merged): both back ends end
    with the later copy, whatever bulk loading the back end does."""
    import dataclasses
    import hashlib

    from fupin_desktop.domain.household import TABLES
    from fupin_desktop.sync.format import parse_manifest, read_entries

    first = Path(export(setup.town, setup.stick).batch or "")
    key = unlock_county(setup.county.sync, PASSPHRASE)
    manifest_raw, payload = decrypt(setup.county, key, first.read_bytes())  # type: ignore[arg-type]
    twice = setup.town_bundle(setup.ids[0])
    twice = {**twice, "revision": twice["revision"] + 1, "fields": {**twice["fields"], "phone": "13912345678"}}
    writer = PayloadWriter()
    for name, raw in read_entries(payload):
        writer.add(name, raw)
    writer.add("households-99999.jsonl", (json.dumps(twice, ensure_ascii=False) + "\n").encode())
    new_payload = writer.finish()
    m = parse_manifest(manifest_raw)
    counts = dict(m.counts)
    counts["households"] += 1
    for table in TABLES:
        counts[table] += len(twice[table])
    m = dataclasses.replace(m, counts=counts, payload_sha256=hashlib.sha256(new_payload).hexdigest(),
                            payload_size=len(new_payload))
    (setup.stick / "twice.fpb").write_bytes(seal(setup.town, m.encode(), new_payload))
    [r] = import_(setup.county, setup.stick / "twice.fpb")
    assert r.status == "imported", r.message
    assert (r.merge["inserted"], r.merge["updated"]) == (3, 1)
    mine = setup.county_bundle(twice["uuid"])
    assert mine is not None and mine["fields"]["phone"] == "13912345678" and mine["revision"] == twice["revision"]


def test_identification_cases_travel_with_the_batch_and_come_back_in_the_feedback(setup: Setup) -> None:
    """Issue 15's cases: the county keeps the township's case and its records on either back end,
    a replay adds nothing, and the feedback carries them back."""
    from datetime import date

    from fupin_desktop.casework import core

    core.apply(setup.town, setup.ids[:1], date(2016, 3, 1))
    [r] = import_(setup.county, export(setup.town, setup.stick).batch)
    assert r.status == "imported", r.message
    [case] = setup.county.case_sync.township_cases("510822105")
    assert case["records"] and all(rec["uuid"] for rec in case["records"])
    before = setup.digest()
    batch = sorted(setup.stick.glob("*.fpsync"))[-1]
    assert import_(setup.county, batch)[0].status == "already-imported" and setup.digest() == before
    written = write_feedback(setup.county, "510822105", setup.stick, passphrase=PASSPHRASE)
    view = import_feedback(setup.town, written.path).value
    assert view["already_imported"] is False


def test_closed_years_travel_with_the_batch_and_are_kept_once(setup: Setup) -> None:
    """Issue 16's snapshots of closed years: kept at the receiving side on either back end, once."""
    from fupin_desktop.store import years

    import_(setup.county, export(setup.town, setup.stick).batch)
    closing = years.live_year(setup.town.db)
    years.carry_over_safely(setup.town.db, closing + 1, "测试")
    [r] = import_(setup.county, export(setup.town, setup.stick).batch)
    assert r.status == "imported" and r.counts.get("year_snapshots") == 3, r.counts
    uuid = setup.town.households.get(setup.ids[0]).uuid
    kept = years.snapshot(setup.county.db, uuid, closing)  # type: ignore[arg-type]
    assert kept is not None and kept["uuid"] == uuid and kept["year"] == closing
    before = setup.digest()
    [again] = import_(setup.county, export(setup.town, setup.stick, full=True).batch)
    assert again.status == "imported"
    assert years.snapshot(setup.county.db, uuid, closing) == kept  # type: ignore[arg-type]
    assert before != setup.digest()  # the full batch was logged, the snapshot not replaced
