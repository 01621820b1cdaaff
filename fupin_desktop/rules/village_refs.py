"""The county's reference figures for the poor-village test "一高一低一无", per year.

Kept apart from :mod:`fupin_desktop.rules.village` because the policy profile
(:mod:`fupin_desktop.rules.policy`) holds them and is imported by the rules package itself.
Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BASES: dict[str, str] = {"province": "全省", "county": "全县"}


@dataclass(frozen=True)
class VillageReference:
    """The county's reference figures for the poor-village test of one year.

    ``province`` basis (seed plan 1): incidence at least twice ``incidence``, 农民人均纯收入 below
    60% of ``income``; ``county`` basis (plan 2): incidence above, income below the county's.
    """

    incidence: Decimal | None = None  # percent
    income: Decimal | None = None  # yuan per person
    basis: str = "province"

    def to_json(self) -> dict[str, Any]:
        def num(d: Decimal | None) -> int | float | None:
            return None if d is None else (int(d) if d == d.to_integral_value() else float(d))

        return {"incidence": num(self.incidence), "income": num(self.income), "basis": self.basis}

    @classmethod
    def from_json(cls, raw: Any) -> VillageReference:
        if not isinstance(raw, dict):
            raise ValueError("贫困村参照数应为 {\"incidence\": …, \"income\": …, \"basis\": …}")
        basis = raw.get("basis", "province")
        if basis not in BASES:
            raise ValueError(f"贫困村参照口径应为 province（全省）或 county（全县），现为“{basis}”")
        vals: list[Decimal | None] = []
        for key, what, high in (("incidence", "贫困发生率", 100), ("income", "农民人均纯收入", 1_000_000)):
            v = raw.get(key)
            if v is None:
                vals.append(None)
                continue
            try:
                d = Decimal(str(v))
            except ArithmeticError:
                d = Decimal("NaN")
            if isinstance(v, bool) or not d.is_finite() or not 0 <= d <= high:
                raise ValueError(f"贫困村参照数“{what}”应为 0-{high} 的数，现为“{v}”")
            vals.append(d)
        return cls(vals[0], vals[1], basis)


def references_from_json(raw: Any) -> dict[int, VillageReference]:
    if not isinstance(raw, dict):
        raise ValueError("贫困村参照数应为按年度的表")
    out = {}
    for year, item in raw.items():
        try:
            y = int(year)
        except (TypeError, ValueError):
            raise ValueError(f"贫困村参照数的年度“{year}”不是年份") from None
        if not 2000 <= y <= 2100:
            raise ValueError(f"贫困村参照数的年度“{year}”应在 2000-2100 之间")
        out[y] = VillageReference.from_json(item)
    return out


def reference_for(references: Mapping[int, VillageReference], year: int) -> tuple[int, VillageReference] | None:
    """The latest reference at or before ``year``."""
    years = [y for y in references if y <= year]
    return (max(years), references[max(years)]) if years else None
