"""Peak memory of reading 1,000,000 SYNTHETIC polygon parcels with ``read_dltb``.

Usage::

    python benchmarks/peak_memory_spatial.py [--parcels 1000000] [--format gpkg|parquet]

Writes the SYNTHETIC county's DLTB layer (``synthetic_county(geometry=True)``) to a
temporary GeoPackage or GeoParquet file in a child process, then measures, in a fresh
child process, the peak resident set size (ru_maxrss) of
``wetval.spatial.read_dltb`` on it, relative to the process after imports.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import run

WRITE = """
import sys, numpy as np
from wetval.datasets._synthetic import generate_frames
from wetval.datasets._geometry import tile
raw, _, _ = generate_frames(int(sys.argv[1]), np.random.default_rng(3))
layer = tile(raw, np.random.default_rng([3, 1]))
if sys.argv[2].endswith(".gpkg"):
    layer.to_file(sys.argv[2], layer="DLTB", engine="pyogrio")
else:
    layer.to_parquet(sys.argv[2])
"""

MEASURE = """
import json, resource, sys, time
import geopandas, shapely, pyogrio, pyproj
from wetval.spatial import read_dltb
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
table = read_dltb(sys.argv[1])
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"parcels": len(table), "seconds": elapsed,
                  "peak_rss_mb": after / 1024, "baseline_rss_mb": before / 1024,
                  "increase_mb": (after - before) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["gpkg", "parquet"], default="gpkg")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"dltb.{args.format}"
        print(json.dumps(run(WRITE, MEASURE, args.parcels, path), indent=2))


if __name__ == "__main__":
    main()
