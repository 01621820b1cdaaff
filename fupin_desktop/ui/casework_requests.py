"""The 识别工作 page's actions that start or decide cases from typed 户编号: 登记申请, 提出退出 and a
county decision (县审定, with its document number) -- a mixin of :class:`~fupin_desktop.ui.casework_page.CaseworkPage`.

The households named need not be on the board yet (an application starts their case), so the
clerk types their 户编号 (several separated by spaces, commas or new lines); every write runs
through the page's ``_run`` (a StoreOp on its own connection, all or none).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from fupin_desktop.casework import core, exits
from fupin_desktop.store import Store

TITLE = "识别工作"


class CaseRequests(QWidget):
    """Needs ``store``, ``_run``, ``_date``, ``note`` and ``selected_households`` of the page."""

    store: Store
    _run: Callable[[str, Callable[[Store], Any], str], None]
    _date: Callable[[], date]
    selected_households: Callable[[], list[int]]

    def _ids_for(self, text: str) -> list[int] | None:
        numbers = [n for n in re.split(r"[\s,，、;；]+", text.strip()) if n]
        found = self.store.households.ids_by_number(numbers)
        missing = [n for n in numbers if n not in found]
        shared = [n for n in numbers if len(found.get(n, [])) > 1]
        if not numbers or missing or shared:
            why = (f"没有户编号为 {'、'.join(missing)} 的户" if missing else
                   f"户编号 {'、'.join(shared)} 不止一户，请在户列表中核对" if shared else "请输入户编号")
            QMessageBox.warning(self, TITLE, why)
            return None
        return [found[n][0] for n in numbers]

    def _ask(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label)
        return text if ok else None

    def apply_for(self, numbers: str | None = None) -> None:
        """登记申请: the typed households apply on the page's date."""
        numbers = numbers if numbers is not None else self._ask("登记申请", "申请户的户编号（可多个，用空格分隔）：")
        ids = self._ids_for(numbers) if numbers is not None else None
        if ids:
            when = self._date()
            self._run("正在登记申请…", lambda own: core.apply(own, ids, when), f"已受理 {len(ids)} 户的申请")

    def propose_exit(self, numbers: str | None = None, consent: date | None = None) -> None:
        """提出退出: the typed households, 户主签字认可 on ``consent`` (asked; the page's date by default)."""
        numbers = numbers if numbers is not None else self._ask("提出退出", "拟退出户的户编号（可多个）：")
        ids = self._ids_for(numbers) if numbers is not None else None
        if not ids:
            return
        when = self._date()
        if consent is None:
            text = self._ask("提出退出", "户主签字认可的日期（如 2016-09-30）：")
            if text is None:
                return
            try:
                consent = date.fromisoformat(text.strip())
            except ValueError:
                QMessageBox.warning(self, TITLE, f"“{text}”不是日期，请按 2016-09-30 的格式填写")
                return
        signed = consent
        self._run("正在办理…", lambda own: exits.start_exit(own, ids, when, signed), f"已提出 {len(ids)} 户退出")

    def county_decision(self, document: str | None = None, approve: bool = True) -> None:
        """县审定 of the selected households (at the county, or the county's paper decision)."""
        ids = self.selected_households()
        if not ids:
            QMessageBox.information(self, TITLE, "请先在“县审定”一栏选中县里已审定的户。")
            return
        document = document if document is not None else self._ask("县审定", "县里审定文件的文号：")
        if document is None:
            return
        when, reason = self._date(), self.note.text()  # type: ignore[attr-defined]
        self._run("正在记录县审定…", lambda own: core.county_decision(
            own, ids, when, approve=approve, document=document or "", reason=reason),
            f"{len(ids)} 户县审定{'通过' if approve else '不予认定'}")
