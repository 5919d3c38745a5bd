"""Aggregation of normalised scores into one index per parcel.

Every function takes ``z`` (parcels × indicators, scores in [0, 1] where 1 is
best, NaN where missing) and ``weights`` (one per indicator, summing to 1)
and returns the index in [0, 1]. Missing scores are left out and the weights
of the present ones are re-normalised per parcel; a parcel with no score at
all gets NaN. (The missing-data *policy* — fail, re-weight, impute — is
applied before aggregation, see :func:`wetval.condition.score`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from wetval.condition.weights import direction_problems
from wetval.errors import Problem, ValidationError
from wetval.indicators import Direction

__all__ = [
    "TOPSIS_VARIANTS",
    "minimum",
    "topsis",
    "topsis_against",
    "topsis_closeness",
    "weighted_geometric_mean",
    "weighted_sum",
]


# The implementations work item-major: ``zt`` is items × parcels, so each item's
# scores are contiguous and every step is a pass over whole rows. The public
# functions take the usual parcels × items layout.
ItemMajor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _weighted_sum_t(zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
    present = ~np.isnan(zt)
    w = np.where(present, weights[:, None], 0.0)
    total = w.sum(axis=0)
    weighted = (np.where(present, zt, 0.0) * w).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def _geometric_mean_t(zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
    present = ~np.isnan(zt)
    w = np.where(present, weights[:, None], 0.0)
    total = w.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(w > 0, w * np.log(np.where(present, zt, 1.0)), 0.0)
        return np.where(total > 0, np.exp(logs.sum(axis=0) / total), np.nan)


def _minimum_t(zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
    lowest = np.full(zt.shape[1], np.inf)
    for k in np.flatnonzero(weights > 0):
        np.fmin(lowest, zt[k], out=lowest)  # fmin ignores NaN
    return np.where(np.isinf(lowest), np.nan, lowest)


def _topsis_vector_t(zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Standard TOPSIS (Hwang & Yoon 1981): vector normalisation, Euclidean distances."""
    norm, high, low = (np.full(zt.shape[0], np.nan) for _ in range(3))
    for k, column in enumerate(zt):
        if not np.isnan(column).all():  # an item nobody has is left out of the distances
            norm[k] = np.sqrt(np.nansum(column * column))
            high[k], low[k] = np.nanmax(column), np.nanmin(column)
    return topsis_against(zt, weights, norm, high, low)


def topsis_against(
    zt: np.ndarray, weights: np.ndarray, norm: np.ndarray, high: np.ndarray, low: np.ndarray
) -> np.ndarray:
    """TOPSIS closeness (vector normalisation, Euclidean) from each item's norm and extremes.

    Parameters
    ----------
    zt
        Items × parcels scores [0–1], NaN where missing.
    weights
        Item weights (≥ 0).
    norm, high, low
        Per item: the column's Euclidean norm, maximum and minimum — of this
        table (:func:`_topsis_vector_t`) or of a whole partitioned table
        (:meth:`wetval.condition.statistics.TableStatistics.topsis`). The ideal
        point is ``high × w / norm``: for w / norm ≥ 0, rounding is monotone, so
        this equals the maximum of the weighted normalised column bit for bit.

    Returns
    -------
    numpy.ndarray
        Closeness per parcel; NaN for a parcel with no score at all.
    """
    n = zt.shape[1]
    to_ideal = np.zeros(n)
    to_anti = np.zeros(n)
    any_present = np.zeros(n, dtype=bool)
    for k in range(zt.shape[0]):
        column = zt[k]
        present = ~np.isnan(column)
        if not present.any():
            continue
        any_present |= present
        factor = weights[k] / norm[k] if norm[k] > 0 else 0.0
        v = column * factor
        gap_ideal = high[k] * factor - v  # NaN where missing: left out below
        gap_anti = v - low[k] * factor
        to_ideal += np.where(present, gap_ideal * gap_ideal, 0.0)
        to_anti += np.where(present, gap_anti * gap_anti, 0.0)
    to_ideal = np.sqrt(to_ideal)
    to_anti = np.sqrt(to_anti)
    span = to_ideal + to_anti
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = to_anti / span
    # every alternative equal on every criterion: all are ideal and anti-ideal at once
    closeness = np.where(any_present & (span == 0), 1.0, closeness)
    return np.where(any_present, closeness, np.nan)


#: TOPSIS variants by name (normalisation and distance metric), item-major.
TOPSIS_VARIANTS: dict[str, ItemMajor] = {"vector-euclidean": _topsis_vector_t}


def _item_major(z: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(z, dtype=float).T)


def weighted_sum(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean Σ w_j z_j / Σ w_j over the present scores (parcels × items).

    The weights are re-normalised per parcel over the scores it has, so they
    need not sum to 1 and a missing score (NaN) drops out.
    """
    return _weighted_sum_t(_item_major(z), np.asarray(weights, dtype=float))


def weighted_geometric_mean(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted geometric mean (Π z_j^w_j)^(1/Σ w_j) over the present scores.

    Weights are re-normalised per parcel over the scores it has (a missing
    score drops out); a zero score gives 0.
    """
    return _geometric_mean_t(_item_major(z), np.asarray(weights, dtype=float))


def minimum(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Limiting factor: the lowest present score among indicators of positive weight."""
    return _minimum_t(_item_major(z), np.asarray(weights, dtype=float))


def topsis_closeness(
    z: np.ndarray, weights: np.ndarray, variant: str = "vector-euclidean"
) -> np.ndarray:
    """TOPSIS closeness of benefit-oriented scores (parcels × items; see :func:`topsis`)."""
    return _topsis_t(_item_major(z), np.asarray(weights, dtype=float), variant)


def _topsis_t(zt: np.ndarray, weights: np.ndarray, variant: str) -> np.ndarray:
    if variant not in TOPSIS_VARIANTS:
        raise ValueError(f"unknown TOPSIS variant {variant!r}; known: {list(TOPSIS_VARIANTS)}")
    return TOPSIS_VARIANTS[variant](zt, weights)


def topsis(
    frame: pd.DataFrame,
    weights: Mapping[str, float] | Sequence[float] | pd.Series,
    directions: Mapping[str, Direction | str] | Sequence[Direction | str],
    *,
    variant: Literal["vector-euclidean"] = "vector-euclidean",
) -> pd.Series:
    """TOPSIS relative closeness to the ideal solution.

    Standard variant (``"vector-euclidean"``, Hwang & Yoon 1981):
    r_ij = x_ij / sqrt(Σ_i x_ij²); v_ij = w_j r_ij; the ideal A⁺ takes the
    column maximum of benefit and minimum of cost criteria, the anti-ideal
    A⁻ the reverse; S⁺, S⁻ are Euclidean distances; C_i = S⁻ / (S⁺ + S⁻).

    Parameters
    ----------
    frame
        Alternatives (rows) × criteria (columns), raw values [their units];
        NaN is left out of the alternative's distances.
    weights
        Criterion weights (normalised to sum 1 here), one per column.
    directions
        Per criterion ``higher_better`` (benefit) or ``lower_better`` (cost).
    variant
        Name of the TOPSIS variant (a key of :data:`TOPSIS_VARIANTS`).

    Returns
    -------
    pandas.Series
        Closeness in [0, 1] per row (rank descending).

    Raises
    ------
    wetval.errors.ValidationError
        Naming every column without a weight or direction, every weight for a
        column the frame lacks, and every unknown or non-benefit/cost direction.
    """
    columns = [str(c) for c in frame.columns]
    chosen, problems = direction_problems(columns, directions)
    if isinstance(weights, Mapping | pd.Series):
        keys = [str(k) for k in (weights.index if isinstance(weights, pd.Series) else weights)]
        problems += [
            Problem(reason="no weight given", column=c, fix="add a weight for it")
            for c in columns
            if c not in keys
        ]
        problems += [
            Problem(
                reason="weight for a column the frame lacks",
                column=k,
                fix="drop the weight or add the column",
            )
            for k in keys
            if k not in columns
        ]
        w = np.array([float(weights[c]) if c in keys else np.nan for c in columns])
    else:
        w = np.asarray(weights, dtype=float)
        if len(w) != len(columns):
            problems.append(
                Problem(
                    reason=f"{len(w)} weights for {len(columns)} columns",
                    fix="give one weight per column, in the frame's column order",
                )
            )
    if len(w) == len(columns) and (np.any(w < 0) or not np.nansum(w) > 0):
        problems.append(
            Problem(
                reason="weights must be non-negative and not all zero",
                value=w.tolist(),
                fix="give every column a weight >= 0, at least one of them > 0",
            )
        )
    if problems:
        raise ValidationError(problems, what="TOPSIS weights and directions")
    values = frame.to_numpy(dtype=float)
    # the ideal of a cost criterion is its minimum: negate, which leaves vector
    # normalisation and distances unchanged
    cost = np.array([d is Direction.LOWER_BETTER for d in chosen])
    oriented = np.where(cost[None, :], -values, values)
    return pd.Series(
        topsis_closeness(oriented, w / w.sum(), variant), index=frame.index, name="closeness"
    )
