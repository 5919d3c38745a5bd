"""Ecosystem-service valuation: unit values, benefit transfer, replacement cost.

:func:`value` values parcels with a method card: the card names its method
(a registered :class:`~wetval.plugins.Method` of kind ``unit-value``,
``benefit-transfer`` or ``replacement-cost``), the method returns
:class:`ServiceValues` — parcel × service values [CNY/yr] at an explicit
price year with the method, card and every conversion recorded.
:func:`compare` puts several valuations side by side and :func:`combine`
takes each service from one named method without double counting.

Built-in methods (``wetval methods``):

========================  ================  ===========================================
method                    kind              cards
========================  ================  ===========================================
``xie-equivalent``        unit-value        ``xie2015``
``unit-value-table``      unit-value        ``degroot2012``, ``costanza2014``
``unit-value-transfer``   benefit-transfer  ``transfer-global-wetland-syntheses``
``value-function-transfer`` benefit-transfer ``brander2013``
``gep-replacement-cost``  replacement-cost  ``gep-garze2010``
========================  ================  ===========================================

See ``docs/valuation.md`` and the page of each method family.
"""

from __future__ import annotations

from wetval.boundary import accept
from wetval.cards import Card
from wetval.errors import CardError
from wetval.kinds import ValuationInputs
from wetval.plugins import run
from wetval.tables import IndicatorTable, ParcelTable
from wetval.valuation._common import (
    VALUATION_KINDS,
    ConditionLike,
    ServiceValues,
    override,
    resolve_card,
)
from wetval.valuation._compare import CombinedValues, ValuationComparison, combine, compare
from wetval.valuation.benefit_transfer import (
    IncomeElasticity,
    StandardisedStudyValue,
    TransferredUnitValue,
    income_elasticity,
    standardise_study_value,
    transfer_unit_value,
)
from wetval.valuation.unit_value import (
    standard_equivalent_net_profit,
    standard_equivalent_one_seventh,
)

__all__ = [
    "VALUATION_KINDS",
    "CombinedValues",
    "IncomeElasticity",
    "ServiceValues",
    "StandardisedStudyValue",
    "TransferredUnitValue",
    "ValuationComparison",
    "combine",
    "compare",
    "income_elasticity",
    "override",
    "standard_equivalent_net_profit",
    "standard_equivalent_one_seventh",
    "standardise_study_value",
    "transfer_unit_value",
    "value",
]


def value(
    parcels: ParcelTable,
    card: str | Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Value parcels' ecosystem services with a method card.

    Parameters
    ----------
    parcels
        Validated parcel table.
    card
        A valuation card or its id (``"xie2015"``, ``"degroot2012"``,
        ``"brander2013"``, ``"gep-garze2010"`` …); the card names its method.
    condition
        Optional per-parcel condition: a DataFrame indexed by ``parcel_id``
        with a column ``index`` (0–1) and/or ``grade`` (labels), or any object
        whose ``to_frame()`` returns one (a ConditionResult). The card states
        how it scales each service; without it the result says so in its
        provenance notes.
    indicators
        Indicator table, for methods that need indicators (replacement cost:
        ``water_depth``, ``npp``, …).
    price_year
        Price year of the output values (default: the card's, or its
        ``options.conversion.target_price_year``).

    Returns
    -------
    ServiceValues

    Raises
    ------
    CardError
        If the card is not a valuation card or its tables miss a service.
    ValidationError
        Naming every parcel or input that cannot be valued.
    """
    parcels = accept(parcels, ParcelTable, "parcels")
    indicators = accept(indicators, IndicatorTable, "indicators", optional=True)
    card = accept(card, Card, "card")
    card = resolve_card(card)
    if card.kind not in VALUATION_KINDS or not card.method:
        raise CardError(
            card.id,
            [("kind", f"is {card.kind!r}; valuation needs one of {VALUATION_KINDS} with a method")],
        )
    inputs = ValuationInputs(parcels, condition, indicators, price_year)
    result: ServiceValues = run(card.kind, card, inputs)
    return result
