"""``fupin log-path``: where the program's log is, for a technician at a machine without the GUI."""

from __future__ import annotations

import argparse

from fupin_desktop import applog
from fupin_desktop.commands._base import AddCommand, print_json


def cmd_log_path(args: argparse.Namespace) -> int:
    where = {"log_dir": str(applog.log_dir()), "log_file": str(applog.log_file())}
    if args.json:
        print_json(where)
    else:
        print(where["log_file"])
    return 0


def register(add: AddCommand) -> None:
    p = add("log-path", "显示日志文件的位置（日志不含姓名、身份证号等个人信息）")
    p.set_defaults(func=cmd_log_path)
