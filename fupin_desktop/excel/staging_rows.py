"""The first half of staging: a source's rows read (footers and repeated headers skipped) and
grouped into households (roster: by 户编号 or 户主 rows; full layout: joined by 户标识 or 户编号).

:class:`~fupin_desktop.excel.staging._Stager` builds and checks the households on top of it.
Pure Python, no Qt.
"""

from __future__ import annotations

from typing import Any

from fupin_desktop.domain.household import HEAD
from fupin_desktop.domain.text import describe_invisible, invisible_in, normalize_text
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.normalize import Problem, cell_text, is_blank, normalize_cell
from fupin_desktop.excel.plan import Cancelled, ImportCancelled, Progress, SourceRow, StagedHousehold
from fupin_desktop.excel.source import SheetPlan, Source, numbering_row
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Store

_RAW_KEYS = frozenset({"members.name", "members.id_number", "helpers.name", "household.number"})
_FOOTER_WORDS = ("合计", "总计", "小计", "填表", "填报", "审核", "制表", "负责人", "说明", "备注", "注：", "注:")


class RowGrouper:
    """The state of one staging run, the source's rows and their grouping into households."""

    def __init__(self, store: Store, source: Source, progress: Progress, cancelled: Cancelled) -> None:
        self.store = store
        self.spec = store.spec
        self.source = source
        self.progress = progress
        self.cancelled = cancelled
        self.villages = store.townships.villages()
        town = store.townships.get()
        self.township = town.name if town else ""
        self.ctx = RuleContext(spec=store.spec, villages={v.name: list(v.groups) for v in self.villages},
                               policy=store.policy.get())  # the county's profile, as the form checks
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
