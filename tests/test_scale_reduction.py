"""Whole-table statistics reduced over partitions equal those of the whole table (issue 18).

All data are SYNTHETIC (``wetval.datasets._synthetic.generate_frames``). The reference
numbers are the in-memory run: ``wetval.condition.score`` of the whole table, which
estimates the entropy weights, TOPSIS norms and ideal points (and land-class medians)
from every parcel at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wetval.cards import Card, load_card
from wetval.condition import score
from wetval.condition.statistics import StatisticsBuilder, TableStatistics
from wetval.datasets._synthetic import generate_frames
from wetval.tables import IndicatorTable, ParcelTable

N = 20_000
#: The engine rounds the index to 12 decimals; statistics that differ from the in-memory
#: ones in the last bits can move a parcel to the neighbouring 12th decimal: one unit
#: (1e-12) plus the representation error of the two rounded doubles.
INDEX_TOLERANCE = 1e-12 + 4 * float(np.spacing(1.0))


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    parcels, indicators, _ = generate_frames(N, np.random.default_rng(18))
    return parcels, indicators


def _tables(parcels: pd.DataFrame, indicators: pd.DataFrame) -> tuple[ParcelTable, IndicatorTable]:
    return ParcelTable.from_frame(parcels), IndicatorTable.from_frame(indicators)


def _variant(**options: str) -> Card:
    card = load_card("psr-entropy-topsis")
    return card.model_copy(update={"options": {**card.options, **options}})


def _split(
    parcels: pd.DataFrame, indicators: pd.DataFrame, owner: np.ndarray
) -> list[tuple[ParcelTable, IndicatorTable]]:
    ids = parcels["BSM"].astype(str).to_numpy()
    of_indicator = pd.Series(owner, index=ids).reindex(indicators["parcel_id"].astype(str))
    return [
        _tables(parcels[owner == k], indicators[of_indicator.to_numpy() == k])
        for k in np.unique(owner)
    ]


def _reduced(card: Card, parts: list[tuple[ParcelTable, IndicatorTable]]) -> TableStatistics:
    builder = StatisticsBuilder(card)
    while builder.needs():
        builder.add(*[builder.partial(i, p) for p, i in parts])
    return builder.result()


def _assert_same_scores(whole: pd.DataFrame, parts: pd.DataFrame) -> None:
    parts = parts.reindex(whole.index)
    for column in ("index", "points"):
        expected = whole[column].to_numpy(dtype=float)
        got = parts[column].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=column)
        scale = 1.0 if column == "index" else 100.0
        np.testing.assert_allclose(
            got, expected, rtol=0, atol=scale * INDEX_TOLERANCE, err_msg=column
        )
    for column in ("grade", "quality", "limiting_item"):
        got = parts[column].astype(object).fillna("-").to_numpy()
        expected = whole[column].astype(object).fillna("-").to_numpy()
        np.testing.assert_array_equal(got, expected, err_msg=column)


def test_partitioned_entropy_topsis_equals_the_in_memory_run(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("dask")
    from wetval import scale

    parcels, indicators = raw
    names = scale.write_partitions(parcels, indicators, tmp_path / "data", rows=N // 4 - 7)
    assert len(names) >= 4
    table, measured = _tables(parcels, indicators)
    whole = score(measured, "psr-entropy-topsis", parcels=table)
    cards = scale.ScaleCards(condition="psr-entropy-topsis", screening=None, quota=None)
    scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    got = scale.read_results(tmp_path / "out", "condition")
    expected = whole.to_frame()
    assert got.index.nunique() == len(expected)
    _assert_same_scores(expected, got)
    # the reduction pass, not luck: each partition alone has other weights and points
    first, first_ind = _tables(
        pd.read_parquet(tmp_path / "data" / "parcels" / f"{names[0]}.parquet"),
        pd.read_parquet(tmp_path / "data" / "indicators" / f"{names[0]}.parquet"),
    )
    alone = score(first_ind, "psr-entropy-topsis", parcels=first).to_frame()["index"]
    assert np.nanmax(np.abs(alone - expected["index"].reindex(alone.index))) > 1e-6


def test_a_new_partitioning_redoes_the_partitions(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Results depend on the other partitions through the statistics: they are fingerprinted."""
    pytest.importorskip("dask")
    from wetval import scale

    parcels, indicators = raw
    small = parcels.iloc[:3_000]
    kept = indicators[indicators["parcel_id"].isin(small["BSM"])]
    names = scale.write_partitions(small, kept, tmp_path / "data", rows=1_000)
    cards = scale.ScaleCards(condition="psr-entropy-topsis", screening=None, quota=None)
    scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    assert scale.run(tmp_path / "data", tmp_path / "out", cards=cards).skipped == tuple(names)
    (tmp_path / "data" / "parcels" / f"{names[-1]}.parquet").unlink()
    (tmp_path / "data" / "indicators" / f"{names[-1]}.parquet").unlink()
    again = scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    assert again.skipped == ()  # the whole table changed, so every score may change


def test_the_statistics_of_the_table_give_its_scores_bit_for_bit(raw) -> None:  # type: ignore[no-untyped-def]
    """With the engine's own weights, the given-points TOPSIS is the engine's arithmetic."""
    parcels, indicators = raw
    table, measured = _tables(parcels.iloc[:4_000], indicators)
    card = load_card("psr-entropy-topsis")
    whole = score(measured, card, parcels=table)
    own = TableStatistics.of(measured, card, table)
    engine_weights = whole.weight_details["entropy_weight"]
    np.testing.assert_allclose(own.objective, engine_weights, rtol=1e-12, atol=0)
    given_ = TableStatistics(
        own.card_id,
        own.items,
        own.parcels,
        objective=engine_weights,
        topsis_norm=own.topsis_norm,
        topsis_high=own.topsis_high,
        topsis_low=own.topsis_low,
    )
    again = score(measured, card, parcels=table, statistics=given_)
    pd.testing.assert_frame_equal(again.to_frame(), whole.to_frame())


def test_statistics_of_another_card_are_refused(raw) -> None:  # type: ignore[no-untyped-def]
    from wetval.errors import WetvalError

    parcels, indicators = raw
    table, measured = _tables(parcels.iloc[:500], indicators)
    own = TableStatistics.of(measured, load_card("psr-entropy-topsis"), table)
    with pytest.raises(WetvalError, match="psr-entropy-topsis"):
        score(measured, "jiangxi-db36-2134", parcels=table, statistics=own)


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    parcels, indicators, _ = generate_frames(300, np.random.default_rng(7))
    return parcels, indicators


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 7),
    options=st.sampled_from(
        [{}, {"weights": "critic"}, {"missing": "impute_median"}, {"aggregation": "weighted-sum"}]
    ),
)
def test_reduced_statistics_equal_the_one_table_statistics(  # type: ignore[no-untyped-def]
    small, seed: int, k: int, options
) -> None:
    parcels, indicators = small
    card = _variant(**options)
    owner = np.random.default_rng(seed).integers(0, k, len(parcels))
    table, measured = _tables(parcels, indicators)
    one = TableStatistics.of(measured, card, table)
    reduced = _reduced(card, _split(parcels, indicators, owner))
    assert reduced.parcels == one.parcels == len(parcels)
    topsis = options.get("aggregation", "topsis") == "topsis"
    assert (one.topsis_norm is not None) is topsis
    if topsis:
        for name in ("topsis_high", "topsis_low"):  # extrema: exact
            np.testing.assert_array_equal(getattr(reduced, name), getattr(one, name))
        np.testing.assert_allclose(reduced.topsis_norm, one.topsis_norm, rtol=1e-15, atol=0)
    np.testing.assert_allclose(reduced.objective, one.objective, rtol=1e-12, atol=0)
    if one.medians is not None:  # value counts merge exactly
        assert reduced.medians is not None
        for name, medians in one.medians.items():
            pd.testing.assert_series_equal(reduced.medians[name].sort_index(), medians.sort_index())
    # and both equal what the engine estimates from the whole table itself
    whole = score(measured, card, parcels=table)
    column = "critic_weight" if options.get("weights") == "critic" else "entropy_weight"
    np.testing.assert_allclose(one.objective, whole.weight_details[column], rtol=1e-12, atol=0)


def test_land_class_medians_are_those_the_engine_imputes(small) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = small
    card = _variant(missing="impute_median")
    table, measured = _tables(parcels, indicators)
    whole = score(measured, card, parcels=table).to_frame()
    assert (whole["quality"] == "imputed").any()
    parts = _split(parcels, indicators, np.arange(len(parcels)) % 3)
    reduced = _reduced(card, parts)
    got = pd.concat([score(i, card, parcels=p, statistics=reduced).to_frame() for p, i in parts])
    _assert_same_scores(whole, got)


def test_the_reduction_pass_runs_on_a_local_cluster(raw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from wetval import scale

    parcels, indicators = raw
    small = parcels.iloc[:6_000]
    kept = indicators[indicators["parcel_id"].isin(small["BSM"])]
    scale.write_partitions(small, kept, tmp_path / "data", rows=1_500)
    cards = scale.ScaleCards(condition="psr-entropy-topsis", screening=None, quota=None)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        scale.run(tmp_path / "data", tmp_path / "out", cards=cards, client=client)
    table, measured = _tables(small, kept)
    whole = score(measured, "psr-entropy-topsis", parcels=table).to_frame()
    _assert_same_scores(whole, scale.read_results(tmp_path / "out", "condition"))


@pytest.mark.slow
def test_a_million_parcels_with_entropy_topsis_equal_the_in_memory_run(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    from wetval import scale

    parcels, indicators, _ = generate_frames(1_000_000, np.random.default_rng(22))
    scale.write_partitions(parcels, indicators, tmp_path / "data", rows=250_000)
    cards = scale.ScaleCards(condition="psr-entropy-topsis", screening=None, quota=None)
    scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    table, measured = _tables(parcels, indicators)
    whole = score(measured, "psr-entropy-topsis", parcels=table).to_frame()
    _assert_same_scores(whole, scale.read_results(tmp_path / "out", "condition"))
