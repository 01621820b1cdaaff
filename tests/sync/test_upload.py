"""Upload over loopback to a real receiving service: retries, resume after a cut, idempotence."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.server import BatchReceiver, make_server
from fupin_desktop.sync.upload import ping, send_batch, upload_pending
from tests.helpers import full_household
from tests.sync.world import PASSPHRASE, World, digest, export, link, make_township

REPO = Path(__file__).resolve().parents[2]


class Service:
    def __init__(self, world: World) -> None:
        self.server = make_server(world.county.path, "127.0.0.1", 0, passphrase=PASSPHRASE)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.receiver: BatchReceiver = self.server.receiver
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.puts: list[tuple[int, int]] = []
        original = self.receiver.receive

        def recording(batch_hash: str, offset: int, total: int, length: int, read):  # type: ignore[no-untyped-def]
            self.puts.append((offset, length))
            return original(batch_hash, offset, total, length, read)

        self.receiver.receive = recording  # type: ignore[method-assign]

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


def no_sleep(_seconds: float) -> None:
    pass


def test_upload_imports_the_pending_batches_and_marks_them(world: World, service: Service) -> None:
    assert ping(service.url)
    export(world.town, world.stick)
    results = upload_pending(world.town, service.url, chunk_size=2048, sleep=no_sleep, timeout=5)
    assert [(r.sequence, r.state) for r in results] == [(1, "acknowledged")]
    assert results[0].result and results[0].result["status"] == "imported"
    assert world.county.households.count() == 3
    assert [b.state for b in SyncRepository(world.town.db).outbox()] == ["acknowledged"]
    assert upload_pending(world.town, service.url, sleep=no_sleep, timeout=5) == []  # nothing pending


def test_sending_the_same_batch_again_changes_nothing(world: World, service: Service) -> None:
    batch = export(world.town, world.stick)
    data = Path(batch.batch).read_bytes()
    first = send_batch(service.url, batch.hash, data, chunk_size=4096, sleep=no_sleep, timeout=5)
    assert first["state"] == "imported"
    before = digest(world.county)
    puts = len(service.puts)
    again = send_batch(service.url, batch.hash, data, chunk_size=4096, sleep=no_sleep, timeout=5)
    assert again["state"] == "imported" and len(service.puts) == puts  # answered by hash, nothing re-sent
    assert digest(world.county) == before


def test_upload_cut_halfway_resumes_where_it_stopped(world: World, service: Service) -> None:
    for seed in range(10, 16):  # a few more households so the batch spans many chunks
        world.town.households.save(full_household(world.town.spec, seed=seed, number=f"51082210599{seed}"), "测试")
    batch = export(world.town, world.stick)
    data = Path(batch.batch).read_bytes()
    cut = len(data) // 2 + 17
    service.receiver.drop_after = cut
    sleeps: list[float] = []
    answer = send_batch(service.url, batch.hash, data, chunk_size=1024, sleep=sleeps.append, timeout=5)
    assert answer["state"] == "imported" and answer["result"]["status"] == "imported"
    assert len(sleeps) == 1  # one failure, one backoff
    offsets = [o for o, _n in service.puts]
    assert cut in offsets and offsets.count(0) == 1  # resumed at the cut, never restarted from zero
    assert sum(n for _o, n in service.puts) == len(data)
    assert world.county.households.count() == 9


def test_a_refused_batch_is_marked_as_a_problem(world: World, service: Service) -> None:
    stranger = make_township(world.root / "stranger.db", {"code": "510822107", "name": "石隘乡"}, {"石隘村": (10, ["一组"])})
    link(stranger, world.county)
    with world.county.db.transaction():
        world.county.db.execute("DELETE FROM sync_townships WHERE code = '510822107'")
    stranger.households.save(full_household(stranger.spec, village="石隘村", seed=9), "测试")
    export(stranger, world.root / "s")
    [r] = upload_pending(stranger, service.url, sleep=no_sleep, timeout=5)
    assert r.state == "problems" and "未登记" in r.message
    assert [b.state for b in SyncRepository(stranger.db).outbox()] == ["problems"]
    stranger.close()


def test_no_county_service_retries_with_backoff_then_keeps_the_batch(world: World) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    export(world.town, world.stick)
    sleeps: list[float] = []
    [r] = upload_pending(world.town, f"http://127.0.0.1:{port}", attempts=4, sleep=sleeps.append, timeout=2)
    assert r.state == "failed" and "重试" in r.message
    assert sleeps == [0.5, 1.0, 2.0]
    assert [b.state for b in SyncRepository(world.town.db).outbox()] == ["exported"]
    assert not ping(f"http://127.0.0.1:{port}", timeout=1)


def test_serve_and_upload_commands(world: World) -> None:
    export(world.town, world.stick)
    env = {**os.environ, "FUPIN_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [sys.executable, "-m", "fupin_desktop", "sync", "serve", "--db", str(world.county.path), "--host",
         "127.0.0.1", "--port", "0"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8",
    )
    try:
        line = server.stdout.readline()  # blocks until the service is listening (or has died)
        assert "正在接收批次" in line, server.stderr.read() if server.poll() is not None else line
        url = line.split("：", 1)[1].split(" ")[0].removesuffix("/sync/")
        upload = subprocess.run(
            [sys.executable, "-m", "fupin_desktop", "sync", "upload", "--db", str(world.town.path), "--url", url,
             "--json"], cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60,
        )
        assert upload.returncode == 0, upload.stderr
        assert '"acknowledged"' in upload.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
    assert world.county.households.count() == 3


def test_upload_command_says_states_in_chinese_and_conflicts_are_not_a_failure(
        world: World, service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    from fupin_desktop.cli import main

    export(world.town, world.stick)
    assert [r.state for r in upload_pending(world.town, service.url, sleep=no_sleep)] == ["acknowledged"]
    # The same household changed at the county and in the township: the upload lands with a conflict.
    uuid = world.town.households.get(world.saved["town"][0]).uuid
    at_county = world.county.households.get(world.county.households.id_for_uuid(uuid))
    at_county.fields["phone"] = "13711112222"
    world.county.households.save(at_county, "县里")
    at_town = world.town.households.get(world.saved["town"][0])
    at_town.fields["phone"] = "13633334444"
    world.town.households.save(at_town, "乡里")
    export(world.town, world.stick)
    code = main(["sync", "upload", "--db", str(world.town.path), "--url", service.url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "第 2 批\t有问题\t" in out and "冲突" in out and "problems" not in out
    assert [b.state for b in SyncRepository(world.town.db).outbox()] == ["problems", "acknowledged"]
