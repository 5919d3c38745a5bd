"""Built-in ``pricing`` method (registered through an entry point).

A ``pricing`` method is ``f(card, inputs) -> QuotaPrice`` with a
:class:`~wetval.kinds.PriceInputs` bundle; ``quota-price`` is a thin adapter
over :func:`~wetval.pricing.price_quota`, which users call directly.
"""

from __future__ import annotations

from wetval.cards import Card
from wetval.kinds import PriceInputs
from wetval.messages import Message, Term
from wetval.plugins import Method
from wetval.pricing.body import QuotaPriceBody
from wetval.pricing.kernel import PARAMETERS, PricingInputs
from wetval.pricing.price import QuotaPrice, price_quota
from wetval.variation import Variation

__all__ = ["QUOTA_PRICE", "quota_price_variation"]

#: Where each kernel parameter enters the price.
_ENTERS = {
    "restoration_cost_per_mu": "restoration works of parcels without a plan",
    "compensation_per_mu": "compensation of parcels without a plan's figure",
    "om_per_mu_year": "operation and maintenance of parcels without a plan's figure",
    "om_years": "years of O&M in the price",
    "discount_rate": "O&M annuity, service loss during recovery, value approach",
}
#: Why a per-亩 rate does not reach any parcel: every priced parcel has the plan's figure.
_PLAN_FIGURE = {
    "restoration_cost_per_mu": "works cost (bill of quantities)",
    "compensation_per_mu": "compensation",
    "om_per_mu_year": "O&M per year",
}


def quota_price_variation(card: Card, inputs: PricingInputs) -> Variation:
    """The uncertainty hook of ``quota-price``: which card parameters reach the price.

    The kernel's parameters (:data:`~wetval.pricing.kernel.PARAMETERS`) enter,
    except a per-亩 rate that no priced parcel uses because every one has its
    restoration plan's figure: drawing it would change nothing (a tornado swing
    of exactly 0), so it is held and the note says why.

    Parameters
    ----------
    card
        The ``pricing`` card.
    inputs
        The run's prepared inputs (:func:`~wetval.pricing.pricing_inputs`).

    Returns
    -------
    Variation
        Entering parameters; the kernel itself evaluates the draws.
    """
    unused: dict[str, str | Message] = {
        name: Message.of("n_plan_figure", "note", figure=Term(f"plan_{name}", what))
        for name, what in _PLAN_FIGURE.items()
        if not inputs.uses_card_rate(name)
    }
    return Variation(
        entering={name: _ENTERS[name] for name in PARAMETERS if name not in unused},
        held=f"the chain propagates only {', '.join(PARAMETERS)} of a pricing card",
        held_because=unused,
    )


def quota_price(card: Card, inputs: PriceInputs) -> QuotaPrice:
    """The ``quota-price`` method: :func:`~wetval.pricing.price_quota` on the bundle."""
    return price_quota(
        inputs.credits,
        card,
        plans=inputs.plans,
        services=inputs.services,
        services_price_factor=inputs.services_price_factor,
        comparables=inputs.comparables,
        fund_card=inputs.fund_card,
        wetland_level=inputs.wetland_level,
        occupied_wetland_type=inputs.occupied_wetland_type,
        valuation_date=inputs.valuation_date,
    )


QUOTA_PRICE = Method(
    name="quota-price",
    kind="pricing",
    function=quota_price,
    summary="quota price by cost, value and market approaches, reconciled with a range",
    uncertainty=quota_price_variation,
    body=QuotaPriceBody,
)
