"""ID numbers (居民身份证号码, GB 11643-1999; 残疾人证号码): normalise, validate, explain, mask.

An 18-character number is laid out as::

    AAAAAA YYYYMMDD SSS C
    address birth   seq check

* address code: 6 digits, the first two name the province;
* birth date: ``YYYYMMDD``;
* sequence: 3 digits, odd for 男 and even for 女;
* check character: the first 17 digits weighted by 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
  summed, taken modulo 11 and looked up in ``"10X98765432"``.

Old 15-digit numbers (``AAAAAA YYMMDD SSS``) are upgraded by inserting "19" before the
year and appending the check character.

A 残疾人证 number (national 证件类型 09) has 20 characters: the holder's 18-character ID
number, then the 残疾类别 digit (1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重) and the
残疾等级 digit (1-4, 一级 to 四级).  Birth date and sex come from its first 18 characters,
and it names the same person as that ID number (:func:`person_key`).  The 证件类型 follows
from the length: 18 (or 15) characters 居民身份证, 20 characters 残疾人证.

Placeholder numbers typed for people without one (runs of 9s or 0s, one digit repeated,
123456789...) are refused as such.  Whether the address code is a real place (GB/T 2260,
any edition) is asked separately (:func:`address_warning`): an unknown code is a warning only.

Clerks type, paste and scan these numbers, so input is normalised first (spaces,
the ideographic space and zero-width characters removed, full-width digits and
letters folded, ``x`` upper-cased) and every rejection says in Chinese exactly
what is wrong and, where it is known, at which position.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, replace
from datetime import date

from fupin_desktop.domain import divisions
from fupin_desktop.domain.text import normalize_digits

__all__ = [
    "DISABILITY_CARD",
    "DISABILITY_CARD_TYPES",
    "DISABILITY_CATEGORIES",
    "DISABILITY_GRADES",
    "ID_CARD",
    "PROVINCE_CODES",
    "IdCheck",
    "address_warning",
    "check_char",
    "check_id",
    "id_type_for",
    "is_valid_id",
    "make_disability_number",
    "make_id",
    "mask_id",
    "normalize_id",
    "person_key",
    "placeholder_reason",
    "same_person_numbers",
    "upgrade_15",
]

#: 证件类型 labels (national AAB018 01 and 09).  "残疾证" is how the program spelt 09 before.
ID_CARD = "居民身份证"
DISABILITY_CARD = "残疾人证"
DISABILITY_CARD_TYPES = frozenset({DISABILITY_CARD, "残疾证"})
#: 残疾类别 (the 19th character of a 残疾人证 number) and 残疾等级 (the 20th), GB/T 26341-2010.
DISABILITY_CATEGORIES = {"1": "视力残疾", "2": "听力残疾", "3": "言语残疾", "4": "肢体残疾",
                         "5": "智力残疾", "6": "精神残疾", "7": "多重残疾"}
DISABILITY_GRADES = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_FORMAT_18 = re.compile(r"[0-9]{17}[0-9X]")
_FORMAT_20 = re.compile(r"[0-9]{17}[0-9X][0-9]{2}")
#: Runs no real number has: six 9s or six 0s in a row (a real one has at most five: day 29,
#: sequence 999, check 9), nine ascending or descending digits.
_PLACEHOLDER_RUNS = (
    (re.compile(r"9{6,}"), "连续{n}个“9”"),
    (re.compile(r"0{6,}"), "连续{n}个“0”"),
    (re.compile(r"123456789|987654321"), "顺序数字“{s}”"),
)

#: Valid first two digits (province-level code) of the address code.
PROVINCE_CODES: frozenset[str] = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
        91,
    )
)

_MIN_YEAR = 1900
_FEMALE_OR_MALE = ("女", "男")


@dataclass(frozen=True)
class IdCheck:
    """The outcome of :func:`check_id`.

    ``error_position`` is a 1-based position in the normalised number as typed
    (spaces and zero-width characters not counted; for a 15-digit number, a
    position in those 15 digits).  It names the wrong character where that is
    known (a non-digit, the check character); for a wrong address code or birth
    date it names the first character of the offending part (province code,
    year, month or day) so a form can put the cursor there.  In a 20-character
    残疾人证 number, 19 names the 残疾类别 digit and 20 the 残疾等级 digit; a
    placeholder number gives 1.

    ``birth_date`` and ``sex`` are only filled in for a valid number, so nothing
    is derived from a number that may contain a typing error.
    """

    input: str
    valid: bool
    normalized: str
    birth_date: date | None
    sex: str | None
    error: str | None
    error_position: int | None
    expected_check: str | None
    upgraded: bool
    #: 证件类型 the length says (居民身份证 for 15/18 characters, 残疾人证 for 20), else None.
    id_type: str | None = None
    #: The holder's 18-character ID number (a valid number only): the same person whatever the card.
    person_key: str | None = None
    #: 残疾类别 and 残疾等级 of a valid 残疾人证 number ("肢体残疾", "二级").
    disability_category: str | None = None
    disability_grade: str | None = None


def normalize_id(text: str) -> str:
    """Normalise typed or pasted text to the canonical character form, without validating.

    Removes all spaces (including U+3000) and invisible characters (controls, zero-width
    and bidi characters, see :mod:`fupin_desktop.domain.text`), folds full-width digits and letters to ASCII and
    upper-cases ``x``.  The result may have any length and may contain non-digits.
    """
    return normalize_digits(text).replace("x", "X")


def check_char(first17: str) -> str:
    """The check character ("0"-"9" or "X") for the first 17 digits of an 18-character number.

    Raises ``ValueError`` unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError(f"check_char needs exactly 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_15(id15: str) -> str:
    """Upgrade an old 15-digit number to 18 characters ("19" before the year, check char appended).

    The input is normalised first.  Raises ``ValueError`` unless it is then
    exactly 15 ASCII digits.  The address code and date are not validated here.
    """
    digits = normalize_id(id15)
    if len(digits) != 15 or not _DIGITS.issuperset(digits):
        raise ValueError(f"upgrade_15 needs exactly 15 digits, got {id15!r}")
    first17 = digits[:6] + "19" + digits[6:]
    return first17 + check_char(first17)


def is_valid_id(text: str) -> bool:
    """True for a valid 18-character number, an upgradable 15-digit one or a valid 残疾人证 number."""
    return check_id(text).valid


def id_type_for(number: str) -> str | None:
    """The 证件类型 a number's length says: 居民身份证 (15 or 18 characters), 残疾人证 (20), else None."""
    length = len(normalize_id(number))
    return ID_CARD if length in (15, 18) else DISABILITY_CARD if length == 20 else None


@functools.lru_cache(maxsize=65536)
def person_key(number: str) -> str:
    """The holder's 18-character ID number: a 残疾人证 number without its last two digits, an old
    15-digit number upgraded.  Anything else comes back normalised, so it only equals itself."""
    text = normalize_id(number)
    if len(text) == 20 and _FORMAT_20.fullmatch(text):
        return text[:18]
    if len(text) == 15 and _DIGITS.issuperset(text):
        return upgrade_15(text)
    return text


def same_person_numbers(number: str) -> tuple[str, ...]:
    """Every number under which the holder of ``number`` can be stored: the 18-character ID number
    and its 28 残疾人证 numbers (category 1-7 × grade 1-4).  For an exact, indexed look-up."""
    key = person_key(number)
    if not _FORMAT_18.fullmatch(key):
        return (key,)
    return (key, *(key + c + g for c in DISABILITY_CATEGORIES for g in DISABILITY_GRADES))


def mask_id(number: str) -> str:
    """Mask a number for public notices (公示): keep the first 6 and last 4 characters of the ID number.

    ``"510822199001011234"`` becomes ``"510822********1234"``.  A 20-character 残疾人证 number
    is masked as its ID number (``"51082219900101123442"`` -> ``"510822********1234"``): the
    残疾类别 and 残疾等级 digits are dropped, so a notice neither shows nor hints by its length
    that the person holds a 残疾人证.  Input is normalised first; only something shaped like
    an 18- or 20-character number (the check character is not verified) is partly shown.
    Anything else, including old 15-digit numbers, comes back as ``"*"`` repeated to the
    normalised length, so a malformed entry never leaks more than a well-formed one.
    """
    text = normalize_id(number)
    if _FORMAT_20.fullmatch(text):
        text = text[:18]
    if _FORMAT_18.fullmatch(text):
        return text[:6] + "*" * 8 + text[-4:]
    return "*" * len(text)


def placeholder_reason(number: str) -> str | None:
    """Why a number looks like a placeholder typed for someone without one, or None.

    Looks at the ID part (the first 18 characters): one digit throughout, six 9s or six 0s in a
    row, or nine ascending or descending digits.  A real number never has these.
    """
    text = normalize_id(number)[:18]
    if len(text) >= 15 and len(set(text)) == 1:
        return f"全部是“{text[0]}”"
    for pattern, reason in _PLACEHOLDER_RUNS:
        found = pattern.search(text)
        if found:
            return reason.format(n=len(found.group()), s=found.group())
    return None


def address_warning(number: str) -> str | None:
    """A Chinese warning when a valid number's address code (first 6 digits) is in no edition of
    GB/T 2260 since 1980, else None.  A warning only: the list may lack a recent or local code."""
    text = person_key(number)
    code = text[:6]
    if len(code) != 6 or not _DIGITS.issuperset(code) or code[:2] not in PROVINCE_CODES:
        return None  # check_id reports these
    if divisions.division(code) is not None:
        return None
    return (f"证件号码前6位地址码“{code}”不在国家行政区划代码（GB/T 2260，1980年以来各版）中，"
            "请核对是否录错；如确为本人证件上的号码，可保留")


def make_id(address: str, birth: date, seq: int) -> str:
    """Build a valid 18-character number from its parts (demo data generator, tests).

    ``address`` is the 6-digit address code (its first two digits must be a
    province code), ``birth`` the birth date (year 1900 or later) and ``seq``
    the sequence number 0-999, whose parity gives the sex (odd 男, even 女).
    Raises ``ValueError`` for parts that could never make a valid number.
    """
    if len(address) != 6 or not _DIGITS.issuperset(address):
        raise ValueError(f"address must be 6 ASCII digits, got {address!r}")
    if address[:2] not in PROVINCE_CODES:
        raise ValueError(f"address {address!r} does not start with a province code")
    if birth.year < _MIN_YEAR:
        raise ValueError(f"birth date {birth.isoformat()} is before {_MIN_YEAR}")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= 999:
        raise ValueError(f"seq must be an int in 0-999, got {seq!r}")
    first17 = f"{address}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + check_char(first17)



def make_disability_number(id_number: str, category: int, grade: int) -> str:
    """A 残疾人证 number: a valid 18-character ID number, 残疾类别 1-7 and 残疾等级 1-4 (demo, tests)."""
    text = normalize_id(id_number)
    if not _FORMAT_18.fullmatch(text) or check_char(text[:17]) != text[17]:
        raise ValueError(f"not a valid 18-character ID number: {id_number!r}")
    if str(category) not in DISABILITY_CATEGORIES or str(grade) not in DISABILITY_GRADES:
        raise ValueError(f"category must be 1-7 and grade 1-4, got {category!r}, {grade!r}")
    return text + f"{category}{grade}"


@functools.lru_cache(maxsize=65536)
def check_id_on(text: str, today: date) -> IdCheck:
    """:func:`check_id` remembered: an import, the form's parsing and several rules ask about the
    same number, and each number is checked once.  (``IdCheck`` is frozen: sharing it is safe.)"""
    return check_id(text, today=today)


def check_id(text: str, *, today: date | None = None) -> IdCheck:
    """Validate a typed ID or 残疾人证 number and explain in Chinese what is wrong with it.

    Checks, in this order: empty; length (18, 20 for a 残疾人证, or 15 for an old number); a
    character that is not allowed (first non-digit, ``X`` only as the 18th); a placeholder
    number; province code; birth date (a real date, not before 1900, not after ``today``,
    which defaults to ``date.today()``); check character; for a 残疾人证 number the 残疾类别
    (19th, 1-7) and 残疾等级 (20th, 1-4).

    A valid 15-digit number is accepted and upgraded (``upgraded=True``, ``normalized`` is the
    18-character form).  ``normalized`` is ``""`` when the input cannot be turned into 18 or 20
    characters (wrong length, or a 15-character input that is not all digits).
    """
    raw = "" if text is None else text
    number = normalize_id(raw)
    id_type = id_type_for(number) if number else None

    def fail(error: str, position: int | None = None, normalized: str = "", expected: str | None = None,
             upgraded: bool = False) -> IdCheck:
        return IdCheck(input=raw, valid=False, normalized=normalized, birth_date=None, sex=None, error=error,
                       error_position=position, expected_check=expected, upgraded=upgraded, id_type=id_type)

    if not number:
        return fail("证件号码为空，请录入18位居民身份证号码（残疾人证为20位）")

    length = len(number)
    if length not in (15, 18, 20):
        return fail(f"证件号码应为18位居民身份证号码或20位残疾人证号码（旧版身份证为15位），当前录入了{length}位，"
                    "请核对是否漏录或多录")

    # Character check: 15-digit numbers are all digits; 18- and 20-character ones are 17 digits,
    # a digit or X, and (残疾人证) two more digits.
    for index, ch in enumerate(number):
        if ch in _DIGITS or (length >= 18 and index == 17 and ch == "X"):
            continue
        position = index + 1
        shown = _show_char(ch)
        normalized = number if length >= 18 else ""
        if length == 15:
            message = f"第{position}位“{shown}”不是数字，15位旧身份证号码只能由数字组成，请核对"
        elif index >= 18:
            message = (f"第{position}位“{shown}”不是数字，残疾人证号码的第19位（残疾类别）和第20位（残疾等级）"
                       "必须是数字，请核对")
        elif ch == "X":
            message = f"第{position}位是“X”，字母X只能出现在第18位（校验码），前17位必须是数字，请核对"
        else:
            message = f"第{position}位“{shown}”不是数字，身份证号码前17位必须是数字，第18位为数字或X，请核对"
        return fail(message, position, normalized)

    placeholder = placeholder_reason(number)
    if placeholder:
        return fail(f"证件号码“{number}”像是占位号码（{placeholder}），不是真实的证件号码。"
                    "请向本人核实或到派出所查询后录入真实号码", 1, number if length >= 18 else "")

    core = _check_core(raw, number[:18] if length == 20 else number, today)
    if length != 20:
        return core
    if not core.valid:
        return replace(core, normalized=number, id_type=id_type,
                       error=f"残疾人证号码的前18位是持证人的身份证号码：{core.error}")
    category, grade = number[18], number[19]
    categories = "、".join(f"{k}{v}" for k, v in DISABILITY_CATEGORIES.items())
    if category not in DISABILITY_CATEGORIES:
        return fail(f"第19位残疾类别应为1-7（{categories}），录入的是“{category}”，请核对残疾人证号码",
                    19, number)
    if grade not in DISABILITY_GRADES:
        return fail(f"第20位残疾等级应为1-4（1为一级，4为四级），录入的是“{grade}”，请核对残疾人证号码",
                    20, number)
    return replace(core, normalized=number, id_type=id_type, disability_category=DISABILITY_CATEGORIES[category],
                   disability_grade=DISABILITY_GRADES[grade])


def _check_core(raw: str, number: str, today: date | None) -> IdCheck:
    """Province, birth date and check character of a 15- or 18-character number of valid characters."""
    length = len(number)

    def fail(error: str, position: int | None = None, normalized: str = "", expected: str | None = None,
             upgraded: bool = False) -> IdCheck:
        return IdCheck(input=raw, valid=False, normalized=normalized, birth_date=None, sex=None, error=error,
                       error_position=position, expected_check=expected, upgraded=upgraded, id_type=ID_CARD)

    upgraded = length == 15
    if upgraded:
        normalized = upgrade_15(number)
        year_text, month_text, day_text = "19" + number[6:8], number[8:10], number[10:12]
        year_pos, month_pos, day_pos = 7, 9, 11
        date_span = "第7-12位"
    else:
        normalized = number
        year_text, month_text, day_text = number[6:10], number[10:12], number[12:14]
        year_pos, month_pos, day_pos = 7, 11, 13
        date_span = "第7-14位"

    province = number[:2]
    if province not in PROVINCE_CODES:
        return fail(
            f"前两位省份代码“{province}”不存在，请核对证件号码的前6位（地址码）",
            1,
            normalized,
            upgraded=upgraded,
        )

    year, month, day = int(year_text), int(month_text), int(day_text)
    shown_date = f"{year_text}年{month_text}月{day_text}日"
    bad_date_position: int | None = None
    reason = ""
    if not 1 <= month <= 12:
        bad_date_position, reason = month_pos, "月份应为01-12"
    else:
        # Year 0 cannot be handled by the calendar module; it is a leap year in
        # the proleptic Gregorian calendar, as is 2000.
        days_in_month = calendar.monthrange(year or 2000, month)[1]
        if not 1 <= day <= days_in_month:
            bad_date_position, reason = day_pos, f"{year_text}年{month_text}月只有{days_in_month}天"
    if bad_date_position is not None:
        return fail(
            f"{date_span}出生日期“{shown_date}”不是有效日期（{reason}），请核对",
            bad_date_position,
            normalized,
            upgraded=upgraded,
        )
    if year < _MIN_YEAR:
        return fail(
            f"{date_span}出生日期“{shown_date}”早于{_MIN_YEAR}年，请核对",
            year_pos,
            normalized,
            upgraded=upgraded,
        )
    birth = date(year, month, day)
    today = date.today() if today is None else today
    if birth > today:
        shown_today = f"{today.year}年{today.month:02d}月{today.day:02d}日"
        return fail(
            f"{date_span}出生日期“{shown_date}”晚于今天（{shown_today}），请核对",
            year_pos,
            normalized,
            upgraded=upgraded,
        )

    expected = check_char(normalized[:17])
    if normalized[17] != expected:
        # Only reachable for 18-character input: an upgraded number gets its check char computed.
        return fail(
            f"第18位校验码应为“{expected}”，录入的是“{normalized[17]}”，请核对证件号码",
            18,
            normalized,
            expected,
        )

    return IdCheck(
        input=raw,
        valid=True,
        normalized=normalized,
        birth_date=birth,
        sex=_FEMALE_OR_MALE[int(normalized[16]) % 2],
        error=None,
        error_position=None,
        expected_check=None,
        upgraded=upgraded,
        id_type=ID_CARD,
        person_key=normalized,
    )


def _show_char(ch: str) -> str:
    """A character as it can be shown inside a message (control characters as U+XXXX)."""
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"
