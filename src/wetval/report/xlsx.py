"""Render a report document as an XLSX workbook: the headline, the cover, one sheet per table.

Every number keeps full precision in its cell; only its display format says
how it is shown (:func:`number_format`), from the kind and decimals the table
declares for the column (:meth:`wetval.report.document.TableBlock.display`,
the one rule HTML, PDF and Markdown show the same numbers by).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment  # type: ignore[import-untyped]

from wetval.report.document import Headline, Kind, ReportDocument, TableBlock
from wetval.spreadsheet import text_cells

__all__ = ["number_format", "render_xlsx"]

_FORBIDDEN = re.compile(r"[\[\]\:\*\?\/\\]")


def number_format(kind: Kind | None, decimals: int) -> str:
    """The Excel number format of a ``kind`` of number shown with ``decimals`` decimals.

    Money, areas, quota units and numbers of no known kind get a thousands
    separator (``#,##0.00``); factors and shares none (``0.0000``); counts are
    ``#,##0`` and years ``0``: the same text :func:`wetval.report.document.show`
    makes for HTML, PDF and Markdown.
    """
    if kind == "count":
        return "#,##0"
    if kind == "year":
        return "0"
    digits = "." + "0" * decimals if decimals > 0 else ""
    return ("0" if kind == "factor" else "#,##0") + digits


def _column_format(table: TableBlock, position: int) -> str | None:
    """The number format of a table's column (:meth:`TableBlock.display`); ``None`` for text."""
    kind, decimals = table.display(str(table.frame.columns[position]))
    return None if kind == "text" else number_format(kind, decimals)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _shown(value: Any, fmt: str | None) -> str:
    """The text a spreadsheet shows for ``value`` in format ``fmt`` (for column widths)."""
    if fmt is None or not _is_number(value):
        return "" if value is None else str(value)
    if fmt == "0":
        return f"{value:.0f}"
    decimals = len(fmt.partition(".")[2])
    return f"{value:{',' if ',' in fmt else ''}.{decimals}f}"


def _width(text: str) -> int:
    """Display width of ``text``: a CJK character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_names(names: list[str]) -> list[str]:
    r"""Excel-safe (≤ 31 characters, no []:*?/\\), unique sheet names."""
    result: list[str] = []
    for name in names:
        base = _FORBIDDEN.sub("_", name)[:31] or "sheet"
        candidate, n = base, 2
        while candidate.lower() in (r.lower() for r in result):
            suffix = f"~{n}"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        result.append(candidate)
    return result


_RIGHT = Alignment(horizontal="right")


def _finish(sheet: Any, formats: Iterable[Iterable[str | None]]) -> None:
    """Number formats per cell (rows below the header), numbers right-aligned, widths by content.

    ``formats`` holds per column the formats of its data cells, in order.
    """
    text_cells(sheet)  # a township named "=..." stays text, never a live formula
    sheet.freeze_panes = "A2"
    for cells, column_formats in zip(sheet.columns, formats, strict=True):
        shown = [str(cells[0].value or "")]
        numeric = False
        for cell, fmt in zip(cells[1:], column_formats, strict=True):
            if len(shown) < 200:
                shown.append(_shown(cell.value, fmt))
            if fmt is not None and _is_number(cell.value):
                cell.number_format = fmt
                cell.alignment = _RIGHT
                numeric = True
            _exact(cell)
        if numeric:
            cells[0].alignment = _RIGHT
        width = max(_width(text) for text in shown)
        sheet.column_dimensions[cells[0].column_letter].width = min(max(10, width * 1.1 + 2), 60)


def _exact(cell: Any) -> None:
    """Store a float cell with every digit: its shortest round-trip text (``repr``).

    openpyxl writes a number with 16 significant digits (``"%.16g"``), which
    loses the last digit of some floats (``0.22096100000000002`` is written
    ``0.220961``); Excel itself writes up to 17. The cell's text is set to
    ``repr(value)`` and it stays a number cell (``data_type`` ``"n"``), which
    openpyxl writes as given, so reading the file back gives the same float.
    """
    value = cell.value
    if isinstance(value, float) and math.isfinite(value) and float(f"{value:.16g}") != value:
        cell._value = repr(value)  # written verbatim into <v>, still t="n"
        cell.data_type = "n"


def _headline_frame(headline: Headline) -> tuple[pd.DataFrame, list[str | None]]:
    """The headline as a four-column frame, and the number format of each row's value."""
    rows = [(f.label, f.value, f.shown_unit, f.section) for f in headline.figures]
    frame = pd.DataFrame(rows, columns=list(headline.headers)).astype(object)
    formats = [None if f.kind == "text" else number_format(*f.display) for f in headline.figures]
    return frame, formats


def render_xlsx(document: ReportDocument) -> bytes:
    """Render ``document`` as XLSX bytes: every table with all rows at full precision.

    The first sheet holds the page-1 figures (when the document has them,
    :attr:`~wetval.report.document.ReportDocument.headline`), the next the
    cover facts, then one sheet per table. Numbers are stored at full
    precision with a display format by what their column holds
    (:meth:`~wetval.report.document.TableBlock.display`, :func:`number_format`)
    and right-aligned; a headline figure without a unit shows
    :data:`~wetval.report.document.NO_UNIT` in the unit column. Text that a spreadsheet would
    run as a formula is stored as text (:func:`wetval.spreadsheet.text_cells`).
    """
    tables = document.tables()
    first = [document.headline.sheet_name] if document.headline is not None else []
    names = _sheet_names([*first, document.label("sheet_cover")] + [t.title for t in tables])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if document.headline is not None:
            frame, row_formats = _headline_frame(document.headline)
            frame.to_excel(writer, sheet_name=names[0], index=False)
            none = [None] * len(frame)
            _finish(writer.sheets[names[0]], [none, row_formats, none, none])
            names = names[1:]
        cover = pd.DataFrame(
            list(document.cover.items),
            columns=[document.label("xlsx_item"), document.label("xlsx_value")],
        )
        cover.to_excel(writer, sheet_name=names[0], index=False)
        _finish(writer.sheets[names[0]], [[None] * len(cover)] * 2)
        for name, table in zip(names[1:], tables, strict=True):
            table.frame.to_excel(writer, sheet_name=name, index=False)
            formats = [
                [_column_format(table, position)] * len(table.frame)
                for position in range(table.frame.shape[1])
            ]
            _finish(writer.sheets[name], formats)
    return buffer.getvalue()
