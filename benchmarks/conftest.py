"""Shared fixtures for the benchmarks (SYNTHETIC data written once per session)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wetval.datasets._synthetic import generate_frames

N_PARCELS = 1_000_000


@pytest.fixture(scope="session")
def raw_million() -> tuple[pd.DataFrame, pd.DataFrame]:
    """1,000,000 SYNTHETIC parcels and their indicators, as raw 三调-style frames."""
    parcels, indicators, _ = generate_frames(N_PARCELS, np.random.default_rng(1))
    return parcels, indicators


@pytest.fixture(scope="session")
def million_files(
    raw_million: tuple[pd.DataFrame, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("million")
    parcels, _ = raw_million
    paths = {"parquet": folder / "dltb.parquet", "csv": folder / "dltb.csv"}
    parcels.to_parquet(paths["parquet"], index=False)
    parcels.to_csv(paths["csv"], index=False, encoding="gbk")
    return paths
