"""The identification year run as an auditable process (issue 15): the services the 识别工作 page
and ``fupin workflow|publicity|quota`` share.

- ``core``: apply, advance, refuse, send back, appeal, the county's decision; quotas checked on
  every advance; all-or-nothing over a list of households.
- ``exits``: the exit proposal (income against the year's line, 两不愁三保障, consent).
- ``marking``: what a finished case writes on the household (脱贫状态, 贫困户属性).
- ``publicity``: rounds and objections.  ``quotas``: 规模控制.  ``status``: the status view.

The process itself is the pure ``rules/workflow.py``; every SQL statement is in ``store/cases.py``
and ``store/publicity.py``.  No Qt here.
"""

from fupin_desktop.casework.core import CaseError, Outcome

__all__ = ["CaseError", "Outcome"]
