"""The rule set's fast path gives exactly the findings of the plain one.

``check_household`` shares what several rules derive from a household (current members, ages,
the standard time point) and F001 skips fields no value can be wrong in.  Here every rule is also
run on its own, outside ``check_household`` (nothing shared), and F001 is replaced by a reference
that runs the full field check on every field of the form: the findings must be the same, in the
same order, on many generated households and on the demo township.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, TABLES, Household, Row
from fupin_desktop.formspec import FieldSpec, load_form
from fupin_desktop.rules import FieldRef, Finding, RuleContext, _stamp, all_rules, check_household, finding
from fupin_desktop.rules.fields import _check_value, _prepare
from fupin_desktop.rules.policy import Policy
from tests.helpers import full_household, village_groups

SPEC = load_form("household")
TODAY = date(2024, 6, 1)


def reference_fields(hh: Household, ctx: RuleContext) -> list[Finding]:
    """F001 as the form defines it: the full check of every field, none skipped."""
    out = []
    for f in SPEC.grid_fields():
        if f.type == "derived":
            continue
        problem = _check_value(_prepare(SPEC, f), hh.fields.get(f.id), ctx, "")
        if problem:
            out.append(finding(problem, FieldRef(f.id)))
    for t in SPEC.tables():
        rows = hh.table(t.id)
        for i, row in enumerate(rows):
            for f in t.fields:
                problem = _check_value(_prepare(SPEC, f), row.fields.get(f.id), ctx, f"{t.title}第 {i + 1} 行")
                if problem:
                    out.append(finding(problem, FieldRef(f.id, t.id, i)))
        if len(rows) < t.min_rows:
            out.append(finding(f"{t.title}至少要填 {t.min_rows} 行", FieldRef(t.fields[0].id, t.id, 0)))
        if t.max_rows and len(rows) > t.max_rows:
            out.append(finding(f"{t.title}最多 {t.max_rows} 行", FieldRef(t.fields[0].id, t.id, 0)))
    return out


def reference(hh: Household, ctx: RuleContext) -> list[Finding]:
    """Every rule on its own (no shared work), F001 by :func:`reference_fields`."""
    out: list[Finding] = []
    for r in all_rules():
        found = reference_fields(hh, ctx) if r.id == "F001" else r.check(hh, ctx)
        out.extend(_stamp(r, found))
    return out


def _values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values a field of this type may hold once read: its own codes and wrong ones, empties,
    numbers out of range, long and odd text, ID numbers valid or not."""
    empty = st.sampled_from([None, "", []] if spec.type == "multicode" else [None, ""])
    labels = list(SPEC.codes[spec.codes].labels) if spec.codes and spec.codes in SPEC.codes else []
    kind = spec.type
    if kind == "code":
        values: st.SearchStrategy[Any] = st.sampled_from([*labels, "不在表中"]) if labels else st.text(max_size=6)
        if spec.id == "change":
            values = st.one_of(values, st.sampled_from(sorted(LEFT_HOUSEHOLD)))
    elif kind == "multicode":
        values = st.lists(st.sampled_from([*labels, "不在表中"] if labels else ["x"]), max_size=4)
    elif kind == "integer":
        values = st.integers(min_value=-5, max_value=200)
    elif kind == "decimal":
        values = st.decimals(min_value=-100, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
    elif kind == "bool":
        values = st.booleans()
    elif kind == "date":
        values = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
    elif kind == "id_number":
        values = st.one_of(st.sampled_from(["51082219990101001X", "510822199001011234", "999999999999999999",
                                            "51082219900101123412"]), st.text("0123456789X", max_size=20))
    elif kind == "phone":
        values = st.one_of(st.sampled_from(["13800138000", "0839-1234567", "1380013800"]), st.text("0123456789-", max_size=14))
    else:
        values = st.text(max_size=70)
    return st.one_of(empty, values)


@st.composite
def households(draw: st.DrawFn) -> Household:
    hh = full_household(SPEC, seed=draw(st.integers(min_value=0, max_value=40)))
    grid = [f for f in SPEC.grid_fields() if f.type != "derived"]
    for f in draw(st.lists(st.sampled_from(grid), max_size=12)):
        hh.fields[f.id] = draw(_values(f))
    hh.fields["year"] = draw(st.one_of(st.none(), st.integers(min_value=1890, max_value=2110)))
    for table in TABLES:
        rows = hh.table(table)
        keep = draw(st.integers(min_value=0, max_value=len(rows) + 2))
        rows[:] = (rows + [Row(fields=dict(r.fields)) for r in rows])[:keep]
        columns = SPEC.table(table).fields
        for row in rows:
            for f in draw(st.lists(st.sampled_from(columns), max_size=5)):
                row.fields[f.id] = draw(_values(f))
    return hh


def context(villages: bool = True) -> RuleContext:
    return RuleContext(spec=SPEC, today=TODAY, villages=village_groups() if villages else None, policy=Policy())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households(), st.booleans())
def test_the_fast_path_finds_what_every_rule_finds_alone(hh: Household, villages: bool) -> None:
    ctx = context(villages)
    assert check_household(hh, ctx) == reference(hh, ctx)


def test_the_same_findings_after_the_household_changes_between_checks() -> None:
    """Nothing shared outlives one check: the next check of the same object sees its new rows."""
    hh = full_household(SPEC, seed=3)
    ctx = context()
    first = check_household(hh, ctx)
    hh.members[0].fields["change"] = sorted(LEFT_HOUSEHOLD)[0]
    hh.members[1].fields["birth_date"] = TODAY - timedelta(days=400)
    hh.fields["year"] = 2019
    again = check_household(hh, ctx)
    assert again == reference(hh, ctx) and again != first


def test_the_demo_township_gives_the_same_findings(tmp_path: Path) -> None:
    from fupin_desktop.demo import build_demo
    from fupin_desktop.services import rule_context
    from fupin_desktop.store import Store

    with Store(tmp_path / "demo.db") as store:
        build_demo(store, households=150, seed=5)
        ctx = rule_context(store)
        ctx.records = None
        checked = 0
        for hh in store.households.iter_all():
            assert check_household(hh, ctx) == reference(hh, ctx)
            hh.fields["main_cause"] = None
            hh.members[-1].fields["id_number"] = "51082219990101001X"
            assert check_household(hh, ctx) == reference(hh, ctx)
            checked += 1
        assert checked == 150
