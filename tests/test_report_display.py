"""One display rule for every format: HTML (and so PDF), Markdown and XLSX show a column alike.

The report is the demo assessment's (SYNTHETIC, 200 Monte Carlo draws; the
``sample_assessment`` fixture of ``tests/conftest.py``), built with
:func:`wetval.report.build.build_document` and rendered to HTML and XLSX. Each
column's kind and decimals are decided once,
:meth:`wetval.report.document.TableBlock.display`; these tests read the
rendered files back (the HTML's table cells, the workbook's number formats and
values) and compare them, so a renderer that formats by its own rule fails here.
"""

from __future__ import annotations

import io
import math
import re
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval.assess import Assessment
from wetval.report import render
from wetval.report.build import build_document
from wetval.report.document import (
    DECIMALS,
    NO_UNIT,
    Display,
    Kind,
    ReportDocument,
    TableBlock,
    show,
)
from wetval.report.markdown import render_markdown
from wetval.report.xlsx import number_format
from wetval.strings import tr

_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")


class _Tables(HTMLParser):
    """The captioned tables of an HTML report: caption, and per row the cells' (class, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[tuple[str, str]]]]] = []
        self._in: str | None = None
        self._class = ""
        self._text = ""
        self._body = False
        self._captioned = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "caption" or tag == "td":
            self._in, self._class, self._text = tag, dict(attrs).get("class") or "", ""
        elif tag == "tbody" and self._captioned:
            self._body = True
        elif tag == "table":
            self._captioned = False
        elif tag == "tr" and self.tables and self._body:
            self.tables[-1][1].append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("tbody", "table"):
            self._body = False
        if tag == "caption" and self._in == "caption":
            self.tables.append((self._text, []))
            self._captioned = True
        elif tag == "td" and self._in == "td" and self._body:
            self.tables[-1][1][-1].append((self._class, self._text))
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _format_decimals(fmt: str) -> int:
    return len(fmt.partition(".")[2])


@pytest.fixture(scope="module", params=["zh", "en"])
def rendered(
    request: pytest.FixtureRequest, sample_assessment: Assessment
) -> tuple[ReportDocument, list[tuple[str, list[list[tuple[str, str]]]]], Any]:
    """The document in one language, its HTML tables, and its workbook."""
    document = build_document(sample_assessment, request.param)
    parser = _Tables()
    parser.feed(render(document, "html").decode("utf-8"))
    book = openpyxl.load_workbook(io.BytesIO(render(document, "xlsx")))
    return document, parser.tables, book


def test_html_shows_the_decimals_of_the_xlsx_number_format(
    rendered: tuple[ReportDocument, list[tuple[str, list[list[tuple[str, str]]]]], Any],
) -> None:
    """Every number cell of every table: same decimals, same separators, same rounded value."""
    document, html_tables, book = rendered
    tables = document.tables()
    captioned = [t for t in html_tables if t[0] in {b.caption for b in tables}]
    assert [c for c, _ in captioned] == [t.caption for t in tables]
    checked = 0
    for table, (_, rows), sheet in zip(tables, captioned, book.worksheets[2:], strict=True):
        headers = [str(c.value) for c in sheet[1]]
        printed = table.printed()
        assert len(rows) == len(printed), table.sheet
        for position, column in enumerate(printed.columns):
            kind, decimals = table.display(str(column))
            cells = [row[headers.index(str(column))] for row in sheet.iter_rows(min_row=2)]
            for row, cell in zip(rows, cells, strict=False):  # HTML shows the first rows
                css, text = row[position]
                where = f"{table.sheet!r} column {column!r}: {text!r}"
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    assert kind == "text" or text in ("—", str(cell.value)), where
                    continue
                checked += 1
                fmt = cell.number_format
                assert css == "num", f"{where} is not right-aligned"
                assert _NUMBER.match(text), where
                assert _decimals(text) == _format_decimals(fmt) == decimals, f"{where} vs {fmt}"
                if abs(cell.value) >= 1000:
                    assert ("," in text) == ("," in fmt), f"{where} vs {fmt}"
                assert float(text.replace(",", "")) == round(float(cell.value), decimals), where
    assert checked > 500, "the report's tables hold almost no numbers"


def test_quota_units_money_and_counts(
    rendered: tuple[ReportDocument, list[tuple[str, list[list[tuple[str, str]]]]], Any],
) -> None:
    """Quota units show 4 decimals, money 2, counts none, in HTML and XLSX alike (issue 16)."""
    document, html_tables, book = rendered
    lang = document.lang
    tables = {t.sheet: t for t in document.tables()}
    captions = {t.caption for t in document.tables()}
    html_rows = [rows for c, rows in html_tables if c in captions]  # in table order
    position = {t.sheet: i for i, t in enumerate(document.tables())}
    # sheet key -> (strings key of the header, kind, decimals): build.py's tables
    expected = [
        ("price_by_parcel", "units", "units", 4, "#,##0.0000"),
        ("matches", "units_delivered", "units", 4, "#,##0.0000"),
        ("balance_projects", "units_required_col", "units", 4, "#,##0.0000"),
        ("finance", "units", "units", 4, "#,##0.0000"),
        ("price_by_parcel", "cost_cny", "money", 2, "#,##0.00"),
        ("price_by_parcel", "recommended_cny", "money", 2, "#,##0.00"),
        ("credits_by_project", "parcels", "count", 0, "#,##0"),
        ("coverage", "parcels", "count", 0, "#,##0"),
        ("matches", "location_factor", "factor", 4, "0.0000"),  # XLSX only
        ("coverage", "share_parcels", "factor", 3, "0.000"),
    ]
    for sheet_key, key, kind, decimals, fmt in expected:
        table = tables[sheet_key]
        header = next(str(c) for c in table.frame.columns if str(c) == tr(key, lang))
        assert table.display(header) == (kind, decimals), (sheet_key, header)
        sheet = book.worksheets[2 + position[sheet_key]]
        column = [str(c.value) for c in sheet[1]].index(header)
        formats = {row[column].number_format for row in sheet.iter_rows(min_row=2)}
        assert formats == {fmt}, (sheet_key, header)
        shown = [str(c) for c in table.printed().columns]
        if header not in shown:
            continue  # an XLSX-only column (print_columns)
        printed = shown.index(header)
        texts = [row[printed][1] for row in html_rows[position[sheet_key]]]
        assert texts and all(_decimals(t) == decimals for t in texts if t != "—"), texts


def test_the_headline_sheet_shows_a_dash_for_no_unit(
    rendered: tuple[ReportDocument, list[tuple[str, list[list[tuple[str, str]]]]], Any],
) -> None:
    """A weight, the price year and the verdict have no unit: the unit cell says ``—``."""
    document, _, book = rendered
    assert document.headline is not None
    sheet = book.worksheets[0]
    units = {str(r[0].value): r[2].value for r in sheet.iter_rows(min_row=2)}
    for figure in document.headline.figures:
        assert units[figure.label] == (figure.unit or NO_UNIT), figure.label
    assert NO_UNIT in units.values() and None not in units.values()


def test_markdown_shows_the_html_text(sample_assessment: Assessment) -> None:
    """Markdown's numbers are the HTML's (both from ``TableBlock.shown``)."""
    document = build_document(sample_assessment, "en")
    text = render_markdown(document)
    table = next(t for t in document.tables() if t.sheet == "price_by_parcel")
    for row in table.shown()[:5]:
        assert "| " + " | ".join(row) + " |" in text


# ------------------------------------------------------------------ the rule itself
_KINDS: list[Kind] = ["money", "area", "units", "factor", "count", "year", "number"]


@given(
    value=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    kind=st.sampled_from(_KINDS),
    decimals=st.integers(min_value=0, max_value=6),
)
def test_the_shown_text_is_the_value_rounded(value: float, kind: Kind, decimals: int) -> None:
    """The text parses back to the value rounded to the shown decimals, as XLSX formats it."""
    display = Display(kind, 0 if kind in ("count", "year") else decimals)
    text = show(value, display)
    assert _decimals(text) == display.decimals == _format_decimals(number_format(*display))
    assert float(text.replace(",", "")) == round(value, display.decimals)
    assert ("," in text) == (display.separated and abs(round(value, display.decimals)) >= 1000)
    assert ("," in number_format(*display)) == display.separated
    assert not re.fullmatch(r"-[0.,]*", text), "a negative zero"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_counts_and_years_are_whole(value: int) -> None:
    assert show(value, Display("count", 2)) == f"{value:,}"
    assert show(value, Display("year", 0)) == str(value)


def test_missing_and_text_cells() -> None:
    display = Display("money", 2)
    assert show(None, display) == show(math.nan, display) == "—"
    assert show(True, display) == "●" and show(False, display) == "○"
    assert show("R01", display) == "R01"


def test_undeclared_columns_are_inferred_in_one_place() -> None:
    """A table without kinds: the unit in the header, else integers are counts."""
    import pandas as pd

    frame = pd.DataFrame(
        {"金额 [元]": [1234.5], "area [亩]": [1.0], "n": [3], "x": [0.5], "name": ["a"]}
    )
    table = TableBlock(frame, "caption", "sheet")
    assert [table.display(c) for c in frame.columns] == [
        ("money", DECIMALS["money"]), ("area", DECIMALS["area"]), ("count", 0),
        ("number", DECIMALS["number"]), ("text", 0),
    ]  # fmt: skip
    declared = TableBlock(frame, "caption", "sheet", {"x": 3}, kinds={"x": "factor"})
    assert declared.display("x") == ("factor", 3)
    assert declared.shown() == [["1,234.50", "1.00", "3", "0.500", "a"]]
