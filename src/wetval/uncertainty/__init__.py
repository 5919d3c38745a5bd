"""Uncertainty and sensitivity: sampling card distributions, Sobol, Morris, tornado.

See :mod:`wetval.uncertainty.distributions` and
:mod:`wetval.uncertainty.sensitivity`.
"""

from wetval.uncertainty import sensitivity
from wetval.uncertainty.distributions import distribution_bounds, sample, sample_card

__all__ = ["distribution_bounds", "sample", "sample_card", "sensitivity"]
