"""County import: verify, decrypt, check, merge, in one transaction or not at all.

Order of checks, before the database is touched: file size, batch hash (a replay is answered
from the batch log without decrypting), signature of a registered township, recipient (this
county), decryption of every chunk, manifest (format, township matches the signer, sequence not
taken by another batch), payload hash and size, every archive entry's name and size.  Then one
transaction merges villages, groups and household bundles by UUID and revision:

* unknown here -> inserted;
* newer revision and not edited at the county since the last sync -> taken (newer wins);
* older or identical -> nothing;
* same revision with different content, or edited on both sides -> conflict list (a person
  resolves it: keep the county's version or take the township's);
* blocking errors, an unknown village, a UUID of another township -> rejected with reasons.

The same ID number in another township is flagged for review.  Counts must match the manifest.
The merging itself is :mod:`~fupin_desktop.sync.county_merge`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from fupin_desktop import fileio
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import Store, StoreWriteError, backups, driver, education_sync
from fupin_desktop.store.changes import Change, Changed, ChangeKind
from fupin_desktop.store.sync import SyncRepository, TownshipRecord, bundle_hash
from fupin_desktop.sync.county_merge import _Merger
from fupin_desktop.sync.format import (
    RECORD_TYPES,
    SyncError,
    os_reason,
    parse_manifest,
    read_entries,
    split_plaintext,
)
from fupin_desktop.sync.keys import CountyPrivate, unlock_county
from fupin_desktop.sync.seal import MAX_FILE_BYTES, UnknownSigner, WrongRecipient, open_batch

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
#: A county SQLite file or a PostgreSQL receiving database: the same import on either.
Receiving: TypeAlias = "Store | PgStore"


@dataclass
class ImportResult:
    batch: str
    hash: str
    status: str  # imported | already-imported | refused
    township: str | None = None
    township_name: str | None = None
    sequence: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    missing_sequences: list[int] = field(default_factory=list)
    message: str = ""
    rejected: list[dict[str, Any]] = field(default_factory=list)
    merge: dict[str, int] = field(default_factory=dict)
    cleaned: list[dict[str, Any]] = field(default_factory=list)  # households whose invisible characters went
    #: Refused because the database could not be written (full disk, lost server connection), not
    #: because of the batch: the same batch is taken once the fault is gone (the service says "retry").
    transient: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch, "status": self.status, "township": self.township, "sequence": self.sequence,
            "counts": self.counts, "conflicts": self.conflicts, "duplicates": self.duplicates,
            "missing_sequences": self.missing_sequences, "message": self.message, "hash": self.hash,
            "township_name": self.township_name, "rejected": self.rejected, "merge": self.merge,
            "cleaned": self.cleaned, "retry": self.transient,
        }


class _Refused(SyncError):
    def __init__(self, message: str, town: TownshipRecord | None = None, sequence: int | None = None,
                 *, transient: bool = False) -> None:
        super().__init__(message)
        self.town = town
        self.sequence = sequence
        self.transient = transient


def read_batch_file(path: Path) -> bytes:
    """The whole file in memory (never extracted anywhere), with a size limit."""
    try:
        fileio.refuse_live_database(path)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SyncError(f"{path.name} 超过批次文件大小上限，已拒绝。")
        return path.read_bytes()
    except OSError as exc:
        raise SyncError(f"无法读取 {path}：{os_reason(exc)}") from exc


def import_files(
    store: Receiving,
    paths: Iterable[str | Path],
    *,
    passphrase: str | None = None,
    county: CountyPrivate | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Changed[list[ImportResult]]:
    """Import batches one after another; each is all-or-nothing, a refused one stops none.  The
    results in order, and what they changed (every view reloads when any batch was imported)."""
    store.require(Action.SYNC)
    repo = store.sync
    county = county or unlock_county(repo, passphrase)
    files = [Path(p) for p in paths]
    if files and isinstance(store, Store):  # a dated backup first (同步导入); if it cannot be made nothing is imported
        backups.before(store.db, backups.SYNC)  # (a PostgreSQL server keeps its own backups)
    results = []
    for done, path in enumerate(files):
        if cancelled is not None and cancelled():
            break
        try:
            data = read_batch_file(path)
        except SyncError as exc:
            log.warning("refused sync batch file=%s: %s", path, exc)
            results.append(ImportResult(batch=str(path), hash="", status="refused", message=str(exc)))
        else:
            results.append(import_bytes(store, data, county=county, name=str(path)))
            del data
        if progress is not None:
            progress(done + 1, len(files))
    imported = sum(r.status == "imported" for r in results)
    return Changed(results, Change.of(ChangeKind.SYNC_IMPORT, count=imported, everything=bool(imported)))


def import_bytes(store: Receiving, data: bytes, *, county: CountyPrivate, name: str = "") -> ImportResult:
    """Import one batch held in memory."""
    result = _import_bytes(store, data, county=county, name=name)
    _log_result(result)
    return result


def _log_result(r: ImportResult) -> None:
    """ids and counts only; a refusal's reason is scrubbed by the log."""
    code = int(r.township) if r.township and r.township.isdigit() else r.township  # a code, not personal
    where = f"township={code} sequence={r.sequence} hash={r.hash[:12]}"
    if r.status == "refused":
        log.warning("refused sync batch %s: %s", where, r.message)
    elif r.status == "already-imported":
        log.info("sync batch already imported %s", where)
    else:
        m = r.merge
        log.info("sync batch imported %s households=%d inserted=%d updated=%d unchanged=%d conflicts=%d"
                 " rejected=%d duplicates=%d missing_sequences=%d", where, r.counts.get("households", 0),
                 m.get("inserted", 0), m.get("updated", 0), m.get("unchanged", 0) + m.get("older", 0),
                 len(r.conflicts), len(r.rejected), len(r.duplicates), len(r.missing_sequences))


def _import_bytes(store: Receiving, data: bytes, *, county: CountyPrivate, name: str = "") -> ImportResult:
    repo = store.sync
    batch_hash = hashlib.sha256(data).hexdigest()
    logged = repo.logged_batch(batch_hash)
    if logged is not None:
        town = repo.township(logged.township_code)
        return ImportResult(
            batch=name, hash=batch_hash, status="already-imported", township=logged.township_code,
            township_name=town.name if town else None, sequence=logged.sequence, counts=logged.counts,
            missing_sequences=repo.missing_sequences(logged.township_code),
            message=f"该批次（{town.name if town else logged.township_code} 第 {logged.sequence} 批）已于 "
                    f"{local_time(logged.imported_at)} 导入，本次未作任何改动。",
        )
    try:
        return _import_new(store, repo, data, batch_hash, county, name)
    except _Refused as exc:
        return ImportResult(batch=name, hash=batch_hash, status="refused",
                            township=exc.town.code if exc.town else None,
                            township_name=exc.town.name if exc.town else None, sequence=exc.sequence,
                            message=str(exc), transient=exc.transient)
    except UnknownSigner as exc:
        return ImportResult(batch=name, hash=batch_hash, status="refused", message=str(exc))
    except SyncError as exc:
        return ImportResult(batch=name, hash=batch_hash, status="refused", message=str(exc))


def _import_new(store: Receiving, repo: SyncRepository, data: bytes, batch_hash: str, county: CountyPrivate,
                name: str) -> ImportResult:
    def lookup(fp: str) -> bytes | None:
        town = repo.township_by_fingerprint(fp)
        return town.sign_key if town else None

    try:
        env, plaintext = open_batch(data, signer_lookup=lookup, recipient=county.seal)
    except WrongRecipient as exc:  # name the fingerprint the township can compare: the county.pub one
        raise SyncError(f"{exc}本县公钥指纹：{county.public.fingerprint}。") from exc
    town = repo.township_by_fingerprint(env.header["signer"])
    assert town is not None
    manifest_raw, payload = split_plaintext(plaintext)
    del plaintext
    try:
        manifest = parse_manifest(manifest_raw)
    except SyncError as exc:
        raise _Refused(str(exc), town) from exc
    seq = manifest.sequence
    if manifest.signer != env.header["signer"] or manifest.recipient != env.header["recipient"]:
        raise _Refused("批次清单与文件头的签名人或收件人不符，已拒绝，未作任何改动。", town, seq)
    if manifest.township_code != town.code:
        raise _Refused(f"批次清单写的是乡镇 {manifest.township_code}，但签名密钥登记的是 {town.name}（{town.code}），"
                       "已拒绝，未作任何改动。", town, seq)
    if len(payload) != manifest.payload_size or hashlib.sha256(payload).hexdigest() != manifest.payload_sha256:
        raise _Refused("批次清单与内容不符（内容校验值不一致），已拒绝，未作任何改动。", town, seq)
    taken = repo.logged_sequence(town.code, seq)
    if taken is not None:
        raise _Refused(
            f"{town.name} 的第 {seq} 批已于 {local_time(taken.imported_at)} 由另一个批次文件导入，"
            "两个文件内容不同，已拒绝，未作任何改动。乡镇数据库可能从备份恢复过：请先把县里的反馈导入乡镇，再重新导出。",
            town, seq)
    for _name, _data in read_entries(payload):  # names and sizes, before any write
        pass

    merger = _Merger(store, repo, town, batch_hash)
    try:
        with store.db.transaction():
            with repo.bulk_loading():
                for entry, raw in read_entries(payload):
                    merger.entry(entry, raw)
            counts = {k: merger.counts.get(k, 0) for k in RECORD_TYPES}
            expected = {k: manifest.counts.get(k, 0) for k in RECORD_TYPES}
            if counts != expected:
                raise SyncError("批次清单中的记录数与内容不符，已拒绝，未作任何改动。")
            if merger.counts.get("year_snapshots"):  # closed years' files (issue 16): not in older batches
                counts["year_snapshots"] = merger.counts["year_snapshots"]
            if merger.education is not None or manifest.counts.get(education_sync.COUNT_KEY):  # issue 16
                if merger.counts.get(education_sync.COUNT_KEY, 0) != manifest.counts.get(education_sync.COUNT_KEY, 0):
                    raise SyncError("批次清单中的记录数与内容不符，已拒绝，未作任何改动。")
                counts[education_sync.COUNT_KEY] = merger.counts[education_sync.COUNT_KEY]
            repo.log_batch(batch_hash, town.code, seq, manifest.created_at, counts, dict(merger.merge))
            missing = repo.missing_sequences(town.code)
    except SyncError as exc:
        raise _Refused(str(exc), town, seq) from exc
    except StoreWriteError as exc:  # the disk is full, the file read-only or locked: said as such
        raise _Refused(f"写入县级数据库失败，已撤销本批次：{exc}", town, seq, transient=True) from exc
    except driver.OperationalError as exc:
        raise _Refused(f"写入县级数据库失败（{exc}），已撤销本批次，未作任何改动。", town, seq, transient=True) from exc
    except Exception as exc:  # a signed but malformed record: the transaction is rolled back
        raise _Refused(f"批次中的记录格式不对（{type(exc).__name__}），已拒绝，未作任何改动。", town, seq) from exc

    m = merger.merge
    message = (f"已导入 {town.name} 第 {seq} 批：新增 {m['inserted']} 户，更新 {m['updated']} 户，"
               f"未变 {m['unchanged'] + m['older']} 户")
    if merger.conflicts:
        message += f"，冲突 {len(merger.conflicts)} 户待处理"
    if merger.rejected:
        message += f"，拒收 {len(merger.rejected)} 条"
    if merger.duplicates:
        message += f"，发现跨乡重复身份证号 {len(merger.duplicates)} 个"
    if merger.education is not None and (merger.education["added"] or merger.education["changed"]
                                         or merger.education["removed"]):
        message += (f"，教育资助学生记录新增 {merger.education['added']} 条、更新 {merger.education['changed']} 条、"
                    f"撤销 {merger.education['removed']} 条")
    message += "。"
    if merger.cleaned:
        message += (f"已去掉 {len(merger.cleaned)} 户（户编号 {'、'.join(c['number'] for c in merger.cleaned[:5])}"
                    f"{'等' if len(merger.cleaned) > 5 else ''}）姓名等文字中的不可见控制字符。")
    if missing:
        message += f"缺少第 {'、'.join(map(str, missing))} 批，请乡镇补交。"
    previous = repo.logged_sequence(town.code, seq - 1) if seq > 1 else None
    if previous is not None and manifest.previous_batch_hash != previous.hash:
        message += "注意：本批记录的上一批校验值与县里收到的不同。"
    return ImportResult(
        batch=name, hash=batch_hash, status="imported", township=town.code, township_name=town.name, sequence=seq,
        counts=counts, conflicts=merger.conflicts, duplicates=merger.duplicates, missing_sequences=missing,
        message=message, rejected=merger.rejected, merge=dict(m), cleaned=merger.cleaned,
    )


# -- resolving conflicts -------------------------------------------------------------------------------
RESOLUTIONS = {"county": "保留县里版本", "township": "采用乡镇版本"}


def resolve_conflict(store: Receiving, conflict_id: int, resolution: str) -> Change:
    """``county`` keeps the county's copy; ``township`` takes the township's incoming version."""
    if resolution not in RESOLUTIONS:
        raise SyncError("处理方式只能是“保留县里版本”或“采用乡镇版本”。")
    repo = store.sync
    with store.db.transaction():
        c = repo.conflict(conflict_id)
        if c is None or c["resolved_at"] is not None:
            raise SyncError("该冲突不存在或已处理。")
        bundle = json.loads(c["incoming"])
        incoming_hash = bundle_hash(bundle)
        local, _received = repo.household_state(c["household_uuid"])
        if resolution == "township" or local is None:
            village_id = repo.village_ids(c["township_code"]).get(bundle["village_uuid"])
            if village_id is None:
                raise SyncError("该户所属的村县里没有记录，无法采用乡镇版本。")
            household_id = repo.apply_bundle(bundle, village_id, store.operator, c["township_code"])
            local_revision = repo.household_revision(household_id)
        else:
            local_revision = local["revision"]
        repo.set_received(c["household_uuid"], c["township_code"], bundle["revision"], incoming_hash,
                          local_revision, c["batch_hash"])
        repo.close_conflict(conflict_id, resolution, store.operator)
    return Change.of(ChangeKind.SYNC_IMPORT, count=1, everything=True)


def conflict_differences(store: Receiving, conflict_id: int) -> list[str]:
    """Labels of what differs between the township's and the county's version (for the person deciding)."""
    repo = store.sync
    c = repo.conflict(conflict_id)
    if c is None:
        return []
    incoming = json.loads(c["incoming"])
    local, _ = repo.household_state(c["household_uuid"])
    mine = repo.local_bundle(local["id"]) if local else None
    if mine is None:
        return ["县里没有该户"]
    labels = {f.id: f.label for f in store.spec.grid_fields()}
    out = [labels.get(k, k) for k in sorted(set(incoming["fields"]) | set(mine["fields"]))
           if incoming["fields"].get(k) != mine["fields"].get(k)]
    if incoming["deleted"] != mine["deleted"]:
        out.append("是否删除")
    for table in TABLES:
        def rows(b: dict[str, Any], t: str = table) -> dict[str, Any]:
            return {r["uuid"]: (r["fields"], r.get("name"), r.get("id_number")) for r in b[t] if not r["deleted"]}
        if rows(incoming) != rows(mine):
            out.append(store.spec.table(table).title)
    return out
