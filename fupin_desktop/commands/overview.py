"""``fupin overview``: the receiving side's read-only overview window (counties > townships > villages).

    fupin overview [--database postgresql://… | --db COUNTY.db] [--json] [--screenshot FILE.png]

``--json`` prints the tree instead of opening the window (as ``fupin sync tree --json``).
"""

from __future__ import annotations

import argparse
from typing import Any

from fupin_desktop.commands._base import AddCommand, print_json
from fupin_desktop.commands.sync import database_url, receiving


def read_tree(args: argparse.Namespace) -> list[dict[str, Any]]:
    with receiving(args, writes=False) as store:
        return store.sync.receiving_tree()


def cmd_overview(args: argparse.Namespace) -> int:
    if args.json:
        print_json({"counties": read_tree(args)})
        return 0
    tree = read_tree(args)  # a wrong address or file is said here, before any window opens
    from PySide6.QtCore import QTimer

    from fupin_desktop.ui.app import make_app
    from fupin_desktop.ui.overview import OverviewWindow

    app: Any = make_app()
    where = database_url(args)
    from fupin_desktop.store.pg.url import safe_url

    window = OverviewWindow(safe_url(where) if where else str(getattr(args, "db", None) or "县级数据库"), lambda: read_tree(args))
    window.show_tree(tree)
    window.show()
    if args.screenshot:
        def shoot() -> None:
            window.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(200, shoot)
    return int(app.exec())


def register(add: AddCommand) -> None:
    p = add("overview", "县里/省里：接收端总览窗口（各县、乡镇、村的户数，只读）")
    p.add_argument("--database", metavar="URL", default=None,
                   help="接收端的 PostgreSQL 数据库 postgresql://…（也可用环境变量 FUPIN_DATABASE_URL）")
    p.add_argument("--screenshot", metavar="FILE.png", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_overview)
