"""``fupin backup create|list|verify|restore``: the headless face of 文件 → 备份与恢复.

``--folder`` overrides the backup folder (default: the one set in the database, else
``backups/`` beside it).  ``restore`` needs ``--yes`` when nobody can be asked.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from fupin_desktop.commands._base import CliError, open_existing, print_json
from fupin_desktop.store import Store, backups
from fupin_desktop.store.backups import BackupInfo
from fupin_desktop.store.restore import restore as restore_backup

#: Reasons a clerk may give to ``fupin backup create --reason``.
CREATE_REASONS = (backups.MANUAL, backups.DAILY)


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    backup = add("backup", "备份与恢复：立即备份、列出、验证、从备份恢复")
    verbs = backup.add_subparsers(dest="backup_command", metavar="VERB")
    backup.set_defaults(func=lambda _args: _missing_verb(backup))

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.add_argument("--folder", metavar="DIR", help="备份文件夹（默认：设置中的备份文件夹）")
        sp.set_defaults(func=func)
        return sp

    c = verb("create", "立即备份当前数据库", cmd_create)
    c.add_argument("--reason", default=backups.MANUAL, choices=CREATE_REASONS, help="备份原因（默认 手动）")
    verb("list", "列出备份（最新的在前）", cmd_list)
    v = verb("verify", "重新检查备份是否完好", cmd_verify)
    v.add_argument("files", nargs="*", metavar="FILE", help="要检查的备份（默认：备份文件夹里的全部）")
    r = verb("restore", "用一份备份替换当前数据（先自动备份当前数据）", cmd_restore)
    r.add_argument("file", metavar="FILE", help="备份文件（或备份文件夹里的文件名）")
    r.add_argument("--yes", action="store_true", help="确认恢复（不再询问）")


def _folder(args: argparse.Namespace, store: Store) -> Path:
    return Path(args.folder) if args.folder else backups.folder(store.db)


def cmd_create(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        info = backups.create(store.db, args.reason, to=_folder(args, store))
    if args.json:
        print_json(info.to_json())
    else:
        print(f"已备份：{info.path}（{info.households} 户 {info.persons} 人，已验证）")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        where = _folder(args, store)
        code, _ = backups.identity(store.db.conn)
    found = backups.list_backups(where, township_code=code or None)
    if args.json:
        print_json({"folder": str(where), "backups": [b.to_json() for b in found]})
        return 0
    print(f"备份文件夹：{where}")
    if not found:
        print("还没有备份。")
    for b in found:
        print(_line(b))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        where = _folder(args, store)
        code, _ = backups.identity(store.db.conn)
    files = [_resolve(f, where) for f in args.files] or [
        b.path for b in backups.list_backups(where, township_code=code or None)]
    checked = [backups.verify(p) for p in files]
    ok = all(b.problem is None for b in checked)
    if args.json:
        print_json({"folder": str(where), "ok": ok, "backups": [b.to_json() for b in checked]})
    else:
        if not checked:
            print(f"{where} 里没有备份。")
        for b in checked:
            print(f"{'完好' if b.problem is None else '有问题'}\t{b.path.name}" + (f"\t{b.problem}" if b.problem else ""))
    return 0 if ok else 1


def cmd_restore(args: argparse.Namespace) -> int:
    with open_existing(args.db, writes=True) as store:
        where = _folder(args, store)
        path = _resolve(args.file, where)
        if not args.yes and not _confirm(path, store.path):
            raise CliError("没有恢复：需要确认。非交互使用时请加 --yes。当前数据没有任何改动。")
        result = restore_backup(store.db, path, to=where)
    if args.json:
        print_json(result.to_json())
    else:
        if result.safety is not None:
            print(f"恢复前的数据已备份到：{result.safety.path}")
        print(f"已从 {path.name} 恢复：{result.households} 户 {result.persons} 人。")
    return 0


def _resolve(name: str, where: Path) -> Path:
    """A path as given, or a file name in the backup folder."""
    path = Path(name)
    if not path.exists() and not path.is_absolute() and (where / path.name).exists():
        return where / path.name
    return path


def _confirm(path: Path, db: Path) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    answer = input(f"用 {path.name} 替换 {db} 的当前数据吗？当前数据会先自动备份。[y/N] ")
    return answer.strip().lower() in ("y", "yes", "是")


def _line(b: BackupInfo) -> str:
    if b.problem is not None:
        return f"{b.path.name}\t有问题：{b.problem}"
    size = f"{b.size / 1_048_576:.1f} MB"
    verified = "已验证" if b.verified_at else "未验证"
    return f"{b.local_time}\t{b.reason}\t{size}\t{b.households} 户 {b.persons} 人\t{verified}\t{b.path.name}"


def _missing_verb(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    raise CliError("请给出 backup 的子命令，如 fupin backup create。")
