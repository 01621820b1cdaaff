"""Encryption at rest (issue 18): the cost of SQLCipher on the county-scale paths, plain vs encrypted.

    python bench/bench_encryption.py                      # 10,000 households, Excel import of 2,000
    python bench/bench_encryption.py --households 100000  # the county scale (the demo takes a while)

The demo database (bench/out/demo-N.db, built once) is copied twice through the backup API: one
copy stays plain, the other gets a 管理员 and is converted (``store/encryption.py``: the time of the
conversion itself is reported too).  Each measure then runs in a fresh process per file, side by
side: open (the GUI's ``Store(check=False)`` plus a count, and the command's ``Store()`` with its
``quick_check``), search (the list's id query, 40 queries), save one household (20 saves), and an
Excel import of ``--import`` households into an empty township (plain, or encrypted).  Prints
numbers only, never asserts them.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, demo_db, percentile  # noqa: E402

PASSWORD = "bench-admin-1"
ADMIN = "测速管理员"


def _unlock(path: Path) -> None:
    from fupin_desktop.store import cipher

    if cipher.is_encrypted(path):
        cipher.unlock(path, ADMIN, PASSWORD)


def run_step(name: str, path: Path, extra: list[str]) -> dict[str, float]:
    from fupin_desktop.store import Store

    t_unlock = time.perf_counter()
    _unlock(path)
    unlock = time.perf_counter() - t_unlock
    if name == "open":
        t0 = time.perf_counter()
        with Store(path, check=False) as store:
            store.households.count()
        gui = time.perf_counter() - t0
        t0 = time.perf_counter()
        with Store(path) as store:
            store.households.count()
        return {"unlock_s": unlock, "open_gui_s": gui, "open_checked_s": time.perf_counter() - t0}
    with Store(path, check=False) as store:
        if store.accounts.users.any():
            store.accounts.login(ADMIN, PASSWORD)
        if name == "search":
            rng = random.Random(1)
            sample = store.households.summaries(rng.sample(store.households.ids(), 10))
            queries = [q for s in sample for q in (s.head_name, s.head_id_number[6:14], s.number[-6:])]
            queries += ["zs", "wf", "lj", "5108", "不存在的人"] * 2
            times = []
            for q in queries:
                t0 = time.perf_counter()
                store.households.ids(search=q, limit=200)
                times.append(time.perf_counter() - t0)
            return {"search_p50_s": statistics.median(times), "search_p95_s": percentile(times, 95)}
        if name == "save":
            rng = random.Random(2)
            times = []
            for hid in rng.sample(store.households.ids(), 20):
                hh = store.households.get(hid)
                assert hh is not None
                hh.fields["phone"] = f"139{rng.randrange(10**8):08d}"
                t0 = time.perf_counter()
                store.households.save(hh, store.operator)
                times.append(time.perf_counter() - t0)
            return {"save_p50_s": statistics.median(times), "save_p95_s": percentile(times, 95)}
        if name == "import":
            from fupin_desktop.excel.importer import import_file

            t0 = time.perf_counter()
            run = import_file(store, extra[0])
            return {"import_s": time.perf_counter() - t0, "imported": float(run.report.created)}
    raise SystemExit(f"unknown step {name}")


def step(name: str, path: Path, *extra: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--step", name, str(path), *extra], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def copy_of(source: Path, target: Path) -> Path:
    from fupin_desktop.store.database import Database

    for leftover in target.parent.glob(target.name + "*"):
        leftover.unlink()
    shutil.rmtree(target.parent / "backups", ignore_errors=True)
    with Database(source, check=False, migrate=False) as db:
        db.backup(target)
    return target


def encrypted_copy(source: Path, target: Path) -> tuple[Path, float]:
    from fupin_desktop.domain.roles import UserRole
    from fupin_desktop.store import Store, encryption

    copy_of(source, target)
    with Store(target, check=False) as store:
        if not store.accounts.users.any():
            store.accounts.add(ADMIN, UserRole.ADMIN, PASSWORD)
    t0 = time.perf_counter()
    encryption.convert(target, encrypt=True, user=ADMIN, password=PASSWORD)
    return target, time.perf_counter() - t0


def empty_township(target: Path, encrypted: bool) -> Path:
    from fupin_desktop.demo import build_demo
    from fupin_desktop.domain.roles import UserRole
    from fupin_desktop.store import Store, encryption

    for leftover in target.parent.glob(target.name + "*"):
        leftover.unlink()
    with Store(target) as store:
        build_demo(store, households=0)
        store.accounts.add(ADMIN, UserRole.ADMIN, PASSWORD)
    if encrypted:
        encryption.convert(target, encrypt=True, user=ADMIN, password=PASSWORD)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--import", dest="imported", type=int, default=2_000)
    parser.add_argument("--source", help="an existing demo database of --households households (read via the backup API)")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        name, path, *extra = args.step
        print(json.dumps(run_step(name, Path(path), extra)))
        return
    work = OUT / "encryption"
    work.mkdir(parents=True, exist_ok=True)
    source = Path(args.source) if args.source else demo_db(args.households)
    for kind in ("plain", "encrypted"):
        (work / kind).mkdir(exist_ok=True)
    plain = copy_of(source, work / "plain" / "county.db")
    encrypted, conversion = encrypted_copy(source, work / "encrypted" / "county.db")
    print(f"\n== {args.households} households: plain {plain.stat().st_size / 1e6:.1f} MB, "
          f"encrypted {encrypted.stat().st_size / 1e6:.1f} MB; encrypting took {conversion:.1f} s ==")
    results: dict[str, dict[str, float]] = {"plain": {}, "encrypted": {}}
    for kind, path in (("plain", plain), ("encrypted", encrypted)):
        for name in ("open", "search", "save"):
            results[kind].update(step(name, path))
    # Excel import: a file of --import households into an empty township, plain or encrypted.
    from fupin_desktop.excel.exporter import export_workbook
    from fupin_desktop.store import Store

    sheet = work / f"import-{args.imported}.xlsx"
    if not sheet.exists():
        with Store(demo_db(args.imported)) as store:
            export_workbook(store, sheet, "full")
    for kind in ("plain", "encrypted"):
        target = empty_township(work / kind / "township.db", kind == "encrypted")
        results[kind].update(step("import", target, str(sheet)))
    rows = [("unlock (Argon2id + AES-GCM)", "unlock_s", 1000, "ms"),
            ("open (GUI: no check) + count", "open_gui_s", 1000, "ms"),
            ("open + quick_check + count", "open_checked_s", 1000, "ms"),
            ("search p50 (list ids)", "search_p50_s", 1000, "ms"), ("search p95", "search_p95_s", 1000, "ms"),
            ("save one household p50", "save_p50_s", 1000, "ms"), ("save p95", "save_p95_s", 1000, "ms"),
            (f"Excel import {args.imported} households", "import_s", 1, "s")]
    print(f"{'':36}{'plain':>12}{'encrypted':>12}{'ratio':>8}")
    for label, key, scale, unit in rows:
        a, b = results["plain"].get(key, 0.0) * scale, results["encrypted"].get(key, 0.0) * scale
        ratio = f"{b / a:6.2f}x" if a >= 0.5 else "     -"
        print(f"{label:36}{a:10.1f}{unit:>2}{b:10.1f}{unit:>2}{ratio:>8}")


if __name__ == "__main__":
    main()
