"""Which households an export holds back, without re-running every rule on every household.

For each household of a batch the blocking errors are those of the rules that look at it alone,
kept from when it was saved or imported (:mod:`fupin_desktop.rules.kept`, ``store.checks``), then
those of the cross-record rules.  The kept part is taken when its row still holds (same revision,
same rule context, not past its day); otherwise every rule runs again and the result is kept
again (:attr:`ExportChecks.refreshed`, written with the batch).  The cross-record part is asked
only of the households that can have such an error: with the bulk index of a township-wide run
(:class:`~fupin_desktop.rules.crossrecord.MemoryRecords`, which holds only the ID numbers, 人编号
and 户编号 held twice) a household none of whose numbers is in it has none.  Without that index
(a live look-up, or none) every household is asked, as before.

The messages and their order are exactly those of ``check_household``'s errors.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, Household
from fupin_desktop.domain.idnumber import person_key
from fupin_desktop.rules import Finding, RuleContext, all_rules, check_household
from fupin_desktop.rules.crossrecord import MemoryRecords
from fupin_desktop.rules.kept import context_key, cross_record_rules, kept_errors, valid_until
from fupin_desktop.store import Store
from fupin_desktop.store.checks import KeptCheck
from fupin_desktop.store.year_files import bundle_household


def blocking_errors(hh: Household, ctx: RuleContext) -> list[str]:
    return [f.message for f in check_household(hh, ctx) if f.is_error]


class ExportChecks:
    """The blocking errors of each household of one export (see the module's docstring)."""

    def __init__(self, store: Store, ctx: RuleContext, household_ids: list[int]) -> None:
        self.store = store
        self.ctx = ctx
        self.key = context_key(ctx, store.db.user_version)
        self.today: date = ctx.today
        self.kept = store.checks.kept(household_ids, self.key, self.today)
        self.records = ctx.records if isinstance(ctx.records, MemoryRecords) else None
        self.every = ctx.records is not None and self.records is None  # live look-ups: ask everyone
        self.suspects = _suspects(self.records) if self.records is not None else set()
        cross = cross_record_rules()
        self.cross_rules = [r for r in all_rules() if r.id in cross]
        self.refreshed: list[KeptCheck] = []
        self.rechecked = 0

    def errors(self, household_id: int, bundle: dict[str, Any], village: str, town: dict[str, Any] | None) -> list[str]:
        hit = self.kept.get(household_id)
        kept = hit[1] if hit is not None and hit[0] == bundle["revision"] else None
        ask_cross = self.every or (self.records is not None and self._suspect(household_id, bundle))
        if kept is not None and not ask_cross:
            return list(kept)
        hh = bundle_household(bundle, self.store.spec, village, town, household_id)
        if kept is None:
            findings = check_household(hh, self.ctx)
            self.rechecked += 1
            self.refreshed.append(KeptCheck(household_id, int(bundle["revision"]), self.key,
                                            valid_until(hh, self.today), tuple(kept_errors(findings))))
            return [f.message for f in findings if f.is_error]
        return [*kept, *(f.message for f in self._cross(hh) if f.is_error)]

    def _cross(self, hh: Household) -> list[Finding]:
        out: list[Finding] = []
        for r in self.cross_rules:
            for f in r.check(hh, self.ctx):
                out.append(Finding(rule=f.rule or r.id, severity=r.severity if not f.rule else f.severity,
                                   message=f.message, refs=f.refs, related=f.related))
        return out

    def _suspect(self, household_id: int, bundle: dict[str, Any]) -> bool:
        """Whether a cross-record rule could find an error in this household (never a false no)."""
        if household_id in self.suspects:
            return True
        records = self.records
        assert records is not None
        members = [m for m in bundle.get("members", []) if not m.get("deleted")]
        current = sum(1 for m in members if (m.get("fields") or {}).get("change") not in LEFT_HOUSEHOLD)
        declared = records.declared_size(household_id)
        if declared is not None and declared != current:
            return True  # X003
        numbers = [str(n) for m in members if (n := (m.get("fields") or {}).get("person_number"))]
        if len(numbers) != len(set(numbers)):
            return True  # X007 within the household
        for helper in bundle.get("helpers", []):
            number = (helper.get("fields") or {}).get("id_number")
            if not helper.get("deleted") and number and person_key(str(number)) in records.persons_by_id:
                return True  # X004
        return False


def _suspects(records: MemoryRecords) -> set[int]:
    """Households holding a person's number that another household (or another of its own rows)
    holds too, and those sharing a 户编号: the only ones X001, X002, X006 and X007 can name."""
    out: set[int] = set()
    for persons in records.persons_by_id.values():
        households = {p.household_id for p in persons}
        if len(households) > 1:
            out.update(households)
    for persons in records.persons_by_person_number.values():
        out.update(p.household_id for p in persons)  # numbers held by two or more rows only
    numbers = Counter(h.number for h in records.households.values() if h.number)
    out.update(h.id for h in records.households.values() if h.number and numbers[h.number] > 1)
    return out
