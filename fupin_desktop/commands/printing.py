"""``fupin print``: cards, Handbooks, village batches, publicity notices and blank forms as PDF.

    fupin print card|handbook --db PATH --household ID [--year Y] --out FILE.pdf   (Y closed: that year's file)
    fupin print village-cards|village-handbooks --db PATH --village NAME [--year Y] --out FILE.pdf
    fupin print notice --db PATH --village NAME --round first|second|announce [--start YYYY-MM-DD] --out FILE.pdf
    fupin print blank card|handbook|members --out FILE.pdf [--db PATH]

Characters no font has are listed on stderr as warnings (``--json``: in ``warnings``); the PDF
is still written, with 〓 in their place.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fupin_desktop.commands import education
from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.commands._household_ref import current_household, household_ref
from fupin_desktop.domain.values import FieldValueError, parse_date
from fupin_desktop.printing import casework as casework_docs
from fupin_desktop.printing import service
from fupin_desktop.printing.notice import ROUNDS
from fupin_desktop.printing.service import PrintError, PrintResult
from fupin_desktop.rules.policy import PUBLICITY_DAYS, YEARS
from fupin_desktop.store import Store, year_files, years

ROUND_CHOICES = ("first", "second", "announce")


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``fupin print`` and its documents."""
    p = add("print", "打印：登记卡、扶贫手册、公示公告、空白表（PDF）")
    docs = p.add_subparsers(dest="document", metavar="DOCUMENT")
    docs.required = True

    def doc(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = docs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.add_argument("--out", required=True, metavar="FILE.pdf", help="输出的 PDF 文件")
        sp.add_argument("--font", help="打印字体：字体文件路径或 SimSun 等字体名（默认内置文泉驿微米黑）")
        sp.set_defaults(func=func)
        return sp

    for name, label in (("card", "一户的贫困户登记卡"), ("handbook", "一户的扶贫手册（六个部分）")):
        sp = doc(name, label, cmd_household)
        sp.add_argument("--household", type=household_ref, required=True, metavar="HOUSEHOLD",
                        help="户的编号或户编号（fupin households 可查）")
        sp.add_argument("--year", type=int_arg(*YEARS, "年度"),
                        help="年度：往年（已结转）的打印该户当年的档案，只读（默认当前登记年度；fupin year show 可查）")
    for name, label in (("village-cards", "全村各户的登记卡"), ("village-handbooks", "全村各户的扶贫手册")):
        sp = doc(name, label, cmd_village)
        sp.add_argument("--village", required=True, metavar="NAME")
        sp.add_argument("--year", type=int_arg(*YEARS, "年度"), help="年度：往年（已结转）的打印全村当年的档案（默认当前年度）")
    n = doc("notice", "公示/公告名单", cmd_notice)
    n.add_argument("--village", metavar="NAME", help="村名（按 first|second|announce 打印全村时必填）")
    n.add_argument("--round", required=True, type=_round_arg, metavar="ROUND",
                   help="公示编号（fupin publicity list 可查），或 first 第一次公示，second 第二次公示，announce 公告")
    n.add_argument("--start", metavar="YYYY-MM-DD", help="公示开始日期（默认今天）")
    n.add_argument("--days", type=int_arg(*PUBLICITY_DAYS, "公示天数"),
                   help=f"公示天数 {PUBLICITY_DAYS[0]}-{PUBLICITY_DAYS[1]}（默认按政策参数，一般 7 天）")
    n.add_argument("--year", type=int_arg(*YEARS, "年度"), help="年度（默认取各户的登记年度）")
    n.add_argument("--phone", help="监督电话（默认取设置）")
    n.add_argument("--issuer", help="发布单位（默认：第一次公示为村委会，第二次为乡镇人民政府，公告为县扶贫开发领导小组）")
    education.register_print(doc)
    a = doc("appraisal", "民主评议表（按年人均纯收入由低到高）", cmd_appraisal)
    a.add_argument("--village", required=True, metavar="NAME")
    a.add_argument("--xlsx", metavar="FILE.xlsx", help="同时导出 Excel")
    a.add_argument("--year", type=int_arg(*YEARS, "年度"), help="年度（默认最近的识别年度）")
    r = doc("refusal", "不予认定（不予受理）告知书", cmd_refusal)
    r.add_argument("number", type=household_ref, metavar="NUMBER", help="户编号")
    pv = doc("village", "贫困村登记表（填好的，或 --blank 空白表）", cmd_village_form)
    pv.add_argument("name", metavar="NAME", help="村名")
    pv.add_argument("--year", type=int_arg(*YEARS, "年度"), help="年度（默认最近一年）")
    pv.add_argument("--blank", action="store_true", help="打印空白表")
    b = doc("blank", "空白表：登记卡、扶贫手册、家庭成员表", cmd_blank)
    b.add_argument("kind", choices=("card", "handbook", "members"))
    b.add_argument("--copies", type=int_arg(1, service.MAX_COPIES, "份数"), default=1,
                   help=f"份数 1-{service.MAX_COPIES}")


def _report(args: argparse.Namespace, result: PrintResult, what: str) -> int:
    if getattr(args, "json", False):
        print_json(result.as_json())
    else:
        for warning in result.warnings:
            print(f"警告：{warning}", file=sys.stderr)
        print(f"已生成{what}：{result.path}（{result.pages} 页）")
    return 0


def _progress(args: argparse.Namespace) -> Callable[[int, int], None] | None:
    if getattr(args, "json", False) or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r正在生成 {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return show


def _run(func: Callable[[], PrintResult]) -> PrintResult:
    try:
        return func()
    except PrintError as exc:
        raise CliError(str(exc)) from exc


def cmd_household(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        year = args.year
        if year is not None and years.is_read_only_year(store.db, year):
            if year not in years.years(store.db):
                raise CliError(f"没有 {year} 年度的档案。已有年度：{'、'.join(map(str, years.years(store.db)))}。")
            uuids = _year_household(store, args.household)
            result = _run(lambda: service.print_year_files(
                store, uuids, year, Path(args.out), document=args.document, font=args.font))
            return _report(args, result, f"{year}年度{service.DOCUMENT_TITLES[args.document]}（往年档案）")
        household = current_household(store, args.household)
        result = _run(lambda: service.print_households(
            store, [household], Path(args.out), document=args.document, font=args.font))
    return _report(args, result, service.DOCUMENT_TITLES[args.document])


def _year_household(store: Store, ref: str) -> list[str]:
    """The household ``ref`` names for a closed year: a current one, else one only that year's files hold."""
    try:
        return [years_uuid(store, current_household(store, ref))]
    except CliError:
        found = years.uuids_by_number(store.db, ref)
        if len(found) == 1:
            return found
        if len(found) > 1:
            raise CliError(f"户编号为 {ref} 的户不止一户。请改用 fupin households 第一列的编号。") from None
        raise


def years_uuid(store: Store, household_id: int) -> str:
    return year_files.household_uuids(store.db, [household_id])[household_id]


def cmd_village(args: argparse.Namespace) -> int:
    document: service.HouseholdDocument = "card" if args.document == "village-cards" else "handbook"
    with open_existing(getattr(args, "db", None)) as store:
        year = args.year
        if year is not None and years.is_read_only_year(store.db, year):
            if year not in years.years(store.db):
                raise CliError(f"没有 {year} 年度的档案。已有年度：{'、'.join(map(str, years.years(store.db)))}。")
            files = sorted(years.snapshot_summaries(store.db, year, village=args.village), key=lambda s: s.number)
            if not files:
                raise CliError(f"{args.village}没有 {year} 年度的档案（村名见 fupin households --year {year}）。")
            result = _run(lambda: service.print_year_files(
                store, [s.household_uuid for s in files], year, Path(args.out), document=document, font=args.font,
                progress=_progress(args)))
            return _report(args, result, f"{args.village}{year}年度{service.DOCUMENT_TITLES[document]}"
                                         f"（{result.households} 户）")
        result = _run(lambda: service.print_village(
            store, args.village, Path(args.out), document=document, font=args.font, progress=_progress(args)))
    return _report(args, result, f"{args.village}{service.DOCUMENT_TITLES[document]}（{result.households} 户）")


def _round_arg(text: str) -> str | int:
    """``--round``: a publicity round's number, or first|second|announce."""
    value = text.strip()
    if value in ROUND_CHOICES:
        return value
    if value.isdigit() and 0 < int(value) < 1 << 62:
        return int(value)
    raise argparse.ArgumentTypeError(f"公示轮次应为公示编号（fupin publicity list 可查）或 first、second、announce，现为“{text[:40]}”")


def cmd_appraisal(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        result = _run(lambda: casework_docs.print_appraisal(store, args.village, Path(args.out), xlsx=args.xlsx,
                                                            year=args.year, font=args.font))
    return _report(args, result, f"{args.village}民主评议表（{result.households} 户）")


def cmd_refusal(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        household = current_household(store, args.number)
        result = _run(lambda: casework_docs.print_refusal(store, household, Path(args.out), font=args.font))
    return _report(args, result, "告知书")


def cmd_notice(args: argparse.Namespace) -> int:
    if isinstance(args.round, int):
        with open_existing(getattr(args, "db", None)) as store:
            number = args.round
            result = _run(lambda: casework_docs.print_round_notice(store, number, Path(args.out), phone=args.phone,
                                                                   font=args.font))
        return _report(args, result, f"第 {number} 号公示名单（{result.households} 户）")
    if not args.village:
        raise CliError("按 first、second、announce 打印全村名单时须给出 --village 村名")
    start: date | None = None
    if args.start:
        try:
            start = parse_date(args.start)
        except FieldValueError as exc:
            raise CliError(f"--start：{exc}") from exc
    with open_existing(getattr(args, "db", None)) as store:
        result = _run(lambda: service.print_notice(
            store, args.village, args.round, Path(args.out), start=start, days=args.days, year=args.year,
            phone=args.phone, issuer=args.issuer, font=args.font))
    return _report(args, result, f"{args.village}{ROUNDS[args.round]}（{result.households} 户）")


def cmd_village_form(args: argparse.Namespace) -> int:
    from fupin_desktop.printing.village import print_village_form

    with open_existing(getattr(args, "db", None)) as store:
        result = _run(lambda: print_village_form(store, args.name, Path(args.out), year=args.year, blank=args.blank,
                                                 font=args.font))
    return _report(args, result, "贫困村登记表" + ("（空白）" if args.blank else ""))


def cmd_blank(args: argparse.Namespace) -> int:
    db = getattr(args, "db", None)
    if db:
        with open_existing(db) as store:
            result = _run(lambda: service.print_blank(args.kind, Path(args.out), store=store, font=args.font,
                                                      copies=args.copies))
    else:
        result = _run(lambda: service.print_blank(args.kind, Path(args.out), font=args.font, copies=args.copies))
    return _report(args, result, f"空白{service.DOCUMENT_TITLES[args.kind]}")
