"""Two windows, one household: a save refused because the household moved elsewhere.

The store refuses the second save (:class:`~fupin_desktop.store.ConcurrentEdit`, naming what
changed, by whom, when).  The editor keeps the clerk's typing as a draft first, then offers:

- **重新载入** -- load what is stored now and put the clerk's own changes back on top of it
  (a three-way merge against the version the form had loaded): a field or a row (known by its
  uuid) only the clerk changed, added or deleted takes the clerk's version, one only the other
  side changed keeps theirs.  Where both changed the same field or row the form shows the other
  side's and lists it with the clerk's value; the draft keeps the clerk's typing until the next
  save.  Nothing is saved until the clerk presses Ctrl+S again.
- **留在这里** -- nothing changes: the typing stays in the window and in the draft.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from fupin_desktop.domain.household import TABLES, Household, Row
from fupin_desktop.formspec import FormSpec

RELOAD = "重新载入（看别处的修改，再补上我的修改）"
STAY = "留在这里"


@dataclass
class Merge:
    """What the clerk's changes became on top of the stored household."""

    household: Household
    applied: list[str] = field(default_factory=list)  # labels of the clerk's changes put back
    both: list[str] = field(default_factory=list)  # changed on both sides: the other side's shown


def _empty(value: Any) -> Any:
    return None if value in (None, "", []) else value


def _fields(row: Row) -> dict[str, Any]:
    return {k: v for k, v in row.fields.items() if _empty(v) is not None}


def merge(spec: FormSpec, base: Household, mine: Household, theirs: Household) -> Merge:
    """The stored household ``theirs`` with the changes ``mine`` made to ``base`` put back."""
    merged = copy.deepcopy(theirs)
    out = Merge(merged)
    for f in spec.grid_fields():
        if f.type == "derived":
            continue
        old, new, other = (_empty(h.fields.get(f.id)) for h in (base, mine, theirs))
        if new == old:
            continue
        if other in (old, new):
            merged.fields[f.id] = mine.fields.get(f.id)
            out.applied.append(f.label)
        else:
            out.both.append(f"{f.label}（您录入的是“{_shown(new)}”）")
    for table in TABLES:
        _merge_rows(spec, table, base, mine, merged, out)
    merged.refresh_derived(spec.derived_sources())
    return out


def _merge_rows(spec: FormSpec, table: str, base: Household, mine: Household, merged: Household,
                out: Merge) -> None:
    """Row by row (rows are known by their uuid): a row only the clerk added, changed or deleted
    is put back; a row both sides changed keeps the other side's and is listed."""
    title = _title(spec, table)
    old = {r.uuid: _fields(r) for r in base.table(table)}
    new = {r.uuid: r for r in mine.table(table)}
    rows = merged.table(table)
    other = {r.uuid: i for i, r in enumerate(rows)}
    changed = False
    for uuid in list(old) + [u for u in new if u not in old]:
        before, after = old.get(uuid), new.get(uuid)
        after_fields = _fields(after) if after is not None else None
        if after_fields == before:
            continue
        at = other.get(uuid)
        theirs = _fields(rows[at]) if at is not None else None
        if theirs == after_fields:
            continue  # both sides did the same
        if theirs != before:  # both sides changed this row differently: theirs is shown
            shown = after_fields or before or {}
            first = shown.get("name") or next(iter(shown.values()), "")  # a member's name, else the first cell
            out.both.append(f"{title}中的一行（您录入的是“{_shown(first)}”等）")
            continue
        changed = True
        if after is None:
            rows[at] = None  # type: ignore[call-overload]
        elif at is None:
            rows.append(copy.deepcopy(after))
        else:
            rows[at] = copy.deepcopy(after)
    rows[:] = [r for r in rows if r is not None]
    if changed:
        out.applied.append(title)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def _title(spec: FormSpec, table: str) -> str:
    try:
        return spec.table(table).title or table
    except KeyError:
        return table


def ask(parent: QWidget, message: str, kept: str, *, deleted: bool) -> bool:
    """Show the refusal; True if the clerk chose 重新载入."""
    box = QMessageBox(QMessageBox.Icon.Warning, "这一户已在别处被修改", message, parent=parent)
    box.setObjectName("concurrent_edit")
    if deleted:
        box.setInformativeText(f"{kept}\n这一户已被删除，不能再保存到它上面；录入的内容留在这个窗口和草稿中。")
        box.addButton(STAY, QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return False
    box.setInformativeText(
        f"{kept}\n\n“重新载入”：显示别处修改后的内容，并把您改过的项目补上去（两边都改过的项目会列出来），"
        "看过后再按 Ctrl+S 保存。\n“留在这里”：什么也不变。")
    reload = box.addButton(RELOAD, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(STAY, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(reload)
    box.exec()
    return box.clickedButton() is reload
