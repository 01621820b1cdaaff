"""What an import changes in a stored household, and re-applying it to a newer revision.

An import stages each matched household on the revision it read, and writes later.  If
the clerk saved that household meanwhile (another window, another program), the import
must not overwrite the clerk's edit:

* :func:`changes` lists what differs between two versions of a household, field by field
  (grid fields, and each repeating row's fields by the row's uuid; derived fields such as
  家庭人口 or 人均纯收入 are recomputed, never compared);
* :func:`reapply` puts the import's changes onto the fresh revision when the clerk's edit
  touched other fields, and otherwise names the fields both changed (a conflict);
* :func:`same_content` tells an import that changes nothing (reported as 未变化, not saved).

Pure Python, no Qt, no store.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fupin_desktop.domain.household import TABLES, Household

#: Computed from the rest by ``Household.refresh_derived``: never a change of their own.
DERIVED = frozenset({"head_name", "head_id_number", "size", "transfer_income", "total_income",
                     "net_income", "per_capita_income"})
_MISSING = object()
#: A change key: ("field", field_id), ("row", table, uuid) for a row added or removed, or
#: ("cell", table, uuid, field_id).
Key = tuple[str, ...]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _content(hh: Household) -> dict[Key, Any]:
    out: dict[Key, Any] = {("field", k): v for k, v in hh.fields.items() if k not in DERIVED and not _empty(v)}
    for table in TABLES:
        for row in hh.table(table):
            out[("row", table, row.uuid)] = True
            out.update({("cell", table, row.uuid, k): v for k, v in row.fields.items() if not _empty(v)})
    return out


def changes(before: Household, after: Household) -> dict[Key, Any]:
    """Key -> the new value (``_MISSING`` when removed) of everything that differs."""
    old, new = _content(before), _content(after)
    return {k: new.get(k, _MISSING) for k in old.keys() | new.keys() if old.get(k, _MISSING) != new.get(k, _MISSING)}


def same_content(before: Household, after: Household) -> bool:
    return not changes(before, after)


def conflicts(stored: Household, staged: Household, fresh: Household | None) -> list[Key]:
    """What both the import (stored -> staged) and the clerk (stored -> fresh) changed."""
    if fresh is None:
        return [("household",)]
    ours, theirs = changes(stored, staged), changes(stored, fresh)
    clash = [k for k in ours if k in theirs and ours[k] != theirs[k]]
    fresh_rows = {(t, r.uuid) for t in TABLES for r in fresh.table(t)}
    touched_rows = {(k[1], k[2]) for k in ours if k[0] == "cell"}
    clash += [("row", t, u) for t, u in touched_rows if (t, u) not in fresh_rows
              and ("row", t, u) not in ours]  # a row the clerk removed that the import updates
    for table in TABLES:  # rows added on one side while the other changed the same table's rows
        ours_add = any(k[0] == "row" and k[1] == table for k in ours)
        theirs_any = any(k[0] in ("row", "cell") and k[1] == table for k in theirs)
        theirs_add = any(k[0] == "row" and k[1] == table for k in theirs)
        ours_any = any(k[0] in ("row", "cell") and k[1] == table for k in ours)
        if (ours_add and theirs_any) or (theirs_add and ours_any):
            clash.append(("table", table))
    return list(dict.fromkeys(clash))


def reapply(stored: Household, staged: Household, fresh: Household, sources: Mapping[str, str]) -> Household:
    """``fresh`` (a copy) with the import's changes made on top; call after :func:`conflicts` is empty.
    ``sources``: the form's derived fields, computed again."""
    merged = copy.deepcopy(fresh)
    rows = {(t, r.uuid): r for t in TABLES for r in merged.table(t)}
    staged_rows = {(t, r.uuid): r for t in TABLES for r in staged.table(t)}
    for key, value in changes(stored, staged).items():
        if key[0] == "field":
            _set(merged.fields, key[1], value)
        elif key[0] == "row" and value is not _MISSING and (key[1], key[2]) not in rows:
            row = copy.deepcopy(staged_rows[(key[1], key[2])])
            row.id, row.revision = None, 0
            merged.table(key[1]).append(row)
            rows[(key[1], key[2])] = row
    for key, value in changes(stored, staged).items():
        if key[0] == "cell" and (key[1], key[2]) in rows:
            _set(rows[(key[1], key[2])].fields, key[3], value)
    merged.refresh_derived(sources)
    return merged


def _set(fields: dict[str, Any], key: str, value: Any) -> None:
    if value is _MISSING:
        fields.pop(key, None)
    else:
        fields[key] = value


def describe(keys: list[Key], labels: dict[str, str], table_titles: dict[str, str]) -> str:
    """The fields of a conflict in the clerk's words (labels, never a person's name)."""
    words: list[str] = []
    for key in keys:
        if key[0] == "field":
            words.append(labels.get(key[1], key[1]))
        elif key[0] == "household":
            words.append("整户（已被删除）")
        else:
            words.append(table_titles.get(key[1], key[1]))
    return "、".join(dict.fromkeys(words))

