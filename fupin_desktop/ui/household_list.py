"""The household list: a lazy Qt model over the store (instant at 100,000 households).

Filtering and sorting fetch only the matching ids (one indexed query); the rows'
columns are fetched page by page as the view scrolls to them.  On a county database the
list has a 乡镇 column and can be filtered to one township.

At county scale the list comes first page first: the search index hands out the first
:data:`FIRST_PAGE` ids in a few milliseconds (store/search_index.py) and the view shows them at
once; the whole id list follows from a worker thread and is appended below them (``refreshed``
fires then, with the full count).

Issue 16: the list filters by label (脱贫状态, 贫困户属性) and by year: :attr:`year` None shows
the current year's files; a closed year shows that year's frozen files (store/year_list.py) under
the same filters, read-only — :meth:`household_id` is then None and :meth:`snapshot_id` names
the row (ui/list_filters.py opens it read-only).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.domain.roles import Action
from fupin_desktop.formspec import load_list
from fupin_desktop.store import HouseholdSummary, Role, Store, search_index, year_list
from fupin_desktop.store.changes import Change
from fupin_desktop.store.households import HouseholdRepository
from fupin_desktop.ui.background import LARGE, submit
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.display import money_text
from fupin_desktop.ui.exit_status import exit_colour

PAGE = 200
#: From this many households on, filtering and sorting run on a worker thread.
ASYNC_FROM = LARGE
#: The rows shown before the whole list is in (a window's height and then some).
FIRST_PAGE = 60
#: The list's columns, from forms/lists.toml: (key, header) of a township database ...
_DECLARED = load_list("households")
COLUMNS: tuple[tuple[str, str], ...] = tuple((c.key, c.label) for c in _DECLARED if c.county is None)
#: ... and the county database's extra column, before the one it names (行政村).
TOWNSHIP_COLUMN, TOWNSHIP_BEFORE = next(((c.key, c.label), c.county) for c in _DECLARED if c.county)
SORTABLE = {c.key for c in _DECLARED if c.sortable}
Index = QModelIndex | QPersistentModelIndex


class _Delivery(QObject):
    """Carries a worker thread's result to the GUI thread (a queued signal)."""

    done = Signal(int, object)


class HouseholdListModel(QAbstractTableModel):
    """``refreshed`` fires when a new id list is in place; ``busy`` while one is being fetched."""

    refreshed = Signal()
    busy = Signal(bool)

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        # Decided once: a township stays small, a county database stays large.
        self.large = store.households.size_hint() >= ASYNC_FROM
        self.county_mode = store.role is Role.COUNTY
        # Issue 18: ID numbers show as their first 6 and last 4 unless the role may see them whole.
        self.full_ids = store.may(Action.SEE_FULL_IDS)
        self.columns = COLUMNS
        if self.county_mode:
            at = [key for key, _label in COLUMNS].index(TOWNSHIP_BEFORE)
            self.columns = (*COLUMNS[:at], TOWNSHIP_COLUMN, *COLUMNS[at:])
        self.loading = False
        self.deferred = False  # set while the owner is still wiring up (one query, not three)
        self._generation = 0
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._deliver)
        self._ids: list[int] = []
        self._first: int | None = None  # rows shown first, while the whole list is fetched
        self._pages: dict[int, list[HouseholdSummary]] = {}
        self.village_id: int | None = None
        self.group: str | None = None
        self.township_code: str | None = None
        self.search = ""
        self.exit_flag: str | None = None  # 脱贫状态 filter (ui/exit_status.py)
        self.household_type: str | None = None  # 贫困户属性 filter (ui/list_filters.py)
        self.year: int | None = None  # None: the current year's files; else a closed year's (read-only)
        self._shown_year: int | None = None  # the year of the ids on show (they may lag behind self.year)
        self.order = "number"
        self.descending = False
        hub(store).changed.connect(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.household_rows:
            self.refresh()

    # -- filtering ----------------------------------------------------------
    def set_filter(self, *, village_id: int | None, group: str | None, township_code: str | None = None) -> None:
        self.village_id, self.group, self.township_code = village_id, group, township_code
        self.refresh()

    def set_exit_filter(self, exit_flag: str | None) -> None:
        self.exit_flag = exit_flag
        self.refresh()

    def set_labels(self, *, exit_flag: str | None, household_type: str | None) -> None:
        self.exit_flag, self.household_type = exit_flag, household_type
        self.refresh()

    def set_year(self, year: int | None) -> None:
        """Show the current year's files (None) or a closed year's."""
        self.year = year
        self.refresh()

    def set_search(self, text: str) -> None:
        self.search = text
        self.refresh()

    def refresh(self) -> None:
        """Fetch the ids for the current filter and order.

        A township's list is fetched at once; at county scale the query runs on a worker
        thread with its own connection and the newest request wins, so typing in the
        search box never freezes the window.
        """
        if self.deferred:
            return
        village_id, group, search = self.village_id, self.group, self.search
        order, descending, township_code = self.order, self.descending, self.township_code
        exit_flag, household_type, year = self.exit_flag, self.household_type, self.year

        def query(households: HouseholdRepository) -> list[int]:  # the request as it is now
            if year is not None:
                scope = search_index.Scope(village_id, group, township_code, exit_flag, household_type)
                return year_list.ids(households.db, year, scope, search=search, order=order, descending=descending)
            return households.ids(village_id=village_id, group=group, search=search, order=order,
                                  descending=descending, township_code=township_code, exit_flag=exit_flag,
                                  household_type=household_type)

        self._generation += 1
        if not self.large:
            self._apply(query(self.store.households))
            return
        generation = self._generation
        self._set_loading(True)
        if order == "number" and year is None:  # the index's own order: the first page costs a few milliseconds
            self._show_first(self.store.households.ids(
                village_id=village_id, group=group, search=search, descending=descending,
                township_code=township_code, exit_flag=exit_flag, household_type=household_type,
                limit=FIRST_PAGE))

        def work() -> None:
            try:
                with self.store.reader() as reader:
                    result: object = query(reader.households)
            except Exception as exc:  # delivered and raised on the GUI thread
                result = exc
            try:
                self._delivery.done.emit(generation, result)
            except RuntimeError:  # the list is gone (its window closed meanwhile)
                pass

        submit(work)

    def _deliver(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self._set_loading(False)
        if isinstance(result, Exception):
            raise result
        self._apply(result)  # type: ignore[arg-type]

    def _show_first(self, ids: list[int]) -> None:
        """The first rows while the whole list is fetched (no ``refreshed``: the count is not known)."""
        self.beginResetModel()
        self._ids, self._shown_year = ids, None
        self._pages.clear()
        self.endResetModel()
        self._first = len(ids)

    def _apply(self, ids: list[int]) -> None:
        first, self._first = self._first, None
        if first is not None and len(ids) >= first and ids[:first] == self._ids[:first] == self._ids:
            # The rows on show stay (and the selection and scroll position with them): the rest go below.
            if len(ids) > first:
                self.beginInsertRows(QModelIndex(), first, len(ids) - 1)
                self._ids = ids
                self._pages = {k: rows for k, rows in self._pages.items() if len(rows) == PAGE}  # not the short one
                self.endInsertRows()
            self.refreshed.emit()
            return
        self.beginResetModel()
        self._ids, self._shown_year = ids, self.year
        self._pages.clear()
        self.endResetModel()
        self.refreshed.emit()

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.busy.emit(loading)

    def household_id(self, row: int) -> int | None:
        """The current household on ``row`` (None on a closed year's list: see :meth:`snapshot_id`)."""
        if self._shown_year is not None:
            return None
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def snapshot_id(self, row: int) -> int | None:
        """The closed year's file on ``row`` (None on the current year's list)."""
        if self._shown_year is None:
            return None
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, household_id: int) -> int | None:
        try:
            return self._ids.index(household_id)
        except ValueError:
            return None

    def summary(self, row: int) -> HouseholdSummary | None:
        if not 0 <= row < len(self._ids):
            return None
        page = row // PAGE
        if page not in self._pages:
            chunk = self._ids[page * PAGE:(page + 1) * PAGE]
            self._pages[page] = (self.store.households.summaries(chunk) if self._shown_year is None
                                 else year_list.summaries(self.store.db, chunk))
        rows = self._pages[page]
        offset = row - page * PAGE
        return rows[offset] if offset < len(rows) else None

    # -- Qt model -----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.columns[section][1]
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.columns[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            s = self.summary(index.row())
            if s is None:
                return None
            value = getattr(s, key)
            if key == "updated_at":
                return local_time(value)  # stored in UTC: shown on the clerk's clock
            if key == "per_capita_income":
                return money_text(value) if value != "" else ""  # two decimals, as on the form
            if key == "head_id_number" and value and not self.full_ids:
                return mask_id(value)
            return value
        if role == Qt.ItemDataRole.BackgroundRole and key == "exit_flag":
            s = self.summary(index.row())
            return exit_colour(s.exit_flag) if s is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("size", "per_capita_income"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return self.household_id(index.row())
        if role == Qt.ItemDataRole.ToolTipRole and self._shown_year is not None:
            return f"{self._shown_year}年度档案（已结转，只读）：双击查看"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column][0]
        if key not in SORTABLE:
            return
        self.order = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()
