"""Kill -9 campaign: a confirmed save survives any other process and any crash.

A long-lived *writer* process shaped like the GUI (one main connection; extra reader connections
opened and closed as the GUI's workers do: print preview, data quality, list queries) saves
households and records every confirmed revision in a journal (written and fsynced only after
``save()`` returned).  Meanwhile other processes run the real ``fupin`` commands against the same
file in a loop (households, show, validate, backup list).  The writer is ``kill -9``ed at a random
moment, then the file is checked: ``PRAGMA integrity_check`` is ok and every confirmed save is
there (its revision, or a later one, with the value it wrote).  Then the next writer starts on the
same file (recovering the WAL the dead one left).

    python tools/kill_campaign.py --kills 200            # prints checked and lost counts
    python tools/kill_campaign.py --kills 20 --json      # what tests/test_kill_campaign.py runs

Exit code 0 when nothing was lost and every check was ok, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- the writer (a child process) ------------------------------------------------------------
def writer(db: Path, journal: Path, seed: int) -> None:
    """Save households forever, journalling each confirmed (household id, revision, phone)."""
    from fupin_desktop.store import Store, StoreError

    rng = random.Random(seed)
    store = Store(db)
    ids = store.households.ids()
    with open(journal, "a", encoding="utf-8") as log:
        n = 0
        while True:
            n += 1
            if n == 2:  # the first save (and its imports, e.g. pypinyin) is done: kill from now on
                print("ready", flush=True)
            if rng.random() < 0.4:  # a worker's own connection, opened and closed (as the GUI's are)
                reader = store.reader()
                try:
                    reader.households.count()
                    reader.households.get(rng.choice(ids))
                finally:
                    reader.close()
            hh = store.households.get(rng.choice(ids))
            assert hh is not None
            phone = f"13{seed % 100:02d}{n:07d}"[:11]
            hh.fields["phone"] = phone
            try:
                saved = store.households.save(hh, "kill-test")
            except StoreError:  # busy for too long: not confirmed, nothing to check
                continue
            log.write(f"{saved.id} {saved.revision} {phone}\n")
            log.flush()
            os.fsync(log.fileno())


# -- the other processes -------------------------------------------------------------------
def fupin(db: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "fupin_desktop", "--db", str(db), *argv]


def cli_loop(db: Path, stop: threading.Event, rng: random.Random, runs: list[int]) -> None:
    commands = [("households", "--json"), ("validate", "--json"), ("show", "1", "--json"),
                ("backup", "list", "--json")]
    while not stop.is_set():
        argv = rng.choice(commands)
        subprocess.run(fupin(db, *argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=_env(), timeout=120, check=False)
        runs[0] += 1


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


# -- checking ------------------------------------------------------------------------------
def confirmed(journal: Path) -> dict[int, tuple[int, str]]:
    """The last confirmed (revision, phone) per household; a torn last line is not confirmed."""
    last: dict[int, tuple[int, str]] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and len(parts[2]) == 11:
            last[int(parts[0])] = (int(parts[1]), parts[2])
    return last


def check(db: Path, journal: Path) -> tuple[int, int, str]:
    """(confirmed saves checked, lost, integrity_check result) of the file as a crash left it."""
    conn = sqlite3.connect(db, timeout=60)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        saves = confirmed(journal)
        lost = 0
        for household_id, (revision, phone) in saves.items():
            row = conn.execute("SELECT revision, fields FROM households WHERE id = ?", (household_id,)).fetchone()
            if row is None or row[0] < revision or (row[0] == revision and phone not in row[1]):
                lost += 1
    finally:
        conn.close()
    return len(saves), lost, integrity


def campaign(kills: int, households: int, seed: int, cli_threads: int, quiet: bool) -> dict[str, object]:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="fupin-kill-"))
    db = work / "township.db"
    subprocess.run(fupin(db, "demo", "--households", str(households), "--json"), check=True,
                   stdout=subprocess.DEVNULL, env=_env())
    journal = work / "confirmed.txt"
    journal.touch()
    stop = threading.Event()
    runs = [0]
    threads = [threading.Thread(target=cli_loop, args=(db, stop, random.Random(seed + i), runs), daemon=True)
               for i in range(cli_threads)]
    for t in threads:
        t.start()
    checked = lost = bad_integrity = 0
    started = time.perf_counter()
    try:
        for k in range(kills):
            proc = subprocess.Popen([sys.executable, __file__, "--writer", str(db), str(journal), str(seed + k)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), text=True)
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"writer failed to start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(rng.uniform(0.1, 1.2))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            n, gone, integrity = check(db, journal)
            checked = n
            lost += gone
            bad_integrity += integrity != "ok"
            if not quiet:
                print(f"kill {k + 1}/{kills}: {n} households with confirmed saves, {gone} lost, "
                      f"integrity {integrity}, {runs[0]} fupin runs so far", flush=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
    saves = sum(1 for _ in journal.read_text(encoding="utf-8").splitlines())
    return {"kills": kills, "confirmed_saves": saves, "households_checked": checked, "lost": lost,
            "integrity_failures": bad_integrity, "fupin_runs": runs[0],
            "seconds": round(time.perf_counter() - started, 1), "folder": str(work)}


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--writer":
        writer(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--households", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cli-threads", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    result = campaign(args.kills, args.households, args.seed, args.cli_threads, quiet=args.json)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{result['kills']} kills, {result['confirmed_saves']} confirmed saves checked, "
              f"{result['lost']} lost, {result['integrity_failures']} integrity failures, "
              f"{result['fupin_runs']} fupin runs beside the writer, {result['seconds']} s")
    return 0 if result["lost"] == 0 and result["integrity_failures"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
