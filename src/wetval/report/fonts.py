"""The bundled CJK font for reports: file path and a subset embedded in HTML."""

from __future__ import annotations

import base64
import io
from importlib import resources
from pathlib import Path

from wetval.plotting import CJK_FONT_FAMILY

__all__ = ["font_face_css", "font_path"]


def font_path() -> Path:
    """Path of the bundled TrueType font (Wetval CJK Sans)."""
    return Path(str(resources.files("wetval") / "fonts" / "WetvalCJKSans.ttf"))


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule embedding the bundled font, subset to ``text``'s characters.

    The subset (WOFF, zlib-compressed) keeps a report self-contained and
    readable on machines without Chinese fonts while adding only the glyphs
    the report uses (typically 50–300 kB).
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(font_path())
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))) + " 0123456789")
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{CJK_FONT_FAMILY}"; '
        f'src: url(data:font/woff;base64,{encoded}) format("woff"); }}'
    )
