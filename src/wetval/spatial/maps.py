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

__all__ = [
    "county_map",
    "county_townships",
    "map_view",
    "overlay_map",
    "scale_bar",
    "township_boundaries",
]

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

#: Outline colour and legend key of a footprint on the county overview, by role.
_FOOTPRINT_STYLE = {
    "occupation": ("red", "map_red_line"),
    "restoration": ("#3f007d", "map_restoration"),
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


def county_townships(parcels: ParcelTable, crs: int, *, cells: int = 1000) -> pd.DataFrame:
    """Every township's outline for the county overview, traced on a grid (drawing only).

    A township is not dissolved from its parcels (a union of a million
    polygons takes about a minute, and 三调 layers are not always noded well
    enough for a coverage union): the county is sampled on a grid of
    ``cells`` along its larger side, each cell taking the township of the
    parcel under its centre, and the outlines are the cell edges between
    townships (or between a township and no parcel), merged and simplified.
    Each outline lies within about one cell (1/``cells`` of the county's
    extent: 50 m for a 50 km county) of the true boundary, finer than a
    page-wide map shows. No area or overlay is computed from them.

    Parameters
    ----------
    parcels
        The county's parcels with geometry and ``township_code`` (or ``township``).
    crs
        EPSG code of the result (the overlay's working CRS).
    cells
        Cells along the county's larger side.

    Returns
    -------
    pandas.DataFrame
        One row per township (index ``township_code`` or ``township``) with
        ``geometry_wkb``: its outline (hex WKB of a line geometry in ``crs``);
        empty without geometry or township.
    """
    import pandas as pd
    import shapely

    key = "township_code" if parcels.has("township_code") else "township"
    if not parcels.has(key) or not parcels.has("geometry") or len(parcels) == 0:
        return pd.DataFrame({"geometry_wkb": []}, index=pd.Index([], name=key))
    geoms = parcels._frame.geometry
    if geoms.crs is not None and geoms.crs.to_epsg() != crs:
        geoms = geoms.to_crs(crs)
    codes, names = pd.factorize(parcels._frame[key].astype(str), sort=True)
    x0, y0, x1, y1 = geoms.total_bounds
    cell = max(x1 - x0, y1 - y0, 1.0) / cells
    x0, y0 = x0 - cell, y0 - cell  # a margin of one cell: the county's edge lies inside
    rows, columns = int((y1 - y0) / cell) + 2, int((x1 - x0) / cell) + 2
    centre_x, centre_y = np.meshgrid(x0 + cell * (np.arange(columns) + 0.5),
                                     y0 + cell * (np.arange(rows) + 0.5))  # fmt: skip
    centres = shapely.points(centre_x.ravel(), centre_y.ravel())
    hit, parcel = shapely.STRtree(geoms.to_numpy()).query(centres, predicate="intersects")
    flat = np.full(rows * columns, -1, dtype=np.int64)
    flat[hit] = codes[parcel]
    label = flat.reshape(rows, columns)
    # cell edges between different labels: x0, y0, x1, y1 (in cells), label on each side
    r, c = np.nonzero(label[:, 1:] != label[:, :-1])
    vertical = np.column_stack([c + 1, r, c + 1, r + 1, label[r, c], label[r, c + 1]])
    r, c = np.nonzero(label[1:, :] != label[:-1, :])
    horizontal = np.column_stack([c, r + 1, c + 1, r + 1, label[r, c], label[r + 1, c]])
    edges = np.concatenate([vertical, horizontal])
    ends = edges[:, :4] * cell + np.array([x0, y0, x0, y0])
    lines = shapely.linestrings(ends.reshape(-1, 2, 2))
    # each edge belongs to the township on either side: group the edges by township once
    # (in edge order within a township) instead of scanning every edge per township
    side = np.concatenate([edges[:, 4], edges[:, 5]])
    edge = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])
    order = np.lexsort((edge, side))
    side, edge = side[order], edge[order]
    bounds = np.searchsorted(side, np.arange(len(names) + 1))
    outlines = [
        shapely.simplify(
            shapely.line_merge(shapely.multilinestrings(lines[edge[bounds[c] : bounds[c + 1]]])),
            cell,
        )
        for c in range(len(names))
    ]
    return pd.DataFrame(
        {"geometry_wkb": shapely.to_wkb(np.array(outlines, dtype=object), hex=True)},
        index=pd.Index(names.astype(str), name=key),
    )


def county_map(
    results: Sequence[Overlay],
    *,
    parcels: ParcelTable | None = None,
    townships: pd.DataFrame | None = None,
    ax: Axes | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> Axes:
    """County overview (位置图): the townships, water, and where each footprint lies.

    Parameters
    ----------
    results
        The overlays whose footprints are marked (red lines in red, restoration
        sites in purple); the first one's CRS is the map's.
    parcels
        The county's parcels with geometry: the townships are dissolved from
        them (:func:`county_townships`) and their wetland and water drawn.
    townships
        The county's townships already dissolved (:func:`county_townships`),
        used instead of ``parcels`` (an assessment keeps these, not the layer).
    ax, lang
        As in :func:`overlay_map`.

    Raises
    ------
    ValueError
        If ``results`` is empty or neither ``parcels`` nor ``townships`` is given.
    """
    import geopandas
    import matplotlib.patches as mpatches

    from wetval.strings import tr

    if not results:
        raise ValueError("county_map needs at least one overlay")
    if townships is None and parcels is None:
        raise ValueError("county_map needs the parcels or their townships")
    crs = results[0].crs
    ax = axes(ax, figsize=(7.0, 7.0))
    if townships is None and parcels is not None:
        townships = county_townships(parcels, crs)
    if townships is not None and len(townships):
        _towns_layer(townships, crs).plot(ax=ax, color="#777777", linewidth=0.6)
    if parcels is not None:
        water = np.isin(parcels.category, ["wetland", "water"])
        if water.any():
            geoms = geopandas.GeoSeries(parcels._frame.geometry.to_numpy()[water],
                                        crs=parcels._frame.crs)  # fmt: skip
            geoms.to_crs(crs).plot(ax=ax, color="#9ecae1", linewidth=0)
    handles = {}
    for result in results:
        colour, key = _FOOTPRINT_STYLE[result.role]
        result.footprint_geometry().to_crs(crs).boundary.plot(ax=ax, color=colour, linewidth=1.5)
        handles[key] = mpatches.Patch(fill=False, edgecolor=colour, label=tr(key, lang))
    ax.legend(handles=list(handles.values()), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=7, framealpha=0.9)  # fmt: skip
    synthetic = any(r.synthetic for r in results) or bool(parcels is not None and parcels.synthetic)
    _finish(ax, crs, synthetic, "map_title_county", lang)
    return ax
