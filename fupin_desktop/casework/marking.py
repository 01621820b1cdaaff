"""What a finished case writes on the household: ``store/case_marking.py`` (shared with the county's
feedback), called with the store's household repository and operator."""

from __future__ import annotations

import dataclasses
from datetime import date

from fupin_desktop.rules.workflow import Kind
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.case_marking import mark_household as _mark
from fupin_desktop.store.cases import VILLAGE, CaseRow


def mark_household(store: Store, case: CaseRow, when: date) -> None:
    """Mark the household (or, for a village's case, the village) for the case finished on ``when``."""
    if case.subject_kind == VILLAGE:
        village = store.townships.village_by_id(case.subject_id)
        if village is None:
            raise StoreError(f"编号为 {case.subject_id} 的村已不存在，不能标注")
        poor = case.kind is not Kind.EXIT  # 确定为贫困村, or 贫困村退出
        store.townships.update_village(dataclasses.replace(village, is_poor=poor), store.operator)
        return
    _mark(store.households, case, store.operator)
