"""``wetval overlay`` (the 压占分析 command)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import openpyxl
import pytest
import shapely

from spatial_helpers import X0, Y0, grid_layer
from wetval.cli import main


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    parcels = tmp_path / "dltb.gpkg"
    grid_layer().to_file(parcels, layer="DLTB", engine="pyogrio")
    line = tmp_path / "hx.gpkg"
    geopandas.GeoDataFrame(
        {"XMBH": ["P01"]}, geometry=[shapely.box(X0 + 50, Y0, X0 + 250, Y0 + 150)], crs=4527
    ).to_file(line, engine="pyogrio")
    return parcels, line


def test_overlay_to_workbook_and_geopackage(files, tmp_path: Path, capsys) -> None:
    parcels, line = files
    out = tmp_path / "yz.xlsx"
    assert (
        main(["overlay", str(parcels), str(line), "-o", str(out), "--project-field", "XMBH"]) == 0
    )
    assert "压占分析" in capsys.readouterr().out
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["压占图斑", "按地类汇总", "按权属单位汇总"]
    header = next(book["压占图斑"].iter_rows(max_row=1, values_only=True))
    assert {"压占面积", "地类编码", "压占比例"} <= set(header)
    gpkg = tmp_path / "yz.gpkg"
    assert main(["--json", "overlay", str(parcels), str(line), "-o", str(gpkg)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["crs"] == "EPSG:4527"
    assert geopandas.read_file(gpkg)["压占面积"].sum() == pytest.approx(30_000, rel=1e-3)


def test_overlay_errors_are_messages_not_tracebacks(files, tmp_path: Path, capsys) -> None:
    parcels, line = files
    assert main(["overlay", str(parcels), str(line), "-o", str(tmp_path / "x.csv")]) == 1
    assert "with one of: .gpkg, .shp, .xlsx" in capsys.readouterr().err
    bad = tmp_path / "bad.gpkg"
    geopandas.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=3857).to_file(bad)
    assert main(["overlay", str(parcels), str(bad), "-o", str(tmp_path / "x.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "not CGCS2000" in err
    assert "Traceback" not in err
    assert main(["overlay", str(tmp_path / "none.mdb"), str(line), "-o", "x.gpkg"]) == 1
    assert "ogr2ogr" in capsys.readouterr().err


def test_overlay_sets_levels_and_names_from_important_wetlands(files, tmp_path: Path) -> None:
    """--important-wetlands with --name-field and --default-level, as data.important_wetlands."""
    parcels, line = files
    wetlands = tmp_path / "zysd.gpkg"
    geopandas.GeoDataFrame(
        {"SD_DJ": ["national"], "ZYSD_MC": ["示意重要湿地（SYNTHETIC）"]},
        geometry=[shapely.box(X0 + 50, Y0, X0 + 150, Y0 + 150)],
        crs=4527,
    ).to_file(wetlands, engine="pyogrio")
    out = tmp_path / "yz.gpkg"
    argv = ["overlay", str(parcels), str(line), "-o", str(out), "--important-wetlands",
            str(wetlands), "--level-field", "SD_DJ", "--name-field", "ZYSD_MC",
            "--default-level", "general"]  # fmt: skip
    assert main(argv) == 0
    pieces = geopandas.read_file(out)
    legal = pieces["legal_wetland"].astype(bool)
    polygon = geopandas.read_file(wetlands).geometry.iloc[0]
    inside = pieces.geometry.within(polygon.buffer(1e-6))
    outside = pieces.geometry.disjoint(polygon.buffer(-1e-6))
    assert (legal & inside).any() and (legal & outside).any()
    assert set(pieces.loc[legal & inside, "wetland_level"]) == {"national"}
    assert set(pieces.loc[legal & inside, "important_wetland"]) == {"示意重要湿地（SYNTHETIC）"}
    assert set(pieces.loc[legal & outside, "wetland_level"]) == {"general"}
    assert main([*argv[:-1], "nonsense"]) == 2  # not a level: a usage error
