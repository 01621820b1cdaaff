"""The ``fupin`` command: the headless face of every service.

Exit code 0 on success; otherwise a Chinese message on stderr and a non-zero code.
``--json`` prints machine-readable output (UTF-8, not ASCII-escaped).
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn

from fupin_desktop import __version__, applog, fileio, scratch, services
from fupin_desktop.commands import _base, _labels
from fupin_desktop.commands._base import (
    SQLITE_MAX_INT,
    CliError,
    db_path,
    int_arg,
    new_database,
    open_existing,
    open_store,
    print_json,
)
from fupin_desktop.commands._household_ref import current_household, household_ref
from fupin_desktop.commands.users import masked_household
from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.township import parse_village_arg
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Role, Store, StoreError
from fupin_desktop.store.search_index import Scope

EXIT_ERROR = 2
log = logging.getLogger(__name__)
EXIT_INTERRUPTED = 130
DEBUG_ENV = "FUPIN_DEBUG"
_print_json = print_json
_open = open_store
_open_existing = open_existing


#: ``fupin demo``'s largest township (as fupin_desktop.demo says; that package is imported only when
#: a demo is built: the window's start-up does not load it).
MAX_DEMO_HOUSEHOLDS = 200_000


def _demo_households(text: str) -> int:
    from fupin_desktop.demo import MAX_DEMO_HOUSEHOLDS as limit

    return int_arg(0, limit, "示范户数")(text)


# -- commands -------------------------------------------------------------
def cmd_gui(args: argparse.Namespace) -> int:
    from fupin_desktop.commands._receiving import database_url
    from fupin_desktop.ui.app import run_gui  # Qt only when the GUI is wanted

    url = database_url(args)  # ``--database`` / FUPIN_DATABASE_URL: the county window on PostgreSQL
    household = None
    if args.household is not None and url is None:  # by id or 户编号, checked before any window opens
        with _open_existing(args.db) as store:
            household = current_household(store, args.household)
    return run_gui(db=args.db, screenshot=args.screenshot, household=household, database=url)


def cmd_overview(args: argparse.Namespace) -> int:
    """``fupin overview``: the receiving side's read-only window (``--json``: the tree, as ``sync tree``)."""
    from fupin_desktop.commands._receiving import database_url
    from fupin_desktop.commands.sync import receiving
    from fupin_desktop.store.pg.url import safe_url

    def read_tree() -> list[dict[str, Any]]:
        with receiving(args, writes=False) as store:
            return store.sync.receiving_tree()

    tree = read_tree()  # a wrong address or file is said here, before any window opens
    if args.json:
        print_json({"counties": tree})
        return 0
    from fupin_desktop.ui.overview import run_overview

    where = database_url(args)
    title = safe_url(where) if where else str(getattr(args, "db", None) or "县级数据库")
    return run_overview(title, read_tree, tree, screenshot=args.screenshot)


def cmd_init(args: argparse.Namespace) -> int:
    try:
        villages = [parse_village_arg(v) for v in args.village]
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    # Everything is checked before any file is made; a new database is built under a temporary
    # name, so a refusal or a failure leaves no file behind.
    town = services.township_for(
        code=args.township_code, name=args.township_name, villages=villages,
        county=args.county or "", city=args.city or "", province=args.province or "",
        poor_villages=set(args.poor_village or []),
    )
    fresh = not fileio.exists(db_path(args.db))
    with new_database(args.db) if fresh else _open(args.db) as store:
        town = services.create_township(store, town)
        result = {"township": town.name, "code": town.code,
                  "villages": [{"name": v.name, "quota": v.quota, "is_poor": v.is_poor} for v in town.villages]}
    if args.json:
        _print_json(result)
    else:
        print(f"已建立 {town.name}（{town.code}），{len(town.villages)} 个村：{args.db}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from fupin_desktop.commands.encryption import demo_encrypt
    from fupin_desktop.demo import build_demo

    fresh = not fileio.exists(db_path(args.db))  # a new file is built whole or not at all
    with new_database(args.db) if fresh else _open(args.db) as store:
        if store.townships.get() is not None:
            # Idempotent, so "demo && start" can be typed again: an existing database is left alone.
            town = store.townships.get()
            count = store.households.count()
            result = {"db": str(args.db), "households": count, "persons": store.households.person_count(),
                      "created": False}
            store.close()
            if args.encrypt:
                demo_encrypt(args, result)
            if args.json:
                _print_json(result)
            else:
                print(f"数据库 {args.db} 已设置为 {town.name if town else ''}（{count} 户），未作改动。",
                      file=sys.stderr)
            return 0

        def progress(done: int, total: int) -> None:
            if not args.json and total:
                print(f"\r生成示范户 {done}/{total}", end="", file=sys.stderr, flush=True)

        count = build_demo(store, households=args.households, seed=args.seed, progress=progress).value
        persons = store.households.person_count()
    if not args.json and args.households:
        print(file=sys.stderr)
    result = {"db": str(args.db), "households": count, "persons": persons, "created": True}
    if args.encrypt:
        demo_encrypt(args, result)
    if args.json:
        _print_json(result)
    else:
        print(f"已生成示范乡镇 茶坝乡：{count} 户 {persons} 人 -> {args.db}")
    return 0


def cmd_check_id(args: argparse.Namespace) -> int:
    results = services.check_ids(args.ids)
    bad = [r for r in results if not r["valid"]]
    if bad:  # the reasons only (scrubbed in the log): never the numbers
        log.warning("refused check-id: %d of %d ID numbers invalid: %s", len(bad), len(results),
                    "; ".join(str(r["error"]) for r in bad[:5]))
    if args.json:
        _print_json(results)
    else:
        for r in results:
            if r["valid"]:
                card = f"\t{r['disability_category']}{r['disability_grade']}" if r["disability_category"] else ""
                warning = f"\t注意：{r['warning']}" if r["warning"] else ""
                print(f"{r['input']}\t正确\t{r['id_type']}\t{r['normalized']}\t{r['birth_date']}\t{r['sex']}"
                      f"{card}{warning}")
            else:
                print(f"{r['input']}\t错误\t{r['error']}")
    return 0 if all(r["valid"] for r in results) else 1


def cmd_households(args: argparse.Namespace) -> int:

    with _open_existing(args.db) as store:
        sync = store.sync
        county = store.role is Role.COUNTY
        township = _township_code(store, args.township) if args.township else None
        village_id = None
        if args.village:
            # At the county two townships may both have a 炉场村.
            owners = sync.village_townships()
            found = [v for v in store.townships.villages() if v.name == args.village
                     and (not county or township is None or owners.get(v.id or 0) == township)]
            if not found:
                raise CliError(f"本乡没有“{args.village}”。" if not county else f"没有“{args.village}”这个村。")
            if len(found) > 1:
                raise CliError(f"有 {len(found)} 个乡镇都有“{args.village}”，请用 --township 指定乡镇。")
            village_id = found[0].id
        chosen = _labels.labels(args.label)  # issue 16: --year, --label (commands/_labels.py)
        year = _labels.check_year(store, args.year)
        if year is not None:
            scope = Scope(village_id, None, township, chosen["exit_flag"], chosen["household_type"])
            rows = _labels.year_rows(store, year, scope, args.search)
        else:
            ids = store.households.ids(village_id=village_id, search=args.search, township_code=township,
                                       exit_flag=chosen["exit_flag"], household_type=chosen["household_type"])
            rows = [services.summary_json(s) for s in store.households.summaries(ids)]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            where = f"{r['township']}\t" if county else ""  # the county mixes every township's villages
            print(f"{r['id']}\t{r['number']}\t{where}{r['village']}\t{r['group']}\t{r['head_name']}\t{r['size']}人")
        print(f"共 {len(rows)} 户", file=sys.stderr)
    return 0


def _township_code(store: Store, wanted: str) -> str:
    """The code of a township given by code or name: at the county a registered one, else this one."""
    towns = [(t.code, t.name) for t in store.sync.townships()] if store.role is Role.COUNTY else []
    own = store.townships.get()
    if not towns and own is not None:
        towns = [(own.code, own.name)]
    for code, name in towns:
        if wanted.strip() in (code, name):
            return code
    raise CliError(f"没有乡镇“{wanted}”（可用：{'、'.join(f'{n}（{c}）' for c, n in towns) or '无'}）。")


def cmd_show(args: argparse.Namespace) -> int:
    with _open_existing(args.db) as store:
        hh = store.households.get(current_household(store, args.household_id))
        if hh is None:  # deleted meanwhile
            raise CliError(f"没有编号为 {args.household_id} 的户（用 fupin households 查看）。")
        data = services.household_json(hh, store.spec)
        if not store.may(Action.EDIT_HOUSEHOLD):  # users exist, nobody logged in: numbers masked (issue 18)
            data = masked_household(data, store.spec)
    if args.json:
        _print_json(data)
    else:
        h = data["household"]
        print(f"{h['village']} {h['group']} 户编号 {h['number']} 户主 {h['head_name']} 家庭人口 {h['size']}")
        for m in data["members"]:
            print(f"  {m['name']}\t{m['relation']}\t{m['sex']}\t{m['id_number']}")
    return 0


# -- parser ---------------------------------------------------------------
class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Usage errors as ``错误：…`` with exit code 2 returned by :func:`main`, like every other
    refusal (argparse would exit the process); sub-commands inherit it."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise _UsageError(message)


#: The options of ``fupin`` itself (the window), each taking a value.
_GUI_OPTIONS = ("--db", "--database", "--screenshot", "--household")


def _wants_gui(argv: list[str]) -> bool:
    """Whether ``argv`` only starts the window: the program's own options, no subcommand."""
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in _GUI_OPTIONS and rest:
            rest.pop(0)
        elif not any(arg.startswith(option + "=") for option in _GUI_OPTIONS):
            return False  # a subcommand, --help, --version, a mistake: the whole parser answers
    return True


def build_gui_parser() -> argparse.ArgumentParser:
    """``fupin [--db PATH] [--screenshot PNG] [--household H]``: the window only."""
    p = _Parser(prog="fupin", description="扶贫建档立卡 乡镇桌面程序")
    p.add_argument("--version", action="version", version=f"fupin {__version__}")
    p.add_argument("--db", help="数据库文件（默认在用户数据目录）")
    p.add_argument("--database", metavar="URL", default=None,
                   help="县里/省里：打开接收端的 PostgreSQL 数据库 postgresql://…（只读；也可用环境变量 FUPIN_DATABASE_URL）")
    p.add_argument("--screenshot", help="离屏渲染主窗口到 PNG 后退出")
    p.add_argument("--household", type=household_ref, help="与 --screenshot 合用：渲染该户（编号或户编号）的表单")
    return p


def build_parser() -> argparse.ArgumentParser:
    p = build_gui_parser()
    sub = p.add_subparsers(dest="command")

    def add(name: str, helptext: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", help="输出 JSON")
        sp.add_argument("--user", default=argparse.SUPPRESS, metavar="NAME",
                        help="以该用户登录（密码取自环境变量 FUPIN_PASSWORD 或提示输入）")
        return sp

    g = add("gui", "启动图形界面（默认）")
    g.add_argument("--screenshot", default=argparse.SUPPRESS)
    g.add_argument("--household", type=household_ref, default=argparse.SUPPRESS)
    g.set_defaults(func=cmd_gui)

    o = add("overview", "县里/省里：接收端总览窗口（各县、乡镇、村的户数，只读）")
    o.add_argument("--database", metavar="URL", default=None,
                   help="接收端的 PostgreSQL 数据库 postgresql://…（也可用环境变量 FUPIN_DATABASE_URL）")
    o.add_argument("--screenshot", metavar="FILE.png", default=None, help=argparse.SUPPRESS)
    o.set_defaults(func=cmd_overview)

    i = add("init", "设置乡镇及所辖村")
    i.add_argument("--township-code", required=True)
    i.add_argument("--township-name", required=True)
    i.add_argument("--village", action="append", required=True, metavar="NAME[:QUOTA]")
    i.add_argument("--poor-village", action="append", metavar="NAME", help="标为贫困村")
    i.add_argument("--county")
    i.add_argument("--city")
    i.add_argument("--province")
    i.set_defaults(func=cmd_init)

    d = add("demo", "生成示范乡镇（茶坝乡）数据库")
    d.add_argument("--households", type=_demo_households, default=300, help=f"示范户数，0-{MAX_DEMO_HOUSEHOLDS}")
    d.add_argument("--seed", type=int_arg(0, SQLITE_MAX_INT, "随机种子"), default=1)
    d.add_argument("--encrypt", action="store_true", help="加密示范数据库（管理员为 --user 或“示范管理员”，密码取自 FUPIN_PASSWORD）")
    d.set_defaults(func=cmd_demo)

    c = add("check-id", "核验身份证号码")
    c.add_argument("ids", nargs="+", metavar="ID")
    c.set_defaults(func=cmd_check_id)

    h = add("households", "列出户")
    h.add_argument("--village")
    h.add_argument("--township", metavar="CODE_OR_NAME", help="县级数据库：只列出该乡镇的户")
    h.add_argument("--search")
    h.add_argument("--year", type=int_arg(2000, 2100, "年度"), help="年度：往年（已结转）的列出当年的档案（默认当前年度）")
    h.add_argument("--label", action="append", metavar="LABEL",
                   help="脱贫状态或贫困户属性，如 未脱贫、返贫、低保户（可给两次：各一个）")
    h.set_defaults(func=cmd_households)

    s = add("show", "显示一户的全部档案")
    s.add_argument("household_id", type=household_ref, metavar="HOUSEHOLD",
                   help="户的编号（fupin households 第一列）或户编号")
    s.set_defaults(func=cmd_show)

    # Each area of work (excel, quality, printing, sync...) adds its own subcommands from a
    # module in fupin_desktop/commands/ with `register(add)`, so areas never edit this file.
    for module in command_modules():
        module.register(add)
    _give_user_option(p)
    return p


def _give_user_option(parser: argparse.ArgumentParser) -> None:
    """Every (sub-)subcommand takes ``--user`` (issue 18), also those a module's ``register`` nests
    (``fupin policy set --user …``), so no command has to add it itself."""
    for action in parser._actions:  # noqa: SLF001 - argparse keeps its sub-parsers only there
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in dict.fromkeys(action.choices.values()):
                if "--user" not in sub._option_string_actions:  # noqa: SLF001
                    sub.add_argument("--user", default=argparse.SUPPRESS, metavar="NAME",
                                     help="以该用户登录（密码取自环境变量 FUPIN_PASSWORD 或提示输入）")
                _give_user_option(sub)


def command_modules() -> list[ModuleType]:
    import importlib
    import pkgutil

    from fupin_desktop import commands

    return [
        importlib.import_module(f"{commands.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8")
    # Starting the window (no subcommand) needs none of the subcommands' modules (openpyxl,
    # reportlab, the sync's crypto): the window comes up without importing them.
    parser = build_gui_parser() if _wants_gui(sys.argv[1:] if argv is None else list(argv)) else build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR
    for attr, default in (("json", False), ("screenshot", None), ("household", None), ("user", None)):
        if not hasattr(args, attr):
            setattr(args, attr, default)
    _base.login_user = args.user  # every database the command opens logs this user in
    func = getattr(args, "func", cmd_gui)
    if func in (cmd_demo, cmd_init) and not args.db:
        args.db = str(services.default_db_path())
    applog.configure()
    if argv is None:  # the program itself (not a test calling main): issue 18, temporary files
        scratch.claim()  # in a folder of its own, removed at exit or at the next start after a crash
    command = command_name(args)
    applog.started(command)  # never the arguments: they may be ID numbers (check-id) or names (--search)
    try:
        code = int(func(args))
        sys.stdout.flush()  # a reader gone (`| head`) shows here, not as a message at exit
    except BrokenPipeError:
        return reader_gone(command)
    except (CliError, StoreError, WriteError) as exc:  # WriteError: a full disk, a read-only folder...
        applog.refused(log, command, exc)
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        log.info("%s interrupted", command)
        print("\n操作已中断。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last resort: a message, not a traceback
        applog.uncaught(log, exc, command)
        return unexpected(exc)
    log.info("%s finished exit=%d", command, code)
    return code


def reader_gone(command: str) -> int:
    """The reader of our output went away (``fupin households | head``): stop quietly, as ``ls``
    does, with no message (the reader asked for no more).  Standard output is pointed at the null
    device so the interpreter's final flush of what is still buffered cannot complain either."""
    import os

    log.info("%s: output closed by its reader", command)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no real descriptor behind sys.stdout: nothing to flush at exit
        pass
    return 0


def command_name(args: argparse.Namespace) -> str:
    """``fupin sync export`` -> "sync export": the command's words, never its arguments."""
    words = [getattr(args, "command", None) or "gui"]
    words += [v for k, v in vars(args).items() if (k.endswith("_command") or k == "document") and isinstance(v, str)]
    return " ".join(words)


def unexpected(exc: BaseException) -> int:
    """An error nobody foresaw: one line naming it (the traceback only with FUPIN_DEBUG=1)."""
    import os
    import traceback

    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    print(f"错误：操作没有完成，程序遇到了意外的问题（{type(exc).__name__}）。请记下这条信息告知技术支持；"
          f"设置环境变量 {DEBUG_ENV}=1 后重试可看到详细信息。", file=sys.stderr)
    return EXIT_ERROR


def gui_main() -> int:
    scratch.claim()  # as main() does for the program itself (issue 18)
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
