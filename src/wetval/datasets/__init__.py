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
- :func:`sample_project` — the assessment spec ``wetval demo`` runs: the
  SYNTHETIC expressway project P01 offset by the county's restoration parcels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from wetval.datasets._synthetic import COUNTY_CODE, generate_frames
from wetval.spec import AssessmentSpec, DataSpec, OptionSpec, PlanSpec, ProjectSpec
from wetval.tables import IndicatorTable, ParcelTable
from wetval.units import M2_PER_MU

__all__ = [
    "SAMPLE_SEED",
    "County",
    "export_sample",
    "sample_county",
    "sample_geopackage",
    "sample_plans",
    "sample_project",
    "sample_spatial_county",
    "synthetic_county",
]

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
    #: With ``geometry=True``: the SYNTHETIC occupation red line (P01), EPSG:4527.
    red_line: Any = None
    #: With ``geometry=True``: the SYNTHETIC restoration sites' boundaries, EPSG:4527.
    restoration_sites: Any = None

    def __repr__(self) -> str:
        label = " (SYNTHETIC)" if self.synthetic else ""
        return f"<County {self.name}{label}: {len(self.parcels):,} parcels>"


def synthetic_county(
    n_parcels: int = SAMPLE_PARCELS, seed: int = SAMPLE_SEED, geometry: bool = False
) -> County:
    """Generate a SYNTHETIC Jinxian-like county of any size.

    Parameters
    ----------
    n_parcels
        Number of parcels (≥ 100).
    seed
        Seed of the random generator; the same seed gives identical data.
    geometry
        Also make SYNTHETIC polygons: a contiguous tiling in CGCS2000 zone 39
        (EPSG:4527) with TBMJ from the polygons' ellipsoidal areas (so areas
        differ from the attribute-only county of the same seed), a red line for
        P01 and the restoration sites' boundaries (``County.red_line``,
        ``County.restoration_sites``); the parcels are read as
        :func:`wetval.spatial.read_dltb` reads a delivery.

    Returns
    -------
    County
    """
    if n_parcels < 100:
        raise ValueError(f"n_parcels must be at least 100, got {n_parcels}")
    raw_parcels, raw_indicators, projects = generate_frames(n_parcels, np.random.default_rng(seed))
    source = f"synthetic_county(n_parcels={n_parcels}, seed={seed})"
    red_line = sites = None
    if geometry:
        from wetval.datasets._geometry import footprints, tile
        from wetval.spatial.read import parcels_from_layer

        shapes = np.random.default_rng([seed, 1])  # own stream: attributes stay as without
        layer = tile(raw_parcels, shapes)
        parcels = parcels_from_layer(layer, source=source + " geometry")
        red_line, sites = footprints(layer, shapes)
    else:
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
        red_line=red_line,
        restoration_sites=sites,
    )


#: The shipped SYNTHETIC GeoPackage: layers DLTB, HXHX (red line) and XFDK (restoration sites).
SAMPLE_GPKG_PARCELS = 2000


def sample_geopackage() -> Path:
    """Path of the shipped SYNTHETIC GeoPackage (2,000 parcels in EPSG:4527).

    Layers ``DLTB`` (parcels, 三调 field names), ``HXHX`` (the P01 red line)
    and ``XFDK`` (restoration sites); ``synthetic_county(2000, SAMPLE_SEED,
    geometry=True)`` makes the same. Rebuild with ``tools/make_sample_gpkg.py``.
    """
    from importlib import resources

    return Path(str(resources.files("wetval.datasets") / "data" / "synthetic_jinxian.gpkg"))


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


#: Native species planted in the SYNTHETIC restoration designs (all native to the
#: Poyang Lake region per the ``species-poyang`` card).
SAMPLE_SPECIES = ("芦苇", "菰", "灰化薹草", "苦草", "黑藻", "莲")


def sample_plans(county: County | None = None) -> tuple[PlanSpec, ...]:
    """SYNTHETIC restoration designs (bill of quantities, planting list) per project.

    Quantities scale with each restoration project's area: 300 m³ of earthwork
    per 亩 at 25 CNY/m³, one water-control structure (60,000 CNY), planting on
    40 % of the area at 8 CNY/m² and three years of monitoring at 20,000 CNY/yr —
    illustrative unit costs, not a county budget.
    """
    county = county or sample_county()
    frame = county.parcels.to_frame()
    restoration = frame[frame["role"].astype(object) == "restoration"]
    plans = []
    for project_id, group in restoration.groupby(restoration["project_id"].astype(object)):
        area_mu = float(group["area_m2"].sum()) / M2_PER_MU
        rows = (
            {"item": "土方开挖 earthwork", "unit": "m3", "quantity": round(300 * area_mu, 1),
             "unit_cost": 25.0},
            {"item": "水位控制构筑物 water-control structure", "unit": "item", "quantity": 1.0,
             "unit_cost": 60_000.0},
            {"item": "植物种植 planting", "unit": "m2",
             "quantity": round(0.4 * area_mu * M2_PER_MU, 1), "unit_cost": 8.0},
            {"item": "监测 monitoring", "unit": "yr", "quantity": 3.0, "unit_cost": 20_000.0},
        )  # fmt: skip
        plans.append(
            PlanSpec(
                name=f"{project_id} 修复设计（示意） / restoration design (SYNTHETIC)",
                project_id=str(project_id),
                quantities=rows,
                species=SAMPLE_SPECIES,
                price_year=2024,
            )
        )
    return tuple(plans)


@cache
def sample_spatial_county() -> County:
    """The SYNTHETIC county of the shipped GeoPackage, with geometry (2,000 parcels).

    ``synthetic_county(SAMPLE_GPKG_PARCELS, SAMPLE_SEED, geometry=True)``; the
    same immutable object on every call.
    """
    return synthetic_county(SAMPLE_GPKG_PARCELS, SAMPLE_SEED, geometry=True)


def sample_project(*, spatial: bool = False) -> AssessmentSpec:
    """The assessment ``wetval demo`` runs, on the SYNTHETIC sample county.

    Project P01 (an illustrative expressway in 民和镇) occupies wetland; every
    restoration parcel of the county's six restoration projects is in the
    credit pool; money is in 2024 CNY; 2,000 Monte Carlo draws with a fixed seed.

    Parameters
    ----------
    spatial
        Start from the shipped GeoPackage instead (:func:`sample_geopackage`):
        the DLTB layer, the P01 red line (layer HXHX) and the restoration
        sites (XFDK) are overlaid first (压占分析), so the occupied and
        restoration parcels are the pieces under the footprints; legal wetland
        no list names is general wetland (``data.default_level``).
    """
    if spatial:
        return _spatial_project()
    county = sample_county()
    return AssessmentSpec(
        project=_sample_occupation(
            county, "SYNTHETIC demonstration on data modelled on 进贤县; not real survey data."
        ),
        data=DataSpec(
            parcels="sample", indicators="sample", projects="sample", plans=sample_plans(county)
        ),
        options=OptionSpec(price_year=2024, monte_carlo_draws=2000, seed=SAMPLE_SEED),
    )


def _sample_occupation(county: County, description: str) -> ProjectSpec:
    """The demo's project: the occupation P01 of the county's project list."""
    occupation = county.projects.set_index("project_id").loc["P01"]
    return ProjectSpec(
        name=f"{occupation['name_zh']} 湿地占补平衡指标评估 / wetland quota assessment",
        applicant=str(occupation["applicant"]),
        assessor="示例评估机构 Example Appraisal Co. (SYNTHETIC)",
        township=str(occupation["township"]),
        occupation_project="P01",
        date=dt.date(2024, 12, 31),
        description=description,
    )


def _spatial_project() -> AssessmentSpec:
    from wetval.spec import FootprintSpec

    county = sample_spatial_county()
    path = str(sample_geopackage())
    return AssessmentSpec(
        project=_sample_occupation(
            county,
            "SYNTHETIC demonstration from a GeoPackage modelled on a 三调 delivery of 进贤县 "
            "and a red line; not real survey data.",
        ),
        data=DataSpec(
            parcels=path,
            layer="DLTB",
            indicators=county.indicators,
            projects=county.projects,
            plans=sample_plans(county),
            footprints=(
                FootprintSpec(path=path, layer="HXHX", role="occupation", project_field="XMBH"),
                FootprintSpec(path=path, layer="XFDK", role="restoration", project_field="XMBH"),
            ),
            default_level="general",
        ),
        options=OptionSpec(price_year=2024, monte_carlo_draws=2000, seed=SAMPLE_SEED),
    )
