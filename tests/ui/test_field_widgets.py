"""Field editor widgets: real widgets, real key/input-method events, real signals."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QInputMethodEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from fupin_desktop.domain import idnumber
from fupin_desktop.domain.codes import CodeItem, CodeList
from fupin_desktop.formspec import FieldSpec, FormSpec, load_form
from fupin_desktop.ui.field_widgets import (
    FIELD_STYLESHEET,
    BoolEditor,
    CodeEditor,
    DerivedEditor,
    LineFieldEditor,
    MultiCodeEditor,
    MultilineEditor,
    make_editor,
)
from tests.test_national_codes import FIELD_OF, NATIONAL

# -- helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def form() -> FormSpec:
    return load_form("household")


def spec_of(form: FormSpec, field_id: str) -> FieldSpec:
    """A grid field, or a column of the members table."""
    try:
        return form.field(field_id)
    except KeyError:
        return next(f for f in form.table("members").fields if f.id == field_id)


def codes_of(form: FormSpec, spec: FieldSpec) -> CodeList | None:
    if spec.codes and not spec.codes.startswith("@"):
        return form.codes[spec.codes]
    return None


def ime_commit(widget: QWidget, text: str) -> None:
    """Deliver text the way a Chinese input method does (QTest.keyClicks aborts on non-ASCII)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type ASCII runs as key clicks and other runs as input-method commits."""
    for run in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text):
        if run.isascii():
            qtbot.keyClicks(widget, run)
        else:
            ime_commit(widget, run)


class Recorder:
    """Collects the emissions of one signal."""

    def __init__(self, signal: Any) -> None:
        self.calls: list[tuple[Any, ...]] = []
        signal.connect(lambda *args: self.calls.append(args))


Host = Callable[..., tuple[Any, QLineEdit]]


@pytest.fixture
def host(qtbot: Any, form: FormSpec) -> Host:
    """Show an editor (plus a plain line edit after it) in a window and focus the editor."""
    windows: list[QWidget] = []  # qtbot only keeps weak references

    def make(field: FieldSpec | str, codes: CodeList | None = None) -> tuple[Any, QLineEdit]:
        spec = spec_of(form, field) if isinstance(field, str) else field
        if codes is None:
            codes = codes_of(form, spec)
        window = QWidget()
        window.setStyleSheet(FIELD_STYLESHEET)
        layout = QVBoxLayout(window)
        editor = make_editor(spec, codes, window)
        after = QLineEdit(window)
        after.setObjectName("after")
        layout.addWidget(editor)
        layout.addWidget(after)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        if editor.focusPolicy() != Qt.FocusPolicy.NoFocus:
            editor.setFocus()
            qtbot.waitUntil(editor.hasFocus)
        return editor, after

    return make


def press(qtbot: Any, widget: QWidget, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key)


def valid_id(check: str | None = None) -> str:
    """A valid 18-character ID number (optionally one whose check character is ``check``)."""
    for seq in range(1000):
        number = idnumber.make_id("510822", date(1990, 1, 1), seq)
        if check is None or number[-1] == check:
            return number
    raise AssertionError("no such ID")


# -- factory -------------------------------------------------------------------------

EXPECTED_CLASS = {
    "text": LineFieldEditor,
    "phone": LineFieldEditor,
    "bank_account": LineFieldEditor,
    "id_number": LineFieldEditor,
    "integer": LineFieldEditor,
    "decimal": LineFieldEditor,
    "date": LineFieldEditor,
    "multiline": MultilineEditor,
    "code": CodeEditor,
    "bool": BoolEditor,
    "multicode": MultiCodeEditor,
    "derived": DerivedEditor,
}


def test_factory_builds_every_field_of_the_household_form(qtbot: Any, form: FormSpec) -> None:
    fields = form.grid_fields() + [f for t in form.tables() for f in t.fields]
    seen = set()
    editors = []
    for spec in fields:
        editor = make_editor(spec, codes_of(form, spec))
        qtbot.addWidget(editor)
        editors.append(editor)
        seen.add(spec.type)
        assert type(editor) is EXPECTED_CLASS[spec.type], spec.id
        assert editor.objectName() == f"field_{spec.id}"
        assert editor.accessibleName() == spec.label
        assert editor.value() == ([] if spec.type == "multicode" else None)
        assert editor.error() is None
        assert editor.minimumWidth() > 0
    assert seen == set(EXPECTED_CLASS)


def test_unknown_type_is_rejected(qtbot: Any) -> None:
    with pytest.raises(ValueError):
        make_editor(FieldSpec(id="x", label="x", type="nonsense"), None)


def test_readonly_township_field_is_readonly_and_skipped_by_tab(qtbot: Any, form: FormSpec) -> None:
    editor = make_editor(form.field("province"), None)
    qtbot.addWidget(editor)
    assert editor.isReadOnly()
    assert editor.focusPolicy() == Qt.FocusPolicy.ClickFocus
    editor.set_readonly(False)
    assert not editor.isReadOnly()


def test_minimum_widths_fit_the_content(qtbot: Any, form: FormSpec) -> None:
    id_editor = make_editor(spec_of(form, "id_number"), None)
    code_editor = make_editor(form.field("main_cause"), form.codes["main_cause"])
    qtbot.addWidget(id_editor)
    qtbot.addWidget(code_editor)
    fm = id_editor.fontMetrics()
    assert id_editor.minimumWidth() >= fm.horizontalAdvance(valid_id("X")) + 8
    assert code_editor.minimumWidth() >= fm.horizontalAdvance("0" * 8)


# -- line editors --------------------------------------------------------------------


def test_text_via_input_method_commits_on_tab(qtbot: Any, host: Host) -> None:
    editor, after = host("name")
    edited = Recorder(editor.edited)
    assert editor.maxLength() == 30
    ime_commit(editor, "张三")
    assert editor.raw_text() == "张三"
    assert edited.calls == []  # not per keystroke
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert edited.calls == [(None, "张三")]
    assert editor.value() == "张三"


def test_integer_parses_right_aligned_and_emits_once(qtbot: Any, host: Host) -> None:
    editor, after = host("year")
    edited = Recorder(editor.edited)
    assert editor.alignment() & Qt.AlignmentFlag.AlignRight
    qtbot.keyClicks(editor, "2016")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.value() == 2016
    press(qtbot, editor, Qt.Key.Key_Return)  # unchanged: no second emission
    after.setFocus()
    qtbot.waitUntil(after.hasFocus)
    assert edited.calls == [(None, 2016)]


def test_integer_range_error_keeps_text_and_marks_widget(qtbot: Any, host: Host) -> None:
    editor, _ = host("year")
    edited = Recorder(editor.edited)
    errors = Recorder(editor.error_changed)
    qtbot.keyClicks(editor, "2016")
    press(qtbot, editor, Qt.Key.Key_Return)
    editor.selectAll()
    qtbot.keyClicks(editor, "2012")
    press(qtbot, editor, Qt.Key.Key_Return)

    assert editor.raw_text() == "2012"  # the clerk's typing is kept
    assert editor.value() == 2016  # previous valid value
    assert editor.error() == "登记年度不能小于 2013"
    assert editor.property("invalid") is True
    assert editor.toolTip() == "登记年度不能小于 2013"
    assert errors.calls == [("登记年度不能小于 2013",)]

    editor.selectAll()
    qtbot.keyClicks(editor, "2018")
    assert editor.error() is None  # cleared as soon as the text is valid again
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.property("invalid") is False
    assert editor.toolTip() == "标准时点为该年12月31日"  # the field's help is back
    assert errors.calls[-1] == ("",)
    assert edited.calls == [(None, 2016), (2016, 2018)]


def test_invalid_property_is_styled_by_the_stylesheet(qtbot: Any, host: Host) -> None:
    editor, _ = host("year")
    qtbot.keyClicks(editor, "abc")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error() == "登记年度应为整数，“abc”不是数字"
    image = editor.grab().toImage()
    colour = image.pixelColor(image.width() // 2, image.height() - 4)
    assert colour.name() == "#fff4f4"


def test_decimal_normalised_and_thousands_separator(qtbot: Any, host: Host) -> None:
    editor, _ = host("farmland")
    edited = Recorder(editor.edited)
    assert editor.alignment() & Qt.AlignmentFlag.AlignRight
    qtbot.keyClicks(editor, "12.50")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.value() == Decimal("12.5")
    assert editor.raw_text() == "12.5"
    editor.selectAll()
    qtbot.keyClicks(editor, "1,234.5")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert edited.calls == [(None, Decimal("12.5")), (Decimal("12.5"), Decimal("1234.5"))]


def test_date_accepts_common_forms_and_shows_iso(qtbot: Any, host: Host) -> None:
    editor, _ = host("birth_date")
    edited = Recorder(editor.edited)
    assert editor.placeholderText() == "2015-06-01"
    qtbot.keyClicks(editor, "2015/6/1")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.value() == date(2015, 6, 1)
    assert editor.raw_text() == "2015-06-01"
    editor.selectAll()
    type_text(qtbot, editor, "2016年3月9日")
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.raw_text() == "2016-03-09"
    assert edited.calls == [(None, date(2015, 6, 1)), (date(2015, 6, 1), date(2016, 3, 9))]


def test_impossible_date_is_an_error(qtbot: Any, host: Host) -> None:
    editor, _ = host("birth_date")
    qtbot.keyClicks(editor, "2015-02-30")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.raw_text() == "2015-02-30"
    assert "不是有效日期" in editor.error()
    assert editor.value() is None


def test_phone_and_bank_account_drop_spaces(qtbot: Any, host: Host) -> None:
    phone, _ = host("phone")
    qtbot.keyClicks(phone, "138 0013 8000")
    press(qtbot, phone, Qt.Key.Key_Return)
    assert phone.value() == "13800138000"
    assert phone.raw_text() == "13800138000"

    account, _ = host("bank_account")
    edited = Recorder(account.edited)
    qtbot.keyClicks(account, "6228 4800 1234 5678 901")
    press(qtbot, account, Qt.Key.Key_Tab)
    assert edited.calls == [(None, "6228480012345678901")]


# -- ID numbers ------------------------------------------------------------------------


def test_id_number_full_width_and_spaces_are_normalised(qtbot: Any, host: Host) -> None:
    editor, _ = host("id_number")
    edited = Recorder(editor.edited)
    number = valid_id("X")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "x"
    typed = f"{full_width[:6]}\u3000{full_width[6:14]} {full_width[14:]}"
    type_text(qtbot, editor, typed)
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error() is None
    assert editor.value() == number
    assert editor.raw_text() == number  # upper-case X, 18 characters
    assert edited.calls == [(None, number)]


def test_id_number_emits_live_text_per_keystroke(qtbot: Any, host: Host) -> None:
    editor, _ = host("id_number")
    live = Recorder(editor.text_live)
    number = valid_id()
    qtbot.keyClicks(editor, number)
    assert len(live.calls) == 18
    assert live.calls[-1] == (number,)
    assert live.calls[0] == (number[0],)


def test_id_number_wrong_check_digit_names_expected_character(qtbot: Any, host: Host) -> None:
    editor, _ = host("id_number")
    number = valid_id()
    expected = number[-1]
    wrong = number[:-1] + ("1" if expected != "1" else "2")
    qtbot.keyClicks(editor, wrong)
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.raw_text() == wrong
    assert editor.value() is None
    assert f"应为“{expected}”" in editor.error()
    assert editor.property("invalid") is True
    # Fixing the last character clears everything.
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, expected)
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error() is None
    assert editor.property("invalid") is False
    assert editor.value() == number


# -- multiline ---------------------------------------------------------------------------


def test_multiline_tab_moves_on_and_commits(qtbot: Any, host: Host) -> None:
    editor, after = host("cause_note")
    edited = Recorder(editor.edited)
    live = Recorder(editor.text_live)
    assert editor.tabChangesFocus()
    ime_commit(editor, "家中老人长期患病")
    assert live.calls == [("家中老人长期患病",)]
    assert edited.calls == []
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert editor.raw_text() == "家中老人长期患病"  # no tab character typed
    assert edited.calls == [(None, "家中老人长期患病")]


def test_multiline_max_length_is_a_parse_error(qtbot: Any, host: Host) -> None:
    editor, after = host("cause_note")
    ime_commit(editor, "字" * 501)
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert editor.raw_text() == "字" * 501
    assert editor.error() == "致贫原因说明最多 500 个字，现有 501 个字"
    assert editor.property("invalid") is True
    assert editor.value() is None


# -- code fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1", "01", "yb", "YB", "因病"])
def test_code_resolves_number_initials_and_label(qtbot: Any, host: Host, typed: str) -> None:
    editor, after = host("main_cause")
    edited = Recorder(editor.edited)
    type_text(qtbot, editor, typed)
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert editor.raw_text() == "因病"
    assert edited.calls == [(None, "因病")]


def test_code_resolves_alias(qtbot: Any, host: Host) -> None:
    editor, _ = host("household_type")
    ime_commit(editor, "低保贫困")
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.value() == "低保贫困户"
    assert editor.raw_text() == "低保贫困户"


def test_code_popup_lists_entries_and_enter_picks_highlighted(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "y")
    popup = editor.completer().popup()
    assert popup.isVisible()
    shown = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert shown == ["01 因病  yb", "02 因残  yc", "03 因学  yx", "04 因灾  yz"]
    assert popup.currentIndex().row() == 0  # the first match highlighted, the others shown
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert editor.raw_text() == "因学"
    assert editor.error() is None
    assert edited.calls == [(None, "因学")]


def test_code_popup_enter_on_exact_match(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "1")
    popup = editor.completer().popup()
    assert popup.isVisible()
    assert popup.currentIndex().data() == "01 因病  yb"  # the exact hit comes first, not 10/11
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert editor.raw_text() == "因病"
    assert edited.calls == [(None, "因病")]


def test_code_popup_tab_picks_highlighted_and_moves_on(qtbot: Any, host: Host) -> None:
    editor, after = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "q")  # 缺土地 (highlighted), 缺水, 缺技术 ...
    popup = editor.completer().popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert editor.raw_text() == "缺水"
    assert edited.calls == [(None, "缺水")]


def test_code_popup_f4_shows_whole_list(qtbot: Any, host: Host, form: FormSpec) -> None:
    editor, _ = host("main_cause")
    qtbot.keyClick(editor, Qt.Key.Key_F4)
    popup = editor.completer().popup()
    assert popup.isVisible()
    assert popup.model().rowCount() == len(form.codes["main_cause"].items)


def test_code_popup_escape_closes_without_committing(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "yb")
    popup = editor.completer().popup()
    assert popup.isVisible()
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert editor.hasFocus()
    assert editor.raw_text() == "yb"
    assert edited.calls == []


def test_code_ambiguous_prefix_enter_takes_the_highlighted_first_match(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    qtbot.keyClicks(editor, "y")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.value() == "因病" and editor.error() is None


def test_code_ambiguous_text_asks_to_choose_from_list(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "y")
    press(qtbot, editor, Qt.Key.Key_Escape)  # the list closed without a pick
    press(qtbot, editor, Qt.Key.Key_Return)  # commits the text itself
    assert editor.raw_text() == "y"
    assert editor.error().endswith("请从列表中选择")
    assert editor.property("invalid") is True
    assert editor.value() is None
    assert edited.calls == []


def test_code_unknown_text_is_an_error_and_fixing_clears_it(qtbot: Any, host: Host) -> None:
    editor, _ = host("main_cause")
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "98")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert "不在代码表中" in editor.error() and "01 因病" in editor.error()  # the choices
    assert editor.raw_text() == "98"
    editor.selectAll()
    qtbot.keyClicks(editor, "yz")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error() is None
    assert editor.property("invalid") is False
    assert edited.calls == [(None, "因灾")]


def test_dynamic_code_list_can_be_replaced(qtbot: Any, host: Host, form: FormSpec) -> None:
    groups_a = CodeList("groups", "组", (CodeItem("1", "一组"), CodeItem("2", "二组")))
    groups_b = CodeList("groups", "组", (CodeItem("1", "上坝组"), CodeItem("2", "下坝组")))
    editor, _ = host("group", groups_a)
    edited = Recorder(editor.edited)
    qtbot.keyClicks(editor, "1")
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.value() == "一组"
    editor.set_code_list(groups_b)
    assert editor.code_list() is groups_b
    assert editor.value() == "一组"  # kept, but no longer in the list
    assert "不在代码表中" in editor.error()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    editor.selectAll()
    qtbot.keyClicks(editor, "xbz")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error() is None
    assert edited.calls == [(None, "一组"), ("一组", "下坝组")]


def test_dynamic_code_field_without_list_keeps_text(qtbot: Any, host: Host) -> None:
    editor, _ = host("village")
    ime_commit(editor, "新华村")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.value() == "新华村"
    assert not editor.completer().popup().isVisible()


# -- bool -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", True),
        ("是", True),
        ("s", True),
        ("y", True),
        ("0", False),
        ("否", False),
        ("f", False),
        ("n", False),
    ],
)
def test_bool_variants(qtbot: Any, host: Host, typed: str, expected: bool) -> None:
    editor, _ = host("military")
    edited = Recorder(editor.edited)
    type_text(qtbot, editor, typed)
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.error() is None
    assert editor.value() is expected
    assert editor.raw_text() == ("是" if expected else "否")
    assert edited.calls == [(None, expected)]


def test_bool_without_code_list_and_invalid_text(qtbot: Any, form: FormSpec, host: Host) -> None:
    editor, _ = host(form.field("military"), None)  # built-in 是/否 list
    qtbot.keyClicks(editor, "x")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.raw_text() == "x"
    assert "应填“是”或“否”" in editor.error()
    editor.set_value(False)
    assert editor.raw_text() == "否"
    assert editor.error() is None


# -- multicode -------------------------------------------------------------------------------


def test_multicode_resolves_each_item_and_removes_duplicates(qtbot: Any, host: Host) -> None:
    editor, after = host("other_causes")
    edited = Recorder(editor.edited)
    type_text(qtbot, editor, "1 2、01，因病 yc")
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert editor.value() == ["因病", "因残"]
    assert editor.raw_text() == "因病、因残"
    assert edited.calls == [([], ["因病", "因残"])]


def test_multicode_popup_completes_last_item(qtbot: Any, host: Host) -> None:
    editor, _ = host("other_causes")
    edited = Recorder(editor.edited)
    editor.set_value(["因病"])
    editor.end(False)
    type_text(qtbot, editor, "、q")
    popup = editor.completer().popup()
    assert popup.isVisible()
    assert popup.model().index(0, 0).data() == "05 缺土地  qtd"
    assert popup.currentIndex().row() == 0  # highlighted: Enter takes it
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert editor.value() == ["因病", "缺土地"]
    assert editor.raw_text() == "因病、缺土地、"  # ready for the next item
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.raw_text() == "因病、缺土地"
    assert edited.calls == [(["因病"], ["因病", "缺土地"])]


def test_multicode_unknown_item_is_an_error(qtbot: Any, host: Host) -> None:
    editor, _ = host("other_causes")
    type_text(qtbot, editor, "因病、abc")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert "abc" in editor.error()
    assert editor.raw_text() == "因病、abc"
    assert editor.value() == []


# -- derived ---------------------------------------------------------------------------------


def test_derived_is_readonly_and_skipped_by_tab(qtbot: Any, form: FormSpec) -> None:
    window = QWidget()
    layout = QVBoxLayout(window)
    before = QLineEdit(window)
    derived = make_editor(form.field("head_name"), None, window)
    after = QLineEdit(window)
    for w in (before, derived, after):
        layout.addWidget(w)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    before.setFocus()
    qtbot.waitUntil(before.hasFocus)
    assert derived.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert derived.isReadOnly()
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    assert after.hasFocus()
    derived.set_value("张三")
    assert derived.raw_text() == "张三"
    assert derived.commit()
    assert derived.value() == "张三"


def test_derived_money_keeps_its_decimal_value(qtbot: Any, form: FormSpec) -> None:
    editor = make_editor(form.field("net_income"), None)
    qtbot.addWidget(editor)
    edited = Recorder(editor.edited)
    editor.set_value(Decimal("12345.60"))
    assert editor.raw_text() == "12345.60"  # money: two decimals on screen
    assert editor.commit()
    assert editor.value() == Decimal("12345.60")
    assert edited.calls == []


# -- programmatic values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_id", "value", "shown"),
    [
        ("name", "李四", "李四"),
        ("year", 2019, "2019"),
        ("farmland", Decimal("3.50"), "3.5"),
        ("birth_date", date(1980, 2, 3), "1980-02-03"),
        ("main_cause", "因学", "因学"),
        ("military", True, "是"),
        ("other_causes", ["因病", "缺水"], "因病、缺水"),
        ("cause_note", "说明", "说明"),
    ],
)
def test_set_value_shows_value_without_emitting(
    qtbot: Any, host: Host, field_id: str, value: Any, shown: str
) -> None:
    editor, after = host(field_id)
    edited = Recorder(editor.edited)
    live = Recorder(editor.text_live)
    editor.set_value(value)
    assert editor.raw_text() == shown
    assert editor.value() == value
    after.setFocus()  # focus-out commit of the unchanged text emits nothing
    qtbot.waitUntil(after.hasFocus)
    assert edited.calls == []
    assert live.calls == []


def test_set_value_clears_an_error(qtbot: Any, host: Host) -> None:
    editor, _ = host("year")
    errors = Recorder(editor.error_changed)
    qtbot.keyClicks(editor, "1999")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.error()
    editor.set_value(2020)
    assert editor.error() is None
    assert editor.property("invalid") is False
    assert editor.raw_text() == "2020"
    assert errors.calls == [("登记年度不能小于 2013",), ("",)]
    editor.set_value(None)
    assert editor.raw_text() == ""
    assert editor.value() is None


# -- undo/redo belongs to the window ---------------------------------------------------------------


@pytest.mark.parametrize("field_id", ["name", "main_cause", "cause_note"])
@pytest.mark.parametrize(
    "sequence", [QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo], ids=["undo", "redo"]
)
def test_undo_redo_shortcut_override_is_ignored(
    qtbot: Any, host: Host, field_id: str, sequence: QKeySequence.StandardKey
) -> None:
    editor, after = host(field_id)
    combo = QKeySequence(sequence)[0]
    event = QKeyEvent(QEvent.Type.ShortcutOverride, combo.key(), combo.keyboardModifiers())
    QApplication.sendEvent(editor, event)
    assert not event.isAccepted()
    # A plain line edit would claim the key for its own undo.
    plain = QKeyEvent(QEvent.Type.ShortcutOverride, combo.key(), combo.keyboardModifiers())
    QApplication.sendEvent(after, plain)
    assert plain.isAccepted()


@pytest.mark.parametrize("field_id", ["name", "main_cause", "cause_note"])
def test_ctrl_z_reaches_the_window_undo_action(qtbot: Any, host: Host, field_id: str) -> None:
    editor, _ = host(field_id)
    window = editor.window()
    undo = QAction("撤销", window)
    undo.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
    undo.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    window.addAction(undo)
    triggered = Recorder(undo.triggered)
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(triggered.calls) == 1
    assert editor.raw_text() == "abc"  # the widget's own undo did not run


# -- national code numbers (NATIONAL.md §1) ----------------------------------------------------------
def _national_field(form: FormSpec, list_id: str) -> FieldSpec:
    table, field_id = FIELD_OF[list_id]
    if not table:
        return form.field(field_id)
    return next(f for f in form.table(table).fields if f.id == field_id)


@pytest.mark.parametrize("list_id", sorted(NATIONAL))
def test_every_national_number_typed_into_the_widget_gives_the_national_value(
        qtbot: Any, host: Host, form: FormSpec, list_id: str) -> None:
    spec = _national_field(form, list_id)
    editor, after = host(spec)
    for number, value in NATIONAL[list_id]:
        editor.setFocus()
        qtbot.waitUntil(editor.hasFocus)
        editor.selectAll()
        qtbot.keyClicks(editor, number)
        press(qtbot, editor, Qt.Key.Key_Tab)
        expected = (value == "是") if spec.type == "bool" else [value] if spec.type == "multicode" else value
        assert editor.error() is None, (number, editor.error())
        assert editor.value() == expected, (list_id, number)
        assert after.hasFocus()


def test_gbt4761_relation_numbers_when_the_profile_says_so(qtbot: Any, host: Host, form: FormSpec) -> None:
    gbt = form.with_numbering("gbt4761")
    editor, _ = host(spec_of(form, "relation"), gbt.codes["relation"])
    qtbot.keyClicks(editor, "10")
    press(qtbot, editor, Qt.Key.Key_Tab)
    assert editor.value() == "配偶"
    national, _ = host(spec_of(form, "relation"))
    qtbot.keyClicks(national, "10")
    press(qtbot, national, Qt.Key.Key_Tab)
    assert national.value() == "之外孙女"


def test_an_ambiguous_pinyin_prefix_is_never_kept_silently(qtbot: Any, host: Host) -> None:
    editor, _ = host("ethnicity")
    qtbot.keyClicks(editor, "hz")
    labels = [editor.completer().completionModel().index(i, 0).data()
              for i in range(editor.completer().completionModel().rowCount())]
    assert any("汉族" in t for t in labels) and any("回族" in t for t in labels)
    popup = editor.completer().popup()
    assert "汉族" in popup.currentIndex().data()  # the first match highlighted, both shown
    press(qtbot, editor, Qt.Key.Key_Escape)
    press(qtbot, editor, Qt.Key.Key_Return)  # the letters themselves: refused, naming both
    assert editor.value() is None and "汉族" in editor.error() and "回族" in editor.error()
    editor.clear()
    qtbot.keyClicks(editor, "hz")
    press(qtbot, editor, Qt.Key.Key_Return)  # Enter takes the highlighted entry
    assert editor.value() == "汉族" and editor.error() is None
