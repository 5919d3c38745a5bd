"""Render a report document's tables as an XLSX workbook, one sheet per table."""

from __future__ import annotations

import io
import re

import pandas as pd

from wetval.report.document import ReportDocument
from wetval.spreadsheet import text_cells

__all__ = ["render_xlsx"]

_FORBIDDEN = re.compile(r"[\[\]\:\*\?\/\\]")


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


def render_xlsx(document: ReportDocument) -> bytes:
    """Render every table of ``document`` (all rows, full precision) as XLSX bytes.

    The first sheet holds the cover facts. Text that a spreadsheet would run
    as a formula is stored as text (:func:`wetval.spreadsheet.text_cells`).
    """
    tables = document.tables()
    names = _sheet_names([document.label("sheet_cover")] + [t.title for t in tables])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        cover = pd.DataFrame(
            list(document.cover.items),
            columns=[document.label("xlsx_item"), document.label("xlsx_value")],
        )
        cover.to_excel(writer, sheet_name=names[0], index=False)
        text_cells(writer.sheets[names[0]])
        for name, table in zip(names[1:], tables, strict=True):
            table.frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            text_cells(sheet)  # a township named "=..." stays text, never a live formula
            sheet.freeze_panes = "A2"
            for column_cells in sheet.columns:
                width = max(len(str(c.value or "")) for c in column_cells[:200])
                letter = column_cells[0].column_letter
                sheet.column_dimensions[letter].width = min(max(10, width * 1.2 + 2), 60)
    return buffer.getvalue()
