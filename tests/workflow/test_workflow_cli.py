"""``fupin quota|workflow|publicity``: the issue's contract (names, options, JSON keys), refusals
that exit non-zero with a Chinese message and change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store import Store
from tests.helpers import make_store
from tests.workflow.conftest import add_households

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, list[str]]:
    store = make_store(tmp_path)
    ids = add_households(store, "炉场村", 3)
    numbers = [store.households.get(i).fields["number"] for i in ids]
    store.close()
    return tmp_path / "township.db", numbers


def fupin(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, object, str]:
    code = main([argv[0], argv[1], "--db", str(db), "--json", *argv[2:]] if len(argv) > 1 else list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def records(db: Path) -> list:
    with Store(db) as store:
        return store.cases.all_records()


def test_the_year_headless_with_the_contract_keys(capsys: pytest.CaptureFixture[str], db) -> None:
    path, (a, b, c) = db
    assert fupin(capsys, path, "quota", "set", "--village", "炉场村", "--persons", "95", "--year", "2016")[0] == 0
    assert fupin(capsys, path, "quota", "set", "--township", "--persons", "7043", "--year", "2016")[0] == 0
    code, rows, _ = fupin(capsys, path, "quota", "show", "--year", "2016")
    assert set(rows[0]) == {"village", "quota_persons", "identified_persons", "in_process_persons"}
    assert rows[0]["quota_persons"] == 95
    assert fupin(capsys, path, "workflow", "apply", a, b, c, "--date", "2016-06-01")[0] == 0
    for day in ("2016-06-02", "2016-06-03", "2016-06-04"):
        code, _, err = fupin(capsys, path, "workflow", "advance", a, b, c, "--date", day, "--note", "会议")
        assert code == 0, err
    code, rnd, _ = fupin(capsys, path, "publicity", "open", "--village", "炉场村", "--date", "2016-06-05", "--days", "7")
    assert {"round", "stage", "start", "end", "households"} <= set(rnd)
    assert (rnd["stage"], rnd["end"], sorted(rnd["households"])) == ("publicity1", "2016-06-11", sorted([a, b, c]))
    code, obj, _ = fupin(capsys, path, "publicity", "objection", str(rnd["round"]), "--household", b,
                         "--date", "2016-06-06", "--text", "有小轿车", "--by", "李四")
    assert code == 0 and set(obj) == {"objection"}
    before = records(path)
    code, _, err = fupin(capsys, path, "workflow", "advance", a, b, "--date", "2016-06-12")
    assert code == 2 and "异议" in err and records(path) == before  # all or none
    code, _, err = fupin(capsys, path, "workflow", "advance", a, "--date", "2016-06-10")
    assert code == 2 and "--override" in err and records(path) == before
    assert fupin(capsys, path, "publicity", "resolve", str(obj["objection"]), "--date", "2016-06-08", "--upheld",
                 "--note", "核实有车")[0] == 0
    assert fupin(capsys, path, "workflow", "advance", a, "--date", "2016-06-10", "--override", "防汛")[0] == 0
    code, status, _ = fupin(capsys, path, "workflow", "status", "--village", "炉场村")
    assert set(status) == {"households", "villages"}
    first = status["households"][0]
    assert {"number", "village", "stage", "stage_label", "label", "open_objections", "history"} <= set(first)
    assert {"stage", "date", "decision", "note", "reason"} <= set(first["history"][0])
    by = {h["number"]: h for h in status["households"]}
    assert by[b]["history"][-1]["decision"] == "不予认定" and by[a]["stage"] == "review"
    assert fupin(capsys, path, "workflow", "appeal", b, "--date", "2016-06-20", "--text", "车是借的")[0] == 0
    code, listed, _ = fupin(capsys, path, "publicity", "list")
    assert listed["objections"][0]["finding"] == "成立" and listed["rounds"][0]["households"]


def test_refusals_are_clean(capsys: pytest.CaptureFixture[str], db) -> None:
    path, (a, _, _) = db
    for argv, word in ((("workflow", "advance", a, "--date", "2016-06-01"), "没有办理中"),
                       (("workflow", "apply", "nosuch", "--date", "2016-06-01"), "nosuch"),
                       (("workflow", "apply", a, "--date", "2016-13-01"), "日期"),
                       (("quota", "set", "--village", "无名村", "--persons", "3"), "无名村"),
                       (("quota", "set", "--village", "炉场村", "--persons", "-3"), "规模人数"),
                       (("publicity", "open", "--village", "炉场村", "--date", "2016-06-01"), "没有等待公示"),
                       (("publicity", "resolve", "5", "--date", "2016-06-01", "--dismissed", "--note", "x"), "异议"),
                       (("workflow", "exit", a, "--date", "2016-06-01", "--consent-date", "2016-06-02"), "晚于")):
        code, _, err = fupin(capsys, path, *argv)
        assert code == 2 and word in err and "Traceback" not in err, (argv, err)
    assert records(path) == []


def test_a_real_process(db) -> None:
    path, (a, _, _) = db
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "fupin_desktop", "workflow", "apply", a, "--db", str(path),
                          "--date", "2016-06-01", "--json"], capture_output=True, cwd=REPO, env=env, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["households"][0]["stage"] == "apply"
    again = subprocess.run([sys.executable, "-m", "fupin_desktop", "workflow", "apply", a, "--db", str(path),
                            "--date", "2016-06-02"], capture_output=True, cwd=REPO, env=env, timeout=60)
    assert again.returncode == 2 and "重复申请" in again.stderr.decode() and again.stdout == b""


def test_meeting_with_votes_warns_on_panel_size(capsys: pytest.CaptureFixture[str], db, tmp_path: Path) -> None:
    path, (a, b, c) = db
    assert fupin(capsys, path, "workflow", "apply", a, b, "--date", "2016-06-01")[0] == 0
    code, out, err = fupin(capsys, path, "workflow", "meeting", "--village", "炉场村", "--date", "2016-06-08",
                           "--place", "村委会", "--panel", "7", "--attendance", "42", "--vote", f"{a}:6:1:0",
                           "--vote", f"{b}:2:5:0", "--rank", f"{a}:1")
    assert code == 0 and out["meeting"] == 1 and "9-15" in err and "9-15" in out["warnings"][0]
    code, _, err = fupin(capsys, path, "workflow", "meeting", "--village", "炉场村", "--date", "2016-06-08",
                         "--panel", "11", "--attendance", "40", "--vote", f"{c}:6:1:0")
    assert code == 2 and "没有识别申请" in err
    code, _, err = fupin(capsys, path, "workflow", "meeting", "--village", "炉场村", "--date", "2016-06-08",
                         "--panel", "11", "--attendance", "40", "--vote", f"{a}:6:1")
    assert code == 2 and "户编号:数:数:数" in err
    xlsx = tmp_path / "a.xlsx"
    assert main(["print", "appraisal", "--db", str(path), "--village", "炉场村", "--out", str(tmp_path / "a.pdf"),
                 "--xlsx", str(xlsx)]) == 0
    from openpyxl import load_workbook

    rows = [r for r in load_workbook(xlsx).active.iter_rows(min_row=3, values_only=True) if r[0]]
    assert sorted((r[12], r[13]) for r in rows) == [("2", "5"), ("6", "1")]


def test_overrides_are_listed(capsys: pytest.CaptureFixture[str], db) -> None:
    path, (a, _, _) = db
    fupin(capsys, path, "workflow", "apply", a, "--date", "2016-06-01")
    for day in ("02", "03", "04"):
        fupin(capsys, path, "workflow", "advance", a, "--date", f"2016-06-{day}")
    fupin(capsys, path, "publicity", "open", "--village", "炉场村", "--date", "2016-06-05")
    assert fupin(capsys, path, "workflow", "advance", a, "--date", "2016-06-06", "--override", "汛期提前上报")[0] == 0
    code, rows, _ = fupin(capsys, path, "workflow", "overrides")
    assert [(r["number"], r["stage"], r["override"]) for r in rows] == [(a, "publicity1", "汛期提前上报")]
