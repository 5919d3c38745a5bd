"""Reading 三调 deliveries (wetval.spatial.read_dltb, layers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spatial_helpers import grid_layer
from wetval.errors import DataQualityWarning, ValidationError
from wetval.spatial import layers, read_dltb
from wetval.spatial.crs import ellipsoidal_area
from wetval.tables import ParcelTable


def _write_gdb(tmp_path: Path, frame=None) -> Path:
    path = tmp_path / "county.gdb"
    (frame if frame is not None else grid_layer()).to_file(
        path, driver="OpenFileGDB", layer="DLTB", engine="pyogrio"
    )
    grid_layer(2, 1).iloc[:1].to_file(path, driver="OpenFileGDB", layer="XZQ", engine="pyogrio")
    return path


def _assert_like_the_source(parcels: ParcelTable, n: int = 12) -> None:
    assert len(parcels) == n
    frame = parcels.to_frame()
    assert frame.crs.to_epsg() == 4527
    assert list(frame["land_class"].astype(str)[:4]) == ["1104", "1101", "0101", "1106"]
    assert frame["township_code"].astype(str).iloc[0] == "360124100"
    assert frame["village_code"].astype(str).iloc[0] == "360124100001"
    assert frame["township"].astype(str).iloc[0] == "民和镇"
    assert frame["ZLDWMC"].iloc[0] == "民和镇东村"
    # TBDLMJ of cultivated land is net of the 10 % deduction
    cultivated = frame["land_class"].astype(str) == "0101"
    np.testing.assert_allclose(
        frame.loc[cultivated, "area_m2"], frame.loc[cultivated, "tbmj_m2"] * 0.9, atol=0.01
    )


def test_file_geodatabase_folder_and_zip(tmp_path: Path) -> None:
    gdb = _write_gdb(tmp_path)
    _assert_like_the_source(read_dltb(gdb))
    listed = layers(gdb).set_index("layer")
    assert listed.loc["DLTB", "features"] == 12
    assert listed.loc["XZQ", "features"] == 1
    assert listed.loc["DLTB", "crs"] == "EPSG:4527"
    archive = shutil.make_archive(str(tmp_path / "county.gdb"), "zip", tmp_path, "county.gdb")
    assert archive.endswith(".gdb.zip")
    _assert_like_the_source(read_dltb(archive, layer="DLTB"))


def test_gbk_shapefile_without_cpg(tmp_path: Path) -> None:
    path = tmp_path / "dltb.shp"
    grid_layer().to_file(path, encoding="gbk", engine="pyogrio")
    path.with_suffix(".cpg").unlink()
    assert path.with_suffix(".dbf").read_bytes().find("民和镇".encode("gbk")) > 0
    _assert_like_the_source(read_dltb(path))


def test_geopackage_and_geoparquet(tmp_path: Path) -> None:
    grid_layer().to_file(tmp_path / "dltb.gpkg", layer="DLTB", engine="pyogrio")
    _assert_like_the_source(read_dltb(tmp_path / "dltb.gpkg"))
    grid_layer().to_parquet(tmp_path / "dltb.parquet")
    _assert_like_the_source(read_dltb(tmp_path / "dltb.parquet"))
    assert layers(tmp_path / "dltb.parquet")["features"].tolist() == [12]


def test_personal_geodatabase_is_refused_with_the_conversion(tmp_path: Path) -> None:
    mdb = tmp_path / "county.mdb"
    mdb.write_bytes(b"\0")
    with pytest.raises(ValidationError, match=r"ogr2ogr -f GPKG county\.gpkg county\.mdb DLTB"):
        read_dltb(mdb)


def test_several_layers_without_dltb_must_be_named(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    grid_layer().to_file(path, layer="A", engine="pyogrio")
    grid_layer().to_file(path, layer="B", engine="pyogrio")
    with pytest.raises(ValidationError, match="none is called DLTB: A, B"):
        read_dltb(path)
    with pytest.raises(ValidationError, match="no layer 'C'"):
        read_dltb(path, layer="C")
    assert len(read_dltb(path, layer="B")) == 12


def test_wrong_crs_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    grid_layer().set_crs(4548, allow_override=True).to_file(path, layer="DLTB", engine="pyogrio")
    with pytest.raises(ValidationError, match=r"x.gpkg layer DLTB[\s\S]*probably EPSG:4527"):
        read_dltb(path)


def test_aliases_across_survey_years_and_forestry_fields(tmp_path: Path) -> None:
    frame = grid_layer(2, 2, classes=("1106",))
    frame["XXTBKD"] = [0.0, 2.5, 0.0, 0.0]
    frame["GDZZSXDM"] = ["", "JKHF", "", ""]
    frame["SD_DJ"] = ["国家重要湿地", "一般湿地", None, "省级重要湿地"]
    frame["ZYSD_BM"] = ["鄱阳湖", None, None, "军山湖"]
    frame["SDLYFS"] = ["自然", None, None, "养殖"]
    path = tmp_path / "x.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    table = read_dltb(path).to_frame()
    assert table["feature_width_m"].tolist() == [0.0, 2.5, 0.0, 0.0]
    assert table["planting_code"].astype(object).tolist()[1] == "JKHF"
    levels = table["wetland_level"].astype(object).where(table["wetland_level"].notna(), None)
    assert levels.tolist() == ["national", "general", None, "provincial"]
    assert table["important_wetland"].astype(object).tolist()[::3] == ["鄱阳湖", "军山湖"]
    assert table["wetland_use"].astype(object).tolist()[3] == "养殖"
    # the 2019 spelling works the same
    frame = frame.rename(columns={"XXTBKD": "XZDWKD", "GDZZSXDM": "ZZSXDM"})
    frame.to_file(tmp_path / "y.gpkg", layer="DLTB", engine="pyogrio")
    assert read_dltb(tmp_path / "y.gpkg").to_frame()["feature_width_m"].tolist()[1] == 2.5


def test_township_names_from_a_code_table(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    grid_layer().to_file(path, layer="DLTB", engine="pyogrio")
    table = read_dltb(path, township_table={"360124101": "李渡镇（表）"}).to_frame()
    names = table.groupby(table["township_code"].astype(str))["township"].first()
    assert names.to_dict() == {"360124100": "民和镇", "360124101": "李渡镇（表）"}


def test_deduction_rules_list_every_offending_row(tmp_path: Path) -> None:
    frame = grid_layer()
    frame.loc[0, "KCXS"] = 0.05  # 1104 pond with a deduction
    frame.loc[2, "KCDLBM"] = None  # 0101 with KCXS but no KCDLBM
    frame.loc[6, "KCMJ"] = frame.loc[6, "KCMJ"] + 5  # KCMJ ≠ TBMJ × KCXS (and TBDLMJ off)
    path = tmp_path / "x.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    with pytest.raises(ValidationError) as caught:
        read_dltb(path)
    problems = caught.value.problems
    by_reason = problems.groupby("reason")["parcel_id"].apply(list).to_dict()
    assert by_reason[next(r for r in by_reason if "not cultivated" in r)] == ["SYN000000001"]
    # the pond has no KCDLBM either
    empty_class = next(r for r in by_reason if "KCDLBM" in r and "empty" in r)
    assert by_reason[empty_class] == ["SYN000000001", "SYN000000003"]
    kcmj = next(r for r in by_reason if "TBMJ × KCXS" in r)
    assert set(by_reason[kcmj]) >= {"SYN000000007"}
    assert "SYN000000007" in by_reason[next(r for r in by_reason if "TBMJ − KCMJ" in r)]


def test_geometry_area_against_tbmj_is_a_listed_warning(tmp_path: Path) -> None:
    frame = grid_layer()
    frame.loc[3, "TBMJ"] = frame.loc[3, "TBMJ"] * 1.01
    frame.loc[3, "TBDLMJ"] = frame.loc[3, "TBMJ"]
    path = tmp_path / "x.gpkg"
    frame.to_file(path, layer="DLTB", engine="pyogrio")
    with pytest.warns(DataQualityWarning, match=r"in 1 parcel: SYN000000004 \(9,999"):
        read_dltb(path)


def test_helper_areas_are_ellipsoidal() -> None:
    frame = grid_layer()
    np.testing.assert_allclose(frame["TBMJ"], ellipsoidal_area(frame), atol=0.005)
    # 100 m squares in zone 39 are a little smaller on the ellipsoid
    assert (frame["TBMJ"] < 10_000).all()


def test_same_township_matching_uses_the_code() -> None:
    from quota_helpers import condition
    from wetval.quota import account_quotas, balance
    from wetval.units import M2_PER_MU

    rows = pd.DataFrame(
        {
            "parcel_id": ["C1", "C2", "D1"],
            "land_class": ["1104", "1104", "1104"],
            "area_m2": [9 * M2_PER_MU, 9 * M2_PER_MU, 3 * M2_PER_MU],
            # village-level names differ; the township code of C2 and D1 is the same
            "township": ["东村", "西村", "北村"],
            "township_code": ["360124100", "360124101", "360124101"],
            "county_code": "360124",
            "role": ["restoration", "restoration", "occupation"],
            "project_id": ["R01", "R01", "P01"],
            "wetland_level": [None, None, "general"],
            "project_type": [None, None, "transport"],
            "compensated_first": [True, True, None],
            "risk_class": ["low", "low", None],
        }
    )
    table = ParcelTable.from_frame(rows)
    grades = {"C1": "良", "C2": "良", "D1": "良"}
    accounts = account_quotas(table, "quota-jinxian", condition=condition(grades))
    report = balance(accounts.credits, accounts.debits)
    match = report.matches.set_index("debit_parcel").loc["D1"]
    assert match["credit_parcel"] == "C2"
    assert match["location"] == "same_township"
