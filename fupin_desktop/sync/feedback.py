"""Feedback: the county's signed answer to one township, and the township reading it.

The feedback lists the batches the county accepted, records it rejected (with reasons), the
conflicts and how they were resolved, and persons whose ID number is also registered in
another township.  It names records by UUID and 户编号 only (no names, ID or phone numbers):
the township program shows its own names beside them.  Signed with the county's Ed25519 key;
the township checks it against the county key it trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop import fileio
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, Changed, ChangeKind
from fupin_desktop.store.database import now_iso
from fupin_desktop.sync import case_sync
from fupin_desktop.sync.format import SyncError, os_reason
from fupin_desktop.sync.keys import ed25519_public, trusted_county, unlock_county
from fupin_desktop.sync.seal import open_blob, sign_blob

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore

log = logging.getLogger(__name__)

FEEDBACK_FORMAT = "fupin-sync-feedback"
FEEDBACK_SUFFIX = ".fpfeedback"
MAX_FEEDBACK_BYTES = 64 << 20
STATE_LABELS = {"exported": "已导出", "delivered": "已送达", "acknowledged": "县里已确认", "problems": "有问题"}


def build_feedback(store: Store | PgStore, township_code: str, county_code: str, county_name: str) -> dict[str, Any]:
    repo = store.sync
    town = repo.township(township_code)
    if town is None:
        raise SyncError(f"乡镇 {township_code} 尚未登记。")
    own = repo.own_township() or {}
    batches = [{"hash": b.hash, "sequence": b.sequence, "imported_at": b.imported_at, "counts": b.counts,
                "merge": b.merge} for b in repo.batch_log(township_code)]
    rejected = [{"uuid": r["uuid"], "entity": r["entity"], "number": r["number"], "reasons": r["reasons"],
                 "batch_hash": r["batch_hash"]} for r in repo.rejections(township_code)]
    conflicts = [{"household_uuid": c["household_uuid"], "number": c["number"] or "", "reason": c["reason"],
                  "state": c["resolution"] or "open", "batch_hash": c["batch_hash"]}
                 for c in repo.conflicts(township_code=township_code, open_only=False)]
    duplicates = []
    for d in repo.duplicates(township_code=township_code, open_only=False):
        mine = d["township_code"] == township_code
        other_code = d["other_township_code"] if mine else d["township_code"]
        other_name = d["other_township_name"] if mine else d["township_name"]
        if other_code is None:
            other_name = own.get("name", "")
        duplicates.append({
            "household_uuid": d["household_uuid"] if mine else d["other_household_uuid"],
            "member_uuid": d["member_uuid"] if mine else d["other_member_uuid"],
            "other_township_code": other_code or own.get("code", ""), "other_township_name": other_name or "",
            "reviewed": d["reviewed_at"] is not None,
        })
    return {
        "format": FEEDBACK_FORMAT, "version": 1, "county_code": county_code, "county_name": county_name,
        "township_code": township_code, "township_name": town.name, "created_at": now_iso(),
        "last_sequence": town.last_sequence, "missing_sequences": repo.missing_sequences(township_code),
        "batches": batches, "rejected": rejected, "conflicts": conflicts, "duplicates": duplicates,
        "cases": case_sync.feedback_items(store, township_code),  # 县审定 and every other record (issue 15)
    }


@dataclass
class FeedbackWritten:
    path: str
    township: str
    batches: int
    rejected: int
    conflicts: int
    duplicates: int
    township_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"feedback": self.path, "township": self.township, "township_name": self.township_name,
                "batches": self.batches, "rejected": self.rejected, "conflicts": self.conflicts,
                "duplicates": self.duplicates}


def write_feedback(store: Store | PgStore, township_code: str, out: str | Path, *, passphrase: str | None) -> FeedbackWritten:
    """Sign and write the feedback file for one township (temp name, fsync, rename, read back)."""
    store.require(Action.SYNC)
    repo = store.sync
    county = unlock_county(repo, passphrase)
    content = build_feedback(store, township_code, county.code, county.name)
    blob = sign_blob(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8"), county.sign)
    out = Path(out)
    if out.is_dir():
        out = out / f"fupin-feedback-{township_code}-{content['created_at'][:10]}{FEEDBACK_SUFFIX}"
    try:
        fileio.write_bytes(out, blob)  # temporary name, fsync, rename: never a truncated file
        open_blob(out.read_bytes(), county.sign.public_key())
    except SyncError:
        fileio.remove_quietly(out)  # read back wrong: never leave it under the feedback's name
        raise
    except OSError as exc:
        raise SyncError(f"无法写入 {out}：{os_reason(exc)}，反馈文件没有写出（没有留下不完整的文件）。"
                        f"{fileio.ADVICE[fileio.kind(exc)]}") from exc
    log.info("sync feedback written file=%s batches=%d rejected=%d conflicts=%d duplicates=%d", out,
             len(content["batches"]), len(content["rejected"]), len(content["conflicts"]), len(content["duplicates"]))
    return FeedbackWritten(str(out), township_code, len(content["batches"]), len(content["rejected"]),
                           sum(1 for c in content["conflicts"] if c["state"] == "open"),
                           len(content["duplicates"]), content["township_name"])


def import_feedback(store: Store, path: str | Path) -> Changed[dict[str, Any]]:
    """Township side: verify, record, update batch states; returns what to show (with local names)
    and what changed (the batches' states, the county's name in the title)."""
    store.require(Action.SYNC)
    repo = store.sync
    county = trusted_county(repo)
    path = Path(path)
    try:
        fileio.refuse_live_database(path)
        if path.stat().st_size > MAX_FEEDBACK_BYTES:
            raise SyncError("反馈文件过大，已拒绝。")
        data = path.read_bytes()
    except OSError as exc:
        raise SyncError(f"无法读取 {path}：{os_reason(exc)}") from exc
    body = open_blob(data, ed25519_public(county.sign_key))
    try:
        content = fileio.loads_json(body, max_bytes=MAX_FEEDBACK_BYTES)
        if not isinstance(content, dict) or content.get("format") != FEEDBACK_FORMAT:
            raise ValueError
        for key in ("batches", "rejected", "conflicts", "duplicates", "missing_sequences"):
            if not isinstance(content.get(key), list):
                raise ValueError
    except (UnicodeDecodeError, ValueError) as exc:
        raise SyncError("反馈文件内容无法识别，请升级本程序或请县里重新导出。") from exc
    town = repo.own_township()
    if town is None or content.get("township_code") != town["code"]:
        raise SyncError(f"这份反馈是给 {content.get('township_name')}（{content.get('township_code')}）的，"
                        "不是本乡的，未导入。")
    feedback_hash = hashlib.sha256(data).hexdigest()
    seen = repo.feedback_seen(feedback_hash)
    problems = _problem_batches(content)
    with store.db.transaction():
        if seen is None:
            repo.add_feedback(feedback_hash, str(content.get("county_code")), str(content.get("created_at")), content)
        for b in content["batches"]:
            mine = repo.outbox_by_hash(str(b.get("hash")))
            if mine is None:
                continue
            state, message = problems.get(mine.hash, ("acknowledged", ""))
            store.db.execute("UPDATE sync_outbox SET state = ?, state_at = ?, message = ? WHERE hash = ?",
                             (state, now_iso(), message, mine.hash))
        last = content.get("last_sequence")
        if isinstance(last, int):
            repo.raise_sequence_floor(last)
        moved = case_sync.apply_feedback(store, content.get("cases"))
    view = feedback_view(store, content)
    view["cases_moved"] = moved
    view["already_imported"] = seen is not None
    log.info("sync feedback imported file=%s batches=%d problems=%d already_imported=%s", path,
             len(content["batches"]), len(problems), seen is not None)
    # The households whose case the county's decisions moved are named, so their views refresh too.
    return Changed(view, Change.of(ChangeKind.SYNC_FEEDBACK, moved, count=len(content["batches"])))


def _problem_batches(content: dict[str, Any]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for batch_hash in {r.get("batch_hash") for r in content["rejected"]}:
        n = sum(1 for r in content["rejected"] if r.get("batch_hash") == batch_hash)
        out[str(batch_hash)] = ("problems", f"县里拒收 {n} 条记录")
    for c in content["conflicts"]:
        if c.get("state") == "open":
            h = str(c.get("batch_hash"))
            state, message = out.get(h, ("problems", ""))
            out[h] = (state, (message + "；" if message else "") + "有冲突待县里处理")
    return out


def feedback_view(store: Store, content: dict[str, Any]) -> dict[str, Any]:
    """The feedback with this township's own names beside the UUIDs (what the clerk must fix)."""
    repo = store.sync
    refs = repo.household_refs(
        [r.get("uuid") for r in content["rejected"]] + [c.get("household_uuid") for c in content["conflicts"]]
        + [d.get("household_uuid") for d in content["duplicates"]]
    )
    names = repo.member_names(d.get("member_uuid") for d in content["duplicates"])

    def ref(uuid: Any) -> dict[str, Any]:
        r = refs.get(uuid, {})
        return {"household_id": r.get("id"), "head_name": r.get("head_name", ""), "village": r.get("village", "")}

    return {
        "county": content.get("county_name"), "township": content.get("township_name"),
        "created_at": content.get("created_at"), "last_sequence": content.get("last_sequence"),
        "missing_sequences": content["missing_sequences"],
        "batches": [{"sequence": b.get("sequence"), "hash": b.get("hash"), "imported_at": b.get("imported_at"),
                     "counts": b.get("counts")} for b in content["batches"]],
        "rejected": [{"uuid": r.get("uuid"), "number": r.get("number"), "reasons": r.get("reasons"), **ref(r.get("uuid"))}
                     for r in content["rejected"]],
        "conflicts": [{"uuid": c.get("household_uuid"), "number": c.get("number"), "reason": c.get("reason"),
                       "state": c.get("state"), **ref(c.get("household_uuid"))} for c in content["conflicts"]],
        "duplicates": [{"uuid": d.get("household_uuid"), "member_name": names.get(d.get("member_uuid"), ""),
                        "number": refs.get(d.get("household_uuid"), {}).get("number", ""),
                        "other_township": d.get("other_township_name"), "reviewed": d.get("reviewed"),
                        **ref(d.get("household_uuid"))} for d in content["duplicates"]],
    }


def latest_feedback_view(store: Store) -> dict[str, Any] | None:
    content = store.sync.latest_feedback()
    return feedback_view(store, content) if content else None
