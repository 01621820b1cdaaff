"""JSON for the bulk paths (export, the county import, JSON from outside through
:func:`fileio.loads_json`): orjson where it gives exactly what the standard library gives, the
standard library where it would not.

orjson parses and writes JSON several times faster than :mod:`json`, but not always the same way:
it parses an integer beyond 64 bits as a float (a lossy change nobody would notice), refuses
``NaN`` and lone surrogates, and refuses to write an integer beyond 64 bits.  :func:`loads` hands
any text that holds a run of 19 or more digits, or that orjson refuses, to :func:`json.loads`, so
its result is always :func:`json.loads`'s (and its errors are ``ValueError``\\ s like those).
:func:`dumps_line` writes the same JSON value :func:`json.dumps` with sorted keys and compact
separators writes (exponents may be spelt ``1e-7`` instead of ``1e-07``; NaN and ±Infinity, which
JSON cannot hold and only json's lenient reading lets in, are written ``null``).

:func:`canonical_bytes` is byte for byte what ``json.dumps(value, ensure_ascii=False, sort_keys=True,
separators=(",", ":")).encode()`` gives (bytes that are hashed and compared, such as bundle hashes):
orjson's when the value holds no float (the two spell some floats differently), json's otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: An integer orjson would read as a float has 19 digits or more (2**63 has 19).  Digits are
#: folded to ``0`` and each run of 19 looked at (C speed); most such runs sit inside strings
#: (户编号, bank accounts), recognisable by the byte before them.
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_RUN = b"0" * 19
_BEFORE_NUMBER = frozenset(b" \t\r\n:,[-")
_SORTED = orjson.OPT_SORT_KEYS


def loads(text: str | bytes) -> Any:
    """:func:`json.loads`, faster: the same value or the same ``ValueError`` (UTF-8 bytes are faster than str)."""
    if isinstance(text, str):
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: only the standard library reads it
            return json.loads(text)
    else:
        raw = text
    if not _long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # NaN, a lone surrogate escape, UTF-16...: the standard library decides (and words the error)
    return json.loads(text)


def _long_number(raw: bytes) -> bool:
    """Whether ``raw`` may hold a number token of 19 digits or more (never a false no)."""
    folded = raw.translate(_DIGITS)
    at = folded.find(_RUN)
    while at >= 0:
        # The run starts here (a digit before it would have matched earlier).  A number token
        # follows whitespace, ``:``, ``,``, ``[`` or a minus sign; anything else is inside a string.
        if at == 0 or folded[at - 1] in _BEFORE_NUMBER:
            return True
        at = folded.find(_RUN, at + len(_RUN))
    return False


def dumps_line(value: Any) -> bytes:
    """``value`` as one line of UTF-8 JSON: sorted keys, no spaces, non-ASCII as is, ``\\n`` at the end."""
    try:
        # (+ b"\n", not OPT_APPEND_NEWLINE: a new bytes of the exact size.  orjson's own result keeps
        # its whole output buffer, 4 KB at least, and callers hold thousands of lines at a time.)
        return orjson.dumps(value, option=_SORTED) + b"\n"
    except TypeError:  # an integer beyond 64 bits, a key that is not a string...
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of ``value`` (sorted keys, no spaces, UTF-8), exactly as :mod:`json` writes it."""
    if _floatless(value):
        try:
            return orjson.dumps(value, option=_SORTED)
        except TypeError:
            pass  # an integer beyond 64 bits, a key that is not a string
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


_SCALARS = frozenset({str, int, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})


def _floatless(value: Any) -> bool:
    """Whether ``value`` holds only strings, integers, flags and nulls in dicts and lists (no float,
    whose spelling differs between the two libraries, and nothing else either)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind not in _CONTAINERS:
        return False
    for item in (value.values() if kind is dict else value):
        kind = type(item)
        if kind not in _SCALARS and (kind not in _CONTAINERS or not _floatless(item)):
            return False
    return True


def dumps(value: Any) -> str:
    """``value`` as JSON text (sorted keys, no spaces, non-ASCII as is): :func:`dumps_line` without the newline."""
    try:
        return orjson.dumps(value, option=_SORTED).decode("utf-8")
    except TypeError:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
