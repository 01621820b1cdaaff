"""``fupin village apply|advance|…``: 贫困村 identification and exit headless (issue 17, item 4).

    fupin village apply NAME... --date D [--year Y] [--note T]          村委会自愿申请
    fupin village advance NAME... --date D [--note T] [--override REASON]
    fupin village publicity --date D [--exit] [--days N] [--phone P]    the township-wide 贫困村公示
    fupin village objection ROUND --village NAME --date D --text T [--by NAME]
    fupin village refuse|return NAME... --date D --reason T
    fupin village approve NAME... --date D --document 文号               县审定 (the county's decision)
    fupin village exit NAME... --date D [--year Y]                       贫困村退出 (incidence below the line)
    fupin village appeal NAME --date D --text T [--upheld|--dismissed]
    fupin village status [--year Y] --json
    fupin village notice --round N --out F.pdf | --announce [--exit] --year Y --out F.pdf

The same case records, rounds and objections as households (``fupin publicity resolve OBJECTION``
settles an objection against a village too).  A refusal prints why on stderr, exits 2 and changes
nothing; over several villages it is all or none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fupin_desktop.casework import core, publicity
from fupin_desktop.casework import villages as vc
from fupin_desktop.casework.core import Outcome
from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.commands.workflow import ROUND_ID, day
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.policy import PUBLICITY_DAYS
from fupin_desktop.store import Store

Action = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]
SUBJECT = vc.SUBJECT


def add_actions(action: Action) -> None:
    """Add the village case actions to ``fupin village`` (``action`` gives --db, --json, --year)."""

    def names(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("names", nargs="+", metavar="NAME", help="村名（可多个）")
        sp.add_argument("--date", type=day, required=True)
        sp.add_argument("--note", default="", help="会议记录、说明")
        return sp

    names(action("apply", "贫困村识别：村委会自愿申请", cmd_apply))
    a = names(action("advance", "贫困村识别或退出：通过本阶段，进入下一阶段", cmd_advance))
    a.add_argument("--reference", default="", help="会议或文件编号")
    a.add_argument("--override", default="", metavar="REASON", help="提前结束公示或超出贫困村规模的理由")
    names(action("refuse", "贫困村识别或退出：不予认定", cmd_refuse)).add_argument("--reason", required=True)
    names(action("return", "退回：回到公示之前重新办理", cmd_return)).add_argument("--reason", required=True)
    names(action("approve", "县审定通过（录入县里的审定文件）", cmd_approve)).add_argument(
        "--document", dest="decision_document", required=True, help="审定文件文号")
    names(action("exit", "贫困村退出：贫困发生率低于政策参数的标准", cmd_exit))
    p = action("appeal", "不予认定的村申诉（及其结果）", cmd_appeal)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--date", type=day, required=True)
    p.add_argument("--text", required=True)
    outcome = p.add_mutually_exclusive_group()
    outcome.add_argument("--upheld", action="store_true", help="申诉成立：重新开启")
    outcome.add_argument("--dismissed", action="store_true", help="申诉不成立")
    o = action("publicity", "为等待公示的村开始贫困村公示（全乡一张）", cmd_publicity)
    o.add_argument("--date", type=day, required=True)
    o.add_argument("--exit", action="store_true", help="贫困村退出公示")
    o.add_argument("--days", type=int_arg(*PUBLICITY_DAYS, "公示天数"))
    o.add_argument("--phone", default="", help="监督电话")
    j = action("objection", "对公示中的村登记异议", cmd_objection)
    j.add_argument("round", type=ROUND_ID, metavar="ROUND")
    j.add_argument("--village", required=True, metavar="NAME")
    j.add_argument("--date", type=day, required=True)
    j.add_argument("--text", required=True)
    j.add_argument("--by", default="", metavar="NAME", help="反映人（不填为匿名）")
    action("status", "各村的识别、退出进度与记录，贫困村规模", cmd_status)
    n = action("notice", "打印贫困村公示（--round）或公告（--announce）", cmd_notice)
    which = n.add_mutually_exclusive_group(required=True)
    which.add_argument("--round", type=ROUND_ID, metavar="N", help="公示编号")
    which.add_argument("--announce", action="store_true", help="县审定后的公告")
    n.add_argument("--exit", action="store_true", help="公告退出的村")
    n.add_argument("--out", required=True, metavar="F.pdf")
    n.add_argument("--font", default=None, help=argparse.SUPPRESS)


def _ids(store: Store, args: argparse.Namespace) -> list[int]:
    return vc.village_ids(store, args.names)


def _done(args: argparse.Namespace, outcome: Outcome, what: str) -> int:
    for warning in outcome.warnings:
        print(f"注意：{warning}", file=sys.stderr)
    if getattr(args, "json", False):
        print_json({"villages": outcome.items, "warnings": outcome.warnings})
    else:
        for item in outcome.items:
            print(f"{item['village']}：{what}，现为“{item['stage_label']}”")
    return 0


def _write(args: argparse.Namespace, what: str, run: Callable[[Store, list[int]], Outcome]) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        outcome = run(store, _ids(store, args))
    return _done(args, outcome, what)


def cmd_apply(args: argparse.Namespace) -> int:
    return _write(args, "已受理申请", lambda s, ids: vc.apply(s, ids, args.date, year=args.year, note=args.note))


def cmd_exit(args: argparse.Namespace) -> int:
    return _write(args, "已提出退出", lambda s, ids: vc.start_exit(s, ids, args.date, year=args.year, note=args.note))


def cmd_advance(args: argparse.Namespace) -> int:
    return _write(args, "已通过", lambda s, ids: core.advance(s, ids, args.date, note=args.note, override=args.override,
                                                              reference=args.reference, subject_kind=SUBJECT))


def cmd_refuse(args: argparse.Namespace) -> int:
    return _write(args, "不予认定", lambda s, ids: core.refuse(s, ids, args.date, args.reason, note=args.note,
                                                             subject_kind=SUBJECT))


def cmd_return(args: argparse.Namespace) -> int:
    return _write(args, "已退回", lambda s, ids: core.send_back(s, ids, args.date, args.reason, note=args.note,
                                                             subject_kind=SUBJECT))


def cmd_approve(args: argparse.Namespace) -> int:
    return _write(args, "县审定通过", lambda s, ids: core.county_decision(
        s, ids, args.date, approve=True, document=args.decision_document, note=args.note, subject_kind=SUBJECT))


def cmd_appeal(args: argparse.Namespace) -> int:
    result = True if args.upheld else False if args.dismissed else None
    with open_existing(getattr(args, "db", None), writes=True) as store:
        village = vc.village_ids(store, [args.name])[0]
        outcome = core.appeal(store, village, args.date, args.text, result, subject_kind=SUBJECT)
    return _done(args, outcome, {None: "已登记申诉", True: "申诉成立，重新办理", False: "申诉不成立"}[result])


def cmd_publicity(args: argparse.Namespace) -> int:
    stage = "village_exit_publicity" if args.exit else "village_publicity"
    with open_existing(getattr(args, "db", None), writes=True) as store:
        rnd = publicity.open_round(store, args.date, scope=wf.Scope.TOWNSHIP, days=args.days, stage=stage,
                                   phone=args.phone).value
        data = publicity.round_json(store, rnd)
        what = "退出" if args.exit else "识别"
    if getattr(args, "json", False):
        print_json(data)
    else:
        print(f"已开始第 {rnd.id} 号公示（贫困村{what}）：{rnd.start.isoformat()} 至 {rnd.end.isoformat()}，"
              f"{'、'.join(data['villages'])}")
    return 0


def cmd_objection(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        vc.check_village_round(store, args.round)
        village = vc.village_ids(store, [args.village])[0]
        objection = publicity.add_objection(store, args.round, village, args.date, args.text, args.by,
                                            subject_kind=SUBJECT).value
    if getattr(args, "json", False):
        print_json({"objection": objection})
    else:
        print(f"已登记第 {objection} 号异议（核实后用 fupin publicity resolve {objection} 处理）")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        doc = vc.village_status(store, args.year)
    if getattr(args, "json", False):
        print_json(doc)
        return 0
    quota = doc["quota_villages"]
    print(f"贫困村：{'、'.join(doc['poor_villages']) or '无'}；规模 {quota if quota is not None else '未设置'} 个，"
          f"已占用 {doc['counted_villages']} 个")
    for v in doc["villages"]:
        print(f"  {v['village']}：{v['label']}" + (f"（{v['year']}年）" if v["year"] else ""))
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    from fupin_desktop.printing import village_notice
    from fupin_desktop.printing.service import PrintError

    with open_existing(getattr(args, "db", None)) as store:
        try:
            if args.round is not None:
                result = village_notice.print_village_round(store, args.round, Path(args.out), font=args.font)
            else:
                year = args.year or date.today().year
                result = village_notice.print_village_announcement(store, year, Path(args.out), exit_=args.exit,
                                                                   font=args.font)
        except PrintError as exc:
            raise CliError(str(exc)) from exc
    if getattr(args, "json", False):
        print_json(result.as_json())
    else:
        print(f"已生成：{result.path}（{result.pages} 页）")
    return 0
