"""The red-line overlay on a partitioned GeoParquet layer against the in-memory overlay.

Usage::

    python benchmarks/scale_overlay.py [--parcels 1000000] [--partitions 10]

Writes a SYNTHETIC county's DLTB layer (``synthetic_county``'s generator with
geometry) as ``--partitions`` GeoParquet files cut into west–east strips, and the
500 ha bent corridor of ``benchmarks/test_bench_spatial.py`` in the middle. Then,
each in a fresh child process, measures wall time and peak resident set size
(ru_maxrss) of

in-memory
    ``read_dltb`` of the whole layer (the same rows as one GeoParquet file) and
    ``wetval.spatial.overlay`` (what a user without ``wetval.scale`` does);
partitioned
    ``wetval.scale.overlay_partitions`` on Dask's threaded scheduler: partitions
    whose bounds miss the corridor are not read.

Both give the same pieces (checked: count and total area). Results go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

WRITE = """
import sys
from pathlib import Path
import geopandas, numpy as np, shapely
from wetval.datasets._synthetic import generate_frames
from wetval.datasets._geometry import tile
n, parts, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
raw, _, _ = generate_frames(n, np.random.default_rng(3))
layer = tile(raw, np.random.default_rng([3, 1]))
x = layer.geometry.centroid.x.to_numpy()
strip = np.digitize(x, np.quantile(x, np.linspace(0, 1, parts + 1)[1:-1]))
(folder / "parcels").mkdir(parents=True)
for k in range(parts):
    layer[strip == k].to_parquet(folder / "parcels" / f"part-{k:03d}.parquet")
layer.to_parquet(folder / "whole.parquet")  # the same layer as one file, for the in-memory run
minx, miny, maxx, maxy = layer.total_bounds
cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
line = shapely.LineString([(cx - 2500, cy), (cx, cy + 300), (cx + 2500, cy)])
corridor = shapely.buffer(line, 500.0, cap_style="flat")  # 500 ha
geopandas.GeoDataFrame({"XMBH": ["P01"]}, geometry=[corridor], crs=layer.crs).to_parquet(
    folder / "red_line.parquet"
)
"""

MEASURE = """
import json, resource, sys, time, warnings
from pathlib import Path
import geopandas, shapely, pyproj, pyogrio
from wetval.spatial import overlay, read_dltb
from wetval.scale.overlay import overlay_partitions
folder, how = Path(sys.argv[1]), sys.argv[2]
red_line = geopandas.read_parquet(folder / "red_line.parquet")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    if how == "in-memory":
        result = overlay(read_dltb(folder / "whole.parquet"), red_line, project_id="P01")
        touched = len(list((folder / "parcels").glob("*.parquet")))
    else:
        result = overlay_partitions(folder, red_line, project_id="P01")
        touched = len(result.touched)
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
area = float(result.pieces["piece_area_m2"].sum())
print(json.dumps({"how": how, "seconds": round(elapsed, 2), "partitions_read": touched,
                  "pieces": len(result.pieces), "piece_area_m2": area,
                  "peak_rss_mb": round(after / 1024),
                  "increase_mb": round((after - before) / 1024)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", WRITE, str(args.parcels), str(args.partitions), folder],
            check=True,
        )
        print(f"wrote {args.parcels:,} SYNTHETIC parcels in {args.partitions} partitions "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        rows = []
        for how in ("in-memory", "partitioned"):
            done = subprocess.run(
                [sys.executable, "-c", MEASURE, folder, how],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            rows.append(json.loads(done.stdout))
            print(json.dumps(rows[-1]))
        same = (
            rows[0]["pieces"] == rows[1]["pieces"]
            and abs(rows[0]["piece_area_m2"] - rows[1]["piece_area_m2"])
            <= 1e-9 * rows[0]["piece_area_m2"]
        )
        print(f"same pieces: {same}; partitioned / in-memory time "
              f"{rows[1]['seconds'] / rows[0]['seconds']:.2f}, peak memory "
              f"{rows[1]['peak_rss_mb'] / rows[0]['peak_rss_mb']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
