"""Reserve-resource census: rules and reasons by hand, ranking, township summary,
verification flags, bad input and parcel-order invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import wetval
from wetval.errors import CardError, ValidationError
from wetval.screening import RULES, ReserveCensus, screen
from wetval.tables import IndicatorTable, ParcelTable


def census_inputs(flags: list[object] | None = None) -> tuple[ParcelTable, IndicatorTable]:
    parcels = pd.DataFrame(
        {
            "BSM": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"],
            "DLBM": ["1104", "1104A", "1104A", "0101", "1106", "1107", "1107", "1106"],
            "TBDLMJ": [2000.0, 5000.0, 3000.0, 4000.0, 8000.0, 1500.0, 1200.0, 300.0],
            "ZLDWMC": [
                "民和镇",
                "李渡镇",
                "民和镇",
                "李渡镇",
                "李渡镇",
                "李渡镇",
                "李渡镇",
                "李渡镇",
            ],
            "role": ["reserve", None, "reserve", None, "existing", None, None, "reserve"],
            "verified_non_aquaculture": flags or [None, "否", "是", None, None, None, None, None],
        }
    )
    indicators = pd.DataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"],
            "standing_water_months": [6, 12, 12, 6, 12, 2, np.nan, 9],
            "hydrological_connectivity": [0.5, 0.3, 1.0, 0.2, 0.9, 0.5, 0.5, 0.5],
            "disturbance": [0.2, 0.5, 0.0, 0.5, 0.1, 0.3, 0.3, 0.3],
            "vegetation_cover": [40.0, 10.0, 50.0, 80.0, 60.0, 30.0, 30.0, 30.0],
        }
    )
    return ParcelTable.from_frame(parcels), IndicatorTable.from_frame(indicators)


def test_rules_reasons_and_ranking_by_hand() -> None:
    parcels, indicators = census_inputs()
    result = screen(parcels, indicators)
    frame = result.parcels
    assert frame["candidate"].to_dict() == {
        "P1": True, "P2": False, "P3": True, "P4": False,
        "P5": False, "P6": False, "P7": False, "P8": False,
    }  # fmt: skip
    reasons = frame["reasons"].astype(str)
    assert reasons["P2"] == "aquaculture water (湿地保护法 Art. 2) not verified as non-aquaculture"
    assert reasons["P4"] == "land class not eligible as reserve land"
    assert reasons["P5"] == "already in the wetland database (role existing/occupation)"
    assert reasons["P6"] == "standing water under 3 months/yr"
    assert reasons["P7"] == "no standing-water observation"
    assert reasons["P8"] == "area under 666.67 m²"
    assert reasons["P1"] == "" and reasons["P3"] == ""
    assert not frame.loc["P2", "pass_legal_status"] and frame.loc["P2", "pass_land_class"]
    # field checks: ponds (pond vs aquaculture) and the unobserved water months
    checks = frame["field_checks"].astype(str)
    assert checks["P1"] == "verify pond vs aquaculture pond (坑塘/养殖坑塘)"
    assert checks["P7"] == "observe standing water (months/yr)"
    assert checks["P4"] == ""
    # potential = 0.35 × months/12 + 0.30 × connectivity + 0.20 × (1 − disturbance)
    #             + 0.15 × cover/100
    # P1: 0.35 × 0.5 + 0.30 × 0.5 + 0.20 × 0.8 + 0.15 × 0.4 = 0.545
    # P3: 0.35 × 1.0 + 0.30 × 1.0 + 0.20 × 1.0 + 0.15 × 0.5 = 0.925
    assert frame.loc["P1", "potential"] == pytest.approx(0.545)
    assert frame.loc["P3", "potential"] == pytest.approx(0.925)
    # the share of the potential weight a parcel's indicators carry is shown with it
    assert frame.loc["P1", "potential_weight"] == pytest.approx(1.0)
    assert frame.loc["P7", "potential_weight"] == pytest.approx(1 - 0.35)  # no water months
    assert list(result.candidates.index) == ["P3", "P1"]
    assert result.candidates["rank"].tolist() == [1, 2]
    assert frame["rank"].isna().sum() == 6
    town = result.by_township
    assert town.loc["民和镇", "candidates"] == 2
    assert town.loc["民和镇", "candidate_area_ha"] == pytest.approx(0.5)
    assert town.loc["李渡镇", "candidates"] == 0 and town.loc["李渡镇", "parcels"] == 6
    assert result.rules.loc["standing_water", "failed"] == 2
    assert list(result.rules.index) == list(RULES)


def test_verification_flag_decides_aquaculture_ponds() -> None:
    parcels, indicators = census_inputs([None, "true", "1", None, None, None, None, None])
    assert screen(parcels, indicators).parcels.loc["P2", "candidate"]
    parcels, indicators = census_inputs([None, "maybe", "是", None, None, None, None, None])
    with pytest.raises(ValidationError) as caught:
        screen(parcels, indicators)
    problems = caught.value.problems
    assert problems[["parcel_id", "column"]].values.tolist() == [["P2", "verified_non_aquaculture"]]


def test_numeric_verification_flags() -> None:
    # a 1/0 column with blanks is read as floats (CSV, Excel): 1.0 and 0.0 are yes and no
    flags: list[object] = [np.nan, 1.0, 0.0, np.nan, np.nan, np.nan, np.nan, np.nan]
    parcels, indicators = census_inputs(flags)
    assert parcels.column("verified_non_aquaculture").dtype == np.float64
    frame = screen(parcels, indicators).parcels
    assert frame.loc["P2", "pass_legal_status"] and not frame.loc["P3", "pass_legal_status"]
    parcels, indicators = census_inputs([np.nan, 2.0, 1.0, *[np.nan] * 5])
    with pytest.raises(ValidationError) as caught:
        screen(parcels, indicators)
    assert caught.value.problems["parcel_id"].tolist() == ["P2"]


def test_minimum_area_compared_at_survey_precision() -> None:
    # the card's minimum is 1 亩, written 666.67 m² (two decimals, like 三调 areas):
    # a parcel of exactly 1 亩 (666.666… m²) passes, one of 666.65 m² does not
    parcels = ParcelTable.from_frame(
        pd.DataFrame(
            {"parcel_id": ["mu", "under"], "land_class": ["1106", "1106"],
             "area_m2": [10_000.0 / 15.0, 666.65], "role": ["reserve", "reserve"]}
        )
    )  # fmt: skip
    indicators = IndicatorTable.from_frame(
        pd.DataFrame({"parcel_id": ["mu", "under"], "standing_water_months": [6.0, 6.0]})
    )
    passed = screen(parcels, indicators).parcels["pass_min_area"]
    assert passed.to_dict() == {"mu": True, "under": False}


def test_without_flag_column_ponds_stay_out() -> None:
    parcels, indicators = census_inputs()
    bare = ParcelTable.from_frame(parcels.to_frame().drop(columns="verified_non_aquaculture")
                                  .reset_index())  # fmt: skip
    result = screen(bare, indicators)
    assert not result.parcels.loc["P3", "candidate"]
    assert "verified_non_aquaculture" in str(result.provenance.notes[0])


def test_bad_screening_card() -> None:
    card = wetval.load_card("jiangxi-reserve-census")
    tables = dict(card.tables)
    potential = tables["potential"]
    tables["potential"] = potential.model_copy(
        update={"rows": ((*potential.rows[0][:1], 0.9, 0, 12), *potential.rows[1:])}
    )
    # refused when the card is made, by its typed body (wetval.screening.ReserveCensusBody)
    with pytest.raises(CardError) as caught:
        card.model_copy(update={"tables": tables, "parameters": {}})
    keys = dict(caught.value.key_problems)
    assert "weights sum to 1.55, not 1" in keys["tables.potential"]  # 0.35 → 0.9
    assert keys["parameters.min_standing_water_months"] == "Field required"
    assert keys["parameters.min_area_m2"] == "Field required"


def test_potential_indicator_without_benefit_or_cost_direction_is_a_card_error() -> None:
    card = wetval.load_card("jiangxi-reserve-census")
    tables = dict(card.tables)
    potential = tables["potential"]
    rows = (("water_depth", 0.15, 0, 5), *potential.rows[:3])  # depth is 'neutral'
    tables["potential"] = potential.model_copy(update={"rows": rows})
    parcels, indicators = census_inputs()
    with pytest.raises(CardError) as caught:
        screen(parcels, indicators, card.model_copy(update={"tables": tables}))
    assert "water_depth" in dict(caught.value.key_problems)["tables.potential"]


def test_sample_county_census(county) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    result = screen(county.parcels, county.indicators)
    frame = result.parcels
    assert len(frame) == len(county.parcels)
    candidates = frame[frame["candidate"]]
    assert len(candidates) > 50
    assert (candidates["role"].astype(object).isin(["existing", "occupation"]) == False).all()  # noqa: E712
    assert not candidates["land_class"].astype(str).isin(["0101", "1104A"]).any()
    assert result.candidates["potential"].is_monotonic_decreasing
    text = str(result.summary())
    assert "SYNTHETIC" in text and "三阳集乡" in text
    again = ReserveCensus.from_json(result.to_json())
    assert again.to_json() == result.to_json()
    ax = result.plot()
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def small_county():  # type: ignore[no-untyped-def]
    from wetval.datasets import synthetic_county

    return synthetic_county(200, seed=8)


@given(seed=st.integers(0, 2**32 - 1))
def test_census_invariant_to_parcel_order(small_county, seed: int) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = small_county.parcels, small_county.indicators
    base = screen(parcels, indicators).parcels
    shuffled = parcels.subset(parcels.ids[np.random.default_rng(seed).permutation(len(parcels))])
    moved = screen(shuffled, indicators).parcels.reindex(base.index)
    pd.testing.assert_series_equal(moved["candidate"], base["candidate"])
    pd.testing.assert_series_equal(moved["rank"], base["rank"])
    np.testing.assert_allclose(moved["potential"], base["potential"])
