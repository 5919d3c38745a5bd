"""Property tests over every shipped valuation card: area scaling, parcel order, price years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wetval import IndicatorTable, ParcelTable
from wetval.valuation import override, value

CODES = ["1106", "1104", "1101", "0304", "1108", "1107"]  # wetland and water classes
CARDS = {
    "xie2015": None,
    "degroot2012": None,
    "costanza2014": None,
    "transfer-global-wetland-syntheses": None,
    "brander2013": {"inputs": {"constructed": 0, "site_area_ha": 3000.0,
                               "wetland_abundance_ha": 60_000.0, "population_50km": 2.0e6,
                               "gcp": 5.0e3}},
    "gep-garze2010": None,
}  # fmt: skip

rows = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.floats(min_value=10.0, max_value=1e7),
        st.floats(min_value=0.0, max_value=10.0),  # water depth [m]
        st.floats(min_value=0.0, max_value=2000.0),  # npp [g C/m²/yr]
    ),
    min_size=1,
    max_size=15,
)


def tables(
    data: list[tuple[str, float, float, float]], order: list[int] | None = None
) -> tuple[ParcelTable, IndicatorTable]:
    order = order if order is not None else list(range(len(data)))
    ids = [f"P{i}" for i in order]
    parcels = ParcelTable.from_frame(
        pd.DataFrame(
            {
                "parcel_id": ids,
                "land_class": [data[i][0] for i in order],
                "area_m2": [data[i][1] for i in order],
            }
        )
    )
    indicators = IndicatorTable.from_frame(
        pd.DataFrame(
            {
                "parcel_id": ids,
                "water_depth": [data[i][2] for i in order],
                "npp": [data[i][3] for i in order],
            }
        )
    )
    return parcels, indicators


@pytest.mark.parametrize("card_id", list(CARDS))
@settings(max_examples=10, deadline=None)
@given(data=rows, factor=st.floats(min_value=0.01, max_value=100.0), seed=st.integers(0, 10**6))
def test_area_scaling_and_parcel_order(
    card_id: str, data: list[tuple[str, float, float, float]], factor: float, seed: int
) -> None:
    card = override(card_id, options=CARDS[card_id]) if CARDS[card_id] else card_id
    parcels, indicators = tables(data)
    base = value(parcels, card, indicators=indicators, price_year=2017)
    scaled_data = [(c, a * factor, d, n) for c, a, d, n in data]
    scaled = value(*tables(scaled_data)[:1], card, indicators=indicators, price_year=2017)
    np.testing.assert_allclose(
        scaled.values.to_numpy(), base.values.to_numpy() * factor, rtol=1e-9, atol=1e-6
    )
    order = list(np.random.default_rng(seed).permutation(len(data)))
    shuffled_parcels, shuffled_indicators = tables(data, order)
    shuffled = value(shuffled_parcels, card, indicators=shuffled_indicators, price_year=2017)
    assert list(shuffled.values.index) == [f"P{i}" for i in order]
    pd.testing.assert_frame_equal(shuffled.values.loc[base.values.index], base.values)


@pytest.mark.parametrize("card_id", ["xie2015", "gep-garze2010"])
@settings(max_examples=20, deadline=None)
@given(
    area=st.floats(min_value=10.0, max_value=1e7),
    years=st.tuples(st.integers(1995, 2024), st.integers(1995, 2024)),
)
def test_price_year_round_trip(card_id: str, area: float, years: tuple[int, int]) -> None:
    parcels, indicators = tables([("1104", area, 1.5, 600.0)])
    a = value(parcels, card_id, indicators=indicators, price_year=years[0])
    b = value(parcels, card_id, indicators=indicators, price_year=years[1])
    np.testing.assert_allclose(
        a.at_price_year(years[1]).values.to_numpy(), b.values.to_numpy(), rtol=1e-12
    )


@settings(max_examples=20, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_value_rises_with_condition(low: float, high: float) -> None:
    low, high = sorted((low, high))
    parcels, _ = tables([("1106", 10_000.0, 0.0, 0.0), ("1106", 10_000.0, 0.0, 0.0)])
    condition = pd.DataFrame({"index": [low, high]}, index=pd.Index(["P0", "P1"]))
    result = value(parcels, "xie2015", condition=condition).by_parcel()
    assert result["P0"] <= result["P1"]


@given(
    value_=st.floats(min_value=0.01, max_value=1e6),
    scale=st.floats(min_value=0.01, max_value=100.0),
    per_dollar=st.tuples(st.floats(0.1, 200.0), st.floats(0.1, 200.0)),
)
def test_standardisation_is_linear_and_conversion_round_trips(
    value_: float, scale: float, per_dollar: tuple[float, float]
) -> None:
    from wetval.units import money_conversion
    from wetval.valuation import standardise_study_value

    rates = {"EUR": {"ppp": {2020: per_dollar[0]}}, "DKK": {"ppp": {2020: per_dollar[1]}}}
    there = money_conversion(from_currency="EUR", from_year=2020, to_currency="DKK",
                             to_year=2020, rates=rates)  # fmt: skip
    back = money_conversion(from_currency="DKK", from_year=2020, to_currency="EUR",
                            to_year=2020, rates=rates)  # fmt: skip
    assert there.factor * back.factor == pytest.approx(1.0)

    def standardised(amount: float) -> float:
        return standardise_study_value(
            amount, per="household", period="month", currency="EUR", money=there,
            beneficiaries=1_234, area_ha=56.0,
        ).value  # fmt: skip

    assert standardised(scale * value_) == pytest.approx(scale * standardised(value_))
    assert standardised(value_) == pytest.approx(value_ * there.factor * 12 * 1_234 / 56.0)
