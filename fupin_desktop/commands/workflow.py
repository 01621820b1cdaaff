"""``fupin quota``, ``fupin workflow`` and ``fupin publicity``: the identification year headless.

    fupin quota set --village NAME --persons N [--year Y]     fupin quota set --township --persons N
    fupin quota show [--year Y] --json
    fupin workflow apply|advance|refuse|return|approve|exit NUMBER... --date D ...
    fupin workflow appeal NUMBER --date D --text T [--upheld|--dismissed]
    fupin workflow status [--village NAME] [--township CODE] [--year Y] --json
    fupin publicity open --village NAME|--township|--county --date D [--days N] --json
    fupin publicity objection ROUND --household NUMBER --date D --text T [--by NAME] --json
    fupin publicity resolve OBJECTION --date D (--upheld|--dismissed) --note T
    fupin publicity list --json

NUMBER is the 户编号 (or the row id).  A refused operation prints why on stderr, exits 2 and
changes nothing: over several households it is all or none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date

from fupin_desktop.casework import core, exits, meetings, publicity, quotas
from fupin_desktop.casework.core import Outcome
from fupin_desktop.casework.status import status
from fupin_desktop.commands._base import SQLITE_MAX_INT, CliError, int_arg, open_existing, print_json
from fupin_desktop.commands._household_ref import current_household, household_ref
from fupin_desktop.domain.values import FieldValueError, parse_date
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.policy import PUBLICITY_DAYS, YEARS
from fupin_desktop.store import Store

Add = Callable[[str, str], argparse.ArgumentParser]
YEAR = int_arg(*YEARS, "年度")
PERSONS = int_arg(0, quotas.MAX_PERSONS, "规模人数")
ROUND_ID = int_arg(1, SQLITE_MAX_INT, "公示编号", "（用 fupin publicity list 查看）")
OBJECTION_ID = int_arg(1, SQLITE_MAX_INT, "异议编号", "（用 fupin publicity list 查看）")


def day(text: str) -> date:
    """An argparse ``type`` for a date (2016-07-01, 2016/7/1, 2016年7月1日)."""
    try:
        return parse_date(text)
    except FieldValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _verbs(parent: argparse.ArgumentParser, dest: str) -> Callable[..., argparse.ArgumentParser]:
    verbs = parent.add_subparsers(dest=dest, metavar="VERB")
    verbs.required = True

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.set_defaults(func=func)
        return sp

    return verb


def register(add: Add) -> None:
    verb = _verbs(add("quota", "规模控制：各村、全乡当年的贫困人口识别规模"), "quota_command")
    s = verb("set", "设置识别规模（人）", cmd_quota_set)
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--village", metavar="NAME")
    where.add_argument("--township", action="store_true", help="全乡的规模")
    s.add_argument("--persons", type=PERSONS, required=True, metavar="N")
    s.add_argument("--year", type=YEAR, help="年度（默认今年）")
    verb("show", "各村规模、已识别、办理中的人数", cmd_quota_show).add_argument("--year", type=YEAR)

    verb = _verbs(add("workflow", "识别工作：申请、评议、审核、审定、退出、返贫"), "workflow_command")

    def numbers(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("numbers", nargs="+", type=household_ref, metavar="NUMBER", help="户编号（可多个）")

    a = verb("apply", "农户申请（已脱贫户为返贫识别）", cmd_apply)
    numbers(a)
    a.add_argument("--date", type=day, required=True)
    a.add_argument("--applicant", default="户主", choices=core.APPLICANTS)
    a.add_argument("--agent", default="", metavar="姓名", help="代理人姓名")
    a.add_argument("--received-by", default="", metavar="姓名", help="受理人（默认录入员）")
    a.add_argument("--year", type=YEAR, help="识别年度（默认申请日期的年份）")
    a.add_argument("--note", default="")
    v = verb("advance", "通过本阶段，进入下一阶段", cmd_advance)
    numbers(v)
    v.add_argument("--date", type=day, required=True)
    v.add_argument("--note", default="", help="会议记录、说明")
    v.add_argument("--reference", default="", help="会议或文件编号")
    v.add_argument("--override", default="", metavar="REASON", help="提前结束公示或超出规模的理由")
    r = verb("refuse", "不予认定（申请阶段为不予受理）", cmd_refuse)
    numbers(r)
    r.add_argument("--date", type=day, required=True)
    r.add_argument("--reason", required=True)
    # dest is not "document": that name is the print command's word (cli.command_name logs it).
    r.add_argument("--document", dest="decision_document", default="", help="县审定文件文号")
    b = verb("return", "退回：回到上一轮公示之前重新办理", cmd_return)
    numbers(b)
    b.add_argument("--date", type=day, required=True)
    b.add_argument("--reason", required=True)
    p = verb("appeal", "申诉（及其结果）", cmd_appeal)
    p.add_argument("number", type=household_ref, metavar="NUMBER")
    p.add_argument("--date", type=day, required=True)
    p.add_argument("--text", required=True)
    outcome = p.add_mutually_exclusive_group()
    outcome.add_argument("--upheld", action="store_true", help="申诉成立：重新开启本案")
    outcome.add_argument("--dismissed", action="store_true", help="申诉不成立")
    e = verb("exit", "提出脱贫退出", cmd_exit)
    numbers(e)
    e.add_argument("--date", type=day, required=True)
    e.add_argument("--consent-date", type=day, required=True, help="户主签字认可的日期")
    e.add_argument("--unmet", action="append", default=[], metavar="项[:说明]",
                   help=f"未达到的两不愁三保障项：{'、'.join(wf.GUARANTEES)}")
    e.add_argument("--year", type=YEAR)
    st = verb("status", "各户识别进度与记录", cmd_status)
    st.add_argument("--village", metavar="NAME")
    st.add_argument("--township", metavar="CODE", help="县级数据库：该乡镇")
    st.add_argument("--year", type=YEAR)
    ap = verb("approve", "县审定通过（县级数据库；乡镇录入县里的书面决定）", cmd_approve)
    numbers(ap)
    ap.add_argument("--date", type=day, required=True)
    ap.add_argument("--document", dest="decision_document", required=True, help="审定文件文号")
    ap.add_argument("--note", default="")

    m = verb("meeting", "民主评议会议：评议小组、到会人数、各户票数或排序", cmd_meeting)
    m.add_argument("--village", required=True, metavar="NAME")
    m.add_argument("--date", type=day, required=True)
    m.add_argument("--place", default="")
    m.add_argument("--panel", type=int_arg(0, meetings.MAX_PEOPLE, "评议小组人数"), required=True, metavar="N")
    m.add_argument("--attendance", type=int_arg(0, meetings.MAX_PEOPLE, "到会人数"), required=True, metavar="N")
    m.add_argument("--vote", action="append", default=[], metavar="NUMBER:赞成:反对:弃权")
    m.add_argument("--rank", action="append", default=[], metavar="NUMBER:名次")
    m.add_argument("--note", default="")
    verb("overrides", "提前结束公示、超规模等特殊理由一览（县里核查）", cmd_overrides)

    verb = _verbs(add("publicity", "公示与异议"), "publicity_command")
    o = verb("open", "为等待公示的户开始一轮公示", cmd_open)
    scope = o.add_mutually_exclusive_group(required=True)
    scope.add_argument("--village", metavar="NAME")
    scope.add_argument("--township", action="store_true", help="乡公示（三榜公示）")
    scope.add_argument("--county", action="store_true", help="县公示（三榜公示）")
    o.add_argument("--date", type=day, required=True)
    o.add_argument("--days", type=int_arg(*PUBLICITY_DAYS, "公示天数"))
    o.add_argument("--stage", choices=publicity.STAGE_ORDER)
    o.add_argument("--phone", default="", help="监督电话")
    j = verb("objection", "登记异议", cmd_objection)
    j.add_argument("round", type=ROUND_ID, metavar="ROUND")
    j.add_argument("--household", type=household_ref, required=True, metavar="NUMBER")
    j.add_argument("--date", type=day, required=True)
    j.add_argument("--text", required=True)
    j.add_argument("--by", default="", metavar="NAME", help="反映人（不填为匿名）")
    s = verb("resolve", "异议核实结果", cmd_resolve)
    s.add_argument("objection", type=OBJECTION_ID, metavar="OBJECTION")
    s.add_argument("--date", type=day, required=True)
    finding = s.add_mutually_exclusive_group(required=True)
    finding.add_argument("--upheld", action="store_true", help="异议成立（该户不予认定）")
    finding.add_argument("--dismissed", action="store_true", help="异议不成立")
    s.add_argument("--note", required=True)
    ls = verb("list", "公示与异议一览", cmd_list)
    ls.add_argument("--date", type=day, help="按此日计算剩余天数（默认今天）")


# -- helpers ---------------------------------------------------------------------------------------
def _ids(store: Store, refs: list[str]) -> list[int]:
    return [current_household(store, r) for r in refs]


def _done(args: argparse.Namespace, outcome: Outcome, what: str) -> int:
    for warning in outcome.warnings:
        print(f"注意：{warning}", file=sys.stderr)
    if getattr(args, "json", False):
        print_json({"households": outcome.items, "warnings": outcome.warnings})
    else:
        for item in outcome.items:
            print(f"{item['number']}：{what}，现为“{item['stage_label']}”")
    return 0


# -- quota -----------------------------------------------------------------------------------------------
def cmd_quota_set(args: argparse.Namespace) -> int:
    year = args.year or date.today().year
    with open_existing(getattr(args, "db", None), writes=True) as store:
        quotas.set_quota(store, args.persons, year=year, village=None if args.township else args.village)
    place = "全乡" if args.township else args.village
    if getattr(args, "json", False):
        print_json({"year": year, "village": None if args.township else args.village, "quota_persons": args.persons})
    else:
        print(f"已设置 {year} 年{place}识别规模 {args.persons} 人")
    return 0


def cmd_quota_show(args: argparse.Namespace) -> int:
    year = args.year or date.today().year
    with open_existing(getattr(args, "db", None)) as store:
        rows = quotas.quota_rows(store, year)
        town = quotas.township_quota(store, year)
    if getattr(args, "json", False):
        print_json(rows)
        return 0
    print(f"{year} 年识别规模（人）：全乡 {town if town is not None else '未设置'}")
    for r in rows:
        quota = r["quota_persons"] if r["quota_persons"] is not None else "未设置"
        print(f"  {r['village']}：规模 {quota}，已识别 {r['identified_persons']}，办理中 {r['in_process_persons']}")
    return 0


# -- workflow -------------------------------------------------------------------------------------------
def cmd_apply(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.apply(store, _ids(store, args.numbers), args.date, applicant=args.applicant,
                             agent_name=args.agent, received_by=args.received_by, year=args.year, note=args.note)
    return _done(args, outcome, "已受理申请")


def cmd_advance(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.advance(store, _ids(store, args.numbers), args.date, note=args.note, override=args.override,
                               reference=args.reference)
    return _done(args, outcome, "已通过")


def cmd_refuse(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.refuse(store, _ids(store, args.numbers), args.date, args.reason, reference=args.decision_document)
    return _done(args, outcome, "不予认定")


def cmd_return(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.send_back(store, _ids(store, args.numbers), args.date, args.reason)
    return _done(args, outcome, "已退回")


def cmd_appeal(args: argparse.Namespace) -> int:
    result = True if args.upheld else False if args.dismissed else None
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.appeal(store, current_household(store, args.number), args.date, args.text, result)
    return _done(args, outcome, {None: "已登记申诉", True: "申诉成立，重新办理", False: "申诉不成立"}[result])


def cmd_approve(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = core.county_decision(store, _ids(store, args.numbers), args.date, approve=True,
                                       document=args.decision_document, note=args.note)
    return _done(args, outcome, "县审定通过")


def cmd_exit(args: argparse.Namespace) -> int:
    unmet = {}
    for item in args.unmet:
        name, _, note = item.partition(":")
        unmet[name.strip()] = note.strip()
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = exits.start_exit(store, _ids(store, args.numbers), args.date, args.consent_date, unmet=unmet,
                                   year=args.year)
    return _done(args, outcome, "已提出退出")


def cmd_status(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        village_ids = None
        if args.village:
            found = store.townships.village_by_name(args.village)
            if found is None or found.id is None:
                raise CliError(f"没有“{args.village}”这个村")
            village_ids = [found.id]
        elif args.township:
            village_ids = [v.id for v in store.townships.villages(args.township) if v.id is not None]
            if not village_ids:
                raise CliError(f"没有代码为 {args.township} 的乡镇（或该乡镇没有村）")
        data = status(store, village_ids=village_ids, year=args.year)
    if getattr(args, "json", False):
        print_json(data)
        return 0
    for h in data["households"]:
        print(f"{h['number']}\t{h['village']}\t{h['head_name']}\t{h['label']}")
    print(f"共 {len(data['households'])} 户有识别记录")
    return 0


def _numbers_of(store: Store, items: list[str], parts: int, what: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for item in items:
        fields = item.replace("：", ":").split(":")
        try:
            if len(fields) != parts + 1:
                raise ValueError
            values = [int(f) for f in fields[1:]]
        except ValueError:
            raise CliError(f"{what}“{item}”应写成 户编号:{':'.join(['数'] * parts)}") from None
        out[current_household(store, household_ref(fields[0]))] = values
    return out


def cmd_meeting(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        votes = {k: (v[0], v[1], v[2]) for k, v in _numbers_of(store, args.vote, 3, "--vote").items()}
        ranks = {k: v[0] for k, v in _numbers_of(store, args.rank, 1, "--rank").items()}
        meeting, warnings = meetings.record_meeting(store, args.village, args.date, place=args.place, panel=args.panel,
                                                    attendance=args.attendance, votes=votes, ranks=ranks,
                                                    note=args.note)
    for warning in warnings:
        print(f"注意：{warning}", file=sys.stderr)
    if getattr(args, "json", False):
        print_json({"meeting": meeting, "warnings": warnings})
    else:
        print(f"已记录第 {meeting} 次民主评议会议")
    return 0


def cmd_overrides(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        rows = [{"number": r["number"], "village": r["village"], "stage": r["stage"],
                 "stage_label": wf.stage_label(r["stage"]), "date": r["date"], "override": r["override_reason"],
                 "operator": r["operator"]} for r in store.cases.overrides()]
    if getattr(args, "json", False):
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['number']}\t{r['village']}\t{r['stage_label']}\t{r['date']}\t{r['override']}")
        print(f"共 {len(rows)} 条")
    return 0


# -- publicity ----------------------------------------------------------------------------------------------
def cmd_open(args: argparse.Namespace) -> int:
    scope = wf.Scope.TOWNSHIP if args.township else wf.Scope.COUNTY if args.county else wf.Scope.VILLAGE
    with open_existing(getattr(args, "db", None), writes=True) as store:
        rnd = publicity.open_round(store, args.date, village=args.village, scope=scope, days=args.days,
                                   stage=args.stage, phone=args.phone).value
        data = publicity.round_json(store, rnd)
    if getattr(args, "json", False):
        print_json(data)
    else:
        print(f"已开始第 {rnd.id} 号公示：{rnd.village or '全乡'}{wf.stage_label(rnd.stage)}，"
              f"{rnd.start.isoformat()} 至 {rnd.end.isoformat()}，{len(data['households'])} 户")
    return 0


def cmd_objection(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        objection = publicity.add_objection(store, args.round, current_household(store, args.household), args.date,
                                            args.text, args.by).value
    if getattr(args, "json", False):
        print_json({"objection": objection})
    else:
        print(f"已登记第 {objection} 号异议")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        resolved = publicity.resolve(store, args.objection, args.date, bool(args.upheld), args.note).value
    if getattr(args, "json", False):
        print_json(publicity.objection_json(resolved))
    else:
        print(f"第 {resolved.id} 号异议：{resolved.finding}" + ("，该户不予认定" if args.upheld else ""))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    today = args.date or date.today()
    with open_existing(getattr(args, "db", None)) as store:
        rounds = []
        for rnd in store.publicity.rounds():
            data = publicity.round_json(store, rnd)
            data["days_left"] = publicity.days_left(rnd, today)
            rounds.append(data)
        objections = [publicity.objection_json(o) for o in store.publicity.objections()]
    if getattr(args, "json", False):
        print_json({"rounds": rounds, "objections": objections})
        return 0
    for r in rounds:
        print(f"第 {r['round']} 号 {r['village'] or '全乡'}{r['stage_label']} {r['start']} 至 {r['end']}"
              f"（剩 {r['days_left']} 天）" + (f"{'、'.join(r['villages'])}" if r.get("villages")
                                               else f"{len(r['households'])} 户"))
    for o in objections:
        print(f"  异议 {o['objection']}：{o.get('number') or o.get('village')} {o['text']} —— {o['finding'] or '待核实'}")
    return 0
