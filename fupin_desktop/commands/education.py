"""``fupin education``: students of registered households and their subsidies (教育精准扶贫学生资助).

    fupin education students [--school-year 2015-2016] [--village NAME] [--school-type T] [--batch N] --json
    fupin education enrol ID_NUMBER --school-year Y --school NAME --school-type T [--outside-province]
                          [--received ITEM ...|--no-received]
    fupin education entitlement ID_NUMBER --school-year Y --json
    fupin education checklist ID_NUMBER --school-year Y [--tick KEY ...|--untick-all] --json
    fupin education apply ID_NUMBER --school-year Y --batch N --date D [--override REASON] --json
    fupin education withdraw ID_NUMBER --school-year Y
    fupin education roster --school-year Y --batch N --out F.xlsx [--full-id|--masked-id]
    fupin education table [--school-year Y] [--set TYPE:ITEM:AMOUNT ...] [--remove TYPE:ITEM ...]
    fupin education batch --school-year Y --batch N (--deadline D | --no-deadline)
    fupin education roster-ids full|masked
    fupin print education-form ID_NUMBER [--school-year Y] --out F.pdf

Without ``--school-year`` the latest school year of the policy profile is meant.  Refusals are
Chinese on stderr with exit code 2, and change nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fupin_desktop.commands._base import CliError, int_arg, open_existing, print_json
from fupin_desktop.domain.values import FieldValueError, parse_date
from fupin_desktop.excel.education_roster import RosterError, export_roster
from fupin_desktop.printing.education import print_education_form
from fupin_desktop.printing.service import PrintError
from fupin_desktop.rules import education as rules
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, settings
from fupin_desktop.store.education import EducationRepository, Student

BATCH = int_arg(1, rules.MAX_BATCH, "批次")


def default_year(policy: Policy) -> str:
    """The latest school year the profile has, else the one today falls in."""
    years = sorted(policy.education.years)
    return years[-1] if years else rules.school_year_of(date.today())


def _year(store: Store, text: str | None) -> str:
    if text is None:
        return default_year(store.policy.get())
    try:
        return rules.school_year(text)
    except rules.EducationError as exc:
        raise CliError(str(exc)) from exc


def _date(text: str, what: str) -> date:
    try:
        return parse_date(text)
    except FieldValueError as exc:
        raise CliError(f"{what}：{exc}") from exc


def _rule(func: Callable[[], Any]) -> Any:
    try:
        return func()
    except rules.EducationError as exc:
        raise CliError(str(exc)) from exc


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``fupin education`` and its verbs."""
    p = add("education", "教育精准扶贫学生资助：在校生、资助标准、批次申请、名册")
    verbs = p.add_subparsers(dest="education_command", metavar="VERB")

    def missing_verb(_args: argparse.Namespace) -> int:
        p.print_help(sys.stderr)
        print("错误：请给出要做的事，如 fupin education students", file=sys.stderr)
        return 2

    p.set_defaults(func=missing_verb)

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int], *, student: bool = False,
             year: bool = True) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        if student:
            sp.add_argument("id_number", metavar="ID_NUMBER", help="学生的身份证号（或残疾人证号）")
        if year:
            sp.add_argument("--school-year", metavar="2015-2016", help="学年（默认：政策参数中最近的学年）")
        sp.set_defaults(func=func)
        return sp

    s = verb("students", "列出在校生（高中及以上，或已登记学校的成员）", cmd_students)
    s.add_argument("--village", metavar="NAME")
    s.add_argument("--school-type", metavar="TYPE", help="、".join(rules.SCHOOL_TYPES))
    s.add_argument("--batch", type=BATCH, help="只列已纳入该批次的学生")
    e = verb("enrol", "登记学生本学年就读的学校", cmd_enrol, student=True)
    e.add_argument("--school", required=True, metavar="NAME", help="学校名称")
    e.add_argument("--school-type", required=True, metavar="TYPE", help="、".join(rules.SCHOOL_TYPES))
    e.add_argument("--outside-province", action="store_true", help="在省外就读（默认省内）")
    e.add_argument("--received", action="append", metavar="ITEM",
                   help="已享受政府或学校的同类资助项目（学费、教科书费、住宿费），可多次给出")
    e.add_argument("--no-received", action="store_true", help="清除已享受的项目")
    verb("entitlement", "学生可享受的资助项目和金额", cmd_entitlement, student=True)
    c = verb("checklist", "受理单位和申请材料清单（可勾选）", cmd_checklist, student=True)
    c.add_argument("--tick", action="append", metavar="KEY", help="勾选已交的材料：form、id、card、bank、enrolment")
    c.add_argument("--untick-all", action="store_true", help="取消全部勾选")
    a = verb("apply", "把学生纳入某批次的资助申请", cmd_apply, student=True)
    a.add_argument("--batch", type=BATCH, required=True)
    a.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="申请日期")
    a.add_argument("--override", metavar="REASON", help="逾期仍受理的理由（记入申请）")
    verb("withdraw", "撤回学生本学年的资助申请（录错时）", cmd_withdraw, student=True)
    r = verb("roster", "导出某批次的资助名册（Excel）", cmd_roster)
    r.add_argument("--batch", type=BATCH, required=True)
    r.add_argument("--out", required=True, metavar="FILE.xlsx")
    ids = r.add_mutually_exclusive_group()
    ids.add_argument("--full-id", dest="full_id", action="store_true", default=None, help="显示完整身份证号")
    ids.add_argument("--masked-id", dest="full_id", action="store_false", help="遮蔽身份证号")
    t = verb("table", "显示或修改某学年的资助标准", cmd_table)
    t.add_argument("--set", action="append", metavar="TYPE:ITEM:AMOUNT", help="如 普通高中:学费:760")
    t.add_argument("--remove", action="append", metavar="TYPE:ITEM", help="删去一项")
    b = verb("batch", "设置某学年的批次及其截止日期", cmd_batch)
    b.add_argument("--batch", type=BATCH, required=True)
    when = b.add_mutually_exclusive_group(required=True)
    when.add_argument("--deadline", metavar="YYYY-MM-DD")
    when.add_argument("--no-deadline", action="store_true")
    ri = verb("roster-ids", "资助名册中身份证号完整还是遮蔽（设置）", cmd_roster_ids, year=False)
    ri.add_argument("mode", choices=("full", "masked"))


def register_print(doc: Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]) -> None:
    """``fupin print education-form``: added by ``commands/printing.py`` with its other documents."""
    sp = doc("education-form", "学生的教育精准扶贫资助申请表（附登记卡）", cmd_print_form)
    sp.add_argument("id_number", metavar="ID_NUMBER")
    sp.add_argument("--school-year", metavar="2015-2016")


# -- verbs ------------------------------------------------------------------------------------
def _student(store: Store, args: argparse.Namespace) -> tuple[EducationRepository, Student]:
    repo = EducationRepository(store.db)
    return repo, repo.student(args.id_number, _year(store, args.school_year))


def _show(args: argparse.Namespace, data: Any, text: str) -> int:
    if getattr(args, "json", False):
        print_json(data)
    else:
        print(text)
    return 0


def cmd_students(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        year = _year(store, args.school_year)
        kind = _rule(lambda: rules.school_type(args.school_type)) if args.school_type else None
        if args.village and store.townships.village_by_name(args.village) is None:
            raise CliError(f"本乡没有“{args.village}”。")
        found = EducationRepository(store.db).students(year, village=args.village, school_type=kind, batch=args.batch)
    lines = [f"{s.village}{s.group} {s.household_number} {s.name} {s.id_number} {s.school_type or '（未定）'} "
             f"{s.enrolment.school if s.enrolment else '未登记学校'}"
             f"{' ' + s.application.batch_name if s.application else ''}" for s in found]
    return _show(args, [s.to_json() for s in found], "\n".join(lines) or f"{year} 学年没有在校生。")


def cmd_enrol(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        repo, student = _student(store, args)
        received = [] if args.no_received else args.received
        student = repo.enrol(student, school=args.school, school_type=args.school_type,
                             in_province=not args.outside_province, received=received, operator=store.operator)
    return _show(args, student.to_json(), f"已登记：{student.name} {student.school_year} 学年 "
                 f"{student.enrolment.school if student.enrolment else ''}（{student.school_type}）")


def _entitlement(store: Store, student: Student) -> rules.Entitlement:
    kind = student.school_type
    if kind is None:
        raise CliError(f"{student.name}的在校生状况为“{student.school_status}”，学校类型不能确定。"
                       "请先用 fupin education enrol 登记学校和类型。")
    try:
        return rules.entitlement(store.policy.get().education, student.school_year, kind, set(student.received))
    except rules.EducationError as exc:
        raise CliError(str(exc)) from exc


def cmd_entitlement(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        _, student = _student(store, args)
        owed = _entitlement(store, student)
    text = "\n".join(f"{i}\t{a}" for i, a in owed.items) + f"\n合计\t{owed.total}"
    return _show(args, owed.to_json(), f"{student.name}（{owed.school_type}）\n{text}")


def cmd_checklist(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=bool(args.tick or args.untick_all)) as store:
        repo, student = _student(store, args)
        if args.tick or args.untick_all:
            keep = [] if args.untick_all else [*(student.enrolment.documents if student.enrolment else ()), *args.tick]
            student = repo.set_documents(student, keep, store.operator)
        town = store.townships.get()
        county = town.county if town is not None else ""
    if student.enrolment is None:
        raise CliError(f"请先登记{student.name}的学校（fupin education enrol），才知道向哪里申请、带哪些材料。")
    e = student.enrolment
    where = rules.where_to_apply(e.school_type, e.in_province, county)
    docs = [{"key": k, "label": label, "ticked": k in e.documents} for k, label in rules.checklist(e.in_province)]
    text = f"受理单位：{where}\n" + "\n".join(f"{'☑' if d['ticked'] else '☐'} {d['key']}\t{d['label']}" for d in docs)
    return _show(args, {"where": where, "documents": docs}, text)


def cmd_apply(args: argparse.Namespace) -> int:
    day = _date(args.date, "申请日期")
    with open_existing(getattr(args, "db", None), writes=True) as store:
        repo, student = _student(store, args)
        student = repo.apply(student, store.policy.get(), batch=args.batch, day=day, override=args.override,
                             operator=store.operator)
    app = student.application
    assert app is not None
    data = {**student.to_json(), "items": [{"item": i, "amount": float(a)} for i, a in app.items],
            "total": float(app.total), "override": app.override or None}
    return _show(args, data, f"已纳入 {student.school_year} 学年{app.batch_name}：{student.name}，合计 {app.total} 元")


def cmd_withdraw(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        repo, student = _student(store, args)
        student = repo.withdraw(student, store.operator)
    return _show(args, student.to_json(), f"已撤回 {student.name} {student.school_year} 学年的资助申请")


def cmd_roster(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        year = _year(store, args.school_year)
        try:
            result = export_roster(store, year, args.batch, Path(args.out), full_ids=args.full_id)
        except RosterError as exc:
            raise CliError(str(exc)) from exc
    return _show(args, result.to_json(), f"已导出资助名册：{result.path}（{result.students} 人，合计 {result.total} 元）")


def _cell(text: str, parts: int) -> list[str]:
    pieces = [p.strip() for p in text.replace("：", ":").split(":")]
    if len(pieces) != parts or not all(pieces):
        raise CliError(f"“{text}”应写成 {'学校类型:项目:金额' if parts == 3 else '学校类型:项目'}，如 普通高中:学费:760")
    return pieces


def cmd_table(args: argparse.Namespace) -> int:
    changes = bool(args.set or args.remove)
    with open_existing(getattr(args, "db", None), writes=changes) as store:
        policy = store.policy.get()
        year = _year(store, args.school_year)
        education = policy.education
        try:
            for text in args.set or []:
                kind, item, amount = _cell(text, 3)
                education = education.with_amount(year, kind, item, rules.amount(amount, f"{kind}{item}"))
            for text in args.remove or []:
                kind, item = _cell(text, 2)
                education = education.with_amount(year, kind, item, None)
        except rules.EducationError as exc:
            raise CliError(str(exc)) from exc
        if changes:
            store.policy.put(dataclasses.replace(policy, education=education), store.operator)
        table_year, entry = _rule(lambda: education.year(year))
    data = {"school_year": year, "table_year": table_year,
            "table": {k: {i: float(a) for i, a in items.items()} for k, items in entry.table.items()},
            "batches": [{"batch": b.number, "name": b.name, "deadline": b.deadline.isoformat() if b.deadline else None}
                        for b in education.batches(year)]}
    lines = [f"{year} 学年资助标准" + (f"（沿用 {table_year} 学年）" if table_year != year else "")]
    lines += [f"{k}：" + "，".join(f"{i} {a} 元" for i, a in items.items()) for k, items in entry.table.items()]
    lines += [f"{b['name']}：截止 {b['deadline'] or '未定'}" for b in data["batches"]]
    return _show(args, data, "\n".join(lines))


def cmd_batch(args: argparse.Namespace) -> int:
    deadline = None if args.no_deadline else _date(args.deadline, "截止日期")
    with open_existing(getattr(args, "db", None), writes=True) as store:
        policy = store.policy.get()
        year = _year(store, args.school_year)
        education = _rule(lambda: policy.education.with_batch(year, args.batch, deadline))
        store.policy.put(dataclasses.replace(policy, education=education), store.operator)
    data = {"school_year": year, "batch": args.batch, "deadline": deadline.isoformat() if deadline else None}
    return _show(args, data, f"{year} 学年{rules.batch_name(args.batch)}：截止 {data['deadline'] or '未定'}")


def cmd_roster_ids(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None), writes=True) as store:
        settings.EDUCATION_FULL_ID.put(store.db, 1 if args.mode == "full" else 0)
    return _show(args, {"full_ids": args.mode == "full"},
                 "资助名册将显示完整身份证号" if args.mode == "full" else "资助名册将遮蔽身份证号")


def cmd_print_form(args: argparse.Namespace) -> int:
    with open_existing(getattr(args, "db", None)) as store:
        year = _year(store, args.school_year)
        try:
            result = print_education_form(store, args.id_number, year, Path(args.out), font=args.font)
        except PrintError as exc:
            raise CliError(str(exc)) from exc
    if getattr(args, "json", False):
        print_json(result.as_json())
    else:
        for warning in result.warnings:
            print(f"警告：{warning}", file=sys.stderr)
        print(f"已生成申请表：{result.path}（{result.pages} 页）")
    return 0
