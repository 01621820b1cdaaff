"""The demo's 贫困村 identification in progress (issue 17, item 4).

The seed's plan 2 gives the town a quota of 4 poor villages; 月明村, 新坪村 and 太平村 are poor
villages already.  In 2016 双河村's committee applied, the township reviewed it and the 贫困村公示
is running (the quota's fourth village); 寺坝村 has applied and waits for the township's review.
Built through the same services as ``fupin village …`` (casework/villages.py).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from fupin_desktop.casework import core, publicity
from fupin_desktop.casework import villages as vc
from fupin_desktop.casework.core import CaseError
from fupin_desktop.demo.casework import WORK_YEAR
from fupin_desktop.rules.workflow import Scope
from fupin_desktop.store import Store

QUOTA = 4  # seed plan 2: 4 poor villages for the town


def build_village_cases(store: Store) -> None:
    """Set the quota and start the two villages' cases (nothing for a township without them)."""
    policy = store.policy.get()
    store.policy.put(dataclasses.replace(policy, poor_village_quotas={"*": QUOTA}), store.operator)
    names = {v.name for v in store.townships.villages()}
    try:
        if "双河村" in names:
            ids = vc.village_ids(store, ["双河村"])
            vc.apply(store, ids, date(WORK_YEAR, 3, 1), note="村两委会议决定，村民代表大会同意申请")
            core.advance(store, ids, date(WORK_YEAR, 3, 3), note="受理", subject_kind=vc.SUBJECT)
            core.advance(store, ids, date(WORK_YEAR, 3, 8), note="乡镇审核：符合一高一低一无",
                         subject_kind=vc.SUBJECT)
            publicity.open_round(store, date(WORK_YEAR, 3, 10), scope=Scope.TOWNSHIP, stage="village_publicity")
        if "寺坝村" in names:
            vc.apply(store, vc.village_ids(store, ["寺坝村"]), date(WORK_YEAR, 3, 5))
    except CaseError:  # a township of other villages: no village cases
        return
