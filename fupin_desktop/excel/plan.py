"""The import's data: source rows, staged households, the plan, the report and its statuses.

:mod:`~fupin_desktop.excel.staging` fills an :class:`ImportPlan`, :mod:`~fupin_desktop.excel.importer`
commits it; :func:`build_report` turns a plan into the :class:`ImportReport` the clerk reads.

Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from fupin_desktop.domain.household import HEAD, Household
from fupin_desktop.domain.text import normalize_text
from fupin_desktop.domain.township import Village
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.normalize import Problem, cell_text
from fupin_desktop.excel.reader import ExcelRefused
from fupin_desktop.excel.source import Source
from fupin_desktop.excel.spool import Spool
from fupin_desktop.store.changes import Change, ChangeKind

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

IMPORTED, UPDATED, REJECTED, WARNING, UNCHANGED = "imported", "updated", "rejected", "warning", "unchanged"
STATUS_LABELS = {IMPORTED: "已导入", UPDATED: "已更新", REJECTED: "未导入", WARNING: "已导入（有提示）",
                 UNCHANGED: "未变化"}


class ImportCancelled(Exception):
    """The clerk cancelled; nothing was written."""


class ImportConflict(ExcelRefused):
    """A household was saved elsewhere during the import, changing what the import changes too;
    nothing was written and the import can simply be run again."""


@dataclass
class SourceRow:
    """One data row of the file."""

    sheet: str
    number: int  # the spreadsheet's own row number (1-based)
    cells: list[Any]
    kind: str
    values: dict[str, Any] = field(default_factory=dict)  # target key -> value (importable only)
    raw: dict[str, Any] = field(default_factory=dict)  # target key -> cell as read
    reasons: list[str] = field(default_factory=list)  # warnings
    errors: list[str] = field(default_factory=list)  # blocking problems
    dropped: set[str] = field(default_factory=set)  # fields whose cell could not be read
    duplicate: bool = False  # its ID number is on another row of the file too (reported already)

    @property
    def blocking(self) -> bool:
        return bool(self.errors)

    def add(self, problem: Problem) -> None:
        target = self.errors if problem.blocking else self.reasons
        if problem.message not in target:
            target.append(problem.message)

    def text(self, key: str) -> str:
        return normalize_text(cell_text(self.raw.get(key)))


@dataclass
class StagedHousehold:
    """The rows of one household in the file and the household they make."""

    key: str
    number: str
    rows: list[SourceRow] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    household: Household | None = None
    existing_id: int | None = None
    new_groups: list[tuple[Village, str]] = field(default_factory=list)
    row_of_uuid: dict[str, SourceRow] = field(default_factory=dict)
    stored: Household | None = None  # the matched household as read, before the file's values
    unchanged: bool = False  # matched, and the file changes nothing in it
    #: What staging's rule run found, kept with the household (rules/kept.py): blocking messages of
    #: the kept rules and the day they stop holding.
    checked: tuple[tuple[str, ...], date | None] | None = None

    @property
    def rejected(self) -> bool:
        return bool(self.blocking) or any(r.blocking for r in self.rows)

    @property
    def status(self) -> str:
        if self.rejected:
            return REJECTED
        if self.unchanged:
            return UNCHANGED
        if self.warnings or any(r.reasons for r in self.rows):
            return WARNING
        return UPDATED if self.existing_id is not None else IMPORTED

    def first_row(self) -> SourceRow:
        heads = [r for r in self.rows if r.kind in (hdr.ROSTER, "members")
                 and r.values.get("members.relation") == HEAD]
        households = [r for r in self.rows if r.kind == hdr.HOUSEHOLDS]
        return (households or heads or self.rows)[0]


@dataclass(slots=True)
class HouseholdResult:
    """What the plan keeps of one staged household: its report rows and what the commit needs.

    The household as built (and the stored one it updates) is not kept here but in the plan's
    spool (:mod:`~fupin_desktop.excel.spool`), read back a chunk at a time by the commit."""

    number: str
    status: str
    existing_id: int | None
    stored_revision: int | None
    size: int
    new_groups: list[tuple[Village, str]]
    rows: list[RowResult]  # the report's rows of this household, in the file's order
    spooled: int | None = None  # where the household to write is in the spool (None: nothing to write)

    @property
    def rejected(self) -> bool:
        return self.status == REJECTED

    @property
    def unchanged(self) -> bool:
        return self.status == UNCHANGED

    @classmethod
    def of(cls, staged: StagedHousehold, spooled: int | None) -> HouseholdResult:
        status = staged.status
        first = staged.first_row()
        blocking_rows = [r for r in staged.rows if r.blocking]
        rows = []
        for row in staged.rows:
            reasons = list(staged.blocking)
            if status == REJECTED:
                reasons += row.errors
                if not staged.blocking and not row.blocking and blocking_rows:
                    reasons.append("同户其他行有错误，整户未导入：" + "；".join(
                        f"第 {r.number} 行" for r in blocking_rows))
            else:
                reasons = row.reasons + (staged.warnings if row is first else [])
            rows.append(_row_result(row, staged.number, status, reasons))
        return cls(number=staged.number, status=status, existing_id=staged.existing_id,
                   stored_revision=staged.stored.revision if staged.stored is not None else None,
                   size=staged.household.size if staged.household else 0, new_groups=list(staged.new_groups),
                   rows=rows, spooled=spooled)


@dataclass
class Written:
    """A household to write as staging built it, the stored one it updates and what its rules found."""

    household: Household
    stored: Household | None
    checked: tuple[tuple[str, ...], date | None] | None


@dataclass
class ImportPlan:
    source: Source
    households: list[HouseholdResult]
    skipped: list[RowResult]  # rows that belong to no household (orphans of the full layout)
    notes: list[str]
    mapping_changed: bool
    #: Sheet name -> columns that hold ID numbers, phones, accounts or 户编号 (text in Excel).
    text_columns: dict[str, set[int]] = field(default_factory=dict)
    #: The rule context the households were checked in (rules.kept.context_key).
    check_context: str = ""
    #: The households to write (:class:`Written`), when staged for a commit (not for a dry run).
    spool: Spool | None = None


@dataclass(slots=True)
class RowResult:
    sheet: str
    row: int
    household_number: str
    status: str
    reasons: list[str]
    name: str = ""
    id_number: str = ""


@dataclass
class ImportReport:
    file: str
    dry_run: bool
    layout: str
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    warnings: int = 0
    created: int = 0  # new households, with or without warnings
    changed: int = 0  # stored households whose content changed, with or without warnings
    unchanged: int = 0  # stored households the file matched but changes nothing in (not written)
    persons: int = 0
    rows: list[RowResult] = field(default_factory=list)
    groups_added: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def change(self) -> Change | None:
        """What the import wrote (None for a dry run): too many households to name, so every view
        reloads when any was written or a group was added."""
        if self.dry_run:
            return None
        written = self.created + self.changed
        return Change.of(ChangeKind.IMPORT, count=written, everything=bool(written or self.groups_added))

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "dry_run": self.dry_run, "layout": self.layout,
            "imported": self.imported, "updated": self.updated, "rejected": self.rejected,
            "warnings": self.warnings, "created": self.created, "changed": self.changed,
            "unchanged": self.unchanged,
            "persons": self.persons, "groups_added": self.groups_added, "notes": self.notes,
            "rows": [{"row": r.row, "sheet": r.sheet, "household_number": r.household_number,
                      "status": r.status, "reasons": r.reasons} for r in self.rows],
        }

    def summary(self) -> str:
        verb = "可导入" if self.dry_run else "已导入"
        done = f"新增 {self.created} 户，更新 {self.changed} 户"
        if self.warnings:  # said next to what is imported: never read as "of the rejected ones"
            done += f"（这 {self.created + self.changed} 户中 {self.warnings} 户有提示）"
        text = f"{verb}：{done}，未导入 {self.rejected} 户"
        if self.unchanged:
            text += f"；{self.unchanged} 户与库中相同，未变化"
        if self.groups_added:
            text += "；新增村民小组：" + "、".join(self.groups_added)
        return text


class ImportRun(NamedTuple):
    """What :func:`~fupin_desktop.excel.importer.import_file` hands back: the report, the plan behind
    it (``report, plan = import_file(...)``) and what was changed."""

    report: ImportReport
    plan: ImportPlan

    @property
    def change(self) -> Change | None:
        return self.report.change


def build_report(plan: ImportPlan, *, dry_run: bool) -> ImportReport:
    report = ImportReport(file=str(plan.source.path), dry_run=dry_run, layout=plan.source.layout,
                          notes=list(plan.notes))
    groups: dict[str, None] = {}
    results: list[RowResult] = []
    for staged in plan.households:
        status = staged.status
        counter = {IMPORTED: "imported", UPDATED: "updated", REJECTED: "rejected", WARNING: "warnings",
                   UNCHANGED: "unchanged"}[status]
        setattr(report, counter, getattr(report, counter) + 1)
        if status not in (REJECTED, UNCHANGED):
            if staged.existing_id is None:
                report.created += 1
            else:
                report.changed += 1
            report.persons += staged.size
            for village, group in staged.new_groups:
                groups[f"{village.name}{group}"] = None
        results += staged.rows
    results += plan.skipped
    results.sort(key=lambda r: (r.sheet != plan.source.main.name, r.sheet, r.row))
    report.rows = results
    report.groups_added = list(groups)
    return report


def skipped_result(row: SourceRow) -> RowResult:
    """The report's row for a row that belongs to no household."""
    return _row_result(row, row.text("household.number"), REJECTED, row.errors)


def _row_result(row: SourceRow, number: str, status: str, reasons: list[str]) -> RowResult:
    return RowResult(sheet=row.sheet, row=row.number, household_number=number, status=status,
                     reasons=list(dict.fromkeys(reasons)),
                     name=row.text("members.name") or row.text("helpers.name"),
                     id_number=row.text("members.id_number"))


def _no_progress(done: int, total: int) -> None:
    return None


def _never() -> bool:
    return False
