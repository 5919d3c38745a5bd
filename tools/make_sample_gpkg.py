"""Write the shipped SYNTHETIC GeoPackage (src/wetval/datasets/data/synthetic_jinxian.gpkg)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from wetval.datasets import SAMPLE_GPKG_PARCELS, SAMPLE_SEED
from wetval.datasets._geometry import footprints, tile
from wetval.datasets._synthetic import generate_frames

TARGET = Path(__file__).resolve().parents[1] / "src/wetval/datasets/data/synthetic_jinxian.gpkg"


def main() -> int:
    raw, _, _ = generate_frames(SAMPLE_GPKG_PARCELS, np.random.default_rng(SAMPLE_SEED))
    shapes = np.random.default_rng([SAMPLE_SEED, 1])
    layer = tile(raw, shapes)
    red_line, sites = footprints(layer, shapes)
    TARGET.unlink(missing_ok=True)
    layer.to_file(TARGET, layer="DLTB", driver="GPKG", engine="pyogrio")
    red_line.to_file(TARGET, layer="HXHX", driver="GPKG", engine="pyogrio")
    sites.to_file(TARGET, layer="XFDK", driver="GPKG", engine="pyogrio")
    print(f"wrote {TARGET} ({TARGET.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
