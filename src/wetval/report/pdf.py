"""Render a report document as PDF with reportlab (bundled CJK font embedded)."""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from wetval.report.document import (
    Block,
    Facts,
    Figure,
    Paragraph,
    ReportDocument,
    ReviewSheet,
    Table,
)
from wetval.report.fonts import font_path
from wetval.report.html import _format_cell

__all__ = ["render_pdf"]

_FONT = "WetvalCJK"
_TONE_COLOURS = {"note": "#eef5f2", "warning": "#fff3e8", "synthetic": "#fff0f0"}


@cache
def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(_FONT, str(font_path())))


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=_FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=20,
            leading=26,
            textColor=colors.HexColor("#1f6f5c"),
            spaceAfter=6,
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            parent=base,
            fontSize=11,
            leading=15,
            textColor=colors.HexColor("#5b6775"),
            spaceAfter=12,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=14,
            leading=19,
            spaceBefore=10,
            spaceAfter=6,
            textColor=colors.HexColor("#1f6f5c"),
        ),
        "caption": ParagraphStyle(
            "caption", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#5b6775")
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "emph": ParagraphStyle(
            "emph", parent=base, fontSize=11, leading=15, textColor=colors.HexColor("#1f6f5c")
        ),
    }


# superscript and subscript digits outside Latin-1 (10⁴, CO₂ in card notes) that the
# bundled CJK font lacks: drawn as raised or lowered ordinary digits instead
RAISED = dict(zip("⁰⁴⁵⁶⁷⁸⁹⁺⁻", "0456789+-", strict=True))
LOWERED = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))
_SHIFTED = re.compile(f"([{''.join(RAISED)}]+)|([{''.join(LOWERED)}]+)")


def _shifted(match: re.Match[str]) -> str:
    raised, lowered = match.groups()
    if raised:
        return "<super>" + "".join(RAISED[c] for c in raised) + "</super>"
    return "<sub>" + "".join(LOWERED[c] for c in lowered) + "</sub>"


def _escape(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SHIFTED.sub(_shifted, escaped)


def _facts(block: Facts, styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    rows = [
        [
            P(_escape(label), styles["caption"]),
            P(_escape(value), styles["emph"] if label in block.emphasis else styles["base"]),
        ]
        for label, value in block.items
    ]
    table = T(rows, colWidths=[width * 0.3, width * 0.7])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [table]


def _table(
    block: Table, styles: dict[str, Any], width: float, more_rows: str = "… {n} more rows ({sheet})"
) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as T

    frame = block.printed()
    header = [P(_escape(str(c)), styles["cell"]) for c in frame.columns]
    body = [
        [
            P(_escape(_format_cell(v, block.decimals.get(str(c)))), styles["cell"])
            for c, v in record.items()
        ]
        for _, record in frame.iterrows()
    ]
    table = T(
        [header, *body],
        repeatRows=1,
        hAlign="LEFT",
        colWidths=[width / max(len(frame.columns), 1)] * len(frame.columns),
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d1da")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    flow: list[Any] = [P(_escape(block.caption), styles["caption"]), table]
    hidden = len(block.frame) - len(frame)
    if hidden > 0:
        flow.append(
            P(
                _escape(more_rows.format(n=hidden, sheet=block.title)),
                styles["caption"],
            )
        )
    flow.append(Spacer(1, 6))
    return flow


def _figure(block: Figure, styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether
    from reportlab.platypus import Paragraph as P

    reader = ImageReader(io.BytesIO(block.png))
    pixel_width, pixel_height = reader.getSize()
    height = width * pixel_height / pixel_width
    image = Image(io.BytesIO(block.png), width=width, height=height)
    return [KeepTogether([image, P(_escape(block.caption), styles["caption"])])]


def _review(
    block: ReviewSheet, styles: dict[str, Any], width: float, document: ReportDocument
) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as T

    labels = tuple(
        document.label(key)
        for key in ("form_number", "form_criterion", "form_weight", "form_score", "form_comments")
    )
    rows: list[list[Any]] = [[P(label, styles["cell"]) for label in labels]]
    rows += [
        [str(i), P(_escape(label), styles["cell"]), f"{weight:.2f}", "", ""]
        for i, (_, label, weight) in enumerate(block.criteria, start=1)
    ]
    table = T(
        rows,
        colWidths=[width * f for f in (0.06, 0.34, 0.1, 0.15, 0.35)],
        rowHeights=[None] + [34] * len(block.criteria),
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), _FONT),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
            ]
        )
    )
    signature = document.label("form_signature")
    decisions = "　".join(f"□ {d}" for d in block.decisions)
    lines = [
        ["_" * 34 + "\n" + signature, "_" * 34 + "\n" + signature]
        for _ in range((block.signature_lines + 1) // 2)
    ]
    signatures = T(lines, colWidths=[width / 2] * 2, rowHeights=[44] * len(lines))
    signatures.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return [
        P(_escape(block.instructions), styles["base"]),
        Spacer(1, 4),
        table,
        Spacer(1, 8),
        P(decisions, styles["base"]),
        Spacer(1, 10),
        signatures,
    ]


def _block(
    block: Block, styles: dict[str, Any], width: float, document: ReportDocument
) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P

    if isinstance(block, Paragraph):
        if block.tone == "normal":
            return [P(_escape(block.text), styles["base"])]
        style = styles["base"].clone(
            f"tone-{block.tone}",
            backColor=colors.HexColor(_TONE_COLOURS[block.tone]),
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=6,
        )
        return [P(_escape(block.text), style)]
    if isinstance(block, Facts):
        return _facts(block, styles, width)
    if isinstance(block, Table):
        return _table(block, styles, width, document.label("more_rows"))
    if isinstance(block, Figure):
        return _figure(block, styles, width)
    return _review(block, styles, width, document)


def render_pdf(document: ReportDocument) -> bytes:
    """Render ``document`` as an A4 PDF.

    Returns
    -------
    bytes
        The PDF file's content.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer
    from reportlab.platypus import Paragraph as P

    _register_font()
    styles = _styles()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author="wetval",
        subject=document.subtitle,
        creator="wetval",
        invariant=True,
    )
    width = template.width
    flow: list[Any] = [
        P(_escape(document.title), styles["title"]),
        P(_escape(document.subtitle), styles["subtitle"]),
    ]
    flow += _facts(document.cover, styles, width)
    for number, section in enumerate(document.sections, start=1):
        if section.page_break:
            flow.append(PageBreak())
        flow.append(P(f"{number}. {_escape(section.title)}", styles["h2"]))
        for block in section.blocks:
            flow += _block(block, styles, width, document)
        flow.append(Spacer(1, 6))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7.5)
        canvas.drawString(15 * mm, 10 * mm, f"{document.footer} · {document.report_id}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, document.label("page_of", page=doc.page))
        canvas.restoreState()

    template.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
