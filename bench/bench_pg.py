"""The receiving side on PostgreSQL at province scale: 200 township batches of 10,000 households.

    python bench/bench_pg.py [--townships 200] [--households 10000] [--step 20] [--url postgresql://…]

Each batch is a real sealed, signed township batch (bench/pg_batches.py); the program imports it
with ``import_bytes`` (verify, decrypt, check, merge, duplicates, one transaction).  The bare
baseline does the least that stores the same rows: decrypt the same batch, parse its lines, and
``COPY`` the households, members and Handbook rows into the same (partitioned) tables of a second
database on the same server, one transaction per batch.  Every ``--step`` batches it prints the
households so far, both rates and their ratio, the database sizes, and the cross-county duplicate
check (the whole-database query, and one ID number looked up).  Without ``--url`` a throw-away
cluster with the server's default durability (fsync on) is started on a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import demo_db, peak_mb  # noqa: E402
from bench.pg_batches import Township, load_template  # noqa: E402
from fupin_desktop.domain.household import TABLES  # noqa: E402
from fupin_desktop.store.pg.database import PgDatabase  # noqa: E402
from fupin_desktop.store.pg.store import PgStore  # noqa: E402
from fupin_desktop.store.sync import canonical  # noqa: E402
from fupin_desktop.sync import keys  # noqa: E402
from fupin_desktop.sync.county_import import import_bytes  # noqa: E402
from fupin_desktop.sync.format import json_lines, read_entries, split_plaintext  # noqa: E402
from fupin_desktop.sync.seal import open_batch  # noqa: E402

PASSPHRASE = "bench-passphrase-2016"


def bare_import(db: PgDatabase, data: bytes, code: str, county: keys.CountyPrivate, sign_key: bytes,
                first_id: int) -> int:
    """Decrypt, parse, COPY the rows: the least work that stores the same batch."""
    _env, plain = open_batch(data, signer_lookup=lambda _fp: sign_key, recipient=county.seal)
    _manifest, payload = split_plaintext(plain)
    county_code, n = code[:6], first_id - 1
    with db.transaction() as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS households_{county_code} PARTITION OF households"
                     f" FOR VALUES IN ('{county_code}')")
        conn.execute(f"CREATE TABLE IF NOT EXISTS members_{county_code} PARTITION OF members"
                     f" FOR VALUES IN ('{county_code}')")
        conn.execute(f"CREATE TABLE IF NOT EXISTS household_rows_{county_code} PARTITION OF household_rows"
                     f" FOR VALUES IN ('{county_code}')")
        households, members, rows = [], [], []
        for name, raw in read_entries(payload):
            if not name.startswith("households-"):
                continue
            for b in json_lines(name, raw):
                n += 1
                households.append((county_code, n, b["uuid"], code, 0, b["group_name"], b["number"], b["year"],
                                   b["head_name"], b["head_id_number"], b["size"], canonical(b["fields"]),
                                   b["revision"], b["created_at"], b["updated_at"], int(b["deleted"])))
                members += [(county_code, m["uuid"], n, m["seq"], canonical(m["fields"]), m["revision"],
                             m["updated_at"], int(m["deleted"]), m["name"], m["id_number"], m["relation"])
                            for m in b["members"]]
                rows += [(county_code, table, r["uuid"], n, r["seq"], canonical(r["fields"]), r["revision"],
                          r["updated_at"], int(r["deleted"])) for table in TABLES[1:] for r in b[table]]
        for target, data in (
            ("households (county_code, id, uuid, township_code, village_id, group_name, number, year, head_name,"
             " head_id_number, size, fields, revision, created_at, updated_at, deleted)", households),
            ("members (county_code, uuid, household_id, seq, fields, revision, updated_at, deleted, name,"
             " id_number, relation)", members),
            ("household_rows (county_code, tbl, uuid, household_id, seq, fields, revision, updated_at, deleted)",
             rows),
        ):
            with conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
    return n - first_id + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--townships", type=int, default=200)
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--step", type=int, default=20)
    ap.add_argument("--url", help="an empty database for the program; a second one named <db>_bare is made beside it")
    args = ap.parse_args()
    keys.SCRYPT_N = 2 ** 12  # unlocking the county key is not what is measured

    cluster = None
    if args.url:
        url = args.url
        bare_url = None
    else:
        from tests.pgserver import Cluster

        cluster = Cluster.start(durable=True)
        url, bare_url = cluster.new_database(), cluster.new_database()
    try:
        run(args, url, bare_url or url)
    finally:
        if cluster is not None:
            cluster.stop()


def run(args: argparse.Namespace, url: str, bare_url: str) -> None:
    t0 = time.perf_counter()
    tpl = load_template(str(demo_db(args.households)))
    print(f"template: {len(tpl.bundles)} households ({time.perf_counter() - t0:.1f} s)")
    gc.freeze()  # the template's millions of objects are the benchmark's, not the import's: keep them out of its collections
    store = PgStore(url)
    keys.init_county(store.sync, "510822", "青川县", PASSPHRASE, store.operator)
    county = keys.unlock_county(store.sync, PASSPHRASE)
    bare = PgDatabase(bare_url) if bare_url != url else None
    towns = [Township(t) for t in range(args.townships)]
    for town in towns:
        keys.register_township(store.sync, town.public("青川县"), store.operator)
    program_s = bare_s = gen_s = 0.0
    bare_rows = 0
    households = 0
    sample: list[str] = []
    print(f"{'townships':>9} {'households':>10} {'program hh/s':>12} {'bare hh/s':>10} {'ratio':>6} "
          f"{'db MB':>8} {'bare MB':>8} {'dup scan s':>10} {'dup lookup ms':>13} {'peak MB':>8}")
    for i, town in enumerate(towns, start=1):
        t = time.perf_counter()
        data, sent = town.batch(tpl, county.public.seal_key)
        gen_s += time.perf_counter() - t
        sample += [m["id_number"] for b in random.sample(sent, 5) for m in b["members"][:1]]
        t = time.perf_counter()
        result = import_bytes(store, data, county=county, name=town.code)
        program_s += time.perf_counter() - t
        if result.status != "imported":
            raise SystemExit(f"batch {i} refused: {result.message}")
        households += result.merge["inserted"]
        if bare is not None:
            t = time.perf_counter()
            bare_rows += bare_import(bare, data, town.code, county, raw_sign(town), bare_rows + 1)
            bare_s += time.perf_counter() - t
        del data, sent
        if i % args.step == 0 or i == len(towns):
            t = time.perf_counter()
            dup = store.db.integer(
                "SELECT count(*) FROM (SELECT id_number FROM person_ids GROUP BY id_number"
                " HAVING count(DISTINCT household_uuid) > 1) d")
            scan_s = time.perf_counter() - t
            look = []
            for number in random.sample(sample, min(200, len(sample))):
                t = time.perf_counter()
                store.sync.other_township_holders(number, "000000000")
                look.append(time.perf_counter() - t)
            size = store.db.integer("SELECT pg_database_size(current_database())") / 2**20
            bare_size = bare.integer("SELECT pg_database_size(current_database())") / 2**20 if bare else 0.0
            ratio = (households / bare_s) and (program_s / bare_s) if bare_s else float("nan")
            print(f"{i:>9} {households:>10} {households / program_s:>12.0f} "
                  f"{(households / bare_s) if bare_s else 0:>10.0f} {ratio:>6.2f} {size:>8.0f} {bare_size:>8.0f} "
                  f"{scan_s:>10.2f} {sorted(look)[len(look) // 2] * 1000:>13.2f} {peak_mb():>8.0f}"
                  f"   (duplicates {dup}, batch making {gen_s:.0f} s)", flush=True)
    store.close()


def raw_sign(town: Township) -> bytes:
    return keys.raw_public(town.key.public_key())


if __name__ == "__main__":
    main()
