"""Find the header row of a roster and map its columns to the form spec's fields.

Rosters put title rows above the header and often a two-row header whose upper
row groups columns under merged cells ("家庭成员" over 姓名/证件号码) while other
columns are merged down both rows ("户编号").  :func:`detect_header` scores the
first rows (single rows and adjacent pairs) by how many columns name a known
field; :func:`auto_map` maps each column by the spec's labels and ``aliases``.
A clerk's corrections are remembered per header layout (:func:`remember`).

Pure Python, no Qt.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fupin_desktop.domain.text import normalize_text
from fupin_desktop.excel.grid import Grid
from fupin_desktop.formspec import FieldSpec, FormSpec
from fupin_desktop.store import settings
from fupin_desktop.store.database import Database

HOUSEHOLD = "household"
#: Sheet kinds: a one-row-per-person roster, or a sheet of our own full layout.
ROSTER = "roster"
HOUSEHOLDS = "households"
FULL_HOUSEHOLD_SHEET = "户基本情况"
HOUSEHOLD_UUID_LABEL = "户标识"
ROW_UUID_LABEL = "记录标识"
#: Columns the error workbook adds; never mapped, not part of a layout's signature.
SOURCE_ROW_LABEL = "原行号"
REASON_LABEL = "错误原因"
EXTRA_COLUMNS = (SOURCE_ROW_LABEL, REASON_LABEL)
#: Field types whose digits are text, never numbers (Excel keeps 15 digits and drops leading zeros).
TEXT_TYPES = frozenset({"id_number", "phone", "bank_account"})
#: Text fields whose values are long digit strings (人编号 AAB001).
TEXT_FIELD_IDS = frozenset({"person_number"})
SCAN_ROWS = 30
MIN_SCORE = 2

#: Header variants seen in county rosters that the spec does not list (yet).
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "members.name": ("成员姓名", "人员姓名", "家庭成员姓名"),
    "members.relation": ("关系", "与户主的关系", "家庭关系"),
    "members.id_number": ("身份证", "公民身份号码", "证件号码(身份证号)", "公民身份号码或残疾号码", "身份证号码或残疾证号码"),
    "members.id_type": ("证件种类",),
    "members.birth_date": ("出生年月", "出生年月日"),
    "members.school_status": ("在校情况", "在校状况"),
    "members.labor_skill": ("劳动能力",),
    "members.person_number": ("人员编码", "个人编码"),
    "household.village": ("行政村名称", "村名", "村(社区)"),
    "household.group": ("组名", "村民小组名称"),
    "household.number": ("户编码(户号)",),
    "household.phone": ("户主电话", "联系方式"),
    "household.size": ("家庭人口数", "家庭成员数"),
}

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Target:
    """Where a column's values go: ``household.<field>``, ``<table>.<field>`` or ``*.uuid``."""

    key: str
    table: str
    field_id: str
    label: str
    spec: FieldSpec | None  # None for the record identifiers

    @property
    def importable(self) -> bool:
        """Derived and township values are shown in the mapping but never imported."""
        return self.spec is None or not (self.spec.readonly or self.spec.type == "derived")

    @property
    def is_text(self) -> bool:
        """ID numbers, phones, accounts and 户编号: cells that must stay text in Excel."""
        return (self.field_id == "number" and self.table == HOUSEHOLD) or is_text_field(self.spec)

    @property
    def display(self) -> str:
        where = "户" if self.table == HOUSEHOLD else "成员" if self.table == "members" else self.table
        note = "" if self.importable else "（本乡信息，仅核对）" if self.spec and self.spec.type != "derived" else "（自动计算，仅核对）"
        return f"{self.label}（{where}）{note}" if self.table in (HOUSEHOLD, "members") else f"{self.label}{note}"


@dataclass
class Header:
    """The detected header: rows ``top`` .. ``top + height - 1`` (0-based)."""

    top: int
    height: int
    names: list[str]
    candidates: list[list[str]]

    @property
    def data_start(self) -> int:
        return self.top + self.height

    @property
    def rows_text(self) -> str:
        first = self.top + 1
        return f"第 {first} 行" if self.height == 1 else f"第 {first}-{first + 1} 行"


def is_text_field(spec: FieldSpec | None) -> bool:
    """A field of digits that are text: an ID number, phone or account (also when derived: 户主证件号码)."""
    if spec is None:
        return False
    if spec.id in TEXT_FIELD_IDS or (spec.source or "").rpartition(".")[2] in TEXT_FIELD_IDS:
        return True  # 人编号 and 户主个人编号: long digit strings
    kind = spec.type
    if kind == "derived":
        kind = (spec.source or "").rpartition(".")[2]
    return kind in TEXT_TYPES


def header_key(text: Any) -> str:
    """A header's matching key: no spaces or line breaks, half-width, no required marks."""
    t = normalize_text("" if text is None else str(text))
    t = _SPACES.sub("", t).replace("*", "").replace("※", "")
    return t.lower()


def table_title(spec: FormSpec, kind: str) -> str:
    return FULL_HOUSEHOLD_SHEET if kind == HOUSEHOLDS else spec.table(kind).title


def targets(spec: FormSpec, kind: str) -> list[Target]:
    """Every target a sheet of this kind can map to, in the spec's order."""
    grid = [Target(f"{HOUSEHOLD}.{f.id}", HOUSEHOLD, f.id, f.label, f) for f in spec.grid_fields()]
    if kind == ROSTER:
        members = spec.table("members").fields
        return grid + [Target(f"members.{f.id}", "members", f.id, f.label, f) for f in members]
    if kind == HOUSEHOLDS:
        return grid + [Target(f"{HOUSEHOLD}.uuid", HOUSEHOLD, "uuid", HOUSEHOLD_UUID_LABEL, None)]
    number = spec.field("number")
    return [
        Target(f"{HOUSEHOLD}.number", HOUSEHOLD, "number", number.label, number),
        *(Target(f"{kind}.{f.id}", kind, f.id, f.label, f) for f in spec.table(kind).fields),
        Target(f"{HOUSEHOLD}.uuid", HOUSEHOLD, "uuid", HOUSEHOLD_UUID_LABEL, None),
        Target(f"{kind}.uuid", kind, "uuid", ROW_UUID_LABEL, None),
    ]


def label_index(spec: FormSpec, kind: str) -> dict[str, Target]:
    """Header key -> target, from labels, the spec's aliases and :data:`EXTRA_ALIASES`."""
    index: dict[str, Target] = {}
    all_targets = targets(spec, kind)
    for t in all_targets:
        index.setdefault(header_key(t.label), t)
    for t in all_targets:
        names = (*(t.spec.aliases if t.spec else ()), *EXTRA_ALIASES.get(t.key, ()))
        for alias in names:
            index.setdefault(header_key(alias), t)
    return index


def fill_merged(rows: Sequence[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Give every cell of a merged range the value of its top-left cell (in place)."""
    if isinstance(rows, Grid):
        rows.fill_merged(merged)  # the same, written into its compressed blocks
        return
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value


def _cell(rows: Sequence[list[Any]], r: int, c: int) -> str:
    if r >= len(rows) or c >= len(rows[r]):
        return ""
    v = rows[r][c]
    return "" if v is None else str(v).strip()


def _candidates(rows: Sequence[list[Any]], top: int, height: int, width: int) -> list[list[str]]:
    out = []
    for c in range(width):
        upper = _cell(rows, top, c)
        if height == 1:
            out.append([upper] if upper else [])
            continue
        lower = _cell(rows, top + 1, c)
        names = [upper + lower if upper != lower else upper, lower, upper]
        out.append([n for n in dict.fromkeys(names) if n])
    return out


def _score(cands: list[list[str]], index: dict[str, Target]) -> int:
    hits = set()
    for names in cands:
        for n in names:
            t = index.get(header_key(n))
            if t is not None:
                hits.add(t.key)
                break
    return len(hits)


def detect_header(rows: Sequence[list[Any]], index: dict[str, Target], scan: int = SCAN_ROWS) -> Header | None:
    """The header in the first ``scan`` rows (a single row or a two-row header), or None.

    The best score wins; a two-row header is preferred to its lower row alone (which,
    with merged cells filled in, often scores the same) when both rows name fields.
    """
    width = max((len(r) for r in rows[:scan + 1]), default=0)
    n = min(scan, len(rows))
    single = [_score(_candidates(rows, top, 1, width), index) for top in range(n + 1 if n < len(rows) else n)]
    best: tuple[int, int, int, int] | None = None  # (score, both rows name fields, -height, -top)
    for top in range(n):
        for height in (1, 2):
            if top + height > len(rows):
                continue
            score = single[top] if height == 1 else _score(_candidates(rows, top, 2, width), index)
            both = int(height == 2 and single[top] > 0 and top + 1 < len(single) and single[top + 1] > 0)
            key = (score, both, -height, -top)
            if score >= MIN_SCORE and (best is None or key > best):
                best = key
    if best is None:
        return None
    top, height = -best[3], -best[2]
    return make_header(rows, top, height, index)


def make_header(rows: Sequence[list[Any]], top: int, height: int, index: dict[str, Target]) -> Header:
    """The header at a given place (the clerk may choose it when detection fails)."""
    width = rows.width if isinstance(rows, Grid) else max((len(r) for r in rows), default=0)
    cands = _candidates(rows, top, height, width)
    names = []
    for c in cands:
        hit = next((n for n in c if header_key(n) in index), None)
        names.append(hit or (c[1] if len(c) > 1 and c[1] else c[0] if c else ""))
    return Header(top=top, height=height, names=names, candidates=cands)


def auto_map(header: Header, index: dict[str, Target], kind: str) -> list[str | None]:
    """A target key per column (None: not imported); a target is used once, leftmost first."""
    taken: set[str] = set()
    out: list[str | None] = []
    for names in header.candidates:
        hit = None
        for n in names:
            if n in EXTRA_COLUMNS:
                break
            t = index.get(header_key(n))
            if t is not None:
                if t.key not in taken:
                    hit = t.key
                break
        if hit:
            taken.add(hit)
        out.append(hit)
    if kind == ROSTER and "members.name" not in taken and "household.head_name" in taken:
        # A roster with one row per household names its persons under "户主姓名".
        out = ["members.name" if k == "household.head_name" else k for k in out]
    return out


def signature(header: Header, kind: str) -> str:
    """Identifies a layout: the sheet kind and its header names (extra columns left out)."""
    keys = [header_key(n) for n in header.names if n not in EXTRA_COLUMNS]
    while keys and not keys[-1]:
        keys.pop()
    digest = hashlib.sha1(json.dumps([kind, keys], ensure_ascii=False).encode("utf-8")).hexdigest()
    return digest[:20]


def remembered(db: Database, header: Header, kind: str, valid: set[str]) -> list[str | None] | None:
    """The mapping a clerk confirmed for this layout before, if any."""
    raw = settings.MAPPING_MEMORY.get(db, signature(header, kind))
    if not raw:
        return None
    try:
        stored = json.loads(raw)
    except ValueError:
        return None
    mapping: list[str | None] = []
    columns = iter(stored.get("targets", []))
    for name in header.names:
        if name in EXTRA_COLUMNS:
            mapping.append(None)
            continue
        key = next(columns, None)
        mapping.append(key if key in valid else None)
    return mapping


def remember(db: Database, header: Header, kind: str, mapping: list[str | None]) -> None:
    """Keep the confirmed mapping for files of the same layout (joins the caller's transaction)."""
    kept = [m for n, m in zip(header.names, mapping, strict=False) if n not in EXTRA_COLUMNS]
    value = json.dumps({"kind": kind, "names": [n for n in header.names if n not in EXTRA_COLUMNS],
                        "targets": kept}, ensure_ascii=False)
    settings.MAPPING_MEMORY.put(db, signature(header, kind), value)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
