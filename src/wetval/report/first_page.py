"""The report's first page from one source of truth: every figure derived from the Assessment.

:func:`first_page` reads the assessment's own tables (the balance per project,
the price per parcel, the proposed sale, the Monte Carlo summary, the tornado)
and returns a frozen :class:`FirstPage`: the numbers page 1 shows and the
warnings a panel must weigh, as :class:`~wetval.messages.Message` records
(string keys and values) the report renders in zh or en. The report shows
nothing on page 1 that is not a field of this object, and every field is
reproducible from a table later in the report (``docs/reading-the-report.md``
says how).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wetval.cards import Card, attached_bundle, recorded_card
from wetval.errors import CardError
from wetval.messages import Message, Term
from wetval.provenance import CardRef

if TYPE_CHECKING:
    from wetval.assess import Assessment

__all__ = ["FirstPage", "first_page"]

#: Relative tolerance below which two prices are "the same" (a zero swing, a one-sided range).
_SAME = 1e-9

#: Plan field that replaces each pricing-card default, and the card parameter it replaces.
_PLAN_DEFAULTS = {
    "works": ("quantities", "restoration_cost_per_mu"),
    "compensation": ("compensation", "compensation_per_mu"),
    "om": ("om_per_year", "om_per_mu_year"),
}


@dataclass(frozen=True)
class FirstPage:
    """The figures of page 1 and the warnings that matter, all derived from one assessment.

    Attributes
    ----------
    price_year, currency
        Price basis of every amount.
    price_per_unit, price_per_mu
        Recommended price of the credit pool [CNY/quota unit] and [CNY/亩 of credit area].
    recommended_total
        Sum of the per-parcel recommended prices of the pool [CNY].
    priced_parcels, priced_units, priced_area_mu
        Credit parcels priced, their quota units [quota unit] and area [亩].
    restoration_projects
        Restoration projects whose parcels form the pool.
    weights
        Reconciliation weights of the cost, market and value approaches.
    floored_parcels
        Parcels whose weighted mean lies below their cost approach, so the cost
        floor sets their recommended price.
    range_low, range_high
        Price range per quota unit [CNY/quota unit]: the pool's sum of each
        parcel's lowest and highest approach within floor and cap.
    units_required, units_delivered, units_surplus
        Quota units the occupation needs, the units its matched credits deliver
        and the difference [quota unit]; ``None`` without an occupation.
    pool_units, pool_units_after
        Credit units of the pool, and what is left after the occupation's debits [quota unit].
    balanced
        The balance verdict (area and quality).
    sale_amount
        Proposed sale [CNY]: Σ over matched credits of share × the parcel's recommended price.
    sale_credit_parcels, sale_debit_parcels
        Credit parcels used by the sale and occupied parcels they offset.
    sale_per_unit
        Sale amount per delivered unit [CNY/quota unit] (the used parcels' own prices).
    sale_at_pool_price
        Pool price × delivered units [CNY], the figure the sale differs from.
    mc_draws, mc_p5, mc_p50, mc_p95
        Monte Carlo draws and the P5, P50 and P95 of the price per quota unit
        [CNY/quota unit]; ``None`` without a Monte Carlo run.
    not_converged
        Monte Carlo outputs whose relative MCSE exceeds the tolerance.
    messages
        Warnings and notes for the panel, in order of weight.
    explanations
        Why each odd figure of the uncertainty section is what it is (a zero
        swing, a one-sided range, a deterministic value outside its Monte
        Carlo band), for that section.
    """

    price_year: int
    currency: str
    price_per_unit: float
    price_per_mu: float
    recommended_total: float
    priced_parcels: int
    priced_units: float
    priced_area_mu: float
    restoration_projects: tuple[str, ...]
    weights: tuple[tuple[str, float], ...]
    floored_parcels: int
    range_low: float
    range_high: float
    units_required: float | None
    units_delivered: float | None
    units_surplus: float | None
    pool_units: float
    pool_units_after: float
    balanced: bool
    sale_amount: float | None
    sale_credit_parcels: int
    sale_debit_parcels: int
    sale_per_unit: float | None
    sale_at_pool_price: float | None
    mc_draws: int | None
    mc_p5: float | None
    mc_p50: float | None
    mc_p95: float | None
    not_converged: tuple[str, ...]
    messages: tuple[Message, ...]
    explanations: tuple[Message, ...] = ()


def used_card(assessment: Assessment, ref: CardRef) -> Card | None:
    """The card an assessment used, or None when it is not to be had.

    From the bundle recorded on the assessment (:func:`wetval.cards.attached_bundle`:
    ``assess`` records the cards it computed with, overrides included); for an
    assessment read back from JSON, the installed card of the recorded id and
    version when it has the recorded content hash.
    """
    bundle = attached_bundle(assessment)
    found = None if bundle is None else bundle.by_hash(ref.hash)
    if found is not None:
        return found
    try:
        return recorded_card(ref)
    except (KeyError, CardError):
        return None


def _weighted(table: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """Per parcel, the weighted mean of the available approaches (before floor and cap) [CNY]."""
    approaches = table[list(weights.index)].to_numpy(dtype=float)
    w = np.broadcast_to(weights.to_numpy(dtype=float), approaches.shape)
    available = ~np.isnan(approaches)
    weighted: np.ndarray = np.nansum(approaches * w, axis=1) / np.where(available, w, 0.0).sum(
        axis=1
    )
    return weighted


def _default_messages(assessment: Assessment, pricing: Card | None) -> list[Message]:
    """Which restoration projects were costed at the pricing card's defaults, per cost item."""
    if pricing is None:
        return []
    plans = {str(plan["project_id"]): plan for plan in assessment.spec["data"].get("plans") or ()}
    projects = sorted({str(p) for p in assessment.price.to_frame()["project_id"]})
    messages = []
    for item, (plan_field, parameter) in _PLAN_DEFAULTS.items():
        defaulted = [p for p in projects if plans.get(p, {}).get(plan_field) is None]
        if defaulted:
            spec = pricing.parameters[parameter]
            messages.append(
                Message.of(
                    f"w_default_{item}",
                    projects=tuple(defaulted),
                    value=float(spec.value),
                    verified=spec.verified,
                )
            )
    return messages


def _sensitivity_messages(
    assessment: Assessment, cards: dict[str, Card | None], explanations: list[Message]
) -> list[Message]:
    """Zero swings, one-sided ranges and unverified parameters that move the price.

    Appends to ``explanations`` why each zero swing and one-sided range is what it is.
    """
    tornado = assessment.sensitivity
    if tornado is None:
        return []
    swings = tornado.to_frame()
    base = float(tornado.base_output)
    scale = max(abs(base), 1.0)
    messages = []
    unverified = []
    for parameter, row in swings.iterrows():
        name = str(parameter)
        term = Term(f"param_{name.rsplit('.', 1)[-1]}", name)
        low_same = abs(float(row["output_low"]) - base) <= _SAME * scale
        high_same = abs(float(row["output_high"]) - base) <= _SAME * scale
        if float(row["swing"]) <= _SAME * scale:
            messages.append(
                Message.of(
                    "w_zero_swing", parameter=term, low=float(row["low"]), high=float(row["high"])
                )
            )
            explanations.append(Message.of("x_zero_swing", "note", parameter=term))
            continue
        if low_same or high_same:
            end = Term("end_low" if low_same else "end_high", "low" if low_same else "high")
            messages.append(Message.of("w_one_sided", parameter=term, end=end))
            explanations.append(
                Message.of(
                    "x_one_sided",
                    "note",
                    parameter=term,
                    end=end,
                    value=float(row["low"] if low_same else row["high"]),
                    low=float(row["low"]),
                    high=float(row["high"]),
                )
            )
        card_id, _, key = name.rpartition(".")
        card = cards.get(card_id)
        if card is not None and key in card.parameters and not card.parameters[key].verified:
            unverified.append(term)
    if unverified:
        messages.append(Message.of("w_unverified_weight", parameters=tuple(unverified)))
    return messages


def _monte_carlo_messages(
    assessment: Assessment, explanations: list[Message], one_sided: tuple[Term, ...]
) -> list[Message]:
    """Deterministic values outside their own P5–P95 band, non-converged outputs.

    Appends to ``explanations`` why a deterministic value lies outside its band:
    the parameters whose range ends at the value the run used (``one_sided``)
    are drawn on one side of it only.
    """
    result = assessment.uncertainty
    if result is None:
        return []
    frame = result.to_frame()
    outputs = [str(o) for o in frame.index]
    low = np.array([result.percentile(o, 5) for o in outputs])
    high = np.array([result.percentile(o, 95) for o in outputs])
    spread = frame["sd"].to_numpy(dtype=float) > 0
    deterministic = frame["deterministic"].to_numpy(dtype=float)
    outside = spread & ((deterministic < low) | (deterministic > high))
    messages = [
        Message.of(
            "w_outside_band",
            output=Term(f"out_{output}", str(output)),
            value=float(row["deterministic"]),
            low=float(band_low),
            high=float(band_high),
            unit=Term(f"unit_{row['unit']}", str(row["unit"])),
        )
        for (output, row), out, band_low, band_high in zip(
            frame.iterrows(), outside, low, high, strict=True
        )
        if out
    ]
    explanations += [
        Message.of(
            "x_outside_band" if one_sided else "x_outside_band_skew",
            "note",
            output=message.mapping()["output"],
            parameters=one_sided,
        )
        for message in messages
    ]
    not_converged = [
        Term(f"out_{output}", str(output)) for output in frame.index[~frame["converged"]]
    ]
    if not_converged:
        messages.append(
            Message.of(
                "w_not_converged",
                outputs=tuple(not_converged),
                draws=int(result.n_draws),
            )
        )
    if "price_per_unit" in frame.index:
        value = float(frame["deterministic"]["price_per_unit"])
        median = result.percentile("price_per_unit", 50)
        if value < median:
            messages.append(Message.of("n_below_median", "note", value=value, median=median))
    return messages


def first_page(assessment: Assessment) -> FirstPage:
    """The page-1 figures and warnings of an assessment, each derived from its tables.

    Parameters
    ----------
    assessment
        The assessment.

    Returns
    -------
    FirstPage
    """
    price = assessment.price
    table = price.to_frame()
    weights = price.weights.astype(float)
    weighted = _weighted(table, weights)
    floored = int((weighted < table["cost"].to_numpy(dtype=float)).sum())
    projects = assessment.balance.projects
    sale = assessment.sale
    balances = assessment.balance.balances
    has_sale = not sale.empty
    units_required = float(projects["units_required"].sum()) if has_sale else None
    units_delivered = float(sale["units_delivered"].sum()) if has_sale else None
    sale_amount = float(sale["amount"].sum()) if has_sale else None
    cards = {ref.id: used_card(assessment, ref) for ref in assessment.provenance.cards}
    messages: list[Message] = _default_messages(assessment, cards.get(price.provenance.cards[0].id))
    explanations: list[Message] = []
    messages += _sensitivity_messages(assessment, cards, explanations)
    one_sided = tuple(m.mapping()["parameter"] for m in explanations if m.key == "x_one_sided")
    mc: dict[str, Any] = {"mc_draws": None, "mc_p5": None, "mc_p50": None, "mc_p95": None}
    not_converged: tuple[str, ...] = ()
    if assessment.uncertainty is not None:
        summary = assessment.uncertainty.to_frame()
        mc = {
            "mc_draws": int(assessment.uncertainty.n_draws),
            "mc_p5": assessment.uncertainty.percentile("price_per_unit", 5),
            "mc_p50": assessment.uncertainty.percentile("price_per_unit", 50),
            "mc_p95": assessment.uncertainty.percentile("price_per_unit", 95),
        }
        not_converged = tuple(str(o) for o in summary.index[~summary["converged"]])
    messages += _monte_carlo_messages(assessment, explanations, one_sided)  # type: ignore[arg-type]
    if not assessment.balance.balanced:
        messages.insert(0, Message.of("w_not_balanced"))
    return FirstPage(
        price_year=int(price.price_year),
        currency=str(price.currency),
        price_per_unit=float(price.per_unit),
        price_per_mu=float(price.per_mu),
        recommended_total=float(price.total),
        priced_parcels=len(table),
        priced_units=float(price.units),
        priced_area_mu=float(price.area_mu),
        restoration_projects=tuple(sorted({str(p) for p in table["project_id"]})),
        weights=tuple((str(k), float(v)) for k, v in weights.items()),
        floored_parcels=floored,
        range_low=price.range_per_unit[0],
        range_high=price.range_per_unit[1],
        units_required=units_required,
        units_delivered=units_delivered,
        units_surplus=None
        if units_required is None or units_delivered is None
        else units_delivered - units_required,
        pool_units=float(balances["credits"]["units"]),
        pool_units_after=float(balances["balance"]["units"]),
        balanced=bool(assessment.balance.balanced),
        sale_amount=sale_amount,
        sale_credit_parcels=int(sale["credit_parcel"].nunique()) if has_sale else 0,
        sale_debit_parcels=int(sale["debit_parcel"].nunique()) if has_sale else 0,
        sale_per_unit=None
        if sale_amount is None or not units_delivered
        else sale_amount / units_delivered,
        sale_at_pool_price=None
        if units_delivered is None
        else float(price.per_unit) * units_delivered,
        not_converged=not_converged,
        messages=tuple(messages),
        explanations=tuple(explanations),
        **mc,
    )
