"""The method steps of an assessment, each run through the one dispatcher.

Every method step runs its card through :func:`wetval.plugins.run`, so a
registered third-party method of any kind runs inside an assessment. These
functions only build each kind's inputs bundle from what earlier steps handed
on and bring values to the price year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wetval.cards import Card, CardBundle
from wetval.condition import ConditionResult
from wetval.kinds import ConditionInputs, PriceInputs, QuotaInputs, ValuationInputs
from wetval.plugins import run
from wetval.pricing import PoolFinance, QuotaPrice, RestorationPlan, pool_finance
from wetval.quota import BalanceReport, LedgerBalances, QuotaAccounts, balance
from wetval.spec import AssessmentSpec
from wetval.tables import IndicatorTable, ParcelTable
from wetval.uncertainty import MonteCarloResult, PriceChain, monte_carlo
from wetval.uncertainty.sensitivity import TornadoResult
from wetval.valuation import ServiceValues

if TYPE_CHECKING:
    import pandas as pd

    from wetval.assessment.overlay import Overlaid

__all__ = [
    "account_quota",
    "pledged_pool",
    "price_credits",
    "price_uncertainty",
    "pricing_services",
    "score_condition",
    "value_services",
]


def score_condition(
    card: Card, parcels: ParcelTable, indicators: IndicatorTable, site: Overlaid
) -> ConditionResult:
    """Score the surveyed (whole) parcels; with an overlay, hand each piece its parcel's score."""
    condition: ConditionResult = run("condition", card, ConditionInputs(indicators, parcels))
    if site.overlays:
        from wetval.spatial.split import split_condition

        condition = split_condition(condition, site.parcels)
    return condition


def value_services(
    spec: AssessmentSpec,
    cards: dict[str, Card],
    project: ParcelTable,
    condition: pd.DataFrame,
    indicators: IndicatorTable,
) -> dict[str, ServiceValues]:
    """Service values of the project parcels by every valuation card, at the spec's price year."""
    year = spec.options.price_year
    services: dict[str, ServiceValues] = {}
    for name in spec.cards.valuation:
        card = cards[f"valuation:{name}"]
        inputs = ValuationInputs(project, condition, indicators)
        result: ServiceValues = run(str(card.kind), card, inputs)
        if result.price_year != year:
            result = result.at_price_year(year, spec.options.price_index)
        services[name] = result
    return services


def account_quota(
    card: Card,
    project: ParcelTable,
    condition: pd.DataFrame,
    projects: pd.DataFrame | None,
    ledger: LedgerBalances | None,
) -> tuple[QuotaAccounts, BalanceReport]:
    """Quota credits and debits of the project parcels, and their balance."""
    accounts: QuotaAccounts = run("quota", card, QuotaInputs(project, condition, projects))
    return accounts, balance(accounts.credits, accounts.debits, ledger=ledger)


def pricing_services(
    spec: AssessmentSpec, cards: dict[str, Card], services: dict[str, ServiceValues]
) -> ServiceValues:
    """The value approach's service values at the pricing card's price year."""
    chosen = services[spec.cards.value_approach]
    year = cards["pricing"].price_year or spec.options.price_year
    if chosen.price_year != year:
        chosen = chosen.at_price_year(year, spec.options.price_index)
    return chosen


def price_credits(
    spec: AssessmentSpec,
    cards: dict[str, Card],
    accounts: QuotaAccounts,
    plans: list[RestorationPlan],
    services: ServiceValues,
    level: str,
) -> QuotaPrice:
    """Price the credit parcels for the wetland level the occupation takes."""
    inputs = PriceInputs(
        accounts.credits,
        plans=tuple(plans),
        services=services,
        fund_card=cards.get("funds"),
        wetland_level=level,
        valuation_date=spec.project.date,
    )
    price: QuotaPrice = run("pricing", cards["pricing"], inputs)
    return price


def price_uncertainty(
    spec: AssessmentSpec,
    cards: dict[str, Card],
    bundle: CardBundle,
    site: Overlaid,
    condition: ConditionResult,
    services: ServiceValues,
    accounts: QuotaAccounts,
    price: QuotaPrice,
    plans: list[RestorationPlan],
    progress: bool | None,
) -> tuple[MonteCarloResult | None, TornadoResult | None]:
    """The Monte Carlo draws and the tornado of the price, as the spec's options ask."""
    chain = PriceChain(
        site.parcels,
        services,
        accounts.credits,
        price,
        condition=condition,
        indicators=site.indicators,
        valuation_card=cards[f"valuation:{spec.cards.value_approach}"],
        pricing_card=cards["pricing"],
        condition_card=cards["condition"],
        fund_card=cards.get("funds"),
        plans=tuple(plans),
        cards=bundle,
    )
    uncertainty: MonteCarloResult | None = None
    sensitivity: TornadoResult | None = None
    if spec.options.monte_carlo_draws:
        uncertainty = monte_carlo(
            chain,
            draws=spec.options.monte_carlo_draws,
            seed=spec.options.seed,
            percentiles=spec.options.percentiles,
            indicator_error=spec.options.indicator_error or None,
            progress=progress,
        )
    if spec.options.sensitivity and chain.parameters()["enters"].any():
        sensitivity = chain.tornado("price_per_unit")
    return uncertainty, sensitivity


def pledged_pool(
    card: Card,
    price: QuotaPrice,
    accounts: QuotaAccounts,
    uncertainty: MonteCarloResult | None,
) -> PoolFinance:
    """Loan capacity and insurance of the pledged credit pool (haircut from the draws, if any)."""
    draws = None if uncertainty is None else uncertainty.price_draws
    return pool_finance(price, accounts.credits, price_draws=draws, card=card)
