"""Structured summaries of the benefit-transfer, comparison, weighting, calibration and
sensitivity results (issue 13).

For each result: the Chinese text has no English word beyond ids, names and units (the
check of ``test_summary``), the zh and en tables carry the same numbers and those are
the result's own (not recomputed), and ``plot()`` draws something.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from test_summary import _ids
from wetval.calibrate import (
    SITE_VARIABLES,
    data_weights,
    expert_weights,
    fit_value_function,
    synthetic_study_values,
)
from wetval.condition import ahp
from wetval.summary import Summary
from wetval.tables import IndicatorTable, ParcelTable
from wetval.uncertainty.sensitivity import morris, one_at_a_time, sobol
from wetval.units import money_conversion
from wetval.valuation import compare, value
from wetval.valuation.benefit_transfer import (
    income_elasticity,
    standardise_study_value,
    transfer_unit_value,
)

ITEMS = ["water_quality_class", "vegetation_cover", "biomass"]


def _linear(x: np.ndarray) -> np.ndarray:
    return 10 * x[:, 0] + 1 * x[:, 1] + 0 * x[:, 2]


def _comparison() -> Any:
    frame = pd.DataFrame(
        {"parcel_id": ["P0", "P1"], "land_class": ["1106", "1104"], "area_m2": [1e4, 1e4]}
    )
    table = ParcelTable.from_frame(frame)
    found = IndicatorTable.from_frame(
        pd.DataFrame({"parcel_id": ["P0", "P1"], "water_depth": [1.0, 2.0], "npp": [500.0, 400.0]})
    )
    xie = value(table, "xie2015", price_year=2017)
    gep = value(table, "gep-garze2010", indicators=found, price_year=2017)
    return compare([xie, gep])


def _experts() -> dict[str, pd.DataFrame]:
    consistent = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
    reversed_ = [[1, 2, 1 / 5], [1 / 2, 1, 2], [5, 1 / 2, 1]]  # C reverses one judgement
    return {
        name: pd.DataFrame(m, index=ITEMS, columns=ITEMS, dtype=float)
        for name, m in (("A", consistent), ("B", consistent), ("C", reversed_))
    }


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """One small result of each class (and a second where the summary has another branch)."""
    money = money_conversion(from_currency="USD", from_year=2011, to_currency="CNY", to_year=2017)
    bounds = dict.fromkeys(("a", "b", "c"), (0.0, 1.0))
    sites = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 2.0, 1.0, 4.0]})
    return {
        "income": income_elasticity(12_000),
        "income_top": income_elasticity(60_000),
        "standardised": standardise_study_value(
            10.0,
            per="household",
            period="month",
            currency="USD",
            money=money,
            beneficiaries=1_000,
            area_ha=40.0,
        ),
        "standardised_once": standardise_study_value(
            1_000.0,
            per="site",
            period="once",
            currency="USD",
            discount_rate=0.05,
            horizon_years=20,
        ),
        "transfer": transfer_unit_value(
            1000.0,
            study_income=40_000,
            policy_income=10_000,
            elasticity=0.5,
            elasticity_range=(0.2, 1.2),
            from_currency="USD",
            from_year=2011,
            to_year=2017,
        ),
        "transfer_plain": transfer_unit_value(
            100.0, study_income=40_000, policy_income=20_000, elasticity=1.0
        ),
        "comparison": _comparison(),
        "ahp": ahp(_experts()["A"]),
        "ahp_inconsistent": ahp(_experts()["C"], on_inconsistent="ignore"),
        "expert_weights": expert_weights(_experts()),
        "data_weights": data_weights(sites, {"x": "higher_better", "y": "lower_better"}),
        "value_function": fit_value_function(
            synthetic_study_values(40, seed=2024),
            site=SITE_VARIABLES,
            reference_service="flood_control",
            currency="CNY",
            price_year=2017,
        ),
        "sobol": sobol(_linear, bounds, n=64, seed=1),
        "morris": morris(_linear, bounds, trajectories=10, seed=3),
        "tornado": one_at_a_time(
            lambda x: x[:, 0] * x[:, 1] + x[:, 2],
            {"area": (1, 2, 3), "rate": (10, 20, 40), "fee": (0, 5, 6)},
            output_label="quota price [CNY/亩]",
        ),
    }


NAMES = (
    "income", "income_top", "standardised", "standardised_once", "transfer", "transfer_plain",
    "comparison", "ahp", "ahp_inconsistent", "expert_weights", "data_weights", "value_function",
    "sobol", "morris", "tornado",
)  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_zh_summary_has_no_english_word(name: str, results: dict[str, Any]) -> None:
    summary = results[name].summary()
    assert isinstance(summary, Summary)
    text = summary.text("zh")
    for plain in sorted(set(_ids(summary)), key=len, reverse=True):
        text = text.replace(plain, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))
    assert words <= {"SYNTHETIC"}, f"{name}: English in the Chinese summary: {sorted(words)}"
    assert summary.text("zh") != summary.text("en") and str(summary) == summary.text("en")


@pytest.mark.parametrize("name", NAMES)
def test_zh_and_en_carry_the_same_numbers(name: str, results: dict[str, Any]) -> None:
    summary = results[name].summary()
    assert summary.all_tables()
    for table in summary.all_tables():
        zh, en = table.frame("zh"), table.frame("en")
        assert zh.shape == en.shape == table.data.shape
        numbers = [re.findall(r"\d[\d,]*\.\d+", t) for t in (table.text("zh"), table.text("en"))]
        assert numbers[0] == numbers[1]
        for lang in ("zh", "en"):
            assert summary.html(lang).count("<table>") == len(summary.all_tables())


@pytest.mark.parametrize("name", NAMES)
def test_plot_draws(name: str, results: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    ax = results[name].plot()
    assert ax.patches or ax.lines
    plt.close(ax.figure)
    assert isinstance(results[name].to_frame(), pd.DataFrame)


def test_numbers_are_the_results_own(results: dict[str, Any]) -> None:
    """The tables hold the attributes as computed (exact equality, no recomputation)."""
    income = results["income"]
    row = income.summary().table("income_class").data.iloc[0]
    assert (row["bt_gni_min"], row["bt_gni_max"], row["bt_elasticity"]) == (
        income.gni_min, income.gni_max, income.elasticity,
    )  # fmt: skip
    top = results["income_top"].summary()
    assert np.isnan(top.table("income_class").data["bt_gni_max"].iloc[0])  # no upper bound
    assert "无上限" in top.text("zh") and "no upper bound" in top.text("en")

    s = results["standardised"]
    steps = s.summary().table("steps").data
    assert steps["bt_value_after"].tolist() == s.steps["value"].tolist()
    assert steps["bt_factor"].tolist() == s.steps["factor"].tolist()
    # the operations read as before in English, and in Chinese words in zh
    assert (
        s.summary().table("steps").frame("en")["operation"].tolist()
        == s.steps["operation"].tolist()
    )
    assert "× 1,000 户" in s.summary().text("zh")
    once = results["standardised_once"]
    assert (
        once.summary().table("steps").frame("en")["operation"].tolist()
        == once.steps["operation"].tolist()
    )

    t = results["transfer"]
    factors = t.summary().table("factors").data.iloc[0]
    assert (factors["bt_transferred"], factors["bt_low"], factors["bt_high"]) == (
        t.value, t.low, t.high,
    )  # fmt: skip
    errors = t.summary().table("transfer_error").data
    # Kaul et al. 2013: median APE 39 % (card transfer-errors)
    assert errors["bt_error_pct"].iloc[0] == 39.0
    assert "绝对百分比误差中位数" in t.summary().text("zh")

    c = results["comparison"]
    totals = c.summary().table("totals").data
    assert totals["cmp_total"].tolist() == (c.totals.to_numpy() / 1e4).tolist()
    by_concept = c.summary().table("by_concept").data
    pd.testing.assert_frame_equal(
        by_concept.set_index("cmp_concept").rename_axis("concept"),
        (c.by_concept() / 1e4).rename_axis(None, axis=1),
    )


def test_ahp_and_weights_tables(results: dict[str, Any]) -> None:
    good, bad = results["ahp"], results["ahp_inconsistent"]
    row = good.summary().table("consistency").data.iloc[0]
    assert (row["ahp_lambda_max"], row["ahp_ci"], row["ahp_cr"]) == (
        good.lambda_max, good.ci, good.cr,
    )  # fmt: skip
    assert good.consistent and "可接受" in good.summary().text("zh")
    assert not bad.consistent
    assert "NOT acceptable (CR >= 0.10)" in str(bad.summary())
    assert "不可接受" in bad.summary().text("zh")

    weights = results["expert_weights"]
    summary = weights.summary()
    assert summary.table("weights").data["weight"].tolist() == weights.weights.tolist()
    consistency = summary.table("consistency").data
    assert consistency["ahp_cr"].tolist() == weights.consistency["cr"].tolist()
    assert "群组（集结矩阵）" in summary.text("zh")
    worst = summary.table("judgements").data.iloc[0]
    assert worst["cal_expert"] == "C"
    assert worst["cal_deviation"] == weights.judgements["deviation"].iloc[0]
    assert "C" in summary.text("zh") and "least-consistent judgements" in str(summary)
    # data weights have no consistency table
    assert [t.key for t in results["data_weights"].summary().tables] == ["weights"]


def test_value_function_and_sensitivity_tables(results: dict[str, Any]) -> None:
    fit = results["value_function"]
    summary = fit.summary()
    coefficients = summary.table("coefficients").data
    assert coefficients["vf_coefficient"].tolist() == fit.coefficients["coefficient"].tolist()
    statistics = summary.table("statistics").frame("en").set_index("figure")["value"]
    assert statistics["R²"] == fit.statistics["r2"]
    assert "clustered by study" in str(summary) and "标准误按研究聚类" in summary.text("zh")
    assert summary.table("vif").data["vf_vif"].tolist() == fit.vif.tolist()
    assert "SYNTHETIC" in summary.text("zh")  # the synthetic studies are labelled

    sobol_ = results["sobol"]
    data = sobol_.summary().table("indices").data
    assert (
        data["parameter"].tolist()
        == sobol_.indices.sort_values("ST", ascending=False).index.tolist()
    )
    assert data["sa_st"].tolist() == sobol_.indices["ST"].sort_values(ascending=False).tolist()

    morris_ = results["morris"]
    data = morris_.summary().table("effects").data
    assert data["parameter"].tolist() == ["a", "b", "c"]  # mu* = 10, 1, 0 (linear model)
    assert data["sa_mu_star"].tolist() == morris_.effects["mu_star"].tolist()

    tornado = results["tornado"]
    data = tornado.summary().table("swings").data
    assert data["swing"].tolist() == tornado.swings["swing"].tolist() == [60.0, 40.0, 6.0]
    assert "quota price [CNY/亩]：基准值 45.00" in tornado.summary().text("zh")
