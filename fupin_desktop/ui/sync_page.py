"""数据交换: the county-township exchange page.

On a township database: keys and fingerprints, export to a U 盘 (detected, with free space) or
any folder, the batches with their states, upload to the county, and the county's feedback
(what to fix).  On a county database: import many batches with progress, the batch log, the
conflict list (keep the county's version or take the township's), cross-township duplicates,
registered townships and feedback export.  Long work runs in :class:`~fupin_desktop.ui.ops.StoreOp` with its
own database connection; the page only shows results.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QVBoxLayout, QWidget

from fupin_desktop.store import Role, Store
from fupin_desktop.ui.ops import StoreOp
from fupin_desktop.ui.sync_county import CountySide
from fupin_desktop.ui.sync_parts import STATUS_LABELS, _fill, _table
from fupin_desktop.ui.sync_township import TownshipSide

# The two halves and their shared parts live in sync_township.py, sync_county.py, sync_parts.py.
__all__ = ["STATUS_LABELS", "SyncPage", "_fill", "_table", "open_sync_page"]


class SyncPage(TownshipSide, CountySide):
    """The 数据交换 window of the township or the county program."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.repo = store.sync
        self.county_mode = store.role is Role.COUNTY
        self._passphrase: str | None = None
        self.last_op: StoreOp[Any] | None = None
        self.setObjectName("sync_page")
        self.setWindowTitle("数据交换（县级）" if self.county_mode else "数据交换")
        self.resize(1100, 760)
        layout = QVBoxLayout(self)
        self.keys_box = QGroupBox("密钥与指纹（请与对方电话核对）")
        self.keys_form = QFormLayout(self.keys_box)
        layout.addWidget(self.keys_box)
        if self.county_mode:
            self._build_county(layout)
        else:
            self._build_township(layout)
        self.refresh()

    # -- both -------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.county_mode:
            self._refresh_county()
        else:
            self._refresh_township()


def open_sync_page(store: Store, parent: QWidget | None = None) -> SyncPage:
    page = SyncPage(store, parent)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    page.show()
    return page
