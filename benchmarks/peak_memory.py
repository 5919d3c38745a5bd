"""Peak memory of loading and validating 1,000,000 SYNTHETIC parcels.

Usage::

    python benchmarks/peak_memory.py [--parcels 1000000]

Writes the parcels to a temporary Parquet file in a child process, then, in
a fresh child process, measures the peak resident set size (ru_maxrss) of
``wetval.read_parcels`` on it, relative to the process after imports.
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measured = run(WRITE, MEASURE, args.parcels, Path(folder) / "dltb.parquet")
        print(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
