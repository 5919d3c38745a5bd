"""Calibration for researchers: value functions and indicator weights fitted to data, as cards.

- :func:`fit_value_function` — meta-regression of study values (OLS/WLS in
  logs, s.e. clustered by study; statsmodels, ``wetval[calibrate]``) with
  diagnostics and the leave-one-study-out transfer error;
  :meth:`ValueFunctionFit.to_card` exports it for ``value-function-transfer``;
- :func:`expert_weights` (group AHP with every expert's consistency and the
  least-consistent judgements), :func:`data_weights` (entropy, CRITIC),
  :func:`combined_weights`; :meth:`CalibratedWeights.to_card` writes them
  into a condition card;
- :func:`synthetic_study_values` — a SYNTHETIC study table from known coefficients.

See ``docs/calibration.md``.
"""

from wetval.calibrate.synthetic import BRANDER_2013, SITE_VARIABLES, synthetic_study_values
from wetval.calibrate.value_function import ValueFunctionFit, fit_value_function
from wetval.calibrate.weights import (
    CalibratedWeights,
    combined_weights,
    data_weights,
    expert_weights,
)

__all__ = [
    "BRANDER_2013",
    "SITE_VARIABLES",
    "CalibratedWeights",
    "ValueFunctionFit",
    "combined_weights",
    "data_weights",
    "expert_weights",
    "fit_value_function",
    "synthetic_study_values",
]
