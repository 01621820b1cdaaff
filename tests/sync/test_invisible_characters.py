"""A township batch whose names and notes hold invisible characters: a real export and a real
county import (real keys, real files); the county stores the cleaned text and says so."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_desktop.formspec import load_form
from fupin_desktop.sync.clean import clean_bundle, plain_entry
from fupin_desktop.sync.county_import import import_bytes
from fupin_desktop.sync.format import dumps_line as json_line
from tests.sync.world import World, export, import_, unlock

RLO, TAG_A = "\u202e", "\U000e0041"
SPEC = load_form("household")


def test_the_county_import_removes_invisible_characters_and_reports_them(world: World) -> None:
    town = world.town
    hh = town.households.get(world.saved["town"][0])
    assert hh is not None
    head = hh.members[0]
    clean_name = str(head.get("name"))
    # What an older program (or text pasted anywhere) could have stored at the township.
    head.fields["name"] = f"{RLO}{clean_name}\x00{TAG_A}"
    hh.fields["cause_note"] = "第一行\n第二行\u200b\t尾"
    town.households.save(hh, "测试")
    number = str(hh.fields["number"])

    batch = export(town, world.stick)
    [result] = import_(world.county, batch.batch)
    assert result.status == "imported", result.message

    stored = world.county.households.get(world.county.households.id_for_uuid(hh.uuid))
    assert stored is not None
    assert stored.members[0].get("name") == clean_name  # never shown reversed at the county
    assert stored.head_name == clean_name
    assert stored.fields["cause_note"] == "第一行\n第二行\t尾"  # a note keeps its lines and tabs
    assert result.merge["cleaned"] == 1
    [cleaned] = result.cleaned
    assert cleaned["number"] == number and cleaned["household_uuid"] == hh.uuid
    assert set(cleaned["characters"]) == {"U+202E", "U+0000", "U+E0041", "U+200B"}
    assert any("姓名" in f for f in cleaned["fields"]) and any("致贫原因说明" in f for f in cleaned["fields"])
    assert "不可见控制字符" in result.message and number in result.message
    assert result.to_json()["cleaned"] == result.cleaned

    # The same batch again is the same batch (answered from the log), and nothing is in conflict.
    [again] = import_(world.county, batch.batch)
    assert again.status == "already-imported" and again.conflicts == []


def test_a_clean_batch_reports_nothing_cleaned(world: World) -> None:
    batch = export(world.town, world.stick)
    result = import_bytes(world.county, Path(batch.batch).read_bytes(), county=unlock(world.county))
    assert result.status == "imported" and result.cleaned == [] and "cleaned" not in result.merge


# -- the entry-wide pre-check -------------------------------------------------------------------------
_TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["张三", "a\nb", "a\tb", 'say "x"', "C:\\dir", "\\n", "\u200b", "\u202e名", "a\r\nb", "\x7f", "\u3000", "\U000e0041"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "uuid": st.just("u"), "number": _TEXT, "head_name": _TEXT,
    "fields": st.dictionaries(st.sampled_from(["note", "phone", "village"]), _TEXT, max_size=3),
    "members": st.lists(st.fixed_dictionaries({"name": _TEXT, "fields": st.dictionaries(st.just("note"), _TEXT)}),
                        max_size=3),
}), min_size=1, max_size=4))
def test_a_plain_entry_is_one_clean_bundle_would_not_change(bundles: list[dict[str, Any]]) -> None:
    """When ``plain_entry`` says so, cleaning value by value finds nothing and changes nothing."""
    raw = b"".join(json_line(b) for b in bundles)
    if plain_entry(raw):
        for b in copy.deepcopy(bundles):
            before = copy.deepcopy(b)
            assert clean_bundle(b, SPEC) is None and b == before


def test_plain_entry_looks_past_its_escapes() -> None:
    assert plain_entry(json_line({"note": '第一行\n第二行\t"引号"\\'}) * 3)
    for value in ("\u200b", "\r", "\x01", "\u202e", "\u2028"):
        assert not plain_entry(json_line({"note": f"张{value}三"}))
    assert plain_entry(json_line({"note": "\\u200b"}))  # a backslash and five letters: nothing invisible
    assert not plain_entry(json.dumps({"note": "张\u200b"}, ensure_ascii=True).encode())  # escaped: look closer
    assert not plain_entry(b"\xff\xfe")
