"""The report draws and tabulates through the results' own ``plot()`` and ``summary()`` (issue 13).

- the report's grade, price and Monte Carlo charts are the results' plots: the same bars
  (heights and labels) or histogram, in the report's language;
- the report's grade and percentile tables are the results' summary tables;
- ``Assessment.plot`` draws the headline figure;
- the uncertainty chain asks the valuation result whether it can be re-evaluated per draw
  (``ServiceValues.reevaluable``), never the method's name: a third-party-like result that
  says it cannot is held at the run, with a keyed note (zh + en);
- the Monte Carlo summary's distributions and the screening rules' requirements are keyed
  messages, so the Chinese renderings are Chinese.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from wetval.condition import score
from wetval.messages import Message
from wetval.pricing import price_quota
from wetval.quota import account_credits
from wetval.report import build
from wetval.report.document import Figure, TableBlock
from wetval.strings import Lang
from wetval.uncertainty import PriceChain, monte_carlo
from wetval.uncertainty.monte_carlo import distribution_cell
from wetval.valuation import CombinedValues, ServiceValues, value

LANGS: tuple[Lang, ...] = ("zh", "en")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _bars(ax: Any) -> tuple[list[float], list[str]]:
    """Heights and tick labels of the bars an axes holds (its bar containers, not the shading)."""
    heights = [float(p.get_height()) for c in ax.containers for p in c]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    return heights, labels


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the report's charts drew, by figure name (the axes' bars, before the figure closes)."""
    seen: dict[str, Any] = {}
    original = build.figure_block

    def record(figure: Any, caption: str, name: str) -> Figure:
        ax = figure.axes[0]
        seen[name] = {
            "bars": _bars(ax),
            "lines": [tuple(line.get_xydata().ravel().tolist()) for line in ax.lines],
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
        }
        return original(figure, caption, name)

    monkeypatch.setattr(build, "figure_block", record)
    return seen


@pytest.mark.parametrize("lang", LANGS)
def test_grade_chart_is_the_condition_plot(
    sample_assessment: Any, drawn: dict[str, Any], lang: Lang
) -> None:
    build._condition(sample_assessment, lang)
    ax = sample_assessment.condition.plot(lang=lang)
    assert drawn["grades"]["bars"] == _bars(ax)
    assert drawn["grades"]["ylabel"] == ax.get_ylabel()
    heights, labels = _bars(ax)
    # the area by grade the condition result holds (its own summary table) [ha]
    table = sample_assessment.condition.summary().table("grades")
    np.testing.assert_allclose(heights, table.data["area_ha"].to_numpy(), rtol=1e-15)
    if lang == "zh":
        assert labels == ["优", "良", "中", "差", "未评分"]  # the demo leaves 306 unscored
    else:
        assert labels[0] == "excellent"
    plt.close(ax.figure)


@pytest.mark.parametrize("lang", LANGS)
def test_price_chart_is_the_price_plot(
    sample_assessment: Any, drawn: dict[str, Any], lang: Lang
) -> None:
    build._price(sample_assessment, lang)
    price = sample_assessment.price
    ax = price.plot(lang=lang)
    assert drawn["price"]["bars"] == _bars(ax)
    assert drawn["price"]["lines"] == [tuple(li.get_xydata().ravel().tolist()) for li in ax.lines]
    heights, labels = _bars(ax)
    assert heights == [price.per_unit_of(n) for n in ("cost", "market", "value")]
    assert labels == (
        ["成本法", "市场法", "收益法"] if lang == "zh" else ["cost", "market", "value"]
    )
    assert ax.lines[0].get_ydata()[0] == price.per_unit  # the recommended price
    plt.close(ax.figure)


@pytest.mark.parametrize("lang", LANGS)
def test_monte_carlo_chart_and_table_are_the_results(
    sample_assessment: Any, drawn: dict[str, Any], lang: Lang
) -> None:
    result = sample_assessment.uncertainty
    section = build._uncertainty(sample_assessment, lang)
    ax = result.plot(output="price_per_unit", lang=lang)
    assert drawn["monte_carlo"]["bars"][0] == _bars(ax)[0]  # the histogram's bins
    assert drawn["monte_carlo"]["xlabel"] == ax.get_xlabel()
    assert bool(CJK.search(ax.get_xlabel())) is (lang == "zh")
    plt.close(ax.figure)
    tables = {b.sheet: b for b in section.blocks if isinstance(b, TableBlock)}
    expected = result.summary().table("monte_carlo").frame(lang)
    pd.testing.assert_frame_equal(tables["monte_carlo"].frame, expected)
    # the numbers are the result's own (MonteCarloResult.summary_table)
    np.testing.assert_array_equal(
        expected.iloc[:, 2].to_numpy(), result.summary_table["deterministic"].to_numpy()
    )


@pytest.mark.parametrize("lang", LANGS)
def test_grade_table_is_the_condition_summary(sample_assessment: Any, lang: Lang) -> None:
    section = build._condition(sample_assessment, lang)
    tables = {b.sheet: b for b in section.blocks if isinstance(b, TableBlock)}
    summary = sample_assessment.condition.summary().table("grades")
    pd.testing.assert_frame_equal(tables["grades"].frame, summary.frame(lang))
    assert tables["grades"].frame.iloc[:, 1].sum() == len(sample_assessment.condition.parcels)


def test_assessment_plot_is_the_headline(sample_assessment: Any) -> None:
    a = sample_assessment
    ax = a.plot(lang="zh")
    assert ax.patches and ax.lines
    assert "每指标单位" in ax.get_title() and a.report_id in ax.get_title()
    p5 = a.uncertainty.percentile("price_per_unit", 5)
    assert any(line.get_ydata()[0] == p5 for line in ax.lines)
    plt.close(ax.figure)


# ------------------------------------------------------------------ the chain's capability
@dataclass(frozen=True)
class _HeldValues(ServiceValues):
    """A third party's service values that cannot be re-evaluated per draw."""

    reevaluable: ClassVar[bool] = False


@pytest.fixture(scope="module")
def run(county: Any) -> dict[str, Any]:
    """The sample county's scored restoration parcels, valued with xie2015 and priced."""
    condition = score(county.indicators, "jiangxi-db36-2134", county.parcels)
    frame = condition.to_frame()
    restoration = (county.parcels.to_frame()["role"] == "restoration").to_numpy()
    keep = restoration & frame["index"].notna().to_numpy()
    parcels = county.parcels.subset(keep)
    grades = frame.loc[parcels.ids, ["index", "grade_zh"]].rename(columns={"grade_zh": "grade"})
    quota = account_credits(parcels, grades)
    xie = value(parcels, "xie2015", condition=condition, price_year=2024)
    return {"condition": condition, "quota": quota, "xie": xie}


def test_a_valuation_that_is_not_reevaluable_is_held_with_a_keyed_note(
    county: Any, run: dict[str, Any]
) -> None:
    xie = run["xie"]
    held = _HeldValues(**{f.name: getattr(xie, f.name) for f in dataclasses.fields(xie)})
    assert xie.reevaluable and not held.reevaluable
    assert held.method == "xie-equivalent"  # the same name as a re-evaluable one: not asked
    price = price_quota(run["quota"], services=held)
    chain = PriceChain(
        parcels=county.parcels,
        services=held,
        credits=run["quota"],
        price=price,
        condition=run["condition"],
        indicators=county.indicators,
    )
    assert chain.valuation_held
    assert not any(key.startswith("xie2015.") for key in chain.parameters().index)
    notes = [n for n in chain.notes if isinstance(n, Message) and n.key == "n_valuation_held"]
    assert len(notes) == 1
    assert "held at the run" in notes[0].text("en")
    zh = notes[0].text("zh")
    assert CJK.search(zh) and "held" not in zh
    result = monte_carlo(chain, draws=50, seed=3)
    # every draw keeps the run's service values
    np.testing.assert_allclose(result.draws["total_value"], held.total(), rtol=1e-12)
    # the same values, re-evaluable, are not held
    again = PriceChain(
        parcels=county.parcels,
        services=xie,
        credits=run["quota"],
        price=price_quota(run["quota"], services=xie),
        condition=run["condition"],
        indicators=county.indicators,
    )
    assert not again.valuation_held
    assert any(key.startswith("xie2015.") for key in again.parameters().index)


def test_combine_returns_values_that_say_they_are_not_reevaluable(
    county: Any, run: dict[str, Any]
) -> None:
    from wetval.valuation import combine

    parcels = county.parcels.subset(np.isin(county.parcels.ids, run["xie"].values.index))
    gep = value(parcels, "gep-garze2010", indicators=county.indicators, price_year=2024)
    combined = combine([run["xie"], gep], {"food": "xie2015", "water_storage": "gep-garze2010"})
    assert isinstance(combined, CombinedValues) and not combined.reevaluable
    assert CombinedValues.from_json(combined.to_json()).reevaluable is False


# ------------------------------------------------------------------ keyed texts in zh
def test_distribution_cells_are_keyed_and_the_english_text_is_the_chains() -> None:
    for text in (
        "pert(low=0.8, mode=1, high=1.3, lamb=4)",
        "triangular(low=1498.58, mode=3406.5, high=3406.5)",
        "uniform(low=0.03, high=0.08)",
        "normal(mean=1, sd=0.1)",
        "lognormal(median=1, gsd=1.2)",
        "empirical (12 samples)",
    ):
        cell = distribution_cell(text)
        assert isinstance(cell, Message)
        assert cell.text("en") == text
        assert CJK.search(cell.text("zh")), cell.text("zh")
    assert distribution_cell("mine(x=1)") == "mine(x=1)"  # a plugin's form, as it is


def test_monte_carlo_summary_is_chinese_in_zh(sample_assessment: Any) -> None:
    drawn = sample_assessment.uncertainty.summary().table("drawn")
    cells = drawn.frame("zh").iloc[:, 1].tolist()
    assert cells and all(CJK.search(c) and not re.search(r"[a-z]{3,}", c) for c in cells)


def test_screening_requirements_are_keyed(county: Any) -> None:
    from wetval.screening import screen

    census = screen(county.parcels, county.indicators)
    requires = census.rules["requires"].tolist()
    assert all(isinstance(r, Message) for r in requires)
    assert str(requires[-1]).startswith(">= ") and str(requires[-1]).endswith(" m²")
    zh = census.summary().table("rules").frame("zh").iloc[:, 1].tolist()
    for text in zh:
        english = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))
        # ids stay as they are: the verification column and land-class codes (1104A …)
        assert english <= {"verified_non_aquaculture"}, (text, english)
    again = type(census).from_json(census.to_json())
    assert again.rules["requires"].tolist() == requires
