"""Township-wide data quality: every rule over every household, findings for people to fix.

* :func:`run_township` checks all households (or one village's) in bulk: households are
  read a batch at a time (``HouseholdRepository.iter_all``) and the other households are
  known from one bulk index (``store.crossrecord.load_memory_records``), so 2,000
  households take about a second.  It takes ``progress`` and ``cancelled`` callables
  (``ui/ops.py`` runs it off the GUI thread) and never touches widgets.
* :func:`check_households` re-checks a few households live, e.g. after one was saved.
* :func:`export_xlsx` writes findings for village cadres to correct on paper.
* :func:`export_policy` / :func:`import_policy` move the county's policy profile as a file.

No Qt here; services, the CLI (``fupin validate``, ``fupin policy``) and the GUI share it.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fupin_desktop import fileio
from fupin_desktop.domain.household import Household
from fupin_desktop.rules import FieldRef, Finding, RuleContext, Severity, all_rules, check_household
from fupin_desktop.rules.policy import Policy, PolicyError, policy_document, policy_from_document
from fupin_desktop.rules.village import VILLAGE_RULES
from fupin_desktop.store import Store, StoreError, backups
from fupin_desktop.store.crossrecord import StoreRecords, load_memory_records
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.village_view import village_findings

log = logging.getLogger(__name__)

SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "提示"}
#: Column headers of the Excel export, for village cadres.
XLSX_HEADERS = ("村", "组", "户编号", "户主", "成员", "规则", "严重程度", "问题说明")
BATCH = 250  # households between progress reports and cancel checks
MAX_POLICY_FILE = 1 << 20  # a policy profile is a few KB

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class QualityFinding:
    """A rule's finding with the household it belongs to, as lists and exports show it."""

    rule: str
    severity: Severity
    message: str
    refs: tuple[FieldRef, ...]
    household_id: int
    household_number: str
    village: str
    group: str
    head_name: str
    member_name: str = ""  # the member row the finding points at, if any
    related: tuple[int, ...] = ()  # other households a cross-record finding involves

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def fields(self) -> list[str]:
        """Where it points, as ``field`` or ``table[row].field``."""
        return [r.key() for r in self.refs]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "severity": self.severity, "household_id": self.household_id,
            "household_number": self.household_number, "member_name": self.member_name or None,
            "fields": self.fields, "message": self.message,
            "village": self.village, "group": self.group, "head_name": self.head_name,
        }


@dataclass
class QualityReport:
    """The outcome of a township-wide run."""

    findings: list[QualityFinding] = field(default_factory=list)
    households: int = 0  # households checked
    seconds: float = 0.0
    cancelled: bool = False

    def counts(self) -> dict[str, int]:
        errors = sum(f.is_error for f in self.findings)
        return {"error": errors, "warning": len(self.findings) - errors}

    def by_rule(self) -> Counter[str]:
        return Counter(f.rule for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        """The ``fupin validate --json`` shape."""
        return {"findings": [f.to_json() for f in self.findings], "counts": self.counts(),
                "households": self.households}


def rule_titles() -> dict[str, str]:
    """Rule id -> Chinese title, in check order (the village form's rules last)."""
    return {**{r.id: r.title for r in all_rules()}, **{rid: title for rid, _, title in VILLAGE_RULES}}


def rule_severities() -> dict[str, str]:
    return {**{r.id: r.severity for r in all_rules()}, **{rid: sev for rid, sev, _ in VILLAGE_RULES}}


# -- running the rules -----------------------------------------------------------------------------
def context(store: Store, records: Any, today: date | None = None) -> RuleContext:
    """The rule context of a township-wide run (villages, the county's policy, ``records``)."""
    villages = {v.name: v.groups for v in store.townships.villages()}
    ctx = RuleContext(spec=store.spec, villages=villages, policy=store.policy.get(), records=records)
    if today is not None:
        ctx.today = today
    return ctx


def attach(hh: Household, findings: Iterable[Finding]) -> list[QualityFinding]:
    """The household's findings with its number, place, head and the member pointed at."""
    f = hh.fields
    out = []
    for x in findings:
        member = next((r.row for r in x.refs if r.table == "members" and r.row is not None), None)
        name = ""
        if member is not None and member < len(hh.members):
            name = str(hh.members[member].get("name") or "")
        out.append(QualityFinding(
            rule=x.rule, severity=x.severity, message=x.message, refs=x.refs, household_id=int(hh.id or 0),
            household_number=str(f.get("number") or ""), village=str(f.get("village") or ""),
            group=str(f.get("group") or ""), head_name=hh.head_name, member_name=name, related=x.related,
        ))
    return out


def run_township(
    store: Store,
    *,
    village_id: int | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    today: date | None = None,
) -> QualityReport:
    """Check every household of the township (or of one village) against every rule.

    Cross-record rules always look at the whole township: a person registered in two
    villages is reported in both, whichever village is checked.
    """
    started = time.perf_counter()
    ctx = context(store, load_memory_records(store.db), today)
    total = store.households.count(village_id)
    report = QualityReport()
    if progress is not None:
        progress(0, total)
    for hh in store.households.iter_all(village_id):
        if report.households % BATCH == 0 and report.households:
            if progress is not None:
                progress(report.households, total)
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
        report.findings.extend(attach(hh, check_household(hh, ctx)))
        report.households += 1
    if progress is not None and not report.cancelled:
        progress(report.households, total)
    if not report.cancelled:  # the 贫困村登记表 (rules V001-V003), after the village's households
        report.findings.extend(
            QualityFinding(rule=x.rule, severity=x.severity, message=x.message, refs=x.refs, household_id=0,
                           household_number="", village=village, group=f"{year}年贫困村登记表", head_name="")
            for village, year, x in village_findings(store, village_id))
    report.findings = sort_findings(store, report.findings)
    report.seconds = time.perf_counter() - started
    log.info("quality check village_id=%s households=%d findings=%d errors=%d cancelled=%s seconds=%.2f",
             village_id, report.households, len(report.findings), sum(f.is_error for f in report.findings),
             report.cancelled, report.seconds)
    return report


def check_households(store: Store, household_ids: Iterable[int], today: date | None = None) -> list[QualityFinding]:
    """Re-check a few households with live look-ups (the rest of a run's findings stay valid)."""
    ctx = context(store, StoreRecords(store.db, stored_sizes=True), today)
    out: list[QualityFinding] = []
    for household_id in dict.fromkeys(household_ids):
        hh = store.households.get(household_id)
        if hh is not None:
            out.extend(attach(hh, check_household(hh, ctx)))
    return sort_findings(store, out)


def sort_findings(store: Store, findings: list[QualityFinding]) -> list[QualityFinding]:
    """Village by village (in the township's order), group, 户编号, then rule order."""
    villages = {v.name: i for i, v in enumerate(store.townships.villages())}
    rules = {rid: i for i, rid in enumerate(rule_titles())}

    def key(f: QualityFinding) -> tuple[Any, ...]:
        first = f.refs[0] if f.refs else None
        row = first.row if first is not None and first.row is not None else -1
        return (villages.get(f.village, len(villages)), f.group, f.household_number, f.household_id,
                rules.get(f.rule, len(rules)), row)

    return sorted(findings, key=key)


# -- Excel ---------------------------------------------------------------------------------------
def export_xlsx(findings: Iterable[QualityFinding], path: str | Path, *, sheet_title: str = "数据质量问题") -> Path:
    """One sheet with Chinese headers, one finding per row, for village cadres to correct on paper."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from fupin_desktop.excel.saving import save_book

    titles = rule_titles()
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append(list(XLSX_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    for f in findings:
        ws.append([f.village, f.group, f.household_number, f.head_name, f.member_name,
                   f"{f.rule} {titles.get(f.rule, '')}".strip(), SEVERITY_LABELS.get(f.severity, f.severity),
                   f.message])
        row = ws.max_row
        ws.cell(row, 3).number_format = "@"  # 户编号 stays text: Excel would round a 19-digit number
        ws.cell(row, 8).alignment = wrap
        if f.is_error:
            ws.cell(row, 7).font = Font(color="C5221F", bold=True)
    for letter, width in zip("ABCDEFGH", (10, 8, 22, 10, 12, 28, 9, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:H{max(ws.max_row, 1)}"
    target = Path(path)
    try:
        with fileio.atomic_path(target) as tmp:  # a full disk leaves no truncated workbook
            save_book(wb, tmp)
    except fileio.WriteError as exc:
        raise StoreError(str(exc)) from exc
    log.info("quality findings exported file=%s rows=%d", target, ws.max_row - 1)
    return target


# -- the policy profile as a file ---------------------------------------------------------------------
def export_policy(store: Store, path: str | Path, policy: Policy | None = None) -> Path:
    """Write the county's policy profile (the stored one unless given) with the township's settings."""
    doc = policy_document(policy or store.policy.get(), store.townships.get(), exported_at=now_iso())
    target = Path(path)
    try:
        fileio.write_text(target, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    except fileio.WriteError as exc:
        raise StoreError(str(exc)) from exc
    log.info("policy exported file=%s", target)
    return target


def read_policy_file(path: str | Path) -> tuple[Policy, dict[str, Any]]:
    """The profile in a file and the township it was exported from (may be empty)."""
    source = Path(path)
    try:
        data = fileio.read_json(source, max_bytes=MAX_POLICY_FILE)
    except OSError as exc:
        raise StoreError(f"无法读取 {source}：{fileio.reason(exc)}") from exc
    except ValueError as exc:
        raise StoreError(f"{source.name} 不是有效的政策参数文件：{exc}。请选择本程序导出的政策参数文件。") from exc
    try:
        return policy_from_document(data)
    except PolicyError as exc:
        raise StoreError(f"{source.name} 中的政策参数有误：{exc}") from exc


def import_policy(store: Store, path: str | Path) -> tuple[Policy, dict[str, Any]]:
    """Replace the township's profile with the one in ``path`` (the township data is not touched)."""
    policy, township = read_policy_file(path)
    backups.before(store.db, backups.POLICY)  # refuses the import if the backup cannot be made
    store.policy.put(policy, store.operator)
    log.info("policy imported file=%s", Path(path))
    return policy, township
