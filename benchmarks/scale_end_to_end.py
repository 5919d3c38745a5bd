"""End to end on Dask: N SYNTHETIC parcels in partitions, peak memory and time per stage.

Run: ``python benchmarks/scale_end_to_end.py --parcels 30000000 --partition 1000000
--workers 2 DIR``. Partitions are generated once into ``DIR/data`` (one SYNTHETIC
county of ``--partition`` parcels each, county codes 36xx01..., ids prefixed by the
partition so they are unique over the province) and kept; results go to
``DIR/out`` (removed first unless ``--resume``). Prints the wall time of
generation and of the run, the peak resident memory of the scheduler process
and of each worker process (``ru_maxrss``), and the per-partition seconds of each
stage from the partitions' ``_done`` records.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import numpy as np


def _generate(folder: Path, n: int, size: int, distinct: int) -> float:
    """Write the partitions; only ``distinct`` are generated, the others are relabelled copies.

    Generating a SYNTHETIC county of 10⁶ parcels takes 15–75 s on the shared
    2-core machine; partition ``k`` is a copy of generated county ``k % distinct``
    with its own id prefix and county code (ids stay unique over the province).
    """
    import pandas as pd

    from wetval.datasets._synthetic import generate_frames

    start = time.perf_counter()
    (folder / "parcels").mkdir(parents=True, exist_ok=True)
    (folder / "indicators").mkdir(parents=True, exist_ok=True)
    bases: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for k in range((n + size - 1) // size):
        name = f"part-{k:05d}"
        if (folder / "indicators" / f"{name}.parquet").exists():
            continue
        rows = min(size, n - k * size)
        base = k % distinct
        if base not in bases or len(bases[base][0]) != rows:
            bases[base] = generate_frames(rows, np.random.default_rng(1000 + base))[:2]
        parcels, indicators = (frame.copy() for frame in bases[base])
        prefix = f"C{k:04d}"
        parcels["BSM"] = prefix + parcels["BSM"]
        indicators["parcel_id"] = prefix + indicators["parcel_id"]
        parcels["ZLDWDM"] = f"36{k // 10 + 1:02d}{k % 10 + 21:02d}" + parcels["ZLDWDM"].str[6:]
        parcels.to_parquet(folder / "parcels" / f"{name}.parquet", index=False)
        indicators.to_parquet(folder / "indicators" / f"{name}.parquet", index=False)
    return time.perf_counter() - start


def _peak_rss() -> int:
    """Peak resident memory of this process [bytes] (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--parcels", type=int, default=30_000_000)
    parser.add_argument("--partition", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3.5GB", help="per worker")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--distinct", type=int, default=3, help="partitions actually generated")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from wetval.scale import run

    root = Path(args.directory)
    generated = _generate(root / "data", args.parcels, args.partition, args.distinct)
    print(f"generation: {generated:.1f} s (0 if the partitions existed)", flush=True)
    if (root / "out").exists() and not args.resume:
        shutil.rmtree(root / "out")
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit,
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:  # fmt: skip
        start = time.perf_counter()
        result = run(
            root / "data", root / "out", client=client,
            progress=lambda done, total, name: print(
                f"{done}/{total} {name} {time.perf_counter() - start:.0f} s", flush=True
            ),
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        workers = client.run(_peak_rss)
    records = [json.loads(p.read_text()) for p in sorted((root / "out" / "_done").glob("*.json"))]
    stages = sorted({s for r in records for s in r["seconds"]})
    rows = sum(r["rows"] for r in records)
    print(f"{rows:,} parcels in {len(records)} partitions: run {elapsed:.1f} s wall")
    print(f"peak RSS: scheduler/client process {_peak_rss() / 2**30:.2f} GiB; workers " +
          ", ".join(f"{v / 2**30:.2f} GiB" for v in workers.values()))  # fmt: skip
    print("| stage | wall s / partition (mean, max) | CPU s / partition (mean, max) |")
    for stage in [s for s in stages if not s.endswith("_cpu")]:
        wall = [r["seconds"].get(stage, 0.0) for r in records]
        cpu = [r["seconds"].get(f"{stage}_cpu", np.nan) for r in records]
        print(
            f"| {stage} | {np.mean(wall):.2f}, {max(wall):.2f} | "
            f"{np.nanmean(cpu):.2f}, {np.nanmax(cpu):.2f} |"
        )
    print(result.province.groupby("category")[["parcels", "area_m2", "value_cny"]].sum())


if __name__ == "__main__":
    main()
