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
import pyarrow as pa
import pyarrow.compute as pc

from wetval._flags import parse_flags
from wetval.boundary import accept
from wetval.cards import Card, referenced
from wetval.dates import parse_date
from wetval.errors import (
    CardError,
    DataQualityWarning,
    Problem,
    ProblemCollector,
    ValidationError,
    WetvalError,
)
from wetval.hashing import frame_hash
from wetval.kinds import IN_FORCE
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.pricing.body import QuotaPriceBody
from wetval.pricing.kernel import PARAMETERS, PricingInputs, price_draws
from wetval.pricing.plan import RestorationPlan, SpeciesCheck, check_species
from wetval.provenance import Provenance
from wetval.quota._inputs import ServicesLike, resolve_card, service_values
from wetval.quota.accounts import QuotaCredits
from wetval.quota.funds import FundSplit, allocate_funds
from wetval.results import Result
from wetval.strings import Lang, tr
from wetval.summary import Summary, SummaryTable, note
from wetval.tables import owned_frame
from wetval.units import M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["APPROACHES", "QuotaPrice", "price_quota", "pricing_inputs"]

APPROACHES = ("cost", "market", "value")
_LEVELS = ("national", "provincial", "general")


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
        Findings for the expert panel (anchors, missing approaches, species
        warnings, parcels not priced) as keyed messages, rendered in zh or en.
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
    flags: tuple[str | Message, ...]
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

    def summary(self) -> Summary:
        """Approaches, cost components, recommended price with range, fund split and every flag.

        The tables are the report's (``price_approaches``, ``cost_components``).
        """
        names = ["cost", "value", "market", "recommended"]
        approaches = pd.DataFrame(
            {
                "approach": [Term(n, n) for n in names],
                "total": [float(self.totals[n]) for n in names],
                "per_unit": [self.per_unit_of(n) for n in names],
                "weight": [float(self.weights.get(n, np.nan)) for n in names],
            }
        )
        components = ["works", "compensation", "om_pv", "service_loss"]
        costs = pd.DataFrame(
            {
                "approach": [Term(c, c) for c in components],
                "total": [float(self.totals[c]) for c in components],
            }
        )
        low, high = self.range_per_unit
        title = Message.of(
            "sum_price", "note", year=self.price_year, currency=self.currency,
            parcels=len(self.table), area_mu=self.area_mu, units=self.units,
            level=Term(f"level_{self.wetland_level}", self.wetland_level),
        )  # fmt: skip
        recommended = Message.of(
            "sum_price_recommended", "note", total=self.total, per_unit=self.per_unit,
            low=low, high=high, per_mu=self.per_mu,
        )  # fmt: skip
        return Summary(
            title,
            (
                SummaryTable("price_approaches", "approach_table", approaches, {"weight": 2}),
                SummaryTable("cost_components", "cost_table", costs),
            ),
            (recommended, *(note(flag) for flag in self.flags)),
            () if self.fund_split is None else (self.fund_split.summary(),),
        )

    def plot(self, ax: Axes | None = None, *, lang: Lang = "en") -> Axes:
        """Price per quota unit by approach, the recommended price and its range, in ``lang``.

        One bar per approach that priced (cost, market, value); the reconciled
        (recommended) price is a line across them and its range is shaded. The
        report draws its price chart with this.
        """
        ax = axes(ax)
        names = [n for n in APPROACHES if not np.isnan(self.totals[n])]
        values = [self.per_unit_of(n) for n in names]
        ax.bar([tr(n, lang) for n in names], values, color=[_COLOURS[n] for n in names])
        low, high = self.range_per_unit
        ax.axhspan(low, high, color="#fc9", alpha=0.3, zorder=0, label=tr("price_range", lang))
        ax.axhline(self.per_unit, color="#2f7f6a", label=tr("recommended_price", lang))
        ax.set_ylabel(tr("per_unit", lang))
        ax.set_title(tr("price_plot_title", lang, year=self.price_year))
        ax.legend(fontsize="small")
        return ax


#: Bar colour of each approach in :meth:`QuotaPrice.plot`.
_COLOURS = {"cost": "#3b7ea1", "market": "#8c6bb1", "value": "#d9822b"}


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

    The ``quota-price`` method runs this (:mod:`wetval.pricing.methods`).

    Parameters
    ----------
    credits
        Quota credits (:func:`wetval.quota.account_credits`); parcels with units > 0 are priced.
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
    credits = accept(credits, QuotaCredits, "credits")
    card = accept(card, Card, "card")
    if wetland_level not in _LEVELS:
        raise WetvalError(f"wetland_level must be one of {_LEVELS}, got {wetland_level!r}")
    prepared = _prepare(
        credits,
        card,
        plans=plans,
        services=services,
        services_price_factor=services_price_factor,
        comparables=comparables,
        fund_card=fund_card,
        valuation_date=valuation_date,
    )
    card, inputs = prepared.card, prepared.inputs
    floor_multipliers = card.table("fee_floor_multiplier")["multiplier"]
    if occupied_wetland_type not in floor_multipliers.index:
        raise WetvalError(
            f"occupied_wetland_type {occupied_wetland_type!r} is not in the card's "
            f"fee_floor_multiplier table; use one of {list(floor_multipliers.index)}"
        )
    flags: list[str | Message] = []
    priced = len(inputs.parcel_ids)
    if priced < len(credits.table):
        flags.append(Message.of("f_not_priced", parcels=len(credits.table) - priced))
    checks: list[SpeciesCheck] = []
    for plan in plans:
        check = check_species(plan.species, QuotaPriceBody.of(card).options.species_card)
        check.raise_for_errors(f"restoration plan {plan.name!r}")
        for finding in check.findings:
            flag = Message.of("f_plan_species", plan=plan.name, finding=finding)
            warnings.warn(DataQualityWarning.of(flag), stacklevel=2)
            flags.append(flag)
        checks.append(check)

    provenance_inputs: dict[str, str] = {"credits": frame_hash(credits.table)}
    options: dict[str, Any] = {
        "gross_up": inputs.gross_up,
        "value_horizon": inputs.value_horizon,
        "quality_adjust_value": inputs.quality_adjust_value,
        "wetland_level": wetland_level,
        "occupied_wetland_type": occupied_wetland_type,
    }
    if prepared.services is not None and inputs.services is not None:
        provenance_inputs["services"] = frame_hash(prepared.services)
        options["services_price_year"] = prepared.services_year
        options["services_price_factor"] = inputs.services_price_factor
        missing = int(np.isnan(inputs.services).sum())
        if missing:
            flags.append(Message.of("f_no_service_value_for", parcels=missing))
    else:
        flags.append(Message.of("f_no_services"))
    options["valuation_date"] = None if prepared.when is None else prepared.when.isoformat()

    one = price_draws(inputs, with_range=True)
    assert one.low is not None and one.high is not None
    area_mu, units = inputs.area_mu, inputs.units
    recommended = one.recommended[0]
    result = owned_frame(
        {
            "project_id": prepared.project_ids,
            "area_mu": area_mu,
            "units": units,
            "works": one.works[0],
            "compensation": one.compensation[0],
            "om_pv": one.om_pv[0],
            "service_loss": one.service_loss[0],
            "cost": one.cost[0],
            "market": one.market[0],
            "value": one.value[0],
            "recommended": recommended,
            "low": one.low[0],
            "high": one.high[0],
            "per_mu": recommended / area_mu,
            "per_unit": recommended / units,
        },
        inputs.parcel_ids,
    )
    sums = ["works", "compensation", "om_pv", "service_loss", "recommended", "low", "high"]
    # the column sums of result[sums].sum(), column by column (no copy of the columns)
    totals = pd.Series({name: result[name].sum() for name in sums}, dtype=float)
    for name in APPROACHES:
        column = result[name].to_numpy()
        totals[name] = float("nan") if np.isnan(column).any() else float(column.sum())
    flags += _anchor_flags(
        card, result, wetland_level, float(floor_multipliers[occupied_wetland_type])
    )

    split = None
    if len(result):
        split = allocate_funds(
            _fen_text(float(totals["recommended"])), _fen_text(float(totals["works"])),
            prepared.fund,
        )  # fmt: skip
        if not split.covered:
            flags.append(Message.of("f_not_covered"))
    provenance = Provenance(
        method="quota-price",
        cards=(
            card.ref,
            prepared.comparables.ref,
            prepared.fund.ref,
            *[c.provenance.cards[0] for c in checks],
        ),
        inputs=provenance_inputs,
        options=options,
    )
    return QuotaPrice(
        table=result,
        totals=totals,
        area_mu=float(area_mu.sum()),
        units=float(units.sum()),
        weights=prepared.weights,
        wetland_level=wetland_level,
        flags=tuple(dict.fromkeys(flags)),
        species_checks=tuple(checks),
        fund_split=split,
        price_year=int(card.price_year or 0),
        currency=str(card.currency or "CNY"),
        provenance=provenance,
    )


@dataclass(frozen=True)
class _Prepared:
    """The kernel's inputs and what :func:`price_quota` reports about them."""

    inputs: PricingInputs
    card: Card
    comparables: Card
    fund: Card
    weights: pd.Series
    project_ids: Any
    services: pd.Series | None
    services_year: int | None
    when: dt.date | None


def pricing_inputs(
    credits: QuotaCredits,
    card: Card | str = "pricing-jinxian",
    *,
    plans: Sequence[RestorationPlan] = (),
    services: ServicesLike | None = None,
    services_price_factor: float | None = None,
    comparables: Card | str | None = None,
    fund_card: Card | str | None = None,
    valuation_date: dt.date | str | None = None,
) -> PricingInputs:
    """Validate the pricing inputs once and prepare them for the kernel.

    :func:`price_quota` prices through this and
    :func:`~wetval.pricing.kernel.price_draws`; the Monte Carlo chain calls it
    with the run's arguments and evaluates the same kernel for many draws.

    Parameters
    ----------
    credits, card, plans, services, services_price_factor, comparables, fund_card, valuation_date
        As for :func:`price_quota`.

    Returns
    -------
    PricingInputs

    Raises
    ------
    wetval.errors.ValidationError, WetvalError
        As :func:`price_quota` (except for species and the wetland level).
    """
    return _prepare(
        credits,
        card,
        plans=plans,
        services=services,
        services_price_factor=services_price_factor,
        comparables=comparables,
        fund_card=fund_card,
        valuation_date=valuation_date,
    ).inputs


def _prepare(
    credits: QuotaCredits,
    card: Card | str,
    *,
    plans: Sequence[RestorationPlan],
    services: ServicesLike | None,
    services_price_factor: float | None,
    comparables: Card | str | None,
    fund_card: Card | str | None,
    valuation_date: dt.date | str | None,
) -> _Prepared:
    card = resolve_card(card, "pricing")
    body = QuotaPriceBody.of(card)
    comparables_card = resolve_card(
        comparables
        or referenced(body.options.comparables_card, referrer=card, key="options.comparables_card"),
        "market-comparables",
    )
    when = None if valuation_date is None else parse_date(valuation_date, "valuation_date")
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
        # the version in force on the valuation date, chosen where the bundle was resolved
        fund = referenced(
            f"{body.options.fund_card}{IN_FORCE}{when}", referrer=card, key="options.fund_card"
        )
    else:
        fund = referenced(body.options.fund_card, referrer=card, key="options.fund_card")
    fund = resolve_card(fund, "fund-split")

    table = credits.table
    priced = table["units"].to_numpy(dtype=float) > 0
    # all parcels priced (the usual case): no copy of the whole table
    parcels = table if priced.all() else table[priced]
    ids = parcels.index
    area_mu = parcels["area_mu"].to_numpy(dtype=float)
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
    plan_works, plan_comp, plan_om = _plan_costs(plans, ids, area_mu)

    series: pd.Series | None = None
    year: int | None = None
    esv: np.ndarray | None = None
    factor = 1.0
    if services is not None:
        series, year = service_values(services, table.index)
        if year != card.price_year:
            if services_price_factor is None:
                raise WetvalError(
                    f"service values are at {year} prices but the pricing card is at "
                    f"{card.price_year}; pass services_price_factor (price index {card.price_year}"
                    f" / {year})"
                )
            factor = float(services_price_factor)
        esv = (series if series.index is ids else series.reindex(ids)).to_numpy(dtype=float)

    checker = ProblemCollector(row_labels=ids, parcel_ids=ids)
    first = parse_flags(
        parcels["compensated_first"], len(ids),
        column="compensated_first", problems=checker, default=False,
    )  # fmt: skip
    checker.raise_if_any("quota credits table")

    weights = card.table("weights")["weight"].reindex(list(APPROACHES)).astype(float)
    cap_option = body.options.cap_per_m2
    area_m2 = parcels["area_m2"].to_numpy(dtype=float)
    inputs = PricingInputs(
        parcel_ids=ids,
        area_mu=area_mu,
        area_m2=area_m2,
        units=parcels["units"].to_numpy(dtype=float),
        quality=parcels["quality_factor"].to_numpy(dtype=float),
        recovery_years=np.where(first, 0.0, parcels["years_to_target"].to_numpy(dtype=float)),
        plan_works=plan_works,
        plan_compensation=plan_comp,
        plan_om=plan_om,
        services=esv,
        services_price_factor=factor,
        market_per_unit=_market_price_per_unit(comparables_card, when),
        weights=weights.to_numpy(),
        floor=body.options.floor == "cost",
        cap=None if cap_option == "none" else float(cap_option) * area_m2,
        gross_up=body.options.gross_up,
        value_horizon=body.options.value_horizon,
        quality_adjust_value=body.options.quality_adjust_value,
        township_share=float(fund.param("township_share")),
        centre_share=float(fund.param("centre_share")),
        central={name: float(card.param(name)) for name in PARAMETERS},
    )
    return _Prepared(
        inputs=inputs,
        card=card,
        comparables=comparables_card,
        fund=fund,
        weights=weights,
        project_ids=_text_column(parcels["project_id"]),
        services=series,
        services_year=year,
        when=when,
    )


def _text_column(column: pd.Series) -> Any:
    """A text column's values as pandas builds them from its Python strings, without them.

    A categorical column with Arrow text categories is expanded by taking the
    categories by code in Arrow (missing codes give missing values); the result
    is the same string column as ``pandas.Series(column.to_numpy())`` would be,
    without a million-row object array. Other columns go through ``to_numpy``.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        arrow = getattr(categories.array, "_pa_array", None)
        if arrow is not None:
            codes = column.cat.codes.to_numpy()
            taken = pc.take(arrow, pa.array(codes, mask=codes < 0))
            return pd.array(taken, dtype=categories.dtype)
    return column.to_numpy()


def _anchor_flags(
    card: Card, table: pd.DataFrame, level: str, floor_multiplier: float
) -> list[str | Message]:
    """Review flags against the statutory and market anchors (per quota unit ≈ 亩).

    The restoration-fee floor is the card's base floor × the occupied wetland
    type's multiplier (3 × for mangrove, peat-swamp and coastal wetland).
    """
    if table.empty:
        return []
    per_m2 = table["per_unit"].to_numpy() / M2_PER_MU
    flags: list[str | Message] = []
    floor = float(card.param("restoration_fee_floor")) * floor_multiplier
    if level in ("national", "provincial"):
        below = int((per_m2 < floor).sum())
        if below:
            flags.append(Message.of("f_below_floor", parcels=below, floor=floor))
    # national important wetland has its own, higher fines (Art. 52, 54) when the card gives them
    suffix = (
        "_national" if level == "national" and "penalty_low_national" in card.parameters else ""
    )
    low = float(card.param(f"penalty_low{suffix}"))
    high = float(card.param(f"penalty_high{suffix}"))
    wetland = (
        Term("f_wetland_national", "national important wetland")
        if suffix
        else Term("f_wetland", "wetland")
    )
    above_high = int((per_m2 > high).sum())
    above_low = int((per_m2 > low).sum()) - above_high
    if above_high:
        flags.append(Message.of("f_above_penalty", parcels=above_high, wetland=wetland, high=high))
    if above_low:
        flags.append(Message.of("f_above_low_fine", parcels=above_low, wetland=wetland, low=low))
    anchor = float(card.param("jiangxi_trade_anchor"))
    tolerance = float(card.param("far_from_trades"))
    far = int((np.abs(table["per_unit"].to_numpy() / anchor - 1.0) > tolerance).sum())
    if far:
        flags.append(Message.of("f_far_from_trades", parcels=far, share=tolerance, anchor=anchor))
    return flags
