"""``fupin migration-report``: what a data migration mapped and which households a clerk must check."""

from __future__ import annotations

import argparse
from collections import Counter

from fupin_desktop.commands._base import AddCommand, open_existing, print_json
from fupin_desktop.store import migration_report


def cmd_migration_report(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        lines = migration_report.lines(store.db, review_only=args.review)
        labels = {f.id: f.label for f in store.spec.grid_fields()}
        members = {f.id: f.label for f in store.spec.table("members").fields}
    counts = Counter(line.status for line in lines)
    if args.json:
        print_json({
            "mapped": counts["mapped"], "review": counts["review"],
            "review_households": len({line.household_id for line in lines if line.status == "review"}),
            "lines": [line.to_json() for line in lines],
        })
        return 0
    if not lines:
        print("没有需要说明的数据迁移。")
        return 0
    print(f"数据迁移：已对应 {counts['mapped']} 项，需人工核对 {counts['review']} 项")
    for line in lines:
        mark = "【请核对】" if line.status == "review" else ""
        member = "（成员）" if line.entity == "members" else ""
        label = (members if line.entity == "members" else labels).get(line.field, line.field)
        print(f"{mark}户编号 {line.number} {line.head_name}{member}：{label} “{line.old}” → “{line.new}”"
              + (f"。{line.note}" if line.note else ""))
    return 0


def register(add: AddCommand) -> None:
    p = add("migration-report", "数据升级报告：旧代码如何对应到全国系统代码，哪些户需要核对")
    p.add_argument("--review", action="store_true", help="只列出需要人工核对的项")
    p.set_defaults(func=cmd_migration_report)
