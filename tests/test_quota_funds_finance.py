"""Fund split (Jinxian plan Annex 2) exact to the fen, and quota finance.

Annex 2 (shared/reference/jinxian-plan-2023.txt): 20 % of the transaction amount to the
township, 10 % to the operation centre, the restoration cost by engineering quantities,
the remainder to county finance; the rule applies for one year on trial.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval.cards import load_card
from wetval.errors import WetvalError
from wetval.pricing import (
    PoolFinance,
    QuotaPrice,
    insurance_premium,
    pledge_capacity,
    pool_finance,
)
from wetval.quota import FundSplit, QuotaCredits, allocate_funds, fund_split_card, to_fen

CARD = "funds-jinxian"


def test_annex2_split_by_hand() -> None:
    split = allocate_funds("1000000.00", "600000", CARD)
    assert (split.township_fen, split.centre_fen) == (20_000_000, 10_000_000)
    assert split.restoration_fen == 60_000_000
    assert split.county_finance_fen == 10_000_000
    assert split.covered and split.shortfall_fen == 0
    frame = split.to_frame()
    assert frame.loc["county_finance", "yuan"] == Decimal("100000.00")
    assert "乡镇" in split.summary().text("zh")


def test_share_rounding_and_who_gets_the_remainder_fen() -> None:
    # 0.05 yuan = 5 fen: township 20 % = 1 fen; centre 10 % = 0.5 fen -> half up: 1 fen;
    # county finance takes the rest (3 fen)
    split = allocate_funds("0.05", 0, CARD)
    assert (split.township_fen, split.centre_fen, split.county_finance_fen) == (1, 1, 3)
    card = load_card(CARD)
    even = card.model_copy(
        update={"options": {**card.options, "share_rounding": "ROUND_HALF_EVEN"}}
    )
    split = allocate_funds("0.05", 0, even)
    assert (split.township_fen, split.centre_fen, split.county_finance_fen) == (1, 0, 4)
    assert split.provenance.options["share_rounding"] == "ROUND_HALF_EVEN"


def test_sale_that_does_not_cover_costs_is_reported() -> None:
    # 100 yuan, restoration 80 yuan: shares 30 yuan -> 10 yuan short, never negative
    split = allocate_funds(100, 80, CARD)
    assert not split.covered
    assert split.shortfall_fen == 1000 and split.county_finance_fen == 0
    assert "Not covered" in str(split.summary()) and "10.00" in str(split.summary())


@given(
    amount=st.integers(min_value=0, max_value=10**13),
    restoration=st.integers(min_value=0, max_value=10**13),
)
def test_parts_sum_to_the_amount_exactly(amount: int, restoration: int) -> None:
    split = allocate_funds(Decimal(amount) / 100, Decimal(restoration) / 100, CARD)
    parts = split.township_fen + split.centre_fen + split.restoration_fen + split.county_finance_fen
    assert min(split.township_fen, split.centre_fen, split.county_finance_fen) >= 0
    assert parts - split.shortfall_fen == amount
    assert split.covered == (split.shortfall_fen == 0)
    assert abs(split.township_fen - amount * 0.2) <= 0.5 + 1e-6 * amount
    assert FundSplit.from_json(split.to_json()) == split


def test_amount_errors() -> None:
    assert to_fen(12.34) == 1234 and to_fen("0.1") == 10
    with pytest.raises(WetvalError, match="more than two decimals"):
        allocate_funds("100.001", 0, CARD)
    with pytest.raises(WetvalError, match="≥ 0"):
        allocate_funds(-1, 0, CARD)
    with pytest.raises(WetvalError, match="not a number"):
        allocate_funds("12 yuan", 0, CARD)
    with pytest.raises(WetvalError, match="card or the sale date"):
        allocate_funds(100, 0)


def test_versioned_card_by_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert fund_split_card("2023-08-01").version == "2023.1"
    with pytest.raises(WetvalError, match="in force"):
        fund_split_card("2023-01-01")
    with pytest.raises(WetvalError, match="before"):
        allocate_funds(100, 0, CARD, date="2023-07-01")
    assert allocate_funds(100, 0, date="2024-08-01").review_overdue
    # a revised rule after the trial year, as a new version of the card
    revised = load_card(CARD).model_copy(
        update={
            "version": "2024.1",
            "parameters": {
                **load_card(CARD).parameters,
                "township_share": load_card(CARD).parameters["township_share"].model_copy(
                    update={"value": 0.15}
                ),
            },
            "options": {**load_card(CARD).options, "effective_from": "2024-07-23",
                        "review_due": "2025-07-23"},
        }
    )  # fmt: skip
    (tmp_path / "revised.toml").write_text(revised.to_toml(), encoding="utf-8")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    assert fund_split_card("2024-08-01").version == "2024.1"
    assert fund_split_card("2024-07-01").version == "2023.1"
    split = allocate_funds(100, 0, date="2024-08-01")
    assert split.township_fen == 1500 and not split.review_overdue


# ---------------------------------------------------------------------------- finance
def test_pledge_capacity_by_hand() -> None:
    # finance-quota card: base LTV 0.5, default price haircut 0.2, medium risk haircut 0.15
    loan = pledge_capacity(1_000_000, risk_class="medium")
    assert loan.effective_ltv == pytest.approx(0.5 * 0.8 * 0.85)
    assert loan.capacity == Decimal("340000.00")
    # stress: value falls 30 % -> 700,000; the same LTV lends 238,000; the base loan is
    # 48.6 % of the stressed value
    assert loan.stress_value == Decimal("700000.00")
    assert loan.stress_capacity == Decimal("238000.00")
    assert loan.stress_loan_to_value == pytest.approx(340_000 / 700_000)
    assert "stress" in str(loan.summary())


def test_pledge_capacity_from_monte_carlo_draws() -> None:
    # np.quantile([90, 100, 110], 0.05) = 91 (linear) -> haircut 1 − 91/100 = 9 %
    loan = pledge_capacity(1_000_000, risk_class="low", price_draws=np.array([90.0, 100, 110]))
    assert loan.price_haircut == pytest.approx(0.09)
    assert loan.capacity == Decimal("432250.00")  # 1e6 × 0.5 × 0.91 × 0.95
    wide = pledge_capacity(
        1_000_000, risk_class="low", price_draws=np.random.default_rng(3).normal(100, 30, 4000)
    )
    assert wide.capacity < loan.capacity  # more price uncertainty, smaller loan
    with pytest.raises(WetvalError, match="unknown risk class"):
        pledge_capacity(1_000_000, risk_class="extreme")
    with pytest.raises(WetvalError, match="> 0"):
        pledge_capacity(0)


def test_insurance_premium() -> None:
    # 15 % × 1,000,000 × 1.25 = 187,500.00
    assert insurance_premium(1_000_000, risk_class="medium").premium == Decimal("187500.00")
    assert insurance_premium(1_000_000, risk_score=0.2).premium == Decimal("62500.00")
    assert insurance_premium(1_000_000, risk_score=0.9).p_fail == 0.3
    premium = insurance_premium("333333.33", p_fail=0.1)
    assert premium.premium == Decimal("41666.67")  # 33,333.333 × 1.25 = 41,666.666… half up
    with pytest.raises(WetvalError, match="exactly one"):
        insurance_premium(1, p_fail=0.1, risk_class="low")
    with pytest.raises(WetvalError, match="0–1"):
        insurance_premium(1, risk_score=1.5)


# ------------------------------------------------------------------- pool finance
def _pool(risks: list[str]) -> tuple[QuotaPrice, QuotaCredits]:
    """A priced pool of SYNTHETIC parcels: recommended 100,000·(i+1), cost 80,000·(i+1) yuan."""
    ids = pd.Index([f"R{i}" for i in range(len(risks))], name="parcel_id")
    scale = np.arange(1, len(risks) + 1, dtype=float)
    table = pd.DataFrame(
        {"units": 2.0 * scale, "cost": 80_000.0 * scale, "recommended": 100_000.0 * scale},
        index=ids,
    )
    price = QuotaPrice(
        table=table,
        totals=table.sum(),
        area_mu=float(len(risks)),
        units=float(table["units"].sum()),
        weights=pd.Series({"cost": 1.0}),
        wetland_level="general",
        flags=(),
        species_checks=(),
        fund_split=None,
        price_year=2024,
    )
    credits = QuotaCredits(
        # in another row order than the price: the classes are aligned by parcel id
        table=pd.DataFrame({"risk_class": risks}, index=ids).iloc[::-1],
        card=load_card("quota-jinxian"),
    )
    return price, credits


def test_pool_finance_by_risk_class_by_hand() -> None:
    price, credits = _pool(["low", "high", "low"])
    pool = pool_finance(price, credits)
    # low: parcels 1 and 3 -> value 400,000, cost 320,000; high: parcel 2 -> 200,000 / 160,000
    assert list(pool.table.index) == ["low", "high"]  # the card's order of classes
    low, high = pool.pledges["low"], pool.pledges["high"]
    assert low.appraised_value == Decimal("400000.00")
    assert low.capacity == Decimal("400000.00") * Decimal("0.5") * Decimal("0.8") * Decimal("0.95")
    assert high.capacity == Decimal("56000.00")  # 200,000 × 0.5 × 0.8 × 0.7
    # premiums: 5 % × 320,000 × 1.25 = 20,000; 30 % × 160,000 × 1.25 = 60,000
    assert pool.premiums["low"].premium == Decimal("20000.00")
    assert pool.premiums["high"].premium == Decimal("60000.00")
    assert pool.premium == Decimal("80000.00")
    assert pool.loan_capacity == low.capacity + high.capacity
    frame = pool.to_frame()
    assert frame.loc["total", "parcels"] == 3
    assert frame.loc["total", "appraised_value"] == Decimal("600000.00")
    assert "loan capacity" in str(pool.summary())
    ax = pool.plot()
    assert len(ax.patches) == 3 * 2  # value, capacity, stress capacity per class
    plt.close(ax.figure)
    assert PoolFinance.from_json(pool.to_json()).to_json() == pool.to_json()


def test_pool_finance_takes_the_haircut_from_the_draws() -> None:
    price, credits = _pool(["medium", "medium"])
    pool = pool_finance(price, credits, price_draws=np.array([90.0, 100, 110]))
    # haircut 9 % (see test_pledge_capacity_from_monte_carlo_draws): 300,000 × 0.5 × 0.91 × 0.85
    assert pool.loan_capacity == Decimal("116025.00")
    assert pool.provenance.options["price_haircut_source"] == "draws"


def test_pool_finance_names_the_parcels_it_cannot_place() -> None:
    price, credits = _pool(["low", "extreme", "extreme"])
    with pytest.raises(WetvalError, match=r"\['extreme'\].*R1.*R2"):
        pool_finance(price, credits)
    price, credits = _pool(["low", "low"])
    short = QuotaCredits(table=credits.table.loc[["R0"]], card=credits.card)
    with pytest.raises(WetvalError, match=r"not among the credits.*R1"):
        pool_finance(price, short)


@given(st.lists(st.sampled_from(["low", "medium", "high"]), min_size=1, max_size=12))
def test_pool_finance_never_lends_more_than_the_base_ratio(risks: list[str]) -> None:
    price, credits = _pool(risks)
    pool = pool_finance(price, credits)
    assert pool.appraised_value == Decimal(str(price.total)).quantize(Decimal("0.01"))
    assert 0 < pool.loan_capacity <= pool.appraised_value * Decimal("0.5")
    assert pool.stress_capacity < pool.loan_capacity
    assert int(pool.table["parcels"].sum()) == len(risks)


@pytest.mark.parametrize(
    "name",
    [
        "InsurancePremium",
        "PledgeCapacity",
        "PoolFinance",
        "insurance_premium",
        "pledge_capacity",
        "pool_finance",
    ],
)
def test_finance_names_under_quota_are_deprecated_aliases_of_pricing(name: str) -> None:
    import wetval.pricing
    import wetval.quota

    with pytest.warns(DeprecationWarning, match=f"wetval.pricing.{name}"):
        moved = getattr(wetval.quota, name)
    assert moved is getattr(wetval.pricing, name)


def test_quota_refuses_an_unknown_name() -> None:
    import wetval.quota

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = wetval.quota.no_such_name  # type: ignore[attr-defined]
