"""Hostile inputs and faults for ``wetval overlay`` and the spatial readers (issue 17).

Each case is clean: one WetvalError (CLI exit 1; a bad option value is an argparse usage
error, exit 2) naming the path or option and the fix; nothing written, nothing left behind
(no temporary or staging file, no folder created), nothing earlier overwritten. Classes:
outputs replaced, outputs written partly (GeoPackage, Shapefile parts, workbook), unknown
encodings, control areas that are not finite > 0, empty or unreadable files and layers,
and a red line without a CRS.

Every layer here is SYNTHETIC (tests/spatial_helpers.py: a grid of invented parcels in
CGCS2000 zone 39, EPSG:4527); nothing is survey data.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import geopandas
import pytest
import shapely

from spatial_helpers import X0, Y0, grid_layer
from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.errors import OutputError, ValidationError


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A SYNTHETIC DLTB GeoPackage and a red line over six of its parcels."""
    parcels = tmp_path / "dltb.gpkg"
    grid_layer().to_file(parcels, layer="DLTB", engine="pyogrio")
    line = tmp_path / "hx.gpkg"
    geopandas.GeoDataFrame(
        {"XMBH": ["P01"]}, geometry=[shapely.box(X0 + 50, Y0, X0 + 250, Y0 + 150)], crs=4527
    ).to_file(line, engine="pyogrio")
    return parcels, line


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def _one_error(code: int, err: str, *names: str, fix: str = "fix:") -> None:
    """Exit 1 with one error on stderr that names every one of ``names`` and gives the fix."""
    assert code == EXIT_INPUT, err
    assert err.count("wetval: error:") == 1 and "Traceback" not in err, err
    assert "internal error" not in err, err
    assert fix in err, err
    for name in names:
        assert name in err, err


def _overlay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["overlay", *argv])
    return code, capsys.readouterr().err


# ------------------------------------------------------------ outputs replaced (fault 1)
@pytest.mark.parametrize("name", ["yz.gpkg", "yz.shp", "yz.xlsx"])
def test_an_existing_output_is_refused_before_anything_is_read(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / name
    out.write_bytes(b"an earlier overlay")
    before = _snapshot(tmp_path)
    # the parcel file does not exist: the output is checked before any input is read
    code, err = _overlay(capsys, str(tmp_path / "missing.gpkg"), str(files[1]), "-o", str(out))
    _one_error(code, err, str(out), "--force")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("part", [".dbf", ".shx", ".prj", ".cpg", ".qix"])
def test_any_existing_shapefile_part_is_refused(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], part: str
) -> None:
    parcels, line = files
    out = tmp_path / "yz.shp"
    out.with_suffix(part).write_bytes(b"part of an earlier Shapefile")
    before = _snapshot(tmp_path)
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(out))
    _one_error(code, err, str(out.with_suffix(part)), "--force")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["yz.gpkg", "yz.shp", "yz.xlsx"])
def test_force_replaces_the_output_whole(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    parcels, line = files
    out = tmp_path / name
    argv = [str(parcels), str(line), "-o", str(out)]
    assert main(["--quiet", "overlay", *argv]) == EXIT_OK
    first = _snapshot(tmp_path)
    if out.suffix == ".shp":
        out.with_suffix(".qix").write_bytes(b"an index of the earlier file")
    assert main(["--quiet", "overlay", *argv, "--force"]) == EXIT_OK
    assert capsys.readouterr().err == ""
    assert set(_snapshot(tmp_path)) == set(first)  # no temporary, staging or stale index left
    if out.suffix != ".xlsx":
        from wetval.spatial import overlay, read_dltb

        pieces = overlay(read_dltb(parcels), line, project_id="P").pieces
        assert len(pieces) == 7  # 6 parcels under the red line and 1 deducted strip (KCMJ)
        assert geopandas.read_file(out).shape[0] == len(pieces)


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("folder.gpkg", "is a folder"),
        ("afile.txt/yz.gpkg", "is a file, not a folder"),
        ("yz", "with one of: .gpkg, .shp, .xlsx"),
    ],
)
def test_an_output_that_cannot_be_a_file_is_refused(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    target: str,
    named: str,
) -> None:
    parcels, line = files
    (tmp_path / "folder.gpkg").mkdir()
    (tmp_path / "afile.txt").write_text("x", encoding="utf-8")
    before = _snapshot(tmp_path)
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(tmp_path / target), "--force")
    _one_error(code, err, target.split("/")[0], named)
    assert _snapshot(tmp_path) == before


# ------------------------------------------------ outputs written partly (fault 2)
def _failing(number: int) -> Any:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number))

    return fail


@pytest.mark.parametrize(
    ("number", "named"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "Permission denied"),
    ],
)
@pytest.mark.parametrize("name", ["yz.gpkg", "yz.xlsx", "new/sub/yz.gpkg"])
def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    number: int,
    named: str,
    name: str,
) -> None:
    parcels, line = files
    before = _snapshot(tmp_path)
    monkeypatch.setattr(os, "fsync", _failing(number))  # the temporary file is fully written
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(tmp_path / name))
    _one_error(code, err, str(tmp_path / name), named, "nothing was written")
    assert _snapshot(tmp_path) == before  # no temporary file, no folder created


def test_a_failed_write_keeps_the_earlier_output(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parcels, line = files
    out = tmp_path / "yz.gpkg"
    out.write_bytes(b"an earlier overlay")
    before = _snapshot(tmp_path)
    monkeypatch.setattr(os, "fsync", _failing(errno.ENOSPC))
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(out), "--force")
    _one_error(code, err, str(out), "free space")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("earlier", [False, True])
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   RuntimeError("GDAL: write failed")])  # fmt: skip
def test_a_failed_shapefile_write_leaves_no_part_behind(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    earlier: bool,
    error: Exception,
) -> None:
    parcels, line = files
    out = tmp_path / "yz.shp"
    if earlier:
        for part in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            out.with_suffix(part).write_bytes(b"an earlier Shapefile part")
    before = _snapshot(tmp_path)
    real = geopandas.GeoDataFrame.to_file

    def half_written(self: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        real(self, path, *args, **kwargs)  # every part written into the staging folder …
        raise error  # … then the disk is full (or GDAL fails on the last one)

    monkeypatch.setattr(geopandas.GeoDataFrame, "to_file", half_written)
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(out), "--force")
    _one_error(code, err, str(out), "nothing was written")
    assert _snapshot(tmp_path) == before


def test_the_api_writer_raises_one_output_error(
    tmp_path: Path, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wetval.spatial import overlay, read_dltb

    result = overlay(read_dltb(files[0]), files[1], project_id="P01")
    before = _snapshot(tmp_path)
    monkeypatch.setattr(os, "fsync", _failing(errno.EROFS))
    with pytest.raises(OutputError, match="read-only") as caught:
        result.to_file(tmp_path / "yz.gpkg")
    assert str(tmp_path / "yz.gpkg") in str(caught.value)
    assert _snapshot(tmp_path) == before


# ---------------------------------------------------------- unknown encodings (fault 3)
@pytest.mark.parametrize("encoding", ["nope", "utf-99", "rot13", "base64"])
def test_an_unknown_encoding_is_one_error(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    encoding: str,
) -> None:
    shp = tmp_path / "dltb.shp"
    grid_layer().to_file(shp, engine="pyogrio")
    before = _snapshot(tmp_path)
    out = tmp_path / "yz.gpkg"
    code, err = _overlay(capsys, str(shp), str(files[1]), "-o", str(out), "--encoding", encoding)
    _one_error(code, err, str(shp), repr(encoding), "'encoding'", "utf-8")
    assert _snapshot(tmp_path) == before


def test_an_unknown_encoding_is_refused_by_the_api(files: tuple[Path, Path]) -> None:
    from wetval.spatial import read_dltb
    from wetval.spatial.read import read_layer

    for read in (read_dltb, read_layer):
        with pytest.raises(ValidationError, match="unknown text encoding 'nope'") as caught:
            read(files[0], encoding="nope")
        assert caught.value.source == str(files[0])


# ----------------------------------------------- control areas not finite > 0 (fault 4)
@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "abc"])
def test_a_bad_control_area_is_a_usage_error(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    parcels, line = files
    before = _snapshot(tmp_path)
    out = tmp_path / "yz.gpkg"
    code, err = _overlay(capsys, str(parcels), str(line), "-o", str(out), "--control-area", value)
    assert code == EXIT_USAGE, err
    assert err.count("error:") == 1 and "--control-area" in err and "give one > 0" in err, err
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("value", [-1.0, 0.0, float("nan"), float("inf"), "abc", True])
def test_a_bad_control_area_is_refused_by_the_api(files: tuple[Path, Path], value: Any) -> None:
    from wetval.spatial import overlay, read_dltb

    parcels = read_dltb(files[0])
    with pytest.raises(ValidationError, match="finite number > 0") as caught:
        overlay(parcels, files[1], project_id="P01", control_area_m2=value)
    assert caught.value.problems["column"].tolist() == ["control_area_m2"]
    assert "控面" in caught.value.problems["fix"].iloc[0]


# ------------------------------------------ empty or unreadable files and layers (fault 5)
def _empty_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"")
    return path


def _text_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text("BSM,DLBM\n1,1104\n", encoding="utf-8")  # a CSV named as a layer
    return path


def _empty_gdb(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def _shp_without_shx(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    grid_layer().to_file(path, engine="pyogrio")
    path.with_suffix(".shx").unlink()
    return path


def _empty_layer(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    grid_layer().iloc[:0].to_file(path, layer="DLTB", engine="pyogrio")
    return path


@pytest.mark.parametrize(
    ("make", "name", "named"),
    [
        (_empty_file, "zero.gpkg", "the file is empty"),
        (_empty_file, "zero.shp", "the file is empty"),
        (_empty_file, "zero.parquet", "the file is empty"),
        (_empty_gdb, "empty.gdb", "the folder is empty"),
        (_text_file, "table.gpkg", "cannot be read as a .gpkg spatial file"),
        (_text_file, "table.parquet", "cannot be read as a .parquet spatial file"),
        (_shp_without_shx, "noshx.shp", "cannot be read as a .shp spatial file"),
        (_empty_layer, "nothing.gpkg", "the layer DLTB has no features"),
    ],
)
@pytest.mark.parametrize("role", ["parcels", "footprint", "important wetlands"])
def test_an_empty_or_unreadable_input_is_one_error(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    make: Any,
    name: str,
    named: str,
    role: str,
) -> None:
    parcels, line = files
    bad = make(tmp_path, name)
    before = _snapshot(tmp_path)
    argv = {
        "parcels": [str(bad), str(line)],
        "footprint": [str(parcels), str(bad)],
        "important wetlands": [str(parcels), str(line), "--important-wetlands", str(bad)],
    }
    code, err = _overlay(capsys, *argv[role], "-o", str(tmp_path / "yz.gpkg"))
    _one_error(code, err, str(bad), named)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "footprint",
    [
        geopandas.GeoDataFrame({"XMBH": []}, geometry=[], crs=4527),
        geopandas.GeoSeries([], crs=4527),
        geopandas.GeoDataFrame(geometry=[None], crs=4527),
    ],
)
def test_an_empty_footprint_is_refused_by_the_api(files: tuple[Path, Path], footprint: Any) -> None:
    from wetval.spatial import overlay, read_dltb

    with pytest.raises(ValidationError, match=r"no features|without geometry") as caught:
        overlay(read_dltb(files[0]), footprint, project_id="P01")
    assert caught.value.what == "footprint"
    assert caught.value.problems["fix"].str.len().min() > 0


def test_an_empty_important_wetland_layer_is_refused_by_the_api(
    files: tuple[Path, Path],
) -> None:
    from wetval.spatial import overlay, read_dltb

    empty = geopandas.GeoDataFrame({"wetland_level": []}, geometry=[], crs=4527)
    with pytest.raises(ValidationError, match="important-wetland layer has no features"):
        overlay(read_dltb(files[0]), files[1], project_id="P01", important_wetlands=empty)


# --------------------------------------------------------- a red line without a CRS
@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".fgb"])  # GeoJSON is WGS 84 by RFC 7946
def test_a_red_line_without_a_crs_is_one_error(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    suffix: str,
) -> None:
    line = tmp_path / f"nocrs{suffix}"
    with pytest.warns(UserWarning, match="crs"):  # pyogrio: written without projection
        geopandas.GeoDataFrame(
            {"XMBH": ["P01"]}, geometry=[shapely.box(X0 + 50, Y0, X0 + 250, Y0 + 150)]
        ).to_file(line, engine="pyogrio")
    before = _snapshot(tmp_path)
    code, err = _overlay(capsys, str(files[0]), str(line), "-o", str(tmp_path / "yz.gpkg"))
    _one_error(code, err, str(line), "no coordinate reference system", "set_crs")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("role", ["parcels", "footprint", "important wetlands"])
def test_an_output_that_is_an_input_is_refused_even_with_force(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], role: str
) -> None:
    parcels, line = files
    wetlands = tmp_path / "zysd.gpkg"
    geopandas.GeoDataFrame(
        {"wetland_level": ["national"]}, geometry=[shapely.box(X0, Y0, X0 + 90, Y0 + 90)], crs=4527
    ).to_file(wetlands, engine="pyogrio")
    out = {"parcels": parcels, "footprint": line, "important wetlands": wetlands}[role]
    before = _snapshot(tmp_path)
    argv = [str(parcels), str(line), "--important-wetlands", str(wetlands)]
    code, err = _overlay(capsys, *argv, "-o", str(out), "--force")
    _one_error(code, err, str(out), "would destroy the input", "another output file")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["a" * 300 + ".gpkg", "a" * 300 + ".shp", "a" * 300 + ".xlsx"])
def test_an_output_name_too_long_is_one_error(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    before = _snapshot(tmp_path)
    code, err = _overlay(capsys, *map(str, files), "-o", str(tmp_path / name))
    _one_error(code, err, name, "use a shorter path")
    assert _snapshot(tmp_path) == before
