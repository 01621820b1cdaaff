"""Services shared by the GUI and the ``fupin`` command (no Qt, no SQL here)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop import APP_NAME as APP_NAME  # the name of the data folder
from fupin_desktop import applog, fileio
from fupin_desktop.domain import idnumber
from fupin_desktop.domain.household import TABLES, Household, Row
from fupin_desktop.domain.text import normalize_digits, normalize_text
from fupin_desktop.domain.township import Township, Village
from fupin_desktop.domain.values import to_json
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import HouseholdSummary, Store, StoreError, backups
from fupin_desktop.store.changes import Change, ChangeKind

if TYPE_CHECKING:  # the rules are imported by the first check (the window comes up without them)
    from fupin_desktop.rules import Finding, RuleContext

log = logging.getLogger(__name__)


def default_db_path() -> Path:
    """The township database in the user's data folder (never a USB stick)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "township.db"


# -- township -------------------------------------------------------------
def init_township(
    store: Store,
    *,
    code: str,
    name: str,
    villages: list[tuple[str, int | None]],
    county: str = "",
    city: str = "",
    province: str = "",
    poor_villages: set[str] | None = None,
) -> Township:
    """Set up the township once: its code, name and villages with quotas."""
    town = township_for(code=code, name=name, villages=villages, county=county, city=city, province=province,
                        poor_villages=poor_villages)
    return create_township(store, town)


def township_for(
    *,
    code: str,
    name: str,
    villages: list[tuple[str, int | None]],
    county: str = "",
    city: str = "",
    province: str = "",
    poor_villages: set[str] | None = None,
) -> Township:
    """The township to set up, checked (no database needed): a :class:`StoreError` says what is wrong."""
    code, name = normalize_digits(code), normalize_text(name)
    villages = [(normalize_text(v), q) for v, q in villages]
    if not (code.isascii() and code.isdigit()) or len(code) not in (6, 9, 12):
        raise StoreError(f"乡镇代码“{code}”应为 6、9 或 12 位数字（如 510822105）")
    if not name.strip():
        raise StoreError("乡镇名称不能为空")
    names = [v for v, _ in villages]
    if not names or any(not v.strip() for v in names):
        raise StoreError("村名不能为空")
    unknown = sorted({normalize_text(v) for v in poor_villages or ()} - set(names))
    if unknown:
        raise StoreError(f"标为贫困村的“{'、'.join(unknown)}”不在所辖村中")
    poor_villages = {normalize_text(v) for v in poor_villages or ()}
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise StoreError(f"村名重复：{'、'.join(sorted(dupes))}")
    return Township(
        code=code, name=name, county=county, city=city, province=province,
        villages=[Village(name=v, quota=q, is_poor=v in (poor_villages or set())) for v, q in villages],
    )


def create_township(store: Store, town: Township) -> Township:
    return store.townships.create(town, store.operator)


# -- backups --------------------------------------------------------------
def backup_before(store: Store, reason: str) -> backups.BackupInfo:
    """The dated, verified backup a risky operation makes first (reason e.g. 导入Excel, 政策导入,
    later the year carry-over).  Raises :class:`backups.BackupRefused` (a StoreError whose
    message says why and what to do) if it cannot be made: the caller then does nothing."""
    return backups.before(store.db, reason)


@contextmanager
def new_database(path: str | Path) -> Iterator[Store]:
    """Build a database that does not exist yet, so that a refusal, an error or Ctrl+C leaves no file.

    The block fills a database under a hidden temporary name beside the target (a name no other
    process knows); only when it ends without error is the closed file moved into place -- and
    never over a file that appeared meanwhile.  On any failure the connection is closed first, then
    the temporary file (and its -wal/-shm/-journal, if SQLite left them) is removed: only files
    this run created, only after they are closed.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.stem}.new-{os.getpid()}-{secrets.token_hex(4)}{target.suffix or '.db'}")
    leftovers = [tmp] + [Path(f"{tmp}{s}") for s in ("-wal", "-shm", "-journal")]
    store = Store(tmp)
    try:
        yield store
    except BaseException:
        store.close()
        fileio.remove_quietly(*leftovers)
        raise
    store.close()
    try:
        if any(fileio.exists(p) for p in leftovers[1:]):  # SQLite did not fold its log back in
            raise StoreError(f"数据库 {target} 没有建成（临时文件未能关闭），没有留下文件。请再试一次。")
        _move_into_place(tmp, target)
    finally:
        fileio.remove_quietly(*leftovers)
    fileio.fsync_dir(target.parent)


def _move_into_place(tmp: Path, target: Path) -> None:
    """Give the finished file its name, refusing to replace one that appeared since the start."""
    exists = StoreError(f"数据库 {target} 已存在（可能刚由另一个程序建立），本次没有改动它。")
    try:
        os.link(tmp, target)  # fails if target exists: no window where a file could be replaced
    except FileExistsError as exc:
        raise exists from exc
    except OSError as exc:  # no hard links here (FAT U 盘, some network drives): check, then rename
        if fileio.exists(target):
            raise exists from exc
        try:
            os.rename(tmp, target)
        except OSError as err:
            raise fileio.write_error(target, err) from err


# -- households -----------------------------------------------------------
def rule_context(store: Store) -> RuleContext:
    """What the rules read for one household: villages, the county's policy, the other households."""
    from fupin_desktop.rules import RuleContext
    from fupin_desktop.store.crossrecord import StoreRecords

    villages = {v.name: v.groups for v in store.townships.villages()}
    return RuleContext(spec=store.spec, villages=villages, policy=store.policy.get(),
                       records=StoreRecords(store.db))


def check_household(hh: Household, context: RuleContext) -> list[Finding]:
    """:func:`fupin_desktop.rules.check_household`, its modules imported by the first check."""
    from fupin_desktop.rules import check_household as check

    return check(hh, context)


def validate(store: Store, hh: Household, typed: Iterable[Finding] = ()) -> list[Finding]:
    """The findings for ``hh``: ``typed`` first (what the form could not read), then the rules'.

    A field whose typing cannot be read holds no value: its own message says why, so the rules'
    "未填写" (F001) for it would only contradict what the clerk sees there.  One line per message,
    however many rules agree."""
    hh.refresh_derived(store.spec.derived_sources())
    typed = list(typed)
    unreadable = {ref for f in typed for ref in f.refs}
    found = [f for f in check_household(hh, rule_context(store))
             if not (f.rule == "F001" and f.refs and set(f.refs) <= unreadable)]
    return list(dict.fromkeys(typed + found))


@dataclass
class SaveResult:
    """What one save did: the household as stored (None when refused), the findings it was checked
    with, the change to broadcast, and, when refused, why and whether the draft could be kept."""

    saved: Household | None
    findings: list[Finding] = field(default_factory=list)
    change: Change | None = None
    refused: StoreError | None = None  # the database refused the write (ConcurrentEdit, full disk...)
    draft_failed: StoreError | None = None  # the draft could not be written either

    @property
    def ok(self) -> bool:
        return self.saved is not None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def keep_draft(store: Store, hh: Household, draft: dict[str, Any] | Callable[[], dict[str, Any]]) -> StoreError | None:
    """Write ``draft`` (the editor's typing, or what makes it) for ``hh``; the error if the database
    cannot take it."""
    try:
        store.drafts.put(hh.uuid, hh.id, draft() if callable(draft) else draft)
    except StoreError as exc:
        applog.refused(log, "keep draft", exc, household=hh.id)
        return exc
    return None


def save_household(store: Store, hh: Household, *,
                   draft: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
                   typed: Iterable[Finding] = ()) -> SaveResult:
    """Check ``hh`` once and save it if nothing blocks; on any refusal keep ``draft`` (a callable:
    made only then).

    ``typed``: findings about typing the form could not read (they block like the rules' errors).
    Refused by an error, by a concurrent edit or by the database (full disk, locked, read-only):
    nothing is saved, ``draft`` (if given) is written, and the result says why."""
    findings = validate(store, hh, typed)
    errors = [f for f in findings if f.is_error]
    if errors:
        # The rules' ids only: their messages name the members and quote what was typed.
        log.warning("refused save household household=%s: %d errors, rules %s", hh.id, len(errors),
                    ",".join(sorted({f.rule for f in errors})))
        failed = keep_draft(store, hh, draft) if draft is not None else None
        return SaveResult(saved=None, findings=findings, draft_failed=failed)
    try:
        saved = store.households.save(hh, store.operator)
    except StoreError as exc:  # saved elsewhere meanwhile, a full disk, a locked file...
        applog.refused(log, "save household", exc, household=hh.id, revision=hh.revision)
        failed = keep_draft(store, hh, draft) if draft is not None else None
        return SaveResult(saved=None, findings=findings, refused=exc, draft_failed=failed)
    log.info("household saved household=%s revision=%d", saved.id, saved.revision)
    change = (Change.of(ChangeKind.SAVE, [saved.id], villages=[saved.fields.get("village")])
              if saved.id is not None else None)
    return SaveResult(saved=saved, findings=findings, change=change)


def household_json(hh: Household, spec: FormSpec) -> dict[str, Any]:
    """The ``fupin show --json`` shape: every field by id, rows per table."""
    hh.refresh_derived(spec.derived_sources())
    grid = {f.id: to_json(hh.fields.get(f.id)) for f in spec.grid_fields()}
    grid.update(id=hh.id, uuid=hh.uuid, revision=hh.revision, updated_at=hh.updated_at)
    out: dict[str, Any] = {"household": grid}
    for table in TABLES:
        cols = spec.table(table).fields
        out[table] = [
            {"uuid": r.uuid, **{c.id: to_json(r.get(c.id)) for c in cols}} for r in hh.table(table)
        ]
    return out


def household_from_json(data: dict[str, Any], spec: FormSpec) -> Household:
    """Inverse of :func:`household_json` (values already typed by their spec)."""
    from fupin_desktop.domain.values import from_store

    grid = data.get("household", {})
    hh = Household(
        fields={f.id: from_store(f, grid.get(f.id)) for f in spec.grid_fields()},
        uuid=grid.get("uuid") or Household().uuid,
        revision=grid.get("revision") or 0,
        id=grid.get("id"),
    )
    for table in TABLES:
        cols = spec.table(table).fields
        for raw in data.get(table, []):
            row = Row(fields={c.id: from_store(c, raw.get(c.id)) for c in cols})
            if raw.get("uuid"):
                row.uuid = raw["uuid"]
            hh.table(table).append(row)
    return hh


def summary_json(s: HouseholdSummary) -> dict[str, Any]:
    return {"id": s.id, "number": s.number, "village": s.village, "group": s.group,
            "head_name": s.head_name, "size": s.size, "township": s.township}


def check_ids(inputs: list[str]) -> list[dict[str, Any]]:
    """``fupin check-id`` results."""
    out = []
    for text in inputs:
        c = idnumber.check_id(text)
        out.append({
            "input": text,
            "valid": c.valid,
            "normalized": c.normalized,
            "birth_date": c.birth_date.isoformat() if c.birth_date else None,
            "sex": c.sex,
            "error": c.error,
            "id_type": c.id_type,  # from the length: 居民身份证 (18/15), 残疾人证 (20)
            "disability_category": c.disability_category,
            "disability_grade": c.disability_grade,
            "warning": idnumber.address_warning(c.normalized) if c.valid else None,  # GB/T 2260 address code
        })
    return out
