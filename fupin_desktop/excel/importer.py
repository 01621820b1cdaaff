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

Pure Python, no Qt.
"""

from __future__ import annotations

import copy
import logging
import uuid as uuid_mod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fupin_desktop.domain.household import HEAD, TABLES, Household, Row
from fupin_desktop.domain.idnumber import check_id, id_type_for, person_key, same_person_numbers
from fupin_desktop.domain.text import describe_invisible, invisible_in, normalize_text
from fupin_desktop.domain.township import Village, group_number, match_group
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel import merge
from fupin_desktop.excel.normalize import (
    Problem,
    cell_text,
    is_blank,
    normalize_cell,
    same_township,
)
from fupin_desktop.excel.reader import ExcelRefused, Limits
from fupin_desktop.excel.source import (
    SheetPlan,
    Source,
    numbering_row,
    plan_with_header,
    read_source,
)
from fupin_desktop.rules import Finding, RuleContext, check_household
from fupin_desktop.store import Store, backups

__all__ = [  # the reading half lives in excel/source.py; callers import both from here
    "IMPORTED", "REJECTED", "STATUS_LABELS", "UNCHANGED", "UPDATED", "WARNING", "ImportCancelled",
    "ImportConflict", "ImportPlan",
    "ImportReport", "RowResult", "SheetPlan", "Source", "SourceRow", "StagedHousehold", "build_report",
    "commit", "import_file", "numbering_row", "plan_with_header", "read_source", "stage",
]

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

log = logging.getLogger(__name__)
IMPORTED, UPDATED, REJECTED, WARNING, UNCHANGED = "imported", "updated", "rejected", "warning", "unchanged"
STATUS_LABELS = {IMPORTED: "已导入", UPDATED: "已更新", REJECTED: "未导入", WARNING: "已导入（有提示）",
                 UNCHANGED: "未变化"}
#: Rule ids whose findings reject a household: 户主人数, 同户证件号码重复, 村属于本乡.
BLOCKING_RULES = frozenset({"H001", "H003", "H005"})
#: How rows of the other Handbook tables are recognised again when they carry no 记录标识.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "helpers": ("name",),
    "plans": ("year", "item"),
    "measures": ("type", "date", "content"),
    "results": ("year",),
}
_RAW_KEYS = frozenset({"members.name", "members.id_number", "helpers.name", "household.number"})
_FOOTER_WORDS = ("合计", "总计", "小计", "填表", "填报", "审核", "制表", "负责人", "说明", "备注", "注：", "注:")


class ImportCancelled(Exception):
    """The clerk cancelled; nothing was written."""


class ImportConflict(ExcelRefused):
    """A household was saved elsewhere during the import, changing what the import changes too;
    nothing was written and the import can simply be run again."""


# -- staging ---------------------------------------------------------------------------
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


@dataclass
class ImportPlan:
    source: Source
    households: list[StagedHousehold]
    skipped: list[SourceRow]  # rows that belong to no household (orphans of the full layout)
    notes: list[str]
    mapping_changed: bool
    #: Sheet name -> columns that hold ID numbers, phones, accounts or 户编号 (text in Excel).
    text_columns: dict[str, set[int]] = field(default_factory=dict)


@dataclass
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


class _Stager:
    """Builds and checks every household of a source without writing anything."""

    def __init__(self, store: Store, source: Source, progress: Progress, cancelled: Cancelled) -> None:
        self.store = store
        self.spec = store.spec
        self.source = source
        self.progress = progress
        self.cancelled = cancelled
        self.villages = store.townships.villages()
        town = store.townships.get()
        self.township = town.name if town else ""
        self.ctx = RuleContext(spec=store.spec, villages={v.name: list(v.groups) for v in self.villages})
        self.targets = {t.key: t for kind in {s.kind for s in source.sheets}
                        for t in hdr.targets(store.spec, kind)}
        self.mapped = {k for s in source.sheets for k in s.mapping if k}
        self.claimed: dict[int, StagedHousehold] = {}
        # Rosters repeat the same cells (household columns on every row, code labels): parse once.
        self._memo: dict[tuple[str, type, Any], tuple[Any, Problem | None]] = {}
        self.used_uuids: set[str] = set()

    def check(self) -> None:
        if self.cancelled():
            raise ImportCancelled

    # -- rows ---------------------------------------------------------------------
    def rows_of(self, plan: SheetPlan) -> list[SourceRow]:
        out = []
        columns = []
        for i, key in enumerate(plan.mapping):
            if key and key in self.targets:
                t = self.targets[key]
                # The cell as read is kept only where the report or a check needs it (memory).
                keep = (not t.importable or t.spec is None or key in _RAW_KEYS
                        or (plan.kind == hdr.ROSTER and t.table == hdr.HOUSEHOLD))
                columns.append((i, t, keep))
        for r in range(plan.header.data_start, len(plan.rows)):
            cells = plan.rows[r]
            row = SourceRow(sheet=plan.name, number=r + 1, cells=cells, kind=plan.kind)
            filled = False
            for i, target, keep in columns:
                value = cells[i] if i < len(cells) else None
                if is_blank(value):
                    continue
                filled = True
                if keep:
                    row.raw[target.key] = value
                if isinstance(value, str) and (found := invisible_in(value, multiline=True)):
                    column = (plan.header.names[i] if i < len(plan.header.names) else "") or target.label
                    row.add(Problem(f"“{column}”列含有{describe_invisible(found)}，已去掉"))
                if target.spec is None:
                    row.values[target.key] = normalize_text(str(value))
                    continue
                if not target.importable:
                    continue
                memo_key = (target.key, type(value), value)
                hit = self._memo.get(memo_key)
                if hit is None:
                    hit = self._memo[memo_key] = normalize_cell(target.spec, value, self._codes(target))
                parsed, problem = hit
                if isinstance(parsed, list):
                    parsed = list(parsed)  # rows never share a mutable value
                if problem is not None:
                    row.add(problem)
                    row.dropped.add(target.key)
                if parsed not in (None, []):
                    row.values[target.key] = parsed
            if not filled or self._not_data(row, r - plan.header.data_start):
                continue
            out.append(row)
        return out

    def _codes(self, target: hdr.Target) -> Any:
        spec = target.spec
        if spec is None or not spec.codes or spec.codes.startswith("@"):
            return None
        return self.spec.codes.get(spec.codes)

    def _not_data(self, row: SourceRow, offset: int) -> bool:
        """Footers (填表人, 合计) and a column-number row (1 2 3 ...) under the header."""
        if row.kind not in (hdr.ROSTER, "members"):
            return False
        if "members.id_number" not in row.raw:
            # "合计 … 17人" or "填表人：… 审核人：…" spread over the columns, the 姓名 column included.
            first = next((cell_text(c).strip() for c in row.cells if not is_blank(c)), "")
            if first.startswith(_FOOTER_WORDS) or any(w in row.text("members.name") for w in _FOOTER_WORDS):
                return True
        if "members.name" in row.raw or "members.id_number" in row.raw:
            if offset >= 2:
                return False
            return numbering_row(row.cells)
        filled = [cell_text(c) for c in row.cells if not is_blank(c)]
        return len(filled) <= 3 or any(w in " ".join(filled) for w in _FOOTER_WORDS)

    # -- grouping -------------------------------------------------------------------
    def group(self) -> tuple[list[StagedHousehold], list[SourceRow]]:
        if self.source.layout == "roster":
            return self._group_roster(self.rows_of(self.source.main)), []
        return self._group_full()

    def _group_roster(self, rows: list[SourceRow]) -> list[StagedHousehold]:
        groups: dict[str, StagedHousehold] = {}
        current: str | None = None
        for row in rows:
            number = self._number(row)
            if number:
                key = f"n:{number}"
            elif row.values.get("members.relation") == HEAD or current is None:
                key = f"r:{row.number}"
            else:
                key = current
            current = key
            staged = groups.get(key)
            if staged is None:
                staged = groups[key] = StagedHousehold(key=key, number=number)
            staged.rows.append(row)
        return list(groups.values())

    def _number(self, row: SourceRow) -> str:
        value = row.values.get("household.number")
        return str(value) if value else ""

    def _group_full(self) -> tuple[list[StagedHousehold], list[SourceRow]]:
        groups: dict[str, StagedHousehold] = {}
        by_uuid: dict[str, StagedHousehold] = {}
        by_number: dict[str, StagedHousehold] = {}
        skipped: list[SourceRow] = []
        for row in self.rows_of(self.source.main):
            uuid = row.values.get("household.uuid") or ""
            number = self._number(row)
            key = f"u:{uuid}" if uuid else f"n:{number}" if number else f"r:{row.number}"
            staged = StagedHousehold(key=key, number=number, rows=[row])
            if key in groups:
                row.add(Problem(f"户基本情况表中这一户出现了两次（另见第 {groups[key].rows[0].number} 行）", True))
                groups[key].blocking.append(f"户基本情况表中这一户出现了两次（第 {row.number} 行）")
                skipped.append(row)
                continue
            groups[key] = staged
            if uuid:
                by_uuid[uuid] = staged
            if number:
                by_number.setdefault(number, staged)
        for plan in self.source.sheets[1:]:
            for row in self.rows_of(plan):
                uuid = row.values.get("household.uuid") or ""
                number = self._number(row)
                owner = by_uuid.get(uuid) if uuid else by_number.get(number) if number else None
                if owner is None:
                    row.add(Problem(f"户基本情况表中没有这一户（户编号“{number or '未填'}”），"
                                    "请先在户基本情况表中填写该户", True))
                    skipped.append(row)
                    continue
                owner.rows.append(row)
        return list(groups.values()), skipped

    # -- matching and building ------------------------------------------------------
    def stage(self) -> ImportPlan:
        households, skipped = self.group()
        total = len(households)
        self._duplicates_in_file(households)
        ids = {r.values["members.id_number"] for s in households for r in s.rows
               if r.kind in (hdr.ROSTER, "members") and "members.id_number" in r.values}
        # One person under either card: the stored rows of each holder's ID number and 残疾人证 numbers.
        owners: dict[str, list[tuple[int, str]]] = {}
        stored = self.store.households.households_of_persons({n for i in ids for n in same_person_numbers(i)})
        for number, holders in stored.items():
            owners.setdefault(person_key(number), []).extend(holders)
        numbers = self.store.households.ids_by_number({s.number for s in households if s.number})
        row_uuids = {t: {r.values[f"{t}.uuid"] for s in households for r in s.rows if f"{t}.uuid" in r.values}
                     for t in TABLES}
        self.row_owners = {t: self.store.households.row_households(t, u) for t, u in row_uuids.items() if u}
        for done, staged in enumerate(households, start=1):
            if done % 50 == 0:
                self.check()
                self.progress(done, total)
            self._stage_one(staged, owners, numbers)
        self.progress(total, total)
        text_columns = {s.name: {i for i, key in enumerate(s.mapping) if key and key in self.targets
                                 and self.targets[key].is_text} for s in self.source.sheets}
        return ImportPlan(source=self.source, households=households, skipped=skipped,
                          notes=self._notes(), mapping_changed=any(
                              s.mapping != s.auto_mapping or s.remembered for s in self.source.sheets),
                          text_columns=text_columns)

    def _duplicates_in_file(self, households: list[StagedHousehold]) -> None:
        seen: dict[str, list[tuple[StagedHousehold, SourceRow]]] = {}
        for staged in households:
            for row in staged.rows:
                number = row.values.get("members.id_number")
                if number:
                    seen.setdefault(person_key(number), []).append((staged, row))
        for number, places in seen.items():
            if len(places) < 2:
                continue
            where = "、".join(f"第 {r.number} 行" for _, r in places)
            number = places[0][1].values["members.id_number"]
            for staged, row in places:
                others = {s.key for s, _ in places} - {staged.key}
                scope = "另一户" if others else "本户"
                row.duplicate = True
                row.add(Problem(f"证件号码 {number} 在表中出现了 {len(places)} 次（{where}），同一人又出现在{scope}", True))

    def _stage_one(self, staged: StagedHousehold, owners: dict[str, list[tuple[int, str]]],
                   numbers: dict[str, list[int]]) -> None:
        """Match, build and check one household; every problem found is kept for the report."""
        first = staged.first_row()
        household_values = self._household_values(staged)
        town = household_values.pop("household.township", None)
        if town and self.township and not same_township(str(town), self.township):
            staged.blocking.append(f"乡镇为“{town}”，不是本乡（{self.township}）的户")
        target = self._match(staged, household_values, owners, numbers)
        hh = self.store.households.get(target) if target is not None else None
        staged.stored = copy.deepcopy(hh)
        if hh is None:
            target = None
            hh = Household()
            uuid = household_values.get("household.uuid")
            if uuid and _valid_uuid(uuid) and uuid not in self.used_uuids:
                hh.uuid = uuid
        self.used_uuids.add(hh.uuid)
        staged.existing_id = target
        if target is not None and not staged.rejected:
            self.claimed[target] = staged
        self._apply_household(staged, hh, household_values)
        for table in TABLES:
            self._apply_rows(staged, hh, table)
        self._derive_from_ids(hh)
        if len(hh.members) == 1 and not hh.members[0].get("relation") and "members.relation" not in self.mapped:
            hh.members[0].fields["relation"] = HEAD  # a roster of one row per household lists its heads
        hh.refresh_derived()
        staged.household = hh
        self._size_check(staged, hh, first)
        self._classify(staged, hh, check_household(hh, self.ctx))
        staged.unchanged = (staged.stored is not None and not staged.new_groups
                            and merge.same_content(staged.stored, hh))

    def _household_values(self, staged: StagedHousehold) -> dict[str, Any]:
        """Household columns of the household's rows: the 户主 row (or first row) wins."""
        first = staged.first_row()
        out: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        for row in [first] + [r for r in staged.rows if r is not first]:
            for key, value in row.values.items():
                if not key.startswith("household."):
                    continue
                if key not in out:
                    out[key], raw[key] = value, row.raw.get(key)
                elif value != out[key] and row.kind == hdr.ROSTER and not self._same_place(key, value, out[key]):
                    label = self.targets[key].label
                    row.reasons.append(f"“{label}”与同户第 {first.number} 行不一致"
                                       f"（“{cell_text(row.raw.get(key))}”/“{cell_text(raw[key])}”），"
                                       f"已取第 {first.number} 行的值")
            for key in row.raw:
                if key == "household.township":
                    out.setdefault(key, row.raw[key])
        return out

    def _same_place(self, key: str, a: Any, b: Any) -> bool:
        """炉场 and 炉场村, 2 and 二组: written differently on two rows, the same village or group."""
        if key == "household.village":
            village = self._village(str(a))
            return village is not None and village is self._village(str(b))
        if key == "household.group":
            number = group_number(str(a))
            return number is not None and number == group_number(str(b))
        return False

    def _match(self, staged: StagedHousehold, values: dict[str, Any],
               owners: dict[str, list[tuple[int, str]]], numbers: dict[str, list[int]]) -> int | None:
        uuid = values.get("household.uuid")
        by_uuid = self.store.households.id_for_uuid(uuid) if uuid else None
        by_number = numbers.get(staged.number, [])
        if len(by_number) > 1 and by_uuid is None:
            staged.blocking.append(f"库中有 {len(by_number)} 户的户编号都是 {staged.number}，无法确定更新哪一户")
            return None
        number_id = by_number[0] if by_number else None
        if by_uuid is not None and number_id is not None and by_uuid != number_id:
            staged.blocking.append(f"户标识与户编号 {staged.number} 分别对应库中不同的两户，请核对")
            return None
        target = by_uuid if by_uuid is not None else number_id
        persons: dict[int, list[tuple[SourceRow, str]]] = {}
        for row in staged.rows:
            number = row.values.get("members.id_number")
            for household_id, name in owners.get(person_key(number), []) if number else []:
                persons.setdefault(household_id, []).append((row, name))
        if target is None and len(persons) == 1:
            # The same household under its members' IDs, unless both carry different 户编号.
            candidate = next(iter(persons))
            stored = self._summary(candidate)
            if not staged.number or stored is None or not stored.number or stored.number == staged.number:
                target = candidate
        for household_id, rows in persons.items():
            if household_id == target:
                continue
            where = self._describe(household_id)
            for row, name in rows:
                row.add(Problem(f"{name}（{row.values['members.id_number']}）已登记在{where}，"
                                "同一人不能在两户中", True))
        if target is not None and target in self.claimed:
            other = self.claimed[target]
            staged.blocking.append(f"与本表第 {other.first_row().number} 行的户对应库中同一户，请合并后再导入")
            return None
        return target

    def _summary(self, household_id: int) -> Any:
        return next(iter(self.store.households.summaries([household_id])), None)

    def _describe(self, household_id: int) -> str:
        summary = self._summary(household_id)
        if summary is None:
            return "库中另一户"
        return f"{summary.village}{summary.group} 户编号 {summary.number or '未填'}（户主 {summary.head_name or '未填'}）"

    def _apply_household(self, staged: StagedHousehold, hh: Household, values: dict[str, Any]) -> None:
        first = staged.first_row()
        village_name = values.pop("household.village", None)
        if village_name:
            village = self._village(str(village_name))
            if village is None:
                known = "、".join(v.name for v in self.villages)
                staged.blocking.append(f"本乡没有“{village_name}”（本乡的村：{known}）")
                return
            hh.fields["village"] = village.name
        elif not hh.fields.get("village"):
            staged.blocking.append("未填写行政村")
            return
        village = self._village(str(hh.fields["village"]))
        for key, value in values.items():
            table, _, field_id = key.partition(".")
            if field_id == "uuid" or not self.targets[key].importable:
                continue
            hh.fields[field_id] = value
        group = normalize_text(hh.fields.get("group") or "")
        if village is not None and group and group not in village.groups:
            matched = match_group(group, village.groups)
            if matched is not None:
                hh.fields["group"] = matched  # 1组, 01, 第一组: the village's own 一组
                group = matched
        if village is not None and group and group not in village.groups:
            staged.new_groups.append((village, group))
            first.reasons.append(f"{village.name}还没有村民小组“{group}”，导入时将新增")
        if not hh.fields.get("number") and staged.number:
            hh.fields["number"] = staged.number

    def _village(self, name: str) -> Village | None:
        name = normalize_text(name)
        local = name.split(self.township, 1)[-1] if self.township else name  # 青川县茶坝乡炉场村
        for candidate in (name, name + "村", local, local + "村"):
            for v in self.villages:
                if v.name == candidate:
                    return v
        return None

    def _apply_rows(self, staged: StagedHousehold, hh: Household, table: str) -> None:
        kinds = (hdr.ROSTER, "members") if table == "members" else (table,)
        prefix = f"{table}."
        existing = hh.table(table)
        matched: set[str] = set()
        owners = self.row_owners.get(table, {})
        for row in staged.rows:
            if row.kind not in kinds:
                continue
            values = {k.removeprefix(prefix): v for k, v in row.values.items() if k.startswith(prefix)}
            uuid = values.pop("uuid", None)
            if not values:
                continue
            target = self._find_row(existing, table, values, uuid, matched)
            if target is None:
                target = Row()
                if uuid and _valid_uuid(uuid) and uuid not in self.used_uuids and owners.get(uuid) in (
                        None, hh.id):
                    target.uuid = uuid
                existing.append(target)
            self.used_uuids.add(target.uuid)
            matched.add(target.uuid)
            if table == "members" and values.get("id_number") and "id_type" not in values:
                kind = check_id(str(values["id_number"])).id_type  # no 证件类型 column: the length says
                if kind and kind != id_type_for(str(target.get("id_number") or "")):
                    values["id_type"] = kind
            target.fields.update(values)
            staged.row_of_uuid[target.uuid] = row

    @staticmethod
    def _find_row(rows: list[Row], table: str, values: dict[str, Any], uuid: str | None,
                  matched: set[str]) -> Row | None:
        free = [r for r in rows if r.uuid not in matched]
        if uuid:
            hit = next((r for r in free if r.uuid == uuid), None)
            if hit is not None:
                return hit
        if table == "members":
            person = values.get("person_number")
            if person:  # 人编号 (AAB001): the national system's id of the person comes first
                hit = next((r for r in free if r.get("person_number") == person), None)
                if hit is not None:
                    return hit
            number = values.get("id_number")
            if number:  # the same person, also when one side has the 残疾人证 number
                key = person_key(number)
                return next((r for r in free if r.get("id_number") and person_key(r.get("id_number")) == key), None)
            name = values.get("name")
            same = [r for r in free if name and r.get("name") == name]
            return same[0] if len(same) == 1 else None
        keys = NATURAL_KEYS[table]
        if all(values.get(k) in (None, "") for k in keys):
            return None
        return next((r for r in free if all(r.get(k) == values.get(k) for k in keys)), None)

    @staticmethod
    def _derive_from_ids(hh: Household) -> None:
        """性别, 出生日期 and 证件类型 left empty are read from a valid ID number."""
        for m in hh.members:
            number = m.get("id_number")
            if not number:
                continue
            check = check_id(str(number))
            if not check.valid:
                continue
            if not m.get("id_type"):
                m.fields["id_type"] = check.id_type  # 20 characters: 残疾人证, else 居民身份证
            if not m.get("sex"):
                m.fields["sex"] = check.sex
            if not m.get("birth_date"):
                m.fields["birth_date"] = check.birth_date

    def _size_check(self, staged: StagedHousehold, hh: Household, first: SourceRow) -> None:
        declared = first.raw.get("household.size")
        if declared is None:
            return
        try:
            size = int(float(cell_text(declared)))
        except ValueError:
            return
        if size != hh.size:
            first.reasons.append(f"表中“人数”为 {size}，但该户有 {hh.size} 名成员，已按成员行数计")

    def _classify(self, staged: StagedHousehold, hh: Household, findings: list[Finding]) -> None:
        """Rule findings onto the file's rows: blocking ones reject the household."""
        for f in findings:
            blocking = f.is_error and (f.rule in BLOCKING_RULES or any(
                r.field == "id_number" and r.table == "members" for r in f.refs))
            row_refs = [r for r in f.refs if r.table and r.row is not None and r.row < len(hh.table(r.table))]
            cells = [(r.table, r.row) for r in row_refs if r.table is not None and r.row is not None]
            rows = list({id(s): s for s in (staged.row_of_uuid.get(hh.table(table)[row].uuid)
                                            for table, row in cells) if s is not None}.values())
            if row_refs and not rows and f.rule != "H001":
                continue  # about a stored row the file does not touch
            rows = [r for r in rows if not any(f"{x.table}.{x.field}" in r.dropped or (
                x.field == "birth_date" and r.blocking) for x in row_refs)]
            if f.rule == "H003":
                rows = [r for r in rows if not r.duplicate]  # said with the file's row numbers already
            if row_refs and not rows:
                continue  # the cell's own problem is reported already
            if not blocking and not self._relevant(f):
                continue
            if blocking and rows and f.rule != "H001":
                for row in rows:
                    row.add(Problem(f.message, True))
            elif blocking:
                staged.blocking.append(f.message)
            elif rows:
                for row in rows:
                    if f.message not in row.reasons:
                        row.reasons.append(f.message)
            else:
                staged.warnings.append(f.message)

    def _relevant(self, f: Finding) -> bool:
        """A warning about a field the file does not carry belongs to the form, not the report."""
        if not f.refs:
            return True
        for ref in f.refs:
            table = ref.table or hdr.HOUSEHOLD
            if f"{table}.{ref.field}" in self.mapped:
                return True
            if table == "members" and f"{hdr.HOUSEHOLD}.{ref.field}" in self.mapped:
                return True
        return False

    def _notes(self) -> list[str]:
        notes = []
        missing = [f.label for f in self.spec.grid_fields() if f.required and not f.readonly
                   and f"{hdr.HOUSEHOLD}.{f.id}" not in self.mapped]
        if self.source.layout == "roster":
            missing += [f"成员{f.label}" for f in self.spec.table("members").fields if f.required
                        and f"members.{f.id}" not in self.mapped and f.id not in ("sex", "birth_date", "id_type")]
        if missing:
            notes.append("表中没有这些必填项，导入后请在户档案中补填：" + "、".join(missing))
        return notes


def _valid_uuid(text: str) -> bool:
    try:
        uuid_mod.UUID(str(text))
    except ValueError:
        return False
    return True


def stage(store: Store, source: Source, progress: Progress | None = None,
          cancelled: Cancelled | None = None) -> ImportPlan:
    """Build and check every household of ``source``; nothing is written."""
    return _Stager(store, source, progress or _no_progress, cancelled or _never).stage()


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
    accepted = [s for s in plan.households if not s.rejected and s.household is not None]
    report = build_report(plan, dry_run=dry_run)
    if dry_run:
        _log_report("excel import checked (dry run)", plan, report)
        return report
    operator = store.operator
    total = len(accepted)
    if accepted:  # a dated backup first (导入Excel); if it cannot be made nothing is imported
        backups.before(store.db, backups.EXCEL)
    with store.db.transaction():  # BEGIN IMMEDIATE: from here on no other save can come between
        stored = [s for s in accepted if s.stored is not None and not s.unchanged]
        now = store.households.revisions(s.stored.id for s in stored if s.stored and s.stored.id is not None)
        for staged in stored:
            assert staged.stored is not None and staged.stored.id is not None
            if now.get(staged.stored.id) != staged.stored.revision:
                _reapply(store, staged, report)
        for done, staged in enumerate(accepted, start=1):
            if cancelled():
                raise ImportCancelled
            assert staged.household is not None
            if staged.unchanged:
                continue
            for village, group in staged.new_groups:
                if village.id is not None:
                    store.townships.add_group(village.id, group, operator)
            store.households.save(staged.household, operator, reload=False)
            if done % 50 == 0 or done == total:
                progress(done, total)
        if plan.mapping_changed:
            for sheet in plan.source.sheets:
                hdr.remember(store.db, sheet.header, sheet.kind, sheet.mapping)
        if cancelled():  # the last moment a cancel can still undo everything
            raise ImportCancelled
    _log_report("excel import committed", plan, report)
    return report


def _reapply(store: Store, staged: StagedHousehold, report: ImportReport) -> None:
    """The household was saved elsewhere after staging: the file's changes onto its new revision."""
    assert staged.stored is not None and staged.stored.id is not None and staged.household is not None
    fresh = store.households.get(staged.stored.id)
    clash = merge.conflicts(staged.stored, staged.household, fresh)
    number = staged.number or str(staged.stored.fields.get("number") or "") or "（未填）"
    if clash:
        spec = store.spec
        labels = {f.id: f.label for f in spec.grid_fields()}
        what = merge.describe(clash, labels, {t: spec.table(t).title for t in TABLES})
        raise ImportConflict(
            f"导入过程中，户编号 {number} 的户在别处（户档案窗口或另一台程序）被保存过，"
            f"改动了本次导入也要改的内容（{what}）。为不覆盖刚才的修改，本次导入已全部取消，"
            "什么也没有导入。请直接重新导入一次即可：会在该户最新的档案上更新。")
    assert fresh is not None
    staged.household = merge.reapply(staged.stored, staged.household, fresh)
    report.notes.append(f"户编号 {number} 的户在导入过程中被另外保存过，已在其最新档案上更新，刚才的修改保留。")


def _log_report(what: str, plan: ImportPlan, report: ImportReport) -> None:
    log.info("%s file=%s layout=%s households=%d created=%d changed=%d rejected=%d warnings=%d persons=%d"
             " rows=%d groups_added=%d", what, Path(plan.source.path), plan.source.layout,
             len(plan.households), report.created, report.changed, report.rejected, report.warnings,
             report.persons, len(report.rows), len(report.groups_added))


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
            report.persons += staged.household.size if staged.household else 0
            for village, group in staged.new_groups:
                groups[f"{village.name}{group}"] = None
        first = staged.first_row()
        blocking_rows = any(r.blocking for r in staged.rows)
        for row in staged.rows:
            reasons = list(staged.blocking)
            if status == REJECTED:
                reasons += row.errors
                if not staged.blocking and not row.blocking and blocking_rows:
                    reasons.append("同户其他行有错误，整户未导入：" + "；".join(
                        f"第 {r.number} 行" for r in staged.rows if r.blocking))
            else:
                reasons = row.reasons + (staged.warnings if row is first else [])
            results.append(_row_result(row, staged.number, status, reasons))
    for row in plan.skipped:
        results.append(_row_result(row, row.text("household.number"), REJECTED, row.errors))
    results.sort(key=lambda r: (r.sheet != plan.source.main.name, r.sheet, r.row))
    report.rows = results
    report.groups_added = list(groups)
    return report


def _row_result(row: SourceRow, number: str, status: str, reasons: list[str]) -> RowResult:
    return RowResult(sheet=row.sheet, row=row.number, household_number=number, status=status,
                     reasons=list(dict.fromkeys(reasons)),
                     name=row.text("members.name") or row.text("helpers.name"),
                     id_number=row.text("members.id_number"))


def import_file(store: Store, path: str | Path, *, sheet: str | None = None, dry_run: bool = False,
                source: Source | None = None, progress: Progress | None = None,
                cancelled: Cancelled | None = None, limits: Limits | None = None) -> tuple[ImportReport, ImportPlan]:
    """Read, stage and (unless ``dry_run``) commit one file; the report and the plan behind it."""
    cancelled = cancelled or _never
    progress = progress or _no_progress
    source = source or read_source(store, path, sheet, limits, cancelled=cancelled)
    if cancelled():
        raise ImportCancelled
    plan = stage(store, source, lambda d, t: progress(d, 2 * t), cancelled)
    n = len(plan.households)
    report = commit(store, plan, lambda d, t: progress(n + d * n // max(t, 1), 2 * n), cancelled,
                    dry_run=dry_run)
    progress(2 * n, 2 * n)
    return report, plan


def _no_progress(done: int, total: int) -> None:
    return None


def _never() -> bool:
    return False
