"""Findings kept from save time: what makes a household's stored check result still true.

An export asks of every household whether it has blocking errors.  Re-running every rule on
100,000 households is most of an export's time, so the blocking messages of the rules that
look at the household alone (every rule but the cross-record ones, which ask about the other
households and are answered again at each export) are kept beside the household when it is
saved or imported (``store.checks``), keyed to:

* its **revision**: any save of the household makes the kept result stale;
* the **context**: :func:`context_key`, a digest of what those rules read besides the
  household (the program's rules and their severities, the county's policy, the township's
  villages, the year the ages are counted in when a household has no 登记年度, the database's
  schema version); a policy change, a new or renamed village, a new program version, a
  migration or a new year makes every kept result stale;
* the day it stops being true: :func:`valid_until`, the earliest birth date after the day it
  was checked that a member's ID number carries (that number is refused until that day).

A stale or missing result is simply computed again (and kept again).  Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date

from fupin_desktop import __version__
from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FormSpec
from fupin_desktop.rules import Finding, RuleContext, all_rules

#: Bump when what a rule reads changes without its id or severity changing (a new field spec).
KEPT_VERSION = 1
_CROSS_MODULE = "fupin_desktop.rules.crossrecord"


def cross_record_rules() -> frozenset[str]:
    """Ids of the rules that look at other households (never kept)."""
    return frozenset(r.id for r in all_rules() if r.check.__module__ == _CROSS_MODULE)


def context_key(ctx: RuleContext, schema: int = 0) -> str:
    """A digest of everything besides the household that the kept rules read; ``schema`` is the
    database's schema version, so a migration (which may rewrite stored values without a new
    revision) makes every kept result stale."""
    # Village names only: no kept rule reads a village's groups (H005 asks whether the village is ours).
    villages = sorted(ctx.villages) if ctx.villages is not None else None
    data = {
        "kept": KEPT_VERSION, "program": __version__, "schema": schema,
        "rules": [(r.id, r.severity) for r in all_rules()],
        "policy": ctx.policy.to_json(), "villages": villages, "year": ctx.today.year,
        "spec": spec_digest(ctx.spec),
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


_SPECS: dict[int, tuple[FormSpec, str]] = {}


def spec_digest(spec: FormSpec) -> str:
    """A digest of the form (fields, limits, code lists), computed once per form object."""
    hit = _SPECS.get(id(spec))
    if hit is None or hit[0] is not spec:
        text = repr(spec.sections) + repr(sorted((k, v.items) for k, v in spec.codes.items()))
        hit = _SPECS[id(spec)] = (spec, hashlib.sha256(text.encode()).hexdigest())  # keeps ``spec`` alive
    return hit[1]


def kept_errors(findings: Iterable[Finding]) -> list[str]:
    """The blocking messages of the kept rules (cross-record findings left out), in rule order."""
    cross = cross_record_rules()
    return [f.message for f in findings if f.is_error and f.rule not in cross]


def valid_until(hh: Household, today: date) -> date | None:
    """The first day after ``today`` on which a member's ID number stops being "born in the future"."""
    out: date | None = None
    for m in hh.members:
        number = str(m.get("id_number") or "")
        if len(number) not in (18, 20) or not number[6:14].isdigit():
            continue
        try:
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            continue
        if born > today and (out is None or born < out):
            out = born
    return out
