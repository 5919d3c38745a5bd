"""Conformance check of the ``screening`` method kind.

A screening method returns a :class:`~wetval.screening.ReserveCensus` whose
rows follow the parcels, whose candidates are exactly the parcels passing
every rule, ranked 1..k, and which does not depend on the order of the parcels.
The check runs on the SYNTHETIC county of :func:`wetval.datasets.synthetic_county`.
"""

from __future__ import annotations

from functools import cache

from wetval.cards import list_cards
from wetval.datasets import synthetic_county
from wetval.kinds import ScreeningInputs
from wetval.plugins import Method
from wetval.screening import ReserveCensus
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["SCREENING_CHECKS", "check_screening_method"]


@cache
def _check_county() -> tuple[ParcelTable, IndicatorTable]:
    county = synthetic_county(300, seed=12)
    return county.parcels, county.indicators


def check_screening_method(method: Method) -> None:
    """Candidates pass every rule, ranks are 1..k, and parcel order does not matter."""
    parcels, indicators = _check_county()
    cards = [c for c in list_cards("screening") if c.method == method.name]
    assert cards, f"no installed screening card names {method.name!r}; ship one"
    reversed_parcels = parcels.subset(parcels.ids[::-1])
    for card in cards:
        result = method.apply(card, ScreeningInputs(parcels, indicators))
        assert isinstance(result, ReserveCensus), f"{method.name} must return a ReserveCensus"
        frame = result.parcels
        assert list(frame.index) == list(parcels.ids), (
            f"{method.name}: rows must follow the parcels"
        )
        rule_columns = [c for c in frame.columns if c.startswith("pass_")]
        assert (frame["candidate"] == frame[rule_columns].all(axis=1)).all()
        assert sorted(result.candidates["rank"].tolist()) == list(
            range(1, len(result.candidates) + 1)
        )
        again = method.apply(card, ScreeningInputs(reversed_parcels, indicators))
        again = again.parcels.reindex(frame.index)
        assert (again["candidate"] == frame["candidate"]).all(), (
            f"{method.name}: depends on parcel order"
        )
        assert again["rank"].equals(frame["rank"]), (
            f"{method.name}: ranking depends on parcel order"
        )


#: The checks of the screening kind.
SCREENING_CHECKS = {"screening": (check_screening_method,)}
