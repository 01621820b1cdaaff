"""Services shared by the GUI and the CLI: township set-up, validated save, the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop import services
from fupin_desktop.domain.household import TABLES
from fupin_desktop.rules import FieldRef, Finding
from fupin_desktop.store import ConcurrentEdit, Store, StoreError
from fupin_desktop.store.changes import ChangeKind
from tests.helpers import full_household, grid_values, make_store, table_values

MEMBER_KEYS = {"name", "id_number", "sex", "birth_date", "relation", "ethnicity", "health"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    yield s
    s.close()


def test_init_township_creates_villages_with_quotas_and_poor_flags(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as s:
        town = services.init_township(
            s, code=" 510822105 ", name="茶坝乡", villages=[("炉场村", 95), ("兴龙村", None)],
            county="青川县", poor_villages={"兴龙村"},
        )
    assert town.code == "510822105"
    assert [(v.name, v.quota, v.is_poor) for v in town.villages] == [("炉场村", 95, False), ("兴龙村", None, True)]


@pytest.mark.parametrize(
    ("code", "name", "villages", "message"),
    [
        ("51082", "茶坝乡", [("炉场村", 1)], "乡镇代码"),
        ("abcdefghi", "茶坝乡", [("炉场村", 1)], "乡镇代码"),
        ("510822105", "  ", [("炉场村", 1)], "名称"),
        ("510822105", "茶坝乡", [("炉场村", 1), ("炉场村", 2)], "村名重复"),
    ],
)
def test_init_township_refuses_bad_input(tmp_path: Path, code: str, name: str, villages: list, message: str) -> None:
    with Store(tmp_path / "t.db") as s:
        with pytest.raises(StoreError, match=message):
            services.init_township(s, code=code, name=name, villages=villages)
        assert s.townships.get() is None


def test_full_household_validates_clean(store: Store) -> None:
    assert services.validate(store, full_household(store.spec)) == []


def test_save_with_a_blocking_error_saves_nothing_but_keeps_the_draft(store: Store) -> None:
    hh = full_household(store.spec)
    hh.fields["main_cause"] = None
    draft = {"fields": {"main_cause": ""}, "typed": "𠮷祥"}

    result = services.save_household(store, hh, draft=draft)

    assert not result.ok and result.saved is None
    assert any(f.is_error and f.refs[0].field == "main_cause" for f in result.findings)
    assert store.households.count() == 0
    assert store.db.query_one("SELECT COUNT(*) FROM members")[0] == 0
    kept = store.drafts.get(hh.uuid)
    assert kept is not None and kept.payload == draft


def test_save_without_errors_saves_and_clears_the_draft(store: Store) -> None:
    hh = full_household(store.spec)
    store.drafts.put(hh.uuid, None, {"typed": "earlier"})
    result = services.save_household(store, hh, draft={"typed": "now"})
    assert result.ok and result.findings == []
    assert store.households.ids() == [result.saved.id]
    assert store.drafts.get(hh.uuid) is None


def test_a_save_checks_once_and_hands_back_the_change(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = services.check_household
    monkeypatch.setattr(services, "check_household", lambda hh, ctx: calls.append(1) or real(hh, ctx))
    hh = full_household(store.spec)

    result = services.save_household(store, hh, draft={"typed": "now"})

    assert calls == [1]  # one validation pass for one save
    assert result.ok and result.change is not None
    assert result.change.kind is ChangeKind.SAVE and result.change.households == {result.saved.id}
    assert result.change.villages == {hh.fields["village"]}


def test_typing_the_form_could_not_read_blocks_the_save_and_hides_the_rules_empty_note(store: Store) -> None:
    hh = full_household(store.spec)
    hh.fields["main_cause"] = None
    typed = [Finding("T000", "error", "主要致贫原因“12ab”不在选项中", (FieldRef("main_cause"),))]

    result = services.save_household(store, hh, draft={"texts": {"main_cause": "12ab"}}, typed=typed)

    assert not result.ok and result.errors[0] is typed[0]
    assert not any(f.rule == "F001" and f.refs == (FieldRef("main_cause"),) for f in result.findings)
    assert store.households.count() == 0 and store.drafts.get(hh.uuid).payload == {"texts": {"main_cause": "12ab"}}


def test_a_concurrent_edit_is_refused_with_the_draft_kept(store: Store) -> None:
    first = services.save_household(store, full_household(store.spec)).saved
    assert first is not None
    elsewhere = store.households.get(first.id)
    elsewhere.fields["phone"] = "13800138000"
    store.households.save(elsewhere, "别处")
    first.fields["phone"] = "13900139000"  # still the revision loaded before the other save

    result = services.save_household(store, first, draft={"typed": "mine"})

    assert not result.ok and isinstance(result.refused, ConcurrentEdit) and result.change is None
    assert store.drafts.get(first.uuid).payload == {"typed": "mine"}
    assert store.households.get(first.id).fields["phone"] == "13800138000"


def test_household_json_has_the_show_contract_keys(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), "测试")
    data = services.household_json(saved, store.spec)

    assert set(data) == {"household", *TABLES}
    grid_ids = {f.id for f in store.spec.grid_fields()}
    assert set(data["household"]) == grid_ids | {"id", "uuid", "revision", "updated_at"}
    assert data["household"]["id"] == saved.id
    for table in TABLES:
        columns = {c.id for c in store.spec.table(table).fields}
        assert data[table] and all(set(row) == columns | {"uuid"} for row in data[table]), table
    assert MEMBER_KEYS <= set(data["members"][0])
    json.dumps(data, ensure_ascii=False)  # plain JSON: no Decimal or date objects left


def test_household_json_values_are_plain_json(store: Store) -> None:
    hh = full_household(store.spec)
    data = services.household_json(hh, store.spec)
    h = data["household"]
    assert isinstance(h["year"], int) and isinstance(h["farmland"], float)
    assert isinstance(h["military"], bool) and isinstance(h["other_causes"], list)
    assert h["size"] == 3 and h["head_name"] == "𠮷祥"
    assert data["members"][0]["birth_date"] == hh.members[0].get("birth_date").isoformat()
    assert data["members"][1]["name"] == "阿依古丽·买买提"


def test_household_from_json_inverts_household_json(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), "测试")
    text = json.dumps(services.household_json(saved, store.spec), ensure_ascii=False)

    back = services.household_from_json(json.loads(text), store.spec)

    assert (back.id, back.uuid, back.revision) == (saved.id, saved.uuid, saved.revision)
    assert grid_values(back, store.spec) == grid_values(saved, store.spec)
    assert table_values(back, store.spec) == table_values(saved, store.spec)
    # ... and it can be saved back unchanged.
    again = store.households.save(back, "测试")
    assert again.revision == saved.revision


def test_summary_json_shape(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), "测试")
    [summary] = store.households.summaries([saved.id])
    assert services.summary_json(summary) == {
        "id": saved.id, "number": saved.fields["number"], "village": "炉场村", "group": "一组",
        "head_name": "𠮷祥", "size": 3, "township": "茶坝乡",
    }


def test_check_ids_reports_each_input() -> None:
    good, bad = "11010519491231002x", "110105194912310021"
    results = services.check_ids([good, bad])
    assert results[0] == {"input": good, "valid": True, "normalized": "11010519491231002X",
                          "birth_date": "1949-12-31", "sex": "女", "error": None, "id_type": "居民身份证",
                          "disability_category": None, "disability_grade": None, "warning": None}
    assert results[1]["valid"] is False and "校验码" in results[1]["error"]
    assert results[1]["birth_date"] is None and results[1]["sex"] is None
