"""Replacement cost / shadow engineering: GEP-style physical quantities × unit prices.

Each service has a physical quantity per parcel computed from parcel columns
and indicators, times a unit price from the card (converted from the price's
own year to the requested one with the card's CNY price index):

=======================  =====================================================  ==============
service                  quantity per parcel                                    price
=======================  =====================================================  ==============
``water_storage``        ``storage_m3`` = area [m²] × ``water_depth`` [m]       CNY/m³
                         (or the parcel column ``storage_m3``)                  (reservoir)
``water_purification``   ``cod_t``, ``nh3n_t``, ``tp_t`` removed [t/yr]:        CNY/t each
                         parcel columns ``cod_removed_t`` …, or
                         ``options.removal_rates`` [t/ha/yr] × area
``carbon_sequestration`` ``carbon_t`` = ``npp`` [g C/m²/yr] × area × 10⁻⁶       CNY/t CO₂
                         × ``options.nep_ratio`` (or the measured parcel        (or per t C)
                         column ``carbon_sequestered_t`` [t C/yr]);
                         priced as CO₂ (× 44/12)
``oxygen_release``       ``oxygen_t`` = 1.2 × dry matter, dry matter =          CNY/t O₂
                         NPP carbon × 44/12 ÷ 1.63 (or the measured parcel
                         column ``oxygen_released_t`` [t O₂/yr])
``climate_regulation``   ``cooling_kwh`` = ``evapotranspiration`` [mm/yr] ÷     CNY/kWh
                         1000 × area × 1000 kg/m³ × λ ÷ 3.6 ÷ EER
                         (or the parcel column ``cooling_kwh``)
``recreation``           ``visits`` [visits/yr], parcel column                  CNY/visit
=======================  =====================================================  ==============

See ``docs/valuation-replacement-cost.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.errors import CardError, Problem, ProblemCollector, ValidationError
from wetval.indicators import CATALOGUE
from wetval.messages import Bilingual, Message, Term
from wetval.plugins import Method
from wetval.tables import IndicatorTable, ParcelTable
from wetval.units import M2_PER_HA
from wetval.valuation._common import (
    ConditionLike,
    ServiceValues,
    aligned_indicator,
    apply_condition,
    card_conversion,
    card_services,
    conversion_notes,
    indicator_positions,
    make_result,
    valuation_method,
)
from wetval.valuation.body import GepReplacementCostBody

__all__ = ["GEP_REPLACEMENT_COST", "SERVICE_QUANTITIES", "gep_replacement_cost"]

#: kg CO₂ fixed per kg plant dry matter (photosynthesis equation).
CO2_PER_DRY_MATTER = 1.63
#: kg O₂ released per kg plant dry matter (photosynthesis equation).
O2_PER_DRY_MATTER = 1.2
#: t CO₂ per t C (molar masses 44/12).
CO2_PER_C = 44.0 / 12.0
#: MJ per kWh.
MJ_PER_KWH = 3.6
#: Density of water [kg/m³].
WATER_DENSITY = 1000.0


@dataclass(frozen=True)
class _Inputs:
    parcels: ParcelTable
    card: Card
    indicators: IndicatorTable | None
    area_m2: np.ndarray
    positions: np.ndarray | None

    def column(self, name: str) -> np.ndarray | None:
        if not self.parcels.has(name):
            return None
        return pd.to_numeric(pd.Series(self.parcels.column(name)), errors="coerce").to_numpy(
            dtype=float
        )

    def indicator(self, name: str) -> np.ndarray:
        assert self.indicators is not None
        return aligned_indicator(self.indicators, name, self.positions)


@dataclass(frozen=True)
class _Quantity:
    """A physical quantity: unit, price parameter, what it needs, how it is computed."""

    unit: str
    price: str
    indicators: tuple[str, ...]
    column: str | None
    compute: Callable[[_Inputs], np.ndarray]


def _storage(inputs: _Inputs) -> np.ndarray:
    storage: np.ndarray = inputs.area_m2 * inputs.indicator("water_depth")
    return storage


def _carbon(inputs: _Inputs) -> np.ndarray:
    ratio = float(inputs.card.option("nep_ratio", 1.0))
    carbon: np.ndarray = inputs.indicator("npp") * inputs.area_m2 * (1e-6 * ratio)
    return carbon


def _oxygen(inputs: _Inputs) -> np.ndarray:
    dry_matter = _carbon(inputs) * CO2_PER_C / CO2_PER_DRY_MATTER
    return O2_PER_DRY_MATTER * dry_matter


def _cooling(inputs: _Inputs) -> np.ndarray:
    card = inputs.card
    latent_heat = float(card.param("latent_heat"))
    eer = float(card.param("ac_eer"))
    water_kg = inputs.indicator("evapotranspiration") / 1000.0 * inputs.area_m2 * WATER_DENSITY
    cooling: np.ndarray = water_kg * (latent_heat / MJ_PER_KWH / eer)
    return cooling


def _removal(pollutant: str) -> Callable[[_Inputs], np.ndarray]:
    def compute(inputs: _Inputs) -> np.ndarray:
        rates = dict(inputs.card.option("removal_rates", {}) or {})
        return inputs.area_m2 / M2_PER_HA * float(rates[pollutant])

    return compute


def _no_formula(inputs: _Inputs) -> np.ndarray:
    return np.full(len(inputs.area_m2), np.nan)


#: Service → quantity name → how the quantity is obtained.
SERVICE_QUANTITIES: dict[str, dict[str, _Quantity]] = {
    "water_storage": {
        "storage_m3": _Quantity("m3", "price_water_storage", ("water_depth",), "storage_m3",
                                _storage),
    },
    "water_purification": {
        "cod_t": _Quantity("t/yr", "price_cod", (), "cod_removed_t", _removal("cod")),
        "nh3n_t": _Quantity("t/yr", "price_nh3n", (), "nh3n_removed_t", _removal("nh3n")),
        "tp_t": _Quantity("t/yr", "price_tp", (), "tp_removed_t", _removal("tp")),
    },
    "carbon_sequestration": {
        "carbon_t": _Quantity("t C/yr", "price_carbon", ("npp",), "carbon_sequestered_t",
                              _carbon),
    },
    "oxygen_release": {
        "oxygen_t": _Quantity("t O2/yr", "price_oxygen", ("npp",), "oxygen_released_t",
                              _oxygen),
    },
    "climate_regulation": {
        "cooling_kwh": _Quantity("kWh/yr", "price_electricity", ("evapotranspiration",),
                                 "cooling_kwh", _cooling),
    },
    "recreation": {
        "visits": _Quantity("visits/yr", "price_recreation", (), "visits", _no_formula),
    },
}  # fmt: skip


def _needs(inputs: _Inputs, services: list[str]) -> tuple[list[Problem], dict[str, str]]:
    """Problems for every missing indicator/column, and where each quantity comes from."""
    problems: list[Problem] = []
    origin: dict[str, str] = {}
    have = set(inputs.indicators.indicator_ids) if inputs.indicators is not None else set()
    rates = dict(inputs.card.option("removal_rates", {}) or {})
    for service in services:
        for name, quantity in SERVICE_QUANTITIES[service].items():
            if quantity.column and inputs.parcels.has(quantity.column):
                origin[name] = f"parcel column {quantity.column}"
                if not set(quantity.indicators) - have and quantity.compute is not _no_formula:
                    origin[name] += " (formula where the column is empty)"
                continue
            if quantity.compute is _no_formula:
                problems.append(Problem(
                    reason=f"{service} needs the parcel column {quantity.column!r} "
                    f"[{quantity.unit}]", column=quantity.column,
                    fix=f"add {quantity.column!r} to the parcel table or drop {service!r} from "
                    "options.services",
                ))  # fmt: skip
                continue
            if service == "water_purification" and name.removesuffix("_t") not in rates:
                problems.append(Problem(
                    reason=f"{service} needs the parcel column {quantity.column!r} [t/yr] or "
                    f"options.removal_rates.{name.removesuffix('_t')} [t/ha/yr]",
                    column=quantity.column,
                    fix="measure the removed load per parcel, or set project removal rates "
                    "with wetval.valuation.override(card, options={'removal_rates': {...}})",
                ))  # fmt: skip
                continue
            missing = [i for i in quantity.indicators if i not in have]
            for indicator in missing:
                state = "does not have" if inputs.indicators is not None else "was not given"
                alternative = f", or add the parcel column {quantity.column!r}"
                problems.append(Problem(
                    reason=f"{service} needs the indicator {indicator!r}, which the indicator "
                    f"table {state}",
                    column=indicator,
                    fix=f"pass indicators= with {indicator!r}"
                    + (alternative if quantity.column else ""),
                ))  # fmt: skip
            origin[name] = (
                f"removal rate {rates.get(name.removesuffix('_t'))} t/ha/yr × area"
                if service == "water_purification"
                else f"indicators {', '.join(quantity.indicators)}"
            )
    return problems, origin


def _origin_messages(services: list[str], origin: dict[str, str]) -> tuple[Message, ...]:
    """Where each quantity comes from, as messages (indicators by their names)."""
    found = []
    for service in services:
        for name, quantity in SERVICE_QUANTITIES[service].items():
            if name not in origin:
                continue
            term = Term(f"q_{name}", name)
            if origin[name].startswith("indicators"):
                indicators = tuple(
                    Bilingual(CATALOGUE[i].name_zh, CATALOGUE[i].name_en) if i in CATALOGUE else i
                    for i in quantity.indicators
                )
                found.append(
                    Message.of("n_origin_indicators", "note", quantity=term, indicators=indicators)
                )
            else:
                found.append(Message.of("n_origin", "note", quantity=term, origin=origin[name]))
    return tuple(found)


def gep_replacement_cost(
    parcels: ParcelTable,
    card: Card,
    *,
    condition: ConditionLike | None = None,
    indicators: IndicatorTable | None = None,
    price_year: int | None = None,
) -> ServiceValues:
    """Service values as physical quantity × unit price (GEP accounting) [CNY/yr].

    Parameters
    ----------
    parcels
        Parcel table; optional measured quantity columns (``storage_m3``
        [m³/yr], ``cod_removed_t``, ``nh3n_removed_t``, ``tp_removed_t`` [t/yr],
        ``carbon_sequestered_t`` [t C/yr], ``oxygen_released_t`` [t O₂/yr],
        ``cooling_kwh`` [kWh/yr], ``visits`` [visits/yr]) take precedence over
        the formulas, which fill only their empty cells.
    card
        A ``gep-replacement-cost`` card: prices ``price_*`` [CNY per unit] at
        the card's price year (``options.price_years`` for prices of another
        year), ``options.services`` to compute, ``options.missing``
        (``"zero"`` or ``"error"``) for parcels lacking an indicator value.
    condition
        Optional; physical quantities already reflect condition, so the
        shipped card applies no condition adjustment.
    indicators
        Indicator table with what the services need (``water_depth`` [m],
        ``npp`` [g C/m²/yr], ``evapotranspiration`` [mm/yr]).
    price_year
        Price year of the output (default: the card's).

    Returns
    -------
    ServiceValues
        With ``quantities`` (per parcel) and ``quantity_units``.
    """
    catalogue = card_services(card)
    wanted = [str(s) for s in card.option("services", list(catalogue.index))]
    unknown = [s for s in wanted if s not in SERVICE_QUANTITIES or s not in catalogue.index]
    if unknown:
        raise CardError(
            card.id,
            [
                (
                    "options.services",
                    f"unknown services {unknown}; known: {list(SERVICE_QUANTITIES)}",
                )
            ],
        )
    # the body refused any other spelling when the card loaded
    options = GepReplacementCostBody.of(card).options
    missing_policy, basis = options.missing, options.carbon_price_basis
    price_names = [q.price for s in wanted for q in SERVICE_QUANTITIES[s].values()]
    missing_prices = [p for p in price_names if p not in card.parameters]
    if missing_prices:
        raise CardError(card.id, [(f"parameters.{p}", "missing: the service needs this price")
                                  for p in missing_prices])  # fmt: skip
    positions = indicator_positions(indicators, parcels) if indicators is not None else None
    inputs = _Inputs(parcels, card, indicators, parcels.area("m2"), positions)
    found, origin = _needs(inputs, wanted)
    if found:
        raise ValidationError(found, what="valuation input", source=parcels.source)
    problems = ProblemCollector(parcels.ids, parcels.ids)
    price_years = {str(k): int(v) for k, v in (card.option("price_years", {}) or {}).items()}
    quantities: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    values = np.zeros((len(parcels), len(wanted)))
    notes: list[str | Message] = []
    conversions: dict[str, object] = {}
    target_year = None
    available = set(inputs.indicators.indicator_ids) if inputs.indicators is not None else set()
    rates = dict(card.option("removal_rates", {}) or {})
    for j, service in enumerate(wanted):
        for name, quantity in SERVICE_QUANTITIES[service].items():
            amount = np.full(len(parcels), np.nan)
            if quantity.column and parcels.has(quantity.column):
                amount = inputs.column(quantity.column)  # type: ignore[assignment]
            gaps = np.isnan(amount)
            computable = (
                quantity.compute is not _no_formula
                and set(quantity.indicators) <= available
                and (service != "water_purification" or name.removesuffix("_t") in rates)
            )
            if gaps.any() and computable:
                amount = np.where(gaps, quantity.compute(inputs), amount)
            gaps = np.isnan(amount)
            problems.add_rows(
                gaps & (missing_policy == "error"), column=name, values=amount,
                reason=f"no value for {name} ({origin.get(name, '')})",
                fix="fill in the indicator or column, or use options.missing = 'zero'",
            )  # fmt: skip
            if gaps.any() and missing_policy != "error":
                share = inputs.area_m2[gaps].sum() / inputs.area_m2.sum()
                notes.append(
                    Message.of(
                        "n_quantity_missing",
                        "note",
                        parcels=int(gaps.sum()),
                        share=share,
                        quantity=Term(f"q_{name}", name),
                        service=Term(f"svc_{service}", service),
                    )
                )
            amount = np.where(gaps, 0.0, amount)
            quantities[name] = amount
            units[name] = quantity.unit
            conversion = card_conversion(
                card, price_year, from_year=price_years.get(quantity.price)
            )
            target_year = conversion.to_year
            conversions[quantity.price] = conversion.as_dict()
            notes += conversion_notes(conversion)
            price = float(card.param(quantity.price)) * conversion.factor
            priced = amount * CO2_PER_C if name == "carbon_t" and basis == "t CO2" else amount
            values[:, j] += priced * price
    problems.raise_if_any("valuation input", parcels.source)
    cond, services, condition_notes = apply_condition(
        condition, parcels, card, catalogue.loc[wanted], values
    )
    services["quantities"] = [", ".join(SERVICE_QUANTITIES[s]) for s in wanted]
    if basis == "t CO2":
        notes.append(Message.of("n_carbon_co2", "note"))
    uses_npp = any(
        "npp" in origin.get(name, "") or "formula" in origin.get(name, "")
        for name in ("carbon_t", "oxygen_t")
    )
    if float(card.option("nep_ratio", 1.0)) == 1.0 and uses_npp:
        notes.append(Message.of("n_npp_upper_bound", "note"))
    notes.append(
        Message.of("n_quantities_from", "note", quantities=_origin_messages(wanted, origin))
    )
    return make_result(
        parcels=parcels,
        card=card,
        method="gep-replacement-cost",
        kind="replacement-cost",
        values=values,
        services=services,
        ecosystems=pd.Categorical.from_codes(
            np.zeros(len(parcels), dtype=np.int8), categories=pd.Index(["not used"])
        ),
        condition_factor=cond,
        price_year=int(target_year if target_year is not None else card.price_year or 0),
        conversion=conversions,
        notes=[*notes, *condition_notes],
        inputs={"indicators": indicators.hash} if indicators is not None else {},
        options={"services": wanted, "missing": missing_policy, "carbon_price_basis": basis},
        quantities=pd.DataFrame(quantities, index=parcels.ids),
        quantity_units=units,
    )


GEP_REPLACEMENT_COST = Method(
    body=GepReplacementCostBody,
    name="gep-replacement-cost",
    kind="replacement-cost",
    function=valuation_method(gep_replacement_cost),
    summary="GEP physical quantities (storage, removal, carbon, O2, cooling, visits) × prices",
    card_kinds=("replacement-cost",),
)
