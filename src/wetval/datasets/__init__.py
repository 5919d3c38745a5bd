"""Sample data: a SYNTHETIC county modelled on 进贤县 (Jinxian), Jiangxi.

All data here are synthetic and labelled so everywhere: parcel ids start with
``SYN``, every table carries ``attrs["synthetic"] = True`` and every summary
says so. Use them to learn wetval, in tests and in benchmarks, never as
facts about Jinxian.

- :func:`sample_county` — the fixed sample county (3,200 parcels in 21
  townships) that ``wetval demo`` runs on.
- :func:`synthetic_county` — the same kind of county at any size and seed
  (millions of parcels in seconds).
- :func:`export_sample` — write the sample as files shaped like a real 三调
  export (GBK CSV by default) and an indicator workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from wetval.datasets._synthetic import COUNTY_CODE, generate_frames
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["SAMPLE_SEED", "County", "export_sample", "sample_county", "synthetic_county"]

#: Seed of the fixed sample county.
SAMPLE_SEED = 20230723
#: Parcels in the fixed sample county.
SAMPLE_PARCELS = 3200

_LABEL = "SYNTHETIC data modelled on 进贤县 (Jinxian); not real survey data"


@dataclass(frozen=True)
class County:
    """A county's parcels, monitoring indicators and projects.

    Attributes
    ----------
    name
        Display name (says "synthetic" for generated data).
    county_code
        6-digit administrative code.
    parcels
        Validated parcel table.
    indicators
        Validated indicator table.
    projects
        Occupation and restoration projects (``project_id``, ``kind``,
        ``name_zh``, ``name_en``, ``project_type``, ``township``, ``applicant``).
    synthetic
        True for generated data.
    seed
        Seed the data were generated with, if synthetic.
    """

    name: str
    county_code: str
    parcels: ParcelTable
    indicators: IndicatorTable
    projects: pd.DataFrame
    synthetic: bool
    seed: int | None = None

    def __repr__(self) -> str:
        label = " (SYNTHETIC)" if self.synthetic else ""
        return f"<County {self.name}{label}: {len(self.parcels):,} parcels>"


def synthetic_county(n_parcels: int = SAMPLE_PARCELS, seed: int = SAMPLE_SEED) -> County:
    """Generate a SYNTHETIC Jinxian-like county of any size.

    Parameters
    ----------
    n_parcels
        Number of parcels (≥ 100).
    seed
        Seed of the random generator; the same seed gives identical data.

    Returns
    -------
    County
    """
    if n_parcels < 100:
        raise ValueError(f"n_parcels must be at least 100, got {n_parcels}")
    raw_parcels, raw_indicators, projects = generate_frames(n_parcels, np.random.default_rng(seed))
    source = f"synthetic_county(n_parcels={n_parcels}, seed={seed})"
    parcels = ParcelTable.from_frame(raw_parcels, source=source)
    indicators = IndicatorTable.from_frame(raw_indicators, source=source)
    return County(
        name=f"进贤县 Jinxian — {_LABEL}",
        county_code=COUNTY_CODE,
        parcels=parcels,
        indicators=indicators,
        projects=projects,
        synthetic=True,
        seed=seed,
    )


@cache
def sample_county() -> County:
    """The fixed SYNTHETIC sample county (3,200 parcels, 21 townships).

    Returns the same immutable object on every call.
    """
    return synthetic_county(SAMPLE_PARCELS, SAMPLE_SEED)


def export_sample(
    directory: str | Path,
    *,
    n_parcels: int = SAMPLE_PARCELS,
    seed: int = SAMPLE_SEED,
    encoding: Literal["gbk", "utf-8", "utf-8-sig"] = "gbk",
) -> dict[str, Path]:
    """Write a SYNTHETIC county as files shaped like a county's own exports.

    Parameters
    ----------
    directory
        Where to write (created if missing).
    n_parcels, seed
        As in :func:`synthetic_county`.
    encoding
        Encoding of the parcel CSV; GBK is what Chinese Excel writes.

    Returns
    -------
    dict
        ``{"parcels": ..csv, "indicators": ..xlsx, "projects": ..csv}``.
    """
    raw_parcels, raw_indicators, projects = generate_frames(n_parcels, np.random.default_rng(seed))
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    paths = {
        "parcels": target / "synthetic_dltb.csv",
        "indicators": target / "synthetic_indicators.xlsx",
        "projects": target / "synthetic_projects.csv",
    }
    raw_parcels.to_csv(paths["parcels"], index=False, encoding=encoding)
    raw_indicators.to_excel(paths["indicators"], index=False, sheet_name="indicators")
    projects.to_csv(paths["projects"], index=False, encoding="utf-8-sig")
    return paths
