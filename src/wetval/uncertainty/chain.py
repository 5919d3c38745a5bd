"""The price chain: condition → valuation → quota → price, evaluated for many draws at once.

A :class:`PriceChain` bundles the deterministic results of one run (condition
result, service values, quota credits, quota price) with the cards and
tables that produced them, and compiles a *vectorised evaluator*: given
arrays of parameter values (one entry per draw) it returns draws × parcels
arrays of annual service values and quota prices without re-running the
pipeline functions. What the evaluator reuses:

- **valuation**: the service values of the run without the condition
  adjustment (one extra call of :func:`wetval.valuation.value`), scaled per
  draw by the factors the valuation method's uncertainty hook declares
  (:attr:`wetval.plugins.Method.uncertainty`; e.g. Xie's D scales every value,
  a value function's coefficients multiply by exp(x·(β_d − β̂))) — a method
  without a hook keeps the run's values, and a note says so — and by the
  condition factor of each draw on the condition-adjusted services;
- **quota**: the credits table (area, type, time-lag and risk factors);
  only the quality factor changes, when condition changes;
- **pricing**: the one pricing kernel (:func:`wetval.pricing.price_draws`)
  over the inputs :func:`wetval.pricing.pricing_inputs` prepares from the
  run's arguments, exactly as :func:`wetval.pricing.price_quota` prices
  (one draw there, many here).

Building the chain checks that its inputs are the run's: the cards by
content hash, the credits and service values by frame hash, the parcels by
the hash valuation recorded, and the plans by the works, compensation and
O&M they give (bit for bit the run's price table).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.cards import (
    Card,
    CardBundle,
    Distribution,
    Fixed,
    check_recorded,
    recorded_card,
    referenced,
)
from wetval.errors import WetvalError
from wetval.hashing import frame_hash
from wetval.messages import Message, Term
from wetval.plugins import get_method
from wetval.pricing.kernel import PARAMETERS, PricingInputs, price_draws
from wetval.pricing.plan import RestorationPlan
from wetval.pricing.price import QuotaPrice, pricing_inputs
from wetval.provenance import CardRef
from wetval.quota.accounts import QuotaAccounts, QuotaCredits, QuotaRules
from wetval.uncertainty.distributions import distribution_bounds
from wetval.variation import DrawFactor, Variation

if TYPE_CHECKING:
    from wetval.condition import ConditionResult
    from wetval.tables import IndicatorTable, ParcelTable
    from wetval.uncertainty.sensitivity import MorrisResult, SobolResult, TornadoResult
    from wetval.valuation import ServiceValues

__all__ = ["OUTPUTS", "PriceChain", "UncertainParameter"]

#: Project-level outputs of the chain, with their units.
OUTPUTS: dict[str, str] = {
    "total_price": "CNY",
    "price_per_mu": "CNY/亩",
    "price_per_unit": "CNY/quota unit",
    "total_value": "CNY/yr",
    "cost": "CNY",
    "market": "CNY",
    "value": "CNY",
    "units": "quota units",
}

#: Parameters of a ``pricing`` card the evaluator propagates (those the pricing kernel takes).
_PRICING_PARAMETERS = PARAMETERS


@dataclass(frozen=True)
class UncertainParameter:
    """A card parameter with an uncertainty distribution, as the chain uses it.

    Attributes
    ----------
    key
        ``"<card id>.<parameter>"`` (value-function coefficients:
        ``"<card id>.coefficients.<variable>"``).
    card, name
        Card id and parameter name.
    stage
        ``"condition"``, ``"valuation"``, ``"quota"`` or ``"pricing"``.
    central
        The value of the deterministic run [``unit``].
    distribution
        The distribution draws come from.
    unit
        Unit of the parameter.
    enters
        Whether the chain propagates it. False: it is held at its central
        value in every draw, and ``note`` ("held at its central value: …")
        says why.
    note
        Where it enters, or why it is held.
    verified
        Whether the card marks the parameter as verified.
    """

    key: str
    card: str
    name: str
    stage: str
    central: float
    distribution: Distribution
    unit: str
    enters: bool
    note: str | Message
    verified: bool


def _card_parameters(
    card: Card,
    stage: str,
    entering: Mapping[str, str],
    held: str | Message,
    held_because: Mapping[str, str | Message] | None = None,
) -> list[UncertainParameter]:
    """Every parameter of ``card`` with a non-fixed distribution.

    ``entering`` maps the names the chain propagates to where they enter; every
    other one is listed with ``enters=False`` and the note "held at its central
    value: ``held``" (or the parameter's reason in ``held_because``).
    """
    reasons = held_because or {}
    found = []
    for name in sorted(card.parameters):
        parameter = card.parameters[name]
        distribution = parameter.distribution
        if distribution is None or isinstance(distribution, Fixed):
            continue
        enters = name in entering
        found.append(
            UncertainParameter(
                key=f"{card.id}.{name}",
                card=card.id,
                name=name,
                stage=stage,
                central=float(parameter.value),
                distribution=distribution,
                unit=parameter.unit,
                enters=enters,
                note=entering[name]
                if enters
                else Message.of("n_held", "note", reason=reasons.get(name, held)),
                verified=parameter.verified,
            )
        )
    return found


def _variation(card: Card, stage: str, *inputs: object) -> tuple[Variation, str | Message | None]:
    """The method's declared variation (its uncertainty hook) and the chain's note on it.

    Without a hook every parameter is held, and the note says so.
    """
    hook = get_method(str(card.method)).uncertainty
    if hook is None:
        method = str(card.method)
        held = Message.of("n_no_hook_held", "note", method=method)
        note = Message.of("n_no_hook", "note", stage=Term(f"stage_{stage}", stage), method=method)
        return Variation(held=held), note
    variation: Variation = hook(card, *inputs)
    return variation, variation.note


def _stored_card(ref: CardRef, given: Card | str | None, bundle: CardBundle | None) -> Card:
    """The card a result recorded: the one given, else the run's bundle's (by the recorded hash)."""
    if given is None:
        return recorded_card(ref, bundle)
    return check_recorded(given if isinstance(given, Card) else referenced(given), ref)


#: Per-draw multipliers of the service values (None: the values of the run).
Multiplier = Callable[[Mapping[str, np.ndarray], int], np.ndarray | None]


def _unchanged(draws: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
    """No multiplier: the values of the run."""
    return None


def _keyed(factor: DrawFactor | None, prefix: str) -> Multiplier:
    """A hook's factor (draws keyed by parameter name) as one of the chain (keyed by card)."""
    if factor is None:
        return _unchanged
    hook_factor = factor

    def keyed(draws: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
        local = {k[len(prefix) :]: v for k, v in draws.items() if k.startswith(prefix)}
        return hook_factor(local, n) if local else None

    return keyed


class _Compiled:
    """Arrays and closures of the vectorised evaluator (built once per chain)."""

    def __init__(self, chain: PriceChain) -> None:
        from wetval.valuation import value as value_services

        services = chain.services
        self.parameters: list[UncertainParameter] = []
        self.notes: list[str | Message] = []

        # ---------------------------------------------------------- valuation
        self.value_ids = services.values.index
        valued = chain.parcels.subset(self.value_ids)
        if valued.hash != services.provenance.inputs.get("parcels"):
            raise WetvalError(
                "the service values were not computed on these parcels: pass the parcel table "
                "valuation was run on (or the table it is a subset of)"
            )
        self.valued_parcels = valued
        values = services.values.to_numpy(dtype=float)
        # values that cannot be re-evaluated per draw (ServiceValues.reevaluable: e.g. a
        # combination of several valuations, which has no one card) are held at the run
        self.valuation_held = not services.reevaluable
        if self.valuation_held:
            self.adjusted = np.zeros(values.shape[1], dtype=bool)
            self.base = values
            self.notes.append(
                Message.of(
                    "n_valuation_held", "note", method=services.method, card=services.card_id
                )
            )
        else:
            valuation_card = chain.valuation_card_used
            self.adjusted = services.services["condition_adjusted"].to_numpy(dtype=bool)
            self.base = values
            if self.adjusted.any():
                unadjusted = value_services(
                    valued,
                    valuation_card,
                    indicators=chain.indicators,
                    price_year=services.price_year,
                )
                self.base = unadjusted.values.to_numpy(dtype=float)
        self.cf_central = services.parcels["condition_factor"].to_numpy(dtype=float)
        self.sum_unadjusted = self.base[:, ~self.adjusted].sum(axis=1)
        self.sum_adjusted = self.base[:, self.adjusted].sum(axis=1)
        self._service_multiplier: Multiplier = _unchanged
        self._parcel_multiplier: Multiplier = _unchanged
        if not self.valuation_held:
            self._service_multiplier, self._parcel_multiplier = self._valuation_model(
                valuation_card, valued
            )

        # --------------------------------------------------------------- quota
        credits = chain.quota_credits
        table = credits.table
        priced = table["units"].to_numpy(dtype=float) > 0
        self.priced_ids = table.index[priced]
        rows = table[priced]
        self.rules = QuotaRules.from_card(credits.card)
        self.area_mu = rows["area_mu"].to_numpy(dtype=float)
        self.type_factor = rows["type_factor"].to_numpy(dtype=float)
        self.time_lag = rows["time_lag_factor"].to_numpy(dtype=float)
        self.risk = rows["risk_factor"].to_numpy(dtype=float)
        self.value_position = self.value_ids.get_indexer(self.priced_ids)

        # ------------------------------------------------------------- pricing
        price = chain.price
        options = price.provenance.options
        pricing = chain.pricing_card_used
        refs = price.provenance.cards
        comparables = _stored_card(refs[1], chain.comparables, chain.cards)
        fund = _stored_card(refs[2], chain.fund_card, chain.cards)
        # the run's inputs, prepared by the function price_quota itself prices through
        self.pricing: PricingInputs = pricing_inputs(
            credits,
            pricing,
            plans=chain.plans,
            services=chain.services if "services" in price.provenance.inputs else None,
            services_price_factor=options.get("services_price_factor"),
            comparables=comparables,
            fund_card=fund,
            valuation_date=options.get("valuation_date"),
        )
        self.has_services = self.pricing.services is not None
        self.all_valued = bool((self.value_position >= 0).all())
        run = price.table.reindex(self.pricing.parcel_ids)
        central = price_draws(self.pricing)
        same_costs = all(
            np.array_equal(getattr(central, name)[0], run[name].to_numpy(dtype=float))
            for name in ("works", "compensation", "om_pv")
        )
        if not same_costs:
            raise WetvalError(
                "the restoration plans given are not those the price was computed with (works, "
                "compensation or O&M differ from the price table): pass the run's plans"
            )
        variation, pricing_note = _variation(pricing, "pricing", self.pricing)
        if pricing_note:
            self.notes.append(pricing_note)
        self.parameters += _card_parameters(
            pricing, "pricing", variation.entering, variation.held, variation.held_because
        )
        self.pricing_key = {name: f"{pricing.id}.{name}" for name in variation.entering}
        self.parameters += _card_parameters(
            comparables, "pricing", {}, "the market approach uses the comparables as recorded"
        )
        self.parameters += _card_parameters(
            fund,
            "pricing",
            {},
            "the cost approach is grossed up with the run's township and centre shares",
        )
        self.parameters += _card_parameters(
            credits.card,
            "quota",
            {},
            "the quota credits (area, type, time-lag and risk factors) are the run's; only "
            "the quality factor follows condition",
        )
        if chain.condition is not None:
            self.parameters += _card_parameters(
                chain.condition_card_used,
                "condition",
                {},
                "condition varies only through indicator measurement error "
                "(monte_carlo(..., indicator_error=...)), re-scored with the card as it is",
            )

    # ------------------------------------------------------------- valuation
    def _valuation_model(self, card: Card, valued: ParcelTable) -> tuple[Multiplier, Multiplier]:
        """Per-draw multipliers of the service values (draws × services, draws × parcels).

        The valuation method says how its values vary (its uncertainty hook); the
        chain only turns the hook's factors, keyed by parameter name on the card,
        into factors of the chain's parameter keys.
        """
        variation, valuation_note = _variation(card, "valuation", valued)
        prefix = f"{card.id}."
        self.parameters += [
            UncertainParameter(
                key=prefix + added.name,
                card=card.id,
                name=added.name,
                stage="valuation",
                central=added.central,
                distribution=added.distribution,
                unit=added.unit,
                enters=True,
                note=added.note,
                verified=added.verified,
            )
            for added in variation.added
        ]
        self.parameters += _card_parameters(
            card, "valuation", variation.entering, variation.held, variation.held_because
        )
        if valuation_note:
            self.notes.append(valuation_note)
        return _keyed(variation.service_factor, prefix), _keyed(variation.parcel_factor, prefix)

    # ------------------------------------------------------------ evaluation
    def values(
        self, draws: Mapping[str, np.ndarray], n: int, factor: np.ndarray | None
    ) -> np.ndarray:
        """Annual service value per valued parcel [CNY/yr], draws × parcels."""
        multiplier = self._service_multiplier(draws, n)
        cf = self.cf_central[None, :] if factor is None else factor
        if multiplier is None:
            total = self.sum_unadjusted[None, :] + cf * self.sum_adjusted[None, :]
        elif multiplier.shape[1] == 1:
            total = multiplier * self.sum_unadjusted[None, :] + cf * (
                multiplier * self.sum_adjusted[None, :]
            )
        else:
            # element-wise, service by service: a BLAS product would round differently with
            # the chunk's shape, and the result must not depend on the chunk size
            unadjusted = np.zeros((n, self.base.shape[0]))
            adjusted = np.zeros((n, self.base.shape[0]))
            for s in range(self.base.shape[1]):
                target = adjusted if self.adjusted[s] else unadjusted
                target += multiplier[:, s, None] * self.base[None, :, s]
            total = unadjusted + cf * adjusted
        parcel = self._parcel_multiplier(draws, n)
        if parcel is not None:
            total = total * parcel
        return np.broadcast_to(total, (n, len(self.value_ids)))

    def prices(
        self,
        draws: Mapping[str, np.ndarray],
        n: int,
        values: np.ndarray,
        quality: np.ndarray | None,
        units: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        """Per-parcel price components, draws × priced parcels [CNY] (the pricing kernel)."""
        parameters = {name: draws[key] for name, key in self.pricing_key.items() if key in draws}
        services = None
        if self.has_services:
            if self.all_valued:
                services = np.ascontiguousarray(values[:, self.value_position])
            else:
                present = self.value_position >= 0
                taken = np.ascontiguousarray(values[:, np.where(present, self.value_position, 0)])
                services = np.where(present, taken, np.nan)
        priced = price_draws(
            self.pricing, parameters, draws=n, services=services, quality=quality, units=units
        )
        return {
            "recommended": priced.recommended,
            "cost": priced.cost,
            "market": priced.market,
            "value": priced.value,
            "units": priced.units,
        }

    def totals(
        self,
        draws: Mapping[str, np.ndarray],
        n: int,
        factor: np.ndarray | None = None,
        quality: np.ndarray | None = None,
        units: np.ndarray | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Project outputs (each of length n), per-parcel prices and per-parcel values."""
        values = self.values(draws, n, factor)
        parts = self.prices(draws, n, values, quality, units)
        total = parts["recommended"].sum(axis=1)
        unit_total = parts["units"].sum(axis=1)
        outputs = {
            "total_price": total,
            "price_per_mu": total / self.area_mu.sum(),
            "price_per_unit": total / unit_total,
            "total_value": values.sum(axis=1),
            "cost": parts["cost"].sum(axis=1),
            "market": parts["market"].sum(axis=1),
            "value": parts["value"].sum(axis=1),
            "units": unit_total,
        }
        return outputs, parts["recommended"], values


@dataclass(frozen=True)
class PriceChain:
    """The deterministic results of one run, bundled for uncertainty and sensitivity analysis.

    Parameters
    ----------
    parcels
        The parcel table the run started from (valuation, quota and condition
        may each have used a subset of it; each subset is checked against
        the hash its result recorded).
    services
        The service values the value approach of the price used
        (:class:`~wetval.valuation.ServiceValues`).
    credits
        The quota credits priced (:class:`~wetval.quota.QuotaCredits`, or the
        :class:`~wetval.quota.QuotaAccounts` holding them).
    price
        The quota price of the run (:class:`~wetval.pricing.QuotaPrice`).
    condition
        The condition result of the run, needed only for indicator
        measurement error (``monte_carlo(..., indicator_error=...)``).
    indicators
        The indicator table condition was scored from (and that valuation
        used, for methods that read indicators).
    valuation_card, pricing_card, condition_card, comparables, fund_card
        The cards used, when they are not the installed card of the id and
        version the result records (e.g. a project override); checked
        against the content hash in each result's provenance. The
        condition card is read (and checked) whenever a condition result is
        given: its distributions are listed as held.
    plans
        The restoration plans given to :func:`~wetval.pricing.price_quota`.
    cards
        The bundle of cards the run was computed with (``assess`` passes its
        own): a card not given above is taken from it by the content hash its
        result recorded, so nothing is loaded again; without a bundle the
        installed card of the recorded id and version is loaded once, here.

    Raises
    ------
    wetval.errors.WetvalError
        If a result was not computed from the given inputs, or the plans are
        not the run's.
    wetval.errors.CardError
        If a card given is not the one a result recorded.
    """

    parcels: ParcelTable
    services: ServiceValues
    credits: QuotaCredits | QuotaAccounts
    price: QuotaPrice
    condition: ConditionResult | None = None
    indicators: IndicatorTable | None = None
    valuation_card: Card | str | None = None
    pricing_card: Card | str | None = None
    condition_card: Card | str | None = None
    comparables: Card | str | None = None
    fund_card: Card | str | None = None
    plans: tuple[RestorationPlan, ...] = ()
    cards: CardBundle | None = None
    _compiled: _Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plans", tuple(self.plans))
        price_inputs = self.price.provenance.inputs
        if price_inputs.get("credits") != frame_hash(self.quota_credits.table):
            raise WetvalError("the price was not computed from these quota credits")
        if "services" in price_inputs and price_inputs["services"] != frame_hash(
            self.services.by_parcel()
        ):
            raise WetvalError("the price's value approach did not use these service values")
        compiled = _Compiled(self)
        object.__setattr__(self, "_compiled", compiled)

    # ----------------------------------------------------------------- cards
    @property
    def quota_credits(self) -> QuotaCredits:
        """The credits priced."""
        return self.credits.credits if isinstance(self.credits, QuotaAccounts) else self.credits

    @property
    def valuation_card_used(self) -> Card:
        """The valuation card (checked against the service values' provenance)."""
        ref = self.services.provenance.cards[0]
        return _stored_card(ref, self.valuation_card, self.cards)

    @property
    def pricing_card_used(self) -> Card:
        """The pricing card (checked against the price's provenance)."""
        ref = self.price.provenance.cards[0]
        return _stored_card(ref, self.pricing_card, self.cards)

    @property
    def condition_card_used(self) -> Card:
        """The condition card (checked against the condition result's provenance)."""
        if self.condition is None:
            raise WetvalError("the chain has no condition result")
        ref = self.condition.provenance.cards[0]
        return _stored_card(ref, self.condition_card, self.cards)

    # ------------------------------------------------------------ parameters
    def parameters(self) -> pd.DataFrame:
        """Every parameter with a distribution on the cards the chain uses, and its range.

        The cards are the valuation card, the condition card (with a condition
        result), the quota card, the pricing card, the market comparables and
        the fund split card. A parameter the chain does not propagate has
        ``enters = False`` and a note "held at its central value: <why>".

        Returns
        -------
        pandas.DataFrame
            Indexed by key: ``card``, ``parameter``, ``stage``, ``distribution``,
            ``central``, ``low``, ``high`` (the 5th–95th percentile or the
            support, :func:`~wetval.uncertainty.distribution_bounds`), ``unit``,
            ``verified``, ``enters``, ``note``.
        """
        rows = []
        for p in self._compiled.parameters:
            low, high = distribution_bounds(p.distribution, p.central)
            rows.append(
                {
                    "key": p.key,
                    "card": p.card,
                    "parameter": p.name,
                    "stage": p.stage,
                    "distribution": _describe(p.distribution),
                    "central": p.central,
                    "low": low,
                    "high": high,
                    "unit": p.unit,
                    "verified": p.verified,
                    "enters": p.enters,
                    "note": str(p.note),
                }
            )
        columns = ["key", "card", "parameter", "stage", "distribution", "central", "low", "high"]
        columns += ["unit", "verified", "enters", "note"]
        return pd.DataFrame(rows, columns=columns).set_index("key")

    @property
    def uncertain(self) -> tuple[UncertainParameter, ...]:
        """Every uncertain parameter of the chain's cards, entering or held (:meth:`parameters`)."""
        return tuple(self._compiled.parameters)

    def entering(self, keys: Sequence[str] | None = None) -> list[UncertainParameter]:
        """The parameters the chain propagates (all, or those of ``keys``, in that order).

        Raises
        ------
        wetval.errors.WetvalError
            If a key is unknown or names a held parameter (lists the entering ones).
        """
        entering = [p for p in self._compiled.parameters if p.enters]
        if keys is None:
            return entering
        known = {p.key: p for p in entering}
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise WetvalError(
                f"unknown or non-entering parameters {unknown}; the chain propagates: "
                f"{sorted(known)}"
            )
        return [known[k] for k in keys]

    @property
    def notes(self) -> tuple[str | Message, ...]:
        """What the evaluator holds fixed, in words."""
        return tuple(self._compiled.notes)

    # -------------------------------------------------------------- parcels
    @property
    def value_ids(self) -> pd.Index:
        """Parcels whose service values the chain evaluates (the columns of ``values``)."""
        return self._compiled.value_ids

    @property
    def priced_ids(self) -> pd.Index:
        """Parcels the chain prices (credit units > 0; the columns of per-parcel prices)."""
        return self._compiled.priced_ids

    @property
    def width(self) -> int:
        """The wider of the valued and priced parcel sets (at least 1), for chunk sizes."""
        return max(len(self._compiled.area_mu), len(self._compiled.value_ids), 1)

    @property
    def valued_parcels(self) -> ParcelTable:
        """The parcel table valuation was run on."""
        return self._compiled.valued_parcels

    @property
    def valuation_held(self) -> bool:
        """Whether the service values are held at the run (they are not ``reevaluable``)."""
        return self._compiled.valuation_held

    @property
    def condition_factor(self) -> np.ndarray:
        """The run's condition factor of each valued parcel [1]."""
        return self._compiled.cf_central

    def quality_factor(self, grades: np.ndarray, index: np.ndarray) -> np.ndarray:
        """The quota card's quality factor of priced parcels with these grades and indices [1]."""
        return self._compiled.rules.quality_factor(grades, index)

    def credit_units(self, quality: np.ndarray) -> np.ndarray:
        """Credit units of the priced parcels with these quality factors (others of the run)."""
        c = self._compiled
        return c.rules.credit_units(c.area_mu, quality, c.type_factor, c.time_lag, c.risk)

    def totals(
        self,
        draws: Mapping[str, np.ndarray],
        n: int,
        factor: np.ndarray | None = None,
        quality: np.ndarray | None = None,
        units: np.ndarray | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Every output for one chunk of draws, with per-parcel prices and values.

        Parameters
        ----------
        draws
            Parameter key → n values (entering parameters only; others central).
        n
            Number of draws in the chunk.
        factor
            Condition factor per draw × valued parcel [1] (``None``: the run's).
        quality, units
            Quality factors [1] and credit units per draw × priced parcel
            (``None``: the run's).

        Returns
        -------
        tuple
            Outputs (:data:`OUTPUTS` → n values), prices (n × priced parcels
            [CNY]) and service values (n × valued parcels [CNY/yr]).
        """
        return self._compiled.totals(draws, n, factor, quality, units)

    # ------------------------------------------------------------ evaluation
    def evaluate(
        self, draws: Mapping[str, np.ndarray], *, output: str = "total_price"
    ) -> np.ndarray:
        """One output of the chain for arrays of parameter values (others at their central value).

        Parameters
        ----------
        draws
            Parameter key → values (all the same length N).
        output
            A key of :data:`OUTPUTS`.

        Returns
        -------
        numpy.ndarray
            N values [unit of the output].
        """
        if output not in OUTPUTS:
            raise WetvalError(f"unknown output {output!r}; choose one of {list(OUTPUTS)}")
        self.entering(list(draws))
        lengths = {len(np.asarray(v)) for v in draws.values()}
        if len(lengths) > 1:
            raise WetvalError("give the same number of values for every parameter")
        n = lengths.pop() if lengths else 1
        out = np.empty(n)
        step = max(1, 2_000_000 // self.width)
        for start in range(0, n, step):
            chunk = {k: np.asarray(v, dtype=float)[start : start + step] for k, v in draws.items()}
            size = min(step, n - start)
            out[start : start + size] = self._compiled.totals(chunk, size)[0][output]
        return out

    def model(
        self, output: str = "total_price", parameters: Sequence[str] | None = None
    ) -> Callable[[np.ndarray], np.ndarray]:
        """The chain as a vectorised model for :mod:`wetval.uncertainty.sensitivity`.

        Parameters
        ----------
        output
            A key of :data:`OUTPUTS`.
        parameters
            Parameter keys, in column order (default: every entering parameter).

        Returns
        -------
        callable
            Maps an (N, k) array to N values of ``output``.
        """
        keys = [p.key for p in self.entering(parameters)]

        def run(x: np.ndarray) -> np.ndarray:
            x = np.atleast_2d(np.asarray(x, dtype=float))
            return self.evaluate({k: x[:, i] for i, k in enumerate(keys)}, output=output)

        return run

    def bounds(
        self, parameters: Sequence[str] | None = None, coverage: float = 0.90
    ) -> dict[str, tuple[float, float]]:
        """(low, high) of each entering parameter: its support, or its central ``coverage``."""
        return {
            p.key: distribution_bounds(p.distribution, p.central, coverage)
            for p in self.entering(parameters)
        }

    def tornado(
        self,
        output: str = "total_price",
        *,
        parameters: Sequence[str] | None = None,
        coverage: float = 0.90,
    ) -> TornadoResult:
        """One-at-a-time swings of an output over each parameter's range (tornado data).

        Each parameter goes from the low to the high end of its range
        (:meth:`bounds`) with the others at their central values.
        """
        from wetval.uncertainty.sensitivity import one_at_a_time

        chosen = self.entering(parameters)
        ranges = self.bounds([p.key for p in chosen], coverage)
        table = {
            p.key: (
                min(ranges[p.key][0], p.central),
                p.central,
                max(ranges[p.key][1], p.central),
            )
            for p in chosen
        }
        return one_at_a_time(
            self.model(output, list(table)), table, output_label=f"{output} [{OUTPUTS[output]}]"
        )

    def sobol(
        self,
        output: str = "total_price",
        *,
        n: int,
        seed: int | np.random.Generator,
        parameters: Sequence[str] | None = None,
        coverage: float = 0.90,
    ) -> SobolResult:
        """Sobol first-order and total indices of an output over the parameters' ranges.

        Parameters vary uniformly over their ranges (:meth:`bounds`), not by
        their distributions: the indices apportion the output's variance over
        those ranges (Saltelli sampling through SALib; ``wetval[sensitivity]``).
        """
        from wetval.uncertainty.sensitivity import sobol

        ranges = self._varying(parameters, coverage)
        return sobol(self.model(output, list(ranges)), ranges, n=n, seed=seed)

    def morris(
        self,
        output: str = "total_price",
        *,
        trajectories: int,
        seed: int | np.random.Generator,
        parameters: Sequence[str] | None = None,
        coverage: float = 0.90,
    ) -> MorrisResult:
        """Morris elementary-effects screening of an output over the parameters' ranges."""
        from wetval.uncertainty.sensitivity import morris

        ranges = self._varying(parameters, coverage)
        return morris(
            self.model(output, list(ranges)), ranges, trajectories=trajectories, seed=seed
        )

    def _varying(
        self, parameters: Sequence[str] | None, coverage: float
    ) -> dict[str, tuple[float, float]]:
        ranges = self.bounds(parameters, coverage)
        return {k: v for k, v in ranges.items() if v[0] < v[1]}


def _describe(distribution: Distribution) -> str:
    fields = distribution.model_dump(exclude={"kind"})
    if "samples" in fields:
        return f"empirical ({len(fields['samples'])} samples)"
    return f"{distribution.kind}(" + ", ".join(f"{k}={v:g}" for k, v in fields.items()) + ")"


def stream(root: np.random.SeedSequence, *words: str | int) -> np.random.Generator:
    """An independent generator for a named stream of a seed (stable across runs and versions).

    The stream's key is a hash of its words, so adding a parameter or a
    stream never shifts the numbers of another.
    """
    digest = hashlib.sha256("\x1f".join(map(str, words)).encode()).digest()
    key = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(child))
