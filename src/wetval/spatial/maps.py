"""Maps of a project (matplotlib): red line, occupied pieces, compensating sites, townships.

Every text comes from the report strings (:mod:`wetval.strings`) in the
reader's language and is drawn with the bundled CJK font
(:func:`wetval.plotting.axes`). Coordinates are the overlay's CGCS2000
Gauss–Krüger metres, so the scale bar is true at the central meridian (the
Gauss–Krüger scale error is under 0.03 % within a 3-degree zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from wetval.plotting import axes

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from wetval.spatial.overlay import Overlay
    from wetval.tables import ParcelTable

__all__ = ["county_map", "map_view", "overlay_map", "scale_bar", "township_boundaries"]

#: Fill of a compensating site by its grade label (Chinese and English labels).
_GRADE_COLOURS = {
    "优": "#1a9850",
    "良": "#91cf60",
    "中": "#fee08b",
    "差": "#fc8d59",
    "劣": "#d73027",
    "excellent": "#1a9850",
    "good": "#91cf60",
    "fair": "#fee08b",
    "poor": "#fc8d59",
    "bad": "#d73027",
}


def _nice_length(width_m: float) -> float:
    """A round scale-bar length [m] of about a fifth of the map width."""
    target = max(width_m / 5.0, 1.0)
    power = 10 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1, 2, 5) if m * power <= target))


def scale_bar(ax: Axes, *, lang: Literal["zh", "en"] = "zh") -> None:
    """Draw a scale bar (lower left) and a north arrow (upper right) on map axes in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3, solid_capstyle="butt")
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), label, ha="center", va="bottom", fontsize=8)
    from wetval.strings import tr

    nx, ny = x0 + 0.93 * (x1 - x0), y0 + 0.82 * (y1 - y0)
    ax.annotate(
        tr("map_north", lang),
        xy=(nx, ny + 0.1 * (y1 - y0)),
        xytext=(nx, ny),
        ha="center",
        va="top",
        fontsize=9,
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )


def _finish(ax: Axes, crs: int, synthetic: bool, title_key: str, lang: Literal["zh", "en"]) -> None:
    from wetval.strings import tr

    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    title = tr(title_key, lang)
    if synthetic:
        title += (
            f"（{tr('map_synthetic', lang)}）"
            if lang == "zh"
            else f" ({tr('map_synthetic', lang)})"
        )
    ax.set_title(title, fontsize=11)
    scale_bar(ax, lang=lang)
    ax.text(
        0.99, 0.01, tr("map_crs", lang, crs=f"EPSG:{crs}"), transform=ax.transAxes,
        ha="right", va="bottom", fontsize=7,
    )  # fmt: skip


def township_boundaries(
    parcels: ParcelTable, bounds: tuple[float, float, float, float], crs: int
) -> pd.DataFrame:
    """Township boundaries dissolved from the parcels near ``bounds``.

    Parameters
    ----------
    parcels
        Parcels with geometry and ``township_code`` (or ``township``).
    bounds
        ``(minx, miny, maxx, maxy)`` of the view [m, in ``crs``].
    crs
        EPSG code of the view (the overlay's working CRS).

    Returns
    -------
    pandas.DataFrame
        One row per township near the view (index ``township_code`` or
        ``township``) with ``geometry_wkb`` (hex WKB in ``crs``); empty when
        the parcels have no geometry or township column.
    """
    import geopandas
    import pandas as pd
    import shapely

    key = "township_code" if parcels.has("township_code") else "township"
    if not parcels.has(key) or not parcels.has("geometry"):
        return pd.DataFrame({"geometry_wkb": []}, index=pd.Index([], name=key))
    frame = parcels._frame
    geoms = frame.geometry
    if geoms.crs is not None and geoms.crs.to_epsg() != crs:
        geoms = geoms.to_crs(crs)
    tree = shapely.STRtree(geoms.to_numpy())
    near = tree.query(shapely.box(*bounds))
    subset = frame.iloc[near][[key]].astype(object)
    gdf = geopandas.GeoDataFrame(subset, geometry=geoms.to_numpy()[near], crs=crs)
    towns = gdf.dissolve(by=key)
    return pd.DataFrame(
        {"geometry_wkb": shapely.to_wkb(towns.geometry.to_numpy(), hex=True)},
        index=pd.Index(towns.index.astype(str), name=key),
    )


def _towns_layer(townships: pd.DataFrame, crs: int) -> Any:
    import geopandas

    geoms = geopandas.GeoSeries.from_wkb(
        townships["geometry_wkb"].map(bytes.fromhex).to_numpy(), index=townships.index, crs=crs
    )
    return geopandas.GeoDataFrame(geometry=geoms, crs=crs)


def map_view(results: Sequence[Overlay]) -> tuple[float, float, float, float]:
    """The extent of the project map: every red line and compensating site, 10 % padded.

    Parameters
    ----------
    results
        The overlays shown; the first one's CRS is the map's.

    Returns
    -------
    tuple of float
        ``(minx, miny, maxx, maxy)`` [m, in ``results[0].crs``].
    """
    crs = results[0].crs
    bounds = np.array([r.footprint_geometry().to_crs(crs).total_bounds for r in results])
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    pad = 0.1 * max(x1 - x0, y1 - y0, 100.0)
    return (float(x0 - pad), float(y0 - pad), float(x1 + pad), float(y1 + pad))


def overlay_map(
    results: Sequence[Overlay],
    *,
    parcels: ParcelTable | None = None,
    townships: pd.DataFrame | None = None,
    grades: Any = None,
    ax: Axes | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> Axes:
    """The project map: red lines, occupied pieces by land class, compensating sites, townships.

    Each overlay is drawn by its role: an occupation's pieces are coloured by
    land class inside its red line; a restoration's pieces are coloured by the
    condition grade of their parcel and outlined. Every overlay given is drawn,
    in the first one's CRS.

    Parameters
    ----------
    results
        The overlays (occupation and restoration, any number of each; at least one).
    parcels
        The parcel layer, for the township boundaries dissolved from it.
    townships
        Township boundaries already dissolved (:func:`township_boundaries`);
        used instead of ``parcels`` (an assessment keeps these, not the layer).
    grades
        Grade label per restoration piece or source parcel (a Series or mapping).
    ax
        Axes to draw on (new ones when ``None``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``results`` is empty.
    """
    import matplotlib.patches as mpatches
    import pandas as pd
    from matplotlib import colormaps

    from wetval.strings import tr

    if not results:
        raise ValueError("overlay_map needs at least one overlay")
    crs = results[0].crs
    occupation = [r for r in results if r.role == "occupation"]
    restoration = [r for r in results if r.role == "restoration"]
    ax = axes(ax, figsize=(8.0, 7.0))
    view = map_view(results)
    handles = []
    if townships is None and parcels is not None:
        townships = township_boundaries(parcels, view, crs)
    if townships is not None and len(townships):
        towns = _towns_layer(townships, crs)
        towns.boundary.plot(ax=ax, color="#555555", linewidth=0.8, linestyle="--")
        handles.append(
            mpatches.Patch(
                fill=False, edgecolor="#555555", linestyle="--", label=tr("map_township", lang)
            )
        )
    if occupation:
        pieces = pd.concat([_parcel_pieces(r, crs) for r in occupation])
        codes = pieces["land_class"].astype(str)
        names = dict(zip(codes, pieces["land_class_name"].astype(str), strict=True))
        cmap = colormaps["tab20"]
        for k, code in enumerate(sorted(codes.unique())):
            colour = cmap(k % 20)
            pieces[codes == code].plot(ax=ax, color=colour, edgecolor="white", linewidth=0.3)
            handles.append(mpatches.Patch(color=colour, label=f"{code} {names[code]}"))
    if restoration:
        sites = pd.concat([_parcel_pieces(r, crs) for r in restoration])
        grade = _grades(sites, grades)
        rank = {label: k for k, label in enumerate(_GRADE_COLOURS)}  # best grade first
        for grade_label in sorted(set(grade), key=lambda g: (rank.get(g, len(rank)), g)):
            fill = _GRADE_COLOURS.get(grade_label, "#9e9ac8")
            sites[grade == grade_label].plot(ax=ax, color=fill, edgecolor="#3f007d", linewidth=0.8)
            text = tr("map_grade", lang, grade=grade_label)
            handles.append(mpatches.Patch(color=fill, label=text))
        handles.append(mpatches.Patch(fill=False, edgecolor="#3f007d",
                                      label=tr("map_restoration", lang)))  # fmt: skip
    if occupation:
        for result in occupation:
            result.footprint_geometry().to_crs(crs).boundary.plot(ax=ax, color="red", linewidth=1.8)
        handles.append(mpatches.Patch(fill=False, edgecolor="red", label=tr("map_red_line", lang)))
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    # beside the map, so it hides no piece
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              framealpha=0.9)  # fmt: skip
    synthetic = any(r.synthetic for r in results)
    _finish(ax, crs, synthetic, "map_title_occupation", lang)
    return ax


def _parcel_pieces(result: Overlay, crs: int) -> Any:
    """An overlay's pieces in ``crs``, without deducted strips (they share their piece's ground)."""
    pieces = result.geometry().to_crs(crs)
    return pieces[pieces["record"] == "parcel"]


def _grades(sites: Any, grades: Any) -> np.ndarray:
    import pandas as pd

    if grades is None:
        return np.full(len(sites), "—", dtype=object)
    lookup = pd.Series(grades)
    by_piece = lookup.reindex(sites.index)
    by_parcel = lookup.reindex(sites["parcel_id"].to_numpy())
    out = np.where(by_piece.notna().to_numpy(), by_piece.to_numpy(), by_parcel.to_numpy())
    return np.array(["—" if pd.isna(v) else str(v) for v in out], dtype=object)


def county_map(
    parcels: ParcelTable,
    result: Overlay | None = None,
    *,
    ax: Axes | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> Axes:
    """County overview: townships dissolved from the parcels, water, and the project's place.

    Parameters
    ----------
    parcels
        The county's parcels with geometry.
    result
        An overlay whose red line is marked.
    ax, lang
        As in :func:`overlay_map`.
    """
    import geopandas

    from wetval.strings import tr

    ax = axes(ax, figsize=(7.0, 7.0))
    frame = parcels._frame
    crs = frame.crs.to_epsg() if frame.crs is not None else 0
    key = "township_code" if parcels.has("township_code") else "township"
    gdf = geopandas.GeoDataFrame(frame[[key]], geometry=frame.geometry.to_numpy(), crs=frame.crs)
    towns = gdf.dissolve(by=key)
    towns.plot(ax=ax, color="#f0f0f0", edgecolor="#777777", linewidth=0.6)
    water = np.isin(parcels.category, ["wetland", "water"])
    if water.any():
        gdf[water].plot(ax=ax, color="#9ecae1", linewidth=0)
    if result is not None:
        line = result.footprint_geometry()
        if line.crs.to_epsg() != crs:
            line = line.to_crs(crs)
        line.boundary.plot(ax=ax, color="red", linewidth=1.5)
        cx, cy = line.union_all().centroid.coords[0]
        ax.annotate(tr("map_red_line", lang), xy=(cx, cy), xytext=(8, 8),
                    textcoords="offset points", color="red", fontsize=8)  # fmt: skip
    _finish(ax, int(crs), parcels.synthetic, "map_title_county", lang)
    return ax
