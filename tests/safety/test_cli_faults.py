"""Faults found by the reliability campaign in the ``fupin`` command: each refusal is a Chinese
message with exit code 2 and nothing changed on disk -- never a traceback, never a partial file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fupin_desktop import fileio
from fupin_desktop.cli import main
from fupin_desktop.commands._base import new_database
from fupin_desktop.demo import MAX_DEMO_HOUSEHOLDS, build_demo
from fupin_desktop.store import Store, StoreError
from tests import diskfull

REPO = Path(__file__).resolve().parents[2]
HUGE = "99999999999999999999999"


def fupin(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("错误："), proc.stderr
    for word in words:
        assert word in last, proc.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(path) as store:
        build_demo(store, households=12)
    return path


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def databases(folder: Path) -> list[str]:
    """The files, without the -wal/-shm a read-only look (diskfull.db_digest) leaves beside a database."""
    return [n for n in files(folder) if not n.endswith(("-wal", "-shm"))]


# -- numbers -----------------------------------------------------------------------------------
def test_a_huge_household_number_is_a_message_not_an_overflow(demo_db: Path, tmp_path: Path) -> None:
    before = diskfull.db_digest(demo_db)
    refused(fupin("show", "--db", str(demo_db), HUGE), "户的编号", HUGE)
    refused(fupin("print", "card", "--db", str(demo_db), "--household", HUGE, "--out", str(tmp_path / "c.pdf")),
            "户的编号")
    assert files(tmp_path) == [] and diskfull.db_digest(demo_db) == before


@pytest.mark.parametrize("argv", [
    ["show", "{db}", "0"],
    ["show", "{db}", "-5"],
    ["show", "{db}", "abc"],
    ["show", "{db}", "1" * 5000],  # more digits than int() takes
    ["--household", HUGE, "gui", "{db}"],
    ["print", "card", "{db}", "--household", "9223372036854775808", "--out", "{out}"],
    ["print", "handbook", "{db}", "--household", HUGE, "--out", "{out}"],
    ["print", "notice", "{db}", "--village", "兴龙村", "--round", "first", "--days", "100000", "--out", "{out}"],
    ["print", "notice", "{db}", "--village", "兴龙村", "--round", "first", "--days", "0", "--out", "{out}"],
    ["print", "notice", "{db}", "--village", "兴龙村", "--round", "first", "--year", HUGE, "--out", "{out}"],
    ["print", "blank", "card", "--copies", "100000000", "--out", "{out}"],
    ["policy", "set", "{db}", "--publicity-days", "61"],
    ["policy", "set", "{db}", "--limit", "forest_per_person=1e999"],
    ["demo", "{newdb}", "--households", "1000000000"],
    ["demo", "{newdb}", "--households", "-1"],
    ["demo", "{newdb}", "--seed", HUGE],
    ["sync", "upload", "{db}", "--url", "http://127.0.0.1:1", "--attempts", HUGE],
    ["sync", "upload", "{db}", "--url", "http://127.0.0.1:1", "--timeout", "nan"],
    ["sync", "serve", "{db}", "--port", "70000"],
])
def test_every_number_argument_is_checked(argv: list[str], demo_db: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = diskfull.db_digest(demo_db)
    args = []
    for a in argv:
        if a in ("{db}", "{newdb}"):
            args += ["--db", str(demo_db) if a == "{db}" else str(tmp_path / "new.db")]
        else:
            args.append(str(tmp_path / "out.pdf") if a == "{out}" else a)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("错误：") and "应为" in err and "Traceback" not in err
    assert files(tmp_path) == [] and diskfull.db_digest(demo_db) == before


def test_the_demo_limit_names_the_range(tmp_path: Path) -> None:
    proc = fupin("demo", "--db", str(tmp_path / "d.db"), "--households", "1000000000")
    refused(proc, f"0-{MAX_DEMO_HOUSEHOLDS}")
    assert files(tmp_path) == []
    with Store(tmp_path / "x.db") as store, pytest.raises(ValueError, match="200000"):
        build_demo(store, households=MAX_DEMO_HOUSEHOLDS + 1)


# -- JSON from outside -------------------------------------------------------------------------
def test_deeply_nested_or_huge_json_is_refused_everywhere(demo_db: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    before = diskfull.db_digest(demo_db)
    refused(fupin("policy", "import", "--db", str(demo_db), str(deep)), "嵌套过深")
    refused(fupin("sync", "trust", "--db", str(demo_db), "--county-key", str(deep)), "不是本程序的公钥文件")
    big = tmp_path / "big.json"
    big.write_text('{"a": "' + "x" * (2 << 20) + '"}', encoding="utf-8")
    refused(fupin("policy", "import", "--db", str(demo_db), str(big)), "过大")
    assert diskfull.db_digest(demo_db) == before


def test_the_shared_json_reader_bounds_size_and_depth() -> None:
    assert fileio.loads_json(b'\xef\xbb\xbf{"a": [1, {"b": "[[[[\\"["}]}', max_bytes=100) == {"a": [1, {"b": '[[[["['}]}
    assert fileio.json_depth('{"a": [[1], [2, {"b": 3}]]}') == 4
    for text, why in (("[" * 65 + "]" * 65, "嵌套过深"), ("[" * 10**6, "嵌套过深"), ("[}", "不是有效的 JSON"),
                      ("[" * 10**5 + "}" * 10**5, "嵌套过深|不是有效"), ('{"a": 1', "不是有效的 JSON"), ("x" * 101, "过大")):
        with pytest.raises(fileio.JsonError, match=why):
            fileio.loads_json(text, max_bytes=100 if why == "过大" else 10**7)
    with pytest.raises(fileio.JsonError, match="UTF-8"):
        fileio.loads_json(b"\xff\xfe{}", max_bytes=100)
    assert fileio.loads_json("[" * 64 + "]" * 64, max_bytes=1000) is not None


def test_batch_parts_with_deep_json_are_refused_as_damaged() -> None:
    import struct

    from fupin_desktop.sync.format import SyncError, json_lines
    from fupin_desktop.sync.seal import MAGIC_BATCH, read_header

    deep = b"[" * 5000 + b"]" * 5000
    with pytest.raises(SyncError, match="损坏"):
        read_header(MAGIC_BATCH + struct.pack(">I", len(deep[:16000])) + deep[:16000])
    with pytest.raises(SyncError, match="不是有效数据"):
        list(json_lines("households-00001.jsonl", b'{"a": 1}\n' + b'{"a":' * 100 + b"1" + b"}" * 100))


# -- the last resort ---------------------------------------------------------------------------
def test_an_unforeseen_error_is_one_chinese_line(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from fupin_desktop import services

    def broken(_ids: list[str]) -> list[dict[str, object]]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(services, "check_ids", broken)
    monkeypatch.delenv("FUPIN_DEBUG", raising=False)
    assert main(["check-id", "510822198001010011"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：操作没有完成") and "ZeroDivisionError" in err
    assert "Traceback" not in err
    monkeypatch.setenv("FUPIN_DEBUG", "1")
    assert main(["check-id", "510822198001010011"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("错误：操作没有完成")


# -- no partial databases ----------------------------------------------------------------------
def test_an_interrupted_demo_leaves_no_database(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    proc = subprocess.Popen([sys.executable, "-m", "fupin_desktop", "demo", "--db", str(db), "--households",
                             str(MAX_DEMO_HOUSEHOLDS)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        # Wait until the build has started (its temporary database exists and holds households).
        deadline = time.monotonic() + 120
        while not any(n.endswith(".db") and n.startswith(".d.new-") for n in files(tmp_path)):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "中断" in err and "Traceback" not in err, err
    assert files(tmp_path) == []


def test_a_new_database_never_replaces_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "t.db"
    with pytest.raises(StoreError, match="已存在"), new_database(str(target)) as store:
        store.set_operator("甲")
        target.write_bytes(b"someone else's file")  # another program made it meanwhile
    assert target.read_bytes() == b"someone else's file" and files(tmp_path) == ["t.db"]
    with pytest.raises(RuntimeError), new_database(str(tmp_path / "u.db")):
        raise RuntimeError("failed half-way")
    assert files(tmp_path) == ["t.db"]
    with new_database(str(tmp_path / "u.db")) as store:
        store.set_operator("乙")
    assert files(tmp_path) == ["t.db", "u.db"]
    with Store(tmp_path / "u.db") as store:
        assert store.operator == "乙"


@pytest.mark.parametrize("bad", [
    ["--township-code", "12x", "--township-name", "茶坝乡", "--village", "炉场村"],
    ["--township-code", "510822105", "--township-name", " ", "--village", "炉场村"],
    ["--township-code", "510822105", "--township-name", "茶坝乡", "--village", "炉场村", "--village", "炉场村"],
    ["--township-code", "510822105", "--township-name", "茶坝乡", "--village", "炉场村:九十"],
    ["--township-code", "510822105", "--township-name", "茶坝乡", "--village", "炉场村", "--poor-village", "外村"],
])
def test_a_refused_init_leaves_no_file(bad: list[str], tmp_path: Path) -> None:
    refused(fupin("init", "--db", str(tmp_path / "t.db"), *bad))
    assert files(tmp_path) == []


def test_init_makes_the_whole_database_or_refuses_an_existing_one(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    args = ["init", "--db", str(db), "--township-code", "510822105", "--township-name", "茶坝乡",
            "--village", "炉场村:95", "--poor-village", "炉场村"]
    assert fupin(*args).returncode == 0
    assert files(tmp_path) == ["t.db"]
    with Store(db) as store:
        town = store.townships.get()
        assert town is not None and [(v.name, v.quota, v.is_poor) for v in town.villages] == [("炉场村", 95, True)]
    before = diskfull.db_digest(db)
    refused(fupin(*args), "已设置过乡镇")
    assert diskfull.db_digest(db) == before and databases(tmp_path) == ["t.db"]


def test_a_refused_county_set_up_leaves_no_file_and_an_existing_one_untouched(demo_db: Path, tmp_path: Path) -> None:
    env = {"FUPIN_PASSPHRASE": "county-secret-2016"}
    out = str(tmp_path / "county.pub")
    refused(fupin("sync", "init-county", "--db", str(tmp_path / "c.db"), "--county-code", "12",
                  "--county-name", "青川县", "--out", out, env=env), "县代码")
    refused(fupin("sync", "init-county", "--db", str(tmp_path / "c.db"), "--county-code", "510822",
                  "--county-name", "青川县", "--out", out, env={"FUPIN_PASSPHRASE": "short"}), "口令")
    assert files(tmp_path) == []
    before = diskfull.db_digest(demo_db)
    refused(fupin("sync", "init-county", "--db", str(demo_db), "--county-code", "510822",
                  "--county-name", "青川县", "--out", out, env=env), "乡镇数据库")
    assert demo_db.exists() and diskfull.db_digest(demo_db) == before and files(tmp_path) == []
