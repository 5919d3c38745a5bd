"""Turn matplotlib figures into report figures (inline SVG and print-resolution PNG)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from wetval.report.document import Figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.figure import SubFigure

__all__ = ["figure_block"]

#: Resolution of PNG charts for print [dots per inch].
PRINT_DPI = 200


def figure_block(figure: MplFigure | SubFigure, caption: str, name: str) -> Figure:
    """Render a matplotlib figure (the whole figure of a subfigure) for the report and close it.

    Text in the SVG is converted to paths, so HTML charts need no fonts.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure as RootFigure

    root = figure
    while not isinstance(root, RootFigure):
        root = root.figure
    try:
        svg = io.StringIO()
        with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "wetval"}):
            root.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        png = io.BytesIO()
        root.savefig(
            png, format="png", dpi=PRINT_DPI, bbox_inches="tight", metadata={"Software": None}
        )
    finally:
        plt.close(root)
    text = svg.getvalue()
    return Figure(svg=text[text.index("<svg") :], png=png.getvalue(), caption=caption, name=name)
