"""A household as the clerk names it on the command line: its 编号 (the row id, first column of
``fupin households``) or its 户编号 (``510822105001001001``, second column).

Decided by existence, never by the look of the text (a 户编号 is digits too, and may be short):
the text names a household by id if it is a whole number in SQLite's range and a household has
that id; otherwise by 户编号.  The id wins, so every household can always be named by its id; if
the text is also another household's 户编号, a note on stderr says which one was taken.  Several
households sharing the 户编号 (and none with the id) are refused, listing their ids.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata

from fupin_desktop.commands._base import SQLITE_MAX_INT, CliError
from fupin_desktop.store import Store

#: The longest text taken (a 户编号 is at most 30 characters; an id at most 19 digits).
MAX_LENGTH = 30
HINT = "户的编号应为 fupin households 列出的第一列（编号）或第二列（户编号）"


def household_ref(text: str) -> str:
    """An argparse ``type``: the text, normalised (full-width digits, spaces around); refused if
    it cannot be either (empty, too long, inner spaces)."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value or len(value) > MAX_LENGTH or any(ch.isspace() for ch in value):
        raise argparse.ArgumentTypeError(f"{HINT}（不超过 {MAX_LENGTH} 个字符，不含空格），现为“{text[:40]}”")
    return value


def as_id(ref: str) -> int | None:
    """The row id ``ref`` could be: a whole number 1..SQLite's largest, else None."""
    if not (ref.isascii() and ref.isdigit()) or len(ref) > 19:
        return None
    value = int(ref)
    return value if 0 < value <= SQLITE_MAX_INT else None


def current_household(store: Store, ref: str) -> int:
    """The id of the current household ``ref`` names (by id or by 户编号)."""
    candidate = as_id(ref)
    by_id = candidate if candidate is not None and store.households.get(candidate) is not None else None
    by_number = store.households.ids_by_number([ref]).get(ref, [])
    found = _pick(ref, by_id, by_number)
    if found is None:
        raise CliError(f"没有编号为 {ref} 的户，也没有户编号为 {ref} 的户。{HINT}。")
    return found


def deleted_household(store: Store, ref: str) -> int | None:
    """The id of the deleted household ``ref`` names (by id or by 户编号); None if none does
    (the caller then explains, by id, why it cannot be restored)."""
    candidate = as_id(ref)
    by_id = candidate if candidate is not None and store.recycle.get(candidate) is not None else None
    by_number = [d.id for d in store.recycle.list() if d.number == ref]
    return _pick(ref, by_id, by_number)


def _pick(ref: str, by_id: int | None, by_number: list[int]) -> int | None:
    if by_id is not None:
        others = [i for i in by_number if i != by_id]
        if others:
            print(f"注意：“{ref}”按编号取编号为 {by_id} 的户；户编号为 {ref} 的是编号 "
                  f"{'、'.join(map(str, others))} 的户。", file=sys.stderr)
        return by_id
    if len(by_number) > 1:
        raise CliError(f"户编号为 {ref} 的户不止一户（编号 {'、'.join(map(str, by_number))}）。"
                       "请改用 fupin households 第一列的编号指明是哪一户。")
    return by_number[0] if by_number else None
