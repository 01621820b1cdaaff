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
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fupin_desktop import fileio
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Store, StoreWriteError, backups
from fupin_desktop.store.sync import (
    GROUP_KEYS,
    HOUSEHOLD_KEYS,
    MEMBER_EXTRA,
    ROW_KEYS,
    VILLAGE_KEYS,
    SyncRepository,
    TownshipRecord,
    bundle_hash,
)
from fupin_desktop.sync.clean import clean_bundle
from fupin_desktop.sync.export import blocking_errors, bundle_household
from fupin_desktop.sync.format import (
    RECORD_TYPES,
    SyncError,
    json_lines,
    json_object,
    mask_digits,
    os_reason,
    parse_manifest,
    read_entries,
    split_plaintext,
)
from fupin_desktop.sync.keys import CountyPrivate, unlock_county
from fupin_desktop.sync.seal import MAX_FILE_BYTES, UnknownSigner, WrongRecipient, open_batch

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch, "status": self.status, "township": self.township, "sequence": self.sequence,
            "counts": self.counts, "conflicts": self.conflicts, "duplicates": self.duplicates,
            "missing_sequences": self.missing_sequences, "message": self.message, "hash": self.hash,
            "township_name": self.township_name, "rejected": self.rejected, "merge": self.merge,
            "cleaned": self.cleaned,
        }


class _Refused(SyncError):
    def __init__(self, message: str, town: TownshipRecord | None = None, sequence: int | None = None) -> None:
        super().__init__(message)
        self.town = town
        self.sequence = sequence


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
    store: Store,
    paths: Iterable[str | Path],
    *,
    passphrase: str | None = None,
    county: CountyPrivate | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[ImportResult]:
    """Import batches one after another; each is all-or-nothing, a refused one stops none."""
    repo = store.sync
    county = county or unlock_county(repo, passphrase)
    files = [Path(p) for p in paths]
    if files:  # a dated backup first (同步导入); if it cannot be made nothing is imported
        backups.before(store.db, backups.SYNC)
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
    return results


def import_bytes(store: Store, data: bytes, *, county: CountyPrivate, name: str = "") -> ImportResult:
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


def _import_bytes(store: Store, data: bytes, *, county: CountyPrivate, name: str = "") -> ImportResult:
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
                            message=str(exc))
    except UnknownSigner as exc:
        return ImportResult(batch=name, hash=batch_hash, status="refused", message=str(exc))
    except SyncError as exc:
        return ImportResult(batch=name, hash=batch_hash, status="refused", message=str(exc))


def _import_new(store: Store, repo: SyncRepository, data: bytes, batch_hash: str, county: CountyPrivate,
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
            for entry, raw in read_entries(payload):
                merger.entry(entry, raw)
            counts = {k: merger.counts.get(k, 0) for k in RECORD_TYPES}
            expected = {k: manifest.counts.get(k, 0) for k in RECORD_TYPES}
            if counts != expected:
                raise SyncError("批次清单中的记录数与内容不符，已拒绝，未作任何改动。")
            repo.log_batch(batch_hash, town.code, seq, manifest.created_at, counts, dict(merger.merge))
            missing = repo.missing_sequences(town.code)
    except SyncError as exc:
        raise _Refused(str(exc), town, seq) from exc
    except StoreWriteError as exc:  # the disk is full, the file read-only or locked: said as such
        raise _Refused(f"写入县级数据库失败，已撤销本批次：{exc}", town, seq) from exc
    except sqlite3.OperationalError as exc:
        raise _Refused(f"写入县级数据库失败（{exc}），已撤销本批次，未作任何改动。", town, seq) from exc
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



# -- merging -----------------------------------------------------------------------------------
def _check(rec: dict[str, Any], keys: Iterable[str], what: str) -> dict[str, Any]:
    missing = [k for k in keys if k not in rec]
    if missing:
        raise SyncError(f"批次中的{what}记录缺少字段 {missing[0]}，已拒绝，未作任何改动。")
    if not isinstance(rec["uuid"], str) or not rec["uuid"] or not isinstance(rec["revision"], int):
        raise SyncError(f"批次中的{what}记录编号或版本号无效，已拒绝，未作任何改动。")
    return rec


def _check_bundle(rec: dict[str, Any]) -> dict[str, Any]:
    _check(rec, HOUSEHOLD_KEYS, "户")
    if not isinstance(rec["fields"], dict):
        raise SyncError("批次中的户记录格式不对，已拒绝，未作任何改动。")
    for table in TABLES:
        rows = rec.get(table)
        if not isinstance(rows, list):
            raise SyncError("批次中的户记录缺少表格，已拒绝，未作任何改动。")
        for row in rows:
            if not isinstance(row, dict):
                raise SyncError("批次中的表格行格式不对，已拒绝，未作任何改动。")
            _check(row, (*ROW_KEYS, *(MEMBER_EXTRA if table == "members" else ())), "表格行")
            if not isinstance(row["fields"], dict):
                raise SyncError("批次中的表格行格式不对，已拒绝，未作任何改动。")
    return rec


def masked_id(id_number: str) -> str:
    if len(id_number) == 20:
        return mask_id(id_number)  # a 残疾人证 number: its ID part, the 残疾类别/等级 digits dropped
    return id_number[:6] + "*" * max(len(id_number) - 10, 0) + id_number[-4:] if len(id_number) > 10 else "****"


class _Merger:
    def __init__(self, store: Store, repo: SyncRepository, town: TownshipRecord, batch_hash: str) -> None:
        self.store = store
        self.repo = repo
        self.town = town
        self.code = town.code
        self.batch_hash = batch_hash
        self.operator = store.operator
        self.counts: Counter[str] = Counter()
        self.merge: Counter[str] = Counter({k: 0 for k in ("inserted", "updated", "unchanged", "older",
                                                          "conflicts", "rejected")})
        self.conflicts: list[dict[str, Any]] = []
        self.duplicates: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.cleaned: list[dict[str, Any]] = []
        self.village_ids = repo.village_ids(self.code)
        self._ctx: RuleContext | None = None
        self._town_info: dict[str, Any] = {"name": town.name, "county": town.county, "city": town.city,
                                           "province": town.province}
        self._village_names: dict[str, str] = {}

    def entry(self, name: str, raw: bytes) -> None:
        if name == "township.json":
            info = json_object(name, raw)
            if str(info.get("code")) != self.code:
                raise SyncError("批次中的乡镇信息与签名乡镇不符，已拒绝，未作任何改动。")
            self.repo.update_township_info(self.code, info)
            self._town_info = info
        elif name == "villages.jsonl":
            for rec in json_lines(name, raw):
                self.village(_check(rec, VILLAGE_KEYS, "村"))
        elif name == "village_groups.jsonl":
            for rec in json_lines(name, raw):
                self.group(_check(rec, GROUP_KEYS, "组"))
        elif name.startswith("households-") and name.endswith(".jsonl"):
            for rec in json_lines(name, raw):
                self.household(_check_bundle(rec))
        # Unknown entries are left alone: a newer program may add entries an older one can skip.

    def reject(self, entity: str, uuid: str, number: str, reasons: list[str]) -> None:
        reasons = [mask_digits(r) for r in reasons]
        self.repo.add_rejection(self.code, self.batch_hash, entity, uuid, number, reasons)
        self.rejected.append({"entity": entity, "uuid": uuid, "number": number, "reasons": reasons})
        self.merge["rejected"] += 1

    def village(self, rec: dict[str, Any]) -> None:
        self.counts["villages"] += 1
        reason = self.repo.upsert_village(self.code, rec)
        if reason:
            self.reject("village", rec["uuid"], str(rec.get("code") or ""), [reason])
            return
        owner = self.repo.village_owner(rec["uuid"])
        if owner is not None:
            self.village_ids[rec["uuid"]] = owner[0]
        self._ctx = None

    def group(self, rec: dict[str, Any]) -> None:
        self.counts["village_groups"] += 1
        village_id = self.village_ids.get(rec["village_uuid"])
        if village_id is None:
            self.reject("village_group", rec["uuid"], "", ["所属的村县里没有记录"])
            return
        self.repo.upsert_group(village_id, rec)
        self._ctx = None

    def context(self) -> RuleContext:
        if self._ctx is None:
            groups = self.repo.village_groups_of(self.code)
            self._ctx = RuleContext(spec=self.store.spec, villages=groups)
            rows = self.store.db.query("SELECT uuid, name FROM villages WHERE township_code = ?", (self.code,))
            self._village_names = {r[0]: r[1] for r in rows}
        return self._ctx

    def household(self, b: dict[str, Any]) -> None:
        if b["deleted"]:
            self.counts["deleted_households"] += 1
        else:
            self.counts["households"] += 1
        for table in TABLES:
            self.counts[table] += len(b[table])
        cleaned = clean_bundle(b, self.store.spec)  # before checking, merging and hashing it
        if cleaned is not None:
            self.cleaned.append(cleaned)
            self.merge["cleaned"] += 1
        uuid, number = b["uuid"], str(b["number"])
        village_id = self.village_ids.get(b["village_uuid"])
        if village_id is None:
            self.reject("household", uuid, number, ["所属的村县里没有记录（请乡镇用全部导出重新发送）"])
            return
        local, received = self.repo.household_state(uuid)
        if local is not None and local["township_code"] != self.code:
            self.reject("household", uuid, number, ["该户的记录编号已属于其他乡镇，未导入"])
            return
        if not b["deleted"]:
            ctx = self.context()
            hh = bundle_household(b, self.store.spec, self._village_names.get(b["village_uuid"], ""), self._town_info)
            errors = blocking_errors(hh, ctx)
            if errors:
                self.reject("household", uuid, number, errors)
                return
        incoming_hash = bundle_hash(b)
        rev = b["revision"]
        if local is None:
            self.apply(b, village_id, incoming_hash, "inserted")
            return
        if received is not None and (rev < received["revision"] or (
                rev == received["revision"] and incoming_hash == received["content_hash"])):
            self.merge["older" if rev < received["revision"] else "unchanged"] += 1
            return
        if self.repo.open_conflict(uuid) is not None:
            self.conflict(b, "该户已有待处理的冲突，又收到乡镇的新版本", local["revision"])
            return
        if received is None:
            local_bundle = self.repo.local_bundle(local["id"])
            if local_bundle is not None and bundle_hash(local_bundle) == incoming_hash:
                self.repo.set_received(uuid, self.code, rev, incoming_hash, local["revision"], self.batch_hash)
                self.merge["unchanged"] += 1
            else:
                self.conflict(b, "县里已有该户，但不是从本乡的批次收到的", local["revision"])
            return
        edited = local["revision"] != received["local_revision"]
        if rev == received["revision"]:
            self.conflict(b, f"同一版本（第 {rev} 版）内容不同", local["revision"])
        elif edited:
            local_bundle = self.repo.local_bundle(local["id"])
            if local_bundle is not None and bundle_hash(local_bundle) == incoming_hash:
                self.repo.set_received(uuid, self.code, rev, incoming_hash, local["revision"], self.batch_hash)
                self.merge["unchanged"] += 1
            else:
                self.conflict(b, f"县里和乡镇都修改过该户（乡镇第 {rev} 版）", local["revision"])
        else:
            self.apply(b, village_id, incoming_hash, "updated")

    def apply(self, b: dict[str, Any], village_id: int, incoming_hash: str, outcome: str) -> None:
        household_id = self.repo.apply_bundle(b, village_id, self.operator, self.code)
        local_revision = self.repo.household_revision(household_id)
        self.repo.set_received(b["uuid"], self.code, b["revision"], incoming_hash, local_revision, self.batch_hash)
        self.merge[outcome] += 1
        if not b["deleted"]:
            self.find_duplicates(b)

    def conflict(self, b: dict[str, Any], reason: str, local_revision: int) -> None:
        self.repo.add_conflict(b, self.code, self.batch_hash, reason, local_revision)
        self.conflicts.append({"household_uuid": b["uuid"], "number": b["number"], "reason": reason,
                               "incoming_revision": b["revision"], "local_revision": local_revision})
        self.merge["conflicts"] += 1

    def find_duplicates(self, b: dict[str, Any]) -> None:
        for m in b["members"]:
            id_number = str(m.get("id_number") or "")
            if m.get("deleted") or not id_number:
                continue
            for other in self.repo.other_township_holders(id_number, self.code):
                if self.repo.add_duplicate(id_number, m["uuid"], b["uuid"], self.code, other):
                    self.duplicates.append({
                        "id_number": masked_id(id_number), "member_uuid": m["uuid"], "household_uuid": b["uuid"],
                        "other_township": other["township_code"], "other_household_uuid": other["household_uuid"],
                    })


# -- resolving conflicts -------------------------------------------------------------------------------
RESOLUTIONS = {"county": "保留县里版本", "township": "采用乡镇版本"}


def resolve_conflict(store: Store, conflict_id: int, resolution: str) -> None:
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


def conflict_differences(store: Store, conflict_id: int) -> list[str]:
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
