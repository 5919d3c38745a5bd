"""The command line's error paths, ``--quiet``, ``--json`` errors and a closed pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wetval.cli import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, main
from wetval.datasets import export_sample
from wetval.review import synthetic_pool

SRC = Path(__file__).resolve().parents[1] / "src"

PROJECT = (
    '[project]\nname = "t"\napplicant = "a"\nassessor = "b"\ndate = 2024-12-31\n'
    '[data]\nparcels = "{parcels}"\nindicators = "sample"\n'
    '[cards]\ncondition = "{condition}"\n'
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def project(tmp_path: Path, parcels: str = "sample", condition: str = "jiangxi-db36-2134") -> Path:
    path = tmp_path / "project.toml"
    path.write_text(PROJECT.format(parcels=parcels, condition=condition), encoding="utf-8")
    return path


def assert_one_input_error(code: int, err: str, *names: str) -> None:
    """Exit 1 and a single error message on stderr that names every one of ``names``."""
    assert code == EXIT_INPUT
    assert err.count("wetval: error:") == 1 and "internal error" not in err
    for name in names:
        assert name in err


def assert_nothing_written(tmp_path: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}")]


def test_malformed_project_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "[options\n", encoding="utf-8")
    broken_line = len(text.splitlines()) + 1
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "assess", str(path), "-o", str(out))
    assert_one_input_error(code, err, str(path), "not valid TOML", f"line {broken_line}")
    assert stdout == ""
    assert_nothing_written(tmp_path, out)


def test_missing_data_file_named_in_a_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path, parcels="dltb_missing.csv")
    out = tmp_path / "out"
    code, _, err = run(capsys, "assess", str(path), "-o", str(out))
    assert_one_input_error(code, err, "parcel file", str(tmp_path / "dltb_missing.csv"))
    assert "file not found" in err
    assert_nothing_written(tmp_path, out)


def test_bad_column_in_a_project_parcel_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dltb.csv").write_text("BSM,DLBMX,TBMJ\n1,1104,30\n", encoding="utf-8")
    path = project(tmp_path, parcels="dltb.csv")
    out = tmp_path / "out"
    code, _, err = run(capsys, "assess", str(path), "-o", str(out))
    assert_one_input_error(code, err, str(tmp_path / "dltb.csv"), "column 'land_class'", "DLBM")
    assert_nothing_written(tmp_path, out)


def test_unknown_card_id_in_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project(tmp_path, condition="no-such-card")
    out = tmp_path / "out"
    code, _, err = run(capsys, "assess", str(path), "-o", str(out))
    assert_one_input_error(code, err, "cards.condition", "no-such-card", "jiangxi-db36-2134")
    assert_nothing_written(tmp_path, out)


def test_json_errors_print_an_object_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dltb.csv").write_text("BSM,DLBMX,TBMJ\n1,1104,30\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "--json", "assess", str(project(tmp_path, parcels="dltb.csv")), "-o", str(out)
    )
    data = json.loads(stdout)
    assert code == EXIT_INPUT and data["exit_code"] == EXIT_INPUT
    assert data["error"] == "ValidationError" and data["message"] in err
    assert [(p["column"], p["row"]) for p in data["problems"]] == [("land_class", None)]
    assert "DLBM" in data["problems"][0]["fix"]
    assert_nothing_written(tmp_path, out)

    code, stdout, _ = run(
        capsys, "assess", str(project(tmp_path, condition="nope")), "-o", str(out), "--json"
    )
    data = json.loads(stdout)
    assert code == EXIT_INPUT and "problems" not in data and "nope" in data["message"]

    code, stdout, _ = run(capsys, "--json", "cards", "show")
    assert code == EXIT_USAGE
    assert json.loads(stdout) == {
        "error": "UsageError",
        "message": "wetval cards show: give a card id (see 'wetval cards list')",
        "exit_code": EXIT_USAGE,
    }


def test_json_internal_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import wetval.plugins

    def broken(kind: str | None = None) -> list[object]:
        raise RuntimeError("registry broke")

    monkeypatch.setattr(wetval.plugins, "list_methods", broken)
    code, stdout, err = run(capsys, "methods", "--json")
    assert code == EXIT_INTERNAL and "report the traceback" in err
    data = json.loads(stdout)
    assert (data["error"], data["message"], data["exit_code"]) == (
        "RuntimeError",
        "registry broke",
        EXIT_INTERNAL,
    )


def test_quiet_prints_nothing_on_success_but_errors_reach_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = export_sample(tmp_path, n_parcels=200, seed=2)
    assert run(capsys, "validate", str(paths["parcels"]))[1] != ""  # informational output
    assert run(capsys, "--quiet", "validate", str(paths["parcels"])) == (EXIT_OK, "", "")
    assert run(capsys, "methods", "--quiet") == (EXIT_OK, "", "")
    bad = tmp_path / "bad.csv"
    bad.write_text("BSM,DLBM,TBMJ\n1,1104,-3\n", encoding="utf-8")
    code, stdout, err = run(capsys, "--quiet", "validate", str(bad))
    assert code == EXIT_INPUT and stdout == ""
    assert "area is zero or negative" in err and str(bad) in err


def test_screen_refuses_unknown_output_extensions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the output name is checked before any input is read
    target = tmp_path / "c.txt"
    code, _, err = run(
        capsys, "screen", "never-read.csv", "--indicators", "never-read.xlsx", "-o", str(target)
    )
    assert_one_input_error(code, err, str(target), ".txt", ".csv, .xlsx")
    assert list(tmp_path.iterdir()) == []


def test_screen_into_a_new_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = export_sample(tmp_path, n_parcels=300, seed=4)
    target = tmp_path / "new" / "census.xlsx"
    argv = ["screen", str(paths["parcels"]), "--indicators", str(paths["indicators"])]
    code, stdout, _ = run(capsys, *argv, "-o", str(target), "--json")
    assert code == EXIT_OK and json.loads(stdout)["output"] == str(target.resolve())
    assert [p.name for p in target.parent.iterdir()] == ["census.xlsx"]


def test_review_record_into_a_new_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pool = synthetic_pool().write(tmp_path / "experts.xlsx")
    draw = Path("records") / "2024" / "draw.json"
    code, stdout, _ = run(
        capsys,
        "review",
        "draw",
        str(pool),
        *("--assessment", "c0ffee" * 8, "--applicant", "a", "--project", "P01"),
        *("--date", "2024-03-01", "--seed", "3", "--output", str(draw), "--json"),
    )
    assert code == EXIT_OK
    assert json.loads(stdout)["output"] == str(tmp_path / draw)  # absolute, like every command
    assert sorted(p.name for p in (tmp_path / draw).parent.iterdir()) == ["draw.json"]


def test_a_closed_pipe_stops_quietly() -> None:
    # the reader goes away before wetval writes (as `wetval --json cards list | head -0`)
    process = subprocess.Popen(
        [sys.executable, "-m", "wetval", "--json", "cards", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(SRC)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert stderr == b""
