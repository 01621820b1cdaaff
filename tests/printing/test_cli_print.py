"""``fupin print``: the headless face of the printing services (contracts from the issue)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.domain.household import Household
from fupin_desktop.store import Store
from tests.printing.pdfcheck import page_count, pdf_text


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_print_card_and_handbook(town: tuple[Store, list[Household]], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    store, saved = town
    db = str(store.path)
    code, out, err = run(capsys, "print", "card", "--db", db, "--household", str(saved[2].id),
                         "--out", str(tmp_path / "card.pdf"))
    assert code == 0, err
    assert "登记卡" in out and "1 页" in out
    assert "𠮷祥" in pdf_text(tmp_path / "card.pdf")
    code, out, err = run(capsys, "print", "handbook", "--db", db, "--household", str(saved[0].id),
                         "--out", str(tmp_path / "hb.pdf"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["pages"] == page_count(tmp_path / "hb.pdf") and data["warnings"] == []


def test_print_village_batches(town: tuple[Store, list[Household]], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    store, _ = town
    target = tmp_path / "sub" / "cards.pdf"
    code, out, err = run(capsys, "print", "village-cards", "--db", str(store.path), "--village", "炉场村",
                         "--out", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["households"] == 3 and page_count(target) == 3
    code, out, err = run(capsys, "print", "village-handbooks", "--db", str(store.path), "--village", "兴龙村",
                         "--out", str(tmp_path / "hb.pdf"))
    assert code == 0, err
    assert "兴龙村扶贫手册（1 户）" in out


def test_print_notice_with_a_start_date(town: tuple[Store, list[Household]], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    store, _ = town
    target = tmp_path / "notice.pdf"
    code, out, err = run(capsys, "print", "notice", "--db", str(store.path), "--village", "炉场村",
                         "--round", "second", "--start", "2016-03-01", "--phone", "0839-7201234",
                         "--out", str(target))
    assert code == 0, err
    text = pdf_text(target).replace("\n", "")
    assert "第二次公示" in text and "2016年3月1日至2016年3月7日" in text and "0839-7201234" in text


def test_print_blank_forms_need_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("card", "handbook", "members"):
        code, out, err = run(capsys, "print", "blank", kind, "--out", str(tmp_path / f"{kind}.pdf"))
        assert code == 0, err
        assert (tmp_path / f"{kind}.pdf").stat().st_size > 1000


@pytest.mark.parametrize(("argv", "message"), [
    (["notice", "--village", "月亮村", "--round", "first"], "没有“月亮村”"),
    (["notice", "--village", "炉场村", "--round", "first", "--start", "2016-02-30"], "--start"),
    (["card", "--household", "9999"], "没有编号为 9999 的户"),
])
def test_errors_are_chinese_messages_with_exit_code_2(
    town: tuple[Store, list[Household]], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    argv: list[str], message: str,
) -> None:
    store, _ = town
    code, _out, err = run(capsys, "print", *argv, "--db", str(store.path), "--out", str(tmp_path / "x.pdf"))
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_missing_characters_are_printed_as_warnings(town: tuple[Store, list[Household]], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    store, _ = town
    from tests.helpers import full_household

    hh = store.households.save(full_household(store.spec, seed=11, village="青新村", group="四组",
                                              names=("李\U00017001", "王芳")), "测试")
    try:
        code, out, err = run(capsys, "print", "card", "--db", str(store.path), "--household", str(hh.id),
                             "--out", str(tmp_path / "c.pdf"))
        assert code == 0 and "警告" in err and "U+17001" in err
    finally:
        store.households.delete(hh.id, "测试")
