"""The method kinds: what a method of each kind is given and what it returns.

Every method, built-in or from a plugin, is one function ``f(card, inputs)``:
``card`` is the validated :class:`~wetval.cards.Card` naming the method and
``inputs`` the frozen inputs bundle of the method's kind, holding everything
else the method needs (parcels, indicators, upstream results, options). It
returns the kind's result type. :func:`wetval.plugins.run` checks both ends.

=================  ======================  ======================================
kind               inputs                  result
=================  ======================  ======================================
condition          :class:`ConditionInputs`   ``ConditionResult``
screening          :class:`ScreeningInputs`   ``ReserveCensus``
unit-value,        :class:`ValuationInputs`   ``ServiceValues``
benefit-transfer,
replacement-cost
quota              :class:`QuotaInputs`       ``QuotaAccounts``
credit-metric      :class:`CreditMetricInputs`  :class:`~wetval.results.Result`
pricing            :class:`PriceInputs`       ``QuotaPrice``
=================  ======================  ======================================

This module is a foundation: it imports no method package. Upstream types are
named for the type checker only, and result types are given by their import
path and resolved when a method is run (by then the method's package is loaded).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from wetval.cards import Card
    from wetval.pricing.plan import RestorationPlan
    from wetval.quota._inputs import ConditionLike, ServicesLike
    from wetval.quota.accounts import QuotaCredits
    from wetval.tables import IndicatorTable, ParcelTable

__all__ = [
    "IN_FORCE",
    "KINDS",
    "MONEY_SERIES",
    "ConditionInputs",
    "CreditMetricInputs",
    "Kind",
    "PriceInputs",
    "QuotaInputs",
    "ScreeningInputs",
    "ValuationInputs",
    "pricing_references",
]


@dataclass(frozen=True)
class ConditionInputs:
    """What a ``condition`` method is given besides its card.

    Attributes
    ----------
    indicators
        Validated monitoring indicators.
    parcels
        If given, every parcel of this table is scored, in its order.
    statistics
        If given, a :class:`wetval.condition.statistics.TableStatistics` of the
        whole table, used instead of estimating weights, TOPSIS points and
        land-class medians from these indicators (partitioned scoring).
    """

    indicators: IndicatorTable
    parcels: ParcelTable | None = None
    statistics: Any = None


@dataclass(frozen=True)
class ScreeningInputs:
    """What a ``screening`` method is given besides its card.

    Attributes
    ----------
    parcels
        Validated parcels (``role`` tells which are in the wetland database).
    indicators
        Monitoring indicators the card's rules read.
    """

    parcels: ParcelTable
    indicators: IndicatorTable


@dataclass(frozen=True)
class ValuationInputs:
    """What a ``unit-value``, ``benefit-transfer`` or ``replacement-cost`` method is given.

    Attributes
    ----------
    parcels
        Validated parcels to value.
    condition
        Optional per-parcel condition (a frame with ``index`` and/or ``grade``,
        or an object with ``to_frame()``).
    indicators
        Indicators, for methods that read them.
    price_year
        Price year of the output values [year]; ``None``: the card's.
    """

    parcels: ParcelTable
    condition: ConditionLike | None = None
    indicators: IndicatorTable | None = None
    price_year: int | None = None


@dataclass(frozen=True)
class QuotaInputs:
    """What a ``quota`` method is given besides its card.

    Attributes
    ----------
    parcels
        Restoration and occupation parcels (column ``role``).
    condition
        Condition of every parcel (a frame with ``grade`` and ``index``, or an
        object with ``to_frame()``).
    projects
        Optional project table (per-project quota options).
    """

    parcels: ParcelTable
    condition: ConditionLike
    projects: pd.DataFrame | None = None


@dataclass(frozen=True)
class CreditMetricInputs:
    """What a ``credit-metric`` method is given besides its card.

    Attributes
    ----------
    table
        One row per assessment area with an ``id`` column; the result's
        per-row table is indexed by it, in input order.
    """

    table: pd.DataFrame


@dataclass(frozen=True)
class PriceInputs:
    """What a ``pricing`` method is given besides its card.

    Not to be confused with :class:`wetval.pricing.kernel.PricingInputs`, the
    arrays the built-in method prepares from these.

    Attributes
    ----------
    credits
        Quota credits; parcels with units > 0 are priced.
    plans
        Restoration plans (bill of quantities, species).
    services
        Annual service values [CNY/yr] for the value approach and the service
        loss during recovery.
    services_price_factor
        Factor taking ``services`` to the card's price year.
    comparables, fund_card
        Cards (or ids) of market comparables and the fund split; ``None``: the
        pricing card's.
    wetland_level
        Highest permissible wetland level of the occupation (``general``,
        ``provincial``, ``national``).
    occupied_wetland_type
        Type of the occupied wetland (a row of the fee-floor multipliers).
    valuation_date
        Date of the valuation (chooses the fund split in force).
    """

    credits: QuotaCredits
    plans: Sequence[RestorationPlan] = ()
    services: ServicesLike | None = None
    services_price_factor: float | None = None
    comparables: Card | str | None = None
    fund_card: Card | str | None = None
    wetland_level: str = "general"
    occupied_wetland_type: str = "other"
    valuation_date: dt.date | str | None = None


@dataclass(frozen=True)
class Kind:
    """One method kind: its inputs bundle, its result type and what it computes.

    Attributes
    ----------
    inputs
        The inputs bundle class a method of the kind is given.
    result
        Import path ``"module:Class"`` of the type the method must return.
    description
        What a method of the kind computes (for listings).
    references
        Cards every method of the kind reads besides its own (constant
        dependencies, resolved into the bundle before it runs).
    step_references
        The cards one step reads because of its inputs, from its card and its
        inputs bundle; ``None``: none.
    """

    inputs: type
    result: str
    description: str

    references: tuple[str, ...] = ()
    step_references: Callable[[Card, Any], tuple[str, ...]] | None = None

    def references_of(self, card: Card, inputs: object) -> tuple[str, ...]:
        """References a step adds to its card's own, resolved before the method runs.

        The kind's constant :attr:`references`, and those its
        :attr:`step_references` reads from the step's card and inputs (for
        ``pricing``: :func:`pricing_references`).
        """
        if self.step_references is None:
            return self.references
        return (*self.references, *self.step_references(card, inputs))

    @cached_property
    def result_type(self) -> type:
        """The result class (imported on first use)."""
        module, _, name = self.result.partition(":")
        found: type = getattr(importlib.import_module(module), name)
        return found


_SERVICE_VALUES = "wetval.valuation._common:ServiceValues"

#: The separator of a dated reference, ``"fund-split-cn@on:2024-05-01"``: the
#: version of the card in force on that date (:func:`wetval.cards.in_force`).
IN_FORCE = "@on:"

#: The money series a valuation converts with unless its card names others:
#: the values of ``wetval.units.DEFAULT_PRICE_INDEX`` and ``RATE_SERIES``
#: (written out here, a foundation below units; tests/test_card_references.py
#: checks they agree).
MONEY_SERIES: tuple[str, ...] = ("cn-cpi", "us-cpi-u", "cn-ppp-gdp", "cn-usd-market-rate")


def pricing_references(card: Card, inputs: PriceInputs) -> tuple[str, ...]:
    """The cards a ``pricing`` step reads because of its inputs.

    The comparables and fund-split cards its inputs name by id; given a
    valuation date and no fund-split card, the version of the pricing card's
    ``options.fund_card`` in force on that date: the dated reference
    ``"id@on:DATE"`` (:data:`IN_FORCE`) is chosen here, at the boundary, not
    while pricing.
    """
    given = tuple(c for c in (inputs.comparables, inputs.fund_card) if isinstance(c, str))
    fund = card.option("fund_card")
    if inputs.fund_card is not None or inputs.valuation_date is None or not isinstance(fund, str):
        return given
    from wetval.dates import parse_date

    day = parse_date(inputs.valuation_date, "valuation_date")
    return (*given, f"{fund}{IN_FORCE}{day}")


#: Every method kind: inputs bundle, result type and description.
KINDS: dict[str, Kind] = {
    "condition": Kind(
        ConditionInputs,
        "wetval.condition.result:ConditionResult",
        "condition index, points and grade per parcel from indicators",
    ),
    "screening": Kind(
        ScreeningInputs,
        "wetval.screening:ReserveCensus",
        "reserve-resource (后备资源) eligibility per parcel with reasons",
    ),
    "unit-value": Kind(
        ValuationInputs,
        _SERVICE_VALUES,
        "annual service values from per-area unit values or equivalents",
        MONEY_SERIES,
    ),
    "benefit-transfer": Kind(
        ValuationInputs,
        _SERVICE_VALUES,
        "annual service values transferred from study sites",
        MONEY_SERIES,
    ),
    "replacement-cost": Kind(
        ValuationInputs,
        _SERVICE_VALUES,
        "physical service quantities times shadow prices",
        MONEY_SERIES,
    ),
    "quota": Kind(
        QuotaInputs,
        "wetval.quota.accounts:QuotaAccounts",
        "quota units (credits/debits) per parcel",
    ),
    "credit-metric": Kind(
        CreditMetricInputs,
        "wetval.results:Result",
        "international credit metrics (UMAM, UK metric, HEA)",
    ),
    "pricing": Kind(
        PriceInputs,
        "wetval.pricing.price:QuotaPrice",
        "quota price by the cost, value or market approach",
        step_references=pricing_references,
    ),
}
