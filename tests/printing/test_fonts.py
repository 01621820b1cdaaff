"""Fonts: per-character fallback for rare characters, missing characters reported, choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_desktop.printing import fonts as fonts_mod
from fupin_desktop.printing.fonts import MISSING_MARK, FontError, MissingChars, find_font, font_set

TANGUT = "\U00017000"  # in no bundled font


def test_every_bundled_font_has_its_licence_beside_it() -> None:
    folder = fonts_mod.FONTS_DIR
    assert (folder / "wqy-microhei.LICENSE.txt").is_file()
    for path in fonts_mod.BUNDLED_FALLBACKS:
        assert path.is_file()
    assert (folder / "fupin-han-ext.LICENSE.txt").is_file()
    assert "Hanazono" in (folder / "fupin-han-ext.LICENSE.txt").read_text(encoding="utf-8")


def test_rare_characters_come_from_the_fallback_fonts_one_by_one() -> None:
    fs = font_set()
    runs = fs.runs("户主𠮷祥䶮")
    assert [text for _, text in runs] == ["户主", "𠮷", "祥", "䶮"]
    names = [name for name, _ in runs]
    assert names[0] == names[2] == fs.main
    assert names[1] != fs.main and names[3] != fs.main and names[1] != names[3]


def test_a_character_no_font_has_is_reported_and_marked_not_dropped() -> None:
    fs = font_set()
    missing = MissingChars()
    runs = fs.runs(f"张{TANGUT}三", missing, "炉场村 张三户")
    assert "".join(text for _, text in runs) == f"张{MISSING_MARK}三"
    [warning] = missing.warnings()
    assert "U+17000" in warning and "炉场村 张三户" in warning


def test_variation_selectors_and_zero_width_marks_take_no_room_and_raise_no_warning() -> None:
    fs = font_set()
    missing = MissingChars()
    assert "".join(t for _, t in fs.runs("葛\U000E0100二\u200b", missing)) == "葛二"
    assert not missing


def test_a_configured_font_file_becomes_the_main_font_with_the_bundled_ones_behind(tmp_path: Path) -> None:
    copy = tmp_path / "office.ttc"
    copy.write_bytes(fonts_mod.BUNDLED_MAIN.read_bytes())
    fs = font_set(str(copy))
    assert fs.main_label == "office.ttc" and not fs.warnings
    assert fs.font_for("𠮷") is not None


def test_an_unusable_configured_font_falls_back_with_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    fs = font_set(str(bad))
    assert fs.main_label == "wqy-microhei.ttc"
    assert fs.warnings and "broken.ttf" in fs.warnings[0]
    with pytest.raises(FontError):
        find_font("没有这种字体")


def test_the_environment_variable_chooses_the_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fonts_mod.ENV_VAR, "SimSun")
    assert fonts_mod.resolve_font_choice(None, "KaiTi") == "SimSun"
    assert fonts_mod.resolve_font_choice("FangSong", "KaiTi") == "FangSong"
    monkeypatch.delenv(fonts_mod.ENV_VAR)
    assert fonts_mod.resolve_font_choice(None, "KaiTi") == "KaiTi"
    assert fonts_mod.resolve_font_choice(None, None) is None
