"""``fupin import-excel`` and ``fupin export-excel``: the headless face of fupin_desktop.excel."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from fupin_desktop.commands._base import CliError, open_existing, print_json
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.exporter import CODE_STYLES, LAYOUTS, ExportError, export_workbook
from fupin_desktop.excel.importer import REJECTED, STATUS_LABELS, import_file
from fupin_desktop.excel.reader import ExcelRefused
from fupin_desktop.fileio import WriteError

#: Exit code when the import ran but some households were rejected.
EXIT_REJECTED = 1


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    i = add("import-excel", "从 Excel 花名册导入户和成员")
    i.add_argument("file", metavar="FILE", help=".xlsx / .xls / .ods 文件")
    i.add_argument("--sheet", help="工作表名称（默认：第一个能识别表头的工作表）")
    i.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    i.add_argument("--errors", metavar="OUT.xlsx", help="把未导入的行和原因写入这个错误工作簿")
    i.set_defaults(func=cmd_import_excel)

    e = add("export-excel", "导出 Excel（花名册、完整格式或空白模板）")
    e.add_argument("--out", required=True, metavar="FILE.xlsx")
    e.add_argument("--layout", choices=list(LAYOUTS), default="national",
                   help="national 一人一行花名册；full 完整格式（可导回）；template 空白模板")
    e.add_argument("--codes", choices=list(CODE_STYLES), default="label",
                   help="national 花名册中代码字段的写法：label 名称（默认，如 已脱贫（享受政策））；number 全国系统代码（如 1）")
    e.add_argument("--village", help="只导出这个村")
    e.set_defaults(func=cmd_export_excel)


def cmd_import_excel(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        if store.townships.get() is None:
            raise CliError("数据库还没有设置乡镇，请先用 fupin init 建立。")
        try:
            report, plan = import_file(store, args.file, sheet=args.sheet, dry_run=args.dry_run,
                                       progress=_progress(args))
        except ExcelRefused as exc:
            raise CliError(str(exc)) from exc
        if args.errors and report.rejected:
            try:
                write_error_workbook(plan, report, args.errors)
            except WriteError as exc:
                raise CliError(f"{report.summary()}。未导入的行没有写出——{exc}") from exc
    if not args.json:
        print(file=sys.stderr)
    data: dict[str, Any] = report.to_json()
    if args.json:
        print_json(data)
    else:
        print(report.summary())
        for note in report.notes:
            print(f"说明：{note}")
        for r in report.rows:
            if r.reasons or r.status == REJECTED:
                where = f"{r.sheet} 第{r.row}行" if report.layout == "full" else f"第{r.row}行"
                print(f"{where}\t{r.household_number}\t{STATUS_LABELS[r.status]}\t{'；'.join(r.reasons)}")
        if args.errors and report.rejected:
            print(f"未导入的行已写入 {args.errors}，改正后可再次导入。")
    return EXIT_REJECTED if report.rejected else 0


def cmd_export_excel(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        try:
            result = export_workbook(store, args.out, args.layout, village=args.village,
                                     progress=_progress(args), codes=args.codes)
        except ExportError as exc:
            raise CliError(str(exc)) from exc
        except WriteError as exc:
            raise CliError(str(exc)) from exc
        except OSError as exc:
            raise CliError(f"无法写入 {args.out}：{exc.strerror or exc}") from exc
    if args.json:
        print_json(result.to_json())
    else:
        print(file=sys.stderr)
        print(f"已导出 {result.households} 户 {result.persons} 人（{LAYOUTS[result.layout]}）-> {result.path}")
    return 0


def _progress(args: argparse.Namespace) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if not args.json and total and sys.stderr.isatty():  # a log file gets the result, not \r frames
            print(f"\r处理中 {done * 100 // total}%", end="", file=sys.stderr, flush=True)

    return show
