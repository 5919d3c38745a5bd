"""The command line: output, JSON, exit codes and error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.datasets import export_sample


def test_demo_prints_the_synthetic_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert "By township:" in out and "By role:" in out and "Indicator coverage" in out
    assert "1104A" in out and "养殖坑塘" in out


def test_demo_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["synthetic"] is True and data["parcels"] == 3200
    dimensions = {row["dimension"] for row in data["breakdown"]}
    assert dimensions == {"land_class", "category", "township", "role"}


def test_validate_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = export_sample(tmp_path, n_parcels=300, seed=3)
    code = main(["validate", str(paths["parcels"]), "--indicators", str(paths["indicators"])])
    assert code == EXIT_OK
    assert "valid" in capsys.readouterr().out


def test_validate_reports_bad_data_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("BSM,DLBM,TBMJ\n1,1104,-3\n1,9999,5\n", encoding="utf-8")
    assert main(["validate", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "duplicate parcel id" in err and "unknown land class" in err
    assert "area is zero or negative" in err and "row 2" in err
    assert main(["validate", str(tmp_path / "missing.csv")]) == EXIT_INPUT
    assert "file not found" in capsys.readouterr().err


def test_cards_and_methods(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cards", "list", "--kind", "crosswalk"]) == EXIT_OK
    assert "crosswalk-sandiao-xie2015" in capsys.readouterr().out
    assert main(["cards", "show", "crosswalk-sandiao-xie2015"]) == EXIT_OK
    out = capsys.readouterr().out
    assert 'id = "crosswalk-sandiao-xie2015"' in out and "# UNVERIFIED:" in out
    assert main(["cards", "show", "nope"]) == EXIT_INPUT
    assert "no method card with id 'nope'" in capsys.readouterr().err
    assert main(["methods", "--json"]) == EXIT_OK
    assert isinstance(json.loads(capsys.readouterr().out), list)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == EXIT_USAGE
    assert main(["cards", "show"]) == EXIT_USAGE
    capsys.readouterr()


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wetval.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("wetval ")
