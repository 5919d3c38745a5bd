"""Monte Carlo over the price chain (condition → valuation → quota → price).

The central property: the vectorised evaluator is the real pipeline. With no
parameter drawn — or with every card distribution fixed — every draw equals
the deterministic run (same total price, same price of every parcel, same
service values), to 1e-12 relative (only the order of floating-point sums
differs). Everything else (reproducibility, chunking, convergence, memory)
is tested on the SYNTHETIC sample county.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wetval.cards import Card, load_card
from wetval.condition import score
from wetval.errors import WetvalError
from wetval.messages import Message, Term
from wetval.pricing import RestorationPlan, pledge_capacity, price_quota
from wetval.quota import account_credits
from wetval.uncertainty import MonteCarloResult, PriceChain, monte_carlo
from wetval.valuation import override, value

RTOL = 1e-12


def fixed_copy(card_id: str) -> Card:
    """The card with every distribution replaced by ``fixed``."""
    data = load_card(card_id).model_dump(mode="json", exclude_none=True)
    for parameter in data["parameters"].values():
        if "distribution" in parameter:
            parameter["distribution"] = {"kind": "fixed"}
    return Card.from_mapping(data)


def run(
    county: Any,
    valuation: Card | str,
    pricing: Card | str,
    plans: tuple = (),
    price_year: int = 2024,
    price_factor: float | None = None,
    wet_only: bool = False,
) -> dict:
    """The deterministic pipeline on the sample county's scored restoration parcels."""
    condition = score(county.indicators, "jiangxi-db36-2134", county.parcels)
    frame = condition.to_frame()
    parcels_frame = county.parcels.to_frame()
    keep = (parcels_frame["role"] == "restoration").to_numpy() & frame["index"].notna().to_numpy()
    parcels = county.parcels.subset(keep)
    grades = frame.loc[parcels.ids, ["index", "grade_zh"]].rename(columns={"grade_zh": "grade"})
    quota = account_credits(parcels, grades)
    valued = (
        parcels.subset(np.isin(parcels.category, ["wetland", "water"])) if wet_only else parcels
    )
    services = value(valued, valuation, condition=condition, price_year=price_year)
    price = price_quota(
        quota, pricing, services=services, plans=list(plans), services_price_factor=price_factor
    )
    return {
        "condition": condition,
        "parcels": parcels,
        "quota": quota,
        "services": services,
        "price": price,
    }


@pytest.fixture(scope="module")
def pipeline(county: Any) -> dict:
    return run(county, "xie2015", "pricing-jinxian")


@pytest.fixture(scope="module")
def chain(county: Any, pipeline: dict) -> PriceChain:
    return PriceChain(
        parcels=county.parcels,
        services=pipeline["services"],
        credits=pipeline["quota"],
        price=pipeline["price"],
        condition=pipeline["condition"],
        indicators=county.indicators,
    )


def assert_every_draw_is_the_run(result: MonteCarloResult, pipeline: dict) -> None:
    price = pipeline["price"]
    draws = result.draws
    np.testing.assert_allclose(draws["total_price"], price.total, rtol=RTOL)
    np.testing.assert_allclose(draws["price_per_unit"], price.per_unit, rtol=RTOL)
    np.testing.assert_allclose(draws["price_per_mu"], price.per_mu, rtol=RTOL)
    np.testing.assert_allclose(draws["total_value"], pipeline["services"].total(), rtol=RTOL)
    np.testing.assert_allclose(draws["cost"], price.totals["cost"], rtol=RTOL)
    np.testing.assert_allclose(draws["value"], price.totals["value"], rtol=RTOL)
    np.testing.assert_allclose(draws["market"], price.totals["market"], rtol=RTOL)
    assert result.per_parcel is not None
    expected = price.table["recommended"].reindex(result.per_parcel.index)
    for column in ("mean", "P5", "P50", "P95"):
        np.testing.assert_allclose(result.per_parcel[column], expected, rtol=RTOL)


def test_no_parameter_drawn_every_draw_is_the_deterministic_run(
    chain: PriceChain, pipeline: dict
) -> None:
    result = monte_carlo(chain, draws=50, seed=3, parameters=[], per_parcel=True, chunk_size=16)
    assert result.parameter_draws.shape == (50, 0)
    assert_every_draw_is_the_run(result, pipeline)


def test_cards_with_fixed_distributions_give_the_deterministic_run(county: Any) -> None:
    fixed = run(county, fixed_copy("xie2015"), fixed_copy("pricing-jinxian"))
    chain = PriceChain(
        parcels=county.parcels,
        services=fixed["services"],
        credits=fixed["quota"],
        price=fixed["price"],
        valuation_card=fixed_copy("xie2015"),
        pricing_card=fixed_copy("pricing-jinxian"),
    )
    assert chain.parameters().empty
    result = monte_carlo(chain, draws=40, seed=11, per_parcel=True)
    assert not result.parameters["drawn"].any()
    assert_every_draw_is_the_run(result, fixed)


def test_evaluator_matches_the_pipeline_rerun_at_other_parameter_values(
    county: Any, chain: PriceChain
) -> None:
    """A draw of D and of the pricing rates equals re-running the stages with those values."""
    values = {
        "xie2015.D": 2000.0,
        "pricing-jinxian.discount_rate": 0.05,
        "pricing-jinxian.restoration_cost_per_mu": 30_000.0,
        "pricing-jinxian.compensation_per_mu": 12_000.0,
        "pricing-jinxian.om_per_mu_year": 450.0,
    }
    xie = override("xie2015", parameters={"D": values["xie2015.D"]}, reason="test")
    pricing = override(
        "pricing-jinxian",
        parameters={k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("pricing")},
        reason="test",
    )
    rerun = run(county, xie, pricing)
    draws = {k: np.array([v]) for k, v in values.items()}
    assert chain.evaluate(draws, output="total_price")[0] == pytest.approx(
        rerun["price"].total, rel=1e-12
    )
    assert chain.evaluate(draws, output="total_value")[0] == pytest.approx(
        rerun["services"].total(), rel=1e-12
    )
    assert chain.evaluate(draws, output="cost")[0] == pytest.approx(
        rerun["price"].totals["cost"], rel=1e-12
    )


def test_value_function_coefficients_scale_values_by_exp_delta(county: Any) -> None:
    """ln v is linear in β: raising the constant by δ multiplies every value by exp(δ)."""
    card = override(
        "brander2013",
        options={
            "inputs": {
                "constructed": 0,
                "site_area_ha": 5_000.0,
                "wetland_abundance_ha": 80_000.0,
                "population_50km": 3.0e6,
                "gcp": 1.0e4,
            }
        },
        reason="illustrative site characteristics",
    )
    # values at 2017 prices (the PPP benchmark year); 1.1 stands in for the CPI factor to 2024
    # wetland and water parcels only: the meta-data are wetlands (every priced parcel is one)
    pipeline = run(
        county, card, "pricing-jinxian", price_year=2017, price_factor=1.1, wet_only=True
    )
    chain = PriceChain(
        parcels=county.parcels,
        services=pipeline["services"],
        credits=pipeline["quota"],
        price=pipeline["price"],
        valuation_card=card,
    )
    keys = chain.parameters().index
    assert "brander2013.coefficients.constant" in keys
    assert "brander2013.coefficients.water_supply" in keys
    total = pipeline["services"].total()
    shifted = chain.evaluate(
        {"brander2013.coefficients.constant": np.array([3.74 + 0.1])}, output="total_value"
    )
    assert shifted[0] == pytest.approx(total * np.exp(0.1), rel=1e-12)
    # a service dummy moves only that service's value
    by_service = pipeline["services"].by_service()
    moved = chain.evaluate(
        {"brander2013.coefficients.water_supply": np.array([-1.30 + 0.2])}, output="total_value"
    )
    expected = total + by_service["water_supply"] * (np.exp(0.2) - 1.0)
    assert moved[0] == pytest.approx(expected, rel=1e-12)
    result = monte_carlo(chain, draws=40, seed=2, parameters=[])
    np.testing.assert_allclose(result.draws["total_value"], total, rtol=RTOL)


def test_same_seed_identical_different_seed_differs(chain: PriceChain) -> None:
    first = monte_carlo(chain, draws=300, seed=7)
    again = monte_carlo(chain, draws=300, seed=7)
    other = monte_carlo(chain, draws=300, seed=8)
    pd.testing.assert_frame_equal(first.draws, again.draws)
    pd.testing.assert_frame_equal(first.parameter_draws, again.parameter_draws)
    assert not np.allclose(first.price_draws, other.price_draws)
    generated = monte_carlo(chain, draws=50, seed=np.random.default_rng(5))
    regenerated = monte_carlo(chain, draws=50, seed=np.random.default_rng(5))
    pd.testing.assert_frame_equal(generated.draws, regenerated.draws)
    assert generated.provenance.seed is None and first.provenance.seed == 7


def test_chunk_size_does_not_change_the_result(chain: PriceChain) -> None:
    error = {"vegetation_cover": 8.0, "water_quality_class": 0.8}
    runs = [
        monte_carlo(
            chain, draws=600, seed=21, chunk_size=size, indicator_error=error, rescorings=20
        )
        for size in (7, 256, 1000)
    ]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].draws, other.draws, check_exact=True)
        pd.testing.assert_frame_equal(runs[0].summary_table, other.summary_table)
    # the first n draws of a longer run are the draws of a run of n
    shorter = monte_carlo(
        chain, draws=300, seed=21, chunk_size=64, indicator_error=error, rescorings=20
    )
    pd.testing.assert_frame_equal(shorter.draws, runs[0].draws.iloc[:300], check_exact=True)


def test_indicator_error_moves_grades_units_and_values(chain: PriceChain) -> None:
    result = monte_carlo(
        chain,
        draws=400,
        seed=4,
        parameters=[],
        indicator_error={"vegetation_cover": 10.0, "water_quality_class": 1.0},
        rescorings=30,
    )
    probabilities = result.grade_probabilities
    assert probabilities is not None
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert ((probabilities > 0) & (probabilities < 1)).any(axis=None)
    assert result.draws["units"].std() > 0
    assert result.draws["total_value"].std() > 0
    assert result.draws["market"].std() > 0  # market approach = price per unit × units


def test_convergence_and_mcse(chain: PriceChain) -> None:
    small = monte_carlo(chain, draws=256, seed=9)
    large = monte_carlo(chain, draws=8192, seed=9)
    ratio = (
        small.summary_table.loc["total_price", "relative_mcse"]
        / large.summary_table.loc["total_price", "relative_mcse"]
    )
    assert 2.5 < ratio < 12  # ≈ √(8192/256) = 5.7 for independent draws
    # the batch-means MCSE of the mean agrees with sd/√n for independent draws
    row = large.summary_table.loc["total_price"]
    assert row["mcse_mean"] == pytest.approx(row["sd"] / np.sqrt(8192), rel=0.35)
    assert large.summary_table.loc["total_price", "converged"]
    strict = monte_carlo(chain, draws=256, seed=9, tolerance=0.001)
    assert not strict.converged and "NOT met" in str(strict.summary())
    assert list(large.running.index) == [512, 1024, 2048, 4096, 8192]


def test_memory_is_bounded_by_the_chunk(chain: PriceChain) -> None:
    def peak(chunk_size: int) -> int:
        tracemalloc.start()
        monte_carlo(chain, draws=4000, seed=1, chunk_size=chunk_size, progress=False)
        _, highest = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return highest

    small, whole = peak(100), peak(4000)
    priced = len(chain.price.table)
    assert whole - small > 4000 * priced * 8  # at least one draws × parcels array less
    assert small < whole / 3


def test_progress_callback_and_bar(chain: PriceChain, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple[int, int]] = []
    monte_carlo(
        chain, draws=250, seed=1, chunk_size=100, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(100, 250), (200, 250), (250, 250)]
    monte_carlo(chain, draws=250, seed=1, chunk_size=100, progress=True)
    assert "Monte Carlo" in capsys.readouterr().err
    monte_carlo(chain, draws=250, seed=1, chunk_size=100)  # not a terminal: silent
    assert capsys.readouterr().err == ""


def test_result_round_trip_summary_plot_and_pledge(chain: PriceChain) -> None:
    import matplotlib.pyplot as plt

    result = monte_carlo(chain, draws=200, seed=1, per_parcel=True, percentiles=(2.5, 50, 97.5))
    back = MonteCarloResult.from_json(result.to_json())
    pd.testing.assert_frame_equal(back.draws, result.draws)
    pd.testing.assert_frame_equal(back.summary_table, result.summary_table)
    assert back.percentiles == (2.5, 50.0, 97.5)
    text = str(result.summary())
    assert "P97.5" in text and "standard equivalent value D" in text
    assert result.to_frame().loc["total_price", "P50"] == pytest.approx(
        np.percentile(result.price_draws, 50)
    )
    ax = result.plot()
    plt.close(ax.figure)
    loan = pledge_capacity(chain.price.total, risk_class="low", price_draws=result.price_draws)
    assert loan.price_haircut_source == "draws" and loan.n_draws == 200


def test_chain_refuses_inputs_that_do_not_reproduce_the_run(county: Any, pipeline: dict) -> None:
    first = pipeline["quota"].table.index[pipeline["quota"].table["units"] > 0][0]
    plan = RestorationPlan(
        name="R01 design",
        parcel_ids=(first,),
        quantities=pd.DataFrame(
            {"item": ["earthwork"], "unit": ["m3"], "quantity": [1000.0], "unit_cost": [25.0]}
        ),
        species=("芦苇",),
    )
    with_plan = price_quota(pipeline["quota"], services=pipeline["services"], plans=[plan])
    with pytest.raises(WetvalError, match="plans given are not those"):
        PriceChain(
            parcels=county.parcels,
            services=pipeline["services"],
            credits=pipeline["quota"],
            price=with_plan,
        )
    chain = PriceChain(
        parcels=county.parcels,
        services=pipeline["services"],
        credits=pipeline["quota"],
        price=with_plan,
        plans=(plan,),
    )
    assert chain.evaluate({})[0] == pytest.approx(with_plan.total, rel=RTOL)
    with pytest.raises(WetvalError, match=r"not the card"):
        PriceChain(
            parcels=county.parcels,
            services=pipeline["services"],
            credits=pipeline["quota"],
            price=pipeline["price"],
            valuation_card=fixed_copy("xie2015"),
        )


def test_sensitivity_on_the_chain(chain: PriceChain) -> None:
    tornado = chain.tornado("total_price")
    assert set(tornado.swings.index) == set(chain.parameters().index)
    rate = tornado.swings.loc["pricing-jinxian.discount_rate"]
    at_low = chain.evaluate({"pricing-jinxian.discount_rate": np.array([0.03])})[0]
    assert rate["output_low"] == pytest.approx(at_low, rel=1e-12)
    indices = chain.sobol("total_value", n=256, seed=3)
    # the annual service value depends on Xie's D only, never on the pricing rates
    assert indices.S1["xie2015.D"] == pytest.approx(1.0, abs=0.05)
    assert indices.ST.drop("xie2015.D").abs().max() < 1e-12
    screening = chain.morris("total_price", trajectories=10, seed=3)
    assert screening.effects["mu_star"].idxmax() in chain.parameters().index


@pytest.mark.parametrize(
    "card", ["transfer-global-wetland-syntheses", "degroot2012", "gep-garze2010"]
)
def test_other_valuation_methods_are_held_at_the_run(county: Any, card: str) -> None:
    """Methods the evaluator does not model keep the run's values, and say why."""
    condition = score(county.indicators, "jiangxi-db36-2134", county.parcels)
    frame = condition.to_frame()
    keep = (county.parcels.to_frame()["role"] == "restoration").to_numpy()
    parcels = county.parcels.subset(keep & frame["index"].notna().to_numpy())
    grades = frame.loc[parcels.ids, ["index", "grade_zh"]]
    quota = account_credits(parcels, grades.rename(columns={"grade_zh": "grade"}))
    wet = parcels.subset(np.isin(parcels.category, ["wetland", "water"]))
    services = value(wet, card, indicators=county.indicators, price_year=2017)
    price = price_quota(quota, services=services, services_price_factor=1.2)
    chain = PriceChain(
        parcels=county.parcels,
        services=services,
        credits=quota,
        price=price,
        indicators=county.indicators,
    )
    result = monte_carlo(chain, draws=300, seed=1)
    np.testing.assert_allclose(result.draws["total_value"], services.total(), rtol=RTOL)
    assert result.draws["total_price"].std() > 0  # the pricing parameters still vary
    parameters = chain.parameters()
    if card == "transfer-global-wetland-syntheses":
        row = parameters.loc[f"{card}.elasticity"]
        assert not row["enters"] and "has none" in row["note"]
        assert any("elasticity" in str(note) for note in result.notes)
    if card == "gep-garze2010":
        assert any("not propagated" in str(note) for note in result.notes)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(draws=st.integers(2, 700), chunk=st.integers(1, 800), seed=st.integers(0, 2**32))
def test_any_chunk_size_gives_the_same_draws(
    chain: PriceChain, draws: int, chunk: int, seed: int
) -> None:
    error = {"vegetation_cover": 8.0}
    whole = monte_carlo(
        chain, draws=draws, seed=seed, chunk_size=draws, indicator_error=error, rescorings=5
    )
    chunked = monte_carlo(
        chain, draws=draws, seed=seed, chunk_size=chunk, indicator_error=error, rescorings=5
    )
    pd.testing.assert_frame_equal(whole.draws, chunked.draws, check_exact=True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    low=st.floats(10_000.0, 70_000.0),
    step=st.floats(0.0, 30_000.0),
    rate=st.floats(0.01, 0.12),
)
def test_price_never_falls_as_restoration_cost_rises(
    chain: PriceChain, low: float, step: float, rate: float
) -> None:
    key = "pricing-jinxian.restoration_cost_per_mu"
    prices = chain.evaluate(
        {key: np.array([low, low + step]), "pricing-jinxian.discount_rate": np.array([rate] * 2)}
    )
    assert prices[1] >= prices[0] * (1 - 1e-12)


def test_combined_valuation_is_held_at_the_run(county: Any, pipeline: dict) -> None:
    from wetval.valuation import compare

    parcels = pipeline["parcels"]
    xie = pipeline["services"]
    gep = value(parcels, "gep-garze2010", indicators=county.indicators, price_year=2024)
    combined = compare([xie, gep]).combine(
        {"food": "xie2015", "biodiv": "xie2015", "water_storage": "gep-garze2010"}
    )
    price = price_quota(pipeline["quota"], services=combined)
    chain = PriceChain(
        parcels=county.parcels,
        services=combined,
        credits=pipeline["quota"],
        price=price,
        condition=pipeline["condition"],
        indicators=county.indicators,
    )
    assert "xie2015.D" not in chain.parameters().index
    assert any("held at the run" in str(note) for note in chain.notes)
    result = monte_carlo(
        chain, draws=100, seed=1, indicator_error={"vegetation_cover": 8.0}, rescorings=5
    )
    np.testing.assert_allclose(result.draws["total_value"], combined.total(), rtol=RTOL)
    assert result.draws["total_price"].std() > 0


def with_distribution(card_id: str, name: str, value: float, source: str) -> Card:
    """The card with parameter ``name`` (added when absent) uniform over ±10 % of ``value``."""
    data = load_card(card_id).model_dump(mode="json", exclude_none=True)
    parameter = data["parameters"].setdefault(name, {"value": value, "unit": "1", "source": source})
    parameter["distribution"] = {"kind": "uniform", "low": 0.9 * value, "high": 1.1 * value}
    return Card.from_mapping(data)


def test_distributions_on_cards_the_chain_holds_are_listed_and_noted(county: Any) -> None:
    """A distribution on a quota-, fund- or condition-card parameter is held, and says so."""
    quota_card = with_distribution("quota-jinxian", "time_lag_years", 5.0, "jinxian2023")
    fund_card = with_distribution("funds-jinxian", "township_share", 0.2, "jinxian2023-annex2")
    condition_card = with_distribution("jiangxi-db36-2134", "survey_error", 0.05, "db36")
    condition = score(county.indicators, condition_card, county.parcels)
    frame = condition.to_frame()
    keep = (county.parcels.to_frame()["role"] == "restoration").to_numpy()
    parcels = county.parcels.subset(keep & frame["index"].notna().to_numpy())
    grades = frame.loc[parcels.ids, ["index", "grade_zh"]].rename(columns={"grade_zh": "grade"})
    quota = account_credits(parcels, grades, quota_card)
    services = value(parcels, "xie2015", condition=condition, price_year=2024)
    price = price_quota(quota, services=services, fund_card=fund_card)
    chain = PriceChain(
        parcels=county.parcels,
        services=services,
        credits=quota,
        price=price,
        condition=condition,
        indicators=county.indicators,
        condition_card=condition_card,
        fund_card=fund_card,
    )
    parameters = chain.parameters()
    held = {
        "quota-jinxian.time_lag_years": ("quota", "quota credits"),
        "funds-jinxian.township_share": ("pricing", "township and centre shares"),
        "jiangxi-db36-2134.survey_error": ("condition", "indicator measurement error"),
    }
    for key, (stage, why) in held.items():
        row = parameters.loc[key]
        assert not row["enters"] and row["stage"] == stage
        assert row["note"].startswith("held at its central value: ") and why in row["note"]
        assert 0.9 * row["central"] <= row["low"] < row["central"] < row["high"]
        assert row["high"] <= 1.1 * row["central"]
    # the parameters that do enter are unchanged, and only they are drawn
    assert parameters["enters"].any()
    result = monte_carlo(chain, draws=50, seed=1)
    for key in held:
        assert any(
            isinstance(note, Message)
            and note.key == "n_parameter"
            and note.mapping()["parameter"] == Term(f"param_{key.rsplit('.', 1)[-1]}", key)
            and "held at its central value: " in str(note)
            for note in result.notes
        )
    with pytest.raises(WetvalError, match="non-entering"):
        chain.evaluate({"funds-jinxian.township_share": np.array([0.25])})


@pytest.fixture(scope="module")
def demo_assessment() -> Any:
    from wetval.assess import assess
    from wetval.datasets import sample_project

    return assess(sample_project())


def test_demo_odd_figures_are_explained(demo_assessment: Any) -> None:
    # issue 16: a zero tornado swing for restoration cost, a "high" equal to the base for the
    # discount rate and D, and a deterministic annual value above its own Monte Carlo P95
    mc, tornado, price = (
        demo_assessment.uncertainty,
        demo_assessment.sensitivity,
        demo_assessment.price,
    )
    # every demo restoration project has a bill of quantities, so the card's per-亩 works rate
    # reaches no parcel: the chain holds it (and says why) instead of drawing it to no effect
    row = mc.parameters.loc["pricing-jinxian.restoration_cost_per_mu"]
    assert not row["enters"] and not row["drawn"]
    assert "restoration plan's works cost" in row["note"]
    per_mu = price.table["works"] / price.table["area_mu"]
    assert (per_mu < 20_000).all()  # the plans' ~10,100–12,900 yuan/亩, not the card's 40,000
    assert "pricing-jinxian.restoration_cost_per_mu" not in tornado.swings.index
    # one-sided ranges: the card value is the top of the distribution (D: mode = max = the
    # net-profit 3406.5, min the 1/7-rule 1498.58; the rate: 8 % of the 2006 guide, range 3–8 %)
    for key in ("xie2015.D", "pricing-jinxian.discount_rate"):
        assert mc.parameters.loc[key, "central"] == mc.parameters.loc[key, "high"]
        assert tornado.swings.loc[key, "output_high"] == tornado.base_output
    # so no draw of D exceeds the run's, and the annual value of every draw is at most the run's
    # (D scales every service value; indicator error does not reach this demo's values)
    values = mc.draws["total_value"].to_numpy()
    deterministic = mc.summary_table.loc["total_value", "deterministic"]
    assert (mc.parameter_draws["xie2015.D"] <= 3406.5).all()
    assert (values <= deterministic * (1 + 1e-12)).all()
    assert mc.summary_table.loc["total_value", "P95"] < deterministic
