"""Built-in ``quota`` and ``credit-metric`` methods (registered through entry points).

Calling conventions:

``quota``
    ``f(parcels, card, *, condition, projects=None) -> QuotaAccounts``
``credit-metric``
    ``f(table, card) -> Result`` with a ``table`` attribute indexed by the input
    ``id``; each card of the method ships a worked example as ``tables.example``.

The conformance checks for both kinds live in :mod:`wetval.testing.quota`.
"""

from __future__ import annotations

from wetval.plugins import Method
from wetval.quota.accounts import account_quotas
from wetval.quota.hea import measure_hea
from wetval.quota.uk_metric import measure_uk_metric
from wetval.quota.umam import measure_umam

__all__ = ["HEA", "JINXIAN_QUOTA", "UK_METRIC", "UMAM"]

JINXIAN_QUOTA = Method(
    name="jinxian-quota",
    kind="quota",
    function=account_quotas,
    summary="quota credits and debits with area, quality, time-lag, risk and location factors",
    card_kinds=("quota",),
)
UMAM = Method(
    name="umam",
    kind="credit-metric",
    function=measure_umam,
    summary="Florida UMAM: functional loss, relative functional gain and credits",
    card_kinds=("credit-metric",),
)
UK_METRIC = Method(
    name="uk-biodiversity-metric",
    kind="credit-metric",
    function=measure_uk_metric,
    summary="UK statutory biodiversity metric: area habitat units and trading rules",
    card_kinds=("credit-metric",),
)
HEA = Method(
    name="hea",
    kind="credit-metric",
    function=measure_hea,
    summary="habitat equivalency analysis: DSAYs lost and gained, compensation area",
    card_kinds=("credit-metric",),
)
