"""Validation rules: named checks with a severity, a Chinese message and the fields they point at.

Field-level checks come from the form spec (``rules.fields``); cross-field checks
are small functions registered with :func:`rule` (``rules.household``).  The
editor, imports and exports all call :func:`check_household`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FormSpec

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class FieldRef:
    """Where a finding points: a grid field, or a cell of a repeating table (row is 0-based)."""

    field: str
    table: str | None = None
    row: int | None = None

    def key(self) -> str:
        return self.field if self.table is None else f"{self.table}[{self.row}].{self.field}"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    refs: tuple[FieldRef, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class RuleContext:
    spec: FormSpec
    today: date = field(default_factory=date.today)
    villages: dict[str, list[str]] | None = None  # village name -> its groups, when known


RuleFn = Callable[[Household, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: RuleFn


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity, title: str) -> Callable[[RuleFn], RuleFn]:
    """Register a household rule; the function yields findings (rule id/severity filled in)."""

    def register(fn: RuleFn) -> RuleFn:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"duplicate rule id {rule_id}")
        RULES.append(Rule(rule_id, severity, title, fn))
        return fn

    return register


def finding(message: str, *refs: FieldRef) -> Finding:
    """A finding whose rule id and severity the engine fills in."""
    return Finding(rule="", severity="error", message=message, refs=refs)


def check_household(hh: Household, ctx: RuleContext) -> list[Finding]:
    """Every finding of every registered rule on one household."""
    from fupin_desktop.rules import fields as _fields  # noqa: F401  (registers field rules)
    from fupin_desktop.rules import household as _household  # noqa: F401

    out: list[Finding] = []
    for r in RULES:
        out.extend(_stamp(r, r.check(hh, ctx)))
    return out


def _stamp(r: Rule, findings: Iterable[Finding]) -> Iterator[Finding]:
    for f in findings:
        yield Finding(rule=f.rule or r.id, severity=r.severity if not f.rule else f.severity,
                      message=f.message, refs=f.refs)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]
