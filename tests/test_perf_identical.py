"""The issue-18 fast paths of ``score``, ``account_credits`` and ``price_quota``: plain results.

Each test draws random SYNTHETIC inputs (hypothesis) and compares the optimised
stage, bit for bit, with a straightforward reference: pandas' ``reindex`` for
the id join of the indicator rows, a per-row Python loop for the factor
lookups, ``DataFrame(...)[columns].sum()`` over one consolidated block for the
pricing totals, the plain ``DataFrame`` constructor for the result frames.
Writes to a result frame must not reach its inputs (the frames wrap their
arrays without copying them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wetval.condition import score
from wetval.datasets import synthetic_county
from wetval.pricing import price_quota
from wetval.quota import QuotaRules, account_credits
from wetval.tables import IndicatorTable, ParcelTable, owned_frame

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
CARD = "jiangxi-db36-2134"


def _same_frame(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert [repr(t) for t in fast.dtypes] == [repr(t) for t in slow.dtypes]
    for column in fast.columns:  # NaN bit patterns too
        a, b = fast[column].to_numpy(), slow[column].to_numpy()
        if a.dtype.kind == "f":
            assert a.tobytes() == b.tobytes(), column


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(100, 400),
    keep=st.floats(0.3, 1.0),
    extra=st.integers(0, 15),
)
def test_score_joins_indicator_rows_as_pandas_reindex(
    seed: int, n: int, keep: float, extra: int
) -> None:
    county = synthetic_county(n, seed=seed)
    parcels, rng = county.parcels, np.random.default_rng(seed)
    frame = county.indicators.to_frame()
    # some rows left out, the rest shuffled, and rows of parcels not in the table
    frame = frame.iloc[rng.permutation(len(frame))[: max(1, int(keep * len(frame)))]]
    strangers = frame.iloc[:extra].copy()
    strangers.index = pd.Index([f"ZZ{i:04d}" for i in range(len(strangers))], name="parcel_id")
    frame = pd.concat([frame, strangers])
    indicators = IndicatorTable.from_frame(frame.reset_index())
    fast = score(indicators, CARD, parcels=parcels)

    # reference: the indicator rows re-indexed to the parcels by pandas, then scored
    reindexed = indicators.to_frame().reindex(parcels.ids)
    aligned = IndicatorTable(reindexed, indicators.catalogue, indicators.source)
    slow = score(aligned, CARD, parcels=parcels)
    _same_frame(fast.parcels, slow.parcels)
    _same_frame(fast.normalised, slow.normalised)
    _same_frame(fast.contributions, slow.contributions)
    # the frame as the plain constructor builds it (one consolidated float block)
    _same_frame(fast.parcels, pd.DataFrame(dict(fast.parcels.items()), index=fast.parcels.index))

    # the note on the rows of no parcel: exactly the strangers, in table order
    known = set(parcels.ids)
    unknown = [str(i) for i in indicators.ids if i not in known]
    notes = [
        m for m in fast.provenance.notes if getattr(m, "key", "") == "n_indicator_rows_left_out"
    ]
    if unknown:
        (note,) = notes
        assert note.mapping()["n"] == len(unknown)
        assert list(note.mapping()["parcel_ids"])[: min(10, len(unknown))] == unknown[:10]
    else:
        assert not notes


def _quota_inputs(seed: int, n: int) -> tuple[ParcelTable, pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    ids = [f"SYN{i:06d}" for i in rng.permutation(n)]
    target = rng.choice(np.array(["1104", "1108", "1106", "0101", None], dtype=object), n)
    risk = rng.choice(np.array(["low", "medium", "high", None], dtype=object), n)
    frame = pd.DataFrame(
        {
            "parcel_id": ids,
            "land_class": rng.choice(["1104", "1108", "1106", "1104A"], n),
            "target_class": target,
            "area_m2": rng.lognormal(np.log(5000), 0.9, n),
            "township": rng.choice(["T1", "T2", "T3"], n),
            "county_code": "360000",
            "role": "restoration",
            "project_id": rng.choice(["R1", "R2", "R3"], n),
            "years_to_target": rng.integers(0, 12, n).astype(float),
            "compensated_first": rng.random(n) < 0.3,
            "risk_class": risk,
        }
    )
    parcels = ParcelTable.from_frame(frame)
    order = rng.permutation(n)  # the condition in another order than the parcels
    condition = pd.DataFrame(
        {"grade": rng.choice(["优", "良", "中", "差"], n), "index": rng.random(n)},
        index=pd.Index(np.asarray(ids, dtype=object)[order], name="parcel_id"),
    )
    services = pd.Series(rng.lognormal(np.log(15_000), 0.5, n), index=parcels.ids)
    services.iloc[rng.integers(0, n, max(1, n // 20))] = np.nan  # some parcels without a value
    services.attrs["price_year"] = 2024
    return parcels, condition, services


@SETTINGS
@given(seed=st.integers(0, 2**16), n=st.integers(1, 300))
def test_credits_factors_are_the_per_row_lookups(seed: int, n: int) -> None:
    parcels, condition, _ = _quota_inputs(seed, n)
    credits = account_credits(parcels, condition)
    table = credits.table
    rules = QuotaRules.from_card("quota-jinxian")
    # reference: one dictionary look-up per row, in Python
    grade = condition["grade"].reindex(table.index)
    expected_quality = np.array([rules.grade_factor.get(g, np.nan) for g in grade], dtype=float)
    target = [str(t) for t in table["target_class"]]
    expected_type = np.array([rules.type_factor.get(t, np.nan) for t in target], dtype=float)
    risk = ["medium" if r is None else r for r in parcels.to_frame()["risk_class"].astype(object)]
    risk = [r if isinstance(r, str) else "medium" for r in risk]
    expected_risk = np.array([rules.risk_factor[r] for r in risk], dtype=float)
    assert table["quality_factor"].to_numpy().tobytes() == expected_quality.tobytes()
    assert table["type_factor"].to_numpy().tobytes() == expected_type.tobytes()
    assert table["risk_factor"].to_numpy().tobytes() == expected_risk.tobytes()
    assert table["grade"].astype(object).tolist() == grade.astype(object).tolist()
    _same_frame(table, pd.DataFrame(dict(table.items()), index=table.index))
    # a write to the credits table reaches neither the parcels nor the condition input
    before = parcels.to_frame()["area_m2"].to_numpy().copy()
    index_before = condition["index"].to_numpy().copy()
    table.loc[table.index[0], "area_m2"] = -1.0
    table.loc[table.index[0], "condition_index"] = -1.0
    table.loc[table.index[0], "land_class"] = table["land_class"].iloc[-1]
    assert parcels.to_frame()["area_m2"].to_numpy().tobytes() == before.tobytes()
    assert condition["index"].to_numpy().tobytes() == index_before.tobytes()


@SETTINGS
@given(seed=st.integers(0, 2**16), n=st.integers(1, 300))
def test_price_totals_are_the_consolidated_sums(seed: int, n: int) -> None:
    parcels, condition, services = _quota_inputs(seed, n)
    credits = account_credits(parcels, condition)
    priced = credits.table.index[credits.table["units"].to_numpy() > 0]
    values = services.reindex(priced)
    values.attrs["price_year"] = 2024
    price = price_quota(credits, services=values, valuation_date="2024-12-31")
    table = price.table
    # reference: the table as the plain constructor builds it, summed as one block
    plain = pd.DataFrame(dict(table.items()), index=table.index)
    _same_frame(table, plain)
    sums = ["works", "compensation", "om_pv", "service_loss", "recommended", "low", "high"]
    expected = plain[sums].sum()
    for name in ("cost", "market", "value"):
        column = plain[name]
        expected[name] = float(column.sum()) if column.notna().all() else float("nan")
    pd.testing.assert_series_equal(price.totals, expected, check_exact=True)
    assert price.totals.to_numpy().tobytes() == expected.to_numpy().tobytes()
    # a write to one column changes no other column and not the credits
    if len(table):
        units = credits.table["units"].to_numpy().copy()
        kept = {c: table[c].to_numpy().copy() for c in ("area_mu", "units", "market", "works")}
        table.loc[table.index[0], "per_unit"] = -1.0
        table.loc[table.index[0], "area_mu"] = -1.0
        assert credits.table["units"].to_numpy().tobytes() == units.tobytes()
        assert table["units"].to_numpy().tobytes() == kept["units"].tobytes()
        assert table["market"].to_numpy().tobytes() == kept["market"].tobytes()


@st.composite
def _columns(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(0, 40))
    base = np.arange(2 * n, dtype=float)
    kinds = ["own", "readonly", "shared", "view", "cat", "arrow"]
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=8))
    columns: dict[str, object] = {}
    for k, kind in enumerate(chosen):
        name = f"{kind}{k}"
        if kind == "own":  # made for the frame: the frame may write it
            columns[name] = np.linspace(0.0, 1.0, n) + k
        elif kind == "readonly":
            array = np.full(n, float(k))
            array.flags.writeable = False
            columns[name] = array
        elif kind == "shared":
            columns[name] = base[:n]  # the same memory in several columns
        elif kind == "view":  # a view of another table, as to_numpy gives it under copy-on-write
            view = base[n:]
            view.flags.writeable = False
            columns[name] = view
        elif kind == "cat":
            columns[name] = pd.Categorical(["a", "b"] * (n // 2) + ["a"] * (n % 2))
        else:
            columns[name] = pd.array(["x"] * n, dtype="str")
    return columns


@settings(max_examples=60, deadline=None)
@given(columns=_columns())
def test_owned_frame_is_the_constructor_and_owns_its_arrays(columns: dict[str, object]) -> None:
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    index = pd.Index([f"p{i}" for i in range(n)], name="parcel_id")
    copies = {
        k: (v.copy() if isinstance(v, np.ndarray) else pd.array(v, copy=True))
        for k, v in columns.items()
    }
    fast = owned_frame(columns, index)
    plain = pd.DataFrame(copies, index=index)
    _same_frame(fast, plain)
    if n == 0:
        return
    for name in list(fast.columns):  # the same write to each column in turn, in both frames
        value = fast[name].iloc[-1] if fast[name].dtype != float else -7.0
        fast.loc[index[0], name] = value
        plain.loc[index[0], name] = value
    _same_frame(fast, plain)  # no write reached another column
    for name, original in columns.items():  # nor an array the frame does not own
        if name.startswith(("own", "shared")):  # writable: the frame owns one of them
            continue
        if isinstance(original, np.ndarray):
            assert original.tobytes() == copies[name].tobytes(), name  # type: ignore[union-attr]
        else:
            assert list(original) == list(copies[name]), name  # type: ignore[arg-type]
