"""Built-in ``quota`` and ``credit-metric`` methods (registered through entry points).

Every method is ``f(card, inputs)`` (see :mod:`wetval.kinds`):

``quota``
    ``inputs``: :class:`~wetval.kinds.QuotaInputs`; returns ``QuotaAccounts``.
``credit-metric``
    ``inputs``: :class:`~wetval.kinds.CreditMetricInputs`; returns a ``Result``
    with a ``table`` attribute indexed by the input ``id``; each card of the
    method ships a worked example as ``tables.example``.

The functions users call (:func:`~wetval.quota.account_quotas`,
:func:`~wetval.quota.measure_umam`, ...) keep their own signatures; the
registered functions below are thin adapters over them. The conformance checks
of both kinds live in :mod:`wetval.testing.quota`.
"""

from __future__ import annotations

from wetval.cards import Card
from wetval.kinds import CreditMetricInputs, QuotaInputs
from wetval.plugins import Method
from wetval.quota.accounts import QuotaAccounts, account_quotas
from wetval.quota.body import HeaBody, JinxianQuotaBody, UkMetricBody, UmamBody
from wetval.quota.hea import HeaScaling, measure_hea
from wetval.quota.uk_metric import UkMetricUnits, measure_uk_metric
from wetval.quota.umam import UmamAssessment, measure_umam

__all__ = ["HEA", "JINXIAN_QUOTA", "UK_METRIC", "UMAM"]


def jinxian_quota(card: Card, inputs: QuotaInputs) -> QuotaAccounts:
    """The ``jinxian-quota`` method: :func:`~wetval.quota.account_quotas` on the bundle."""
    return account_quotas(
        inputs.parcels, card, condition=inputs.condition, projects=inputs.projects
    )


def umam(card: Card, inputs: CreditMetricInputs) -> UmamAssessment:
    """The ``umam`` method: :func:`~wetval.quota.measure_umam` of the bundle's table."""
    return measure_umam(inputs.table, card)


def uk_metric(card: Card, inputs: CreditMetricInputs) -> UkMetricUnits:
    """The ``uk-biodiversity-metric`` method: :func:`~wetval.quota.measure_uk_metric`."""
    return measure_uk_metric(inputs.table, card)


def hea(card: Card, inputs: CreditMetricInputs) -> HeaScaling:
    """The ``hea`` method: :func:`~wetval.quota.measure_hea` of the bundle's table."""
    return measure_hea(inputs.table, card)


JINXIAN_QUOTA = Method(
    name="jinxian-quota",
    kind="quota",
    function=jinxian_quota,
    summary="quota credits and debits with area, quality, time-lag, risk and location factors",
    body=JinxianQuotaBody,
)
UMAM = Method(
    name="umam",
    kind="credit-metric",
    function=umam,
    summary="Florida UMAM: functional loss, relative functional gain and credits",
    body=UmamBody,
)
UK_METRIC = Method(
    name="uk-biodiversity-metric",
    kind="credit-metric",
    function=uk_metric,
    summary="UK statutory biodiversity metric: area habitat units and trading rules",
    body=UkMetricBody,
)
HEA = Method(
    name="hea",
    kind="credit-metric",
    function=hea,
    summary="habitat equivalency analysis: DSAYs lost and gained, compensation area",
    body=HeaBody,
)
