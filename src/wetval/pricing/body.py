"""Typed card bodies read by quota pricing: the pricing card, comparables and species lists.

Each model is validated when a card of its method or kind loads (see
:class:`wetval.cards.CardBody`), so a misspelt option, a value of the wrong
type or a parameter outside its valid range is a load error naming the card
file and the key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool

from wetval.cards import (
    CARD_REFERENCE,
    BodyOptions,
    BodyParameters,
    BodyTables,
    CardBody,
    Parameter,
    Row,
    TypedTable,
    within,
)

__all__ = [
    "CardId",
    "MarketComparablesBody",
    "QuotaPriceBody",
    "SpeciesListBody",
]

#: The id of another card: a declared reference, resolved into the bundle before pricing.
CardId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*(@\d+(\.\d+)*)?$"), CARD_REFERENCE]

_Positive = Annotated[float, Field(gt=0, strict=True)]
_Money = Annotated[Parameter, within(ge=0)]


# ------------------------------------------------------------------- pricing
class QuotaPriceOptions(BodyOptions):
    """Options of a ``quota-price`` card.

    Attributes
    ----------
    gross_up
        ``"annex2"``: the price covers the fund shares of compensation and O&M;
        ``"all_costs"``: every cost is divided by 1 − township − centre share.
    value_horizon
        ``"perpetuity"`` or the number of years [yr] the service value is
        capitalised over.
    quality_adjust_value
        Multiply service values by the quality factor.
    floor
        ``"cost"``: the recommended price is not below the cost approach;
        ``"none"``: no floor.
    cap_per_m2
        ``"none"`` or a cap on the price per area [CNY/m2].
    fund_card, comparables_card, species_card
        Ids of the fund-split, market-comparables and species-list cards.
    """

    gross_up: Literal["annex2", "all_costs"] = "annex2"
    value_horizon: Literal["perpetuity"] | _Positive = "perpetuity"
    quality_adjust_value: StrictBool = True
    floor: Literal["cost", "none"] = "cost"
    cap_per_m2: Literal["none"] | _Positive = "none"
    fund_card: CardId
    comparables_card: CardId
    species_card: CardId


class ApproachWeight(Row):
    """Weight [1] of one pricing approach in the reconciliation."""

    approach: Literal["cost", "market", "value"]
    weight: float = Field(ge=0)


class FeeFloorMultiplier(Row):
    """Multiplier [1] of the restoration-fee floor for one type of occupied wetland."""

    wetland_type: str
    multiplier: float = Field(ge=1)
    meaning: str


class QuotaPriceTables(BodyTables):
    """Tables of a ``quota-price`` card."""

    weights: TypedTable[ApproachWeight]
    fee_floor_multiplier: TypedTable[FeeFloorMultiplier]


class QuotaPriceParameters(BodyParameters):
    """Parameters of a ``quota-price`` card (units as in the card)."""

    restoration_cost_per_mu: _Money
    compensation_per_mu: _Money
    om_per_mu_year: _Money
    om_years: Annotated[Parameter, within(ge=0)]
    discount_rate: Annotated[Parameter, within(gt=0, lt=1)]
    restoration_fee_floor: _Money
    penalty_low: _Money
    penalty_high: _Money
    penalty_low_national: _Money
    penalty_high_national: _Money
    jiangxi_trade_anchor: Annotated[Parameter, within(gt=0)]
    far_from_trades: Annotated[Parameter, within(gt=0)]


class QuotaPriceBody(CardBody):
    """Body of a ``quota-price`` pricing card."""

    options: QuotaPriceOptions
    tables: QuotaPriceTables
    parameters: QuotaPriceParameters


# ------------------------------------------------------- market comparables
class Trade(Row):
    """One recorded quota trade."""

    trade: str
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    area_mu: float = Field(gt=0)
    amount_yuan: float = Field(gt=0)
    price_per_mu: float = Field(gt=0)
    kind: str
    scope: str
    units_per_mu: float = Field(gt=0)
    weight: float = Field(ge=0)
    source: str
    caveat: str = ""


class LocationFactor(Row):
    """Price factor [1] for trades of one geographic scope."""

    scope: str
    factor: float = Field(gt=0)


class MarketComparablesTables(BodyTables):
    """Tables of a ``market-comparables`` card."""

    trades: TypedTable[Trade]
    location: TypedTable[LocationFactor]


class MarketComparablesParameters(BodyParameters):
    """Parameters of a ``market-comparables`` card."""

    annual_drift: Annotated[Parameter, within(gt=-1, lt=1)]


class MarketComparablesBody(CardBody):
    """Body of a ``market-comparables`` card."""

    tables: MarketComparablesTables
    parameters: MarketComparablesParameters


# --------------------------------------------------------------- species list
class Species(Row):
    """One plant species of a regional list."""

    scientific_name: str
    name_zh: str = ""
    synonyms: str = ""
    status: Literal["native", "non_native", "invasive", "unknown"]
    life_form: str = ""
    source: str | None = None
    verified: StrictBool = False


class SpeciesListTables(BodyTables):
    """Tables of a ``species-list`` card."""

    species: TypedTable[Species]


class SpeciesListBody(CardBody):
    """Body of a ``species-list`` card."""

    tables: SpeciesListTables
