"""``fupin year``, ``fupin history``, ``fupin review``: registration years and dynamic management.

    fupin year show [--township T] [--json]        → {"current", "years", "live", "read_only"}
    fupin year carry-over --to Y [--json]          → {"carried", "skipped", "backup", ...}
    fupin year switch Y [--json]
    fupin year stats --year Y [--township T] [--json] → {"households", "persons", "exits", "returns", "new",
                                                      "births", "deaths"}
    fupin history NUMBER [--json]                  → [{"year", "exit_status", "size", "per_capita_income",
                                                       "changes": [...]}, ...]
    fupin review [--village NAME] [--json] [--out F.xlsx]
    fupin review --mark NUMBER --note TEXT

NUMBER is the household's 户编号.  ``--township`` (code or name): at the county, one township's years
and counts (the batches carry each township's closed years).  Refusals print a Chinese message on stderr, exit 2 and change
nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.store import Store, review, years

YEAR = int_arg(years.YEAR_RANGE[0], years.YEAR_RANGE[1], "年度")


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    year = add("year", "登记年度：查看、结转下一年度、切换年度、年度统计")
    verbs = year.add_subparsers(dest="year_command", metavar="VERB")
    year.set_defaults(func=lambda _args: _missing(year))

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.set_defaults(func=func)
        return sp

    sh = verb("show", "当前年度和已有的年度", cmd_show)
    sh.add_argument("--township", metavar="CODE_OR_NAME", help="县级数据库：这个乡镇的年度")
    c = verb("carry-over", "结转下一年度（先自动备份；重复运行不会重复结转）", cmd_carry)
    c.add_argument("--to", type=YEAR, required=True, metavar="Y", help="结转到的年度（当前年度的下一年）")
    s = verb("switch", "切换到某一年度（往年只读）", cmd_switch)
    s.add_argument("year", type=YEAR, metavar="Y")
    st = verb("stats", "某年度的户数、人数、脱贫、返贫、新识别、出生、死亡", cmd_stats)
    st.add_argument("--year", type=YEAR, required=True, metavar="Y")
    st.add_argument("--township", metavar="CODE_OR_NAME", help="县级数据库：只统计这个乡镇")

    h = add("history", "一户的历年记录（脱贫状态、人口、收入及变化）")
    h.add_argument("number", metavar="NUMBER", help="户编号")
    h.set_defaults(func=cmd_history)

    r = add("review", "半年审核调整：需要审核的户及原因")
    r.add_argument("--village", metavar="NAME", help="只列这个村")
    r.add_argument("--out", metavar="FILE.xlsx", help="导出为 Excel")
    r.add_argument("--mark", metavar="NUMBER", help="把这一户（户编号）标为已审核")
    r.add_argument("--note", default="", help="审核说明（与 --mark 一起用）")
    r.set_defaults(func=cmd_review)


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    raise CliError("请给出要做的事：show、carry-over、switch 或 stats。")


def township_arg(store: Store, wanted: str | None) -> str | None:
    """The code of the township ``wanted`` names (code or name): at the county a registered one,
    on a township database its own; None when not given."""
    if wanted is None:
        return None
    towns = [(t.code, t.name) for t in store.sync.townships()]
    own = store.townships.get()
    if own is not None and not towns:
        towns = [(own.code, own.name)]
    for code, name in towns:
        if wanted.strip() in (code, name):
            return code
    raise CliError(f"没有乡镇“{wanted}”（可用：{'、'.join(f'{n}（{c}）' for c, n in towns) or '无'}）。")


def cmd_show(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        township = township_arg(store, args.township)
        held = years.years(store.db, township)
        live = years.live_year(store.db) if township is None else held[-1]
        current = years.current_year(store.db) if township is None else live
    data = {"current": current, "years": held, "live": live, "read_only": current != live}
    if args.json:
        print_json(data)
    else:
        print(f"当前年度：{current}{'（往年，只读）' if current != live else ''}；已有年度：{'、'.join(map(str, held))}")
    return 0


def cmd_carry(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        result = years.carry_over_safely(store.db, args.to, store.operator)
    if args.json:
        print_json(result.to_json())
    else:
        print(f"已从 {result.from_year} 年度结转到 {result.to_year} 年度：{result.carried} 户；"
              f"已在 {result.to_year} 年度的 {result.skipped} 户未重复结转。")
        if result.backup:
            print(f"结转前已备份：{result.backup}（撤销结转请从这份备份恢复）")
        for village, n in sorted(result.villages.items()):
            print(f"  {village}：{n} 户")
    return 0


def cmd_switch(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        years.switch(store.db, args.year)
        live = years.live_year(store.db)
    if args.json:
        print_json({"current": args.year, "read_only": args.year != live})
    else:
        print(f"已切换到 {args.year} 年度{'（往年，只读）' if args.year != live else ''}。")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        township = township_arg(store, args.township)
        held = years.years(store.db, township)
        if args.year not in held:
            raise CliError(f"没有 {args.year} 年度的数据。已有年度：{'、'.join(map(str, held))}。")
        counts = years.year_counts(store.db, args.year, township)
    if args.json:
        print_json(counts)
    else:
        print(f"{args.year} 年度：{counts['households']} 户 {counts['persons']} 人；脱贫 {counts['exits']} 户，"
              f"返贫 {counts['returns']} 户，新识别 {counts['new']} 户；出生 {counts['births']} 人，"
              f"死亡 {counts['deaths']} 人")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    number = args.number.strip()
    with open_existing(args.db) as store:
        found = years.uuids_by_number(store.db, number)
        if not found:
            raise CliError(f"没有户编号为“{number}”的户。请核对户编号（fupin households 列出各户）。")
        if len(found) > 1:
            raise CliError(f"户编号“{number}”有 {len(found)} 户，请先改正重复的户编号（fupin validate）。")
        rows = years.history(store.db, store.spec, found[0])
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['year']}年度：{r['exit_status'] or '（未填）'}，{r['size']}人，年人均纯收入 "
              f"{r['per_capita_income'] or '（未填）'} 元，致贫原因 {'、'.join(r['causes']) or '（未填）'}")
        for line in r["changes"]:
            print(f"  {line}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    village = args.village.strip() if args.village else None
    if args.note and not args.mark:
        raise CliError("--note 要与 --mark 户编号 一起使用。")
    with open_existing(args.db, writes=bool(args.mark)) as store:
        if args.mark:
            found = years.uuids_by_number(store.db, args.mark.strip())
            live = [u for u in found if store.households.id_for_uuid(u) is not None]
            if len(live) != 1:
                raise CliError(f"户编号“{args.mark}”{'没有对应的户' if not live else '有多户'}，没有标记。")
            review.mark_reviewed(store.db, live[0], args.note, store.operator)
        items = review.review_list(store.db, village=village)
        if args.out:
            from fupin_desktop.excel.review_export import export_review

            export_review(items, Path(args.out), title=_title(store, village))
    if args.json:
        print_json([i.to_json() for i in items])
        return 0
    for i in items:
        done = f"（已审核：{i.note or '无说明'}）" if i.reviewed_at else ""
        print(f"{i.number}\t{i.village}\t{i.head_name}\t{'；'.join(i.reasons)}{done}")
    print(f"共 {len(items)} 户需要审核" + (f"，已导出到 {args.out}" if args.out else ""))
    return 0


def _title(store: object, village: str | None) -> str:
    return f"半年审核调整名单（{village or '全乡'}，{review.period_of()}）"
