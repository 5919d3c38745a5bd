"""Peak memory of loading and validating 1,000,000 SYNTHETIC parcels.

Usage::

    python benchmarks/peak_memory.py [--parcels 1000000]
    python benchmarks/peak_memory.py --stages [--parcels 1000000]

Writes the parcels to a temporary Parquet file in a child process, then, in
a fresh child process, measures the peak resident set size (ru_maxrss) of
``wetval.read_parcels`` on it, relative to the process after imports.

``--stages`` instead measures, in one fresh process, the peak memory each of
``score`` (``parcels=``), ``account_credits`` and ``price_quota`` allocates
above what is held before the call (``tracemalloc``, which sees numpy's
allocations but not Arrow's), against the bytes of the stage's input columns
(``memory_usage(deep=True)``, index included). Each stage runs once before it
is measured, so cached card reads and id hashes are not counted; the credits
table's hash is forgotten before ``price_quota``, as in a first pricing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WRITE = """
import sys, numpy as np
from wetval.datasets._synthetic import generate_frames
parcels, _, _ = generate_frames(int(sys.argv[1]), np.random.default_rng(1))
parcels.to_parquet(sys.argv[2], index=False)
"""

MEASURE = """
import json, resource, sys, time
import wetval
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
table = wetval.read_parcels(sys.argv[1])
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"parcels": len(table), "seconds": elapsed,
                  "peak_rss_mb": after / 1024, "baseline_rss_mb": before / 1024,
                  "increase_mb": (after - before) / 1024}))
"""

STAGES = """
import sys, tracemalloc
sys.path.insert(0, sys.argv[2])
import test_bench_quota as quota_bench
from wetval import hashing
from wetval.condition import score
from wetval.datasets import synthetic_county
from wetval.pricing import price_quota
from wetval.quota import account_credits
n = int(sys.argv[1])
county = synthetic_county(n, seed=7)
parcels, indicators = county.parcels, county.indicators
quota_bench.N_QUOTA = n
q_parcels, q_condition, q_services = quota_bench.quota_inputs.__wrapped__()
q_credits = account_credits(q_parcels, q_condition)
def size(frame):
    return int(frame.memory_usage(deep=True, index=True).sum())
def price():
    hashing._FRAME_HASHES.clear()
    return price_quota(q_credits, services=q_services, valuation_date="2024-12-31")
stages = {
    "score (parcels=)": (lambda: score(indicators, "jiangxi-db36-2134", parcels=parcels),
                         size(parcels.to_frame()) + size(indicators.to_frame())),
    "account_credits": (lambda: account_credits(q_parcels, q_condition),
                        size(q_parcels.to_frame()) + size(q_condition)),
    "price_quota": (price, size(q_credits.table) + int(q_services.memory_usage(deep=True))),
}
tracemalloc.start()
print(f"{n:,} SYNTHETIC parcels: peak allocation of each stage above what it was given")
print("| stage | input columns | peak | ratio |\\n|---|---:|---:|---:|")
for name, (call, inputs) in stages.items():
    call()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = call()
    peak = tracemalloc.get_traced_memory()[1] - before
    print(f"| {name} | {inputs / 2**20:.0f} MiB | {peak / 2**20:.0f} MiB | {peak / inputs:.2f}× |")
    del result
"""


def run(write: str, measure: str, parcels: int, path: Path) -> dict[str, float]:
    """Write ``parcels`` to ``path`` with ``write``, then measure ``measure`` in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", write, str(parcels), str(path)], check=True)
    print(f"generated and wrote {parcels:,} parcels in {time.perf_counter() - start:.1f} s")
    result = subprocess.run(
        [sys.executable, "-c", measure, str(path)], check=True, capture_output=True, text=True
    )
    measured: dict[str, float] = json.loads(result.stdout)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--stages", action="store_true", help="peak memory of three stages")
    args = parser.parse_args()
    if args.stages:
        here = str(Path(__file__).resolve().parent)
        subprocess.run([sys.executable, "-c", STAGES, str(args.parcels), here], check=True)
        return
    with tempfile.TemporaryDirectory() as folder:
        measured = run(WRITE, MEASURE, args.parcels, Path(folder) / "dltb.parquet")
        print(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
