"""Excel benchmark: export and import 10,000 households (~35,000 persons).

    python bench/bench_excel.py                    # 10,000 households
    python bench/bench_excel.py --households 2000  # township scale

The demo database is built once into bench/out/ and reused.  Each step runs in a fresh
process so its peak memory (max RSS) is its own: export national / full, the bare
python-calamine read of the same file (every sheet, every cell), and importing that
file into an empty township database (the demo township, no households).  Prints
numbers only, never asserts them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, demo_db, peak_mb  # noqa: E402


def step(name: str, args: list[str]) -> dict:
    """Run one measured step in a child process; it prints a JSON line last."""
    out = subprocess.run([sys.executable, __file__, "--step", name, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_step(name: str, args: list[str]) -> None:
    from fupin_desktop.store import Store

    t0 = time.perf_counter()
    extra: dict = {}
    if name == "export":
        from fupin_desktop.excel.exporter import export_workbook

        db, layout, out = args
        with Store(db) as store:
            result = export_workbook(store, out, layout)
        extra = {"households": result.households, "persons": result.persons,
                 "size_mb": Path(out).stat().st_size / 1e6}
    elif name == "read":
        import python_calamine as calamine

        (path,) = args
        cells = 0
        with calamine.CalamineWorkbook.from_path(path) as book:
            for sheet in book.sheet_names:
                rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                cells += sum(len(r) for r in rows)
        extra = {"cells": cells}
    elif name == "import":
        from fupin_desktop.demo import demo_township
        from fupin_desktop.excel.importer import import_file

        path, db = args
        Path(db).unlink(missing_ok=True)
        with Store(db) as store:
            store.townships.create(demo_township(), store.operator)
            t0 = time.perf_counter()
            report, _plan = import_file(store, path)
        extra = {"created": report.created, "changed": report.changed, "rejected": report.rejected,
                 "persons": report.persons}
    elif name == "reimport":
        from fupin_desktop.excel.importer import import_file

        path, db = args
        with Store(db) as store:
            report, _plan = import_file(store, path)
        extra = {"created": report.created, "changed": report.changed, "rejected": report.rejected}
    print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": peak_mb(), **extra}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--step")
    args, rest = parser.parse_known_args()
    if args.step:
        run_step(args.step, rest)
        return
    n = args.households
    db = demo_db(n)
    print(f"== Excel, {n} households ==")
    for layout in ("national", "full"):
        xlsx = OUT / f"excel-{n}-{layout}.xlsx"
        target = OUT / f"excel-{n}-{layout}-import.db"
        exp = step("export", [str(db), layout, str(xlsx)])
        read = step("read", [str(xlsx)])
        imp = step("import", [str(xlsx), str(target)])
        again = step("reimport", [str(xlsx), str(target)])
        print(f"{layout:9s} export  {exp['seconds']:7.1f} s  peak {exp['peak_mb']:6.0f} MB  "
              f"{exp['households']} households {exp['persons']} persons  file {exp['size_mb']:.1f} MB")
        print(f"{layout:9s} read    {read['seconds']:7.2f} s  peak {read['peak_mb']:6.0f} MB  "
              f"{read['cells']} cells (python-calamine alone)")
        print(f"{layout:9s} import  {imp['seconds']:7.1f} s  peak {imp['peak_mb']:6.0f} MB  "
              f"created {imp['created']} rejected {imp['rejected']}  ratio to read {imp['seconds'] / read['seconds']:.0f}x")
        print(f"{layout:9s} again   {again['seconds']:7.1f} s  peak {again['peak_mb']:6.0f} MB  "
              f"updated {again['changed']} created {again['created']}  ratio to read "
              f"{again['seconds'] / read['seconds']:.0f}x")
        target.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
