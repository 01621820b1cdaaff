"""Issue 13 item 10: every command that takes a household takes its 编号 or its 户编号 (decided by
which household exists; two different households named by one text are refused, by name)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

REPO = Path(__file__).resolve().parent.parent
LONG = "510822105001001001"  # 18 digits: a valid SQLite integer, but no household has this id


@pytest.fixture
def town(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """Three households: 户编号 LONG, one whose 户编号 is another's id ("1"), and a plain one."""
    with make_store(tmp_path) as store:
        a = store.households.save(full_household(store.spec, seed=1, number=LONG, names=("张三", "李梅")), "测试")
        b = store.households.save(full_household(store.spec, seed=2, number="1", names=("王五",)), "测试")
        c = store.households.save(full_household(store.spec, seed=3, names=("赵六",)), "测试")
    assert a.id == 1  # so b's 户编号 "1" is a's id
    return tmp_path / "township.db", {"long": int(a.id or 0), "one": int(b.id or 0), "plain": int(c.id or 0)}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def show(capsys: pytest.CaptureFixture[str], db: Path, ref: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(capsys, "show", ref, "--db", str(db), "--json")
    assert code == 0, err
    return json.loads(out)


def test_show_by_number_is_show_by_id(town, capsys) -> None:  # type: ignore[no-untyped-def]
    db, ids = town
    by_number = show(capsys, db, LONG)
    assert by_number == show(capsys, db, str(ids["long"]))
    assert by_number["household"]["number"] == LONG and by_number["household"]["head_name"] == "张三"
    # typed with full-width digits and spaces around, as pasted from a document
    wide = "".join(chr(ord(d) + 0xFEE0) for d in LONG)
    assert show(capsys, db, f" {wide} ") == by_number
    code, out, _ = run(capsys, "show", LONG, "--db", str(db))
    assert code == 0 and f"户编号 {LONG}" in out and "户主 张三" in out


def test_the_id_wins_and_the_other_household_is_named(town, capsys) -> None:  # type: ignore[no-untyped-def]
    """"1" is household a's id and household b's 户编号: the id is taken (so every household can
    always be named by its id), and stderr (never the JSON) names b."""
    db, ids = town
    code, out, err = run(capsys, "show", "1", "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["household"]["head_name"] == "张三"
    assert "注意" in err and f"编号为 {ids['long']}" in err and f"编号 {ids['one']} 的户" in err
    assert show(capsys, db, str(ids["one"]))["household"]["head_name"] == "王五"


def test_a_number_two_households_share_is_refused_naming_both(town, capsys) -> None:  # type: ignore[no-untyped-def]
    db, ids = town
    with Store(db) as store:
        twin = store.households.save(full_household(store.spec, seed=4, number=LONG, names=("孙七",)), "测试")
    code, out, err = run(capsys, "show", LONG, "--db", str(db), "--json")
    assert code == 2 and out == ""
    assert "不止一户" in err and str(ids["long"]) in err and str(twin.id) in err


def test_unknown_reference_says_what_to_type(town, capsys) -> None:  # type: ignore[no-untyped-def]
    db, _ = town
    for ref in ("510822105009999999", "abc", "9223372036854775808"):
        code, out, err = run(capsys, "show", ref, "--db", str(db))
        assert code == 2 and out == "" and f"户编号为 {ref}" in err and "第二列（户编号）" in err
    code, _, err = run(capsys, "show", "5" * 31, "--db", str(db))
    assert code == 2 and "不超过 30 个字符" in err


def test_print_card_and_handbook_by_number(town, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = town
    for document in ("card", "handbook"):
        out = tmp_path / f"{document}.pdf"
        code, _, err = run(capsys, "print", document, "--db", str(db), "--household", LONG, "--out", str(out))
        assert code == 0, err
        assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 1000


def test_restore_household_by_number(town, capsys) -> None:  # type: ignore[no-untyped-def]
    db, ids = town
    with Store(db) as store:
        store.households.delete(ids["long"], "测试")
    code, out, err = run(capsys, "restore-household", LONG, "--db", str(db), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["restored"], result["id"], result["number"]) == (True, ids["long"], LONG)
    # a 户编号 no deleted household has: refused, nothing changed
    code, _, err = run(capsys, "restore-household", "510822105009999999", "--db", str(db))
    assert code == 2 and "已删除的户" in err


def test_screenshot_of_a_household_by_number(town, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = town
    png = tmp_path / "form.png"
    done = subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(db), "gui", "--screenshot", str(png),
         "--household", LONG], capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
