"""The household file: a Household with its members and Handbook rows.

Field values live in plain dicts keyed by the spec's field ids, so the form spec
stays the single declaration of what a household holds; this module adds what
the program derives (户主, 家庭人口, income sums) and nothing per field by hand.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NewType

from fupin_desktop.domain import derived as derived_values
from fupin_desktop.domain.derived import INCOME_PARTS as INCOME_PARTS
from fupin_desktop.domain.derived import TRANSFER_PARTS as TRANSFER_PARTS

HouseholdId = NewType("HouseholdId", int)
VillageId = NewType("VillageId", int)

#: The repeating blocks of the Handbook, in paper order.
TABLES = ("members", "helpers", "plans", "measures", "results")

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

    def derived(self, sources: Mapping[str, str]) -> dict[str, Any]:
        """Every derived field of the form (``sources``: field id -> source, the form's
        ``derived_sources()``; see :mod:`fupin_desktop.domain.derived`)."""
        return derived_values.compute(self, sources)

    def refresh_derived(self, sources: Mapping[str, str]) -> None:
        self.fields.update(self.derived(sources))
