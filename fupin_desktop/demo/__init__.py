"""Demo data: the 茶坝乡 township of the seed document and realistic poor households.

``demo_township()`` gives the township with its 11 villages and the quotas the
county set (seed document); ``generate_households()`` makes households that are
internally consistent (valid unique ID numbers, sex and birth date as the ID
says, one 户主, plausible ages, schooling, health, labour, income around the
2015 poverty line, causes that match the members), in the national categories
(NATIONAL.md §1): 一般贫困户, 低保贫困户 and 五保贫困户 while not exited; a household above the
line is 已脱贫（享受政策） with its 脱贫年度 and becomes 一般农户, 低保户 or 五保户 (national check
57), with safe water, no 危房 and the 帮扶成效 row saying so; every 残疾 member holds a
20-character 残疾人证 number (ID number + 残疾类别 1-7 + 残疾等级 1-4, 证件类型 残疾人证).
``build_demo()`` writes both into a store quickly.

The data-quality rules find nothing except the planted cases of :data:`PLANTED`, one household
each (the first household where the case fits), marked in its 致贫原因说明 with
:data:`PLANTED_MARK` and the rule id, so a clerk trying the program sees a finding to fix:

* C001: 主要致贫原因 因病 while every member is 健康;
* H004: an 其他致贫原因 that repeats the main cause;
* I003: a household above the line still 未脱贫 (its exit not yet verified).

Generation is pure and deterministic for a seed: the same seed gives equal
``Household`` objects, UUIDs included.  ``build_demo`` gives every saved record
a fresh UUID, since each is a new record of that store.

The package reads top-down: :mod:`~fupin_desktop.demo.township` (the township and the dates),
:mod:`~fupin_desktop.demo.people` (names, families, members),
:mod:`~fupin_desktop.demo.households` (the household around them, the planted cases); this module
generates and saves.  Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import TYPE_CHECKING

from fupin_desktop.demo.casework import build_year_in_progress
from fupin_desktop.demo.education import add_students
from fupin_desktop.demo.households import PLANTED, PLANTED_MARK, HouseholdGenerator
from fupin_desktop.demo.people import RARE_CHAR
from fupin_desktop.demo.township import (
    ADDRESS_CODE,
    DEMO_TOWNSHIP,
    POVERTY_LINE_2015,
    REFERENCE_DATE,
    YEAR,
    demo_township,
)
from fupin_desktop.demo.village_cases import build_village_cases
from fupin_desktop.demo.villages import build_village_forms
from fupin_desktop.demo.years import add_years
from fupin_desktop.domain.household import Household, new_uuid
from fupin_desktop.domain.township import Village
from fupin_desktop.store.changes import Change, Changed, ChangeKind

if TYPE_CHECKING:
    from fupin_desktop.store import Store

__all__ = [
    "ADDRESS_CODE",
    "BATCH_SIZE",
    "PLANTED",
    "PLANTED_MARK",
    "DEMO_TOWNSHIP",
    "MAX_DEMO_HOUSEHOLDS",
    "POVERTY_LINE_2015",
    "RARE_CHAR",
    "REFERENCE_DATE",
    "YEAR",
    "build_demo",
    "demo_township",
    "generate_households",
]

#: Households saved per transaction by :func:`build_demo`.
BATCH_SIZE = 500
#: The largest demo township (about the largest county has): more is refused, not half-built.
MAX_DEMO_HOUSEHOLDS = 200_000


def generate_households(n: int, seed: int = 1, villages: list[Village] | None = None) -> Iterator[Household]:
    """``n`` realistic, internally consistent households of the demo township (or ``villages``).

    Deterministic for a seed (UUIDs included) and touches nothing outside: ID
    numbers, phone and bank account numbers and 户编号 are unique within the run.
    Households are spread over the villages by their quota and over each
    village's groups; a village without groups gets "一组".
    """
    generator = HouseholdGenerator(seed, villages if villages is not None else DEMO_TOWNSHIP.villages)
    for index in range(max(n, 0)):
        yield generator.household(index)


def build_demo(
    store: Store,
    households: int = 300,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Changed[int]:
    """Fill ``store`` with the demo township (unless it has one) and ``households`` households.

    Households are saved in batches of :data:`BATCH_SIZE`, each batch in one
    transaction; ``progress(done, total)`` is called after every batch and
    ``cancelled()`` is asked before every batch, so a cancel keeps the batches
    already committed.  Every saved record gets a fresh UUID.  Returns the
    number of households saved, and what changed (a township set up, households
    imported: every view reloads).
    """
    if not 0 <= households <= MAX_DEMO_HOUSEHOLDS:
        raise ValueError(f"示范户数应为 0-{MAX_DEMO_HOUSEHOLDS}")
    town = store.townships.get()
    if town is None:
        town = store.townships.create(demo_township(), store.operator)
    if households <= 0:
        return Changed(0, Change.of(ChangeKind.IMPORT, everything=True))
    operator = store.operator
    stream = generate_households(households, seed, town.villages)
    done = 0
    while done < households:
        if cancelled is not None and cancelled():
            break
        batch = list(islice(stream, BATCH_SIZE))
        if not batch:
            break
        with store.db.transaction():
            for hh in batch:
                _fresh_uuids(hh)
                store.households.save(hh, operator, reload=False)
        done += len(batch)
        if progress is not None:
            progress(done, households)
    add_years(store, done if done == households else 0)  # two registration years (demo/years.py)
    add_students(store)  # 教育资助: schools and applications of the demo's students (demo/education.py)
    if done == households:
        build_year_in_progress(store)  # quotas and the 2016 identification half done (demo/casework.py)
        build_village_forms(store, seed)  # 贫困村登记表 of every village (demo/villages.py)
        build_village_cases(store)  # 贫困村识别: quota 4, 双河村 in 公示, 寺坝村 applied (demo/village_cases.py)
    return Changed(done, Change.of(ChangeKind.IMPORT, count=done, everything=True))


def _fresh_uuids(hh: Household) -> None:
    hh.uuid = new_uuid()
    for table in ("members", "helpers", "plans", "measures", "results"):
        for row in hh.table(table):
            row.uuid = new_uuid()
