"""Reading a county's 三调 DLTB delivery: File GDB, zipped GDB, Shapefile, GeoPackage, GeoParquet.

:func:`read_dltb` returns a :class:`~wetval.tables.ParcelTable` that carries
the geometry; the attributes are validated by the same
:meth:`ParcelTable.from_frame` as every other reader (aliases across survey
years, the KCXS/KCMJ/TBDLMJ rules), and the layer's CRS by
:func:`wetval.spatial.crs.check_crs`. The township is a code
(``township_code`` = ZLDWDM[:9], ``village_code`` = ZLDWDM[:12]); its name
comes from a code table or the most common township prefix of ZLDWMC (the
village-level name) per code.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from wetval.errors import DataQualityWarning, Problem, ProblemCollector, ValidationError
from wetval.io import _text_dtypes
from wetval.landclass import Scheme
from wetval.messages import Message
from wetval.spatial.crs import check_crs, ellipsoidal_area
from wetval.tables import ParcelTable, _as_text

__all__ = [
    "AREA_CHECK_ABS_M2",
    "AREA_CHECK_REL",
    "is_geometry_file",
    "layers",
    "parcels_from_layer",
    "read_dltb",
    "read_layer",
    "township_names",
]

#: A parcel's ellipsoidal geometry area may depart from TBMJ by this much [m²] …
AREA_CHECK_ABS_M2 = 1.0
#: … or by this share of TBMJ, whichever is larger, before it is listed.
AREA_CHECK_REL = 0.001

_GDB = (".gdb", ".gdb.zip")
_VECTOR = (".gpkg", ".shp", ".geojson", ".fgb", ".zip")
_PARQUET = (".parquet", ".geoparquet")
_DLTB_NAMES = ("DLTB", "地类图斑")


def _file_error(path: Path, reason: str, fix: str) -> ValidationError:
    return ValidationError([Problem(reason=reason, fix=fix)], what="spatial file", source=str(path))


def _kind(path: Path) -> Literal["gdb", "vector", "parquet"]:
    name = path.name.lower().rstrip("/")
    if name.endswith(".mdb"):
        raise _file_error(
            path,
            "a Personal Geodatabase (.mdb) cannot be read: it needs GDAL's PGeo driver and "
            "an ODBC driver, which the pyogrio wheels do not have",
            "convert it first, e.g. on a machine with OSGeo4W/QGIS: "
            f"ogr2ogr -f GPKG {path.stem}.gpkg {path.name} DLTB "
            "(or export the layer from ArcGIS to a File Geodatabase or GeoPackage)",
        )
    if name.endswith(_GDB):
        kind: Literal["gdb", "vector", "parquet"] = "gdb"
    elif name.endswith(_PARQUET):
        kind = "parquet"
    elif name.endswith(_VECTOR):
        kind = "vector"
    else:
        raise _file_error(
            path,
            f"not a spatial format wetval reads ({path.suffix or path.name!r})",
            "use a File Geodatabase (.gdb folder or .gdb.zip), Shapefile, GeoPackage or GeoParquet",
        )
    exists = path.is_dir() if name.endswith(".gdb") else path.is_file()
    if not exists:
        raise _file_error(path, "file or folder not found", "check the path")
    if path.is_dir() and not any(path.iterdir()):
        raise _file_error(
            path, "the folder is empty; a File Geodatabase holds its tables' files",
            "give the whole .gdb folder as delivered (or zip it as .gdb.zip)",
        )  # fmt: skip
    if path.is_file() and path.stat().st_size == 0:
        raise _file_error(
            path, "the file is empty (0 bytes); it holds no layer",
            "give the delivered file again (an interrupted copy or export leaves an empty file)",
        )  # fmt: skip
    return kind


def is_geometry_file(path: str | os.PathLike[str]) -> bool:
    """Whether wetval reads ``path`` with its geometry (:func:`read_dltb`), not as a table.

    File Geodatabases (``.gdb`` folder, ``.gdb.zip``), GeoPackage, Shapefile,
    GeoJSON, FlatGeobuf and zipped vector files by their ending; a Parquet file
    when it carries GeoParquet metadata (a geometry column and its CRS). The
    one rule every reader of parcel files follows (``assess``, the registry's
    survey import).
    """
    path = Path(path)
    name = path.name.lower().rstrip("/")
    if name.endswith(_GDB + _VECTOR):
        return True
    if not name.endswith(_PARQUET) or not path.is_file():
        return False
    try:
        import pyarrow.parquet as pq

        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return False  # not readable as Parquet: the table reader names the fault
    return b"geo" in metadata


def _unreadable(path: Path, error: Exception) -> ValidationError:
    """One error for a file GDAL (or Arrow) cannot open: named, with the fix."""
    return _file_error(
        path,
        f"cannot be read as a {path.suffix or path.name} spatial file ({error})",
        "check that the file is the layer as delivered and not damaged or of another "
        "format (open it in QGIS); export it again if needed",
    )


def _check_encoding(encoding: str | None, path: Path) -> None:
    """Refuse an encoding name Python does not know, or a codec that is not a text encoding."""
    import codecs

    if encoding is None:
        return
    try:
        known = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
    except LookupError:
        known = False
    if not known:
        raise ValidationError(
            [Problem(column="encoding", value=encoding,
                     reason=f"unknown text encoding {encoding!r}",
                     fix="use utf-8, utf-8-sig or gbk (or leave the encoding out: it is "
                         "detected)")],
            what="file", source=str(path),
        )  # fmt: skip


def layers(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The layers of a spatial file with their feature counts and CRS.

    Parameters
    ----------
    path
        A ``.gdb`` folder, ``.gdb.zip``, Shapefile, GeoPackage or GeoParquet file.

    Returns
    -------
    pandas.DataFrame
        ``layer``, ``geometry_type``, ``features`` and ``crs`` (``"EPSG:4527"``,
        the CRS's name when it has no EPSG code, or empty when there is none).
    """
    import pyogrio
    import pyproj

    path = Path(path)
    if _kind(path) == "parquet":
        import pyarrow.parquet as pq

        frame = _read_parquet(path)
        rows = [(path.stem, str(frame.geom_type.mode().iloc[0]) if len(frame) else "",
                 pq.ParquetFile(path).metadata.num_rows, _crs_label(frame.crs))]  # fmt: skip
    else:
        rows = []
        for name, geometry_type in _list_layers(path):
            try:
                info = pyogrio.read_info(path, layer=name, force_feature_count=True)
            except RuntimeError as error:  # pyogrio's errors
                raise _unreadable(path, error) from None
            crs = pyproj.CRS.from_user_input(info["crs"]) if info["crs"] else None
            rows.append((str(name), str(geometry_type or ""), int(info["features"]),
                         _crs_label(crs)))  # fmt: skip
    return pd.DataFrame(rows, columns=["layer", "geometry_type", "features", "crs"])


def _crs_label(crs: Any) -> str:
    if crs is None:
        return ""
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else str(crs.name)


def _read_parquet(path: Path) -> Any:
    import geopandas

    try:
        return geopandas.read_parquet(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise _unreadable(path, error) from None


def _list_layers(path: Path) -> list[tuple[str, str]]:
    import pyogrio

    try:
        return [(str(n), str(t or "")) for n, t in pyogrio.list_layers(path)]
    except RuntimeError as error:  # pyogrio's errors
        raise _unreadable(path, error) from None


def _choose_layer(path: Path, layer: str | None) -> str | None:
    if layer is not None or _kind(path) == "parquet":
        return layer
    names = [n for n, _ in _list_layers(path)]
    for wanted in _DLTB_NAMES:
        for name in names:
            if name.upper() == wanted:
                return name
    if len(names) == 1:
        return names[0]
    raise _file_error(
        path,
        f"{len(names)} layers and none is called DLTB: {', '.join(names)}",
        "name the layer: read_dltb(path, layer='...') (see wetval.spatial.layers(path))",
    )


def read_layer(
    path: str | os.PathLike[str], layer: str | None = None, *, encoding: str | None = None
) -> Any:
    """Read one layer as a GeoDataFrame with code columns as text and its CRS checked.

    Shapefiles without a ``.cpg`` are read as UTF-8 and, if that fails, as
    GBK (GB 18030), what Chinese desktop GIS writes.

    Raises
    ------
    wetval.errors.ValidationError
        File not found, empty (0 bytes) or unreadable (damaged, another format),
        unsupported (``.mdb``: with the command to convert it), an unknown
        ``encoding``, several layers and none named, a layer without features,
        a CRS that is not CGCS2000 or coordinates outside its zone.
    """
    import geopandas
    import pyogrio

    path = Path(path)
    kind = _kind(path)
    _check_encoding(encoding, path)
    chosen = _choose_layer(path, layer)
    label = f"{path}" + (f" layer {chosen}" if chosen else "")
    if kind == "parquet":
        frame = _read_parquet(path)
    else:
        options: dict[str, Any] = {"layer": chosen} if chosen is not None else {}
        if chosen is not None:
            known = [n for n, _ in _list_layers(path)]
            if chosen not in known:
                raise _file_error(path, f"no layer {chosen!r}", f"use one of: {', '.join(known)}")
        no_cpg = path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists()
        if encoding is not None:
            options["encoding"] = encoding
        elif no_cpg:
            options["encoding"] = "utf-8"
        try:
            try:
                frame = pyogrio.read_dataframe(path, **options)
            except UnicodeDecodeError:
                options["encoding"] = "gb18030"
                frame = pyogrio.read_dataframe(path, **options)
        except (RuntimeError, UnicodeDecodeError) as error:  # pyogrio's errors
            raise _unreadable(path, error) from None
        frame.attrs["encoding"] = options.get("encoding", "")
    if len(frame) == 0:
        raise _file_error(
            path,
            f"the layer{' ' + chosen if chosen else ''} has no features",
            "give the layer that holds the features (see wetval.spatial.layers(path) for each "
            "layer's feature count), or export it again",
        )
    frame = geopandas.GeoDataFrame(frame)
    for column in _text_dtypes([str(c) for c in frame.columns if c != "geometry"]):
        if not pd.api.types.is_string_dtype(frame[column].dtype):
            frame[column] = _as_text(frame[column])
    check_crs(frame.crs, frame.total_bounds, label)
    frame.attrs["source"] = label
    return frame


def township_names(
    location_codes: pd.Series, village_names: pd.Series | None = None,
    code_table: Mapping[str, str] | None = None,
) -> pd.Series:  # fmt: skip
    """Township name per township code (ZLDWDM[:9]).

    From ``code_table`` (code → name) where given, else the most common
    township prefix (up to 镇, 乡 or 街道) of ZLDWMC among the code's parcels,
    never ZLDWMC itself (it names the village).

    Returns
    -------
    pandas.Series
        Name per township code (index); missing where neither source names it.
    """
    codes = _as_text(location_codes).str.slice(0, 9)
    codes = codes.mask(codes.str.len() < 9)
    names: pd.Series[Any] = pd.Series(None, index=pd.Index(codes.dropna().unique()), dtype=object)
    if village_names is not None and len(names):
        positions, uniques = pd.factorize(_as_text(village_names))
        unique_prefix = pd.Series(uniques, dtype="string").str.extract(
            r"^(.+?(?:街道|镇|乡))", expand=False
        )
        lookup = np.empty(len(unique_prefix) + 1, dtype=object)  # the last one for missing
        lookup[:-1] = unique_prefix.to_numpy(dtype=object)
        prefix = pd.Series(lookup[positions])
        pairs = pd.DataFrame({"code": codes.to_numpy(), "name": prefix.to_numpy()}).dropna()
        if len(pairs):
            counts = pairs.groupby(["code", "name"], sort=True).size().reset_index(name="n")
            best = counts.sort_values(["code", "n"], ascending=[True, False], kind="stable")
            names.update(best.drop_duplicates("code").set_index("code")["name"])
    if code_table:
        table: pd.Series[Any] = pd.Series(dict(code_table), dtype=object)
        names.update(table[table.index.isin(names.index)])
    return names


def read_dltb(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    scheme: Scheme | Literal["sandiao", "yongdi_yonghai"] = "sandiao",
    encoding: str | None = None,
    township_table: Mapping[str, str] | None = None,
) -> ParcelTable:
    """Read and validate a 三调 DLTB layer with its geometry.

    Parameters
    ----------
    path
        A File Geodatabase folder (``.gdb``) or zipped one (``.gdb.zip``), a
        Shapefile (its ``.cpg`` or GBK attributes), a GeoPackage or GeoParquet.
        A Personal Geodatabase (``.mdb``) is refused with how to convert it.
    layer
        Layer name; by default the one named DLTB (or the only layer).
    scheme
        Land-classification scheme of DLBM (see :meth:`ParcelTable.from_frame`).
    encoding
        Attribute encoding, overriding the ``.cpg`` and the UTF-8/GBK detection.
    township_table
        Township code (9 digits) → name; by default names come from ZLDWMC prefixes.

    Returns
    -------
    ParcelTable
        Geometry in ``geometry`` (in the layer's CRS); ``township_code``,
        ``village_code``, ``township`` (the township's name), ``tbmj_m2`` (TBMJ)
        and ``kcmj_m2`` (KCMJ) added; the 林草湿 fields (SD_DJ, ZYSD_BM, SDLYFS)
        in ``wetland_level``, ``important_wetland`` and ``wetland_use``.

    Raises
    ------
    wetval.errors.ValidationError
        Every problem of the attributes (one error), or of the file or CRS.

    Warns
    -----
    wetval.errors.DataQualityWarning
        Parcels whose ellipsoidal geometry area departs from TBMJ by more than
        ``max(AREA_CHECK_ABS_M2, AREA_CHECK_REL × TBMJ)``, listed by id; invalid
        geometries, listed by id.
    """
    frame = read_layer(path, layer, encoding=encoding)
    return parcels_from_layer(
        frame, source=str(frame.attrs["source"]), scheme=scheme, township_table=township_table
    )


def parcels_from_layer(
    frame: Any,
    *,
    source: str,
    scheme: Scheme | Literal["sandiao", "yongdi_yonghai"] = "sandiao",
    township_table: Mapping[str, str] | None = None,
) -> ParcelTable:
    """Validate a DLTB GeoDataFrame already read (see :func:`read_dltb` for what is added).

    Raises
    ------
    wetval.errors.ValidationError
        Parcels without geometry; every problem of the attributes.
    """
    import shapely

    frame = frame.copy()
    columns = {str(c).upper(): str(c) for c in frame.columns}
    problems = ProblemCollector(frame.index.to_numpy(dtype=object))
    geometry = frame.geometry.to_numpy()
    problems.add_rows(
        shapely.is_missing(geometry) | shapely.is_empty(geometry), column="geometry",
        values=pd.Series(["(empty)"] * len(frame)),
        reason="parcel without geometry", fix="repair or delete the feature in the layer",
    )  # fmt: skip
    problems.raise_if_any("parcel layer", source)
    if "ZLDWDM" in columns:
        codes = _as_text(frame[columns["ZLDWDM"]])
        frame["township_code"] = codes.str.slice(0, 9).mask(codes.str.len() < 9)
        frame["village_code"] = codes.str.slice(0, 12).mask(codes.str.len() < 12)
        villages = frame[columns["ZLDWMC"]] if "ZLDWMC" in columns else None
        names = township_names(codes, villages, township_table)
        frame["township"] = frame["township_code"].map(names)
    # the gross and deducted areas stay with the parcel: the overlay prorates both
    for name, keep in (("TBMJ", "tbmj_m2"), ("KCMJ", "kcmj_m2")):
        if name in columns:
            frame[keep] = pd.to_numeric(frame[columns[name]], errors="coerce")
    parcels = ParcelTable.from_frame(frame, scheme=scheme, source=source)
    _warn_geometry(parcels, frame, columns, source)
    return parcels


def _warn_geometry(
    parcels: ParcelTable, frame: Any, columns: Mapping[str, str], source: str
) -> None:
    import shapely

    geometry = frame.geometry.to_numpy()
    ids = parcels.ids.to_numpy(dtype=object)
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        message = Message.of(
            "w_invalid_geometry",
            parcels=int(invalid.sum()),
            source=source,
            ids=tuple(map(str, ids[invalid][:20])),
        )
        warnings.warn(DataQualityWarning.of(message), stacklevel=3)
    if "TBMJ" not in columns:
        return
    tbmj = pd.to_numeric(frame[columns["TBMJ"]], errors="coerce").to_numpy(dtype=float)
    area = ellipsoidal_area(frame.geometry)
    off = np.abs(area - tbmj) > np.maximum(AREA_CHECK_ABS_M2, AREA_CHECK_REL * tbmj)
    off &= ~np.isnan(tbmj)
    if off.any():
        rows = tuple(
            f"{i} ({a:,.2f} / {t:,.2f} m²)"
            for i, a, t in zip(ids[off][:20], area[off][:20], tbmj[off][:20], strict=True)
        )
        message = Message.of(
            "w_area_departs_tbmj",
            parcels=int(off.sum()),
            source=source,
            absolute_m2=AREA_CHECK_ABS_M2,
            relative=AREA_CHECK_REL,
            rows=rows,
        )
        warnings.warn(DataQualityWarning.of(message), stacklevel=3)
