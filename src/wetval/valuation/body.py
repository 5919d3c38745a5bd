"""Typed card bodies of the valuation methods (unit values, benefit transfer, replacement cost).

Each model is validated when a card of its method loads (see
:class:`wetval.cards.CardBody`), so a misspelt option, a value of the wrong
type or a parameter outside its valid range is a load error naming the card
file and the key. The bodies validate; they never rewrite the card.

The options every valuation card shares (``crosswalk``, ``ecosystem_map``,
``conversion``, ``condition``, ``price_index``) are declared once in
:class:`ValuationOptions`. Tables whose columns depend on the card (one column
per ecosystem type or per service) are kept as written; the tables with fixed
columns that the code reads (``condition_curve``, ``condition_grades``,
``standard_equivalent_crops``, ``study_values``, ``coefficients``) are typed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

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
    "CrosswalkBody",
    "GepReplacementCostBody",
    "IncomeElasticityBody",
    "SeriesBody",
    "TransferErrorBody",
    "UnitValueTableBody",
    "UnitValueTransferBody",
    "ValueFunctionTransferBody",
    "XieEquivalentBody",
]

#: A number in an option (an integer is a number; a string is not).
_Number = Annotated[float, Field(strict=True)]
_Year = Annotated[int, Field(strict=True, ge=1900, le=2200)]  # as Card.price_year
_Price = Annotated[Parameter, within(gt=0)]


# ------------------------------------------------------------ shared options
class Conversion(BodyOptions):
    """``options.conversion``: how the money becomes CNY (:func:`wetval.units.money_conversion`)."""

    rate: Literal["ppp", "market"] = "ppp"
    order: Literal["deflate-first", "convert-first"] = "deflate-first"
    indices: Annotated[dict[str, str], CARD_REFERENCE] = Field(default_factory=dict)
    rates: Annotated[dict[str, dict[str, Any]] | None, CARD_REFERENCE] = None
    target_price_year: _Year | None = None


class ConditionRule(BodyOptions):
    """``options.condition``: how the condition result adjusts service values."""

    basis: Literal["index", "grade", "none"] = "none"
    services: tuple[str, ...] | None = None
    missing: Literal["unadjusted", "error"] = "unadjusted"


class ValuationOptions(BodyOptions):
    """Options shared by the valuation cards.

    Attributes
    ----------
    crosswalk
        Land-class scheme (``sandiao``, ``yongdi_yonghai``, as
        :class:`wetval.landclass.Scheme`) → crosswalk card id or path; or one
        card for every scheme.
    ecosystem_map
        Crosswalk ecosystem → the card's ecosystem type.
    conversion
        Currency and price-year conversion.
    condition
        Condition adjustment rule.
    price_index
        Price-index card of a CNY card.
    """

    crosswalk: Annotated[
        dict[Literal["sandiao", "yongdi_yonghai"], str] | str | None, CARD_REFERENCE
    ] = None
    ecosystem_map: dict[str, str] = Field(default_factory=dict)
    conversion: Conversion = Field(default_factory=Conversion)
    condition: ConditionRule = Field(default_factory=ConditionRule)
    price_index: Annotated[str | None, CARD_REFERENCE] = None


class CurvePoint(Row):
    """A point of the piecewise-linear condition curve: factor [1] at an index [0–1]."""

    index: float = Field(ge=0, le=1)  # the condition index is on the 0–1 scale
    factor: float = Field(ge=0)


class GradeFactor(Row):
    """Condition factor [1] of one grade label."""

    grade: str
    factor: float = Field(ge=0)


class ValuationTables(BodyTables):
    """Tables of a valuation card: the typed condition tables, others as written."""

    model_config = ConfigDict(extra="allow", frozen=True)

    condition_curve: TypedTable[CurvePoint] | None = None
    condition_grades: TypedTable[GradeFactor] | None = None


class NoParameters(BodyParameters):
    """A card without parameters."""


# ------------------------------------------------------------ xie-equivalent
class XieEquivalentOptions(ValuationOptions):
    """Options of a ``xie-equivalent`` card.

    Attributes
    ----------
    table_version
        Which published equivalent table the card holds.
    D_basis
        How the standard equivalent D is obtained: ``"given"`` (parameter
        ``D``), ``"net-profit"`` (table ``standard_equivalent_crops``) or
        ``"one-seventh"`` (parameters ``grain_price`` × ``grain_yield`` ÷ 7).
    adjustment_factors
        Service group (``npp``, ``precipitation``, ``soil``) → scalar factor [1].
    npp_reference
        Reference NPP [g C/m2/yr] of the NPP factor, or none.
    """

    table_version: str = "unstated"
    D_basis: Literal["given", "net-profit", "one-seventh"] = "given"
    adjustment_factors: dict[
        Literal["npp", "precipitation", "soil"], Annotated[float, Field(ge=0)]
    ] = Field(default_factory=dict)
    npp_reference: Annotated[float, Field(strict=True, gt=0)] | None = None


class EquivalentCrop(Row):
    """Sown share [1] and net profit [CNY/ha] of one crop of the standard equivalent."""

    crop: str
    sown_share: float = Field(ge=0, le=1)
    net_profit: float


class XieEquivalentTables(ValuationTables):
    """Tables of a ``xie-equivalent`` card."""

    standard_equivalent_crops: TypedTable[EquivalentCrop] | None = None


class XieEquivalentParameters(BodyParameters):
    """Parameters of a ``xie-equivalent`` card."""

    # D: value of one standard equivalent [CNY/ha]; standard_equivalent_one_seventh
    # refuses a non-positive grain price or yield
    D: _Price | None = None
    grain_price: _Price | None = None
    grain_yield: _Price | None = None


class XieEquivalentBody(CardBody):
    """Body of a ``xie-equivalent`` card."""

    options: XieEquivalentOptions = Field(default_factory=XieEquivalentOptions)
    tables: XieEquivalentTables = Field(default_factory=XieEquivalentTables)
    parameters: XieEquivalentParameters = Field(default_factory=XieEquivalentParameters)


# ---------------------------------------------------------- unit-value-table
class UnitValueTableOptions(ValuationOptions):
    """Options of a ``unit-value-table`` card.

    Attributes
    ----------
    table
        The table of unit values (one column per ecosystem type).
    ecosystems
        The ecosystem-type columns of that table.
    """

    table: str = "unit_values"
    ecosystems: tuple[str, ...] = ()


class UnitValueTableBody(CardBody):
    """Body of a ``unit-value-table`` card."""

    options: UnitValueTableOptions = Field(default_factory=UnitValueTableOptions)
    tables: ValuationTables = Field(default_factory=ValuationTables)
    parameters: NoParameters = Field(default_factory=NoParameters)


# ------------------------------------------------------------ benefit transfer
class TransferOptions(ValuationOptions):
    """Options shared by the benefit-transfer cards.

    Attributes
    ----------
    ecosystems
        Ecosystem types the card values.
    notes
        Notes copied into the provenance.
    data_hash
        SHA-256 of the data a card fitted by :mod:`wetval.calibrate` was fitted to.
    """

    ecosystems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    data_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class UnitValueTransferOptions(TransferOptions):
    """Options of a ``unit-value-transfer`` card.

    Attributes
    ----------
    combine
        How study values of one ecosystem and service are combined.
    """

    combine: Literal["median", "weighted-mean"] = "median"


class StudyValue(Row):
    """One study value [currency/ha/yr at price_year] with its income and weight."""

    key: str
    ecosystem: str
    service: str
    value: float = Field(ge=0)
    currency: str
    price_year: Annotated[int, Field(ge=1900, le=2200)]
    # "" or none: the study gives no income and is not income-adjusted
    study_income: Annotated[float, Field(gt=0)] | Literal[""] | None = None
    weight: float = Field(default=1.0, ge=0)
    source: str | None = None


class UnitValueTransferTables(ValuationTables):
    """Tables of a ``unit-value-transfer`` card."""

    study_values: TypedTable[StudyValue]


class UnitValueTransferParameters(BodyParameters):
    """Parameters of a ``unit-value-transfer`` card."""

    # income elasticity of WTP: positive in the transfer literature (0.2–1.2 in the
    # card's source); a negative one would make richer sites value less
    elasticity: Annotated[Parameter, within(ge=0)]
    # (policy / study income) ** elasticity: incomes must be positive
    policy_income: Annotated[Parameter, within(gt=0)] | None = None


class UnitValueTransferBody(CardBody):
    """Body of a ``unit-value-transfer`` card."""

    options: UnitValueTransferOptions = Field(default_factory=UnitValueTransferOptions)
    tables: UnitValueTransferTables
    parameters: UnitValueTransferParameters


class ValueFunctionOptions(TransferOptions):
    """Options of a ``value-function-transfer`` card.

    Attributes
    ----------
    inputs
        Site characteristic → value used where the parcel table has no column.
    conformance_inputs
        The inputs of the conformance check.
    """

    inputs: dict[str, _Number] = Field(default_factory=dict)
    conformance_inputs: dict[str, _Number] = Field(default_factory=dict)


class Coefficient(Row):
    """One coefficient of the meta-regression value function."""

    variable: str
    coefficient: float
    se: float | None = Field(default=None, ge=0)
    transform: str
    input: str
    unit: str = ""
    description: str = ""


class ValueFunctionTables(ValuationTables):
    """Tables of a ``value-function-transfer`` card."""

    coefficients: TypedTable[Coefficient]


class ValueFunctionTransferBody(CardBody):
    """Body of a ``value-function-transfer`` card."""

    options: ValueFunctionOptions = Field(default_factory=ValueFunctionOptions)
    tables: ValueFunctionTables
    parameters: NoParameters = Field(default_factory=NoParameters)


# ------------------------------------------------------------ replacement cost
class GepOptions(ValuationOptions):
    """Options of a ``gep-replacement-cost`` card.

    Attributes
    ----------
    services
        Services to compute (see ``wetval.valuation.replacement_cost.SERVICE_QUANTITIES``).
    missing
        ``"zero"``: a quantity that cannot be obtained is 0; ``"error"``: refused.
    nep_ratio
        NEP / NPP ratio [1] applied to measured NPP.
    carbon_price_basis
        Whether ``price_carbon`` is per t CO2 or per t C.
    price_years
        Parameter → price year of a price of another year than the card's.
    removal_rates
        Pollutant (``cod``, ``nh3n``, ``tp``) → removal rate [t/ha/yr].
    """

    services: tuple[str, ...] | None = None
    missing: Literal["zero", "error"] = "zero"
    # a share of NPP: NEP cannot exceed NPP (NEP = NPP − heterotrophic respiration)
    nep_ratio: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0
    carbon_price_basis: Literal["t CO2", "t C"] = "t CO2"
    price_years: dict[str, _Year] = Field(default_factory=dict)
    removal_rates: dict[Literal["cod", "nh3n", "tp"], Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict
    )


class GepParameters(BodyParameters):
    """Prices [CNY per unit] and physical constants of a ``gep-replacement-cost`` card."""

    price_water_storage: _Price | None = None
    price_cod: _Price | None = None
    price_nh3n: _Price | None = None
    price_tp: _Price | None = None
    price_carbon: _Price | None = None
    price_oxygen: _Price | None = None
    price_electricity: _Price | None = None
    price_recreation: _Price | None = None
    # energy efficiency ratio of an air conditioner: cooling out per electricity in (> 0)
    ac_eer: Annotated[Parameter, within(gt=0)]
    # latent heat of vaporisation of water, 2.45 MJ/kg at 20 °C (FAO-56 eq. 3-1)
    latent_heat: Annotated[Parameter, within(gt=0)]


class GepReplacementCostBody(CardBody):
    """Body of a ``gep-replacement-cost`` card."""

    options: GepOptions = Field(default_factory=GepOptions)
    tables: ValuationTables = Field(default_factory=ValuationTables)
    parameters: GepParameters


# ------------------------------------------------------------ data cards
class CrosswalkOptions(BodyOptions):
    """Options of a ``crosswalk`` card.

    Attributes
    ----------
    scheme
        The land-class scheme of the table (:class:`wetval.landclass.Scheme`).
    ecosystems
        The ecosystem types the table maps to.
    default_ecosystem
        Ecosystem of a land class the table does not list (none: an error).
    default_note
        Why unlisted classes get the default.
    """

    scheme: Literal["sandiao", "yongdi_yonghai"]
    ecosystems: tuple[str, ...]
    default_ecosystem: str | None = None
    default_note: str = ""


class CrosswalkRow(Row):
    """The ecosystem of one land class, and how sure the mapping is."""

    land_class: str
    ecosystem: str
    confidence: Literal["high", "medium", "low"]
    source: str | None = None
    note: str = ""


class CrosswalkTables(BodyTables):
    """Tables of a ``crosswalk`` card."""

    crosswalk: TypedTable[CrosswalkRow]


class CrosswalkBody(CardBody):
    """Body of a ``crosswalk`` card: every ecosystem is one of ``options.ecosystems``."""

    options: CrosswalkOptions
    tables: CrosswalkTables

    @model_validator(mode="after")
    def _known_ecosystems(self) -> CrosswalkBody:
        known = set(self.options.ecosystems)
        used = {row.ecosystem for row in self.tables.crosswalk.rows}
        if self.options.default_ecosystem is not None:
            used.add(self.options.default_ecosystem)
        unknown = sorted(used - known)
        if unknown:
            raise ValueError(
                f"ecosystems {unknown} of tables.crosswalk or options.default_ecosystem are "
                "not in options.ecosystems"
            )
        return self


class SeriesOptions(BodyOptions):
    """Options of a ``price-index`` or ``exchange-rate`` card.

    Attributes
    ----------
    form
        ``"level"``: each value is the level; ``"chain"``: each value is the
        index with the previous year = 100 (consecutive years).
    base, unit
        What the values are (text for the reader).
    """

    form: Literal["level", "chain"] = "level"
    base: str = ""
    unit: str = ""


class SeriesPoint(Row):
    """The value of the series in one year: an index or a rate, positive."""

    year: Annotated[int, Field(strict=True, ge=1800, le=2200)]
    value: float = Field(gt=0)  # an index level, a chained ratio ×100 or a rate


class SeriesTables(BodyTables):
    """Tables of a series card."""

    series: TypedTable[SeriesPoint]


class SeriesBody(CardBody):
    """Body of a ``price-index`` or ``exchange-rate`` card."""

    options: SeriesOptions = Field(default_factory=SeriesOptions)
    tables: SeriesTables


class IncomeClass(Row):
    """An income class: lower GNI bound [US$/person/yr] and income elasticity [1]."""

    # "class" is a Python keyword: the field is named class_ and read as "class"
    class_: str = Field(alias="class")
    name_zh: str
    name_en: str
    gni_min: float = Field(ge=0)
    elasticity: float = Field(ge=0)  # as UnitValueTransferParameters.elasticity


class IncomeElasticityTables(BodyTables):
    """Tables of an ``income-elasticity`` card."""

    income_class: TypedTable[IncomeClass]


class IncomeElasticityBody(CardBody):
    """Body of an ``income-elasticity`` card."""

    tables: IncomeElasticityTables


class TransferErrorRow(Row):
    """A published benefit-transfer error statistic [%]."""

    study: str
    transfer: str
    statistic: str
    value: float = Field(ge=0)  # an absolute percentage error
    source: str | None = None


class TransferErrorTables(BodyTables):
    """Tables of a ``transfer-error`` card."""

    transfer_error: TypedTable[TransferErrorRow]


class TransferErrorBody(CardBody):
    """Body of a ``transfer-error`` card."""

    tables: TransferErrorTables
