"""``fupin households --year Y --label L``: the household list's year and label filters (issue 16).

A label is a 脱贫状态 (未脱贫, 已脱贫（享受政策）, 返贫 …) or a 贫困户属性 (一般贫困户, 低保户 …), by its
label, an alias, its pinyin initials or its national number; give ``--label`` twice for one of
each.  A number both lists hold (``01``) is refused: the message asks for the label.
"""

from __future__ import annotations

from typing import Any

from fupin_desktop.commands._base import CliError
from fupin_desktop.formspec import load_codes
from fupin_desktop.store import Store, year_list, years
from fupin_desktop.store.search_index import Scope

KINDS = (("exit_flag", "脱贫状态"), ("household_type", "贫困户属性"))


def labels(values: list[str] | None) -> dict[str, str | None]:
    """``{"exit_flag": …, "household_type": …}`` from the ``--label`` values (None: not filtered)."""
    chosen: dict[str, str | None] = {"exit_flag": None, "household_type": None}
    codes = load_codes()
    for text in values or []:
        hits = [(key, title, item.label) for key, title in KINDS
                if (item := codes[key].resolve(text.strip())) is not None]
        if not hits:
            known = "、".join(label for key, _ in KINDS for label in codes[key].labels)
            raise CliError(f"“{text}”不是脱贫状态或贫困户属性。可用：{known}。")
        if len(hits) > 1:
            raise CliError(f"“{text}”既可指{hits[0][1]}“{hits[0][2]}”，也可指{hits[1][1]}“{hits[1][2]}”，请写名称。")
        key, title, label = hits[0]
        if chosen[key] not in (None, label):
            raise CliError(f"--label 给了两个{title}（{chosen[key]}、{label}），一次只能筛选一个。")
        chosen[key] = label
    return chosen


def check_year(store: Store, year: int | None) -> int | None:
    """The closed year to list (None: the current year's files); refused for a year not held."""
    if year is None or not years.is_read_only_year(store.db, year):
        return None
    held = years.years(store.db)
    if year not in held:
        raise CliError(f"没有 {year} 年度的档案。已有年度：{'、'.join(map(str, held))}。")
    return year


def year_rows(store: Store, year: int, scope: Scope, search: str | None) -> list[dict[str, Any]]:
    """A closed year's list in ``fupin households``' JSON shape (``id``: the current household's,
    null when it is no longer registered)."""
    ids = year_list.ids(store.db, year, scope, search=search or "")
    live = year_list.live_ids(store.db, ids)
    return [{"id": live.get(s.id), "number": s.number, "village": s.village, "group": s.group,
             "head_name": s.head_name, "size": s.size, "township": s.township}
            for s in year_list.summaries(store.db, ids)]
