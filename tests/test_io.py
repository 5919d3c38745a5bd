"""File formats: CSV in UTF-8, UTF-8 with BOM and GBK; XLSX; Parquet; GeoPackage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wetval import read_indicators, read_parcels, read_table, write_table
from wetval.datasets import export_sample
from wetval.errors import ValidationError
from wetval.io import detect_encoding


def dltb() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "BSM": ["000101", "000102", "000103"],
            "DLBM": ["0101", "1104A", "1106"],
            "DLMC": ["水田", "养殖坑塘", "内陆滩涂"],
            "TBMJ": [1500.25, 8000.0, 22000.5],
            "KCMJ": [100.0, 0.0, 0.0],
            "TBDLMJ": [1400.25, 8000.0, 22000.5],
            "QSXZ": ["30", "30", "10"],
            "ZLDWDM": ["3601241150010000000"] * 3,
            "ZLDWMC": ["三阳集乡", "三阳集乡", "梅庄镇"],
        }
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_round_trip_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "dltb.csv"
    dltb().to_csv(path, index=False, encoding=encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really GBK bytes, not UTF-8
    table = read_parcels(path)
    frame = table.to_frame()
    assert list(table.ids) == ["000101", "000102", "000103"]  # leading zeros kept
    assert frame["land_class"].tolist() == ["0101", "1104A", "1106"]
    assert frame["township"].tolist() == ["三阳集乡", "三阳集乡", "梅庄镇"]
    assert frame["land_class_name"].tolist() == ["水田", "养殖坑塘", "内陆滩涂"]
    assert frame["area_m2"].tolist() == [1400.25, 8000.0, 22000.5]
    expected = "gb18030" if encoding == "gbk" else "utf-8-sig"
    assert detect_encoding(path) == expected


def test_gbk_export_of_the_sample_county_reads_back_identically(tmp_path: Path, county) -> None:
    paths = export_sample(tmp_path, encoding="gbk")
    parcels = read_parcels(paths["parcels"])
    indicators = read_indicators(paths["indicators"])
    assert parcels.hash == county.parcels.hash
    pd.testing.assert_frame_equal(indicators.to_frame(), county.indicators.to_frame())


def test_write_table_then_read_with_excel_and_parquet(tmp_path: Path) -> None:
    frame = dltb()
    for suffix in (".xlsx", ".parquet", ".csv"):
        path = write_table(frame, tmp_path / f"dltb{suffix}", index=False)
        assert not list(tmp_path.glob(".*.partial"))
        table = read_parcels(path)
        assert table.to_frame()["land_class"].tolist() == ["0101", "1104A", "1106"]


def test_errors_cite_spreadsheet_rows(tmp_path: Path) -> None:
    frame = dltb()
    frame.loc[2, "DLBM"] = "11O6"  # letter O instead of zero
    path = tmp_path / "dltb.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(ValidationError) as caught:
        read_parcels(path)
    assert caught.value.problems["row"].tolist() == [4]  # header is row 1
    assert str(path) in str(caught.value)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    odd = tmp_path / "dltb.dbf"
    odd.write_bytes(b"x")
    with pytest.raises(ValidationError, match=r"unsupported file type '\.dbf'"):
        read_table(odd)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"BSM,DLBM\n\xff\xfe\xff,1104\n")
    with pytest.raises(ValidationError, match="text encoding not recognised"):
        read_table(garbage)


def test_geopackage_round_trip(tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    frame = dltb()
    squares = [shapely.box(i * 100, 0, i * 100 + 50, 50) for i in range(3)]
    layer = geopandas.GeoDataFrame(frame, geometry=squares, crs="EPSG:4547")
    path = tmp_path / "dltb.gpkg"
    layer.to_file(path, layer="DLTB", driver="GPKG")
    table = read_parcels(path, layer="DLTB")
    result = table.to_frame()
    assert type(result).__name__ == "GeoDataFrame"
    assert result.crs.to_epsg() == 4547
    assert result["land_class"].tolist() == ["0101", "1104A", "1106"]
    assert result.geometry.area.tolist() == [2500.0] * 3


def test_geopackage_numeric_id_field_reads_as_whole_number_text(tmp_path: Path) -> None:
    # an integer id field with a NULL comes back from the file as floats; its text must be
    # "101" (as from CSV or Parquet), not "101.0", or it never joins the indicator rows
    geopandas = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    frame = dltb().assign(BSM=[101.0, 102.0, float("nan")])
    squares = [shapely.box(i * 100, 0, i * 100 + 50, 50) for i in range(3)]
    path = tmp_path / "dltb.gpkg"
    geopandas.GeoDataFrame(frame, geometry=squares, crs="EPSG:4547").to_file(path, driver="GPKG")
    table = read_table(path)
    assert table["BSM"].iloc[:2].tolist() == ["101", "102"] and table["BSM"].isna().iloc[2]
