"""Lookup of factors in year-banded tables (UMAM T-factor, quota time lag)."""

from __future__ import annotations

import numpy as np

__all__ = ["step_lookup"]


def step_lookup(
    years: float | np.ndarray, years_max: np.ndarray, factors: np.ndarray, rounding: str
) -> np.ndarray:
    """Factor of the table row covering each year count (rows = largest year covered).

    Parameters
    ----------
    years
        Years [yr], ≥ 0.
    years_max, factors
        Table rows sorted by ``years_max``.
    rounding
        How non-integer years are made whole first: ``"ceil"`` (conservative),
        ``"floor"`` or ``"nearest"`` (half up).
    """
    values = np.asarray(years, dtype=float)
    if rounding == "ceil":
        whole = np.ceil(values)
    elif rounding == "floor":
        whole = np.floor(values)
    elif rounding == "nearest":
        whole = np.floor(values + 0.5)
    else:
        raise ValueError(f"year rounding must be 'ceil', 'floor' or 'nearest', got {rounding!r}")
    rows = np.minimum(np.searchsorted(years_max, whole, side="left"), len(factors) - 1)
    result: np.ndarray = factors[rows]
    return result
