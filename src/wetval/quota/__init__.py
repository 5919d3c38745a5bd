"""Wetland quota (湿地占补平衡指标) accounting, balance, ledger, credit metrics, funds.

See ``docs/quota.md``. Main entry points:

- :func:`account_credits`, :func:`account_debits`, :func:`account_quotas` — quota
  units per parcel;
- :func:`balance` — area, quality and unit balance with credit-to-occupation matching;
- :class:`QuotaLedger` — potential → released → debited → available, append-only;
- international credit metrics: UMAM (:func:`measure_umam`,
  :func:`umam_time_lag_factor`, ...), the UK statutory biodiversity metric
  (:func:`measure_uk_metric`, ...) and HEA (:func:`hea_dsays`, :func:`measure_hea`);
- :func:`allocate_funds` — the Annex 2 split of a sale, exact to the fen;

Quota finance (:func:`pledge_capacity`, :func:`insurance_premium`,
:func:`pool_finance` and their results) moved to :mod:`wetval.pricing`; the old
names ``wetval.quota.pledge_capacity`` etc. still work for one release and warn
with a :class:`DeprecationWarning`, as do the old verbs ``credits``, ``debits``,
``quota_accounts`` (now ``account_*``), ``umam_assessment``, ``uk_metric_units``
and ``hea_scaling`` (now ``measure_*``).

Condition and valuation results enter through the protocols documented in
:mod:`wetval.quota._inputs`.
"""

from wetval._deprecation import forward
from wetval.quota.accounts import (
    QuotaAccounts,
    QuotaCredits,
    QuotaDebits,
    QuotaRules,
    account_credits,
    account_debits,
    account_quotas,
)
from wetval.quota.balance import BalanceReport, balance
from wetval.quota.funds import FundSplit, allocate_funds, fund_split_card, to_fen
from wetval.quota.hea import HeaScaling, hea_dsays, hea_required_area, measure_hea
from wetval.quota.ledger import LedgerBalances, LedgerError, LedgerTransaction, QuotaLedger
from wetval.quota.uk_metric import (
    UkMetricUnits,
    measure_uk_metric,
    uk_baseline_units,
    uk_created_units,
    uk_enhanced_units,
    uk_final_time_to_target,
    uk_temporal_multiplier,
    uk_trading_summary,
)
from wetval.quota.umam import (
    UmamAssessment,
    measure_umam,
    umam_functional_loss,
    umam_relative_functional_gain,
    umam_score,
    umam_time_lag_factor,
)

__all__ = [
    "BalanceReport",
    "FundSplit",
    "HeaScaling",
    "LedgerBalances",
    "LedgerError",
    "LedgerTransaction",
    "QuotaAccounts",
    "QuotaCredits",
    "QuotaDebits",
    "QuotaLedger",
    "QuotaRules",
    "UkMetricUnits",
    "UmamAssessment",
    "account_credits",
    "account_debits",
    "account_quotas",
    "allocate_funds",
    "balance",
    "fund_split_card",
    "hea_dsays",
    "hea_required_area",
    "measure_hea",
    "measure_uk_metric",
    "measure_umam",
    "to_fen",
    "uk_baseline_units",
    "uk_created_units",
    "uk_enhanced_units",
    "uk_final_time_to_target",
    "uk_temporal_multiplier",
    "uk_trading_summary",
    "umam_functional_loss",
    "umam_relative_functional_gain",
    "umam_score",
    "umam_time_lag_factor",
]

#: Old names kept for one release (deprecated): finance moved to
#: :mod:`wetval.pricing`; one verb per step ("account", "measure").
__getattr__ = forward(
    __name__,
    {
        **{
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
        "credits": "wetval.quota.accounts:account_credits",
        "debits": "wetval.quota.accounts:account_debits",
        "quota_accounts": "wetval.quota.accounts:account_quotas",
        "hea_scaling": "wetval.quota.hea:measure_hea",
        "uk_metric_units": "wetval.quota.uk_metric:measure_uk_metric",
        "umam_assessment": "wetval.quota.umam:measure_umam",
    },
)
