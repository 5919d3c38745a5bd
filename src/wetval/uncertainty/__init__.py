"""Uncertainty and sensitivity: card distributions, Monte Carlo over the price chain, Sobol, Morris.

- :mod:`wetval.uncertainty.distributions`: sampling the distributions card
  parameters declare;
- :class:`PriceChain` and :func:`monte_carlo`: propagation through condition →
  valuation → quota → price, vectorised over draws (see ``docs/uncertainty.md``);
- :mod:`wetval.uncertainty.sensitivity`: tornado, Sobol and Morris on any
  vectorised model, including :meth:`PriceChain.model`.
"""

from wetval.uncertainty import sensitivity
from wetval.uncertainty.chain import OUTPUTS, PriceChain, UncertainParameter
from wetval.uncertainty.distributions import distribution_bounds, sample, sample_card
from wetval.uncertainty.monte_carlo import MonteCarloResult, monte_carlo

__all__ = [
    "OUTPUTS",
    "MonteCarloResult",
    "PriceChain",
    "UncertainParameter",
    "distribution_bounds",
    "monte_carlo",
    "sample",
    "sample_card",
    "sensitivity",
]
