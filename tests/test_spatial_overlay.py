"""The red-line overlay (wetval.spatial.overlay)."""

from __future__ import annotations

from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from spatial_helpers import X0, Y0, grid_layer
from wetval.errors import DataQualityWarning, ValidationError
from wetval.spatial import Overlay, overlay, read_dltb
from wetval.spatial.crs import ellipsoidal_area


@pytest.fixture(scope="module")
def parcels(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("dltb") / "county.gpkg"
    grid_layer().to_file(path, layer="DLTB", engine="pyogrio")
    return read_dltb(path)


def red_line(*boxes: tuple[float, float, float, float], crs: int = 4527):
    geoms = [shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes]
    return geopandas.GeoDataFrame({"name": [f"F{i}" for i in range(len(geoms))]},
                                  geometry=geoms, crs=crs)  # fmt: skip


def test_pieces_shares_and_prorated_areas(parcels) -> None:
    # x 50..250, y 0..150 over 100 m parcels: columns 0 (half), 1 (full), 2 (half); rows 0, 1 (half)
    result = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01")
    frame = result.to_frame()
    pieces = frame[frame["record"] == "parcel"].set_index("parcel_id")
    # grid numbering: parcel k at column k // 3, row k % 3
    expected = {1: 0.5, 2: 0.25, 4: 1.0, 5: 0.5, 7: 0.5, 8: 0.25}
    assert sorted(int(p[3:]) for p in pieces.index) == sorted(expected)
    for k, share in expected.items():
        row = pieces.loc[f"SYN{k:09d}"]
        assert row["share"] == pytest.approx(share, rel=1e-6)
        assert row["area_m2"] == pytest.approx(row["tbdlmj_m2"] * row["share"], rel=1e-12)
    # the footprint's ellipsoidal area is conserved across the pieces (parcel + strip records)
    footprint_area = ellipsoidal_area(red_line((50, 0, 250, 150)))[0]
    assert frame["piece_area_m2"].sum() == pytest.approx(footprint_area, rel=1e-9)
    assert result.provenance.options["working_crs"] == "EPSG:4527"
    assert result.pieces["role"].eq("occupation").all()


def test_the_deducted_strip_is_its_own_record(parcels) -> None:
    result = overlay(parcels, red_line((0, 0, 400, 300)), project_id="P01")
    frame = result.to_frame()
    # parcels 3, 7, 11 are 0101 with KCXS 0.1 (grid_layer's class cycle)
    strips = frame[frame["record"] == "deduction"]
    assert sorted(strips["parcel_id"]) == ["SYN000000003", "SYN000000007", "SYN000000011"]
    assert set(strips["land_class"]) == {"1203"}
    assert strips.index.str.endswith("-KC").all()
    whole = frame[frame["record"] == "parcel"].set_index("parcel_id")
    for pid, strip in strips.set_index("parcel_id").iterrows():
        assert strip["area_m2"] == pytest.approx(whole.loc[pid, "tbmj_m2"] * 0.1, abs=0.01)
        assert strip["area_m2"] + whole.loc[pid, "area_m2"] == pytest.approx(
            whole.loc[pid, "tbmj_m2"], abs=0.02
        )
    totals = result.by_land_class()
    assert totals["area_m2"].sum() == pytest.approx(result.total_m2)
    assert "1203" in totals.index.get_level_values("land_class")
    owners = result.by_ownership()
    assert owners["area_m2"].sum() == pytest.approx(result.total_m2)
    assert "压占分析" in str(result.summary())


def test_to_parcels_feeds_quota_debits(parcels) -> None:
    from wetval.quota import account_debits

    important = red_line((0, 0, 60, 60))
    important["level"] = ["provincial"]
    result = overlay(
        parcels, red_line((50, 0, 250, 150)), project_id="P01", important_wetlands=important,
        level_field="level",
    )  # fmt: skip
    table = result.to_parcels()
    levels = table.to_frame()["wetland_level"].astype(object)
    assert levels["P01:SYN000000001"] == "provincial"
    assert levels["P01:SYN000000002"] == "general"
    assert set(table.to_frame()["role"].astype(str)) == {"occupation"}
    assert set(table.to_frame()["project_id"].astype(str)) == {"P01"}
    np.testing.assert_allclose(table.area("m2"), result.pieces["area_m2"])
    condition = pd.DataFrame({"grade": "良", "index": 0.7}, index=table.ids)
    projects = pd.DataFrame({"project_id": ["P01"], "project_type": ["transport"]})
    owed = account_debits(table, condition, "quota-jinxian", projects=projects)
    legal = owed.table["needs_quota"]
    assert legal.any()
    assert (owed.table.loc[legal, "units"] > 0).all()
    assert (owed.table.loc[~legal, "units"] == 0).all()


def test_restoration_role_and_carried_design_columns(parcels) -> None:
    sites = red_line((0, 0, 100, 100), (300, 200, 400, 300))
    sites["XMBH"] = ["R01", "R02"]
    sites["risk_class"] = ["low", "medium"]
    result = overlay(parcels, sites, role="restoration", project_field="XMBH")
    frame = result.to_frame()
    assert set(frame["project_id"]) == {"R01", "R02"}
    assert frame.loc[frame["project_id"] == "R02", "risk_class"].eq("medium").all()
    assert result.to_parcels().to_frame()["role"].astype(str).eq("restoration").all()


def test_control_area_adjustment_is_reported(parcels) -> None:
    result = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01", control_area_m2=29_990)
    assert result.total_m2 == pytest.approx(29_990)
    assert result.control["adjustment_m2"] == pytest.approx(29_990 - result.control["before_m2"])
    assert any(m.key == "n_overlay_control" for m in result.messages)


def test_important_wetland_sets_the_level(parcels) -> None:
    important = red_line((0, 0, 120, 100))
    important["level"] = ["国家重要湿地"]
    important["ZYSD_MC"] = ["示例湖（SYNTHETIC）"]
    result = overlay(
        parcels, red_line((0, 0, 200, 100)), project_id="P01",
        important_wetlands=important, level_field="level", name_field="ZYSD_MC",
    )  # fmt: skip
    levels = result.to_frame().set_index("parcel_id")
    assert levels.loc["SYN000000001", "wetland_level"] == "national"
    assert levels.loc["SYN000000004", "wetland_level"] == "national"  # overlapped by 20 m
    assert levels.loc["SYN000000001", "important_wetland"] == "示例湖（SYNTHETIC）"


def test_mixed_crs_footprint_is_reprojected_and_recorded(parcels) -> None:
    line = red_line((50, 0, 250, 150)).to_crs(4490)
    result = overlay(parcels, line, project_id="P01")
    same = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01")
    assert "EPSG:4490" in result.provenance.options["crs_choice"]
    assert result.total_m2 == pytest.approx(same.total_m2, rel=1e-6)


BOWTIE = [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]


def _one(geometry: shapely.Geometry):
    return geopandas.GeoDataFrame(geometry=[geometry], crs=4527)


@pytest.mark.parametrize(
    ("footprint", "needle"),
    [
        (red_line((50, 0, 250, 150)).set_crs(None, allow_override=True), "no coordinate"),
        (red_line((50, 0, 250, 150)).to_crs(3857), "Web Mercator"),
        (red_line((5000, 5000, 5100, 5100)), "overlaps no parcel"),
        (geopandas.GeoDataFrame(geometry=[shapely.Polygon()], crs=4527), "without geometry"),
        (_one(shapely.LineString([(X0, Y0), (X0 + 9, Y0 + 9)])), "not a polygon"),
        (_one(shapely.Polygon(BOWTIE)), "Self-intersection"),
    ],
)
def test_footprint_errors(parcels, footprint, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle) as caught:
        overlay(parcels, footprint, project_id="P01")
    assert "fix:" in str(caught.value)


def test_missing_project_id_and_parcels_without_geometry(parcels) -> None:
    with pytest.raises(ValidationError, match="no project id"):
        overlay(parcels, red_line((50, 0, 250, 150)))
    plain = parcels.subset(np.ones(len(parcels), dtype=bool))
    from wetval.tables import ParcelTable

    no_geometry = ParcelTable.from_frame(pd.DataFrame(plain.to_frame().drop(columns="geometry")
                                                      .reset_index()))  # fmt: skip
    with pytest.raises(ValidationError, match="no geometry"):
        overlay(no_geometry, red_line((50, 0, 250, 150)), project_id="P01")


def test_multipart_sliver_and_uncovered_are_listed_warnings(parcels) -> None:
    footprint = geopandas.GeoDataFrame(
        geometry=[shapely.MultiPolygon([
            shapely.box(X0 + 10, Y0 + 10, X0 + 60, Y0 + 60),
            shapely.box(X0 + 99.99, Y0 + 10, X0 + 150, Y0 + 60),  # 0.5 m² sliver in parcel 1
            shapely.box(X0 + 390, Y0 + 10, X0 + 450, Y0 + 60),  # 50 m outside the layer
        ])], crs=4527,
    )  # fmt: skip
    with pytest.warns(DataQualityWarning) as record:
        result = overlay(parcels, footprint, project_id="P01")
    keys = {m.key for m in result.messages}
    assert {"w_overlay_multipart", "w_overlay_slivers", "w_overlay_uncovered"} <= keys
    assert len(record) == 3
    multipart = next(m for m in result.messages if m.key == "w_overlay_multipart")
    assert dict(multipart.values)["features"] == ("P01 #0 (3)",)
    # the same sites as restoration: several parts are ordinary, a note, not a warning
    with pytest.warns(DataQualityWarning) as record:
        sites = overlay(parcels, footprint, role="restoration", project_id="R01")
    assert len(record) == 2
    assert next(m for m in sites.messages if m.key == "w_overlay_multipart").severity == "note"
    uncovered = next(m for m in result.messages if m.key == "w_overlay_uncovered")
    assert dict(uncovered.values)["area_m2"] == pytest.approx(50 * 50, rel=1e-3)
    sliver = next(m for m in result.messages if m.key == "w_overlay_slivers")
    assert dict(sliver.values)["pieces"] == ("P01:SYN000000001-2",)


def test_to_file_geopackage_and_shapefile(parcels, tmp_path: Path) -> None:
    result = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01")
    gpkg = geopandas.read_file(result.to_file(tmp_path / "out.gpkg"))
    assert gpkg.crs.to_epsg() == 4527
    assert {"land_class", "地类编码", "压占面积", "piece_area_m2"} <= set(gpkg.columns)
    assert gpkg["压占面积"].sum() == pytest.approx(result.pieces["piece_area_m2"].sum())
    shp = geopandas.read_file(result.to_file(tmp_path / "out.shp"))
    assert {"DLBM", "YZMJ", "YZDLMJ", "XMBH"} <= set(shp.columns)
    assert shp.crs.to_epsg() == 4527


def test_result_round_trips_through_json(parcels) -> None:
    result = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01")
    again = Overlay.from_json(result.to_json())
    pd.testing.assert_frame_equal(again.pieces, result.pieces)
    assert again.geometry().area.sum() == pytest.approx(result.geometry().area.sum())


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 400), st.floats(0, 300)), min_size=3, max_size=12, unique=True)
)
def test_pieces_of_a_parcel_sum_to_the_parcel(parcels, points: list[tuple[float, float]]) -> None:
    hull = shapely.convex_hull(shapely.MultiPoint([(X0 + x, Y0 + y) for x, y in points]))
    if hull.geom_type != "Polygon" or hull.area < 100:
        return
    # two footprint features splitting the hull: each parcel's pieces come from both
    cut = shapely.box(X0 - 1, Y0 - 1, X0 + 200, Y0 + 301)
    parts = [hull.intersection(cut), hull.difference(cut)]
    parts = [p for p in parts if not p.is_empty and p.area > 0]
    footprint = geopandas.GeoDataFrame(geometry=parts, crs=4527)
    result = overlay(parcels, footprint, project_id="P", sliver_m2=0.0)
    frame = result.to_frame()
    grid = grid_layer()
    covered = grid[shapely.covers(hull, grid.geometry.to_numpy())]
    for pid in covered["BSM"]:
        mine = frame[(frame["parcel_id"] == pid) & (frame["record"] == "parcel")]
        assert mine["share"].sum() == pytest.approx(1.0, rel=1e-9)
        assert mine["area_m2"].sum() == pytest.approx(mine["tbdlmj_m2"].iloc[0], rel=1e-9)
    # and nothing is lost: the pieces add up to the footprint (all inside the layer), up to
    # the vertices cutting inserts on its edges: a straight edge in the Gauss–Krüger plane is
    # not a geodesic (sag ~ L²·x/(8R²), ~1e-5 m for 200 m at 60 km from the meridian), so
    # the difference is bounded by the perimeter × that sag, which matters for thin slivers
    sag_band = 1e-5 * float(footprint.length.sum())
    assert frame["piece_area_m2"].sum() == pytest.approx(
        ellipsoidal_area(footprint).sum(), rel=1e-6, abs=sag_band
    )


def test_project_map_and_county_overview(parcels, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from wetval.spatial.maps import county_map

    occupied = overlay(parcels, red_line((50, 0, 250, 150)), project_id="P01")
    sites = overlay(parcels, red_line((300, 200, 400, 300)), role="restoration", project_id="R1")
    ax = occupied.plot(parcels=parcels, restoration=[sites], grades={"SYN000000012": "良"})
    texts = " ".join(t.get_text() for t in ax.figure.findobj(Text))
    assert "用地红线" in texts
    assert "CGCS2000" in texts
    assert "北" in texts  # north arrow
    assert "m" in texts  # scale bar label
    assert "质量等级 良" in texts
    assert "1104 坑塘水面" in texts
    assert "1203" not in texts  # strips share the ground of their piece; not drawn twice
    ax.figure.savefig(tmp_path / "map.png", dpi=60)
    plt.close(ax.figure)
    ax = county_map([occupied, sites], parcels=parcels, lang="en")
    texts = " ".join(t.get_text() for t in ax.figure.findobj(Text))
    assert "County overview" in texts
    assert "SYNTHETIC" in texts
    assert "Red line (land-use boundary)" in texts and "Compensating (restoration) sites" in texts
    plt.close(ax.figure)


@pytest.mark.parametrize("cells", [200, 1000])
def test_county_townships_trace_the_true_boundaries(cells: int) -> None:
    """The overview's outlines lie within a cell or two of the exact township dissolve."""
    import geopandas
    import shapely

    from wetval.datasets import sample_spatial_county
    from wetval.spatial.maps import county_townships

    parcels = sample_spatial_county().parcels  # SYNTHETIC
    frame = parcels._frame
    towns = county_townships(parcels, 4527, cells=cells)
    exact = geopandas.GeoDataFrame(
        frame[["township_code"]].astype(object), geometry=frame.geometry.to_numpy(), crs=frame.crs
    ).dissolve(by="township_code")
    assert list(towns.index) == sorted(exact.index.astype(str))
    x0, y0, x1, y1 = frame.total_bounds
    cell = max(x1 - x0, y1 - y0) / cells
    for code, wkb in towns["geometry_wkb"].items():
        outline = shapely.from_wkb(bytes.fromhex(wkb))
        boundary = exact.loc[code].geometry.boundary
        # every point of the outline is near the true boundary (cell diagonal + simplification)
        points = shapely.points(shapely.get_coordinates(shapely.segmentize(outline, cell / 2)))
        assert shapely.distance(points, boundary).max() <= 2.5 * cell
        # and the true boundary is traced, save features thinner than a cell
        samples = shapely.points(shapely.get_coordinates(shapely.segmentize(boundary, cell / 2)))
        assert (shapely.distance(samples, outline) <= 2.5 * cell).mean() >= 0.97


def test_county_townships_of_an_empty_layer(parcels) -> None:
    from wetval.spatial.maps import county_townships

    bare = parcels.subset(np.zeros(len(parcels), dtype=bool))
    assert county_townships(bare, 4527).empty


def test_default_level_fills_only_legal_wetland_without_a_level(parcels) -> None:
    result = overlay(parcels, red_line((0, 0, 400, 300)), project_id="P01", default_level="general")
    frame = result.to_frame()
    legal = frame["legal_wetland"].astype(bool)
    assert frame.loc[legal, "wetland_level"].eq("general").all()
    assert frame.loc[~legal, "wetland_level"].isna().all()
    assert result.provenance.options["default_level"] == "general"
