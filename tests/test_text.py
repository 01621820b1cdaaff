"""Invisible characters in text (domain/text.py): what counts, what is kept, what is said."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from fupin_desktop.domain.text import (
    clean_multiline,
    describe_invisible,
    invisible_in,
    normalize_digits,
    normalize_text,
    pinyin_sort_key,
    strip_invisible,
)


def test_every_control_format_and_surrogate_character_counts_as_invisible() -> None:
    """The hand-written class covers the running Python's Unicode data (a new Cf would fail here)."""
    missing = [f"U+{cp:04X}" for cp in range(sys.maxunicode + 1)
               if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs")
               and strip_invisible(chr(cp), multiline=True) not in ("", "\t", "\n")]
    assert missing == []


def test_no_invisible_character_is_printable() -> None:
    """``invisible_in`` and ``strip_invisible`` skip printable text (the fast path of imports):
    every character the class names must be one ``str.isprintable`` refuses."""
    import re

    from fupin_desktop.domain.text import INVISIBLE_CLASS, to_halfwidth

    pattern = re.compile(f"[{INVISIBLE_CLASS}]")
    printable = [f"U+{cp:04X}" for cp in range(sys.maxunicode + 1)
                 if pattern.match(chr(cp)) and chr(cp).isprintable()]
    assert printable == []
    assert to_halfwidth("０８３９－１２３４５６７\u3000ＡＢｃ，张三·𠮷") == "0839-1234567 ABc，张三·𠮷"


@pytest.mark.parametrize("ch", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200f", "\u2060", "\u206f",
                                "\ufeff", "\x00", "\x1b", "\x7f", "\x9f", "\U000e0001", "\U000e0041", "\U000e007f",
                                "\U000e0000", "\u00ad", "\u061c"])
def test_a_name_loses_the_character_and_says_which(ch: str) -> None:
    assert normalize_text(f"张{ch}三") == "张三"
    assert invisible_in(f"张{ch}三") == [f"U+{ord(ch):04X}"]


def test_private_use_rare_characters_and_variation_selectors_are_kept() -> None:
    for name in ("王\ue000英", "𠮷祥", "阿依古丽·买买提", "葛\U000e0100", "邓\ufe00"):
        assert normalize_text(name) == name and invisible_in(name) == []


def test_whitespace_controls_become_a_space_in_one_line_text() -> None:
    assert normalize_text("张\t三\n丰\x1f") == "张 三 丰"
    assert invisible_in("张\t三\n") == []


def test_a_note_keeps_its_lines_and_tabs() -> None:
    note = "第一行\r\n第二行\u202e\x07\t尾\r末"
    assert clean_multiline(note) == "第一行\n第二行\t尾\n末"
    assert invisible_in(note, multiline=True) == ["U+202E", "U+0007"]


def test_id_numbers_and_sort_keys() -> None:
    assert normalize_digits("5108\u200b2219\x00680315\u202e0011") == "510822196803150011"
    assert pinyin_sort_key(normalize_text("\u202e张三")) == pinyin_sort_key("张三")


def test_the_clerk_is_told_in_words() -> None:
    assert describe_invisible(["U+202E"]) == "不可见的控制字符（U+202E）"
    assert describe_invisible(["U+0000", "U+0001", "U+0002", "U+0003"]).endswith("U+0002等）")
