"""The identification year through the services, on a real database file."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from fupin_desktop.casework import core, exits, publicity, quotas
from fupin_desktop.casework.core import CaseError
from fupin_desktop.casework.status import status
from fupin_desktop.rules.policy import Policy
from fupin_desktop.rules.workflow import Scope
from fupin_desktop.store import StoreError
from fupin_desktop.store.changes import ChangeKind

D = date


def stage_of(store, hid):
    return store.cases.latest([hid])[hid].stage


def to_publicity1(store, ids):
    core.apply(store, ids, D(2016, 6, 1))
    for day in (2, 3, 4):
        core.advance(store, ids, D(2016, 6, day))


def test_a_whole_year_for_a_village(town):
    store, lu, _ = town
    a, b, c, d = lu
    outcome = core.apply(store, lu, D(2016, 6, 1), applicant="代理人", agent_name="王五")
    assert outcome.change.kind is ChangeKind.WORKFLOW and outcome.change.households == frozenset(lu)
    assert store.cases.application(store.cases.latest([a])[a].id).applicant == "代理人"
    core.advance(store, lu, D(2016, 6, 5), note="受理")
    core.advance(store, lu, D(2016, 6, 10), note="村民代表大会民主评议")
    core.advance(store, lu, D(2016, 6, 12))
    assert {stage_of(store, h) for h in lu} == {"publicity1"}
    rnd = publicity.open_round(store, D(2016, 6, 13), village="炉场村").value
    assert (rnd.start, rnd.end, rnd.households) == (D(2016, 6, 13), D(2016, 6, 19), 4)
    upheld = publicity.add_objection(store, rnd.id, b, D(2016, 6, 14), "家有小轿车", "李四").value
    dismissed = publicity.add_objection(store, rnd.id, c, D(2016, 6, 15), "不住在本村").value
    with pytest.raises(CaseError, match="异议尚未核实"):
        core.advance(store, [c], D(2016, 6, 20))
    publicity.resolve(store, upheld, D(2016, 6, 18), True, "核实有车辆")
    publicity.resolve(store, dismissed, D(2016, 6, 18), False, "常住本村")
    with pytest.raises(CaseError, match="不能更改"):
        publicity.resolve(store, dismissed, D(2016, 6, 19), True, "再改")
    refused = store.cases.latest([b])[b]
    assert refused.status.value == "refused"
    assert "核实有车辆" in store.cases.records([refused.id])[refused.id][-1].reason
    with pytest.raises(CaseError, match="才期满"):
        core.advance(store, [a, c, d], D(2016, 6, 19))
    core.advance(store, [a, c, d], D(2016, 6, 20))  # 乡镇审核
    core.advance(store, [a, c, d], D(2016, 6, 25))
    rnd2 = publicity.open_round(store, D(2016, 6, 26), village="炉场村").value
    assert rnd2.stage == "publicity2" and rnd2.households == 3
    core.advance(store, [d], D(2016, 6, 28), override="县里要求提前上报")
    core.advance(store, [a, c], D(2016, 7, 3))
    with pytest.raises(CaseError, match="县里决定"):
        core.advance(store, [a], D(2016, 7, 5))
    with pytest.raises(CaseError, match="文号"):
        core.county_decision(store, [a, c, d], D(2016, 7, 10), approve=True, document=" ")
    core.county_decision(store, [a, c, d], D(2016, 7, 10), approve=True, document="青扶发〔2016〕12号")
    core.advance(store, [a, c, d], D(2016, 7, 12), note="公告")
    assert {store.cases.latest([h])[h].status.value for h in (a, c, d)} == {"done"}
    overrides = store.cases.overrides()
    assert [o["number"] for o in overrides] == [store.households.get(d).fields["number"]]
    data = status(store)
    by_number = {h["number"]: h for h in data["households"]}
    hb = by_number[store.households.get(b).fields["number"]]
    assert hb["label"].endswith("（未通过）") and hb["history"][-1]["decision"] == "不予认定"
    lu_row = next(v for v in data["villages"] if v["village"] == "炉场村")
    persons = sum(store.households.get(h).fields["size"] for h in (a, c, d))
    assert lu_row["identified_persons"] == persons and lu_row["in_process_persons"] == 0


def test_records_are_append_only(town):
    store, lu, _ = town
    core.apply(store, lu[:1], D(2016, 6, 1))
    with store.db.transaction(), pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE case_records SET note = 'x'")
    with store.db.transaction(), pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM case_records")
    assert len(store.cases.all_records()) == 1


def test_a_refusal_changes_nothing_for_anyone(town):
    store, lu, _ = town
    core.apply(store, lu[:2], D(2016, 6, 1))
    core.advance(store, lu[:1], D(2016, 6, 3))
    before = store.cases.all_records()
    with pytest.raises(CaseError) as err:  # lu[2] has no case: nobody moves
        core.advance(store, lu[:3], D(2016, 6, 5))
    assert "没有办理中的" in str(err.value)
    with pytest.raises(CaseError, match="早于"):
        core.advance(store, lu[:2], D(2016, 5, 30))
    with pytest.raises(CaseError, match="重复申请"):
        core.apply(store, lu[:1], D(2016, 6, 6))
    with pytest.raises(CaseError, match="理由"):
        core.refuse(store, lu[:1], D(2016, 6, 6), "  ")
    assert store.cases.all_records() == before


def test_refusal_appeal_and_reopen(town):
    store, lu, _ = town
    core.apply(store, lu[:1], D(2016, 6, 1))
    out = core.refuse(store, lu[:1], D(2016, 6, 2), "人均纯收入高于标准")
    assert out.items[0]["decision"] == "不予受理"
    core.appeal(store, lu[0], D(2016, 6, 5), "收入计算有误")
    core.appeal(store, lu[0], D(2016, 6, 9), "复核收入确实有误", True)
    assert store.cases.latest([lu[0]])[lu[0]].status.value == "open"
    with pytest.raises(CaseError, match="只有未通过"):
        core.appeal(store, lu[0], D(2016, 6, 10), "再申诉")


def test_no_path_skips_a_publicity_round(town):
    store, lu, _ = town
    to_publicity1(store, lu[:1])
    with pytest.raises(CaseError, match="尚未进行第一次公示"):
        core.advance(store, lu[:1], D(2016, 7, 1), override="急")
    # 退回 from 乡镇审核 goes back before the first publicity, which must run again.
    publicity.open_round(store, D(2016, 6, 5), village="炉场村")
    core.advance(store, lu[:1], D(2016, 6, 12))
    core.send_back(store, lu[:1], D(2016, 6, 13), "核实材料不全")
    assert stage_of(store, lu[0]) == "verify"
    core.advance(store, lu[:1], D(2016, 6, 14))
    with pytest.raises(CaseError, match="尚未进行"):
        core.advance(store, lu[:1], D(2016, 6, 30))


def test_quota_overrun_needs_a_reason(town):
    store, lu, _ = town
    quotas.set_quota(store, 5, year=2016, village="炉场村")
    core.apply(store, lu, D(2016, 6, 1))
    core.advance(store, lu, D(2016, 6, 2))
    with pytest.raises(CaseError, match="超出识别规模"):
        core.advance(store, lu, D(2016, 6, 3))
    out = core.advance(store, lu, D(2016, 6, 3), override="经乡党委会研究")
    assert any("超出识别规模" in w for w in out.warnings)
    rows = {r["village"]: r for r in quotas.quota_rows(store, 2016)}
    assert rows["炉场村"]["quota_persons"] == 5 and rows["炉场村"]["in_process_persons"] > 5
    with pytest.raises(CaseError, match="没有“无名村”"):
        quotas.set_quota(store, 5, year=2016, village="无名村")


def test_exit_and_return(town):
    store, lu, _ = town
    hid = lu[0]
    hh = store.households.get(hid)
    hh.fields["exit_flag"] = "未脱贫"
    store.households.save(hh, "测试")
    with pytest.raises(CaseError, match="住房安全有保障未达到"):
        exits.start_exit(store, [hid], D(2016, 10, 1), D(2016, 9, 30), unmet={"住房安全有保障": "危房未改造"})
    with pytest.raises(CaseError, match="不是两不愁三保障"):
        exits.start_exit(store, [hid], D(2016, 10, 1), D(2016, 9, 30), unmet={"有电视": ""})
    exits.start_exit(store, [hid], D(2016, 10, 1), D(2016, 9, 30))
    core.advance(store, [hid], D(2016, 10, 2))
    publicity.open_round(store, D(2016, 10, 3), village="炉场村")
    core.advance(store, [hid], D(2016, 10, 10))
    core.advance(store, [hid], D(2016, 10, 11))
    core.county_decision(store, [hid], D(2016, 10, 20), approve=True, document="青扶发〔2016〕30号")
    core.advance(store, [hid], D(2016, 10, 25))
    marked = store.households.get(hid).fields
    assert (marked["exit_flag"], marked["exit_year"], marked["household_type"]) == ("已脱贫（享受政策）", 2016, "低保户")
    exit_case = store.cases.latest([hid])[hid]
    # 返贫: identification again, linked to the exit; at the end 返贫 and the poor 属性 again.
    core.apply(store, [hid], D(2017, 3, 1))
    back = store.cases.latest([hid])[hid]
    assert back.kind.value == "return" and back.linked_case_id == exit_case.id


def test_exit_refused_below_the_line(town):
    store, lu, _ = town
    hh = store.households.get(lu[0])
    for key in ("wage_income", "business_income", "property_income", "family_planning", "dibao_money",
                "pension_money", "eco_compensation", "other_transfer"):
        hh.fields[key] = 0
    store.households.save(hh, "测试")
    with pytest.raises(CaseError, match="未超过扶贫标准"):
        exits.start_exit(store, [lu[0]], D(2016, 10, 1), D(2016, 9, 30))
    assert store.cases.latest([lu[0]]) == {}


def test_three_level_procedure(town):
    store, lu, xing = town
    store.policy.put(Policy(procedure="three_level"), "测试")
    ids = [lu[0], xing[0]]
    core.apply(store, ids, D(2016, 5, 1))
    for day in (2, 3, 4, 5):
        core.advance(store, ids, D(2016, 5, day))
    for village in ("炉场村", "兴龙村"):
        publicity.open_round(store, D(2016, 5, 6), village=village)
    core.advance(store, ids, D(2016, 5, 13))
    core.advance(store, ids, D(2016, 5, 14))
    with pytest.raises(CaseError, match="没有等待公示"):
        publicity.open_round(store, D(2016, 5, 15), village="炉场村")
    rnd = publicity.open_round(store, D(2016, 5, 15), scope=Scope.TOWNSHIP).value
    assert (rnd.stage, rnd.days, rnd.households) == ("publicity2", 7, 2)
    core.advance(store, ids, D(2016, 5, 22))
    core.county_decision(store, ids, D(2016, 5, 25), approve=True, document="青扶发〔2016〕8号")
    county = publicity.open_round(store, D(2016, 5, 26), scope=Scope.COUNTY).value
    assert (county.stage, county.end) == ("publicity3", D(2016, 6, 9))
    with pytest.raises(CaseError, match="才期满"):
        core.advance(store, ids, D(2016, 6, 9))
    core.advance(store, ids, D(2016, 6, 10))
    core.advance(store, ids, D(2016, 6, 11))
    assert {store.cases.latest([h])[h].stage for h in ids} == {"registered"}


def test_objection_only_for_a_household_of_the_round(town):
    store, lu, xing = town
    to_publicity1(store, lu[:2])
    rnd = publicity.open_round(store, D(2016, 6, 5), village="炉场村").value
    with pytest.raises(CaseError, match="不在第"):
        publicity.add_objection(store, rnd.id, xing[0], D(2016, 6, 6), "x")
    with pytest.raises(CaseError, match="早于公示开始日"):
        publicity.add_objection(store, rnd.id, lu[0], D(2016, 6, 4), "x")
    with pytest.raises(CaseError, match="没有编号为 99"):
        publicity.add_objection(store, 99, lu[0], D(2016, 6, 6), "x")


def test_application_warns_about_the_profiles_exclusions(town):
    store, lu, _ = town
    store.policy.put(Policy(dibao_in_scope=False, exclusions=("赌博吸毒等违法",)), "测试")
    out = core.apply(store, lu[:1], D(2016, 6, 1))
    assert any("低保贫困户不在本县识别范围" in w for w in out.warnings)
    assert any("三不评" in w and "赌博吸毒等违法" in w for w in out.warnings)


def test_overlong_text_is_refused_and_nothing_written(town):
    store, lu, _ = town
    core.apply(store, lu[:2], D(2016, 6, 1))
    before = store.cases.all_records()
    with pytest.raises(StoreError, match="最多 1000 个字"):
        core.refuse(store, lu[:2], D(2016, 6, 2), "很" * 1001)
    assert store.cases.all_records() == before
    assert {c.status.value for c in store.cases.latest(lu[:2]).values()} == {"open"}
