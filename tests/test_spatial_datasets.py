"""SYNTHETIC polygons of the synthetic county and the shipped GeoPackage."""

from __future__ import annotations

import geopandas
import numpy as np
import pytest
import shapely

from wetval.datasets import (
    SAMPLE_GPKG_PARCELS,
    SAMPLE_SEED,
    sample_geopackage,
    synthetic_county,
)
from wetval.spatial import layers, overlay, read_dltb
from wetval.spatial.crs import ellipsoidal_area


@pytest.fixture(scope="module")
def county():
    return synthetic_county(400, seed=7, geometry=True)


def test_polygons_tile_without_gaps_or_overlaps(county) -> None:
    frame = county.parcels.to_frame()
    assert frame.crs.to_epsg() == 4527
    geoms = frame.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    # no overlap: the union is as large as the sum; no gap: one polygon without holes
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    # attributes agree with the geometry (TBMJ is its ellipsoidal area)
    np.testing.assert_allclose(frame["tbmj_m2"], ellipsoidal_area(frame), atol=0.006)
    assert county.parcels.synthetic
    assert frame.index.str.startswith("SYN").all()


def test_same_seed_same_polygons_and_attributes_as_without(county) -> None:
    again = synthetic_county(400, seed=7, geometry=True).parcels.to_frame()
    frame = county.parcels.to_frame()
    assert shapely.equals_exact(frame.geometry.to_numpy(), again.geometry.to_numpy(), 0).all()
    plain = synthetic_county(400, seed=7).parcels.to_frame()
    assert (plain["land_class"].astype(str) == frame["land_class"].astype(str)).all()
    assert (
        plain["role"].astype(object).fillna("") == frame["role"].astype(object).fillna("")
    ).all()


def test_red_line_and_restoration_sites_overlay(county) -> None:
    assert county.red_line.crs.to_epsg() == 4527
    occupied = overlay(county.parcels, county.red_line, project_field="XMBH")
    assert occupied.total_m2 == pytest.approx(ellipsoidal_area(county.red_line).sum(), rel=1e-6)
    sites = county.restoration_sites
    assert set(sites["XMBH"]) <= {"R01", "R02", "R03", "R04", "R05", "R06"}


def test_shipped_geopackage_is_the_generator_output() -> None:
    path = sample_geopackage()
    listed = layers(path).set_index("layer")
    assert listed.loc["DLTB", "features"] == SAMPLE_GPKG_PARCELS
    assert set(listed.index) == {"DLTB", "HXHX", "XFDK"}
    shipped = read_dltb(path)
    made = synthetic_county(SAMPLE_GPKG_PARCELS, SAMPLE_SEED, geometry=True)
    np.testing.assert_array_equal(shipped.area("m2"), made.parcels.area("m2"))
    assert shipped.synthetic
    red = geopandas.read_file(path, layer="HXHX")
    assert "SYNTHETIC" in red["XMMC"].iloc[0]
    assert shapely.equals_exact(red.geometry.iloc[0], made.red_line.geometry.iloc[0], 1e-6)
