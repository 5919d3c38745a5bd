"""The partitioned overlay's whole-run findings, 控面 adjustment and important-wetland levels.

Each equals what the in-memory :func:`wetval.spatial.overlay` of the whole layer reports:
the findings are made once for the run (not per partition), the control area scales the
pieces of every partition together, and every partition's pieces take their levels from
one important-wetland layer read once. All layers are SYNTHETIC (tests/spatial_helpers).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas
import pandas as pd
import pytest
import shapely

from spatial_helpers import X0, Y0, grid_layer
from test_scale_overlay import _same, _write
from wetval.errors import DataQualityWarning, ValidationError
from wetval.scale.overlay import overlay_partitions
from wetval.spatial import overlay
from wetval.spatial.read import parcels_from_layer

pytest.importorskip("dask_geopandas")


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _footprint() -> geopandas.GeoDataFrame:
    """Three features across the partitions (the grid: 1000 m × 500 m of 100 m parcels).

    One leaves the grid, one has two parts, one cuts a 0.01 m × 50 m sliver off a parcel.
    """
    leaving = _box(30, -40, 530, 120)  # 500 m × 40 m south of the grid: uncovered
    two_parts = shapely.MultiPolygon([_box(610, 210, 690, 290), _box(710, 210, 790, 290)])
    sliver = shapely.union(_box(150, 300, 200, 350), _box(200, 300, 200.01, 350.0))
    return geopandas.GeoDataFrame(
        {"XMBH": ["P1", "P2", "P3"]}, geometry=[leaving, two_parts, sliver], crs=4527
    )


def _important() -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame(
        {
            "level": ["省级重要湿地", "national"],
            "ZYSD_MC": ["甲湖（SYNTHETIC）", "乙湖（SYNTHETIC）"],
        },
        geometry=[_box(0, 0, 250, 100), _box(600, 200, 700, 300)],
        crs=4527,
    )


OPTIONS = {
    "project_field": "XMBH",
    "control_area_m2": 60_000.0,
    "important_wetlands": None,
    "level_field": "level",
    "name_field": "ZYSD_MC",
    "sliver_m2": 5.0,
    "default_level": None,
}


def _in_memory(layer, **options):  # type: ignore[no-untyped-def]
    parcels = parcels_from_layer(layer, source="SYNTHETIC grid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return overlay(parcels, _footprint(), **options)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):  # type: ignore[no-untyped-def]
    layer = grid_layer(10, 5)  # SYNTHETIC: 50 parcels
    folder = tmp_path_factory.mktemp("findings")
    _write(layer, folder / "data", columns=2)
    options = {**OPTIONS, "important_wetlands": _important()}
    with pytest.warns(DataQualityWarning) as caught:
        partitioned = overlay_partitions(folder / "data", _footprint(), folder / "out", **options)
    return partitioned, _in_memory(layer, **options), caught, folder, options


def test_findings_are_the_whole_runs_once(runs) -> None:  # type: ignore[no-untyped-def]
    partitioned, whole, caught, _, _ = runs
    assert partitioned.findings["key"].tolist() == whole.findings["key"].tolist()
    assert {"w_overlay_uncovered", "w_overlay_multipart", "w_overlay_slivers"} <= set(
        partitioned.findings["key"]
    )
    mine = {m.key: dict(m.values) for m in partitioned.messages}
    theirs = {m.key: dict(m.values) for m in whole.messages}
    # planar per feature here, per part in memory: the same area to well under a square metre
    assert mine["w_overlay_uncovered"]["area_m2"] == pytest.approx(
        theirs["w_overlay_uncovered"]["area_m2"], abs=0.05
    )
    assert mine["w_overlay_uncovered"]["area_m2"] == pytest.approx(500 * 40, rel=1e-3)
    assert mine["w_overlay_multipart"] == theirs["w_overlay_multipart"]
    assert mine["w_overlay_slivers"]["count"] == theirs["w_overlay_slivers"]["count"] == 1
    assert set(mine["w_overlay_slivers"]["pieces"]) == set(theirs["w_overlay_slivers"]["pieces"])
    assert mine[whole.findings["key"].iloc[-1]] == theirs[whole.findings["key"].iloc[-1]]  # CRS
    warned = [str(w.message) for w in caught if w.category is DataQualityWarning]
    # one warning per finding for the run, not one per partition
    assert sum("w_overlay_uncovered" in w for w in warned) == 1


def test_control_area_scales_every_partition_together(runs) -> None:  # type: ignore[no-untyped-def]
    partitioned, whole, _, _, _ = runs
    assert partitioned.total_m2 == pytest.approx(60_000.0, rel=1e-12)
    for key in ("control_m2", "before_m2", "adjustment_m2", "factor"):
        assert partitioned.control[key] == pytest.approx(whole.control[key], rel=1e-12)
    _same(partitioned.pieces, whole.pieces)


def test_important_wetland_levels_equal_in_memory(runs) -> None:  # type: ignore[no-untyped-def]
    partitioned, whole, _, _, _ = runs
    levels = partitioned.pieces.sort_index()[["wetland_level", "important_wetland"]]
    expected = whole.pieces.sort_index()[["wetland_level", "important_wetland"]]
    assert levels.astype(object).equals(expected.astype(object))
    assert {"provincial", "national"} <= set(levels["wetland_level"].dropna())


def test_as_an_overlay_it_feeds_what_the_in_memory_one_feeds(runs) -> None:  # type: ignore[no-untyped-def]
    partitioned, whole, _, _, _ = runs
    result = partitioned.to_overlay()
    assert result.provenance.method == "wetval.scale.overlay_partitions"
    mine = result.to_parcels().to_frame().sort_index()
    theirs = whole.to_parcels().to_frame().sort_index()
    assert list(mine.index) == list(theirs.index)
    assert mine["area_m2"].to_numpy() == pytest.approx(theirs["area_m2"].to_numpy(), rel=1e-12)
    assert result.by_land_class()["area_m2"].sum() == pytest.approx(60_000.0, rel=1e-12)
    assert "parcels:part-00" in result.provenance.inputs


def test_a_resumed_run_gives_the_same_findings(runs) -> None:  # type: ignore[no-untyped-def]
    partitioned, _, _, folder, options = runs
    with pytest.warns(DataQualityWarning):
        again = overlay_partitions(folder / "data", _footprint(), folder / "out", **options)
    assert again.skipped == partitioned.touched
    assert again.findings.equals(partitioned.findings)
    record = json.loads(next((folder / "out" / "overlay" / "_done").glob("*.json")).read_text())
    assert record["crs_reason"]["key"] == partitioned.findings["key"].iloc[-1]


def test_another_important_wetland_layer_redoes_the_partitions(runs) -> None:  # type: ignore[no-untyped-def]
    _, _, _, folder, options = runs
    other = _important().iloc[:1]
    with pytest.warns(DataQualityWarning):
        again = overlay_partitions(
            folder / "data",
            _footprint(),
            folder / "out",
            **{**options, "important_wetlands": other},
        )
    assert again.skipped == ()
    assert "national" not in set(again.pieces["wetland_level"].dropna())


def test_bad_important_wetlands_and_control_area_are_refused_before_any_partition(
    tmp_path: Path,
) -> None:
    layer = grid_layer(4, 3)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=2)
    bad = _important()
    bad["level"] = ["重要", "national"]
    with pytest.raises(ValidationError, match="重要") as caught:
        overlay_partitions(
            tmp_path / "data", _footprint(), tmp_path / "out",
            project_field="XMBH", important_wetlands=bad, level_field="level",
        )  # fmt: skip
    assert "partition" not in str(caught.value)
    with pytest.raises(ValidationError, match="control"):
        overlay_partitions(tmp_path / "data", _footprint(), project_field="XMBH",
                           control_area_m2=-1.0)  # fmt: skip
    assert not (tmp_path / "out").exists()  # nothing was written


def test_an_important_wetland_layer_that_meets_no_piece(tmp_path: Path) -> None:
    """Before, an important-wetland layer overlapping none of the pieces raised IndexError."""
    parcels = parcels_from_layer(grid_layer(4, 3), source="SYNTHETIC grid")
    far = geopandas.GeoDataFrame({"level": ["national"]}, geometry=[_box(900, 900, 950, 950)],
                                 crs=4527)  # fmt: skip
    result = overlay(parcels, geopandas.GeoSeries([_box(10, 10, 90, 90)], crs=4527),
                     project_id="P1", important_wetlands=far, level_field="level")  # fmt: skip
    legal = result.pieces["legal_wetland"].astype(bool)
    assert legal.any()
    assert result.pieces.loc[legal, "wetland_level"].eq("general").all()
    assert result.pieces["important_wetland"].isna().all()


def test_batch_footprint_takes_the_overlay_options(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`wetval batch --footprint` with 控面 and important wetlands, as `wetval overlay` has."""
    from wetval.cli import EXIT_OK, main

    layer = grid_layer(10, 5)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=2)
    footprint, important = tmp_path / "red.gpkg", tmp_path / "important.gpkg"
    _footprint().to_file(footprint, engine="pyogrio")
    _important().to_file(important, engine="pyogrio")
    project = tmp_path / "project.toml"
    project.write_text('[cards]\ncondition = "jiangxi-db36-2134"\n')
    argv = ["batch", str(project), "--partitions", str(tmp_path / "data"), "-o",
            str(tmp_path / "o"), "--footprint", str(footprint), "--project-field", "XMBH",
            "--control-area", "60000", "--important-wetlands", str(important),
            "--level-field", "level", "--name-field", "ZYSD_MC", "--json"]  # fmt: skip
    assert main(argv) == EXIT_OK
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["area_m2"] == pytest.approx(60_000.0, rel=1e-12)
    assert data["control"]["control_m2"] == 60_000.0
    keys = [f["key"] for f in data["findings"]]
    assert {"w_overlay_uncovered", "w_overlay_multipart", "n_overlay_control"} <= set(keys)
    assert any("w_overlay_uncovered" in w for w in data["warnings"])
    assert "Traceback" not in captured.err
    pieces = pd.concat(
        pd.read_parquet(p) for p in sorted((tmp_path / "o" / "overlay").glob("*.parquet"))
    )
    assert "national" in set(pieces["wetland_level"].dropna())
