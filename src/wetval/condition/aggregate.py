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

from wetval.indicators import Direction

__all__ = [
    "TOPSIS_VARIANTS",
    "minimum",
    "topsis",
    "topsis_closeness",
    "weighted_geometric_mean",
    "weighted_sum",
]


def _present_weights(z: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Presence mask and per-parcel weights of the present scores (not yet re-normalised)."""
    present = ~np.isnan(z)
    return present, np.where(present, weights[None, :], 0.0)


def weighted_sum(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean Σ w_j z_j over the present scores."""
    present, w = _present_weights(z, weights)
    total = w.sum(axis=1)
    weighted = np.where(present, z * w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def weighted_geometric_mean(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted geometric mean Π z_j^w_j over the present scores (a zero score gives 0)."""
    present, w = _present_weights(z, weights)
    total = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(present & (w > 0), w * np.log(np.where(present, z, 1.0)), 0.0)
        return np.where(total > 0, np.exp(logs.sum(axis=1) / total), np.nan)


def minimum(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Limiting factor: the lowest present score among indicators of positive weight."""
    masked = np.where(weights[None, :] > 0, z, np.nan)
    present = ~np.isnan(masked)
    lowest = np.min(np.where(present, masked, np.inf), axis=1)
    return np.where(present.any(axis=1), lowest, np.nan)


def _topsis_vector(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Standard TOPSIS (Hwang & Yoon 1981): vector normalisation, Euclidean distances."""
    norms = np.sqrt(np.nansum(z * z, axis=0))
    r = z / np.where(norms > 0, norms, 1.0)
    v = r * weights[None, :]
    ideal = np.nanmax(np.where(np.isnan(v), -np.inf, v), axis=0)
    anti = np.nanmin(np.where(np.isnan(v), np.inf, v), axis=0)
    present = ~np.isnan(v)
    to_ideal = np.sqrt(np.sum(np.where(present, (v - ideal) ** 2, 0.0), axis=1))
    to_anti = np.sqrt(np.sum(np.where(present, (v - anti) ** 2, 0.0), axis=1))
    span = to_ideal + to_anti
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = to_anti / span
    # every alternative equal on every criterion: all are ideal and anti-ideal at once
    closeness = np.where(present.any(axis=1) & (span == 0), 1.0, closeness)
    return np.where(present.any(axis=1), closeness, np.nan)


#: TOPSIS variants by name: normalisation and distance metric.
TOPSIS_VARIANTS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "vector-euclidean": _topsis_vector,
}


def topsis_closeness(
    z: np.ndarray, weights: np.ndarray, variant: str = "vector-euclidean"
) -> np.ndarray:
    """TOPSIS relative closeness of benefit-oriented scores (see :func:`topsis`)."""
    if variant not in TOPSIS_VARIANTS:
        raise ValueError(f"unknown TOPSIS variant {variant!r}; known: {list(TOPSIS_VARIANTS)}")
    return TOPSIS_VARIANTS[variant](np.asarray(z, dtype=float), np.asarray(weights, dtype=float))


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
        Criterion weights (normalised to sum 1 here).
    directions
        Per criterion ``higher_better`` (benefit) or ``lower_better`` (cost).
    variant
        Name of the TOPSIS variant (a key of :data:`TOPSIS_VARIANTS`).

    Returns
    -------
    pandas.Series
        Closeness in [0, 1] per row (rank descending).
    """
    columns = list(frame.columns)
    if isinstance(weights, Mapping | pd.Series):
        w = np.array([float(weights[c]) for c in columns])
    else:
        w = np.asarray(weights, dtype=float)
    if isinstance(directions, Mapping):
        chosen = [Direction(directions[c]) for c in columns]
    else:
        chosen = [Direction(d) for d in directions]
    if len(w) != len(columns) or len(chosen) != len(columns):
        raise ValueError(f"need one weight and one direction per column ({len(columns)})")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    values = frame.to_numpy(dtype=float)
    # the ideal of a cost criterion is its minimum: negate, which leaves vector
    # normalisation and distances unchanged
    cost = np.array([d is Direction.LOWER_BETTER for d in chosen])
    oriented = np.where(cost[None, :], -values, values)
    return pd.Series(
        topsis_closeness(oriented, w / w.sum(), variant), index=frame.index, name="closeness"
    )
