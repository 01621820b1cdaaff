"""``fupin sync ...``: keys, export, county import, feedback, upload and the receiving service.

Private keys are unlocked with the passphrase in ``FUPIN_PASSPHRASE``, or asked for on the
terminal when there is one.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from fupin_desktop import fileio
from fupin_desktop.commands._base import (
    CliError,
    db_path,
    float_arg,
    int_arg,
    new_database,
    open_existing,
    open_store,
    print_json,
)
from fupin_desktop.commands._receiving import database_url
from fupin_desktop.commands.encryption import new_county_encryption
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import RuleContext
from fupin_desktop.store import Store, cipher
from fupin_desktop.sync.format import SyncError
from fupin_desktop.sync.keys import PASSPHRASE_ENV, env_passphrase

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore


def passphrase(*, confirm: bool = False) -> str | None:
    value = env_passphrase()
    if value is not None:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass("私钥口令：")
        if confirm and getpass.getpass("再输入一次口令：") != first:
            raise CliError("两次输入的口令不一致。")
        return first
    raise CliError(f"需要私钥口令：请设置环境变量 {PASSPHRASE_ENV}。")


def export_context(store: Store) -> RuleContext:
    """The rules' township-wide context (other households from one bulk index, not a query each)."""
    from fupin_desktop import quality
    from fupin_desktop.store.crossrecord import load_memory_records

    return quality.context(store, load_memory_records(store.db))


def receiving(args: argparse.Namespace, *, writes: bool = True) -> Store | PgStore:
    """The receiving database a county verb works on: PostgreSQL (``--database``) or a county file."""
    url = database_url(args)
    if url is not None:
        from fupin_desktop.store.pg.store import PgStore

        return PgStore(url)
    return open_existing(args.db, writes=writes)


def _guard(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except SyncError as exc:
            raise CliError(str(exc)) from exc

    return run


# -- keys ------------------------------------------------------------------------------------
def cmd_init_county(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.keys import check_county, check_new_passphrase, init_county, write_key_file

    code, name = args.county_code.strip(), args.county_name.strip()
    encrypted: bool | None = None
    if database_url(args) is not None:
        with receiving(args) as store:
            pub = init_county(store.sync, code, name,
                              passphrase(confirm=True) if store.sync.county() is None else None,
                              operator=store.operator)
    elif not fileio.exists(db_path(args.db)):
        # A new county database: everything is checked first, then it is built under a temporary
        # name and moved into place whole, so a refusal or Ctrl+C leaves no file behind.
        check_county(code, name)
        secret = passphrase(confirm=True)
        check_new_passphrase(secret)
        with new_database(args.db) as store:
            pub = init_county(store.sync, code, name, secret, operator=store.operator)
        encrypted = new_county_encryption(args)  # issue 18: encrypted by default (its 管理员: --user)
    else:
        with open_store(args.db) as store:
            pub = init_county(store.sync, code, name,
                              passphrase(confirm=True) if store.sync.county() is None else None,
                              operator=store.operator)
    write_key_file(Path(args.out), pub)
    result = {"county": pub.code, "name": pub.name, "fingerprint": pub.fingerprint, "public_key": args.out}
    if database_url(args) is None:
        result["encrypted"] = cipher.is_encrypted(db_path(args.db)) if encrypted is None else encrypted
    if args.json:
        print_json(result)
    else:
        print(f"县级数据库 {pub.name}（{pub.code}）已就绪。县公钥已写入 {args.out}，请交给各乡镇。")
        print(f"县公钥指纹：{pub.fingerprint}（乡镇导入时请电话核对）")
    return 0


def cmd_trust(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.keys import (
        CountyPublic,
        read_key_file,
        register_township,
        trust_county,
    )

    if bool(args.county_key) == bool(args.township_key):
        raise CliError("请给出 --county-key（乡镇导入县公钥）或 --township-key（县里登记乡镇公钥）其中之一。")
    key_file = Path(args.county_key or args.township_key)
    pub = read_key_file(key_file)
    with receiving(args) as store:
        repo = store.sync
        if args.county_key:
            if not isinstance(pub, CountyPublic):
                raise CliError(f"{key_file.name} 是乡镇公钥，不是县公钥。")
            trust_county(repo, pub, replace=args.replace)
            result = {"trusted": "county", "code": pub.code, "name": pub.name, "fingerprint": pub.fingerprint}
        else:
            if isinstance(pub, CountyPublic):
                raise CliError(f"{key_file.name} 是县公钥，不是乡镇公钥。")
            register_township(repo, pub, store.operator, replace=args.replace)
            result = {"trusted": "township", "code": pub.code, "name": pub.name, "fingerprint": pub.fingerprint}
    if args.json:
        print_json(result)
    else:
        kind = "县" if result["trusted"] == "county" else "乡镇"
        print(f"已信任{kind}公钥：{pub.name}（{pub.code}）")
        print(f"指纹：{pub.fingerprint}（请与对方电话核对）")
    return 0


def cmd_township_key(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.keys import ensure_township_key, township_public, write_key_file

    with open_existing(args.db) as store:
        repo = store.sync
        existing = township_public(repo)
        pub = existing or ensure_township_key(repo, passphrase(confirm=True))
    write_key_file(Path(args.out), pub)
    result = {"township": pub.code, "name": pub.name, "fingerprint": pub.fingerprint, "public_key": args.out,
              "created": existing is None}
    if args.json:
        print_json(result)
    else:
        print(f"乡镇公钥已写入 {args.out}，请交给县扶贫办登记。")
        print(f"乡镇密钥指纹：{pub.fingerprint}（县里登记时请电话核对）")
    return 0


# -- export / import -------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.export import export_batch

    with open_existing(args.db, writes=True) as store:
        result = export_batch(store, Path(args.out), passphrase=passphrase(), full=args.full,
                              context=export_context(store))
    if args.json:
        print_json(result.to_json())
    else:
        print(result.message)
        if result.batch:
            print(result.batch)
        for h in result.held_back:
            print(f"  暂不导出：{h['village']} {h['group']} 户编号 {h['number']} {h['head_name']}：{'；'.join(h['errors'])}",
                  file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.county_import import import_files

    with receiving(args) as store:
        results = import_files(store, [Path(p) for p in args.batches], passphrase=passphrase()).value
    if args.json:
        print_json([r.to_json() for r in results])
    else:
        for r in results:
            label = {"imported": "已导入", "already-imported": "已导入过", "refused": "已拒绝"}[r.status]
            print(f"{label}\t{Path(r.batch).name}\t{r.message}")
    return 1 if any(r.status == "refused" for r in results) else 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.feedback import write_feedback

    with receiving(args, writes=False) as store:
        written = write_feedback(store, args.township, Path(args.out), passphrase=passphrase())
    if args.json:
        print_json(written.to_json())
    else:
        print(f"已写出给 {written.township_name}（{written.township}）的反馈：{written.path}"
              f"（{written.batches} 批，拒收 {written.rejected} 条，"
              f"冲突 {written.conflicts} 户，跨乡重复 {written.duplicates} 人）")
    return 0


def cmd_import_feedback(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.feedback import import_feedback

    with open_existing(args.db, writes=True) as store:
        view = import_feedback(store, Path(args.file)).value
    if args.json:
        print_json(view)
    else:
        print(f"{view['county']} 的反馈（{local_time(view['created_at'])}）：县里已收到 {len(view['batches'])} 批"
              + ("（此前已导入过该反馈）" if view["already_imported"] else ""))
        if view["missing_sequences"]:
            print(f"县里缺少第 {'、'.join(map(str, view['missing_sequences']))} 批，请补交。")
        for r in view["rejected"]:
            print(f"  拒收：户编号 {r['number']} {r['head_name']}：{'；'.join(r['reasons'])}")
        for c in view["conflicts"]:
            if c["state"] == "open":
                print(f"  冲突待县里处理：户编号 {c['number']} {c['head_name']}：{c['reason']}")
        for d in view["duplicates"]:
            print(f"  跨乡重复：{d['member_name']}（户编号 {d['number']} {d['head_name']}）"
                  f"也登记在 {d['other_township']}")
    return 0


# -- network ---------------------------------------------------------------------------------
def cmd_upload(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.upload import UPLOAD_LABELS, upload_pending

    with open_existing(args.db) as store:
        results = upload_pending(store, args.url, timeout=args.timeout, attempts=args.attempts)
    if args.json:
        print_json([r.to_json() for r in results])
    else:
        if not results:
            print("没有待上传的批次。")
        for r in results:
            print(f"第 {r.sequence} 批\t{UPLOAD_LABELS.get(r.state, r.state)}\t{r.message}")
    # Conflicts are the county's to resolve (as with ``sync import``): only a batch not delivered
    # or refused by the county is a failure.
    return 1 if any(r.state == "failed" or r.refused for r in results) else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from fupin_desktop.sync.server import serve

    url = database_url(args)
    path: str | Path = url if url is not None else db_path(args.db)
    if url is None and not Path(path).exists():
        raise CliError(f"数据库 {path} 不存在。")
    with open_existing(args.db) as store:  # --user logs in here: the server imports as that user
        store.require(Action.SYNC)
        actor = store.accounts.current()
    serve(path, args.host, args.port, passphrase=passphrase(), spool=args.spool, actor=actor)
    return 0


def cmd_tree(args: argparse.Namespace) -> int:
    with receiving(args, writes=False) as store:
        counties = store.sync.receiving_tree()
    if args.json:
        print_json({"counties": counties})
    else:
        for c in counties:
            print(f"{c['name'] or c['code']}（{c['code']}）\t{c['households']} 户")
            for t in c["townships"]:
                print(f"  {t['name']}（{t['code']}）\t{t['households']} 户")
                for v in t["villages"]:
                    print(f"    {v['name']}\t{v['households']} 户")
    return 0


def cmd_students(args: argparse.Namespace) -> int:
    """``fupin sync students``: each township's education students as its batches carried them (issue 16)."""
    from fupin_desktop.rules import education as rules

    try:
        year = rules.school_year(args.school_year) if args.school_year else None
    except rules.EducationError as exc:
        raise CliError(str(exc)) from exc
    with receiving(args, writes=False) as store:
        township = args.township.strip() if args.township else None
        if township is not None and store.sync.township(township) is None:
            raise CliError(f"县里没有登记代码为 {township} 的乡镇（fupin sync tree 可查）。")
        students = store.sync.received_students(year, township_code=township)
    if args.json:
        print_json(students)
    else:
        for s in students:
            batch = f"第{s['batch']}批 {s['total']} 元" if s.get("batch") else "未纳入批次"
            print(f"{s['township']}\t{s['school_year']}\t{s['village']}\t{s['household']}\t{s['name']}"
                  f"\t{s['school_type'] or '未登记学校'}\t{batch}")
        print(f"共 {len(students)} 名学生", file=sys.stderr)
    return 0


def register(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    sync = add("sync", "县乡数据交换：密钥、导出、导入、反馈、上传")
    verbs = sync.add_subparsers(dest="sync_command", metavar="VERB")
    sync.set_defaults(func=lambda _args: _missing_verb(sync))

    def verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verbs.add_parser(name, help=helptext)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="输出 JSON")
        sp.set_defaults(func=_guard(func))
        return sp

    def receiving_verb(name: str, helptext: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = verb(name, helptext, func)
        sp.add_argument("--database", metavar="URL", default=None,
                        help="接收端的 PostgreSQL 数据库 postgresql://…（也可用环境变量 FUPIN_DATABASE_URL）")
        return sp

    p = receiving_verb("init-county", "县里：初始化县级数据库并生成县密钥", cmd_init_county)
    p.add_argument("--county-code", required=True)
    p.add_argument("--county-name", required=True)
    p.add_argument("--out", required=True, help="县公钥文件（交给各乡镇）")
    p.add_argument("--no-encrypt", action="store_true",
                   help="新建的县级数据库不加密（默认加密：--user 为其管理员，密码取自 FUPIN_PASSWORD）")

    p = receiving_verb("trust", "导入县公钥（乡镇）或登记乡镇公钥（县里）", cmd_trust)
    p.add_argument("--county-key", help="县公钥文件（在乡镇数据库上）")
    p.add_argument("--township-key", help="乡镇公钥文件（在县级数据库上）")
    p.add_argument("--replace", action="store_true", help="对方换了密钥时，电话核对新指纹后替换旧密钥")

    p = verb("township-key", "乡镇：生成（首次）并导出本乡签名公钥", cmd_township_key)
    p.add_argument("--out", required=True)

    p = verb("export", "乡镇：导出上次以来的变更批次", cmd_export)
    p.add_argument("--out", required=True, help="导出到的文件夹（如 U 盘）")
    p.add_argument("--full", action="store_true", help="导出全部数据")

    p = receiving_verb("import", "县里：导入批次文件", cmd_import)
    p.add_argument("batches", nargs="+", metavar="BATCH")

    p = receiving_verb("feedback", "县里：导出给某乡镇的反馈文件", cmd_feedback)
    p.add_argument("--township", required=True, metavar="CODE")
    p.add_argument("--out", required=True)

    p = verb("import-feedback", "乡镇：导入县里的反馈文件", cmd_import_feedback)
    p.add_argument("file", metavar="FILE")

    p = verb("upload", "乡镇：把待送批次上传到县里", cmd_upload)
    p.add_argument("--url", required=True)
    p.add_argument("--timeout", type=float_arg(0.1, 3600, "超时秒数"), default=30.0, help=argparse.SUPPRESS)
    p.add_argument("--attempts", type=int_arg(1, 100, "重试次数"), default=5, help=argparse.SUPPRESS)

    receiving_verb("tree", "县里/省里：各县、乡镇、村的户数（只读总览）", cmd_tree)

    p = receiving_verb("students", "县里：各乡镇报送的教育资助学生（按学年）", cmd_students)
    p.add_argument("--school-year", metavar="2015-2016", help="学年（默认全部）")
    p.add_argument("--township", metavar="CODE", help="只列这个乡镇（乡镇代码）")

    p = receiving_verb("serve", "县里：运行接收批次的服务", cmd_serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int_arg(0, 65535, "端口"), default=8765)
    p.add_argument("--spool", metavar="DIR",
                   help="存放上传中批次的文件夹（默认在数据库旁：<数据库名>.uploads）；超过 24 小时没有进展的自动清除")


def _missing_verb(parser: argparse.ArgumentParser) -> NoReturn:
    parser.print_help(sys.stderr)
    raise CliError("请给出 sync 的子命令，如 fupin sync export。")
