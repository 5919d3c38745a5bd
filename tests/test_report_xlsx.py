"""The XLSX workbook a panel opens: numbers as numbers, formats by column, the headline first.

The workbooks are the ones :func:`wetval.report.write_reports` writes for the
demo assessment (SYNTHETIC, 200 Monte Carlo draws; the ``sample_assessment``
fixture of ``tests/conftest.py``), read back with openpyxl. Every reference
number is recomputed here from the Assessment's own tables (the price per
parcel, the debits and credits, the matches, the Monte Carlo draws, the
finance table), as ``tests/test_report_first_page.py`` does for page 1, and
the cells must hold the Assessment's floats exactly (full precision; only the
display format rounds).
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wetval.assess import Assessment
from wetval.report import render, write_reports
from wetval.report.build import build_document
from wetval.report.document import NO_UNIT, HeadlineFigure, ReportDocument, TableBlock
from wetval.report.first_page import first_page
from wetval.report.xlsx import number_format
from wetval.strings import tr

#: Display formats the workbook uses (``wetval.report.xlsx.number_format``), spelled out.
MONEY = "#,##0.00"  # yuan to the fen, thousands separated
AREA = "#,##0.00"  # 亩 to two decimals
UNITS = "#,##0.0000"  # quota units to four decimals
FACTOR = "0.0000"  # weights and shares: no thousands separator
COUNT = "#,##0"
YEAR = "0"  # 2024, not 2,024

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/²³']*")


@pytest.fixture(scope="module")
def written(sample_assessment: Assessment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``write_reports`` wrote the zh and en workbooks into."""
    target = tmp_path_factory.mktemp("xlsx") / "run"
    write_reports(sample_assessment, target, formats=["xlsx"])
    return target


@pytest.fixture(scope="module")
def books(written: Path) -> dict[str, Any]:
    """The written workbooks, by language."""
    return {lang: openpyxl.load_workbook(written / f"report_{lang}.xlsx") for lang in ("zh", "en")}


def _rows(sheet: Any) -> dict[str, tuple[Any, Any, Any, Any]]:
    """The headline sheet's data rows (label, value cell, unit, section) by label."""
    rows = {}
    for label, value, unit, section in sheet.iter_rows(min_row=2):
        rows[str(label.value)] = (value, unit.value or "", section.value, label)
    return rows


def _column(sheet: Any, header: str) -> list[Any]:
    """The data cells of the column headed ``header``."""
    headers = [c.value for c in sheet[1]]
    assert header in headers, f"{sheet.title!r} has no column {header!r}: {headers}"
    position = headers.index(header)
    return [row[position] for row in sheet.iter_rows(min_row=2)]


def _table(document: ReportDocument, key: str) -> TableBlock:
    return next(t for t in document.tables() if t.sheet == key)


def _sheet(book: Any, document: ReportDocument, key: str) -> Any:
    """The sheet of a document's table: after the headline and the cover, in table order."""
    keys = [t.sheet for t in document.tables()]
    return book.worksheets[2 + keys.index(key)]


# ------------------------------------------------------------------ the headline sheet
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_headline_sheet_comes_first_with_a_unit_column(
    books: dict[str, Any], lang: str
) -> None:
    book = books[lang]
    assert book.sheetnames[:2] == [tr("sheet_headline", lang), tr("sheet_cover", lang)]
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        tr("xlsx_item", lang), tr("hl_value", lang), tr("unit", lang), tr("hl_section", lang),
    ]  # fmt: skip
    rows = _rows(sheet)
    assert len(rows) == sheet.max_row - 1, "two headline figures share a label"
    for label, (value, unit, section, _) in rows.items():
        assert section, f"{label}: no section"
        if value.number_format in (MONEY, UNITS):  # an amount always says in what
            assert unit, f"{label}: an amount without a unit"


def test_every_headline_figure_is_recomputed_from_the_tables(
    sample_assessment: Assessment, books: dict[str, Any]
) -> None:
    a = sample_assessment
    lang = "en"
    rows = _rows(books[lang].worksheets[0])
    page = first_page(a)
    table = a.price.to_frame()
    units = float(table["units"].sum())
    approaches = table[["cost", "market", "value"]].to_numpy(dtype=float)
    weights = a.price.weights.reindex(["cost", "market", "value"]).to_numpy(dtype=float)
    weighted = approaches @ weights / weights.sum()
    cost = table["cost"].to_numpy(dtype=float)
    debits = a.accounts.debits.to_frame()
    credits = a.accounts.credits.to_frame()
    matches = a.balance.matches
    sale = matches["credit_share"].to_numpy() * table["recommended"].reindex(
        matches["credit_parcel"]
    ).to_numpy(dtype=float)
    assert a.uncertainty is not None and a.finance is not None
    draws = a.uncertainty.draws["price_per_unit"].to_numpy()
    finance = a.finance.to_frame().drop(index="total")
    per_unit, per_mu = tr("unit_CNY/quota unit", lang), tr("unit_CNY/亩", lang)
    cny, qu, parcels = tr("unit_CNY", lang), tr("unit_quota units", lang), tr("hl_parcels", lang)
    delivered = float(matches["units_delivered"].sum())
    required = float(debits["units"].sum())
    # label key -> (recomputed value, unit, display format, the first_page field it is)
    expected: dict[str, tuple[float, str, str, object]] = {
        "recommended_price": (
            float(np.maximum(weighted, cost).sum()) / units, per_unit, MONEY, page.price_per_unit
        ),
        "p1_price_per_mu": (
            float(np.maximum(weighted, cost).sum() / table["area_mu"].sum()),
            per_mu, MONEY, page.price_per_mu,
        ),
        "hl_range_low": (
            float(np.maximum(approaches.min(axis=1), cost).sum()) / units,
            per_unit, MONEY, page.range_low,
        ),
        "hl_range_high": (
            float(approaches.max(axis=1).sum()) / units, per_unit, MONEY, page.range_high
        ),
        "hl_recommended_total": (
            float(table["recommended"].sum()), cny, MONEY, page.recommended_total
        ),
        "hl_priced_parcels": (len(table), parcels, COUNT, page.priced_parcels),
        "credit_units": (units, qu, UNITS, page.priced_units),
        "hl_priced_area": (float(table["area_mu"].sum()), "亩", AREA, page.priced_area_mu),
        "hl_weight_cost": (weights[0], NO_UNIT, FACTOR, dict(page.weights)["cost"]),
        "hl_weight_market": (weights[1], NO_UNIT, FACTOR, dict(page.weights)["market"]),
        "hl_weight_value": (weights[2], NO_UNIT, FACTOR, dict(page.weights)["value"]),
        "hl_floored": (int((weighted < cost).sum()), parcels, COUNT, page.floored_parcels),
        "hl_mc_p5": (float(np.percentile(draws, 5)), per_unit, MONEY, page.mc_p5),
        "hl_mc_p50": (float(np.percentile(draws, 50)), per_unit, MONEY, page.mc_p50),
        "hl_mc_p95": (float(np.percentile(draws, 95)), per_unit, MONEY, page.mc_p95),
        "hl_mc_draws": (len(draws), tr("hl_draws", lang), COUNT, page.mc_draws),
        "price_year": (int(a.spec["options"]["price_year"]), NO_UNIT, YEAR, page.price_year),
        "p1_units_required": (required, qu, UNITS, page.units_required),
        "p1_units_delivered": (delivered, qu, UNITS, page.units_delivered),
        "p1_units_surplus": (delivered - required, qu, UNITS, page.units_surplus),
        "p1_pool": (float(credits["units"].sum()), qu, UNITS, page.pool_units),
        "hl_pool_after": (
            float(credits["units"].sum() - required), qu, UNITS, page.pool_units_after
        ),
        "p1_sale": (float(sale.sum()), cny, MONEY, page.sale_amount),
        "hl_sale_credits": (
            matches["credit_parcel"].nunique(), parcels, COUNT, page.sale_credit_parcels
        ),
        "hl_sale_debits": (
            matches["debit_parcel"].nunique(), parcels, COUNT, page.sale_debit_parcels
        ),
        "hl_sale_per_unit": (float(sale.sum()) / delivered, per_unit, MONEY, page.sale_per_unit),
        "hl_sale_at_pool": (
            float(np.maximum(weighted, cost).sum()) / units * delivered,
            cny, MONEY, page.sale_at_pool_price,
        ),
        "hl_loan": (
            float(sum(finance["loan_capacity"], Decimal(0))), cny, MONEY,
            float(a.finance.loan_capacity),
        ),
        "hl_premium": (
            float(sum(finance["premium"], Decimal(0))), cny, MONEY, float(a.finance.premium)
        ),
    }  # fmt: skip
    for key, (value, unit, fmt, figure) in expected.items():
        label = tr(key, lang)
        assert label in rows, f"the headline has no {label!r}"
        cell, shown_unit, _, _ = rows.pop(label)
        assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool), label
        assert cell.value == figure, f"{label}: {cell.value!r} is not page 1's {figure!r}"
        # the sale sums shares × prices rounded to the fen per match (docs/pricing.md)
        tolerance = 0.01 * len(matches) if key in ("p1_sale", "hl_sale_per_unit") else 0
        assert cell.value == pytest.approx(value, rel=1e-12, abs=tolerance), label
        assert shown_unit == unit, label
        assert cell.number_format == fmt, label
        assert cell.alignment.horizontal == "right", label
    # the one text figure: the balance verdict
    verdict = rows.pop(tr("balance_verdict", lang))[0]
    assert verdict.value == tr("balanced" if a.balance.balanced else "not_balanced", lang)
    assert rows == {}, f"headline figures this test does not check: {list(rows)}"


def test_headline_figures_keep_full_precision(books: dict[str, Any]) -> None:
    """The stored price is not the shown one: a rounded cell would equal its 2-decimal text."""
    cell = _rows(books["en"].worksheets[0])[tr("recommended_price", "en")][0]
    assert cell.value != round(cell.value, 2)
    assert f"{cell.value:,.2f}" != repr(cell.value)


# ------------------------------------------------------------------ the table sheets
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_price_table_stores_the_assessments_floats_with_formats(
    sample_assessment: Assessment, books: dict[str, Any], lang: str
) -> None:
    table = sample_assessment.price.to_frame()
    sheet = _sheet(books[lang], build_document(sample_assessment, lang), "price_by_parcel")
    ids = [c.value for c in _column(sheet, tr("parcel_id", lang))]
    assert ids == list(table.index)
    # column key -> display format: 亩 and 元 columns by the unit in their header
    formats = {"area_mu": AREA, "units": UNITS, "cost": MONEY, "recommended": MONEY,
               "per_mu": MONEY, "per_unit": MONEY}  # fmt: skip
    # the sheet is price.to_frame().reset_index() with headers in ``lang`` (build.py): same order
    headers = [str(c.value) for c in sheet[1]]
    assert len(headers) == 1 + len(table.columns)
    header = dict(zip(table.columns, headers[1:], strict=True))
    assert {header[k].rsplit("[", 1)[-1] for k in ("cost", "recommended")} == {
        "元]" if lang == "zh" else "CNY]"
    }
    assert "亩" in header["area_mu"] and "亩" in header["per_mu"]
    for key, fmt in formats.items():
        cells = _column(sheet, header[key])
        values = [c.value for c in cells]
        assert all(type(v) is float for v in values), f"{key}: not all numbers"
        assert values == table[key].tolist(), f"{key}: the cells are not the Assessment's floats"
        assert {c.number_format for c in cells} == {fmt}, key
        assert {c.alignment.horizontal for c in cells} == {"right"}, key
    per_unit = table["per_unit"].to_numpy()
    assert (per_unit != per_unit.round(2)).any(), "the prices were rounded before writing"
    title = sheet.cell(1, headers.index(header["per_unit"]) + 1)
    assert title.alignment.horizontal == "right"  # over a right-aligned column


def test_declared_decimals_set_the_format(
    sample_assessment: Assessment, books: dict[str, Any]
) -> None:
    """The project-parcels table declares area [ha] to 4 decimals and the index to 3 (build.py)."""
    document = build_document(sample_assessment, "zh")
    parcels = _table(document, "project_parcels")
    sheet = _sheet(books["zh"], document, "project_parcels")
    area_ha, index = tr("area_ha", "zh"), tr("index", "zh")
    assert parcels.decimals[area_ha] == 4 and parcels.decimals[index] == 3
    assert {c.number_format for c in _column(sheet, area_ha)} == {"#,##0.0000"}  # 公顷
    assert {c.number_format for c in _column(sheet, index)} == {"0.000"}  # a factor
    assert {c.number_format for c in _column(sheet, tr("area_mu", "zh"))} == {AREA}
    assert [c.value for c in _column(sheet, area_ha)] == parcels.frame[area_ha].tolist()
    finance = _table(document, "finance")
    loan = tr("loan_capacity", "zh")
    assert finance.decimals[loan] == 0
    assert {c.number_format for c in _column(_sheet(books["zh"], document, "finance"), loan)} == {
        COUNT
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_is_a_right_aligned_number_of_the_document(
    sample_assessment: Assessment, books: dict[str, Any], lang: str
) -> None:
    """In every table sheet a numeric column holds numbers, never their text."""
    document = build_document(sample_assessment, lang)
    book = books[lang]
    assert len(book.sheetnames) == len(document.tables()) + 2
    checked = 0
    for table, sheet in zip(document.tables(), book.worksheets[2:], strict=True):
        for position, column in enumerate(table.frame.columns):
            series = table.frame.iloc[:, position]
            if pd.api.types.is_bool_dtype(series.dtype):
                continue
            cells = [row[position] for row in sheet.iter_rows(min_row=2)]
            where = f"{sheet.title!r} column {column!r}"
            for value, cell in zip(series, cells, strict=True):
                if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
                    continue  # text (a column may mix text and numbers)
                if math.isnan(value):
                    assert cell.value is None, where
                    continue
                checked += 1
                assert not isinstance(cell.value, str), f"{where}: {cell.value!r} is text"
                assert cell.value == float(value), f"{where}: {cell.value!r} is not {value!r}"
                assert cell.number_format != "General", where
                assert cell.alignment.horizontal == "right", where
    assert checked > 1000, "the workbook's tables hold almost no numbers"


def test_number_formats_by_kind() -> None:
    assert number_format("money", 2) == MONEY
    assert number_format("area", 2) == AREA
    assert number_format("units", 4) == UNITS
    assert number_format("factor", 4) == FACTOR
    assert number_format("money", 0) == COUNT  # a declared 0 decimals
    assert number_format("count", 3) == COUNT  # a count has none whatever is declared
    assert number_format("year", 0) == YEAR


# ------------------------------------------------------------------ languages
def _headers_and_names(book: Any) -> list[str]:
    texts = list(book.sheetnames)
    for sheet in book.worksheets:
        texts += [str(c.value) for c in sheet[1] if c.value is not None]
    for row in book.worksheets[0].iter_rows(min_row=2, values_only=True):
        texts += [v for v in row if isinstance(v, str)]  # labels, units, sections
    return texts


def test_the_zh_workbook_names_sheets_and_columns_in_chinese(
    sample_assessment: Assessment, books: dict[str, Any]
) -> None:
    texts = _headers_and_names(books["zh"])
    # card ids name the services sheets; P5/P50/P95 are the percentiles' own names
    allowed = {ref.id for ref in sample_assessment.provenance.cards} | {"P5", "P50", "P95"}
    english = sorted({w for t in texts for w in _LATIN_WORD.findall(t)} - allowed)
    assert english == [], f"English words in the zh workbook's names and headers: {english}"
    assert all(_CJK.search(name) for name in books["zh"].sheetnames[:2])
    assert all(_CJK.search(str(c.value)) for c in books["zh"].worksheets[0]["A"])


def test_the_en_workbook_is_english(books: dict[str, Any]) -> None:
    texts = _headers_and_names(books["en"])
    chinese = sorted({w for t in texts for w in re.findall(r"[\u3400-\u9fff]+", t)} - {"亩"})
    assert chinese == [], f"Chinese in the en workbook's names and headers: {chinese}"
    assert books["en"].sheetnames[:2] == ["headline", "cover"]


# ------------------------------------------------------------------ formula-like text
def test_formula_like_text_stays_text_and_negative_numbers_stay_numbers(
    sample_assessment: Assessment,
) -> None:
    document = build_document(sample_assessment, "en")
    assert document.headline is not None
    injected = '=HYPERLINK("http://example.invalid","x")'
    figures = (
        HeadlineFigure(injected, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1", "text", 0),
        HeadlineFigure("a deficit", -5.25, "quota units", "quota", "units", 4),
    )
    headline = dataclasses.replace(document.headline, figures=figures)
    first = document.tables()[0]
    frame = first.frame.copy()
    frame.iloc[0, 0] = "=1+1"
    sections = tuple(
        dataclasses.replace(
            s,
            blocks=tuple(
                dataclasses.replace(b, frame=frame) if b is first else b for b in s.blocks
            ),
        )
        for s in document.sections
    )
    document = dataclasses.replace(document, headline=headline, sections=sections)
    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")))
    label, value, unit, section = book.worksheets[0][2]
    for cell, text in ((label, injected), (value, "+cmd|' /C calc'!A0"), (unit, "@SUM(1+1)"),
                       (section, "-1")):  # fmt: skip
        assert cell.data_type == "s" and cell.quotePrefix and cell.value == text
    deficit = book.worksheets[0]["B3"]
    assert deficit.value == -5.25 and deficit.data_type == "n"
    assert deficit.number_format == UNITS and deficit.alignment.horizontal == "right"
    cell = book[first.title]["A2"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == "=1+1"
