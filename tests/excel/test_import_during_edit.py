"""An import while a clerk saves a household, invisible characters in cells, and honest counts.

Two real connections to one database file: the import runs on one; between its reading
(staging) and its writing, the clerk's save goes through the other (the seam is the import's
progress callback, called when staging is done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.excel.importer import ImportConflict, import_file
from fupin_desktop.store import Store
from tests.diskfull import db_digest
from tests.excel import files
from tests.helpers import make_store

N1, N2 = files.N1, files.N2
PHONE_COLUMN = 17


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path)
    yield s
    s.close()


def roster(tmp_path: Path, name: str, change: Callable[[list[Any]], None] | None = None) -> Path:
    """The importable households of the messy roster (N1, N2), optionally changed row by row."""
    rows = [r for r in files.roster_rows() if r[4] in (N1, N2)]
    for row in rows:
        if change is not None:
            change(row)
    return files.write_messy_roster(tmp_path / name, rows)


def rewrite_strings(path: Path, old: str, new: str) -> None:
    """Excel keeps a control character in a cell as the escape ``_x0000_`` (openpyxl cannot write one)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, data.replace(old.encode(), new.encode()) if info.filename.endswith(".xml") else data)


def household_id(store: Store, number: str) -> int:
    return store.households.ids_by_number([number])[number][0]


def clerk_saves_during_import(db: Path, number: str, edit: Callable[[Any], None]) -> Callable[[int, int], None]:
    """A progress callback that, once staging is done (halfway), saves ``edit`` through another connection."""
    fired: list[bool] = []

    def progress(done: int, total: int) -> None:
        if fired or done * 2 < total or total == 0:
            return
        fired.append(True)
        with Store(db) as other:
            hh = other.households.get(household_id(other, number))
            assert hh is not None
            edit(hh)
            other.households.save(hh, "窗口里的录入员")

    return progress


def set_phone(phone: str) -> Callable[[list[Any]], None]:
    def change(row: list[Any]) -> None:
        if row[4] == N1:
            row[PHONE_COLUMN] = phone
    return change


def test_an_edit_of_another_field_is_kept_and_the_file_applied_on_top(store: Store, tmp_path: Path) -> None:
    import_file(store, roster(tmp_path, "first.xlsx"))
    db = tmp_path / "township.db"
    seam = clerk_saves_during_import(db, N1, lambda hh: hh.fields.update(year=2017))
    report, _ = import_file(store, roster(tmp_path, "second.xlsx", set_phone("13800002222")), progress=seam)
    hh = store.households.get(household_id(store, N1))
    assert hh is not None
    assert hh.fields["year"] == 2017  # the clerk's edit survived
    assert hh.fields["phone"] == "13800002222"  # and the file's change is in
    assert (report.changed, report.unchanged) == (1, 1)
    assert any(N1 in note and "最新档案" in note for note in report.notes)


def test_an_edit_of_the_same_field_refuses_the_import_naming_the_household(store: Store, tmp_path: Path) -> None:
    import_file(store, roster(tmp_path, "first.xlsx"))
    db = tmp_path / "township.db"
    seam = clerk_saves_during_import(db, N1, lambda hh: hh.fields.update(phone="13700003333"))
    second = roster(tmp_path, "second.xlsx", set_phone("13800002222"))

    digests: list[str] = []

    def progress(done: int, total: int) -> None:
        seam(done, total)
        if not digests and done * 2 >= total:
            digests.append(db_digest(db))  # the database with the clerk's save, before the import writes

    with pytest.raises(ImportConflict) as info:
        import_file(store, second, progress=progress)
    message = str(info.value)
    assert f"户编号 {N1}" in message and "联系电话" in message
    assert "什么也没有导入" in message and "重新导入" in message
    assert "阿依古丽" not in message and "祥" not in message  # the household, not a person, is named
    assert db_digest(db) == digests[0]  # nothing of the import was written
    assert store.households.get(household_id(store, N1)).fields["phone"] == "13700003333"

    again, _ = import_file(store, second)  # simply run again: the file's value wins on the new revision
    assert (again.changed, again.unchanged) == (1, 1)
    assert store.households.get(household_id(store, N1)).fields["phone"] == "13800002222"


def test_the_report_counts_only_households_that_changed(store: Store, tmp_path: Path) -> None:
    import_file(store, roster(tmp_path, "first.xlsx"))
    revisions = store.households.revisions(store.households.ids())
    report, _ = import_file(store, roster(tmp_path, "second.xlsx", set_phone("13800002222")))
    assert (report.created, report.changed, report.unchanged) == (0, 1, 1)
    assert {r.status for r in report.rows if r.household_number == N2} == {"unchanged"}
    assert report.to_json()["unchanged"] == 1 and "1 户与库中相同，未变化" in report.summary()
    after = store.households.revisions(store.households.ids())
    assert after[household_id(store, N2)] == revisions[household_id(store, N2)]  # not written at all
    assert after[household_id(store, N1)] == revisions[household_id(store, N1)] + 1


def test_invisible_characters_in_cells_are_removed_with_a_warning_naming_row_and_column(
        store: Store, tmp_path: Path) -> None:
    def hostile(row: list[Any]) -> None:
        if row[0] == 4:  # 王德明, the head of N2
            row[5] = "\u202e王德明NUL\U000e0041"  # NUL: written as Excel writes it, _x0000_
        if row[0] == 5:
            row[5] = "王秀\u200f英\ufeff"
            row[2] = "兴龙\u2066村"

    path = roster(tmp_path, "r.xlsx", hostile)
    rewrite_strings(path, "NUL", "_x0000_")
    report, _ = import_file(store, path)
    hh = store.households.get(household_id(store, N2))
    assert hh is not None
    assert [m.get("name") for m in hh.members] == ["王德明", "王秀英"]
    assert hh.fields["village"] == "兴龙村"
    rows = {r.row: r for r in report.rows}
    head_row = files.FIRST_DATA_ROW + 3  # the 4th data row
    assert "“姓 名”列含有不可见的控制字符（U+202E、U+0000、U+E0041），已去掉" in rows[head_row].reasons
    assert any("“行政村”列" in r and "U+2066" in r for r in rows[head_row + 1].reasons)
    assert any("姓 名" in r and "U+200F" in r for r in rows[head_row + 1].reasons)


def test_private_use_characters_in_names_are_kept(store: Store, tmp_path: Path) -> None:
    def rare(row: list[Any]) -> None:
        if row[0] == 5:
            row[5] = "王\ue000英"

    report, _ = import_file(store, roster(tmp_path, "r.xlsx", rare))
    hh = store.households.get(household_id(store, N2))
    assert hh is not None and hh.members[1].get("name") == "王\ue000英"
    assert not any("不可见" in r for row in report.rows for r in row.reasons if row.household_number == N2)
