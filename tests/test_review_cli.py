"""`wetval review draw|sheet|summarise|verify`: success, JSON output and error paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wetval import write_table
from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.review import ReviewSheet, synthetic_entries, synthetic_pool
from wetval.review.sheet import entries_frame

APPLICANT = "示意建设单位 P01 (synthetic applicant)"
DRAW = [
    "--assessment",
    "c0ffee" * 8,
    "--applicant",
    APPLICANT,
    "--project",
    "P01",
    "--township",
    "民和镇",
    "--date",
    "2024-03-01",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_full_review_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = synthetic_pool().write(tmp_path / "experts.xlsx")
    draw = tmp_path / "draw.json"
    code, out, _ = run(
        capsys, "review", "draw", str(pool), *DRAW, "--seed", "7", "--output", str(draw), "--json"
    )
    assert code == EXIT_OK
    drawn = json.loads(out)
    assert drawn["seed"] == 7 and not drawn["seed_generated"] and len(drawn["members"]) == 5
    assert drawn["synthetic"] is True  # SYN- ids keep the label through the XLSX file
    assert {row["reason"] for row in drawn["excluded"]} >= {"applicant", "inactive"}

    sheet_path, form = tmp_path / "sheet.json", tmp_path / "form.xlsx"
    code, out, _ = run(
        capsys,
        "review",
        "sheet",
        str(draw),
        "--due",
        "2024-03-15",
        "--output",
        str(sheet_path),
        "--form",
        str(form),
    )
    assert code == EXIT_OK and "数据充分性" in out and "form.xlsx" in out
    # a form in a format wetval cannot write is refused before the sheet is written
    refused = tmp_path / "refused.json"
    code, _, err = run(
        capsys, "review", "sheet", str(draw), "--due", "2024-03-15",
        "--output", str(refused), "--form", "form.txt",
    )  # fmt: skip
    assert code == EXIT_INPUT and ".csv, .xlsx" in err and not refused.exists()

    sheet = ReviewSheet.from_json(sheet_path.read_text(encoding="utf-8"))
    filled = entries_frame(synthetic_entries(sheet, seed=2), sheet.criterion_ids)
    scores = write_table(filled, tmp_path / "filled.xlsx", index=False)
    record = tmp_path / "record.json"
    code, out, _ = run(
        capsys,
        "review",
        "summarise",
        str(sheet_path),
        str(scores),
        "--output",
        str(record),
        "--json",
    )
    assert code == EXIT_OK
    appendix = json.loads(out)
    assert appendix["verdict"]["outcome"] in {"approve", "approve_with_revisions", "reject"}
    assert appendix["assessment_hash"] == "c0ffee" * 8

    code, out, _ = run(
        capsys, "review", "verify", str(record), "--expect", appendix["hashes"]["record"]
    )
    assert code == EXIT_OK and "valid" in out

    second = entries_frame(synthetic_entries(sheet, seed=5, round=2), sheet.criterion_ids)
    second_path = write_table(second, tmp_path / "round2.csv", index=False)
    code, out, _ = run(
        capsys,
        "review",
        "summarise",
        str(sheet_path),
        str(scores),
        "--round2",
        str(second_path),
        "--round2-due",
        "2024-03-30",
    )
    assert code == EXIT_OK and "round 2" in out


def test_tampered_record_fails_verification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = synthetic_pool().write(tmp_path / "pool.json")
    draw, sheet_path = tmp_path / "draw.json", tmp_path / "sheet.json"
    assert main(["review", "draw", str(pool), *DRAW, "--seed", "1", "--output", str(draw)]) == 0
    assert (
        main(["review", "sheet", str(draw), "--due", "2024-03-15", "--output", str(sheet_path)])
        == 0
    )
    sheet = ReviewSheet.from_json(sheet_path.read_text(encoding="utf-8"))
    scores = write_table(
        entries_frame(synthetic_entries(sheet, seed=2), sheet.criterion_ids),
        tmp_path / "scores.csv",
        index=False,
    )
    record = tmp_path / "record.json"
    assert main(["review", "summarise", str(sheet_path), str(scores), "--output", str(record)]) == 0
    capsys.readouterr()
    text = record.read_text(encoding="utf-8")
    record.write_text(
        text.replace('"comment": "SYNTHETIC', '"comment": "EDITED', 1), encoding="utf-8"
    )
    code, _, err = run(capsys, "review", "verify", str(record))
    assert code == EXIT_INPUT and "failed verification" in err and "entry hash" in err
    record.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "review", "verify", str(record), "--expect", "0" * 64)
    assert code == EXIT_INPUT and "is not the expected" in err
    code, _, err = run(capsys, "review", "verify", str(tmp_path / "scores.csv"))
    assert code == EXIT_INPUT and "not a wetval review record file" in err


def test_generated_seed_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pool = synthetic_pool().write(tmp_path / "pool.json")
    code, out, _ = run(
        capsys, "review", "draw", str(pool), *DRAW, "--output", str(tmp_path / "d.json"), "--json"
    )
    data = json.loads(out)
    assert code == EXIT_OK and data["seed_generated"] and data["synthetic"] is True
    stored = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert stored["fields"]["seed"] == data["seed"]


def test_draw_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pool = synthetic_pool(12, seed=3).write(tmp_path / "pool.csv")
    out = str(tmp_path / "d.json")
    code, _, err = run(
        capsys,
        "review",
        "draw",
        str(pool),
        *DRAW,
        "--seed",
        "1",
        "--panel-size",
        "11",
        "--output",
        out,
    )
    assert code == EXIT_INPUT and "short by" in err
    assert not Path(out).exists()  # nothing written on error
    code, _, err = run(
        capsys, "review", "draw", str(pool), *DRAW, "--panel-size", "4", "--output", out
    )
    assert code == EXIT_INPUT and "odd and at least 5" in err
    code, _, err = run(
        capsys, "review", "draw", str(tmp_path / "none.xlsx"), *DRAW, "--output", out
    )
    assert code == EXIT_INPUT and "file not found" in err
    assert run(capsys, "review", "draw", str(pool), "--output", out)[0] == EXIT_USAGE
    bad_date = [*DRAW[:-1], "next week"]
    assert run(capsys, "review", "draw", str(pool), *bad_date, "--output", out)[0] == EXIT_USAGE
    assert run(capsys, "review")[0] == EXIT_USAGE


def test_sheet_and_summarise_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "review",
        "sheet",
        str(tmp_path / "missing.json"),
        "--due",
        "2024-03-15",
        "--output",
        str(tmp_path / "s.json"),
    )
    assert code == EXIT_INPUT and "file not found" in err
    pool = synthetic_pool().write(tmp_path / "pool.json")
    draw, sheet_path = tmp_path / "draw.json", tmp_path / "sheet.json"
    main(["review", "draw", str(pool), *DRAW, "--seed", "1", "--output", str(draw)])
    main(
        [
            "review",
            "sheet",
            str(draw),
            "--due",
            "2024-03-15",
            "--output",
            str(sheet_path),
            "--form",
            str(tmp_path / "form.csv"),
        ]
    )
    capsys.readouterr()
    code, _, err = run(capsys, "review", "summarise", str(sheet_path), str(tmp_path / "form.csv"))
    assert code == EXIT_INPUT and "score missing or not a number" in err and "row 2" in err
    code, _, err = run(
        capsys,
        "review",
        "summarise",
        str(sheet_path),
        str(tmp_path / "form.csv"),
        "--round2",
        str(tmp_path / "form.csv"),
    )
    assert code == EXIT_USAGE and "--round2 needs --round2-due" in err
    code, _, err = run(
        capsys, "review", "sheet", str(pool), "--due", "2024-03-15", "--output", str(sheet_path)
    )
    assert code == EXIT_INPUT and "exists and would be replaced" in err and "--force" in err
    code, _, err = run(
        capsys, "review", "sheet", str(pool), "--due", "2024-03-15", "--output", str(sheet_path),
        "--force",
    )  # fmt: skip
    assert code == EXIT_INPUT and "not a wetval panel draw file" in err
