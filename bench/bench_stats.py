"""Statistics benchmark (issue 17): the 统计 page's numbers, the village form and the reports.

    python bench/bench_stats.py                       # 2,000 households (demo, built once)
    python bench/bench_stats.py --db /work/bench-data/village100k.db   # a county's 100,000

Opening the database applies the village migration if needed (timed apart).  Every figure
comes from SQL aggregates (store/stats.py); this prints how long each takes (wall clock, and the
process's CPU time, which a shared machine's load does not inflate), never asserts.
"""

from __future__ import annotations

import argparse
import statistics as pystats
import tempfile
import time
from pathlib import Path

from common import demo_db, ms, peak_mb  # noqa: E402


def timed(label: str, func, repeat: int = 5) -> object:  # type: ignore[no-untyped-def]
    times, cpu = [], []
    result = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time too: on a shared machine the wall clock mostly measures the other processes
    print(f"  {label:<38} first {ms(times[0])}   median {ms(pystats.median(times))}"
          f"   cpu median {ms(pystats.median(cpu))}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="an existing database (a copy: it is migrated)")
    args = parser.parse_args()
    from fupin_desktop.excel.reports import write_report
    from fupin_desktop.printing.summary import write_summary
    from fupin_desktop.store import Store, stats
    from fupin_desktop.store.village_view import default_year, statistics, village_view

    path = args.db or demo_db(args.households)
    t0 = time.perf_counter()
    store = Store(path)
    print(f"{path.name}: opened (and migrated) in {ms(time.perf_counter() - t0)}")
    households = store.households.count()
    villages = store.townships.villages()
    year = default_year(store)
    print(f"  {households} households, {len(villages)} villages, year {year}")
    doc = timed("fupin stats (township, all villages)", lambda: statistics(store, year))
    assert isinstance(doc, dict)
    print(f"  -> {doc['households']} households, {doc['persons']} persons")
    timed("village_counts only (2 GROUP BY)", lambda: stats.village_counts(store.db, year))
    big = max(doc["villages"], key=lambda v: v["households"])["village"]
    timed(f"fupin stats --village ({big})", lambda: statistics(store, year, big))
    timed(f"fupin village show ({big})", lambda: village_view(store, big, year))
    vid = next(int(v.id or 0) for v in villages if v.name == big)
    timed("bar click: households of a village", lambda: stats.households_of(store.db, year, vid))
    cause = next(iter(doc["township"]["causes"]), "因病")
    timed(f"bar click: main cause {cause} (township)", lambda: stats.households_of(store.db, year, None,
                                                                                    field="main_cause", value=cause))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("basic", "causes", "measures", "exits"):
            timed(f"fupin report {name}", lambda n=name: write_report(store, n, Path(tmp) / f"{n}.xlsx", year), 2)
        timed("fupin report summary (PDF)", lambda: write_summary(store, Path(tmp) / "s.pdf", year), 2)
    store.close()
    print(f"  peak memory {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
