"""The township and its villages (行政村) with their groups (自然村/村民小组)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fupin_desktop.domain.household import VillageId, new_uuid


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
