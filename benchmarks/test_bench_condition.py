"""Condition-scoring benchmarks: 1,000,000 parcels × 10 indicators (aim < 1 s).

Run with ``python -m pytest benchmarks --benchmark-only -k condition``; results go
to docs/performance.md. Data are SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import wetval
from wetval import IndicatorTable, ParcelTable
from wetval.condition import score
from wetval.screening import screen

from .conftest import N_PARCELS

#: The ten catalogue indicators the DB36/T 2134 card reads.
DB36_INDICATORS = [
    "water_quality_class", "water_area_change_rate", "protected_species_national_1",
    "protected_species_national_2", "protected_species_provincial", "plant_species_richness",
    "animal_species_richness", "invasive_species_cover", "biomass", "vegetation_cover",
]  # fmt: skip


@pytest.fixture(scope="module")
def million_indicators(raw_million: tuple[pd.DataFrame, pd.DataFrame]) -> IndicatorTable:
    """Exactly 1,000,000 parcels × the 10 DB36 indicators (rows resampled from the generator)."""
    _, indicators = raw_million
    rows = np.random.default_rng(3).integers(0, len(indicators), size=N_PARCELS)
    frame = indicators[DB36_INDICATORS].iloc[rows].reset_index(drop=True)
    frame.insert(0, "parcel_id", [f"SYN{i:09d}" for i in range(N_PARCELS)])
    frame.attrs["synthetic"] = True
    return IndicatorTable.from_frame(frame)


@pytest.fixture(scope="module")
def million_parcels(raw_million: tuple[pd.DataFrame, pd.DataFrame]) -> ParcelTable:
    parcels, _ = raw_million
    return ParcelTable.from_frame(parcels)


def test_score_db36_million_parcels(benchmark, million_indicators) -> None:  # type: ignore[no-untyped-def]
    card = wetval.load_card("jiangxi-db36-2134")
    million_indicators.hash  # noqa: B018 (the input hash is computed once per table)
    result = benchmark(score, million_indicators, card)
    assert len(result.parcels) == N_PARCELS


def test_score_psr_entropy_topsis_million_parcels(benchmark, million_indicators) -> None:  # type: ignore[no-untyped-def]
    frame = million_indicators.to_frame()
    rng = np.random.default_rng(4)
    extra = {
        "disturbance": rng.random(N_PARCELS).round(2),
        "bird_species_richness": rng.poisson(20, N_PARCELS).astype(float),
        "hydrological_connectivity": rng.random(N_PARCELS).round(2),
    }
    table = IndicatorTable.from_frame(frame.assign(**extra))
    table.hash  # noqa: B018
    card = wetval.load_card("psr-entropy-topsis")
    result = benchmark.pedantic(score, args=(table, card), rounds=3, iterations=1)
    assert len(result.parcels) == N_PARCELS


def test_screen_reserves_million_parcels(benchmark, million_parcels, raw_million) -> None:  # type: ignore[no-untyped-def]
    _, raw_indicators = raw_million
    indicators = IndicatorTable.from_frame(raw_indicators)
    million_parcels.hash  # noqa: B018
    indicators.hash  # noqa: B018
    result = benchmark.pedantic(screen, args=(million_parcels, indicators), rounds=3, iterations=1)
    assert len(result.parcels) == N_PARCELS
