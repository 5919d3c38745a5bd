"""A SYNTHETIC study-value table with known coefficients, for learning and testing the fit.

Values are generated from the meta-regression of Brander, Brouwer &
Wagtendonk (2013, *Ecological Engineering* 56: 89–96, Table 3; card
``brander2013``) — its coefficients are the *true* ones here — with a study
effect (estimates of one study share a random shift, which is why standard
errors are clustered by study) and an estimate-level error. Nothing in the
table is an observation: it is labelled SYNTHETIC (``attrs["synthetic"]``,
study ids ``SYN-S…``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BRANDER_2013", "SITE_VARIABLES", "synthetic_study_values"]

#: True coefficients of the generator: Brander et al. 2013, Table 3 (ln US$/ha/yr, 2007).
BRANDER_2013: dict[str, float] = {
    "constant": 3.74,
    "constructed": 0.45,
    "wetland_area": -0.37,
    "wetland_abundance": -0.30,
    "population": 0.45,
    "gcp": 0.27,
    "water_supply": -1.30,
    "water_quality": -0.80,
}

#: Site variables of the generator: name → (transform, column).
SITE_VARIABLES: dict[str, tuple[str, str]] = {
    "constructed": ("dummy", "constructed"),
    "wetland_area": ("ln", "site_area_ha"),
    "wetland_abundance": ("ln", "wetland_abundance_ha"),
    "population": ("ln", "population_50km"),
    "gcp": ("ln", "gcp"),
}


def synthetic_study_values(
    n_studies: int = 60,
    *,
    seed: int,
    estimates_per_study: tuple[int, int] = (1, 4),
    study_sd: float = 0.5,
    residual_sd: float = 0.8,
    coefficients: dict[str, float] | None = None,
) -> pd.DataFrame:
    """A SYNTHETIC table of study values drawn from a known value function.

    Parameters
    ----------
    n_studies
        Number of studies.
    seed
        Seed of the random generator (same seed, same table).
    estimates_per_study
        Inclusive range of the number of estimates per study.
    study_sd, residual_sd
        Standard deviations of the study effect and of the estimate error [ln units].
    coefficients
        True coefficients (default :data:`BRANDER_2013`).

    Returns
    -------
    pandas.DataFrame
        Columns ``study``, ``service`` (flood_control, water_supply,
        water_quality), ``constructed``, ``site_area_ha``,
        ``wetland_abundance_ha``, ``population_50km``, ``gcp``, ``value``
        [US$/ha/yr, 2007]; ``attrs["synthetic"] = True`` and
        ``attrs["true_coefficients"]``.
    """
    rng = np.random.default_rng(seed)
    beta = dict(BRANDER_2013 if coefficients is None else coefficients)
    counts = rng.integers(estimates_per_study[0], estimates_per_study[1] + 1, n_studies)
    study = np.repeat([f"SYN-S{k:03d}" for k in range(n_studies)], counts)
    n = len(study)
    per_study = {
        "constructed": (rng.random(n_studies) < 0.3).astype(float),
        "site_area_ha": np.exp(rng.normal(np.log(500.0), 1.5, n_studies)),
        "wetland_abundance_ha": np.exp(rng.normal(np.log(20_000.0), 1.2, n_studies)),
        "population_50km": np.exp(rng.normal(np.log(1.0e6), 1.0, n_studies)),
        "gcp": np.exp(rng.normal(np.log(1.0e4), 1.0, n_studies)),
    }
    frame = pd.DataFrame({"study": study})
    for column, values in per_study.items():
        frame[column] = np.repeat(values, counts)
    frame["service"] = rng.choice(["flood_control", "water_supply", "water_quality"], n)
    linear = np.full(n, beta["constant"])
    for name, (transform, column) in SITE_VARIABLES.items():
        x = frame[column].to_numpy(dtype=float)
        linear += beta[name] * (np.log(x) if transform == "ln" else x)
    for service in ("water_supply", "water_quality"):
        linear += beta[service] * (frame["service"] == service).to_numpy(dtype=float)
    effect = np.repeat(rng.normal(0.0, study_sd, n_studies), counts)
    frame["value"] = np.exp(linear + effect + rng.normal(0.0, residual_sd, n))
    frame.attrs["synthetic"] = True
    frame.attrs["true_coefficients"] = beta
    return frame
