"""Sync benchmark: export and county import of a township with N households (default 100,000).

    python bench/bench_sync.py                  # 100,000 households
    python bench/bench_sync.py --households 2000

The township database is built once with the demo generator into bench/out/ and reused.  Each
phase runs in its own process so its peak memory (max RSS) is its own.  Prints numbers only:
time, peak memory, batch size, and the batch size against the same rows as plain JSON, and
JSON compressed with zlib and lzma.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PASSPHRASE = "bench-passphrase"


def peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / (1024 * 1024)


def town_db(n: int) -> Path:
    from fupin_desktop.demo import build_demo
    from fupin_desktop.store import Store

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"sync-town-{n}.db"
    if path.exists():
        return path
    demo = OUT / f"demo-{n}.db"
    if demo.exists():  # the foundation benchmark's database: copy it, never touch the original
        src = sqlite3.connect(f"file:{demo}?mode=ro", uri=True)
        dst = sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
    else:
        with Store(path) as store:
            build_demo(store, households=n, seed=7)
    with Store(path):
        pass  # migrate now, so timings below do not include it
    for backup in OUT.glob(f"sync-town-{n}.before-v*.bak"):
        backup.unlink()
    return path


def setup(n: int) -> tuple[Path, Path]:
    from fupin_desktop.store import Store
    from fupin_desktop.store.sync import SyncRepository
    from fupin_desktop.sync import keys

    town = town_db(n)
    county = OUT / f"sync-county-{n}.db"
    for p in OUT.glob(f"sync-county-{n}.db*"):
        p.unlink()
    with Store(county) as c, Store(town) as t:
        crepo, trepo = SyncRepository(c.db), SyncRepository(t.db)
        keys.init_county(crepo, "510822", "青川县", PASSPHRASE)
        keys.trust_county(trepo, keys.own_county_public(crepo))
        pub = keys.ensure_township_key(trepo, PASSPHRASE) if keys.township_public(trepo) is None else None
        pub = pub or keys.township_public(trepo)
        keys.register_township(crepo, pub, "bench", replace=True)
    return town, county


def phase_export(town: Path, out: Path) -> dict:
    from fupin_desktop import quality
    from fupin_desktop.store import Store
    from fupin_desktop.store.crossrecord import load_memory_records
    from fupin_desktop.sync.export import export_batch

    with Store(town) as store:
        t0 = time.perf_counter()
        context = quality.context(store, load_memory_records(store.db))
        result = export_batch(store, out, passphrase=PASSPHRASE, full=True, context=context)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": peak_mb(), "batch": result.batch, "size": result.size,
            "households": result.counts["households"], "held_back": len(result.held_back)}


def phase_import(county: Path, batch: Path) -> dict:
    from fupin_desktop.store import Store
    from fupin_desktop.sync.county_import import import_files

    with Store(county) as store:
        t0 = time.perf_counter()
        [result] = import_files(store, [batch], passphrase=PASSPHRASE).value
        seconds = time.perf_counter() - t0
    assert result.status == "imported", result.message
    return {"seconds": seconds, "peak_mb": peak_mb(), "inserted": result.merge["inserted"]}


def plain_sizes(county: Path, batch: Path) -> dict:
    """The batch's own rows as plain JSON lines, and that JSON compressed with zlib and lzma."""
    from fupin_desktop.store import Store
    from fupin_desktop.store.sync import SyncRepository
    from fupin_desktop.sync.format import split_plaintext
    from fupin_desktop.sync.keys import unlock_county
    from fupin_desktop.sync.seal import open_batch

    with Store(county) as store:
        repo = SyncRepository(store.db)
        key = unlock_county(repo, PASSPHRASE)
        _env, plain = open_batch(batch.read_bytes(), recipient=key.seal, signer_lookup=lambda fp: (
            t.sign_key if (t := repo.township_by_fingerprint(fp)) else None))
    _manifest, payload = split_plaintext(plain)
    raw = zlib.decompress(payload)
    t0 = time.perf_counter()
    z = len(zlib.compress(raw, 6))
    tz = time.perf_counter() - t0
    t0 = time.perf_counter()
    x = len(lzma.compress(raw, preset=6))
    tx = time.perf_counter() - t0
    return {"json": len(raw), "zlib": z, "zlib_seconds": tz, "lzma": x, "lzma_seconds": tx}


def run_phase(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        kind, *rest = args.phase
        result = phase_export(Path(rest[0]), Path(rest[1])) if kind == "export" else phase_import(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return

    n = args.households
    t0 = time.perf_counter()
    town, county = setup(n)
    print(f"setup (database, keys): {time.perf_counter() - t0:.1f} s")
    stick = OUT / f"sync-stick-{n}"
    shutil.rmtree(stick, ignore_errors=True)
    stick.mkdir(parents=True)
    exp = run_phase("export", str(town), str(stick))
    batch = Path(exp["batch"])
    print(f"export: {exp['households']} households in {exp['seconds']:.1f} s, peak {exp['peak_mb']:.0f} MB, "
          f"batch {exp['size'] / 1e6:.1f} MB, held back {exp['held_back']}")
    imp = run_phase("import", str(county), str(batch))
    print(f"import: {imp['inserted']} households in {imp['seconds']:.1f} s, peak {imp['peak_mb']:.0f} MB")
    sizes = plain_sizes(county, batch)
    size = exp["size"]
    print(f"same rows as JSON: {sizes['json'] / 1e6:.1f} MB (batch = {size / sizes['json']:.3f} of it)")
    print(f"JSON + zlib-6: {sizes['zlib'] / 1e6:.1f} MB in {sizes['zlib_seconds']:.1f} s "
          f"(batch = {size / sizes['zlib']:.3f} of it)")
    print(f"JSON + lzma-6: {sizes['lzma'] / 1e6:.1f} MB in {sizes['lzma_seconds']:.1f} s "
          f"(batch = {size / sizes['lzma']:.3f} of it)")
    print(f"county database after import: {os.path.getsize(county) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
