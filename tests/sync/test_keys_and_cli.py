"""Keys, passphrases, fingerprints and the ``fupin sync`` commands exactly as the issue lists them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store import Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.format import SyncError, WrongPassphrase
from fupin_desktop.sync.keys import (
    ensure_township_key,
    read_key_file,
    register_township,
    unlock_county,
    unlock_township,
)
from tests.helpers import full_household, make_store
from tests.sync.world import World, make_county

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FINGERPRINT = re.compile(r"^([0-9A-F]{4} ){7}[0-9A-F]{4}$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_private_keys_need_the_right_passphrase(world: World) -> None:
    # A wrong passphrase is its own type (the GUI forgets the one it kept), and still a SyncError.
    with pytest.raises(WrongPassphrase, match="口令不正确"):
        unlock_county(SyncRepository(world.county.db), "wrong passphrase")
    with pytest.raises(WrongPassphrase, match="口令不正确"):
        unlock_township(SyncRepository(world.town.db), "wrong passphrase")
    assert issubclass(WrongPassphrase, SyncError)
    with pytest.raises(SyncError, match="FUPIN_PASSPHRASE") as missing:
        unlock_township(SyncRepository(world.town.db), None)
    assert not isinstance(missing.value, WrongPassphrase)
    # Nothing readable of the private keys is kept in the file.
    for row in world.county.db.query("SELECT private_key FROM sync_keys"):
        assert b"PRIVATE" not in bytes(row[0]) and b"scrypt" in bytes(row[0])


def test_a_short_passphrase_is_refused_when_making_keys(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    with pytest.raises(SyncError, match="至少 8 位"):
        ensure_township_key(SyncRepository(store.db), "1234")
    store.close()


def test_an_edited_public_key_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county = tmp_path / "county.db"
    assert run(capsys, "sync", "init-county", "--db", str(county), "--county-code", "510822",
               "--county-name", "青川县", "--out", str(tmp_path / "county.pub"))[0] == 0
    data = json.loads((tmp_path / "county.pub").read_text(encoding="utf-8"))
    data["x25519"] = data["ed25519"]  # swap in another key
    (tmp_path / "evil.pub").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SyncError, match="指纹与密钥不符"):
        read_key_file(tmp_path / "evil.pub")
    (tmp_path / "junk.pub").write_bytes(b"\x00\xff" * 10)
    with pytest.raises(SyncError, match="不是本程序的公钥文件"):
        read_key_file(tmp_path / "junk.pub")


def test_a_township_cannot_be_registered_again_with_another_key(world: World, tmp_path: Path) -> None:
    impostor = make_store(tmp_path, "impostor.db")  # same code 510822105, other key
    pub = ensure_township_key(SyncRepository(impostor.db), "another passphrase")
    with pytest.raises(SyncError, match="已登记了另一把密钥"):
        register_township(SyncRepository(world.county.db), pub, "县里")
    register_township(SyncRepository(world.county.db), pub, "县里", replace=True)
    assert SyncRepository(world.county.db).township("510822105").fingerprint == pub.fingerprint
    impostor.close()


def test_headless_exchange_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town, county = tmp_path / "town.db", tmp_path / "county.db"
    with make_store(tmp_path, "town.db") as store:
        for seed in (1, 2):
            store.households.save(full_household(store.spec, seed=seed), "测试")
    usb = tmp_path / "usb"
    usb.mkdir()

    code, out, _ = run(capsys, "sync", "init-county", "--db", str(county), "--county-code", "510822",
                       "--county-name", "青川县", "--out", str(tmp_path / "county.pub"), "--json")
    assert code == 0
    county_fp = json.loads(out)["fingerprint"]
    assert FINGERPRINT.match(county_fp)
    code, out, _ = run(capsys, "sync", "trust", "--db", str(town), "--county-key", str(tmp_path / "county.pub"))
    assert code == 0 and county_fp in out  # the same fingerprint on both sides, to read over the phone
    code, out, _ = run(capsys, "sync", "township-key", "--db", str(town), "--out", str(tmp_path / "town.pub"))
    assert code == 0
    town_fp = re.search(r"指纹：([0-9A-F ]{39})", out).group(1)
    code, out, _ = run(capsys, "sync", "trust", "--db", str(county), "--township-key", str(tmp_path / "town.pub"))
    assert code == 0 and town_fp in out

    code, out, _ = run(capsys, "sync", "export", "--db", str(town), "--out", str(usb), "--json")
    assert code == 0
    exported = json.loads(out)
    assert {"batch", "sequence", "counts", "held_back"} <= set(exported)
    assert exported["sequence"] == 1 and exported["counts"]["households"] == 2 and exported["held_back"] == []

    code, out, _ = run(capsys, "sync", "import", "--db", str(county), exported["batch"], "--json")
    assert code == 0
    [imported] = json.loads(out)
    assert imported["status"] == "imported" and imported["township"] == "510822105"
    assert imported["missing_sequences"] == [] and imported["conflicts"] == [] and imported["duplicates"] == []

    code, out, _ = run(capsys, "households", "--db", str(county), "--json")
    assert code == 0 and {r["township"] for r in json.loads(out)} == {"茶坝乡"}

    feedback = tmp_path / "feedback.fpfeedback"
    code, out, _ = run(capsys, "sync", "feedback", "--db", str(county), "--township", "510822105", "--out",
                       str(feedback))
    assert code == 0 and feedback.exists()
    code, out, _ = run(capsys, "sync", "import-feedback", "--db", str(town), str(feedback), "--json")
    assert code == 0 and [b["sequence"] for b in json.loads(out)["batches"]] == [1]

    # Errors are Chinese messages with a non-zero exit, never a traceback.
    code, _, err = run(capsys, "sync", "import-feedback", "--db", str(county), str(feedback))
    assert code != 0 and CHINESE.search(err) and "Traceback" not in err
    code, _, err = run(capsys, "sync", "export", "--db", str(county), "--out", str(usb))
    assert code != 0 and "县级数据库" in err
    with Store(town) as store:
        assert SyncRepository(store.db).outbox()[0].state == "acknowledged"


def test_missing_passphrase_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUPIN_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", None)
    make_county(tmp_path / "c.db").close()  # made with the passphrase the fixture set earlier
    code, _, err = run(capsys, "sync", "import", "--db", str(tmp_path / "c.db"), str(tmp_path / "x.fpsync"))
    assert code != 0 and "FUPIN_PASSPHRASE" in err


def test_a_township_does_not_silently_trust_another_county_key(world: World, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from fupin_desktop.sync.keys import own_county_public, write_key_file

    impostor = make_county(tmp_path / "impostor.db")
    key = write_key_file(tmp_path / "impostor.pub", own_county_public(SyncRepository(impostor.db)))
    impostor.close()
    trusted = SyncRepository(world.town.db).county()
    code, _, err = run(capsys, "sync", "trust", "--db", str(world.town.path), "--county-key", str(key))
    assert code != 0 and "--replace" in err and trusted.fingerprint in err
    assert SyncRepository(world.town.db).county() == trusted
    code, out, _ = run(capsys, "sync", "trust", "--db", str(world.town.path), "--county-key", str(key), "--replace")
    assert code == 0 and SyncRepository(world.town.db).county().fingerprint != trusted.fingerprint


def test_commands_on_the_wrong_kind_of_database_say_which_it_is(world: World, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    town, county = str(world.town.path), str(world.county.path)
    code, _, err = run(capsys, "sync", "import", "--db", town, str(tmp_path / "x.fpsync"))
    assert code != 0 and "这是乡镇数据库" in err
    code, _, err = run(capsys, "sync", "feedback", "--db", town, "--township", "510822105", "--out", str(tmp_path))
    assert code != 0 and "这是乡镇数据库" in err
    code, _, err = run(capsys, "sync", "import-feedback", "--db", county, str(tmp_path / "x.fpfeedback"))
    assert code != 0 and "这是县级数据库" in err
    code, _, err = run(capsys, "sync", "upload", "--db", county, "--url", "http://127.0.0.1:9")
    assert code != 0 and "这是县级数据库" in err
    code, _, err = run(capsys, "sync", "upload", "--db", town, "--url", "ftp://county")
    assert code != 0 and "地址" in err  # a bad address is said even with nothing to send


def test_feedback_command_names_the_township(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sync", "feedback", "--db", str(world.county.path), "--township", "510822105",
                       "--out", str(tmp_path))
    assert code == 0 and "茶坝乡（510822105）" in out
    code, out, _ = run(capsys, "sync", "feedback", "--db", str(world.county.path), "--township", "510822105",
                       "--out", str(tmp_path / "f.fpfeedback"), "--json")
    assert code == 0 and json.loads(out)["township_name"] == "茶坝乡"
    code, out, _ = run(capsys, "sync", "import-feedback", "--db", str(world.town.path), str(tmp_path / "f.fpfeedback"))
    assert code == 0 and re.search(r"（\d{4}-\d\d-\d\d \d\d:\d\d）", out), out  # local time, not raw ISO


def test_a_refused_init_county_leaves_no_database_file(tmp_path, capsys) -> None:
    from fupin_desktop.cli import main

    db = tmp_path / "county.db"
    code = main(["sync", "init-county", "--db", str(db), "--county-code", "51x822",
                 "--county-name", "青川县", "--out", str(tmp_path / "county.pub")])
    assert code != 0
    assert "县代码" in capsys.readouterr().err
    assert not db.exists() and not (tmp_path / "county.db-wal").exists()
