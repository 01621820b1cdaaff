"""Two registration years in the demo: 2014 closed (carried over), 2015 the live year.

The generated households are the 2015 files.  This module saves what they were in 2014 (the
households that exited in 2015 were still 未脱贫; one household had exited in 2014 and falls
back, 返贫, in 2015), carries 2014 over to 2015 with the real carry-over (store/years.py), and
saves the 2015 files back with the year's events: two births (新生儿, with their mothers in the
household), one death (an old member, 死亡), the exits and the return.  So ``fupin history``,
``fupin year stats --year 2015`` and the 历年记录 view have something to show.

Only for demo townships of up to :data:`MAX_YEARS_DEMO` households (the default 300): a county
scale demo (benchmarks) stays one year and builds as fast as before.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from fupin_desktop.demo.township import ADDRESS_CODE, POVERTY_LINE_2015, YEAR
from fupin_desktop.domain.household import HEAD, Household, Row
from fupin_desktop.domain.idnumber import make_id

if TYPE_CHECKING:
    from fupin_desktop.store import Store

EARLIER = YEAR - 1
MAX_YEARS_DEMO = 1000
NOT_EXITED = "未脱贫"
EXITED = "已脱贫（享受政策）"
RETURNED = "返贫"
#: 贫困户属性 after exit -> before (NATIONAL.md §1: an exited household is 一般农户, 低保户 or 五保户).
BEFORE_EXIT = {"一般农户": "一般贫困户", "低保户": "低保贫困户", "五保户": "五保贫困户"}
AFTER_EXIT = {v: k for k, v in BEFORE_EXIT.items()}
#: (sex, relation, given name) of the two births; the date and ID number follow from the household.
BIRTHS = (("男", "之子", "子轩"), ("女", "之女", "欣怡"))
DEATH_DATE = date(YEAR, 11, 6)
PLANTED_MARK = "【示范数据"


@dataclass
class YearEvents:
    """Which households the 2015 events happen in (ids), for tests and the README."""

    births: list[int]
    death: int | None
    returned: int | None
    exits: list[int]


def add_years(store: Store, households: int) -> YearEvents | None:
    """Make the demo two years (see the module); None when the demo is too large for it."""
    if not 0 < households <= MAX_YEARS_DEMO:
        return None
    from fupin_desktop.store import years  # the store is imported by the caller already

    files = [hh for hh in store.households.iter_all() if hh.id is not None]
    events = _choose(files)
    operator = store.operator
    with store.db.transaction():
        for hh in files:
            store.households.save(_earlier(hh, events), operator, reload=False)
    years.carry_over(store.db, YEAR, operator)
    taken = {str(m.get("id_number")) for hh in files for m in hh.members}
    with store.db.transaction():
        for hh in files:
            store.households.save(_later(hh, events, taken), operator, reload=False)
    return events


def _choose(files: list[Household]) -> YearEvents:
    plain = [hh for hh in files if PLANTED_MARK not in str(hh.fields.get("cause_note") or "")]
    # A birth lowers the per-capita income: only in households still being helped.  A death keeps
    # another member of 60 or more, so the household's 养老保险金 still agrees with its members.
    mothers = [hh for hh in plain if _mother(hh) is not None and hh.head is not None
               and hh.head.get("sex") == "男" and len(hh.members) < 6 and hh.fields.get("exit_flag") == NOT_EXITED]
    # It also raises the per-capita income: only in a household that has exited.
    old = [hh for hh in plain if _oldest(hh) is not None and len(hh.members) >= 3 and _elderly(hh) >= 2
           and hh.fields.get("exit_flag") == EXITED]
    births = [int(hh.id or 0) for hh in mothers[:len(BIRTHS)]]
    death = next((int(hh.id or 0) for hh in old if hh.id not in births), None)
    returned = next((int(hh.id or 0) for hh in plain if hh.fields.get("exit_flag") == NOT_EXITED
                     and hh.fields.get("household_type") in AFTER_EXIT and hh.id not in births and hh.id != death
                     and _below_line(hh)), None)
    exits = [int(hh.id or 0) for hh in files if hh.fields.get("exit_flag") == EXITED and hh.fields.get("exit_year") == YEAR]
    return YearEvents(births=births, death=death, returned=returned, exits=exits)


def _mother(hh: Household) -> Row | None:
    for m in hh.members:
        born = m.get("birth_date")
        if m.get("relation") == "配偶" and m.get("sex") == "女" and isinstance(born, date) and 22 <= YEAR - born.year <= 38:
            return m
    return None


def _oldest(hh: Household) -> Row | None:
    for m in hh.members:
        born = m.get("birth_date")
        if m.get("relation") != HEAD and isinstance(born, date) and YEAR - born.year >= 75 and not m.get("on_dibao"):
            return m
    return None


def _below_line(hh: Household) -> bool:
    """A 返贫 household's income is below the line (it fell back), as the checks expect."""
    income = hh.fields.get("per_capita_income")
    return isinstance(income, Decimal) and income < POVERTY_LINE_2015


def _elderly(hh: Household) -> int:
    return sum(1 for m in hh.members if isinstance(b := m.get("birth_date"), date) and YEAR - b.year >= 61)


def _earlier(hh: Household, events: YearEvents) -> Household:
    """What the file said at the end of 2014."""
    old = copy.deepcopy(hh)
    old.revision = 0
    f = old.fields
    f["year"] = EARLIER
    if hh.id in events.exits:
        f.update(exit_flag=NOT_EXITED, exit_year=None,
                 household_type=BEFORE_EXIT.get(str(f.get("household_type")), f.get("household_type")))
    if hh.id == events.returned:
        f.update(exit_flag=EXITED, exit_year=EARLIER, household_type=AFTER_EXIT[str(f["household_type"])])
    return old


def _birth(number: str, sex: str, taken: set[str]) -> tuple[date, str]:
    """A baby's birth date and ID number, drawn from its household's 户编号: the same household
    gets the same baby in every demo database, two households (almost surely) different ones."""
    key = int(hashlib.sha256(number.encode()).hexdigest()[:12], 16)
    for step in range(1000):
        k = key + step * 7919
        born = date(YEAR, 2, 1) + timedelta(days=k % 300)
        seq = (k // 300) % 500 * 2 + (1 if sex == "男" else 0)
        id_number = make_id(ADDRESS_CODE, born, seq)
        if id_number not in taken:
            return born, id_number
    raise RuntimeError("no free ID number for a demo birth")


def _later(hh: Household, events: YearEvents, taken: set[str]) -> Household:
    """The 2015 file with the year's events."""
    new = copy.deepcopy(hh)
    new.revision = 0
    if hh.id == events.returned:
        new.fields.update(exit_flag=RETURNED, return_cause=new.fields.get("main_cause"))
    if hh.id == events.death:
        member = _oldest(new)
        if member is not None:
            member.fields.update(change="死亡", change_date=DEATH_DATE)
    if hh.id in events.births:
        sex, relation, given = BIRTHS[events.births.index(int(hh.id or 0))]
        born, id_number = _birth(str(new.fields.get("number") or ""), sex, taken)
        mother = _mother(new)
        head = new.head
        surname = str(head.get("name") or "王")[0] if head is not None else "王"
        new.members.append(Row(fields={
            "name": surname + given, "sex": sex, "id_type": "居民身份证", "id_number": id_number,
            "birth_date": born, "relation": relation, "ethnicity": mother.get("ethnicity") if mother else "汉族",
            "political": "群众", "education": "学龄前儿童", "school_status": "非在校生", "health": "健康",
            "labor_skill": "无劳动力", "work_status": "无", "work_months": 0, "is_soldier": False,
            "in_ncms": True, "in_pension": False, "in_critical": True, "on_dibao": False,
            "change": "新生儿", "change_date": born,
        }))
    return new


__all__ = ["EARLIER", "MAX_YEARS_DEMO", "YearEvents", "add_years"]
