"""Statements for the centre: quota balance sheet, trades, fund accounts, pledges, wetland balance.

:func:`statement_frame` builds one statement as a table with Chinese or
English headers (the labels below); :func:`write_statement` writes it as
XLSX (openpyxl) or CSV. Text that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-`` or ``@``) is written as text by
:mod:`wetval.spreadsheet`: in XLSX as a string cell with the quote prefix, in
CSV behind a leading apostrophe (OWASP's advice on CSV injection).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wetval.errors import Problem, ValidationError
from wetval.spreadsheet import defuse_frame, text_cells
from wetval.strings import Lang, tr

if TYPE_CHECKING:
    from wetval.registry.core import Registry

__all__ = ["STATEMENTS", "column_label", "statement_frame", "statement_title", "write_statement"]

#: Statement kinds, in the order of the statements document; the title of kind
#: ``k`` is string key ``st_kind_k`` and the header of column ``c`` is ``st_col_c``.
STATEMENTS: tuple[str, ...] = ("quota", "trades", "funds", "pledges", "wetland")

_COLUMNS: dict[str, list[str]] = {
    "quota": ["id", "name", "township", "grade", "registered_on", "potential", "released",
              "debited", "pledged", "available", "free"],
    "trades": ["trade_id", "contract", "date", "buyer", "occupation_project",
               "approval_reference", "project_id", "township", "grade", "units",
               "price_per_unit"],
    "funds": ["account", "fen", "yuan"],
    "pledges": ["id", "bank", "project_id", "units", "loan", "start", "end", "released_on"],
    "wetland": ["year", "wetland_m2", "change_from_base_m2", "change_from_previous_m2",
                "not_decreased"],
}  # fmt: skip


def statement_frame(registry: Registry, kind: str, lang: Lang = "zh") -> pd.DataFrame:
    """One statement as a table with ``lang`` headers (see :data:`STATEMENTS`).

    Raises
    ------
    ValidationError
        For an unknown statement kind.
    """
    if kind not in STATEMENTS:
        raise ValidationError(
            [Problem(value=kind, reason="unknown statement",
                     fix=f"use one of {', '.join(STATEMENTS)}")],
            what="statement",
        )  # fmt: skip
    if kind == "quota":
        frame = registry.projects().reset_index()
    elif kind == "trades":
        frame = registry.trades()
    elif kind == "funds":
        frame = registry.fund_accounts().reset_index()
    elif kind == "pledges":
        frame = registry.pledges().reset_index()
    else:
        frame = registry.wetland_balance().totals.reset_index()
    return frame[_COLUMNS[kind]].rename(columns={c: column_label(c, lang) for c in _COLUMNS[kind]})


def statement_title(kind: str, lang: Lang = "zh") -> str:
    """The title of statement ``kind`` in ``lang``."""
    return tr(f"st_kind_{kind}", lang)


def column_label(column: str, lang: Lang = "zh") -> str:
    """The header of statement column ``column`` in ``lang``."""
    return tr(f"st_col_{column}", lang)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_statement(registry: Registry, kind: str, target: Path, lang: Lang = "zh") -> bytes:
    """The statement as XLSX or CSV bytes, by ``target``'s extension (not written)."""
    frame = statement_frame(registry, kind, lang)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(frame.columns)
        for row in defuse_frame(frame, index=False).itertuples(index=False):
            writer.writerow(_cell(v) for v in row)
        return buffer.getvalue().encode("utf-8-sig")
    if suffix != ".xlsx":
        raise ValidationError(
            [Problem(value=str(target), reason="a statement is written as .xlsx or .csv",
                     fix="name the output file …​.xlsx or …​.csv")],
            what="statement output",
        )  # fmt: skip
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = statement_title(kind, lang)[:31]
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    text_cells(sheet)
    buffer_bytes = io.BytesIO()
    book.save(buffer_bytes)
    return buffer_bytes.getvalue()
