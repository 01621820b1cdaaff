"""fastjson gives exactly what the standard library's json gives (values and refusals), faster."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_desktop import fastjson

# JSON values with what trips a fast parser: integers beyond 64 bits, long digit runs inside
# strings (户编号, bank accounts), every kind of character, floats of every size.
_LEAVES = (
    st.none() | st.booleans()
    | st.integers() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text() | st.from_regex(r"\A[a-z\-: ]{0,3}[0-9]{17,25}[a-z]{0,2}\Z")
)
_VALUES = st.recursive(
    _LEAVES, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict | list):
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return type(a) is type(b) and a == b


@settings(max_examples=400, deadline=None)
@given(_VALUES, st.booleans(), st.booleans())
def test_loads_gives_the_standard_librarys_value(value: Any, compact: bool, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else None)
    got = fastjson.loads(text.encode("utf-8") if as_bytes else text)
    assert _same(got, json.loads(text))


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_dumps_line_is_the_canonical_value_on_one_line(value: Any) -> None:
    line = fastjson.dumps_line(value)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert _same(json.loads(line), value)
    assert _same(json.loads(fastjson.dumps(value)), value)


@pytest.mark.parametrize("text", [
    "123456789012345678901234567890", '{"a": -9223372036854775809}', "[1,18446744073709551616]",
    '  \n 12345678901234567890', '{"a":"x12345678901234567890","b":[1,\t-123456789012345678901]}',
    "1e400", "NaN", '[-Infinity]', '"\\ud800"', '{"a":1,"a":2}',
])
def test_the_cases_a_fast_parser_reads_otherwise(text: str) -> None:
    assert _same(fastjson.loads(text), json.loads(text))
    assert _same(fastjson.loads(text.encode("utf-8")), json.loads(text.encode("utf-8")))


@pytest.mark.parametrize("text", ["", "{", '{"a":}', "[1,]", "'a'", '{"a":1}x', b"\xff\xfe{}", "\x00"])
def test_what_json_refuses_fastjson_refuses(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        fastjson.loads(text)


def test_big_integers_and_odd_keys_are_written_like_json() -> None:
    value = {"n": 2 ** 80, "m": -(2 ** 70)}
    assert fastjson.dumps_line(value) == b'{"m":-1180591620717411303424,"n":1208925819614629174706176}\n'
    assert fastjson.dumps({1: "a", 2: [1.5, "中文"]}) == '{"1":"a","2":[1.5,"中文"]}'
    assert fastjson.loads("\ufeff[1]".encode("utf-8")) == [1]  # a byte-order mark, as json reads bytes
    assert fastjson.dumps({"b": "中", "a": "\x00"}) == '{"a":"\\u0000","b":"中"}'


@settings(max_examples=600, deadline=None)
@given(_VALUES | st.lists(st.floats(allow_nan=False, allow_infinity=False)))
def test_canonical_bytes_are_jsons_bytes(value: Any) -> None:
    assert fastjson.canonical_bytes(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("value", [
    [1e-05], [2.5e-07], [1e16], [1e22], {"a": -0.0}, {"k": "a:1.5", "n": 0.00001}, [123456789012345.6],
    {"s": "123456789012345678901234567890.5"}, [5e-324], [1.7976931348623157e308],
])
def test_canonical_bytes_of_floats(value: Any) -> None:
    assert fastjson.canonical_bytes(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
