"""Matplotlib set-up shared by every ``plot()`` method and the reports.

wetval bundles "Wetval CJK Sans", a GB 2312 subset of Noto Sans CJK SC (SIL
Open Font License 1.1; see ``wetval/fonts/OFL.txt``), so Chinese labels render
on a fresh machine without system fonts.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["CJK_FONT_FAMILY", "register_fonts"]

#: Family name of the bundled CJK font.
CJK_FONT_FAMILY = "Wetval CJK Sans"


@cache
def register_fonts() -> None:
    """Register the bundled CJK font and put it first in the sans-serif list.

    Idempotent. Called by every plotting function before it draws, so users
    never need to call it themselves; Latin glyphs stay in the user's
    configured sans-serif font when it has them.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    font = resources.files("wetval") / "fonts" / "WetvalCJKSans.ttf"
    with resources.as_file(font) as path:
        font_manager.fontManager.addfont(str(path))
    families = list(mpl.rcParams["font.sans-serif"])
    if CJK_FONT_FAMILY not in families:
        mpl.rcParams["font.sans-serif"] = [*families[:1], CJK_FONT_FAMILY, *families[1:]]
