"""Hostile inputs and faults (issue 17): the battery, one section per class of the issue.

Each case is clean: one WetvalError (CLI exit 1) naming the row, column, key or path and
the fix; nothing written, nothing left behind, nothing earlier overwritten. Classes:
data lost (concurrent ledger writers; outputs replaced), silently wrong results (numbers,
codes, card parameters, project keys, spreadsheet injection, ledger hand edits), internal
errors for ordinary faults (output paths, read-only folder, disk full, worksheets, wrong
formats, encodings, absurd units, Ctrl-C/SIGTERM, API argument types), `validate` vs
`assess`, and unclear messages (delimiters, ragged rows, mixed encodings, leading zeros,
card ids, every problem printed).

Every table and ledger here is invented for the test; nothing is survey data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wetval import ParcelTable
from wetval.errors import ValidationError
from wetval.io import read_parcels


def _parcels(**columns: object) -> pd.DataFrame:
    """Three rows shaped like a 三调 DLTB export, with ``columns`` replaced."""
    frame = pd.DataFrame(
        {
            "BSM": ["1", "2", "3"],
            "DLBM": ["1104", "1106", "0101"],
            "TBMJ": ["1000", "2000", "3000"],
            "KCMJ": ["0", "0", "0"],
            "ZLDWDM": ["3601241010010000000"] * 3,
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def _problems(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame)
    return caught.value.problems


# --------------------------------------------------------------- silently wrong numbers
@pytest.mark.parametrize("text", ["1234,5", "1.234,5", "12,34"])
def test_decimal_commas_are_refused_with_the_fix(text: str) -> None:
    problems = _problems(_parcels(TBMJ=["1000", text, "1,234.5"]))  # 1,234.5 is fine
    hit = problems[problems["reason"].str.contains("decimal comma")]
    assert hit["row"].tolist() == [1] and hit["column"].tolist() == ["TBMJ"]  # 2nd row
    assert "decimal point" in hit["fix"].iloc[0]
    assert set(problems["row"]) == {1}


@pytest.mark.parametrize(
    ("column", "values", "reason"),
    [
        ("KCMJ", ["0", "-50", "0"], "KCMJ (扣除地类面积) is negative"),
        ("KCMJ", ["0", "2500", "0"], "larger than TBMJ"),
        ("TBMJ", ["1000", "1e12", "3000"], "plausible maximum"),
        ("TBMJ", ["1000", "1e300", "3000"], "plausible maximum"),
        ("TBMJ", ["1000", "1e400", "3000"], "not a finite number"),
    ],
)
def test_implausible_areas_are_refused(column: str, values: list[str], reason: str) -> None:
    problems = _problems(_parcels(**{column: values}))
    hit = problems[problems["reason"].str.contains(reason, regex=False)]
    assert hit["row"].tolist() == [1] and hit["column"].tolist() == [column]
    assert hit["fix"].str.len().iloc[0] > 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("3.60124E+11", "scientific notation"),
        ("3.60124101001e+18", "scientific notation"),
        ("36O124", "digits only"),
    ],
)
def test_mangled_location_codes_are_refused(code: str, reason: str) -> None:
    problems = _problems(_parcels(ZLDWDM=["3601241010010000000", code, "3601241010010000000"]))
    assert problems["row"].tolist() == [1] and problems["column"].tolist() == ["ZLDWDM"]
    assert reason in problems["reason"].iloc[0]


@pytest.mark.parametrize(("code", "meant"), [("101", "0101"), ("102", "0102"), ("301", "0301")])
def test_lost_leading_zero_gets_a_hint(code: str, meant: str) -> None:
    problems = _problems(_parcels(DLBM=["1104", code, "1106"]))
    assert problems["row"].tolist() == [1]
    assert f"did you mean {meant}?" in problems["fix"].iloc[0]


def test_a_hostile_csv_file_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "dltb.csv"
    _parcels(TBMJ=["1000", "1234,5", "3000"]).to_csv(path, index=False)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ValidationError, match="decimal comma"):
        read_parcels(path)
    assert sorted(tmp_path.iterdir()) == before


# ------------------------------------------------ ledger hand edits (the hash chain)
def _chained_ledger_file(tmp_path: Path) -> Path:
    from wetval.quota import QuotaLedger

    ledger = (
        QuotaLedger()
        .register(
            "R01", "10", schedule=[("acceptance", "0.6"), ("monitoring-1", "0.4")],
            reference="修复设计批复", date="2024-01-10",
        )
        .milestone("R01", "acceptance", passed=True, reference="验收意见", date="2024-06-01")
        .debit("R01", "2", reference="P01 占用批复", date="2024-07-01")
        .debit("R01", "1", reference="P02 占用批复", date="2024-08-01")
    )  # fmt: skip
    path = tmp_path / "ledger.json"
    path.write_text(ledger.to_json(indent=1), encoding="utf-8")
    return path


def _fields(document: dict, position: int) -> dict:  # type: ignore[type-arg]
    return document["fields"]["transactions"]["__tuple__"][position]["fields"]  # type: ignore[no-any-return]


def _lower_debit(document: dict) -> None:  # type: ignore[type-arg]
    _fields(document, 2)["units"] = {"__decimal__": "1.0000"}


def _delete_last_debit(document: dict) -> None:  # type: ignore[type-arg]
    del document["fields"]["transactions"]["__tuple__"][3]


def _rewrite_reference(document: dict) -> None:  # type: ignore[type-arg]
    _fields(document, 3)["reference"] = "P09 占用批复"


def _share_and_release(document: dict) -> None:  # type: ignore[type-arg]
    schedule = document["fields"]["schedules"]["__dict__"]["R01"]["__tuple__"]
    schedule[0]["__tuple__"][1] = {"__decimal__": "0.7"}
    schedule[1]["__tuple__"][1] = {"__decimal__": "0.3"}
    _fields(document, 1)["units"] = {"__decimal__": "7.0000"}


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_lower_debit, "- transaction 2 (2024-07-01, debit"),
        (_delete_last_debit, "the ledger's head"),
        (_rewrite_reference, "- transaction 3 (2024-08-01, debit"),
        (_share_and_release, "- transaction 0 (2024-01-10, register"),
    ],
)
def test_self_consistent_ledger_edits_are_refused(
    tmp_path: Path, edit: object, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from wetval.cli import EXIT_INPUT, main

    path = _chained_ledger_file(tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)  # type: ignore[operator]
    edited = json.dumps(document, ensure_ascii=False, indent=1)
    path.write_text(edited, encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    code = main(
        ["ledger", "debit", str(path), "R01", "1", "--reference", "x", "--date", "2024-09-01"]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert named in err and "fix:" in err, err
    assert err.count("\n- ") == 1 + (named.startswith("- transaction 0")), err  # only the edit
    assert "Traceback" not in err
    assert path.read_text(encoding="utf-8") == edited  # nothing written
    assert sorted(tmp_path.iterdir()) == before  # nothing left behind


def test_a_share_and_release_edit_names_both_transactions(tmp_path: Path) -> None:
    import json

    from wetval.quota import LedgerError, QuotaLedger

    path = _chained_ledger_file(tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    _share_and_release(document)
    with pytest.raises(LedgerError) as caught:
        QuotaLedger.from_json(json.dumps(document))
    problems = [line for line in str(caught.value).splitlines() if line.startswith("- ")]
    assert [p.split(":")[0] for p in problems] == [
        "- transaction 0 (2024-01-10, register, account 'R01', 10.0000 units)",
        "- transaction 1 (2024-06-01, release, account 'R01', 7.0000 units)",
    ]


def test_an_unchained_ledger_file_is_refused_with_the_fix_and_migrates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from wetval.cli import EXIT_INPUT, EXIT_OK, main
    from wetval.quota import QuotaLedger

    path = _chained_ledger_file(tmp_path)
    sealed = QuotaLedger.from_json(path.read_text(encoding="utf-8"))
    document = json.loads(path.read_text(encoding="utf-8"))  # as wetval wrote it before
    del document["fields"]["head"]
    for position in range(4):
        del _fields(document, position)["hash"]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["ledger", "show", str(path)]) == EXIT_INPUT
    assert "wetval ledger migrate" in capsys.readouterr().err
    assert main(["ledger", "migrate", str(path)]) == EXIT_OK
    assert sealed.head in capsys.readouterr().out
    assert QuotaLedger.from_json(path.read_text(encoding="utf-8")) == sealed
    assert main(["ledger", "migrate", str(path)]) == EXIT_INPUT  # once only
    assert "already has a hash chain" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]


def test_the_head_quoted_in_the_minutes_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import EXIT_INPUT, EXIT_OK, main
    from wetval.quota import QuotaLedger

    path = _chained_ledger_file(tmp_path)
    head = QuotaLedger.from_json(path.read_text(encoding="utf-8")).head
    assert main(["ledger", "show", str(path), "--head", head[:16]]) == EXIT_OK
    capsys.readouterr()
    # a tail cut by a tool that re-seals the head is still caught against the minutes
    shorter = QuotaLedger.from_json(path.read_text(encoding="utf-8"))
    cut = QuotaLedger(transactions=shorter.transactions[:3], schedules=shorter.schedules)
    path.write_text(cut.to_json(), encoding="utf-8")
    assert main(["ledger", "show", str(path), "--head", head[:16]]) == EXIT_INPUT
    assert "not the expected" in capsys.readouterr().err


def test_ledger_write_failure_leaves_the_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from wetval.quota import LedgerError
    from wetval.quota.ledger import update_ledger_file

    path = _chained_ledger_file(tmp_path)
    before = path.read_bytes()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(LedgerError, match=r"No space left on device.*nothing was changed"):
        update_ledger_file(
            path, lambda ledger: ledger.debit("R01", 1, reference="x", date="2024-09-01")
        )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]


# ------------------------------------------------------ outputs never silently replaced
QUICK_PROJECT = (
    '[project]\nname = "t"\napplicant = "a"\nassessor = "b"\ndate = 2024-12-31\n'
    '[data]\nparcels = "sample"\nindicators = "sample"\n'
    "[options]\nmonte_carlo_draws = 0\nsensitivity = false\nfinance = false\n"
    '[report]\nlanguages = ["en"]\nformats = ["md"]\n'
)
REVIEW_CASE = [
    "--assessment", "c0ffee" * 8, "--applicant", "示意建设单位 P01 (synthetic applicant)",
    "--project", "P01", "--township", "民和镇", "--date", "2024-03-01",
]  # fmt: skip


def _quick_project(tmp_path: Path) -> Path:
    path = tmp_path / "project.toml"
    path.write_text(QUICK_PROJECT, encoding="utf-8")
    return path


def _earlier_run(folder: Path) -> dict[str, bytes]:
    """An earlier run's files (stand-ins: only their names and bytes matter here)."""
    folder.mkdir()
    files = {"assessment.json": b'{"earlier": 1}', "report_zh.html": b"<p>earlier</p>"}
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return files


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _one_error(code: int, err: str, *names: str, fix: str = "fix:") -> None:
    """Exit 1 with one error on stderr that names every one of ``names`` and gives the fix."""
    from wetval.cli import EXIT_INPUT

    assert code == EXIT_INPUT, err
    assert err.count("wetval: error:") == 1 and "Traceback" not in err, err
    assert fix in err, err
    for name in names:
        assert name in err, err


def test_review_draw_and_summarise_refuse_an_existing_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import EXIT_OK, main
    from wetval.review import synthetic_pool

    pool = synthetic_pool().write(tmp_path / "experts.xlsx")
    draw = tmp_path / "draw.json"
    draw.write_text("an earlier draw", encoding="utf-8")
    argv = ["review", "draw", str(pool), *REVIEW_CASE, "--seed", "7", "--output", str(draw)]
    before = _snapshot(tmp_path)
    code = main(argv)
    _one_error(code, capsys.readouterr().err, str(draw), "--force")
    assert _snapshot(tmp_path) == before
    assert main([*argv, "--force"]) == EXIT_OK
    assert "draw_hash" in draw.read_text(encoding="utf-8")
    capsys.readouterr()
    record = tmp_path / "record.json"
    record.write_text("an earlier review record", encoding="utf-8")
    before = _snapshot(tmp_path)
    code = main(["review", "summarise", "sheet.json", "form.csv", "--output", str(record)])
    _one_error(code, capsys.readouterr().err, str(record), "--force")
    assert _snapshot(tmp_path) == before


def test_review_output_that_is_a_folder_or_under_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import main
    from wetval.review import synthetic_pool

    pool = synthetic_pool().write(tmp_path / "experts.xlsx")
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for target, named in [
        (tmp_path / "folder", "is a folder"),
        (tmp_path / "afile" / "draw.json", "is a file, not a folder"),
    ]:
        before = _snapshot(tmp_path)
        code = main(["review", "draw", str(pool), *REVIEW_CASE, "--output", str(target), "--force"])
        _one_error(code, capsys.readouterr().err, named)
        assert _snapshot(tmp_path) == before


def test_assess_refuses_a_folder_holding_an_earlier_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import main

    project = _quick_project(tmp_path)
    out = tmp_path / "out"
    earlier = _earlier_run(out)
    code = main(["assess", str(project), "-o", str(out)])
    _one_error(code, capsys.readouterr().err, str(out), "assessment.json", "--force")
    assert _snapshot(out) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project.toml"]


def test_assess_force_replaces_the_whole_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import EXIT_OK, main

    project = _quick_project(tmp_path)
    out = tmp_path / "out"
    _earlier_run(out)
    assert main(["assess", str(project), "-o", str(out), "--force", "--quiet"]) == EXIT_OK
    # the earlier run's zh report is gone with it: never a mixed folder
    assert sorted(p.name for p in out.iterdir()) == ["assessment.json", "report_en.md"]
    assert b"earlier" not in (out / "assessment.json").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project.toml"]
    # a folder holding anything but a run's files is not deleted, even with --force
    (out / "notes.docx").write_bytes(b"the user's own notes")
    before = _snapshot(out)
    capsys.readouterr()
    code = main(["assess", str(project), "-o", str(out), "--force"])
    err = capsys.readouterr().err
    _one_error(code, err, "notes.docx", "not part of a wetval run")
    assert _snapshot(out) == before


@pytest.fixture(scope="module")
def quick_assessment() -> object:
    from wetval.assess import assess
    from wetval.datasets import sample_project

    spec = sample_project()
    quick = {"monte_carlo_draws": 0, "sensitivity": False, "finance": False}
    return assess(spec.model_copy(update={"options": spec.options.model_copy(update=quick)}))


@pytest.mark.parametrize(
    ("number", "named"),
    [
        ("ENOSPC", "No space left on device"),
        ("EROFS", "read-only"),
        ("EACCES", "Permission denied"),
    ],
)
def test_a_run_that_cannot_be_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_assessment: object, number: str,
    named: str,
) -> None:  # fmt: skip
    import errno
    import os

    from wetval.errors import OutputError
    from wetval.report import write_reports

    code = getattr(errno, number)

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing)  # the first file written into the staging folder
    for earlier in (False, True):
        out = tmp_path / f"out-{earlier}"
        files = _earlier_run(out) if earlier else {}
        with pytest.raises(OutputError, match=named) as caught:
            write_reports(
                quick_assessment,  # type: ignore[arg-type]
                out, formats=("md",), languages=("en",), force=True,
            )  # fmt: skip
        assert str(out) in str(caught.value) and "nothing was written" in str(caught.value)
        assert _snapshot(out) == files if earlier else not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_an_output_folder_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import main

    project = _quick_project(tmp_path)
    out = tmp_path / "out"
    out.write_text("a file", encoding="utf-8")
    code = main(["assess", str(project), "-o", str(out), "--force"])
    _one_error(code, capsys.readouterr().err, str(out), "is a file")
    assert out.read_text(encoding="utf-8") == "a file"


_INTERRUPTIBLE = """
import os, sys, time
real = os.fsync
def slow(fd):
    print("STAGING", flush=True)
    time.sleep(60)
os.fsync = slow
from wetval.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
@pytest.mark.parametrize("earlier", [False, True])
def test_an_interrupted_run_writes_nothing_and_cleans_its_staging_folder(
    tmp_path: Path, name: str, code: int, earlier: bool
) -> None:
    import signal
    import subprocess
    import sys

    project = _quick_project(tmp_path)
    out = tmp_path / "out"
    files = _earlier_run(out) if earlier else {}
    process = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTIBLE, "assess", str(project), "-o", str(out), "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "STAGING"  # inside the staging folder now
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")]
    process.send_signal(getattr(signal, name))
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert "interrupted, nothing written" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["out", "project.toml"] if earlier else ["project.toml"]
    )
    if earlier:
        assert _snapshot(out) == files


# ------------------------------------------------------------- unclear input messages
DLTB_HEADER = "BSM,DLBM,TBMJ,KCMJ,ZLDWDM,ZLDWMC"
DLTB_LINE = "{n},1104,1000,0,3601241010010000000,民和镇"


def _dltb_text(rows: int = 5) -> str:
    return "\n".join([DLTB_HEADER, *(DLTB_LINE.format(n=n) for n in range(rows))]) + "\n"


def _validate(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> str:
    """Run `wetval validate`; assert one clean input error; return stderr."""
    from wetval.cli import main

    before = _snapshot(path.parent)
    code = main(["validate", str(path), *extra])
    err = capsys.readouterr().err
    _one_error(code, err, path.name)
    assert "error.problems" not in err  # the command line prints the problems themselves
    assert _snapshot(path.parent) == before
    return err


@pytest.mark.parametrize(
    ("delimiter", "named"), [(";", "semicolons (;)"), ("\t", "tabs"), ("|", "vertical bars (|)")]
)
def test_another_delimiter_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str, named: str
) -> None:
    path = tmp_path / "dltb.csv"
    path.write_text(_dltb_text().replace(",", delimiter), encoding="utf-8")
    err = _validate(capsys, path)
    assert f"separated by {named}, not commas" in err and "comma-separated" in err
    assert "required column" not in err  # not reported as missing columns


@pytest.mark.parametrize(("line", "edit"), [(3, ",extra"), (5, ",more,fields"), (6, "")])
def test_a_ragged_row_gives_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: int, edit: str
) -> None:
    lines = _dltb_text(6).splitlines()
    lines[line - 1] = lines[line - 1] + edit if edit else lines[line - 1].rsplit(",", 1)[0]
    path = tmp_path / "dltb.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _validate(capsys, path)
    assert f"line {line} has" in err and "the header has 6" in err


@pytest.mark.parametrize("good_rows", [3, 2000, 60_000])
def test_a_mixed_encoding_names_the_real_first_bad_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], good_rows: int
) -> None:
    head = _dltb_text(good_rows).encode("utf-8")
    path = tmp_path / "dltb.csv"
    path.write_bytes(head + DLTB_LINE.format(n=good_rows).encode("gbk") + b"\n")
    bad = head + DLTB_LINE.format(n=good_rows).encode("gbk")
    offset = next(i for i in range(len(head), len(bad)) if bad[i] >= 0x80)
    err = _validate(capsys, path)
    assert "mixed text encodings" in err
    assert f"byte {offset} " in err and f"line {good_rows + 2}," in err


def test_an_explicit_wrong_encoding_gives_the_real_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _dltb_text(3000)
    path = tmp_path / "dltb.csv"
    path.write_bytes(text.encode("gbk"))
    offset = text.encode("gbk").index("民".encode("gbk"))
    err = _validate(capsys, path, "--encoding", "utf-8")
    assert f"fails at byte {offset} (line 2)" in err


@pytest.mark.parametrize("name", ["klingon", "utf-9", "gbk2"])
def test_an_unknown_encoding_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / "dltb.csv"
    path.write_text(_dltb_text(), encoding="utf-8")
    err = _validate(capsys, path, "--encoding", name)
    assert f"unknown text encoding {name!r}" in err and "gbk" in err


def _workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


@pytest.mark.parametrize("first", ["说明", "Sheet1", "封面"])
def test_data_on_another_worksheet_hints_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str
) -> None:
    from wetval.cli import EXIT_OK, main

    path = _workbook(
        tmp_path / "dltb.xlsx",
        {first: pd.DataFrame({"说明": ["SYNTHETIC"]}), "DLTB": _parcels().drop(columns=[])},
    )
    err = _validate(capsys, path)
    assert "worksheet 'DLTB' has them" in err and "--sheet DLTB" in err
    assert main(["validate", str(path), "--sheet", "DLTB", "--quiet"]) == EXIT_OK


@pytest.mark.parametrize("sheet", ["DLTB2", "7", "地类图斑"])
def test_a_missing_worksheet_lists_the_worksheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str
) -> None:
    path = _workbook(tmp_path / "dltb.xlsx", {"DLTB": _parcels()})
    err = _validate(capsys, path, "--sheet", sheet)
    assert "no worksheet" in err and "'DLTB'" in err and "--sheet" in err


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("dltb.xlsx", _dltb_text().encode("utf-8"), "holds text (a CSV file?), not an Excel"),
        ("dltb.xlsx", b"PK\x03\x04" + b"\x00" * 40, "not a readable Excel workbook"),
        ("dltb.parquet", _dltb_text().encode("utf-8"), "holds text (a CSV file?), not Parquet"),
    ],
)
def test_a_file_in_another_format_than_its_name_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert reason in _validate(capsys, path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_a_truncated_parquet_file_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep: float
) -> None:
    whole = tmp_path / "whole.parquet"
    _parcels().to_parquet(whole)
    data = whole.read_bytes()
    path = tmp_path / "dltb.parquet"
    path.write_bytes(data[: int(len(data) * keep)])
    whole.unlink()
    assert "truncated or damaged" in _validate(capsys, path)


@pytest.mark.parametrize("units", ["1e400", "1e30", "9" * 40])
def test_absurd_ledger_units_are_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], units: str
) -> None:
    from wetval.cli import main

    path = _chained_ledger_file(tmp_path)
    before = _snapshot(tmp_path)
    code = main(
        ["ledger", "debit", str(path), "R01", units, "--reference", "x", "--date", "2024-09-01"]
    )
    _one_error(code, capsys.readouterr().err, units, "far too large")
    assert _snapshot(tmp_path) == before


def test_two_unknown_card_ids_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli import main

    project = tmp_path / "project.toml"
    project.write_text(
        QUICK_PROJECT + '[cards]\ncondition = "nope-a"\nvaluation = ["nope-b", "xie2015"]\n',
        encoding="utf-8",
    )
    for command in ("validate", "assess"):
        code = main([command, str(project)])
        _one_error(
            code,
            capsys.readouterr().err,
            "cards.condition = 'nope-a'",
            "cards.valuation = 'nope-b'",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.toml"]


def test_the_command_line_prints_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.errors import MESSAGE_ROWS_PER_GROUP

    rows = MESSAGE_ROWS_PER_GROUP + 15
    frame = pd.DataFrame(
        {
            "BSM": [str(n) for n in range(rows)], "DLBM": ["11O4"] * rows,
            "TBMJ": ["1000"] * rows, "KCMJ": ["0"] * rows, "ZLDWDM": ["3601241010010000000"] * rows,
        }
    )  # fmt: skip
    path = tmp_path / "dltb.csv"
    frame.to_csv(path, index=False)
    err = _validate(capsys, path)
    assert all(f"row {n + 2} " in err for n in range(rows))


# ---------------------------------------------------------------- spreadsheet injection
INJECTIONS = ['=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]


def _formula_cells(path_or_bytes: Path | bytes) -> list[str]:
    """Cells stored as formulas, and formula-like text cells without the quote prefix."""
    import io

    import openpyxl

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    workbook = openpyxl.load_workbook(source)
    return [
        f"{sheet.title}!{cell.coordinate}={cell.value!r}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (isinstance(cell.value, str) and cell.value[:1] in "=+-@" and not cell.quotePrefix)
    ]


@pytest.mark.parametrize("name", INJECTIONS)
def test_the_xlsx_report_writes_formula_like_text_as_text(name: str) -> None:
    from wetval.assess import assess
    from wetval.datasets import sample_project
    from wetval.report import render
    from wetval.report.build import build_document

    spec = sample_project()
    quick = {"monte_carlo_draws": 0, "sensitivity": False, "finance": False}
    spec = spec.model_copy(
        update={
            "options": spec.options.model_copy(update=quick),
            "project": spec.project.model_copy(update={"name": name, "township": name}),
        }
    )
    content = render(build_document(assess(spec), "en"), "xlsx")
    assert _formula_cells(content) == []
    import io

    import openpyxl

    values = {
        c.value for s in openpyxl.load_workbook(io.BytesIO(content)).worksheets
        for r in s.iter_rows() for c in r
    }  # fmt: skip
    assert name in values  # the text itself is kept, only its type is text


@pytest.mark.parametrize("township", INJECTIONS)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_census_table_writes_formula_like_text_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], township: str, suffix: str
) -> None:
    from wetval.cli import EXIT_OK, main
    from wetval.datasets import export_sample

    paths = export_sample(tmp_path, n_parcels=200, seed=3, encoding="utf-8-sig")
    parcels = pd.read_csv(paths["parcels"], dtype=str)
    town_column = next(c for c in parcels.columns if c in ("ZLDWMC", "township", "XZMC"))
    parcels[town_column] = township
    parcels.to_csv(paths["parcels"], index=False, encoding="utf-8-sig")
    out = tmp_path / f"census{suffix}"
    code = main(
        ["screen", str(paths["parcels"]), "--indicators", str(paths["indicators"]), "-o", str(out)]
    )
    assert code == EXIT_OK, capsys.readouterr().err
    if suffix == ".xlsx":
        assert _formula_cells(out) == []
    else:
        import csv

        with out.open(encoding="utf-8-sig", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert f"'{township}" in cells
        assert not [c for c in cells if c[:1] in ("=", "+", "@")]


@pytest.mark.parametrize("value", ["=1+1", "-2+3", "@A1", "\t=1", "+1"])
def test_write_table_defuses_text_but_not_numbers(tmp_path: Path, value: str) -> None:
    from wetval.io import write_table

    frame = pd.DataFrame({"name": [value, "ok"], "delta": [-5.0, 2.0]}, index=["a", value])
    write_table(frame, tmp_path / "t.xlsx")
    assert _formula_cells(tmp_path / "t.xlsx") == []
    write_table(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", index_col=0, encoding="utf-8-sig")
    assert back["name"].tolist() == ["'" + value, "ok"] and back.index[1] == "'" + value
    assert back["delta"].tolist() == [-5.0, 2.0]  # numbers stay numbers


# ------------------------------------------------------ wrong argument types in the API
def _county() -> object:
    from wetval.datasets import sample_county

    return sample_county()


def _entries() -> dict[str, object]:
    from wetval.assess import assess
    from wetval.condition import score
    from wetval.pricing import price_quota
    from wetval.quota import account_credits, balance
    from wetval.report import write_reports
    from wetval.screening import screen
    from wetval.uncertainty import monte_carlo
    from wetval.valuation import value

    county = _county()
    return {
        "score": lambda x: score(x, "jiangxi-db36-2134"),
        "screen": lambda x: screen(x, county.indicators),  # type: ignore[attr-defined]
        "value": lambda x: value(x, "xie2015"),
        "account_credits": lambda x: account_credits(x, None),
        "balance": lambda x: balance(x, None),
        "price_quota": lambda x: price_quota(x),
        "monte_carlo": lambda x: monte_carlo(x, draws=10, seed=1),
        "assess": lambda x: assess(x),
        "write_reports": lambda x: write_reports(x, "never-written"),
    }


@pytest.mark.parametrize(
    "entry",
    [
        "score", "screen", "value", "account_credits", "balance", "price_quota", "monte_carlo",
        "assess", "write_reports",
    ],
)  # fmt: skip
@pytest.mark.parametrize(("given", "described"), [(None, "got None"), ([1, 2], "got a list of 2")])
def test_wrong_argument_types_name_what_was_given_and_expected(
    entry: str, given: object, described: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wetval.errors import ArgumentTypeError, WetvalError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArgumentTypeError) as caught:
        _entries()[entry](given)  # type: ignore[operator]
    message = str(caught.value)
    assert isinstance(caught.value, WetvalError)
    assert message.startswith(f"{entry}(): ") and described in message and "fix:" in message
    assert " must be " in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("entry", ["balance", "price_quota", "monte_carlo", "write_reports"])
def test_a_path_string_where_a_result_is_expected_is_refused(entry: str) -> None:
    from wetval.errors import ArgumentTypeError

    with pytest.raises(ArgumentTypeError, match=r"got the string 'dltb\.csv'"):
        _entries()[entry]("dltb.csv")  # type: ignore[operator]


def test_obvious_conversions_are_accepted(tmp_path: Path) -> None:
    from wetval.condition import score
    from wetval.io import write_table
    from wetval.screening import screen

    county = _county()
    parcels, indicators = county.parcels, county.indicators  # type: ignore[attr-defined]
    expected = score(indicators, "jiangxi-db36-2134").to_frame()
    # a DataFrame where an IndicatorTable is wanted
    from_frame = score(indicators.to_frame(), "jiangxi-db36-2134").to_frame()
    pd.testing.assert_frame_equal(from_frame, expected)
    # a path where a table is wanted
    path = write_table(indicators.to_frame(), tmp_path / "indicators.parquet")
    pd.testing.assert_frame_equal(score(str(path), "jiangxi-db36-2134").to_frame(), expected)
    census = screen(parcels.to_frame(), indicators).to_frame()
    pd.testing.assert_frame_equal(census, screen(parcels, indicators).to_frame())


@pytest.mark.parametrize("card", [5, None, ["xie2015"]])
def test_a_card_of_the_wrong_type_is_named(card: object) -> None:
    from wetval.errors import ArgumentTypeError
    from wetval.valuation import value

    county = _county()
    with pytest.raises(ArgumentTypeError, match=r"value\(\): card must be a Card or a card id"):
        value(county.parcels, card)  # type: ignore[attr-defined, arg-type]


def test_assess_accepts_a_project_file_path(tmp_path: Path) -> None:
    from wetval.assess import Assessment, assess

    project = _quick_project(tmp_path)
    assert isinstance(assess(str(project)), Assessment)
    assert isinstance(assess(project), Assessment)


# ------------------------------------------- `wetval validate` runs every check of assess
def _card_file(tmp_path: Path, card_id: str, edit: object) -> str:
    import subprocess
    import sys

    text = subprocess.run(
        [sys.executable, "-m", "wetval", "cards", "show", card_id],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    path = tmp_path / f"{card_id}-edited.toml"
    path.write_text(edit(text), encoding="utf-8")  # type: ignore[operator]
    return path.name


def _empty_parcels(tmp_path: Path) -> str:
    from wetval.datasets import export_sample

    paths = export_sample(tmp_path / "sample", n_parcels=20, seed=1, encoding="utf-8-sig")
    pd.read_csv(paths["parcels"], dtype=str).iloc[:0].to_csv(tmp_path / "empty.csv", index=False)
    return "empty.csv"


def _without_parameter(text: str) -> str:
    import re

    return re.sub(r"\[parameters\.discount_rate\][^\[]*", "", text)


VALIDATE_CASES = {
    "empty parcel file": (lambda t: {"parcels": _empty_parcels(t)}, "the parcel table has no rows"),
    "card of the wrong kind": (
        lambda t: {"cards": 'condition = "xie2015"'},
        "of kind 'unit-value'",
    ),
    "misspelt kind": (
        lambda t: {"cards": 'condition = "{}"'.format(_card_file(
            t, "jiangxi-db36-2134", lambda s: s.replace('kind = "condition"', 'kind = "conditon"')
        ))},
        "of kind 'conditon'",
    ),
    "card missing a parameter": (
        lambda t: {"cards": 'pricing = "{}"'.format(
            _card_file(t, "pricing-jinxian", _without_parameter)
        )},
        "parameters.discount_rate",
    ),
    "percentiles outside 0-100": (
        lambda t: {"options": "monte_carlo_draws = 50\npercentiles = [5, 150]"},
        "options.percentiles: must lie in 0–100",
    ),
    "unknown indicator in indicator_error": (
        lambda t: {"options": "monte_carlo_draws = 50\nindicator_error = {nope = 0.1}"},
        "options.indicator_error: unknown indicators ['nope']",
    ),
    "too few draws": (
        lambda t: {"options": "monte_carlo_draws = 1"},
        "options.monte_carlo_draws: need at least 2 draws",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(VALIDATE_CASES))
def test_validate_refuses_what_assess_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    from wetval.cli import main

    make, named = VALIDATE_CASES[case]
    parts = make(tmp_path)  # type: ignore[no-untyped-call]
    options = parts.get("options", "monte_carlo_draws = 0")
    text = (
        '[project]\nname = "t"\napplicant = "a"\nassessor = "b"\ndate = 2024-12-31\n'
        f'[data]\nparcels = "{parts.get("parcels", "sample")}"\nindicators = "sample"\n'
        + (f"[cards]\n{parts['cards']}\n" if "cards" in parts else "")
        + f"[options]\n{options}\nsensitivity = false\nfinance = false\n"
        '[report]\nlanguages = ["en"]\nformats = ["md"]\n'
    )
    project = tmp_path / "project.toml"
    project.write_text(text, encoding="utf-8")
    before = _snapshot(tmp_path)
    messages = []
    for command in (
        ["validate", str(project)],
        ["assess", str(project), "-o", str(tmp_path / "out")],
    ):
        code = main(command)
        err = capsys.readouterr().err
        _one_error(code, err, named)
        messages.append(err)
    assert messages[0] == messages[1]  # the same check, the same words
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------ card parameters out of range
@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda s: s.replace("value = 0.08\nunit = \"1/yr\"", "value = -0.05\nunit = \"1/yr\""),
         "parameters.discount_rate"),
        (lambda s: s.replace("value = 20\nunit = \"yr\"", "value = -3\nunit = \"yr\""),
         "parameters.om_years"),
        (lambda s: s.replace("value = 0.08\nunit = \"1/yr\"", "value = nan\nunit = \"1/yr\""),
         "parameters.discount_rate"),
    ],
)  # fmt: skip
def test_a_pricing_card_parameter_out_of_range_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: object, named: str
) -> None:
    from wetval.cli import main

    card = _card_file(tmp_path, "pricing-jinxian", edit)
    assert "-0.05" in (text := (tmp_path / card).read_text(encoding="utf-8")) or (
        "-3\n" in text or "nan" in text
    )  # the edit took
    project = tmp_path / "project.toml"
    project.write_text(QUICK_PROJECT + f'[cards]\npricing = "{card}"\n', encoding="utf-8")
    before = _snapshot(tmp_path)
    for command in (
        ["validate", str(project)],
        ["assess", str(project), "-o", str(tmp_path / "o")],
    ):
        code = main(command)
        _one_error(code, capsys.readouterr().err, named, card)
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------- project-file keys
@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ('base_dir = "/etc"\n', "base_dir"),
        ('[optionz]\nseed = 1\n', "optionz"),
        ('[options]\nmonte_carlo_draw = 10\n', "monte_carlo_draw"),
    ],
)  # fmt: skip
def test_unknown_project_keys_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, named: str
) -> None:
    from wetval.cli import main

    text = QUICK_PROJECT
    if extra.startswith("[options]"):
        text = text.replace("[options]\n", "[options]\nmonte_carlo_draw = 10\n")
    elif extra.startswith("base_dir"):
        text = extra + text
    else:
        text += extra
    project = tmp_path / "project.toml"
    project.write_text(text, encoding="utf-8")
    before = _snapshot(tmp_path)
    for command in (
        ["validate", str(project)],
        ["assess", str(project), "-o", str(tmp_path / "o")],
    ):
        code = main(command)
        # the fix of a wrong key is the list of valid keys (and the nearest one)
        _one_error(code, capsys.readouterr().err, named, "project.toml", fix="valid keys:")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "cards",
    [
        'condition = "nope-a"\nvaluation = ["nope-b", "xie2015"]',
        'valuation = ["nope-b", "nope-c"]\nvalue_approach = "nope-b"',
        'quota = "nope-q"\npricing = "nope-p"',
    ],
)
def test_every_unknown_card_id_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cards: str
) -> None:
    import re

    from wetval.cli import main

    project = tmp_path / "project.toml"
    project.write_text(QUICK_PROJECT + f"[cards]\n{cards}\n", encoding="utf-8")
    unknown = sorted(set(re.findall(r'"(nope-\w)"', cards)))
    for command in (
        ["validate", str(project)],
        ["assess", str(project), "-o", str(tmp_path / "o")],
    ):
        code = main(command)
        _one_error(code, capsys.readouterr().err, *(f"id {name!r}" for name in unknown))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.toml"]


# ------------------------------------------------------ concurrent ledger writers
def test_concurrent_writers_never_lose_a_transaction_nor_overdraw(tmp_path: Path) -> None:
    """Eight processes at once, four milestone/debit kinds: the file keeps every one."""
    import subprocess
    import sys

    from wetval.cli import EXIT_INPUT, EXIT_OK
    from wetval.quota import QuotaLedger

    path = tmp_path / "ledger.json"
    ledger = (
        QuotaLedger()
        .register("R01", "10", schedule=[("acceptance", "1")], reference="批复", date="2024-01-10")
        .milestone("R01", "acceptance", passed=True, reference="验收", date="2024-06-01")
    )
    path.write_text(ledger.to_json(indent=1), encoding="utf-8")
    base = [sys.executable, "-m", "wetval", "ledger", "debit", str(path), "R01", "2"]
    processes = [
        subprocess.Popen(
            [*base, "--reference", f"占用 {n}", "--date", "2024-07-01"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    errors = [process.communicate(timeout=180)[1] for process in processes]
    codes = [process.returncode for process in processes]
    assert sorted(codes) == [EXIT_OK] * 5 + [EXIT_INPUT] * 3, errors  # 10 units, 2 each
    assert all("only 0.0000 available" in e for e, c in zip(errors, codes, strict=True) if c)
    final = QuotaLedger.from_json(path.read_text(encoding="utf-8"))  # the chain is intact
    debits = [t.reference for t in final.transactions if t.kind == "debit"]
    assert len(debits) == 5 and len(set(debits)) == 5
    assert final.available("R01") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]
