"""The township store on real SQLite files: transactions, households, audit, search, drafts."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.domain.text import pinyin_sort_key
from fupin_desktop.domain.values import format_decimal
from fupin_desktop.store import ConcurrentEdit, Store, StoreError, audit, driver
from fupin_desktop.store.households import search_text
from tests.helpers import TOWNSHIP, full_household, grid_values, make_store, raw_connection, table_values

OPERATOR = "王会计"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    s.set_operator(OPERATOR)
    yield s
    s.close()


def reopen(store: Store) -> Store:
    """A NEW Store on the same file (nothing cached from the writer)."""
    return Store(store.path)


def audit_rows(store: Store, household_uuid: str) -> list[dict]:
    return audit.history(store.db, household_uuid)


def other_connection(store: Store) -> sqlite3.Connection:
    return raw_connection(store.path)


def settings_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM settings WHERE key LIKE 'tx%'").fetchone()[0]


# -- transactions ---------------------------------------------------------------------
def put(store: Store, key: str) -> None:
    store.db.execute("INSERT INTO settings (key, value) VALUES (?, 'v')", (key,))


def test_nested_transaction_joins_the_outer_one(store: Store) -> None:
    reader = other_connection(store)
    with store.db.transaction():
        put(store, "tx1")
        with store.db.transaction():
            put(store, "tx2")
        # The inner block ended but nothing is committed until the outer one ends.
        assert store.db.conn.in_transaction
        assert settings_count(reader) == 0
    assert not store.db.conn.in_transaction
    assert settings_count(reader) == 2
    reader.close()


def test_exception_in_inner_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(ValueError), store.db.transaction():
        put(store, "tx1")
        with store.db.transaction():
            put(store, "tx2")
            raise ValueError("boom")
    reader = other_connection(store)
    assert settings_count(reader) == 0
    reader.close()
    # The connection is usable again afterwards.
    with store.db.transaction():
        put(store, "tx3")
    assert store.db.query_one("SELECT COUNT(*) FROM settings WHERE key LIKE 'tx%'")[0] == 1


def test_exception_after_inner_block_rolls_back_the_inner_writes_too(store: Store) -> None:
    with pytest.raises(RuntimeError), store.db.transaction():
        with store.db.transaction():
            put(store, "tx1")
        raise RuntimeError("later failure")
    assert store.db.query_one("SELECT COUNT(*) FROM settings WHERE key LIKE 'tx%'")[0] == 0


def test_write_outside_a_transaction_raises(store: Store) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        put(store, "tx1")
    assert store.db.query_one("SELECT COUNT(*) FROM settings WHERE key LIKE 'tx%'")[0] == 0


def test_failed_household_save_leaves_nothing_behind(store: Store) -> None:
    first = store.households.save(full_household(store.spec), OPERATOR)
    hh = full_household(store.spec, seed=1)
    hh.fields["group"] = "新组"
    hh.plans[1].uuid = first.plans[0].uuid  # a copied row: its UUID is taken, the INSERT fails late
    audit_before = store.db.query_one("SELECT COUNT(*) FROM audit")[0]

    with pytest.raises(driver.IntegrityError):
        store.households.save(hh, OPERATOR)

    assert store.households.ids() == [first.id]
    assert store.db.query_one("SELECT COUNT(*) FROM members")[0] == len(first.members)
    assert store.db.query_one("SELECT COUNT(*) FROM audit")[0] == audit_before
    assert "新组" not in store.townships.village_by_name("炉场村").groups
    assert not store.db.conn.in_transaction


# -- round trip ---------------------------------------------------------------------------
def test_every_spec_field_and_table_cell_round_trips_through_a_new_store(store: Store) -> None:
    hh = full_household(store.spec)
    saved = store.households.save(hh, OPERATOR)

    with reopen(store) as fresh:
        loaded = fresh.households.get(saved.id)
    assert loaded is not None
    assert grid_values(loaded, store.spec) == grid_values(hh, store.spec)
    assert table_values(loaded, store.spec) == table_values(hh, store.spec)
    # Every value really is set (the factory leaves nothing empty) and keeps its type.
    for fid, value in grid_values(loaded, store.spec).items():
        assert value not in (None, "", []), fid
        assert type(value) is type(hh.fields[fid]), fid
    for rows in table_values(loaded, store.spec).values():
        for _uuid, cells in rows:
            for cid, value in cells.items():
                assert value not in (None, "", []), cid


def test_typed_values_and_unusual_names_survive_exactly(store: Store) -> None:
    hh = full_household(store.spec, names=("𠮷祥", "阿依古丽·买买提", "李小红"))
    hh.fields["farmland"] = Decimal("3.05")
    hh.fields["other_causes"] = ["因学", "因灾"]
    hh.fields["military"] = False
    hh.fields["toilet"] = True
    saved = store.households.save(hh, OPERATOR)

    with reopen(store) as fresh:
        got = fresh.households.get(saved.id)
    assert got.fields["farmland"] == Decimal("3.05") and isinstance(got.fields["farmland"], Decimal)
    assert got.fields["other_causes"] == ["因学", "因灾"]
    assert got.fields["military"] is False and got.fields["toilet"] is True
    assert isinstance(got.members[0].get("birth_date"), date)
    assert [m.get("name") for m in got.members] == ["𠮷祥", "阿依古丽·买买提", "李小红"]
    assert got.head_name == "𠮷祥"
    assert (got.fields["province"], got.fields["township"]) == (TOWNSHIP["province"], TOWNSHIP["name"])


def test_saving_keeps_record_uuids_and_gives_ids_and_revisions(store: Store) -> None:
    hh = full_household(store.spec)
    saved = store.households.save(hh, OPERATOR)
    assert saved.uuid == hh.uuid and saved.id is not None and saved.revision == 1
    assert [r.uuid for r in saved.members] == [r.uuid for r in hh.members]
    assert all(r.id is not None and r.revision == 1 for r in saved.members)
    assert store.households.id_for_uuid(hh.uuid) == saved.id


def test_derived_fields_are_computed_on_save(store: Store) -> None:
    hh = full_household(store.spec)
    for key in ("wage_income", "business_income", "property_income", "family_planning", "dibao_money",
                "wubao_money", "pension_money", "eco_compensation", "other_transfer", "business_cost"):
        hh.fields[key] = None
    hh.fields.update(
        wage_income=Decimal("6000"), business_income=Decimal("3000.50"), property_income=Decimal("100"),
        dibao_money=Decimal("1200"), eco_compensation=Decimal("300.25"), business_cost=Decimal("1000"),
    )
    hh.fields["head_name"] = "不该保留"
    hh.fields["size"] = 99
    saved = store.households.save(hh, OPERATOR)

    got = reopen(store).households.get(saved.id)
    assert got.fields["size"] == 3
    assert got.fields["head_name"] == "𠮷祥"
    assert got.fields["head_id_number"] == hh.members[0].get("id_number")
    assert got.fields["transfer_income"] == Decimal("1500.25")
    assert got.fields["total_income"] == Decimal("10600.75")
    assert got.fields["net_income"] == Decimal("9600.75")
    assert got.fields["per_capita_income"] == Decimal("3200.25")
    row = store.db.query_one("SELECT head_name, size FROM households WHERE id = ?", (saved.id,))
    assert (row["head_name"], row["size"]) == ("𠮷祥", 3)


def only_wages(hh: Household, wages: str) -> Household:
    for f in ("wage_income", "business_income", "property_income", "family_planning", "dibao_money",
              "wubao_money", "pension_money", "eco_compensation", "other_transfer", "business_cost"):
        hh.fields[f] = None
    hh.fields["wage_income"] = Decimal(wages)
    return hh


@pytest.mark.parametrize(
    ("wages", "members", "per_capita"),
    [("1000.01", 3, "333.34"), ("1000", 3, "333.33"), ("100.01", 2, "50.01"), ("0.05", 2, "0.03")],
)
def test_per_capita_income_has_two_decimals_rounded_half_up(
    store: Store, wages: str, members: int, per_capita: str
) -> None:
    hh = only_wages(full_household(store.spec), wages)
    hh.members = hh.members[:members]
    saved = store.households.save(hh, OPERATOR)
    assert saved.fields["per_capita_income"] == Decimal(per_capita)
    assert reopen(store).households.get(saved.id).fields["per_capita_income"] == Decimal(per_capita)


def test_members_who_left_do_not_count_in_size(store: Store) -> None:
    hh = full_household(store.spec)
    hh.members[2].fields["change"] = "死亡"
    saved = store.households.save(hh, OPERATOR)
    assert saved.size == 2 and saved.fields["size"] == 2
    assert len(saved.members) == 3  # the row stays on file


# -- updates and audit ----------------------------------------------------------------
def test_update_audits_each_changed_field_with_operator_old_and_new(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    store.set_operator("李文书")
    edit = store.households.get(saved.id)
    old_phone = edit.fields["phone"]
    old_education = edit.members[2].get("education")
    edit.fields["phone"] = "13512345678"
    edit.members[2].fields["education"] = "初中" if old_education != "初中" else "小学"
    before = len(audit_rows(store, saved.uuid))

    result = store.households.save(edit, store.operator)

    rows = audit_rows(store, saved.uuid)[before:]
    assert {(r["entity"], r["field"]) for r in rows} == {("household", "phone"), ("members", "education")}
    by_field = {r["field"]: r for r in rows}
    assert json.loads(by_field["phone"]["old"]) == old_phone
    assert json.loads(by_field["phone"]["new"]) == "13512345678"
    assert json.loads(by_field["education"]["old"]) == old_education
    assert by_field["education"]["entity_uuid"] == edit.members[2].uuid
    assert all(r["operator"] == "李文书" and r["action"] == "update" for r in rows)
    assert result.revision == saved.revision + 1


def test_create_writes_one_audit_row_for_the_household_and_its_rows(store: Store) -> None:
    hh = full_household(store.spec)
    store.households.save(hh, OPERATOR)
    rows = audit_rows(store, hh.uuid)
    # The stored record is revision 1 and later changes keep their old values, so one row suffices.
    assert [(r["action"], r["entity"], r["entity_uuid"], r["field"]) for r in rows] == [
        ("create", "household", hh.uuid, None)
    ]
    assert rows[0]["operator"] == OPERATOR


def test_unchanged_save_writes_no_audit_and_keeps_revision(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    before = len(audit_rows(store, saved.uuid))
    stamp = store.db.query_one("SELECT updated_at FROM households WHERE id = ?", (saved.id,))[0]

    again = store.households.save(store.households.get(saved.id), OPERATOR)

    assert len(audit_rows(store, saved.uuid)) == before
    assert again.revision == saved.revision
    assert [r.revision for r in again.members] == [r.revision for r in saved.members]
    assert store.db.query_one("SELECT updated_at FROM households WHERE id = ?", (saved.id,))[0] == stamp


def test_removing_a_member_tombstones_the_row(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    gone = saved.members.pop(2)

    result = store.households.save(saved, OPERATOR)

    assert [m.uuid for m in result.members] == [m.uuid for m in saved.members]
    assert result.size == 2
    row = store.db.query_one("SELECT deleted, name FROM members WHERE uuid = ?", (gone.uuid,))
    assert row is not None and row["deleted"] == 1 and row["name"] == "李小红"
    deletes = [r for r in audit_rows(store, saved.uuid) if r["action"] == "delete"]
    assert [(d["entity"], d["entity_uuid"]) for d in deletes] == [("members", gone.uuid)]
    assert json.loads(deletes[0]["old"])["name"] == "李小红"
    assert gone.uuid not in [m.uuid for m in reopen(store).households.get(saved.id).members]


def test_reordering_members_persists(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    saved.members.reverse()
    order = [m.uuid for m in saved.members]

    store.households.save(saved, OPERATOR)

    with reopen(store) as fresh:
        assert [m.uuid for m in fresh.households.get(saved.id).members] == order
    seq_changes = [r for r in audit_rows(store, saved.uuid) if r["field"] == "seq"]
    assert len(seq_changes) == 2  # the middle member kept its place


def test_adding_a_row_to_a_table_is_audited_as_create(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    saved.measures.append(Row(fields={"type": "教育扶贫", "date": date(2017, 9, 1), "content": "助学金",
                                      "amount": Decimal("500")}))
    result = store.households.save(saved, OPERATOR)
    assert result.measures[-1].get("content") == "助学金"
    new_rows = [r for r in audit_rows(store, saved.uuid) if r["entity_uuid"] == saved.measures[-1].uuid]
    assert [(r["action"], r["entity"], r["operator"]) for r in new_rows] == [("create", "measures", OPERATOR)]
    assert result.revision == saved.revision + 1


def test_stale_revision_raises_concurrent_edit_and_changes_nothing(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    first = store.households.get(saved.id)
    second = reopen(store).households.get(saved.id)
    first.fields["phone"] = "13511112222"
    store.households.save(first, OPERATOR)

    second.fields["phone"] = "13533334444"
    second.fields["group"] = "新组"
    with pytest.raises(ConcurrentEdit) as info:
        store.households.save(second, OPERATOR)

    assert "重新打开" in str(info.value)
    assert store.households.get(saved.id).fields["phone"] == "13511112222"
    assert "新组" not in store.townships.village_by_name("炉场村").groups


def test_delete_tombstones_the_household(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    keep = store.households.save(full_household(store.spec, seed=1), OPERATOR)
    name = saved.members[1].get("name")

    store.households.delete(saved.id, OPERATOR)

    assert store.households.ids() == [keep.id]
    assert saved.id not in store.households.ids(search=name)
    assert store.households.get(saved.id) is None
    assert store.households.count() == 1
    row = store.db.query_one("SELECT deleted, revision FROM households WHERE id = ?", (saved.id,))
    assert row["deleted"] == 1 and row["revision"] == saved.revision + 1
    assert audit_rows(store, saved.uuid)[-1]["action"] == "delete"
    with pytest.raises(StoreError):
        store.households.delete(saved.id, OPERATOR)


# -- villages and groups ------------------------------------------------------------
def test_village_not_in_the_township_is_refused(store: Store) -> None:
    hh = full_household(store.spec, village="外乡村")
    with pytest.raises(StoreError) as info:
        store.households.save(hh, OPERATOR)
    assert "外乡村" in str(info.value)
    assert store.households.count() == 0


def test_unknown_group_is_added_to_the_village_and_audited(store: Store) -> None:
    hh = full_household(store.spec, village="兴龙村", group="九组")
    saved = store.households.save(hh, OPERATOR)
    assert saved.fields["group"] == "九组"
    assert reopen(store).townships.village_by_name("兴龙村").groups == ["一组", "三组", "九组"]
    assert "九组" not in store.townships.village_by_name("炉场村").groups
    row = store.db.query_one(
        "SELECT operator, action, new FROM audit WHERE entity = 'village_group' AND new = ?",
        (json.dumps("九组", ensure_ascii=False),),
    )
    assert row is not None and (row["operator"], row["action"]) == (OPERATOR, "create")


def test_moving_a_household_to_another_village_is_audited(store: Store) -> None:
    saved = store.households.save(full_household(store.spec), OPERATOR)
    saved.fields.update(village="兴龙村", group="三组")
    store.households.save(saved, OPERATOR)
    changes = {r["field"]: (json.loads(r["old"]), json.loads(r["new"]))
               for r in audit_rows(store, saved.uuid) if r["action"] == "update"}
    assert changes == {"village": ("炉场村", "兴龙村"), "group": ("一组", "三组")}
    assert store.households.ids(village_id=store.townships.village_by_name("兴龙村").id) == [saved.id]


# -- search -------------------------------------------------------------------------------
@pytest.fixture
def town(store: Store) -> dict[str, Household]:
    spec = store.spec
    made = {
        "zhang": full_household(spec, seed=1, number="5108221050010010001", names=("张三", "李梅", "张小花")),
        "ouyang": full_household(spec, seed=2, number="5108221050020030002", village="兴龙村",
                                 group="三组", names=("欧阳修文", "韩冰")),
        "ji": full_household(spec, seed=3, number="5108221050030040003", village="青新村", group="四组"),
    }
    return {k: store.households.save(hh, OPERATOR) for k, hh in made.items()}


def expected(town: dict[str, Household], text: str) -> set[int]:
    return {hh.id for hh in town.values() if text.lower() in search_text(hh).lower()}


def test_search_by_full_name(store: Store, town: dict[str, Household]) -> None:
    assert store.households.ids(search="欧阳修文") == [town["ouyang"].id]
    assert store.households.ids(search="阿依古丽·买买提") == [town["ji"].id]


def test_search_by_two_character_name(store: Store, town: dict[str, Household]) -> None:
    assert store.households.ids(search="张三") == [town["zhang"].id]
    assert store.households.ids(search="韩冰") == [town["ouyang"].id]
    assert store.households.ids(search="𠮷祥") == [town["ji"].id]  # outside the BMP


def test_search_by_pinyin_initials(store: Store, town: dict[str, Household]) -> None:
    assert store.households.ids(search="zs") == [town["zhang"].id]
    assert store.households.ids(search="ZS") == [town["zhang"].id]
    assert store.households.ids(search="oyxw") == [town["ouyang"].id]


def test_search_by_id_number_fragment(store: Store, town: dict[str, Household]) -> None:
    number = town["ouyang"].members[1].get("id_number")
    assert store.households.ids(search=number) == [town["ouyang"].id]
    assert store.households.ids(search=number[6:14]) == [town["ouyang"].id]  # birth date, 8 digits
    six = number[-6:]
    assert store.households.ids(search=six) == [town["ouyang"].id] == sorted(expected(town, six))
    three = number[-4:-1]
    hits = set(store.households.ids(search=three))
    assert town["ouyang"].id in hits and hits == expected(town, three)


def test_search_by_household_number_fragment(store: Store, town: dict[str, Household]) -> None:
    assert store.households.ids(search="0020030002") == [town["ouyang"].id]
    assert store.households.ids(search="5108221050030040003") == [town["ji"].id]


def test_search_ignores_full_width_digits_and_spaces(store: Store, town: dict[str, Household]) -> None:
    assert store.households.ids(search="  ００２００３０００２ ") == [town["ouyang"].id]


def test_search_finds_nothing_for_nonsense(store: Store, town: dict[str, Household]) -> None:
    for text in ("不存在的人", "qqq", "xq", "99999999", '"', "%", "_"):
        assert store.households.ids(search=text) == [], text


def test_search_follows_member_changes(store: Store, town: dict[str, Household]) -> None:
    hh = town["zhang"]
    hh.members[0].fields["name"] = "张三丰"
    store.households.save(hh, OPERATOR)
    assert store.households.ids(search="张三丰") == [hh.id]
    assert store.households.ids(search="zsf") == [hh.id]
    assert store.households.ids(search="张小花") == [hh.id]


def test_search_combines_with_village_filter(store: Store, town: dict[str, Household]) -> None:
    xinglong = store.townships.village_by_name("兴龙村").id
    assert store.households.ids(village_id=xinglong) == [town["ouyang"].id]
    assert store.households.ids(village_id=xinglong, search="张三") == []
    assert store.households.ids(village_id=xinglong, group="三组") == [town["ouyang"].id]


# -- listing ------------------------------------------------------------------------------
def test_ids_sort_by_number_head_name_and_size_both_ways(store: Store, town: dict[str, Household]) -> None:
    hs = list(town.values())
    cases = {
        "number": lambda h: h.fields["number"],
        "head_name": lambda h: pinyin_sort_key(h.head_name),
        "size": lambda h: h.size,
    }
    for order, key in cases.items():
        ascending = [h.id for h in sorted(hs, key=lambda h, key=key: (key(h), h.id))]
        assert store.households.ids(order=order) == ascending, order
        assert store.households.ids(order=order, descending=True) == ascending[::-1], order
    assert [h.size for h in hs] == [3, 2, 3]
    assert store.households.ids(order="size")[0] == town["ouyang"].id
    # 户主姓名 in pinyin order, not by code point (张 < 欧 < 𠮷); an unknown 生僻字 last.
    assert store.households.ids(order="head_name") == [town[k].id for k in ("ouyang", "zhang", "ji")]


def head_sort(store: Store, household_id: int) -> str:
    return store.db.query_one("SELECT head_sort FROM households WHERE id = ?", (household_id,))[0]


def test_save_fills_the_pinyin_sort_key_of_the_head_name(store: Store) -> None:
    hh = store.households.save(full_household(store.spec, seed=1, names=("曾国强", "李梅")), OPERATOR)
    assert head_sort(store, hh.id) == pinyin_sort_key("曾国强") != ""
    hh.members[0].fields["name"] = "安国强"  # the head renamed
    hh = store.households.save(hh, OPERATOR)
    assert head_sort(store, hh.id) == "an-guo-qiang 安国强"
    other = store.households.save(full_household(store.spec, seed=2, names=("白雪", "赵六")), OPERATOR)
    assert store.households.ids(order="head_name") == [hh.id, other.id]
    # A stale key (from another pypinyin) is put right by the next save, which changes nothing else.
    with store.db.transaction():
        store.db.execute("UPDATE households SET head_sort = 'zzz' WHERE id = ?", (hh.id,))
    again = store.households.save(hh, OPERATOR)
    assert head_sort(store, hh.id) == "an-guo-qiang 安国强"
    assert (again.revision, again.updated_at) == (hh.revision, hh.updated_at)


def test_summaries_come_back_in_the_requested_order(store: Store, town: dict[str, Household]) -> None:
    wanted = [town["ji"].id, town["zhang"].id, town["ouyang"].id]
    summaries = store.households.summaries(wanted + [9999])
    assert [s.id for s in summaries] == wanted
    first = summaries[0]
    assert (first.village, first.group, first.head_name, first.size) == ("青新村", "四组", "𠮷祥", 3)
    assert first.number == "5108221050030040003"
    assert first.per_capita_income == format_decimal(town["ji"].fields["per_capita_income"])
    assert store.households.summaries([]) == []


def test_counts_and_person_lookup(store: Store, town: dict[str, Household]) -> None:
    assert store.households.count() == 3
    assert store.households.person_count() == 8
    assert store.households.count(store.townships.village_by_name("炉场村").id) == 1
    number = town["zhang"].members[2].get("id_number")
    assert store.households.households_of_person(number) == [(town["zhang"].id, "张小花")]


# -- drafts -----------------------------------------------------------------------------------
def test_drafts_put_get_discard(store: Store) -> None:
    store.drafts.put("key-1", None, {"fields": {"phone": "1380013"}, "note": "𠮷"})
    store.drafts.put("key-1", None, {"fields": {"phone": "13800138000"}})
    draft = reopen(store).drafts.get("key-1")
    assert draft is not None and draft.payload == {"fields": {"phone": "13800138000"}}
    assert [d.key for d in store.drafts.all()] == ["key-1"]
    store.drafts.discard("key-1")
    assert store.drafts.get("key-1") is None
    assert store.drafts.all() == []


def test_successful_save_removes_the_households_draft(store: Store) -> None:
    hh = full_household(store.spec)
    other = full_household(store.spec, seed=1)
    store.drafts.put(hh.uuid, None, {"typing": "half"})
    store.drafts.put(other.uuid, None, {"typing": "other"})
    store.households.save(hh, OPERATOR)
    assert store.drafts.get(hh.uuid) is None
    assert store.drafts.get(other.uuid) is not None


# -- township ----------------------------------------------------------------------------------
def test_township_is_set_up_once_with_its_villages(store: Store) -> None:
    town = reopen(store).townships.get()
    assert (town.code, town.name, town.county) == (TOWNSHIP["code"], TOWNSHIP["name"], TOWNSHIP["county"])
    assert [(v.name, v.quota, v.groups) for v in town.villages] == [
        ("炉场村", 95, ["一组", "二组"]), ("兴龙村", 120, ["一组", "三组"]), ("青新村", None, ["四组"]),
    ]
    with pytest.raises(StoreError):
        store.townships.create(town, OPERATOR)


def test_operator_defaults_and_is_kept(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as s:
        assert s.operator == "录入员"
        s.set_operator("  赵晓燕 ")
    with Store(tmp_path / "t.db") as s:
        assert s.operator == "赵晓燕"
        s.set_operator("   ")
        assert s.operator == "录入员"


def test_a_database_folder_that_cannot_be_made_is_a_store_error_in_chinese(tmp_path: Path) -> None:
    blocker = tmp_path / "报表.xlsx"
    blocker.write_bytes(b"a file where the folder should be")
    with pytest.raises(StoreError, match="无法在.*建立数据库.*可以写入的文件夹"):
        Store(blocker / "township.db")
    assert blocker.read_bytes() == b"a file where the folder should be"


def test_one_and_integer_read_the_row_a_query_always_returns(tmp_path: Path) -> None:
    store = make_store(tmp_path, "one.db")
    try:
        assert store.db.integer("SELECT COUNT(*) FROM households") == 0
        assert store.db.integer("SELECT COALESCE(MAX(seq), 0) + 1 FROM villages") == 4
        assert tuple(store.db.one("SELECT 1, 'a'")) == (1, "a")
        with pytest.raises(StoreError, match="数据库中缺少应有的记录"):
            store.db.one("SELECT revision FROM households WHERE id = ?", (12345,))
        with pytest.raises(StoreError, match="数据库中缺少应有的记录"):
            store.db.integer("SELECT revision FROM households WHERE id = ?", (12345,))
    finally:
        store.close()


def test_the_opening_log_line_counts_a_township_and_leaves_the_county_to_the_status_bar(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 (start-up): counting 100,000 households reads their whole index on the GUI thread
    before the window shows; at county scale the line says -1 (the status bar counts off the GUI thread)."""
    import logging

    import fupin_desktop.store as store_package

    with make_store(tmp_path) as store:
        store.households.save(full_household(store.spec, seed=1), "测试")
        path = store.path
    caplog.set_level(logging.INFO, logger="fupin_desktop.store")
    Store(path).close()
    assert "households=1 persons=3" in caplog.text
    caplog.clear()
    monkeypatch.setattr(store_package, "LOG_COUNTS_BELOW", 1)  # as if the largest id were 100,000
    Store(path).close()
    assert "households=-1 persons=-1" in caplog.text
