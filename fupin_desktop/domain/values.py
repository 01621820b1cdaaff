"""Typed field values: parse what a clerk types, format for display, (de)serialise.

In memory a value is: ``str`` (text, phone, account, id, code label), ``int``,
``Decimal``, ``datetime.date``, ``bool``, ``list[str]`` (multicode) or ``None``
(empty).  In the store and JSON: the same, with Decimal and date as strings.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain import idnumber, yesno
from fupin_desktop.domain.phone import PhoneError, normalize_phone
from fupin_desktop.domain.text import clean_multiline, normalize_digits, normalize_text

if TYPE_CHECKING:
    from fupin_desktop.domain.codes import CodeList
    from fupin_desktop.formspec import FieldSpec

Value = Any

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


class FieldValueError(ValueError):
    """A typed text that is not a valid value; ``str(exc)`` is the Chinese message."""


def parse_date(text: str) -> date:
    """Dates as people and Excel write them: 2015-06-01, 2015/6/1, 2015年6月1日, 20150601, 42156."""
    t = normalize_digits(text)
    for pat in _DATE_PATTERNS:
        m = pat.match(t)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                raise FieldValueError(f"“{text}”不是有效日期（{y}年{mo}月{d}日不存在）") from None
    if t.isdigit() and len(t) == 4 and 1900 <= int(t) <= 2100:
        # A year alone, not Excel day 1985 (1905-06-07): never guess the month and day.
        raise FieldValueError(f"“{text}”只有年份，请填写完整日期，如 {t}-06-01")
    if t.isdigit() and 1 <= int(t) <= 80000:  # an Excel serial day number
        return _EXCEL_EPOCH + timedelta(days=int(t))
    raise FieldValueError(f"“{text}”不是日期，请按 2015-06-01 的格式填写")


def parse_bool(text: str) -> bool:
    answer = yesno.TYPED.get(normalize_text(text).lower())
    if answer is None:
        raise FieldValueError(f"“{text}”应填“{yesno.YES}”或“{yesno.NO}”（也可输入 1 或 0）")
    return answer


def parse_value(spec: FieldSpec, text: str | None, codes: CodeList | None = None) -> Value:
    """Turn typed text into the field's value (``None`` when empty).

    Raises :class:`FieldValueError` with a Chinese message naming the field when the
    text cannot be a value of this field.
    """
    raw = "" if text is None else str(text)
    t = normalize_text(raw)
    if t == "":
        return [] if spec.type == "multicode" else None
    ftype = spec.type
    label = spec.label
    if ftype in ("text", "multiline"):
        value = clean_multiline(raw) if ftype == "multiline" else t
        if spec.no_spaces:
            value = value.replace(" ", "")
        if spec.max_length and len(value) > spec.max_length:
            raise FieldValueError(f"{label}最多 {spec.max_length} 个字，现有 {len(value)} 个字")
        return value
    if ftype in ("integer", "decimal"):
        t = t.replace(" ", "")  # "6 000" as pasted from a printed table
    if ftype == "integer":
        try:
            number = Decimal(t.replace(",", ""))
        except InvalidOperation:
            raise FieldValueError(f"{label}应为整数，“{t}”不是数字") from None
        if not number.is_finite():  # "nan", "inf": Decimal parses them, int() and compares do not
            raise FieldValueError(f"{label}应为整数，“{t}”不是数字")
        if number != number.to_integral_value():
            raise FieldValueError(f"{label}应为整数，不能有小数")
        _check_range(spec, number)
        return int(number)
    if ftype == "decimal":
        try:
            number = Decimal(t.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise FieldValueError(f"{label}应为数字，“{t}”不是数字") from None
        if not number.is_finite():
            raise FieldValueError(f"{label}应为数字")
        _check_range(spec, number)
        return number.quantize(Decimal(1).scaleb(-spec.decimals), ROUND_HALF_UP).normalize() + 0
    if ftype == "date":
        return parse_date(t)
    if ftype == "bool":
        return parse_bool(t)
    if ftype == "code":
        if codes is None:
            return t
        item = codes.resolve(t)
        if item is None:
            raise FieldValueError(unknown_code_message(label, t, codes))
        return item.label
    if ftype == "multicode":
        parts = [p for p in re.split(r"[,，、;；\s]+", t) if p]
        out: list[str] = []
        for p in parts:
            item = codes.resolve(p) if codes else None
            if codes is not None and item is None:
                raise FieldValueError(unknown_code_message(label, p, codes))
            lab = item.label if item else p
            if lab not in out:
                out.append(lab)
        return out
    if ftype == "id_number":
        check = idnumber.check_id_on(t, date.today())
        if not check.valid:
            raise FieldValueError(check.error or "证件号码有误")
        return check.normalized
    if ftype == "phone":
        try:
            return normalize_phone(raw)
        except PhoneError as exc:
            raise FieldValueError(f"{label}{exc}") from None
    if ftype == "bank_account":
        digits = normalize_digits(raw).replace("-", "")
        if not digits.isdigit() or not 8 <= len(digits) <= 30:
            raise FieldValueError(f"{label}应为 8-30 位数字")
        return digits
    if ftype == "derived":
        return t
    raise FieldValueError(f"未知字段类型 {ftype}")


def unknown_code_message(label: str, text: str, codes: CodeList) -> str:
    """Chinese message for a text that names no item, listing the list's choices."""
    candidates = codes.candidates(text)
    if len(candidates) > 1 and not text.isdigit():
        shown = "、".join(i.label for i in candidates[:4]) + ("等" if len(candidates) > 4 else "")
        return f"{label}“{text}”可能是{shown}，请从列表中选择"
    return f"{label}“{text}”不在代码表中。可填：{codes.choices_text()}"


def _check_range(spec: FieldSpec, number: Decimal) -> None:
    if spec.min is not None and number < Decimal(str(spec.min)):
        raise FieldValueError(f"{spec.label}不能小于 {_fmt_num(spec.min)}")
    if spec.max is not None and number > Decimal(str(spec.max)):
        raise FieldValueError(f"{spec.label}不能大于 {_fmt_num(spec.max)}")


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def format_value(spec: FieldSpec, value: Value) -> str:
    """The text a clerk sees for a value (inverse of :func:`parse_value`)."""
    if value is None or value == []:
        return ""
    if isinstance(value, bool):
        return yesno.word(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(value)
    return str(value)


def format_decimal(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_store(value: Value) -> Any:
    """JSON-serialisable form for the store."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def stored_as_is(spec: FieldSpec) -> bool:
    """Whether :func:`from_store` gives a stored value (not None) back unchanged for this field."""
    return not (spec.type in ("decimal", "date", "multicode") or (spec.type == "derived" and spec.unit == "元"))


def from_store(spec: FieldSpec, raw: Any) -> Value:
    if raw is None:
        return [] if spec.type == "multicode" else None
    if spec.type == "decimal" or (spec.type == "derived" and spec.unit == "元"):
        return Decimal(str(raw))
    if spec.type == "date":
        return date.fromisoformat(raw) if isinstance(raw, str) else raw
    if spec.type == "multicode":
        return list(raw)
    return raw


def to_json(value: Value) -> Any:
    """For ``--json`` output: numbers stay numbers, dates ISO strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
