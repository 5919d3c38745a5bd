"""The partitioned red-line overlay (wetval.scale.overlay) equals the in-memory overlay.

All layers are SYNTHETIC (tests/spatial_helpers.grid_layer: square parcels near Jinxian,
EPSG:4527); the reference is wetval.spatial.overlay of the whole layer in memory.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial_helpers import X0, Y0, grid_layer
from wetval.errors import ValidationError
from wetval.scale import PartitionError
from wetval.scale.overlay import overlay_partitions
from wetval.spatial import overlay
from wetval.spatial.read import parcels_from_layer

pytest.importorskip("dask_geopandas")


def _write(layer, folder: Path, columns: int) -> list[str]:
    """SYNTHETIC partitions: the grid cut into vertical strips of `columns` columns."""
    (folder / "parcels").mkdir(parents=True)
    x = layer.geometry.bounds["minx"].to_numpy()
    strip = ((x - X0) // (100.0 * columns)).astype(int)
    names = []
    for k in np.unique(strip):
        name = f"part-{k:02d}"
        layer[strip == k].to_parquet(folder / "parcels" / f"{name}.parquet")
        names.append(name)
    return names


def _footprint():
    # two features: one across three strips (with a hole-free notch), one small in a corner
    red = shapely.Polygon(
        [(X0 + 30, Y0 + 20), (X0 + 530, Y0 + 60), (X0 + 510, Y0 + 270), (X0 + 60, Y0 + 240)]
    )
    small = shapely.box(X0 + 705, Y0 + 5, X0 + 760, Y0 + 40)
    return geopandas.GeoDataFrame({"XMBH": ["P1", "P2"]}, geometry=[red, small], crs=4527)


def _in_memory(layer, footprint):
    parcels = parcels_from_layer(layer, source="SYNTHETIC grid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return overlay(parcels, footprint, project_field="XMBH").pieces


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=":0", processes=True
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _same(partitioned: pd.DataFrame, whole: pd.DataFrame) -> None:
    a, b = partitioned.sort_index(), whole.sort_index()
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    numeric = ["tbmj_m2", "tbdlmj_m2", "piece_area_m2", "share", "area_m2"]
    np.testing.assert_allclose(a[numeric].to_numpy(float), b[numeric].to_numpy(float),
                               rtol=1e-12, atol=1e-9)  # fmt: skip
    text = [c for c in a.columns if c not in numeric and c != "geometry_wkb"]
    pd.testing.assert_frame_equal(a[text].astype(object), b[text].astype(object))
    geoms = [shapely.from_wkb(f["geometry_wkb"].map(bytes.fromhex).to_numpy()) for f in (a, b)]
    assert shapely.equals(*geoms).all()


def test_partitioned_overlay_equals_in_memory_on_a_local_cluster(tmp_path, cluster_client) -> None:
    layer = grid_layer(10, 5)  # SYNTHETIC: 50 parcels, 1000 m × 500 m
    names = _write(layer, tmp_path / "data", columns=2)
    assert len(names) == 5
    result = overlay_partitions(tmp_path / "data", _footprint(), tmp_path / "out",
                                project_field="XMBH", client=cluster_client)  # fmt: skip
    # strips of x in [0,200), [200,400), [400,600), [600,800), [800,1000): the last is skipped
    assert result.touched == ("part-00", "part-01", "part-02", "part-03")
    whole = _in_memory(layer, _footprint())
    _same(result.pieces, whole)
    assert result.total_m2 == pytest.approx(float(whole["area_m2"].sum()), rel=1e-12)
    assert sorted((tmp_path / "out" / "overlay").glob("*.parquet"))[0].name == "part-00.parquet"

    again = overlay_partitions(tmp_path / "data", _footprint(), tmp_path / "out",
                               project_field="XMBH", client=cluster_client)  # fmt: skip
    assert again.skipped == result.touched  # resumed: nothing redone
    _same(again.pieces, whole)


def test_threaded_path_and_a_changed_partition_is_redone(tmp_path) -> None:
    layer = grid_layer(10, 5)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=3)
    first = overlay_partitions(tmp_path / "data", _footprint(), tmp_path / "out",
                               project_field="XMBH")  # fmt: skip
    _same(first.pieces, _in_memory(layer, _footprint()))
    changed = layer.copy()
    changed.loc[changed.index[0], "DLBM"] = "1101"
    changed.loc[changed.index[0], "DLMC"] = layer.loc[layer.index[1], "DLMC"]  # 1101's name
    changed[changed.geometry.bounds["minx"] < X0 + 300].to_parquet(
        tmp_path / "data" / "parcels" / "part-00.parquet"
    )
    second = overlay_partitions(tmp_path / "data", _footprint(), tmp_path / "out",
                                project_field="XMBH")  # fmt: skip
    assert "part-00" not in second.skipped and "part-01" in second.skipped
    _same(second.pieces, _in_memory(changed, _footprint()))


def test_bad_geometry_names_the_partition_and_row(tmp_path) -> None:
    layer = grid_layer(10, 5)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=2)
    bad = layer[layer.geometry.bounds["minx"].between(X0 + 200, X0 + 399)].copy()
    bad.loc[bad.index[1], "geometry"] = None
    bad.to_parquet(tmp_path / "data" / "parcels" / "part-01.parquet")
    with pytest.raises(PartitionError, match=r"partition 'part-01'.*geometry") as caught:
        overlay_partitions(tmp_path / "data", _footprint(), project_field="XMBH")
    assert str(bad.index[1]) in str(caught.value)


def test_wrong_crs_partition_and_a_footprint_outside_every_partition(tmp_path) -> None:
    layer = grid_layer(10, 5)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=2)
    wrong = layer[layer.geometry.bounds["minx"] < X0 + 200].set_crs(4326, allow_override=True)
    wrong.to_parquet(tmp_path / "data" / "parcels" / "part-00.parquet")
    with pytest.raises(PartitionError, match=r"partition 'part-00'"):
        overlay_partitions(tmp_path / "data", _footprint(), project_field="XMBH",
                           partitions=["part-00"])  # fmt: skip
    far = geopandas.GeoDataFrame(
        {"XMBH": ["P9"]}, geometry=[shapely.box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)], crs=4527
    )
    with pytest.raises(ValidationError, match="overlaps no parcel"):
        overlay_partitions(tmp_path / "data", far, project_field="XMBH",
                           partitions=["part-01", "part-02"])  # fmt: skip


@pytest.mark.slow  # ~20-25 s: the CLI starts (and stops) a 2-process LocalCluster
def test_batch_footprint_on_two_local_clusters_at_once(tmp_path, capsys) -> None:
    """`wetval batch --footprint --workers 2` while another cluster holds a dashboard port.

    Before, the --workers cluster kept Dask's default dashboard port 8787, so a second
    cluster on the machine collided (distributed warns, which filterwarnings=error fails).
    """
    import json

    distributed = pytest.importorskip("distributed")

    from wetval.cli import EXIT_OK, main

    layer = grid_layer(10, 5)  # SYNTHETIC
    _write(layer, tmp_path / "data", columns=2)
    footprint = tmp_path / "red.gpkg"
    _footprint().to_file(footprint, engine="pyogrio")
    project = tmp_path / "project.toml"
    project.write_text('[cards]\ncondition = "jiangxi-db36-2134"\n')
    argv = ["batch", str(project), "--partitions", str(tmp_path / "data"), "-o",
            str(tmp_path / "o"), "--footprint", str(footprint), "--project-field", "XMBH",
            "--workers", "2", "--json"]  # fmt: skip
    try:  # another cluster on the default dashboard port (as a second user's would be)
        holder = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":8787")
    except (RuntimeError, OSError):  # pragma: no cover - the port is taken on this machine
        pytest.skip("port 8787 is in use here")
    with holder:
        assert main(argv) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["touched"] == ["part-00", "part-01", "part-02", "part-03"]
    whole = _in_memory(layer, _footprint())
    assert data["pieces"] == len(whole)
    assert data["area_m2"] == pytest.approx(float(whole["area_m2"].sum()), rel=1e-12)
    threaded = [a for a in argv if a not in ("--workers", "2")]
    assert main(threaded) == EXIT_OK  # resumed on this machine's threads
    assert json.loads(capsys.readouterr().out)["skipped"] == data["touched"]
