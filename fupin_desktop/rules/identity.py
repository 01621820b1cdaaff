"""Identity and contact checks of the national system (NATIONAL.md §3 "Identity", "Ranges").

* K001: the 证件类型 must agree with the number's length (18 居民身份证, 20 残疾人证).
* K002: the address code (first 6 digits) should be a GB/T 2260 code of some edition since
  1980; old IDs keep old codes, and the list may lack a recent one, so this is a warning.
* T001: a phone must be in its stored form (a mobile: 11 digits), and the national system wants
  户联系电话 with 11 digits: a local number without its area code is a warning.

Placeholder numbers and bad check characters, categories or grades are the field check's
(F001, through ``idnumber.check_id``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.idnumber import DISABILITY_CARD_TYPES, ID_CARD, address_warning, id_type_for
from fupin_desktop.domain.phone import PhoneError, is_national_length, normalize_phone
from fupin_desktop.rules import FieldRef, Finding, RuleContext, check_id, finding, rule
from fupin_desktop.rules.members import who

#: 证件类型 whose number is the holder's ID number (18 characters, or 20 for a 残疾人证).
_ID_TYPES = frozenset({ID_CARD, *DISABILITY_CARD_TYPES})


@rule("K001", "error", "证件类型与证件号码位数不符")
def id_type_matches_length(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        number, kind = str(m.get("id_number") or ""), m.get("id_type")
        says = id_type_for(number) if number else None
        if not says or not kind:
            continue  # F001 reports a missing type or number, or a number of a wrong length
        refs = (FieldRef("id_type", "members", i),)
        if says != ID_CARD and kind not in DISABILITY_CARD_TYPES:
            yield finding(f"{who(m, i)}的证件号码有20位（残疾人证号码），证件类型却是“{kind}”。"
                          "请把证件类型改为“残疾人证”，或核对证件号码", *refs)
        elif says == ID_CARD and kind in DISABILITY_CARD_TYPES:
            yield finding(f"{who(m, i)}的证件类型是“{kind}”，证件号码却只有{len(number)}位。残疾人证号码为20位："
                          "身份证号码后加残疾类别、残疾等级两位数字。请补全号码，或把证件类型改为“居民身份证”", *refs)


@rule("K002", "warning", "证件号码地址码不在行政区划代码中")
def address_code_is_known(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        number = str(m.get("id_number") or "")
        if not number or m.get("id_type") not in (None, *_ID_TYPES) or not check_id(number, ctx.today).valid:
            continue
        warning = address_warning(number)
        if warning:
            yield finding(f"{who(m, i)}：{warning}", FieldRef("id_number", "members", i))


@rule("T001", "warning", "联系电话不是11位")
def phones_in_national_form(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for spec in ctx.spec.grid_fields():
        if spec.type == "phone" and hh.fields.get(spec.id):
            yield from _phone(str(hh.fields[spec.id]), spec.label, FieldRef(spec.id), national=spec.id == "phone")
    for table in ctx.spec.tables():
        for spec in (f for f in table.fields if f.type == "phone"):
            for i, row in enumerate(hh.table(table.id)):
                if row.get(spec.id):
                    name = row.get("name") or f"第 {i + 1} 行"
                    yield from _phone(str(row.get(spec.id)), f"{table.title}{name}的{spec.label}",
                                      FieldRef(spec.id, table.id, i), national=False)


def _phone(value: str, label: str, ref: FieldRef, *, national: bool) -> Iterator[Finding]:
    try:
        stored = normalize_phone(value)
    except PhoneError as exc:
        yield Finding("T001", "error", f"{label}{exc}", (ref,))
        return
    if stored != value:
        yield finding(f"{label}“{value}”应写作“{stored}”，请在户档案中改正", ref)
    elif national and not is_national_length(stored):
        yield finding(f"{label}“{stored}”没有区号，国家系统要求户联系电话为11位：手机填11位号码，"
                      "座机请加区号（如 0839-1234567）", ref)
