"""Test-suite guards: warnings are errors (pyproject), the global numpy random
state must never be used, and every matplotlib figure must be closed."""

from __future__ import annotations

import os
from collections.abc import Iterator

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("ci", deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _no_global_numpy_random_state() -> Iterator[None]:
    """Fail a test that draws from (or reseeds) numpy's legacy global RNG."""
    before = np.random.get_state(legacy=False)  # noqa: NPY002 (this guard reads it)
    yield
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert isinstance(before, dict) and isinstance(after, dict)
    changed = before["state"]["key"].tobytes() != after["state"]["key"].tobytes() or (
        before["state"]["pos"] != after["state"]["pos"]
    )
    assert not changed, (
        "the test used numpy's global random state (np.random.seed/rand/...); "
        "pass a numpy.random.Generator or a seed instead"
    )


@pytest.fixture(autouse=True)
def _figures_closed() -> Iterator[None]:
    """Fail a test that leaves matplotlib figures open."""
    import matplotlib.pyplot as plt

    yield
    open_figures = plt.get_fignums()
    plt.close("all")
    assert not open_figures, f"the test left {len(open_figures)} matplotlib figure(s) open"


@pytest.fixture(scope="session")
def county():  # type: ignore[no-untyped-def]
    """The SYNTHETIC sample county."""
    from wetval.datasets import sample_county

    return sample_county()


@pytest.fixture(scope="session")
def sample_assessment():  # type: ignore[no-untyped-def]
    """The assessment `wetval demo` runs (SYNTHETIC), with few Monte Carlo draws."""
    from wetval.assess import assess
    from wetval.datasets import sample_project

    spec = sample_project()
    options = spec.options.model_copy(update={"monte_carlo_draws": 200})
    return assess(spec.model_copy(update={"options": options}))
