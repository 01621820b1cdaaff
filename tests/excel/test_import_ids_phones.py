"""A real .xlsx roster with 20-character 残疾人证 numbers and phones written the international way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.domain.idnumber import make_id
from fupin_desktop.excel.importer import import_file
from fupin_desktop.store import Store
from tests.excel import files
from tests.helpers import full_household, make_store

HEAD_A = make_id("510822", date(1958, 4, 5), 17)  # 男, holds a 残疾人证: 肢体残疾 二级
CARD_A = HEAD_A + "42"
WIFE_A = make_id("510822", date(1960, 6, 7), 28)
HEAD_B = make_id("510822", date(1962, 1, 9), 39)
HEAD_C = make_id("510822", date(1964, 3, 1), 51)
HEAD_D = make_id("510822", date(1966, 5, 3), 61)
DAUGHTER_D = make_id("510822", date(1990, 7, 8), 62)  # holds a 残疾人证 (智力残疾 三级)
STORED = make_id("510822", date(1970, 9, 10), 71)  # already in another household, under the ID number
NA, NB, NC, ND, NE = (f"51082210600100{i:02d}" for i in range(1, 6))


def row(n: int, number: str, name: str, sex: str, id_number: str, relation: str, health: str,
        phone: str, size: int) -> list:
    return [n, "茶坝乡", "炉场村", "一组", number, name, sex, id_number, relation, "汉族", None, "是", "是", "是",
            health, "一般贫困户", "因残", phone, size]


def roster() -> list[list]:
    return [
        row(1, NA, "周德福", "", CARD_A, "户主", "残疾", "+86 138 1234 5678", 2),
        row(2, NA, "吴桂芳", "", WIFE_A, "配偶", "健康", "+86 138 1234 5678", 2),
        row(3, NB, "郑大山", "男", HEAD_B, "户主", "残疾", "0086-13912345678", 1),
        row(4, NC, "冯长贵", "男", HEAD_C, "户主", "残疾", files.fullwidth("86 13712345678"), 1),
        row(5, ND, "陈有才", "男", HEAD_D, "户主", "健康", "0839-1234567", 2),
        row(6, ND, "陈小梅", "", " " + files.fullwidth(DAUGHTER_D + "53") + files.ZWSP, "之女", "残疾",
            "0839-1234567", 2),
        # Rejected: a wrong 残疾类别 digit; the person stored elsewhere under her ID number.
        row(7, NE, "蒋文", "男", make_id("510822", date(1968, 2, 2), 81) + "82", "户主", "残疾", "+8613612345678", 2),
        row(8, NE, "褚秀兰", "女", STORED + "11", "配偶", "残疾", "+8613612345678", 2),
    ]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    other = full_household(s.spec, village="兴龙村", group="一组", seed=5, number="5108221069999999")
    other.members[1].fields.update(id_number=STORED, birth_date=date(1970, 9, 10), sex="女")
    s.households.save(other, s.operator)
    yield s
    s.close()


def household(store: Store, number: str):  # type: ignore[no-untyped-def]
    [hid] = store.households.ids_by_number([number])[number]
    return store.households.get(hid)


def test_disability_numbers_and_international_phones_are_imported(store: Store, tmp_path: Path) -> None:
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx", roster()))
    a = household(store, NA)
    head, wife = a.members
    assert head.get("id_number") == CARD_A and head.get("id_type") == "残疾人证"
    assert (head.get("sex"), head.get("birth_date")) == ("男", date(1958, 4, 5))  # from the card's ID part
    assert wife.get("id_type") == "居民身份证"
    assert a.fields["phone"] == "13812345678"
    assert household(store, NB).fields["phone"] == "13912345678"
    assert household(store, NC).fields["phone"] == "13712345678"
    d = household(store, ND)
    assert d.fields["phone"] == "0839-1234567"  # a landline keeps its normal form
    daughter = d.members[1]
    assert daughter.get("id_number") == DAUGHTER_D + "53" and daughter.get("id_type") == "残疾人证"
    assert (daughter.get("sex"), daughter.get("birth_date")) == ("女", date(1990, 7, 8))
    reasons = [reason for r in report.rows for reason in r.reasons]
    assert not [m for m in reasons if "电话" in m], "no phone dropped"


def test_bad_category_and_a_person_stored_under_the_id_number_are_rejected(store: Store, tmp_path: Path) -> None:
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx", roster()))
    rows = {r.row: r for r in report.rows}
    first = files.FIRST_DATA_ROW
    assert store.households.ids_by_number([NE]) == {}
    assert rows[first + 6].status == "rejected" and "第19位残疾类别应为1-7" in rows[first + 6].reasons[0]
    assert rows[first + 7].status == "rejected"
    assert any("已登记在" in m and "5108221069999999" in m for m in rows[first + 7].reasons)


def test_reimport_with_the_id_number_updates_the_card_holder(store: Store, tmp_path: Path) -> None:
    import_file(store, files.write_messy_roster(tmp_path / "r.xlsx", roster()[:2]))
    before = household(store, NA)
    again = [r[:7] + [HEAD_A] + r[8:] if r[7] == CARD_A else r for r in roster()[:2]]
    again = [r[:4] + [""] + r[5:] for r in again]  # no 户编号: matched by the members' numbers
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "again.xlsx", again))
    assert (report.created, report.changed) == (0, 1)
    after = household(store, NA)
    assert [m.uuid for m in after.members] == [m.uuid for m in before.members], "the same person, not a new row"
    assert (after.members[0].get("id_number"), after.members[0].get("id_type")) == (HEAD_A, "居民身份证")
    assert {r.status for r in report.rows} <= {"updated", "warning"}  # warnings: the roster's blank national fields
    assert not any("新增" in m for r in report.rows for m in r.reasons)


def test_a_type_column_that_disagrees_with_the_length_is_reported_not_changed(store: Store, tmp_path: Path) -> None:
    header = ["行政村", "村民小组", "户编号", "姓名", "证件类型", "证件号码", "与户主关系", "民族", "户联系电话"]
    rows = [header,
            ["炉场村", "一组", NA, "周德福", "01", CARD_A, "户主", "汉族", "0086 138 1234 5678"],
            ["炉场村", "一组", NA, "吴桂芳", "09", WIFE_A, "配偶", "汉族", "0086 138 1234 5678"]]
    report, _ = import_file(store, files.write_plain_xlsx(tmp_path / "typed.xlsx", rows))
    head, wife = household(store, NA).members
    assert (head.get("id_type"), wife.get("id_type")) == ("居民身份证", "残疾人证")  # national codes 01, 09
    reasons = {r.row: r.reasons for r in report.rows}
    assert any("证件号码有20位" in m for m in reasons[2]) and any("只有18位" in m for m in reasons[3])
    assert household(store, NA).fields["phone"] == "13812345678"
