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
    ReviewBlock,
    SignOff,
    TableBlock,
)
from wetval.report.fonts import font_path

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
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontSize=11,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
            textColor=colors.HexColor("#1d2733"),
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
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), _FONT)])
    )
    return [table]


#: Left plus right padding of a reportlab table cell, and a margin for rounding [pt].
_CELL_PADDING = 12.0 + 1.0


def _text_width(text: str, size: float = 7.5) -> float:
    """Printed width of ``text`` in the bundled font at ``size`` [pt]."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, _FONT, size))


def _header_floor(column: str, size: float) -> float:
    """Narrowest width of a header [pt]: its longest word; Chinese wraps after 4 characters."""
    words = [
        min(_text_width(w, size), 4 * size)
        if any(ord(c) > 0x2E80 for c in w)
        else _text_width(w, size)
        for w in column.split()
    ]
    return max(words, default=0.0) + _CELL_PADDING


def _column_widths(
    columns: list[str],
    rows: list[list[str]],
    width: float,
    numeric: list[bool] | None = None,
    size: float = 7.5,
) -> list[float]:
    """Column widths by content [pt], filling ``width``.

    A number column is as wide as its widest cell, so numbers stay on one line; the
    text columns share the rest in proportion to their longest cell, each at least
    its header's longest word, so long texts (citations, unverified items) wrap in a
    wide column. Only when the numbers alone overflow the width is every column
    scaled down.
    """
    if not columns:
        return []
    numeric = numeric or [False] * len(columns)
    header = [_header_floor(c, size) for c in columns]
    cells = [
        max((_text_width(row[j], size) for row in rows), default=0.0) + _CELL_PADDING
        for j in range(len(columns))
    ]
    wanted = [max(h, c) for h, c in zip(header, cells, strict=True)]
    text = [j for j, n in enumerate(numeric) if not n]
    fixed = sum(w for w, n in zip(wanted, numeric, strict=True) if n)
    if fixed + sum(header[j] for j in text) > width:  # too many numbers: scale everything
        return [w * width / sum(wanted) for w in wanted]
    widths = [w if n else 0.0 for w, n in zip(wanted, numeric, strict=True)]
    if not text:  # numbers only: spread the spare width in proportion
        return [w * width / fixed for w in widths]
    remaining = width - fixed
    share = sum(wanted[j] for j in text)
    if share <= remaining:  # everything fits: the spare width goes to the text columns
        for j in text:
            widths[j] = wanted[j] + (remaining - share) * wanted[j] / share
        return widths
    # text wraps: the short columns keep their width (as a browser's automatic layout does),
    # the long ones share the rest in proportion to their length, each at least its header
    free, rest = list(text), remaining
    while free and (small := [j for j in free if wanted[j] <= rest / len(free)]):
        for j in small:
            widths[j] = wanted[j]
            rest -= wanted[j]
        free = [j for j in free if j not in small]
    while free:
        share = sum(wanted[j] for j in free)
        low = [j for j in free if rest * wanted[j] / share < header[j]]
        if not low:
            for j in free:
                widths[j] = rest * wanted[j] / share
            break
        for j in low:
            widths[j] = header[j]
            rest -= header[j]
        free = [j for j in free if j not in low]
    total = sum(widths)
    return widths if total <= width else [w * width / total for w in widths]


def _table(
    block: TableBlock,
    styles: dict[str, Any],
    width: float,
    more_rows: str = "… {n} more rows ({sheet})",
) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    frame = block.printed()
    numeric = [block.display(str(c)).kind != "text" for c in frame.columns]
    right = styles["cell"].clone("cell-number", alignment=2)  # numbers right-aligned
    texts = block.shown(frame)  # the decimals of TableBlock.display, as in HTML and XLSX
    header = [P(_escape(str(c)), styles["cell"]) for c in frame.columns]
    body = [
        [P(_escape(t), right if n else styles["cell"]) for t, n in zip(row, numeric, strict=True)]
        for row in texts
    ]
    table = T(
        [header, *body],
        repeatRows=1,
        hAlign="LEFT",
        colWidths=_column_widths([str(c) for c in frame.columns], texts, width, numeric),
        spaceAfter=6,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d1da")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), _FONT),  # else each cell names Helvetica
            ]
        )
    )
    flow: list[Any] = [P(_escape(block.caption), styles["caption"]), table]
    hidden = len(block.frame) - len(frame)
    if hidden > 0:
        flow.append(
            P(
                _escape(more_rows.format(n=hidden, sheet=block.title)),
                styles["caption"].clone("caption-after", spaceAfter=6),
            )
        )
    # space after as the flowables' spaceAfter, not a Spacer: a frame drops it at a page's
    # end, where a Spacer would start a page of its own (blank before a page break)
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
    block: ReviewBlock, styles: dict[str, Any], width: float, document: ReportDocument
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


def _signoff(block: SignOff, styles: dict[str, Any], width: float) -> list[Any]:
    """A sign-off block: one row per line with a blank per field, then the seal circle."""
    from reportlab.lib import colors
    from reportlab.platypus import Flowable, KeepTogether, TableStyle
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T

    most = max((len(fields) for _, fields in block.lines), default=1)
    rows = [
        [P(_escape(role), styles["cell"])]
        + [P(_escape(field), styles["caption"]) for field in fields]
        + [""] * (most - len(fields))
        for role, fields in block.lines
    ]
    first = width * 0.22
    table = T(
        rows,
        colWidths=[first] + [(width - first) / most] * most,
        rowHeights=[30] * len(rows),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (-1, -1), 0.6, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), _FONT),
            ]
        )
    )

    class Seal(Flowable):
        def __init__(self, label: str) -> None:
            super().__init__()
            self.label, self.size = label, 110.0

        def wrap(self, *_: Any) -> tuple[float, float]:
            return width, self.size + 8

        def draw(self) -> None:
            canvas = self.canv
            canvas.setDash(3, 3)
            canvas.setStrokeColor(colors.HexColor("#5b6775"))
            x = width - self.size / 2 - 4
            canvas.circle(x, self.size / 2 + 4, self.size / 2)
            canvas.setFont(_FONT, 8)
            canvas.drawCentredString(x, self.size / 2, self.label)

    flow: list[Any] = [P(_escape(block.title), styles["h3"]), table]
    if block.seal:
        flow.append(Seal(block.seal))
    return [KeepTogether(flow)]


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
    if isinstance(block, TableBlock):
        return _table(block, styles, width, document.label("more_rows"))
    if isinstance(block, Figure):
        return _figure(block, styles, width)
    if isinstance(block, SignOff):
        return _signoff(block, styles, width)
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
    from reportlab.platypus import PageBreakIfNotEmpty, SimpleDocTemplate
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
            flow.append(PageBreakIfNotEmpty())  # never a blank page before a section
        flow.append(P(f"{number}. {_escape(section.title)}", styles["h2"]))
        for block in section.blocks:
            flow += _block(block, styles, width, document)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7.5)
        canvas.drawString(15 * mm, 10 * mm, f"{document.footer} · {document.report_id}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, document.label("page_of", page=doc.page))
        canvas.restoreState()

    def canvas(*args: Any, **kwargs: Any) -> Any:
        # every text in the embedded font: without it each page names Helvetica, unembedded
        from reportlab.pdfgen.canvas import Canvas

        return Canvas(*args, **(kwargs | {"initialFontName": _FONT, "initialFontSize": 9.5}))

    template.build(flow, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvas)
    return buffer.getvalue()
