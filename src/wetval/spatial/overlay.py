"""The red-line overlay (压占分析): which parcels a footprint takes, and how much of each.

:func:`overlay` intersects a footprint (the occupation's 用地红线, or the
restoration sites' boundaries) with the parcels, vectorised with shapely 2
and an STRtree, and returns an :class:`Overlay`: one row per intersected piece
with the parcel's attributes, its TBMJ and TBDLMJ, the ellipsoidal area of the
piece, its share of the parcel and TBDLMJ prorated by that share; the
deducted strip (KCDLBM, KCMJ prorated) is its own record, as the practice
keeps it. Totals by land class and by ownership unit make the 压占分析表.
:meth:`Overlay.to_parcels` gives the occupied-parcel (or restoration-parcel)
table quota accounting takes, with ``role`` and ``project_id`` filled.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from wetval.errors import DataQualityWarning, Problem, ValidationError
from wetval.landclass import classify
from wetval.messages import Message
from wetval.provenance import Provenance, frame_hash
from wetval.results import Result
from wetval.spatial.crs import CrsInfo, check_crs, choose_working_crs, ellipsoidal_area
from wetval.summary import Summary, SummaryTable
from wetval.tables import AREA_TOLERANCE_M2, LEVELS, ParcelTable
from wetval.units import M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FILE_FIELDS", "SHAPEFILE_PARTS", "SLIVER_M2", "ImportantWetlands", "Overlay", "overlay"]

#: Pieces smaller than this [m²] are listed as slivers (and kept).
SLIVER_M2 = 1.0
#: Quota columns a footprint may carry to its pieces (restoration design, project type).
_CARRIED = ("target_class", "compensated_first", "years_to_target", "risk_class", "project_type")

#: Fields of :meth:`Overlay.to_file`: canonical name, Chinese name, Shapefile name (≤ 10).
FILE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("piece_id", "压占图斑编号", "PIECE_ID"),
    ("parcel_id", "图斑标识码", "BSM"),
    ("project_id", "项目编号", "XMBH"),
    ("role", "类型", "ROLE"),
    ("record", "记录类型", "JLLX"),
    ("land_class", "地类编码", "DLBM"),
    ("land_class_name", "地类名称", "DLMC"),
    ("legal_wetland", "是否法定湿地", "SFSD"),
    ("ownership", "权属性质", "QSXZ"),
    ("ownership_unit", "权属单位", "QSDW"),
    ("township_code", "乡镇代码", "XZDM"),
    ("township", "乡镇名称", "XZMC"),
    ("tbmj_m2", "图斑面积", "TBMJ"),
    ("tbdlmj_m2", "图斑地类面积", "TBDLMJ"),
    ("piece_area_m2", "压占面积", "YZMJ"),
    ("share", "压占比例", "YZBL"),
    ("area_m2", "压占地类面积", "YZDLMJ"),
    ("wetland_level", "湿地等级", "SDDJ"),
)
#: Files of a Shapefile besides the ``.shp``: those :meth:`Overlay.to_file` writes, then the
#: spatial indexes of other programs (removed on replacing: they would index the old file).
_SHAPEFILE_INDEXES = (".qix", ".sbn", ".sbx")
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", *_SHAPEFILE_INDEXES)
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}  # national most protective


def _error(reason: str, fix: str, source: str, rows: Sequence[Any] = ()) -> ValidationError:
    problems = [Problem(reason=reason, row=r, column="geometry", fix=fix) for r in rows] or [
        Problem(reason=reason, column="geometry", fix=fix)
    ]
    return ValidationError(problems, what="footprint", source=source)


@dataclass(frozen=True)
class Overlay(Result):
    """Pieces of parcels under a footprint, with the 压占分析表 totals.

    Attributes
    ----------
    pieces
        One row per piece (index ``piece_id``): ``parcel_id``, ``footprint``
        (footprint feature), ``project_id``, ``role``, ``record`` (``"parcel"``
        or ``"deduction"`` for the KCDLBM strip), ``land_class``,
        ``land_class_name``, ``category``, ``legal_wetland``, ``ownership``,
        ``ownership_unit``, ``township_code``, ``township``, ``county_code``,
        ``tbmj_m2`` and ``tbdlmj_m2`` of the parcel [m²], ``piece_area_m2``
        (ellipsoidal area of the piece [m²], of the strip's share for a
        deduction record), ``share`` of the parcel's geometry, ``area_m2``
        (TBDLMJ, or KCMJ for the strip, prorated by the share [m²], after any
        控面 adjustment), ``wetland_level``, ``important_wetland``, any
        quota columns the footprint carries, and ``geometry_wkb`` (hex WKB in
        the working CRS).
    crs
        EPSG code of the working CRS the pieces are in.
    footprints
        The footprint features (index: feature label): ``project_id`` and
        ``geometry_wkb`` (hex WKB in the working CRS).
    control
        The 控面 adjustment: ``control_m2``, ``before_m2``, ``adjustment_m2``,
        ``factor`` (empty when no control area was given).
    findings
        Findings for the reader (multi-part footprints, slivers, uncovered area,
        the 控面 adjustment, the working CRS): ``key``, ``severity`` and ``values``
        (JSON); see :attr:`messages`.
    provenance
        Input hashes, the working CRS and why, options.
    """

    pieces: pd.DataFrame
    crs: int
    footprints: pd.DataFrame = field(default_factory=pd.DataFrame)
    control: dict[str, float] = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def role(self) -> str:
        """``"occupation"`` or ``"restoration"``: what the footprint's pieces are."""
        return str(self.provenance.options["role"])

    @property
    def messages(self) -> tuple[Message, ...]:
        """The findings as :class:`~wetval.messages.Message` (texts in the report strings)."""
        return _findings_messages(self.findings)

    # ------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """The pieces (without the geometry column)."""
        return self.pieces.drop(columns="geometry_wkb").copy()

    def geometry(self) -> Any:
        """The pieces as a GeoDataFrame in the working CRS."""
        import geopandas

        frame = self.pieces.drop(columns="geometry_wkb")
        geoms = geopandas.GeoSeries.from_wkb(
            self.pieces["geometry_wkb"].map(bytes.fromhex).to_numpy(), index=frame.index
        )
        return geopandas.GeoDataFrame(frame, geometry=geoms, crs=self.crs)

    def footprint_geometry(self) -> Any:
        """The footprint (red line or sites) as a GeoDataFrame in the working CRS."""
        import geopandas

        geoms = geopandas.GeoSeries.from_wkb(
            self.footprints["geometry_wkb"].map(bytes.fromhex).to_numpy(),
            index=self.footprints.index,
        )
        frame = self.footprints.drop(columns="geometry_wkb")
        return geopandas.GeoDataFrame(frame, geometry=geoms, crs=self.crs)

    def _totals(self, by: list[str]) -> pd.DataFrame:
        grouped = self.pieces.groupby(by, sort=True, dropna=False, observed=True)
        table = pd.DataFrame(
            {
                "pieces": grouped.size(),
                "piece_area_m2": grouped["piece_area_m2"].sum(),
                "area_m2": grouped["area_m2"].sum(),
            }
        )
        table["area_ha"] = table["area_m2"] / 1e4
        table["area_mu"] = table["area_m2"] / M2_PER_MU
        return table

    def by_land_class(self) -> pd.DataFrame:
        """Totals by land class (DLBM and its name): pieces, areas [m², ha, 亩]."""
        return self._totals(["land_class", "land_class_name"])

    def by_ownership(self) -> pd.DataFrame:
        """Totals by ownership unit (权属单位) and land class."""
        return self._totals(["ownership_unit", "land_class"])

    @property
    def total_m2(self) -> float:
        """Sum of the prorated land-class areas [m²]."""
        return float(self.pieces["area_m2"].sum())

    def summary(self) -> Summary:
        """The 压占分析表: totals by land class and by ownership unit, and the findings."""
        title = Message.of(
            "sum_overlay", "note", pieces=len(self.pieces),
            parcels=int(self.pieces["parcel_id"].nunique()), area_m2=self.total_m2,
            area_mu=self.total_m2 / M2_PER_MU, crs=f"EPSG:{self.crs}",
        )  # fmt: skip
        classes = self.by_land_class().reset_index()
        by_class = pd.DataFrame(
            {
                "land_class": classes["land_class"].astype(str).tolist(),
                "land_class_name": classes["land_class_name"].astype(str).tolist(),
                "sum_pieces": classes["pieces"].to_numpy(dtype=int),
                "area_m2": classes["area_m2"].to_numpy(dtype=float),
                "area_mu": classes["area_mu"].to_numpy(dtype=float),
            }
        )
        owners = self.by_ownership().reset_index()
        by_owner = pd.DataFrame(
            {
                "ownership_unit": owners["ownership_unit"].astype(str).tolist(),
                "land_class": owners["land_class"].astype(str).tolist(),
                "sum_pieces": owners["pieces"].to_numpy(dtype=int),
                "area_m2": owners["area_m2"].to_numpy(dtype=float),
            }
        )
        notes = (Message.of("sum_synthetic", "note"),) if self.synthetic else ()
        return Summary(
            title,
            (
                SummaryTable("land_classes", "sum_by_class_table", by_class),
                SummaryTable("ownership", "sum_by_owner_table", by_owner),
            ),
            (*notes, *self.messages),
        )

    def to_parcels(self) -> ParcelTable:
        """The pieces as a parcel table for quota accounting (role and project_id filled).

        Each piece is a parcel (id ``piece_id``, area ``area_m2``), so
        :func:`wetval.quota.account_debits` / :func:`~wetval.quota.account_credits` need no
        hand-made ``role`` or ``project_id`` column. Pieces that are not legal
        wetland and have no level get ``general`` (they need no quota either way).
        """
        frame = self.pieces.drop(columns=["geometry_wkb", "category", "legal_wetland"])
        frame["wetland_level"] = quota_levels(self.pieces)
        frame = frame.rename(columns={"parcel_id": "source_parcel"})
        frame = frame.reset_index().rename(columns={"piece_id": "parcel_id"})
        frame.attrs["synthetic"] = self.synthetic
        return ParcelTable.from_frame(frame, source=f"overlay (EPSG:{self.crs})")

    # ------------------------------------------------------------ output
    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the pieces as GeoPackage (``.gpkg``) or Shapefile (``.shp``) in CGCS2000.

        GeoPackage fields carry the canonical names and the Chinese names of
        :data:`FILE_FIELDS` side by side; a Shapefile (10-character names) gets
        the short 三调-style names and a ``.cpg`` (GBK).

        The file is written whole or not at all: a GeoPackage through
        :func:`wetval.atomic.write_atomic`; a Shapefile's files (``.shp``,
        ``.shx``, ``.dbf``, ``.prj``, ``.cpg``) into a staging folder beside it
        (``.NAME.partial-*``), then moved into place one by one, earlier spatial
        indexes (``.qix``, ``.sbn``, ``.sbx``) removed. On any error the
        temporary files are removed and an existing file is left as it was.
        The folder must exist; an existing file is replaced (the command line
        refuses that without ``--force``).

        Returns
        -------
        pathlib.Path

        Raises
        ------
        wetval.errors.OutputError
            The file cannot be written (read-only folder, disk full, a folder
            in its place, ...): names the path and the fix; nothing was written.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".gpkg", ".shp"):
            raise ValueError(f"cannot write {suffix!r}: use .gpkg or .shp")
        frame = self.geometry().reset_index()
        frame["legal_wetland"] = frame["legal_wetland"].astype(bool).astype(int)
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype(object)
        try:
            if suffix == ".gpkg":
                for canonical, zh, _ in FILE_FIELDS:
                    if canonical in frame.columns:
                        frame[zh] = frame[canonical]
                _write_geopackage(frame, path)
            else:
                short = {c: s for c, _, s in FILE_FIELDS if c in frame.columns}
                _write_shapefile(frame[[*short, "geometry"]].rename(columns=short), path)
        except (OSError, RuntimeError) as error:  # pyogrio's errors are RuntimeErrors
            raise _output_error(error, path) from None
        return path

    def plot(
        self,
        ax: Axes | None = None,
        *,
        parcels: ParcelTable | None = None,
        restoration: Sequence[Overlay] = (),
        grades: Any = None,
        lang: Literal["zh", "en"] = "zh",
    ) -> Axes:
        """The map of this overlay and ``restoration`` (:func:`wetval.spatial.maps.overlay_map`).

        Red line, pieces by land class, every compensating site by grade, township
        boundaries (with ``parcels``), scale bar, north arrow, CGCS2000 noted.
        """
        from wetval.spatial.maps import overlay_map

        return overlay_map([self, *restoration], parcels=parcels, grades=grades, ax=ax, lang=lang)


def _write_geopackage(frame: Any, path: Path) -> None:
    from wetval.atomic import write_atomic

    def write(temporary: Path) -> None:
        temporary.unlink()  # GDAL creates the GeoPackage; an empty file is not one
        frame.to_file(temporary, layer="overlay", driver="GPKG", engine="pyogrio")

    write_atomic(path, write)


def _write_shapefile(frame: Any, path: Path) -> None:
    import shutil
    import tempfile

    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name[:100]}.partial-"))
    try:
        written = staging / path.name
        frame.to_file(written, driver="ESRI Shapefile", encoding="gbk", engine="pyogrio")
        parts = {p.suffix.lower(): p for p in staging.iterdir()}
        for index in _SHAPEFILE_INDEXES:
            path.with_suffix(index).unlink(missing_ok=True)  # an index of the earlier file
        for suffix in sorted(parts, key=lambda s: s == ".shp"):  # the .shp last
            os.replace(parts[suffix], path.with_suffix(suffix))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _output_error(error: Exception, path: Path) -> Exception:
    from wetval.atomic import output_error
    from wetval.errors import OutputError

    if isinstance(error, OSError):
        return output_error(error, path, "overlay output")
    return OutputError(
        f"cannot write the overlay output {str(path)!r}: {error}; nothing was written; fix: "
        "check the path, the permissions and the free space"
    )


def quota_levels(pieces: pd.DataFrame) -> np.ndarray:
    """The wetland level of each piece as quota accounting takes it.

    Land that is not legal wetland needs no quota and has no wetland level;
    quota debits ask every occupation parcel for one, so it is ``general``
    (0 units). Legal wetland keeps its level (or none, which debits refuse).
    """
    level = pieces["wetland_level"].to_numpy(dtype=object).copy()
    level[pd.isna(level) & ~pieces["legal_wetland"].to_numpy(dtype=bool)] = "general"
    return level


def _tupled(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# ---------------------------------------------------------------- inputs
def _footprint_frame(footprint: Any) -> Any:
    import geopandas
    import shapely

    if isinstance(footprint, str | os.PathLike):
        from wetval.spatial.read import read_layer

        return read_layer(footprint)
    if isinstance(footprint, geopandas.GeoDataFrame):
        return footprint
    if isinstance(footprint, geopandas.GeoSeries):
        return geopandas.GeoDataFrame(geometry=footprint)
    if isinstance(footprint, shapely.Geometry):
        raise ValidationError(
            [Problem(reason="a bare shapely geometry has no CRS",
                     fix="pass a GeoSeries/GeoDataFrame with its CRS, e.g. "
                         "geopandas.GeoSeries([geom], crs='EPSG:4527')")],
            what="footprint",
        )  # fmt: skip
    raise TypeError(f"footprint must be a path, GeoDataFrame or GeoSeries, not {type(footprint)}")


def _check_footprint(frame: Any, source: str) -> None:
    import shapely

    geoms = frame.geometry.to_numpy()
    labels = frame.index.to_numpy(dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        raise _error(
            "footprint feature without geometry", "remove or redraw it", source, labels[empty]
        )
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    if not polygonal.all():
        raise _error(
            "footprint feature is not a polygon (a line or point cannot occupy land)",
            "give the land-use boundary as polygons",
            source,
            labels[~polygonal],
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        raise ValidationError(
            [
                Problem(
                    reason=f"invalid footprint geometry: {why}",
                    row=row,
                    column="geometry",
                    fix="repair it (QGIS: Fix geometries; shapely.make_valid) and check the "
                    "repaired boundary against the approved red line",
                )
                for row, why in zip(labels[invalid], reasons, strict=True)
            ],
            what="footprint",
            source=source,
        )


def _projects(frame: Any, project_id: str | None, project_field: str | None, source: str) -> Any:
    if project_field is not None:
        if project_field not in frame.columns:
            raise ValidationError(
                [Problem(reason=f"no column {project_field!r}", column=project_field,
                         fix=f"use one of: {', '.join(map(str, frame.columns))}")],
                what="footprint", source=source,
            )  # fmt: skip
        ids = frame[project_field].astype("string")
        missing = ids.isna().to_numpy()
        if missing.any():
            raise ValidationError(
                [Problem(reason="footprint feature without a project id", row=r,
                         column=project_field, fix="fill in the project id")
                 for r in frame.index[missing]],
                what="footprint", source=source,
            )  # fmt: skip
        return ids.to_numpy(dtype=object)
    if project_id is None:
        raise ValidationError(
            [Problem(reason="no project id", fix="pass project_id='P01' (one project) or "
                     "project_field='XMBH' (a column of the footprint)")],
            what="footprint", source=source,
        )  # fmt: skip
    return np.full(len(frame), str(project_id), dtype=object)


def _check_control_area(control_area_m2: Any) -> None:
    """Refuse a control area (控面) that is not a finite number > 0 [m²]."""
    if control_area_m2 is None:
        return
    try:
        value = float(control_area_m2)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(control_area_m2, bool) or not (np.isfinite(value) and value > 0):
        raise ValidationError(
            [Problem(reason="the control area (控面) must be a finite number > 0 [m²]",
                     column="control_area_m2", value=control_area_m2,
                     fix="give the approved red line's 控面 in m² (e.g. control_area_m2=30000), "
                         "or leave it out")],
            what="overlay options",
        )  # fmt: skip


def _parcel_geometry(parcels: ParcelTable) -> tuple[np.ndarray, Any]:
    if not parcels.has("geometry"):
        raise ValidationError(
            [Problem(reason="the parcel table has no geometry", column="geometry",
                     fix="read the layer with wetval.spatial.read_dltb (GDB, SHP, GPKG)")],
            what="parcel table", source=parcels.source,
        )  # fmt: skip
    frame = parcels._frame
    return np.asarray(frame.geometry.to_numpy()), frame.crs


def _text_column(parcels: ParcelTable, name: str, rows: np.ndarray) -> np.ndarray:
    if not parcels.has(name):
        return np.full(len(rows), None, dtype=object)
    values = pd.Series(parcels._frame[name].to_numpy()[rows]).astype(object)
    return np.asarray(values.where(values.notna(), None).to_numpy(dtype=object))


def _number(parcels: ParcelTable, name: str, rows: np.ndarray, default: np.ndarray) -> np.ndarray:
    if not parcels.has(name):
        return default
    values = np.asarray(parcels._frame[name].to_numpy(dtype=float, na_value=np.nan)[rows])
    return np.where(np.isnan(values), default, values)


# ---------------------------------------------------------------- overlay
def overlay(
    parcels: ParcelTable,
    footprint: Any,
    *,
    role: Literal["occupation", "restoration"] = "occupation",
    project_id: str | None = None,
    project_field: str | None = None,
    control_area_m2: float | None = None,
    important_wetlands: Any = None,
    level_field: str = "wetland_level",
    name_field: str | None = None,
    default_level: Literal["national", "provincial", "general"] | None = None,
    sliver_m2: float = SLIVER_M2,
) -> Overlay:
    """Overlay a footprint on the parcels (压占分析).

    Parameters
    ----------
    parcels
        Parcels with geometry (:func:`wetval.spatial.read_dltb`).
    footprint
        The occupation's 用地红线 or the restoration sites' boundaries: a path,
        GeoDataFrame or GeoSeries in CGCS2000.
    role
        ``"occupation"`` (occupied parcels) or ``"restoration"`` (restoration parcels).
    project_id, project_field
        One project id for the whole footprint, or the footprint column holding
        each feature's project id.
    control_area_m2
        The red line's control area (控面) [m²]; the pieces' prorated areas are
        scaled to sum to it and the adjustment is reported.
    important_wetlands
        Important-wetland polygons (path, GeoDataFrame, or an
        :class:`ImportantWetlands` read once) with a ``level_field``
        column (national / provincial / general or the Chinese terms); each piece
        takes the most protective level it overlaps by more than ``sliver_m2``;
        legal wetland outside all of them (and without a level) becomes ``general``.
    level_field, name_field
        Columns of ``important_wetlands``: level and (optional) name.
    default_level
        Level of legal-wetland pieces that get none from the parcels or the
        important-wetland polygons (e.g. ``"general"`` when the county's 一般湿地
        list covers all other wetland); recorded in provenance. ``None`` leaves
        them without a level (quota debits then ask for one).
    sliver_m2
        Pieces under this area [m²] are listed as slivers (and kept).

    Returns
    -------
    Overlay

    Raises
    ------
    wetval.errors.ValidationError
        Parcels without geometry or no parcels; a footprint (or important-wetland
        layer) without features; a control area that is not a finite number > 0;
        footprint with no CRS, a non-CGCS2000 CRS or
        coordinates outside its zone; empty, non-polygonal or invalid footprint
        features; footprint features that overlap no parcel (all listed).

    Warns
    -----
    wetval.errors.DataQualityWarning
        Multi-part footprint features, slivers, footprint area in no parcel
        (also in :attr:`Overlay.messages`).
    """
    import shapely

    if role not in ("occupation", "restoration"):
        raise ValueError(f"role must be 'occupation' or 'restoration', not {role!r}")
    _check_control_area(control_area_m2)
    p_geoms, p_crs = _parcel_geometry(parcels)
    p_source = parcels.source or "parcel table"
    if len(p_geoms) == 0:
        raise ValidationError(
            [Problem(reason="the parcel table has no parcels", column="geometry",
                     fix="give the DLTB layer of the county the footprint lies in")],
            what="parcel table", source=p_source,
        )  # fmt: skip
    fp = _footprint_frame(footprint)
    fp_source = str(fp.attrs.get("source", "footprint"))
    if len(fp) == 0:
        raise _error(
            "the footprint has no features",
            "give the red line (or the restoration sites) as at least one polygon; check "
            "the layer (wetval.spatial.layers(path))",
            fp_source,
        )
    p_info = check_crs(p_crs, shapely.total_bounds(p_geoms), p_source)
    fp_info = check_crs(fp.crs, fp.total_bounds, fp_source)
    _check_footprint(fp, fp_source)
    fp_projects = _projects(fp, project_id, project_field, fp_source)

    # one working CRS (recorded); the footprint is reprojected, the parcels only if needed
    centre = _centre_longitude(fp)
    working, reason = choose_working_crs({p_source: p_info, fp_source: fp_info}, centre)
    if p_info.epsg != working.epsg:
        p_geoms = _reproject(p_geoms, p_info, working)
    f_geoms = np.asarray(fp.geometry.to_numpy())
    if fp_info.epsg != working.epsg:
        f_geoms = _reproject(f_geoms, fp_info, working)
    messages: list[Message] = []

    # parts of multi-part footprints are overlaid one by one (listed)
    parts, part_of = shapely.get_parts(f_geoms, return_index=True)
    fp_labels = fp.index.to_numpy(dtype=object)
    messages += _multipart_findings(f_geoms, fp_projects, fp_labels, role)
    tree = shapely.STRtree(p_geoms)
    part_idx, parcel_idx = tree.query(parts, predicate="intersects")
    repaired = p_geoms[parcel_idx]
    bad = ~shapely.is_valid(repaired)
    if bad.any():
        repaired = repaired.copy()
        repaired[bad] = shapely.make_valid(repaired[bad])
    pieces = _polygonal(shapely.intersection(repaired, parts[part_idx]))
    piece_area = ellipsoidal_area(pieces, working.epsg)
    keep = piece_area > 0  # boundary contacts (lines, points) are not pieces
    part_idx, parcel_idx, pieces, piece_area = (
        part_idx[keep], parcel_idx[keep], pieces[keep], piece_area[keep]
    )  # fmt: skip
    touched = np.zeros(len(f_geoms), dtype=bool)
    touched[part_of[part_idx]] = True
    if not touched.all():
        raise _error(
            "footprint feature overlaps no parcel of the layer (wrong layer, wrong county, or "
            "coordinates shifted?)",
            "check that the footprint and the parcel layer cover the same place",
            fp_source,
            fp_labels[~touched],
        )
    # a geometric check, so planar in the working CRS: cutting inserts vertices on long edges,
    # and a straight Gauss–Krüger edge is not a geodesic (~1 m² on a 2.5 km edge)
    covered = np.bincount(part_idx, weights=shapely.area(pieces), minlength=len(parts))
    messages += _uncovered_findings(parts, covered, working.epsg, sliver_m2)

    table = _piece_table(parcels, parcel_idx, p_geoms, piece_area, working)
    table["footprint"] = [str(v) for v in fp_labels[part_of[part_idx]]]
    table["project_id"] = fp_projects[part_of[part_idx]]
    table["role"] = role
    for column in _CARRIED:
        if column in fp.columns:
            table[column] = fp[column].to_numpy()[part_of[part_idx]]
    table["geometry_wkb"] = shapely.to_wkb(pieces, hex=True)
    table = _with_deductions(table)
    table = _name_pieces(table)
    if important_wetlands is not None:
        layer = (
            important_wetlands
            if isinstance(important_wetlands, ImportantWetlands)
            else ImportantWetlands.read(important_wetlands, level_field, name_field)
        )
        _set_levels(table, pieces, layer, working, sliver_m2)
    if default_level is not None:
        if default_level not in LEVELS:
            raise ValueError(f"default_level must be one of {LEVELS}, not {default_level!r}")
        unset = table["wetland_level"].isna() & table["legal_wetland"].astype(bool)
        table.loc[unset, "wetland_level"] = default_level
    messages += _sliver_findings(table, sliver_m2)
    control = _control_adjustment(table, control_area_m2)
    if control:
        messages.append(Message.of("n_overlay_control", "note", **control))
    messages.append(reason)
    _warn_findings(messages, fp_source)
    provenance = Provenance(
        method="wetval.spatial.overlay",
        inputs={"parcels": parcels.hash, "footprint": _geometry_hash(fp)},
        options={
            "role": role,
            "working_crs": working.name,
            "crs_choice": reason.text("en"),
            "sliver_m2": sliver_m2,
            "control_area_m2": control_area_m2,
            "default_level": default_level,
            "area": "ellipsoidal (CGCS2000)",
        },
    )
    findings = _findings_frame(messages)
    footprints = pd.DataFrame(
        {"project_id": fp_projects, "geometry_wkb": shapely.to_wkb(f_geoms, hex=True)},
        index=pd.Index([str(v) for v in fp_labels], name="footprint"),
    )
    return Overlay(
        pieces=table,
        crs=working.epsg,
        footprints=footprints,
        control=control,
        findings=findings,
        synthetic=parcels.synthetic,
        provenance=provenance,
    )


def _centre_longitude(frame: Any) -> float:
    import pyproj

    minx, miny, maxx, maxy = frame.total_bounds
    transformer = pyproj.Transformer.from_crs(frame.crs, 4490, always_xy=True)
    lon, _ = transformer.transform((minx + maxx) / 2, (miny + maxy) / 2)
    return float(lon)


def _reproject(geoms: np.ndarray, source: CrsInfo, target: CrsInfo) -> np.ndarray:
    import pyproj
    import shapely

    transformer = pyproj.Transformer.from_crs(source.epsg, target.epsg, always_xy=True)
    return np.asarray(
        shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(*xy.T)))
    )


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """The polygonal part of each intersection (drops lines and points of collections)."""
    import shapely

    types = shapely.get_type_id(geoms)
    mixed = types == 7  # GeometryCollection
    out = geoms.copy()
    out[~np.isin(types, [3, 6, 7])] = shapely.Polygon()  # a shared edge or corner: no piece
    if not mixed.any():
        return out
    parts, index = shapely.get_parts(geoms[mixed], return_index=True)
    polygon = np.isin(shapely.get_type_id(parts), [3, 6])
    polys, owner = shapely.get_parts(parts[polygon], return_index=True)
    full = np.full(int(mixed.sum()), shapely.Polygon(), dtype=object)
    if len(polys):
        shapely.multipolygons(polys, indices=index[polygon][owner], out=full)
    out[mixed] = full
    return out


def _piece_table(
    parcels: ParcelTable,
    rows: np.ndarray,
    p_geoms: np.ndarray,
    piece_area: np.ndarray,
    working: CrsInfo,
) -> pd.DataFrame:
    unique, inverse = np.unique(rows, return_inverse=True)
    parcel_area = ellipsoidal_area(p_geoms[unique], working.epsg)[inverse]
    share = np.minimum(piece_area / parcel_area, 1.0)
    tbdlmj = parcels.column("area_m2")[rows]
    tbmj = _number(parcels, "tbmj_m2", rows, tbdlmj)
    kcmj = _number(parcels, "kcmj_m2", rows, np.zeros(len(rows)))
    classes = classify(pd.Series(_text_column(parcels, "land_class", rows)), parcels.scheme)
    owner = _text_column(parcels, "QSDWMC", rows)
    owner_code = _text_column(parcels, "QSDWDM", rows)
    location = _text_column(parcels, "location_code", rows)
    ownership_unit = np.where(pd.isna(owner), np.where(pd.isna(owner_code), location, owner_code),
                              owner)  # fmt: skip
    names = _text_column(parcels, "land_class_name", rows)
    names = np.where(pd.isna(names), classes["name_zh"].to_numpy(dtype=object), names)
    return pd.DataFrame(
        {
            "parcel_id": parcels.ids.to_numpy(dtype=object)[rows],
            "record": "parcel",
            "land_class": _text_column(parcels, "land_class", rows),
            "land_class_name": names,
            "category": classes["category"].to_numpy(dtype=object),
            "legal_wetland": classes["legal_wetland"].to_numpy(dtype=bool),
            "ownership": _text_column(parcels, "ownership", rows),
            "ownership_unit": ownership_unit,
            "township_code": _text_column(parcels, "township_code", rows),
            "township": _text_column(parcels, "township", rows),
            "county_code": _text_column(parcels, "county_code", rows),
            "tbmj_m2": tbmj,
            "tbdlmj_m2": tbdlmj,
            "kcmj_m2": kcmj,
            "deducted_class": _text_column(parcels, "deducted_class", rows),
            "piece_area_m2": piece_area,
            "share": share,
            "area_m2": tbdlmj * share,
            "wetland_level": _text_column(parcels, "wetland_level", rows),
            "important_wetland": _text_column(parcels, "important_wetland", rows),
        }
    )


def _with_deductions(table: pd.DataFrame) -> pd.DataFrame:
    """The deducted strip (KCDLBM, KCMJ × share) of each piece as its own record."""
    strip = table[(table["kcmj_m2"] > 0)].copy()
    if strip.empty:
        return table.drop(columns=["kcmj_m2", "deducted_class"])
    strip["record"] = "deduction"
    strip["land_class"] = strip["deducted_class"].where(strip["deducted_class"].notna(), "1203")
    info = classify(pd.Series(strip["land_class"].to_numpy(dtype=object)), "sandiao")
    strip["land_class_name"] = info["name_zh"].to_numpy(dtype=object)
    strip["category"] = info["category"].to_numpy(dtype=object)
    strip["legal_wetland"] = info["legal_wetland"].to_numpy(dtype=bool)
    strip["area_m2"] = strip["kcmj_m2"] * strip["share"]
    # the strip's part of the piece's ground, in proportion to KCMJ / TBMJ
    strip["piece_area_m2"] = strip["piece_area_m2"] * strip["kcmj_m2"] / strip["tbmj_m2"]
    parcel_rows = table.copy()
    has_strip = parcel_rows["kcmj_m2"] > 0
    parcel_rows.loc[has_strip, "piece_area_m2"] = parcel_rows.loc[has_strip, "piece_area_m2"] * (
        1 - parcel_rows.loc[has_strip, "kcmj_m2"] / parcel_rows.loc[has_strip, "tbmj_m2"]
    )
    both = pd.concat([parcel_rows, strip], ignore_index=True)
    both["_order"] = np.r_[np.arange(len(parcel_rows)), np.flatnonzero(has_strip.to_numpy())]
    both = both.sort_values(["_order", "record"], kind="stable", ascending=[True, False])
    return both.drop(columns=["kcmj_m2", "deducted_class", "_order"])


def _owner(table: pd.DataFrame) -> np.ndarray:
    """Position among the parcel records of each row's piece (strips follow their piece)."""
    return np.asarray(np.cumsum(table["record"].to_numpy() == "parcel") - 1)


def _name_pieces(table: pd.DataFrame) -> pd.DataFrame:
    """Piece ids: ``project:parcel`` (``-2``, ``-3`` … for further parts; ``-KC`` for strips)."""
    parcel_rows = (table["record"] == "parcel").to_numpy()
    base = (table["project_id"].astype(str) + ":" + table["parcel_id"].astype(str))[parcel_rows]
    number = base.groupby(base.to_numpy()).cumcount().to_numpy() + 1
    piece = base.to_numpy(dtype=object) + np.where(number > 1, "-" + number.astype(str), "")
    ids = piece[_owner(table)] + np.where(parcel_rows, "", "-KC")
    out = table.copy()
    out.index = pd.Index(ids.astype(object), name="piece_id")
    return out


@dataclass(frozen=True)
class ImportantWetlands:
    """An important-wetland layer, checked once (the polygons and their levels).

    Build it with :meth:`read`; the partitioned overlay checks the layer once and
    passes it to every partition.
    """

    geometry: np.ndarray
    levels: np.ndarray
    names: np.ndarray | None
    info: CrsInfo
    source: str
    hash: str

    @classmethod
    def read(
        cls, important: Any, level_field: str = "wetland_level", name_field: str | None = None
    ) -> ImportantWetlands:
        """Read and check important-wetland polygons (path or GeoDataFrame).

        Raises
        ------
        wetval.errors.ValidationError
            A layer without features, without ``level_field``, with levels that are
            not national / provincial / general (every such row listed), or not in
            CGCS2000.
        """
        from wetval.tables import _LEVEL_ALIASES

        frame = _footprint_frame(important)
        source = str(frame.attrs.get("source", "important wetlands"))
        if len(frame) == 0:
            raise ValidationError(
                [Problem(reason="the important-wetland layer has no features", column="geometry",
                         fix="give the important-wetland polygons (国家/省级重要湿地名录 "
                             "boundaries), or leave important_wetlands out")],
                what="important wetlands", source=source,
            )  # fmt: skip
        info = check_crs(frame.crs, frame.total_bounds, source)
        if level_field not in frame.columns:
            raise ValidationError(
                [Problem(reason=f"no level column {level_field!r}", column=level_field,
                         fix="pass level_field= naming the column with the wetland level")],
                what="important wetlands", source=source,
            )  # fmt: skip
        raw = frame[level_field].astype(str).str.strip()
        levels = raw.map(lambda v: _LEVEL_ALIASES.get(v, v.lower())).to_numpy(dtype=object)
        unknown = ~np.isin(levels, LEVELS)
        if unknown.any():
            raise ValidationError(
                [Problem(reason=f"not one of {', '.join(LEVELS)}", row=r, column=level_field,
                         value=v, fix="use national / provincial / general or 国家重要湿地 / "
                                      "省级重要湿地")
                 for r, v in zip(frame.index[unknown], raw[unknown], strict=True)],
                what="important wetlands", source=source,
            )  # fmt: skip
        names = None
        if name_field is not None and name_field in frame.columns:
            names = frame[name_field].to_numpy(dtype=object)
        return cls(
            geometry=np.asarray(frame.geometry.to_numpy()),
            levels=levels,
            names=names,
            info=info,
            source=source,
            hash=_geometry_hash(frame),
        )


def _set_levels(
    table: pd.DataFrame,
    pieces: np.ndarray,
    layer: ImportantWetlands,
    working: CrsInfo,
    sliver_m2: float,
) -> None:
    """Most protective important-wetland level each piece overlaps (in place)."""
    import shapely

    geoms = layer.geometry
    if layer.info.epsg != working.epsg:
        geoms = _reproject(geoms, layer.info, working)
    tree = shapely.STRtree(geoms)
    piece_idx, wet_idx = tree.query(pieces, predicate="intersects")
    area = ellipsoidal_area(shapely.intersection(pieces[piece_idx], geoms[wet_idx]), working.epsg)
    real = area > sliver_m2
    piece_idx, wet_idx = piece_idx[real], wet_idx[real]
    rank = np.array([_LEVEL_RANK[v] for v in layer.levels[wet_idx]], dtype=int)
    order = np.lexsort((rank, piece_idx))
    # the first (most protective) hit of each piece; no hit at all leaves every piece unset
    first = np.r_[len(order) > 0, piece_idx[order][1:] != piece_idx[order][:-1]][: len(order)]
    chosen_piece = piece_idx[order][first]
    chosen_wet = wet_idx[order][first]
    wet_of_piece = np.full(len(pieces), -1)
    wet_of_piece[chosen_piece] = chosen_wet
    wet = wet_of_piece[_owner(table)]  # strips inherit the level of their piece
    hit = wet >= 0
    level = table["wetland_level"].to_numpy(dtype=object).copy()
    names = table["important_wetland"].to_numpy(dtype=object).copy()
    level[hit] = layer.levels[wet[hit]]
    # on the lists' evidence, legal wetland outside every important wetland is general wetland
    general = ~hit & pd.isna(level) & table["legal_wetland"].to_numpy(dtype=bool)
    level[general] = "general"
    if layer.names is not None:
        names[hit] = layer.names[wet[hit]]
    # object columns whatever the hits (pandas would infer a string dtype only when some hit)
    table["wetland_level"] = pd.Series(level, index=table.index, dtype=object)
    table["important_wetland"] = pd.Series(names, index=table.index, dtype=object)


def _multipart_findings(
    geometry: np.ndarray, projects: np.ndarray, labels: np.ndarray, role: str
) -> list[Message]:
    """The footprint features made of several parts (a warning for a red line)."""
    import shapely

    counts = shapely.get_num_geometries(geometry)
    multi = np.flatnonzero(counts > 1)
    if not len(multi):
        return []
    # a restoration site of several ponds is ordinary; a red line in parts is worth a look
    return [
        Message.of(
            "w_overlay_multipart",
            "warning" if role == "occupation" else "note",
            features=tuple(f"{projects[k]} #{labels[k]} ({counts[k]})" for k in multi),
        )
    ]


def _uncovered_findings(
    footprint: np.ndarray, covered_planar_m2: np.ndarray, epsg: int, sliver_m2: float
) -> list[Message]:
    """Footprint area in no parcel, when it is more than a sliver.

    Parameters
    ----------
    footprint
        Footprint parts (or whole features) in the working CRS.
    covered_planar_m2
        Planar area of the pieces cut from each [m²].
    epsg
        The working CRS.
    sliver_m2
        Below this (and below 0.01 m², rounding) nothing is reported [m²].
    """
    import shapely

    # a geometric check, so planar in the working CRS: cutting inserts vertices on long edges,
    # and a straight Gauss–Krüger edge is not a geodesic (~1 m² on a 2.5 km edge)
    planar = shapely.area(footprint)
    uncovered_planar = np.maximum(planar - covered_planar_m2, 0.0)
    scale = ellipsoidal_area(footprint, epsg) / np.maximum(planar, 1e-300)
    uncovered = float(np.sum(uncovered_planar * scale))
    if uncovered > max(sliver_m2, AREA_TOLERANCE_M2):
        return [Message.of("w_overlay_uncovered", area_m2=uncovered)]
    return []


def _sliver_findings(table: pd.DataFrame, sliver_m2: float) -> list[Message]:
    """Pieces of parcels smaller than ``sliver_m2`` [m²] (the first 20 named)."""
    slivers = table.index[(table["record"] == "parcel") & (table["piece_area_m2"] < sliver_m2)]
    if not len(slivers):
        return []
    return [
        Message.of(
            "w_overlay_slivers",
            count=len(slivers),
            sliver_m2=sliver_m2,
            pieces=tuple(map(str, slivers[:20])),
        )
    ]


def _control_adjustment(table: pd.DataFrame, control_area_m2: float | None) -> dict[str, float]:
    """Scale ``area_m2`` to sum to the control area (控面) in place; the adjustment made."""
    if control_area_m2 is None:
        return {}
    before = float(table["area_m2"].sum())
    factor = float(control_area_m2) / before
    table["area_m2"] = table["area_m2"] * factor
    return {
        "control_m2": float(control_area_m2),
        "before_m2": before,
        "adjustment_m2": float(control_area_m2) - before,
        "factor": factor,
    }


def _warn_findings(messages: Sequence[Message], source: str) -> None:
    """Each warning among the findings as a :class:`~wetval.errors.DataQualityWarning`."""
    for message in messages:
        if message.severity == "warning":
            warnings.warn(
                f"overlay of {source}: {message.key} {dict(message.values)}",
                DataQualityWarning,
                stacklevel=3,
            )


def _findings_messages(findings: pd.DataFrame) -> tuple[Message, ...]:
    """The rows of :func:`_findings_frame` as :class:`~wetval.messages.Message` again."""
    out = []
    for r in findings.itertuples(index=False):
        values = tuple((k, _tupled(v)) for k, v in json.loads(str(r.values)).items())
        out.append(Message(str(r.key), values, "note" if r.severity == "note" else "warning"))
    return tuple(out)


def _findings_frame(messages: Sequence[Message]) -> pd.DataFrame:
    """The findings as :attr:`Overlay.findings` keeps them (key, severity, JSON values)."""
    return pd.DataFrame(
        {
            "key": [m.key for m in messages],
            "severity": [m.severity for m in messages],
            "values": [json.dumps(dict(m.values), ensure_ascii=False) for m in messages],
        }
    )


def _geometry_hash(frame: Any) -> str:
    import shapely

    data = frame.drop(columns=frame.geometry.name).copy()
    data["__wkb__"] = shapely.to_wkb(frame.geometry.to_numpy(), hex=True)
    return frame_hash(pd.DataFrame(data))
