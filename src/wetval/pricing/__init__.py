"""Quota pricing: cost, value and market approaches, reconciliation, restoration plans.

See ``docs/pricing.md``. The main entry point is :func:`price_quota`, which
prices the quota parcels of a :class:`~wetval.quota.QuotaCredits` result.
"""

from wetval.pricing.plan import RestorationPlan, SpeciesCheck, check_species
from wetval.pricing.price import APPROACHES, QuotaPrice, price_quota, recovery_loss_factor

__all__ = [
    "APPROACHES",
    "QuotaPrice",
    "RestorationPlan",
    "SpeciesCheck",
    "check_species",
    "price_quota",
    "recovery_loss_factor",
]
