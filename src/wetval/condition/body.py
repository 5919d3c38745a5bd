"""Typed card body of the condition methods (one body for every aggregation).

Validated when a condition card loads (see :class:`wetval.cards.CardBody`).
The tables (``items``, ``groups``, ``grades``, one ``rule_<item>`` table per
item and AHP matrices) are checked against each other and the indicator
catalogue by :class:`wetval.condition.scheme.ConditionScheme`, which needs the
catalogue; their names therefore stay open here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from wetval.cards import BodyOptions, BodyParameters, BodyTables, CardBody, Table

__all__ = ["Aggregation", "CombineWeights", "ConditionBody", "ConditionOptions", "ConditionTables"]


#: The aggregations of the ``condition-index`` method.
Aggregation = Literal[
    "weighted-sum", "hierarchical-points", "topsis", "weighted-geometric-mean", "minimum"
]


class CombineWeights(BodyOptions):
    """How ``weights = "combined"`` mixes subjective and objective weights.

    Attributes
    ----------
    subjective
        ``"card"`` (the items table's weights) or ``"ahp"`` (pairwise matrices).
    objective
        ``"entropy"`` or ``"critic"``.
    alpha
        Share [1] of the subjective weights.
    """

    subjective: Literal["card", "ahp"]
    objective: Literal["entropy", "critic"]
    alpha: float = Field(ge=0, le=1)


class ConditionOptions(BodyOptions):
    """Options of a condition card.

    Attributes
    ----------
    aggregation
        How item scores combine into the index: ``"weighted-sum"``,
        ``"hierarchical-points"`` (a weighted sum of points out of 100 over
        groups; needs ``scale = "points"``), ``"topsis"`` (relative closeness,
        variant ``topsis_variant``), ``"weighted-geometric-mean"`` or
        ``"minimum"`` (the limiting item).
    scale
        ``"points"`` (item points summed) or ``"index"`` (0–1 index).
    weights
        Where item weights come from.
    missing
        What to do with a missing indicator.
    min_weight
        Smallest share [1] of the weight that must be observed for a parcel
        to be scored (``missing = "reweight"``).
    boundary
        Which grade a value on a boundary gets.
    random_index
        AHP random-index table.
    ahp_policy
        What an inconsistent AHP matrix (CR > 0.1) does.
    topsis_variant
        TOPSIS normalisation and distance.
    combine
        Mixing of weights for ``weights = "combined"``.
    weight_method, data_hash, experts
        Written by :mod:`wetval.calibrate.weights`: how the card's weights were
        derived, the SHA-256 of the data they came from and the number of experts.
    """

    aggregation: Aggregation = "weighted-sum"
    scale: Literal["points", "index"] = "index"
    weights: Literal["card", "ahp", "entropy", "critic", "combined"] = "card"
    missing: Literal["fail", "reweight", "impute_median"] = "reweight"
    min_weight: float = Field(default=0.5, gt=0, le=1)
    boundary: Literal["lower-inclusive", "upper-inclusive"] = "lower-inclusive"
    random_index: str = "saaty1980"
    ahp_policy: Literal["warn", "error", "ignore"] = "warn"
    topsis_variant: str = "vector-euclidean"
    combine: CombineWeights | None = None
    weight_method: str | None = None
    data_hash: str | None = None
    experts: int | None = Field(default=None, ge=1)


class ConditionTables(BodyTables):
    """Tables of a condition card (rule and AHP tables named after items and groups)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    items: Table | None = None
    groups: Table | None = None
    grades: Table | None = None


class ConditionParameters(BodyParameters):
    """Parameters of a condition card: none is read; any given are listed and held by the chain."""

    model_config = ConfigDict(extra="allow", frozen=True)


class ConditionBody(CardBody):
    """Body of a condition card."""

    options: ConditionOptions = Field(default_factory=ConditionOptions)
    tables: ConditionTables
    parameters: ConditionParameters = Field(default_factory=ConditionParameters)
