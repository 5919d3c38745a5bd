"""The reduction pass, continued: combined weights, the statistics cache, an entropy batch.

All data are SYNTHETIC (``wetval.datasets._synthetic.generate_frames``). The reference is
the in-memory run, ``wetval.condition.score`` of the whole table, which estimates the
weights and TOPSIS points from every parcel at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from test_scale_reduction import _assert_same_scores, _tables, _variant
from wetval.cards import Card, load_card
from wetval.condition import score
from wetval.condition.statistics import StatisticsBuilder
from wetval.datasets._synthetic import generate_frames

pytest.importorskip("dask")

N = 6_000


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    parcels, indicators, _ = generate_frames(N, np.random.default_rng(1818))
    return parcels, indicators


def _combined() -> Card:
    """psr-entropy-topsis with weights = "combined": 40 % card weights, 60 % entropy.

    The card weights (0.1 for eight items, 0.2 for the last) are made up for the test.
    """
    card = load_card("psr-entropy-topsis")
    items = card.tables["items"]
    weights = [0.1] * (len(items.rows) - 1) + [0.2]
    table = items.model_copy(
        update={
            "columns": (*items.columns, "weight"),
            "rows": tuple((*row, w) for row, w in zip(items.rows, weights, strict=True)),
        }
    )
    options = {**card.options, "weights": "combined",
               "combine": {"subjective": "card", "objective": "entropy", "alpha": 0.4}}  # fmt: skip
    return card.model_copy(update={"options": options, "tables": {**card.tables, "items": table}})


def test_combined_weights_through_the_partitioned_path(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    from wetval import scale

    parcels, indicators = raw
    card = _combined()
    scale.write_partitions(parcels, indicators, tmp_path / "data", rows=1_500)
    cards = scale.ScaleCards(condition=card, screening=None, quota=None)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        scale.run(tmp_path / "data", tmp_path / "out", cards=cards, client=client)
    table, measured = _tables(parcels, indicators)
    whole = score(measured, card, parcels=table)
    assert {"subjective_weight", "entropy_weight"} <= set(whole.weight_details)  # combined
    got = scale.read_results(tmp_path / "out", "condition")
    _assert_same_scores(whole.to_frame(), got)  # index to 1e-12, grades identical
    # each partition alone has other weights: the equality is the reduction's doing
    ids = parcels["BSM"].iloc[:1_500]
    _, alone = _tables(parcels.iloc[:1_500], indicators[indicators["parcel_id"].isin(ids)])
    mine = score(alone, card).weight_details["entropy_weight"]
    assert not np.allclose(mine, whole.weight_details["entropy_weight"], rtol=1e-9, atol=0)


def _count_partials(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = StatisticsBuilder.partial

    def counted(self, indicators, parcels=None):  # type: ignore[no-untyped-def]
        calls.append("partial")
        return original(self, indicators, parcels)

    monkeypatch.setattr(StatisticsBuilder, "partial", counted)
    return calls


def test_statistics_are_cached_across_resumed_runs(raw, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from wetval import scale

    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=2_000)
    cards = scale.ScaleCards(condition="psr-entropy-topsis", screening=None, quota=None)
    calls = _count_partials(monkeypatch)
    first = scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    passes = len(calls)
    assert passes >= 2 * len(names)  # moments and entropy passes, every partition
    again = scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    assert len(calls) == passes  # not recomputed
    assert again.skipped == tuple(names)  # and the partitions' fingerprints still match
    pd.testing.assert_frame_equal(again.county, first.county)
    # a changed input invalidates the cache (and redoes every partition)
    part = tmp_path / "data" / "indicators" / f"{names[1]}.parquet"
    frame = pd.read_parquet(part)
    frame.loc[frame.index[0], "vegetation_cover"] = 3.0
    frame.to_parquet(part, index=False)
    changed = scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    assert len(calls) == 2 * passes
    assert changed.skipped == ()
    # another card too
    other = scale.ScaleCards(condition=_variant(weights="critic"), screening=None, quota=None)
    scale.run(tmp_path / "data", tmp_path / "out", cards=other)
    assert len(calls) > 2 * passes


def test_batch_with_an_entropy_card(raw, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from wetval import scale
    from wetval.cli import EXIT_OK, main

    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=3_000)
    project = tmp_path / "project.toml"
    # quota-jinxian takes the 优/良/中/差 grades, not psr-entropy-topsis' excellent ... morbid,
    # so the quota stage is turned off (with it every partition fails: a PartitionError)
    project.write_text(
        '[cards]\ncondition = "psr-entropy-topsis"\nvalue_approach = "xie2015"\nquota = false\n'
    )
    argv = ["batch", str(project), "--partitions", str(tmp_path / "data"),
            "-o", str(tmp_path / "o"), "--json"]  # fmt: skip
    calls = _count_partials(monkeypatch)
    assert main(argv) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["skipped"] == []
    passes = len(calls)
    table, measured = _tables(parcels, indicators)
    whole = score(measured, "psr-entropy-topsis", parcels=table).to_frame()
    _assert_same_scores(whole, scale.read_results(tmp_path / "o", "condition"))
    assert main(argv) == EXIT_OK  # resumed: no partition and no statistics pass redone
    assert json.loads(capsys.readouterr().out)["skipped"] == names
    assert len(calls) == passes


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda: load_card("psr-entropy-topsis"), id="entropy-topsis"),
        pytest.param(lambda: _variant(weights="critic"), id="critic"),
        pytest.param(_combined, id="combined"),
        pytest.param(lambda: _variant(missing="impute_median"), id="impute-median"),
    ],
)
def test_statistics_json_round_trip_is_exact(raw, variant) -> None:  # type: ignore[no-untyped-def]
    """The cache's JSON record gives back the statistics bit for bit (floats as hex)."""
    import json

    from wetval.condition.statistics import TableStatistics

    parcel_table, indicator_table = _tables(*raw)
    statistics = TableStatistics.of(indicator_table, variant(), parcel_table)
    again = TableStatistics.from_dict(json.loads(json.dumps(statistics.to_dict())))
    assert again.to_dict() == statistics.to_dict()
    for name in ("topsis_norm", "topsis_high", "topsis_low"):
        mine, theirs = getattr(statistics, name), getattr(again, name)
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_array_equal(theirs, mine)
    if statistics.objective is not None:
        pd.testing.assert_series_equal(again.objective, statistics.objective)
    if statistics.medians is not None:
        for key, series in statistics.medians.items():
            pd.testing.assert_series_equal(again.medians[key], series, check_index_type=False)
