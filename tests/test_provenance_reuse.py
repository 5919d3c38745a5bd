"""The hash :func:`wetval.hashing.frame_hash` remembers is reused only for unchanged tables.

``frame_hash`` keeps the hash of a table it has hashed (issue 18, "hash buffers
once per input"), so the credits table hashed by ``price_quota``, ``balance``
and the finance stage is hashed once. Every test compares with
``_frame_digest``, the hash computed afresh, on a deep copy: a stale hash after
any kind of change would fail these tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from wetval import hashing
from wetval.hashing import frame_hash


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(18)
    n = 50
    return pd.DataFrame(
        {
            "units": rng.random(n),
            "area_mu": rng.random(n) * 10,
            "eligible": rng.random(n) > 0.3,
            "grade": pd.Categorical(rng.choice(["I", "II", "III"], n)),
            "project_id": pd.array([f"P{i % 7}" for i in range(n)], dtype="str"),
        },
        index=pd.Index([f"parcel-{i}" for i in range(n)], dtype="str", name="parcel_id"),
    )


def _fresh(frame: pd.DataFrame) -> str:
    return hashing._frame_digest(frame.copy(deep=True))


def test_reused_hash_equals_a_fresh_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table()
    first = frame_hash(table)
    assert id(table) in hashing._FRAME_HASHES
    computed: list[int] = []
    digest = hashing._frame_digest

    def counting(frame: pd.DataFrame) -> str:
        computed.append(1)
        return digest(frame)

    monkeypatch.setattr(hashing, "_frame_digest", counting)
    assert frame_hash(table) == first
    assert computed == []  # reused, not recomputed
    assert first == _fresh(table)
    assert computed == [1]


def test_credits_hash_in_price_quota_provenance_is_the_tables_hash() -> None:
    from wetval.datasets import synthetic_county
    from wetval.pricing import price_quota
    from wetval.quota import account_credits

    county = synthetic_county(2_000, seed=7)
    from wetval.condition import score

    condition = score(county.indicators, "jiangxi-db36-2134", parcels=county.parcels)
    credits = account_credits(county.parcels, condition)
    if not len(credits.table):
        pytest.skip("no restoration parcels in this synthetic county")
    priced = price_quota(credits, valuation_date="2024-12-31")
    assert priced.provenance.inputs["credits"] == _fresh(credits.table)
    again = price_quota(credits, valuation_date="2024-12-31")
    assert again.provenance.inputs["credits"] == priced.provenance.inputs["credits"]


def _set_cell(t: pd.DataFrame) -> None:
    t.iloc[0, 0] = 99.0


def _loc_cell(t: pd.DataFrame) -> None:
    t.loc["parcel-3", "area_mu"] = -1.0


def _at_cell(t: pd.DataFrame) -> None:
    t.at["parcel-4", "eligible"] = not bool(t.at["parcel-4", "eligible"])


def _category_cell(t: pd.DataFrame) -> None:
    t.loc[t.index[:5], "grade"] = "I" if t["grade"].iloc[0] != "I" else "II"


def _inplace_op(t: pd.DataFrame) -> None:
    t["units"] *= 2


def _assign_column(t: pd.DataFrame) -> None:
    t["units"] = t["units"] + 1


def _new_column(t: pd.DataFrame) -> None:
    t["extra"] = 1.0


def _drop_column(t: pd.DataFrame) -> None:
    del t["area_mu"]


def _rename(t: pd.DataFrame) -> None:
    t.rename(columns={"units": "u"}, inplace=True)


def _reindex_labels(t: pd.DataFrame) -> None:
    t.index = pd.Index([f"x-{i}" for i in range(len(t))], dtype="str", name="parcel_id")


def _sort(t: pd.DataFrame) -> None:
    t.sort_values("units", inplace=True)


def _fillna(t: pd.DataFrame) -> None:
    t.iloc[1, 1] = np.nan
    t.fillna(0.0, inplace=True)


def _update(t: pd.DataFrame) -> None:
    t.update(pd.DataFrame({"units": [7.0]}, index=t.index[:1]))


def _mask(t: pd.DataFrame) -> None:
    t.mask(t.select_dtypes("number") > 0.5, other=0.0, inplace=True)


def _numpy_view(t: pd.DataFrame) -> None:
    values = t["units"].to_numpy()
    if values.flags.writeable:  # pandas 3 hands out read-only views; a copy would be writable
        values[0] = 1234.5
    t.iloc[2, 0] = 5.5


@pytest.mark.parametrize(
    "change",
    [
        _set_cell,
        _loc_cell,
        _at_cell,
        _category_cell,
        _inplace_op,
        _assign_column,
        _new_column,
        _drop_column,
        _rename,
        _reindex_labels,
        _sort,
        _fillna,
        _update,
        _mask,
        _numpy_view,
    ],
)
def test_a_changed_table_does_not_reuse_a_stale_hash(
    change: Callable[[pd.DataFrame], None],
) -> None:
    table = _table()
    before = frame_hash(table)
    with warnings.catch_warnings():  # pandas 3.1 deprecates inplace=; users still call it
        warnings.simplefilter("ignore")
        change(table)
    after = frame_hash(table)
    assert after == _fresh(table)
    assert after != before


def test_a_mutated_copy_does_not_reuse_the_originals_hash() -> None:
    table = _table()
    before = frame_hash(table)
    copy = table.copy(deep=False)
    copy.iloc[0, 0] = -5.0
    assert frame_hash(copy) == _fresh(copy) != before
    assert frame_hash(table) == before == _fresh(table)


def test_the_remembered_hash_leaves_with_its_table() -> None:
    import gc

    table = _table()
    frame_hash(table)
    key = id(table)
    assert key in hashing._FRAME_HASHES
    del table
    gc.collect()
    assert key not in hashing._FRAME_HASHES
