"""打印中心's 年度 choice (issue 16): cards and Handbooks of a closed year, from its frozen files.

The combo offers the current year (the live files, the default) and every closed year; with a
closed year the household list shows that year's households (from its snapshots, by village) and
the PDF is made from each household's file of that year, read-only, as it was carried over
(printing/service.py ``print_year_files``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget, QListWidgetItem

from fupin_desktop.printing import service
from fupin_desktop.printing.service import HouseholdDocument, PrintError, PrintResult
from fupin_desktop.store import Store, year_files, years

Work = Callable[[Store, Path, Any, Any], PrintResult]


def year_combo(store: Store) -> QComboBox:
    """当前年度 (data None) and each closed year, newest first."""
    combo = QComboBox()
    combo.setObjectName("print_year")
    combo.setToolTip("往年（已结转）的档案只读，按当年的档案打印")
    combo.addItem(f"{years.live_year(store.db)}年度（当前）", None)
    for year in sorted(years.closed_years(store.db), reverse=True):
        combo.addItem(f"{year}年度（往年档案）", year)
    return combo


def closed_year(combo: QComboBox) -> int | None:
    data = combo.currentData()
    return int(data) if data is not None else None


def fill_year_households(store: Store, year: int, village: str, box: QListWidget) -> None:
    """The households of ``village`` in the closed ``year`` (item data: the household's uuid)."""
    for s in sorted(years.snapshot_summaries(store.db, year, village=village), key=lambda s: s.number):
        item = QListWidgetItem(f"{s.group}　{s.head_name}　{s.size}人　{s.number}")
        item.setToolTip(f"{year}年度档案（已结转，只读）")
        item.setData(Qt.ItemDataRole.UserRole, s.household_uuid)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        box.addItem(item)


def year_job(store: Store, year: int, document: HouseholdDocument, *, household_id: int | None,
             checked: Sequence[Any] | None, village: str, title: str) -> tuple[str, Work]:
    """The work of printing the closed ``year``: this household (``household_id``), the checked
    ones (``checked``: uuids), or the whole village (both None)."""
    if household_id is not None:
        uuids = list(year_files.household_uuids(store.db, [household_id]).values())
    elif checked is not None:
        uuids = [str(u) for u in checked]
        if not uuids:
            raise PrintError("请在列表中勾选要打印的户。")
    else:
        uuids = [s.household_uuid for s in years.snapshot_summaries(store.db, year, village=village)]
        if not uuids:
            raise PrintError(f"{village}没有 {year} 年度的档案。")
    return (f"正在生成{year}年度的{title}…",
            lambda s, out, p, c: service.print_year_files(s, uuids, year, out, document=document, progress=p,
                                                          cancelled=c))
