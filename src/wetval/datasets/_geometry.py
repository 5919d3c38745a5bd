"""SYNTHETIC polygons for the synthetic county: a contiguous tiling in CGCS2000 zone 39.

The parcels are laid in horizontal strips from the north-west, township by
township, each strip filled left to right with quadrilaterals whose shared
sides are skewed at random, so the tiling has no gap and no overlap. Within a
township, the parcels of each water class are laid next to each other at a
random place, so lakes, rivers and pond fields appear as contiguous blocks of
several parcels (as a lake split by
ownership units is in a real DLTB). Cell widths follow the generated areas;
TBMJ is then the ellipsoidal area of the cell, so geometry and attributes
agree. Everything is invented: the extent is placed where 进贤县 lies in zone
39 (EPSG:4527), nothing else is Jinxian's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wetval.landclass import classify
from wetval.spatial.crs import ellipsoidal_area

__all__ = ["SYNTHETIC_CRS", "footprints", "tile"]

#: CGCS2000 / 3-degree Gauss–Krüger zone 39 (central meridian 117°E), with zone number.
SYNTHETIC_CRS = 4527
#: North-west corner of the synthetic county [m] in EPSG:4527 (about 115.5°E, 28.75°N).
_ORIGIN = (39_353_000.0, 3_181_000.0)
_WATER_ORDER = {"1101": 0, "1102": 1, "1103": 2, "1104": 3, "1104A": 4, "1106": 5, "1108": 6}


def tile(parcels: pd.DataFrame, rng: np.random.Generator) -> Any:
    """Polygons for the generated parcels, with TBMJ/KCMJ/TBDLMJ taken from them.

    Parameters
    ----------
    parcels
        The generator's 三调 frame (BSM, DLBM, TBMJ, KCMJ, ZLDWDM, …).
    rng
        Random generator for the skew of shared sides.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows (same order) with geometry in EPSG:4527, areas from the
        geometry, KCXS and KCDLBM (1203 田坎) where a deduction applies.
    """
    import geopandas
    import shapely

    n = len(parcels)
    area = parcels["TBMJ"].to_numpy(dtype=float)
    kcxs = np.where(area > 0, parcels["KCMJ"].to_numpy(dtype=float) / area, 0.0)
    town = parcels["ZLDWDM"].str.slice(0, 9).to_numpy()
    # each water class of a township is one run at a random place in the township's run
    water = parcels["DLBM"].map(_WATER_ORDER).to_numpy(dtype=float)
    centre = rng.random((len(_WATER_ORDER),))
    key = rng.random(n)
    is_water = ~np.isnan(water)
    key[is_water] = centre[water[is_water].astype(int)] + 1e-9 * key[is_water]
    order = np.lexsort((key, town))
    total = float(area.sum())
    width = float(np.sqrt(total * 1.4))
    height_strip = float(np.clip(np.sqrt(np.median(area)) * 3.0, 30.0, width / 4))
    strips = max(1, round(total / (width * height_strip)))
    height_strip = total / (width * strips)
    ordered = area[order]
    centre = np.cumsum(ordered) - ordered / 2
    strip = np.minimum((centre / (width * height_strip)).astype(np.int64), strips - 1)
    # widths within a strip scaled to fill it exactly
    strip_sum = np.bincount(strip, weights=ordered, minlength=strips)
    widths = ordered / strip_sum[strip] * width
    start_of_strip = np.r_[True, strip[1:] != strip[:-1]]
    right = np.cumsum(widths)
    offset = np.maximum.accumulate(np.where(start_of_strip, right - widths, 0.0))
    x_right = right - offset
    x_left = x_right - widths
    # shared sides skewed: the boundary after cell i moves by d_i at the top
    neighbour = np.minimum(widths, np.r_[widths[1:], np.inf])
    skew = (rng.random(n) - 0.5) * 0.6 * neighbour
    end_of_strip = np.r_[strip[1:] != strip[:-1], True]
    skew[end_of_strip] = 0.0
    skew_left = np.r_[0.0, skew[:-1]]
    skew_left[start_of_strip] = 0.0
    x0, y0 = _ORIGIN
    top = y0 - strip * height_strip
    bottom = top - height_strip
    ring = np.stack(
        [
            np.c_[x0 + x_left, bottom],
            np.c_[x0 + x_right, bottom],
            np.c_[x0 + x_right + skew, top],
            np.c_[x0 + x_left + skew_left, top],
            np.c_[x0 + x_left, bottom],
        ],
        axis=1,
    )
    geoms = np.empty(n, dtype=object)
    geoms[order] = shapely.polygons(ring)
    tbmj = np.round(ellipsoidal_area(geoms, SYNTHETIC_CRS), 2)
    kcmj = np.round(tbmj * kcxs, 2)
    out = parcels.copy()
    out["TBMJ"] = tbmj
    out["KCMJ"] = kcmj
    out["TBDLMJ"] = np.round(tbmj - kcmj, 2)
    deducted = kcmj > 0
    position = list(out.columns).index("KCMJ")
    strip_class = np.full(n, None, dtype=object)
    strip_class[deducted] = "1203"
    out.insert(position, "KCXS", np.where(deducted, kcmj / tbmj, 0.0))
    out.insert(position + 1, "KCDLBM", strip_class)
    frame = geopandas.GeoDataFrame(out, geometry=geoms, crs=SYNTHETIC_CRS)
    frame.attrs["synthetic"] = True
    return frame


#: Corridors tried for the SYNTHETIC red line before the sites are cut out of the last.
_CORRIDOR_TRIES = 64


def footprints(parcels: Any, rng: np.random.Generator) -> tuple[Any, Any]:
    """A SYNTHETIC occupation red line (P01) and the restoration sites' boundaries.

    The red line is an 80 m wide, 1.2 km long corridor in the band of 民和镇 (an
    illustrative expressway) that misses the restoration sites; the
    restoration boundaries are the restoration parcels dissolved per project.

    Returns
    -------
    red_line, restoration : geopandas.GeoDataFrame
        ``XMBH`` (project id) and ``XMMC`` (name) with geometry in EPSG:4527.
    """
    import geopandas
    import shapely

    town = parcels["ZLDWMC"].to_numpy() == "民和镇"
    band = parcels[town] if town.any() else parcels
    minx, miny, maxx, maxy = band.total_bounds
    # the corridor (±40 m, bending 60 m north) stays inside the county's extent
    _, county_miny, _, county_maxy = parcels.total_bounds
    low, high = max(miny, county_miny + 50.0), min(maxy, county_maxy - 110.0)
    length = min(maxx - minx - 200.0, 1_200.0)  # slanted flat caps reach ±5 m past the ends
    restoration = parcels[parcels["role"] == "restoration"]
    sites_union = shapely.union_all(restoration.geometry.to_numpy())
    # a planned road avoids the restoration sites: the first of a few corridors that
    # misses them, else the last one with the sites cut out
    ys = low + max(high - low, 0.0) * rng.random(_CORRIDOR_TRIES)
    starts = minx + 100.0 + (maxx - minx - 200.0 - length) * rng.random(_CORRIDOR_TRIES)
    lines = shapely.linestrings(
        np.stack(
            [
                np.stack([starts, ys], axis=1),
                np.stack([starts + length / 2, ys + 60.0], axis=1),
                np.stack([starts + length, ys], axis=1),
            ],
            axis=1,
        )
    )
    corridors = shapely.buffer(lines, 40.0, cap_style="flat")
    clear = np.flatnonzero(~shapely.intersects(corridors, sites_union))
    if len(clear):
        # and, as planning rules ask (避让), the one of those crossing the least wetland
        classes = classify(pd.Series(parcels["DLBM"].to_numpy(dtype=object)), "sandiao")
        wetland = shapely.union_all(
            parcels.geometry.to_numpy()[classes["legal_wetland"].to_numpy(dtype=bool)]
        )
        crossed = shapely.area(shapely.intersection(corridors[clear], wetland))
        corridor = corridors[clear[np.argmin(crossed)]]
    else:
        corridor = shapely.difference(corridors[-1], sites_union)
    red_line = geopandas.GeoDataFrame(
        {"XMBH": ["P01"], "XMMC": ["进贤至南昌快速路（示意） SYNTHETIC"]},
        geometry=[corridor],
        crs=SYNTHETIC_CRS,
    )
    sites = restoration[["project_id", "geometry"]].dissolve(by="project_id").reset_index()
    sites = sites.rename(columns={"project_id": "XMBH"})
    sites["XMMC"] = [f"湿地后备资源修复项目 {p}（示意） SYNTHETIC" for p in sites["XMBH"]]
    return red_line, geopandas.GeoDataFrame(sites, geometry="geometry", crs=SYNTHETIC_CRS)
