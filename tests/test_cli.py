"""The command line: output, JSON, exit codes and error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wetval.assess import Assessment
from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.datasets import export_sample

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_demo_writes_reports_and_prints_the_headline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "Recommended quota price" in out
    # the Monte Carlo band of the price, as the --json output has it
    mc_lines = [line for line in out.splitlines() if line.startswith("  Monte Carlo (")]
    folder = tmp_path / "wetval-demo"
    assessment = Assessment.from_json((folder / "assessment.json").read_text(encoding="utf-8"))
    assert assessment.uncertainty is not None
    p5, p50, p95 = assessment.headline()["price_per_unit_p5_p50_p95"]
    assert mc_lines == [
        f"  Monte Carlo ({assessment.uncertainty.n_draws:,} draws): price per quota unit "
        f"P5–P95 {p5:,.2f}–{p95:,.2f} CNY, median {p50:,.2f}"
    ]
    assert str(folder.resolve()) in out
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "assessment.json",
        "report_zh.html",
        "report_zh.pdf",
        "report_zh.xlsx",
        "report_en.html",
        "report_en.pdf",
        "report_en.xlsx",
    }
    assert not list(tmp_path.glob(".wetval-demo.partial-*"))


def test_assess_example_project_json_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(["assess", str(DOCS / "example-project.toml"), "-o", "out", "--json"])
    assert code == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["price_per_unit"] > 0 and data["synthetic"] is True
    # every path is absolute, also when -o is relative
    assert data["output"] == str(out)
    assert data["files"]["json"] == str(out / "assessment.json")
    assert {Path(path).parent for path in data["files"].values()} == {out}
    assert all(Path(path).is_file() for path in data["files"].values())
    # the report command renders again from the stored assessment, into a new directory
    target = tmp_path / "new" / "dir" / "again.md"
    assert (
        main(
            [
                "report",
                str(out / "assessment.json"),
                "--format",
                "md",
                "--lang",
                "en",
                "-o",
                str(target),
            ]
        )
        == EXIT_OK
    )
    assert target.read_text(encoding="utf-8").startswith("# Wetland Occupation")
    assert [p.name for p in target.parent.iterdir()] == ["again.md"]  # no partial file left


def test_assess_errors_leave_no_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[project]\nname = 1\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["assess", str(bad), "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "invalid project file" in err and "project.name" in err and "data: Field required" in err
    assert not out.exists()
    assert main(["assess", str(tmp_path / "missing.toml"), "-o", str(out)]) == EXIT_INPUT
    assert "project file not found" in capsys.readouterr().err
    assert main(["validate", str(bad)]) == EXIT_INPUT
    assert main(["report", str(bad)]) == EXIT_INPUT
    assert "not a wetval assessment" in capsys.readouterr().err
    assert not out.exists()


def test_a_failing_renderer_leaves_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import wetval.report as report

    def broken(document: object, fmt: str) -> bytes:
        raise ValueError("renderer failed")

    monkeypatch.setattr(report, "render", broken)
    out = tmp_path / "out"
    assert main(["demo", "-o", str(out)]) == 3  # an internal error
    assert not out.exists() and not list(tmp_path.iterdir())
    capsys.readouterr()


def test_validate_project_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DOCS / "example-project.toml")]) == EXIT_OK
    assert "valid" in capsys.readouterr().out


def test_screen_writes_the_census(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = export_sample(tmp_path, n_parcels=400, seed=5)
    target = tmp_path / "census.csv"
    code = main(
        [
            "screen",
            str(paths["parcels"]),
            "--indicators",
            str(paths["indicators"]),
            "-o",
            str(target),
        ]
    )
    assert code == EXIT_OK
    assert target.is_file() and "wrote" in capsys.readouterr().out


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


def test_invalid_card_in_a_project_names_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = tmp_path / "my-condition.toml"
    card.write_text('id = "x"\nkind = "condition"\nversion = "one"\n', encoding="utf-8")
    project = tmp_path / "p.toml"
    project.write_text(
        '[project]\nname = "t"\napplicant = "a"\nassessor = "b"\ndate = 2024-12-31\n'
        '[data]\nparcels = "sample"\nindicators = "sample"\n'
        '[cards]\ncondition = "my-condition.toml"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["assess", str(project), "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "cards.condition" in err and str(card) in err and "version" in err
    assert not out.exists()
