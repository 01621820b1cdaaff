"""Build batches a well-behaved township would never write (signed with its real key)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import replace

from fupin_desktop.store import Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.format import (
    PayloadWriter,
    join_plaintext,
    parse_manifest,
    read_entries,
    split_plaintext,
)
from fupin_desktop.sync.keys import CountyPrivate, trusted_county, unlock_township
from fupin_desktop.sync.seal import SealedWriter, open_batch
from tests.sync.world import PASSPHRASE


def decrypt(county: Store, county_key: CountyPrivate, data: bytes) -> tuple[bytes, bytes]:
    """(manifest bytes, payload bytes) of a batch, as the county sees them."""
    repo = SyncRepository(county.db)

    def lookup(fp: str) -> bytes | None:
        town = repo.township_by_fingerprint(fp)
        return town.sign_key if town else None

    _env, plain = open_batch(data, signer_lookup=lookup, recipient=county_key.seal)
    return split_plaintext(plain)


def seal(town: Store, manifest: bytes, payload: bytes) -> bytes:
    repo = SyncRepository(town.db)
    out = io.BytesIO()
    writer = SealedWriter(out, recipient=trusted_county(repo).seal_key, signer=unlock_township(repo, PASSPHRASE))
    for part in join_plaintext(manifest, payload):
        writer.write(part)
    writer.close()
    return out.getvalue()


def rebuild(town: Store, county: Store, county_key: CountyPrivate, data: bytes,
            extra: Callable[[PayloadWriter], None]) -> bytes:
    """The same batch with entries added by ``extra`` (e.g. a ``../`` name), manifest fixed up."""
    manifest_raw, payload = decrypt(county, county_key, data)
    writer = PayloadWriter()
    for name, raw in read_entries(payload):
        writer.add(name, raw)
    extra(writer)
    new_payload = writer.finish()
    manifest = replace(parse_manifest(manifest_raw), payload_sha256=hashlib.sha256(new_payload).hexdigest(),
                       payload_size=len(new_payload))
    return seal(town, manifest.encode(), new_payload)
