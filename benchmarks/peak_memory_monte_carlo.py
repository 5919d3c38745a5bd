"""Peak memory of 10,000 Monte Carlo draws over the 5,000-parcel SYNTHETIC project.

Usage::

    python benchmarks/peak_memory_monte_carlo.py [--per-parcel] [--indicator-error]

Runs in a fresh child process: builds the project (condition, credits, values,
price, chain), then measures the peak resident set size (ru_maxrss) of
``monte_carlo`` relative to the process before the run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

MEASURE = """
import json, resource, sys, time
sys.path.insert(0, ".")
from benchmarks.mc_project import project
from wetval.uncertainty import monte_carlo
chain = project()
options = json.loads(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = monte_carlo(chain, draws=10_000, seed=1, progress=False, **options)
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"parcels": len(chain.price.table), "draws": result.n_draws,
                  "options": options, "seconds": round(elapsed, 2),
                  "peak_rss_mb": round(after / 1024), "before_rss_mb": round(before / 1024),
                  "increase_mb": round((after - before) / 1024)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-parcel", action="store_true")
    parser.add_argument("--indicator-error", action="store_true")
    args = parser.parse_args()
    options: dict[str, object] = {"per_parcel": args.per_parcel}
    if args.indicator_error:
        options["indicator_error"] = {"vegetation_cover": 8.0, "water_quality_class": 0.8}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(options)],
        check=True,
        capture_output=True,
        text=True,
    )
    print(json.dumps(json.loads(result.stdout), indent=2))


if __name__ == "__main__":
    main()
