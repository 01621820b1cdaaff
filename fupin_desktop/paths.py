"""Where the program's data files live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries forms/ and resources/ inside the package (see pyproject's
    # package-dir mapping); a source checkout or editable install has them at the top.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found near {_PACKAGE}")


FORMS_DIR = _data_dir("forms")
RESOURCES_DIR = _data_dir("resources")
FONTS_DIR = RESOURCES_DIR / "fonts"
