"""Structured summaries (``wetval.summary``) and the result protocol (``wetval.results``).

- every converted ``summary()`` returns a :class:`~wetval.summary.Summary` whose Chinese
  text has no English word beyond ids, card names and units (the values a message or a
  table carries as plain strings);
- the zh and the en rendering carry the same numbers, cell for cell;
- text and HTML render; ``str(summary)`` is the English text;
- every :class:`~wetval.results.Result` keeps the :class:`~wetval.results.ResultProtocol`
  (one pytest id per class); records that are not results derive from ``Record`` only;
- the report's price tables are the ones ``QuotaPrice.summary()`` holds.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import wetval
from wetval.messages import Message, Term
from wetval.results import _REGISTRY, Record, Result, ResultProtocol
from wetval.strings import known
from wetval.summary import Summary, SummaryTable, note

#: Results whose ``summary()`` is still English text (issue 13, to convert next).
NOT_YET_CONVERTED: frozenset[str] = frozenset()

#: Records that are not results: they derive from ``Record``, never from ``Result``.
RECORDS = (
    "DrawRules", "Expert", "ExpertEvent", "LedgerTransaction", "RestorationPlan",
    "ReviewCase", "ReviewEntry", "ReviewRound", "ReviewRules", "ReviewVerdict",
)  # fmt: skip


#: Converted summaries whose notes still carry a plain English string from the method
#: (the condition engine's and the screening notes; being keyed in the same issue).
def _import_all() -> None:
    """Import every wetval module so every record class is registered."""
    for info in pkgutil.walk_packages(wetval.__path__, "wetval."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


_import_all()
RESULTS = sorted(
    (
        c
        for c in _REGISTRY.values()
        if issubclass(c, Result) and c is not Result and c.__module__.startswith("wetval.")
    ),
    key=lambda c: c.__name__,
)


@pytest.fixture(scope="module")
def summaries(sample_assessment: Any, county: Any) -> dict[str, Summary]:
    """The summaries of the assessment path, by a short name."""
    from wetval.screening import screen

    a = sample_assessment
    results: dict[str, Any] = {
        "assessment": a,
        "condition": a.condition,
        "accounts": a.accounts,
        "credits": a.accounts.credits,
        "debits": a.accounts.debits,
        "balance": a.balance,
        "price": a.price,
        "funds": a.funds,
        "uncertainty": a.uncertainty,
        "census": screen(county.parcels, county.indicators),
        **{f"services_{k}": v for k, v in a.services.items()},
    }
    return {name: r.summary() for name, r in results.items() if r is not None}


NAMES = (
    "assessment", "condition", "accounts", "credits", "debits", "balance", "price", "funds",
    "uncertainty", "census", "services_xie2015",
)  # fmt: skip


def _plain_values(value: object) -> Iterator[str]:
    """The plain strings a message carries (ids, card names), not its translated terms."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Message):
        for _, v in value.values:
            yield from _plain_values(v)
    elif isinstance(value, tuple):
        for v in value:
            yield from _plain_values(v)


def _ids(summary: Summary) -> Iterator[str]:
    """Every plain string of a summary except the wrapped English notes (``summary_plain``)."""
    for message in (summary.title, *summary.notes):
        if message.key != "summary_plain":
            yield from _plain_values(message)
    for table in summary.tables:
        for column in table.data.columns:
            if not known(str(column)):
                yield str(column)  # an id such as P5
            for cell in table.data[column]:
                yield from _plain_values(cell)
    for part in summary.parts:
        yield from _ids(part)


@pytest.mark.parametrize("name", NAMES)
def test_zh_summary_has_no_english_sentence(name: str, summaries: dict[str, Summary]) -> None:
    summary = summaries[name]
    text = summary.text("zh")
    for value in sorted(set(_ids(summary)), key=len, reverse=True):
        text = text.replace(value, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))
    assert words <= {"SYNTHETIC"}, f"{name}: English in the Chinese summary: {sorted(words)}"


def test_the_check_finds_english() -> None:
    """The check above can fail: an English key text in zh is caught."""
    summary = Summary(Message.of("summary_plain", text="x"), notes=(note("an English note"),))
    text = summary.text("zh")
    for value in _ids(summary):
        text = text.replace(value, " ")
    assert {"an", "English", "note"} <= set(re.findall(r"[A-Za-z][A-Za-z_]+", text))


@pytest.mark.parametrize("name", NAMES)
def test_zh_and_en_tables_carry_the_same_numbers(name: str, summaries: dict[str, Summary]) -> None:
    summary = summaries[name]
    assert summary.all_tables(), f"{name} has no table"
    for table in summary.all_tables():
        zh, en = table.frame("zh"), table.frame("en")
        assert zh.shape == en.shape == table.data.shape
        for i, column in enumerate(table.data.columns):
            if table.data[column].dtype.kind in "iuf":
                np.testing.assert_array_equal(zh.iloc[:, i].to_numpy(), en.iloc[:, i].to_numpy())
                np.testing.assert_array_equal(
                    zh.iloc[:, i].to_numpy(), table.data[column].to_numpy()
                )
        # the text shows the same numerals in both languages
        numbers = [re.findall(r"\d[\d,]*\.\d+", t) for t in (table.text("zh"), table.text("en"))]
        assert numbers[0] == numbers[1]


@pytest.mark.parametrize("name", NAMES)
def test_text_and_html_render(name: str, summaries: dict[str, Summary]) -> None:
    summary = summaries[name]
    assert str(summary) == summary.text("en")
    assert summary.text("zh") != summary.text("en")
    for lang in ("zh", "en"):
        html = summary.html(lang)
        assert html.startswith(f'<div class="wetval-summary" lang="{lang}">')
        assert html.count("<table>") == len(summary.all_tables())
    assert summary._repr_html_() == summary.html("en")


def test_summary_table_lookup_equality_and_formatting() -> None:
    data = pd.DataFrame(
        {"approach": [Term("cost", "cost"), Term("no_such_key", "mine")], "total": [1234.5, np.nan]}
    )
    table = SummaryTable("t", "cost_table", data, {"total": 1})
    summary = Summary(Message.of("summary_plain", text="T"), (table,))
    assert summary.table("t") is table
    with pytest.raises(KeyError, match="the tables are: t"):
        summary.table("other")
    assert table == SummaryTable("t", "cost_table", data.copy(), {"total": 1})
    assert table != SummaryTable("t", "cost_table", data, {"total": 2})
    assert table.frame("zh").columns.tolist() == ["方法", "合计 [元]"]
    assert table.frame("zh")["方法"].tolist() == ["成本法", "mine"]
    assert table.rows("en")[1:] == [["cost", "1,234.5"], ["mine", "–"]]
    assert "<" not in summary.html("en").split("<caption>")[1].split("</caption>")[0]


def test_price_summary_numbers(sample_assessment: Any) -> None:
    """The price table is the price's own totals (QuotaPrice.totals / units), not recomputed."""
    price = sample_assessment.price
    data = price.summary().table("price_approaches").data
    assert data["total"].tolist() == [
        float(price.totals[n]) for n in ("cost", "value", "market", "recommended")
    ]
    assert data["per_unit"].iloc[3] == pytest.approx(price.per_unit, rel=1e-15)


def test_report_price_tables_come_from_the_summary(sample_assessment: Any) -> None:
    from wetval.report import build
    from wetval.report.document import TableBlock

    for lang in ("zh", "en"):
        section = build._price(sample_assessment, lang)
        tables = {b.sheet: b for b in section.blocks if isinstance(b, TableBlock)}
        summary = sample_assessment.price.summary()
        for key in ("price_approaches", "cost_components"):
            pd.testing.assert_frame_equal(tables[key].frame, summary.table(key).frame(lang))


@pytest.mark.parametrize("cls", RESULTS, ids=lambda c: c.__name__)
def test_result_keeps_the_protocol(cls: type[Result], request: pytest.FixtureRequest) -> None:
    if cls.__name__ in NOT_YET_CONVERTED:
        request.applymarker(pytest.mark.xfail(reason="summary() not yet a Summary", strict=True))
    fields = {f.name for f in cls.__dataclass_fields__.values()}
    assert "provenance" in fields or isinstance(getattr(cls, "provenance", None), property)
    for method in ("to_frame", "summary", "plot"):
        assert callable(getattr(cls, method, None)), f"{cls.__name__} has no {method}()"
    assert "ax" in inspect.signature(cls.plot).parameters
    assert inspect.signature(cls.summary).return_annotation in ("Summary", Summary)


def test_assessment_path_results_are_protocol_instances(sample_assessment: Any) -> None:
    a = sample_assessment
    for result in (a.condition, a.accounts, a.balance, a.price, a.funds, a.uncertainty):
        assert isinstance(result, ResultProtocol), type(result).__name__
        assert isinstance(result.summary(), Summary)
    import matplotlib.pyplot as plt

    for result in (a.accounts, a.accounts.credits, a.accounts.debits, a.funds):
        ax = result.plot()
        assert ax.patches  # the bars are drawn
        plt.close(ax.figure)


@pytest.mark.parametrize("name", RECORDS)
def test_records_are_not_results(name: str) -> None:
    cls = _REGISTRY[name]
    assert issubclass(cls, Record) and not issubclass(cls, Result)


def test_record_round_trip_is_exact() -> None:
    from wetval.pricing import RestorationPlan

    quantities = pd.DataFrame(
        {"item": ["earthwork"], "unit": ["m³"], "quantity": [300.0], "unit_cost": [25.0]}
    )
    plan = RestorationPlan(
        name="R01 design", parcel_ids=("R1",), quantities=quantities, species=("苦草",),
        price_year=2024,
    )  # fmt: skip
    assert not isinstance(plan, Result)
    again = Record.from_json(plan.to_json())
    assert type(again) is type(plan) and again.to_json() == plan.to_json()
