"""``fupin restore-household``: the recycle bin of deleted households (GUI: 编辑 → 已删除的户).

    fupin restore-household --list [--json] --db PATH
    fupin restore-household HOUSEHOLD [--force] [--json] --db PATH

HOUSEHOLD is the deleted household's 编号 (first column of ``--list``) or its 户编号 (second
column); see commands/_household_ref.py for how the two are told apart.

Restoring refuses (exit code 2, nothing changed) when the household's 户编号 or a member's ID
number is now held by another current household; ``--force`` restores it all the same.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fupin_desktop.commands._base import AddCommand, CliError, open_existing, print_json
from fupin_desktop.commands._household_ref import deleted_household, household_ref
from fupin_desktop.domain.clock import local_time
from fupin_desktop.store.recycle import DeletedHousehold, RestoreConflict, UnknownDeleted


def register(add: AddCommand) -> None:
    r = add("restore-household", "恢复已删除的户（--list 列出已删除的户）")
    r.add_argument("household_id", nargs="?", type=household_ref, metavar="HOUSEHOLD",
                   help="要恢复的户的编号或户编号（见 --list）")
    r.add_argument("--list", action="store_true", help="列出已删除的户：谁在何时删除")
    r.add_argument("--force", action="store_true", help="户编号或身份证号与现有的户重复时仍然恢复")
    r.set_defaults(func=cmd_restore_household)


def deleted_json(d: DeletedHousehold) -> dict[str, Any]:
    return {"id": d.id, "number": d.number, "township": d.township, "village": d.village, "group": d.group,
            "head_name": d.head_name, "size": d.size, "deleted_by": d.deleted_by, "deleted_at": d.deleted_at,
            "deleted_at_local": local_time(d.deleted_at), "restorable_here": not d.from_township}


def cmd_restore_household(args: argparse.Namespace) -> int:
    if args.list:
        if args.household_id is not None or args.force:
            raise CliError("--list 只列出已删除的户，不要同时给出户的编号或 --force。")
        return _list(args)
    if args.household_id is None:
        raise CliError("请给出要恢复的户的编号（用 fupin restore-household --list 查看已删除的户）。")
    with open_existing(args.db, writes=True) as store:
        household_id = deleted_household(store, args.household_id) or _parse_id(args.household_id)
        try:
            restored = store.recycle.restore(household_id, store.operator, force=args.force)
        except UnknownDeleted as exc:
            raise CliError(f"{exc}用 fupin restore-household --list 查看已删除的户。") from exc
        except RestoreConflict as exc:
            if args.json:
                print_json({"restored": False, "id": household_id, "conflicts": exc.conflicts})
            raise CliError(str(exc)) from exc
    hh, warnings = restored.household, restored.conflicts
    if args.json:
        print_json({"restored": True, "id": int(hh.id or 0), "number": str(hh.fields.get("number") or ""),
                    "head_name": hh.head_name, "size": hh.size, "revision": hh.revision, "conflicts": warnings})
    else:
        print(f"已恢复 {hh.head_name}户（户编号 {hh.fields.get('number') or '无'}，编号 {hh.id}），"
              f"第 {hh.revision} 版，随下一批数据交换报送。")
        for w in warnings:
            print(f"注意：{w}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        items = store.recycle.list()
    if args.json:
        print_json([deleted_json(d) for d in items])
        return 0
    for d in items:
        where = f"{d.township} " if d.from_township else ""
        print(f"{d.id}\t{d.number}\t{where}{d.village}\t{d.group}\t{d.head_name}\t{d.size}人"
              f"\t{local_time(d.deleted_at)} 由 {d.deleted_by or '（未记录）'} 删除")
    print(f"共 {len(items)} 户已删除", file=sys.stderr)
    return 0


def _parse_id(text: str) -> int:
    """A household id as typed: digits only, and small enough to be one (no OverflowError)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise CliError(f"没有户编号为“{text}”的已删除的户，“{text}”也不是数字编号。"
                       "请用 fupin restore-household --list 查看已删除的户的编号和户编号。")
    if len(value) > 19 or int(value) == 0:
        raise CliError(f"没有编号为 {value} 的已删除的户。用 fupin restore-household --list 查看已删除的户。")
    return int(value)
