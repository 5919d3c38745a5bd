"""Objects that fake third-party plugins in test_plugins.py."""

from __future__ import annotations

import dataclasses

from wetval.cards import Card
from wetval.kinds import PriceInputs, QuotaInputs
from wetval.plugins import Method
from wetval.pricing import QuotaPrice, price_quota
from wetval.pricing.body import QuotaPriceBody
from wetval.quota import QuotaAccounts, quota_accounts


def _double(values: list[float]) -> list[float]:
    """Return twice each value (a stand-in for a real method)."""
    return [2 * v for v in values]


GOOD = Method("fake-unit-value", "unit-value", _double, "a fake unit-value method")
MISNAMED = Method("other-name", "unit-value", _double, "a method registered under another name")
NOT_A_METHOD = object()


# --------------------------------------------- third-party quota and pricing methods
# Registered by tests/test_dispatch.py to show that ``assess`` runs every kind
# through ``wetval.plugins.run``: both change the result visibly.


def _premium_quota(card: Card, inputs: QuotaInputs) -> QuotaAccounts:
    """Jinxian accounting, then every credit's units times the card's ``premium`` option."""
    accounts = quota_accounts(
        inputs.parcels, card, condition=inputs.condition, projects=inputs.projects
    )
    table = accounts.credits.table.copy()
    table["units"] = table["units"] * float(card.options["premium"])
    credits = dataclasses.replace(accounts.credits, table=table)
    return dataclasses.replace(accounts, credits=credits)


#: The flat price of ``test-flat-price`` [CNY/unit].
FLAT_PER_UNIT = 12345.0


def _flat_price(card: Card, inputs: PriceInputs) -> QuotaPrice:
    """The built-in price, then every parcel's recommended price set to a flat rate per unit."""
    price = price_quota(inputs.credits, card, plans=inputs.plans, services=inputs.services)
    table = price.table.copy()
    table["recommended"] = table["units"] * FLAT_PER_UNIT
    table["per_unit"] = table["recommended"] / table["units"]
    table["per_mu"] = table["recommended"] / table["area_mu"]
    totals = price.totals.copy()
    totals["recommended"] = float(table["recommended"].sum())
    return dataclasses.replace(price, table=table, totals=totals)


PREMIUM_QUOTA = Method("test-premium-quota", "quota", _premium_quota, "credits with a premium")
FLAT_PRICE = Method(
    "test-flat-price", "pricing", _flat_price, "a flat price per unit", body=QuotaPriceBody
)
