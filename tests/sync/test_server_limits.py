"""The receiving service under hostile uploads: memory stays bounded (uploads are spooled to disk
within caps), stale uploads expire, strangers are refused before anything is stored, and real
uploads still resume -- even across a restart of the service -- and import."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.sync.seal import header_end
from fupin_desktop.sync.server import BatchReceiver, make_server
from fupin_desktop.sync.spool import default_folder
from fupin_desktop.sync.upload import send_batch, upload_pending
from tests.helpers import full_household
from tests.sync.world import (
    PASSPHRASE,
    World,
    digest,
    export,
    link,
    make_county,
    make_township,
)

REPO = Path(__file__).resolve().parents[2]
MiB = 1 << 20


def no_sleep(_seconds: float) -> None:
    pass


def put(port: int, batch_hash: str, offset: int, total: int, body: bytes) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("PUT", f"/sync/batches/{batch_hash}", body=body, headers={
            "X-Fupin-Offset": str(offset), "X-Fupin-Total": str(total), "Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def get(port: int, batch_hash: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/sync/batches/{batch_hash}")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def fake_hash(n: int) -> str:
    return f"{n:064x}"


def spooled(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


class Service:
    def __init__(self, world: World, **limits: Any) -> None:
        self.server = make_server(world.county.path, "127.0.0.1", 0, passphrase=PASSPHRASE, **limits)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.receiver: BatchReceiver = self.server.receiver
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.receiver.close()


@pytest.fixture
def service(world: World) -> Iterator[Service]:
    s = Service(world)
    yield s
    s.close()


@pytest.fixture
def genuine_head(world: World) -> bytes:
    """The clear header of a real batch from a registered township (what a forger could copy)."""
    data = Path(export(world.town, world.stick).batch).read_bytes()
    return data[:header_end(data)]


# -- memory ----------------------------------------------------------------------------------
def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_many_unfinished_uploads_do_not_grow_the_server_process(world: World, genuine_head: bytes) -> None:
    spool = world.root / "spool"
    env = {**os.environ, "FUPIN_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [sys.executable, "-m", "fupin_desktop", "sync", "serve", "--db", str(world.county.path), "--host",
         "127.0.0.1", "--port", "0", "--spool", str(spool)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
    try:
        line = server.stdout.readline()
        assert "正在接收批次" in line, line
        port = int(line.split("127.0.0.1:", 1)[1].split("/", 1)[0])
        chunk = os.urandom(8 * MiB - len(genuine_head))
        # Warm up: one request of each kind, so the baseline includes the code paths used below.
        assert put(port, fake_hash(1), 0, 64 * MiB, genuine_head + chunk)[0] == 200
        assert put(port, fake_hash(2), 0, 8 * MiB, os.urandom(8 * MiB))[0] == 403
        before = rss_kib(server.pid)
        # 24 unfinished uploads from a "registered" township (a copied header): 192 MiB sent...
        for n in range(3, 27):
            code, answer = put(port, fake_hash(n), 0, 64 * MiB, genuine_head + chunk)
            assert code == 200 and answer["received"] == 8 * MiB, answer
        # ... and 24 from strangers: refused without storing anything.
        for n in range(100, 124):
            assert put(port, fake_hash(n), 0, 64 * MiB, os.urandom(8 * MiB))[0] == 403
        after = rss_kib(server.pid)
        assert server.poll() is None
        on_disk = sum(p.stat().st_size for p in spooled(spool))
        assert on_disk == 25 * 8 * MiB  # the registered ones are on disk, nothing else
        assert get(port, fake_hash(10)) == {"hash": fake_hash(10), "state": "partial", "received": 8 * MiB,
                                            "total": 64 * MiB}
        # The old server kept every byte in memory (+192 MiB here); now the growth is noise.
        assert after - before < 24 * 1024, (before, after)
        # 16 uploads at once: bodies go to disk a piece at a time, never whole into memory.
        answers: list[int] = []
        threads = [threading.Thread(target=lambda n=n: answers.append(
            put(port, fake_hash(n), 0, 64 * MiB, genuine_head + chunk)[0])) for n in range(200, 216)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert answers == [200] * 16
        at_once = rss_kib(server.pid)
        assert at_once - before < 24 * 1024, (before, after, at_once)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


# -- caps ------------------------------------------------------------------------------------
def test_total_and_per_upload_caps_refuse_with_busy_and_store_nothing_more(
        world: World, genuine_head: bytes) -> None:
    s = Service(world, max_total=3 * MiB, max_upload=2 * MiB, max_uploads=4)
    try:
        body = genuine_head + b"x" * (256 * 1024)
        assert put(s.port, fake_hash(1), 0, 2 * MiB, body)[0] == 200
        # Too large for one upload: 413 before anything is stored.
        code, answer = put(s.port, fake_hash(2), 0, 2 * MiB + 1, body)
        assert code == 413 and "上限" in answer["error"]
        # 2 MiB reserved of 3: another 2 MiB upload does not fit (busy, retry later), 1 MiB does.
        code, answer = put(s.port, fake_hash(3), 0, 2 * MiB, body)
        assert code == 503 and "稍后" in answer["error"]
        assert put(s.port, fake_hash(4), 0, 1 * MiB, body)[0] == 200
        names = [p.name for p in spooled(default_folder(world.county.path))]
        assert names == [f"{fake_hash(1)}-{2 * MiB}.part", f"{fake_hash(4)}-{1 * MiB}.part"]
        assert get(s.port, fake_hash(3))["state"] == "unknown"
    finally:
        s.close()


def test_too_many_unfinished_uploads_are_refused_as_busy(world: World, genuine_head: bytes) -> None:
    s = Service(world, max_uploads=3)
    try:
        for n in range(3):
            assert put(s.port, fake_hash(n), 0, MiB, genuine_head)[0] == 200
        code, answer = put(s.port, fake_hash(9), 0, MiB, genuine_head)
        assert code == 503 and "稍后" in answer["error"]
        assert len(spooled(default_folder(world.county.path))) == 3
    finally:
        s.close()


# -- expiry ----------------------------------------------------------------------------------
def test_stale_uploads_expire_while_serving_and_on_start(world: World, genuine_head: bytes) -> None:
    folder = default_folder(world.county.path)
    s = Service(world)
    try:
        assert put(s.port, fake_hash(1), 0, MiB, genuine_head)[0] == 200
        assert put(s.port, fake_hash(2), 0, MiB, genuine_head)[0] == 200
        now = time.time()
        s.receiver.spool.clock = lambda: now + 23 * 3600  # a day has not passed: kept
        assert s.receiver.sweep() == 0
        assert put(s.port, fake_hash(2), len(genuine_head), MiB, b"more")[0] == 200  # progress on #2
        s.receiver.spool.clock = lambda: now + 23 * 3600 + 2 * 3600  # 25 h after #1, 2 h after #2
        assert s.receiver.sweep() == 1
        assert get(s.port, fake_hash(1))["state"] == "unknown"
        assert get(s.port, fake_hash(2))["state"] == "partial"
        assert [p.name for p in spooled(folder)] == [f"{fake_hash(2)}-{MiB}.part"]
    finally:
        s.close()
    # Left by a previous run: the fresh one is picked up again, the stale one removed on start.
    stale = folder / f"{fake_hash(3)}-{MiB}.part"
    stale.write_bytes(genuine_head)
    os.utime(stale, (time.time() - 25 * 3600,) * 2)
    s = Service(world)
    try:
        assert not stale.exists()
        assert get(s.port, fake_hash(2)) == {"hash": fake_hash(2), "state": "partial",
                                             "received": len(genuine_head) + 4, "total": MiB}
    finally:
        s.close()


def test_the_running_service_sweeps_by_itself(world: World, genuine_head: bytes) -> None:
    from fupin_desktop.sync.server import SWEEP_EVERY

    s = Service(world)
    try:
        assert put(s.port, fake_hash(1), 0, MiB, genuine_head)[0] == 200
        now = time.time()
        s.receiver.spool.clock = lambda: now + 25 * 3600
        s.server._swept = time.monotonic() - SWEEP_EVERY  # the next pause between requests sweeps
        deadline = time.monotonic() + 30
        while spooled(default_folder(world.county.path)):
            assert time.monotonic() < deadline, "the service never swept"
            time.sleep(0.05)
        assert get(s.port, fake_hash(1))["state"] == "unknown"
    finally:
        s.close()


def test_an_upload_resumes_after_the_service_restarts_and_imports(world: World) -> None:
    for seed in range(10, 14):
        world.town.households.save(full_household(world.town.spec, seed=seed, number=f"51082210599{seed}"), "测试")
    batch = export(world.town, world.stick)
    data = Path(batch.batch).read_bytes()
    s = Service(world)
    s.receiver.drop_after = len(data) // 2
    with pytest.raises(Exception):  # noqa: B017 - the service goes away mid-upload
        send_batch(s.url, batch.hash, data, chunk_size=4096, attempts=1, sleep=no_sleep, timeout=5)
    s.close()
    s = Service(world)
    try:
        assert get(s.port, batch.hash)["received"] == len(data) // 2
        [r] = upload_pending(world.town, s.url, chunk_size=4096, sleep=no_sleep, timeout=5)
        assert r.state == "acknowledged", r.message
        assert world.county.households.count() == 7
        assert spooled(default_folder(world.county.path)) == []
    finally:
        s.close()


# -- strangers -------------------------------------------------------------------------------
def test_an_unregistered_township_is_refused_before_anything_is_stored(world: World, service: Service) -> None:
    stranger = make_township(world.root / "stranger.db", {"code": "510822107", "name": "石隘乡"},
                             {"石隘村": (10, ["一组"])})
    link(stranger, world.county)
    with world.county.db.transaction():
        world.county.db.execute("DELETE FROM sync_townships WHERE code = '510822107'")
    stranger.households.save(full_household(stranger.spec, village="石隘村", seed=9), "测试")
    batch = export(stranger, world.root / "s")
    data = Path(batch.batch).read_bytes()
    before = digest(world.county)
    code, answer = put(service.port, batch.hash, 0, len(data), data[:4096])
    assert code == 403 and answer["state"] == "refused" and "未登记" in answer["error"]
    assert spooled(default_folder(world.county.path)) == []
    assert get(service.port, batch.hash)["state"] == "unknown"
    [r] = upload_pending(stranger, service.url, sleep=no_sleep, timeout=5)
    assert r.state == "problems" and "未登记" in r.message
    assert spooled(default_folder(world.county.path)) == [] and digest(world.county) == before
    stranger.close()


def test_a_batch_sealed_for_another_county_or_not_a_batch_is_refused_unstored(
        world: World, service: Service) -> None:
    elsewhere = make_county(world.root / "elsewhere.db")
    town = make_township(world.root / "t.db", {"code": "510822108", "name": "三锅乡"}, {"三锅村": (10, ["一组"])})
    link(town, world.county)  # registered here, but then sealing to another county's key
    from fupin_desktop.store.sync import SyncRepository
    from fupin_desktop.sync.keys import own_county_public, trust_county

    trust_county(SyncRepository(town.db), own_county_public(SyncRepository(elsewhere.db)), replace=True)
    town.households.save(full_household(town.spec, village="三锅村", seed=3), "测试")
    batch = export(town, world.root / "t")
    data = Path(batch.batch).read_bytes()
    code, answer = put(service.port, batch.hash, 0, len(data), data)
    assert code == 403 and "不是发给本县的" in answer["error"]
    for body in (b"PK\x03\x04" + os.urandom(5000), b"FPSYNC1\n\xff\xff\xff\xff", b"FPSYNC1\n\x00\x00\x00\x05[[[[["):
        code, answer = put(service.port, fake_hash(7), 0, len(body), body)
        assert code == 403 and answer["state"] == "refused", answer
    # A first piece that does not hold the whole header is not kept either.
    code, answer = put(service.port, fake_hash(8), 0, 10_000, data[:20])
    assert code == 400 and answer["received"] == 0
    assert spooled(default_folder(world.county.path)) == []
    town.close()
    elsewhere.close()


def test_a_request_cut_mid_body_keeps_nothing_of_it(world: World, service: Service, genuine_head: bytes) -> None:
    import socket

    assert put(service.port, fake_hash(1), 0, MiB, genuine_head)[0] == 200
    done = threading.Event()
    original = service.receiver.receive

    def receive(*args: Any) -> Any:
        try:
            return original(*args)
        finally:
            done.set()

    service.receiver.receive = receive  # type: ignore[method-assign]
    with socket.create_connection(("127.0.0.1", service.port)) as sock:
        sock.sendall(f"PUT /sync/batches/{fake_hash(1)} HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n"
                     f"X-Fupin-Offset: {len(genuine_head)}\r\nX-Fupin-Total: {MiB}\r\n\r\n".encode()
                     + b"y" * 100_000)
    assert done.wait(timeout=60)  # the service noticed the closed connection
    assert get(service.port, fake_hash(1))["received"] == len(genuine_head)
    [part] = spooled(default_folder(world.county.path))
    assert part.read_bytes() == genuine_head
    # ... and the upload goes on from where it was.
    code, answer = put(service.port, fake_hash(1), len(genuine_head), MiB, b"z" * 1000)
    assert code == 200 and answer["received"] == len(genuine_head) + 1000
