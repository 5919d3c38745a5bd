"""The partitioned Dask path equals the in-memory path (SYNTHETIC counties)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from wetval import scale  # noqa: E402
from wetval.condition import score  # noqa: E402
from wetval.datasets._synthetic import generate_frames  # noqa: E402
from wetval.quota import account_credits  # noqa: E402
from wetval.screening import screen  # noqa: E402
from wetval.tables import IndicatorTable, ParcelTable  # noqa: E402
from wetval.valuation import value  # noqa: E402

N = 6_000


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    parcels, indicators, _ = generate_frames(N, np.random.default_rng(21))
    return parcels, indicators


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def _in_memory(parcels: pd.DataFrame, indicators: pd.DataFrame) -> dict[str, pd.DataFrame]:
    table = ParcelTable.from_frame(parcels)
    measured = IndicatorTable.from_frame(indicators)
    condition = score(measured, "jiangxi-db36-2134", parcels=table)
    frame = table.to_frame()
    scored = condition.to_frame()["index"].reindex(table.ids).notna().to_numpy()
    restoration = (frame["role"] == "restoration").to_numpy() & scored
    sub = ParcelTable.from_frame(frame[restoration].reset_index())
    return {
        "condition": condition.to_frame(),
        "valuation": value(table, "xie2015", condition=condition, indicators=measured)
        .by_parcel()
        .rename("value_cny")
        .to_frame(),
        "reserves": screen(table, measured).parcels,
        "credits": account_credits(sub, condition).table,
    }


def _assert_equal_numbers(whole: pd.DataFrame, parts: pd.DataFrame, columns: list[str]) -> None:
    parts = parts.reindex(whole.index)
    assert len(parts) == len(whole)
    for column in columns:
        expected = whole[column].to_numpy(dtype=float)
        got = parts[column].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(expected), np.isnan(got), err_msg=column)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=column)


def test_partitions_on_a_local_cluster_equal_the_in_memory_run(  # type: ignore[no-untyped-def]
    raw, cluster, tmp_path: Path
) -> None:
    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=N // 3)
    assert len(names) == 3
    seen: list[str] = []
    result = scale.run(
        tmp_path / "data", tmp_path / "out", client=cluster,
        progress=lambda done, total, name: seen.append(name),
    )  # fmt: skip
    assert sorted(seen) == names and result.skipped == ()
    whole = _in_memory(parcels, indicators)
    _assert_equal_numbers(
        whole["condition"], scale.read_results(tmp_path / "out", "condition"), ["index", "points"]
    )
    _assert_equal_numbers(
        whole["valuation"], scale.read_results(tmp_path / "out", "valuation"), ["value_cny"]
    )
    _assert_equal_numbers(
        whole["credits"], scale.read_results(tmp_path / "out", "credits"), ["units", "area_mu"]
    )
    reserves = scale.read_results(tmp_path / "out", "reserves").reindex(whole["reserves"].index)
    assert (reserves["candidate"] == whole["reserves"]["candidate"]).all()
    _assert_equal_numbers(whole["reserves"], reserves, ["potential"])
    # the summaries add up to the per-parcel results
    county = result.county
    assert county["parcels"].sum() == N
    assert county["credit_units"].sum() == pytest.approx(whole["credits"]["units"].sum(), abs=1e-9)
    assert county["reserve_candidates"].sum() == int(whole["reserves"]["candidate"].sum())
    assert (tmp_path / "out" / "summary_province.csv").exists()


def test_finished_partitions_are_not_redone(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = raw
    scale.write_partitions(parcels, indicators, tmp_path / "data", rows=N // 2)
    first = scale.run(tmp_path / "data", tmp_path / "out")
    (tmp_path / "out" / "_done" / f"{first.partitions[1]}.json").unlink()  # "interrupted"
    second = scale.run(tmp_path / "data", tmp_path / "out")
    assert second.skipped == (first.partitions[0],)
    pd.testing.assert_frame_equal(second.county, first.county)
    # changed input data are redone
    part = tmp_path / "data" / "parcels" / f"{first.partitions[0]}.parquet"
    frame = pd.read_parquet(part)
    frame.loc[0, "TBMJ"] = float(frame.loc[0, "TBMJ"]) + 1.0
    if "TBDLMJ" in frame:  # keep the survey's TBDLMJ = TBMJ − KCMJ rule
        frame.loc[0, "TBDLMJ"] = float(frame.loc[0, "TBDLMJ"]) + 1.0
    frame.to_parquet(part, index=False)
    assert scale.run(tmp_path / "data", tmp_path / "out").skipped == (first.partitions[1],)


def test_bad_data_names_the_partition_and_the_row(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=N // 2)
    part = tmp_path / "data" / "parcels" / f"{names[1]}.parquet"
    frame = pd.read_parquet(part)
    bad_id = str(frame.loc[3, "BSM"])
    frame.loc[3, "TBMJ"] = -5.0
    frame.to_parquet(part, index=False)
    with pytest.raises(scale.PartitionError) as caught:
        scale.run(tmp_path / "data", tmp_path / "out")
    assert caught.value.partition == names[1]
    assert names[1] in str(caught.value) and bad_id in str(caught.value)


def test_partitions_by_column_keep_each_parcels_indicators(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", by="ZLDWMC")
    assert len(names) == parcels["ZLDWMC"].nunique()
    total = 0
    for name in names:
        ids = set(pd.read_parquet(tmp_path / "data" / "parcels" / f"{name}.parquet")["BSM"])
        rows = pd.read_parquet(tmp_path / "data" / "indicators" / f"{name}.parquet")
        assert set(rows["parcel_id"]) <= ids
        total += len(rows)
    assert total == len(indicators)


@pytest.mark.slow
def test_a_million_parcels_equal_the_in_memory_run(tmp_path: Path) -> None:
    parcels, indicators, _ = generate_frames(1_000_000, np.random.default_rng(22))
    scale.write_partitions(parcels, indicators, tmp_path / "data", rows=250_000)
    scale.run(tmp_path / "data", tmp_path / "out")
    whole = _in_memory(parcels, indicators)
    for stage, columns in {
        "condition": ["index", "points"],
        "valuation": ["value_cny"],
        "credits": ["units"],
    }.items():
        _assert_equal_numbers(whole[stage], scale.read_results(tmp_path / "out", stage), columns)


def test_batch_command_runs_resumes_and_names_bad_rows(  # type: ignore[no-untyped-def]
    raw, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from wetval.cli import EXIT_INPUT, EXIT_OK, main

    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=N // 2)
    project = tmp_path / "project.toml"
    project.write_text('[cards]\ncondition = "jiangxi-db36-2134"\nvalue_approach = "xie2015"\n')
    argv = [
        "batch",
        str(project),
        "--partitions",
        str(tmp_path / "data"),
        "-o",
        str(tmp_path / "o"),
    ]
    assert main(argv) == EXIT_OK
    captured = capsys.readouterr()
    assert "2 partitions (2 run, 0 already finished)" in captured.out
    assert "2/2" in captured.err  # the progress bar
    assert main([*argv, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["skipped"] == names
    part = tmp_path / "data" / "indicators" / f"{names[0]}.parquet"
    frame = pd.read_parquet(part)
    bad_id = str(frame.loc[2, "parcel_id"])
    frame.loc[2, "vegetation_cover"] = 250.0  # a percentage above 100
    frame.to_parquet(part, index=False)
    assert main(argv) == EXIT_INPUT
    err = capsys.readouterr().err
    assert f"partition {names[0]!r}" in err and bad_id in err and "Traceback" not in err
