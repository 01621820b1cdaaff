"""Invisible characters in a received household bundle: removed, and said in the batch report.

A township running an older program (or a file whose text came from anywhere) may send
names, ID numbers or notes holding control characters, bidi overrides (U+202E shows a name
reversed), zero-width or tag characters.  The county import removes them from every text
value of a bundle before checking and merging it, so what is stored, checked and hashed is
the cleaned household, and lists each cleaned household (户编号, the fields, the characters)
in the batch result.  What counts as invisible is :mod:`fupin_desktop.domain.text`'s rule,
the same as in the form and the Excel import; tabs and line breaks stay (a note keeps them).

Most entries hold no such character at all: :func:`plain_entry` says so from the entry's JSON
text in one pass, and the county import then skips walking its bundles value by value.

Pure Python, no Qt.
"""

from __future__ import annotations

import re
from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.text import invisible_in, strip_invisible
from fupin_desktop.formspec import FormSpec

#: Text keys of a bundle (and of a member row) outside its ``fields``.
_TOP_TEXT = ("number", "group_name", "head_name", "head_id_number")
_MEMBER_TEXT = ("name", "id_number", "relation")


_ESCAPE = re.compile(rb"\\(.)", re.S)  # a JSON escape: the backslash and the character after it


def plain_entry(raw: bytes) -> bool:
    """True if no text value of this JSON-lines entry can hold an invisible character: its only
    escapes are ``\\"``, ``\\\\``, ``\\n`` and ``\\t`` (which clean_bundle keeps) and every line is
    printable.  False means: look value by value.  Line by line, so the entry is not copied again."""
    if any(m[1] not in b'\\"nt' for m in _ESCAPE.finditer(raw)):  # (a backslash byte is never inside
        return False                                                 # a UTF-8 sequence)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        if not text[start:end].isprintable():
            return False
        start = end + 1
    return True


def clean_bundle(bundle: dict[str, Any], spec: FormSpec) -> dict[str, Any] | None:
    """Remove invisible characters from ``bundle`` in place; what was cleaned, for the report, or None."""
    found: dict[str, None] = {}
    where: dict[str, None] = {}

    def clean(holder: dict[str, Any], key: str, label: str, title: str = "") -> None:
        """``label`` (after ``title·``, when given) names the field in the report, if anything is found."""
        value = holder.get(key)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and (chars := invisible_in(item, multiline=True)):
                    value[i] = strip_invisible(item, multiline=True)
                    found.update(dict.fromkeys(chars))
                    where[f"{title}·{label}" if title else label] = None
        elif isinstance(value, str) and (chars := invisible_in(value, multiline=True)):
            holder[key] = strip_invisible(value, multiline=True)
            found.update(dict.fromkeys(chars))
            where[f"{title}·{label}" if title else label] = None

    grid = {f.id: f.label for f in spec.grid_fields()}
    for key in _TOP_TEXT:
        clean(bundle, key, grid.get(key.removesuffix("_name") if key == "group_name" else key, key))
    fields = bundle.get("fields")
    if isinstance(fields, dict):
        for key in list(fields):
            clean(fields, key, grid.get(key, key))
    for table in TABLES:
        columns = {f.id: f.label for f in spec.table(table).fields}
        title = spec.table(table).title
        for row in bundle.get(table) or []:
            if not isinstance(row, dict):
                continue
            for key in _MEMBER_TEXT if table == "members" else ():
                clean(row, key, columns.get(key, key), title)
            if isinstance(row.get("fields"), dict):
                for key in list(row["fields"]):
                    clean(row["fields"], key, columns.get(key, key), title)
    if not found:
        return None
    return {"household_uuid": bundle.get("uuid"), "number": str(bundle.get("number") or ""),
            "fields": list(where), "characters": list(found)}
