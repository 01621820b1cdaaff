"""The audit trail (操作记录) as an Excel workbook: the rows the 操作记录 view or ``fupin audit``
shows, one per line, every cell text (ID numbers in old/new values keep their digits).  Written
atomically (temp + fsync + rename); a full disk raises the usual Chinese WriteError."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from fupin_desktop import fileio
from fupin_desktop.domain.clock import local_time
from fupin_desktop.excel import saving
from fupin_desktop.excel.exporter import safe_value, text_cell

HEADERS = ("时间", "用户", "类别", "村", "户编号", "户主", "对象", "项目", "原值", "新值")


def readable(value: Any) -> str:
    """An audit value (JSON text) as the clerk reads it: ``"张三"`` → 张三, a list joined by 、."""
    if value is None:
        return ""
    try:
        decoded = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if isinstance(decoded, list):
        return "、".join(readable(json.dumps(v, ensure_ascii=False)) for v in decoded)
    if isinstance(decoded, dict):
        return "；".join(f"{k}：{readable(json.dumps(v, ensure_ascii=False))}" for k, v in decoded.items())
    if isinstance(decoded, bool):
        return "是" if decoded else "否"
    return str(decoded)


def row_cells(row: dict[str, Any], kinds: dict[str, str],
              field_title: Callable[[dict[str, Any]], str] | None = None,
              entity_title: Callable[[str], str] = str) -> list[str]:
    """The cells of one audit row; ``field_title(row)`` and ``entity_title(entity)`` name its
    field and record in the clerk's words."""
    field = field_title(row) if field_title is not None else str(row["field"] or "")
    return [local_time(row["at"], seconds=True), str(row["operator"]), kinds.get(row["kind"], row["kind"]),
            row["village"] or "", row["household_number"] or "", row["head_name"] or "",
            entity_title(str(row["entity"])),
            field, readable(row["old"]), readable(row["new"])]


def export_audit(rows: Sequence[dict[str, Any]], out: str | Path, kinds: dict[str, str],
                 field_title: Callable[[dict[str, Any]], str] | None = None,
                 entity_title: Callable[[str], str] = str) -> Path:
    out = Path(out)
    book = Workbook(write_only=True)
    ws = book.create_sheet("操作记录")
    ws.append(list(HEADERS))
    for row in rows:
        ws.append([text_cell(ws, safe_value(ws, v)) for v in row_cells(row, kinds, field_title, entity_title)])
    existed = fileio.exists(out)
    try:
        with fileio.atomic_path(out) as tmp:
            saving.save_book(book, tmp)
    except OSError as exc:
        raise fileio.write_error(out, exc, existed=existed) from exc
    return out
