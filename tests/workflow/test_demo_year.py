"""The demo township carries the seed's quotas and a year in progress."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.casework.quotas import quota_rows, township_quota
from fupin_desktop.casework.status import status
from fupin_desktop.demo import build_demo
from fupin_desktop.demo.casework import WORK_YEAR
from fupin_desktop.store import Store


def test_demo_has_quotas_and_a_year_in_progress(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, households=300)
        rows = {r["village"]: r for r in quota_rows(store, WORK_YEAR)}
        assert (rows["炉场村"]["quota_persons"], rows["兴龙村"]["quota_persons"], rows["太平村"]["quota_persons"]) == (95, 123, 47)
        assert township_quota(store, WORK_YEAR) == sum(r["quota_persons"] for r in rows.values())
        data = status(store)
        stages = {(h["village"], h["stage"]) for h in data["households"]}
        assert ("炉场村", "publicity2") in stages  # past the first publicity
        assert [h["village"] for h in data["households"] if h["open_objections"]] == ["兴龙村"]
        assert any(h["kind"] == "exit" for h in data["households"])
        assert any(h["status"] == "refused" and h["history"][-1]["reason"] for h in data["households"])
        assert rows["炉场村"]["in_process_persons"] > 0
