"""Sampling the uncertainty distributions that card parameters declare.

A card parameter may carry a distribution (see :mod:`wetval.cards`):
``fixed``, ``uniform``, ``triangular``, ``pert`` (beta-PERT), ``normal``,
``lognormal`` (median and geometric SD) or ``empirical`` (resampled
observations). All sampling goes through a passed
:class:`numpy.random.Generator`; there is no global random state.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from wetval.cards import (
    Card,
    Distribution,
    Empirical,
    Fixed,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)

__all__ = ["distribution_bounds", "sample", "sample_card"]


def sample(
    distribution: Distribution | None, value: float, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw ``size`` values of a parameter.

    Parameters
    ----------
    distribution
        The parameter's distribution; ``None`` or ``fixed`` repeat ``value``.
    value
        The parameter's central value (used by ``fixed``).
    size
        Number of draws.
    rng
        Random generator.

    Returns
    -------
    numpy.ndarray
        ``size`` draws [the parameter's unit].

    Notes
    -----
    Beta-PERT with minimum a, mode m, maximum b and shape λ is
    a + (b − a)·Beta(1 + λ(m − a)/(b − a), 1 + λ(b − m)/(b − a)); its mean is
    (a + λm + b)/(λ + 2) (Vose 2008, *Risk Analysis*, 3rd ed., §9.1.3). The
    log-normal is exp(N(ln median, ln gsd)).
    """
    if distribution is None or isinstance(distribution, Fixed):
        return np.full(size, float(value))
    if isinstance(distribution, Uniform):
        return rng.uniform(distribution.low, distribution.high, size)
    if isinstance(distribution, Triangular):
        return rng.triangular(distribution.low, distribution.mode, distribution.high, size)
    if isinstance(distribution, Pert):
        span = distribution.high - distribution.low
        alpha = 1 + distribution.lamb * (distribution.mode - distribution.low) / span
        beta = 1 + distribution.lamb * (distribution.high - distribution.mode) / span
        return distribution.low + span * rng.beta(alpha, beta, size)
    if isinstance(distribution, Normal):
        return rng.normal(distribution.mean, distribution.sd, size)
    if isinstance(distribution, LogNormal):
        return np.exp(rng.normal(np.log(distribution.median), np.log(distribution.gsd), size))
    if isinstance(distribution, Empirical):
        return rng.choice(np.asarray(distribution.samples, dtype=float), size=size, replace=True)
    raise TypeError(f"unknown distribution {type(distribution).__name__}")


def distribution_bounds(
    distribution: Distribution | None, value: float, coverage: float = 0.90
) -> tuple[float, float]:
    """A (low, high) range of a parameter for one-at-a-time swings [the parameter's unit].

    Bounded distributions give their support; unbounded ones the central
    ``coverage`` interval (5th–95th percentile by default); empirical ones
    their minimum and maximum; no distribution gives (value, value).
    """
    from scipy import stats

    tail = (1 - coverage) / 2
    if distribution is None or isinstance(distribution, Fixed):
        return float(value), float(value)
    if isinstance(distribution, Uniform | Triangular | Pert):
        return distribution.low, distribution.high
    if isinstance(distribution, Normal):
        low, high = np.asarray(stats.norm.ppf([tail, 1 - tail], distribution.mean, distribution.sd))
        return float(low), float(high)
    if isinstance(distribution, LogNormal):
        z = np.asarray(stats.norm.ppf([tail, 1 - tail]))
        low, high = distribution.median * distribution.gsd**z
        return float(low), float(high)
    return float(min(distribution.samples)), float(max(distribution.samples))


def sample_card(
    card: Card, size: int, rng: np.random.Generator, names: list[str] | None = None
) -> Mapping[str, np.ndarray]:
    """Draw every numeric parameter of a card that has a distribution.

    Parameters
    ----------
    card
        The card.
    size
        Draws per parameter.
    rng
        Random generator; parameters are drawn in sorted name order so the
        result does not depend on the card's key order.
    names
        Only these parameters (default: all with a distribution).

    Returns
    -------
    dict
        Parameter name → draws [the parameter's unit].
    """
    chosen = (
        sorted(
            n
            for n, p in card.parameters.items()
            if p.distribution is not None and not isinstance(p.distribution, Fixed)
        )
        if names is None
        else sorted(names)
    )
    draws = {}
    for name in chosen:
        parameter = card.parameters[name]
        draws[name] = sample(parameter.distribution, float(parameter.value), size, rng)
    return draws
