"""Hostile input to ``wetval registry …`` (issues 17 and 15): each case is clean.

One WetvalError (CLI exit 1; a wrong option value: argparse's exit 2) naming the path,
option or value and the fix; nothing written, nothing left behind, no existing file
modified. Classes: a foreign SQLite file, init on a bad path, a non-SQLite file, layers
of import-survey, survey years, outputs replaced, release schedules, non-positive numbers.
Every table here is invented for the test (SYNTHETIC).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from spatial_helpers import grid_layer
from test_hostile import _one_error, _snapshot
from test_registry_survey import base_frame
from wetval.cli import EXIT_OK, EXIT_USAGE, main
from wetval.errors import WetvalError
from wetval.registry import Registry

SCHEDULE = ["--schedule", "design=0.5", "--schedule", "acceptance=0.5"]


def _state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns) under ``folder``."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _clean(capsys: pytest.CaptureFixture[str], folder: Path, argv: list[str], *names: str) -> None:
    """``argv`` exits 1 with one error naming ``names`` and the fix; ``folder`` unchanged."""
    before = _state(folder)
    code = main(argv)
    _one_error(code, capsys.readouterr().err, *names)
    assert _state(folder) == before


def _usage(capsys: pytest.CaptureFixture[str], argv: list[str], *names: str) -> None:
    """A wrong option value: argparse's exit 2, naming the option and the allowed values."""
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 1, err
    for name in names:
        assert name in err, err


@pytest.fixture
def registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A registry with project P1 (100 units, 50 released)."""
    path = tmp_path / "r.db"
    assert main(["registry", "init", str(path)]) == EXIT_OK
    argv = ["registry", "project", str(path), "P1", "--potential", "100", *SCHEDULE,
            "--reference", "design approval", "--date", "2024-01-10"]  # fmt: skip
    assert main(argv) == EXIT_OK
    argv = ["registry", "milestone", str(path), "P1", "design", "--passed",
            "--reference", "ok", "--date", "2024-02-01"]  # fmt: skip
    assert main(argv) == EXIT_OK
    capsys.readouterr()
    return path


# ------------------------------------------------------- a foreign SQLite file is not modified
@pytest.mark.parametrize(
    "argv",
    [["show"], ["init"], ["upgrade"], ["audit", "show"], ["statement", "quota", "-o", "q.xlsx"]],
)
def test_a_foreign_sqlite_file_is_never_modified(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (a)")
        connection.execute("INSERT INTO t VALUES (1)")
    connection.close()
    os.utime(foreign, ns=(1_000_000_000, 1_000_000_000))  # an old mtime: any write shows
    cut = 2 if argv[0] == "audit" else 1
    command = [*argv[:cut], str(foreign), *argv[cut:]]
    os.chdir(tmp_path)
    _clean(capsys, tmp_path, ["registry", *command], str(foreign), "not a wetval registry"
           if argv != ["init"] else "already holds tables")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, -shm


# ------------------------------------------------------- init on a bad path
@pytest.mark.parametrize("case", ["folder", "missing folder", "parent is a file"])
def test_init_on_a_bad_path(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target, named, fix = {
        "folder": (tmp_path / "adir", "adir", "name a file inside it"),
        "missing folder": (tmp_path / "nope" / "r.db", "nope", "create the folder first"),
        "parent is a file": (tmp_path / "afile" / "r.db", "afile", "is a file, not a folder"),
    }[case]
    _clean(capsys, tmp_path, ["registry", "init", str(target)], named, fix)


def test_opening_a_missing_registry_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(WetvalError, match=r"no registry file .*registry init"):
        Registry(f"sqlite:///{tmp_path / 'new.db'}")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------- a non-SQLite file
@pytest.mark.parametrize("action", ["show", "init", "upgrade", "verify"])
@pytest.mark.parametrize("content", [b"hello, not a database\n", b"PK\x03\x04 a zip"])
def test_a_non_sqlite_file_is_refused(
    action: str, content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    _clean(capsys, tmp_path, ["registry", action, str(path)], "notes.db", "not a wetval registry")


def test_a_corrupt_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4080)
    _clean(capsys, tmp_path, ["registry", "show", str(path)], "broken.db", "fix:")


# ------------------------------------------------------- import-survey layers
def _gis(tmp_path: Path) -> Path:
    path = tmp_path / "county.gpkg"
    grid_layer().to_file(path, layer="DLTB", engine="pyogrio")
    grid_layer(2, 1).to_file(path, layer="XZQ", engine="pyogrio")
    return path


def test_an_unknown_layer_lists_the_layers(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpkg = _gis(tmp_path)
    argv = ["registry", "import-survey", str(registry), str(gpkg), "--year", "2020"]
    _clean(capsys, tmp_path, [*argv, "--layer", "NOPE"], "'NOPE'", "DLTB, XZQ")


def test_a_layer_of_a_table_is_refused(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "dltb.csv"
    base_frame().to_csv(table, index=False)
    argv = ["registry", "import-survey", str(registry), str(table), "--year", "2020"]
    _clean(capsys, tmp_path, [*argv, "--layer", "DLTB"], "--layer", "'DLTB'", "remove --layer")


@pytest.mark.parametrize("kind", ["gdb", "gpkg", "parquet"])
def test_gis_files_are_read_with_their_geometry(
    kind: str, registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "gdb":
        path = tmp_path / "county.gdb"
        grid_layer().to_file(path, driver="OpenFileGDB", layer="DLTB", engine="pyogrio")
    elif kind == "gpkg":
        path = _gis(tmp_path)  # two layers: DLTB is chosen without a warning
    else:
        path = tmp_path / "dltb.parquet"
        grid_layer().to_parquet(path)
    argv = ["registry", "import-survey", str(registry), str(path), "--year", "2020"]
    assert main(argv) == EXIT_OK, capsys.readouterr().err
    with Registry(f"sqlite:///{registry}") as opened:
        stored = opened.survey_parcels(2020)
    assert len(stored) == 12 and stored.crs.to_epsg() == 4527  # grid_layer: 12 parcels, EPSG:4527


# ------------------------------------------------------- survey years
@pytest.mark.parametrize(
    "argv",
    [
        ["import-survey", "{r}", "{csv}", "--year", "1900"],
        ["import-survey", "{r}", "{csv}", "--year", "2999"],
        ["import-change", "{r}", "--year", "1983", "--dltbgx", "{csv}", "--dltbgxgc", "{csv}"],
        ["balance", "{r}", "--year", "1800"],
    ],
)
def test_a_year_outside_the_surveys_is_refused(
    argv: list[str], registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "dltb.csv"
    base_frame().to_csv(table, index=False)
    command = [a.format(r=registry, csv=table) for a in argv]
    year = argv[argv.index("--year") + 1]
    _clean(capsys, tmp_path, ["registry", *command], year, "1984")


def test_the_api_refuses_a_year_outside_the_surveys(registry: Path) -> None:
    with Registry(f"sqlite:///{registry}") as opened:
        for year in (1066, 3000, "20x0"):
            with pytest.raises(WetvalError, match="not a survey year"):
                opened.import_survey(base_frame(), year=year)  # type: ignore[arg-type]
        assert opened.vintages().empty


# ------------------------------------------------------- outputs never replaced
@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["statement", "{r}", "quota", "-o", "{o}"], "quota.xlsx"),
        (["statement", "{r}", "trades", "-o", "{o}"], "trades.csv"),
        (["export", "{r}", "-o", "{o}"], "ledger.json"),
    ],
)
def test_an_existing_output_is_not_replaced(
    argv: list[str], name: str, registry: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    target = tmp_path / name
    target.write_text("an earlier statement", encoding="utf-8")
    command = ["registry", *[a.format(r=registry, o=target) for a in argv]]
    _clean(capsys, tmp_path, command, name, "--force")
    assert main([*command, "--force"]) == EXIT_OK
    assert target.read_bytes() != b"an earlier statement"


def test_a_statement_of_another_format_is_refused(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "quota.docx"
    _clean(capsys, tmp_path, ["registry", "statement", str(registry), "quota", "-o", str(target)],
           "quota.docx", ".xlsx, .csv, .html, .pdf or .md")  # fmt: skip


# ------------------------------------------------------- release schedules
@pytest.mark.parametrize("entry", ["a=x", "a=nan", "a=1/2"])
def test_a_malformed_schedule_share_is_named(
    entry: str, registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["registry", "project", str(registry), "P2", "--potential", "10", "--schedule", entry,
            "--reference", "design", "--date", "2024-03-01"]  # fmt: skip
    share = entry.split("=")[1]
    _clean(capsys, tmp_path, argv, f"'{share}'", "--schedule acceptance=0.6")


def test_the_api_names_a_schedule_entry_that_is_not_a_pair(registry: Path) -> None:
    with Registry(f"sqlite:///{registry}") as opened:
        with pytest.raises(WetvalError, match=r"\('design',\).*milestone, share"):
            opened.register_project(
                "P2", potential="10", schedule=[("design",)],  # type: ignore[list-item]
                reference="design", date="2024-03-01",
            )  # fmt: skip
        assert list(opened.projects().index) == ["P1"]


# ------------------------------------------------------- non-positive numbers
@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["list", "{r}", "P1", "0", "--seller", "s", "--price", "10", "--date", "2024-03-01"],
         "'0'"),
        (["list", "{r}", "P1", "5", "--seller", "s", "--price", "-1", "--date", "2024-03-01"],
         "'-1'"),
        (["pledge", "{r}", "P1", "-2", "--bank", "b", "--loan", "9", "--start", "2024-03-01",
          "--end", "2025-03-01"], "'-2'"),
        (["pledge", "{r}", "P1", "2", "--bank", "b", "--loan", "0", "--start", "2024-03-01",
          "--end", "2025-03-01"], "'0'"),
    ],
)  # fmt: skip
def test_amounts_must_be_positive(
    argv: list[str], value: str, registry: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    command = ["registry", *[a.format(r=registry) for a in argv]]
    _clean(capsys, tmp_path, command, value, "> 0" if value != "'-1'" else "≥ 0")


@pytest.mark.parametrize(
    ("argv", "option", "allowed"),
    [
        (["audit", "show", "{r}", "--last", "-2"], "--last", "≥ 1"),
        (["reserves", "{r}", "--census", "-1"], "--census", "≥ 1"),
        (["init", "{d}", "--unit-decimals", "-3"], "--unit-decimals", "≥ 0"),
        (["field-verify", "{r}", "X", "--finding", "pond", "--water-months", "13",
          "--verifier", "v", "--date", "2024-01-01"], "--water-months", "0 to 12"),
        (["trade", "{r}", "--contract", "C", "--buyer", "B", "--occupation", "O",
          "--approval", "A", "--units", "P1=1", "--price", "5", "--date", "2024-04-01",
          "--listing", "0"], "--listing", "≥ 1"),
    ],
)  # fmt: skip
def test_option_values_out_of_range(
    argv: list[str], option: str, allowed: str, registry: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    before = _snapshot(tmp_path)
    _usage(capsys, ["registry", *[a.format(r=registry, d=tmp_path / "new.db") for a in argv]],
           option, allowed)  # fmt: skip
    assert _snapshot(tmp_path) == before


def test_a_registry_in_a_missing_folder_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope" / "r.db"
    for action in (["show"], ["verify"], ["balance"]):
        _clean(capsys, tmp_path, ["registry", *action, str(missing)], "r.db", "registry init")


@pytest.mark.parametrize(
    "units",
    [["P1=1", "P1=2"], ["P1=1", "P1=1"], ["P1=1", "P2=1", "P1=3"]],
)
def test_a_project_given_twice_in_one_trade_is_named(
    units: list[str], registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--units P1=1 --units P1=2`` kept the last value silently (seen by hardreg5)."""
    argv = [
        "registry",
        "trade",
        str(registry),
        "--contract",
        "C",
        "--buyer",
        "B",
        "--occupation",
        "O",
        "--approval",
        "A",
        "--price",
        "5",
        "--date",
        "2024-04-01",
    ]
    for item in units:
        argv += ["--units", item]  # fmt: skip
    _clean(capsys, tmp_path, argv, "'P1'", "given", "once")
