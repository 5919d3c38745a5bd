"""Wetland quota (湿地占补平衡指标) accounting, balance, ledger, credit metrics, funds.

See ``docs/quota.md``. Main entry points:

- :func:`credits`, :func:`debits`, :func:`quota_accounts` — quota units per parcel;
- :func:`balance` — area, quality and unit balance with credit-to-occupation matching;
- :class:`QuotaLedger` — potential → released → debited → available, append-only;
- international credit metrics: UMAM (:func:`umam_assessment`,
  :func:`umam_time_lag_factor`, ...), the UK statutory biodiversity metric
  (:func:`uk_metric_units`, ...) and HEA (:func:`hea_dsays`, :func:`hea_scaling`);
- :func:`allocate_funds` — the Annex 2 split of a sale, exact to the fen;

Quota finance (:func:`pledge_capacity`, :func:`insurance_premium`,
:func:`pool_finance` and their results) moved to :mod:`wetval.pricing`; the old
names ``wetval.quota.pledge_capacity`` etc. still work for one release and warn
with a :class:`DeprecationWarning`.

Condition and valuation results enter through the protocols documented in
:mod:`wetval.quota._inputs`.
"""

from wetval._deprecation import forward
from wetval.quota.accounts import (
    QuotaAccounts,
    QuotaCredits,
    QuotaDebits,
    QuotaRules,
    credits,
    debits,
    quota_accounts,
)
from wetval.quota.balance import BalanceReport, balance
from wetval.quota.funds import FundSplit, allocate_funds, fund_split_card, to_fen
from wetval.quota.hea import HeaScaling, hea_dsays, hea_required_area, hea_scaling
from wetval.quota.ledger import LedgerError, LedgerTransaction, QuotaLedger
from wetval.quota.uk_metric import (
    UkMetricUnits,
    uk_baseline_units,
    uk_created_units,
    uk_enhanced_units,
    uk_final_time_to_target,
    uk_metric_units,
    uk_temporal_multiplier,
    uk_trading_summary,
)
from wetval.quota.umam import (
    UmamAssessment,
    umam_assessment,
    umam_functional_loss,
    umam_relative_functional_gain,
    umam_score,
    umam_time_lag_factor,
)

__all__ = [
    "BalanceReport",
    "FundSplit",
    "HeaScaling",
    "LedgerError",
    "LedgerTransaction",
    "QuotaAccounts",
    "QuotaCredits",
    "QuotaDebits",
    "QuotaLedger",
    "QuotaRules",
    "UkMetricUnits",
    "UmamAssessment",
    "allocate_funds",
    "balance",
    "credits",
    "debits",
    "fund_split_card",
    "hea_dsays",
    "hea_required_area",
    "hea_scaling",
    "quota_accounts",
    "to_fen",
    "uk_baseline_units",
    "uk_created_units",
    "uk_enhanced_units",
    "uk_final_time_to_target",
    "uk_metric_units",
    "uk_temporal_multiplier",
    "uk_trading_summary",
    "umam_assessment",
    "umam_functional_loss",
    "umam_relative_functional_gain",
    "umam_score",
    "umam_time_lag_factor",
]

#: Names that moved to :mod:`wetval.pricing`, kept here for one release (deprecated).
__getattr__ = forward(
    __name__,
    {
        name: f"wetval.pricing:{name}"
        for name in (
            "InsurancePremium",
            "PledgeCapacity",
            "PoolFinance",
            "insurance_premium",
            "pledge_capacity",
            "pool_finance",
        )
    },
)
