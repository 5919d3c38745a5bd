"""The shortcuts the stages take for speed (issue 18) give what the pandas paths they replace give.

Each test compares a fast path with the pandas call it stands for, bit for bit
(values, dtypes, Arrow types, index and names), on small SYNTHETIC inputs with
the cases that make the paths differ: absent and extra labels, missing values,
another order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wetval._flags import parse_flags
from wetval.condition import score
from wetval.datasets import synthetic_county
from wetval.errors import ProblemCollector
from wetval.pricing.price import _text_column
from wetval.tables import positions_in, reindexed


def _ids(labels: list[str]) -> pd.Index:
    return pd.Index(pd.array(labels, dtype="str"), name="parcel_id")


def _same_series(fast: pd.Series, slow: pd.Series) -> None:
    pd.testing.assert_series_equal(fast, slow, check_exact=True)
    assert fast.to_numpy().tobytes() == slow.to_numpy().tobytes()  # NaN bit patterns too
    assert repr(fast.index.dtype) == repr(slow.index.dtype) and fast.index.name == slow.index.name


def test_positions_in_is_get_indexer_with_absent_labels() -> None:
    source = _ids(["c", "a", "b", "e"])
    target = _ids(["a", "x", "e", "c", "y"])
    expected = source.get_indexer(target)
    assert expected.tolist() == [1, -1, 3, 0, -1]  # absent labels: -1
    assert positions_in(target, source).tolist() == expected.tolist()
    # object labels take pandas' path
    objects = pd.Index(np.array(["c", "a"], dtype=object))
    assert positions_in(target, objects).tolist() == objects.get_indexer(target).tolist()


def test_reindexed_is_series_reindex() -> None:
    values = pd.Series([0.5, np.nan, -0.0, 1.0], index=_ids(["c", "a", "b", "e"]), name="index")
    values.attrs["note"] = "kept"
    target = _ids(["a", "x", "e", "c", "b"])
    fast, slow = reindexed(values, target), values.reindex(target)
    _same_series(fast, slow)
    assert fast.attrs == slow.attrs == {"note": "kept"}
    # duplicate labels: pandas' own error, not a silent first match
    doubled = pd.Series([1.0, 2.0], index=_ids(["a", "a"]))
    with pytest.raises(ValueError, match="duplicate"):
        reindexed(doubled, target)
    # another dtype: pandas' reindex (its own fill and dtype rules)
    flags = pd.Series([True, False], index=_ids(["a", "b"]))
    _same_series(reindexed(flags, target), flags.reindex(target))


def test_aligned_indicators_equal_their_reindex() -> None:
    county = synthetic_county(500, seed=3)  # 90 % of parcels have indicator rows
    indicators, parcels = county.indicators, county.parcels
    assert len(indicators.ids) < len(parcels.ids)
    fast = indicators.aligned(parcels).to_frame()
    slow = indicators.to_frame().reindex(parcels.ids)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.to_numpy().tobytes() == slow.to_numpy().tobytes()


def test_condition_frame_equals_the_joins() -> None:
    county = synthetic_county(400, seed=5)
    result = score(county.indicators, "jiangxi-db36-2134", parcels=county.parcels)
    joined = result.parcels.join(result.normalised.add_suffix("_score")).join(
        result.contributions.add_suffix("_points")
    )
    frame = result.to_frame()
    pd.testing.assert_frame_equal(frame, joined, check_exact=True)
    assert [repr(t) for t in frame.dtypes] == [repr(t) for t in joined.dtypes]


def test_boolean_flags_read_as_by_their_words() -> None:
    values = np.array([True, False, False, True])
    fast = parse_flags(values, 4, column="f", problems=ProblemCollector(), default=True)
    words = parse_flags(
        values.astype(object).tolist(), 4, column="f", problems=ProblemCollector(), default=True
    )
    assert fast.dtype == words.dtype == np.dtype(bool)
    assert fast.tolist() == words.tolist() == values.tolist()


def test_text_column_from_categories_equals_pandas_inference() -> None:
    categories = pd.Index(pd.array(["R01", "R02", "R03"], dtype="str"))
    column = pd.Series(pd.Categorical.from_codes([2, -1, 0, 2, 1], categories=categories))
    fast = pd.DataFrame({"p": _text_column(column)})["p"]
    slow = pd.DataFrame({"p": column.to_numpy()})["p"]
    pd.testing.assert_series_equal(fast, slow, check_exact=True)
    assert repr(fast.dtype) == repr(slow.dtype)
    assert fast.array._pa_array.type == slow.array._pa_array.type  # type: ignore[attr-defined]


def test_number_hashes_are_pandas_hashes() -> None:
    from wetval.hashing import _HASH_CHUNK, _mixed_hashes

    rng = np.random.default_rng(18)
    n = 2 * _HASH_CHUNK + 17  # several chunks and a short last one
    floats = rng.standard_normal(n)
    floats[::7], floats[::11], floats[5], floats[6] = np.nan, -0.0, np.inf, -np.inf
    floats[8] = np.array(0xFFF8000000000123, dtype=np.uint64).view(float)  # a NaN payload
    flags = rng.random(n) < 0.5
    for values in (floats, flags, floats[:0], floats[::3]):
        expected = np.asarray(pd.util.hash_pandas_object(pd.Series(values), index=False))
        assert np.array_equal(_mixed_hashes(values), expected)


def test_service_values_still_name_a_parcel_that_is_not_a_quota_parcel() -> None:
    from wetval.errors import ValidationError
    from wetval.quota._inputs import service_values

    quota = _ids(["a", "b"])
    services = pd.Series([1.0, 2.0, 3.0], index=_ids(["a", "b", "zz"]))
    services.attrs["price_year"] = 2024
    with pytest.raises(ValidationError, match="not a quota parcel") as raised:
        service_values(services, quota)
    assert "zz" in str(raised.value)
    values, year = service_values(services.iloc[:2], quota)  # only quota parcels: no problem
    assert year == 2024 and values.tolist() == [1.0, 2.0]
