"""CGCS2000 coordinate-system rules and ellipsoidal areas.

三调 data are in CGCS2000 (2000国家大地坐标系): geographic EPSG:4490 or a
3-degree Gauss–Krüger zone, either with the zone number in the false easting
(EPSG:4513–4533, zones 25–45) or without it ("CM" form, EPSG:4534–4554).
:func:`check_crs` accepts exactly these and refuses a layer with no CRS, Web
Mercator or any other system, and a layer whose coordinates lie outside the
zone its CRS names (a mislabelled delivery), with one error naming the layer
and the fix. :func:`choose_working_crs` picks one CRS for layers that come in
different CGCS2000 systems.

Areas are ellipsoidal on the CGCS2000 ellipsoid (:func:`ellipsoidal_area`),
as the survey rules require; planar areas are never used for money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from wetval.errors import Problem, ValidationError
from wetval.messages import Message

__all__ = [
    "CGCS2000_A",
    "CGCS2000_F",
    "CGCS2000_GEOGRAPHIC",
    "CrsInfo",
    "check_crs",
    "choose_working_crs",
    "ellipsoidal_area",
    "gk_zone_epsg",
]

#: EPSG code of CGCS2000 geographic coordinates.
CGCS2000_GEOGRAPHIC = 4490
#: Semi-major axis [m] and flattening of the CGCS2000 ellipsoid.
CGCS2000_A = 6378137.0
CGCS2000_F = 1.0 / 298.257222101
_ZONE_NUMBERED = range(4513, 4534)  # zones 25..45, CM 75E..135E, false easting zone*1e6+5e5
_ZONE_CM = range(4534, 4555)  # CM 75E..135E, false easting 500 000 m
#: Half width of a 3-degree zone [degree] plus the tolerance for parcels on its edge.
_ZONE_HALF_WIDTH_DEG = 1.5 + 0.5
#: Extent of CGCS2000 use in China [degree].
_LON_RANGE = (73.0, 136.0)
_LAT_RANGE = (3.0, 54.0)


@dataclass(frozen=True)
class CrsInfo:
    """An accepted CGCS2000 coordinate system.

    Attributes
    ----------
    epsg
        EPSG code (4490, 4513–4533 or 4534–4554).
    kind
        ``"geographic"`` or ``"gauss_kruger"``.
    zone
        3-degree zone number (25–45); ``None`` for geographic.
    central_meridian
        Central meridian [degree E]; ``None`` for geographic.
    false_easting
        False easting [m] (with the zone number: zone × 10⁶ + 500 000).
    """

    epsg: int
    kind: Literal["geographic", "gauss_kruger"]
    zone: int | None = None
    central_meridian: float | None = None
    false_easting: float = 0.0

    @property
    def name(self) -> str:
        """``"EPSG:4527"`` etc."""
        return f"EPSG:{self.epsg}"

    @property
    def zone_numbered(self) -> bool:
        """Whether the easting carries the zone number (EPSG:4513–4533)."""
        return self.epsg in _ZONE_NUMBERED

    def to_pyproj(self) -> Any:
        """The :class:`pyproj.CRS`."""
        import pyproj

        return pyproj.CRS.from_epsg(self.epsg)


def _info(epsg: int) -> CrsInfo | None:
    if epsg == CGCS2000_GEOGRAPHIC:
        return CrsInfo(epsg, "geographic")
    if epsg in _ZONE_NUMBERED:
        zone = 25 + (epsg - _ZONE_NUMBERED.start)
        return CrsInfo(epsg, "gauss_kruger", zone, 3.0 * zone, zone * 1e6 + 5e5)
    if epsg in _ZONE_CM:
        zone = 25 + (epsg - _ZONE_CM.start)
        return CrsInfo(epsg, "gauss_kruger", zone, 3.0 * zone, 5e5)
    return None


def gk_zone_epsg(longitude: float, *, zone_number: bool = True) -> int:
    """EPSG code of the CGCS2000 3-degree zone containing ``longitude`` [degree E].

    Parameters
    ----------
    longitude
        Longitude [degree E], 73.5–136.5.
    zone_number
        With the zone number in the easting (EPSG:4513–4533, the default) or the CM form.
    """
    zone = int(np.floor(longitude / 3.0 + 0.5))
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {longitude}°E is outside the CGCS2000 3-degree zones 25–45")
    return (_ZONE_NUMBERED.start if zone_number else _ZONE_CM.start) + zone - 25


def _refuse(layer: str, reason: str, fix: str, value: Any = None) -> ValidationError:
    return ValidationError(
        [Problem(reason=reason, column="geometry", value=value, fix=fix)],
        what="spatial layer",
        source=layer,
    )


def _identify(crs: Any) -> CrsInfo | None:
    """The accepted CGCS2000 system ``crs`` is, by EPSG code or by its parameters."""
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is not None and (info := _info(int(epsg))) is not None:
        return info
    if epsg is not None:
        return None
    # an ESRI .prj without authority code: compare datum and projection parameters
    datum = (crs.datum.name if crs.datum else "").lower()
    if "2000" not in datum or ("china" not in datum and "cgcs" not in datum):
        return None
    if crs.is_geographic:
        return _info(CGCS2000_GEOGRAPHIC)
    operation = crs.coordinate_operation
    if operation is None:
        return None
    params = {p.name.lower(): p.value for p in operation.params}
    cm = params.get("longitude of natural origin", params.get("central_meridian"))
    easting = params.get("false easting")
    scale = params.get("scale factor at natural origin", 1.0)
    if cm is None or easting is None or abs(scale - 1.0) > 1e-12 or cm % 3:
        return None
    zone = int(cm // 3)
    if easting == 5e5:
        return _info(_ZONE_CM.start + zone - 25)
    if easting == zone * 1e6 + 5e5:
        return _info(_ZONE_NUMBERED.start + zone - 25)
    return None


def check_crs(crs: Any, bounds: Any, layer: str) -> CrsInfo:
    """Check that a layer is in an accepted CGCS2000 system and inside its zone.

    Parameters
    ----------
    crs
        The layer's CRS (anything :class:`pyproj.CRS` accepts) or ``None``.
    bounds
        The layer's total bounds ``(minx, miny, maxx, maxy)`` in its CRS.
    layer
        The layer's name or path, quoted in the error.

    Returns
    -------
    CrsInfo

    Raises
    ------
    wetval.errors.ValidationError
        No CRS, not CGCS2000 (Web Mercator, WGS 84, Xi'an 80, Beijing 54, …),
        or coordinates outside the zone (or the range of longitudes) the CRS names.
    """
    import pyproj

    if crs is None:
        raise _refuse(
            layer,
            "the layer has no coordinate reference system",
            "deliver the layer with its .prj / CRS; if the coordinates are known to be "
            "CGCS2000 zone 39 say so explicitly: gdf.set_crs('EPSG:4527')",
        )
    crs = pyproj.CRS.from_user_input(crs)
    info = _identify(crs)
    if info is None:
        mercator = crs.to_epsg() in (3857, 900913, 3395)
        reason = f"CRS {crs.name!r} is not CGCS2000 geographic or 3-degree Gauss–Krüger" + (
            " (Web Mercator areas are about 30 % too large near Jinxian)" if mercator else ""
        )
        raise _refuse(
            layer,
            reason,
            "reproject to CGCS2000 (e.g. ogr2ogr -t_srs EPSG:4527 out.gpkg in.shp), or if the "
            "coordinates are CGCS2000 and only the label is wrong, set the right one with "
            "gdf.set_crs(..., allow_override=True); accepted: EPSG:4490, 4513–4533, 4534–4554",
            crs.to_string(),
        )
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return info  # an empty layer: nothing to check
    if info.kind == "geographic":
        inside = (
            _LON_RANGE[0] <= minx <= maxx <= _LON_RANGE[1]
            and _LAT_RANGE[0] <= miny <= maxy <= _LAT_RANGE[1]
        )
        if not inside:
            raise _refuse(
                layer,
                f"coordinates {minx:.6g}…{maxx:.6g}, {miny:.6g}…{maxy:.6g} are not longitudes "
                f"and latitudes in China although the CRS is {info.name} (projected metres "
                "labelled geographic?)",
                "label the layer with the CRS its coordinates are in, e.g. EPSG:4527 for "
                "Gauss–Krüger zone 39 with the zone number",
                f"{minx:.6g},{miny:.6g},{maxx:.6g},{maxy:.6g}",
            )
        return info
    assert info.central_meridian is not None
    offset = max(abs(minx - info.false_easting), abs(maxx - info.false_easting))
    if offset > 1e6:
        zone_guess = int(minx // 1e6)
        hint = (
            f"the eastings carry zone number {zone_guess}: the CRS is probably "
            f"EPSG:{_ZONE_NUMBERED.start + zone_guess - 25}"
            if 25 <= zone_guess <= 45 and not info.zone_numbered
            else f"the eastings have no zone number: the CRS is probably "
            f"EPSG:{_ZONE_CM.start + info.zone - 25}"
            if info.zone is not None and info.zone_numbered and 0 < minx < 1e6
            else "check which zone the coordinates are in"
        )
        raise _refuse(
            layer,
            f"eastings {minx:.10g}…{maxx:.10g} m do not belong to {info.name} "
            f"(false easting {info.false_easting:.10g} m)",
            hint + "; set the right CRS with gdf.set_crs(..., allow_override=True)",
            f"{minx:.10g}…{maxx:.10g}",
        )
    transformer = pyproj.Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)
    lon, lat = transformer.transform(
        np.array([minx, minx, maxx, maxx]), np.array([miny, maxy, miny, maxy])
    )
    outside = np.abs(np.asarray(lon) - info.central_meridian) > _ZONE_HALF_WIDTH_DEG
    if outside.any() or not (_LAT_RANGE[0] <= float(np.min(lat)) <= float(np.max(lat)) <= 60):
        raise _refuse(
            layer,
            f"coordinates reach {float(np.min(lon)):.3f}…{float(np.max(lon)):.3f}°E, "
            f"{float(np.min(lat)):.3f}…{float(np.max(lat)):.3f}°N: outside zone {info.zone} "
            f"({info.central_meridian:g}°E ± 1.5°) that {info.name} names",
            "the layer is labelled with the wrong zone: set the CRS its coordinates are in "
            "(gdf.set_crs(..., allow_override=True)) or reproject it",
        )
    return info


def choose_working_crs(
    layers: Mapping[str, CrsInfo], centre_longitude: float
) -> tuple[CrsInfo, Message]:
    """One CRS for layers that come in different CGCS2000 systems.

    If every layer is in the same Gauss–Krüger system, that one; otherwise the
    3-degree zone (zone-number form) containing the centre of the combined
    extent.

    Parameters
    ----------
    layers
        Layer name → its checked CRS.
    centre_longitude
        Longitude of the centre of the combined extent [degree E].

    Returns
    -------
    info, reason
        The working CRS and why, as a note (``n_overlay_crs_same`` or
        ``n_overlay_crs_reprojected``; ``reason.text("en")`` is what
        provenance records).
    """
    codes = sorted({info.epsg for info in layers.values()})
    only = layers[next(iter(layers))] if layers else None
    if len(codes) == 1 and only is not None and only.kind == "gauss_kruger":
        return only, Message.of("n_overlay_crs_same", "note", crs=only.name)
    working = _info(gk_zone_epsg(centre_longitude))
    assert working is not None
    listed = tuple(f"{name}: {info.name}" for name, info in layers.items())
    return working, Message.of(
        "n_overlay_crs_reprojected",
        "note",
        layers=listed,
        crs=working.name,
        longitude=round(float(centre_longitude), 3),
    )


# --------------------------------------------------------------- areas
def _authalic(lat_rad: np.ndarray) -> np.ndarray:
    """Authalic latitude [rad] on the CGCS2000 ellipsoid."""
    e2 = CGCS2000_F * (2.0 - CGCS2000_F)
    e = np.sqrt(e2)

    def q(sin_phi: np.ndarray | float) -> Any:
        return (1.0 - e2) * (
            sin_phi / (1.0 - e2 * sin_phi**2)
            - np.log((1.0 - e * sin_phi) / (1.0 + e * sin_phi)) / (2.0 * e)
        )

    q_pole = q(1.0)
    return np.asarray(np.arcsin(np.clip(q(np.sin(lat_rad)) / q_pole, -1.0, 1.0)))


def _authalic_radius2() -> float:
    e2 = CGCS2000_F * (2.0 - CGCS2000_F)
    e = np.sqrt(e2)
    q_pole = (1.0 - e2) * (1.0 / (1.0 - e2) - np.log((1.0 - e) / (1.0 + e)) / (2.0 * e))
    return float(CGCS2000_A**2 * q_pole / 2.0)


def _ring_excess(lam: np.ndarray, beta: np.ndarray, ring_of: np.ndarray, n: int) -> np.ndarray:
    """Spherical excess [sr] of each ring on the authalic sphere, without cancellation.

    Each edge contributes E = 2·atan(tan(Δλ/2)·sin βm / cos(Δβ/2)) (the area between the
    edge and the pole). The sum of these large terms over a small ring cancels to a small
    area, so each term is taken relative to the ring's first vertex: E − sin β0·Δλ (the
    Δλ of a closed ring sum to exactly 0), written with differences of nearby angles.
    """
    first = np.flatnonzero(np.r_[True, ring_of[1:] != ring_of[:-1]])
    beta0 = np.repeat(beta[first], np.diff(np.r_[first, len(beta)]))
    same = ring_of[1:] == ring_of[:-1]  # consecutive vertices of one ring form an edge
    b1, b2, r0 = beta[:-1][same], beta[1:][same], beta0[:-1][same]
    t = np.tan((lam[1:] - lam[:-1])[same] / 2.0)
    bm, db = (b1 + b2) / 2.0, b2 - b1
    s0 = np.sin(r0)
    cos_half = np.cos(db / 2.0)
    s_minus = (
        2.0 * np.cos((bm + r0) / 2.0) * np.sin((bm - r0) / 2.0) + s0 * 2.0 * np.sin(db / 4.0) ** 2
    ) / cos_half  # sin βm / cos(Δβ/2) − sin β0
    s_full = np.sin(bm) / cos_half
    main = np.arctan(t * s_minus / (1.0 + t * t * s_full * s0))
    # atan(t·s0) − s0·atan(t): a series for parcel-sized edges, the direct form otherwise
    t2 = t * t
    series = s0 * t * t2 * ((1 - s0**2) / 3 - t2 * (1 - s0**4) / 5 + t2 * t2 * (1 - s0**6) / 7)
    direct = np.arctan(t * s0) - s0 * np.arctan(t)
    rest = np.where(np.abs(t) < 1e-2, series, direct)
    excess = 2.0 * (main + rest)
    return np.bincount(ring_of[:-1][same], weights=excess, minlength=n)


def ellipsoidal_area(geometry: Any, crs: Any = None) -> np.ndarray:
    """Ellipsoidal area of each polygon on the CGCS2000 ellipsoid [m²].

    Vectorised over all vertices: the coordinates are transformed to CGCS2000
    geographic, mapped to the authalic sphere (which preserves area exactly)
    and each ring's area is the sum of the spherical excess of its edges; holes
    are subtracted. For parcel-sized edges this agrees with
    :meth:`pyproj.Geod.geometry_area_perimeter` (geodesic edges) within the
    latter's own rounding (~10⁻⁴ m² on small polygons) and the closed-form area
    of a latitude–longitude box to ~10⁻⁹ relative, at numpy speed for
    millions of polygons. Edge terms are taken relative to each ring's first
    vertex, so small parcels do not lose digits to cancellation.

    Parameters
    ----------
    geometry
        A GeoSeries / GeoDataFrame (its CRS is used) or an array of shapely
        polygons and multipolygons.
    crs
        CRS of a plain geometry array; must be CGCS2000 (see :func:`check_crs`).

    Returns
    -------
    numpy.ndarray
        Area [m²] per geometry; 0 for empty geometries, points and lines (a
        collection counts its polygons), NaN for missing ones.
    """
    import pyproj
    import shapely

    if hasattr(geometry, "geometry") and hasattr(geometry, "crs"):
        crs = geometry.crs if crs is None else crs
        geometry = geometry.geometry
    geoms = np.asarray(geometry, dtype=object)
    n = len(geoms)
    missing = shapely.is_missing(geoms)
    if crs is None:
        raise ValueError("ellipsoidal_area needs the CRS of the coordinates")
    # points and lines have no area; a collection counts its polygons
    types = shapely.get_type_id(geoms)
    if not np.isin(types[~missing], [3, 6]).all():
        parts_all, owner = shapely.get_parts(geoms, return_index=True)
        polygonal = np.isin(shapely.get_type_id(parts_all), [3, 6])
        flat = np.zeros(n)
        np.add.at(flat, owner[polygonal], ellipsoidal_area(parts_all[polygonal], crs))
        flat[missing] = np.nan
        return flat
    if (shapely.get_type_id(geoms[~missing]) == 3).all():  # polygons only: no parts to split
        parts, part_of = geoms, np.arange(n)
    else:
        parts, part_of = shapely.get_parts(geoms, return_index=True)
    if shapely.get_num_interior_rings(parts[~shapely.is_missing(parts)]).max(initial=0) == 0:
        # no holes: each polygon is its exterior ring
        coords, ring_of = shapely.get_coordinates(parts, return_index=True)
        rings = parts
        ring_part = np.arange(len(parts))
    else:
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    areas: np.ndarray = np.zeros(n)
    if len(coords):
        source = pyproj.CRS.from_user_input(crs)
        if source.to_epsg() == CGCS2000_GEOGRAPHIC:
            lon, lat = coords[:, 0], coords[:, 1]
        else:
            transformer = pyproj.Transformer.from_crs(source, CGCS2000_GEOGRAPHIC, always_xy=True)
            lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        lam = np.radians(np.asarray(lon))
        beta = _authalic(np.radians(np.asarray(lat)))
        ring_excess = _ring_excess(lam, beta, ring_of, len(rings))
        ring_area = np.abs(ring_excess) * _authalic_radius2()
        first = np.r_[True, ring_part[1:] != ring_part[:-1]]  # each polygon's exterior ring
        signed = np.where(first, ring_area, -ring_area)
        part_area = np.bincount(ring_part, weights=signed, minlength=len(parts))
        areas = np.bincount(part_of, weights=part_area, minlength=n).astype(float)
    areas[missing] = np.nan
    return areas
