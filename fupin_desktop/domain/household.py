"""The household file: a Household with its members and Handbook rows.

Field values live in plain dicts keyed by the spec's field ids, so the form spec
stays the single declaration of what a household holds; this module adds what
the program derives (户主, 家庭人口, income sums) and nothing per field by hand.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NewType

HouseholdId = NewType("HouseholdId", int)
VillageId = NewType("VillageId", int)

#: The repeating blocks of the Handbook, in paper order.
TABLES = ("members", "helpers", "plans", "measures", "results")

TRANSFER_PARTS = (
    "family_planning",
    "dibao_money",
    "wubao_money",
    "pension_money",
    "eco_compensation",
    "other_transfer",
)
INCOME_PARTS = ("wage_income", "business_income", "property_income")
HEAD = "户主"
#: Member changes after which the person no longer counts in the household.
LEFT_HOUSEHOLD = frozenset({"死亡", "嫁出", "出国定居", "判刑收监", "其他转出"})


def new_uuid() -> str:
    return str(uuid_mod.uuid4())


@dataclass
class Row:
    """One row of a repeating block (a member, helper, plan, measure or result)."""

    fields: dict[str, Any] = field(default_factory=dict)
    uuid: str = field(default_factory=new_uuid)
    revision: int = 0
    id: int | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


@dataclass
class Household:
    """A household file (扶贫手册): grid fields plus the repeating blocks."""

    fields: dict[str, Any] = field(default_factory=dict)
    members: list[Row] = field(default_factory=list)
    helpers: list[Row] = field(default_factory=list)
    plans: list[Row] = field(default_factory=list)
    measures: list[Row] = field(default_factory=list)
    results: list[Row] = field(default_factory=list)
    id: HouseholdId | None = None
    uuid: str = field(default_factory=new_uuid)
    revision: int = 0
    updated_at: str | None = None

    def table(self, name: str) -> list[Row]:
        if name not in TABLES:
            raise KeyError(name)
        rows: list[Row] = getattr(self, name)
        return rows

    # -- derived values -------------------------------------------------
    @property
    def current_members(self) -> list[Row]:
        """Members still in the household (not died, married out or moved away)."""
        return [m for m in self.members if m.get("change") not in LEFT_HOUSEHOLD]

    @property
    def head(self) -> Row | None:
        heads = [m for m in self.current_members if m.get("relation") == HEAD]
        return heads[0] if len(heads) == 1 else None

    @property
    def head_name(self) -> str:
        head = self.head
        return (head.get("name") or "") if head else ""

    @property
    def size(self) -> int:
        return len(self.current_members)

    def derived(self) -> dict[str, Any]:
        """Every ``derived`` field of the spec, computed from the rest."""
        f = self.fields
        head = self.head
        transfer = _sum(f.get(k) for k in TRANSFER_PARTS)
        total = _sum([*(f.get(k) for k in INCOME_PARTS), transfer])
        net = total - (f.get("business_cost") or Decimal(0))
        size = self.size
        per_capita = (net / size).quantize(Decimal("0.01"), ROUND_HALF_UP) if size else None
        return {
            "head_name": self.head_name,
            "head_id_number": (head.get("id_number") or "") if head else "",
            "head_person_number": (head.get("person_number") or "") if head else "",
            "size": size,
            "transfer_income": transfer,
            "total_income": total,
            "net_income": net,
            "per_capita_income": per_capita,
        }

    def refresh_derived(self) -> None:
        self.fields.update(self.derived())


def _sum(values: Any) -> Decimal:
    total = Decimal(0)
    for v in values:
        if v is not None:
            total += Decimal(v)
    return total
