"""Quota-pledged loans and quota insurance (Jinxian plan, 四(六)2–3).

Loan capacity::

    effective LTV   = base LTV × (1 − price haircut) × (1 − restoration-risk haircut)
    loan capacity   = appraised value × effective LTV
    price haircut   = 1 − q-quantile / median of Monte Carlo price draws
                      (the card's default haircut when no draws are given)
    stress case     = value × (1 − stress price drop): capacity at that value, and the
                      loan-to-value of the base loan against it

Insurance premium::

    premium = P(restoration fails to reach its target) × cost to replace the quota × (1 + loading)

with the probability given directly, by risk class or by a 0–1 risk score
(banded by the card's ``risk`` table). All parameters come from a
``quota-finance`` card; the shipped ``finance-quota`` card is explicitly
unverified (no Jiangxi product terms were found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from wetval._text import text_table
from wetval.cards import Card
from wetval.errors import WetvalError
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.results import Result

__all__ = ["InsurancePremium", "PledgeCapacity", "insurance_premium", "pledge_capacity"]

DEFAULT_CARD = "finance-quota"
_CENT = Decimal("0.01")


def _risk_row(card: Card, risk_class: str) -> dict[str, float]:
    table = card.table("risk")
    if risk_class not in table.index:
        raise WetvalError(f"unknown risk class {risk_class!r}; the card has {list(table.index)}")
    rows: dict[str, dict[str, float]] = table.to_dict("index")  # type: ignore[assignment]
    return rows[risk_class]


@dataclass(frozen=True)
class PledgeCapacity(Result):
    """Loan capacity of pledged quota, with the stress case.

    Attributes
    ----------
    appraised_value
        Appraised value of the pledged quota [yuan].
    base_ltv, price_haircut, risk_haircut, effective_ltv
        Loan-to-value and its haircuts.
    capacity
        Loan capacity [yuan], rounded down to the fen.
    stress_value
        Value after the stress price drop [yuan].
    stress_capacity
        Loan capacity at the stress value [yuan].
    stress_loan_to_value
        The base loan against the stress value (> base LTV: the pledge no
        longer covers the loan at the bank's own ratio).
    price_haircut_source
        ``"draws"`` (Monte Carlo) or ``"card"`` (default haircut).
    n_draws
        Number of price draws used.
    risk_class
        Restoration-risk class.
    provenance
        Card and settings.
    """

    appraised_value: Decimal
    base_ltv: float
    price_haircut: float
    risk_haircut: float
    effective_ltv: float
    capacity: Decimal
    stress_value: Decimal
    stress_capacity: Decimal
    stress_loan_to_value: float
    price_haircut_source: str
    n_draws: int
    risk_class: str
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """Base and stress case side by side."""
        return pd.DataFrame(
            {
                "value": [self.appraised_value, self.stress_value],
                "capacity": [self.capacity, self.stress_capacity],
            },
            index=pd.Index(["base", "stress"], name="case"),
        )

    def summary(self) -> str:
        """LTV build-up, capacity and the stress case."""
        rows = [
            ["base LTV", f"{self.base_ltv:.1%}"],
            [f"price haircut ({self.price_haircut_source})", f"{self.price_haircut:.1%}"],
            [f"restoration-risk haircut ({self.risk_class})", f"{self.risk_haircut:.1%}"],
            ["effective LTV", f"{self.effective_ltv:.1%}"],
            ["loan capacity [yuan]", str(self.capacity)],
            ["stress value [yuan]", str(self.stress_value)],
            ["capacity at stress value [yuan]", str(self.stress_capacity)],
            ["base loan / stress value", f"{self.stress_loan_to_value:.1%}"],
        ]
        return "Quota-pledged loan\n" + text_table(rows, ["item", "value"])


def pledge_capacity(
    appraised_value: float | Decimal,
    *,
    risk_class: str = "medium",
    price_draws: np.ndarray | None = None,
    card: Card | str = DEFAULT_CARD,
) -> PledgeCapacity:
    """Loan capacity of pledged quota (see the module docstring).

    Parameters
    ----------
    appraised_value
        Appraised value of the quota [yuan], e.g. ``QuotaPrice.total``.
    risk_class
        Restoration-risk class of the card's ``risk`` table.
    price_draws
        Monte Carlo draws of the value or price (any scale: only their
        spread is used); ``None`` applies the card's default haircut.
    card
        A ``quota-finance`` card or id.

    Returns
    -------
    PledgeCapacity

    Raises
    ------
    WetvalError
        For a non-positive value, an unknown risk class or unusable draws.
    """
    card = resolve_card(card, "quota-finance")
    value = Decimal(str(appraised_value))
    if not value.is_finite() or value <= 0:
        raise WetvalError(f"appraised value must be > 0 yuan, got {appraised_value!r}")
    base = float(card.param("base_ltv"))
    quantile = float(card.param("price_quantile"))
    if price_draws is None:
        price_haircut = float(card.param("default_price_haircut"))
        source, n = "card", 0
    else:
        draws = np.asarray(price_draws, dtype=float).ravel()
        if draws.size < 2 or not np.all(np.isfinite(draws)):
            raise WetvalError("price draws must be at least two finite numbers")
        median = float(np.median(draws))
        if median <= 0:
            raise WetvalError(f"the median price draw must be > 0, got {median}")
        price_haircut = float(np.clip(1.0 - np.quantile(draws, quantile) / median, 0.0, 1.0))
        source, n = "draws", int(draws.size)
    risk_haircut = float(_risk_row(card, risk_class)["loan_haircut"])
    # ratios are kept to 10 decimals so float noise (0.0899999…) never costs a fen
    price_haircut = round(price_haircut, 10)
    effective = round(base * (1.0 - price_haircut) * (1.0 - risk_haircut), 10)
    ratio = Decimal(str(effective))
    capacity = (value * ratio).quantize(_CENT, rounding=ROUND_DOWN)
    drop = float(card.param("stress_price_drop"))
    stress_value = (value * (1 - Decimal(str(drop)))).quantize(_CENT, rounding=ROUND_DOWN)
    stress_capacity = (stress_value * ratio).quantize(_CENT, rounding=ROUND_DOWN)
    stress_ltv = float(capacity / stress_value) if stress_value > 0 else float("inf")
    return PledgeCapacity(
        appraised_value=value,
        base_ltv=base,
        price_haircut=price_haircut,
        risk_haircut=risk_haircut,
        effective_ltv=effective,
        capacity=capacity,
        stress_value=stress_value,
        stress_capacity=stress_capacity,
        stress_loan_to_value=stress_ltv,
        price_haircut_source=source,
        n_draws=n,
        risk_class=risk_class,
        provenance=Provenance(
            method="pledge_capacity",
            cards=(card.ref,),
            options={"price_quantile": quantile, "stress_price_drop": drop},
        ),
    )


@dataclass(frozen=True)
class InsurancePremium(Result):
    """Premium of quota insurance against restoration failure.

    Attributes
    ----------
    replacement_cost
        Cost to replace the quota if restoration fails [yuan].
    p_fail
        Probability that restoration fails to reach its target.
    p_source
        ``"given"``, ``"risk_class"`` or ``"risk_score"``.
    loading
        Expense and profit loading.
    expected_loss
        p_fail × replacement cost [yuan].
    premium
        Expected loss × (1 + loading) [yuan], rounded half up to the fen.
    provenance
        Card and settings.
    """

    replacement_cost: Decimal
    p_fail: float
    p_source: str
    loading: float
    expected_loss: Decimal
    premium: Decimal
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The premium build-up as one row."""
        return pd.DataFrame(
            [
                {
                    "replacement_cost": self.replacement_cost, "p_fail": self.p_fail,
                    "loading": self.loading, "expected_loss": self.expected_loss,
                    "premium": self.premium,
                }
            ]
        )  # fmt: skip

    def summary(self) -> str:
        """The premium and how it was built."""
        return (
            f"Quota insurance: premium {self.premium} yuan = {self.p_fail:.1%} "
            f"({self.p_source}) × {self.replacement_cost} yuan × (1 + {self.loading:.0%})"
        )


def insurance_premium(
    replacement_cost: float | Decimal,
    *,
    p_fail: float | None = None,
    risk_class: str | None = None,
    risk_score: float | None = None,
    card: Card | str = DEFAULT_CARD,
) -> InsurancePremium:
    """Premium = P(restoration fails) × replacement cost × (1 + loading).

    Parameters
    ----------
    replacement_cost
        Cost to replace the quota [yuan] (e.g. the cost-approach price).
    p_fail, risk_class, risk_score
        Exactly one: the probability itself, a risk class of the card, or a
        0–1 risk score mapped to the first class whose ``risk_score_max`` is
        not below it.
    card
        A ``quota-finance`` card or id.

    Raises
    ------
    WetvalError
        Unless exactly one source of the probability is given, or for values
        outside their ranges.
    """
    card = resolve_card(card, "quota-finance")
    given = [x is not None for x in (p_fail, risk_class, risk_score)]
    if sum(given) != 1:
        raise WetvalError("give exactly one of p_fail, risk_class or risk_score")
    cost = Decimal(str(replacement_cost))
    if not cost.is_finite() or cost < 0:
        raise WetvalError(f"replacement cost must be ≥ 0 yuan, got {replacement_cost!r}")
    cost = cost.quantize(_CENT, rounding=ROUND_HALF_UP)
    if p_fail is not None:
        probability, source = float(p_fail), "given"
    elif risk_class is not None:
        probability, source = float(_risk_row(card, risk_class)["p_fail"]), "risk_class"
    else:
        score = float(risk_score)  # type: ignore[arg-type]
        if not 0.0 <= score <= 1.0:
            raise WetvalError(f"risk score must be in 0–1, got {risk_score!r}")
        table = card.table("risk").sort_values("risk_score_max")
        band = table[table["risk_score_max"] >= score].iloc[0]
        probability, source = float(band["p_fail"]), "risk_score"
    if not 0.0 <= probability <= 1.0:
        raise WetvalError(f"failure probability must be in 0–1, got {probability}")
    loading = float(card.param("loading"))
    expected = Decimal(str(probability)) * cost
    premium = (expected * (1 + Decimal(str(loading)))).quantize(_CENT, rounding=ROUND_HALF_UP)
    return InsurancePremium(
        replacement_cost=cost,
        p_fail=probability,
        p_source=source,
        loading=loading,
        expected_loss=expected.quantize(_CENT, rounding=ROUND_HALF_UP),
        premium=premium,
        provenance=Provenance(method="insurance_premium", cards=(card.ref,)),
    )
