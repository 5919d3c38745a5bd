"""Conformance checks of the ``quota``, ``credit-metric`` and ``pricing`` method kinds.

Listed in :data:`wetval.testing.KIND_CHECKS`; they hold
third-party methods of these kinds to the standard of the built-in ones:
a shipped card naming the method, per-row results
that do not depend on input order, and (quota, pricing) results that scale
with area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wetval.cards import Card, list_cards
from wetval.kinds import CreditMetricInputs, PriceInputs, QuotaInputs
from wetval.plugins import Method
from wetval.tables import ParcelTable

__all__ = [
    "QUOTA_CHECKS",
    "check_credit_metric_method",
    "check_pricing_method",
    "check_quota_method",
]


def _cards(method: Method, kind: str) -> list[Card]:
    cards = [c for c in list_cards(kind) if c.method == method.name]
    assert cards, f"{method.name}: ship at least one {kind!r} card with method = {method.name!r}"
    return cards


def _sample(scale: float = 1.0) -> tuple[ParcelTable, pd.DataFrame]:
    """A small parcel table (3 restoration, 3 occupation parcels) and its condition."""
    frame = pd.DataFrame(
        {
            "parcel_id": ["R1", "R2", "R3", "O1", "O2", "O3"],
            "land_class": ["1104", "1108", "1104A", "1104", "1106", "1102"],
            "area_m2": np.array([6000.0, 12000.0, 3000.0, 2000.0, 4000.0, 1000.0]) * scale,
            "township": ["民和镇", "李渡镇", "民和镇", "民和镇", "李渡镇", "梅庄镇"],
            "county_code": ["360124"] * 6,
            "role": ["restoration"] * 3 + ["occupation"] * 3,
            "wetland_level": [None, None, None, "general", "provincial", "national"],
            "project_id": ["R01", "R01", "R02", "P01", "P01", "P02"],
            "project_type": [None, None, None, "transport", "transport", "water_conservancy"],
            "target_class": [None, None, "1104", None, None, None],
        }
    )
    parcels = ParcelTable.from_frame(frame)
    condition = pd.DataFrame(
        {"grade": ["优", "良", "中", "中", "中", "良"], "index": [0.9, 0.75, 0.6, 0.55, 0.5, 0.7]},
        index=pd.Index(frame["parcel_id"], name="parcel_id"),
    )
    return parcels, condition


def check_quota_method(method: Method) -> None:
    """A shipped card, non-negative units, parcel-order invariance and area scaling."""
    parcels, condition = _sample()
    doubled, _ = _sample(2.0)
    for card in _cards(method, "quota"):
        result = method.apply(card, QuotaInputs(parcels, condition))
        for side in ("credits", "debits"):
            table = getattr(result, side).table
            assert (table["units"] >= 0).all(), f"{method.name}: negative {side} units"
        reversed_parcels = parcels.subset(parcels.ids[::-1])
        again = method.apply(card, QuotaInputs(reversed_parcels, condition))
        for side in ("credits", "debits"):
            first = getattr(result, side).table["units"]
            second = getattr(again, side).table["units"].reindex(first.index)
            assert np.allclose(first, second), f"{method.name}: {side} depend on parcel order"
        scaled = method.apply(card, QuotaInputs(doubled, condition)).credits.table["units"]
        assert np.allclose(scaled, 2 * result.credits.table["units"], rtol=1e-3, atol=1e-3), (
            f"{method.name}: credit units must scale with area"
        )


def check_credit_metric_method(method: Method) -> None:
    """A shipped card with a worked example, and row-order invariance."""
    for card in _cards(method, "credit-metric"):
        assert "example" in card.tables, (
            f"card {card.id}: credit-metric cards ship a worked example as tables.example"
        )
        example = card.table("example").reset_index()
        result = method.apply(card, CreditMetricInputs(example))
        per_row = result.table
        assert list(per_row.index) == list(example["id"]), (
            f"{method.name}: results are indexed by the input 'id', in input order"
        )
        backwards = CreditMetricInputs(example.iloc[::-1].reset_index(drop=True))
        again = method.apply(card, backwards).table.reindex(per_row.index)
        numeric = per_row.select_dtypes("number").columns
        assert np.allclose(
            per_row[numeric].to_numpy(dtype=float),
            again[numeric].to_numpy(dtype=float),
            equal_nan=True,
        ), f"{method.name}: results depend on row order"


def check_pricing_method(method: Method) -> None:
    """A shipped card, positive prices, order invariance and prices that scale with area."""
    from wetval.quota.accounts import QuotaCredits, credits

    parcels, condition = _sample()
    doubled, _ = _sample(2.0)
    base = credits(parcels, condition)
    for card in _cards(method, "pricing"):
        price = method.apply(card, PriceInputs(base))
        table = price.table
        assert (table["recommended"] > 0).all(), f"{method.name}: prices must be positive"
        reversed_credits = QuotaCredits(table=base.table.iloc[::-1], card=base.card)
        again = method.apply(card, PriceInputs(reversed_credits))
        again = again.table["recommended"].reindex(table.index)
        assert np.allclose(table["recommended"], again), f"{method.name}: prices depend on order"
        bigger_credits = credits(doubled, condition)
        bigger = method.apply(card, PriceInputs(bigger_credits)).table["recommended"]
        assert np.allclose(bigger, 2 * table["recommended"], rtol=1e-3), (
            f"{method.name}: without service values, prices must scale with area"
        )


#: The checks of the quota, credit-metric and pricing kinds.
QUOTA_CHECKS = {
    "quota": (check_quota_method,),
    "credit-metric": (check_credit_metric_method,),
    "pricing": (check_pricing_method,),
}
