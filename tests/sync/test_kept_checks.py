"""Findings kept from save time (rules/kept.py, store.checks) and the streamed export (issue 14).

An export takes a household's kept blocking errors instead of re-running every rule, so a kept
result must never outlive what it was computed from: a save of the household, a policy change, a
new year or the day a future birth date is reached.  Every test compares with a full check of the
same rows; the batch is opened and compared entry by entry with the bundles as written before
streaming (the same JSON lines, 1000 households an entry).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fupin_desktop import quality
from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.rules.kept import context_key, valid_until
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store
from fupin_desktop.store.crossrecord import load_memory_records
from fupin_desktop.store.year_files import bundle_household
from fupin_desktop.sync.export import export_batch
from fupin_desktop.sync.export_checks import blocking_errors
from fupin_desktop.sync.format import (
    HOUSEHOLDS_PER_ENTRY,
    PayloadWriter,
    SyncError,
    dumps_line,
    parse_manifest,
    read_entries,
    split_plaintext,
)
from fupin_desktop.sync.seal import open_batch, verify_batch, verify_batch_file
from tests.helpers import full_household
from tests.sync.world import PASSPHRASE, World, export, unlock


def context(store: Store, today: date | None = None) -> quality.RuleContext:
    return quality.context(store, load_memory_records(store.db), today)


def full_check(store: Store, today: date | None = None) -> dict[str, list[str]]:
    """uuid -> blocking errors, every rule run on every household (what export did before)."""
    ctx = context(store, today)
    town = store.sync.own_township()
    names = {r["uuid"]: r["name"] for r in store.db.query("SELECT uuid, name FROM villages")}
    ids = store.sync.changed_household_ids(True)
    out = {}
    for household_id, bundle in store.sync.bundles(ids):
        if not bundle["deleted"]:
            hh = bundle_household(bundle, store.spec, names[bundle["village_uuid"]], town, household_id)
            out[bundle["uuid"]] = blocking_errors(hh, ctx)
    return out


def held(result: object) -> dict[str, list[str]]:
    return {h["uuid"]: h["errors"] for h in result.held_back}  # type: ignore[attr-defined]


def export_full(store: Store, stick: Path, today: date | None = None) -> object:
    stick.mkdir(parents=True, exist_ok=True)
    return export_batch(store, stick, passphrase=PASSPHRASE, full=True, context=context(store, today))


def expected(store: Store, today: date | None = None) -> dict[str, list[str]]:
    return {uuid: errors for uuid, errors in full_check(store, today).items() if errors}


def break_head(store: Store, household_id: int) -> None:
    hh = store.households.get(household_id)
    hh.members[0].fields["relation"] = "之子"  # no 户主 left: H001 blocks
    store.households.save(hh, "测试")


def test_a_second_export_takes_the_kept_results_and_holds_back_the_same(world: World) -> None:
    town = world.town
    break_head(town, world.saved["town"][1])
    first = export_full(town, world.stick)
    assert held(first) == expected(town) and len(held(first)) == 1
    kept = town.checks.all()
    assert len(kept) == 3 and {k.revision for k in kept} >= {1}
    assert [k for k in kept if k.errors][0].household_id == world.saved["town"][1]
    second = export_full(town, world.stick)
    assert held(second) == held(first)
    assert town.checks.all() == kept  # nothing needed checking again


def test_a_save_makes_the_kept_result_stale(world: World) -> None:
    town = world.town
    export_full(town, world.stick)
    assert all(not k.errors for k in town.checks.all())
    break_head(town, world.saved["town"][0])  # saved without the form's check (a new revision)
    result = export_full(town, world.stick)
    assert held(result) == expected(town) and list(held(result)) == [town.households.get(world.saved["town"][0]).uuid]
    # Fixed: the error kept at the last export does not hold it back any more.
    hh = town.households.get(world.saved["town"][0])
    hh.members[0].fields["relation"] = "户主"
    town.households.save(hh, "测试")
    assert held(export_full(town, world.stick)) == {} == expected(town)


def test_a_policy_change_makes_every_kept_result_stale(world: World) -> None:
    town = world.town
    assert held(export_full(town, world.stick)) == {}
    before = context_key(context(town))
    strict = Policy()
    strict = dataclasses.replace(strict, limits=dataclasses.replace(strict.limits, per_capita_income_max=Decimal(1)))
    town.policy.put(strict, "测试")
    assert context_key(context(town)) != before
    result = held(export_full(town, world.stick))
    assert result == expected(town) and len(result) == 3
    assert all(any("超过" in e for e in errors) for errors in result.values())


def test_a_new_village_or_year_changes_the_context() -> None:
    from fupin_desktop.formspec import load_form
    from fupin_desktop.rules import RuleContext

    spec = load_form("household")
    base = RuleContext(spec=spec, villages={"炉场村": ["一组"]}, today=date(2026, 5, 1))
    same_day_other_group = RuleContext(spec=spec, villages={"炉场村": ["一组", "二组"]}, today=date(2026, 12, 31))
    assert context_key(base) == context_key(same_day_other_group)  # groups: no kept rule reads them
    assert context_key(base) != context_key(dataclasses.replace(base, villages={"炉场村": [], "兴龙村": []}))
    assert context_key(base) != context_key(dataclasses.replace(base, today=date(2027, 1, 1)))
    assert context_key(base, 6) != context_key(base, 7)  # a migration: every kept result is checked again


def test_a_kept_error_about_a_future_birth_date_ends_on_that_day(world: World) -> None:
    town = world.town
    hh = town.households.get(world.saved["town"][0])
    born = date(hh.fields["year"], 6, 1)
    child = hh.members[-1]
    seq = 31 if child.get("sex") == "男" else 32  # the sex digit: odd 男, even 女
    child.fields.update(id_number=make_id("510822", born, seq), birth_date=born)
    town.households.save(hh, "测试")
    before = born - timedelta(days=30)
    early = held(export_full(town, world.stick, today=before))
    assert early == expected(town, before) and hh.uuid in early and any("晚于今天" in e for e in early[hh.uuid])
    [kept] = [k for k in town.checks.all() if k.household_id == hh.id]
    assert kept.valid_until == born and valid_until(town.households.get(hh.id), before) == born
    on_the_day = held(export_full(town, world.stick, today=born))
    assert on_the_day == expected(town, born) and hh.uuid not in on_the_day


def test_cross_record_errors_are_asked_again_at_every_export(world: World) -> None:
    town = world.town
    assert held(export_full(town, world.stick)) == {}
    a, b = (town.households.get(i) for i in world.saved["town"][:2])
    b.members[1].fields["id_number"] = a.members[1].get("id_number")  # one person in two households
    b.members[1].fields.update(sex=a.members[1].get("sex"), birth_date=a.members[1].get("birth_date"))
    town.households.save(b, "测试")
    result = held(export_full(town, world.stick))
    assert result == expected(town) and set(result) == {a.uuid, b.uuid}  # a itself was not saved again


def test_the_streamed_batch_holds_what_the_bundles_are(world: World, tmp_path: Path) -> None:
    town = world.town
    for seed in range(10, 10 + HOUSEHOLDS_PER_ENTRY // 400):
        town.households.save(full_household(town.spec, seed=seed), "测试")
    result = export(town, world.stick, full=True)
    data = Path(result.batch).read_bytes()
    assert hashlib.sha256(data).hexdigest() == result.hash and len(data) == result.size
    assert (Path(result.batch).parent / Path(result.batch).name).read_bytes() == data
    key = unlock(world.county)
    lookup = {t.fingerprint: t.sign_key for t in world.county.sync.townships()}
    _env, plain = open_batch(data, signer_lookup=lookup.get, recipient=key.seal)
    manifest_bytes, payload = split_plaintext(plain)
    manifest = parse_manifest(manifest_bytes)
    assert manifest.payload_sha256 == hashlib.sha256(payload).hexdigest() and manifest.payload_size == len(payload)
    entries = dict(read_entries(payload))
    lines = b"".join(v for k, v in sorted(entries.items()) if k.startswith("households-"))
    ids = town.sync.changed_household_ids(True)
    assert lines == b"".join(dumps_line(b) for _, b in town.sync.bundles(ids))


def test_a_payload_streamed_into_a_file_is_the_payload_built_in_memory(tmp_path: Path) -> None:
    entries = [("township.json", b'{"a": 1}'), ("households-00001.jsonl", "张三\n".encode() * 50_000)]
    memory = PayloadWriter()
    sink = io.BytesIO()
    streamed = PayloadWriter(sink=sink)
    for name, data in entries:
        memory.add(name, data)
        streamed.add(name, data)
    whole = memory.finish()
    assert streamed.finish() == b"" and sink.getvalue() == whole
    assert (streamed.size, streamed.sha256()) == (len(whole), hashlib.sha256(whole).hexdigest())
    assert list(read_entries(whole)) == entries


def test_reading_back_in_chunks_refuses_what_the_whole_read_refuses(world: World, tmp_path: Path) -> None:
    result = export(world.town, world.stick)
    data = Path(result.batch).read_bytes()
    from fupin_desktop.sync.keys import raw_public, trusted_county, unlock_township

    signer = raw_public(unlock_township(world.town.sync, PASSPHRASE).public_key())
    recipient = trusted_county(world.town.sync).seal_key
    assert verify_batch_file(io.BytesIO(data), len(data), signer, recipient) == hashlib.sha256(data).hexdigest()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 1
    for bad in (bytes(flipped), data[:-1], data[: len(data) // 2], data + b"x"):
        with pytest.raises(SyncError) as whole:
            verify_batch(bad, signer, recipient)
        with pytest.raises(SyncError) as chunks:
            verify_batch_file(io.BytesIO(bad), len(bad), signer, recipient)
        assert str(chunks.value) == str(whole.value)


def test_kept_results_of_an_older_schema_are_checked_again(world: World) -> None:
    """A migration may rewrite stored values without a new revision: rows kept under the previous
    schema version are never taken.  (A kept row of the current context is taken as it is: the
    forged message below proves the export reads it instead of checking again.)"""
    town = world.town
    export_full(town, world.stick)
    forged = '["假的错误：只在保存的结果里"]'
    with town.db.transaction():
        town.db.execute("UPDATE household_checks SET errors = ?", (forged,))
    assert all(errors == ["假的错误：只在保存的结果里"] for errors in held(export_full(town, world.stick)).values())
    older = context_key(context(town), town.db.user_version - 1)
    with town.db.transaction():
        town.db.execute("UPDATE household_checks SET context = ?", (older,))
    assert held(export_full(town, world.stick)) == {} == expected(town)
    assert all(not k.errors and k.context != older for k in town.checks.all())
