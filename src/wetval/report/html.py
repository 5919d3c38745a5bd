"""Render a report document as one self-contained HTML file (inline CSS and charts)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from wetval.report.document import ReportDocument, TableBlock
from wetval.report.fonts import font_face_css

__all__ = ["render_html"]


def _format_table(table: TableBlock) -> dict[str, Any]:
    frame = table.printed()
    rows = []
    for _, record in frame.iterrows():
        cells = []
        for column, value in record.items():
            cells.append(_format_cell(value, table.decimals.get(str(column))))
        rows.append(cells)
    numeric = [pd.api.types.is_numeric_dtype(frame[c].dtype) for c in frame.columns]
    return {
        "columns": [str(c) for c in frame.columns],
        "numeric": numeric,
        "rows": rows,
        "truncated": len(table.frame) - len(frame),
    }


def _format_cell(value: Any, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, bool | np.bool_):
        return "●" if value else "○"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{2 if decimals is None else decimals}f}"
    return str(value)


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
