"""Telephone numbers as clerks write them: normalise to one stored form, or say what is wrong.

* A mobile number is stored as its 11 digits (``13812345678``), however it was written:
  ``+86 138 1234 5678``, ``0086-13812345678``, ``86 13812345678``, ``(+86)138-1234-5678``,
  full-width digits, spaces, dashes, dots.
* A landline with its area code is stored as ``0839-1234567`` (area code, a dash, the 7- or
  8-digit local number): ``08391234567``, ``(0839)1234567``, ``0839 123 4567`` and
  ``+86 839 1234567`` all become that.  Area codes starting 01 or 02 have three digits (010,
  020-029), the others four.
* A local number without area code (7 or 8 digits) is kept as typed digits; the national
  system wants 11 digits, so the rules warn about it (:func:`is_national_length`).

One function serves the form, the Excel import and the rules.  Pure Python.
"""

from __future__ import annotations

import re

from fupin_desktop.domain.text import normalize_text

__all__ = ["PhoneError", "is_mobile", "is_national_length", "normalize_phone"]

#: Separators people put inside a number (after full-width folding).
_SEPARATORS = re.compile(r"[-－—–‐.·()（）\[\]]")
#: Two numbers in one cell: 13812345678/13987654321, "13812345678，0839-1234567".
_TWO_NUMBERS = re.compile(r"\d\s*[/,，;；、|]\s*\+?\d|\d{7,}\s+\+?\d{7,}")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:[12]\d|[3-9]\d{2})\d{7,8}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_HINT = "手机号为11位，如 13812345678（可带 +86）；座机请带区号，如 0839-1234567"


class PhoneError(ValueError):
    """Not a phone number; ``str(exc)`` is the Chinese reason, starting with the number as typed."""


def normalize_phone(text: str) -> str:
    """The stored form of a typed phone number; raises :class:`PhoneError` saying what is wrong."""
    shown = normalize_text(text)
    if not shown:
        raise PhoneError("电话号码为空")
    if _TWO_NUMBERS.search(shown):
        raise PhoneError(f"“{shown}”含有多个号码，只能填一个常用号码。{_HINT}")
    compact = _SEPARATORS.sub("", shown.replace(" ", ""))
    bad = next((c for i, c in enumerate(compact) if not (c.isdigit() and c.isascii()) and (c, i) != ("+", 0)), None)
    if bad is not None:
        shown_bad = bad if bad.isprintable() else f"U+{ord(bad):04X}"
        raise PhoneError(f"“{shown}”含有“{shown_bad}”，电话号码只能由数字组成。{_HINT}")
    digits = compact.lstrip("+")
    if not digits:
        raise PhoneError(f"“{shown}”不像电话号码。{_HINT}")
    international = compact.startswith(("+", "00"))
    country = _COUNTRY.match(compact)
    if country and (international or len(digits) in (12, 13)):
        rest = compact[country.end():]
        if not rest:
            raise PhoneError(f"“{shown}”只有国家代码，请填写完整号码。{_HINT}")
        if _MOBILE.fullmatch(rest):
            return rest
        if not rest.startswith("0"):
            rest = "0" + rest  # +86 839 1234567: the area code without its 0
        return _landline(rest, shown)
    if compact.startswith("+"):
        raise PhoneError(f"“{shown}”不是中国大陆的号码（国家代码应为 +86）")
    if _MOBILE.fullmatch(digits):
        return digits
    if digits.startswith("1"):
        if len(digits) != 11:
            raise PhoneError(f"“{shown}”是手机号，应为11位，录入了{len(digits)}位，请核对是否漏录或多录")
        raise PhoneError(f"“{shown}”不是有效的手机号（手机号第二位为3-9），请核对")
    if digits.startswith("0"):
        return _landline(digits, shown)
    if _LOCAL.fullmatch(digits):
        return digits
    raise PhoneError(f"“{shown}”不像电话号码。{_HINT}")


def _landline(digits: str, shown: str) -> str:
    if not _LANDLINE.fullmatch(digits):
        raise PhoneError(f"“{shown}”不像带区号的座机号码（区号3-4位，号码7-8位）。{_HINT}")
    split = 3 if digits[1] in "12" else 4
    return f"{digits[:split]}-{digits[split:]}"


def is_mobile(number: str) -> bool:
    """A stored mobile number (11 digits, 1[3-9]...)."""
    return bool(_MOBILE.fullmatch(number or ""))


def is_national_length(number: str) -> bool:
    """What the national check wants: 11 digits (a mobile, or a landline with area code of 11-12
    digits, dash not counted, is accepted as the national system's 固话 with 区号)."""
    digits = (number or "").replace("-", "")
    return is_mobile(number) or (number.startswith("0") and len(digits) in (11, 12))
