"""``fupin village``, ``fupin stats`` and ``fupin report``: the 贫困村登记表 and the statistics.

    fupin village show NAME [--year Y] [--json]
    fupin village export --out F.xlsx [--year Y]
    fupin village import F.xlsx [--year Y]
    fupin village apply|advance|publicity|objection|refuse|return|approve|exit|appeal|status|notice …
        (贫困村识别与退出: commands/_village_cases.py)
    fupin stats [--village NAME] [--year Y] [--json]
    fupin report basic|causes|measures|exits|progress --out F.xlsx [--year Y]
    fupin report summary --out F.pdf [--year Y]

``fupin print village NAME --out F.pdf [--blank]`` is in commands/printing.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from fupin_desktop.commands import _village_cases as village_cases
from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.excel import reports, village_forms
from fupin_desktop.rules.policy import YEARS
from fupin_desktop.rules.village import TEST_LABELS, difference_message
from fupin_desktop.store.village_view import default_year, statistics, village_view

YEAR = int_arg(*YEARS, "年度")


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    v = add("village", "贫困村登记表：查看、导出、导入")
    sub = v.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    def action(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.add_argument("--year", type=YEAR, help="年度（默认：最近一年）")
        sp.set_defaults(func=func)
        return sp

    action("show", "一个村的贫困村登记表，附由各户档案计算的数字", cmd_show).add_argument("name", metavar="NAME")
    action("export", "全乡各村的贫困村登记表导出为 Excel", cmd_export).add_argument(
        "--out", required=True, metavar="F.xlsx")
    action("import", "从 Excel 导入贫困村登记表（全部无误才导入）", cmd_import).add_argument("file", metavar="F.xlsx")
    village_cases.add_actions(action)  # 贫困村识别与退出 (issue 17, item 4)

    s = add("stats", "统计：全乡和各村的户数、人数、贫困发生率、致贫原因等")
    s.add_argument("--village", metavar="NAME")
    s.add_argument("--year", type=YEAR)
    s.set_defaults(func=cmd_stats)

    r = add("report", "报表：basic 贫困户基本情况汇总表、causes 致贫原因统计表、measures 帮扶措施统计表、"
                      "exits 脱贫退出统计表、summary 一页汇总 PDF")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--out", required=True, metavar="FILE")
    r.add_argument("--year", type=YEAR)
    r.set_defaults(func=cmd_report)


def _json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def cmd_show(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        view = village_view(store, args.name, args.year)
    if _json(args):
        print_json(view)
        return 0
    spec_labels = _labels()
    print(f"{view['village']} {view['year']}年贫困村登记表" + ("" if view["saved"] else "（尚未填写）"))
    for key, label in spec_labels:
        value = view.get(key)
        computed = view["computed"].get(key)
        extra = f"　［各户档案：{computed}］" if computed is not None else ""
        print(f"  {label}：{'' if value is None else value}{extra}")
    for d in view["differences"]:
        print(f"不一致：{difference_message(d)}")
    tests = view["poor_village_tests"]
    for key, label in TEST_LABELS.items():
        met = tests[key]["met"]
        print(f"{label}：{'符合' if met else ('无法判断' if met is None else '不符合')}（{tests[key]['text']}）")
    return 0


def _labels() -> list[tuple[str, str]]:
    from fupin_desktop.formspec import load_form

    return [(f.id, f.label) for f in load_form("village").grid_fields()]


def cmd_export(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        year = default_year(store) if args.year is None else args.year
        path, count = village_forms.export_forms(store, args.out, year)
    if _json(args):
        print_json({"path": str(path), "villages": count, "year": year})
    else:
        print(f"已导出 {count} 个村的{year}年贫困村登记表：{path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        saved = village_forms.import_forms(store, args.file, args.year).value
    out: dict[str, Any] = {"imported": len(saved), "villages": [{"village": f.village, "year": f.year,
                                                                 "revision": f.revision} for f in saved]}
    if _json(args):
        print_json(out)
    else:
        print(f"已导入 {len(saved)} 份贫困村登记表：" + "、".join(f"{f.village}（{f.year}）" for f in saved))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        doc = statistics(store, args.year, args.village)
    if _json(args):
        print_json(doc)
        return 0
    t = doc["township"]
    print(f"{t['name']} {doc['year']}年：建档立卡 {doc['households']} 户 {doc['persons']} 人，"
          f"未脱贫 {t['poor_households']} 户 {t['poor_persons']} 人，贫困发生率 {_rate(t['incidence'])}")
    print("村名\t户数\t人数\t未脱贫人数\t贫困发生率\t主要致贫原因")
    for v in doc["villages"]:
        causes = "、".join(f"{c}{n}" for c, n in list(v["causes"].items())[:3])
        print(f"{v['village']}\t{v['households']}\t{v['persons']}\t{v['poor_persons']}\t{_rate(v['incidence'])}\t{causes}")
    return 0


def _rate(value: float | None) -> str:
    return "—（缺村总人口）" if value is None else f"{value:.2f}%"


def cmd_report(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        if args.name.strip() in ("summary", "汇总", "一页汇总"):
            from fupin_desktop.printing.summary import write_summary

            path = write_summary(store, args.out, args.year)
            title, pages = "一页汇总", 1
        else:
            try:
                reports.report_key(args.name)
            except Exception as exc:
                raise CliError(str(exc)) from exc
            path, title = reports.write_report(store, args.name, args.out, args.year)
            pages = 0
    if _json(args):
        print_json({"path": str(path), "report": title, **({"pages": pages} if pages else {})})
    else:
        print(f"已生成{title}：{path}", file=sys.stdout)
    return 0
