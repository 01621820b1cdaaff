"""The receiving side's read-only overview window, on PostgreSQL, with real widgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store.pg.store import PgStore
from fupin_desktop.sync.keys import init_county
from fupin_desktop.ui.overview import OverviewWindow
from tests.helpers import full_household
from tests.pg.test_receiving_backends import link
from tests.sync.world import COUNTY_CODE, COUNTY_NAME, PASSPHRASE, export, import_, make_township


@pytest.fixture
def filled(pg_url: str, tmp_path: Path) -> str:
    with PgStore(pg_url) as county:
        init_county(county.sync, COUNTY_CODE, COUNTY_NAME, PASSPHRASE, county.operator)
        town = make_township(tmp_path / "t.db")
        link(town, county)
        for seed in (1, 2):
            town.households.save(full_household(town.spec, seed=seed, number=f"51082210500000{seed}"), "测试")
        import_(county, export(town, tmp_path / "stick").batch)
        town.close()
    return pg_url


def test_the_window_lists_counties_townships_and_villages(qtbot, qapp, filled: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from fupin_desktop.ui.fonts import apply_default_font

    apply_default_font(qapp)  # the bundled CJK font, as the program's own start-up does
    def read() -> list:  # type: ignore[type-arg]
        with PgStore(filled) as store:
            return store.sync.receiving_tree()

    window = OverviewWindow("测试", read)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    qtbot.waitUntil(lambda: window.reload_button.isEnabled(), timeout=20_000)
    county = window.tree.topLevelItem(0)
    assert county is not None and county.text(1) == "510822" and county.text(2) == "2"
    town = county.child(0)
    assert town.text(0) == "茶坝乡" and town.text(2) == "2"
    assert "共 1 个县、1 个乡镇、2 户" in window.summary.text()
    window.grab().save(str(tmp_path / "overview.png"))


def test_the_overview_command_prints_json_and_refuses_a_bad_address(filled: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overview", "--database", filled, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counties"][0]["households"] == 2
    assert main(["overview", "--database", "postgresql://x@127.0.0.1:1/none", "--json"]) != 0
    assert "无法连接 PostgreSQL" in capsys.readouterr().err
