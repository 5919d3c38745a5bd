"""Build the bundled CJK chart font ``src/wetval/fonts/WetvalCJKSans.ttf``.

The font is a subset of Noto Sans CJK SC Regular 1.004 (SIL Open Font License
1.1, Copyright 2014-2015 Adobe Systems Incorporated) covering printable ASCII,
Latin-1, the GB 2312 character set (6,763 hanzi plus symbols), CJK
punctuation, full-width forms, the symbols wetval's reports use, and every
character of the shipped method cards and of wetval's own sources (names
outside GB 2312 such as 大薸, 虉草 or an author's 燚 are printed in reports). The
CFF outlines are converted to TrueType so that every PDF backend can embed
it, and the family is renamed "Wetval CJK Sans" (a Modified Version under the
OFL; no Reserved Font Name is used).

Usage (needs ``pip install fonttools``)::

    python tools/build_cjk_font.py NotoSansCJKsc-Regular.otf

The source OTF is in the ``mplfonts`` wheel on PyPI (``mplfonts/fonts/``) and
in the notofonts/noto-cjk repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "wetval" / "fonts" / "WetvalCJKSans.ttf"
FAMILY = "Wetval CJK Sans"
EXTRA = "²³±×÷−≥≤≈≠‰°·—–…¥€£§№ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ①②③④⑤⑥⑦⑧⑨⑩→←↑↓√∑∆Δσεαβγλμρ≦≧■□●○★☆✓✗⚠"


def gb2312_characters() -> str:
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def project_characters() -> str:
    """Every character of the shipped cards and of wetval's sources (the subsetter
    skips any the source font lacks)."""
    files = [*(ROOT / "methods").rglob("*.toml"), *(ROOT / "src" / "wetval").rglob("*.py")]
    return "".join(sorted({c for f in files for c in f.read_text(encoding="utf-8") if c > "~"}))


def wanted_characters() -> str:
    ascii_latin1 = "".join(chr(c) for c in range(0x20, 0x100))
    punctuation = "".join(chr(c) for c in range(0x3000, 0x3040))
    fullwidth = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    return (
        ascii_latin1 + punctuation + fullwidth + gb2312_characters() + EXTRA + project_characters()
    )


def cff_to_truetype(font: TTFont) -> None:
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
        "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
        "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 4, 16):
            table.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            table.setName(
                "WetvalCJKSans-Regular", 6, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID == 3:
            table.setName(
                "WetvalCJKSans-Regular;subset of Noto Sans CJK SC 1.004",
                3,
                record.platformID,
                record.platEncID,
                record.langID,
            )


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted_characters())
    subsetter.subset(font)
    cff_to_truetype(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1])
