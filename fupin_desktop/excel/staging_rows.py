"""The first half of staging: a source's rows read (footers and repeated headers skipped) and
grouped into households (roster: by 户编号 or 户主 rows; full layout: joined by 户标识 or 户编号).

Staging streams: an index pass reads each row for just the values that group it and the file's
ID numbers (:class:`RowIndex`: where each household's rows are, which ID numbers occur more than
once), then the households are read whole a chunk at a time (:meth:`RowGrouper.households`), so
the parsed rows of the whole file are never held at once.
:class:`~fupin_desktop.excel.staging._Stager` builds and checks the households on top of it.
Pure Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fupin_desktop.domain.household import HEAD
from fupin_desktop.domain.idnumber import person_key
from fupin_desktop.domain.text import describe_invisible, invisible_in, normalize_text
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.normalize import BLANKS, Problem, cell_text, is_blank, normalize_cell
from fupin_desktop.excel.plan import Cancelled, ImportCancelled, Progress, SourceRow, StagedHousehold
from fupin_desktop.excel.source import SheetPlan, Source, numbering_row
from fupin_desktop.excel.spool import Spool
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Store

#: A mapped column as :meth:`RowGrouper.read_row` uses it: (column, key, whether the cell as read is
#: kept, field spec, importable, code list).
_Column = tuple[int, str, bool, Any, bool, Any]
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
        self.claimed: dict[int, int] = {}  # stored household -> first row of the file's household updating it
        self.spool: Spool | None = None  # where the households to write go (None: a dry run)
        # Rosters repeat the same cells (household columns on every row, code labels): parse once.
        self._memo: dict[tuple[str, type, Any], tuple[Any, Problem | None]] = {}
        self.used_uuids: set[str] = set()
        self._columns: dict[int, tuple[list[tuple[int, hdr.Target, bool]], list[_Column]]] = {}

    def check(self) -> None:
        if self.cancelled():
            raise ImportCancelled

    # -- rows ---------------------------------------------------------------------
    def columns_of(self, plan: SheetPlan) -> list[tuple[int, hdr.Target, bool]]:
        """The sheet's mapped columns: (column, target, whether the cell as read is kept)."""
        columns = []
        for i, key in enumerate(plan.mapping):
            if key and key in self.targets:
                t = self.targets[key]
                # The cell as read is kept only where the report or a check needs it (memory).
                keep = (not t.importable or t.spec is None or key in _RAW_KEYS
                        or (plan.kind == hdr.ROSTER and t.table == hdr.HOUSEHOLD))
                columns.append((i, t, keep))
        return columns

    def rows_of(self, plan: SheetPlan) -> list[SourceRow]:
        """Every data row of the sheet, read whole."""
        columns = self.columns_of(plan)
        rows = (self.read_row(plan, columns, r) for r in range(plan.header.data_start, len(plan.rows)))
        return [row for row in rows if row is not None]

    def read_row(self, plan: SheetPlan, columns: list[tuple[int, hdr.Target, bool]], r: int,
                 only: frozenset[str] | None = None, filled: bool = False) -> SourceRow | None:
        """Row ``r`` (0-based) of the sheet, or None for a blank row, a footer or a numbering row.

        With ``only``, just those values are parsed, and ``columns`` may be only the columns of
        those and of the 姓名 and 证件号码, ``filled`` saying another mapped column is not blank (the
        index pass: :meth:`_light`); whether the row is data, and the values of those keys, are the
        same as when it is read whole."""
        cells = plan.rows[r]
        row = SourceRow(sheet=plan.name, number=r + 1, cells=cells, kind=plan.kind)
        width = len(cells)
        raw, values, memo = row.raw, row.values, self._memo
        for i, key, keep, spec, importable, codes in self._prepared(columns):
            if i >= width:
                continue
            value = cells[i]
            if value is None:
                continue
            text = isinstance(value, str)
            if text and not value.strip(BLANKS):
                continue  # normalize.is_blank, inline: ~30 columns a row
            filled = True
            if keep:
                raw[key] = value
            if only is not None and key not in only:
                continue
            if text and not value.isprintable() and (found := invisible_in(value, multiline=True)):
                column = (plan.header.names[i] if i < len(plan.header.names) else "") or self.targets[key].label
                row.add(Problem(f"“{column}”列含有{describe_invisible(found)}，已去掉"))
            if spec is None:
                values[key] = normalize_text(str(value))
                continue
            if not importable:
                continue
            memo_key = (key, type(value), value)
            hit = memo.get(memo_key)
            if hit is None:
                if len(memo) >= _MEMO:  # ID numbers, names, dates: mostly once each
                    memo.clear()
                hit = memo[memo_key] = normalize_cell(spec, value, codes)
            parsed, problem = hit
            if isinstance(parsed, list):
                parsed = list(parsed)  # rows never share a mutable value
            if problem is not None:
                row.add(problem)
                row.dropped.add(key)
            if parsed not in (None, []):
                values[key] = parsed
        if not filled or self._not_data(row, r - plan.header.data_start):
            return None
        return row

    def _prepared(self, columns: list[tuple[int, hdr.Target, bool]]) -> list[_Column]:
        """What :meth:`read_row` asks of each column, worked out once per list of columns."""
        known = self._columns.get(id(columns))
        if known is not None and known[0] is columns:
            return known[1]
        if len(self._columns) >= 16:
            self._columns.clear()
        prepared = [(i, t.key, keep, t.spec, t.importable, self._codes(t)) for i, t, keep in columns]
        self._columns[id(columns)] = (columns, prepared)  # the list is held: its id is not reused
        return prepared

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

    # -- grouping (the index pass) ---------------------------------------------------
    def index(self) -> RowIndex:
        """Every data row read once for what grouping and the in-file checks need; nothing else kept."""
        index = RowIndex()
        if self.source.layout == "roster":
            self._index_roster(index)
        else:
            self._index_full(index)
        index.keep_duplicates()
        return index

    def _light(self, sheet: int) -> Iterator[tuple[int, SourceRow]]:
        """The sheet's data rows with just the values of :data:`_INDEX_KEYS` read."""
        plan = self.source.sheets[sheet]
        columns = self.columns_of(plan)
        mapped = [i for i, _t, _k in columns]
        # _not_data looks at the cells, and at 姓名 and 证件号码 as read: the rest is not read here.
        light = [c for c in columns if c[1].key in _INDEX_KEYS or c[1].key in ("members.name", "members.id_number")]
        for r in range(plan.header.data_start, len(plan.rows)):
            if r % 1000 == 0:
                self.check()
            cells = plan.rows[r]
            width = len(cells)
            if all(i >= width or is_blank(cells[i]) for i in mapped):
                continue  # no mapped column filled: read whole, the row would be dropped too
            row = self.read_row(plan, light, r, _INDEX_KEYS, filled=True)
            if row is not None:
                yield r, row

    def _index_roster(self, index: RowIndex) -> None:
        groups: dict[str, int] = {}
        current: str | None = None
        for r, row in self._light(0):
            number = self._number(row)
            if number:
                key = f"n:{number}"
            elif row.values.get("members.relation") == HEAD or current is None:
                key = f"r:{row.number}"
            else:
                key = current
            current = key
            at = groups.get(key)
            if at is None:
                at = groups[key] = index.add_group(key, number)
            index.add_row(at, 0, r, row)

    def _index_full(self, index: RowIndex) -> None:
        groups: dict[str, int] = {}
        by_uuid: dict[str, int] = {}
        by_number: dict[str, int] = {}
        for r, row in self._light(0):
            uuid = row.values.get("household.uuid") or ""
            number = self._number(row)
            key = f"u:{uuid}" if uuid else f"n:{number}" if number else f"r:{row.number}"
            if key in groups:
                first = index.groups[groups[key]]
                skipped = self._whole(0, r)
                skipped.add(Problem(f"户基本情况表中这一户出现了两次（另见第 {first.rows[0] + 1} 行）", True))
                first.blocking.append(f"户基本情况表中这一户出现了两次（第 {row.number} 行）")
                index.skipped.append(skipped)
                continue
            at = groups[key] = index.add_group(key, number)
            index.add_row(at, 0, r, row)
            if uuid:
                by_uuid[uuid] = at
            if number:
                by_number.setdefault(number, at)
        for sheet in range(1, len(self.source.sheets)):
            for r, row in self._light(sheet):
                uuid = row.values.get("household.uuid") or ""
                number = self._number(row)
                owner = by_uuid.get(uuid) if uuid else by_number.get(number) if number else None
                if owner is None:
                    skipped = self._whole(sheet, r)
                    skipped.add(Problem(f"户基本情况表中没有这一户（户编号“{number or '未填'}”），"
                                        "请先在户基本情况表中填写该户", True))
                    index.skipped.append(skipped)
                    continue
                index.add_row(owner, sheet, r, row)

    def _whole(self, sheet: int, r: int) -> SourceRow:
        plan = self.source.sheets[sheet]
        row = self.read_row(plan, self.columns_of(plan), r)
        assert row is not None  # the index pass found it a data row
        return row

    def _number(self, row: SourceRow) -> str:
        value = row.values.get("household.number")
        return str(value) if value else ""

    # -- the households of a chunk, read whole ----------------------------------------------
    def households(self, index: RowIndex, start: int, stop: int) -> list[StagedHousehold]:
        """Groups ``start`` .. ``stop - 1`` as staged households, their rows read whole (in the file's
        order on each sheet) and the in-file duplicate ID numbers marked on them."""
        groups = index.groups[start:stop]
        wanted = sorted((at, n) for n, g in enumerate(groups) for at in g.places)
        read: dict[int, SourceRow] = {}
        columns = [self.columns_of(plan) for plan in self.source.sheets]
        for at, _n in wanted:  # sheet by sheet, top to bottom: each compressed block decoded once
            sheet, r = divmod(at, _SHEET)
            row = self.read_row(self.source.sheets[sheet], columns[sheet], r)
            assert row is not None  # the index pass found it a data row
            read[at] = row
        out = []
        for n, group in enumerate(groups, start=start):
            staged = StagedHousehold(key=group.key, number=group.number, rows=[read[at] for at in group.places],
                                     blocking=list(group.blocking))
            for row in staged.rows:
                number = row.values.get("members.id_number")
                places = index.duplicates.get(person_key(number)) if number else None
                if places:
                    where = "、".join(f"第 {p[1]} 行" for p in places)
                    scope = "另一户" if any(p[0] != n for p in places) else "本户"
                    row.duplicate = True
                    row.add(Problem(f"证件号码 {places[0][2]} 在表中出现了 {len(places)} 次（{where}），"
                                    f"同一人又出现在{scope}", True))
            out.append(staged)
        return out


#: Rows of one sheet: a row's place is ``sheet * _SHEET + row`` (sheets hold far fewer rows).
_SHEET = 1 << 32
#: The values the index pass reads: grouping (户编号, 户标识, 与户主关系) and the in-file ID check.
_INDEX_KEYS = frozenset({"household.number", "household.uuid", "members.relation", "members.id_number"})
#: Parsed cells remembered at most (a roster repeats its household columns and code labels).
_MEMO = 20_000


class IndexedGroup:
    """One household of the file, as the index pass found it: where its rows are, nothing more."""

    __slots__ = ("blocking", "key", "number", "places")

    def __init__(self, key: str, number: str) -> None:
        self.key = key
        self.number = number
        self.places: list[int] = []  # sheet * _SHEET + row (0-based), in the order they belong
        self.blocking: list[str] = []  # found while grouping (a household twice in the full layout)

    @property
    def rows(self) -> list[int]:
        """The rows' numbers (0-based) on their sheets."""
        return [at % _SHEET for at in self.places]


class RowIndex:
    """The index pass's result: the households (as row places), the file's ID numbers that occur
    more than once (holder's number -> (household, row number, the first place's number as written)
    of each place, in the order of the households and of their rows) and the rows that belong to
    no household, read whole."""

    def __init__(self) -> None:
        self.groups: list[IndexedGroup] = []
        self.duplicates: dict[str, list[tuple[int, int, str]]] = {}
        self.skipped: list[SourceRow] = []
        # holder's number -> (household, its row's position in it, row number, number as written
        # when it differs from the holder's number) of each place; the numbers seen once are dropped.
        self._seen: dict[str, Any] = {}

    def add_group(self, key: str, number: str) -> int:
        self.groups.append(IndexedGroup(key, number))
        return len(self.groups) - 1

    def add_row(self, group: int, sheet: int, r: int, row: SourceRow) -> None:
        places = self.groups[group].places
        number = row.values.get("members.id_number")
        if number:
            key = person_key(number)
            place = (group, len(places), row.number, None if number == key else number)
            seen = self._seen.get(key)
            if seen is None:
                self._seen[key] = place  # most numbers are seen once: no list for them
            elif isinstance(seen, list):
                seen.append(place)
            else:
                self._seen[key] = [seen, place]
        places.append(sheet * _SHEET + r)

    def keep_duplicates(self) -> None:
        for key, seen in self._seen.items():
            if isinstance(seen, list):
                seen.sort(key=lambda p: (p[0], p[1]))  # as the households and their rows come
                first = seen[0][3] or key
                self.duplicates[key] = [(p[0], p[2], first) for p in seen]
        self._seen = {}
