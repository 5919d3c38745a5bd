"""Spatial core: 三调 deliveries, CGCS2000 rules and ellipsoidal areas, the red-line overlay.

- :mod:`wetval.spatial.crs` — accepted CGCS2000 systems, the working CRS, ellipsoidal areas;
- :mod:`wetval.spatial.read` — :func:`read_dltb` and :func:`layers` for File GDB, zipped GDB,
  Shapefile, GeoPackage and GeoParquet;
- :mod:`wetval.spatial.overlay` — :func:`overlay` (压占分析) and its :class:`Overlay` result.

See ``docs/spatial.md``.
"""

from __future__ import annotations

from wetval.spatial.crs import CrsInfo, check_crs, choose_working_crs, ellipsoidal_area

# the function ``overlay`` is bound after its module is imported, so it shadows the module
from wetval.spatial.overlay import ImportantWetlands, Overlay, overlay
from wetval.spatial.read import layers, read_dltb

__all__ = [
    "CrsInfo",
    "ImportantWetlands",
    "Overlay",
    "check_crs",
    "choose_working_crs",
    "ellipsoidal_area",
    "layers",
    "overlay",
    "read_dltb",
]
