"""Matplotlib set-up shared by every ``plot()`` method and the reports.

wetval bundles "Wetval CJK Sans", a GB 2312 subset of Noto Sans CJK SC (SIL
Open Font License 1.1; see ``wetval/fonts/OFL.txt``), so Chinese labels render
on a fresh machine without system fonts. Every ``plot()`` method starts with
:func:`axes`, which registers the font as a glyph-by-glyph fallback after
the user's own font family.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CJK_FONT_FAMILY", "axes", "font_face_css", "register_fonts"]

#: Family name of the bundled CJK font.
CJK_FONT_FAMILY = "Wetval CJK Sans"


@cache
def register_fonts() -> None:
    """Register the bundled CJK font as a fallback after the user's font family.

    Idempotent. Matplotlib falls back glyph by glyph along
    ``rcParams["font.family"]``, so Latin text keeps the user's font and
    Chinese characters come from the bundled font.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    font = resources.files("wetval") / "fonts" / "WetvalCJKSans.ttf"
    with resources.as_file(font) as path:
        font_manager.fontManager.addfont(str(path))
    families = list(mpl.rcParams["font.family"])
    if CJK_FONT_FAMILY not in families:
        mpl.rcParams["font.family"] = [*families, CJK_FONT_FAMILY]


def axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (8.0, 5.0)) -> Axes:
    """Return ``ax`` (or new axes) ready for Chinese and English text.

    Parameters
    ----------
    ax
        Axes to draw on; new axes in a new figure when ``None``.
    figsize
        Size of a new figure [inch].

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    register_fonts()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        # text created before the font was registered gets the fallback too
        for text in ax.figure.findobj(Text):
            if CJK_FONT_FAMILY not in text.get_fontfamily():
                text.set_fontfamily([*text.get_fontfamily(), CJK_FONT_FAMILY])
    return ax


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule embedding the bundled font, subset to ``text``'s characters.

    The subset (WOFF, zlib-compressed) keeps an HTML page self-contained and
    readable on machines without Chinese fonts while adding only the glyphs
    the page uses (typically 50–300 kB). Used by the HTML report
    (:mod:`wetval.report.fonts`) and the public register
    (:mod:`wetval.registry.publish`).
    """
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    with resources.as_file(resources.files("wetval") / "fonts" / "WetvalCJKSans.ttf") as path:
        font = TTFont(path)
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
