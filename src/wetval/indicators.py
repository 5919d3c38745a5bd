"""The catalogue of monitoring indicators.

Each indicator has an id (the column name in an indicator table), Chinese and
English names, a unit, a valid range and a direction: whether a higher value
means better ecological condition (``higher_better``), worse
(``lower_better``), is best inside a range (``optimum``) or carries no
judgement by itself (``neutral``, e.g. water depth used for storage volumes).

The set covers the field data of DB36/T 2134-2025 (water quality, rate of
change of water area, key protected species, plant and animal species
counts, invasive species, biomass, vegetation cover; see
``shared/reference/condition-scoring.md`` §1) plus what reserve screening and
physical valuation need (months with standing water, hydrological
connectivity, disturbance, water depth, NPP). Valid ranges are physical or
logical limits, not typical values: they catch unit mistakes (a cover of 85
entered as 0.85 is *not* caught; a cover of 850 is).

Researchers add indicators with :meth:`IndicatorCatalogue.extend`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

__all__ = [
    "CATALOGUE",
    "WATER_QUALITY_CLASSES",
    "Direction",
    "Indicator",
    "IndicatorCatalogue",
]


class Direction(StrEnum):
    """How an indicator's value relates to ecological condition."""

    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"
    OPTIMUM = "optimum"
    NEUTRAL = "neutral"


#: GB 3838-2002 surface-water classes and the ordinal wetval stores for them.
#: Both ASCII and Unicode Roman numerals are accepted, as are "劣V" (worse
#: than class V) and its spellings.
WATER_QUALITY_CLASSES: dict[str, float] = {
    **{roman: float(i) for i, roman in enumerate(["I", "II", "III", "IV", "V"], start=1)},
    **{roman: float(i) for i, roman in enumerate(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"], start=1)},
    **{f"{n}类": float(n) for n in range(1, 6)},
    **{f"{roman}类": float(i) for i, roman in enumerate(["I", "II", "III", "IV", "V"], start=1)},
    **{f"{roman}类": float(i) for i, roman in enumerate(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ"], start=1)},
    "劣V": 6.0,
    "劣Ⅴ": 6.0,
    "劣V类": 6.0,
    "劣Ⅴ类": 6.0,
    "WORSE THAN V": 6.0,
}


@dataclass(frozen=True)
class Indicator:
    """One monitoring indicator.

    Attributes
    ----------
    id
        Column name in an indicator table (snake_case ASCII).
    name_zh, name_en
        Names for reports.
    unit
        Unit as shown in reports, e.g. ``"%"``, ``"t/ha"``, ``"species"``.
    low, high
        Valid range, inclusive [unit].
    direction
        See :class:`Direction`.
    description
        What exactly is measured and how.
    labels
        Text labels accepted in place of numbers (e.g. ``"III"`` for water
        quality class 3), upper-cased.
    integer
        Whether values must be whole numbers (counts, classes).
    """

    id: str
    name_zh: str
    name_en: str
    unit: str
    low: float
    high: float
    direction: Direction
    description: str
    labels: Mapping[str, float] = field(default_factory=dict)
    integer: bool = False


_D = Direction

_BUILTIN: tuple[Indicator, ...] = (
    Indicator(
        "water_quality_class",
        "水质类别",
        "water quality class (GB 3838)",
        "class",
        1,
        6,
        _D.LOWER_BETTER,
        "Surface-water environmental quality class under GB 3838-2002: 1–5 for classes I–V, "
        "6 for worse than V (劣V). Roman numerals are accepted.",
        WATER_QUALITY_CLASSES,
        integer=True,
    ),
    Indicator(
        "water_area_change_rate",
        "水域面积变化率",
        "water-area change rate",
        "%",
        -100,
        1000,
        _D.HIGHER_BETTER,
        "Relative change of the parcel's water area over the monitoring period, "
        "(A_end − A_start) / A_start × 100.",
    ),
    Indicator(
        "protected_species_national_1",
        "国家一级重点保护物种数",
        "national class I protected species",
        "species",
        0,
        500,
        _D.HIGHER_BETTER,
        "Number of species on the national class I list of key protected wild animals and "
        "plants recorded on or using the parcel.",
        integer=True,
    ),
    Indicator(
        "protected_species_national_2",
        "国家二级重点保护物种数",
        "national class II protected species",
        "species",
        0,
        1000,
        _D.HIGHER_BETTER,
        "Number of national class II key protected species recorded.",
        integer=True,
    ),
    Indicator(
        "protected_species_provincial",
        "省级重点保护物种数",
        "provincial protected species",
        "species",
        0,
        1000,
        _D.HIGHER_BETTER,
        "Number of Jiangxi provincial key protected species recorded.",
        integer=True,
    ),
    Indicator(
        "plant_species_richness",
        "植物物种数",
        "plant species richness",
        "species",
        0,
        5000,
        _D.HIGHER_BETTER,
        "Number of vascular plant species recorded in the survey plots.",
        integer=True,
    ),
    Indicator(
        "animal_species_richness",
        "动物物种数",
        "animal species richness",
        "species",
        0,
        5000,
        _D.HIGHER_BETTER,
        "Number of animal species recorded (all surveyed vertebrate and macro-invertebrate "
        "groups, birds included).",
        integer=True,
    ),
    Indicator(
        "bird_species_richness",
        "鸟类物种数",
        "bird species richness",
        "species",
        0,
        1500,
        _D.HIGHER_BETTER,
        "Number of bird species recorded in the survey season(s).",
        integer=True,
    ),
    Indicator(
        "invasive_species_cover",
        "外来入侵物种盖度",
        "invasive species cover",
        "%",
        0,
        100,
        _D.LOWER_BETTER,
        "Cover of invasive alien plants (e.g. Alternanthera philoxeroides, Eichhornia "
        "crassipes) as a percentage of the parcel.",
    ),
    Indicator(
        "vegetation_cover",
        "植被覆盖度",
        "vegetation cover",
        "%",
        0,
        100,
        _D.HIGHER_BETTER,
        "Cover of emergent, floating-leaved and submerged vegetation as a percentage.",
    ),
    Indicator(
        "biomass",
        "生物量",
        "biomass",
        "t/ha",
        0,
        500,
        _D.HIGHER_BETTER,
        "Above- plus below-ground plant dry biomass per hectare.",
    ),
    Indicator(
        "standing_water_months",
        "积水月数",
        "months with standing water",
        "months/yr",
        0,
        12,
        _D.HIGHER_BETTER,
        "Months per year in which the parcel holds standing water (seasonal or permanent "
        "inundation; used by the reserve-resource census).",
    ),
    Indicator(
        "hydrological_connectivity",
        "水文连通性",
        "hydrological connectivity",
        "index 0–1",
        0,
        1,
        _D.HIGHER_BETTER,
        "Surface-water connection to rivers or lakes: 0 isolated, 0.5 seasonally connected, "
        "1 permanently connected.",
    ),
    Indicator(
        "disturbance",
        "人为干扰强度",
        "human disturbance",
        "index 0–1",
        0,
        1,
        _D.LOWER_BETTER,
        "Intensity of human disturbance (reclamation, grazing, fishing, pollution sources, "
        "roads): 0 none, 1 severe.",
    ),
    Indicator(
        "water_depth",
        "平均水深",
        "mean water depth",
        "m",
        0,
        100,
        _D.NEUTRAL,
        "Mean water depth at normal water level (used for storage volumes).",
    ),
    Indicator(
        "npp",
        "净初级生产力",
        "net primary productivity",
        "g C/m²/yr",
        0,
        3000,
        _D.HIGHER_BETTER,
        "Net primary productivity of the parcel's vegetation, as carbon.",
    ),
    Indicator(
        "evapotranspiration",
        "蒸散发量",
        "evapotranspiration",
        "mm/yr",
        0,
        3000,
        _D.NEUTRAL,
        "Annual evapotranspiration of the parcel (water-surface evaporation plus plant "
        "transpiration), used for the cooling (climate-regulation) quantity of GEP accounting.",
    ),
)


class IndicatorCatalogue(Mapping[str, Indicator]):
    """An immutable, ordered set of indicators keyed by id.

    Parameters
    ----------
    indicators
        The indicators; ids must be unique.
    """

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        items: dict[str, Indicator] = {}
        for indicator in indicators:
            if indicator.id in items:
                raise ValueError(f"indicator id {indicator.id!r} appears twice in the catalogue")
            if not indicator.low <= indicator.high:
                raise ValueError(f"indicator {indicator.id!r}: low {indicator.low} > high")
            items[indicator.id] = indicator
        self._items = items

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(
                f"unknown indicator {key!r}; the catalogue has: {', '.join(self._items)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def extend(self, *indicators: Indicator, replace: bool = False) -> IndicatorCatalogue:
        """Return a new catalogue with more indicators.

        Parameters
        ----------
        *indicators
            Indicators to add.
        replace
            Allow replacing an existing indicator of the same id.
        """
        items = dict(self._items)
        for indicator in indicators:
            if indicator.id in items and not replace:
                raise ValueError(
                    f"indicator {indicator.id!r} is already in the catalogue; "
                    "pass replace=True to redefine it"
                )
            items[indicator.id] = indicator
        return IndicatorCatalogue(items.values())

    def to_frame(self) -> pd.DataFrame:
        """The catalogue as a table indexed by indicator id."""
        return pd.DataFrame.from_records(
            [
                {
                    "id": i.id,
                    "name_zh": i.name_zh,
                    "name_en": i.name_en,
                    "unit": i.unit,
                    "low": i.low,
                    "high": i.high,
                    "direction": i.direction.value,
                    "integer": i.integer,
                    "description": i.description,
                }
                for i in self._items.values()
            ]
        ).set_index("id")


#: The built-in catalogue.
CATALOGUE = IndicatorCatalogue(_BUILTIN)
