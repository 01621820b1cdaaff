"""The one registry of derived values: what a ``source`` in ``forms/household.toml`` names.

A read-only field of the form says where its value comes from (``source = "members.head.name"``,
``"income.per_capita"``, ``"township.county"``); this module is the only place that computes
them.  :data:`HOUSEHOLD_SOURCES` maps a source name to a function of the household,
:data:`TOWNSHIP_SOURCES` to a function of the township (the store fills those from its rows).
``formspec`` refuses a form whose field names a source nobody computes, so a new derived field is
one line in the spec plus, when it is really new, one entry here.  Which fields are derived, and
from what, only the form says (``FormSpec.derived_sources()``): nothing here lists them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fupin_desktop.domain.household import Household
    from fupin_desktop.domain.township import Township

TRANSFER_PARTS = (
    "family_planning",
    "dibao_money",
    "wubao_money",
    "pension_money",
    "eco_compensation",
    "other_transfer",
)
INCOME_PARTS = ("wage_income", "business_income", "property_income")


def _sum(values: Iterable[Any]) -> Decimal:
    total = Decimal(0)
    for v in values:
        if v is not None:
            total += Decimal(v)
    return total


def _head(key: str) -> Callable[[Household], str]:
    def value(hh: Household) -> str:
        head = hh.head
        return (head.get(key) or "") if head else ""
    return value


def transfer_income(hh: Household) -> Decimal:
    return _sum(hh.fields.get(k) for k in TRANSFER_PARTS)


def total_income(hh: Household) -> Decimal:
    return _sum([*(hh.fields.get(k) for k in INCOME_PARTS), transfer_income(hh)])


def net_income(hh: Household) -> Decimal:
    return total_income(hh) - (hh.fields.get("business_cost") or Decimal(0))


def per_capita_income(hh: Household) -> Decimal | None:
    size = hh.size
    return (net_income(hh) / size).quantize(Decimal("0.01"), ROUND_HALF_UP) if size else None


#: Source name -> the household's value.
HOUSEHOLD_SOURCES: dict[str, Callable[[Household], Any]] = {
    "members.head.name": _head("name"),
    "members.head.id_number": _head("id_number"),
    "members.head.person_number": _head("person_number"),
    "members.count": lambda hh: hh.size,
    "income.transfer": transfer_income,
    "income.total": total_income,
    "income.net": net_income,
    "income.per_capita": per_capita_income,
}

#: Source name -> the township's value (filled by the store from the township's row).
TOWNSHIP_SOURCES: dict[str, Callable[[Township], str]] = {
    "township.province": lambda t: t.province,
    "township.city": lambda t: t.city,
    "township.county": lambda t: t.county,
    "township.name": lambda t: t.name,
}

def is_known(source: str) -> bool:
    return source in HOUSEHOLD_SOURCES or source in TOWNSHIP_SOURCES


def compute(hh: Household, fields: Mapping[str, str]) -> dict[str, Any]:
    """The household's derived fields: ``fields`` maps each field id to its source
    (``FormSpec.derived_sources()``)."""
    return {fid: HOUSEHOLD_SOURCES[src](hh) for fid, src in fields.items()}


__all__ = ["HOUSEHOLD_SOURCES", "INCOME_PARTS", "TOWNSHIP_SOURCES", "TRANSFER_PARTS",
           "compute", "is_known"]
