"""Damaged, cut, misaddressed, unknown, spliced, replayed or unsafe batches are refused cleanly.

Every refusal gives a Chinese message and leaves the county database exactly as it was (a hash
of every row of every table, before and after).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import import_bytes
from fupin_desktop.sync.format import PayloadWriter, SyncError, dumps_line, read_entries
from fupin_desktop.sync.keys import CountyPrivate, own_county_public, trust_county
from fupin_desktop.sync.seal import parse_envelope
from tests.helpers import full_household
from tests.sync.tamper import decrypt, rebuild, seal
from tests.sync.world import World, digest, export, import_, link, make_county, make_township, unlock

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def batch(world: World) -> bytes:
    path = export(world.town, world.stick).batch
    return Path(path).read_bytes()


@pytest.fixture
def county_key(world: World) -> CountyPrivate:
    return unlock(world.county)


def assert_refused(world: World, key: CountyPrivate, data: bytes, *words: str) -> str:
    result = import_bytes(world.county, data, county=key, name="x.fpsync")
    assert result.status == "refused", (result.status, result.message)
    assert CHINESE.search(result.message), result.message
    for word in words:
        assert word in result.message, result.message
    return result.message


def test_one_flipped_byte_anywhere_is_refused(world: World, batch: bytes, county_key: CountyPrivate) -> None:
    env = parse_envelope(batch)
    header_end = env.frames[0][0]
    size = len(batch)
    positions = set(range(0, header_end + 8))  # magic, header length, header, first frame length
    positions |= set(range(size - 64 - 40, size))  # end of the last chunk and the whole signature
    positions |= set(range(header_end, size, max(1, size // 400)))  # manifest and payload chunks
    for offset, length in env.frames:  # every frame boundary and tag
        positions |= {offset - 4, offset, offset + length - 16, offset + length - 1}
    before = digest(world.county)
    for pos in sorted(p for p in positions if 0 <= p < size):
        for flip in (0x01, 0x80):
            damaged = bytearray(batch)
            damaged[pos] ^= flip
            assert_refused(world, county_key, bytes(damaged))
    assert digest(world.county) == before
    assert import_bytes(world.county, batch, county=county_key).status == "imported"  # the original is fine


def test_every_truncation_is_refused(world: World, batch: bytes, county_key: CountyPrivate) -> None:
    before = digest(world.county)
    lengths = range(len(batch)) if len(batch) <= 30_000 else sorted(
        set(range(0, 4096)) | set(range(len(batch) - 4096, len(batch))) | set(range(0, len(batch), 7)))
    for n in lengths:
        assert_refused(world, county_key, batch[:n])
    assert digest(world.county) == before


def test_bytes_appended_are_refused(world: World, batch: bytes, county_key: CountyPrivate) -> None:
    before = digest(world.county)
    for tail in (b"\x00", b"x" * 100, batch[-64:]):
        assert_refused(world, county_key, batch + tail)
    assert digest(world.county) == before


def test_batch_sealed_to_another_county_is_refused(world: World, county_key: CountyPrivate) -> None:
    impostor = make_county(world.root / "other-county.db")
    trust_county(SyncRepository(world.town.db), own_county_public(SyncRepository(impostor.db)), replace=True)
    data = Path(export(world.town, world.stick).batch).read_bytes()
    impostor.close()
    before = digest(world.county)
    # The fingerprint the township can compare is the one of the county.pub it was given.
    assert_refused(world, county_key, data, "不是发给本县的", county_key.public.fingerprint)
    assert digest(world.county) == before


def test_a_missing_or_unreadable_batch_file_is_refused_in_chinese(world: World) -> None:
    [missing, folder] = import_(world.county, world.root / "gone.fpsync", world.stick)
    assert missing.status == folder.status == "refused"
    assert "文件或文件夹不存在" in missing.message and "No such file" not in missing.message
    assert CHINESE.search(folder.message) and "Errno" not in folder.message


def test_batch_from_an_unregistered_township_is_refused(world: World, county_key: CountyPrivate) -> None:
    stranger = make_township(world.root / "stranger.db", {"code": "510822107", "name": "石隘乡"}, {"石隘村": (10, ["一组"])})
    link(stranger, world.county)
    with world.county.db.transaction():  # as if never registered
        world.county.db.execute("DELETE FROM sync_townships WHERE code = '510822107'")
    stranger.households.save(full_household(stranger.spec, village="石隘村", seed=9), "测试")
    data = Path(export(stranger, world.root / "s").batch).read_bytes()
    stranger.close()
    before = digest(world.county)
    assert_refused(world, county_key, data, "未登记", "fupin sync trust")
    assert digest(world.county) == before


def test_manifest_of_another_batch_is_refused(world: World, county_key: CountyPrivate) -> None:
    first = Path(export(world.town, world.stick).batch).read_bytes()
    hh = world.town.households.get(world.saved["town"][0])
    hh.fields["phone"] = "13500000000"
    world.town.households.save(hh, "测试")
    second = Path(export(world.town, world.stick).batch).read_bytes()
    manifest_a, _payload_a = decrypt(world.county, county_key, first)
    _manifest_b, payload_b = decrypt(world.county, county_key, second)
    before = digest(world.county)
    # Signed by the real township key: only the manifest's payload hash gives it away.
    assert_refused(world, county_key, seal(world.town, manifest_a, payload_b), "清单与内容不符")
    # Spliced without the key: the signature gives it away.
    env_a, env_b = parse_envelope(first), parse_envelope(second)
    spliced = first[:env_a.frames[0][0]] + second[env_b.frames[0][0]:]
    assert_refused(world, county_key, spliced)
    assert digest(world.county) == before


def test_replay_changes_nothing_and_says_when_it_was_first_imported(world: World, batch: bytes,
                                                                    county_key: CountyPrivate) -> None:
    first = import_bytes(world.county, batch, county=county_key)
    assert first.status == "imported"
    before = digest(world.county)
    again = import_bytes(world.county, batch, county=county_key)
    assert again.status == "already-imported" and again.sequence == 1 and again.township == "510822105"
    assert "已于" in again.message and "未作任何改动" in again.message
    assert digest(world.county) == before


def test_another_file_with_a_taken_sequence_number_is_refused(world: World, county_key: CountyPrivate) -> None:
    data = Path(export(world.town, world.stick).batch).read_bytes()
    assert import_bytes(world.county, data, county=county_key).status == "imported"
    with world.town.db.transaction():  # a township restored from an old backup numbers from 1 again
        world.town.db.execute("DELETE FROM sync_outbox")
        world.town.db.execute("DELETE FROM sync_exported")
    again = Path(export(world.town, world.stick, full=True).batch).read_bytes()
    before = digest(world.county)
    assert_refused(world, county_key, again, "第 1 批", "反馈")
    assert digest(world.county) == before


@pytest.mark.parametrize("name", ["../evil.jsonl", "../../etc/passwd", "/etc/passwd", "..\\..\\x.jsonl",
                                  "C:\\Windows\\x", "households/../../x.jsonl", "./x"])
def test_an_archive_entry_pointing_outside_is_refused(world: World, batch: bytes, county_key: CountyPrivate,
                                                      name: str) -> None:
    data = rebuild(world.town, world.county, county_key, batch, lambda w: w.add_unchecked(name, b"{}\n"))
    before = digest(world.county)
    assert_refused(world, county_key, data, "条目名")
    assert digest(world.county) == before
    assert not (world.root.parent / "evil.jsonl").exists()


def test_an_oversized_entry_is_refused_before_it_is_read(world: World, batch: bytes, county_key: CountyPrivate,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.sync import format as fmt

    data = rebuild(world.town, world.county, county_key, batch, lambda w: w.add("notes.txt", b"x" * 5000))
    monkeypatch.setattr(fmt, "MAX_ENTRY_BYTES", 4096)
    before = digest(world.county)
    assert_refused(world, county_key, data, "大小上限")
    assert digest(world.county) == before


def test_counts_that_disagree_with_the_manifest_are_refused(world: World, batch: bytes,
                                                            county_key: CountyPrivate) -> None:
    extra = {**_a_bundle(world, county_key, batch), "uuid": "00000000-0000-4000-8000-000000000000"}
    data = rebuild(world.town, world.county, county_key, batch,
                   lambda w: w.add("households-99999.jsonl", dumps_line(extra)))
    before = digest(world.county)
    assert_refused(world, county_key, data, "记录数")
    assert digest(world.county) == before


def _a_bundle(world: World, key: CountyPrivate, batch: bytes) -> dict:
    import json

    _m, payload = decrypt(world.county, key, batch)
    for name, raw in read_entries(payload):
        if name.startswith("households-"):
            return json.loads(raw.split(b"\n")[0])
    raise AssertionError("no household entry")


# -- property-based fuzzing of the reader ---------------------------------------------------------
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(junk=st.binary(max_size=2048))
def test_fuzz_random_bytes_never_crash_the_reader(world: World, county_key: CountyPrivate, junk: bytes) -> None:
    result = import_bytes(world.county, junk, county=county_key)
    assert result.status == "refused" and CHINESE.search(result.message)
    for reader in (parse_envelope, lambda d: list(read_entries(d))):
        try:
            reader(junk)
        except SyncError as exc:
            assert CHINESE.search(str(exc))


@FUZZ
@given(data=st.data())
def test_fuzz_edited_batches_never_crash_and_never_change_the_database(
    world: World, batch: bytes, county_key: CountyPrivate, data: st.DataObject
) -> None:
    before = digest(world.county)
    damaged = bytearray(batch)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["set", "insert", "delete"]))
        pos = data.draw(st.integers(0, len(damaged) - 1))
        if kind == "set":
            value = data.draw(st.integers(0, 255))
            if damaged[pos] == value:
                value ^= 1
            damaged[pos] = value
        elif kind == "insert":
            damaged[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
        else:
            del damaged[pos:pos + data.draw(st.integers(1, 16))]
    if bytes(damaged) == batch:
        return
    assert_refused(world, county_key, bytes(damaged))
    assert digest(world.county) == before


@FUZZ
@given(lines=st.lists(st.one_of(
    st.binary(max_size=64),
    st.dictionaries(st.sampled_from(["uuid", "revision", "fields", "members", "deleted", "number", "village_uuid",
                                     "helpers", "plans", "measures", "results", "group_name", "size"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2),
                              st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)), max_size=13)
    .map(dumps_line)), max_size=4),
    name=st.sampled_from(["households-00001.jsonl", "villages.jsonl", "village_groups.jsonl", "township.json"]))
def test_fuzz_signed_garbage_records_are_refused_cleanly(world: World, batch: bytes, county_key: CountyPrivate,
                                                         lines: list[bytes], name: str) -> None:
    """Even a registered township's key cannot make the county crash or half-import."""
    payload = PayloadWriter()
    payload.add(name, b"".join(lines))
    body = payload.finish()
    from dataclasses import replace

    from fupin_desktop.sync.format import parse_manifest

    manifest_raw, _ = decrypt(world.county, county_key, batch)
    manifest = replace(parse_manifest(manifest_raw), payload_sha256=hashlib.sha256(body).hexdigest(),
                       payload_size=len(body), sequence=1000)
    before = digest(world.county)
    result = import_bytes(world.county, seal(world.town, manifest.encode(), body), county=county_key)
    assert result.status in ("refused", "imported")
    if result.status == "refused":
        assert CHINESE.search(result.message)
        assert digest(world.county) == before


def test_import_command_exits_non_zero_when_any_batch_is_refused(world: World, batch: bytes,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from fupin_desktop.cli import main

    good = world.stick / "good.fpsync"
    good.write_bytes(batch)
    bad = world.stick / "bad.fpsync"
    bad.write_bytes(batch[:-1])
    code = main(["sync", "import", "--db", str(world.county.path), str(good), str(bad), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code != 0
    assert [r["status"] for r in out] == ["imported", "refused"]
    keys = {"batch", "status", "township", "sequence", "counts", "conflicts", "duplicates", "missing_sequences",
            "message"}
    assert all(keys <= set(r) for r in out)
    assert import_(world.county, good)[0].status == "already-imported"
