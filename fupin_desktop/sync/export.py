"""Township export: every change since the last batch (or everything) into one sealed batch file.

The batch holds the township's settings the county needs (code, name, county, villages with
quotas and 贫困村 flags, groups), every household changed since the last batch as a bundle with
all its Handbook rows, and tombstones.  Households with blocking errors are held back and
listed; they go with a later batch once fixed.

The file is written under a temporary name, flushed and fsynced, renamed, then read back and
verified (signature, recipient, frames, hash) before anything is reported as exported; only
then is the batch recorded and the records marked as exported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from fupin_desktop import __version__, fileio
from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Role, Store, education_sync, settings, years
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync import case_sync
from fupin_desktop.sync.export_checks import ExportChecks
from fupin_desktop.sync.format import (
    FORMAT_VERSION,
    HOUSEHOLDS_PER_ENTRY,
    RECORD_TYPES,
    Manifest,
    PayloadWriter,
    SyncError,
    dumps_line,
    join_plaintext,
    os_reason,
)
from fupin_desktop.sync.keys import fingerprint, raw_public, trusted_county, unlock_township
from fupin_desktop.sync.seal import SealedWriter, verify_batch_file

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
BATCH_SUFFIX = ".fpsync"


@dataclass
class ExportResult:
    batch: str | None
    hash: str | None
    sequence: int | None
    counts: dict[str, int]
    held_back: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    size: int = 0

    @property
    def change(self) -> Change | None:
        """A batch in the outbox (no household changed); None when nothing was written."""
        if self.batch is None:
            return None
        return Change.of(ChangeKind.SYNC_EXPORT, count=self.counts.get("households", 0))

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "sequence": self.sequence, "counts": self.counts,
                "held_back": self.held_back, "hash": self.hash, "size": self.size, "message": self.message}


def outbox_dir(store: Store) -> Path:
    """Where a copy of every batch is kept beside the database (for upload and re-copying)."""
    return store.path.parent / f"{store.path.stem}-sync-outbox"


def export_batch(
    store: Store,
    out_dir: str | Path,
    *,
    passphrase: str | None,
    full: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    context: RuleContext | None = None,
) -> ExportResult:
    """Write the next batch into ``out_dir``; returns what went in and what was held back.

    ``context`` is what the rules read (``services.rule_context(store)``: villages, the county's
    policy, the other households); without it only the township's villages are known.
    """
    store.require(Action.SYNC)
    repo = store.sync
    if store.role is Role.COUNTY:
        raise SyncError("这是县级数据库：批次由乡镇导出，县里用“导入批次”。")
    county = trusted_county(repo)
    key = unlock_township(repo, passphrase)
    own_raw = raw_public(key.public_key())
    town = repo.own_township()
    if town is None:
        raise SyncError("请先完成乡镇设置。")
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise SyncError(f"导出位置 {out_dir} 不存在或不是文件夹。")

    counts: Counter[str] = Counter({k: 0 for k in RECORD_TYPES})
    held_back: list[dict[str, Any]] = []
    exported: list[tuple[str, str, int]] = []
    spool = _spool()  # the compressed payload: never the whole batch in memory
    payload = PayloadWriter(sink=_Sink(spool))
    with store.db.snapshot():  # one consistent view of the township; clerks may keep saving
        villages = repo.changed_villages(full)
        groups = repo.changed_groups(full)
        ids = repo.changed_household_ids(full)
        town_exported = store.db.query_one("SELECT revision FROM sync_exported WHERE uuid = ?", (town["uuid"],))
        town_changed = full or town_exported is None or town_exported[0] < town["revision"]
        all_villages = store.db.query("SELECT uuid, name FROM villages WHERE township_code IS NULL")
        village_names = {r["uuid"]: r["name"] for r in all_villages}
        ctx = context or RuleContext(spec=store.spec, villages={v.name: v.groups for v in store.townships.villages()})

        payload.add("township.json", json.dumps(town, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        payload.add("villages.jsonl", b"".join(dumps_line(v) for v in villages))
        payload.add("village_groups.jsonl", b"".join(dumps_line(g) for g in groups))
        counts["villages"], counts["village_groups"] = len(villages), len(groups)
        exported += [(v["uuid"], "village", v["revision"]) for v in villages]
        exported += [(g["uuid"], "village_group", g["revision"]) for g in groups]
        if town_changed:
            exported.append((town["uuid"], "township", town["revision"]))

        # The education students (issue 16): the whole set whenever it differs from the one sent last.
        # Made into its entry's bytes before the households (the records are gone before the bundles
        # come); the entry goes in after them, where a county reads it.
        education = education_sync.township_records(store.db)
        education_digest = education_sync.records_digest(education)
        send_education = (full and bool(education)) or education_digest != (
            settings.SYNC_EDUCATION_SENT.get(store.db) or education_sync.records_digest([]))
        education_count = len(education)
        education_entry = b"".join(dumps_line(rec) for rec in education) if send_education else b""
        del education

        checks = ExportChecks(store, ctx, ids)
        lines: list[bytes] = []
        entry = 0
        for done, (household_id, bundle) in enumerate(repo.bundles(ids), start=1):
            if cancelled is not None and cancelled():
                raise SyncError("导出已取消，未生成批次。")
            if not bundle["deleted"]:
                village = village_names.get(bundle["village_uuid"], "")
                errors = checks.errors(household_id, bundle, village, town)
                if errors:
                    held_back.append({
                        "uuid": bundle["uuid"], "number": bundle["number"], "head_name": bundle["head_name"],
                        "village": village, "group": bundle["group_name"], "errors": errors,
                    })
                    continue
                counts["households"] += 1
            else:
                counts["deleted_households"] += 1
            for table in TABLES:
                counts[table] += len(bundle[table])
            lines.append(dumps_line(bundle))
            exported.append((bundle["uuid"], "household", bundle["revision"]))
            if len(lines) >= HOUSEHOLDS_PER_ENTRY:
                entry += 1
                payload.add(f"households-{entry:05d}.jsonl", b"".join(lines))
                lines = []
            if progress is not None and (done % 200 == 0 or done == len(ids)):
                progress(done, len(ids))
        if lines:
            entry += 1
            payload.add(f"households-{entry:05d}.jsonl", b"".join(lines))
        del lines
        case_entry, case_items = case_sync.export_entry(store, {h["uuid"] for h in held_back})
        if case_entry:  # the identification cases (issue 15), with all their records
            payload.add(case_sync.ENTRY, case_entry)
            exported += case_items
        # Closed years' files (issue 16), each carried once (all of them in a full batch); a
        # county program older than this skips the entries.
        snapshots_sent = 0 if full else settings.SYNC_SNAPSHOTS_SENT.get(store.db)
        last_snapshot = snapshots_sent
        snapshot_lines: list[bytes] = []
        for snapshot_id, snapshot in years.snapshots_since(store.db, snapshots_sent):
            snapshot_lines.append(dumps_line(snapshot))
            last_snapshot = max(last_snapshot, snapshot_id)
        for first in range(0, len(snapshot_lines), HOUSEHOLDS_PER_ENTRY):
            payload.add(f"year_snapshots-{first // HOUSEHOLDS_PER_ENTRY + 1:05d}.jsonl",
                        b"".join(snapshot_lines[first:first + HOUSEHOLDS_PER_ENTRY]))
        if snapshot_lines:
            counts["year_snapshots"] = len(snapshot_lines)
        del snapshot_lines
        if send_education:
            payload.add(education_sync.ENTRY, education_entry)
            counts[education_sync.COUNT_KEY] = education_count
        del education_entry
        sequence = repo.next_sequence()
        previous = repo.last_outbox()

    held_back_ids = _local_ids(repo, held_back)
    changed = counts["villages"] + counts["village_groups"] + counts["households"] + counts["deleted_households"] \
        + len(case_items) + counts["year_snapshots"] + send_education
    if not changed and not town_changed:
        log.info("sync export: nothing new held_back=%d", len(held_back))
        return ExportResult(batch=None, hash=None, sequence=None, counts=dict(counts), held_back=held_back_ids,
                            message="没有新的变更需要导出。" + (f"另有 {len(held_back)} 户因有错误暂不导出。" if held_back else ""))

    payload.finish()
    created_at = now_iso()
    manifest = Manifest(
        format_version=FORMAT_VERSION, township_code=town["code"], township_name=town["name"], sequence=sequence,
        previous_batch_hash=previous.hash if previous else "", created_at=created_at, program_version=__version__,
        full=full, counts=dict(counts), payload_sha256=payload.sha256(),
        payload_size=payload.size, signer=fingerprint(own_raw), recipient=fingerprint(county.seal_key),
    )
    with _spool() as sealed:
        _seal(sealed, manifest.encode(), spool, county.seal_key, key)
        spool.close()
        size = sealed.tell()
        sealed.seek(0)
        batch_hash = _sha256(sealed)
        name = f"fupin-{town['code']}-{sequence:06d}-{batch_hash[:8]}{BATCH_SUFFIX}"

        def check(read_back: BinaryIO, length: int) -> str:
            return verify_batch_file(read_back, length, own_raw, county.seal_key)

        copy = write_verified(outbox_dir(store) / name, sealed, size, batch_hash, check)
        written = [copy]
        try:
            if out_dir.resolve() != copy.parent.resolve():
                written.append(write_verified(out_dir / name, sealed, size, batch_hash, check))
            target = written[-1]
            with store.db.transaction():
                repo.add_outbox(sequence=sequence, batch_hash=batch_hash, file_name=name, path=str(target),
                                copy_path=str(copy), full=full, size=size, created_at=created_at,
                                counts=dict(counts), held_back=len(held_back))
                repo.mark_exported(exported)
                if last_snapshot > settings.SYNC_SNAPSHOTS_SENT.get(store.db):
                    settings.SYNC_SNAPSHOTS_SENT.put(store.db, last_snapshot)
                if send_education:
                    settings.SYNC_EDUCATION_SENT.put(store.db, education_digest)
                store.checks.keep(checks.refreshed)  # checked again now: the next export takes them
        except BaseException:
            # Not recorded (the stick is full, the database cannot be written...): a batch file left
            # behind would carry a sequence number the next export uses again.  Remove them all.
            fileio.remove_quietly(*written)
            raise
    log.info("sync batch exported sequence=%d file=%s size=%d households=%d deleted=%d held_back=%d full=%s"
             " rechecked=%d", sequence, Path(target), size, counts["households"], counts["deleted_households"],
             len(held_back), full, checks.rechecked)
    message = f"已导出第 {sequence} 批（{counts['households']} 户，删除 {counts['deleted_households']} 户），并已读回校验。"
    if held_back:
        message += f"{len(held_back)} 户因有错误暂不导出，请改正后再导出。"
    return ExportResult(batch=str(target), hash=batch_hash, sequence=sequence, counts=dict(counts),
                        held_back=held_back_ids, message=message, size=size)


#: A batch up to this size is built in memory; a larger one in an unnamed temporary file.
SPOOL_BYTES = 16 << 20
_READ = 1 << 20


def _spool() -> IO[bytes]:
    """Where a payload or a sealed batch is built: memory, then (large) a temporary file that the
    system removes by itself.  A full disk there is a :class:`SyncError` like any other."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")


class _Sink:
    """The payload's spool, its write errors in the clerk's words."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        try:
            return self._out.write(data)
        except OSError as exc:
            raise _spool_error(exc) from exc


def _seal(out: IO[bytes], manifest: bytes, payload: IO[bytes], recipient: bytes, key: Any) -> None:
    """Manifest and payload (read back from its spool in chunks) sealed into ``out``."""
    try:
        writer = SealedWriter(out, recipient=recipient, signer=key)
        for part in join_plaintext(manifest, b""):
            writer.write(part)
        payload.seek(0)
        while chunk := payload.read(_READ):
            writer.write(chunk)
        writer.close()
    except OSError as exc:
        raise _spool_error(exc) from exc


def _spool_error(exc: OSError) -> SyncError:
    where = tempfile.gettempdir()
    return SyncError(f"无法写入临时文件夹 {where}：{os_reason(exc)}，批次没有导出（没有留下不完整的文件）。"
                     f"{fileio.ADVICE[fileio.kind(exc)]}")


def _sha256(fh: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(_READ):
        digest.update(chunk)
    return digest.hexdigest()


def _local_ids(repo: SyncRepository, held_back: list[dict[str, Any]]) -> list[dict[str, Any]]:
    refs = repo.household_refs(h["uuid"] for h in held_back)
    return [{"id": refs.get(h["uuid"], {}).get("id"), **h} for h in held_back]


def write_verified(path: Path, source: IO[bytes], size: int, digest: str,
                   check: Callable[[BinaryIO, int], str]) -> Path:
    """``source`` (``size`` bytes, SHA-256 ``digest``) copied under a temp name, flushed, fsynced,
    renamed, the folder fsynced; then read back in chunks and verified (``check`` returns the
    SHA-256 of what it read)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    if free is not None and free < size + 65536:
        raise SyncError(f"{path.parent} 空间不足（需要 {size / 1e6:.1f} MB，剩余 {free / 1e6:.1f} MB），"
                        "批次没有导出。请清理磁盘、换一个 U 盘或换一个位置后再导出。")
    try:
        # temporary name, fsync, rename: never a truncated batch
        with fileio.atomic_path(path) as tmp, open(tmp, "wb") as out:
            source.seek(0)
            shutil.copyfileobj(source, out, _READ)
        with open(path, "rb") as read_back:
            try:
                verified = check(read_back, size)
            except SyncError as exc:
                failed: SyncError | None = exc
            else:
                failed = None
    except OSError as exc:
        raise SyncError(f"无法写入 {path}：{os_reason(exc)}，批次没有导出（没有留下不完整的文件）。"
                        f"{fileio.ADVICE[fileio.kind(exc)]}") from exc
    if failed is not None:
        fileio.remove_quietly(path)  # never leave a file that does not verify under a batch's name
        raise SyncError(f"写入 {path} 后读回校验失败：{failed}") from failed
    if verified != digest:
        fileio.remove_quietly(path)
        raise SyncError(f"写入 {path} 后读回的内容与原文不符，U 盘可能有问题。请换一个 U 盘重新导出。")
    return path
