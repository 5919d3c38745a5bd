"""CGCS2000 rules and ellipsoidal areas (wetval.spatial.crs)."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from wetval.errors import ValidationError
from wetval.spatial.crs import (
    CGCS2000_A,
    CGCS2000_F,
    check_crs,
    choose_working_crs,
    ellipsoidal_area,
    gk_zone_epsg,
)

# a parcel-sized box near Jinxian in zone 39 (EPSG:4527), metres
JINXIAN_BOX = (39_440_000.0, 3_140_000.0, 39_441_000.0, 3_141_000.0)


def _band_area(lon1: float, lon2: float, lat1: float, lat2: float) -> float:
    """Closed-form ellipsoidal area between two meridians and two parallels [m²].

    A = a²/2 · Δλ · (q(φ2) − q(φ1)) with the authalic function
    q(φ) = (1 − e²)[sinφ/(1 − e² sin²φ) − ln((1 − e sinφ)/(1 + e sinφ))/(2e)]
    (Snyder 1987, Map Projections — A Working Manual, eq. 3-12 and 3-17).
    """
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    e = math.sqrt(e2)

    def q(phi: float) -> float:
        s = math.sin(math.radians(phi))
        return (1 - e2) * (s / (1 - e2 * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e))

    return CGCS2000_A**2 / 2 * math.radians(lon2 - lon1) * (q(lat2) - q(lat1))


def _lonlat_box(lon1: float, lon2: float, lat1: float, lat2: float, n: int) -> shapely.Polygon:
    """A box whose north and south edges follow the parallels (densified with n vertices)."""
    lons = np.linspace(lon1, lon2, n)
    ring = np.concatenate(
        [
            np.c_[lons, np.full(n, lat1)],
            np.c_[lons[::-1], np.full(n, lat2)],
        ]
    )
    return shapely.Polygon(ring)


def test_area_of_a_box_matches_the_closed_form() -> None:
    box = _lonlat_box(116.0, 116.01, 28.40, 28.41, 2000)
    expected = _band_area(116.0, 116.01, 28.40, 28.41)
    area = ellipsoidal_area(np.array([box]), 4490)[0]
    assert abs(area / expected - 1) < 1e-6
    # the same box reprojected to zone 39 keeps its ellipsoidal area
    projected = shapely.transform(
        box,
        lambda xy: np.c_[
            pyproj.Transformer.from_crs(4490, 4527, always_xy=True).transform(xy[:, 0], xy[:, 1])
        ],
    )
    assert abs(ellipsoidal_area(np.array([projected]), 4527)[0] / expected - 1) < 1e-6
    # and planar area in zone 39 is not the ellipsoidal area (the rule this module exists for)
    assert abs(projected.area / expected - 1) > 1e-5


def test_large_box_matches_the_closed_form() -> None:
    box = _lonlat_box(115.5, 116.5, 28.0, 29.0, 5000)
    expected = _band_area(115.5, 116.5, 28.0, 29.0)
    assert abs(ellipsoidal_area(np.array([box]), 4490)[0] / expected - 1) < 1e-6


@settings(max_examples=50, deadline=None)
@given(
    st.floats(115.5, 116.5),
    st.floats(28.0, 29.0),
    st.floats(0.0005, 0.02),
    st.integers(3, 12),
    st.booleans(),
)
def test_area_agrees_with_pyproj_geod(
    lon: float, lat: float, radius: float, quads: int, hole: bool
) -> None:
    polygon = shapely.Point(lon, lat).buffer(radius, quad_segs=quads)
    if hole:
        polygon = polygon.difference(shapely.Point(lon, lat).buffer(radius / 3))
    multi = shapely.MultiPolygon([polygon, shapely.affinity.translate(polygon, 0.1, 0.0)])
    geod = pyproj.Geod(a=CGCS2000_A, f=CGCS2000_F)
    expected = [abs(geod.geometry_area_perimeter(g)[0]) for g in (polygon, multi)]
    got = ellipsoidal_area(np.array([polygon, multi]), 4490)
    # Geod's own rounding on small polygons is ~1e-4 m² (it moves that much when the
    # polygon is densified without changing shape); ours is compared to closed forms above
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-3)


def test_missing_empty_and_non_polygonal_geometries() -> None:
    box = shapely.box(116.0, 28.0, 116.001, 28.001)
    line = shapely.LineString([(116.0, 28.0), (116.0, 28.1)])
    geoms = np.array(
        [None, shapely.Polygon(), line, shapely.Point(116, 28),
         shapely.GeometryCollection([box, line])], dtype=object,
    )  # fmt: skip
    got = ellipsoidal_area(geoms, 4490)
    assert np.isnan(got[0])
    assert list(got[1:4]) == [0, 0, 0]
    assert got[4] == ellipsoidal_area(np.array([box]), 4490)[0]


@pytest.mark.parametrize(
    ("epsg", "zone", "easting"),
    [(4513, 25, 25_500_000.0), (4527, 39, 39_500_000.0), (4533, 45, 45_500_000.0),
     (4534, 25, 500_000.0), (4548, 39, 500_000.0), (4554, 45, 500_000.0)],
)  # fmt: skip
def test_zone_table_agrees_with_the_epsg_definitions(epsg: int, zone: int, easting: float) -> None:
    definition = pyproj.CRS.from_epsg(epsg)
    params = {p.name: p.value for p in definition.coordinate_operation.params}
    x0 = easting - 500_000 + 500_000 if easting > 1e6 else 500_000.0
    minx = x0 - 1000
    bounds = (minx, 3_100_000, minx + 2000, 3_101_000)
    if epsg in (4513, 4534):
        bounds = (x0 - 1000, 4_000_000, x0 + 1000, 4_001_000)
    info = check_crs(definition, bounds, "layer")
    assert info.zone == zone
    assert info.false_easting == params["False easting"]
    assert info.central_meridian == params["Longitude of natural origin"]


def test_accepts_geographic_and_an_esri_prj_without_code() -> None:
    assert check_crs(4490, (116.0, 28.0, 116.1, 28.1), "x").kind == "geographic"
    esri = pyproj.CRS.from_epsg(4527).to_wkt("WKT1_ESRI")
    assert check_crs(esri, JINXIAN_BOX, "x").epsg == 4527


@pytest.mark.parametrize(
    ("crs", "bounds", "needle"),
    [
        (None, JINXIAN_BOX, "no coordinate reference system"),
        (3857, (12_900_000, 3_290_000, 12_901_000, 3_291_000), "Web Mercator"),
        (4326, (116.0, 28.0, 116.1, 28.1), "not CGCS2000"),
        (2385, (440_000, 3_140_000, 441_000, 3_141_000), "not CGCS2000"),  # Xi'an 80
        (4548, JINXIAN_BOX, "probably EPSG:4527"),  # zone number under a CM label
        (4527, (440_000, 3_140_000, 441_000, 3_141_000), "probably EPSG:4548"),
        (4526, (38_900_000, 3_140_000, 38_901_000, 3_141_000), "outside zone 38"),
        (4490, (440_000, 3_140_000, 441_000, 3_141_000), "labelled geographic"),
    ],
)
def test_refuses_with_the_layer_and_the_fix(crs: object, bounds: tuple, needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_crs(crs, bounds, "DLTB.shp")
    message = str(caught.value)
    assert needle in message
    assert "DLTB.shp" in message
    assert "fix:" in message


def test_working_crs_for_mixed_layers() -> None:
    gk = check_crs(4527, JINXIAN_BOX, "DLTB")
    geo = check_crs(4490, (116.0, 28.0, 116.1, 28.1), "red line")
    same, reason = choose_working_crs({"DLTB": gk, "red line": gk}, 116.0)
    assert same.epsg == 4527
    assert reason.key == "n_overlay_crs_same"
    assert "EPSG:4527" in reason.text("zh")
    chosen, reason = choose_working_crs({"DLTB": gk, "red line": geo}, 116.05)
    assert chosen.epsg == 4527
    assert reason.key == "n_overlay_crs_reprojected"
    assert "EPSG:4490" in reason.text("en")
    assert "投影到 EPSG:4527" in reason.text("zh")
    assert chosen.epsg == gk_zone_epsg(116.05)
    assert gk_zone_epsg(114.4) == 4526
    assert gk_zone_epsg(114.4, zone_number=False) == 4547


@pytest.mark.parametrize("size_deg", [1e-5, 1e-4, 1e-3])
def test_small_boxes_keep_their_digits(size_deg: float) -> None:
    # ~1 m², ~100 m², ~1 ha: relative to each ring's first vertex, nothing cancels away
    box = _lonlat_box(116.3, 116.3 + size_deg, 28.4, 28.4 + size_deg, 20)
    expected = _band_area(116.3, 116.3 + size_deg, 28.4, 28.4 + size_deg)
    assert abs(ellipsoidal_area(np.array([box]), 4490)[0] / expected - 1) < 1e-8
