"""Result objects round-trip through JSON exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from wetval.inventory import Inventory
from wetval.provenance import Provenance
from wetval.results import Result


@dataclass(frozen=True)
class _Example(Result):
    frame: pd.DataFrame
    array: np.ndarray
    series: pd.Series
    money: Decimal
    names: tuple[str, ...]
    nested: dict[str, object]
    provenance: Provenance


@dataclass(frozen=True)
class _Holder(Result):
    frame: pd.DataFrame


def _example() -> _Example:
    frame = pd.DataFrame(
        {
            "value": [0.1, np.nan, 1e300, -0.0],
            "count": np.array([1, 2, 3, 4], dtype=np.int32),
            "flag": [True, False, True, True],
            "grade": pd.Categorical(["优", "良", None, "优"], categories=["优", "良", "中", "差"]),
            "note": ["a", None, "b", "c"],
        },
        index=pd.Index(["p1", "p2", "p3", "p4"], name="parcel_id"),
    )
    frame.attrs["synthetic"] = True
    return _Example(
        frame=frame,
        array=np.arange(6, dtype=float).reshape(2, 3) / 3,
        series=pd.Series([1.5, 2.5], index=pd.Index(["a", "b"]), name="s"),
        money=Decimal("1234.56"),
        names=("x", "y"),
        nested={"n": 1, "f": float("inf"), "t": (1, 2)},
        provenance=Provenance(method="example", seed=42, options={"draws": 10}),
    )


def test_round_trip_is_exact() -> None:
    original = _example()
    again = _Example.from_json(original.to_json())
    pd.testing.assert_frame_equal(again.frame, original.frame, check_exact=True)
    assert again.frame.attrs == {"synthetic": True}
    np.testing.assert_array_equal(again.array, original.array)
    pd.testing.assert_series_equal(again.series, original.series, check_exact=True)
    assert again.money == original.money and again.names == original.names
    assert again.nested == original.nested
    assert again.provenance == original.provenance
    assert again.to_json() == original.to_json()


def test_wrong_document_type() -> None:
    with pytest.raises(ValueError, match="not a wetval result"):
        _Example.from_json('{"a": 1}')
    with pytest.raises(ValueError, match="not a _Example"):
        _Example.from_json(Inventory.build(_county_parcels()).to_json())


def _county_parcels():  # type: ignore[no-untyped-def]
    from wetval.datasets import sample_county

    return sample_county().parcels


def test_inventory_round_trip(county) -> None:  # type: ignore[no-untyped-def]
    inventory = county.parcels.inventory(county.indicators)
    again = Inventory.from_json(inventory.to_json())
    pd.testing.assert_frame_equal(again.by_class, inventory.by_class, check_exact=True)
    pd.testing.assert_frame_equal(again.by_township, inventory.by_township, check_exact=True)
    assert again.coverage is not None and inventory.coverage is not None
    pd.testing.assert_index_equal(
        again.coverage.parcels_without_indicators, inventory.coverage.parcels_without_indicators
    )
    assert again.summary() == inventory.summary()


@given(
    data_frames(
        [
            column("a", dtype=float),
            column("b", dtype=np.int64),
            column("c", elements=st.one_of(st.none(), st.text(max_size=5))),
        ],
        index=range_indexes(max_size=20),
    )
)
def test_any_frame_round_trips(frame: pd.DataFrame) -> None:
    again = _Holder.from_json(_Holder(frame).to_json()).frame
    pd.testing.assert_frame_equal(again, frame, check_exact=True)
