"""``fupin validate``, ``fupin rules`` and ``fupin policy``: data quality and the county's policy profile.

    fupin validate --db PATH [--village NAME] [--json] [--strict] [--xlsx FILE]
    fupin rules [--json]
    fupin policy show|set|reset|export FILE|import FILE --db PATH [--json]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from fupin_desktop import quality
from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.domain.values import FieldValueError, parse_bool
from fupin_desktop.formspec import load_codes
from fupin_desktop.rules import all_rules
from fupin_desktop.rules.catalogue import national_refs
from fupin_desktop.rules.policy import (
    LIMIT_LABELS,
    MAX_POOR_VILLAGES,
    PROCEDURES,
    PUBLICITY_DAYS,
    RELATION_NUMBERINGS,
    STANDARDS,
    Policy,
    PolicyError,
)
from fupin_desktop.rules.village import VILLAGE_RULES

EXIT_FOUND_ERRORS = 1


# -- validate -------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        village_id = None
        if args.village:
            village = store.townships.village_by_name(args.village)
            if village is None:
                names = "、".join(v.name for v in store.townships.villages())
                raise CliError(f"本乡没有“{args.village}”。本乡的村：{names}")
            village_id = village.id
        report = quality.run_township(store, village_id=village_id)
        if args.xlsx:
            quality.export_xlsx(report.findings, args.xlsx)
    counts = report.counts()
    if args.json:
        print_json(report.to_json())
    else:
        titles = quality.rule_titles()
        for f in report.findings:
            member = f" 成员 {f.member_name}" if f.member_name else ""
            print(f"［{quality.SEVERITY_LABELS[f.severity]}］{f.rule} {titles.get(f.rule, '')}｜{f.village} {f.group}"
                  f" 户编号 {f.household_number} 户主 {f.head_name}{member}｜{f.message}")
        print(f"共检查 {report.households} 户：错误 {counts['error']} 条，提示 {counts['warning']} 条"
              f"（用时 {report.seconds:.1f} 秒）" + (f"；已导出到 {args.xlsx}" if args.xlsx else ""),
              file=sys.stderr)
    return EXIT_FOUND_ERRORS if args.strict and counts["error"] else 0


def cmd_rules(args: argparse.Namespace) -> int:
    rules: list[dict[str, Any]] = [
        {"rule": r.id, "severity": r.severity, "title": r.title, "national": national_refs(r.id)} for r in all_rules()]
    rules += [{"rule": rid, "severity": sev, "title": title, "national": []} for rid, sev, title in VILLAGE_RULES]
    if args.json:
        print_json(rules)
    else:
        for r in rules:
            national = f"\t国家核查：{'、'.join(r['national'])}" if r["national"] else ""
            print(f"{r['rule']}\t{quality.SEVERITY_LABELS[r['severity']]}\t{r['title']}{national}")
    return 0


# -- policy ----------------------------------------------------------------------------------------
def cmd_policy_show(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        policy = store.policy.get()
        is_set = store.policy.is_set()
    if args.json:
        print_json(policy.to_json())
    else:
        print(describe_policy(policy) + ("" if is_set else "\n（尚未设置，以上为默认值）"))
    return 0


def describe_policy(policy: Policy) -> str:
    """The profile as a clerk reads it."""
    lines = [f"本县采用的识别标准：{policy.standard}", "扶贫标准（元/人·年）："]
    for standard in STANDARDS:
        table = policy.income_lines.get(standard) or {}
        items = "，".join(f"{y}年 {_yuan(a)}" for y, a in sorted(table.items())) or "未设置"
        lines.append(f"  {standard}：{items}")
    yes_no = {True: "纳入", False: "不纳入"}
    lines += [
        f"五保贫困户：{yes_no[policy.wubao_in_scope]}识别范围；低保贫困户：{yes_no[policy.dibao_in_scope]}识别范围",
        f"每轮公示天数：{policy.publicity_days} 天",
        f"优先识别（三优先）：{'、'.join(policy.priority_flags) or '无'}",
        f"“三不评”：{'、'.join(policy.exclusions) or '无'}",
        f"与户主关系代码：{RELATION_NUMBERINGS[policy.relation_numbering]}",
        f"识别程序：{PROCEDURES.get(policy.procedure, policy.procedure)}",
        "贫困村规模：" + ("，".join(f"{'各乡镇' if k == '*' else k} {n} 个村" for k, n in policy.poor_village_quotas.items())
                    or "未设置") + f"；贫困村退出：贫困发生率低于 {_yuan(policy.village_exit_incidence)}%",
        "核查阈值：" + "，".join(f"{label} {_yuan(getattr(policy.limits, key))} {unit}"
                            for key, (label, unit) in LIMIT_LABELS.items()),
    ]
    return "\n".join(lines)


def cmd_policy_set(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        data = store.policy.get().to_json()
        if args.standard is not None:
            data["standard"] = _resolve("standard", args.standard)
        for item in args.line or []:
            standard, year, amount = _line_arg(item)
            data["income_lines"].setdefault(standard, {})[year] = amount
        for item in args.remove_line or []:
            standard, year = _remove_arg(item)
            if year not in data["income_lines"].get(standard, {}):
                raise CliError(f"{standard}没有 {year} 年的扶贫标准")
            del data["income_lines"][standard][year]
        for key, value in (("wubao_in_scope", args.wubao_in_scope), ("dibao_in_scope", args.dibao_in_scope)):
            if value is not None:
                try:
                    data[key] = parse_bool(value)
                except FieldValueError as exc:
                    raise CliError(str(exc)) from exc
        if args.publicity_days is not None:
            data["publicity_days"] = args.publicity_days
        if args.relation_codes is not None:
            data["relation_numbering"] = args.relation_codes
        if args.procedure is not None:
            data["procedure"] = args.procedure
        if args.poor_village_quota is not None:
            town = store.townships.get()
            code = (town.code if town and town.code else "*") if args.quota_township is None else args.quota_township
            data["poor_village_quotas"][code] = args.poor_village_quota
        if args.village_exit_incidence is not None:
            data["village_exit_incidence"] = args.village_exit_incidence
        if args.priority_flags is not None:
            data["priority_flags"] = _labels("priority_flag", args.priority_flags)
        if args.exclusions is not None:
            data["exclusions"] = _labels("exclusion", args.exclusions)
        for item in args.limit or []:
            key, _, value = item.partition("=")
            if key not in LIMIT_LABELS:
                raise CliError(f"没有核查阈值“{key}”，可设：{'、'.join(LIMIT_LABELS)}")
            data["limits"][key] = _number(value, LIMIT_LABELS[key][0])
        policy = _policy(data)
        store.policy.put(policy, store.operator)
    if args.json:
        print_json(policy.to_json())
    else:
        print("已保存政策参数：\n" + describe_policy(policy))
    return 0


def cmd_policy_reset(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        store.policy.reset(store.operator)
        policy = store.policy.get()
    if args.json:
        print_json(policy.to_json())
    else:
        print("已恢复默认政策参数：\n" + describe_policy(policy))
    return 0


def cmd_policy_export(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        path = quality.export_policy(store, args.file)
    if args.json:
        print_json({"file": str(path)})
    else:
        print(f"已导出政策参数（含本乡镇设置）：{path}")
    return 0


def cmd_policy_import(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        policy, township = quality.import_policy(store, args.file)
    if args.json:
        print_json({"policy": policy.to_json(), "from": township})
    else:
        source = f"（来自 {township.get('county', '')}{township.get('name', '')}）" if township else ""
        print(f"已导入政策参数{source}：\n" + describe_policy(policy))
    return 0


# -- argument helpers ------------------------------------------------------------------------------
def _yuan(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _resolve(list_id: str, text: str) -> str:
    codes = load_codes()[list_id]
    item = codes.resolve(text)
    if item is None:
        raise CliError(f"“{text}”不是{codes.title}，可选：{'、'.join(codes.labels)}")
    return item.label


def _labels(list_id: str, text: str) -> list[str]:
    parts = [p for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    return [_resolve(list_id, p.strip()) for p in parts]


def _number(text: str, what: str) -> int | float:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise CliError(f"{what}“{text}”不是数字") from None
    return int(value) if value == value.to_integral_value() else float(value)


def _line_arg(text: str) -> tuple[str, str, int | float]:
    parts = text.replace("：", ":").split(":")
    if len(parts) != 3:
        raise CliError(f"--line 应写成 标准:年度:金额，如 省定标准:2016:3100（现为“{text}”）")
    standard = _resolve("standard", parts[0])
    return standard, parts[1].strip(), _number(parts[2], f"{parts[1]}年{standard}")


def _remove_arg(text: str) -> tuple[str, str]:
    parts = text.replace("：", ":").split(":")
    if len(parts) != 2:
        raise CliError(f"--remove-line 应写成 标准:年度，如 省定标准:2016（现为“{text}”）")
    return _resolve("standard", parts[0]), parts[1].strip()


def _policy(data: dict[str, Any]) -> Policy:
    try:
        return Policy.from_json(data)
    except PolicyError as exc:
        raise CliError(str(exc)) from exc


def _missing_verb(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    v = add("validate", "数据质量检查：全乡（或一个村）所有户")
    v.add_argument("--village", help="只检查这个村的户（跨户核查仍比对全乡）")
    v.add_argument("--strict", action="store_true", help="有“错误”级问题时退出码为 1")
    v.add_argument("--xlsx", metavar="FILE", help="同时导出问题清单到 Excel（交村干部核对）")
    v.set_defaults(func=cmd_validate)

    r = add("rules", "列出全部核查规则")
    r.set_defaults(func=cmd_rules)

    policy = add("policy", "县政策参数：扶贫标准、识别范围、公示天数、三优先、三不评")
    verbs = policy.add_subparsers(dest="policy_command", metavar="VERB")
    policy.set_defaults(func=lambda _args: _missing_verb(policy))

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.set_defaults(func=func)
        return sp

    verb("show", "显示当前政策参数", cmd_policy_show)
    s = verb("set", "修改政策参数（只改给出的项）", cmd_policy_set)
    s.add_argument("--standard", help="本县采用的识别标准：国家标准、省定标准或市定标准")
    s.add_argument("--line", action="append", metavar="标准:年度:金额", help="设置某年的扶贫标准，可多次给出")
    s.add_argument("--remove-line", action="append", metavar="标准:年度", help="删去某年的扶贫标准")
    s.add_argument("--wubao-in-scope", metavar="是|否", help="五保贫困户是否纳入识别范围")
    s.add_argument("--dibao-in-scope", metavar="是|否", help="低保贫困户是否纳入识别范围")
    s.add_argument("--publicity-days", type=int_arg(*PUBLICITY_DAYS, "每轮公示天数"), metavar="天",
                   help=f"每轮公示天数 {PUBLICITY_DAYS[0]}-{PUBLICITY_DAYS[1]}")
    s.add_argument("--relation-codes", metavar="national|gbt4761",
                   help="与户主关系输入的代码：national 全国系统代码（默认），gbt4761 GB/T 4761 家庭关系代码")
    s.add_argument("--procedure", metavar="national|three_level",
                   help="识别程序：national 两公示一公告（默认），three_level 三级复审、三榜公示")
    s.add_argument("--poor-village-quota", type=int_arg(0, MAX_POOR_VILLAGES, "贫困村规模"), metavar="N",
                   help="本乡镇（或 --quota-township 给出的乡镇代码，* 为各乡镇）可确定的贫困村个数")
    s.add_argument("--quota-township", metavar="CODE|*", help="贫困村规模所属乡镇代码（默认本乡镇）")
    s.add_argument("--village-exit-incidence", metavar="百分数", help="贫困村退出：贫困发生率须低于此数（如 3）")
    s.add_argument("--priority-flags", metavar="项,项", help="三优先：残疾人家庭,独生子女户,纯女户（空字符串为无）")
    s.add_argument("--exclusions", metavar="项,项", help="三不评：土地撂荒,违反计划生育,赌博吸毒等违法（空字符串为无）")
    s.add_argument("--limit", action="append", metavar="项=值",
                   help=f"核查阈值：{'、'.join(LIMIT_LABELS)}，如 forest_per_person=120")
    verb("reset", "恢复默认政策参数", cmd_policy_reset)
    e = verb("export", "导出政策参数（含本乡镇设置）到 JSON 文件", cmd_policy_export)
    e.add_argument("file", metavar="FILE")
    i = verb("import", "从 JSON 文件导入政策参数", cmd_policy_import)
    i.add_argument("file", metavar="FILE")
