"""The merging half of a county import: one township batch's records checked and merged.

:class:`_Merger` takes the batch's entries one by one (villages, groups, household bundles) inside
the transaction :mod:`~fupin_desktop.sync.county_import` holds, and records inserted, updated,
unchanged, conflicting and rejected households and cross-township duplicates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Store, education_sync
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
from fupin_desktop.store.year_files import bundle_household
from fupin_desktop.sync import case_sync
from fupin_desktop.sync.clean import clean_bundle
from fupin_desktop.sync.export_checks import blocking_errors
from fupin_desktop.sync.format import SyncError, json_lines, json_object, mask_digits

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore


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
    def __init__(self, store: Store | PgStore, repo: SyncRepository, town: TownshipRecord, batch_hash: str) -> None:
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
        self.cases = 0  # identification cases merged (sync/case_sync.py)
        self.education: dict[str, int] | None = None  # education records added/changed/removed (issue 16)
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
            bundles = [_check_bundle(rec) for rec in json_lines(name, raw)]
            self.repo.prefetch(bundles)
            for rec in bundles:
                self.household(rec)
        elif name == case_sync.ENTRY:  # identification cases and their records (issue 15)
            self.cases += case_sync.merge_entry(self.store, raw)
        elif name.startswith("year_snapshots-") and name.endswith(".jsonl"):  # closed years (issue 16)
            snapshots = [_check_snapshot(rec) for rec in json_lines(name, raw)]
            self.repo.add_year_snapshots(snapshots, self.code)  # one already kept stays as it is
            self.counts["year_snapshots"] += len(snapshots)
        elif name == education_sync.ENTRY:  # the township's education students (issue 16), the whole set
            records = list(json_lines(name, raw))
            for rec in records:
                reason = education_sync.check_record(rec)
                if reason:
                    raise SyncError(f"{reason}，已拒绝，未作任何改动。")
            self.education = self.repo.replace_education(self.code, records)
            self.counts[education_sync.COUNT_KEY] += len(records)
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


def _check_snapshot(rec: dict[str, Any]) -> dict[str, Any]:
    """A closed year's file from a batch: the shape store/years.py keeps (else the batch is refused)."""
    year = rec.get("year")
    if not (isinstance(rec.get("uuid"), str) and isinstance(year, int) and not isinstance(year, bool)
            and 2000 <= year <= 2100 and isinstance(rec.get("fields"), dict)
            and all(isinstance(rec.get(t, []), list) for t in TABLES)):
        raise SyncError("批次中的往年档案格式不对，已拒绝，未作任何改动。")
    return rec
