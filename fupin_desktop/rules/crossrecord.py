"""Cross-record rules: one household checked against the other households of the township.

Rules stay pure: they ask ``ctx.records`` (a :class:`CrossRecords`) about the other
households and are silent when there is none.  Two implementations answer:

* ``store.crossrecord.StoreRecords`` asks the database live (the household editor:
  one indexed query per question, the household being edited excluded by its id);
* :class:`MemoryRecords`, filled in bulk once for a township-wide run
  (``fupin_desktop.quality``), answers from dicts.

A finding names the other household (village, group, 户编号, 户主) and lists its id in
``Finding.related``, so a view can refresh both sides after either is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, Household
from fupin_desktop.domain.idnumber import person_key
from fupin_desktop.rules import FieldRef, Finding, RuleContext, finding, rule
from fupin_desktop.rules.members import current_rows, who

#: 人员变更 after which a person cannot be counted in any household any more (unlike 嫁出, 其他转出).
GONE = frozenset({"死亡", "出国定居", "判刑收监"})


@dataclass(frozen=True, slots=True)  # (slots: a county-wide index holds 100,000 of them)
class HouseholdRecord:
    """What cross-record messages need of another household."""

    id: int
    number: str
    village: str
    group: str
    head_name: str
    size: int  # 家庭人口 as stored
    phone: str = ""

    def describe(self) -> str:
        head = f"户主{self.head_name}" if self.head_name else "户主未填"
        return f"{self.village}{self.group} 户编号 {self.number or '未填'}（{head}）"


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A member row of some household."""

    household_id: int
    name: str
    id_number: str
    change: str | None = None

    @property
    def current(self) -> bool:
        return self.change not in LEFT_HOUSEHOLD


class CrossRecords(Protocol):
    """The other households, as the cross-record rules ask about them."""

    def persons(self, id_number: str) -> Sequence[PersonRecord]:
        """Every member row (still in or left) of this person, in any household: the same 18-character
        ID number, or a 20-character 残疾人证 number starting with it (one person, either card)."""
        ...

    def households_numbered(self, number: str) -> Sequence[HouseholdRecord]:
        """Every household with this 户编号."""
        ...

    def household(self, household_id: int) -> HouseholdRecord | None:
        ...

    def persons_named_at_phone(self, name: str, phone: str) -> Sequence[PersonRecord]:
        """Member rows named ``name`` of households whose 联系电话 is ``phone``."""
        ...

    def declared_size(self, household_id: int) -> int | None:
        """家庭人口 as recorded apart from the member rows (stored, imported), if known."""
        ...

    def persons_numbered(self, person_number: str) -> Sequence[PersonRecord]:
        """Every member row with this 人编号 (AAB001), in any household."""
        ...


@dataclass
class MemoryRecords:
    """:class:`CrossRecords` from dicts, filled once for a township-wide run.

    ``persons_by_id`` need only hold the ID numbers that can produce a finding (numbers
    in two or more households, helpers' numbers): a number absent from it is taken to
    belong to at most one household, the one being checked.  Likewise
    ``persons_by_name_phone`` need only hold helpers' (name, phone) pairs.
    """

    households: dict[int, HouseholdRecord] = field(default_factory=dict)
    persons_by_id: dict[str, list[PersonRecord]] = field(default_factory=dict)
    persons_by_name_phone: dict[tuple[str, str], list[PersonRecord]] = field(default_factory=dict)
    #: member rows by 人编号, for the numbers held by two or more rows only
    persons_by_person_number: dict[str, list[PersonRecord]] = field(default_factory=dict)
    _by_number: dict[str, list[HouseholdRecord]] | None = None

    def add_persons(self, persons: Iterable[PersonRecord]) -> None:
        """File member rows under their holder's ID number (a 残疾人证 number under its first 18)."""
        for p in persons:
            self.persons_by_id.setdefault(person_key(p.id_number), []).append(p)

    def persons(self, id_number: str) -> Sequence[PersonRecord]:
        return self.persons_by_id.get(person_key(id_number), ())

    def households_numbered(self, number: str) -> Sequence[HouseholdRecord]:
        if self._by_number is None:
            self._by_number = {}
            for h in self.households.values():
                self._by_number.setdefault(h.number, []).append(h)
        return self._by_number.get(number, ())

    def household(self, household_id: int) -> HouseholdRecord | None:
        return self.households.get(household_id)

    def persons_named_at_phone(self, name: str, phone: str) -> Sequence[PersonRecord]:
        return self.persons_by_name_phone.get((name, phone), ())

    def declared_size(self, household_id: int) -> int | None:
        record = self.households.get(household_id)
        return record.size if record else None

    def persons_numbered(self, person_number: str) -> Sequence[PersonRecord]:
        return self.persons_by_person_number.get(person_number, ())


def _others(records: CrossRecords, persons: Iterable[PersonRecord], hh: Household) -> Iterator[
        tuple[PersonRecord, HouseholdRecord | None]]:
    for p in persons:
        if hh.id is None or p.household_id != hh.id:
            yield p, records.household(p.household_id)


def _where(record: HouseholdRecord | None) -> str:
    return record.describe() if record else "另一户"


def _same_person_elsewhere(hh: Household, ctx: RuleContext) -> Iterator[tuple[int, Any, str, list[Any]]]:
    """(row, member, ID number, that person's rows in other households) for each current member."""
    if ctx.records is None:
        return
    for i, m in current_rows(hh):
        number = m.get("id_number")
        if number:
            yield i, m, number, list(_others(ctx.records, ctx.records.persons(number), hh))


@rule("X001", "error", "同一人在两户在册")
def person_in_two_households(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m, number, elsewhere in _same_person_elsewhere(hh, ctx):
        others = [(p, r) for p, r in elsewhere if p.current]
        if others:
            where = "、".join(_where(r) for _, r in others)
            yield finding(
                f"{who(m, i)}（证件号码 {number}）同时在 {where} 家在册。一人只能在一户："
                "请核实后，在已迁出的一户把此人的“人员变更”填为“嫁出”或“其他转出”，或删去重复的一行",
                FieldRef("id_number", "members", i), related=tuple(p.household_id for p, _ in others))


@rule("X002", "error", "户编号重复")
def number_used_twice(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    number = hh.fields.get("number")
    if ctx.records is None or not number:
        return
    others = [r for r in ctx.records.households_numbered(str(number)) if hh.id is None or r.id != hh.id]
    if others:
        yield finding(
            f"户编号 {number} 已被 {'、'.join(r.describe() for r in others)} 使用。"
            "户编号在全乡不能重复，请核对纸质手册上的户编号",
            FieldRef("number"), related=tuple(r.id for r in others))


@rule("X003", "error", "家庭人口与成员表不符")
def size_differs_from_rows(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.records is None or hh.id is None:
        return
    declared = ctx.records.declared_size(hh.id)
    size = len(current_rows(hh))
    if declared is not None and declared != size:
        left = len(hh.members) - size
        note = f"，另有 {left} 人已死亡、嫁出等不计入" if left else ""
        yield finding(
            f"登记的家庭人口为 {declared} 人，成员表中在册成员却是 {size} 人{note}。"
            "请打开本户核对家庭成员后重新保存，家庭人口会按成员表自动更新", FieldRef("size"))


@rule("X004", "error", "帮扶责任人是建档立卡贫困人口")
def helper_is_registered_poor(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for j, helper in enumerate(hh.helpers):
        number = helper.get("id_number")
        if not number:
            continue
        name = helper.get("name") or f"帮扶责任人第 {j + 1} 行"
        ref = FieldRef("id_number", "helpers", j)
        key = person_key(str(number))
        own = [who(m, i) for i, m in current_rows(hh) if m.get("id_number") and person_key(str(m.get("id_number"))) == key]
        if own:
            yield finding(f"帮扶责任人{name}的证件号码与本户成员{own[0]}相同。帮扶责任人不能是贫困户成员，"
                          "请更换帮扶责任人或核对证件号码", ref)
            continue
        if ctx.records is None:
            continue
        others = [(p, r) for p, r in _others(ctx.records, ctx.records.persons(number), hh) if p.current]
        if others:
            p, r = others[0]
            yield finding(
                f"帮扶责任人{name}（证件号码 {number}）是 {_where(r)} 家的建档立卡贫困人口"
                f"（{p.name}）。帮扶责任人不能是贫困人口，请更换帮扶责任人或核对证件号码",
                ref, related=tuple(p.household_id for p, _ in others))


@rule("X005", "warning", "帮扶责任人疑似贫困人口")
def helper_looks_registered_poor(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for j, helper in enumerate(hh.helpers):
        name = helper.get("name")
        if not name or helper.get("id_number"):
            continue  # with an ID number, X004 decides
        ref = FieldRef("name", "helpers", j)
        if any(m.get("name") == name for _, m in current_rows(hh)):
            yield finding(f"帮扶责任人{name}与本户成员同名。帮扶责任人不能是贫困户成员，请核实，"
                          "并填写帮扶责任人的证件号码以便核对", ref)
            continue
        phone = helper.get("phone")
        if ctx.records is None or not phone:
            continue
        others = [(p, r) for p, r in _others(ctx.records, ctx.records.persons_named_at_phone(name, phone), hh)
                  if p.current]
        if others:
            _, r = others[0]
            yield finding(
                f"帮扶责任人{name}与 {_where(r)} 家的成员同名，联系电话也相同（{phone}），"
                "可能是建档立卡贫困人口。请核实，并填写帮扶责任人的证件号码",
                ref, related=tuple(p.household_id for p, _ in others))


@rule("X006", "error", "已死亡或迁出国外的人在他户在册")
def gone_person_counted_elsewhere(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m, number, elsewhere in _same_person_elsewhere(hh, ctx):
        gone = [(p, r) for p, r in elsewhere if p.change in GONE]
        if gone:
            p, r = gone[0]
            yield finding(
                f"{who(m, i)}（证件号码 {number}）在 {_where(r)} 家已登记为“{p.change}”，"
                f"在本户却仍在册。请核实：属实的在本户把“人员变更”填为“{p.change}”，不属实的改正原户的登记",
                FieldRef("change", "members", i), related=tuple(q.household_id for q, _ in gone))


@rule("X007", "error", "人编号重复")
def person_number_used_twice(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    """人编号 (AAB001) names one person in the national system: unique in the database when given."""
    seen: dict[str, int] = {}
    for i, m in enumerate(hh.members):
        number = m.get("person_number")
        if not number:
            continue
        if number in seen:
            yield finding(
                f"{who(m, i)}的人编号 {number} 与本户第 {seen[number] + 1} 行相同。人编号是全国系统中每人唯一的编号，"
                "请按全国系统核对后改正", FieldRef("person_number", "members", i))
            continue
        seen[number] = i
        if ctx.records is None:
            continue
        others = list(_others(ctx.records, ctx.records.persons_numbered(str(number)), hh))
        if others:
            where = "、".join(f"{_where(r)}的{p.name or '成员'}" for p, r in others)
            yield finding(
                f"{who(m, i)}的人编号 {number} 已用于 {where}。人编号是全国系统中每人唯一的编号，"
                "请按全国系统核对后改正", FieldRef("person_number", "members", i),
                related=tuple(p.household_id for p, _ in others))
