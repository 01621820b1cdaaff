"""教育精准扶贫学生资助: the subsidy table per school year, batches and the seed's rules.

The seed (绥阳县, 2016, after 黔教助发〔2015〕274号) pays students of registered households by
school type, per school year, from a table the county may change; this module holds that table
(kept in the policy profile, ``Policy.education``), and the pure rules around it:

* :func:`entitlement`: the items and amounts a student gets.  Every student gets the
  扶贫专项助学金; any other item the student already receives from the government or the school
  is not paid again.
* :func:`check_application`: one application per student and school year (a student in the
  第一批 cannot be put in the 第二批), and none after the batch's deadline without a reason.
* :func:`where_to_apply` and :func:`checklist`: the office and the documents the seed names.

Pure Python: no Qt, no SQL.  Messages are Chinese and say what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

# -- school types and items ----------------------------------------------------------------------
HIGH_SCHOOL = "普通高中"
VOCATIONAL = "中职学校"
BACHELOR = "普通高校本科"
JUNIOR_COLLEGE = "普通高校专科（高职）"
TECHNICAL = "技工学校"
#: Every school type, in the order lists and totals show them.
SCHOOL_TYPES: tuple[str, ...] = (HIGH_SCHOOL, VOCATIONAL, BACHELOR, JUNIOR_COLLEGE, TECHNICAL)
#: What a clerk may type for a school type (besides its name).
SCHOOL_TYPE_ALIASES: dict[str, str] = {
    "高中": HIGH_SCHOOL, "gz": HIGH_SCHOOL, "high": HIGH_SCHOOL,
    "中职": VOCATIONAL, "中专": VOCATIONAL, "职高": VOCATIONAL, "zz": VOCATIONAL, "vocational": VOCATIONAL,
    "本科": BACHELOR, "普通高校（本科）": BACHELOR, "普通高校(本科)": BACHELOR, "bk": BACHELOR, "bachelor": BACHELOR,
    "专科": JUNIOR_COLLEGE, "高职": JUNIOR_COLLEGE, "大专": JUNIOR_COLLEGE, "普通高校专科": JUNIOR_COLLEGE,
    "普通高校（专科）": JUNIOR_COLLEGE, "普通高校(专科)": JUNIOR_COLLEGE, "普通高校专科(高职)": JUNIOR_COLLEGE,
    "zk": JUNIOR_COLLEGE, "college": JUNIOR_COLLEGE,
    "技工": TECHNICAL, "技校": TECHNICAL, "jg": TECHNICAL, "technical": TECHNICAL,
}

GRANT = "扶贫专项助学金"
TUITION = "免（补助）学费"
TEXTBOOKS = "免（补助）教科书费"
LODGING = "免（补助）住宿费"
#: Every item, in the seed's order (the roster's columns).
ITEMS: tuple[str, ...] = (GRANT, TUITION, TEXTBOOKS, LODGING)
ITEM_ALIASES: dict[str, str] = {
    "助学金": GRANT, "grant": GRANT, "学费": TUITION, "免学费": TUITION, "tuition": TUITION,
    "教科书费": TEXTBOOKS, "教科书": TEXTBOOKS, "textbooks": TEXTBOOKS,
    "住宿费": LODGING, "住宿": LODGING, "lodging": LODGING,
}

#: 在校生状况 (forms/codes.toml) -> the school type it implies (大专及以上: 本科 or 专科, unknown).
STATUS_TYPES: dict[str, str | None] = {
    "高中一年级": HIGH_SCHOOL, "高中二年级": HIGH_SCHOOL, "高中三年级": HIGH_SCHOOL,
    "中职一年级": VOCATIONAL, "中职二年级": VOCATIONAL, "中职三年级": VOCATIONAL,
    "高职一年级": JUNIOR_COLLEGE, "高职二年级": JUNIOR_COLLEGE, "高职三年级": JUNIOR_COLLEGE,
    "大专及以上": None,
}

#: The school year of the seed, and its table (元/生·年): the default of the policy profile.
SEED_SCHOOL_YEAR = "2015-2016"
SEED_TABLE: dict[str, dict[str, Decimal]] = {
    HIGH_SCHOOL: {GRANT: Decimal(1000), TUITION: Decimal(760), TEXTBOOKS: Decimal(400), LODGING: Decimal(500)},
    VOCATIONAL: {GRANT: Decimal(1000), TEXTBOOKS: Decimal(400), LODGING: Decimal(500)},
    BACHELOR: {GRANT: Decimal(1000), TUITION: Decimal(3830)},
    JUNIOR_COLLEGE: {GRANT: Decimal(1000), TUITION: Decimal(3500)},
    # Technical schools are secondary vocational schools run by the labour departments; the seed
    # gives them no row of their own (assumed: the 中职 row, editable in the profile).
    TECHNICAL: {GRANT: Decimal(1000), TEXTBOOKS: Decimal(400), LODGING: Decimal(500)},
}
BATCH_NAMES = ("第一批", "第二批", "第三批", "第四批", "第五批", "第六批")
MAX_BATCH = len(BATCH_NAMES)
AMOUNT_MAX = Decimal(100_000)


class EducationError(ValueError):
    """A value or a request the rules refuse; ``str(exc)`` is a Chinese message."""


# -- school years ------------------------------------------------------------------------------
_SCHOOL_YEAR = re.compile(r"\s*(\d{4})\s*(?:学年)?\s*[-—–~至/到－]+\s*(\d{2}|\d{4})\s*(?:学年)?\s*")


def school_year(text: Any) -> str:
    """``2015-2016`` from ``2015-2016``, ``2015—2016``, ``2015-16``, ``2015至2016学年``."""
    match = _SCHOOL_YEAR.fullmatch(str(text).translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if match is not None:
        first = int(match.group(1))
        second = int(match.group(2)) if len(match.group(2)) == 4 else first // 100 * 100 + int(match.group(2))
        if second == first + 1 and 2000 <= first <= 2099:
            return f"{first}-{second}"
    raise EducationError(f"学年“{str(text)[:30]}”应写成“2015-2016”（前后两年相连）")


def school_year_of(day: date) -> str:
    """The school year a date falls in (a school year starts on 1 September)."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def school_type(text: Any) -> str:
    """A school type by its name or a short name (高中, 中职, 本科, 专科, 高职, 技工)."""
    value = str(text).strip()
    if value in SCHOOL_TYPES:
        return value
    found = SCHOOL_TYPE_ALIASES.get(value) or SCHOOL_TYPE_ALIASES.get(value.lower())
    if found is None:
        raise EducationError(f"学校类型“{value[:30]}”应为{'、'.join(SCHOOL_TYPES)}之一（也可写 高中、中职、本科、专科、技工）")
    return found


def item_name(text: Any) -> str:
    """A subsidy item by its name or a short name (助学金, 学费, 教科书费, 住宿费)."""
    value = str(text).strip()
    if value in ITEMS:
        return value
    found = ITEM_ALIASES.get(value) or ITEM_ALIASES.get(value.lower())
    if found is None:
        raise EducationError(f"资助项目“{value[:30]}”应为{'、'.join(ITEMS)}之一（也可写 学费、教科书费、住宿费）")
    return found


def batch_name(number: int) -> str:
    return BATCH_NAMES[number - 1] if 1 <= number <= MAX_BATCH else f"第{number}批"


def amount(value: Any, what: str) -> Decimal:
    """A yuan amount from 0 up to :data:`AMOUNT_MAX` (exclusive)."""
    if isinstance(value, bool):
        raise EducationError(f"{what}应为金额（元）")
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise EducationError(f"{what}“{str(value)[:30]}”不是金额（元）") from None
    if not number.is_finite() or not 0 <= number < AMOUNT_MAX:
        raise EducationError(f"{what}应在 0-{AMOUNT_MAX:,} 元之间，现为 {str(value)[:30]}")
    return number


# -- the profile's part ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    """One batch of a school year: its number (1 = 第一批) and the last day to apply (None: open)."""

    number: int
    deadline: date | None = None

    @property
    def name(self) -> str:
        return batch_name(self.number)


@dataclass(frozen=True)
class SchoolYearPolicy:
    """The subsidy table of one school year (school type -> item -> yuan) and its batches."""

    table: dict[str, dict[str, Decimal]]
    batches: tuple[Batch, ...] = ()

    def batch(self, number: int) -> Batch | None:
        return next((b for b in self.batches if b.number == number), None)


def _seed_years() -> dict[str, SchoolYearPolicy]:
    table = {t: dict(items) for t, items in SEED_TABLE.items()}
    # The seed's notice opens the 第二批 with 2016-04-28 as its last day; the 第一批's is not given.
    return {SEED_SCHOOL_YEAR: SchoolYearPolicy(table, (Batch(1), Batch(2, date(2016, 4, 28))))}


@dataclass(frozen=True)
class EducationPolicy:
    """Every school year the county has set (the seed's 2015-2016 by default)."""

    years: dict[str, SchoolYearPolicy] = field(default_factory=_seed_years)

    def year(self, name: str) -> tuple[str, SchoolYearPolicy]:
        """The table for ``name``: its own, else the latest earlier one (named in the result)."""
        if name in self.years:
            return name, self.years[name]
        earlier = sorted(y for y in self.years if y < name)
        if not earlier:
            raise EducationError(f"政策参数中没有 {name} 学年及以前的资助标准。请用 fupin education table set "
                                 f"--school-year {name} … 设置。")
        return earlier[-1], self.years[earlier[-1]]

    def batches(self, name: str) -> tuple[Batch, ...]:
        entry = self.years.get(name)
        return entry.batches if entry is not None else ()

    def with_amount(self, name: str, kind: str, item: str, value: Decimal | None) -> EducationPolicy:
        """A copy with one cell of ``name``'s table set (``value`` None removes the item).  A school
        year not set yet starts as a copy of the latest earlier one, without its batches."""
        years = dict(self.years)
        try:
            _, base = self.year(name)
        except EducationError:
            base = SchoolYearPolicy({})
        own = self.years.get(name)
        table = {t: dict(items) for t, items in base.table.items()}
        row = table.setdefault(school_type(kind), {})
        if value is None:
            row.pop(item_name(item), None)
        else:
            row[item_name(item)] = amount(value, f"{kind}{item}")
        years[name] = SchoolYearPolicy(table, own.batches if own is not None else ())
        return EducationPolicy(years)

    def with_batch(self, name: str, number: int, deadline: date | None) -> EducationPolicy:
        """A copy with batch ``number`` of ``name`` set (its deadline None: open)."""
        if not 1 <= number <= MAX_BATCH:
            raise EducationError(f"批次应为 1-{MAX_BATCH}，现为 {number}")
        years = dict(self.years)
        try:
            _, base = self.year(name)
            table = {t: dict(items) for t, items in base.table.items()}
        except EducationError:
            table = {}
        own = self.years.get(name)
        if own is not None:
            table = own.table
        batches = [b for b in (own.batches if own is not None else ()) if b.number != number]
        batches.append(Batch(number, deadline))
        years[name] = SchoolYearPolicy(table, tuple(sorted(batches, key=lambda b: b.number)))
        return EducationPolicy(years)

    # -- JSON ---------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            name: {
                "table": {t: {i: _number(a) for i, a in items.items()} for t, items in entry.table.items()},
                "batches": [{"batch": b.number, "deadline": b.deadline.isoformat() if b.deadline else None}
                            for b in entry.batches],
            }
            for name, entry in sorted(self.years.items())
        }

    @classmethod
    def from_json(cls, raw: Any) -> EducationPolicy:
        """Read (and check) the profile's ``education`` part; raises :class:`EducationError`."""
        if not isinstance(raw, dict):
            raise EducationError("教育资助标准应为“学年: {table, batches}”的表")
        years: dict[str, SchoolYearPolicy] = {}
        for name, entry in raw.items():
            year = school_year(name)
            if not isinstance(entry, dict) or not isinstance(entry.get("table", {}), dict):
                raise EducationError(f"{year} 学年的资助标准应有 table（学校类型: 项目: 金额）")
            table: dict[str, dict[str, Decimal]] = {}
            for kind, items in entry.get("table", {}).items():
                if not isinstance(items, dict):
                    raise EducationError(f"{year} 学年{kind}的资助标准应为“项目: 金额”")
                table[school_type(kind)] = {item_name(i): amount(a, f"{year} 学年{kind}{i}") for i, a in items.items()}
            batches = _batches(entry.get("batches", []), year)
            years[year] = SchoolYearPolicy(table, batches)
        return cls(years)


def _batches(raw: Any, year: str) -> tuple[Batch, ...]:
    if not isinstance(raw, list):
        raise EducationError(f"{year} 学年的批次应为列表")
    found: dict[int, Batch] = {}
    for entry in raw:
        number = entry.get("batch") if isinstance(entry, dict) else None
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_BATCH:
            raise EducationError(f"{year} 学年的批次编号应为 1-{MAX_BATCH}")
        deadline = entry.get("deadline")
        try:
            day = date.fromisoformat(deadline) if deadline else None
        except (TypeError, ValueError):
            raise EducationError(f"{year} 学年{batch_name(number)}的截止日期“{deadline}”应写成 2016-04-28") from None
        found[number] = Batch(number, day)
    return tuple(found[n] for n in sorted(found))


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# -- entitlements ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entitlement:
    """What a student gets: ``items`` (item, yuan) in the table's order, and what was left out."""

    school_type: str
    items: tuple[tuple[str, Decimal], ...]
    skipped: tuple[str, ...] = ()  # items of the table already received from elsewhere
    table_year: str = ""  # the school year whose table was used

    @property
    def total(self) -> Decimal:
        return sum((a for _, a in self.items), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        return {"items": [{"item": i, "amount": _number(a)} for i, a in self.items], "total": _number(self.total),
                "school_type": self.school_type, "skipped": list(self.skipped), "table_year": self.table_year}


def entitlement(policy: EducationPolicy, year: str, kind: str, received: frozenset[str] | set[str] = frozenset()
                ) -> Entitlement:
    """The items of ``kind``'s row for ``year``: the 扶贫专项助学金 always; any other item in
    ``received`` (already paid by the government or the school) is left out."""
    table_year, entry = policy.year(year)
    row = entry.table.get(kind)
    if not row:
        raise EducationError(f"{table_year} 学年的资助标准中没有“{kind}”一栏。请在政策参数中补上。")
    items, skipped = [], []
    for item in sorted(row, key=lambda i: ITEMS.index(i) if i in ITEMS else len(ITEMS)):
        if item != GRANT and item in received:
            skipped.append(item)
        else:
            items.append((item, row[item]))
    return Entitlement(kind, tuple(items), tuple(skipped), table_year)


# -- batches ----------------------------------------------------------------------------------------
class ApplicationRefused(EducationError):
    """An application the rules refuse; ``str(exc)`` names the batch or the deadline.  ``late``:
    refused only for its date (an override with a reason may pass it)."""

    def __init__(self, message: str, *, late: bool = False) -> None:
        super().__init__(message)
        self.late = late


def check_application(policy: EducationPolicy, year: str, number: int, day: date, *, name: str,
                      earlier: int | None, override: str | None = None) -> Batch:
    """The batch ``number`` of ``year`` if ``name`` may be put in it on ``day``.

    ``earlier``: the batch of the same school year that already holds the student (refused,
    naming it: no double funding).  After the batch's deadline the application is refused with
    the deadline named, unless ``override`` gives a reason."""
    batch = next((b for b in policy.batches(year) if b.number == number), None)
    if batch is None:
        known = "、".join(b.name for b in policy.batches(year)) or "无"
        raise ApplicationRefused(f"{year} 学年没有{batch_name(number)}（已设的批次：{known}）。"
                                 f"请先用 fupin education batch set --school-year {year} --batch {number} 设置。")
    if earlier is not None:
        raise ApplicationRefused(f"{name}已纳入 {year} 学年{batch_name(earlier)}教育精准扶贫学生资助，"
                                 "不能重复申请。")
    if batch.deadline is not None and day > batch.deadline and not (override or "").strip():
        raise ApplicationRefused(f"{year} 学年{batch.name}的申请截止日期为 {batch.deadline.isoformat()}，"
                                 f"{day.isoformat()} 已逾期，不再受理。确需受理请注明理由（--override 理由）。", late=True)
    return batch


# -- where to apply, what to bring --------------------------------------------------------------
def where_to_apply(kind: str, in_province: bool, county: str = "") -> str:
    """The office the seed names: the school in the province; outside it the county's education
    bureau (学生资助管理中心), or its 人力资源社会保障部门 for a technical school."""
    if in_province:
        return "就读学校"
    prefix = county or "户籍所在地县级"
    if kind == TECHNICAL:
        return f"{prefix}人力资源社会保障部门"
    return f"{prefix}教育局学生资助管理中心"


#: Documents of an application: (key, label, only for students outside the province).
DOCUMENTS: tuple[tuple[str, str, bool], ...] = (
    ("form", "《申请表》", False),
    ("id", "身份证（或户口簿）原件和复印件", False),
    ("card", "《贫困户登记卡》（有申请学生的名字，县级扶贫部门盖章：原件钢印，或复印件红色鲜章；"
             "原件不能提交时，加盖县级扶贫部门公章并说明原因的复印件）", False),
    ("bank", "学生资助卡或银行储蓄卡原件和复印件", True),
    ("enrolment", "在校证明（加盖学校公章）", True),
)


def checklist(in_province: bool) -> list[tuple[str, str]]:
    """The documents the student brings: (key, label)."""
    return [(key, label) for key, label, outside in DOCUMENTS if not (outside and in_province)]


def document_key(text: str) -> str:
    """A document by its key or a word of its label."""
    value = text.strip()
    for key, label, _ in DOCUMENTS:
        if value == key or (len(value) >= 2 and value in label):
            return key
    raise EducationError(f"材料“{value[:30]}”应为 {'、'.join(k for k, _, _ in DOCUMENTS)} 之一"
                         "（申请表、身份证、登记卡、资助卡、在校证明）")
