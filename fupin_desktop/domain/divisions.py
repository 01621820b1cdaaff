"""GB/T 2260 administrative division codes: is the address code of an ID number a real place?

The list (``forms/gb2260.tsv``, built by ``tools/build_gb2260.py``) holds every province-,
prefecture- and county-level code that any edition since 1980 listed, since an ID number keeps
the code of the place and year it was issued.  A code no edition knows is only ever a warning:
the list may lack a code of a recent or local change.  Pure Python, read once on first use.
"""

from __future__ import annotations

import functools

from fupin_desktop.paths import FORMS_DIR

__all__ = ["DIVISIONS_FILE", "division", "known_codes", "place_name"]

DIVISIONS_FILE = FORMS_DIR / "gb2260.tsv"


@functools.cache
def _table() -> dict[str, tuple[str, int, int | None]]:
    out: dict[str, tuple[str, int, int | None]] = {}
    for line in DIVISIONS_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, first, last = line.split("\t")
        out[code] = (name, int(first), int(last) if last else None)
    return out


def known_codes() -> frozenset[str]:
    """Every 6-digit code of the list."""
    return frozenset(_table())


def division(code: str) -> tuple[str, int, int | None] | None:
    """(name, first year, last year or None while current) of a 6-digit code, or None if unknown."""
    return _table().get(code)


def place_name(code: str) -> str | None:
    """The place a 6-digit address code names, with its province and prefecture where the list
    has them (``"510822"`` -> ``"四川省广元市青川县"``); None for a code no edition knows."""
    table = _table()
    own = table.get(code)
    if own is None:
        return None
    parts = []
    for prefix in (code[:2] + "0000", code[:4] + "00"):
        parent = table.get(prefix)
        if parent is not None and prefix != code and parent[0] not in ("市辖区", "县"):
            parts.append(parent[0])
    if own[0] not in ("市辖区", "县") or not parts:
        parts.append(own[0])
    return "".join(parts)
