"""Conformance check run on every method of kind ``condition``.

A condition method must accept any condition card (the card format is shared)
and return a :class:`~wetval.condition.ConditionResult` whose index lies in
[0, 1], whose points are 100 × index, whose grades are given exactly where
an index is, and which does not depend on the order of the parcels.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from wetval.cards import Card, list_cards, load_card
from wetval.condition.result import ConditionResult
from wetval.datasets import synthetic_county
from wetval.kinds import ConditionInputs
from wetval.plugins import Method
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["CONDITION_CHECKS", "check_condition_method"]

#: Card the check re-points at a method that no installed card names.
DEFAULT_CARD = "jiangxi-db36-2134"


@cache
def _county() -> tuple[ParcelTable, IndicatorTable]:
    county = synthetic_county(300, seed=11)
    return county.parcels, county.indicators


def _cards_for(method: Method) -> list[Card]:
    cards = [c for c in list_cards("condition") if c.method == method.name]
    if not cards:
        cards = [load_card(DEFAULT_CARD).model_copy(update={"method": method.name})]
    return cards


def check_condition_method(method: Method) -> None:
    """Index in [0, 1], points = 100 × index, grades where scored, parcel-order invariance."""
    parcels, indicators = _county()
    reversed_parcels = parcels.subset(parcels.ids[::-1])
    reversed_indicators = IndicatorTable.from_frame(
        indicators.to_frame().iloc[::-1], catalogue=indicators.catalogue
    )
    for card in _cards_for(method):
        result = method.apply(card, ConditionInputs(indicators, parcels))
        assert isinstance(result, ConditionResult), (
            f"{method.name} returned {type(result).__name__}, not a ConditionResult"
        )
        frame = result.parcels
        assert list(frame.index) == list(parcels.ids), (
            f"{method.name}: rows must follow the parcels"
        )
        index = frame["index"].to_numpy(dtype=float)
        scored = ~np.isnan(index)
        assert ((index[scored] >= 0) & (index[scored] <= 1)).all(), (
            f"{method.name}: index outside [0, 1]"
        )
        points = frame["points"].to_numpy(dtype=float)
        assert np.allclose(points, 100 * index, rtol=1e-12, atol=1e-9, equal_nan=True), (
            f"{method.name}: points must be 100 × index"
        )
        assert (frame["grade"].notna().to_numpy() == scored).all(), (
            f"{method.name}: a grade is required exactly where an index is"
        )
        again = method.apply(card, ConditionInputs(reversed_indicators, reversed_parcels))
        again = again.parcels.reindex(frame.index)
        assert np.allclose(
            again["index"].to_numpy(dtype=float), index, rtol=1e-9, atol=1e-12, equal_nan=True
        ), f"{method.name}: result depends on parcel order"
        assert (
            again["grade"].astype(object).fillna("") == frame["grade"].astype(object).fillna("")
        ).all()


#: The checks of the condition kind.
CONDITION_CHECKS = {"condition": (check_condition_method,)}
