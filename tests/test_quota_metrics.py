"""International credit metrics: UMAM, the UK statutory biodiversity metric and HEA.

Sources of the expected numbers are cited at each test: the Florida rule table
(law.cornell.edu, Fla. Admin. Code R. 62-345.600 Table 1), the worked examples in
Defra's own engine tests (DEFRA/bng-metric-backend:bng-metric-engine/src/
post-intervention.test.js@1d2e852 and trading-rules.test.js@525dbfe), abitat's port
of the official workbook (abitatdotdev/bng:src/onSite/habitatCreation.test.ts@0675cf7,
src/tradingSummaries/habitats.test.ts@1c82b91), and hand computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from wetval.cards import Card, load_card
from wetval.errors import ValidationError, WetvalError
from wetval.quota import (
    hea_dsays,
    hea_required_area,
    measure_hea,
    measure_uk_metric,
    measure_umam,
    uk_baseline_units,
    uk_created_units,
    uk_enhanced_units,
    uk_final_time_to_target,
    uk_temporal_multiplier,
    uk_trading_summary,
    umam_score,
    umam_time_lag_factor,
)


def _with(card_id: str, **options: object) -> Card:
    card = load_card(card_id)
    return card.model_copy(update={"options": {**card.options, **options}})


# ------------------------------------------------------------------------------ UMAM
# Fla. Admin. Code R. 62-345.600 Table 1 as read on law.cornell.edu (rows up to 16-20 years).
RULE_TABLE = {
    0: 1.0, 1: 1.0, 2: 1.03, 3: 1.07, 4: 1.10, 5: 1.14,
    6: 1.25, 8: 1.25, 10: 1.25, 11: 1.46, 15: 1.46, 16: 1.68, 20: 1.68,
}  # fmt: skip


@pytest.mark.parametrize(("years", "t_factor"), sorted(RULE_TABLE.items()))
def test_umam_t_factor_reproduces_the_rule_table(years: int, t_factor: float) -> None:
    assert umam_time_lag_factor(years) == t_factor


def test_umam_t_factor_unverified_rows_are_marked_and_rounding_is_a_setting() -> None:
    card = load_card("umam-fac-62-345")
    table = card.table("t_factor")
    assert not table.loc[table.index > 20, "verified"].any()
    assert table.loc[table.index <= 20, "verified"].all()
    assert umam_time_lag_factor(21) == 1.92 and umam_time_lag_factor(80) == 3.91
    assert umam_time_lag_factor(5.5) == 1.25  # rounded up to 6 years (conservative)
    assert umam_time_lag_factor(5.5, _with("umam-fac-62-345", year_rounding="floor")) == 1.14
    np.testing.assert_array_equal(umam_time_lag_factor(np.array([1, 2, 30])), [1.0, 1.03, 2.18])
    with pytest.raises(WetvalError, match=r"≥ 0.*0 when it does so before the impact"):
        umam_time_lag_factor(-1)


def test_umam_score_normalisation() -> None:
    assert umam_score(7, 7, 8)[()] == pytest.approx(22 / 30)
    # open water: community structure not scored -> / 20
    assert umam_score(7, 4, np.nan)[()] == pytest.approx(11 / 20)
    assert umam_score(7, 7, 8, dp=2)[()] == 0.73


def test_umam_worked_example_full_precision_and_two_decimals() -> None:
    # Hand computation of the card's example:
    #   impact: 2 acres from (7,7,7)/30 = 0.7 to 0 -> FL = 1.4
    #   mitigation: (4,4,4)/30 = 0.4 -> (7,7,8)/30 = 22/30; delta = 1/3;
    #   T(5 yr) = 1.14, risk 1.5 -> RFG = (1/3)/1.71; credits = 10 RFG; acres = 1.4 / RFG
    example = load_card("umam-fac-62-345").table("example").reset_index()
    full = measure_umam(example)
    rfg = (1 / 3) / (1.14 * 1.5)
    assert full.functional_loss == pytest.approx(1.4)
    assert full.table.loc["mitigation-1", "rfg"] == pytest.approx(rfg)
    assert full.credits == pytest.approx(10 * rfg)
    assert full.table.loc["mitigation-1", "acres_needed"] == pytest.approx(1.4 / rfg)  # 7.182
    assert full.net == pytest.approx(10 * rfg - 1.4)
    # rounding scores to the form's two decimals first: delta = 0.73 − 0.40 = 0.33
    rounded = measure_umam(example, _with("umam-fac-62-345", score_dp=2))
    rfg2 = 0.33 / 1.71
    assert rounded.table.loc["mitigation-1", "acres_needed"] == pytest.approx(1.4 / rfg2)  # 7.2545
    assert rounded.provenance.options["score_dp"] == 2
    assert rounded.table.loc["mitigation-1", "acres_needed"] - 1.4 / rfg > 0.07
    assert "net" in str(full.summary())


def test_umam_preservation_uses_the_adjustment_factor() -> None:
    table = pd.DataFrame(
        [
            {"id": "p", "role": "preservation", "acres": 30.0, "location_before": 7,
             "water_before": 7, "community_before": 7, "location_after": 8, "water_after": 8,
             "community_after": 8, "years": 0, "risk": 1.0, "paf": 0.4},
        ]
    )  # fmt: skip
    result = measure_umam(table)
    # delta = (24/30 − 21/30) × 0.4 = 0.04; T = 1 (already in place), risk 1 -> credits 1.2
    assert result.credits == pytest.approx(30 * 0.1 * 0.4)


def test_umam_validation_names_rows() -> None:
    table = load_card("umam-fac-62-345").table("example").reset_index()
    table = table.astype({"water_after": float, "risk": float, "role": object})
    table.loc[0, "location_before"] = 11
    table.loc[1, "water_after"] = 7.5
    table.loc[1, "risk"] = 1.1
    table.loc[1, "role"] = "offset"
    with pytest.raises(ValidationError) as caught:
        measure_umam(table)
    columns = set(caught.value.problems["column"])
    assert columns == {"location_before", "water_after", "risk", "role"}
    with pytest.raises(ValidationError) as caught:
        measure_umam(table.drop(columns=["years", "risk"]))
    # a missing column is no row's fault: the problem names the column only
    assert caught.value.problems["row"].isna().all()
    assert set(caught.value.problems["column"]) == {"years", "risk"}


# -------------------------------------------------------------------- UK statutory metric
# abitat's temporal multipliers (full precision, workbook G-4) and Defra's 3-dp table.
TEMPORAL = {
    0: (1, 1), 1: (0.965, 0.965), 2: (0.931225, 0.931), 3: (0.898632125, 0.899),
    5: (0.8368287006, 0.837), 7: (0.7792758067, 0.779), 10: (0.7002822742, 0.7),
    12: (0.6521203607, 0.652), 15: (0.5860163055, 0.586), 20: (0.4903952635, 0.49),
    25: (0.4103768311, 0.41), 30: (0.3434151104, 0.343), 35: (0.3197967361, 0.32),
}  # fmt: skip


@pytest.mark.parametrize(("years", "values"), sorted(TEMPORAL.items()))
def test_uk_temporal_multiplier_both_precisions(years: int, values: tuple[float, float]) -> None:
    full, dp3 = values
    assert uk_temporal_multiplier(years)[0] == pytest.approx(full, abs=5e-11)
    assert uk_temporal_multiplier(
        years, _with("uk-statutory-metric-2024", temporal_precision="3dp")
    )[0] == pytest.approx(dp3, abs=1e-12)


def test_uk_temporal_table_is_0965_to_the_t() -> None:
    table = load_card("uk-statutory-metric-2024").table("temporal")
    t = np.arange(31)
    np.testing.assert_allclose(table.loc[[str(x) for x in t], "full"], 0.965**t, atol=5e-11)
    assert table.loc["30+", "full"] == pytest.approx(0.965**32, abs=5e-11)
    assert not np.allclose(table["full"], 1 / 1.035 ** np.r_[t, 32])  # not 1/1.035^t


def test_uk_defra_worked_examples() -> None:
    # DEFRA/bng-metric-backend post-intervention.test.js@1d2e852 (toBeCloseTo, 2 digits)
    card = load_card("uk-statutory-metric-2024")
    result = measure_uk_metric(card.table("example").reset_index(), card)
    units = result.table["units"]
    assert units["retained-modified-grassland"] == 400  # 100 ha × 2 × 2 × 1
    # 1 × 2 × 2 × 0.965^4 × 1 = 3.46872, published 3.468
    assert units["created-modified-grassland"] == pytest.approx(4 * 0.965**4)
    assert abs(units["created-modified-grassland"] - 3.468) < 0.005
    # ((6 − 4) × 1 × 0.965^10 + 4) × 1 = 5.40056, published 5.4
    assert units["enhanced-moderate-to-good"] == pytest.approx(2 * 0.965**10 + 4)
    assert abs(units["enhanced-moderate-to-good"] - 5.4) < 0.005
    # ((18 − 4) × 0.33 × T(30) + 4): full precision 5.58658, Defra's 3-dp table 5.58466
    assert units["enhanced-to-calcareous"] == pytest.approx(14 * 0.33 * 0.965**30 + 4)
    dp3 = measure_uk_metric(
        card.table("example").reset_index(), _with(card.id, temporal_precision="3dp")
    ).table["units"]
    assert dp3["enhanced-to-calcareous"] == pytest.approx(14 * 0.33 * 0.343 + 4)
    assert abs(dp3["enhanced-to-calcareous"] - 5.585) < 0.0005  # published 5.585
    assert dp3["created-modified-grassland"] == pytest.approx(4 * 0.867)


def test_uk_strategic_significance_setting() -> None:
    high = uk_baseline_units(2.0, "High", "Good", "High")
    assert high[0] == pytest.approx(2 * 6 * 3 * 1.15)
    fixed = _with("uk-statutory-metric-2024", strategic_significance="fixed_at_1")
    assert uk_baseline_units(2.0, "High", "Good", "High", fixed)[0] == pytest.approx(36)


def test_uk_wetland_reedbed_creation_by_hand() -> None:
    # Wetland – Reedbeds (UKHab f2e): High (6), creation Medium (0.67), Good in 12 years
    reedbed = (
        load_card("uk-statutory-metric-2024").table("wetland_habitats").loc["Wetland - Reedbeds"]
    )
    units = uk_created_units(
        1.5, reedbed["band"], "Good", "Medium", reedbed["t_good"], reedbed["creation_difficulty"]
    )
    assert units[0] == pytest.approx(1.5 * 6 * 3 * 1.10 * 0.965**12 * 0.67)
    # off site in a neighbouring authority: × 0.75
    offsite = uk_created_units(
        1.5, "High", "Good", "Medium", 12, "Medium", spatial_risk="neighbouring"
    )
    assert offsite[0] == pytest.approx(units[0] * 0.75)


def test_uk_creation_in_advance_and_delay() -> None:
    # created entirely in advance: t = 0 and difficulty Low (abitat habitatCreation.test.ts)
    advance = uk_created_units(1.0, "High", "Good", "Low", 20, "High", advance=25)
    assert advance[0] == pytest.approx(6 * 3)
    # 20 years + 5 delay = 25; 20 − 5 advance = 15 (multiplier 0.5860163055)
    np.testing.assert_array_equal(uk_final_time_to_target([20, 20], [0, 5], [5, 0]), [25, 15])
    with pytest.raises(ValueError, match="both in advance and delayed"):
        uk_final_time_to_target(20, 5, 3)
    # 25 + 10 delay = 35 -> "30+" = 0.965^32
    late = uk_created_units(1.0, "Low", "Poor", "Low", 25, "Low", delay=10)
    assert late[0] == pytest.approx(2 * 1 * 0.3197967361)


def test_uk_enhancement_condition_fall_uses_the_new_condition() -> None:
    # baseline Good (3) enhanced to Moderate (2): C0* = min(3, 2) = 2 -> no loss, no gain
    units = uk_enhanced_units(1.0, "Medium", "Good", "Medium", "Moderate", "Low", 5, "Low")
    assert units[0] == pytest.approx(4 * 2)


def test_uk_significant_figures_setting() -> None:
    exact = uk_baseline_units(1 / 3, "Medium", "Moderate", "Low", _with(
        "uk-statutory-metric-2024", significant_figures="none"))[0]  # fmt: skip
    excel = uk_baseline_units(1 / 3, "Medium", "Moderate", "Low")[0]
    # Defra rounds every intermediate to 15 significant figures (utils.js@98b7ebb):
    # 1/3 × 4 -> 1.33333333333333, × 2 -> 2.66666666666666 (not 2.66666666666667)
    assert excel == float("2.66666666666666")
    assert exact == 8 / 3


def test_uk_trading_rules_reproduce_defra_worked_example() -> None:
    # BMD-995 worked example, Defra trading-rules.test.js@525dbfe
    habitats = pd.DataFrame(
        {
            "habitat": ["Ditches", "Canals", "Culvert"],
            "broad_habitat": ["Ditches", "Canals", "Culvert"],
            "band": ["Medium", "Medium", "Low"],
            "baseline_units": [28.13, 24.86, 22.44],
            "post_units": [41.05, 18.68, 0.95],
        }
    )
    summary = uk_trading_summary(habitats)
    assert summary.loc["Medium", "surplus"] == pytest.approx(12.92)
    assert summary.loc["Medium", "deficit"] == pytest.approx(-6.18)
    assert summary.loc["Low", "net"] == pytest.approx(-21.49)
    assert summary.loc["Low", "cumulative"] == pytest.approx(-8.57)
    assert not summary.loc["Low", "satisfied"]


@pytest.mark.parametrize(
    ("rows", "band", "satisfied"),
    [
        # abitat habitats.test.ts: V.High and High surpluses offset Medium losses (5 + 6 − 10 ≥ 0)
        ([("VH", "G", "Very High", 0, 5), ("H", "G", "High", 0, 6), ("M", "C", "Medium", 10, 0)],
         "Medium", True),
        # Medium gains 15, Low loses 10 -> 5 ≥ 0
        ([("M", "C", "Medium", 0, 15), ("L", "C", "Low", 10, 0)], "Low", True),
        # a negative Medium result does not carry down
        ([("M", "C", "Medium", 5, 0), ("L", "C", "Low", 3, 0)], "Low", False),
        # V.High surplus never offsets High losses (same habitat required)
        ([("VH", "G", "Very High", 0, 50), ("H", "G", "High", 15, 0)], "High", False),
        # two V.High habitats: a gain in one never offsets a loss in another
        ([("VH1", "G", "Very High", 0, 10), ("VH2", "G", "Very High", 15, 0)], "Very High", False),
        # Medium surpluses do not cross broad habitats
        ([("M1", "Grassland", "Medium", 10, 0), ("M2", "Heathland", "Medium", 0, 21)],
         "Medium", False),
    ],
)  # fmt: skip
def test_uk_trading_rules_cases(rows: list[tuple], band: str, satisfied: bool) -> None:  # type: ignore[type-arg]
    frame = pd.DataFrame(
        rows, columns=["habitat", "broad_habitat", "band", "baseline_units", "post_units"]
    )
    assert bool(uk_trading_summary(frame).loc[band, "satisfied"]) is satisfied


def test_uk_net_gain_and_errors() -> None:
    table = pd.DataFrame(
        [
            {"id": "a", "action": "baseline", "habitat": "Reedbeds", "broad_habitat": "Wetland",
             "area_ha": 1.0, "band": "High", "condition": "Moderate", "strategic": "Low"},
            {"id": "b", "action": "created", "habitat": "Reedbeds", "broad_habitat": "Wetland",
             "area_ha": 2.0, "band": "High", "condition": "Moderate", "strategic": "Low",
             "years": 7, "difficulty": "Medium"},
        ]
    )  # fmt: skip
    result = measure_uk_metric(table)
    created = 2 * 6 * 2 * 0.965**7 * 0.67
    assert result.baseline_units == pytest.approx(12)
    assert result.post_units == pytest.approx(created)
    assert result.required_units == pytest.approx(13.2)
    assert result.shortfall == pytest.approx(13.2 - created)
    assert result.statutory_credits == pytest.approx(2 * (13.2 - created))
    # the trading rules are met (High net ≥ 0) but the 10 % net gain is not
    assert result.trading.loc["High", "satisfied"]
    assert 0 < result.net_change < 0.10
    with pytest.raises(ValidationError) as caught:
        uk_baseline_units([1.0, 1.0], ["High", "Ultra"], ["Good", "Excellent"], ["Low", "Low"])
    assert set(caught.value.problems["column"]) == {"distinctiveness", "condition"}


def test_uk_table_errors_name_every_row_and_column_at_once() -> None:
    card = load_card("uk-statutory-metric-2024")
    table = card.table("example").reset_index().astype({"years": float})
    table.loc[0, "band"] = "Ultra"  # a retained row
    table.loc[1, "years"] = 2.5  # a created row
    table.loc[3, "condition"] = "Superb"  # an enhanced row
    with pytest.raises(ValidationError) as caught:
        measure_uk_metric(table, card)
    problems = caught.value.problems.set_index("column")
    assert problems["row"].to_dict() == {
        "band": "retained-modified-grassland",
        "years": "created-modified-grassland",
        "condition": "enhanced-to-calcareous",
    }


# ------------------------------------------------------------------------------------- HEA
def test_hea_both_timing_conventions_by_hand() -> None:
    # 10 acres, total loss at year 0 recovering linearly to none at year 4, r = 3 %, C = 0
    begin = 10 * (1 + 0.75 / 1.03 + 0.5 / 1.03**2 + 0.25 / 1.03**3)  # 24.2824
    mid = 10 * (0.875 + 0.625 / 1.03 + 0.375 / 1.03**2 + 0.125 / 1.03**3)  # 19.4966
    end = 10 * (0.75 + 0.5 / 1.03 + 0.25 / 1.03**2)  # 14.7109
    args = {"start": 0, "end": 4, "area": 10, "rate": 0.03}
    assert hea_dsays([0, 4], [1, 0], convention="begin_year", **args) == pytest.approx(begin)
    assert hea_dsays([0, 4], [1, 0], convention="mid_year", **args) == pytest.approx(mid)
    assert hea_dsays([0, 4], [1, 0], convention="end_year", **args) == pytest.approx(end)
    exact, _ = integrate.quad(lambda s: 10 * (1 - s / 4) * 1.03**-s, 0, 4)
    assert hea_dsays([0, 4], [1, 0], convention="continuous", **args) == pytest.approx(exact)
    # the conventions change the required compensation area materially
    gain = hea_dsays([1, 6], [0, 0.5], start=1, end=30, rate=0.03)
    assert hea_required_area(begin, gain) / hea_required_area(end, gain) > 1.6


def test_hea_base_year_compounds_past_losses() -> None:
    # one year of total loss on 1 acre in year 0, claimed in year 2: (1.03)^2
    assert hea_dsays([0], [1], start=0, end=1, base_year=2, convention="begin_year") == (
        pytest.approx(1.03**2)
    )
    assert hea_dsays([0], [1], start=0, end=3, rate=0.0, convention="mid_year") == 3.0


@pytest.mark.parametrize("rate", [5e-324, 1e-310, 1e-9, 0.0])
def test_hea_continuous_integral_at_vanishing_rates(rate: float) -> None:
    # a loss falling linearly from 1 to 0 over half a year: ∫ = 0.25 when discounting vanishes;
    # a subnormal rate once made δ·L underflow to 0 and the flat term vanish (−0.25)
    exact = hea_dsays([0, 0.5], [1, 0], start=0, end=1, rate=rate, convention="continuous")
    assert exact == pytest.approx(0.25, rel=1e-9)


def test_hea_scaling_card_example() -> None:
    card = load_card("hea-noaa")
    result = measure_hea(card.table("example").reset_index(), card)
    debit = hea_dsays([0, 4], [1, 0], start=0, end=4, area=10)
    credit = hea_dsays([1, 6], [0, 0.5], start=1, end=30)
    assert result.debit_dsays == pytest.approx(debit)
    assert result.table.loc["restoration", "required_area"] == pytest.approx(debit / credit)
    assert result.convention == "mid_year"
    with pytest.raises(ValueError, match="gains no services"):
        hea_required_area(1.0, 0.0)
    bad = card.table("example").reset_index()
    bad.loc[1, "times"] = "6 1"
    with pytest.raises(ValidationError, match="increase strictly") as caught:
        measure_hea(bad, card)
    # the problem is on the second row ("restoration"), not the first
    assert list(caught.value.problems["row"]) == ["restoration"]
    bad = card.table("example").reset_index()
    bad.loc[1, "side"] = "gain"
    with pytest.raises(ValidationError, match="debit or credit") as caught:
        measure_hea(bad, card)
    assert list(caught.value.problems["row"]) == ["restoration"]
    assert list(caught.value.problems["value"]) == ["gain"]


@given(
    st.floats(min_value=0.5, max_value=30), st.floats(min_value=0, max_value=0.1),
    st.integers(min_value=1, max_value=40),
)  # fmt: skip
def test_hea_conventions_bracket_the_integral_for_recovering_losses(
    recovery: float, rate: float, years: int
) -> None:
    args = {"start": 0.0, "end": float(years), "rate": rate}
    path = ([0.0, recovery], [1.0, 0.0])
    begin = hea_dsays(*path, convention="begin_year", **args)
    end = hea_dsays(*path, convention="end_year", **args)
    exact = hea_dsays(*path, convention="continuous", **args)
    # with a falling loss the start-of-year level over-counts and the end-of-year level
    # under-counts (Thur 2007's bias); within a year x(t+1)ρ(t+1) ≤ ∫x(s)ρ(s)ds ≤ x(t)ρ(t)
    assert begin >= exact - 1e-9
    assert exact >= end / (1 + rate) - 1e-9


def test_uk_thirty_plus_and_not_possible_follow_the_workbook() -> None:
    # abitatdotdev/bng src/onSite/habitatCreation.ts @0675cf7 (workbook sheet A-2, cell S12):
    # "30+" stays "30+" without advance creation (delay ignored), is max(0, 30 − advance) with
    # it; "Not Possible" stays "Not Possible"; a computed time over 30 becomes "30+".
    final = uk_final_time_to_target(
        ["30+", "30+", "30+", "30+", "Not Possible ▲", 25], [0, 5, 35, 0, 0, 0], [0, 0, 0, 4, 0, 10]
    )
    np.testing.assert_array_equal(final, [np.inf, 25, 0, np.inf, np.nan, np.inf])
    # "30+" = 0.965^32 = 0.3197967361 (workbook G-4); "Not Possible" gives no units
    np.testing.assert_allclose(
        uk_temporal_multiplier(["30+", "Not Possible", 31]), [0.3197967361, 0.0, 0.3197967361]
    )
    created = uk_created_units(
        [1.0, 1.0, 1.0, 1.0], "High", "Good", "Low", ["30+", "30+", "30+", "Not Possible"], "High",
        advance=[0, 5, 30, 0],
    )  # fmt: skip
    # High 6 × Good 3 × difficulty High 0.33 × T; with advance 5 the time is 25 (0.4103768311),
    # not the 0.965^27 a stand-in of 32 years would give; with advance 30 t = 0, difficulty Low
    np.testing.assert_allclose(
        created, [18 * 0.33 * 0.3197967361, 18 * 0.33 * 0.4103768311, 18.0, 0.0]
    )
    assert created[1] > 18 * 0.33 * 0.965**27


def test_uk_table_accepts_the_labels_and_refuses_impossible_enhancement() -> None:
    card = load_card("uk-statutory-metric-2024")
    table = card.table("example").reset_index()
    table["years"] = table["years"].astype(object)
    table.loc[table["id"] == "created-modified-grassland", "years"] = "30+"
    units = measure_uk_metric(table, card).table["units"]
    assert units["created-modified-grassland"] == pytest.approx(4 * 0.3197967361)
    table.loc[table["id"] == "enhanced-moderate-to-good", "years"] = "Not Possible"
    table.loc[table["id"] == "enhanced-to-calcareous", "years"] = "soon"
    with pytest.raises(ValidationError) as caught:
        measure_uk_metric(table, card)
    rows = caught.value.problems.set_index("row")["reason"]
    assert "Not Possible" in rows["enhanced-moderate-to-good"]
    assert "whole number" in rows["enhanced-to-calcareous"]
