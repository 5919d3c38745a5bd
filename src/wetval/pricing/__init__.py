"""Quota pricing: cost, value and market approaches, reconciliation, restoration plans, finance.

See ``docs/pricing.md``. The main entry point is :func:`price_quota`, which
prices the quota parcels of a :class:`~wetval.quota.QuotaCredits` result.
"""

from wetval.pricing.finance import (
    InsurancePremium,
    PledgeCapacity,
    PoolFinance,
    insurance_premium,
    pledge_capacity,
    pool_finance,
)
from wetval.pricing.kernel import PriceDraws, PricingInputs, price_draws, recovery_loss_factor
from wetval.pricing.plan import RestorationPlan, SpeciesCheck, check_species
from wetval.pricing.price import APPROACHES, QuotaPrice, price_quota, pricing_inputs

__all__ = [
    "APPROACHES",
    "InsurancePremium",
    "PledgeCapacity",
    "PoolFinance",
    "PriceDraws",
    "PricingInputs",
    "QuotaPrice",
    "RestorationPlan",
    "SpeciesCheck",
    "check_species",
    "insurance_premium",
    "pledge_capacity",
    "pool_finance",
    "price_draws",
    "price_quota",
    "pricing_inputs",
    "recovery_loss_factor",
]
