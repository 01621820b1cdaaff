"""Township batches for the PostgreSQL benchmark, made from one real demo township.

The template is a demo township of N households (bench/out/demo-N.db).  Township ``t`` of the
province gets a code in one of twenty real counties (ten townships each), its own signing key, and
the template's households with new record ids, 户编号 under its own code and ID numbers of other
people (an address code of its own, the birth date kept, the check digit recomputed; one person in a
hundred shared with the previous township, a cross-township duplicate), so every batch is a valid, signed, sealed batch the county import verifies like any other.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fupin_desktop import __version__
from fupin_desktop.domain.divisions import known_codes
from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import check_char
from fupin_desktop.store import Store
from fupin_desktop.store.database import now_iso
from fupin_desktop.sync.format import (
    FORMAT_VERSION,
    HOUSEHOLDS_PER_ENTRY,
    RECORD_TYPES,
    Manifest,
    PayloadWriter,
    dumps_line,
    join_plaintext,
)
from fupin_desktop.sync.keys import TownshipPublic, fingerprint, raw_public
from fupin_desktop.sync.seal import SealedWriter

#: Twenty counties of one province (四川), ten townships each.
COUNTIES = ["510802", "510811", "510812", "510821", "510822", "510823", "510824", "510903", "510904",
            "510921", "510922", "510923", "511002", "511011", "511024", "511025", "511028", "511102",
            "511111", "511112"]
PER_COUNTY = 10


@dataclass
class Template:
    town: dict[str, Any]
    villages: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    bundles: list[dict[str, Any]]


def load_template(path: str) -> Template:
    with Store(path) as store:
        repo = store.sync
        town = repo.own_township()
        assert town is not None
        ids = repo.changed_household_ids(True)
        bundles = [b for _id, b in repo.bundles(ids) if not b["deleted"]]
        return Template(town, repo.changed_villages(True), repo.changed_groups(True), bundles)


def township_code(t: int) -> str:
    return COUNTIES[t // PER_COUNTY % len(COUNTIES)] + f"{101 + t % PER_COUNTY + 100 * (t // (PER_COUNTY * len(COUNTIES))):03d}"


def _uuid(u: str, t: int) -> str:
    return f"{t:05x}{u[5:]}"


#: Where the people of township ``t`` were registered: a county-level code of its own (GB/T 2260,
#: 四川, 重庆, 贵州), so two townships' people are different people unless made the same on purpose.
AREAS = sorted(c for c in known_codes() if c[:2] in ("51", "50", "52") and c[4:] != "00")

#: One person in this many is also registered in the previous township (a cross-township
#: duplicate for the county to find); real registers hold far fewer.
SHARED_EVERY = 100


def _id_number(number: str, t: int) -> str:
    """The number of another person for township ``t``: the birth date kept (the form's birth date
    must agree), the address code the township's own (:data:`AREAS`), the sequence digits moved
    once the codes run out (the sex digit's parity kept); one person in :data:`SHARED_EVERY` is the
    previous township's person of the same template row."""
    if len(number) == 20 and number[18:].isdigit():  # a 残疾人证 number: the holder's ID number and two digits
        return _id_number(number[:18], t) + number[18:]
    if len(number) == 15 and number.isdigit():  # an old number: the address code its own as well
        return AREAS[t % len(AREAS)] + number[6:]
    if len(number) != 18 or not number[:17].isdigit():
        return number
    seq = int(number[14:17])
    if t > 0 and (zlib.crc32(number[6:17].encode()) + t) % SHARED_EVERY == 0:
        t -= 1  # (not shared again at t - 1: each shared person is in two townships)
    seq = (seq + 2 * (t // len(AREAS))) % 1000  # the parity (the sex digit) is kept
    first17 = AREAS[t % len(AREAS)] + number[6:14] + f"{seq:03d}"
    return first17 + check_char(first17)


class Township:
    """One township of the benchmark province: its code, its key, its batch."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.code = township_code(t)
        self.name = f"测试{t}乡"
        self.key = Ed25519PrivateKey.generate()

    def public(self, county_name: str = "") -> TownshipPublic:
        return TownshipPublic(self.code, self.name, county_name, "", "", raw_public(self.key.public_key()))

    def bundles(self, tpl: Template) -> Iterator[dict[str, Any]]:
        old_code, t = str(tpl.town["code"]), self.t
        for src in tpl.bundles:
            b = copy.deepcopy(src)
            b["uuid"], b["village_uuid"] = _uuid(b["uuid"], t), _uuid(b["village_uuid"], t)
            if str(b["number"]).startswith(old_code):
                b["number"] = self.code + str(b["number"])[len(old_code):]
                b["fields"]["number"] = b["number"]
            b["head_id_number"] = _id_number(str(b["head_id_number"] or ""), t)
            for table in TABLES:
                for row in b[table]:
                    row["uuid"] = _uuid(row["uuid"], t)
            for m in b["members"]:
                old = str(m["id_number"] or "")
                new = _id_number(old, t)
                m["id_number"] = new
                for k, v in m["fields"].items():
                    if v == old and old:
                        m["fields"][k] = new
            yield b

    def batch(self, tpl: Template, county_seal: bytes) -> tuple[bytes, list[dict[str, Any]]]:
        """(the sealed batch, its household bundles as sent)."""
        counts: Counter[str] = Counter({k: 0 for k in RECORD_TYPES})
        payload = PayloadWriter()
        town = {**tpl.town, "code": self.code, "name": self.name}
        villages = [{**v, "uuid": _uuid(v["uuid"], self.t)} for v in tpl.villages]
        groups = [{**g, "uuid": _uuid(g["uuid"], self.t), "village_uuid": _uuid(g["village_uuid"], self.t)}
                  for g in tpl.groups]
        payload.add("township.json", json.dumps(town, ensure_ascii=False, sort_keys=True).encode())
        payload.add("villages.jsonl", b"".join(dumps_line(v) for v in villages))
        payload.add("village_groups.jsonl", b"".join(dumps_line(g) for g in groups))
        counts["villages"], counts["village_groups"] = len(villages), len(groups)
        sent: list[dict[str, Any]] = []
        lines: list[bytes] = []
        entry = 0
        for b in self.bundles(tpl):
            counts["households"] += 1
            for table in TABLES:
                counts[table] += len(b[table])
            lines.append(dumps_line(b))
            sent.append(b)
            if len(lines) >= HOUSEHOLDS_PER_ENTRY:
                entry += 1
                payload.add(f"households-{entry:05d}.jsonl", b"".join(lines))
                lines = []
        if lines:
            entry += 1
            payload.add(f"households-{entry:05d}.jsonl", b"".join(lines))
        data = payload.finish()
        manifest = Manifest(
            format_version=FORMAT_VERSION, township_code=self.code, township_name=self.name, sequence=1,
            previous_batch_hash="", created_at=now_iso(), program_version=__version__, full=True,
            counts=dict(counts), payload_sha256=hashlib.sha256(data).hexdigest(), payload_size=len(data),
            signer=fingerprint(raw_public(self.key.public_key())), recipient=fingerprint(county_seal))
        out = io.BytesIO()
        writer = SealedWriter(out, recipient=county_seal, signer=self.key)
        for part in join_plaintext(manifest.encode(), data):
            writer.write(part)
        writer.close()
        return out.getvalue(), sent
