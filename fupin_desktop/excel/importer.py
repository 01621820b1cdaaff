"""Import a roster: read, map, stage, check, commit, report.

::

    source = read_source(store, path)            # safe open, layout, header, column mapping
    plan = stage(store, source)                  # households built and checked; nothing written
    report = commit(store, plan)                 # every accepted household, ONE transaction

or :func:`import_file` for all three.  Two layouts are read:

* a **roster**: one row per person with the household's columns repeated (the national
  layout of DOMAIN §7 and its variants); rows are grouped into households by 户编号,
  else a 户主 row starts a household and the rows under it belong to it;
* our **full** layout (``exporter``): a 户基本情况 sheet, one row per household, and one
  sheet per Handbook table, joined by 户标识 (the household UUID) or 户编号.

Each household is checked with the same rules as the form.  Blocking problems reject
the household (and all its rows): an invalid or missing ID number, an ID that Excel
stored as a number, no 户主 or two, a village the township does not have, a person who
appears twice (in the file, or already in another household).  Everything else is
imported, with warnings.  A household is matched to a stored one by 户标识, 户编号 and its
members' ID numbers, so importing the same file again updates it, never duplicates it;
an import never deletes stored values or rows.  ``progress(done, total)`` and
``cancelled()`` are polled throughout; a cancel rolls the transaction back.

It streams (issue 14): the cells are kept compressed (:mod:`~fupin_desktop.excel.grid`), staging
builds and checks a chunk of households at a time, the plan keeps only the report's rows, and the
households to write wait in a temporary spool (:mod:`~fupin_desktop.excel.spool`) that the commit
reads back a chunk at a time.

Pure Python, no Qt.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.roles import Action
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel import merge
from fupin_desktop.excel.plan import (
    IMPORTED,
    REJECTED,
    STATUS_LABELS,
    UNCHANGED,
    UPDATED,
    WARNING,
    Cancelled,
    HouseholdResult,
    ImportCancelled,
    ImportConflict,
    ImportPlan,
    ImportReport,
    ImportRun,
    Progress,
    RowResult,
    SourceRow,
    StagedHousehold,
    Written,
    _never,
    _no_progress,
    build_report,
)
from fupin_desktop.excel.reader import Limits
from fupin_desktop.excel.source import (
    SheetPlan,
    Source,
    numbering_row,
    plan_with_header,
    read_source,
)
from fupin_desktop.excel.spool import Spool
from fupin_desktop.excel.staging import stage
from fupin_desktop.store import Store, audit, backups
from fupin_desktop.store.checks import KeptCheck
from fupin_desktop.store.household_bulk import insert_households

__all__ = [  # the reading half lives in excel/source.py, staging in excel/staging.py, the data in
    # excel/plan.py; callers import them all from here
    "IMPORTED", "REJECTED", "STATUS_LABELS", "UNCHANGED", "UPDATED", "WARNING", "ImportCancelled",
    "ImportConflict", "ImportPlan", "ImportRun",
    "ImportReport", "RowResult", "SheetPlan", "Source", "SourceRow", "StagedHousehold", "build_report",
    "commit", "import_file", "numbering_row", "plan_with_header", "read_source", "stage",
]

log = logging.getLogger(__name__)
#: New households written with one ``executemany`` per table, this many at a time.
BULK = 1000


def commit(store: Store, plan: ImportPlan, progress: Progress | None = None,
           cancelled: Cancelled | None = None, *, dry_run: bool = False) -> ImportReport:
    """Save every household without a blocking problem in ONE transaction; report every row.

    With ``dry_run`` nothing is written and the report says what an import would do.
    A cancel (``cancelled()`` true at any point before the commit) rolls everything back
    and raises :class:`ImportCancelled`.  A matched household the file changes nothing in is
    not written.  One saved elsewhere since it was staged gets the file's changes on its new
    revision when the two edits touch different fields; otherwise :class:`ImportConflict`
    (naming its 户编号) rolls everything back.
    """
    progress = progress or _no_progress
    cancelled = cancelled or _never
    accepted = [s for s in plan.households if not s.rejected]
    report = build_report(plan, dry_run=dry_run)
    if dry_run:
        _log_report("excel import checked (dry run)", plan, report)
        return report
    store.require(Action.IMPORT_EXCEL)
    spool = plan.spool
    if spool is None and any(not s.unchanged for s in accepted):
        raise ValueError("the plan was staged for a dry run: stage(..., for_commit=True) to commit it")
    operator = store.operator
    total = len(accepted)
    if accepted:  # a dated backup first (导入Excel); if it cannot be made nothing is imported
        backups.before(store.db, backups.EXCEL)
    # BEGIN IMMEDIATE: from here on no other save can come between; the audit rows are of kind import
    with store.db.transaction(), audit.kind_of(store.db, "import"):
        fresh = [s for s in accepted if s.existing_id is None and not s.unchanged]
        updated = [s for s in accepted if s.existing_id is not None and not s.unchanged]
        now = store.households.revisions(s.existing_id for s in updated if s.existing_id is not None)
        reapplied: dict[int, Written] = {}  # the few saved elsewhere since staging, read back already
        for staged in updated:
            assert staged.existing_id is not None and spool is not None and staged.spooled is not None
            if now.get(staged.existing_id) != staged.stored_revision:
                written = reapplied[staged.spooled] = spool.get(staged.spooled)
                _reapply(store, staged, written, report)
        groups = dict.fromkeys((v.id, g) for s in accepted if not s.unchanged for v, g in s.new_groups)
        for village_id, group in groups:
            if village_id is not None:
                store.townships.add_group(village_id, group, operator)
        done = len(accepted) - len(fresh) - len(updated)
        for start in range(0, len(fresh), BULK):  # new households: executemany, a chunk at a time
            if cancelled():
                raise ImportCancelled
            chunk = [_written(spool, s) for s in fresh[start:start + BULK]]  # read back from the spool
            # staging refreshed their derived fields (and changed nothing since)
            insert_households(store.households, [w.household for w in chunk], operator, derived_fresh=True)
            store.checks.keep(_kept(plan, chunk))  # what staging found, for the next export
            done += len(chunk)
            del chunk
            progress(done, total)
            if cancelled():
                raise ImportCancelled
        kept: list[KeptCheck] = []
        for staged in updated:
            if cancelled():
                raise ImportCancelled
            assert staged.spooled is not None
            written = reapplied.get(staged.spooled) or _written(spool, staged)
            store.households.save(written.household, operator, reload=False)
            kept += _kept(plan, [written])
            done += 1
            if done % 50 == 0 or done == total:
                progress(done, total)
        store.checks.keep(kept)
        if plan.mapping_changed:
            for sheet in plan.source.sheets:
                hdr.remember(store.db, sheet.header, sheet.kind, sheet.mapping)
        if cancelled():  # the last moment a cancel can still undo everything
            raise ImportCancelled
    if spool is not None:
        spool.close()  # written: the temporary file goes now, not when the wizard closes
    _log_report("excel import committed", plan, report)
    return report


def _written(spool: Spool | None, staged: HouseholdResult) -> Written:
    assert spool is not None and staged.spooled is not None
    written: Written = spool.get(staged.spooled)
    return written


def _kept(plan: ImportPlan, written: list[Written]) -> list[KeptCheck]:
    """Staging's findings as kept check results of the households just written."""
    out = []
    for w in written:
        hh = w.household
        if hh.id is not None and w.checked is not None:
            errors, until = w.checked
            out.append(KeptCheck(int(hh.id), hh.revision, plan.check_context, until, errors))
    return out


def _reapply(store: Store, staged: HouseholdResult, written: Written, report: ImportReport) -> None:
    """The household was saved elsewhere after staging: the file's changes onto its new revision."""
    stored = written.stored
    assert stored is not None and stored.id is not None
    fresh = store.households.get(stored.id)
    clash = merge.conflicts(stored, written.household, fresh)
    number = staged.number or str(stored.fields.get("number") or "") or "（未填）"
    if clash:
        spec = store.spec
        labels = {f.id: f.label for f in spec.grid_fields()}
        what = merge.describe(clash, labels, {t: spec.table(t).title for t in TABLES})
        raise ImportConflict(
            f"导入过程中，户编号 {number} 的户在别处（户档案窗口或另一台程序）被保存过，"
            f"改动了本次导入也要改的内容（{what}）。为不覆盖刚才的修改，本次导入已全部取消，"
            "什么也没有导入。请直接重新导入一次即可：会在该户最新的档案上更新。")
    assert fresh is not None
    written.household = merge.reapply(stored, written.household, fresh, store.spec.derived_sources())
    written.checked = None  # staging checked the file's version, not this one: the export checks it
    report.notes.append(f"户编号 {number} 的户在导入过程中被另外保存过，已在其最新档案上更新，刚才的修改保留。")


def _log_report(what: str, plan: ImportPlan, report: ImportReport) -> None:
    log.info("%s file=%s layout=%s households=%d created=%d changed=%d rejected=%d warnings=%d persons=%d"
             " rows=%d groups_added=%d", what, Path(plan.source.path), plan.source.layout,
             len(plan.households), report.created, report.changed, report.rejected, report.warnings,
             report.persons, len(report.rows), len(report.groups_added))


def import_file(store: Store, path: str | Path, *, sheet: str | None = None, dry_run: bool = False,
                source: Source | None = None, progress: Progress | None = None,
                cancelled: Cancelled | None = None, limits: Limits | None = None) -> ImportRun:
    """Read, stage and (unless ``dry_run``) commit one file; the report, the plan behind it and
    (unless ``dry_run``) what changed."""
    cancelled = cancelled or _never
    progress = progress or _no_progress
    source = source or read_source(store, path, sheet, limits, cancelled=cancelled)
    if cancelled():
        raise ImportCancelled
    plan = stage(store, source, lambda d, t: progress(d, 2 * t), cancelled, for_commit=not dry_run)
    n = len(plan.households)
    report = commit(store, plan, lambda d, t: progress(n + d * n // max(t, 1), 2 * n), cancelled,
                    dry_run=dry_run)
    progress(2 * n, 2 * n)
    return ImportRun(report, plan)
