"""The declarative form spec (forms/household.toml, forms/codes.toml) and its loader."""

from __future__ import annotations

import copy
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from fupin_desktop.domain import derived
from fupin_desktop.domain.household import TABLES
from fupin_desktop.formspec import (
    FIELD_TYPES,
    FormSpec,
    SpecError,
    load_codes,
    load_form,
    parse_codes,
    parse_form,
)
from fupin_desktop.paths import FORMS_DIR
from fupin_desktop.store.households import TOWNSHIP_SOURCED
from tests.helpers import full_household

SPEC = load_form("household")
CODES = load_codes()

HANDBOOK_PARTS = ("家庭基本情况", "致贫原因", "帮扶责任人", "帮扶计划", "帮扶措施", "帮扶成效")
#: GB/T 3304-1991, codes 01-56, in order.
GB_T_3304 = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 "
    "傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 "
    "布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 "
    "裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()


def raw_form() -> dict:
    with open(FORMS_DIR / "household.toml", "rb") as fh:
        return tomllib.load(fh)


def all_fields(spec: FormSpec):
    return [f for s in spec.sections for g in s.groups for f in g.fields]


def test_household_spec_loads() -> None:
    assert isinstance(SPEC, FormSpec)
    assert (SPEC.id, SPEC.title) == ("household", "扶贫手册")
    assert len(SPEC.grid_fields()) > 50
    assert [t.id for t in SPEC.tables()] == list(TABLES)


def test_every_referenced_code_list_exists() -> None:
    for f in all_fields(SPEC):
        if f.type in ("code", "multicode"):
            assert f.codes, f.id
            assert f.codes in ("@villages", "@groups") or f.codes in CODES, f.id
        if f.codes and not f.codes.startswith("@"):
            assert f.codes in CODES, f.id
    assert all(f.type in FIELD_TYPES for f in all_fields(SPEC))


def test_ethnicity_list_is_gb_t_3304_order_plus_other() -> None:
    items = CODES["ethnicity"].items
    assert len(GB_T_3304) == 56
    assert [i.label for i in items[:56]] == GB_T_3304
    assert [i.code for i in items[:56]] == [f"{n:02d}" for n in range(1, 57)]
    assert items[0].label == "汉族" and items[55].label == "基诺族"
    assert "其他" in CODES["ethnicity"].labels


def test_code_lists_have_unique_codes_and_labels() -> None:
    for list_id, codes in CODES.items():
        for attr in ("code", "label"):
            values = [getattr(i, attr) for i in codes.items if getattr(i, attr)]  # "": no national number
            dupes = [v for v, n in Counter(values).items() if n > 1]
            assert not dupes, f"{list_id}: duplicate {attr} {dupes}"


def test_field_ids_are_unique() -> None:
    grid = [f.id for f in SPEC.grid_fields()]
    assert len(grid) == len(set(grid))
    table_ids = [t.id for t in SPEC.tables()]
    assert not set(grid) & set(table_ids)
    for t in SPEC.tables():
        cols = [c.id for c in t.fields]
        assert len(cols) == len(set(cols)), t.id


def test_grid_fields_are_in_reading_order_and_fit_the_grid() -> None:
    for section in SPEC.sections:
        for group in section.groups:
            if group.is_table:
                continue
            cells = [(f.row, f.col) for f in group.fields]
            assert cells == sorted(cells), group.id
            occupied: set[tuple[int, int]] = set()
            for f in group.fields:
                assert f.span >= 1 and f.col + f.span <= group.columns, f"{group.id}.{f.id} outside the grid"
                for c in range(f.col, f.col + f.span):
                    assert (f.row, c) not in occupied, f"{group.id}.{f.id} overlaps another cell"
                    occupied.add((f.row, c))


def test_loader_sorts_grid_fields_written_out_of_order() -> None:
    data = {"sections": [{"id": "s", "title": "S", "groups": [{"id": "g", "kind": "grid", "fields": [
        {"id": "c", "label": "丙", "type": "text", "row": 1, "col": 0},
        {"id": "b", "label": "乙", "type": "text", "row": 0, "col": 1},
        {"id": "a", "label": "甲", "type": "text", "row": 0, "col": 0},
    ]}]}]}
    assert [f.id for f in parse_form(data, CODES).grid_fields()] == ["a", "b", "c"]


def test_the_six_handbook_parts_are_present_in_order() -> None:
    titles = [s.title for s in SPEC.sections]
    assert len(titles) == 6
    for title, part in zip(titles, HANDBOOK_PARTS, strict=True):
        assert part in title, (title, part)


def test_derived_fields_are_read_only() -> None:
    for f in all_fields(SPEC):
        if f.type == "derived":
            assert f.readonly and not f.required, f.id


def test_member_table_has_the_handbook_columns() -> None:
    labels = [c.label for c in SPEC.table("members").fields]
    for label in ("姓名", "性别", "证件号码", "出生日期", "与户主关系", "民族", "文化程度", "健康状况", "劳动技能"):
        assert label in labels


# -- malformed specs ------------------------------------------------------------------------
def first_grid_field(data: dict) -> dict:
    return data["sections"][0]["groups"][0]["fields"][0]


def broken(change) -> dict:  # noqa: ANN001
    data = copy.deepcopy(raw_form())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: first_grid_field(d).update(type="money"), "unknown type"),
        (lambda d: first_grid_field(d).update(type="code", codes="no_such_list"), "unknown code list"),
        (lambda d: first_grid_field(d).update(type="multicode", codes=None), "unknown code list"),
        (lambda d: first_grid_field(d).pop("row"), "row and col"),
        (lambda d: first_grid_field(d).pop("col"), "row and col"),
        (lambda d: first_grid_field(d).pop("label"), "lacks"),
        (lambda d: first_grid_field(d).update(colour="red"), "unknown keys"),
        (lambda d: first_grid_field(d).update(id="city"), "duplicate field id"),
    ],
)
def test_malformed_spec_raises_spec_error(change, message: str) -> None:  # noqa: ANN001
    with pytest.raises(SpecError, match=message):
        parse_form(broken(change), CODES)


def test_table_columns_need_no_grid_position() -> None:
    data = {"sections": [{"id": "s", "title": "S", "groups": [{"id": "t", "kind": "table", "fields": [
        {"id": "name", "label": "姓名", "type": "text"},
    ]}]}]}
    assert parse_form(data, CODES).table("t").fields[0].id == "name"


def test_code_list_with_duplicate_labels_raises_spec_error() -> None:
    with pytest.raises(SpecError, match="duplicate"):
        parse_codes({"x": {"items": [{"code": "1", "label": "是"}, {"code": "2", "label": "是"}]}})


# -- derived values: every source the form names is computed in one registry -------------------
def test_every_source_the_form_names_is_computed_by_the_registry() -> None:
    sources = {f.id: f.source for f in all_fields(SPEC) if f.source}
    assert sources, "the household form names its derived and township sources"
    unknown = {fid: src for fid, src in sources.items() if not derived.is_known(src)}
    assert not unknown, f"sources nobody computes (add them to domain/derived.py): {unknown}"
    for f in all_fields(SPEC):
        if f.type == "derived":
            assert f.source in derived.HOUSEHOLD_SOURCES, f.id


def test_the_derived_fields_come_from_the_form_alone() -> None:
    # No second list of derived fields exists beside the form: the registry computes sources only.
    assert not any(name.endswith("FIELDS") for name in vars(derived))
    assert dict(SPEC.derived_sources()) == {f.id: f.source for f in SPEC.grid_fields() if f.type == "derived"}
    assert {"head_name", "size", "per_capita_income"} <= set(SPEC.derived_sources())


def test_the_township_sourced_fields_are_the_ones_the_store_fills() -> None:
    township = {f.id for f in all_fields(SPEC) if f.source in derived.TOWNSHIP_SOURCES}
    assert township == set(TOWNSHIP_SOURCED)


@pytest.mark.parametrize("source", ["members.head.nickname", "income.magic", "township.mayor"])
def test_a_field_naming_a_source_nobody_computes_is_refused(source: str) -> None:
    data = broken(lambda d: first_grid_field(d).update(source=source))
    with pytest.raises(SpecError, match="computed nowhere"):
        parse_form(data, CODES)


def test_a_derived_field_without_a_household_source_is_refused() -> None:
    def change(d: dict) -> None:
        first_grid_field(d).update(type="derived", source="township.county")
    with pytest.raises(SpecError, match="household source"):
        parse_form(broken(change), CODES)


def test_a_derived_field_the_form_renames_is_computed_under_its_new_id() -> None:
    hh = full_household(SPEC)
    renamed = {"户主": "members.head.name", "人口": "members.count"}
    values = hh.derived(renamed)
    assert values == {"户主": hh.head_name, "人口": hh.size}
    assert hh.derived(SPEC.derived_sources())["per_capita_income"] == derived.per_capita_income(hh)


# -- lists declared in forms/lists.toml --------------------------------------------------------
def test_the_household_list_columns_are_declared_in_the_forms_folder() -> None:
    from dataclasses import fields

    from fupin_desktop.formspec import load_list
    from fupin_desktop.store.households import HouseholdSummary

    columns = load_list("households")
    known = {f.name for f in fields(HouseholdSummary)}
    assert [c.key for c in columns if c.key not in known] == []  # every column is a summary's field
    keys = [c.key for c in columns]
    assert len(set(keys)) == len(keys)
    assert all(c.county in keys for c in columns if c.county)  # placed before a column that exists
    assert [c.label for c in columns][:3] == ["户编号", "乡镇", "行政村"]


def test_an_unknown_list_is_a_spec_error() -> None:
    from fupin_desktop.formspec import load_list

    with pytest.raises(SpecError, match="no_such_list"):
        load_list("no_such_list")


# -- spreadsheet layouts declared in forms/layouts.toml ------------------------------------------
def test_the_national_roster_is_declared_in_the_forms_folder_and_the_export_reads_it() -> None:
    from fupin_desktop.excel.exporter import national_columns
    from fupin_desktop.formspec import check_layout, load_layout

    with open(FORMS_DIR / "layouts.toml", "rb") as fh:
        declared = tomllib.load(fh)["national"]["columns"]
    resolved = check_layout(SPEC, load_layout("national"))  # every field is the form's
    assert len(resolved) == len(declared)
    headers = [c.header for c in national_columns(SPEC)]
    assert headers == [raw.get("header") or (f.label if f else None)
                       for raw, (_col, f) in zip(declared, resolved, strict=True)]
    assert headers[:5] == ["县(市、区、旗)", "乡", "行政村", "自然村", "户编号"] and "人数" in headers
    sources = [c.source for c in load_layout("national") if c.source]
    assert sources and all(s in derived.HOUSEHOLD_SOURCES for s in sources)


def _layouts(tmp_path: Path, columns: str) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "layouts.toml").write_text(f"[roster]\ncolumns = [{columns}]\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("columns, message", [
    ('{ source = "members.nickname", header = "昵称" }', "computed nowhere"),
    ('{ source = "township.county", header = "县" }', "computed nowhere"),  # not a household's value
    ('{ header = "空" }', "either a field or a source"),
    ('{ field = "number", source = "members.count", header = "两个" }', "either a field or a source"),
    ('{ source = "members.count" }', "needs a header"),
    ('{ field = "number", colour = "red" }', "colour"),
])
def test_a_layout_column_naming_nothing_known_is_refused(tmp_path: Path, columns: str, message: str) -> None:
    from fupin_desktop.formspec import load_layout

    with pytest.raises(SpecError, match=message):
        load_layout("roster", _layouts(tmp_path, columns))


@pytest.mark.parametrize("name", ["nickname", "members.nickname", "pets.name"])
def test_a_layout_field_the_form_does_not_have_is_refused(tmp_path: Path, name: str) -> None:
    from fupin_desktop.formspec import check_layout, load_layout

    columns = load_layout("roster", _layouts(tmp_path, f'{{ field = "{name}" }}'))
    with pytest.raises(SpecError, match="not in the form"):
        check_layout(SPEC, columns)


def test_the_codes_and_a_form_are_parsed_once_however_the_folder_is_given() -> None:
    """Issue 14 (start-up): ``load_codes()`` and ``load_codes(FORMS_DIR)`` are one parse, so are
    ``load_form("household")`` and ``load_form("household", FORMS_DIR)``."""
    from fupin_desktop.formspec import FORMS_DIR, load_codes, load_form

    assert load_codes() is load_codes(FORMS_DIR)
    assert load_form("household") is load_form("household", FORMS_DIR)
    assert load_form("household").code_list(load_form("household").field("exit_flag")).items \
        == load_codes()["exit_flag"].items


@pytest.mark.parametrize("name", sorted(p.name for p in FORMS_DIR.glob("*.toml")))
def test_every_spec_file_reads_as_the_standard_library_reads_it(name: str) -> None:
    """formspec reads the specs with rtoml (start-up time, issue 14): the same data as tomllib."""
    from fupin_desktop.formspec import read_toml

    with open(FORMS_DIR / name, "rb") as fh:
        assert read_toml(FORMS_DIR / name) == tomllib.load(fh)


def test_a_broken_spec_file_is_reported_as_the_standard_library_reports_it(tmp_path: Path) -> None:
    from fupin_desktop.formspec import read_toml

    broken = tmp_path / "codes.toml"
    broken.write_text('[sex]\ntitle = "性别"\nitems = [ { code = "1", label = "男" }\n', encoding="utf-8")
    with pytest.raises(tomllib.TOMLDecodeError):
        read_toml(broken)
    broken.write_bytes(b'title = "\xff"\n')
    with pytest.raises(UnicodeDecodeError):
        read_toml(broken)
