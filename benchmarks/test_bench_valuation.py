"""Valuation benchmarks: each method values 1,000,000 parcels × all its services.

Run with ``python -m pytest benchmarks --benchmark-only -k valuation``; results
go to docs/performance.md. Data are SYNTHETIC (the generator's land classes:
wetland, water, paddy, forest, built land).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wetval import IndicatorTable, ParcelTable
from wetval.valuation import override, value


@pytest.fixture(scope="module")
def million(raw_million: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[ParcelTable, IndicatorTable]:
    parcels, indicators = raw_million
    return ParcelTable.from_frame(parcels), IndicatorTable.from_frame(indicators)


@pytest.fixture(scope="module")
def million_wet(million: tuple[ParcelTable, IndicatorTable]) -> ParcelTable:
    """Wetland and water parcels only (the types the transfer and de Groot cards value)."""
    parcels, _ = million
    return parcels.subset(np.isin(parcels.category, ["wetland", "water"]))


def test_xie_equivalent_million(benchmark, million) -> None:  # type: ignore[no-untyped-def]
    parcels, _ = million
    result = benchmark(value, parcels, "xie2015", price_year=2020)
    assert result.values.shape == (len(parcels), 11)


def test_degroot_table_wet_parcels(benchmark, million_wet) -> None:  # type: ignore[no-untyped-def]
    result = benchmark(value, million_wet, "degroot2012")
    assert result.values.shape == (len(million_wet), 21)


def test_unit_value_transfer_wet_parcels(benchmark, million_wet) -> None:  # type: ignore[no-untyped-def]
    result = benchmark(value, million_wet, "transfer-global-wetland-syntheses")
    assert result.values.shape[0] == len(million_wet)


def test_value_function_wet_parcels(benchmark, million_wet) -> None:  # type: ignore[no-untyped-def]
    card = override(
        "brander2013",
        options={"inputs": {"constructed": 0, "site_area_ha": 5000.0,
                            "wetland_abundance_ha": 80_000.0, "population_50km": 3.0e6,
                            "gcp": 1.0e4}},
    )  # fmt: skip
    result = benchmark(value, million_wet, card)
    assert result.values.shape == (len(million_wet), 3)


def test_gep_replacement_cost_million(benchmark, million) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = million
    card = override(
        "gep-garze2010",
        options={"services": ["water_storage", "water_purification", "carbon_sequestration",
                              "oxygen_release", "climate_regulation", "recreation"],
                 "removal_rates": {"cod": 1.0, "nh3n": 0.1, "tp": 0.02}},
    )  # fmt: skip
    frame = parcels.to_frame().reset_index()
    frame["visits"] = 10.0
    frame["cooling_kwh"] = 1000.0
    with_columns = ParcelTable.from_frame(frame)
    result = benchmark(value, with_columns, card, indicators=indicators)
    assert result.values.shape == (len(parcels), 6)


def test_gep_replacement_cost_million_prealigned(benchmark, million) -> None:  # type: ignore[no-untyped-def]
    """As above, with the indicator table aligned to the parcels once beforehand."""
    parcels, indicators = million
    card = override("gep-garze2010", options={"services": ["water_storage",
                                                           "carbon_sequestration",
                                                           "oxygen_release"]})  # fmt: skip
    aligned = indicators.aligned(parcels)
    result = benchmark(value, parcels, card, indicators=aligned)
    assert result.values.shape == (len(parcels), 3)
