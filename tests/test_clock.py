"""Stored times (UTC with offset) are shown on the clerk's clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from fupin_desktop.domain.clock import local_time
from fupin_desktop.store.database import now_iso


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_utc_stamps_are_shown_in_the_local_zone(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Asia/Shanghai")
    assert local_time("2026-12-06T13:45:12.345+00:00") == "2026-12-06 21:45"
    assert local_time("2026-12-06T13:45:12.345+00:00", seconds=True) == "2026-12-06 21:45:12"
    assert local_time("2026-12-06T20:00:00Z") == "2026-12-07 04:00"  # past midnight: the next day
    assert local_time("2026-12-06T13:45:00") == "2026-12-06 21:45"  # no offset: stored UTC
    assert local_time("2026-12-06T21:45:00+08:00") == "2026-12-06 21:45"


def test_summer_time_follows_the_date(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Europe/Berlin")
    assert local_time("2026-07-01T12:00:00+00:00") == "2026-07-01 14:00"
    assert local_time("2026-12-01T12:00:00+00:00") == "2026-12-01 13:00"


def test_what_is_not_a_time_stamp_is_shown_as_it_is(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Asia/Shanghai")
    assert local_time(None) == "" and local_time("") == ""
    assert local_time("2016-03-01") == "2016-03-01"  # a date has no zone
    assert local_time("不是时间") == "不是时间"


def test_stored_times_stay_utc_with_offset() -> None:
    stamp = now_iso()
    assert stamp.endswith("+00:00") and "T" in stamp


def test_json_output_keeps_iso_8601_with_offset(tmp_path, capsys, zone) -> None:  # type: ignore[no-untyped-def]
    import json

    from fupin_desktop.cli import main
    from tests.helpers import full_household, make_store

    zone("Asia/Shanghai")
    with make_store(tmp_path) as store:
        saved = store.households.save(full_household(store.spec), "测试")
    assert main(["show", "--db", str(tmp_path / "township.db"), str(saved.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["household"]["updated_at"]
    assert shown == saved.updated_at and shown.endswith("+00:00")
