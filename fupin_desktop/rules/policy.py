"""The county's policy profile: what varies by county and must never be hard-coded.

DOMAIN.md §3: the income line per year and which standard (国家/省定/市定) applies,
whether 五保/低保 households are in scope, how long a 公示 lasts, the "三优先"
priority flags and the "三不评" exclusions.  The check limits of DOMAIN §2 (land per
person, road distance, per-capita income) are kept here too, so a mountain county
with large forest holdings can raise them instead of living with false alarms.

Defaults are the national ones: DOMAIN §3's income lines, 五保/低保 in scope, 7-day 公示,
the seed's three priority flags, and no exclusion until the county sets its own.

The profile is a plain value: the store keeps it as JSON (``store/policy.py``), the
county hands it to its townships as a file (``fupin policy export|import``), and rules
read it through ``RuleContext.policy``.  Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.publicity import PUBLICITY_DAYS as _PUBLICITY_DAYS
from fupin_desktop.domain.township import Township
from fupin_desktop.formspec import load_codes
from fupin_desktop.rules.education import EducationError, EducationPolicy
from fupin_desktop.rules.village_refs import VillageReference, references_from_json

#: Version of the JSON shape written by :meth:`Policy.to_json`.
FORMAT_VERSION = 1
#: ``format`` of an exported policy file (:func:`policy_document`).
FILE_FORMAT = "fupin-policy"
NATIONAL = "国家标准"
#: The income-line tables a county can fill, in the order of the 识别标准 code list.
STANDARDS: tuple[str, ...] = tuple(load_codes()["standard"].labels)
#: DOMAIN §3 (assumed table, configurable): yuan per person per year, at the standard time point.
NATIONAL_LINES: dict[int, Decimal] = {
    2010: Decimal(2300), 2013: Decimal(2736), 2014: Decimal(2800), 2015: Decimal(2855),
    2016: Decimal(2952), 2017: Decimal(3335),
}
#: Every flag and exclusion a county may choose from (forms/codes.toml is their only declaration).
PRIORITY_FLAGS: tuple[str, ...] = tuple(load_codes()["priority_flag"].labels)
EXCLUSIONS: tuple[str, ...] = tuple(load_codes()["exclusion"].labels)
DISABLED = "残疾"
#: 贫困户属性 values of the 五保 and 低保 kinds (NATIONAL.md §1: before and after exit).
WUBAO_TYPES = frozenset({"五保贫困户", "五保户"})
DIBAO_TYPES = frozenset({"低保贫困户", "低保户"})
#: 与户主关系 numberings a county may choose (relation_numbering), with their Chinese names.
RELATION_NUMBERINGS: dict[str, str] = {"national": "全国扶贫开发信息系统代码", "gbt4761": "GB/T 4761 家庭关系代码"}
YEARS = (2000, 2100)
#: How long one 公示 round may last, in days: the one range for the policy, ``policy set``,
#: ``print notice``, the settings and the GUI's spin boxes (declared in domain/publicity.py).
PUBLICITY_DAYS = _PUBLICITY_DAYS
#: Every 核查阈值 is below this (亩, 公里, 元): a typing slip of many digits is refused.
LIMIT_MAX = 1_000_000


class PolicyError(ValueError):
    """A policy value or file that cannot be used; ``str(exc)`` is a Chinese message."""


@dataclass(frozen=True)
class Limits:
    """Plausibility limits of the national checks (DOMAIN §2)."""

    farmland_per_person: Decimal = Decimal(50)  # 亩 耕地 per current member
    forest_per_person: Decimal = Decimal(70)  # 亩 林地 per current member
    road_distance_km: Decimal = Decimal(2)  # 与村主干路距离 (NATIONAL.md §3: over 2 km)
    per_capita_income_max: Decimal = Decimal(100000)  # 年人均纯收入, yuan
    # NATIONAL.md §3 thresholds of the national 疑点 checks (they vary by province and year).
    household_size_max: Decimal = Decimal(7)  # 家庭人口 above this: review
    per_capita_income_low: Decimal = Decimal(500)  # 人均纯收入 under this: review
    per_capita_income_high: Decimal = Decimal(30000)  # 人均纯收入 over this: review
    not_exited_income_max: Decimal = Decimal(20000)  # 未脱贫 with 人均纯收入 above this
    farmland_max: Decimal = Decimal(10)  # 亩 耕地 per household
    forest_max: Decimal = Decimal(50)  # 亩 林地 per household
    pasture_max: Decimal = Decimal(50)  # 亩 牧草地
    water_surface_max: Decimal = Decimal(50)  # 亩 水面
    orchard_max: Decimal = Decimal(50)  # 亩 林果
    housing_area_max: Decimal = Decimal(500)  # ㎡ 住房面积
    housing_area_min_exited: Decimal = Decimal(10)  # ㎡: an exited household with less
    income_part_min: Decimal = Decimal(100)  # 工资性/生产经营性/财产性收入 under this: review
    benefit_min: Decimal = Decimal(100)  # 低保金/五保金 under this
    pension_min: Decimal = Decimal(70)  # 养老金 under this
    labour_age_min: Decimal = Decimal(16)  # under this, no labour
    labour_age_max: Decimal = Decimal(65)  # 16-65 healthy: able to work (16-59 in 2015-16)
    labour_age_max_2016: Decimal = Decimal(59)  # the same, for records of 2016 and before
    wubao_labour_age_max: Decimal = Decimal(59)  # a 五保户 labourer aged 16-59
    elderly_age: Decimal = Decimal(60)  # 60+: 养老金
    student_age_max: Decimal = Decimal(30)  # a student older than this
    compulsory_age_min: Decimal = Decimal(6)  # 控辍保学: healthy children of 6-14 in school
    compulsory_age_max: Decimal = Decimal(14)
    labourers_for_cause: Decimal = Decimal(3)  # 缺劳力 with this many labourers or more
    high_school_age_min: Decimal = Decimal(14)  # younger than this in 高中 or above
    primary_age_max: Decimal = Decimal(16)  # older than this in 小学 or below


LIMIT_LABELS: dict[str, tuple[str, str]] = {
    "farmland_per_person": ("人均耕地面积上限", "亩"),
    "forest_per_person": ("人均林地面积上限", "亩"),
    "road_distance_km": ("与村主干路距离上限", "公里"),
    "per_capita_income_max": ("年人均纯收入上限", "元"),
    "household_size_max": ("家庭人口核查上限", "人"),
    "per_capita_income_low": ("人均纯收入核查下限", "元"),
    "per_capita_income_high": ("人均纯收入核查上限", "元"),
    "not_exited_income_max": ("未脱贫户人均纯收入上限", "元"),
    "farmland_max": ("户耕地面积上限", "亩"),
    "forest_max": ("户林地面积上限", "亩"),
    "pasture_max": ("牧草地面积上限", "亩"),
    "water_surface_max": ("水面面积上限", "亩"),
    "orchard_max": ("林果面积上限", "亩"),
    "housing_area_max": ("住房面积上限", "平方米"),
    "housing_area_min_exited": ("已脱贫户住房面积下限", "平方米"),
    "income_part_min": ("工资性等收入核查下限", "元"),
    "benefit_min": ("低保金、五保金核查下限", "元"),
    "pension_min": ("养老金核查下限", "元"),
    "labour_age_min": ("劳动年龄下限", "岁"),
    "labour_age_max": ("劳动年龄上限", "岁"),
    "labour_age_max_2016": ("劳动年龄上限（2016年及以前）", "岁"),
    "wubao_labour_age_max": ("五保户劳动力年龄上限", "岁"),
    "elderly_age": ("领取养老金年龄", "岁"),
    "student_age_max": ("在校生年龄上限", "岁"),
    "compulsory_age_min": ("控辍保学年龄下限", "岁"),
    "compulsory_age_max": ("控辍保学年龄上限", "岁"),
    "labourers_for_cause": ("缺劳力户的劳动力人数上限", "人"),
    "high_school_age_min": ("在读高中的年龄下限", "岁"),
    "primary_age_max": ("在读小学的年龄上限", "岁"),
}


@dataclass(frozen=True)
class IncomeLine:
    """The line that applies to a record: its amount and where it comes from."""

    amount: Decimal
    standard: str
    year: int  # the year of the table entry used (the latest at or before the record's year)

    def describe(self) -> str:
        return f"{self.year}年扶贫标准（{self.standard}）{_money(self.amount)} 元"


def _default_lines() -> dict[str, dict[int, Decimal]]:
    lines: dict[str, dict[int, Decimal]] = {s: {} for s in STANDARDS}
    lines[NATIONAL] = dict(NATIONAL_LINES)
    return lines


@dataclass(frozen=True)
class Policy:
    """A county's settings for identification and the data checks."""

    standard: str = NATIONAL  # the standard the county applies when a household names none
    income_lines: dict[str, dict[int, Decimal]] = field(default_factory=_default_lines)
    wubao_in_scope: bool = True  # 五保贫困户 may be registered
    dibao_in_scope: bool = True  # 低保贫困户 may be registered
    publicity_days: int = 7  # each 公示 round (seed: 7; some places 5)
    priority_flags: tuple[str, ...] = PRIORITY_FLAGS  # the "三优先" the county uses (they only rank)
    # The "三不评" the county applies.  None by default: the national rules exclude nobody for
    # these; a county switches on its own (the seed's county: all three).
    exclusions: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    # How a typed 与户主关系 number is read: the national numbers, or GB/T 4761 where the
    # county's clerks and rosters use those (forms/codes.toml ``gbt4761``).
    relation_numbering: str = "national"
    # 教育精准扶贫学生资助: the subsidy table and batches per school year (rules/education.py).
    education: EducationPolicy = field(default_factory=EducationPolicy)
    # The identification procedure (rules/workflow.py): national 两公示一公告, or the seed's
    # three_level 三级复审、三榜公示.
    procedure: str = "national"
    # 贫困村 "一高一低一无" reference figures per year (province's or county's incidence and
    # income, rules/village_refs.py); none until the county sets them.
    village_references: dict[int, VillageReference] = field(default_factory=dict)
    # 贫困村 identification and exit (issue 17): how many poor villages each township may have
    # (township code -> villages; "*" for every township without its own; plan 2: 4 for the town),
    # and the 贫困发生率 (percent) a poor village must be below to leave the list (2 or 3 by region).
    poor_village_quotas: dict[str, int] = field(default_factory=dict)
    village_exit_incidence: Decimal = Decimal(3)

    # -- lookups -----------------------------------------------------------------
    def income_line(self, year: int | None, standard: str | None = None) -> IncomeLine | None:
        """The line for a record of ``year`` under ``standard`` (the county's own when None).

        Uses the latest table entry at or before ``year``; a standard whose table has no
        such entry falls back to the county's standard, then to 国家标准.  None if no
        table reaches back to ``year``.
        """
        if year is None:
            return None
        for name in dict.fromkeys((standard or self.standard, self.standard, NATIONAL)):
            table = self.income_lines.get(name) or {}
            years = [y for y in table if y <= year]
            if years:
                best = max(years)
                return IncomeLine(amount=table[best], standard=name, year=best)
        return None

    def poor_village_quota(self, township_code: str) -> int | None:
        """The number of poor villages the township may have (None: no quota set)."""
        return self.poor_village_quotas.get(township_code, self.poor_village_quotas.get("*"))

    def in_scope(self, household_type: str | None) -> bool:
        """Whether households of this 贫困户属性 may be registered in this county."""
        if household_type in WUBAO_TYPES:
            return self.wubao_in_scope
        if household_type in DIBAO_TYPES:
            return self.dibao_in_scope
        return True

    # -- JSON ----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (amounts as numbers, years as string keys)."""
        return {
            "format_version": FORMAT_VERSION,
            "standard": self.standard,
            "income_lines": {
                s: {str(y): _number(a) for y, a in sorted(table.items())} for s, table in self.income_lines.items()
            },
            "wubao_in_scope": self.wubao_in_scope,
            "dibao_in_scope": self.dibao_in_scope,
            "publicity_days": self.publicity_days,
            "priority_flags": list(self.priority_flags),
            "exclusions": list(self.exclusions),
            "limits": {k: _number(getattr(self.limits, k)) for k in LIMIT_LABELS},
            "relation_numbering": self.relation_numbering,
            "education": self.education.to_json(),
            "procedure": self.procedure,
            "village_references": {str(y): r.to_json() for y, r in sorted(self.village_references.items())},
            "poor_village_quotas": dict(sorted(self.poor_village_quotas.items())),
            "village_exit_incidence": _number(self.village_exit_incidence),
        }

    @classmethod
    def from_json(cls, data: Any, *, strict: bool = True) -> Policy:
        """Read (and check) a profile; missing keys take their defaults.

        ``strict`` refuses unknown keys (a typo in a hand-edited file would otherwise be
        silently ignored); the store reads with ``strict=False`` so a profile written by a
        newer version still opens.  Raises :class:`PolicyError` with a Chinese message.
        """
        if not isinstance(data, dict):
            raise PolicyError("政策参数应为一个 JSON 对象（{ … }）")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise PolicyError(f"政策参数文件由更新版本的程序导出（格式版本 {version}），请升级本程序后再导入")
        known = {"format_version", "standard", "income_lines", "wubao_in_scope", "dibao_in_scope",
                 "publicity_days", "priority_flags", "exclusions", "limits", "relation_numbering", "procedure",
                 "village_references", "education", "poor_village_quotas", "village_exit_incidence"}
        unknown = sorted(set(data) - known)
        if unknown and strict:
            raise PolicyError(f"政策参数中有不认识的项：{'、'.join(unknown)}")
        default = cls()
        values: dict[str, Any] = {}
        if "standard" in data:
            values["standard"] = _standard(data["standard"])
        if "income_lines" in data:
            values["income_lines"] = _lines(data["income_lines"])
        for key, label in (("wubao_in_scope", "五保户是否纳入"), ("dibao_in_scope", "低保户是否纳入")):
            if key in data:
                if not isinstance(data[key], bool):
                    raise PolicyError(f"“{label}”应为 true 或 false")
                values[key] = data[key]
        if "publicity_days" in data:
            values["publicity_days"] = check_publicity_days(data["publicity_days"])
        if "priority_flags" in data:
            values["priority_flags"] = _choice_list(data["priority_flags"], PRIORITY_FLAGS, "优先识别情形")
        if "exclusions" in data:
            values["exclusions"] = _choice_list(data["exclusions"], EXCLUSIONS, "“三不评”情形")
        if "limits" in data:
            values["limits"] = _limits(data["limits"], strict)
        if "relation_numbering" in data:
            values["relation_numbering"] = relation_numbering(data["relation_numbering"])
        if "education" in data:
            try:
                values["education"] = EducationPolicy.from_json(data["education"])
            except EducationError as exc:
                raise PolicyError(str(exc)) from exc
        if "procedure" in data:
            values["procedure"] = procedure(data["procedure"])
        if "village_references" in data:
            try:
                values["village_references"] = references_from_json(data["village_references"])
            except ValueError as exc:
                raise PolicyError(str(exc)) from exc
        if "poor_village_quotas" in data:
            values["poor_village_quotas"] = village_quotas(data["poor_village_quotas"])
        if "village_exit_incidence" in data:
            values["village_exit_incidence"] = exit_incidence(data["village_exit_incidence"])
        return dataclasses.replace(default, **values)

    def with_line(self, standard: str, year: int, amount: Decimal | None) -> Policy:
        """A copy with one table entry set (``amount`` None removes it)."""
        standard = _standard(standard)
        _year(year)
        lines = {s: dict(t) for s, t in self.income_lines.items()}
        table = lines.setdefault(standard, {})
        if amount is None:
            table.pop(year, None)
        else:
            table[year] = _amount(amount, f"{year}年{standard}")
        return dataclasses.replace(self, income_lines=lines)


# -- the exported file ---------------------------------------------------------------------
def policy_document(policy: Policy, township: Township | None, exported_at: str) -> dict[str, Any]:
    """The file a county hands to its townships: the profile with the exporting township's settings."""
    town: dict[str, Any] = {}
    if township is not None:
        town = {
            "code": township.code, "name": township.name, "county": township.county, "city": township.city,
            "province": township.province,
            "villages": [{"name": v.name, "code": v.code, "quota": v.quota, "is_poor": v.is_poor,
                          "groups": list(v.groups)} for v in township.villages],
        }
    return {"format": FILE_FORMAT, "format_version": FORMAT_VERSION, "exported_at": exported_at,
            "township": town, "policy": policy.to_json()}


def policy_from_document(data: Any) -> tuple[Policy, dict[str, Any]]:
    """The profile of an exported file (or of a bare profile) and the township it came from."""
    if isinstance(data, dict) and data.get("format") == FILE_FORMAT:
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise PolicyError(f"文件由更新版本的程序导出（格式版本 {version}），请升级本程序后再导入")
        township: dict[str, Any] = data["township"] if isinstance(data.get("township"), dict) else {}
        return Policy.from_json(data.get("policy")), township
    if isinstance(data, dict) and "format" in data:
        raise PolicyError(f"这不是政策参数文件（格式为“{data['format']}”）")
    return Policy.from_json(data), {}


# -- per household ---------------------------------------------------------------------
def priority_flags(hh: Household, policy: Policy) -> list[str]:
    """The county's "三优先" flags that apply to the household, derived from what it holds.

    残疾人家庭: a current member is 残疾; 独生子女户: 是否独生子女户 is 是; 纯女户: the
    children of the head (之子/之女 rows still in the household) are all daughters.
    """
    current = hh.current_members
    children = [m.get("relation") for m in current if m.get("relation") in ("之子", "之女")]
    found = {
        "残疾人家庭": any(m.get("health") == DISABLED for m in current),
        "独生子女户": hh.fields.get("only_child") is True,
        "纯女户": bool(children) and all(c == "之女" for c in children),
    }
    return [flag for flag in policy.priority_flags if found.get(flag)]


# -- parsing helpers -----------------------------------------------------------------
def relation_numbering(value: Any) -> str:
    """A 与户主关系 numbering by its key or Chinese name (national, gbt4761)."""
    for key, name in RELATION_NUMBERINGS.items():
        if value in (key, name) or (isinstance(value, str) and value.replace(" ", "").lower() in (key, "gb/t4761")):
            return key
    raise PolicyError(f"与户主关系代码“{value}”应为 national（全国系统代码）或 gbt4761（GB/T 4761）")


#: Identification procedures a county may choose (rules/workflow.py), with their Chinese names.
PROCEDURES: dict[str, str] = {"national": "两公示一公告", "three_level": "三级复审、三榜公示"}


def procedure(value: Any) -> str:
    """An identification procedure by its key or Chinese name."""
    for key, name in PROCEDURES.items():
        if value in (key, name):
            return key
    raise PolicyError(f"识别程序“{value}”应为 national（两公示一公告）或 three_level（三级复审、三榜公示）")


#: The most poor villages a township's quota may name (a typing slip of many digits is refused).
MAX_POOR_VILLAGES = 1000


def village_quotas(raw: Any) -> dict[str, int]:
    """``{"<township code>" or "*": villages}``: the poor-village quota per township."""
    if not isinstance(raw, dict):
        raise PolicyError("贫困村规模应为按乡镇代码的表：{\"*\": 4} 或 {\"乡镇代码\": 4}")
    out = {}
    for code, n in raw.items():
        code = str(code).strip()
        if code != "*" and not (code.isdigit() and len(code) <= 12):
            raise PolicyError(f"贫困村规模的乡镇代码“{code[:20]}”应为数字代码（或 * 表示各乡镇）")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_POOR_VILLAGES:
            raise PolicyError(f"贫困村规模应为 0-{MAX_POOR_VILLAGES} 个村，现为“{str(n)[:20]}”")
        out[code] = n
    return out


def exit_incidence(value: Any) -> Decimal:
    """The 贫困发生率 (percent, above 0, at most 100) below which a poor village may exit."""
    try:
        number = Decimal(str(value).strip().rstrip("%％"))
    except InvalidOperation:
        number = Decimal("NaN")
    if isinstance(value, bool) or not number.is_finite() or not 0 < number <= 100:
        raise PolicyError(f"贫困村退出的贫困发生率应为大于 0、不超过 100 的百分数（如 3），现为“{str(value)[:20]}”")
    return number


def _standard(value: Any) -> str:
    if value not in STANDARDS:
        raise PolicyError(f"识别标准“{value}”应为{'、'.join(STANDARDS)}之一")
    return str(value)


def _year(value: Any) -> int:
    try:
        year = int(str(value))
    except ValueError:
        raise PolicyError(f"年度“{value}”不是年份") from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise PolicyError(f"年度 {year} 应在 {YEARS[0]}-{YEARS[1]} 之间")
    return year


def _amount(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise PolicyError(f"{what}扶贫标准应为金额（元）")
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise PolicyError(f"{what}扶贫标准“{value}”不是金额") from None
    if not amount.is_finite() or not 0 < amount < 1_000_000:
        raise PolicyError(f"{what}扶贫标准应大于 0 元、小于 100 万元，现为 {str(value)[:40]}")
    return amount


def _lines(raw: Any) -> dict[str, dict[int, Decimal]]:
    if not isinstance(raw, dict):
        raise PolicyError("扶贫标准表应按识别标准分组：{\"国家标准\": {\"2015\": 2855, …}}")
    lines: dict[str, dict[int, Decimal]] = {s: {} for s in STANDARDS}
    for name, table in raw.items():
        name = _standard(name)
        if not isinstance(table, dict):
            raise PolicyError(f"{name}的扶贫标准应为“年度: 金额”的表")
        lines[name] = {_year(y): _amount(a, f"{y}年{name}") for y, a in table.items()}
    return lines


def check_publicity_days(value: Any) -> int:
    """``value`` if it is a whole number of days in :data:`PUBLICITY_DAYS`, else :class:`PolicyError`."""
    low, high = PUBLICITY_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PolicyError(f"公示天数应为 {low}-{high} 的整数，现为 {value}")
    return value



def _choice_list(raw: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise PolicyError(f"{what}应为列表")
    bad = [v for v in raw if v not in allowed]
    if bad:
        raise PolicyError(f"{what}“{bad[0]}”不在可选项（{'、'.join(allowed)}）中")
    return tuple(v for v in allowed if v in raw)  # canonical order, no repeats


def _limits(raw: Any, strict: bool) -> Limits:
    if not isinstance(raw, dict):
        raise PolicyError("核查阈值应为 JSON 对象")
    unknown = sorted(set(raw) - set(LIMIT_LABELS))
    if unknown and strict:
        raise PolicyError(f"核查阈值中有不认识的项：{'、'.join(unknown)}")
    values = {}
    for key, (label, unit) in LIMIT_LABELS.items():
        if key not in raw:
            continue
        value = raw[key]
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        # The upper bound is for new input; a stored profile from before it still loads.
        if isinstance(value, bool) or not number.is_finite() or number <= 0 or (strict and number >= LIMIT_MAX):
            raise PolicyError(f"{label}应为大于 0、小于 {LIMIT_MAX:,} 的数（{unit}），现为 {str(value)[:40]}")
        values[key] = number
    return Limits(**values)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
