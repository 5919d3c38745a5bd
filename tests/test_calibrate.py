"""Calibration: value-function fitting, its card round trip, expert and data weights.

Study values are SYNTHETIC (``synthetic_study_values``), drawn from the
Brander, Brouwer & Wagtendonk (2013) Table 3 coefficients with a study effect
and noise, so the true coefficients are known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wetval.calibrate import (
    BRANDER_2013,
    SITE_VARIABLES,
    data_weights,
    expert_weights,
    fit_value_function,
    synthetic_study_values,
)
from wetval.calibrate.weights import combined_weights
from wetval.cards import load_card
from wetval.condition import score
from wetval.errors import CardError, ValidationError
from wetval.tables import ParcelTable
from wetval.valuation import value

SERVICES = pd.DataFrame(
    {
        "name_zh": ["洪水调控", "供水", "水质改善"],
        "name_en": ["flood control", "water supply", "water quality"],
        "group": "regulating",
        "concept": ["water_regulation", "water_supply", "water_purification"],
    },
    index=["flood_control", "water_supply", "water_quality"],
)


@pytest.fixture(scope="module")
def studies() -> pd.DataFrame:
    return synthetic_study_values(300, seed=2024)


@pytest.fixture(scope="module")
def fit(studies: pd.DataFrame) -> Any:
    return fit_value_function(
        studies,
        site=SITE_VARIABLES,
        reference_service="flood_control",
        currency="CNY",
        price_year=2017,
    )


def test_generator_coefficients_are_the_brander2013_card() -> None:
    # the generator's "true" coefficients are written in code; they must stay Table 3's
    table = load_card("brander2013").table("coefficients")
    assert table["coefficient"].to_dict() == BRANDER_2013
    site = table[~table["transform"].eq("constant") & ~table["input"].eq("service")]
    assert {
        str(v): (str(row["transform"]), str(row["input"])) for v, row in site.iterrows()
    } == SITE_VARIABLES


def test_fit_recovers_the_true_coefficients_within_three_standard_errors(fit: Any) -> None:
    table = fit.coefficients
    for variable, true in BRANDER_2013.items():
        estimate, se = table.loc[variable, "coefficient"], table.loc[variable, "se"]
        assert abs(estimate - true) < 3 * se, (variable, estimate, true, se)
    # the slopes are pinned down far better than the intercept (its s.e. is wide here too)
    assert table.loc["wetland_area", "se"] < 0.05
    assert set(fit.services) == set(SERVICES.index) and fit.services[0] == "flood_control"


def test_clustered_errors_cover_the_truth_at_about_95_percent() -> None:
    """Over 40 synthetic data sets the clustered 95 % intervals of the slopes cover the truth."""
    hits, total = 0, 0
    for seed in range(40):
        data = synthetic_study_values(60, seed=1000 + seed)
        result = fit_value_function(
            data, site=SITE_VARIABLES, reference_service="flood_control", price_year=2007
        )
        table = result.coefficients
        for variable in ("wetland_area", "wetland_abundance", "population", "gcp"):
            hits += abs(table.loc[variable, "coefficient"] - BRANDER_2013[variable]) < (
                1.96 * table.loc[variable, "se"]
            )
            total += 1
    assert 0.85 <= hits / total <= 0.99


def test_diagnostics(fit: Any, studies: pd.DataFrame) -> None:
    stats = fit.statistics
    assert stats["n"] == len(studies) and stats["studies"] == 300
    assert 0 < stats["adj_r2"] < stats["r2"] < 1
    # residuals are normal and homoskedastic by construction: the tests should not reject
    assert stats["shapiro_p"] > 0.01 and stats["breusch_pagan_p"] > 0.01
    assert (fit.vif > 1).all() and (fit.vif < 5).all()
    # residual s.d. ≈ √(0.5² + 0.8²) = 0.94 of the generator
    assert stats["sigma"] == pytest.approx(np.hypot(0.5, 0.8), rel=0.1)
    errors = fit.transfer_errors
    assert len(errors) == len(studies)
    assert stats["loso_median_ape"] == pytest.approx(errors["ape"].median())
    assert 20 < stats["loso_median_ape"] < 150
    assert "clustered by study" in str(fit.summary())


def test_leave_one_study_out_predicts_each_study_without_it(studies: pd.DataFrame) -> None:
    small = studies[studies["study"].isin(studies["study"].unique()[:25])]
    result = fit_value_function(
        small, site=SITE_VARIABLES, reference_service="flood_control", price_year=2007
    )
    first = small["study"].iloc[0]
    others = small[small["study"] != first]
    refit = fit_value_function(
        others, site=SITE_VARIABLES, reference_service="flood_control", price_year=2007
    )
    rows = small[small["study"] == first]
    expected = [
        refit.predict(rows.iloc[[k]], service=rows["service"].iloc[k]).iloc[0]
        for k in range(len(rows))
    ]
    got = result.transfer_errors[result.transfer_errors["study"] == first]["predicted"]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-10)


def test_card_round_trip_reproduces_the_predictions(fit: Any, tmp_path: Path) -> None:
    card = fit.to_card(
        id="synthetic-mra",
        title={"zh": "合成元回归", "en": "synthetic meta-regression"},
        services=SERVICES,
        citation="SYNTHETIC study values (wetval.calibrate.synthetic_study_values, seed 2024)",
        created="2026-11-29",
    )
    path = tmp_path / "synthetic-mra.toml"
    path.write_text(card.to_toml(), encoding="utf-8")
    loaded = load_card(path)
    assert loaded.hash == card.hash
    table = loaded.table("coefficients")
    assert (table["coefficient"].to_numpy() == fit.coefficients["coefficient"].to_numpy()).all()
    assert (table["se"].to_numpy() == fit.coefficients["se"].to_numpy()).all()
    assert loaded.option("data_hash") == fit.data_hash
    assert "SYNTHETIC" in loaded.source("data").note
    # value 1-ha parcels with the site characteristics as parcel columns
    sites = synthetic_study_values(5, seed=9).drop_duplicates("study").reset_index(drop=True)
    frame = sites[["constructed", *[c for _, c in list(SITE_VARIABLES.values())[1:]]]].copy()
    frame["parcel_id"] = [f"P{k}" for k in range(len(frame))]
    frame["land_class"] = "1106"
    frame["area_m2"] = 10_000.0
    parcels = ParcelTable.from_frame(frame)
    valued = value(parcels, loaded, price_year=2017)
    # 1 ha: the area scale is 10 000 m² × (1 / 10 000 ha per m²), exactly 1.0, so the card's
    # value and the fit's prediction are the same floating-point operations
    assert (parcels.area("m2") * (1.0 / 10_000.0) == 1.0).all()
    for service in SERVICES.index:
        expected = fit.predict(frame, service=service).to_numpy()
        np.testing.assert_array_equal(valued.values[service].to_numpy(), expected)
    # the interval uses the fit's clustered covariance
    assert "covariance" in valued.interval
    with pytest.raises(CardError, match="installed"):
        fit.to_card(id="brander2013", title={"zh": "x", "en": "x"}, services=SERVICES, citation="x")


def test_bad_study_table_names_every_problem(studies: pd.DataFrame) -> None:
    bad = studies.head(10).copy()
    bad.loc[bad.index[0], "value"] = 0.0
    bad.loc[bad.index[1], "site_area_ha"] = -5.0
    bad.loc[bad.index[2], "constructed"] = 2
    with pytest.raises(ValidationError) as error:
        fit_value_function(bad, site=SITE_VARIABLES, price_year=2007)
    text = str(error.value)
    assert "value must be a positive number" in text
    assert "site_area_ha" in text and "constructed" in text
    with pytest.raises(ValidationError, match="gdp"):
        fit_value_function(studies, site={"income": ("ln", "gdp")}, price_year=2007)


def test_estimate_without_a_service_is_refused(studies: pd.DataFrame) -> None:
    # without its service an estimate would get no dummy, i.e. count as the reference
    bad = studies.head(20).copy()
    bad.loc[bad.index[3], "service"] = None
    with pytest.raises(ValidationError) as error:
        fit_value_function(bad, site=SITE_VARIABLES, price_year=2007)
    problems = error.value.problems
    assert problems[["row", "column"]].values.tolist() == [[bad.index[3], "service"]]


def consistent_matrix(weights: np.ndarray) -> np.ndarray:
    """Pairwise matrix w_i / w_j rounded to Saaty's scale."""
    from wetval.calibrate.weights import SAATY_SCALE

    ratios = weights[:, None] / weights[None, :]
    nearest = SAATY_SCALE[
        np.abs(np.log(SAATY_SCALE)[None, None, :] - np.log(ratios)[..., None]).argmin(-1)
    ]
    return np.triu(nearest, 1) + np.tril(1.0 / nearest.T, -1) + np.eye(len(weights))


def test_group_ahp_points_at_the_least_consistent_judgement() -> None:
    items = ["water_quality_class", "vegetation_cover", "biomass", "disturbance"]
    true = np.array([0.45, 0.3, 0.15, 0.1])
    experts = {}
    for name in ("A", "B", "C"):
        experts[name] = pd.DataFrame(consistent_matrix(true), index=items, columns=items)
    # expert C reverses one judgement: biomass is now 5× as important as water quality
    flipped = experts["C"].copy()
    flipped.loc["water_quality_class", "biomass"] = 1 / 5
    flipped.loc["biomass", "water_quality_class"] = 5.0
    experts["C"] = flipped
    result = expert_weights(experts)
    worst = result.least_consistent(1).iloc[0]
    assert (worst["expert"], worst["row"], worst["column"]) == (
        "C",
        "water_quality_class",
        "biomass",
    )
    assert worst["given"] == pytest.approx(0.2)
    assert result.consistency.loc["C", "cr"] > result.consistency.loc["A", "cr"]
    assert not result.consistency.loc["C", "consistent"]
    assert result.weights.idxmax() == "water_quality_class"
    assert result.weights.sum() == pytest.approx(1.0)
    assert "least-consistent judgements" in str(result.summary())


def test_weights_card_round_trip_index_card(county: Any, tmp_path: Path) -> None:
    base = load_card("psr-entropy-topsis")
    items = list(base.table("items").index)
    true = np.linspace(2.0, 1.0, len(items))
    true /= true.sum()
    matrices = {
        name: pd.DataFrame(consistent_matrix(true), index=items, columns=items) for name in "AB"
    }
    weights = expert_weights(matrices)
    card = weights.to_card(
        base, id="psr-ahp-topsis", citation="two SYNTHETIC experts", created="2026-11-29"
    )
    path = tmp_path / "psr-ahp-topsis.toml"
    path.write_text(card.to_toml(), encoding="utf-8")
    loaded = load_card(path)
    assert loaded.option("weights") == "card"
    # the fit statistics and the data's hash travel with the card
    assert loaded.option("data_hash") == weights.data_hash
    assert len(weights.data_hash) == 64
    assert loaded.option("weight_method") == "group-ahp"
    assert loaded.option("experts") == 2
    statistics = loaded.table("fit_statistics")
    assert list(statistics.index) == ["A", "B", "group"]
    pd.testing.assert_frame_equal(
        statistics[["lambda_max", "ci", "cr", "consistent"]],
        weights.consistency[["lambda_max", "ci", "cr", "consistent"]],
        check_names=False,
        check_exact=True,
    )
    result = score(county.indicators, loaded, county.parcels)
    np.testing.assert_allclose(
        result.weights["weight"].to_numpy(), weights.weights.reindex(items).to_numpy(), rtol=1e-12
    )


def test_weights_card_round_trip_points_card(county: Any, tmp_path: Path) -> None:
    base = load_card("jiangxi-db36-2134")
    before = score(county.indicators, base, county.parcels)
    scores = before.normalised.dropna()
    objective = data_weights(scores, dict.fromkeys(scores.columns, "higher_better"))
    card = objective.to_card(
        base, id="jiangxi-entropy", citation="entropy of the SYNTHETIC sample county's scores"
    )
    path = tmp_path / "jiangxi-entropy.toml"
    path.write_text(card.to_toml(), encoding="utf-8")
    loaded = load_card(path)
    assert loaded.option("data_hash") == objective.data_hash
    assert loaded.option("weight_method") == "entropy"
    # entropy weights have no consistency: no fit_statistics table, no expert count
    assert "fit_statistics" not in loaded.tables and loaded.option("experts") is None
    after = score(county.indicators, loaded, county.parcels)
    # the rules keep their shape: every item score is unchanged; only the weights move
    pd.testing.assert_frame_equal(after.normalised, before.normalised)
    w = objective.weights.reindex(after.normalised.columns).to_numpy()
    complete = after.normalised.dropna()
    expected = np.round(complete.to_numpy() @ w, 12)
    np.testing.assert_allclose(after.parcels.loc[complete.index, "index"], expected, atol=1e-12)
    critic = data_weights(scores, dict.fromkeys(scores.columns, "higher_better"), method="critic")
    mixed = combined_weights(objective, critic, 0.5)
    np.testing.assert_allclose(mixed.weights, 0.5 * objective.weights + 0.5 * critic.weights)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_fit_does_not_depend_on_row_order(seed: int) -> None:
    data = synthetic_study_values(40, seed=11)
    shuffled = data.sample(frac=1.0, random_state=np.random.default_rng(seed))
    first, second = (
        fit_value_function(
            d, site=SITE_VARIABLES, reference_service="flood_control", price_year=2007
        )
        for d in (data, shuffled)
    )
    np.testing.assert_allclose(
        first.coefficients["coefficient"], second.coefficients["coefficient"], rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(first.coefficients["se"], second.coefficients["se"], rtol=1e-9)
    assert first.statistics["loso_median_ape"] == pytest.approx(
        second.statistics["loso_median_ape"], rel=1e-9
    )


def test_bad_weights_and_reference_service_name_the_argument(studies: pd.DataFrame) -> None:
    with pytest.raises(ValidationError) as error:
        fit_value_function(
            studies, site=SITE_VARIABLES, price_year=2007, weights="nocol", reference_service="nope"
        )
    problems = error.value.problems.set_index("column")
    assert problems.loc["weights", "value"] == "nocol"
    assert "'inverse-count'" in problems.loc["weights", "fix"]
    assert "value" in problems.loc["weights", "fix"]  # lists the study table's columns
    assert problems.loc["reference_service", "value"] == "nope"
    for service in studies["service"].unique():
        assert service in problems.loc["reference_service", "fix"]
    bad = studies.assign(w=1.0)
    bad.loc[bad.index[[2, 5]], "w"] = [0.0, np.nan]
    with pytest.raises(ValidationError) as error:
        fit_value_function(bad, site=SITE_VARIABLES, price_year=2007, weights="w")
    rows = error.value.problems
    assert rows["row"].tolist() == list(bad.index[[2, 5]])
    assert set(rows["column"]) == {"w"}
    # a site variable named like a service would share its coefficient
    clash = {"water_supply": ("ln", "site_area_ha")}
    with pytest.raises(ValidationError, match="water_supply"):
        fit_value_function(studies, site=clash, price_year=2007)
