"""Render a report document as one self-contained HTML file (inline CSS and charts)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from wetval.report.document import ReportDocument, TableBlock
from wetval.report.fonts import font_face_css

__all__ = ["render_html"]


def _format_table(table: TableBlock) -> dict[str, Any]:
    """The printed rows as text (:meth:`TableBlock.shown`), and which columns hold numbers."""
    frame = table.printed()
    return {
        "columns": [str(c) for c in frame.columns],
        "numeric": [table.display(str(c)).kind != "text" for c in frame.columns],
        "rows": table.shown(frame),
        "truncated": len(table.frame) - len(frame),
    }


def render_html(document: ReportDocument) -> str:
    """Render ``document`` as a self-contained, printable HTML page.

    Returns
    -------
    str
        The HTML text (UTF-8 when written).
    """
    from jinja2 import Environment, select_autoescape

    source = resources.files("wetval.report") / "templates" / "report.html.j2"
    environment = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    template = environment.from_string(source.read_text(encoding="utf-8"))
    html = template.render(doc=document, font_face="", **_helpers())
    return template.render(doc=document, font_face=font_face_css(html), **_helpers())


def _helpers() -> dict[str, Any]:
    return {
        "kind": lambda block: type(block).__name__,
        "table": _format_table,
    }
