"""Monte Carlo benchmarks: 10,000 draws over a 5,000-parcel SYNTHETIC project (aim < 10 s).

Run with ``python -m pytest benchmarks --benchmark-only -k monte_carlo``; peak memory
with ``python benchmarks/peak_memory_monte_carlo.py``; results in docs/performance.md.
"""

from __future__ import annotations

import pytest

from benchmarks.mc_project import project
from wetval.uncertainty import PriceChain, monte_carlo

DRAWS = 10_000


@pytest.fixture(scope="module")
def chain() -> PriceChain:
    built = project()
    assert len(built.price.table) == 5_000
    return built


def test_build_chain_5000_parcels(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark.pedantic(project, rounds=1, iterations=1)


def test_monte_carlo_10000_draws(benchmark, chain: PriceChain) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(
        monte_carlo, args=(chain,), kwargs={"draws": DRAWS, "seed": 1, "progress": False},
        rounds=3, iterations=1,
    )  # fmt: skip
    assert result.n_draws == DRAWS


def test_monte_carlo_10000_draws_per_parcel(benchmark, chain: PriceChain) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(
        monte_carlo, args=(chain,),
        kwargs={"draws": DRAWS, "seed": 1, "per_parcel": True, "progress": False},
        rounds=3, iterations=1,
    )  # fmt: skip
    assert result.per_parcel is not None


def test_monte_carlo_10000_draws_indicator_error(benchmark, chain: PriceChain) -> None:  # type: ignore[no-untyped-def]
    error = {"vegetation_cover": 8.0, "water_quality_class": 0.8}
    result = benchmark.pedantic(
        monte_carlo, args=(chain,),
        kwargs={"draws": DRAWS, "seed": 1, "indicator_error": error, "rescorings": 100,
                "progress": False},
        rounds=2, iterations=1,
    )  # fmt: skip
    assert result.grade_probabilities is not None
