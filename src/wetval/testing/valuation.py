"""Conformance checks for valuation methods (kinds unit-value, benefit-transfer, replacement-cost).

Listed in :data:`wetval.testing.KIND_CHECKS`, so
:func:`wetval.testing.check_method` holds every registered valuation method —
built-in or third-party — to the same contract. Each installed card of the
method is run on the wetland and water parcels of the SYNTHETIC sample county
(with the card's ``options.conformance_inputs`` added as constant parcel
columns, for inputs such as site characteristics that no catalogue holds):

- the result is a :class:`ServiceValues` indexed like the parcels, finite,
  in CNY at the requested price year;
- area scaling: doubling every parcel's area doubles every value;
- parcel order: permuting the parcels permutes the values and nothing else;
- price-year round trip: values at another price year differ from the
  card's by one factor per service, and ``at_price_year`` back restores them.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from wetval.cards import Card, list_cards
from wetval.kinds import ValuationInputs
from wetval.plugins import Method
from wetval.tables import IndicatorTable, ParcelTable
from wetval.valuation._common import VALUATION_KINDS, ServiceValues

__all__ = ["VALUATION_CHECKS", "check_valuation_method"]

#: Price year the round-trip check converts to (covered by every shipped series).
ROUND_TRIP_YEAR = 2017


@cache
def _sample() -> tuple[pd.DataFrame, IndicatorTable]:
    from wetval.datasets import sample_county

    county = sample_county()
    parcels = county.parcels
    wet = np.isin(parcels.category, ["wetland", "water"])
    frame = parcels.to_frame()[wet].iloc[:400]
    frame.attrs["synthetic"] = True
    return frame, county.indicators


def _table(frame: pd.DataFrame, card: Card) -> ParcelTable:
    frame = frame.copy()
    for column, constant in (card.option("conformance_inputs", {}) or {}).items():
        frame[column] = constant
    frame.attrs["synthetic"] = True
    return ParcelTable.from_frame(frame.reset_index())


def _run(
    method: Method, parcels: ParcelTable, card: Card, indicators: IndicatorTable, year: int | None
) -> ServiceValues:
    result = method.apply(card, ValuationInputs(parcels, None, indicators, year))
    assert isinstance(result, ServiceValues), (
        f"{method.name}: returned {type(result).__name__}, not ServiceValues"
    )
    return result


def check_valuation_method(method: Method) -> None:
    """Assert the valuation contract for every installed card of ``method``."""
    cards = [c for c in list_cards() if c.method == method.name]
    assert cards, f"{method.name}: no installed card names this method; ship at least one"
    frame, indicators = _sample()
    for card in cards:
        parcels = _table(frame, card)
        label = f"{method.name} with card {card.id}"
        base = _run(method, parcels, card, indicators, None)
        values = base.values
        assert values.index.equals(parcels.ids), f"{label}: index is not the parcels' ids in order"
        assert base.currency == "CNY", f"{label}: values must be in CNY"
        assert np.isfinite(values.to_numpy()).all(), f"{label}: non-finite values"
        assert base.kind == method.kind, f"{label}: result kind {base.kind!r}"

        doubled = frame.copy()
        doubled["area_m2"] = doubled["area_m2"] * 2.0
        scaled = _run(method, _table(doubled, card), card, indicators, None)
        np.testing.assert_allclose(
            scaled.values.to_numpy(), 2.0 * values.to_numpy(), rtol=1e-9, atol=1e-9,
            err_msg=f"{label}: doubling areas must double values",
        )  # fmt: skip

        order = np.random.default_rng(7).permutation(len(frame))
        permuted = _run(method, _table(frame.iloc[order], card), card, indicators, None)
        pd.testing.assert_frame_equal(
            permuted.values.loc[values.index], values, check_exact=False, rtol=1e-12,
            obj=f"{label}: values after permuting parcels",
        )  # fmt: skip

        other = _run(method, parcels, card, indicators, ROUND_TRIP_YEAR)
        assert other.price_year == ROUND_TRIP_YEAR, f"{label}: price_year not honoured"
        a, b = values.to_numpy(), other.values.to_numpy()
        nonzero = np.abs(a) > 0
        for j, service in enumerate(values.columns):
            ratios = b[nonzero[:, j], j] / a[nonzero[:, j], j]
            if len(ratios):
                np.testing.assert_allclose(
                    ratios, ratios[0], rtol=1e-9,
                    err_msg=f"{label}: {service} must change by one price factor",
                )  # fmt: skip
        back = other.at_price_year(base.price_year).at_price_year(ROUND_TRIP_YEAR)
        np.testing.assert_allclose(
            back.values.to_numpy(), b, rtol=1e-12, err_msg=f"{label}: price-year round trip"
        )


#: The checks of the valuation kinds.
VALUATION_CHECKS = dict.fromkeys(VALUATION_KINDS, (check_valuation_method,))
