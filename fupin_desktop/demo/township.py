"""The demo township: 茶坝乡 of the seed document with its 11 villages and the county's quotas.

Also the dates and constants the generated households are measured against.  Pure Python, no Qt.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from fupin_desktop.domain.household import new_uuid
from fupin_desktop.domain.township import Township, Village

#: GB/T 2260 code of 青川县, the address part of every generated ID number.
ADDRESS_CODE = "510822"
#: The registration year and its standard time point (ages are counted at this date).
YEAR = 2015
REFERENCE_DATE = date(YEAR, 12, 31)
POVERTY_LINE_2015 = Decimal(2855)

# ---------------------------------------------------------------- the township

_TOWNSHIP_CODE = "510822105"
#: (name, 贫困人口规模 in persons, 贫困村, number of groups), in the seed's order.
_VILLAGES: tuple[tuple[str, int, bool, int], ...] = (
    ("炉场村", 95, False, 6),
    ("兴龙村", 123, False, 7),
    ("青新村", 75, False, 5),
    ("双河村", 130, False, 8),
    ("月明村", 112, True, 7),
    ("寺坝村", 81, False, 5),
    ("青岭村", 69, False, 4),
    ("新坪村", 57, True, 4),
    ("石古村", 72, False, 5),
    ("太平村", 47, True, 4),
    ("三溪村", 46, False, 4),
)
_NUMERALS = "一二三四五六七八九十"


def _group_names(count: int) -> list[str]:
    return [f"{_NUMERALS[i]}组" for i in range(count)]


DEMO_TOWNSHIP = Township(
    code=_TOWNSHIP_CODE,
    name="茶坝乡",
    county="青川县",
    city="广元市",
    province="四川省",
    villages=[
        Village(name=name, quota=quota, is_poor=poor, code=f"{_TOWNSHIP_CODE}{i:03d}", groups=_group_names(n))
        for i, (name, quota, poor, n) in enumerate(_VILLAGES, start=1)
    ],
)


def demo_township() -> Township:
    """A fresh copy of :data:`DEMO_TOWNSHIP` (new UUIDs, no database ids) to hand to a store."""
    town = copy.deepcopy(DEMO_TOWNSHIP)
    town.uuid = new_uuid()
    for village in town.villages:
        village.uuid = new_uuid()
        village.id = None
        village.revision = 0
    town.revision = 0
    return town


