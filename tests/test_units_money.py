"""Price-year adjustment and currency conversion (wetval.units)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval import load_card
from wetval.units import (
    PriceIndexError,
    adjust_price_year,
    convert_money,
    money_conversion,
    price_index,
)

# BLS CPI-U annual averages (1982-84 = 100), series CUUR0000SA0 (card us-cpi-u)
CPI_U = {1995: 152.4, 2007: 207.342, 2010: 218.056, 2020: 258.811, 2024: 313.689}


def test_us_cpi_reproduces_bls_annual_averages() -> None:
    series = price_index("us-cpi-u")
    for year, level in CPI_U.items():
        assert series.level(year) == level
    assert adjust_price_year(100.0, 2010, 2020, "us-cpi-u") == pytest.approx(
        100.0 * 258.811 / 218.056, rel=1e-12
    )


def test_chained_china_cpi() -> None:
    # NBS CPI, previous year = 100: 2011 = 105.4, 2012 = 102.6 (methods/price-indices/cn-cpi.toml)
    assert adjust_price_year(1.0, 2010, 2011, "cn-cpi") == pytest.approx(1.054)
    assert adjust_price_year(1.0, 2010, 2012, "cn-cpi") == pytest.approx(1.054 * 1.026)
    assert adjust_price_year(1.0, 2012, 2010, "cn-cpi") == pytest.approx(1 / (1.054 * 1.026))
    assert not price_index("cn-cpi").verified
    assert price_index("us-cpi-u").verified


def test_missing_year_names_series_and_years() -> None:
    with pytest.raises(
        PriceIndexError, match=r"1990 is not in the series 'cn-cpi', which has 1995–2024"
    ):
        adjust_price_year(1.0, 1990, 2010, "cn-cpi")
    with pytest.raises(PriceIndexError, match=r"'cn-ppp-gdp', which has 2011, 2017"):
        money_conversion(from_currency="Int$", from_year=2007, to_year=2007)


def test_user_mapping() -> None:
    assert adjust_price_year(10.0, 2000, 2001, {2000: 100.0, 2001: 110.0}) == pytest.approx(11.0)
    with pytest.raises(PriceIndexError, match="positive"):
        price_index({2000: 0.0})
    with pytest.raises(PriceIndexError, match="user mapping"):
        adjust_price_year(1.0, 1999, 2000, {2000: 1.0})


def test_order_of_operations_is_documented_and_selectable() -> None:
    ppp = dict(load_card("cn-ppp-gdp").table("series")["value"])
    deflate_first = money_conversion(
        from_currency="Int$", from_year=2011, to_year=2017, order="deflate-first"
    )
    # deflate in the source currency (US CPI-U), then the target year's PPP
    us = price_index("us-cpi-u")
    assert deflate_first.factor == pytest.approx(us.factor(2011, 2017) * ppp[2017])
    convert_first = money_conversion(
        from_currency="Int$", from_year=2011, to_year=2017, order="convert-first"
    )
    # convert at the source year's PPP, then deflate in CNY (China CPI)
    assert convert_first.factor == pytest.approx(
        ppp[2011] * price_index("cn-cpi").factor(2011, 2017)
    )
    assert deflate_first.factor != pytest.approx(convert_first.factor)
    assert deflate_first.steps[0].startswith("deflate Int$ 2011→2017 with us-cpi-u")
    assert "cn-ppp-gdp" in deflate_first.unverified_series


def test_market_rate_and_dollar_equivalence() -> None:
    market = convert_money(1.0, from_currency="USD", from_year=2020, to_year=2020, rate="market")
    assert market == load_card("cn-usd-market-rate").table("series").loc[2020, "value"]
    same = money_conversion(from_currency="USD", from_year=2010, to_currency="Int$", to_year=2010)
    assert same.factor == 1.0
    with pytest.raises(ValueError, match="unknown currency"):
        money_conversion(from_currency="EUR", from_year=2010, to_year=2010)
    with pytest.raises(ValueError, match="unknown order"):
        money_conversion(from_currency="USD", from_year=2011, to_year=2017, order="sideways")  # type: ignore[arg-type]


years = st.integers(min_value=1995, max_value=2024)


@given(
    st.floats(min_value=1e-3, max_value=1e9), years, years, st.sampled_from(["cn-cpi", "us-cpi-u"])
)
def test_price_year_round_trip(value: float, a: int, b: int, index: str) -> None:
    back = adjust_price_year(adjust_price_year(value, a, b, index), b, a, index)
    assert back == pytest.approx(value, rel=1e-12)


@given(st.floats(min_value=1e-3, max_value=1e9), st.integers(min_value=2000, max_value=2024))
def test_currency_round_trip_same_year(value: float, year: int) -> None:
    there = convert_money(value, from_currency="CNY", from_year=year, to_currency="USD",
                          to_year=year, rate="market")  # fmt: skip
    back = convert_money(there, from_currency="USD", from_year=year, to_year=year, rate="market")
    assert back == pytest.approx(value, rel=1e-12)
