"""The documents read back: who appears, what must not, page counts, fonts, rare characters."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.printing import service
from fupin_desktop.printing.service import PrintCancelled, PrintError
from fupin_desktop.store import Store
from tests.printing.pdfcheck import assert_fonts_embedded, page_count, page_texts, pdf_text

#: Words a public notice must never show (DOMAIN.md §6): health, disability, causes.
SENSITIVE_WORDS = ("残疾", "残疾证", "因病", "因残", "患有大病", "长期慢性病", "健康状况", "致贫原因",
                   "银行", "账号", "电话：1")


def squash(text: str) -> str:
    """Text without the line breaks and spaces a PDF puts inside long values."""
    return re.sub(r"\s+", "", text)


# -- card -----------------------------------------------------------------------------------------
def test_a_card_shows_the_households_full_data_on_one_page(town: tuple[Store, list[Household]], out: Path) -> None:
    store, saved = town
    hh = saved[2]
    result = service.print_card(store, hh.id, out)
    assert result.pages == page_count(out) == 1 and result.households == 1
    assert result.warnings == []
    text = squash(pdf_text(out))
    assert "四川省贫困户登记卡" in text
    for m in hh.members:  # the household keeps its card: full names and ID numbers
        assert squash(m.get("name")) in text
        assert m.get("id_number") in text
    assert hh.fields["bank_account"] in text and hh.fields["phone"] in text
    assert_fonts_embedded(out)


def test_rare_characters_are_printed_and_extracted_back(town: tuple[Store, list[Household]], out: Path) -> None:
    store, saved = town
    service.print_card(store, saved[2].id, out)
    text = pdf_text(out)
    assert "𠮷祥" in text and "䶮明" in text  # Extension B and A, via the fallback fonts
    fonts = " ".join(__import__("tests.printing.pdfcheck", fromlist=["fonts"]).fonts(out))
    assert "FupinHanExtA" in fonts and "FupinHanExtB" in fonts


def test_a_character_no_font_has_is_a_warning_and_a_mark(town: tuple[Store, list[Household]], out: Path) -> None:
    store, _ = town
    from tests.helpers import full_household

    hh = store.households.save(full_household(store.spec, seed=9, village="青新村", group="四组",
                                              names=("张\U00017000", "李梅")), "测试")
    try:
        result = service.print_card(store, hh.id, out)
        assert any("U+17000" in w for w in result.warnings)
        assert "张〓" in pdf_text(out)
    finally:
        store.households.delete(hh.id, "测试")


def test_the_card_can_be_written_to_a_stream(town: tuple[Store, list[Household]]) -> None:
    store, saved = town
    buffer = io.BytesIO()
    result = service.print_card(store, saved[0].id, buffer)
    assert result.path is None and buffer.getvalue().startswith(b"%PDF")


# -- Handbook ---------------------------------------------------------------------------------------
def test_the_handbook_has_all_six_parts_with_the_households_rows(town: tuple[Store, list[Household]], out: Path) -> None:
    store, saved = town
    hh = saved[0]
    result = service.print_handbook(store, hh.id, out)
    pages = page_texts(out)
    assert result.pages == len(pages) >= 7
    text = squash("".join(pages))
    assert "扶贫手册" in pages[0]
    for section in store.spec.sections:
        assert squash(section.title) in text
    for table in ("members", "helpers", "plans", "measures", "results"):
        for row in hh.table(table):
            first = next(v for v in row.fields.values() if isinstance(v, str) and v)
            assert squash(first) in text, (table, first)
    assert squash(hh.fields["cause_note"].splitlines()[0]) in text
    assert "贫困户签字" in text
    assert f"第{result.pages}页" in squash(pages[-1])
    assert_fonts_embedded(out)


def test_every_handbook_page_names_its_household_in_full(town: tuple[Store, list[Household]], out: Path) -> None:
    """The footer (a loose page of a village's 500 pages goes back to its household) is never cut."""
    store, _ = town
    from tests.helpers import full_household

    number = "5108221050010019999"
    hh = store.households.save(full_household(store.spec, seed=11, village="青新村", group="四组", number=number,
                                              names=("阿卜杜热依木·阿卜杜克热木", "李梅")), "测试")
    try:
        result = service.print_handbook(store, hh.id, out)
        assert result.warnings == []
        for text in page_texts(out):
            footer = squash(text)
            assert "户主：阿卜杜热依木·阿卜杜克热木" in footer and f"户编号：{number}" in footer
            assert "…" not in footer
    finally:
        store.households.delete(hh.id, "测试")


@pytest.mark.parametrize("results", range(9))
def test_part_six_keeps_its_signatures_on_its_own_page(town: tuple[Store, list[Household]], out: Path,
                                                      results: int) -> None:
    """However many 帮扶成效 rows there are, the ruled rows stop where the signatures still fit."""
    store, _ = town
    from tests.helpers import full_household

    hh = full_household(store.spec, seed=12, village="青新村", group="四组")
    hh.results[:] = [Row(fields=dict(hh.results[i % len(hh.results)].fields)) for i in range(results)]
    for year, row in enumerate(hh.results, start=2016):
        row.fields["year"] = year
    hh = store.households.save(hh, "测试")
    try:
        service.print_handbook(store, hh.id, out)
        last = squash(page_texts(out)[-1])
        assert "第六部分" in last and "村委会（盖章）" in last
    finally:
        store.households.delete(hh.id, "测试")


# -- village batches --------------------------------------------------------------------------------
def test_village_cards_hold_every_household_of_the_village_in_order(
    town: tuple[Store, list[Household]], out: Path
) -> None:
    store, saved = town
    seen: list[tuple[int, int]] = []
    result = service.print_village(store, "炉场村", out, document="card", progress=lambda d, t: seen.append((d, t)))
    village = [h for h in saved if h.fields["village"] == "炉场村"]
    assert result.households == len(village) == 3 and result.pages == page_count(out) == 3
    assert seen[-1] == (3, 3)
    pages = page_texts(out)
    for hh, page in zip(sorted(village, key=lambda h: (h.fields["group"] != "一组", h.fields["number"])),
                        pages, strict=True):
        assert squash(hh.head_name) in squash(page)
        assert "共3页" in squash(page)
    assert "王五" not in pdf_text(out)  # 兴龙村's household is not in 炉场村's batch


def test_village_handbooks_can_be_cancelled_and_leave_no_file(town: tuple[Store, list[Household]], out: Path) -> None:
    store, _ = town
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(PrintCancelled):
        service.print_village(store, "炉场村", out, document="handbook", cancelled=cancelled)
    assert not out.exists() and not out.with_name(out.name + ".part").exists()


def test_unknown_village_and_household_are_clear_errors(town: tuple[Store, list[Household]], out: Path) -> None:
    store, _ = town
    with pytest.raises(PrintError, match="没有“月亮村”"):
        service.print_village(store, "月亮村", out)
    with pytest.raises(PrintError, match="没有编号为 9999 的户"):
        service.print_card(store, 9999, out)
    with pytest.raises(PrintError, match="公示轮次"):
        service.print_notice(store, "炉场村", "third", out)


# -- notices ----------------------------------------------------------------------------------------
def test_a_notice_lists_every_household_and_nothing_private(demo: Store, out: Path) -> None:
    village = max(demo.townships.villages(), key=lambda v: demo.households.count(v.id))
    ids = demo.households.ids(village_id=village.id)
    households = [demo.households.get(i) for i in ids]
    result = service.print_notice(demo, village.name, "first", out, start=date(2016, 3, 1), phone="0839-7201234")
    text = pdf_text(out)
    flat = squash(text)
    assert result.households == len(households) > 30 and result.pages == page_count(out) >= 2
    assert flat.count("证件号码") == result.pages  # the header is repeated on every page
    for hh in households:
        assert squash(hh.head_name) in flat
        assert mask_id(hh.fields["head_id_number"]) in flat
    # Privacy: no full ID of any member, no phone, no bank account, no health or cause word.
    for hh in households:
        for m in hh.members:
            assert m.get("id_number") not in flat
        for value in (hh.fields.get("phone"), hh.fields.get("bank_account"),
                      *(h.get("phone") for h in hh.helpers)):
            if value:
                assert value not in flat
    for word in SENSITIVE_WORDS:
        assert word not in flat, word
    assert not re.search(r"\d{18}|\d{17}X|1[3-9]\d{9}", flat)
    assert any(m.get("health") == "残疾" for hh in households for m in hh.members)  # the data had them
    # The words around the table.
    assert f"茶坝乡{village.name}" in flat and "第一次公示" in flat
    assert "公示时间：2016年3月1日至2016年3月7日（共7天）" in flat
    assert "2016年3月7日前" in flat and "监督电话：0839-7201234" in flat
    assert f"{village.name}村民委员会" in flat
    assert_fonts_embedded(out)


@pytest.mark.parametrize(("round_", "name", "issuer"), [
    ("second", "第二次公示", "茶坝乡人民政府"), ("announce", "公告", "扶贫开发领导小组"),
])
def test_each_round_has_its_title_and_issuer(demo: Store, out: Path, round_: str, name: str, issuer: str) -> None:
    village = demo.townships.villages()[0].name
    service.print_notice(demo, village, round_, out, start=date(2016, 5, 3), days=5)
    flat = squash(pdf_text(out))
    assert f"建档立卡贫困户{name}" in flat and issuer in flat
    assert "2016年5月3日至2016年5月7日（共5天）" in flat


def test_the_notice_period_follows_the_policy_profile(town: tuple[Store, list[Household]], out: Path) -> None:
    store, _ = town
    if hasattr(store, "policy"):
        from fupin_desktop.rules.policy import Policy

        store.policy.put(Policy(publicity_days=5), "测试")
    else:
        from fupin_desktop.store import settings

        settings.PUBLICITY_DAYS.put(store.db, 5)
    try:
        service.print_notice(store, "炉场村", "second", out, start=date(2017, 1, 9))
        assert "2017年1月9日至2017年1月13日（共5天）" in squash(pdf_text(out))
    finally:
        if hasattr(store, "policy"):
            store.policy.reset("测试")


def test_a_township_wide_notice_adds_the_village_column(town: tuple[Store, list[Household]], out: Path) -> None:
    store, saved = town
    result = service.print_notice(store, None, "announce", out, start=date(2017, 2, 1))
    flat = squash(pdf_text(out))
    assert result.households == len(saved) and "行政村" in flat and "兴龙村" in flat


# -- blank forms ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "words", "pages"), [
    ("card", ("贫困户登记卡", "户主姓名", "家庭成员", "帮扶责任人", "□是"), 1),
    ("handbook", ("扶贫手册", "第一部分", "第六部分", "帮扶成效", "贫困户签字"), 9),
    ("members", ("家庭成员情况登记表", "证件号码", "人员变更", "务工所在地", "人编号"), 3),
])
def test_blank_forms(out: Path, kind: str, words: tuple[str, ...], pages: int) -> None:
    result = service.print_blank(kind, out)  # type: ignore[arg-type]
    flat = squash(pdf_text(out))
    for word in words:
        assert word in flat
    assert result.pages == page_count(out) == pages
    assert_fonts_embedded(out)


def test_a_blank_card_for_a_township_carries_its_names(town: tuple[Store, list[Household]], out: Path) -> None:
    store, _ = town
    service.print_blank("card", out, store=store, copies=3)
    flat = squash(pdf_text(out))
    assert page_count(out) == 3 and flat.count("茶坝乡") == 3 and "青川县" in flat


def test_a_notice_masks_id_and_disability_card_numbers_alike(tmp_path: Path, out: Path) -> None:
    """A 户主 with a 残疾人证 number is shown like any other: first 6 and last 4 of the ID number,
    the birth date hidden, the 残疾类别/等级 digits dropped (the length tells nothing)."""
    from tests.helpers import full_household, make_store

    store = make_store(tmp_path)
    try:
        plain = full_household(store.spec, seed=1, names=("张三", "李梅"))
        card = full_household(store.spec, seed=2, names=("王五", "赵六"))
        head = card.members[0]
        head.fields.update(id_type="残疾人证", id_number=head.get("id_number") + "42", health="残疾")
        plain, card = (store.households.save(h, "测试") for h in (plain, card))
        service.print_notice(store, "炉场村", "first", out, start=date(2016, 3, 1))
        flat = squash(pdf_text(out))
        for hh in (plain, card):
            number = hh.fields["head_id_number"]
            masked = mask_id(number)
            assert re.search(re.escape(masked) + r"(?!\d)", flat), masked
            assert number not in flat and number[6:14] not in flat  # no birth date
        number = card.fields["head_id_number"]
        assert len(number) == 20 and mask_id(number) == number[:6] + "*" * 8 + number[14:18]
        assert not re.search(r"\*{8}[0-9X]{4}\d", flat), "no category or grade digit after a masked number"
        for word in SENSITIVE_WORDS:
            assert word not in flat, word
    finally:
        store.close()
