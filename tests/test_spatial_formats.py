"""One rule for which parcel files are read with their geometry (``is_geometry_file``)."""

from __future__ import annotations

from pathlib import Path

import geopandas
import pandas as pd
import pytest
import shapely

from wetval.spatial.read import is_geometry_file


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("360124_2023.gdb", True),
        ("360124_2023.GDB/", True),
        ("360124_2023.gdb.zip", True),
        ("dltb.gpkg", True),
        ("DLTB.shp", True),
        ("dltb.geojson", True),
        ("dltb.fgb", True),
        ("dltb.csv", False),
        ("dltb.xlsx", False),
        ("dltb.parquet", False),  # absent: not a GeoParquet file
    ],
)
def test_endings(name: str, expected: bool) -> None:
    assert is_geometry_file(name) is expected


def test_a_parquet_file_is_read_with_geometry_only_when_it_is_geoparquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"BSM": ["1", "2"], "DLBM": ["1101", "0101"]})  # SYNTHETIC
    plain = tmp_path / "plain.parquet"
    frame.to_parquet(plain)
    geo = tmp_path / "geo.parquet"
    geopandas.GeoDataFrame(
        frame, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4527
    ).to_parquet(geo)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    assert is_geometry_file(geo)
    assert not is_geometry_file(plain)
    assert not is_geometry_file(broken)  # the table reader names the fault
