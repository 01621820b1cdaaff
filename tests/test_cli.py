"""The ``fupin`` command: contracts of init, check-id, households, show and demo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

REPO = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")
GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str):  # noqa: ANN201
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def assert_clean_error(code: int, err: str, *words: str) -> None:
    assert code != 0
    assert CHINESE.search(err), err
    assert "Traceback" not in err
    for word in words:
        assert word in err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A township file with three households (two in 炉场村, one in 兴龙村)."""
    with make_store(tmp_path) as store:
        store.households.save(full_household(store.spec, seed=1, names=("张三", "李梅")), "测试")
        store.households.save(full_household(store.spec, seed=2, names=("王五", "赵六", "王小明")), "测试")
        store.households.save(full_household(store.spec, seed=3, village="兴龙村", group="三组"), "测试")
    return tmp_path / "township.db"


# -- init -----------------------------------------------------------------------------------------
def test_init_creates_the_township_with_village_quotas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new" / "茶坝乡.db"
    data = run_json(
        capsys, "init", "--db", str(path), "--township-code", "510822105", "--township-name", "茶坝乡",
        "--village", "炉场村:95", "--village", "兴龙村：120", "--village", "青新村", "--poor-village", "兴龙村",
        "--county", "青川县",
    )
    assert data == {"township": "茶坝乡", "code": "510822105", "villages": [
        {"name": "炉场村", "quota": 95, "is_poor": False},
        {"name": "兴龙村", "quota": 120, "is_poor": True},
        {"name": "青新村", "quota": None, "is_poor": False},
    ]}
    with Store(path) as store:
        town = store.townships.get()
        assert (town.name, town.county) == ("茶坝乡", "青川县")
        assert [(v.name, v.quota) for v in town.villages] == [("炉场村", 95), ("兴龙村", 120), ("青新村", None)]


def test_init_text_output_and_global_db_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.db"
    code, out, _ = run(capsys, "--db", str(path), "init", "--township-code", "510822105",
                       "--township-name", "茶坝乡", "--village", "炉场村:95")
    assert code == 0 and "茶坝乡" in out and "1 个村" in out
    assert path.exists()


@pytest.mark.parametrize("village", ["炉场村:abc", "炉场村:-5", "炉场村:9.5", ":95"])
def test_init_bad_village_argument_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], village: str
) -> None:
    path = tmp_path / "t.db"
    code, _, err = run(capsys, "init", "--db", str(path), "--township-code", "510822105",
                       "--township-name", "茶坝乡", "--village", village)
    assert_clean_error(code, err)
    assert not path.exists()


def test_init_bad_township_code_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "init", "--db", str(tmp_path / "t.db"), "--township-code", "5108",
                       "--township-name", "茶坝乡", "--village", "炉场村")
    assert_clean_error(code, err, "乡镇代码")


def test_init_twice_is_refused(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "init", "--db", str(db), "--township-code", "510822105",
                       "--township-name", "茶坝乡", "--village", "炉场村")
    assert_clean_error(code, err, "已设置过")


# -- check-id -------------------------------------------------------------------------------------
def test_check_id_json_shape_and_exit_1_when_any_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check-id", GOOD_ID.lower(), BAD_ID, "--json")
    assert code == 1
    results = json.loads(out)
    assert [set(r) for r in results] == [{"input", "valid", "normalized", "birth_date", "sex", "error", "id_type",
                                          "disability_category", "disability_grade", "warning"}] * 2
    assert results[0] == {"input": GOOD_ID.lower(), "valid": True, "normalized": GOOD_ID,
                          "birth_date": "1949-12-31", "sex": "女", "error": None, "id_type": "居民身份证",
                          "disability_category": None, "disability_grade": None, "warning": None}
    assert results[1]["valid"] is False and "校验码" in results[1]["error"]


def test_check_id_of_a_disability_card_and_an_unknown_address_code(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date

    from fupin_desktop.domain.idnumber import make_id

    unknown = make_id("519999", date(1980, 1, 1), 11)
    code, out, _ = run(capsys, "check-id", GOOD_ID + "42", unknown, GOOD_ID + "92", "--json")
    assert code == 1  # one of them is invalid
    results = json.loads(out)
    assert results[0]["valid"] and results[0]["id_type"] == "残疾人证"
    assert (results[0]["disability_category"], results[0]["disability_grade"]) == ("肢体残疾", "二级")
    assert results[1]["valid"] and "519999" in results[1]["warning"]  # a warning, still valid
    assert not results[2]["valid"] and "第19位残疾类别" in results[2]["error"]
    code, out, _ = run(capsys, "check-id", GOOD_ID + "42")
    assert code == 0 and "残疾人证" in out and "肢体残疾二级" in out


def test_check_id_exit_0_when_all_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check-id", GOOD_ID, "110105491231002")
    assert code == 0
    assert out.count("正确") == 2


def test_check_id_text_output_explains_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check-id", "12345")
    assert code == 1 and "错误" in out and "18位" in out


# -- households and show ------------------------------------------------------------------------
def test_households_json_shape(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "households", "--db", str(db))
    assert len(rows) == 3
    assert all(set(r) == {"id", "number", "village", "group", "head_name", "size", "township"} for r in rows)
    assert {r["township"] for r in rows} == {"茶坝乡"}
    assert [r["number"] for r in rows] == sorted(r["number"] for r in rows)
    assert {(r["head_name"], r["size"], r["village"]) for r in rows} == {
        ("张三", 2, "炉场村"), ("王五", 3, "炉场村"), ("𠮷祥", 3, "兴龙村"),
    }


def test_households_village_and_search_filters(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [r["head_name"] for r in run_json(capsys, "households", "--db", str(db), "--village", "兴龙村")] == ["𠮷祥"]
    assert [r["head_name"] for r in run_json(capsys, "households", "--db", str(db), "--search", "zs")] == ["张三"]
    assert [r["head_name"] for r in run_json(capsys, "households", "--db", str(db), "--search", "王小明")] == ["王五"]
    assert run_json(capsys, "households", "--db", str(db), "--village", "炉场村", "--search", "𠮷祥") == []


def test_households_text_output(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", str(db), "households")
    assert code == 0 and len(out.splitlines()) == 3 and "共 3 户" in err


def test_show_json_shape(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [first] = [r for r in run_json(capsys, "households", "--db", str(db)) if r["head_name"] == "王五"]
    data = run_json(capsys, "show", str(first["id"]), "--db", str(db))

    with Store(db) as store:
        grid_ids = {f.id for f in store.spec.grid_fields()}
    assert set(data) == {"household", "members", "helpers", "plans", "measures", "results"}
    assert grid_ids <= set(data["household"])
    h = data["household"]
    assert (h["id"], h["head_name"], h["size"], h["village"]) == (first["id"], "王五", 3, "炉场村")
    assert [m["name"] for m in data["members"]] == ["王五", "赵六", "王小明"]
    member = data["members"][0]
    assert {"name", "id_number", "sex", "birth_date", "relation", "ethnicity"} <= set(member)
    assert member["relation"] == "户主" and re.fullmatch(r"\d{4}-\d\d-\d\d", member["birth_date"])
    assert data["helpers"] and data["plans"] and data["measures"] and data["results"]


def test_show_text_output(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [r["id"] for r in run_json(capsys, "households", "--db", str(db), "--search", "zs")]
    code, out, _ = run(capsys, "show", str(ids[0]), "--db", str(db))
    assert code == 0 and "户主 张三" in out and "李梅" in out


# -- errors ---------------------------------------------------------------------------------------
def test_missing_database_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.db"
    for argv in (["households"], ["show", "1"]):
        code, _, err = run(capsys, "--db", str(missing), *argv)
        assert_clean_error(code, err, "不存在")
    assert not missing.exists()


def test_unknown_household_fails_cleanly(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "999", "--db", str(db), "--json")
    assert_clean_error(code, err, "999")
    assert out == ""


def test_unknown_village_fails_cleanly(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "households", "--db", str(db), "--village", "外乡村")
    assert_clean_error(code, err, "外乡村")


def test_file_that_is_not_a_database_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "花名册.db"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    code, _, err = run(capsys, "households", "--db", str(path))
    assert_clean_error(code, err, "不是本程序的数据库文件")


# -- demo -------------------------------------------------------------------------------------------
def test_demo_then_households_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.db"
    result = run_json(capsys, "demo", "--db", str(path), "--households", "20", "--seed", "3")
    assert result["households"] == 20 and result["created"] is True
    rows = run_json(capsys, "households", "--db", str(path))
    assert len(rows) == 20 and len({r["id"] for r in rows}) == 20
    # Idempotent: a second run leaves the existing database alone.
    again = run_json(capsys, "demo", "--db", str(path), "--households", "5")
    assert (again["households"], again["created"]) == (20, False)
    assert run_json(capsys, "households", "--db", str(path)) == rows


# -- a real process -------------------------------------------------------------------------------
def test_real_process_prints_utf8_json_and_clean_errors(db: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "ascii"}  # a hostile console
    ok = subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(db), "households", "--json", "--search", "𠮷祥"],
        capture_output=True, cwd=REPO, env=env, timeout=60,
    )
    assert ok.returncode == 0, ok.stderr.decode("utf-8", "replace")
    assert [r["head_name"] for r in json.loads(ok.stdout.decode("utf-8"))] == ["𠮷祥"]

    bad = subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(db), "show", "999"],
        capture_output=True, cwd=REPO, env=env, timeout=60,
    )
    err = bad.stderr.decode("utf-8")
    assert bad.returncode != 0 and bad.stdout == b""
    assert_clean_error(bad.returncode, err, "999")


def test_version_is_printed(capsys) -> None:
    import pytest as _pytest

    from fupin_desktop import __version__
    from fupin_desktop.cli import main

    with _pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"fupin {__version__}"
