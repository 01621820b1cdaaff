"""Issue 13 item 10: what the README tells a newcomer works on a fresh machine and a fresh clone."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from fupin_desktop.domain.idnumber import check_id

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def debian_package(soname: str) -> str:
    """Debian's library package name: ``libxcb-icccm.so.4`` -> ``libxcb-icccm4``,
    ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0`` (a hyphen after a trailing digit)."""
    base, version = re.fullmatch(r"(.+)\.so\.(\d+)", soname).groups()  # type: ignore[union-attr]
    return f"{base}{'-' if base[-1].isdigit() else ''}{version}".lower()


def test_debian_package_naming() -> None:
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libX11-xcb.so.1") == "libx11-xcb1"


@pytest.mark.skipif(sys.platform != "linux", reason="the xcb plugin is Qt's Linux platform plugin")
def test_apt_line_installs_every_x_library_the_xcb_plugin_needs() -> None:
    """The libraries the xcb plugin and its Qt library link against (their ELF NEEDED names, read
    from the files PySide6 installed) that a fresh Debian lacks: xcb, xkbcommon, X11-xcb."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    needed: set[str] = set()
    for binary in (qt / "plugins" / "platforms" / "libqxcb.so", *(qt / "lib").glob("libQt6XcbQpa.so*")):
        needed |= {m.decode() for m in re.findall(rb"lib(?:xcb[\w-]*|xkbcommon[\w-]*|X11-xcb)\.so\.\d+",
                                                  binary.read_bytes())}
    apt = re.search(r"sudo apt-get install ([^`]+)`", README)
    assert apt, "the README has no apt-get line"
    packages = set(apt.group(1).split())
    assert {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"} <= needed
    assert sorted(debian_package(so) for so in needed if debian_package(so) not in packages) == []


def test_check_id_example_numbers_are_valid() -> None:
    line = next(line for line in README.splitlines() if line.startswith("fupin check-id "))
    numbers = re.findall(r"\b\d{17}[\dxX]\d{0,2}\b", line)
    assert len(numbers) == 3
    for number in numbers:
        result = check_id(number)
        assert result.valid, (number, result.error)


def test_readme_links_only_files_a_clone_has() -> None:
    assert "../shared" not in README and "/work/" not in README
    targets = re.findall(r"\]\(([^)#\s]+)\)", README)
    assert "docs/DESIGN.md" in targets
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert missing == []
