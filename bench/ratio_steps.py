"""The bulk measures of ``bench/ratios.py``: each program path and its bare baseline.

Every step runs in a fresh child process (``python bench/ratio_steps.py STEP ARGS...``) so its
peak memory (max RSS) is its own, and prints one JSON line: ``{"seconds": ..., "peak_mb": ...}``.
Only the measured work is inside ``seconds`` (wall) and ``cpu`` (CPU seconds of the process and
its waited-for children: the fairer number on a shared, loaded machine); setting up (an empty target database, unlocking a
key) is not.  Baselines are the simplest code doing the same job on the same rows with the same
SQLite settings (WAL, ``synchronous=FULL``, one transaction):

* ``excel-bare``: python-calamine reads every cell of the file, then the rows go into the
  households / members tables of an empty database with ``executemany``;
* ``export-bare``: the same households and rows read with SQL, one JSON line each, zlib level 6,
  written to a file and fsynced;
* ``county-bare``: the batch decrypted and verified with the program's own crypto calls
  (``seal.open_batch``), its JSON lines inserted with ``executemany``;
* ``validate-bare``: every household read with one SQL pass per table, built and checked with the
  same rules (``check_household``), nothing else.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSPHRASE = "bench-passphrase"
TABLES = ("members", "helpers", "plans", "measures", "results")


def peak_mb() -> float:
    """Peak resident memory of this process or of any child it waited for (the Excel reader's
    sandbox is a child process), in MB (Linux reports KiB)."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


_CPU = [0.0, 0.0]


def cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the Excel reader's sandbox)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def start() -> float:
    """The measured work begins: wall clock returned, CPU remembered."""
    _CPU[0] = cpu()
    return time.perf_counter()


def stop(t0: float) -> float:
    """The measured work ends: its wall seconds (its CPU seconds are kept for the report)."""
    _CPU[1] = cpu()
    return time.perf_counter() - t0


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _bare_connect(path: Path) -> sqlite3.Connection:
    """The program's SQLite settings, nothing else."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def empty_township(path: Path) -> None:
    """A new database with the demo township and no households (schema of the program)."""
    from fupin_desktop.demo import demo_township
    from fupin_desktop.store import Store

    _fresh(path)
    with Store(path) as store:
        store.townships.create(demo_township(), store.operator)


# -- Excel import ------------------------------------------------------------------------------
def excel_program(xlsx: str, db: str) -> float:
    from fupin_desktop.excel.importer import import_file
    from fupin_desktop.store import Store

    empty_township(Path(db))
    with Store(db) as store:
        t0 = start()
        report, _plan = import_file(store, xlsx)
        seconds = stop(t0)
    assert report.created > 0, report
    return seconds


def excel_bare(xlsx: str, db: str) -> float:
    import python_calamine as calamine

    empty_township(Path(db))
    conn = _bare_connect(Path(db))
    village = conn.execute("SELECT id FROM villages ORDER BY id LIMIT 1").fetchone()[0]
    t0 = start()
    with calamine.CalamineWorkbook.from_path(xlsx) as book:
        sheets = [book.get_sheet_by_name(s).to_python(skip_empty_area=False) for s in book.sheet_names]
    rows = sheets[0]
    at = next(i for i, r in enumerate(rows[:20]) if "户编号" in [str(c).strip() for c in r])
    names = [str(c).strip() for c in rows[at]]
    col_number, col_name, col_id = names.index("户编号"), names.index("姓名"), names.index("证件号码")
    now = "2026-01-01T00:00:00"
    households: dict[str, int] = {}
    head_rows, member_rows = [], []
    for r in rows[at + 1:]:
        if len(r) <= col_id or not str(r[col_number]).strip():
            continue
        number = str(r[col_number])
        fields = json.dumps({n: str(c) for n, c in zip(names, r, strict=False) if n and c not in ("", None)},
                            ensure_ascii=False)
        if number not in households:
            households[number] = len(households) + 1
            head_rows.append((households[number], str(uuid.uuid4()), village, number, str(r[col_name]),
                              fields, now, now))
        member_rows.append((str(uuid.uuid4()), households[number], len(member_rows), str(r[col_name]),
                            str(r[col_id]), fields, now))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO households (id, uuid, village_id, number, head_name, fields, created_at,"
                     " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", head_rows)
    conn.executemany("INSERT INTO members (uuid, household_id, seq, name, id_number, fields, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", member_rows)
    conn.execute("COMMIT")
    seconds = stop(t0)
    conn.close()
    return seconds


# -- sync export -------------------------------------------------------------------------------
def export_program(town: str, out_dir: str) -> float:
    from fupin_desktop import quality
    from fupin_desktop.store import Store
    from fupin_desktop.store.crossrecord import load_memory_records
    from fupin_desktop.sync.export import export_batch

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with Store(town) as store:
        t0 = start()
        context = quality.context(store, load_memory_records(store.db))
        result = export_batch(store, out_dir, passphrase=PASSPHRASE, full=True, context=context)
        seconds = stop(t0)
    assert result.batch, result.message
    return seconds


def _bare_bundles(conn: sqlite3.Connection, *, tombstones: bool = True) -> Iterator[dict[str, Any]]:
    """Every household with its rows (the batch's columns; ``tombstones``: deleted rows too, as a
    batch carries them), one ordered pass per table (a merge join on the household id)."""
    where = "" if tombstones else " WHERE deleted = 0"
    cursors = {t: conn.execute(f"SELECT household_id, uuid, seq, revision, updated_at, deleted, fields"
                               f"{', name, id_number, relation' if t == 'members' else ''} FROM {t}{where}"
                               " ORDER BY household_id, seq, id") for t in TABLES}
    pending: dict[str, Any] = {t: cursors[t].fetchone() for t in TABLES}
    for h in conn.execute(
            "SELECT h.id, h.uuid, v.uuid, h.group_name, h.number, h.year, h.head_name, h.head_id_number, h.size,"
            " h.revision, h.created_at, h.updated_at, h.deleted, h.fields FROM households h"
            f" JOIN villages v ON v.id = h.village_id{where.replace('deleted', 'h.deleted')} ORDER BY h.id"):
        hid = h[0]
        bundle: dict[str, Any] = dict(zip(
            ("uuid", "village_uuid", "group_name", "number", "year", "head_name", "head_id_number", "size",
             "revision", "created_at", "updated_at", "deleted"), h[1:13], strict=True))
        bundle["fields"] = json.loads(h[13])
        for t in TABLES:
            rows = bundle[t] = []
            row = pending[t]
            while row is not None and row[0] < hid:
                row = cursors[t].fetchone()
            while row is not None and row[0] == hid:
                r = {"uuid": row[1], "seq": row[2], "revision": row[3], "updated_at": row[4], "deleted": row[5],
                     "fields": json.loads(row[6])}
                if t == "members":
                    r.update(name=row[7], id_number=row[8], relation=row[9])
                rows.append(r)
                row = cursors[t].fetchone()
            pending[t] = row
        yield bundle


def export_bare(town: str, out_dir: str) -> float:
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(f"file:{town}?mode=ro", uri=True)
    target = Path(out_dir) / "bare.jsonl.z"
    t0 = start()
    z = zlib.compressobj(6)
    with open(target, "wb") as out:
        conn.execute("BEGIN")
        for bundle in _bare_bundles(conn):
            out.write(z.compress(json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode() + b"\n"))
        out.write(z.flush())
        out.flush()
        os.fsync(out.fileno())
    seconds = stop(t0)
    conn.close()
    target.unlink()
    return seconds


# -- county import -----------------------------------------------------------------------------
def county_setup(town: str, county: str) -> None:
    """An empty county database that trusts the township's key (and the township trusts it)."""
    from fupin_desktop.store import Store
    from fupin_desktop.sync import keys

    _fresh(Path(county))
    with Store(county) as c, Store(town) as t:
        keys.init_county(c.sync, "510822", "青川县", PASSPHRASE)
        keys.trust_county(t.sync, keys.own_county_public(c.sync))
        pub = keys.township_public(t.sync) or keys.ensure_township_key(t.sync, PASSPHRASE)
        keys.register_township(c.sync, pub, "bench", replace=True)


def county_copy(template: str, county: str) -> None:
    """The empty county database the batch was sealed to, copied for one run (backup API)."""
    _fresh(Path(county))
    src = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    dst = sqlite3.connect(county)
    src.backup(dst)
    src.close()
    dst.close()


def county_program(batch: str, county: str, template: str) -> float:
    from fupin_desktop.store import Store
    from fupin_desktop.sync.county_import import import_files
    from fupin_desktop.sync.keys import unlock_county

    county_copy(template, county)
    with Store(county) as store:
        key = unlock_county(store.sync, PASSPHRASE)
        t0 = start()
        [result] = import_files(store, [batch], county=key).value
        seconds = stop(t0)
    assert result.status == "imported", result.message
    return seconds


def county_bare(batch: str, county: str, template: str) -> float:
    from fupin_desktop.store import Store
    from fupin_desktop.sync.format import json_lines, read_entries, split_plaintext
    from fupin_desktop.sync.keys import unlock_county
    from fupin_desktop.sync.seal import open_batch

    county_copy(template, county)
    with Store(county) as store:
        key = unlock_county(store.sync, PASSPHRASE)
        signers = {t.fingerprint: t.sign_key for t in store.sync.townships()}
    conn = _bare_connect(Path(county))
    t0 = start()
    _envelope, plain = open_batch(Path(batch).read_bytes(), recipient=key.seal, signer_lookup=signers.get)
    _manifest, payload = split_plaintext(plain)
    del plain
    conn.execute("BEGIN IMMEDIATE")
    villages: dict[str, int] = {}
    for name, data in read_entries(payload):
        if name == "villages.jsonl":
            for v in json_lines(name, data):
                villages[v["uuid"]] = conn.execute(
                    "INSERT INTO villages (uuid, code, name, township_code, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (v["uuid"], v.get("code") or "", v["name"], "510822001", v["updated_at"])).lastrowid
        if not name.startswith("households-"):
            continue
        heads, rows = [], {t: [] for t in TABLES}
        for b in json_lines(name, data):
            heads.append((b["uuid"], villages[b["village_uuid"]], b["group_name"], b["number"], b["head_name"],
                          b["size"], json.dumps(b["fields"], ensure_ascii=False), b["revision"],
                          b["created_at"], b["updated_at"]))
            for t in TABLES:
                rows[t] += [(r["uuid"], b["uuid"], r["seq"], json.dumps(r["fields"], ensure_ascii=False),
                             r["revision"], r["updated_at"]) for r in b[t]]
        conn.executemany("INSERT INTO households (uuid, village_id, group_name, number, head_name, size, fields,"
                         " revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", heads)
        for t in TABLES:
            conn.executemany(f"INSERT INTO {t} (uuid, household_id, seq, fields, revision, updated_at)"
                             " VALUES (?, (SELECT id FROM households WHERE uuid = ?), ?, ?, ?, ?)", rows[t])
    conn.execute("COMMIT")
    seconds = stop(t0)
    conn.close()
    return seconds


# -- validate ----------------------------------------------------------------------------------
def validate_program(db: str) -> float:
    from fupin_desktop import quality
    from fupin_desktop.store import Store

    with Store(db) as store:
        t0 = start()
        quality.run_township(store)
        return stop(t0)


def validate_bare(db: str) -> float:
    from fupin_desktop import quality
    from fupin_desktop.domain.household import Household, Row
    from fupin_desktop.domain.values import from_store
    from fupin_desktop.rules import check_household
    from fupin_desktop.store import Store
    from fupin_desktop.store.crossrecord import load_memory_records

    with Store(db) as store:
        spec = store.spec
        t0 = start()
        ctx = quality.context(store, load_memory_records(store.db))
        grid = {f.id: f for f in spec.grid_fields()}
        columns = {t: {f.id: f for f in spec.table(t).fields} for t in TABLES}
        conn = store.db.conn
        villages = dict(conn.execute("SELECT id, name FROM villages"))
        findings = 0
        for b in _bare_bundles(conn, tombstones=False):
            raw = b["fields"]
            hh = Household(fields={k: from_store(s, raw.get(k)) for k, s in grid.items() if k in raw})
            for t in TABLES:
                hh.table(t).extend(Row(fields={k: from_store(columns[t][k], v) for k, v in r["fields"].items()
                                               if k in columns[t]}, uuid=r["uuid"]) for r in b[t])
            hh.refresh_derived(spec.derived_sources())
            findings += len(check_household(hh, ctx))
        del villages
        return stop(t0)


STEPS: dict[str, Callable[..., float]] = {
    "excel-program": excel_program, "excel-bare": excel_bare,
    "export-program": export_program, "export-bare": export_bare,
    "county-program": county_program, "county-bare": county_bare,
    "validate-program": validate_program, "validate-bare": validate_bare,
}

if __name__ == "__main__":
    step, *args = sys.argv[1:]
    seconds = STEPS[step](*args)
    print(json.dumps({"seconds": seconds, "cpu": _CPU[1] - _CPU[0], "peak_mb": peak_mb()}))
