"""Quota pricing: cost, value and market approaches, reconciliation, restoration plans.

See ``docs/pricing.md``. The main entry point is :func:`price_quota`, which
prices the quota parcels of a :class:`~wetval.quota.QuotaCredits` result.
"""

from wetval.pricing.kernel import PriceDraws, PricingInputs, price_draws, recovery_loss_factor
from wetval.pricing.plan import RestorationPlan, SpeciesCheck, check_species
from wetval.pricing.price import APPROACHES, QuotaPrice, price_quota, pricing_inputs

__all__ = [
    "APPROACHES",
    "PriceDraws",
    "PricingInputs",
    "QuotaPrice",
    "RestorationPlan",
    "SpeciesCheck",
    "check_species",
    "price_draws",
    "price_quota",
    "pricing_inputs",
    "recovery_loss_factor",
]
