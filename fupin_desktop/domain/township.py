"""The township and its villages (行政村) with their groups (自然村/村民小组)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fupin_desktop.domain.household import VillageId, new_uuid
from fupin_desktop.domain.text import normalize_text

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GROUP = re.compile(r"第?(\d+|[零〇一二两三四五六七八九十百]+)(?:村民小组|小组|组|社|队)?")


@dataclass
class Village:
    name: str
    quota: int | None = None  # 贫困人口规模 (persons) set by the county
    is_poor: bool = False  # 贫困村
    code: str = ""  # statistical 12-digit code, when known
    groups: list[str] = field(default_factory=list)
    id: VillageId | None = None
    uuid: str = field(default_factory=new_uuid)
    revision: int = 0
    township_code: str | None = None  # at the county: the township it belongs to (None: this database's own)


@dataclass
class Township:
    code: str  # GB/T 2260 + statistical digits, e.g. 510822105
    name: str  # 茶坝乡
    county: str = ""
    city: str = ""
    province: str = ""
    villages: list[Village] = field(default_factory=list)
    uuid: str = field(default_factory=new_uuid)
    revision: int = 0

    def village(self, name: str) -> Village | None:
        for v in self.villages:
            if v.name == name:
                return v
        return None


def parse_village_arg(text: str) -> tuple[str, int | None]:
    """``"炉场村:95"`` -> ("炉场村", 95); ``"炉场村"`` -> ("炉场村", None)."""
    name, sep, quota = text.partition(":")
    if not sep:
        name, sep, quota = text.partition("：")
    name = name.strip()
    if not name:
        raise ValueError("村名不能为空")
    if not sep or not quota.strip():
        return name, None
    if not quota.strip().isdigit():
        raise ValueError(f"“{text}”中的规模应为整数人数，如 炉场村:95")
    return name, int(quota)


def chinese_number(text: str) -> int | None:
    """"12", "十二", "二十三", "两" -> the number (up to 999); None if ``text`` is not one."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # "一二" is not a number
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * (100 if ch == "百" else 10)
            digit = None
    return total + (digit or 0)


def group_number(name: str) -> int | None:
    """The number of a 村民小组 however it is written: 一组, 1组, 01, 第一组, 一社, 一队; None for
    a named group (大坪组)."""
    m = _GROUP.fullmatch(normalize_text(name).replace(" ", ""))
    return chinese_number(m.group(1)) if m else None


def match_group(name: str, groups: list[str]) -> str | None:
    """The village's own name for the group a roster writes as ``name`` (1组, 01, 第一组 -> 一组)."""
    if name in groups:
        return name
    number = group_number(name)
    if number is None:
        return None
    same = [g for g in groups if group_number(g) == number]
    return same[0] if len(same) == 1 else None
