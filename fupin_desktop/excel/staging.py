"""Staging an import: every household of a source built, matched and checked; nothing written.

Rows are read from the source's sheets (footers and repeated headers skipped), grouped into
households (roster: by 户编号 or 户主 rows; full layout: joined by 户标识 or 户编号), matched to
stored households and checked with the form's rules; blocking problems reject the household.
Reading and grouping the rows is :mod:`~fupin_desktop.excel.staging_rows`.

Pure Python, no Qt.
"""

from __future__ import annotations

import copy
import uuid as uuid_mod
from typing import Any

from fupin_desktop.domain.household import HEAD, TABLES, Household, Row
from fupin_desktop.domain.idnumber import check_id_on, id_type_for, person_key, same_person_numbers
from fupin_desktop.domain.text import normalize_text
from fupin_desktop.domain.township import Village, group_number, match_group
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel import merge
from fupin_desktop.excel.normalize import Problem, cell_text, same_township
from fupin_desktop.excel.plan import (
    Cancelled,
    HouseholdResult,
    ImportPlan,
    Progress,
    SourceRow,
    StagedHousehold,
    Written,
    _never,
    _no_progress,
    skipped_result,
)
from fupin_desktop.excel.source import Source
from fupin_desktop.excel.spool import Spool
from fupin_desktop.excel.staging_rows import RowGrouper
from fupin_desktop.rules import Finding, check_household
from fupin_desktop.rules.kept import context_key, kept_errors, valid_until
from fupin_desktop.store import Store

#: Rule ids whose findings reject a household: 户主人数, 同户证件号码重复, 村属于本乡.
BLOCKING_RULES = frozenset({"H001", "H003", "H005"})
#: Households read whole, matched, built and checked at a time (the rest are row places only).
CHUNK = 500
#: ID numbers of this many people are looked up at once (each with its 28 残疾人证 numbers).
_PERSONS_PER_LOOKUP = 17
#: How rows of the other Handbook tables are recognised again when they carry no 记录标识.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "helpers": ("name",),
    "plans": ("year", "item"),
    "measures": ("type", "date", "content"),
    "results": ("year",),
}


class _Stager(RowGrouper):
    """Builds and checks every household of a source without writing anything."""

    # -- matching and building ------------------------------------------------------
    def stage(self) -> ImportPlan:
        index = self.index()
        total = len(index.groups)
        results: list[HouseholdResult] = []
        done = 0
        for start in range(0, total, CHUNK):  # a chunk read whole, matched, built and checked at a time
            self.check()
            households = self.households(index, start, start + CHUNK)
            owners, numbers = self._lookups(households)
            for staged in households:
                done += 1
                if done % 50 == 0:
                    self.check()
                    self.progress(done, total)
                self._stage_one(staged, owners, numbers)
                results.append(self._result(staged))
        self.progress(total, total)
        text_columns = {s.name: {i for i, key in enumerate(s.mapping) if key and key in self.targets
                                 and self.targets[key].is_text} for s in self.source.sheets}
        return ImportPlan(source=self.source, households=results,
                          skipped=[skipped_result(r) for r in index.skipped],
                          notes=self._notes(), mapping_changed=any(
                              s.mapping != s.auto_mapping or s.remembered for s in self.source.sheets),
                          text_columns=text_columns, check_context=context_key(
                              self.ctx, self.store.db.user_version), spool=self.spool)

    def _lookups(self, households: list[StagedHousehold]) -> tuple[dict[str, list[tuple[int, str]]],
                                                                    dict[str, list[int]]]:
        """What the database holds of a chunk's people, 户编号 and row UUIDs (read before anything is written)."""
        ids = {r.values["members.id_number"] for s in households for r in s.rows
               if r.kind in (hdr.ROSTER, "members") and "members.id_number" in r.values}
        # One person under either card: the stored rows of each holder's ID number and 残疾人证 numbers
        # (29 numbers a person: asked a few hundred at a time, never all of them at once).
        owners: dict[str, list[tuple[int, str]]] = {}
        keys = sorted({person_key(i) for i in ids})
        for start in range(0, len(keys), _PERSONS_PER_LOOKUP):
            cards = {n for k in keys[start:start + _PERSONS_PER_LOOKUP] for n in same_person_numbers(k)}
            stored = self.store.households.households_of_persons(cards)
            for number in sorted(stored):
                owners.setdefault(person_key(number), []).extend(stored[number])
        numbers = self.store.households.ids_by_number({s.number for s in households if s.number})
        row_uuids = {t: {r.values[f"{t}.uuid"] for s in households for r in s.rows if f"{t}.uuid" in r.values}
                     for t in TABLES}
        self.row_owners = {t: self.store.households.row_households(t, u) for t, u in row_uuids.items() if u}
        return owners, numbers

    def _result(self, staged: StagedHousehold) -> HouseholdResult:
        """What the plan keeps of a staged household; the household to write goes to the spool."""
        spooled = None
        if self.spool is not None and not staged.rejected and not staged.unchanged and staged.household is not None:
            spooled = self.spool.put(Written(staged.household, staged.stored, staged.checked))
        return HouseholdResult.of(staged, spooled)

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
            self.claimed[target] = staged.first_row().number
        self._apply_household(staged, hh, household_values)
        for table in TABLES:
            self._apply_rows(staged, hh, table)
        self._derive_from_ids(hh)
        if len(hh.members) == 1 and not hh.members[0].get("relation") and "members.relation" not in self.mapped:
            hh.members[0].fields["relation"] = HEAD  # a roster of one row per household lists its heads
        hh.refresh_derived(self.spec.derived_sources())
        staged.household = hh
        self._size_check(staged, hh, first)
        findings = check_household(hh, self.ctx)  # once: the report, and kept for the export
        staged.checked = (tuple(kept_errors(findings)), valid_until(hh, self.ctx.today))
        self._classify(staged, hh, findings)
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
            staged.blocking.append(f"与本表第 {self.claimed[target]} 行的户对应库中同一户，请合并后再导入")
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
                kind = check_id_on(str(values["id_number"]), self.ctx.today).id_type  # no 证件类型 column: the length says
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

    def _derive_from_ids(self, hh: Household) -> None:
        """性别, 出生日期 and 证件类型 left empty are read from a valid ID number."""
        for m in hh.members:
            number = m.get("id_number")
            if not number:
                continue
            check = check_id_on(str(number), self.ctx.today)
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
            if not blocking and not self._relevant(f):
                continue  # most findings (every check below only skips: asked first, the same outcome)
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
        mapped = self.mapped
        for ref in f.refs:
            table = ref.table or hdr.HOUSEHOLD
            if f"{table}.{ref.field}" in mapped:
                return True
            if table == "members" and f"{hdr.HOUSEHOLD}.{ref.field}" in mapped:
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
          cancelled: Cancelled | None = None, *, for_commit: bool = True) -> ImportPlan:
    """Build and check every household of ``source``; nothing is written.

    The households to write are kept in the plan's spool for :func:`~fupin_desktop.excel.importer.commit`
    (not ``for_commit``: a dry run, only the report is kept)."""
    stager = _Stager(store, source, progress or _no_progress, cancelled or _never)
    stager.spool = Spool() if for_commit else None
    try:
        return stager.stage()
    except BaseException:
        if stager.spool is not None:
            stager.spool.close()
        raise
