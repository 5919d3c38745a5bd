"""Built-in ``pricing`` method (registered through an entry point).

Calling convention of the ``pricing`` kind: ``f(credits, card, **options) -> QuotaPrice``
where ``credits`` is a :class:`~wetval.quota.QuotaCredits`.
"""

from __future__ import annotations

from wetval.plugins import Method
from wetval.pricing.body import QuotaPriceBody
from wetval.pricing.price import price_quota
from wetval.quota import _checks  # noqa: F401  (registers the kind checks)

__all__ = ["QUOTA_PRICE"]

QUOTA_PRICE = Method(
    name="quota-price",
    kind="pricing",
    function=price_quota,
    summary="quota price by cost, value and market approaches, reconciled with a range",
    card_kinds=("pricing",),
    body=QuotaPriceBody,
)
