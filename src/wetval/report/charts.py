"""Turn matplotlib figures into report figures (inline SVG and print-resolution PNG)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from wetval.report.document import Figure
from wetval.strings import Lang, tr

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.figure import SubFigure

    from wetval.assess import Assessment

__all__ = ["county_overview", "figure_block", "project_map"]

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
    drawn = [ax.get_title(loc) for ax in root.get_axes() for loc in ("left", "center", "right")]
    titles = tuple(t for t in (*drawn, root.get_suptitle()) if t.strip())
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
    return Figure(
        svg=text[text.index("<svg") :],
        png=png.getvalue(),
        caption=caption,
        name=name,
        titles=titles,
    )


def county_overview(assessment: Assessment, lang: Lang) -> Figure | None:
    """The county overview (位置图) of an assessment with footprints (``None`` without).

    The county's townships the assessment kept, every footprint outlined by
    role (:func:`wetval.spatial.maps.county_map`).
    """
    if not assessment.overlays or assessment.county.empty:
        return None
    from wetval.spatial.maps import county_map

    ax = county_map(assessment.overlays, townships=assessment.county, lang=lang)
    return figure_block(ax.figure, tr("county_map_caption", lang), "county_map")


def project_map(assessment: Assessment, lang: Lang) -> Figure | None:
    """The project map of an assessment with footprints (``None`` without an overlay).

    Every occupation's red line and occupied pieces by land class, every
    restoration overlay's sites coloured by their condition grade, and the
    township boundaries the assessment kept (:func:`wetval.spatial.maps.overlay_map`).
    """
    if not assessment.overlays:
        return None
    from wetval.spatial.maps import overlay_map

    grades = assessment.condition.to_frame()["grade_zh" if lang == "zh" else "grade_en"]
    ax = overlay_map(
        assessment.overlays, townships=assessment.townships, grades=grades.dropna(), lang=lang
    )
    return figure_block(ax.figure, tr("project_map_caption", lang), "project_map")
