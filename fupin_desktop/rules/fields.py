"""Field-level checks derived from the form spec: required, code lists, lengths, ranges, IDs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from fupin_desktop.domain import idnumber
from fupin_desktop.domain.household import Household
from fupin_desktop.formspec import FieldSpec
from fupin_desktop.rules import FieldRef, Finding, RuleContext, finding, rule

EMPTY = (None, "", [])


def _check_value(spec: FieldSpec, value: Any, ctx: RuleContext, where: str) -> str | None:
    """The problem with one stored value, or None."""
    if value in EMPTY:
        return f"{where}“{spec.label}”未填写" if spec.required and not spec.readonly else None
    if spec.readonly:
        return None
    if spec.type in ("code", "multicode") and spec.codes and not spec.codes.startswith("@"):
        labels = ctx.spec.codes[spec.codes].labels
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in labels]
        if bad:
            return f"{where}“{spec.label}”的值“{bad[0]}”不在代码表中"
    if spec.type in ("text", "multiline") and spec.max_length and len(str(value)) > spec.max_length:
        return f"{where}“{spec.label}”超过 {spec.max_length} 个字"
    if spec.type in ("integer", "decimal") and isinstance(value, (int, Decimal)):
        if spec.min is not None and value < Decimal(str(spec.min)):
            return f"{where}“{spec.label}”不能小于 {spec.min:g}"
        if spec.max is not None and value > Decimal(str(spec.max)):
            return f"{where}“{spec.label}”不能大于 {spec.max:g}"
    if spec.type == "id_number":
        check = idnumber.check_id(str(value), today=ctx.today)
        if not check.valid:
            return f"{where}{check.error}"
    return None


@rule("F001", "error", "字段填写")
def field_values(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for spec in ctx.spec.grid_fields():
        if spec.type == "derived":
            continue
        problem = _check_value(spec, hh.fields.get(spec.id), ctx, "")
        if problem:
            yield finding(problem, FieldRef(spec.id))
    for table in ctx.spec.tables():
        rows = hh.table(table.id)
        for i, row in enumerate(rows):
            where = f"{table.title}第 {i + 1} 行"
            for spec in table.fields:
                problem = _check_value(spec, row.get(spec.id), ctx, where)
                if problem:
                    yield finding(problem, FieldRef(spec.id, table.id, i))
        if len(rows) < table.min_rows:
            yield finding(f"{table.title}至少要填 {table.min_rows} 行", FieldRef(table.fields[0].id, table.id, 0))
        if table.max_rows and len(rows) > table.max_rows:
            yield finding(f"{table.title}最多 {table.max_rows} 行", FieldRef(table.fields[0].id, table.id, 0))
