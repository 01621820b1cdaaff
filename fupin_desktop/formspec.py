"""Load the declarative paper-form specs in ``forms/`` into typed objects.

A paper form is declared once (``forms/<form>.toml``) and everything else is
derived from it: the Qt form, field validation, the JSON/CLI view and later the
PDF and Excel mappings.  See ``forms/README.md`` for the file format.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import rtoml

from fupin_desktop.domain import derived
from fupin_desktop.domain.codes import NUMBERINGS, CodeItem, CodeList
from fupin_desktop.paths import FORMS_DIR

FieldType = Literal[
    "text",
    "multiline",
    "integer",
    "decimal",
    "date",
    "bool",
    "code",
    "multicode",
    "id_number",
    "phone",
    "bank_account",
    "derived",
]
FIELD_TYPES: frozenset[str] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]



class SpecError(ValueError):
    """A form spec file is malformed (a developer error, reported at load)."""


@dataclass(frozen=True)
class FieldSpec:
    """One cell of the paper form (or one column of a repeating table)."""

    id: str
    label: str
    type: str
    required: bool = False
    codes: str | None = None  # code list id, for code/multicode
    unit: str | None = None  # shown after the widget, e.g. 亩, 元
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    decimals: int = 2
    aliases: tuple[str, ...] = ()  # other header names (Excel)
    readonly: bool = False  # filled by the program (derived, township data)
    source: str | None = None  # for readonly fields: where the value comes from
    help: str = ""
    row: int = 0
    col: int = 0
    span: int = 1
    width: int = 0  # table column width hint in characters (0: automatic)
    no_spaces: bool = False  # codes such as 户编号: spaces typed or pasted inside are removed


@dataclass(frozen=True)
class GroupSpec:
    """A titled block of a section: either a grid of cells or a repeating table."""

    id: str
    title: str
    kind: Literal["grid", "table"]
    columns: int  # grid columns (label+widget pairs) for grids
    fields: tuple[FieldSpec, ...]
    min_rows: int = 0
    max_rows: int = 0  # 0: unlimited

    @property
    def is_table(self) -> bool:
        return self.kind == "table"


@dataclass(frozen=True)
class SectionSpec:
    """One part of the paper form (a tab in the editor)."""

    id: str
    title: str
    groups: tuple[GroupSpec, ...]


@dataclass(frozen=True)
class FormSpec:
    id: str
    title: str
    sections: tuple[SectionSpec, ...]
    codes: dict[str, CodeList] = field(default_factory=dict, compare=False)

    # -- lookups ---------------------------------------------------------
    def grid_fields(self) -> list[FieldSpec]:
        """Every single-value field of the form, in paper reading order (a new list each call)."""
        return list(self._grid)

    @functools.cached_property
    def _grid(self) -> tuple[FieldSpec, ...]:  # asked for every household checked: built once per form
        return tuple(f for s in self.sections for g in s.groups if not g.is_table for f in g.fields)

    @functools.cached_property
    def _grid_by_id(self) -> Mapping[str, FieldSpec]:
        out: dict[str, FieldSpec] = {}
        for f in self._grid:
            out.setdefault(f.id, f)  # the first of a repeated id, as the search always gave
        return MappingProxyType(out)

    def tables(self) -> list[GroupSpec]:
        return [g for s in self.sections for g in s.groups if g.is_table]

    def table(self, table_id: str) -> GroupSpec:
        for g in self.tables():
            if g.id == table_id:
                return g
        raise KeyError(table_id)

    def field(self, field_id: str) -> FieldSpec:
        f = self._grid_by_id.get(field_id)
        if f is None:
            raise KeyError(field_id)
        return f

    def derived_sources(self) -> Mapping[str, str]:
        """The household's derived fields: field id -> source (see :mod:`fupin_desktop.domain.derived`)."""
        return self._derived_sources

    @functools.cached_property
    def _derived_sources(self) -> Mapping[str, str]:  # read for every household loaded: once per form
        return MappingProxyType({f.id: f.source for f in self.grid_fields() if f.type == "derived" and f.source})

    def with_numbering(self, numbering: str) -> FormSpec:
        """This form with typed code numbers in ``numbering`` where a list has it (a county's
        policy: 与户主关系 by GB/T 4761); ``national`` gives the form itself."""
        if numbering == "national":
            return self
        codes = {k: v.renumbered(numbering) for k, v in self.codes.items()}
        return FormSpec(id=self.id, title=self.title, sections=self.sections, codes=codes)

    def code_list(self, spec: FieldSpec) -> CodeList:
        if spec.codes is None or spec.codes.startswith("@"):
            raise KeyError(f"{spec.id} has no static code list")
        return self.codes[spec.codes]


def _reading_order(fields: list[FieldSpec]) -> list[FieldSpec]:
    return sorted(fields, key=lambda f: (f.row, f.col))


def _parse_field(raw: dict[str, Any], where: str, codes: dict[str, CodeList], table: bool) -> FieldSpec:
    try:
        fid, _label, ftype = raw["id"], raw["label"], raw["type"]
    except KeyError as exc:
        raise SpecError(f"{where}: field lacks {exc}") from exc
    if ftype not in FIELD_TYPES:
        raise SpecError(f"{where}.{fid}: unknown type {ftype!r}")
    code_id = raw.get("codes")
    if ftype in ("code", "multicode"):
        # "@villages" / "@groups" name lists that come from the township's own data.
        if not code_id or (not code_id.startswith("@") and code_id not in codes):
            raise SpecError(f"{where}.{fid}: unknown code list {code_id!r}")
    known = set(FieldSpec.__dataclass_fields__) | {"aliases"}
    extra = set(raw) - known
    if extra:
        raise SpecError(f"{where}.{fid}: unknown keys {sorted(extra)}")
    source = raw.get("source")
    if source is not None and not derived.is_known(source):
        raise SpecError(f"{where}.{fid}: source {source!r} is computed nowhere (fupin_desktop/domain/derived.py)")
    if ftype == "derived" and (source is None or source not in derived.HOUSEHOLD_SOURCES):
        raise SpecError(f"{where}.{fid}: a derived field needs a household source, not {source!r}")
    if not table and ("row" not in raw or "col" not in raw):
        raise SpecError(f"{where}.{fid}: grid fields need row and col")
    values = dict(raw)
    values["aliases"] = tuple(raw.get("aliases", ()))
    values["readonly"] = bool(raw.get("readonly", ftype == "derived"))
    return FieldSpec(**values)


def parse_form(data: dict[str, Any], codes: dict[str, CodeList]) -> FormSpec:
    form = data.get("form") or {}
    sections: list[SectionSpec] = []
    seen: set[str] = set()
    for s_raw in data.get("sections", []):
        groups: list[GroupSpec] = []
        for g_raw in s_raw.get("groups", []):
            kind = g_raw.get("kind", "grid")
            where = f"{s_raw['id']}.{g_raw['id']}"
            is_table = kind == "table"
            fields = [_parse_field(f, where, codes, is_table) for f in g_raw.get("fields", [])]
            if not is_table:
                fields = _reading_order(fields)
            for f in fields:
                key = f"{g_raw['id']}.{f.id}" if is_table else f.id
                if key in seen:
                    raise SpecError(f"{where}: duplicate field id {f.id}")
                seen.add(key)
            if is_table and g_raw["id"] in seen:
                raise SpecError(f"{where}: duplicate table id")
            seen.add(g_raw["id"])
            groups.append(
                GroupSpec(
                    id=g_raw["id"],
                    title=g_raw.get("title", ""),
                    kind=kind,
                    columns=int(g_raw.get("columns", 3)),
                    fields=tuple(fields),
                    min_rows=int(g_raw.get("min_rows", 0)),
                    max_rows=int(g_raw.get("max_rows", 0)),
                )
            )
        sections.append(SectionSpec(id=s_raw["id"], title=s_raw["title"], groups=tuple(groups)))
    return FormSpec(id=form.get("id", ""), title=form.get("title", ""), sections=tuple(sections), codes=codes)


def parse_codes(data: dict[str, Any]) -> dict[str, CodeList]:
    lists: dict[str, CodeList] = {}
    for list_id, raw in data.items():
        items = tuple(
            CodeItem(
                code=str(i["code"]), label=i["label"], aliases=tuple(i.get("aliases", ())),
                numberings=tuple((n, tuple(str(c) for c in i[n])) for n in NUMBERINGS if n in i),
            )
            for i in raw["items"]
        )
        labels = [i.label for i in items]
        if len(set(labels)) != len(labels):
            raise SpecError(f"codes.{list_id}: duplicate labels")
        numbers = [i.code for i in items if i.code]
        if len(set(numbers)) != len(numbers):
            raise SpecError(f"codes.{list_id}: duplicate codes")
        lists[list_id] = CodeList(id=list_id, title=raw.get("title", list_id), items=items)
    return lists


def load_codes(forms_dir: Path = FORMS_DIR) -> dict[str, CodeList]:
    """``forms/codes.toml``, parsed once per folder (``load_codes()`` and ``load_codes(FORMS_DIR)``
    share one parse: a cache keyed on the arguments as given would read the file twice)."""
    return _codes(forms_dir)


def read_toml(path: Path) -> dict[str, Any]:
    """A spec file's data, read with rtoml (Rust: ~10x the standard library's ``tomllib``, whose
    parse of codes.toml and household.toml was ~6 ms of every start-up).  A file rtoml refuses is
    read again with ``tomllib``, so a mistake in a file is reported exactly as before."""
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8")
    try:
        return rtoml.loads(text)
    except rtoml.TomlParsingError:
        return tomllib.loads(text)


@functools.cache
def _codes(forms_dir: Path) -> dict[str, CodeList]:
    return parse_codes(read_toml(forms_dir / "codes.toml"))


def load_form(form_id: str, forms_dir: Path = FORMS_DIR) -> FormSpec:
    """Load ``forms/<form_id>.toml`` (cached: specs are immutable at run time)."""
    return _form(form_id, forms_dir)


@functools.cache
def _form(form_id: str, forms_dir: Path) -> FormSpec:
    return parse_form(read_toml(forms_dir / f"{form_id}.toml"), load_codes(forms_dir))


@dataclass(frozen=True)
class ListColumn:
    """A column of a list declared in ``forms/lists.toml``."""

    key: str
    label: str
    sortable: bool = False
    county: str | None = None  # a county database's extra column, placed before this key


@functools.cache
def load_list(list_id: str, forms_dir: Path = FORMS_DIR) -> tuple[ListColumn, ...]:
    """The columns of the list ``list_id`` in ``forms/lists.toml``."""
    data = read_toml(forms_dir / "lists.toml")
    try:
        return tuple(ListColumn(**raw) for raw in data[list_id]["columns"])
    except (KeyError, TypeError) as exc:
        raise SpecError(f"lists.{list_id}: {exc}") from exc


@dataclass(frozen=True)
class LayoutColumn:
    """A column of a spreadsheet layout declared in ``forms/layouts.toml``: one field of the form
    (``field``: a household field id, or ``members.<id>``) or one derived value (``source``, a
    name of :data:`~fupin_desktop.domain.derived.HOUSEHOLD_SOURCES`), under ``header`` (a field's
    label when not given)."""

    header: str | None = None
    field: str | None = None
    source: str | None = None

    @property
    def table(self) -> str | None:
        """The table whose rows the field is in (``members``), or None for a household field."""
        return self.field.partition(".")[0] if self.field is not None and "." in self.field else None

    @property
    def field_id(self) -> str | None:
        return self.field.rpartition(".")[2] if self.field is not None else None


@functools.cache
def load_layout(layout_id: str, forms_dir: Path = FORMS_DIR) -> tuple[LayoutColumn, ...]:
    """The columns of the layout ``layout_id`` in ``forms/layouts.toml``; a column naming no value,
    two values or a source nobody computes is refused (:func:`check_layout` checks the fields)."""
    data = read_toml(forms_dir / "layouts.toml")
    try:
        columns = tuple(LayoutColumn(**raw) for raw in data[layout_id]["columns"])
    except (KeyError, TypeError) as exc:
        raise SpecError(f"layouts.{layout_id}: {exc}") from exc
    for i, col in enumerate(columns):
        where = f"layouts.{layout_id}.columns[{i}]"
        if (col.field is None) == (col.source is None):
            raise SpecError(f"{where}: name either a field or a source")
        if col.source is not None and col.source not in derived.HOUSEHOLD_SOURCES:
            raise SpecError(f"{where}: source {col.source!r} is computed nowhere (fupin_desktop/domain/derived.py)")
        if col.source is not None and not col.header:
            raise SpecError(f"{where}: a source column needs a header")
    return columns


def check_layout(spec: FormSpec, columns: Iterable[LayoutColumn]) -> list[tuple[LayoutColumn, FieldSpec | None]]:
    """Each column with the form's field it names (None for a source); a field the form does not
    have is refused with :class:`SpecError`."""
    out: list[tuple[LayoutColumn, FieldSpec | None]] = []
    for col in columns:
        if col.field is None:
            out.append((col, None))
            continue
        try:
            fields = {f.id: f for f in (spec.table(col.table).fields if col.table else spec.grid_fields())}
        except KeyError:
            fields = {}
        found = fields.get(col.field_id or "")
        if found is None:
            raise SpecError(f"layouts: field {col.field!r} is not in the form")
        out.append((col, found))
    return out
