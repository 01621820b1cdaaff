"""Data-quality benchmark: the township-wide check and the editor's live check.

    python bench/bench_quality.py                 # 2,000 and 100,000 households
    python bench/bench_quality.py --sizes 2000    # just the township scale

Demo databases are built once into bench/out/ (``fupin_desktop.demo.build_demo``, seed 7, as
bench_foundation.py does) and reused.  "Township run" is what 工具 → 数据质量 and
``fupin validate`` do: the bulk cross-record index, every household read in batches, every
rule.  Its parts are timed separately too.  "Editor check" is ``services.validate`` on one
household with live cross-record look-ups, as the form runs it while a clerk types.
Prints timings (wall and CPU), never asserts them.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from common import demo_db  # noqa: E402

from fupin_desktop import quality, services  # noqa: E402
from fupin_desktop.rules import check_household  # noqa: E402
from fupin_desktop.store import Store  # noqa: E402
from fupin_desktop.store.crossrecord import load_memory_records  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w0, time.process_time() - c0


def fmt(wall: float, cpu: float) -> str:
    return f"{wall:7.2f} s wall  {cpu:7.2f} s CPU"


def bench(n: int) -> None:
    path = demo_db(n)
    print(f"\n== {n} households ({path.stat().st_size / 1e6:.1f} MB) ==")
    with Store(path) as store:
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report, wall, cpu = timed(lambda: quality.run_township(store))
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counts = report.counts()
        print(f"township run (all rules):     {fmt(wall, cpu)}   {report.households} households, "
              f"{counts['error']} errors, {counts['warning']} warnings   peak RSS +{(rss1 - rss0) / 1024:.0f} MB")
        if report.findings:
            print(f"  findings by rule: {dict(report.by_rule().most_common())}"
                  "  (a demo database built before the generator marked above-the-line households 预脱贫"
                  " shows I003 warnings; delete bench/out/demo-N.db to rebuild)")

        records, wall, cpu = timed(lambda: load_memory_records(store.db))
        print(f"  cross-record index:         {fmt(wall, cpu)}   {len(records.households)} households, "
              f"{len(records.persons_by_id)} ID numbers kept")
        ctx = quality.context(store, records)
        read = rules = 0.0
        count = 0
        households = store.households.iter_all()
        while True:  # one household at a time, as the run does: nothing piles up in memory
            t0 = time.process_time()
            hh = next(households, None)
            t1 = time.process_time()
            read += t1 - t0
            if hh is None:
                break
            check_household(hh, ctx)
            rules += time.process_time() - t1
            count += 1
        print(f"  read all households (bulk): {read:7.2f} s CPU")
        print(f"  rules only:                 {rules:7.2f} s CPU   {rules / max(count, 1) * 1e6:.0f} µs a household")

        village = store.townships.villages()[0]
        one, wall, cpu = timed(lambda: quality.run_township(store, village_id=village.id))
        print(f"township run, one village:    {fmt(wall, cpu)}   {village.name}: {one.households} households")

        rng = random.Random(1)
        sample = rng.sample(store.households.ids(), 30)
        latencies = []
        for hid in sample:
            hh = store.households.get(hid)
            t0 = time.perf_counter()
            services.validate(store, hh)
            latencies.append(time.perf_counter() - t0)
        print(f"editor check, one household:  p50 {statistics.median(latencies) * 1000:6.1f} ms   "
              f"max {max(latencies) * 1000:6.1f} ms   (every rule, live cross-record look-ups)")
        _, wall, cpu = timed(lambda: quality.check_households(store, sample[:5]))
        print(f"re-check after a save (5):    {fmt(wall, cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    args = parser.parse_args()
    for n in args.sizes:
        bench(n)


if __name__ == "__main__":
    main()
