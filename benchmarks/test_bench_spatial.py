"""Spatial benchmarks: a 500 ha red line on 1,000,000 SYNTHETIC polygon parcels.

Run with ``python -m pytest benchmarks/test_bench_spatial.py --benchmark-only``;
peak memory of reading with ``python benchmarks/peak_memory_spatial.py``.
Results go to docs/performance.md. The floors are the bare shapely/numpy work
of the same answer (STRtree query, intersections, areas) without validation,
ellipsoidal areas, prorating, deductions or provenance.
"""

from __future__ import annotations

from typing import Any

import geopandas
import numpy as np
import pytest
import shapely

from wetval.datasets import synthetic_county
from wetval.spatial import overlay
from wetval.spatial.crs import ellipsoidal_area

N_POLYGONS = 1_000_000


@pytest.fixture(scope="module")
def county() -> Any:
    return synthetic_county(N_POLYGONS, seed=3, geometry=True)


@pytest.fixture(scope="module")
def red_line(county: Any) -> Any:
    """A 500 ha corridor (1 km × 5 km, bent) in the middle of the county."""
    minx, miny, maxx, maxy = county.parcels.to_frame().total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    line = shapely.LineString([(cx - 2500, cy), (cx, cy + 300), (cx + 2500, cy)])
    corridor = shapely.buffer(line, 500.0, cap_style="flat")
    return geopandas.GeoDataFrame({"XMBH": ["P01"]}, geometry=[corridor], crs=4527)


def test_bench_overlay_500ha_on_a_million(benchmark: Any, county: Any, red_line: Any) -> None:
    result = benchmark.pedantic(
        overlay, args=(county.parcels, red_line), kwargs={"project_id": "P01"}, rounds=3
    )
    assert result.pieces["piece_area_m2"].sum() == pytest.approx(
        ellipsoidal_area(red_line).sum(), rel=1e-6
    )


def test_bench_overlay_floor(benchmark: Any, county: Any, red_line: Any) -> None:
    geoms = county.parcels.column("geometry")
    footprint = red_line.geometry.to_numpy()

    def floor() -> float:
        tree = shapely.STRtree(geoms)
        _, hit = tree.query(footprint, predicate="intersects")
        pieces = shapely.intersection(geoms[hit], footprint[0])
        return float(shapely.area(pieces).sum())

    assert benchmark.pedantic(floor, rounds=3) == pytest.approx(red_line.area.sum(), rel=1e-9)


def test_bench_ellipsoidal_area_of_a_million(benchmark: Any, county: Any) -> None:
    geoms = np.asarray(county.parcels.column("geometry"))
    areas = benchmark.pedantic(ellipsoidal_area, args=(geoms, 4527), rounds=3)
    assert len(areas) == N_POLYGONS


def test_bench_planar_area_floor(benchmark: Any, county: Any) -> None:
    geoms = np.asarray(county.parcels.column("geometry"))
    benchmark.pedantic(shapely.area, args=(geoms,), rounds=3)


def test_bench_county_townships_of_a_million(benchmark: Any, county: Any) -> None:
    from wetval.spatial.maps import county_townships

    towns = benchmark.pedantic(county_townships, args=(county.parcels, 4527), rounds=3)
    assert len(towns) == county.parcels.to_frame()["township_code"].nunique()


def test_bench_county_townships_floor(benchmark: Any, county: Any) -> None:
    """The parcel under each of the 1,000 × 1,000 cell centres (the grid's one query)."""
    geoms = np.asarray(county.parcels.column("geometry"))
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    cell = max(x1 - x0, y1 - y0) / 1000

    def floor() -> int:
        xs = np.arange(x0 - cell / 2, x1 + cell, cell)
        ys = np.arange(y0 - cell / 2, y1 + cell, cell)
        gx, gy = np.meshgrid(xs, ys)
        hit, _ = shapely.STRtree(geoms).query(shapely.points(gx.ravel(), gy.ravel()),
                                              predicate="intersects")  # fmt: skip
        return len(hit)

    assert benchmark.pedantic(floor, rounds=3) > 0
