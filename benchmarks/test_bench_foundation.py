"""Foundation benchmarks: generating, loading and validating 1,000,000 parcels.

Run with ``python -m pytest benchmarks --benchmark-only``; peak memory with
``python benchmarks/peak_memory.py``. Results go to docs/performance.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wetval import IndicatorTable, ParcelTable, read_parcels
from wetval.datasets._synthetic import generate_frames

from .conftest import N_PARCELS


def test_validate_million_parcels_from_frame(benchmark, raw_million) -> None:  # type: ignore[no-untyped-def]
    parcels, _ = raw_million
    table = benchmark(ParcelTable.from_frame, parcels)
    assert len(table) == N_PARCELS


def test_load_and_validate_million_parcels_parquet(benchmark, million_files) -> None:  # type: ignore[no-untyped-def]
    path: Path = million_files["parquet"]
    table = benchmark(read_parcels, path)
    assert len(table) == N_PARCELS


def test_load_and_validate_million_parcels_gbk_csv(benchmark, million_files) -> None:  # type: ignore[no-untyped-def]
    path: Path = million_files["csv"]
    table = benchmark.pedantic(read_parcels, args=(path,), rounds=3, iterations=1)
    assert len(table) == N_PARCELS


def test_validate_indicators_for_million_parcels(benchmark, raw_million) -> None:  # type: ignore[no-untyped-def]
    _, indicators = raw_million
    table = benchmark(IndicatorTable.from_frame, indicators)
    assert len(table) == len(indicators)


def test_generate_million_parcels(benchmark) -> None:  # type: ignore[no-untyped-def]
    frames = benchmark.pedantic(
        generate_frames, args=(N_PARCELS, np.random.default_rng(2)), rounds=2, iterations=1
    )
    assert isinstance(frames[0], pd.DataFrame) and len(frames[0]) == N_PARCELS
