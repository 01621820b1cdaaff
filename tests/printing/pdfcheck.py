"""Read PDFs back for the printing tests: text (pdftotext, else pypdf), pages, embedded fonts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader


def pdf_text(path: Path) -> str:
    """The text of every page (poppler's pdftotext where installed, as in CI; else pypdf)."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    return "\n\f".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def page_texts(path: Path) -> list[str]:
    return pdf_text(path).split("\f")[: page_count(path)]


def page_count(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def fonts(path: Path) -> dict[str, dict[str, object]]:
    """Every font the pages (and their forms) use: base name -> {embedded, subset, type}."""
    found: dict[str, dict[str, object]] = {}

    def walk(resources: object, seen: set[int]) -> None:
        if not resources:
            return
        res = resources.get_object()  # type: ignore[attr-defined]
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            name = str(font.get("/BaseFont"))
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[name] = {"embedded": embedded, "subset": "+" in name, "type": str(font.get("/Subtype"))}
        for xobj in (res.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if id(xobj) not in seen and xobj.get("/Resources") is not None:
                seen.add(id(xobj))
                walk(xobj.get("/Resources"), seen)

    for page in PdfReader(str(path)).pages:
        walk(page.get("/Resources"), set())
    return found


def assert_fonts_embedded(path: Path) -> None:
    used = fonts(path)
    assert used, "the PDF uses no font"
    for name, info in used.items():
        assert info["embedded"], f"{name} is not embedded"
        assert info["subset"], f"{name} is embedded whole, not as a subset"
        assert info["type"] == "/TrueType", f"{name} is {info['type']}"
