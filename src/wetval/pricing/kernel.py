"""The pricing kernel: the three approaches and their reconciliation over a leading draw axis.

One implementation of the quota price arithmetic, used by
:func:`wetval.pricing.price_quota` (one draw) and by the Monte Carlo chain
(:class:`wetval.uncertainty.PriceChain`, many draws). :func:`pricing_inputs`
(in :mod:`wetval.pricing.price`) validates the credits, plans, service values
and cards once and returns :class:`PricingInputs`: per-parcel arrays and
settings that do not change between draws. :func:`price_draws` then computes,
for N draws of the card parameters in :data:`PARAMETERS` (and optionally N
rows of service values, quality factors and units), every price component as
an N × parcels array. Every operation is element-wise, so a draw's numbers do
not depend on how many draws are computed at once, and the single draw of
:func:`~wetval.pricing.price_quota` is bit for bit row 0 of the same code.

The formulas are those of :mod:`wetval.pricing.price` (module docstring) and
``docs/pricing.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wetval.errors import WetvalError

__all__ = [
    "PARAMETERS",
    "PriceDraws",
    "PricingInputs",
    "annuity_factor",
    "price_draws",
    "recovery_loss_factor",
]

#: Card parameters the kernel takes per draw (each may be given as N values).
PARAMETERS = (
    "restoration_cost_per_mu",
    "compensation_per_mu",
    "om_per_mu_year",
    "om_years",
    "discount_rate",
)


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
        One discount rate [1/yr], or a vector of N rates (one per draw).

    Returns
    -------
    numpy.ndarray
        Factor per parcel [yr] (shaped like ``years``), or N × parcels for a vector of rates.
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


@dataclass(frozen=True)
class PricingInputs:
    """What the price arithmetic needs that does not change between draws.

    Built by :func:`wetval.pricing.price.pricing_inputs` (validated there);
    arrays are per priced parcel, in the order of ``parcel_ids``.

    Attributes
    ----------
    parcel_ids
        The priced parcels (restoration parcels with quota units > 0).
    area_mu, area_m2
        Parcel area [亩] and [m²].
    units, quality
        Quota units and quality factor [-] of the run.
    recovery_years
        Years of service loss during recovery [yr] (0 where compensation came first).
    plan_works, plan_compensation, plan_om
        A restoration plan's works cost [CNY], compensation [CNY] and O&M
        [CNY/yr] of the parcel; NaN where the card's per-亩 rate applies.
    services
        Annual service value at target [CNY/yr] at the services' own price
        year (NaN where missing), or None when no service values were given.
    services_price_factor
        Factor bringing ``services`` to the card's price year [-].
    market_per_unit
        Market price of one quota unit from the comparables [CNY/unit].
    weights
        Reconciliation weights of cost, market and value [-].
    floor
        Whether the recommended price is not below the cost approach.
    cap
        Upper limit of each parcel's price [CNY] (``cap_per_m2`` × area), or None.
    gross_up
        ``"annex2"`` or ``"all_costs"``.
    value_horizon
        ``"perpetuity"`` or a number of years.
    quality_adjust_value
        Whether service values are multiplied by the quality factor.
    township_share, centre_share
        Fund shares the cost approach is grossed up for [-].
    central
        Card value of each of :data:`PARAMETERS` [the parameter's unit].
    """

    parcel_ids: pd.Index
    area_mu: np.ndarray
    area_m2: np.ndarray
    units: np.ndarray
    quality: np.ndarray
    recovery_years: np.ndarray
    plan_works: np.ndarray
    plan_compensation: np.ndarray
    plan_om: np.ndarray
    services: np.ndarray | None
    services_price_factor: float
    market_per_unit: float
    weights: np.ndarray
    floor: bool
    cap: np.ndarray | None
    gross_up: str
    value_horizon: str | float
    quality_adjust_value: bool
    township_share: float
    centre_share: float
    central: Mapping[str, float]

    def uses_card_rate(self, name: str) -> bool:
        """Whether some priced parcel is costed with the card's per-亩 ``name`` (no plan figure)."""
        plan = {
            "restoration_cost_per_mu": self.plan_works,
            "compensation_per_mu": self.plan_compensation,
            "om_per_mu_year": self.plan_om,
        }[name]
        return bool(np.isnan(plan).any())


@dataclass(frozen=True)
class PriceDraws:
    """Price components per draw and priced parcel, each an N × parcels array [CNY].

    Attributes
    ----------
    works, compensation, om_pv, service_loss
        Cost components: restoration works, compensation, present value of O&M
        and service value lost during recovery.
    cost, market, value
        The three approaches (``value`` NaN where a parcel has no service value).
    recommended
        The reconciled price.
    low, high
        The range (span of the approaches within floor and cap), when asked for.
    units
        Quota units of each draw.
    """

    works: np.ndarray
    compensation: np.ndarray
    om_pv: np.ndarray
    service_loss: np.ndarray
    cost: np.ndarray
    market: np.ndarray
    value: np.ndarray
    recommended: np.ndarray
    units: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None


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

    Element-wise over draws × parcels; the inputs are not changed.
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
    over draws × parcels; the inputs are not changed.
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


def price_draws(
    inputs: PricingInputs,
    parameters: Mapping[str, np.ndarray] | None = None,
    *,
    draws: int = 1,
    services: np.ndarray | None = None,
    quality: np.ndarray | None = None,
    units: np.ndarray | None = None,
    with_range: bool = False,
) -> PriceDraws:
    """Price every parcel for ``draws`` draws at once (the one pricing kernel).

    Parameters
    ----------
    inputs
        The prepared inputs (:func:`wetval.pricing.price.pricing_inputs`).
    parameters
        Name of a :data:`PARAMETERS` entry → ``draws`` values [its unit]; a
        parameter not given stands at its card value in every draw.
    draws
        Number of draws N.
    services
        N × parcels annual service values [CNY/yr] at the services' price year
        (default: the run's, ``inputs.services``); ignored without run services.
    quality, units
        N × parcels quality factors [-] and quota units (default: the run's).
    with_range
        Also compute ``low`` and ``high``.

    Returns
    -------
    PriceDraws
        Every component as an N × parcels array [CNY] (``units``: quota units).

    Raises
    ------
    WetvalError
        For an unknown parameter name or a ``gross_up`` the kernel does not know.
    """
    given = dict(parameters or {})
    unknown = sorted(set(given) - set(PARAMETERS))
    if unknown:
        raise WetvalError(f"unknown pricing parameters {unknown}; the kernel takes {PARAMETERS}")

    def parameter(name: str) -> np.ndarray:
        if name in given:
            return np.asarray(given[name], dtype=float)
        return np.full(draws, inputs.central[name])

    rate = parameter("discount_rate")
    area = inputs.area_mu[None, :]

    def per_parcel(plan: np.ndarray, name: str) -> np.ndarray:
        by_rate = parameter(name)[:, None] * area
        return np.where(np.isnan(plan), by_rate, plan) if not np.isnan(plan).all() else by_rate

    works = per_parcel(inputs.plan_works, "restoration_cost_per_mu")
    compensation = per_parcel(inputs.plan_compensation, "compensation_per_mu")
    om_pv = per_parcel(inputs.plan_om, "om_per_mu_year")
    om_pv *= annuity_factor(rate, parameter("om_years"))[:, None]
    quality = inputs.quality[None, :] if quality is None else quality
    units = inputs.units[None, :] if units is None else units
    if inputs.services is None:
        esv = np.full((draws, len(inputs.parcel_ids)), np.nan)
    else:
        base = inputs.services[None, :] if services is None else services
        esv = base * inputs.services_price_factor
        if inputs.quality_adjust_value:
            esv *= quality
    service_loss = recovery_loss_factor(inputs.recovery_years, rate)
    service_loss *= np.nan_to_num(esv)
    cost = _cost_approach(
        works,
        compensation,
        om_pv,
        service_loss,
        inputs.township_share,
        inputs.centre_share,
        inputs.gross_up,
    )
    horizon = inputs.value_horizon
    present = 1.0 / rate if horizon == "perpetuity" else annuity_factor(rate, float(horizon))
    value = esv * present[:, None]
    market = np.broadcast_to(inputs.market_per_unit * units, cost.shape)
    recommended = _reconciled(
        cost, market, value, inputs.weights, floor=inputs.floor, cap=inputs.cap
    )
    low = high = None
    if with_range:
        # the span of the approaches (min/max are exact: no rounding to depend on)
        low = np.fmin(np.fmin(cost, market), value)
        high = np.fmax(np.fmax(cost, market), value)
        if inputs.floor:
            low = np.maximum(low, cost)
        if inputs.cap is not None:
            high = np.minimum(high, inputs.cap)
            low = np.minimum(low, inputs.cap)
    return PriceDraws(
        works=np.broadcast_to(works, cost.shape),
        compensation=np.broadcast_to(compensation, cost.shape),
        om_pv=om_pv,
        service_loss=service_loss,
        cost=cost,
        market=market,
        value=value,
        recommended=recommended,
        units=np.broadcast_to(units, cost.shape),
        low=low,
        high=high,
    )
