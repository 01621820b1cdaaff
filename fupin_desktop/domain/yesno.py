"""The 是/否 words, read from ``forms/yes_no.toml`` (the one place they are declared).

:func:`word` is what the program writes for a yes/no value; :data:`TYPED` the words read as an
answer wherever a clerk types one; :data:`IMPORTED` those plus the roster words an Excel import
accepts.  Keys are normalised (full-width folded) and lower-cased, as the readers compare them.
"""

from __future__ import annotations

import tomllib
import unicodedata
from typing import Any

from fupin_desktop.paths import FORMS_DIR

YES_NO_FILE = FORMS_DIR / "yes_no.toml"


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _load() -> dict[str, Any]:
    with open(YES_NO_FILE, "rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    return data


_DATA = _load()
YES: str = _DATA["yes"]["label"]
NO: str = _DATA["no"]["label"]
#: Word -> answer, for typing (editor, command line).
TYPED: dict[str, bool] = {_key(w): answer for answer, side in ((True, "yes"), (False, "no"))
                          for w in [_DATA[side]["label"], *_DATA[side]["typed"]]}
#: Word -> answer, for an Excel import (the typed words and the rosters' own).
IMPORTED: dict[str, bool] = TYPED | {_key(w): answer for answer, side in ((True, "yes"), (False, "no"))
                                     for w in _DATA[side]["imported"]}


def word(value: bool) -> str:
    """是 or 否."""
    return YES if value else NO


__all__ = ["IMPORTED", "NO", "TYPED", "YES", "word"]
