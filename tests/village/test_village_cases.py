"""贫困村 identification and exit (issue 17, item 4) on the households' case machinery: the
``fupin village`` verbs with --json, the quota of poor villages, the exit by incidence, the
village notices, and refusals that exit 2 with a Chinese message and change nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fupin_desktop.cli import main
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.store import Store
from tests.helpers import make_store
from tests.workflow.conftest import add_households


def fupin(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, Any, str]:
    code = main([argv[0], argv[1], "--db", str(db), "--json", *argv[2:]])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def ok(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> Any:
    code, data, err = fupin(capsys, db, *argv)
    assert code == 0, err
    return data


def refused(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    before = snapshot(db)
    code, _, err = fupin(capsys, db, *argv)
    assert code == 2 and err.strip(), err
    assert snapshot(db) == before  # nothing changed
    return err


def snapshot(db: Path) -> tuple[Any, ...]:
    with Store(db) as store:
        return (store.db.query("SELECT id, stage, status FROM cases ORDER BY id"),
                store.db.integer("SELECT COUNT(*) FROM case_records"), store.db.integer("SELECT COUNT(*) FROM objections"),
                store.db.query("SELECT id, is_poor FROM villages ORDER BY id"),
                store.db.integer("SELECT COUNT(*) FROM publicity_rounds"))


def form(store: Store, village: str, year: int, population: int) -> None:
    v = store.townships.village_by_name(village)
    assert v is not None and v.id is not None
    store.village_forms.save(VillageForm(village_id=int(v.id), village=village, year=year,
                                         fields={"year": year, "total_population": population}), "测试")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    store = make_store(tmp_path)
    add_households(store, "炉场村", 3)  # 未脱贫: their persons make 炉场村's incidence
    form(store, "炉场村", 2016, 60)
    form(store, "兴龙村", 2016, 900)
    store.close()
    return tmp_path / "township.db"


def test_identification_one_publicity_one_announcement(capsys: pytest.CaptureFixture[str], db: Path,
                                                       tmp_path: Path) -> None:
    applied = ok(capsys, db, "village", "apply", "炉场村", "兴龙村", "--date", "2016-03-01")
    assert [v["stage"] for v in applied["villages"]] == ["village_apply"] * 2
    assert set(applied["villages"][0]) >= {"village", "case", "stage", "stage_label", "status", "date"}
    ok(capsys, db, "village", "advance", "炉场村", "兴龙村", "--date", "2016-03-02", "--note", "受理")
    ok(capsys, db, "village", "advance", "炉场村", "兴龙村", "--date", "2016-03-05", "--note", "乡镇审核")
    # the households' township round does not take the villages waiting for their own
    assert "没有等待公示的户" in refused(capsys, db, "publicity", "open", "--township", "--date", "2016-03-06")
    rnd = ok(capsys, db, "village", "publicity", "--date", "2016-03-06", "--days", "7")
    assert rnd["stage"] == "village_publicity" and rnd["scope"] == "township"
    assert sorted(rnd["villages"]) == ["兴龙村", "炉场村"] and rnd["households"] == []
    # the round's notice lists the villages with their form's figures
    pdf = tmp_path / "公示.pdf"
    printed = ok(capsys, db, "village", "notice", "--round", str(rnd["round"]), "--out", str(pdf))
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert printed["pages"] == 1 and "贫困村公示" in text and "炉场村" in text and "兴龙村" in text
    assert "900" in text and "60" in text  # each village's 总人口 from its 贫困村登记表
    # print notice --round N (the households' command) prints the same village notice
    assert main(["print", "notice", "--db", str(db), "--round", str(rnd["round"]), "--out",
                 str(tmp_path / "b.pdf")]) == 0
    capsys.readouterr()
    # an objection against 兴龙村 blocks it; found true, it is refused
    obj = ok(capsys, db, "village", "objection", str(rnd["round"]), "--village", "兴龙村", "--date", "2016-03-07",
             "--text", "集体经济收入未如实填报")
    err = refused(capsys, db, "village", "advance", "兴龙村", "--date", "2016-03-14")
    assert "异议" in err
    ok(capsys, db, "publicity", "resolve", str(obj["objection"]), "--date", "2016-03-10", "--upheld",
       "--note", "核实属实")
    # the round must end before leaving it
    assert "期满" in refused(capsys, db, "village", "advance", "炉场村", "--date", "2016-03-10")
    ok(capsys, db, "village", "advance", "炉场村", "--date", "2016-03-13")
    assert "县" in refused(capsys, db, "village", "advance", "炉场村", "--date", "2016-03-20")
    ok(capsys, db, "village", "approve", "炉场村", "--date", "2016-03-20", "--document", "青扶发〔2016〕3号")
    done = ok(capsys, db, "village", "advance", "炉场村", "--date", "2016-03-25", "--note", "公告")
    assert done["villages"][0]["stage"] == "village_registered" and done["villages"][0]["status"] == "done"
    status = ok(capsys, db, "village", "status")
    by = {v["village"]: v for v in status["villages"]}
    assert by["炉场村"]["is_poor"] and by["炉场村"]["label"] == "确定为贫困村"
    assert not by["兴龙村"]["is_poor"] and by["兴龙村"]["status"] == "refused"
    assert [h["decision"] for h in by["炉场村"]["history"]] == ["申请", "通过", "通过", "通过", "通过", "通过"]
    assert status["poor_villages"] == ["炉场村"]
    announce = tmp_path / "公告.pdf"
    ok(capsys, db, "village", "notice", "--announce", "--year", "2016", "--out", str(announce))
    text = PdfReader(announce).pages[0].extract_text()
    assert "贫困村公告" in text and "炉场村" in text and "兴龙村" not in text
    # the households' own lists are untouched by villages' cases
    code, data, _ = fupin(capsys, db, "workflow", "status")
    assert code == 0 and data["households"] == []


def test_quota_of_poor_villages_needs_a_reason(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    ok(capsys, db, "policy", "set", "--poor-village-quota", "1")
    ok(capsys, db, "village", "apply", "炉场村", "兴龙村", "--date", "2016-03-01")
    err = refused(capsys, db, "village", "advance", "炉场村", "兴龙村", "--date", "2016-03-05")
    assert "贫困村规模" in err and "规模 1 个村" in err and "--override" in err
    moved = ok(capsys, db, "village", "advance", "炉场村", "兴龙村", "--date", "2016-03-05", "--override",
               "县里追加指标")
    assert any("超出贫困村规模" in w for w in moved["warnings"])
    assert ok(capsys, db, "village", "status")["quota_villages"] == 1
    with Store(db) as store:
        assert {r["override_reason"] for r in store.db.query("SELECT override_reason FROM case_records"
                                                              " WHERE decision = '通过'")} == {"县里追加指标"}


def test_exit_by_the_profiles_incidence(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    with Store(db) as store:
        for name in ("炉场村", "兴龙村"):
            v = store.townships.village_by_name(name)
            assert v is not None
            store.townships.update_village(v.__class__(**{**v.__dict__, "is_poor": True}), "测试")
        persons = store.db.integer("SELECT SUM(size) FROM households")
    # 炉场村: its 3 未脱贫 households over 60 people -- far above 3 %; 兴龙村: none of 900
    err = refused(capsys, db, "village", "exit", "炉场村", "兴龙村", "--date", "2016-12-01")
    assert "炉场村" in err and f"{persons * 100 / 60:.2f}%" in err and "3%" in err and "兴龙村" not in err
    assert "不是贫困村" in refused(capsys, db, "village", "exit", "青新村", "--date", "2016-12-01")
    assert "没有建档立卡户档案" in refused(capsys, db, "village", "exit", "兴龙村", "--date", "2017-01-05")
    with Store(db) as store, store.db.transaction():
        store.db.execute("UPDATE village_forms SET deleted = 1 WHERE year = 2016 AND village_id ="
                         " (SELECT id FROM villages WHERE name = '兴龙村')")
    assert "登记表" in refused(capsys, db, "village", "exit", "兴龙村", "--date", "2016-12-01")  # no form
    with Store(db) as store, store.db.transaction():
        store.db.execute("UPDATE village_forms SET deleted = 0 WHERE year = 2016 AND village_id ="
                         " (SELECT id FROM villages WHERE name = '兴龙村')")
    started = ok(capsys, db, "village", "exit", "兴龙村", "--date", "2016-12-01")
    assert started["villages"][0]["stage"] == "village_exit_apply"
    ok(capsys, db, "village", "advance", "兴龙村", "--date", "2016-12-02")
    ok(capsys, db, "village", "advance", "兴龙村", "--date", "2016-12-02")
    rnd = ok(capsys, db, "village", "publicity", "--exit", "--date", "2016-12-03")
    assert rnd["stage"] == "village_exit_publicity" and rnd["villages"] == ["兴龙村"]
    ok(capsys, db, "village", "advance", "兴龙村", "--date", "2016-12-20")
    ok(capsys, db, "village", "approve", "兴龙村", "--date", "2016-12-21", "--document", "青扶发〔2016〕9号")
    ok(capsys, db, "village", "advance", "兴龙村", "--date", "2016-12-22")
    with Store(db) as store:
        v = store.townships.village_by_name("兴龙村")
        assert v is not None and not v.is_poor
    # a stricter line in the profile refuses what the default allowed
    ok(capsys, db, "policy", "set", "--village-exit-incidence", "2")
    assert ok(capsys, db, "policy", "show")["village_exit_incidence"] == 2


def test_bad_input_is_refused_in_chinese(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    assert "本乡没有“无名村”" in refused(capsys, db, "village", "apply", "无名村", "--date", "2016-03-01")
    assert "不止一次" in refused(capsys, db, "village", "apply", "炉场村", "炉场村", "--date", "2016-03-01")
    assert "没有办理中" in refused(capsys, db, "village", "advance", "炉场村", "--date", "2016-03-01")
    assert "没有等待" in refused(capsys, db, "village", "publicity", "--date", "2016-03-01")
    ok(capsys, db, "village", "apply", "炉场村", "--date", "2016-03-01")
    assert "重复申请" in refused(capsys, db, "village", "apply", "炉场村", "--date", "2016-03-02")
    assert "早于" in refused(capsys, db, "village", "advance", "炉场村", "--date", "2016-02-01")
    assert "公示" in refused(capsys, db, "village", "objection", "9", "--village", "炉场村", "--date", "2016-03-02",
                           "--text", "x")
    assert "理由" in refused(capsys, db, "village", "refuse", "炉场村", "--date", "2016-03-02", "--reason", " ")
    for bad in ("-1", "abc", "1001"):
        assert refused(capsys, db, "policy", "set", "--poor-village-quota", bad)
    for bad in ("0", "abc", "101"):
        assert "贫困发生率" in refused(capsys, db, "policy", "set", "--village-exit-incidence", bad)


def test_the_command_in_a_subprocess(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.close()
    db = tmp_path / "township.db"
    run = subprocess.run([sys.executable, "-m", "fupin_desktop", "village", "apply", "青新村", "--date", "2016-05-01",
                          "--db", str(db), "--json"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["villages"][0]["village"] == "青新村"
    run = subprocess.run([sys.executable, "-m", "fupin_desktop", "village", "apply", "青新村", "--date", "2016-05-02",
                          "--db", str(db), "--json"], capture_output=True, text=True, check=False)
    assert run.returncode == 2 and "重复申请" in run.stderr and not run.stdout.strip()


def test_stats_json_carries_progress_and_education(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    ok(capsys, db, "workflow", "apply", "5108221050000000", "--date", "2016-05-01")
    assert main(["stats", "--db", str(db), "--json", "--year", "2016"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by = {p["village"]: p for p in doc["progress"]}
    assert set(by["炉场村"]) >= {"village", "village_case", "applied", "stages", "registered", "refused",
                                "open_objections", "quota_persons", "identified_persons", "in_process_persons",
                                "quota_use"}
    assert by["炉场村"]["applied"] == 1 and by["炉场村"]["stages"] == {"apply": 1} and by["炉场村"]["quota_persons"] == 95
    assert doc["education"]["school_year"] == "2016-2017" and doc["education"]["students"] == 0
