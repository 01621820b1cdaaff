"""Field-level checks derived from the form spec: required, code lists, lengths, ranges, IDs.

The spec is turned once into a small check plan per field (label set, bounds as Decimals),
so a township-wide run does not rebuild them for every value of every household; fields no
value can be wrong in (read-only, or optional with nothing to check) are left out of the plan,
and a required field with nothing else to check only asks whether it is empty
(tests/test_rules_fast_path.py holds the plan to the full check of every field).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FieldSpec, FormSpec
from fupin_desktop.rules import FieldRef, Finding, RuleContext, check_id, finding, rule

EMPTY: tuple[object, ...] = (None, "", [])


@dataclass(frozen=True)
class _Check:
    """What to check of one field, prepared from its spec."""

    spec: FieldSpec
    labels: frozenset[str] | None  # allowed labels of a static code list
    low: Decimal | None
    high: Decimal | None
    plain: bool  # any non-empty value is fine (no list, length, range or ID check applies)


    @property
    def always_fine(self) -> bool:
        """No value can be wrong: read-only, or optional with nothing to check (skipped by the plan)."""
        return self.spec.readonly or (self.plain and not self.spec.required)

    @property
    def filled_is_fine(self) -> bool:
        """Required with nothing else to check: only an empty value is a problem."""
        return self.plain and self.spec.required and not self.spec.readonly


#: (field id, only emptiness matters, the check), for the checks that can find anything, in form order.
_Active = tuple[tuple[str, bool, _Check], ...]


@dataclass(frozen=True)
class _Plan:
    grid: _Active
    tables: tuple[tuple[str, str, _Active, int, int, str], ...]  # id, title, checks, min, max, first


def _active(checks: list[_Check]) -> _Active:
    return tuple((c.spec.id, c.filled_is_fine, c) for c in checks if not c.always_fine)


_PLANS: dict[int, tuple[FormSpec, _Plan]] = {}


def _prepare(form: FormSpec, spec: FieldSpec) -> _Check:
    labels = None
    if spec.type in ("code", "multicode") and spec.codes and not spec.codes.startswith("@"):
        labels = frozenset(form.codes[spec.codes].labels)
    low = Decimal(str(spec.min)) if spec.min is not None else None
    high = Decimal(str(spec.max)) if spec.max is not None else None
    plain = spec.readonly or (
        labels is None and spec.type != "id_number"
        and not (spec.type in ("text", "multiline") and spec.max_length)
        and not (spec.type in ("integer", "decimal") and (low is not None or high is not None))
    )
    return _Check(spec, labels, low, high, plain)


def _plan(form: FormSpec) -> _Plan:
    cached = _PLANS.get(id(form))
    if cached is not None and cached[0] is form:
        return cached[1]
    plan = _Plan(
        grid=_active([_prepare(form, f) for f in form.grid_fields() if f.type != "derived"]),
        tables=tuple(
            (t.id, t.title, _active([_prepare(form, f) for f in t.fields]), t.min_rows, t.max_rows, t.fields[0].id)
            for t in form.tables()
        ),
    )
    _PLANS[id(form)] = (form, plan)  # keeps ``form`` alive, so its id is never reused
    return plan


def _check_value(check: _Check, value: Any, ctx: RuleContext, where: str) -> str | None:
    """The problem with one stored value, or None."""
    spec = check.spec
    if value is None or value == "" or value == []:
        return f"{where}“{spec.label}”未填写" if spec.required and not spec.readonly else None
    if spec.readonly:
        return None
    if check.labels is not None:
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in check.labels]
        if bad:
            return f"{where}“{spec.label}”的值“{bad[0]}”不在代码表中"
    elif spec.type in ("text", "multiline"):
        if spec.max_length and len(str(value)) > spec.max_length:
            return f"{where}“{spec.label}”超过 {spec.max_length} 个字"
    elif spec.type in ("integer", "decimal") and isinstance(value, (int, Decimal)):
        if check.low is not None and value < check.low:
            return f"{where}“{spec.label}”不能小于 {spec.min:g}"
        if check.high is not None and value > check.high:
            return f"{where}“{spec.label}”不能大于 {spec.max:g}"
    elif spec.type == "id_number":
        result = check_id(str(value), ctx.today)
        if not result.valid:
            return f"{where}{result.error}"
    return None


def _fine(check: _Check, value: Any) -> bool:
    """A quick yes for the usual value (the full check only runs on the rest; never a wrong yes)."""
    if value is None or value == "" or value == []:
        return not check.spec.required or check.spec.readonly
    if check.plain:
        return True
    labels = check.labels
    if labels is not None:
        return all(v in labels for v in value) if isinstance(value, list) else value in labels
    kind = check.spec.type
    if kind in ("text", "multiline"):
        return len(str(value)) <= (check.spec.max_length or 0)
    if kind in ("integer", "decimal") and type(value) in (int, Decimal):  # bool is not a number here
        return (check.low is None or value >= check.low) and (check.high is None or value <= check.high)
    return False


@rule("F001", "error", "字段填写")
def field_values(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    plan = _plan(ctx.spec)
    fields = hh.fields
    for field_id, filled_is_fine, check in plan.grid:
        value = fields.get(field_id)
        if filled_is_fine:
            if value is not None and value != "" and value != []:
                continue
        elif _fine(check, value):
            continue
        problem = _check_value(check, value, ctx, "")
        if problem:
            yield finding(problem, FieldRef(field_id))
    for table_id, title, checks, min_rows, max_rows, first in plan.tables:
        rows = hh.table(table_id)
        for i, row in enumerate(rows):
            values = row.fields
            where = ""
            for field_id, filled_is_fine, check in checks:
                value = values.get(field_id)
                if filled_is_fine:
                    if value is not None and value != "" and value != []:
                        continue
                elif _fine(check, value):
                    continue  # the common case, without building the row's name
                where = where or f"{title}第 {i + 1} 行"
                problem = _check_value(check, value, ctx, where)
                if problem:
                    yield finding(problem, FieldRef(field_id, table_id, i))
        if len(rows) < min_rows:
            yield finding(f"{title}至少要填 {min_rows} 行", FieldRef(first, table_id, 0))
        if max_rows and len(rows) > max_rows:
            yield finding(f"{title}最多 {max_rows} 行", FieldRef(first, table_id, 0))
