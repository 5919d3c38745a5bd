"""Unit-value methods: Xie 2015 equivalent factors and per-type unit-value tables.

``xie-equivalent``
    value = equivalent [equivalents/ha/yr] × D [CNY/ha per equivalent] ×
    area [ha] × spatial adjustment × condition factor, per service
    (谢高地 et al. 2015, 自然资源学报 30(8): 1243–1254). D is a card parameter
    with its basis, or computed from crop statistics by
    :func:`standard_equivalent_net_profit` or :func:`standard_equivalent_one_seventh`.
``unit-value-table``
    value = unit value [card currency/ha/yr at the card's price year] ×
    area [ha] × condition factor, converted to CNY at the requested price
    year (de Groot et al. 2012; Costanza et al. 2014).

See ``docs/valuation-unit-values.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.errors import CardError, ProblemCollector
from wetval.messages import Message, Term
from wetval.plugins import Method
from wetval.tables import IndicatorTable, ParcelTable
from wetval.units import M2_PER_HA
from wetval.valuation._common import (
    ConditionLike,
    ServiceValues,
    apply_condition,
    card_conversion,
    card_services,
    conversion_notes,
    ecosystem_rows,
    make_result,
    parcel_ecosystems,
    require_indicators,
    valuation_method,
)
from wetval.valuation.body import UnitValueTableBody, XieEquivalentBody
from wetval.variation import DrawFactor, Variation

__all__ = [
    "UNIT_VALUE_TABLE",
    "XIE_EQUIVALENT",
    "standard_equivalent_net_profit",
    "standard_equivalent_one_seventh",
    "unit_value_table",
    "xie_equivalent",
]

#: Spatial adjustment groups of Xie et al. 2015 and the per-parcel column of each.
ADJUSTMENT_COLUMNS = {"npp": "adjust_npp", "precipitation": "adjust_precipitation",
                      "soil": "adjust_soil"}  # fmt: skip


def standard_equivalent_net_profit(
    sown_share: Sequence[float] | np.ndarray, net_profit: Sequence[float] | np.ndarray
) -> float:
    """Value of one standard equivalent by the net-profit method [CNY/ha].

    D = Σᵢ Sᵢ · Fᵢ, with Sᵢ the share of crop i in the sown area of the crops
    considered (Xie et al. 2015 used rice, wheat and maize) and Fᵢ its net
    profit per hectare [CNY/ha].

    Parameters
    ----------
    sown_share
        Sown-area shares; must sum to 1 (±0.001).
    net_profit
        Net profit per hectare of each crop [CNY/ha], same order.

    Returns
    -------
    float
        D [CNY/ha].
    """
    shares = np.asarray(sown_share, dtype=float)
    profits = np.asarray(net_profit, dtype=float)
    if shares.shape != profits.shape or shares.ndim != 1 or not len(shares):
        raise ValueError("sown_share and net_profit need one value per crop, same length")
    if np.any(shares < 0) or abs(shares.sum() - 1.0) > 1e-3:
        raise ValueError(f"sown-area shares must be >= 0 and sum to 1, got {shares.sum():.4f}")
    return float(shares @ profits)


def standard_equivalent_one_seventh(grain_price: float, grain_yield: float) -> float:
    """Value of one standard equivalent by the 1/7 rule [CNY/ha].

    D = (1/7) × grain price [CNY/kg] × grain yield [kg/ha]: an unmanaged
    ecosystem is taken to supply one seventh of the food value of farmland
    (谢高地 et al. 2003/2008 tables; still widely used).

    Examples
    --------
    China 1990–2015 mean, 4600.89 kg/ha at 2.28 CNY/kg (see the card sources):

    >>> round(standard_equivalent_one_seventh(2.28, 4600.89), 2)
    1498.58
    """
    if grain_price <= 0 or grain_yield <= 0:
        raise ValueError("grain price and yield must be positive")
    return grain_price * grain_yield / 7.0


def _standard_equivalent(card: Card) -> tuple[float, Message]:
    basis = card.option("D_basis", "given")
    if basis == "given":
        value = float(card.param("D"))
        return value, Message.of("n_d_given", "note", d=value)
    if basis == "net-profit":
        crops = card.table("standard_equivalent_crops")
        value = standard_equivalent_net_profit(
            crops["sown_share"].to_numpy(dtype=float), crops["net_profit"].to_numpy(dtype=float)
        )
        crop_ids = tuple(str(c) for c in crops.index)
        return value, Message.of("n_d_net_profit", "note", crops=crop_ids, d=value)
    if basis == "one-seventh":
        price, grain = float(card.param("grain_price")), float(card.param("grain_yield"))
        value = standard_equivalent_one_seventh(price, grain)
        return value, Message.of("n_d_one_seventh", "note", price=price, grain=grain, d=value)
    raise CardError(
        card.id, [("options.D_basis", f"{basis!r}: use 'given', 'net-profit' or 'one-seventh'")]
    )


def _service_columns(card: Card, table: pd.DataFrame, services: pd.Index, name: str) -> None:
    missing = [s for s in services if s not in table.columns]
    if missing:
        raise CardError(
            card.id,
            [(f"tables.{name}", f"has no column for service {s!r}") for s in missing],
        )


def _group(group: str) -> Term:
    """An adjustment group (``npp``, ``precipitation``, ``soil``) as a term of the report."""
    return Term(f"adjustment_group_{group}", group)


def _spatial_adjustment(
    parcels: ParcelTable,
    card: Card,
    indicators: IndicatorTable | None,
    groups: pd.Series,
) -> tuple[dict[str, np.ndarray | float], list[str | Message]]:
    """Adjustment factor per Xie group: scalar from the card, per-parcel from columns.

    A parcel column ``adjust_npp`` / ``adjust_precipitation`` / ``adjust_soil``
    overrides the card's scalar where it has a value; with
    ``options.npp_reference`` [g C/m²/yr] the NPP factor is the ``npp``
    indicator divided by that reference.
    """
    scalars = dict(card.option("adjustment_factors", {}) or {})
    factors: dict[str, np.ndarray | float] = {}
    notes: list[str | Message] = []
    problems = ProblemCollector(parcels.ids, parcels.ids)
    for group in sorted({str(g) for g in groups if isinstance(g, str) and g}):
        factor: np.ndarray | float = float(scalars.get(group, 1.0))
        if group == "npp" and card.option("npp_reference") is not None:
            npp = require_indicators(indicators, ["npp"], parcels, "the NPP adjustment")["npp"]
            reference = float(card.option("npp_reference"))
            factor = np.where(np.isnan(npp), factor, npp / reference)
            notes.append(Message.of("n_npp_factor", "note", reference=reference))
        column = ADJUSTMENT_COLUMNS.get(group)
        if column and parcels.has(column):
            given = pd.to_numeric(pd.Series(parcels.column(column)), errors="coerce").to_numpy()
            problems.add_rows(
                given < 0, column=column, values=given, reason="negative adjustment factor",
                fix="adjustment factors are ratios to the national mean (>= 0)",
            )  # fmt: skip
            factor = np.where(np.isnan(given), factor, given)
            notes.append(
                Message.of("n_adjustment_column", "note", group=_group(group), column=column)
            )
        elif not isinstance(factor, np.ndarray) and factor != 1.0:
            notes.append(
                Message.of("n_adjustment_card", "note", group=_group(group), factor=factor)
            )
        factors[group] = factor
    problems.raise_if_any("valuation input", parcels.source)
    return factors, notes


def xie_equivalent(
    parcels: ParcelTable,
    card: Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Service values by the Xie et al. (2015) equivalent-factor method [CNY/yr].

    value = equivalent × D × area [ha] × spatial factor × condition factor,
    per parcel and service, converted from the card's price year to
    ``price_year`` with the card's CNY price index.

    Parameters
    ----------
    parcels
        Parcel table; the ecosystem comes from the card's crosswalk or an
        ``ecosystem`` column (Xie row keys).
    card
        A ``xie-equivalent`` card: tables ``equivalents`` (rows per ecosystem,
        one column per service) and ``services``; D (``options.D_basis``).
    condition
        Optional condition table or result (see ``docs/valuation.md``).
    indicators
        Needed only with ``options.npp_reference`` (``npp`` indicator).
    price_year
        Price year of the output (default: the card's).

    Returns
    -------
    ServiceValues
    """
    services = card_services(card)
    table = card.table("equivalents")
    _service_columns(card, table, services.index, "equivalents")
    d_value, d_note = _standard_equivalent(card)
    ecosystems, notes = parcel_ecosystems(parcels, card, [str(k) for k in table.index])
    values = ecosystem_rows(ecosystems, table[list(services.index)])
    conversion = card_conversion(card, price_year)
    scale = parcels.area("m2") * (d_value * conversion.factor / M2_PER_HA)
    values *= scale[:, None]
    factors, adjustment_notes = _spatial_adjustment(
        parcels, card, indicators, services.get("adjustment", pd.Series(dtype=object))
    )
    for group, factor in factors.items():
        if isinstance(factor, np.ndarray) or factor != 1.0:
            columns = np.flatnonzero(services["adjustment"].to_numpy() == group)
            values[:, columns] *= np.asarray(factor, dtype=float).reshape(-1, 1)
    cond, out_services, condition_notes = apply_condition(
        condition, parcels, card, services, values
    )
    used = [str(e) for e in ecosystems.categories if e != "none"]
    unverified_rows = []
    if "verified" in table.columns:
        unverified_rows = [e for e in used if not bool(table.loc[e, "verified"])]
    table_version = card.option("table_version", "unstated")
    return make_result(
        parcels=parcels,
        card=card,
        method="xie-equivalent",
        kind="unit-value",
        values=values,
        services=out_services,
        ecosystems=ecosystems,
        condition_factor=cond,
        price_year=conversion.to_year,
        conversion=conversion.as_dict(),
        notes=[
            Message.of(
                "n_equivalent_table", "note", version=str(table_version), year=card.price_year or 0
            ),
            d_note,
            *notes,
            *adjustment_notes,
            *condition_notes,
            *conversion_notes(conversion),
            *(
                [Message.of("n_unverified_equivalents", "note", rows=tuple(unverified_rows))]
                if unverified_rows
                else []
            ),
        ],
        inputs={"indicators": indicators.hash} if indicators is not None else {},
        options={"D": d_value, "table_version": table_version},
    )


def unit_value_table(
    parcels: ParcelTable,
    card: Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Service values from a per-type unit-value table [CNY/yr].

    value = unit value [card currency/ha/yr] × area [ha] × condition factor,
    converted to CNY at ``price_year`` (``options.conversion``: rate and
    order; default PPP, deflate first).

    Parameters
    ----------
    parcels
        Parcel table; types from the crosswalk mapped by
        ``options.ecosystem_map`` (e.g. ``wetland`` → ``inland_wetlands``) or
        an ``ecosystem`` column holding the card's types.
    card
        A ``unit-value-table`` card: table ``unit_values`` with one row per
        service (``name_zh``, ``name_en``, ``group``, ``concept``) and one
        column per ecosystem type listed in ``options.ecosystems``.
    condition
        Optional condition table or result.
    indicators
        Not used (accepted for the common call convention).
    price_year
        Price year of the output (default ``options.conversion.target_price_year``
        or the card's).

    Returns
    -------
    ServiceValues
    """
    name = str(card.option("table", "unit_values"))
    table = card.table(name)
    types = [str(t) for t in card.option("ecosystems", [])]
    missing = [t for t in types if t not in table.columns]
    if not types or missing:
        raise CardError(
            card.id,
            [("options.ecosystems", f"must list columns of tables.{name}; missing {missing}")],
        )
    services = table[["name_zh", "name_en", "group", "concept"]]
    per_type = table[types].T.astype(float)
    ecosystems, notes = parcel_ecosystems(parcels, card, types)
    values = ecosystem_rows(ecosystems, per_type)
    conversion = card_conversion(card, price_year)
    values *= (parcels.area("m2") * (conversion.factor / M2_PER_HA))[:, None]
    cond, services, condition_notes = apply_condition(condition, parcels, card, services, values)
    return make_result(
        parcels=parcels,
        card=card,
        method="unit-value-table",
        kind="unit-value",
        values=values,
        services=services,
        ecosystems=ecosystems,
        condition_factor=cond,
        price_year=conversion.to_year,
        conversion=conversion.as_dict(),
        notes=[
            Message.of(
                "n_unit_value_table",
                "note",
                currency=str(card.currency),
                year=card.price_year or 0,
                table=str(name),
            ),
            *notes,
            *condition_notes,
            *conversion_notes(conversion),
        ],
        inputs={"indicators": indicators.hash} if indicators is not None else {},
        options={"rate": conversion.rate, "order": conversion.order},
    )


def xie_equivalent_variation(card: Card, parcels: ParcelTable) -> Variation:
    """The uncertainty hook of ``xie-equivalent``: D (or what D is computed from) scales all values.

    With ``D_basis = "given"`` a draw of D multiplies every service value by
    D_d / D; with ``"one-seventh"`` D = grain price × grain yield ÷ 7, so the
    factor is the ratio of the products. D from net profit is not re-derived
    per draw: the values are the run's.

    Parameters
    ----------
    card
        The ``unit-value`` card of the method.
    parcels
        The parcels valued (not needed: the factor is the same for all).

    Returns
    -------
    Variation
    """
    basis = card.option("D_basis", "given")
    if basis == "given":
        central = float(card.param("D"))

        def given(draws: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
            return None if "D" not in draws else (draws["D"] / central)[:, None]

        return Variation(
            entering={"D": "scales every service value (D_d / D)"},
            held="the chain propagates only D of a xie-equivalent card with D given",
            service_factor=given,
        )
    if basis == "one-seventh":
        names = ("grain_price", "grain_yield")
        centrals = tuple(float(card.param(name)) for name in names)
        note = "D = grain price × grain yield ÷ 7 scales every service value"

        def seventh(draws: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
            if not any(name in draws for name in names):
                return None
            price, grain = (
                draws.get(k, np.full(n, c)) for k, c in zip(names, centrals, strict=True)
            )
            ratio: np.ndarray = (price * grain) / (centrals[0] * centrals[1])
            return ratio[:, None]

        factor: DrawFactor = seventh
        return Variation(
            entering=dict.fromkeys(names, note),
            held="the chain propagates only the grain price and yield of a xie-equivalent "
            "card with D = grain price × yield ÷ 7",
            service_factor=factor,
        )
    return unit_value_table_variation(card, parcels)


def unit_value_table_variation(card: Card, parcels: ParcelTable) -> Variation:
    """The uncertainty hook of ``unit-value-table``: unit values are held at the run.

    Parameters
    ----------
    card
        The ``unit-value`` card.
    parcels
        The parcels valued.

    Returns
    -------
    Variation
        Nothing enters; the card's uncertain parameters are listed as held.
    """
    return Variation(
        held=f"the Monte Carlo evaluator does not re-evaluate {card.method} cards (service "
        "values of the run)"
    )


XIE_EQUIVALENT = Method(
    body=XieEquivalentBody,
    name="xie-equivalent",
    kind="unit-value",
    function=valuation_method(xie_equivalent),
    uncertainty=xie_equivalent_variation,
    summary="Xie et al. 2015 equivalent factors × D × area (谢高地当量因子法)",
    card_kinds=("unit-value",),
)

UNIT_VALUE_TABLE = Method(
    body=UnitValueTableBody,
    name="unit-value-table",
    kind="unit-value",
    function=valuation_method(unit_value_table),
    uncertainty=unit_value_table_variation,
    summary="per-type unit values × area (de Groot 2012, Costanza 2014), converted to CNY",
    card_kinds=("unit-value",),
)
