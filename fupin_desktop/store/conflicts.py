"""What changed in a household elsewhere since a form loaded it, read from the audit trail.

Two windows (or two computers, or a window and an Excel import or a ``fupin`` command) may have
the same household open.  The save that comes second is refused (:class:`ConcurrentEdit`), and
its message names what the first one changed, by whom and when (local time): the clerk can
then look at it and decide, never losing either side's typing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import audit
from fupin_desktop.store.database import Database, StoreError

#: At most this many saves are listed (the newest); the rest are counted.
SHOWN = 5
_ACTIONS = {"create": "新增", "update": "修改", "delete": "删除"}


@dataclass(frozen=True)
class ChangeSet:
    """One save made elsewhere: when (ISO), by whom, and what it changed, in the clerk's words."""

    at: str
    operator: str
    what: tuple[str, ...]

    @property
    def local_time(self) -> str:
        return local_time(self.at)


class ConcurrentEdit(StoreError):
    """The stored household moved since the form loaded it; nothing was written.

    ``changes``: the saves made meanwhile (oldest first); ``deleted``: one of them deleted it."""

    def __init__(self, message: str, changes: list[ChangeSet] | None = None, *, deleted: bool = False) -> None:
        super().__init__(message)
        self.changes = changes or []
        self.deleted = deleted


def local_time(iso: str) -> str:
    """A stored time (UTC with offset) in the clerk's local time, ``YYYY-MM-DD HH:MM``."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso or "（时间不详）"


def changes_since(db: Database, spec: FormSpec, household_uuid: str, after: str | None) -> list[ChangeSet]:
    """The saves of ``household_uuid`` after ``after`` (the ``updated_at`` the form loaded)."""
    rows = audit.since(db, household_uuid, after or "")
    saves: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        saves.setdefault((row["at"], row["operator"] or ""), []).append(row)
    return [ChangeSet(at=at, operator=operator, what=_what(spec, items)) for (at, operator), items in saves.items()]


def _what(spec: FormSpec, rows: list[dict[str, Any]]) -> tuple[str, ...]:
    fields: list[str] = []
    tables: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    out: list[str] = []
    for row in rows:
        entity, field, action = row["entity"], row["field"], row["action"]
        if entity == "household":
            if action == "delete":
                out.append("删除了这一户")
            elif action == "create":
                out.append("重新建立了这一户")
            elif field == "sync":
                out.append("从县乡数据交换导入了新版本")
            elif field:
                label = _label(spec, field)
                if label not in fields:
                    fields.append(label)
        else:
            tables[entity][_ACTIONS.get(action, "修改")].add(row["entity_uuid"])
    if fields:
        out.insert(0, "修改了 " + "、".join(fields))
    for table, actions in tables.items():
        counts = "、".join(f"{verb} {len(actions[verb])} 行" for verb in ("新增", "修改", "删除") if actions.get(verb))
        out.append(f"{_table_title(spec, table)}（{counts}）")
    return tuple(out) or ("修改了这一户",)


def _label(spec: FormSpec, field_id: str) -> str:
    try:
        return spec.field(field_id).label
    except KeyError:
        return field_id


def _table_title(spec: FormSpec, table_id: str) -> str:
    try:
        return spec.table(table_id).title or table_id
    except KeyError:
        return table_id


def refused(changes: list[ChangeSet]) -> ConcurrentEdit:
    """The refusal of a save over a household that moved, naming what moved it."""
    deleted = any("删除了这一户" in c.what for c in changes)
    lines = [f"· {c.local_time} {c.operator or '（录入员不详）'}：{'；'.join(c.what)}" for c in changes[-SHOWN:]]
    if len(changes) > SHOWN:
        lines.insert(0, f"· ……（更早还有 {len(changes) - SHOWN} 次修改）")
    if not lines:
        lines = ["· （修改记录中没有找到细节）"]
    return ConcurrentEdit(
        "这一户在您打开之后已在别处被修改（另一个窗口、另一台电脑上的本程序、导入或命令行），"
        "为了不覆盖那边的修改，这次没有保存。请重新打开这一户，看过那边的修改后再改。\n\n别处的修改：\n"
        + "\n".join(lines),
        changes, deleted=deleted)
