"""县审定 where it happens: the township's passed households travel with their case records in a
batch, the county approves or refuses them in batches, and the feedback carries the decisions back;
importing it at the township moves those households on (and marks an exit)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fupin_desktop.casework import core, exits, publicity
from fupin_desktop.casework.core import CaseError
from fupin_desktop.casework.status import status
from fupin_desktop.cli import main
from fupin_desktop.sync.feedback import import_feedback, write_feedback
from tests.sync.world import PASSPHRASE, export, import_

D = date


def to_county_stage(town, ids) -> None:  # type: ignore[no-untyped-def]
    for hid in ids:  # 未脱贫 poor households, so the cases are identification ones
        hh = town.households.get(hid)
        hh.fields.update(exit_flag="未脱贫", household_type="低保贫困户")
        town.households.save(hh, "测试")
    core.apply(town, ids, D(2016, 6, 1))
    for day in (2, 3, 4):
        core.advance(town, ids, D(2016, 6, day))
    for village in {town.households.get(h).fields["village"] for h in ids}:
        publicity.open_round(town, D(2016, 6, 5), village=village)
    core.advance(town, ids, D(2016, 6, 12))
    core.advance(town, ids, D(2016, 6, 13))
    for village in {town.households.get(h).fields["village"] for h in ids}:
        publicity.open_round(town, D(2016, 6, 14), village=village)
    core.advance(town, ids, D(2016, 6, 21))


def test_county_decisions_travel_back(world, tmp_path, capsys, caplog) -> None:  # type: ignore[no-untyped-def]
    town, county = world.town, world.county
    a, b, c = world.saved["town"]
    to_county_stage(town, [a, b, c])
    assert {town.cases.latest([h])[h].stage for h in (a, b, c)} == {"county"}
    export(town, world.stick)
    [result] = import_(county, *sorted(world.stick.iterdir()))
    assert result.status == "imported", result.message
    # The county lists the township's households at 县审定, with their records.
    code = town.townships.get().code
    vids = [v.id for v in county.townships.villages(code)]
    listed = status(county, village_ids=vids)
    assert {h["stage"] for h in listed["households"]} == {"county"}
    assert len(listed["households"][0]["history"]) == len(town.cases.all_records()) // 3
    county_ids = {h["number"]: h["household"] for h in listed["households"]}
    capsys.readouterr()
    assert main(["workflow", "status", "--township", code, "--db", str(county.path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert sorted(h["number"] for h in shown["households"]) == sorted(county_ids)
    assert main(["workflow", "status", "--township", "999999999", "--db", str(county.path)]) == 2
    numbers = {h: town.households.get(h).fields["number"] for h in (a, b, c)}
    # A batch again changes nothing (records by UUID, never twice).
    before = county.cases.all_records()
    import_(county, *sorted(world.stick.iterdir()))
    assert county.cases.all_records() == before
    # Approve two in one batch (through the command, on the county database), refuse one.
    county_path = county.path
    capsys.readouterr()
    assert main(["workflow", "approve", numbers[a], numbers[b], "--db", str(county_path), "--date", "2016-07-10",
                 "--document", "青扶发〔2016〕12号"]) == 0, capsys.readouterr().err
    core.refuse(county, [county_ids[numbers[c]]], D(2016, 7, 10), "县抽查：家有经营性货车", reference="青扶发〔2016〕12号")
    # The feedback carries the decisions; importing it moves the township's households on.
    out = tmp_path / "feedback.fpfeedback"
    write_feedback(county, code, out, passphrase=PASSPHRASE)
    imported = import_feedback(town, out)
    assert sorted(imported.value["cases_moved"]) == sorted([a, b, c])
    assert imported.change.households == {a, b, c}  # their views refresh
    after = {h: town.cases.latest([h])[h] for h in (a, b, c)}
    assert after[a].stage == after[b].stage == "announce" and after[a].status.value == "open"
    assert after[c].status.value == "refused"
    last = town.cases.records([after[a].id])[after[a].id][-1]
    assert (last.decision, last.reference) == ("通过", "青扶发〔2016〕12号")
    # Importing the same feedback again adds nothing; the township goes on to 公告 → 建档立卡.
    records = town.cases.all_records()
    assert import_feedback(town, out).value["cases_moved"] == []
    assert town.cases.all_records() == records
    core.advance(town, [a, b], D(2016, 7, 12), note="公告")
    assert {town.cases.latest([h])[h].status.value for h in (a, b)} == {"done"}
    with pytest.raises(CaseError, match="尚未报县审定"):  # decided once: the county cannot decide again
        core.county_decision(county, [county_ids[numbers[a]]], D(2016, 7, 20), approve=True, document="x")
    assert "青扶发" not in caplog.text  # the log names the command, never its arguments


def test_an_exit_is_marked_when_the_county_approves_it(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    town, county = world.town, world.county
    hid = world.saved["town"][0]
    hh = town.households.get(hid)
    hh.fields.update(exit_flag="未脱贫", household_type="一般贫困户", exit_year=None)
    town.households.save(hh, "测试")
    exits.start_exit(town, [hid], D(2016, 10, 1), D(2016, 9, 30))
    core.advance(town, [hid], D(2016, 10, 2))
    publicity.open_round(town, D(2016, 10, 3), village=hh.fields["village"])
    core.advance(town, [hid], D(2016, 10, 10))
    core.advance(town, [hid], D(2016, 10, 11))
    export(town, world.stick)
    import_(county, *sorted(world.stick.iterdir()))
    [row] = status(county)["households"]
    core.county_decision(county, [row["household"]], D(2016, 10, 20), approve=True, document="青扶发〔2016〕30号")
    out = tmp_path / "feedback.fpfeedback"
    write_feedback(county, town.townships.get().code, out, passphrase=PASSPHRASE)
    import_feedback(town, out)
    core.advance(town, [hid], D(2016, 10, 25), note="公告")
    fields = town.households.get(hid).fields
    assert (fields["exit_flag"], fields["household_type"], fields["exit_year"]) == ("已脱贫（享受政策）", "一般农户", 2016)
