"""Quota pricing: cost, value and market approaches, reconciled.

For every quota parcel (a restoration parcel with credit units):

**Cost approach** — what supplying the quota costs, following the statutory
basis of the wetland restoration fee (财税〔2024〕15号 Art. 7: restoration
cost plus the loss of service value during recovery):

* restoration works: a :class:`~wetval.pricing.plan.RestorationPlan`'s bill
  of quantities (spread over its parcels by area) or the card's per-亩 rate;
* compensation to rights holders and operation and maintenance (O&M, as a
  present value over ``om_years`` at the discount rate);
* service value lost while the restored wetland recovers: annual service
  value × Σ_k (1 − (k + ½)/T) (1 + r)^−(k + ½) over the T years to target
  (linear recovery, mid-year), none when compensation precedes occupation;
* grossed up so the fund shares are covered. ``gross_up = "annex2"`` (the
  Annex 2 reading): the township share pays compensation and O&M, so the
  price P must satisfy P·(1 − s_t − s_c) ≥ works + service loss and
  P·s_t ≥ compensation + O&M; ``"all_costs"``: P = all costs / (1 − s_t − s_c).

**Value approach** — present value of the quota wetland's annual service
value (perpetuity or a horizon), multiplied by the quality factor when
``quality_adjust_value`` (switch it off if the values already reflect condition).

**Market approach** — comparable trades adjusted for date (annual drift),
location and quality (a traded 亩 = the card's ``units_per_mu`` quota units),
giving a price per quota unit × the parcel's units.

**Reconciliation** — weighted mean of the approaches available for the
parcel (weights renormalised when one is missing), not below the cost
approach when ``floor = "cost"``, not above ``cap_per_m2`` × area when set;
the range is the span of the approaches within floor and cap.

Anchors flagged for the reviewer (per quota unit = per 亩 of reference
quota): below the statutory restoration-fee floor (200 yuan/m²) when the
quota offsets important wetland, above the penalty range for filling
wetland (500–5,000 yuan/m²), far from recent Jiangxi trades (about 9万元/亩).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wetval._flags import parse_flags
from wetval._text import text_table
from wetval.cards import Card
from wetval.errors import (
    CardError,
    DataQualityWarning,
    Problem,
    ProblemCollector,
    ValidationError,
    WetvalError,
)
from wetval.plotting import axes
from wetval.pricing.plan import RestorationPlan, SpeciesCheck, check_species
from wetval.provenance import Provenance, frame_hash
from wetval.quota._inputs import ServicesLike, resolve_card, service_values
from wetval.quota.accounts import QuotaCredits
from wetval.quota.funds import FundSplit, allocate_funds, fund_split_card
from wetval.results import Result
from wetval.units import M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["APPROACHES", "QuotaPrice", "price_quota", "recovery_loss_factor"]

APPROACHES = ("cost", "market", "value")
_LEVELS = ("national", "provincial", "general")


def annuity_factor(rate: float | np.ndarray, years: float | np.ndarray) -> np.ndarray:
    """Present value of 1 per year for ``years`` years at ``rate`` (end of year), element-wise.

    Parameters
    ----------
    rate
        Discount rate(s) [1/yr].
    years
        Number(s) of years [yr]; 0 or less gives 0.

    Returns
    -------
    numpy.ndarray
        Annuity factor(s) [yr], broadcast over ``rate`` and ``years``.
    """
    rates = np.asarray(rate, dtype=float)
    terms = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (1.0 - (1.0 + rates) ** -terms) / rates
    factor = np.where(rates == 0, terms, factor)
    result: np.ndarray = np.where(terms <= 0, 0.0, factor)
    return result


def recovery_loss_factor(years: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """PV of the service shortfall of a linear recovery over ``years``, per 1 CNY/yr of service.

    Σ_k (1 − (k + ½)/T)·(1 + r)^−(k + ½) for k = 0 … ⌈T⌉ − 1 (mid-year); 0 for T = 0.
    Computed once per distinct T.

    Parameters
    ----------
    years
        Years to target T of each parcel [yr].
    rate
        One discount rate [1/yr], or a vector of R rates (one per Monte Carlo draw).

    Returns
    -------
    numpy.ndarray
        Factor per parcel [yr] (shaped like ``years``), or R × parcels for a vector of rates.
    """
    rates = np.atleast_1d(np.asarray(rate, dtype=float))
    values = np.asarray(years, dtype=float)
    distinct, positions = np.unique(values, return_inverse=True)
    table = np.zeros((rates.size, distinct.size))
    for i, horizon in enumerate(distinct):
        if horizon <= 0:
            continue
        mid = np.arange(int(np.ceil(horizon))) + 0.5
        weight = np.maximum(1.0 - mid / horizon, 0.0)
        table[:, i] = np.sum(weight * (1.0 + rates[:, None]) ** -mid, axis=1)
    # a gather along axis 1 comes out in Fortran order; row sums must not depend on the layout
    gathered = np.ascontiguousarray(table[:, positions.reshape(-1)])
    result: np.ndarray = gathered.reshape(rates.size, *values.shape)
    return result[0] if np.ndim(rate) == 0 else result


def _cost_approach(
    works: np.ndarray,
    compensation: np.ndarray,
    om_pv: np.ndarray,
    service_loss: np.ndarray,
    township_share: float,
    centre_share: float,
    gross_up: str,
) -> np.ndarray:
    """The cost approach grossed up so the fund shares are covered [CNY] (module docstring).

    Element-wise over parcels (or draws × parcels); the inputs are not changed.
    """
    kept = 1.0 - township_share - centre_share
    if gross_up == "annex2":
        supplier: np.ndarray = works + service_loss
        supplier /= kept
        township = compensation + om_pv
        township /= township_share
        np.maximum(supplier, township, out=supplier)
        return supplier
    if gross_up == "all_costs":
        total: np.ndarray = works + compensation
        total += om_pv
        total += service_loss
        total /= kept
        return total
    raise WetvalError(f"card option gross_up must be 'annex2' or 'all_costs', got {gross_up!r}")


def _reconciled(
    cost: np.ndarray,
    market: np.ndarray,
    value: np.ndarray,
    weights: np.ndarray,
    *,
    floor: bool,
    cap: np.ndarray | None,
) -> np.ndarray:
    """Weighted mean of the approaches, floored at the cost and capped [CNY].

    ``weights`` are those of cost, market and value; where the value approach is
    missing (NaN) the weights of the other two are renormalised. Element-wise
    over parcels (or draws × parcels); the inputs are not changed.
    """
    w_cost, w_market, w_value = (float(w) for w in weights)
    recommended = cost * w_cost
    recommended += market * w_market
    # min() propagates NaN: one pass and no mask unless a value is missing
    if value.size and np.isnan(value.min()):
        missing = np.isnan(value)
        recommended += np.where(missing, 0.0, value * w_value)
        recommended /= np.where(missing, w_cost + w_market, w_cost + w_market + w_value)
    else:
        recommended += value * w_value
        recommended /= w_cost + w_market + w_value
    if floor:
        np.maximum(recommended, cost, out=recommended)
    if cap is not None:
        np.minimum(recommended, cap, out=recommended)
    return recommended


@dataclass(frozen=True)
class QuotaPrice(Result):
    """Recommended quota prices with the three approaches, range and review flags.

    Attributes
    ----------
    table
        Per priced parcel (index ``parcel_id``): ``project_id``, ``area_mu``,
        ``units``, cost components (``works``, ``compensation``, ``om_pv``,
        ``service_loss``), the approaches (``cost``, ``value``, ``market``),
        ``recommended``, ``low``, ``high`` [CNY] and ``per_mu`` (per 亩 of
        parcel area) and ``per_unit`` (per quota unit) [CNY].
    totals
        Sum over parcels of the components, approaches, recommended, low and high [CNY].
    area_mu, units
        Priced area [亩] and quota units.
    weights
        Reconciliation weights as given by the card.
    wetland_level
        Level of the wetland the quota offsets (national / provincial / general).
    flags
        Plain statements for the expert panel (anchors, missing approaches,
        species warnings, parcels not priced).
    species_checks
        One per restoration plan.
    fund_split
        Split of the total recommended price under the fund-split card
        (shows whether it covers the restoration works and the shares).
    price_year, currency
        Price basis.
    provenance
        Cards, input hashes, options.
    """

    table: pd.DataFrame
    totals: pd.Series
    area_mu: float
    units: float
    weights: pd.Series
    wetland_level: str
    flags: tuple[str, ...]
    species_checks: tuple[SpeciesCheck, ...]
    fund_split: FundSplit | None
    price_year: int
    currency: str = "CNY"
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def total(self) -> float:
        """Total recommended price [CNY]."""
        return float(self.totals["recommended"])

    @property
    def per_mu(self) -> float:
        """Recommended price per 亩 of quota parcel area [CNY/亩]."""
        return self.total / self.area_mu if self.area_mu else float("nan")

    @property
    def per_unit(self) -> float:
        """Recommended price per quota unit [CNY/unit]."""
        return self.per_unit_of("recommended")

    @property
    def range_per_unit(self) -> tuple[float, float]:
        """Low and high price per quota unit [CNY/unit]."""
        return (self.per_unit_of("low"), self.per_unit_of("high"))

    def per_unit_of(self, name: str) -> float:
        """A total of :attr:`totals` per quota unit [CNY/unit]; NaN when nothing is priced."""
        return float(self.totals[name]) / self.units if self.units else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The per-parcel table."""
        return self.table.copy()

    def summary(self) -> str:
        """Approaches, recommended price with range, fund split and every flag."""
        rows = [
            [name, float(self.totals[name]), self.per_unit_of(name)]
            for name in APPROACHES
            if not np.isnan(self.totals[name])
        ]
        low, high = self.range_per_unit
        lines = [
            f"Quota price ({self.price_year} {self.currency}): {len(self.table):,} parcels, "
            f"{self.area_mu:,.2f} 亩, {self.units:,.2f} quota units, offsetting "
            f"{self.wetland_level} wetland",
            text_table(rows, ["approach", "total", "per unit"]),
            f"  recommended {self.total:,.2f} = {self.per_unit:,.2f} per unit "
            f"(range {low:,.2f}–{high:,.2f}), {self.per_mu:,.2f} per 亩 of parcel area",
        ]
        if self.fund_split is not None:
            lines.append(self.fund_split.summary())
        lines += [f"  FLAG: {flag}" for flag in self.flags]
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Approaches per quota unit, the recommended price and range, and the anchors."""
        ax = axes(ax)
        names = [n for n in APPROACHES if not np.isnan(self.totals[n])]
        values = [self.per_unit_of(n) for n in names]
        ax.bar(names, values, color="#9ab")
        low, high = self.range_per_unit
        ax.axhspan(low, high, color="#fc9", alpha=0.3, label="range")
        ax.axhline(self.per_unit, color="#c60", label="recommended")
        ax.set_ylabel(f"{self.currency} per quota unit (≈ 亩)")
        ax.set_title("湿地占补平衡指标价格 quota price by approach")
        ax.legend()
        return ax


def _plan_costs(
    plans: Sequence[RestorationPlan], ids: pd.Index, area_mu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parcel: plan works cost, compensation and O&M per year (NaN = not in a plan)."""
    works = np.full(len(ids), np.nan)
    compensation = np.full(len(ids), np.nan)
    om = np.full(len(ids), np.nan)
    owner = np.full(len(ids), -1)
    problems: list[Problem] = []
    for number, plan in enumerate(plans):
        positions = ids.get_indexer(pd.Index(plan.parcel_ids))
        for parcel in np.asarray(plan.parcel_ids, dtype=object)[positions < 0]:
            problems.append(
                Problem(reason=f"parcel of plan {plan.name!r} has no quota units to price",
                        parcel_id=parcel, column="parcel_ids",
                        fix="list only restoration parcels with credit units")
            )  # fmt: skip
        positions = positions[positions >= 0]
        for position in positions[owner[positions] >= 0]:
            problems.append(
                Problem(reason=f"parcel in plans {plans[owner[position]].name!r} and {plan.name!r}",
                        parcel_id=ids[position], column="parcel_ids",
                        fix="each parcel belongs to one plan")
            )  # fmt: skip
        owner[positions] = number
        share = area_mu[positions] / area_mu[positions].sum() if positions.size else positions
        works[positions] = plan.engineering_cost * share
        if plan.compensation is not None:
            compensation[positions] = plan.compensation * share
        if plan.om_per_year is not None:
            om[positions] = plan.om_per_year * share
    if problems:
        raise ValidationError(problems, what="restoration plans")
    return works, compensation, om


def _market_price_per_unit(comparables: Card, valuation_date: dt.date | None) -> float:
    """Weighted mean of the comparables adjusted for date and location [CNY/quota unit].

    Raises
    ------
    CardError
        Naming every trade whose scope has no location factor, or weights not summing to > 0.
    """
    trades = comparables.table("trades")
    location = comparables.table("location")["factor"]
    problems = [
        (
            f"tables.trades.{trade}.scope",
            f"scope {scope!r} has no row in tables.location (scopes: {list(location.index)})",
        )
        for trade, scope in trades["scope"].items()
        if scope not in location.index
    ]
    if not trades["weight"].to_numpy(dtype=float).sum() > 0:
        problems.append(("tables.trades.weight", "the trade weights must sum to more than 0"))
    if problems:
        raise CardError(f"card {comparables.id!r}", problems)
    drift = float(comparables.param("annual_drift"))
    dates = pd.to_datetime(trades["date"])
    if valuation_date is None:
        years = np.zeros(len(trades))
    else:
        years = (pd.Timestamp(valuation_date) - dates).dt.days.to_numpy(dtype=float) / 365.25
    adjusted = (
        trades["price_per_mu"].to_numpy(dtype=float)
        * (1.0 + drift) ** years
        * trades["scope"].map(location).to_numpy(dtype=float)
        / trades["units_per_mu"].to_numpy(dtype=float)
    )
    weights = trades["weight"].to_numpy(dtype=float)
    return float(np.sum(weights * adjusted) / np.sum(weights))


def _valuation_date(value: dt.date | str | None) -> dt.date | None:
    """The valuation date as a date (a datetime's date; text in ISO form YYYY-MM-DD).

    Raises
    ------
    WetvalError
        For text that is not an ISO date.
    """
    if value is None or isinstance(value, dt.datetime):
        return None if value is None else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise WetvalError(
            f"valuation_date {value!r} is not an ISO date; write it as YYYY-MM-DD "
            "(e.g. '2024-06-01') or pass a datetime.date"
        ) from None


def _fen_text(value: float) -> str:
    return f"{max(value, 0.0):.2f}"


def price_quota(
    credits: QuotaCredits,
    card: Card | str = "pricing-jinxian",
    *,
    plans: Sequence[RestorationPlan] = (),
    services: ServicesLike | None = None,
    services_price_factor: float | None = None,
    comparables: Card | str | None = None,
    fund_card: Card | str | None = None,
    wetland_level: str = "general",
    occupied_wetland_type: str = "other",
    valuation_date: dt.date | str | None = None,
) -> QuotaPrice:
    """Price quota parcels by the cost, value and market approaches and reconcile them.

    The calling convention of the ``pricing`` method kind: ``f(credits, card, **options)``.

    Parameters
    ----------
    credits
        Quota credits (:func:`wetval.quota.credits`); parcels with units > 0 are priced.
    card
        A ``pricing`` card or id (default ``pricing-jinxian``).
    plans
        Restoration plans (bill of quantities, planting list) of some parcels;
        their species are checked against the card's species list.
    services
        Annual service value per parcel at target [CNY/yr] (see
        :mod:`wetval.quota._inputs`), each a finite number ≥ 0; a Series lists
        only restoration parcels of ``credits``. Without it the value approach
        and the service-loss cost are left out and flagged; so are they for a
        parcel whose value is missing.
    services_price_factor
        Factor bringing the service values to the card's price year [-],
        finite and > 0; required when their price years differ.
    comparables
        ``market-comparables`` card or id (default: the card's ``comparables_card``).
    fund_card
        ``fund-split`` card or id (default: the card's ``fund_card``, in the
        version in force on ``valuation_date`` as :func:`~wetval.quota.allocate_funds`
        picks it for the sale; the latest version without a date).
    wetland_level
        Level of the wetland the quota will offset: ``general``, ``provincial``
        or ``national`` (important wetland is checked against the fee floor).
    occupied_wetland_type
        Type of the occupied wetland, a row of the card's
        ``fee_floor_multiplier`` table (``mangrove``, ``peat-swamp``,
        ``coastal`` at 3 × the floor under 财税〔2024〕15号; ``other`` at 1 ×).
    valuation_date
        Date the comparables are adjusted to and the fund split applies on, a
        :class:`datetime.date` or ISO text ``YYYY-MM-DD`` (default: no date
        adjustment).

    Returns
    -------
    QuotaPrice

    Raises
    ------
    wetval.errors.ValidationError
        For invasive species or no native species in a plan, plan parcels
        without quota units, plan costs at another price year than the card's,
        service values that are negative, not numbers, for a parcel listed
        twice or (in a Series) for a parcel that is not a restoration parcel
        of ``credits``, or a ``compensated_first`` that is not a yes/no flag.
    WetvalError
        For service values at another price year without a conversion factor,
        a ``services_price_factor`` that is not a finite number > 0, a
        valuation date that is not an ISO date or on which no version of the
        fund-split card was in force.

    Warns
    -----
    DataQualityWarning
        For non-native or unknown species in a plan.
    """
    card = resolve_card(card, "pricing")
    if wetland_level not in _LEVELS:
        raise WetvalError(f"wetland_level must be one of {_LEVELS}, got {wetland_level!r}")
    floor_multipliers = card.table("fee_floor_multiplier")["multiplier"]
    if occupied_wetland_type not in floor_multipliers.index:
        raise WetvalError(
            f"occupied_wetland_type {occupied_wetland_type!r} is not in the card's "
            f"fee_floor_multiplier table; use one of {list(floor_multipliers.index)}"
        )
    comparables_card = resolve_card(
        comparables or str(card.option("comparables_card")), "market-comparables"
    )
    when = _valuation_date(valuation_date)
    if services_price_factor is not None and not (
        np.isfinite(services_price_factor) and services_price_factor > 0
    ):
        raise WetvalError(
            f"services_price_factor must be a finite number > 0, got {services_price_factor!r}; "
            "pass the price index of the pricing card's year divided by that of the service "
            "values' year"
        )
    if fund_card is not None:
        fund = resolve_card(fund_card, "fund-split")
    elif when is not None:
        fund = fund_split_card(when, str(card.option("fund_card")))
    else:
        fund = resolve_card(str(card.option("fund_card")), "fund-split")
    s_township = float(fund.param("township_share"))
    s_centre = float(fund.param("centre_share"))
    rate = float(card.param("discount_rate"))
    flags: list[str] = []

    table = credits.table
    priced = table["units"].to_numpy(dtype=float) > 0
    if not priced.all():
        flags.append(
            f"{int((~priced).sum())} restoration parcels have no quota units and are not priced"
        )
    parcels = table[priced]
    ids = parcels.index
    area_mu = parcels["area_mu"].to_numpy(dtype=float)
    units = parcels["units"].to_numpy(dtype=float)
    quality = parcels["quality_factor"].to_numpy(dtype=float)

    other_years = [
        Problem(
            reason=f"plan {plan.name!r} has unit costs at {plan.price_year} prices; the pricing "
            f"card {card.id!r} is at {card.price_year} prices",
            column="price_year", value=plan.price_year,
            fix=f"restate the plan's unit costs, compensation and O&M at {card.price_year} prices "
            "(wetval.units.adjust_price_year)",
        )
        for plan in plans
        if plan.price_year is not None and plan.price_year != card.price_year
    ]  # fmt: skip
    if other_years:
        raise ValidationError(other_years, what="restoration plans")
    checks: list[SpeciesCheck] = []
    for plan in plans:
        check = check_species(plan.species, str(card.option("species_card")))
        check.raise_for_errors(f"restoration plan {plan.name!r}")
        for line in check.warnings:
            warnings.warn(f"plan {plan.name!r}: {line}", DataQualityWarning, stacklevel=2)
            flags.append(f"plan {plan.name!r}: {line}")
        checks.append(check)
    plan_works, plan_comp, plan_om = _plan_costs(plans, ids, area_mu)

    works = np.where(
        np.isnan(plan_works), float(card.param("restoration_cost_per_mu")) * area_mu, plan_works
    )
    compensation = np.where(
        np.isnan(plan_comp), float(card.param("compensation_per_mu")) * area_mu, plan_comp
    )
    om_year = np.where(np.isnan(plan_om), float(card.param("om_per_mu_year")) * area_mu, plan_om)
    om_pv = om_year * annuity_factor(rate, float(card.param("om_years")))

    esv = np.full(len(ids), np.nan)
    inputs: dict[str, str] = {"credits": frame_hash(table)}
    options: dict[str, Any] = {
        "gross_up": card.option("gross_up", "annex2"),
        "value_horizon": card.option("value_horizon", "perpetuity"),
        "quality_adjust_value": bool(card.option("quality_adjust_value", True)),
        "wetland_level": wetland_level,
        "occupied_wetland_type": occupied_wetland_type,
    }
    if services is not None:
        series, year = service_values(services, table.index)
        factor = 1.0
        if year != card.price_year:
            if services_price_factor is None:
                raise WetvalError(
                    f"service values are at {year} prices but the pricing card is at "
                    f"{card.price_year}; pass services_price_factor (price index {card.price_year}"
                    f" / {year})"
                )
            factor = float(services_price_factor)
        esv = series.reindex(ids).to_numpy(dtype=float) * factor
        if options["quality_adjust_value"]:
            esv = esv * quality
        inputs["services"] = frame_hash(series)
        options["services_price_year"] = year
        options["services_price_factor"] = factor
        missing = int(np.isnan(esv).sum())
        if missing:
            flags.append(
                f"no service value for {missing} parcels: no value approach or service loss there"
            )
    else:
        flags.append("no service values given: value approach and service-loss cost left out")

    checker = ProblemCollector(row_labels=ids, parcel_ids=ids)
    first = parse_flags(
        parcels["compensated_first"], len(ids),
        column="compensated_first", problems=checker, default=False,
    )  # fmt: skip
    checker.raise_if_any("quota credits table")
    recovery_years = np.where(first, 0.0, parcels["years_to_target"].to_numpy(dtype=float))
    service_loss = np.nan_to_num(esv) * recovery_loss_factor(recovery_years, rate)

    cost = _cost_approach(
        works, compensation, om_pv, service_loss, s_township, s_centre, options["gross_up"]
    )

    horizon = options["value_horizon"]
    pv = 1.0 / rate if horizon == "perpetuity" else annuity_factor(rate, float(horizon))
    value = esv * pv

    per_unit_market = _market_price_per_unit(comparables_card, when)
    market = per_unit_market * units
    options["valuation_date"] = None if when is None else when.isoformat()

    weights = card.table("weights")["weight"].reindex(list(APPROACHES)).astype(float)
    floor = card.option("floor", "cost") == "cost"
    cap_option = card.option("cap_per_m2", "none")
    cap = (
        None
        if cap_option in (None, "none")
        else float(cap_option) * parcels["area_m2"].to_numpy(dtype=float)
    )
    recommended = _reconciled(cost, market, value, weights.to_numpy(), floor=floor, cap=cap)
    stack = np.column_stack([cost, market, value])
    low = np.nanmin(stack, axis=1)
    high = np.nanmax(stack, axis=1)
    if floor:
        low = np.maximum(low, cost)
    if cap is not None:
        high = np.minimum(high, cap)
        low = np.minimum(low, cap)
    result = pd.DataFrame(
        {
            "project_id": parcels["project_id"].to_numpy(),
            "area_mu": area_mu,
            "units": units,
            "works": works,
            "compensation": compensation,
            "om_pv": om_pv,
            "service_loss": service_loss,
            "cost": cost,
            "market": market,
            "value": value,
            "recommended": recommended,
            "low": low,
            "high": high,
            "per_mu": recommended / area_mu,
            "per_unit": recommended / units,
        },
        index=ids,
    )
    sums = ["works", "compensation", "om_pv", "service_loss", "recommended", "low", "high"]
    totals = result[sums].sum()
    for name in APPROACHES:
        column = result[name]
        totals[name] = float(column.sum()) if column.notna().all() else float("nan")
    flags += _anchor_flags(
        card, result, wetland_level, float(floor_multipliers[occupied_wetland_type])
    )

    split = None
    if len(result):
        split = allocate_funds(
            _fen_text(float(totals["recommended"])), _fen_text(float(totals["works"])), fund
        )
        if not split.covered:
            flags.append(
                "the recommended total does not cover the restoration works plus the fund shares"
            )
    provenance = Provenance(
        method="quota-price",
        cards=(card.ref, comparables_card.ref, fund.ref, *[c.provenance.cards[0] for c in checks]),
        inputs=inputs,
        options=options,
    )
    return QuotaPrice(
        table=result,
        totals=totals,
        area_mu=float(area_mu.sum()),
        units=float(units.sum()),
        weights=weights,
        wetland_level=wetland_level,
        flags=tuple(dict.fromkeys(flags)),
        species_checks=tuple(checks),
        fund_split=split,
        price_year=int(card.price_year or 0),
        currency=str(card.currency or "CNY"),
        provenance=provenance,
    )


def _anchor_flags(
    card: Card, table: pd.DataFrame, level: str, floor_multiplier: float
) -> list[str]:
    """Review flags against the statutory and market anchors (per quota unit ≈ 亩).

    The restoration-fee floor is the card's base floor × the occupied wetland
    type's multiplier (3 × for mangrove, peat-swamp and coastal wetland).
    """
    if table.empty:
        return []
    per_m2 = table["per_unit"].to_numpy() / M2_PER_MU
    flags = []
    floor = float(card.param("restoration_fee_floor")) * floor_multiplier
    if level in ("national", "provincial"):
        below = int((per_m2 < floor).sum())
        if below:
            flags.append(
                f"{below} parcels priced below the statutory restoration-fee floor "
                f"({floor:g} yuan/m² for important wetland of this type, 财税〔2024〕15号)"
            )
    # national important wetland has its own, higher fines (Art. 52, 54) when the card gives them
    suffix = (
        "_national" if level == "national" and "penalty_low_national" in card.parameters else ""
    )
    low = float(card.param(f"penalty_low{suffix}"))
    high = float(card.param(f"penalty_high{suffix}"))
    wetland = "national important wetland" if suffix else "wetland"
    above_high = int((per_m2 > high).sum())
    above_low = int((per_m2 > low).sum()) - above_high
    if above_high:
        flags.append(
            f"{above_high} parcels priced above the whole penalty range for {wetland} "
            f"({high:g} yuan/m²)"
        )
    if above_low:
        flags.append(
            f"{above_low} parcels priced above the lowest fine for filling {wetland} "
            f"({low:g} yuan/m²)"
        )
    anchor = float(card.param("jiangxi_trade_anchor"))
    tolerance = float(card.param("far_from_trades"))
    far = int((np.abs(table["per_unit"].to_numpy() / anchor - 1.0) > tolerance).sum())
    if far:
        flags.append(
            f"{far} parcels priced more than {tolerance:.0%} away from recent Jiangxi trades "
            f"(≈ {anchor:,.0f} yuan per 亩 of quota)"
        )
    return flags
