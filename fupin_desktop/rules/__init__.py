"""Validation rules: named checks with a severity, a Chinese message and the fields they point at.

Field-level checks come from the form spec (``rules.fields``); cross-field checks
are small functions registered with :func:`rule`: one household's (``rules.household``,
``rules.members``, ``rules.livelihood``: the national checks of DOMAIN §2) and those that
look at the other households through ``RuleContext.records`` (``rules.crossrecord``).
Rules read the county's profile from ``RuleContext.policy`` (``rules.policy``).  The
editor, imports, exports and the township-wide run all call :func:`check_household`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from fupin_desktop.domain import idnumber
from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FormSpec
from fupin_desktop.rules.policy import Policy

if TYPE_CHECKING:
    from fupin_desktop.rules.crossrecord import CrossRecords

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
    related: tuple[int, ...] = ()  # ids of the other households a cross-record finding involves

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class RuleContext:
    """What rules may read besides the household itself."""

    spec: FormSpec
    today: date = field(default_factory=date.today)
    villages: dict[str, list[str]] | None = None  # village name -> its groups, when known
    policy: Policy = field(default_factory=Policy)  # the county's profile (defaults: DOMAIN §3)
    records: CrossRecords | None = None  # the other households, for cross-record rules

    def reference_date(self, hh: Household) -> date:
        """The record's standard time point: Dec 31 of its 登记年度, else of the current year.

        Every age-based check counts ages on this day (seed: 登记的标准时点为…12月31日), so a
        2016 roster checked years later still sees its pupils at their 2016 ages.
        """
        memo = checking(hh, self)
        if memo is not None and memo.when is not None:
            return memo.when
        year = hh.fields.get("year")
        if not (isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100):
            year = self.today.year
        when = date(year, 12, 31)
        if memo is not None:
            memo.when = when
        return when


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


def finding(message: str, *refs: FieldRef, related: tuple[int, ...] = ()) -> Finding:
    """A finding whose rule id and severity the engine fills in."""
    return Finding(rule="", severity="error", message=message, refs=refs, related=related)


def check_household(hh: Household, ctx: RuleContext) -> list[Finding]:
    """Every finding of every registered rule on one household.

    While the rules run, what several of them derive from the household (its current members,
    their ages, the standard time point) is worked out once (:func:`checking`); the household is
    not changed meanwhile, so every rule sees what it would compute itself."""
    out: list[Finding] = []
    previous = getattr(_checking, "memo", None)
    _checking.memo = CheckMemo(hh, ctx)
    try:
        for r in all_rules():
            for f in r.check(hh, ctx):
                out.append(Finding(rule=f.rule or r.id, severity=r.severity if not f.rule else f.severity,
                                   message=f.message, refs=f.refs, related=f.related))
    finally:
        _checking.memo = previous
    return out


class CheckMemo:
    """What the rules of one :func:`check_household` call share about its household."""

    __slots__ = ("hh", "ctx", "when", "rows", "ages")

    def __init__(self, hh: Household, ctx: RuleContext) -> None:
        self.hh, self.ctx = hh, ctx
        self.when: date | None = None
        self.rows: list[tuple[int, Any]] | None = None
        self.ages: list[tuple[int, Any, int]] | None = None


_checking = threading.local()


def checking(hh: Household, ctx: RuleContext | None = None) -> CheckMemo | None:
    """The memo of the :func:`check_household` call now checking ``hh`` (with ``ctx``), if any."""
    memo: CheckMemo | None = getattr(_checking, "memo", None)
    if memo is None or memo.hh is not hh or (ctx is not None and memo.ctx is not ctx):
        return None
    return memo


def _stamp(r: Rule, findings: Iterable[Finding]) -> Iterator[Finding]:
    """``findings`` with the rule's id and severity filled in (as :func:`check_household` does)."""
    for f in findings:
        yield Finding(rule=f.rule or r.id, severity=r.severity if not f.rule else f.severity,
                      message=f.message, refs=f.refs, related=f.related)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


#: The rule modules, in check order: field checks, one household's cross-field rules, then the
#: rules that look at the other households.  They are imported when the rules are first asked for
#: (:func:`all_rules`), not with this package: the window opens without them.
RULE_MODULES = ("fields", "household", "members", "identity", "livelihood", "national", "crossrecord", "years")
_loaded: list[bool] = []
_loading = threading.Lock()


def all_rules() -> list[Rule]:
    """Every registered rule, in check order (the order of :data:`RULE_MODULES`, then each module's
    own order, whichever module some other import loaded first)."""
    if not _loaded:
        with _loading:
            if not _loaded:
                for name in RULE_MODULES:
                    importlib.import_module(f"{__name__}.{name}")
                place = {f"{__name__}.{name}": i for i, name in enumerate(RULE_MODULES)}
                RULES.sort(key=lambda r: place.get(r.check.__module__, len(place)))  # stable within a module
                _loaded.append(True)
    return RULES


def age_at(birth: object, when: date) -> int | None:
    """Whole years of age on ``when`` (None without a birth date)."""
    if not isinstance(birth, date):
        return None
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def check_id(number: str, today: date) -> idnumber.IdCheck:
    """:func:`idnumber.check_id`, remembered (:func:`idnumber.check_id_on`): several rules, the
    form's parsing and imports ask about the same numbers."""
    return idnumber.check_id_on(number, today)


