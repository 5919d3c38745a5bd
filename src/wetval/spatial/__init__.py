"""Spatial core: 三调 deliveries, CGCS2000 rules and ellipsoidal areas, the red-line overlay.

- :mod:`wetval.spatial.crs` — accepted CGCS2000 systems, the working CRS, ellipsoidal areas;
- :mod:`wetval.spatial.read` — :func:`read_dltb` and :func:`layers` for File GDB, zipped GDB,
  Shapefile, GeoPackage and GeoParquet;
- :mod:`wetval.spatial.overlay` — :func:`overlay` (压占分析) and its :class:`Overlay` result.

See ``docs/spatial.md``.
"""

from __future__ import annotations

from typing import Any

from wetval.spatial.crs import CrsInfo, check_crs, choose_working_crs, ellipsoidal_area

__all__ = [
    "CrsInfo",
    "Overlay",
    "check_crs",
    "choose_working_crs",
    "ellipsoidal_area",
    "layers",
    "overlay",
    "read_dltb",
]


def __getattr__(name: str) -> Any:
    if name in ("read_dltb", "layers"):
        from wetval.spatial import read

        return getattr(read, name)
    if name in ("overlay", "Overlay"):
        from wetval.spatial import overlay

        return getattr(overlay, name)
    raise AttributeError(f"module 'wetval.spatial' has no attribute {name!r}")
