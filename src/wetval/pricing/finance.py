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
(banded by the card's ``risk`` table). :func:`pool_finance` applies both to a
priced credit pool, one risk class at a time (each class has its own risk
haircut and failure probability). All parameters come from a
``quota-finance`` card; the shipped ``finance-quota`` card is explicitly
unverified (no Jiangxi product terms were found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.errors import WetvalError
from wetval.hashing import frame_hash
from wetval.messages import Message, MessageValue, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, card_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.pricing import QuotaPrice
    from wetval.quota.accounts import QuotaCredits

__all__ = [
    "InsurancePremium",
    "PledgeCapacity",
    "PoolFinance",
    "insurance_premium",
    "pledge_capacity",
    "pool_finance",
]

DEFAULT_CARD = "finance-quota"
_CENT = Decimal("0.01")


def _figures(rows: list[tuple[MessageValue, float | Decimal, str]]) -> pd.DataFrame:
    """A figure / value / unit table: ratios as floats, money as Decimal to the fen."""
    return pd.DataFrame(
        {
            "sum_figure": [label for label, _, _ in rows],
            "sum_value": [value for _, value, _ in rows],
            "unit": [Term(f"unit_{unit}", unit) for _, _, unit in rows],
        }
    )


def _risk(risk_class: str) -> Term:
    """A restoration-risk class as a term (a card's own class shown as it is named)."""
    return Term(f"risk_{risk_class}", risk_class)


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

    def summary(self) -> Summary:
        """LTV build-up, capacity and the stress case (ratios to four decimals)."""
        source = Term(f"fin_source_{self.price_haircut_source}", self.price_haircut_source)
        rows: list[tuple[MessageValue, float | Decimal, str]] = [
            (Term("fin_base_ltv", "base LTV"), self.base_ltv, "ratio"),
            (Message.of("fin_price_haircut", "note", source=source), self.price_haircut, "ratio"),
            (
                Message.of("fin_risk_haircut", "note", risk=_risk(self.risk_class)),
                self.risk_haircut,
                "ratio",
            ),
            (Term("effective_ltv", "effective LTV"), self.effective_ltv, "ratio"),
            (Term("fin_loan_capacity", "loan capacity"), self.capacity, "CNY"),
            (Term("fin_stress_value", "stress value"), self.stress_value, "CNY"),
            (Term("fin_stress_capacity", "capacity at stress value"), self.stress_capacity, "CNY"),
            (
                Term("fin_stress_ltv", "base loan / stress value"),
                self.stress_loan_to_value,
                "ratio",
            ),
        ]
        title = Message.of(
            "sum_pledge", "note", risk=_risk(self.risk_class), capacity=str(self.capacity),
            card=card_label(self.provenance),
        )  # fmt: skip
        table = SummaryTable("pledge", "pledge_table", _figures(rows), {"sum_value": 4})
        return Summary(title, (table,))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Value and loan capacity in the base and the stress case [yuan]."""
        ax = axes(ax)
        frame = self.to_frame()
        positions = np.arange(len(frame))
        width = 0.4
        ax.bar(positions - width / 2, frame["value"].astype(float), width, label="value")
        ax.bar(positions + width / 2, frame["capacity"].astype(float), width, label="capacity")
        ax.set_xticks(positions, [str(c) for c in frame.index])
        ax.set_ylabel("yuan")
        ax.set_title(f"Quota-pledged loan: effective LTV {self.effective_ltv:.1%}")
        ax.legend()
        return ax


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

    def summary(self) -> Summary:
        """The premium and how it was built (ratios to four decimals)."""
        source = Term(f"fin_p_{self.p_source}", self.p_source)
        rows: list[tuple[MessageValue, float | Decimal, str]] = [
            (Term("fin_replacement_cost", "replacement cost"), self.replacement_cost, "CNY"),
            (Term("p_fail", "P(restoration fails)"), self.p_fail, "ratio"),
            (Term("fin_expected_loss", "expected loss"), self.expected_loss, "CNY"),
            (Term("fin_loading", "loading"), self.loading, "ratio"),
            (Term("fin_premium", "premium"), self.premium, "CNY"),
        ]
        title = Message.of(
            "sum_premium", "note", premium=str(self.premium), p_fail=self.p_fail, source=source,
            cost=str(self.replacement_cost), loading=self.loading,
            card=card_label(self.provenance),
        )  # fmt: skip
        table = SummaryTable("premium", "premium_table", _figures(rows), {"sum_value": 4})
        return Summary(title, (table,))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Replacement cost, expected loss and premium [yuan]."""
        ax = axes(ax)
        labels = ["replacement cost", "expected loss", "premium"]
        values = [float(v) for v in (self.replacement_cost, self.expected_loss, self.premium)]
        ax.bar(labels, values, color=["tab:grey", "tab:orange", "tab:blue"])
        ax.set_ylabel("yuan")
        ax.set_title(f"Quota insurance: P(fail) {self.p_fail:.1%}, loading {self.loading:.0%}")
        return ax


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


@dataclass(frozen=True)
class PoolFinance(Result):
    """Loan capacity and insurance premium of a priced credit pool, per risk class.

    Attributes
    ----------
    table
        One row per restoration-risk class present in the pool (index
        ``risk_class``): ``parcels``, ``units`` [quota units],
        ``appraised_value`` (recommended price) [yuan], ``effective_ltv``,
        ``loan_capacity`` and ``stress_capacity`` [yuan],
        ``replacement_cost`` (cost-approach price) [yuan], ``p_fail`` and
        ``premium`` [yuan]. Money columns are :class:`~decimal.Decimal` to the fen.
    pledges, premiums
        The :class:`PledgeCapacity` and :class:`InsurancePremium` of each class.
    provenance
        Card, hashes of the price and credit tables, where the price haircut came from.
    """

    table: pd.DataFrame
    pledges: dict[str, PledgeCapacity]
    premiums: dict[str, InsurancePremium]
    provenance: Provenance = field(default_factory=Provenance)

    def _pool_total(self, column: str) -> Decimal:
        return sum(self.table[column], Decimal("0.00"))

    @property
    def loan_capacity(self) -> Decimal:
        """Loan capacity of the whole pool [yuan]."""
        return self._pool_total("loan_capacity")

    @property
    def stress_capacity(self) -> Decimal:
        """Loan capacity of the whole pool in the stress case [yuan]."""
        return self._pool_total("stress_capacity")

    @property
    def premium(self) -> Decimal:
        """Insurance premium of the whole pool [yuan]."""
        return self._pool_total("premium")

    @property
    def appraised_value(self) -> Decimal:
        """Appraised value of the whole pool [yuan]."""
        return self._pool_total("appraised_value")

    def to_frame(self) -> pd.DataFrame:
        """The per-class table with a ``total`` row."""
        total = {
            "parcels": int(self.table["parcels"].sum()),
            "units": float(self.table["units"].sum()),
            "appraised_value": self.appraised_value,
            "effective_ltv": float(self.loan_capacity / self.appraised_value)
            if self.appraised_value
            else float("nan"),
            "loan_capacity": self.loan_capacity,
            "stress_capacity": self.stress_capacity,
            "replacement_cost": self._pool_total("replacement_cost"),
            "p_fail": float("nan"),
            "premium": self.premium,
        }
        frame = pd.concat(
            [self.table, pd.DataFrame([total], index=pd.Index(["total"], name="risk_class"))]
        )
        return frame.astype({"parcels": int})

    def summary(self) -> Summary:
        """Per-class capacity and premium, and the pool's totals."""
        table = self.table
        columns = (
            "parcels", "units", "appraised_value", "effective_ltv", "loan_capacity",
            "stress_capacity", "replacement_cost", "p_fail", "premium",
        )  # fmt: skip
        data = pd.DataFrame(
            {
                "risk_class": [_risk(str(r)) for r in table.index],
                **{c: table[c].tolist() for c in columns},
            }
        )
        title = Message.of(
            "sum_pool_finance", "note", loan=f"{self.loan_capacity:,.2f}",
            stress=f"{self.stress_capacity:,.2f}", premium=f"{self.premium:,.2f}",
            card=card_label(self.provenance),
        )  # fmt: skip
        digits = {"effective_ltv": 4, "p_fail": 4}
        return Summary(title, (SummaryTable("finance", "finance_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Appraised value, loan capacity and stress capacity per risk class [yuan]."""
        ax = axes(ax)
        positions = np.arange(len(self.table))
        width = 0.27
        for offset, column, label in (
            (-width, "appraised_value", "appraised value"),
            (0.0, "loan_capacity", "loan capacity"),
            (width, "stress_capacity", "stress capacity"),
        ):
            ax.bar(positions + offset, self.table[column].astype(float), width, label=label)
        ax.set_xticks(positions, [str(r) for r in self.table.index])
        ax.set_ylabel("yuan")
        ax.legend()
        return ax


def pool_finance(
    price: QuotaPrice,
    credits: QuotaCredits,
    *,
    price_draws: np.ndarray | None = None,
    card: Card | str = DEFAULT_CARD,
) -> PoolFinance:
    """Loan capacity and insurance premium of a priced credit pool.

    The priced parcels are grouped by their restoration-risk class (from the
    credits); each group is pledged at its recommended price and insured at its
    cost-approach price (the cost of restoring the quota elsewhere), with the
    class's risk haircut and failure probability. A price-draw haircut applies
    the same relative spread to every class.

    Parameters
    ----------
    price
        The pool's quota prices (:func:`wetval.pricing.price_quota`).
    credits
        The credits that were priced (for each parcel's ``risk_class``).
    price_draws
        Monte Carlo draws of the pool's total price (e.g.
        ``MonteCarloResult.price_draws``); ``None`` uses the card's default haircut.
    card
        A ``quota-finance`` card or id.

    Returns
    -------
    PoolFinance

    Raises
    ------
    WetvalError
        When nothing is priced, a priced parcel is not among the credits, or its
        risk class is not in the card's ``risk`` table (all such parcels named).
    """
    card = resolve_card(card, "quota-finance")
    table = price.table
    if table.empty:
        raise WetvalError(
            "the price has no priced parcels: nothing to pledge or insure; price credits "
            "with units first (price_quota on eligible restoration parcels)"
        )
    risk = credits.table["risk_class"].reindex(table.index)
    missing = risk.index[risk.isna()].tolist()
    if missing:
        raise WetvalError(
            f"priced parcels not among the credits (no risk class): {missing}; "
            "pass the credits that were priced"
        )
    classes = card.table("risk").index
    unknown = sorted(set(risk.astype(str)) - set(classes))
    if unknown:
        offending = risk.index[risk.astype(str).isin(unknown)].tolist()
        raise WetvalError(
            f"risk classes {unknown} (parcels {offending}) are not in card {card.id!r}'s risk "
            f"table {list(classes)}; add them to the card or use the quota card's classes"
        )
    pledges: dict[str, PledgeCapacity] = {}
    premiums: dict[str, InsurancePremium] = {}
    rows = []
    groups = dict(list(table.groupby(risk.astype(str).rename("risk_class"), sort=False)))
    for risk_class in [c for c in classes if c in groups]:
        group = groups[risk_class]
        appraised = Decimal(str(round(float(group["recommended"].sum()), 2)))
        replacement = Decimal(str(round(float(group["cost"].sum()), 2)))
        pledge = pledge_capacity(
            appraised, risk_class=risk_class, price_draws=price_draws, card=card
        )
        premium = insurance_premium(replacement, risk_class=risk_class, card=card)
        pledges[risk_class], premiums[risk_class] = pledge, premium
        rows.append(
            {
                "parcels": len(group),
                "units": float(group["units"].sum()),
                "appraised_value": appraised,
                "effective_ltv": pledge.effective_ltv,
                "loan_capacity": pledge.capacity,
                "stress_capacity": pledge.stress_capacity,
                "replacement_cost": premium.replacement_cost,
                "p_fail": premium.p_fail,
                "premium": premium.premium,
            }
        )
    frame = pd.DataFrame(rows, index=pd.Index(list(pledges), name="risk_class"))
    return PoolFinance(
        table=frame,
        pledges=pledges,
        premiums=premiums,
        provenance=Provenance(
            method="pool_finance",
            cards=(card.ref,),
            inputs={"price": frame_hash(table), "credits": frame_hash(credits.table)},
            options={
                "price_haircut_source": "draws" if price_draws is not None else "card",
                "appraised_value": "recommended price",
                "replacement_cost": "cost-approach price",
            },
        ),
    )
