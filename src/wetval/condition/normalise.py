"""Normalisation of indicator values to scores in [0, 1] (1 = best condition).

Each function takes a whole column (numpy array, NaN for missing) and returns
an array of the same length; NaN stays NaN. They are the rules a condition
card names per scoring item (``docs/condition.md``):

============  ================================================================
``minmax``    linear between a reference ``low`` and ``high``; direction from
              the indicator (benefit: low → 0, high → 1; cost: reversed);
              values beyond the reference are clipped
``piecewise`` piecewise-linear through (x, score) points, constant beyond
              the first and last point (thresholds, optimum ranges)
``steps``     a score per half-open interval [lower, upper) of the value;
              the last interval also includes its upper bound
``categories`` a score per exact value (classes, codes)
``optimum``   1 inside [optimum_low, optimum_high], falling linearly to 0 at
              ``low`` and ``high`` (a trapezoid)
``presence``  the score of the best tier whose indicator is present (> 0)
============  ================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wetval.indicators import Direction

__all__ = ["categories", "minmax", "optimum", "piecewise", "presence", "steps"]


def minmax(values: np.ndarray, low: float, high: float, direction: Direction) -> np.ndarray:
    """Min–max normalisation against reference bounds.

    Parameters
    ----------
    values
        Indicator values [indicator unit].
    low, high
        Reference bounds [indicator unit], ``low < high``.
    direction
        ``higher_better`` (benefit) or ``lower_better`` (cost).

    Returns
    -------
    numpy.ndarray
        Scores in [0, 1]; values beyond the bounds are clipped.
    """
    if not low < high:
        raise ValueError(f"minmax needs low < high, got {low} and {high}")
    z = np.clip((np.asarray(values, dtype=float) - low) / (high - low), 0.0, 1.0)
    if direction is Direction.LOWER_BETTER:
        return 1.0 - z
    if direction is not Direction.HIGHER_BETTER:
        raise ValueError(f"minmax needs a benefit or cost indicator, not {direction.value!r}")
    return z


def piecewise(values: np.ndarray, x: Sequence[float], score: Sequence[float]) -> np.ndarray:
    """Piecewise-linear interpolation through ``(x, score)`` points.

    Parameters
    ----------
    values
        Indicator values [indicator unit].
    x
        Strictly increasing breakpoints [indicator unit].
    score
        Score at each breakpoint, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Interpolated scores; constant beyond the first and last breakpoint.
    """
    result: np.ndarray = np.interp(
        np.asarray(values, dtype=float), np.asarray(x, dtype=float), np.asarray(score, dtype=float)
    )
    return result


def steps(
    values: np.ndarray, lower: Sequence[float], upper: Sequence[float], score: Sequence[float]
) -> np.ndarray:
    """A score per half-open interval ``[lower, upper)``.

    Parameters
    ----------
    values
        Indicator values [indicator unit].
    lower, upper
        Contiguous intervals in increasing order: ``upper[k] == lower[k+1]``.
        The last interval also includes its upper bound.
    score
        Score of each interval, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Scores; NaN for missing values and for values outside all intervals
        (card validation makes the intervals cover the indicator's range).
    """
    values = np.asarray(values, dtype=float)
    # one comparison per edge (a handful) is faster than a binary search per value
    position = np.zeros(values.shape, dtype=np.int8)
    for edge in lower[1:]:
        position += values >= edge
    outside = ~((values >= lower[0]) & (values <= upper[-1]))  # NaN is outside
    np.putmask(position, outside, len(score))
    return np.append(np.asarray(score, dtype=float), np.nan).take(position)


def categories(values: np.ndarray, keys: Sequence[float], score: Sequence[float]) -> np.ndarray:
    """A score per exact value (classes or codes).

    Parameters
    ----------
    values
        Indicator values (whole numbers for classes).
    keys
        The values that have a score.
    score
        Score of each key, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Scores; NaN for missing values and values that are not a key.
    """
    values = np.asarray(values, dtype=float)
    order = np.argsort(np.asarray(keys, dtype=float))
    sorted_keys = np.asarray(keys, dtype=float)[order]
    sorted_score = np.asarray(score, dtype=float)[order]
    position = np.clip(np.searchsorted(sorted_keys, values), 0, len(sorted_keys) - 1)
    found = sorted_keys[position] == values
    return np.where(found, sorted_score[position], np.nan)


def optimum(
    values: np.ndarray, low: float, optimum_low: float, optimum_high: float, high: float
) -> np.ndarray:
    """Trapezoid: 1 inside the optimum range, linear to 0 at ``low`` and ``high``.

    Parameters
    ----------
    values
        Indicator values [indicator unit].
    low, optimum_low, optimum_high, high
        ``low < optimum_low <= optimum_high < high`` [indicator unit].

    Returns
    -------
    numpy.ndarray
        Scores in [0, 1]; 0 outside [low, high].
    """
    if not low < optimum_low <= optimum_high < high:
        raise ValueError("optimum needs low < optimum_low <= optimum_high < high")
    return piecewise(values, [low, optimum_low, optimum_high, high], [0.0, 1.0, 1.0, 0.0])


def presence(columns: Sequence[np.ndarray], score: Sequence[float]) -> np.ndarray:
    """The score of the best tier that is present (value > 0).

    Parameters
    ----------
    columns
        One array per tier (e.g. counts of national class I, class II and
        provincial protected species).
    score
        Score of each tier, in [0, 1]; absent in every tier scores 0.

    Returns
    -------
    numpy.ndarray
        Scores. A parcel with no tier present but some tier missing cannot be
        scored (NaN): the missing tier might have been present.
    """
    stacked = np.vstack([np.asarray(c, dtype=float) for c in columns])
    tier_score = np.asarray(score, dtype=float)[:, None]
    present = stacked > 0
    best = np.max(np.where(present, tier_score, 0.0), axis=0)
    unknown = np.isnan(stacked) & (tier_score > best)
    return np.where(unknown.any(axis=0), np.nan, best)
