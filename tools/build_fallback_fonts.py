"""Build the rare-character fallback fonts in resources/fonts/ from Hanazono Mincho (花園明朝).

WenQuanYi Micro Hei, the bundled main font, lacks CJK Extension A and B (䶮 U+4DAE, 𠮷 U+20BB7) and
a few late additions to the main block.  Names with such characters (生僻字) are real, so every PDF
and the GUI fall back to two subsets of HanaMinA/HanaMinB (TrueType, GlyphWiki Project, Hanazono
Font License, see fupin-han-ext.LICENSE.txt):

* ``fupin-han-ext-a.ttf``: from HanaMinA: all of Extension A, the main-block (URO) and
  compatibility ideographs WenQuanYi lacks, CJK radicals and strokes;
* ``fupin-han-ext-b.ttf``: from HanaMinB: the Extension B characters that have a Mandarin reading
  or a Chinese dictionary entry in Unihan (kMandarin, kHanyuPinyin, kXHC1983, kTGH, kIICore,
  kUnihanCore2020, kHKSCS) plus those of HanaMinA's Japanese set (𠮷 among them), and the
  compatibility supplement: about 16,600 of Extension B's 42,720 characters, the ones that occur
  in names, at about 9 MB instead of 21 MB.

A developer tool, run once; the outputs are committed, so fontTools is not a run-time dependency::

    apt-get install fonts-hanazono unicode-data
    pip install fonttools
    python tools/build_fallback_fonts.py
"""

from __future__ import annotations

import bz2
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "resources" / "fonts"
HANAZONO = Path("/usr/share/fonts/truetype/hanazono")
UNIHAN = Path("/usr/share/unicode")
EXT_B = range(0x20000, 0x2A6E0)
#: Unihan keys that mark a character as used in Chinese (readings, dictionaries, core sets).
CHINESE_KEYS = frozenset(
    {"kMandarin", "kHanyuPinyin", "kXHC1983", "kTGH", "kIICore", "kUnihanCore2020", "kHKSCS"}
)
FAMILY = {"a": "Fupin Han Ext A", "b": "Fupin Han Ext B"}


def unihan_ext_b() -> set[int]:
    """Extension B characters with a Chinese reading or dictionary entry."""
    chosen: set[int] = set()
    for path in sorted(UNIHAN.glob("Unihan_*.txt.bz2")):
        with bz2.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if not line.startswith("U+"):
                    continue
                code, key, _ = line.split("\t", 2)
                cp = int(code[2:], 16)
                if cp in EXT_B and key in CHINESE_KEYS:
                    chosen.add(cp)
    return chosen


def subset_font(source: Path, unicodes: set[int], family: str, out: Path) -> None:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False  # hinting is useless at print resolution and doubles the size
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["vhea", "vmtx", "FFTM", "prop", "BASE", "GSUB", "GDEF"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    names = font["name"]
    # A new family name: this is a modified version (Hanazono Font License allows it freely).
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17):
            names.removeNames(nameID=rec.nameID)
    postscript = family.replace(" ", "")
    for name_id, text in ((1, family), (3, f"{postscript}-subset-HanaMin-20170904"), (4, family), (6, postscript)):
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)
    names.setName(
        "Subset of HanaMinA/HanaMinB 2017-09-04 (GlyphWiki Project) made by fupin-desktop's "
        "tools/build_fallback_fonts.py; Hanazono Font License.", 5, 3, 1, 0x409,
    )
    font.save(out)


def main() -> int:
    wqy = TTCollection(str(FONTS / "wqy-microhei.ttc")).fonts[0].getBestCmap()
    hana_a = TTFont(HANAZONO / "HanaMinA.ttf", lazy=True).getBestCmap()
    hana_b = TTFont(HANAZONO / "HanaMinB.ttf", lazy=True).getBestCmap()
    bmp_ranges = [
        range(0x2E80, 0x2FE0),  # CJK radicals supplement, Kangxi radicals
        range(0x31C0, 0x31F0),  # CJK strokes
        range(0x3400, 0x4DC0),  # Extension A
        range(0x4E00, 0xA000),  # main block: only what WenQuanYi lacks
        range(0xF900, 0xFB00),  # compatibility ideographs
    ]
    part_a = {cp for r in bmp_ranges for cp in r if cp in hana_a and cp not in wqy}
    part_b = (unihan_ext_b() | {cp for cp in hana_a if cp in EXT_B}) & set(hana_b)
    part_b |= {cp for cp in range(0x2F800, 0x2FA20) if cp in hana_b}
    subset_font(HANAZONO / "HanaMinA.ttf", part_a, FAMILY["a"], FONTS / "fupin-han-ext-a.ttf")
    subset_font(HANAZONO / "HanaMinB.ttf", part_b, FAMILY["b"], FONTS / "fupin-han-ext-b.ttf")
    for name, chars in (("a", part_a), ("b", part_b)):
        path = FONTS / f"fupin-han-ext-{name}.ttf"
        print(f"{path.name}: {len(chars)} characters, {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
