"""``fupin user …`` and ``fupin audit``: users, roles and the audit trail (issue 18).

    fupin user add NAME --role 录入员|审核员|管理员 [--user ADMIN]   # the first user: a 管理员, no --user
    fupin user list [--json]
    fupin user passwd NAME [--user ADMIN_OR_NAME]
    fupin user unlock NAME --user ADMIN
    fupin user role NAME --role ROLE --user ADMIN
    fupin user remove NAME --user ADMIN
    fupin audit [--user U] [--from D] [--to D] [--household NUMBER] [--kind K] [--village V] [--xlsx FILE] --as NAME --json

The logged-in user's password (``--user``) comes from ``FUPIN_PASSWORD``; the password being set
(``add``, ``passwd``) from ``FUPIN_NEW_PASSWORD`` or is asked for twice -- except for the very first
user, whose password is the one of ``FUPIN_PASSWORD`` when ``FUPIN_NEW_PASSWORD`` is not set.

On ``fupin audit`` (as the issue's contract has it) ``--user U`` is a filter: the rows of U only.
Reading the audit trail is for 审核员 and 管理员, who log in with ``--as NAME`` (password from
``FUPIN_PASSWORD``); a database without users needs no ``--as``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, time, timedelta
from typing import Any

from fupin_desktop.commands import _base
from fupin_desktop.commands._base import PASSWORD_ENV, CliError, ask_password, open_existing, print_json
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.roles import Action, UserRole, mask_value, parse_role
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import audit

NEW_PASSWORD_ENV = "FUPIN_NEW_PASSWORD"


def _role(text: str) -> UserRole:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 2026-03-01 这样的格式，现为“{text[:40]}”") from None


def _kind(text: str) -> str:
    names = {v: k for k, v in audit.KINDS.items()}
    kind = names.get(text.strip(), text.strip())
    if kind not in audit.KINDS:
        raise argparse.ArgumentTypeError(
            f"类别“{text[:40]}”不存在：可用 {'、'.join(f'{k}（{v}）' for k, v in audit.KINDS.items())}")
    return kind


def register(add: Any) -> None:
    user = add("user", "用户与角色（add / list / passwd / unlock / role / remove）")
    verbs = user.add_subparsers(dest="user_command", metavar="{add,list,passwd,unlock,role,remove}")
    user.set_defaults(func=lambda _args: _missing_verb(user))

    def verb(name: str, helptext: str, func: Any) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = verbs.add_parser(name, help=helptext)
        # also after the verb: fupin user add X --role 录入员 --db d.db (--user: added by cli.py)
        sp.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.set_defaults(func=func)
        return sp

    a = verb("add", "添加用户（第一个用户须为管理员）", cmd_add)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", type=_role, required=True, help="录入员、审核员或管理员")
    verb("list", "列出用户", cmd_list)
    p = verb("passwd", "设置用户的密码（管理员重设忘记的密码）", cmd_passwd)
    p.add_argument("name", metavar="NAME")
    u = verb("unlock", "解锁因密码输错被锁定的用户", cmd_unlock)
    u.add_argument("name", metavar="NAME")
    r = verb("role", "改变用户的角色", cmd_role)
    r.add_argument("name", metavar="NAME")
    r.add_argument("--role", type=_role, required=True)
    d = verb("remove", "删除用户（操作记录里保留其姓名）", cmd_remove)
    d.add_argument("name", metavar="NAME")

    au = add("audit", "查看操作记录")
    au.add_argument("--as", dest="login_as", metavar="NAME", help="以该用户（审核员或管理员）登录后查看")
    au.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="从这一天起（含）")
    au.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="到这一天止（含）")
    au.add_argument("--household", metavar="NUMBER", help="户编号")
    au.add_argument("--village", metavar="NAME", help="村名")
    au.add_argument("--kind", type=_kind, help="类别：" + "、".join(audit.KINDS))
    au.add_argument("--xlsx", metavar="FILE", help="同时把这些记录导出为 Excel 文件（如 操作记录.xlsx）")
    au.set_defaults(func=cmd_audit)


def _missing_verb(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    raise CliError("请给出 fupin user 的子命令：add、list、passwd、unlock、role 或 remove。")


def _new_password(name: str, *, first: bool) -> str:
    if os.environ.get(NEW_PASSWORD_ENV) is not None:
        return os.environ[NEW_PASSWORD_ENV]
    if first and os.environ.get(PASSWORD_ENV) is not None:
        return os.environ[PASSWORD_ENV]
    password = ask_password(f"用户“{name}”的新密码：", NEW_PASSWORD_ENV)
    if ask_password("再输入一次：", NEW_PASSWORD_ENV) != password:
        raise CliError("两次输入的密码不一致，没有作任何改动。")
    return password


def _done(args: argparse.Namespace, data: dict[str, Any], text: str) -> int:
    if getattr(args, "json", False):
        print_json(data)
    else:
        print(text)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        first = not store.accounts.users.any()
        if first and args.role is not UserRole.ADMIN:
            raise CliError(f"第一个用户必须是管理员（fupin user add {args.name} --role 管理员）。")
        if not first:
            store.require(Action.USERS)  # before asking for the new password
        user = store.accounts.add(args.name, args.role, _new_password(args.name, first=first))
    return _done(args, {"added": user.json()}, f"已添加用户“{user.name}”（{user.role.value}）。")


def cmd_list(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        users = [u.json() for u in store.accounts.users.all()]
    if getattr(args, "json", False):
        print_json(users)
    else:
        for u in users:
            state = "已停用" if u["disabled"] else f"锁定至 {local_time(str(u['locked_until']))}" \
                if u["locked_until"] else "正常"
            print(f"{u['name']}\t{u['role']}\t{state}")
        print(f"共 {len(users)} 个用户", file=sys.stderr)
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        actor = store.accounts.current()
        if actor is None or actor.name != args.name:
            store.require(Action.USERS)
        store.accounts.set_password(args.name, _new_password(args.name, first=False))
    return _done(args, {"name": args.name, "password_set": True}, f"已设置用户“{args.name}”的新密码。")


def cmd_unlock(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        store.accounts.unlock(args.name)
    return _done(args, {"name": args.name, "unlocked": True}, f"已解锁用户“{args.name}”。")


def cmd_role(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        store.accounts.set_role(args.name, args.role)
    return _done(args, {"name": args.name, "role": args.role.value}, f"用户“{args.name}”现在是{args.role.value}。")


def cmd_remove(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        store.accounts.remove(args.name)
    return _done(args, {"name": args.name, "removed": True}, f"已删除用户“{args.name}”。")


def _to_utc(day: date) -> str:
    from datetime import UTC

    return datetime.combine(day, time()).astimezone().astimezone(UTC).isoformat(timespec="milliseconds")


def audit_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"at": row["at"], "at_local": local_time(row["at"], seconds=True), "user": row["operator"],
            "kind": row["kind"], "kind_name": audit.KINDS.get(row["kind"], row["kind"]), "action": row["action"],
            "entity": row["entity"], "field": row["field"], "old": row["old"], "new": row["new"],
            "household": row["household_number"], "head_name": row["head_name"], "village": row["village"]}


def cmd_audit(args: argparse.Namespace) -> int:
    if args.start and args.end and args.end < args.start:
        raise CliError("--to 的日期早于 --from，请检查日期。")
    _base.login_user = args.login_as  # here --user is the filter of the contract
    with open_existing(args.db) as store:
        rows = store.audit_rows(user=args.user, start=_to_utc(args.start) if args.start else None,
                            end=_to_utc(args.end + timedelta(days=1)) if args.end else None,
                            household_number=args.household, village=args.village, kind=args.kind)
        if args.xlsx:  # as 工具 → 操作记录 → 导出 Excel… does
            from fupin_desktop.excel.audit_export import export_audit

            export_audit(rows, args.xlsx, audit.KINDS)
            store.record_use("export", "操作记录", [])
    data = [audit_json(r) for r in rows]
    if args.json:
        print_json(data)
    else:
        for r in data:
            place = f"{r['village'] or ''} {r['household'] or ''} {r['head_name'] or ''}".strip()
            change = f"{r['field'] or ''}：{r['old'] or ''} → {r['new'] or ''}" if r["field"] else ""
            print(f"{r['at_local']}\t{r['user']}\t{r['kind_name']}\t{place}\t{change}")
        print(f"共 {len(data)} 条", file=sys.stderr)
    return 0


def masked_household(data: dict[str, Any], spec: FormSpec) -> dict[str, Any]:
    """``fupin show``'s JSON with ID numbers, phones and bank accounts masked (for a database with
    users read by nobody logged in: the household's full values are for its editors)."""
    grid = data["household"]
    for f in spec.grid_fields():
        if isinstance(grid.get(f.id), str):
            grid[f.id] = mask_value(f.type, grid[f.id])
    for table in spec.tables():
        for row in data.get(table.id, []):
            for c in table.fields:
                if isinstance(row.get(c.id), str):
                    row[c.id] = mask_value(c.type, row[c.id])
    return data
