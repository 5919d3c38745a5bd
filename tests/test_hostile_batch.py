"""Hostile inputs to ``wetval batch`` and :mod:`wetval.scale` (issue 17).

Each case is clean: exit 1 with one error naming the path, key or option and the fix;
nothing written, nothing left behind, nothing earlier overwritten. The dataset is
SYNTHETIC (:func:`wetval.datasets._synthetic.generate_frames`, 40 parcels).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")

from wetval import scale
from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.datasets._synthetic import generate_frames


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _one_error(code: int, err: str, *names: str, fix: str = "fix:") -> None:
    """Exit 1 with one error on stderr that names every one of ``names`` and gives the fix."""
    assert code == EXIT_INPUT, err
    assert err.count("wetval: error:") == 1 and "Traceback" not in err, err
    assert fix in err, err
    for name in names:
        assert name in err, err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parcels, indicators, _ = generate_frames(40, np.random.default_rng(5))
    root = tmp_path_factory.mktemp("batch") / "data"
    scale.write_partitions(parcels, indicators, root, rows=20)
    return root


def _batch(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], cards: bytes | str,
    *extra: str, out: Path | None = None,
) -> tuple[int, str]:  # fmt: skip
    project = tmp_path / "project.toml"
    if isinstance(cards, str):
        project.write_text(cards, encoding="utf-8")
    else:
        project.write_bytes(cards)
    target = out if out is not None else tmp_path / "out"
    code = main(["batch", str(project), "--partitions", str(dataset), "-o", str(target), *extra])
    return code, capsys.readouterr().err


def _clean(tmp_path: Path, before: dict[str, bytes], dataset: Path, data: dict[str, bytes]) -> None:
    assert _snapshot(tmp_path) == before  # no out/, no temporary file
    assert _snapshot(dataset) == data


OK = '[cards]\ncondition = "jiangxi-db36-2134"\n'


# ------------------------------------------------------------- the project file's encoding
@pytest.mark.parametrize(
    "content",
    [
        '[cards]\ncondition = "中文"\n'.encode("gbk"),
        b"\x00\x01\xff\xfe binary",
        "[cards]\n# 江西\n".encode("utf-16"),
    ],
)
def test_a_project_file_not_in_utf8_is_named_with_the_fix(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    (tmp_path / "project.toml").write_bytes(content)
    before, data = _snapshot(tmp_path), _snapshot(dataset)
    code, err = _batch(tmp_path, dataset, capsys, content)
    _one_error(code, err, "project.toml", "not UTF-8", "save it as UTF-8")
    _clean(tmp_path, before, dataset, data)


# ------------------------------------------------------------- unknown [cards] keys and ids
@pytest.mark.parametrize(
    ("cards", "named"),
    [
        ('[cards]\nconditon = "jiangxi-db36-2134"\n', ["'conditon'", "did you mean 'condition'"]),
        ('[cards]\nquotta = "x"\nscreen = "y"\n', ["'quotta'", "'screen'", "screening"]),
        ('[cards]\nbase_dir = "elsewhere"\n', ["'base_dir'", "value_approach"]),
    ],
)
def test_every_unknown_cards_key_is_named_at_once(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], cards: str,
    named: list[str],
) -> None:  # fmt: skip
    (tmp_path / "project.toml").write_text(cards, encoding="utf-8")
    before, data = _snapshot(tmp_path), _snapshot(dataset)
    code, err = _batch(tmp_path, dataset, capsys, cards)
    _one_error(code, err, "project.toml", "unknown key", *named, fix="fix: use only")
    _clean(tmp_path, before, dataset, data)


@pytest.mark.parametrize(
    ("cards", "named"),
    [
        ('[cards]\ncondition = "nope1"\nquota = "nope2"\n', ["'nope1'", "'nope2'", "xie2015"]),
        ('[cards]\nvalue_approach = "xie2016"\nscreening = "census"\n', ["'xie2016'", "'census'"]),
        (
            '[cards]\ncondition = "xie2015"\nquota = "jiangxi-db36-2134"\n',
            ["'unit-value'", "kind 'condition'", "kind 'quota'"],
        ),
        ("[cards]\ncondition = 3\nvaluation = [1]\n", ["condition = 3", "valuation = [1]"]),
        ('cards = "jiangxi-db36-2134"\n', ["'cards' is a str"]),
    ],
)
def test_every_bad_card_is_named_at_once(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], cards: str,
    named: list[str],
) -> None:  # fmt: skip
    (tmp_path / "project.toml").write_text(cards, encoding="utf-8")
    before, data = _snapshot(tmp_path), _snapshot(dataset)
    code, err = _batch(tmp_path, dataset, capsys, cards)
    _one_error(code, err, "project.toml", *named)
    _clean(tmp_path, before, dataset, data)


def test_a_valuation_list_written_as_one_string_is_read_as_one_card(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wetval.cli.batch import _cards

    (tmp_path / "p.toml").write_text('[cards]\nvaluation = "costanza2014"\n', encoding="utf-8")
    assert _cards(tmp_path / "p.toml").valuation == "costanza2014"  # was its first letter "c"


# ------------------------------------------------------------- --workers
@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_below_one_are_refused_before_any_work(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    before, data = _snapshot(tmp_path), _snapshot(dataset)
    code, err = _batch(tmp_path, dataset, capsys, OK, f"--workers={workers}")
    assert code == EXIT_USAGE and "--workers" in err and "give one ≥ 1" in err, err
    (tmp_path / "project.toml").unlink()
    _clean(tmp_path, before, dataset, data)


# ------------------------------------------------------------- --scheduler
@pytest.mark.parametrize(
    ("address", "named"),
    [
        ("tcp://127.0.0.1:1", "Timed out"),  # nothing listens on port 1
        ("nonsense://x", "unknown address scheme"),
        ("tcp://host:notaport", "notaport"),
    ],
)
def test_an_unreachable_or_malformed_scheduler_is_one_error(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str], address: str, named: str
) -> None:
    import dask

    (tmp_path / "project.toml").write_text(OK, encoding="utf-8")
    before, data = _snapshot(tmp_path), _snapshot(dataset)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        code, err = _batch(tmp_path, dataset, capsys, OK, "--scheduler", address)
    _one_error(code, err, f"Dask scheduler {address!r}", named, "--scheduler")
    _clean(tmp_path, before, dataset, data)


# ------------------------------------------------------------- -o and the dataset folder
def test_output_that_is_a_file_under_a_file_or_holds_other_files_is_refused(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "project.toml").write_text(OK, encoding="utf-8")
    (tmp_path / "afile").write_text("the user's file", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.docx").write_bytes(b"the user's notes")
    for out, named in [
        (tmp_path / "afile", "is a file"),
        (tmp_path / "afile" / "sub", "afile' is a file, not a folder"),
        (tmp_path / "mine", "notes.docx"),
    ]:
        before, data = _snapshot(tmp_path), _snapshot(dataset)
        code, err = _batch(tmp_path, dataset, capsys, OK, out=out)
        _one_error(code, err, str(out.name), "(-o)", named)
        _clean(tmp_path, before, dataset, data)


def test_a_missing_or_empty_dataset_is_refused_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "project.toml").write_text(OK, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    half = tmp_path / "half"
    (half / "parcels").mkdir(parents=True)
    (half / "parcels" / "part-0.parquet").write_bytes(b"PAR1")
    for data, named in [
        (tmp_path / "nowhere", "is not a folder"),
        (tmp_path / "empty", "no partitions in"),
        (half, "without indicators"),
    ]:
        before = _snapshot(tmp_path)
        code, err = _batch(tmp_path, data, capsys, OK)
        _one_error(code, err, str(data.name), named)
        assert _snapshot(tmp_path) == before


def test_a_finished_run_resumes_into_its_own_folder(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _batch(tmp_path, dataset, capsys, OK, "--quiet")
    assert code == EXIT_OK, err
    out = tmp_path / "out"
    assert not [p for p in out.rglob("*") if ".partial" in p.name or p.suffix == ".tmp"]
    before = _snapshot(out)
    code, err = _batch(tmp_path, dataset, capsys, OK, "--quiet")
    assert code == EXIT_OK, err
    assert _snapshot(out).keys() == before.keys()


# ------------------------------------------------------------- failed writes leave nothing
@pytest.mark.parametrize(
    ("number", "named"),
    [("ENOSPC", "No space left"), ("EROFS", "read-only"), ("EACCES", "Permission denied")],
)
def test_a_write_that_fails_leaves_no_partial_file(
    tmp_path: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch, number: str, named: str
) -> None:
    import errno
    import os

    from wetval.errors import OutputError

    code = getattr(errno, number)

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing)  # inside wetval.atomic.write_atomic
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=named) as caught:
        scale.run(dataset, out)
    assert str(out) in str(caught.value) and "nothing was written" in str(caught.value)
    assert not [p for p in out.rglob("*") if p.is_file()]  # no partial or temporary file


def test_an_empty_partition_is_named_with_the_fix(
    tmp_path: Path, dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    import pandas as pd

    data = tmp_path / "data"
    shutil.copytree(dataset, data)
    name = scale.partition_names(data)[0]
    for part in ("parcels", "indicators"):
        file = data / part / f"{name}.parquet"
        pd.read_parquet(file).iloc[:0].to_parquet(file, index=False)
    (tmp_path / "project.toml").write_text(OK, encoding="utf-8")
    code, err = _batch(tmp_path, data, capsys, OK, "--quiet")
    _one_error(code, err, f"partition {name!r}", "holds no parcel rows")
    assert not (tmp_path / "out" / "summary_county.csv").exists()  # no summary of a partial run


_INTERRUPTIBLE = """
import os, sys, time
def slow(fd):
    print("WRITING", flush=True)
    time.sleep(0.3)
os.fsync = slow
from wetval.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupted_batch_keeps_what_it_finished_and_says_so(
    tmp_path: Path, name: str, code: int
) -> None:
    """Ctrl-C stops the partitions not yet started; those running finish whole; resumable."""
    import signal
    import subprocess
    import sys

    parcels, indicators, _ = generate_frames(48, np.random.default_rng(7))  # SYNTHETIC
    data = tmp_path / "data"
    scale.write_partitions(parcels, indicators, data, rows=4)
    total = len(scale.partition_names(data))
    project = tmp_path / "project.toml"
    project.write_text(OK, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["batch", str(project), "--partitions", str(data), "-o", str(out), "--quiet"]
    process = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTIBLE, *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "WRITING"  # partitions are being written
    process.send_signal(getattr(signal, name))
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "interrupted, the partitions finished so far are kept in" in err, err
    assert "Traceback" not in err
    assert not list(out.rglob("*partial*"))  # the running ones finished or cleaned up
    finished = len(list((out / "_done").glob("*.json")))
    assert finished < total  # the rest were never started
    assert not (out / "summary_county.csv").exists()
    assert main([*argv]) == 0  # the same command resumes and completes
    assert len(list((out / "_done").glob("*.json"))) == total
