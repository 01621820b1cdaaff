"""Text stays in its cell: wrapped, then shrunk; numbers are shrunk rather than broken."""

from __future__ import annotations

import pytest

from fupin_desktop.printing.fonts import font_set
from fupin_desktop.printing.layout import LEADING, TextMeasure, split_columns, tokens


@pytest.fixture(scope="module")
def measure() -> TextMeasure:
    return TextMeasure(font_set())


def test_punctuation_never_starts_a_line_and_numbers_stay_whole() -> None:
    assert tokens("张三，李四（户主）510822199001011234。") == [
        "张", "三，", "李", "四", "（户", "主）", "510822199001011234。"]


@pytest.mark.parametrize("text", [
    "长期慢性病", "因病致贫，家中两人长期服药，2015年医疗支出8000元。" * 3, "阿依古丽·买买提", "𠮷祥",
])
@pytest.mark.parametrize("width", [30.0, 60.0, 140.0])
def test_wrapped_lines_never_exceed_the_width(measure: TextMeasure, text: str, width: float) -> None:
    for line in measure.wrap(text, width, 10.5):
        assert measure.width(line, 10.5) <= width + 0.01 or len(line) == 1


def test_an_id_number_is_shrunk_to_one_line_rather_than_broken(measure: TextMeasure) -> None:
    number = "510822196703150216"
    natural = measure.width(number, 10.5)
    fitted = measure.fit(number, natural * 0.8, 30, 10.5)
    assert fitted.lines == (number,) and fitted.size < 10.5
    assert measure.width(number, fitted.size) <= natural * 0.8 + 0.01


def test_fit_wraps_first_then_shrinks_and_only_cuts_what_cannot_fit(measure: TextMeasure) -> None:
    text = "户主长期患病，子女在校就读，缺少劳动力和发展资金。"
    roomy = measure.fit(text, 120, 60, 10.5)
    assert roomy.size == 10.5 and len(roomy.lines) > 1 and not roomy.truncated
    tight = measure.fit(text, 120, 20, 10.5)
    assert tight.size < 10.5 and tight.height <= 20 + 0.01 and not tight.truncated
    hopeless = measure.fit(text * 20, 40, 10, 10.5)
    assert hopeless.truncated and hopeless.lines[-1].endswith("…")
    assert len(hopeless.lines) * hopeless.size * LEADING <= 10 + 0.01


def test_wide_tables_split_into_bands_that_repeat_the_first_column() -> None:
    assert split_columns([50, 50, 50], 200) == [[0, 1, 2]]
    assert split_columns([60, 100, 100, 100, 100], 300) == [[0, 1, 2], [0, 3, 4]]
