"""Condition scoring from monitoring indicators.

``score(indicators, card, parcels=None)`` grades every parcel with the scheme
a condition card describes (normalisation rules, weights, aggregation,
grades, missing-data policy) and explains each grade. The building blocks
are public for researchers: :func:`ahp`, :func:`group_ahp`,
:func:`entropy_weights`, :func:`critic_weights`, :func:`combine_weights`,
:func:`topsis` and the normalisation rules in :mod:`wetval.condition.normalise`.
See ``docs/condition.md``.
"""

from wetval.condition import normalise
from wetval.condition.aggregate import (
    TOPSIS_VARIANTS,
    minimum,
    topsis,
    weighted_geometric_mean,
    weighted_sum,
)
from wetval.condition.engine import score
from wetval.condition.grades import GradeScale
from wetval.condition.result import ConditionResult
from wetval.condition.scheme import ConditionScheme
from wetval.condition.weights import (
    RANDOM_INDEX,
    RANDOM_INDEX_SOURCES,
    AHPConsistencyWarning,
    PairwiseComparison,
    ahp,
    combine_weights,
    critic_weights,
    entropy_weights,
    group_ahp,
)

__all__ = [
    "RANDOM_INDEX",
    "RANDOM_INDEX_SOURCES",
    "TOPSIS_VARIANTS",
    "AHPConsistencyWarning",
    "ConditionResult",
    "ConditionScheme",
    "GradeScale",
    "PairwiseComparison",
    "ahp",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "group_ahp",
    "minimum",
    "normalise",
    "score",
    "topsis",
    "weighted_geometric_mean",
    "weighted_sum",
]
