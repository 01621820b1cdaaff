"""The household list by year and label at county scale (issue 16): 100,000 households, two years.

    python bench/bench_year_list.py                         # /work/bench-data/county100k.db
    python bench/bench_year_list.py --copy /tmp/list.db --source other.db

Copies the source through SQLite's backup API (never a file copy), opens it (migrating: the label
indexes are built then, timed), carries it over to the next year (so the earlier year is closed,
100,000 snapshots), then times the list's queries as the main window runs them: the current year
by 脱贫状态 / 贫困户属性 (first page and all ids), the closed year all / by label / by village /
with a search, and a page of its rows.  Prints numbers, never asserts them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_years import copy_database
from common import peak_mb  # noqa: E402

from fupin_desktop.store import Store, year_list, years  # noqa: E402
from fupin_desktop.store.search_index import Scope  # noqa: E402

SOURCE = Path("/work/bench-data/county100k.db")
COPY = Path("/work/bench-data/h16/list100k.db")


def timed(label: str, func, repeat: int = 3):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    size = len(result) if hasattr(result, "__len__") else result
    print(f"  {label}: {best * 1000:.1f} ms ({size})")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--copy", type=Path, default=COPY)
    ap.add_argument("--reuse", action="store_true", help="time the queries on the copy an earlier run left")
    args = ap.parse_args()
    args.copy.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        print(f"copy {args.source} -> {args.copy}: {copy_database(args.source, args.copy):.1f} s")
    t0 = time.perf_counter()
    store = Store(args.copy)
    print(f"open (migrate, label indexes built): {time.perf_counter() - t0:.1f} s")
    db = store.db
    live = years.live_year(db)
    if not years.closed_years(db):
        t0 = time.perf_counter()
        result = years.carry_over(db, live + 1, store.operator)
        print(f"carry-over {live} -> {live + 1}: {result.carried} in {time.perf_counter() - t0:.1f} s; "
              f"peak memory {peak_mb():.0f} MB")
    closed, live = years.closed_years(db)[-1], years.live_year(db)
    print(f"{store.households.count()} households; closed {closed}, live {live}")
    h = store.households
    print("current year (live files):")
    timed("all ids", lambda: h.ids())
    for flag in ("未脱贫", "返贫"):
        timed(f"脱贫状态 {flag}: first page", lambda f=flag: h.ids(exit_flag=f, limit=60))
        timed(f"脱贫状态 {flag}: all ids", lambda f=flag: h.ids(exit_flag=f))
    timed("贫困户属性 低保户: all ids", lambda: h.ids(household_type="低保户"))
    timed("低保户 + 未脱贫 + search 张: all ids", lambda: h.ids(household_type="低保户", exit_flag="未脱贫", search="张"))
    timed("贫困户属性 低保户 sorted by 户主", lambda: h.ids(household_type="低保户", order="head_name"))
    print(f"closed year {closed} (snapshots):")
    every = timed("all ids", lambda: year_list.ids(db, closed, Scope()))
    timed("脱贫状态 未脱贫", lambda: year_list.ids(db, closed, Scope(exit_flag="未脱贫")))
    timed("贫困户属性 低保户", lambda: year_list.ids(db, closed, Scope(household_type="低保户")))
    village = store.townships.villages()[0]
    timed(f"village {village.name}", lambda: year_list.ids(db, closed, Scope(village_id=village.id)))
    timed("search 张", lambda: year_list.ids(db, closed, Scope(), search="张"))
    timed("search a 户编号 piece", lambda: year_list.ids(db, closed, Scope(), search=h.summaries(h.ids(limit=1))[0].number[-6:]))
    timed("sorted by 户主 descending", lambda: year_list.ids(db, closed, Scope(), order="head_name", descending=True))
    timed("a page of 200 rows", lambda: year_list.summaries(db, every[50_000:50_200]))
    print(f"peak memory {peak_mb():.0f} MB")
    store.close()


if __name__ == "__main__":
    main()
