"""Random sequences of verbs and dates through the services never break the process's invariants.

Driven from outside, as a clerk (or a script) would: apply, advance (with or without an override
reason), refuse, send back, open rounds, record and resolve objections, county decisions, appeals,
on random households with random dates.  Whatever is accepted or refused, after every step:
- no record was lost or rewritten (the records so far are a prefix of the records now);
- each case's records chain (each decision starts where the previous one led), and every 通过
  from a publicity stage comes from a round of that stage, the case in its list, started after the
  case reached it, and left after its end or with an override reason;
- an advance or approval that was accepted moved no household with an open objection.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fupin_desktop.casework import core, exits, publicity
from fupin_desktop.casework.core import CaseError
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store
from tests.helpers import make_store
from tests.workflow.conftest import add_households

START = date(2016, 5, 1)
VERBS = ("apply", "advance", "advance_override", "refuse", "return", "open", "objection", "resolve", "approve",
         "appeal", "exit")
#: Weighted towards moving on, so random runs reach the county decision and the end.
FAR_VERBS = ("advance",) * 6 + ("advance_override", "open", "open", "objection", "resolve", "approve", "approve")
step_strategy = st.tuples(st.sampled_from(VERBS), st.integers(0, 5), st.integers(-3, 9), st.booleans())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for procedure in ("national", "three_level"):
        folder = tmp_path_factory.mktemp(procedure)
        store = make_store(folder)
        store.policy.put(Policy(procedure=procedure, publicity_days=5), "测试")
        add_households(store, "炉场村", 4)
        add_households(store, "兴龙村", 2, start=10)
        store.close()
        out[procedure] = folder / "township.db"
    return out


def copy_of(template: Path, folder: str) -> Store:
    target = Path(folder) / "t.db"
    src, dst = sqlite3.connect(template), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return Store(target)


def check_invariants(store: Store, before: list) -> list:
    records = store.cases.all_records()
    assert records[:len(before)] == before, "a record was lost or rewritten"
    rounds = {r.id: r for r in store.publicity.rounds()}
    members = {rid: set(store.publicity.round_case_ids(rid)) for rid in rounds}
    by_case: dict[int, list] = {}
    for r in records:
        by_case.setdefault(r.case_id, []).append(r)
    for case_id, recs in by_case.items():
        case = store.cases.get(case_id)
        proc = wf.procedure(case.kind, case.procedure)
        position, entered = proc.first.key, recs[0].date
        for rec in recs:
            assert rec.stage == position, f"case {case_id}: {rec.decision} at {rec.stage}, case was at {position}"
            if rec.decision == "通过":
                assert rec.to_stage == proc.next(rec.stage).key, "a 通过 skipped a stage"
                stage = proc.stage(rec.stage)
                if stage.publicity is not None:
                    ok = [r for r in rounds.values() if r.stage == rec.stage and case_id in members[r.id]
                          and entered <= r.start <= rec.date]
                    assert ok, f"case {case_id} left {rec.stage} without a round"
                    assert rec.date > max(r.end for r in ok) or rec.override_reason, "left a round early"
            if rec.to_stage != position:
                entered = rec.date
            position = rec.to_stage
        assert case.stage == position
    return records


def run(store: Store, steps: list, ids: list[int]) -> None:
    when = START
    before: list = []
    for verb, who, days, flag in steps:
        when = max(START, when + timedelta(days=days))
        hid = ids[who % len(ids)]
        group = [hid] if flag else ids[who % len(ids):who % len(ids) + 2]
        blocked = {o.household_id for o in store.publicity.objections(open_only=True)}
        try:
            if verb == "apply":
                core.apply(store, group, when)
            elif verb in ("advance", "advance_override"):
                core.advance(store, group, when, override="县里要求" if verb == "advance_override" else "")
                assert not blocked & set(group), "advanced with an open objection"
            elif verb == "refuse":
                core.refuse(store, group, when, "不符合条件" if flag else "")
            elif verb == "return":
                core.send_back(store, group, when, "材料不全")
            elif verb == "open":
                publicity.open_round(store, when, village="炉场村" if who % 2 else "兴龙村")
            elif verb == "objection":
                rounds = store.publicity.rounds()
                if rounds:
                    publicity.add_objection(store, rounds[-1].id, hid, when, "反映情况")
            elif verb == "resolve":
                pending = store.publicity.objections(open_only=True)
                if pending:
                    publicity.resolve(store, pending[0].id, when, flag, "核实")
            elif verb == "approve":
                core.county_decision(store, group, when, approve=flag, document="文号", reason="县里不予认定")
                assert not blocked & set(group), "approved with an open objection"
            elif verb == "appeal":
                core.appeal(store, hid, when, "申诉", flag)
            elif verb == "exit":
                exits.start_exit(store, group, when, when)
        except CaseError:
            pass
        before = check_invariants(store, before)
    for case in store.cases.latest(ids).values():
        event(f"reached {case.stage} ({case.status.value})")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step_strategy, min_size=5, max_size=40), three_level=st.booleans())
def test_random_sequences_keep_the_invariants(template: dict[str, Path], steps: list, three_level: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = copy_of(template["three_level" if three_level else "national"], folder)
        try:
            ids = [s.id for s in sorted(store.cases.subjects(range(1, 100)).values(), key=lambda s: s.id)]
            run(store, steps, ids)
        finally:
            store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(FAR_VERBS), st.integers(0, 5), st.integers(0, 6), st.booleans()),
                      min_size=20, max_size=70))
def test_cases_far_along_keep_the_invariants(template: dict[str, Path], steps: list) -> None:
    """All households applied first, so random steps reach the later stages more often."""
    with tempfile.TemporaryDirectory() as folder:
        store = copy_of(template["national"], folder)
        try:
            ids = [s.id for s in sorted(store.cases.subjects(range(1, 100)).values(), key=lambda s: s.id)]
            core.apply(store, ids, START)
            run(store, steps, ids)
        finally:
            store.close()
