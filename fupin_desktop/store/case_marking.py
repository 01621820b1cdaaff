"""What a finished case changes on the household file itself (NATIONAL.md §1, national check 57).

标注脱贫: 脱贫状态 → 已脱贫（享受政策）, 脱贫年度 → the case's year, 贫困户属性 → its post-exit value
(一般贫困户 → 一般农户, 低保贫困户 → 低保户, 五保贫困户 → 五保户).  A 返贫 case that ends in 建档立卡:
脱贫状态 → 返贫 and 贫困户属性 back to its poor value.  A new identification: 脱贫状态 未脱贫.
The household is saved through its repository (audited, revision moved, in the caller's
transaction).  Used by the services (casework/) and by the county's feedback (sync/case_sync.py).
"""

from __future__ import annotations

from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.workflow import Kind
from fupin_desktop.store.cases import CaseRow
from fupin_desktop.store.database import StoreError
from fupin_desktop.store.households import HouseholdRepository

NOT_EXITED = "未脱贫"


def mark_household(households: HouseholdRepository, case: CaseRow, operator: str) -> None:
    """Bring the household's 脱贫状态 and 贫困户属性 in line with the case it finished."""
    hh = households.get(case.subject_id)
    if hh is None:
        raise StoreError(f"编号为 {case.subject_id} 的户已不存在，不能标注")
    fields = hh.fields
    kind = str(fields.get("household_type") or "")
    if case.kind is Kind.EXIT:
        fields["exit_flag"] = wf.EXITED
        fields["exit_year"] = case.year
        fields["household_type"] = wf.AFTER_EXIT.get(kind, kind) or None
    elif case.kind is Kind.RETURN:
        fields["exit_flag"] = wf.RETURNED
        fields["household_type"] = wf.AFTER_RETURN.get(kind, kind) or None
    else:
        fields["exit_flag"] = NOT_EXITED
    households.save(hh, operator)
