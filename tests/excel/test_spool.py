"""The import's spool (excel/spool.py): every staged household comes back as it was put, in any
order, a fresh copy each time, also once the spool has moved from memory to a file on disk."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.excel.spool import IN_MEMORY, Spool


def household(n: int) -> Household:
    hh = Household(fields={"number": f"51082210{n:08d}", "wage_income": Decimal(f"{n}.50"),
                           "note": "备注" * (n % 50), "year": 2016})
    hh.members = [Row(fields={"name": f"张{i}", "birth_date": date(1960 + i, 1, 1), "other": ["低保"]})
                  for i in range(1 + n % 6)]
    return hh


def test_what_is_put_comes_back_in_any_order() -> None:
    spool = Spool()
    kept = {}
    size = 0
    n = 0
    while size < 2 * IN_MEMORY:  # past the in-memory part: the spool is a file on disk by now
        hh = household(n)
        kept[spool.put(hh)] = hh
        size += 400 + 60 * len(hh.members) + 6 * len(hh.fields["note"])
        n += 1
    places = list(kept)
    random.Random(3).shuffle(places)
    for at in places:
        got = spool.get(at)
        assert got == kept[at]
        assert got is not spool.get(at)  # a fresh copy each time
    spool.close()
