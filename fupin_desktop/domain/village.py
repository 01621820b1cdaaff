"""The 贫困村登记表 of one village for one year, and the words the village counts are made of.

A village form is a plain record: the village it belongs to, its year (标准时点 12-31) and the
typed values of ``forms/village.toml`` by field id (the same value types as a household's, see
:mod:`fupin_desktop.domain.values`).  The household words the counts rely on (which 脱贫标志
means still poor, which 贫困户属性 is 低保 or 五保, which 务工状况 is work away from home) are
named here once, for the store's SQL and the tests alike.  Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, new_uuid

#: 脱贫标志 values of a household that has left poverty (NATIONAL.md §1: 1 and 4).
EXITED_FLAGS: tuple[str, ...] = ("已脱贫（享受政策）", "已脱贫（不再享受政策）")
RETURNED_FLAG = "返贫"
#: 贫困户属性 of the 低保 and 五保 kinds, before and after exit.
DIBAO_TYPES: tuple[str, ...] = ("低保贫困户", "低保户")
WUBAO_TYPES: tuple[str, ...] = ("五保贫困户", "五保户")
#: 劳动技能 values of a person who can work (普通, 技能, and the 2019+ 弱/半劳动力).
LABOUR_SKILLS: tuple[str, ...] = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
#: 务工状况 values of work away from the township (外出务工).
MIGRANT_WORK: tuple[str, ...] = ("乡（镇）外县内务工", "县外省内务工", "省外务工")
LOCAL_WORK = "乡（镇）内务工"
DISABLED_HEALTH = "残疾"
HAN = "汉族"
#: 人员变更 values of a member no longer in the household (not counted).
LEFT: tuple[str, ...] = tuple(sorted(LEFT_HOUSEHOLD))


@dataclass
class VillageForm:
    """One village's 贫困村登记表 for one year."""

    village_id: int
    village: str
    year: int
    fields: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    uuid: str = field(default_factory=new_uuid)
    revision: int = 0
    updated_at: str = ""
