"""Spreadsheet injection: text that a spreadsheet would run as a formula is written as text.

A project name, township or expert name that begins with ``=``, ``+``, ``-``
or ``@`` (or a tab or carriage return) is read by Excel, WPS and LibreOffice
as a formula when the cell is opened or edited (CSV injection, OWASP). wetval
never writes formulas, so every text cell it writes is defused here, in one
place, for every output:

* XLSX (:func:`text_cells`): such a cell is stored as a string with the
  "quote prefix" style, so Excel shows it as text and keeps it text when it
  is edited; the cell's value is unchanged (reading the file back gives the
  same text).
* CSV (:func:`defuse_frame`): such a text value is written with a leading
  apostrophe (``'=1+1``), which spreadsheets show as the text ``=1+1``.

Numbers are never touched (``-5.0`` in a numeric column stays a number).
Used by :func:`wetval.write_table` (census tables, review forms) and the
XLSX report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "defuse_frame", "is_formula_like", "text_cells"]

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _defused(value: Any) -> Any:
    return "'" + value if is_formula_like(value) else value


def defuse_frame(frame: pd.DataFrame, *, index: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text values start with an apostrophe (for CSV).

    Parameters
    ----------
    frame
        The table to write.
    index
        Also defuse the index (when it is written).

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself if nothing needed defusing, else a defused copy.
    """
    text = [
        i for i, c in enumerate(frame.columns)
        if not pd.api.types.is_numeric_dtype(frame.iloc[:, i].dtype)
    ]  # fmt: skip
    hits = [i for i in text if _any_formula(frame.iloc[:, i].to_numpy(dtype=object))]
    index_hit = (
        index
        and not pd.api.types.is_numeric_dtype(frame.index.dtype)
        and _any_formula(frame.index.to_numpy(dtype=object))
    )
    if not hits and not index_hit:
        return frame
    result = frame.copy()
    for position in hits:
        values = result.iloc[:, position].to_numpy(dtype=object)
        result.isetitem(position, [_defused(v) for v in values])
    if index_hit:
        result.index = pd.Index(
            [_defused(v) for v in result.index.to_numpy(dtype=object)], name=result.index.name
        )
    return result


def _any_formula(values: Any) -> bool:
    """Whether any of ``values`` (an object array) is formula-like text.

    A plain loop: faster than pandas' string methods on object arrays (0.13 s per
    million values).
    """
    return any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values)


def text_cells(worksheet: Any) -> int:
    """Store every formula-like cell of an openpyxl worksheet as quoted text.

    Parameters
    ----------
    worksheet
        An ``openpyxl`` worksheet just written from data (wetval writes no
        formulas, so every formula cell in it came from a text value).

    Returns
    -------
    int
        The number of cells changed.
    """
    changed = 0
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" or is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed
