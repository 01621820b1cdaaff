"""Turn what a spreadsheet cell holds into a field value, the way the form would.

A cell comes from the reader as ``str``, ``float``, ``int``, ``bool``, ``date`` or
``datetime``.  Text goes through the same :func:`~fupin_desktop.domain.values.parse_value`
as typing in the form (full-width folding, zero-width and edge spaces removed, code
numbers, labels, aliases and pinyin initials, lower-case x, 15-digit IDs upgraded, 20-character
残疾人证 numbers checked, phones written ``+86 138 1234 5678`` / ``0086-…`` stored as 11 digits);
this module adds what only spreadsheets do:

* an ID number stored as a NUMBER: Excel keeps 15 significant digits, so an
  18-digit number has lost its last digits and is never stored (blocking);
* other long numbers (户编号, bank accounts) stored as numbers likewise;
* dates as date cells, serial day numbers, or text with a time part;
* 是/否 written in a dozen ways (√, ×, 有/无, 已参加/未参加 ...);
* the township and its groups named the way rosters name them (茶坝 or 青川县茶坝乡 for 茶坝乡;
  1组, 01, 第一组 for 一组).

Names keep the minority middle dot "·" and characters outside the BMP (𠮷) exactly.
Pure Python, no Qt.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fupin_desktop.domain import yesno
from fupin_desktop.domain.codes import CodeList
from fupin_desktop.domain.text import clean_multiline, normalize_text, strip_invisible
from fupin_desktop.domain.values import FieldValueError, parse_value
from fupin_desktop.formspec import FieldSpec

#: Excel keeps 15 significant digits of a number.
EXCEL_DIGITS = 15
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")
#: What a blank cell holds at most (:func:`is_blank`).
BLANKS = _BLANKS = " \t\r\n\v\f\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TOWN_SUFFIX = re.compile(r"(?:民族乡|街道办事处|街道|乡|镇)$")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one cell; ``blocking`` problems reject the whole household."""

    message: str
    blocking: bool = False


def clean_text(text: str, *, keep_lines: bool = False) -> str:
    """Free text as typed: invisible characters gone, full-width digits/letters folded, trimmed."""
    text = text.translate(_FULLWIDTH_ALNUM)
    if keep_lines:
        return clean_multiline(text)
    return _SPACES.sub(" ", strip_invisible(text)).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(_BLANKS))


def cell_text(value: Any) -> str:
    """A cell as the clerk sees it (numbers without a spurious ".0", dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yesno.word(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _integral_digits(value: float | int) -> str | None:
    """The digits of a whole number cell, or None."""
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            return None
        value = int(value)
    return str(abs(value))


def same_township(text: str, name: str) -> bool:
    """Whether a roster's 乡镇 cell names the township ``name``: 茶坝乡, 茶坝, 青川县茶坝乡, and 茶坝镇
    (a 乡 that became a 镇) all name 茶坝乡."""
    text = normalize_text(text).replace(" ", "")
    base = _TOWN_SUFFIX.sub("", name)
    if not text or not base:
        return False
    return re.fullmatch(rf"(?:.*[省市州盟县区旗])?{re.escape(base)}(?:乡|镇|街道|街道办事处|民族乡)?", text) is not None


def normalize_cell(spec: FieldSpec, value: Any, codes: CodeList | None) -> tuple[Any, Problem | None]:
    """The field value of one cell (None when empty) and the problem with it, if any.

    A non-blocking problem drops the value (the message says so); the household is
    still imported and the clerk completes the field in the form.
    """
    if is_blank(value):
        return ([] if spec.type == "multicode" else None), None
    label = spec.label
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.type == "id_number":
        if number:
            digits = _integral_digits(value) or cell_text(value)
            if len(digits) > EXCEL_DIGITS or not digits.isdigit():
                return None, Problem(
                    f"{label}“{cell_text(value)}”被 Excel 存成了数字，超过 15 位的号码后几位已丢失，"
                    "不能导入。请把该列设为“文本”格式，重新录入完整号码", True)
            text = digits  # an old 15-digit number survives as a number
        else:
            text = str(value)
        try:
            return parse_value(spec, text, codes), None
        except FieldValueError as exc:
            return None, Problem(f"{label}“{normalize_text(text)}”有误：{exc}", True)
    if number and spec.type in ("text", "bank_account", "phone"):
        integral = _integral_digits(value)
        if integral is not None and len(integral) > EXCEL_DIGITS:
            blocking = spec.id == "number"
            what = "不能导入该户" if blocking else "该项未导入，请在户档案中补录"
            return None, Problem(
                f"{label}“{cell_text(value)}”被 Excel 存成了数字，后几位已丢失，{what}", blocking)
    if spec.type == "bool":
        answer = yesno.IMPORTED.get(normalize_text(cell_text(value)).lower())
        if answer is not None:
            return answer, None
        return None, Problem(f"{label}“{cell_text(value)}”应填“{yesno.YES}”或“{yesno.NO}”，该项未导入")
    if spec.type == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        text = _TIME_SUFFIX.sub("", normalize_text(cell_text(value)))
    elif spec.type in ("text", "multiline") and isinstance(value, str):
        # Free text keeps its Chinese punctuation (，（）：): only digits, letters and spaces fold.
        text = clean_text(value, keep_lines=spec.type == "multiline")
        if spec.max_length and len(text) > spec.max_length:
            return None, Problem(f"{label}最多 {spec.max_length} 个字，现有 {len(text)} 个字，该项未导入")
        return text, None
    elif isinstance(value, (timedelta, time)):
        text = str(value)
    else:
        text = cell_text(value)
    try:
        return parse_value(spec, text, codes), None
    except FieldValueError as exc:
        return None, Problem(f"{exc}，该项未导入")
