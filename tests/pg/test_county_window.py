"""Issue 19 item 5: the county program reads the receiving database, a county SQLite file or a real
PostgreSQL server, the same way (the window does not know which).

One county receives the batches of two townships (both have a 炉场村); every test runs on both
back ends (``backend``): the village tree, the household list and its search, one household's form
(read-only on PostgreSQL), 数据质量 and ``fupin validate``, 统计 and ``fupin stats``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop import quality
from fupin_desktop.store import Store
from fupin_desktop.store.pg.store import PgStore
from fupin_desktop.store.pg.url import is_url
from fupin_desktop.store.village_view import statistics
from fupin_desktop.sync.keys import init_county
from tests.helpers import full_household
from tests.pg.test_receiving_backends import link
from tests.sync.world import (
    COUNTY_CODE,
    COUNTY_NAME,
    OTHER,
    OTHER_VILLAGES,
    PASSPHRASE,
    export,
    import_,
    make_township,
)

Receiving = Store | PgStore
TOWN_CODE, OTHER_CODE = "510822105", OTHER["code"]


def reading(target: str) -> Receiving:
    """The county program's own way of opening the receiving database (read-only on PostgreSQL)."""
    return PgStore(target, read_only=True) if is_url(target) else Store(target)


@pytest.fixture
def county(backend: str, tmp_path: Path) -> str:
    """Two townships' batches received: 茶坝乡 3 households, 马鹿乡 2 (one 张 among them)."""
    return fill(backend, tmp_path)


def fill(backend: str, tmp_path: Path) -> str:
    """The county's receiving database at ``backend`` with the same two townships' households."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    with (PgStore(backend) if is_url(backend) else Store(backend)) as store:
        init_county(store.sync, COUNTY_CODE, COUNTY_NAME, PASSPHRASE, store.operator)
        town = make_township(tmp_path / "chaba.db")
        other = make_township(tmp_path / "malu.db", OTHER, OTHER_VILLAGES)
        for t in (town, other):
            link(t, store)
        for seed in (1, 2, 3):
            hh = full_household(town.spec, seed=seed, number=f"51082210500000{seed}")
            if seed == 1:  # yes-no answers counted by the statistics (JSON true on both back ends)
                hh.fields.update(dilapidated=True, drinking_safe=False)
                hh.members[0].fields.update(in_ncms=True, in_pension=True)
            town.households.save(hh, "测试")
        other.households.save(full_household(other.spec, seed=7, number="510822106000001",
                                             names=("张三丰", "李小红")), "测试")
        other.households.save(full_household(other.spec, village="白果村", group="三组", seed=8,
                                             number="510822106000002"), "测试")
        import_(store, export(town, tmp_path / "stick1").batch, export(other, tmp_path / "stick2").batch)
        town.close()
        other.close()
    return backend


def test_households_list_search_and_one_household_read_alike(county: str) -> None:
    with reading(county) as store:
        assert store.households.count() == 5
        assert store.households.person_count() == sum(s.size for s in store.households.summaries(
            store.households.ids()))
        numbers = [s.number for s in store.households.summaries(store.households.ids())]
        assert numbers == sorted(numbers) and len(numbers) == 5
        malu = store.households.ids(township_code=OTHER_CODE)
        assert [s.township for s in store.households.summaries(malu)] == ["马鹿乡", "马鹿乡"]
        # the search box: a name, its pinyin initials, an ID fragment, a 户编号 fragment
        assert [s.number for s in store.households.summaries(store.households.ids(search="张三丰"))] == [
            "510822106000001"]
        assert store.households.ids(search="zsf") == store.households.ids(search="张三丰")
        hh = store.households.get(malu[0])
        assert hh is not None and hh.fields["township"] == "马鹿乡" and hh.fields["village"] == "炉场村"
        id_number = str(hh.members[0].get("id_number"))
        assert malu[0] in store.households.ids(search=id_number[-8:])
        assert store.households.ids(search="100%_") == []  # LIKE's own characters are taken literally
        assert [len(h.members) for h in store.households.iter_all()] == [
            len(store.households.get(i).members) for i in store.households.ids(order="village")]  # type: ignore[union-attr]
        villages = store.townships.villages(OTHER_CODE)
        assert {v.name for v in villages} == {"炉场村", "白果村"}
        assert store.sync.village_townships()[int(villages[0].id or 0)] == OTHER_CODE


def test_the_search_box_reads_the_trigram_index_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """At province scale the search must not read every household: an ID or 户编号 fragment of three or
    more characters is answered from the trigram index (PostgreSQL migration 0009)."""
    fill(pg_url, tmp_path)
    with PgStore(pg_url, read_only=True) as store:
        assert store.db.query_one("SELECT 1 FROM pg_indexes WHERE indexname = 'households_search'")
        number = "510822106000001"
        # a 户编号 fragment, and a three-character name where the server's ctype counts Chinese
        # characters as letters (the test cluster is C.UTF-8, as the README asks of a county's server)
        for text in (number[-9:], "张三丰"):
            with store.db.transaction():
                store.db.execute("SET LOCAL enable_seqscan = off")  # five rows: the planner would rather scan
                plan = "\n".join(str(r[0]) for r in store.db.query(
                    "EXPLAIN SELECT id FROM households WHERE search_text LIKE ?", (f"%{text}%",)))
                assert "Index Scan" in plan and "search_text_idx" in plan, plan
        assert store.households.ids(search=number[-9:]) == store.households.ids(search=number)
        assert len(store.households.ids(search="张三丰")) == 1


def test_quality_reads_alike(county: str) -> None:
    with reading(county) as store:
        report = quality.run_township(store)  # type: ignore[arg-type]
        assert report.households == 5 and not report.cancelled


def _fupin(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **(env or {})}, timeout=300)


def _target(county: str) -> list[str]:
    return ["--database", county] if is_url(county) else ["--db", county]


def test_validate_command_prints_the_same_json_on_both_back_ends(county: str) -> None:
    done = _fupin("validate", *_target(county), "--json")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["households"] == 5
    with reading(county) as store:
        in_process = quality.run_township(store)  # type: ignore[arg-type]
    assert len(report["findings"]) == len(in_process.findings)


def test_the_county_main_window_opens_on_the_receiving_database(qtbot, qapp, county: str,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    from fupin_desktop.ui.fonts import apply_default_font
    from fupin_desktop.ui.main_window import MainWindow
    from fupin_desktop.ui.receiving_app import open_for_window

    apply_default_font(qapp)
    store = open_for_window(county) if is_url(county) else Store(county)  # as `fupin --database` / `--db`
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.offer_drafts = False
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=20_000)
    # the tree: the county, its two townships, their villages
    root = window.tree.topLevelItem(0)
    assert root is not None
    towns = {root.child(i).text(0): root.child(i) for i in range(root.childCount())}
    assert {"茶坝乡", "马鹿乡"} <= set(towns)
    window.tree.setCurrentItem(towns["马鹿乡"])
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=20_000)
    window.tree.setCurrentItem(root)
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=20_000)
    window.search.setText("张三丰")
    window._search_timer.stop()
    window._apply_search()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=20_000)
    window.grab().save(str(tmp_path / "county-window.png"))
    window.grab().save(f"/tmp/h19/county-window-{'pg' if is_url(county) else 'sqlite'}.png")
    editor = window.open_household(window.model.household_id(0))
    assert editor is not None and editor.form.isVisible()
    if is_url(county):  # the receiving server is read, never typed into
        assert not editor.act_save.isEnabled() and "只读" in editor.windowTitle()
        assert not window.act_new.isEnabled() and not window.act_delete.isEnabled()
    editor.grab().save(f"/tmp/h19/county-editor-{'pg' if is_url(county) else 'sqlite'}.png")
    editor.close()
    checks = window.open_quality()  # 工具 → 数据质量, run off the GUI thread on a connection of its own
    qtbot.waitUntil(lambda: checks.report is not None and not checks.running, timeout=60_000)
    assert checks.report is not None and checks.report.households == 5
    checks.grab().save(f"/tmp/h19/county-quality-{'pg' if is_url(county) else 'sqlite'}.png")
    from fupin_desktop.ui import stats_page

    page = stats_page.open_from(window)  # 工具 → 统计, counted off the GUI thread
    qtbot.waitUntil(lambda: getattr(page, "data", None) is not None, timeout=60_000)
    assert page.data["households"] == 5 and "建档立卡 5 户" in page.summary.text()
    page.pick("causes", None, "main_cause", "因病")  # a bar clicked: its households listed
    qtbot.waitUntil(lambda: page.households.rowCount() == 5, timeout=60_000)
    page.grab().save(f"/tmp/h19/county-stats-{'pg' if is_url(county) else 'sqlite'}.png")
    page.close()
    if is_url(county):  # what needs the county's SQLite file is greyed out, never a failure
        assert not window.act_print.isEnabled() and window.act_stats.isEnabled()
    window.close()
    store.close()


def test_the_exchange_page_works_on_both_back_ends(qtbot, qapp, county: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """数据交换 in the county window: a township's new batch imported (the list follows), and the
    township's signed feedback written — on a county file and on the server alike."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fupin_desktop.ui.main_window import MainWindow
    from fupin_desktop.ui.receiving_app import county_window, open_for_window
    from tests.sync.world import TOWNSHIP

    store = open_for_window(county) if is_url(county) else Store(county)
    window = county_window(store) if is_url(county) else MainWindow(store)
    qtbot.addWidget(window)
    window.offer_drafts = False
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=20_000)
    assert window.act_sync.isEnabled()
    page = window.open_sync_page()
    with Store(tmp_path / "chaba.db") as town:  # the township made by the fixture: one more household
        town.households.save(full_household(town.spec, seed=9, number="510822105000009"), "测试")
        batch = export(town, tmp_path / "stick3").batch
    op = page.import_paths([Path(batch)])
    assert op is not None
    qtbot.waitUntil(lambda: page.import_results.rowCount() == 1, timeout=60_000)
    assert page.import_results.item(0, 3).text() == "已导入"
    qtbot.waitUntil(lambda: window.model.rowCount() == 6, timeout=20_000)  # the change reached the list
    said: list[str] = []

    def close_the_box() -> None:  # the clerk reads "已写出 …" and clicks OK
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(50, close_the_box)

    QTimer.singleShot(50, close_the_box)
    (tmp_path / "feedback").mkdir()
    written = page.write_feedback_to(TOWNSHIP["code"], tmp_path / "feedback")
    assert written is not None and Path(written).is_file() and said and "已写出" in said[0]
    page.grab().save(f"/tmp/h19/county-sync-{'pg' if is_url(county) else 'sqlite'}.png")
    page.close()
    window.close()
    store.close()


# -- bad input at the window's start: a clear Chinese message, nothing written ----------------------
def test_the_window_refuses_a_wrong_address_and_another_programs_database(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    shot = tmp_path / "x.png"
    done = _fupin("--database", "postgresql://nobody@127.0.0.1:1/none", "--screenshot", str(shot))
    assert done.returncode == 2 and "无法连接 PostgreSQL 数据库" in done.stderr and not shot.exists()
    done = _fupin("--database", "postgresql://a:b@host:notaport/x", "--screenshot", str(shot))
    assert done.returncode == 2 and "错误：" in done.stderr and "Traceback" not in done.stderr
    assert "b@" not in done.stderr  # the password is never shown
    with psycopg.connect(pg_url, autocommit=True) as conn:  # another program's tables
        conn.execute("CREATE TABLE invoices (id INT)")
    done = _fupin("--database", pg_url, "--screenshot", str(shot))
    assert done.returncode == 2 and "其他程序" in done.stderr and not shot.exists()
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"invoices"}  # nothing written
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a login the server refuses
        conn.execute("CREATE ROLE clerk NOLOGIN")
    for login in ("clerk", "nobody"):  # not permitted to log in; no such login
        refused = pg_url.replace("postgres@", f"{login}@", 1)
        done = _fupin("--database", refused, "--screenshot", str(shot))
        assert done.returncode == 2 and "拒绝登录" in done.stderr and not shot.exists(), done.stderr
    done = _fupin("--db", str(tmp_path / "x.db"), "--database", "/tmp/county.db", "--screenshot", str(shot))
    assert done.returncode == 2 and "--database 要求 PostgreSQL 地址" in done.stderr


def test_the_window_says_why_in_a_message_box(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from fupin_desktop.ui.receiving_app import TITLE, run_receiving

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, title, text: shown.append((title, text)))
    assert run_receiving(qapp, "postgresql://nobody:secret@127.0.0.1:1/none") == 2
    [(title, text)] = shown
    assert title == TITLE and "无法连接 PostgreSQL 数据库" in text and "secret" not in text


def test_the_window_screenshot_on_postgresql(county: str, tmp_path: Path) -> None:
    if not is_url(county):
        env = {}
        args = ["--db", county]
    else:  # FUPIN_DATABASE_URL names the server when no --db is given
        env, args = {"FUPIN_DATABASE_URL": county}, []
    shot = tmp_path / "window.png"
    done = _fupin(*args, "--screenshot", str(shot), env={**env, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10_000


def test_stats_command_prints_the_same_json_on_both_back_ends(county: str) -> None:
    done = _fupin("stats", *_target(county), "--year", "2016", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["households"] == 5 and {v["village"] for v in doc["villages"]} >= {"炉场村", "白果村"}
    with reading(county) as store:
        assert doc == json.loads(json.dumps(statistics(store, 2016), ensure_ascii=False))  # type: ignore[arg-type]


def test_the_same_batches_read_the_same_on_both_back_ends(pg_url: str, tmp_path: Path) -> None:
    """The same townships' households, received once in a county file and once on the server: the
    list, every figure of ``fupin stats`` and every finding of ``fupin validate`` are the same."""
    seen = []
    for target in (str(tmp_path / "county.db"), pg_url):
        fill(target, tmp_path / ("pg" if is_url(target) else "sqlite"))
        with reading(target) as store:
            rows = [(s.number, s.township, s.village, s.group, s.head_name, s.size, s.exit_flag)
                    for s in store.households.summaries(store.households.ids())]
            found = sorted((f.rule, f.household_number, f.message) for f in quality.run_township(store).findings)  # type: ignore[arg-type]
            seen.append((rows, statistics(store, 2016), found))  # type: ignore[arg-type]
    (rows, doc, found), (pg_rows, pg_doc, pg_found) = seen
    assert pg_rows == rows and len(rows) == 5
    # 识别进度 (publicity rounds, objections, quotas) lives on the county file only: the server has none
    assert pg_doc.pop("progress") == [] and doc.pop("progress")
    assert pg_doc == doc and doc["township"]["members"] > 0 and doc["villages"][0]["causes"]
    assert doc["township"]["ncms"] == doc["township"]["pension"] == doc["township"]["dilapidated"] == 1
    assert pg_found == found
