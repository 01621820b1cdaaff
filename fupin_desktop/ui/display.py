"""How values look on screen: as ``format_value``, except that money (元) always shows two
decimals (6000.00, 1234.50), in the forms, the tables and the household list.  Stored values,
printouts and Excel keep their own formats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fupin_desktop.domain.values import format_value
from fupin_desktop.formspec import FieldSpec

MONEY_UNIT = "元"
CENT = Decimal("0.01")


def money_text(value: Any) -> str:
    """``Decimal("6000")`` or ``"6000"`` -> ``"6000.00"``; anything not a finite number unchanged."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return "" if value is None else str(value)
    if not number.is_finite():
        return str(value)
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def display_value(spec: FieldSpec, value: Any) -> str:
    """The text a clerk sees for ``value`` of field ``spec``."""
    if spec.unit == MONEY_UNIT and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return money_text(value)
    return format_value(spec, value)
