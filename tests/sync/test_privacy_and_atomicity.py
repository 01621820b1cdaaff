"""No personal data in clear in a batch; a county import killed halfway leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from fupin_desktop.store import Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import import_bytes
from tests.helpers import full_household
from tests.sync.tamper import decrypt
from tests.sync.world import PASSPHRASE, World, digest, export, unlock

REPO = Path(__file__).resolve().parents[2]
NAMES = ("欧阳春花", "阿依古丽·买买提", "𠮷祥如意")


def _encodings(text: str) -> list[bytes]:
    out = [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]
    try:
        out.append(text.encode("gb18030"))
    except UnicodeEncodeError:
        pass
    return out


def _inflated_views(data: bytes) -> list[bytes]:
    """Whatever zlib/deflate would make of the file from any offset (compressed leaks)."""
    views = []
    for start in range(len(data)):
        for wbits in (15, -15):
            z = zlib.decompressobj(wbits)
            try:
                out = z.decompress(data[start:start + 4096], 1 << 16)
            except zlib.error:
                continue
            if len(out) >= 4:
                views.append(out)
    return views


def test_batch_bytes_and_file_name_hold_no_name_id_or_phone(world: World) -> None:
    hh = full_household(world.town.spec, seed=42, names=NAMES, number="5108221050000042")
    hh.fields["phone"] = "13912345678"
    saved = world.town.households.save(hh, "测试")
    result = export(world.town, world.stick)
    path = Path(result.batch)
    data = path.read_bytes()
    secrets = [n for n in NAMES] + [m.get("id_number") for m in saved.members] + ["13912345678"]
    secrets += [m.get("phone") for m in saved.helpers if m.get("phone")]
    secrets += [m.get("name") for m in saved.helpers if m.get("name")]
    needles = [enc for s in secrets for enc in _encodings(str(s))]
    needles += [s[:3].encode("utf-8") for s in NAMES]  # even a part of a name
    views = [data, path.name.encode("utf-8"), *_inflated_views(data)]
    for view in views:
        for needle in needles:
            assert needle not in view, needle
    # Sanity: the county does find them after decrypting, so the search above was not vacuous.
    _manifest, payload = decrypt(world.county, unlock(world.county), data)
    plain = zlib.decompress(payload)
    assert NAMES[0].encode("utf-8") in plain and saved.members[0].get("id_number").encode() in plain


def test_error_inside_the_import_transaction_leaves_the_county_as_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = Path(export(world.town, world.stick).batch).read_bytes()
    before = digest(world.county)
    calls = {"n": 0}
    original = SyncRepository.apply_bundle

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk unplugged")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SyncRepository, "apply_bundle", failing)
    result = import_bytes(world.county, data, county=unlock(world.county))
    assert result.status == "refused" and calls["n"] == 2
    assert digest(world.county) == before
    monkeypatch.setattr(SyncRepository, "apply_bundle", original)
    assert import_bytes(world.county, data, county=unlock(world.county)).status == "imported"


KILLER = """
import os, signal, sys
from fupin_desktop.store import Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import import_files

original = SyncRepository.apply_bundle
calls = {"n": 0}

def apply_then_die(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # the power cut, mid-transaction
    return original(self, *args, **kwargs)

SyncRepository.apply_bundle = apply_then_die
store = Store(sys.argv[1])
import_files(store, [sys.argv[2]], passphrase=os.environ["FUPIN_PASSPHRASE"])
print("not killed")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_county_import_killed_halfway_leaves_the_database_as_before(world: World) -> None:
    batch = export(world.town, world.stick).batch
    county_path = world.county.path
    before = digest(world.county)
    world.county.close()
    env = {**os.environ, "FUPIN_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", KILLER, str(county_path), batch], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    world.county = Store(county_path)  # reopening runs quick_check and rolls back the half transaction
    assert digest(world.county) == before
    assert world.county.households.count() == 0
    [result] = __import__("tests.sync.world", fromlist=["import_"]).import_(world.county, batch)
    assert result.status == "imported" and world.county.households.count() == 3
