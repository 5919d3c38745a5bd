"""Every stage against its bare numpy floor, interleaved in one run (SYNTHETIC data).

Run: ``python benchmarks/floor_ratios.py [--parcels 1000000] [--rounds 3]``.

For each stage the wetval call and a bare numpy/pyarrow pass doing the same
arithmetic on the same arrays (the "floor") are timed alternately, ``--rounds``
times, and the best CPU time (``time.process_time``) of each is reported with
their ratio. CPU time is not inflated by other jobs waiting for the CPU, but a
busy machine still slows both (shared caches, memory bandwidth): compare ratios
of one run, not absolute times across runs. The floors:

value
    ``xie2015`` on all parcels: the n × 11 gather of equivalent coefficients by
    ecosystem code times area, D and the condition adjustment, summed per parcel.
score
    ``jiangxi-db36-2134`` with ``parcels=``: the id join of the indicator rows to
    the parcels (Arrow ``index_in``), min–max normalisation of 10 indicators,
    the weighted sum and the grade thresholds.
credits
    ``credits`` of the restoration parcels: the condition join (``get_indexer``),
    integer codes of the four text columns (Arrow dictionary encoding), the
    factor lookups and the units product.
price_quota
    the service-value join (``get_indexer``) and the pricing kernel itself
    (``price_draws`` on the prepared inputs, pure numpy).
balance, assess
    absolute times (no bare floor for the greedy matching; ``assess`` is
    reported with its per-step timings).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _best(function: Callable[[], Any], rounds: list[float]) -> None:
    start = time.process_time()
    function()
    rounds.append(time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-assess", action="store_true")
    args = parser.parse_args()
    n, rounds = args.parcels, args.rounds

    import test_bench_quota as quota_bench
    from wetval import hashing
    from wetval.assess import AssessmentSpec, DataSpec, OptionSpec, ProjectSpec, assess
    from wetval.condition import score
    from wetval.datasets import sample_plans, synthetic_county
    from wetval.pricing import price_draws, price_quota, pricing_inputs
    from wetval.quota import account_credits, balance
    from wetval.valuation import value

    county = synthetic_county(n, seed=7)
    parcels, indicators = county.parcels, county.indicators
    condition = score(indicators, "jiangxi-db36-2134", parcels=parcels)
    quota_bench.N_QUOTA = n
    q_parcels, q_condition, q_services = quota_bench.quota_inputs.__wrapped__()
    q_credits = account_credits(q_parcels, q_condition)
    prepared = pricing_inputs(q_credits, services=q_services, valuation_date="2024-12-31")
    accounts = quota_bench._county(100_000, 10_000)

    # floors' arrays, prepared outside the timing
    rng = np.random.default_rng(0)
    eco = rng.integers(0, 7, n)
    coefficients = rng.random((7, 11))
    area = parcels.area("m2") / 1e4
    adjust = condition.to_frame()["index"].fillna(1.0).to_numpy()
    indicator_ids = pa.array(np.asarray(indicators.ids, dtype=object), type=pa.large_string())
    parcel_ids = pa.array(np.asarray(parcels.ids, dtype=object), type=pa.large_string())
    raw = rng.random((10, len(indicators.ids)))
    low, high = np.zeros((10, 1)), np.ones((10, 1))
    weights = np.full(10, 0.1)
    frame = q_parcels.to_frame()
    texts = [frame["land_class"], frame["target_class"], frame["risk_class"], q_condition["grade"]]

    def value_floor() -> None:
        (coefficients[eco] * (area * 3406.5 * adjust)[:, None]).sum(axis=1)

    def score_floor() -> None:
        where = pc.index_in(parcel_ids, value_set=indicator_ids).to_numpy(zero_copy_only=False)
        z = np.clip((raw - low) / (high - low), 0.0, 1.0)
        index = weights @ z
        take = np.where(np.isnan(where), 0, where).astype(np.intp)
        np.searchsorted([0.4, 0.6, 0.8], index[take])

    def credits_floor() -> None:
        positions = q_condition.index.get_indexer(q_parcels.ids)
        codes = [pd.factorize(t)[0] for t in texts]  # as stored (Arrow dictionary encoding)
        factor = np.array([1.0, 0.8, 0.6, 0.4])
        units = (
            frame["area_m2"].to_numpy() / 666.67 * factor[codes[3][positions]] * factor[codes[1]]
        )
        units *= factor[codes[2]] * np.exp(-0.05 * frame["years_to_target"].to_numpy())
        np.round(units, 4)

    def _fresh_price() -> None:
        hashing._FRAME_HASHES.clear()  # the first hash of a new credits result
        price_quota(q_credits, services=q_services, valuation_date="2024-12-31")

    def price_floor() -> None:
        q_credits.table.index.get_indexer(q_services.index)
        price_draws(prepared, with_range=True)

    stages: dict[str, tuple[Callable[[], Any], Callable[[], Any] | None]] = {
        "value (xie2015)": (
            lambda: value(parcels, "xie2015", condition=condition, indicators=indicators),
            value_floor,
        ),
        "score (jiangxi-db36-2134, parcels=)": (
            lambda: score(indicators, "jiangxi-db36-2134", parcels=parcels),
            score_floor,
        ),
        "credits": (lambda: account_credits(q_parcels, q_condition), credits_floor),
        "price_quota (credits table hashed afresh)": (lambda: _fresh_price(), price_floor),
        "price_quota (credits hash remembered)": (
            lambda: price_quota(q_credits, services=q_services, valuation_date="2024-12-31"),
            price_floor,
        ),
        "balance 100,000 x 10,000": (lambda: balance(accounts.credits, accounts.debits), None),
    }
    timings: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in stages}
    assess_times: list[float] = []
    steps: dict[str, float] = {}
    spec = None
    if not args.no_assess:
        occupation = county.projects.set_index("project_id").loc["P01"]
        spec = AssessmentSpec(
            project=ProjectSpec(
                name="SYNTHETIC scale benchmark", applicant="SYNTHETIC", assessor="SYNTHETIC",
                township=str(occupation["township"]), occupation_project="P01",
                date=dt.date(2024, 12, 31),
            ),
            data=DataSpec(
                parcels=parcels, indicators=indicators, projects=county.projects,
                plans=sample_plans(county),
            ),
            options=OptionSpec(price_year=2024, monte_carlo_draws=0, sensitivity=False, seed=1),
        )  # fmt: skip
    for _ in range(rounds):
        for name, (call, floor) in stages.items():
            _best(call, timings[name][0])
            if floor is not None:
                _best(floor, timings[name][1])
        if spec is not None:
            start = time.process_time()
            result = assess(spec)
            assess_times.append(time.process_time() - start)
            if assess_times[-1] == min(assess_times):
                steps = dict(result.timings)
    print(f"{n:,} SYNTHETIC parcels, best CPU time of {rounds} interleaved rounds")
    print("| stage | wetval | floor | ratio |\n|---|---:|---:|---:|")
    for name, (ours, floors) in timings.items():
        if floors:
            best, base = min(ours), min(floors)
            print(f"| {name} | {best:.3f} s | {base:.3f} s | {best / base:.1f}× |")
        else:
            print(f"| {name} | {min(ours):.3f} s | — | — |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    columns = int(parcels._frame.memory_usage(deep=True).sum()) + int(
        indicators._frame.memory_usage(deep=True).sum()
    )
    print(
        f"peak RSS of this process {peak / 2**30:.2f} GiB; parcel + indicator columns "
        f"{columns / 2**30:.2f} GiB ({peak / columns:.1f}×; the process also holds the quota "
        "and balance inputs and every stage's results)"
    )
    if assess_times:
        print(f"| whole assess (no Monte Carlo) | {min(assess_times):.2f} s | — | — |")
        print("assess steps [s, wall]: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))


if __name__ == "__main__":
    main()
