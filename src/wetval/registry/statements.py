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
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from wetval.errors import Problem, ValidationError
from wetval.spreadsheet import defuse_frame, text_cells

if TYPE_CHECKING:
    from wetval.registry.core import Registry

__all__ = ["LABELS", "STATEMENTS", "statement_frame", "write_statement"]

Lang = Literal["zh", "en"]

#: Statement kinds and their titles (zh, en).
STATEMENTS: dict[str, tuple[str, str]] = {
    "quota": ("指标台账", "Quota balance sheet"),
    "trades": ("交易记录", "Trades"),
    "funds": ("资金账户", "Fund accounts"),
    "pledges": ("质押指标", "Pledged units"),
    "wetland": ("湿地面积年度平衡", "Wetland balance by year"),
}

#: Column labels (zh, en) of every statement.
LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "name": ("名称", "name"),
    "township": ("乡镇", "township"),
    "grade": ("等级", "grade"),
    "registered_on": ("登记日期", "registered on"),
    "potential": ("潜在指标", "potential units"),
    "released": ("已释放", "released units"),
    "debited": ("已核销", "debited units"),
    "pledged": ("已质押", "pledged units"),
    "available": ("可用", "available units"),
    "free": ("可交易", "free units"),
    "trade_id": ("交易编号", "trade id"),
    "contract": ("合同编号", "contract"),
    "date": ("日期", "date"),
    "buyer": ("买方", "buyer"),
    "occupation_project": ("占用项目", "occupation project"),
    "approval_reference": ("批复文号", "approval reference"),
    "project_id": ("修复项目", "restoration project"),
    "units": ("指标", "units"),
    "price_per_unit": ("单价(元)", "price per unit [yuan]"),
    "account": ("账户", "account"),
    "fen": ("金额(分)", "amount [fen]"),
    "yuan": ("金额(元)", "amount [yuan]"),
    "bank": ("银行", "bank"),
    "loan": ("贷款(元)", "loan [yuan]"),
    "start": ("起始", "start"),
    "end": ("到期", "end"),
    "released_on": ("解押日期", "released on"),
    "year": ("年份", "year"),
    "wetland_m2": ("湿地面积(m²)", "wetland [m²]"),
    "change_from_base_m2": ("较基期变化(m²)", "change since base [m²]"),
    "change_from_previous_m2": ("较上年变化(m²)", "change from previous year [m²]"),
    "not_decreased": ("总量不减少", "not decreased"),
}

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
    index = 0 if lang == "zh" else 1
    return frame[_COLUMNS[kind]].rename(columns={c: LABELS[c][index] for c in _COLUMNS[kind]})


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
    sheet.title = STATEMENTS[kind][0 if lang == "zh" else 1][:31]
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    text_cells(sheet)
    buffer_bytes = io.BytesIO()
    book.save(buffer_bytes)
    return buffer_bytes.getvalue()
