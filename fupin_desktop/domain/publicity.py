"""Limits of 公示 (publicity) that both the county's policy profile (``rules.policy``) and the
settings (``store.settings``) check against: here so that opening a database (which reads the
settings) does not import the rules."""

from __future__ import annotations

#: 公示天数: the days a publicity round lasts, at least and at most.
PUBLICITY_DAYS: tuple[int, int] = (1, 60)
