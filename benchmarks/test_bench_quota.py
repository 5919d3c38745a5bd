"""Quota benchmarks: credits and pricing of 100,000 SYNTHETIC quota parcels (aim: price < 1 s).

Run with ``python -m pytest benchmarks --benchmark-only -k quota``; results go to
docs/performance.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wetval.datasets._synthetic import TOWNSHIPS
from wetval.pricing import price_quota
from wetval.quota import (
    QuotaAccounts,
    QuotaCredits,
    QuotaLedger,
    account_credits,
    account_quotas,
    balance,
)
from wetval.tables import ParcelTable

N_QUOTA = 100_000
N_LEDGER = 5_000
SCHEDULE = [("acceptance", "0.6"), ("monitoring-1", "0.2"), ("monitoring-2", "0.2")]


@pytest.fixture(scope="module")
def quota_inputs() -> tuple[ParcelTable, pd.DataFrame, pd.Series]:
    """100,000 SYNTHETIC restoration parcels, their expected condition and service values."""
    rng = np.random.default_rng(5)
    ids = np.char.add("SYN", np.char.zfill(np.arange(N_QUOTA).astype(str), 9))
    frame = pd.DataFrame(
        {
            "parcel_id": ids,
            "land_class": rng.choice(["1104", "1108", "1106", "1104A"], N_QUOTA),
            "target_class": rng.choice(["1104", "1108", "1106"], N_QUOTA),
            "area_m2": rng.lognormal(np.log(5000), 0.9, N_QUOTA),
            "township": rng.choice([t[0] for t in TOWNSHIPS], N_QUOTA),
            "county_code": "360124",
            "role": "restoration",
            "project_id": rng.choice([f"R{i:03d}" for i in range(200)], N_QUOTA),
            "years_to_target": rng.integers(0, 12, N_QUOTA).astype(float),
            "compensated_first": rng.random(N_QUOTA) < 0.3,
            "risk_class": rng.choice(["low", "medium", "high"], N_QUOTA),
        }
    )
    frame.attrs["synthetic"] = True
    parcels = ParcelTable.from_frame(frame, source="SYNTHETIC quota benchmark")
    condition = pd.DataFrame(
        {"grade": rng.choice(["优", "良", "中", "差"], N_QUOTA), "index": rng.random(N_QUOTA)},
        index=parcels.ids,
    )
    services = pd.Series(rng.lognormal(np.log(15_000), 0.5, N_QUOTA), index=parcels.ids)
    services.attrs["price_year"] = 2024
    return parcels, condition, services


@pytest.fixture(scope="module")
def quota_credits(quota_inputs) -> QuotaCredits:  # type: ignore[no-untyped-def]
    parcels, condition, _ = quota_inputs
    return account_credits(parcels, condition)


def test_credits_100k_parcels(benchmark, quota_inputs) -> None:  # type: ignore[no-untyped-def]
    parcels, condition, _ = quota_inputs
    result = benchmark(credits, parcels, condition)
    assert len(result.table) == N_QUOTA


def test_price_100k_quota_parcels(benchmark, quota_inputs, quota_credits) -> None:  # type: ignore[no-untyped-def]
    _, _, services = quota_inputs
    price = benchmark(price_quota, quota_credits, services=services, valuation_date="2024-12-31")
    assert len(price.table) == N_QUOTA
    assert price.fund_split is not None and price.fund_split.covered


def _county(n_credit: int, n_debit: int) -> QuotaAccounts:
    """A SYNTHETIC county of restoration parcels and occupied parcels, accounted."""
    n = n_credit + n_debit
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "parcel_id": np.char.add("SYN", np.char.zfill(np.arange(n).astype(str), 9)),
            "land_class": rng.choice(["1101", "1102", "1106", "1108"], n),
            "area_m2": rng.lognormal(8, 0.5, n),
            "township": rng.choice([t[0] for t in TOWNSHIPS], n),
            "county_code": rng.choice(["360124", "360121"], n, p=[0.9, 0.1]),
            "role": ["restoration"] * n_credit + ["occupation"] * n_debit,
            "project_id": [f"R{i % 50:02d}" for i in range(n_credit)]
            + [f"P{i % 100:02d}" for i in range(n_debit)],
            "wetland_level": [None] * n_credit
            + list(rng.choice(["general", "provincial", "national"], n_debit, p=[0.6, 0.3, 0.1])),
            "project_type": [None] * n_credit + ["transport"] * n_debit,
        }
    )
    frame.attrs["synthetic"] = True
    parcels = ParcelTable.from_frame(frame, source="SYNTHETIC balance benchmark")
    condition = pd.DataFrame(
        {"grade": rng.choice(["优", "良", "中", "差"], n), "index": rng.random(n)},
        index=parcels.ids,
    )
    return account_quotas(parcels, condition=condition)


@pytest.fixture(scope="module")
def county_accounts() -> QuotaAccounts:
    """20,000 SYNTHETIC restoration parcels against 2,000 occupied parcels."""
    return _county(20_000, 2_000)


def test_balance_20k_credits_against_2k_occupied_parcels(benchmark, county_accounts) -> None:  # type: ignore[no-untyped-def]
    report = benchmark(balance, county_accounts.credits, county_accounts.debits)
    assert len(report.matches) > 0


def test_balance_100k_credits_against_10k_occupied_parcels(benchmark) -> None:  # type: ignore[no-untyped-def]
    accounts = _county(100_000, 10_000)
    report = benchmark.pedantic(balance, args=(accounts.credits, accounts.debits), rounds=3)
    assert len(report.matches) > 0


def test_balance_20k_credits_against_a_half_released_ledger(benchmark, county_accounts) -> None:  # type: ignore[no-untyped-def]
    ledger = QuotaLedger.from_credits(county_accounts.credits, reference="SYN", date="2024-01-01")
    for account in list(ledger.schedules)[::2]:
        ledger = ledger.milestone(
            account, "acceptance", passed=True, reference="SYN", date="2024-06-01"
        )
    report = benchmark(balance, county_accounts.credits, county_accounts.debits, ledger=ledger)
    assert report.ledger_accounts is not None and len(report.matches) > 0


def _ledger_of(n_transactions: int) -> QuotaLedger:
    """200 accounts registered and accepted, then debits of 0.5 units until ``n_transactions``."""
    ledger = QuotaLedger()
    for i in range(200):
        ledger = ledger.register(
            f"R{i:03d}", 1000, schedule=SCHEDULE, reference="修复设计批复", date="2024-01-10"
        )
    for i in range(200):
        ledger = ledger.milestone(
            f"R{i:03d}", "acceptance", passed=True, reference="验收", date="2024-09-01"
        )
    debit = 0
    while len(ledger.transactions) < n_transactions:
        ledger = ledger.debit(f"R{debit % 200:03d}", "0.5", reference="占用批复", date="2024-10-01")
        debit += 1
    return ledger


def test_ledger_5000_operations(benchmark) -> None:  # type: ignore[no-untyped-def]
    ledger = benchmark.pedantic(_ledger_of, args=(N_LEDGER,), rounds=3)
    assert len(ledger.transactions) == N_LEDGER


def test_ledger_load_5000_transactions(benchmark) -> None:  # type: ignore[no-untyped-def]
    text = _ledger_of(N_LEDGER).to_json()
    ledger = benchmark.pedantic(QuotaLedger.from_json, args=(text,), rounds=3)
    assert len(ledger.transactions) == N_LEDGER
