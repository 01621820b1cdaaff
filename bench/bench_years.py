"""Registration-years benchmark: 结转下一年度 of a county-scale database (100,000 households).

    python bench/bench_years.py                                   # /work/bench-data/county100k.db
    python bench/bench_years.py --source other.db --copy /tmp/y.db

The source database is copied first through SQLite's backup API (never a file copy) into
``--copy`` (default /work/bench-data/years100k.db), so the source is never changed and each run
starts from the same state.  Opening the copy migrates it to this program's schema (timed apart).
Then it times: the carry-over with the backup it makes first (the backup and the carry separately),
a second run (idempotent: carries nothing), the counts per year of both years, the half-year
review list and one household's history; and reports peak memory (ru_maxrss) before and after the
carry-over.  Prints numbers, never asserts them.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from common import peak_mb  # noqa: E402

from fupin_desktop.store import Store, backups, review, years  # noqa: E402

SOURCE = Path("/work/bench-data/county100k.db")
COPY = Path("/work/bench-data/years100k.db")


def copy_database(source: Path, target: Path) -> float:
    """A fresh copy through the SQLite backup API (the target is no live database: made here)."""
    t0 = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--copy", type=Path, default=COPY)
    args = ap.parse_args()
    print(f"copy {args.source} -> {args.copy}: {copy_database(args.source, args.copy):.1f} s")
    t0 = time.perf_counter()
    store = Store(args.copy)
    print(f"open (migrate to the current schema): {time.perf_counter() - t0:.1f} s")
    db = store.db
    households, persons = store.households.count(), store.households.person_count()
    live = years.live_year(db)
    print(f"{households} households, {persons} persons, live year {live}; peak memory so far {peak_mb():.0f} MB")

    t0 = time.perf_counter()
    info = backups.before(db, years.CARRY_REASON)
    t_backup = time.perf_counter() - t0
    marks: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    result = years.carry_over(db, live + 1, store.operator, backup=str(info.path),
                              progress=lambda done, total: marks.append((done, time.perf_counter() - t0)))
    t_carry = time.perf_counter() - t0
    print(f"backup before carry-over: {t_backup:.1f} s ({info.path.stat().st_size / 1e6:.0f} MB)")
    print(f"carry-over {live} -> {live + 1}: {result.carried} carried, {result.skipped} skipped in {t_carry:.1f} s "
          f"({result.carried / t_carry:.0f} households/s); results cleared {result.cleared_results}, "
          f"members dropped {result.dropped_members}")
    if marks:
        first = marks[0]
        print(f"  first chunk ({first[0]} households) after {first[1]:.2f} s: the progress dialog moves at once")
    print(f"peak memory after the carry-over: {peak_mb():.0f} MB")

    t0 = time.perf_counter()
    again = years.carry_over_safely(db, live + 1, store.operator)
    print(f"second run: {again.carried} carried, {again.skipped} skipped, backup {again.backup} "
          f"in {time.perf_counter() - t0:.1f} s")
    for year in (live, live + 1):
        t0 = time.perf_counter()
        counts = years.year_counts(db, year)
        print(f"year_counts({year}): {time.perf_counter() - t0:.2f} s {counts}")
    t0 = time.perf_counter()
    listed = review.review_list(db)
    print(f"review list (whole county): {len(listed)} households in {time.perf_counter() - t0:.1f} s")
    uuid = db.query_one("SELECT uuid FROM households WHERE deleted = 0 LIMIT 1")[0]
    t0 = time.perf_counter()
    history = years.history(db, store.spec, uuid)
    print(f"history of one household: {len(history)} years in {(time.perf_counter() - t0) * 1000:.1f} ms")
    print(f"database after: {args.copy.stat().st_size / 1e6:.0f} MB; peak memory {peak_mb():.0f} MB")
    store.close()


if __name__ == "__main__":
    main()
