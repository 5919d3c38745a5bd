"""Typed card bodies of the quota methods and the quota-finance card.

Each model is validated when a card of its method or kind loads (see
:class:`wetval.cards.CardBody`), so a misspelt option, a value of the wrong
type or a parameter outside its valid range is a load error naming the card
file and the key. The bodies validate; they never rewrite the card (its hash
is the hash of the card as written).

Ranges follow what the method's code accepts and what the quantity means;
where a bound comes from a publication it is cited next to it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from wetval.cards import (
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
    "HeaBody",
    "JinxianQuotaBody",
    "QuotaFinanceBody",
    "UkMetricBody",
    "UmamBody",
]

#: A number in an option (an integer is a number; a string is not).
_Number = Annotated[float, Field(strict=True)]
_Share = Annotated[float, Field(ge=0, le=1)]


# ------------------------------------------------------------- jinxian-quota
class JinxianQuotaOptions(BodyOptions):
    """Options of a ``jinxian-quota`` card.

    Attributes
    ----------
    area_unit
        Area of one quota unit: ``"mu"`` (亩), ``"ha"`` or ``"m2"``
        (the units of :data:`wetval.units.AREA_UNITS`).
    quality_basis
        ``"grade"``: the quality factor of the parcel's grade
        (``tables.quality_factors``); ``"index"``: the condition index itself.
    default_years_to_target
        Years [yr] to target for a parcel that gives none (≥ 0, as the
        ``years_to_target`` column).
    default_risk_class
        Risk class of a parcel that gives none; a row of ``tables.risk_factors``.
    like_for_like_levels
        Wetland levels whose occupations need credits of the same type group.
    allow_cross_county
        Whether credits of another county may offset an occupation.
    quality_preference
        ``"closest"``: among equally located credits the one whose grade is
        closest to the occupation's first; ``"best"``: the best grade first.
    unit_decimals
        Decimals quota units are rounded to.
    """

    area_unit: Literal["mu", "ha", "m2"] = "mu"
    quality_basis: Literal["grade", "index"] = "grade"
    default_years_to_target: Annotated[float, Field(strict=True, ge=0)] = 3.0
    default_risk_class: str = "medium"
    like_for_like_levels: tuple[Literal["national", "provincial", "general"], ...] = (
        "national",
        "provincial",
    )
    allow_cross_county: StrictBool = True
    quality_preference: Literal["closest", "best"] = "closest"
    unit_decimals: Annotated[int, Field(strict=True, ge=0)] = 4


class QualityFactor(Row):
    """Quality factor [1] and rank (higher = better) of one condition grade."""

    grade: str
    rank: Annotated[int, Field(strict=True)]
    # a multiplier on area: 0 would make the grade worthless, > 1 is allowed
    # (the card's factors are assumptions, DB36/T 2134 publishes none)
    factor: float = Field(gt=0)
    source: str | None = None


class LandClass(Row):
    """Type group and type factor [1] of one legal-wetland land class."""

    land_class: str
    type_group: str
    type_factor: float = Field(gt=0)
    source: str | None = None


class TimeLag(Row):
    """Time-lag divisor T [1] up to ``years_max`` [yr]."""

    years_max: float = Field(gt=0)
    # a divisor ≥ 1: a later target never earns more (Fla. Admin. Code R. 62-345.600 Table 1)
    t_factor: float = Field(ge=1)
    verified: StrictBool = False


class RiskFactor(Row):
    """Restoration-risk divisor [1] of one risk class."""

    risk_class: str
    # a divisor ≥ 1: risk never adds units (UMAM risk scale 1–3, R. 62-345.600(3))
    factor: float = Field(ge=1)


class LocationFactor(Row):
    """Multiplier [1] on units delivered, by where the credit lies, and the order of use."""

    location: str
    # UK spatial risk multiplier 1 / 0.75 / 0.5: distance never adds units
    factor: float = Field(gt=0, le=1)
    preference: Annotated[int, Field(strict=True, ge=1)]


class LevelFactor(Row):
    """Multiplier [1] on debit units of one wetland level."""

    wetland_level: Literal["national", "provincial", "general"]
    factor: float = Field(gt=0)


class ProjectType(Row):
    """A project type and whether it may occupy national important wetland (WPL Art. 19)."""

    project_type: str
    name_zh: str
    name_en: str
    national_permissible: StrictBool


class ReleaseMilestone(Row):
    """A milestone releasing a share [1] of the potential units."""

    milestone: str
    share: float = Field(gt=0, le=1)
    name_zh: str = ""


class JinxianQuotaTables(BodyTables):
    """Tables of a ``jinxian-quota`` card."""

    quality_factors: TypedTable[QualityFactor]
    land_classes: TypedTable[LandClass]
    time_lag: TypedTable[TimeLag]
    risk_factors: TypedTable[RiskFactor]
    location_factors: TypedTable[LocationFactor]
    level_factors: TypedTable[LevelFactor]
    project_types: TypedTable[ProjectType]
    release_schedule: TypedTable[ReleaseMilestone]


class JinxianQuotaParameters(BodyParameters):
    """Parameters of a ``jinxian-quota`` card: none is read; any given are listed and held.

    As for condition cards (:class:`wetval.condition.body.ConditionParameters`),
    a parameter with a distribution is listed by the Monte Carlo chain as held.
    """

    model_config = ConfigDict(extra="allow", frozen=True)


class JinxianQuotaBody(CardBody):
    """Body of a ``jinxian-quota`` card."""

    options: JinxianQuotaOptions = Field(default_factory=JinxianQuotaOptions)
    tables: JinxianQuotaTables
    parameters: JinxianQuotaParameters = Field(default_factory=JinxianQuotaParameters)

    @model_validator(mode="after")
    def _default_risk_is_a_class(self) -> JinxianQuotaBody:
        classes = [row.risk_class for row in self.tables.risk_factors.rows]
        if self.options.default_risk_class not in classes:
            raise ValueError(
                f"options.default_risk_class {self.options.default_risk_class!r} is not a "
                f"risk class of tables.risk_factors ({', '.join(classes)})"
            )
        return self


# ---------------------------------------------------------------------- umam
class UmamOptions(BodyOptions):
    """Options of a ``umam`` card.

    Attributes
    ----------
    score_dp
        ``"none"`` or the decimals the assessment-area score is rounded to.
    year_rounding
        How non-integer years are made whole before the T-factor lookup.
    """

    score_dp: Literal["none"] | Annotated[int, Field(strict=True, ge=0)] = "none"
    year_rounding: Literal["ceil", "floor", "nearest"] = "ceil"


class UmamTimeLag(Row):
    """T-factor [1] up to ``years_max`` [yr] (Fla. Admin. Code R. 62-345.600 Table 1)."""

    years_max: float = Field(gt=0)
    t_factor: float = Field(ge=1)
    verified: StrictBool = False


class UmamExample(Row):
    """A worked example row (the input table of :func:`wetval.quota.measure_umam`)."""

    id: str
    role: Literal["impact", "mitigation", "preservation"]
    acres: float = Field(gt=0)
    location_before: float = Field(ge=0)
    water_before: float = Field(ge=0)
    community_before: float | None = Field(default=None, ge=0)
    location_after: float = Field(ge=0)
    water_after: float = Field(ge=0)
    community_after: float | None = Field(default=None, ge=0)
    years: float = Field(ge=0)
    risk: float = Field(ge=1)
    paf: float = Field(default=1.0, ge=0, le=1)


class UmamTables(BodyTables):
    """Tables of a ``umam`` card."""

    t_factor: TypedTable[UmamTimeLag]
    example: TypedTable[UmamExample]


class UmamParameters(BodyParameters):
    """Parameters of a ``umam`` card: the risk and PAF grids and the indicator scale.

    R. 62-345.600(3): risk 1–3 in steps of 0.25; R. 62-345.600(2)(b):
    preservation adjustment factor 0–1 in steps of 0.1; R. 62-345.500:
    indicators scored 0–10.
    """

    risk_min: Annotated[Parameter, within(ge=1)]
    risk_max: Annotated[Parameter, within(ge=1)]
    risk_step: Annotated[Parameter, within(gt=0)]
    paf_step: Annotated[Parameter, within(gt=0, le=1)]
    indicator_max: Annotated[Parameter, within(gt=0)]

    @model_validator(mode="after")
    def _risk_grid(self) -> UmamParameters:
        low, high = self.risk_min.value, self.risk_max.value
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            raise ValueError(f"risk_min {low} is above risk_max {high}")
        return self


class UmamBody(CardBody):
    """Body of a ``umam`` card."""

    options: UmamOptions = Field(default_factory=UmamOptions)
    tables: UmamTables
    parameters: UmamParameters


# --------------------------------------------------------------- uk metric
class UkMetricOptions(BodyOptions):
    """Options of a ``uk-biodiversity-metric`` card.

    Attributes
    ----------
    temporal_precision
        ``"full"`` or ``"3dp"`` (the temporal multipliers rounded as in the
        Defra calculation tool).
    strategic_significance
        ``"applied"`` or ``"fixed_at_1"``.
    significant_figures
        ``"none"`` or the significant figures units are rounded to (Excel: 15).
    net_gain_target
        Required net gain [1] (10 % under the Environment Act 2021, Sch. 7A).
    """

    temporal_precision: Literal["full", "3dp"] = "full"
    strategic_significance: Literal["applied", "fixed_at_1"] = "applied"
    significant_figures: Literal["none"] | Annotated[int, Field(strict=True, ge=1)] = 15
    net_gain_target: Annotated[float, Field(strict=True, ge=0)] = 0.1


class Distinctiveness(Row):
    """Score, rank and trading rule of one distinctiveness band."""

    band: str
    score: float = Field(ge=0)
    rank: Annotated[int, Field(strict=True, ge=1)]
    trading_rule: str


class UkCondition(Row):
    """Score of one condition class."""

    condition: str
    score: float = Field(ge=0)


class StrategicSignificance(Row):
    """Multiplier [1] of one strategic-significance level."""

    level: str
    multiplier: float = Field(gt=0)
    meaning: str = ""


class Difficulty(Row):
    """Multiplier [1] of one difficulty class (a reduction: ≤ 1)."""

    difficulty: str
    multiplier: float = Field(gt=0, le=1)


class SpatialRisk(Row):
    """Spatial-risk multiplier [1] of one location (a reduction: ≤ 1)."""

    location: str
    multiplier: float = Field(gt=0, le=1)


class Temporal(Row):
    """Temporal multiplier [1] for the years to target (full and 3-decimal)."""

    years: str
    full: float = Field(gt=0, le=1)
    dp3: float = Field(gt=0, le=1)


class WetlandHabitat(Row):
    """A wetland habitat with its band, difficulties and years to target per condition."""

    habitat: str
    ukhab: str
    broad_habitat: str
    band: str
    creation_difficulty: str
    enhancement_difficulty: str
    t_good: float = Field(ge=0)
    t_fairly_good: float = Field(ge=0)
    t_moderate: float = Field(ge=0)
    t_fairly_poor: float = Field(ge=0)
    t_poor: float = Field(ge=0)


class UkMetricExample(Row):
    """A worked example row (the input table of :func:`wetval.quota.measure_uk_metric`)."""

    id: str
    action: str
    habitat: str
    broad_habitat: str
    area_ha: float = Field(gt=0)
    band: str
    condition: str
    strategic: str
    years: float = Field(ge=0)
    difficulty: str
    band_before: str = ""
    condition_before: str = ""
    spatial_risk: str = ""


class UkMetricTables(BodyTables):
    """Tables of a ``uk-biodiversity-metric`` card."""

    distinctiveness: TypedTable[Distinctiveness]
    condition: TypedTable[UkCondition]
    strategic_significance: TypedTable[StrategicSignificance]
    difficulty: TypedTable[Difficulty]
    spatial_risk: TypedTable[SpatialRisk]
    temporal: TypedTable[Temporal]
    wetland_habitats: TypedTable[WetlandHabitat] | None = None
    example: TypedTable[UkMetricExample]


class UkMetricBody(CardBody):
    """Body of a ``uk-biodiversity-metric`` card."""

    options: UkMetricOptions = Field(default_factory=UkMetricOptions)
    tables: UkMetricTables


# ----------------------------------------------------------------------- hea
class HeaOptions(BodyOptions):
    """Options of a ``hea`` card.

    Attributes
    ----------
    convention
        When within a year a service year is counted (see :mod:`wetval.quota.hea`).
    base_year
        Year [yr] values are discounted to.
    """

    convention: Literal["begin_year", "end_year", "mid_year", "continuous"] = "mid_year"
    base_year: _Number = 0.0


class HeaExample(Row):
    """A worked example row (the input table of :func:`wetval.quota.measure_hea`)."""

    id: str
    side: Literal["debit", "credit"]
    area: float = Field(gt=0)
    times: str
    levels: str
    start: float
    end: float


class HeaTables(BodyTables):
    """Tables of a ``hea`` card."""

    example: TypedTable[HeaExample]


class HeaParameters(BodyParameters):
    """Parameters of a ``hea`` card."""

    # hea_dsays accepts any rate > −1 (the discount factor (1 + r)^−t must be
    # finite); a rate of 100 %/yr or more is no social rate (NOAA 1999 uses 3 %)
    discount_rate: Annotated[Parameter, within(gt=-1, lt=1)]


class HeaBody(CardBody):
    """Body of a ``hea`` card."""

    options: HeaOptions = Field(default_factory=HeaOptions)
    tables: HeaTables
    parameters: HeaParameters


# ------------------------------------------------------------ quota-finance
class FinanceRisk(Row):
    """Failure probability, loan haircut and risk-score band of one risk class."""

    risk_class: str
    p_fail: _Share
    loan_haircut: _Share
    risk_score_max: _Share


class QuotaFinanceTables(BodyTables):
    """Tables of a ``quota-finance`` card."""

    risk: TypedTable[FinanceRisk]

    @model_validator(mode="after")
    def _bands_cover_scores(self) -> QuotaFinanceTables:
        tops = [row.risk_score_max for row in self.risk.rows]
        if tops and max(tops) < 1:
            raise ValueError(
                f"risk: the largest risk_score_max is {max(tops)}; one band must "
                "reach 1 so that every risk score 0–1 has a class"
            )
        return self


class QuotaFinanceParameters(BodyParameters):
    """Parameters of a ``quota-finance`` card (shares and ratios [1])."""

    # loan-to-value and haircuts are shares of the appraised value
    base_ltv: Annotated[Parameter, within(gt=0, le=1)]
    price_quantile: Annotated[Parameter, within(gt=0, lt=1)]
    default_price_haircut: Annotated[Parameter, within(ge=0, le=1)]
    # a drop of 1 leaves no stress value (the code reports an infinite stress LTV)
    stress_price_drop: Annotated[Parameter, within(ge=0, le=1)]
    # the insurer's loading on the expected loss: any non-negative ratio
    loading: Annotated[Parameter, within(ge=0)]


class QuotaFinanceBody(CardBody):
    """Body of a ``quota-finance`` card."""

    tables: QuotaFinanceTables
    parameters: QuotaFinanceParameters
