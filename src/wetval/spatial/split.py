"""Parcels cut by the footprints: the table an assessment accounts for.

An overlay (:func:`wetval.spatial.overlay`) returns the pieces of parcels under a
footprint. :func:`split_parcels` puts them back into the parcel table: every
piece becomes a parcel of its own (id ``piece_id``; the attributes of the
parcel it was cut from, its own area, land class, role, project and level),
the rest of a cut parcel keeps the parcel's id with the uncovered share of
its areas, and untouched parcels stay as they are. :func:`split_indicators`
gives each piece the monitoring indicators of its parcel, and
:func:`split_condition` the condition its parcel scored unsplit (condition is
measured on the parcel, so a piece inherits it; scoring the pieces as rows of
their own would let a cut parcel weigh more in a method's whole-table
statistics, such as entropy weights or imputation by land class).

Areas are conserved: a cut parcel's remainder and its pieces sum to the
parcel (before any 控面 adjustment of the pieces).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.errors import Problem, ValidationError
from wetval.spatial.overlay import quota_levels
from wetval.tables import AREA_TOLERANCE_M2, IndicatorTable, ParcelTable

if TYPE_CHECKING:
    from wetval.condition.result import ConditionResult
    from wetval.spatial.overlay import Overlay

__all__ = ["SHARE_TOLERANCE", "split_condition", "split_indicators", "split_parcels"]

#: How far the pieces of one parcel may together exceed the whole parcel [1]
#: (ellipsoidal areas of cut polygons carry rounding of about 1e-9).
SHARE_TOLERANCE = 1e-6

#: Piece columns that replace the parcel's own values in the piece's row.
_PIECE_COLUMNS = (
    "land_class",
    "land_class_name",
    "role",
    "project_id",
    "wetland_level",
    "important_wetland",
    "footprint",
    "record",
    "share",
)
#: Restoration-design columns: the footprint's value where it carries one, else the parcel's.
_DESIGN_COLUMNS = ("target_class", "compensated_first", "years_to_target", "risk_class")


def _pieces(overlays: Sequence[Overlay]) -> pd.DataFrame:
    frames = [result.pieces for result in overlays]
    pieces = pd.concat(frames) if frames else pd.DataFrame()
    duplicated = pieces.index[pieces.index.duplicated()].unique()
    if len(duplicated):
        raise ValidationError(
            [
                Problem(
                    reason="the same piece comes from two footprints (one project's footprint "
                    "given twice, or two footprints of one project over the same parcel)",
                    parcel_id=str(piece),
                    fix="give each project's footprint once in data.footprints",
                )
                for piece in duplicated
            ],
            what="footprints",
        )
    return pieces


def _check_overlap(pieces: pd.DataFrame) -> pd.Series:
    """Covered share of each cut parcel; refuses parcels covered more than once."""
    parcel_rows = pieces[pieces["record"] == "parcel"]
    covered = parcel_rows.groupby("parcel_id", sort=False)["share"].sum()
    over = covered[covered > 1.0 + SHARE_TOLERANCE]
    if len(over):
        raise ValidationError(
            [
                Problem(
                    reason=f"footprints overlap on this parcel: together they cover {share:.4f} "
                    "of it (an occupation red line over a restoration site, or two red lines "
                    "over the same ground)",
                    parcel_id=str(parcel),
                    value=f"{share:.4f}",
                    fix="correct the footprints so no ground lies under two of them",
                )
                for parcel, share in over.items()
            ],
            what="footprints",
        )
    return covered.clip(upper=1.0)


def split_parcels(parcels: ParcelTable, overlays: Sequence[Overlay]) -> tuple[ParcelTable, int]:
    """The parcel table with every parcel a footprint cuts replaced by its pieces and remainder.

    Parameters
    ----------
    parcels
        The parcels the overlays were run on (with geometry).
    overlays
        Occupation and restoration overlays of these parcels.

    Returns
    -------
    table : ParcelTable
        Untouched parcels; the remainder of each cut parcel (its id, the
        uncovered share of ``area_m2``, ``tbmj_m2`` and ``kcmj_m2``, geometry
        outside the footprints; left out when nothing remains); and one row
        per piece (id ``piece_id``, the piece's ``area_m2`` as its net area,
        land class, role, project, level, ``source_parcel``, ``record`` and
        ``share``; other columns from its parcel). The footprints define the
        project: ``role`` occupation/restoration and ``project_id`` of every
        row that is not a piece are cleared.
    cleared : int
        How many rows outside the pieces had a role of occupation or
        restoration that was cleared.

    Raises
    ------
    wetval.errors.ValidationError
        Pieces of parcels the table does not have, the same piece from two
        footprints, or footprints that overlap on a parcel (all listed).
    """
    import geopandas
    import shapely

    frame = parcels.to_frame()
    pieces = _pieces(overlays)
    unknown = pd.Index(pieces["parcel_id"].unique()).difference(frame.index)
    if len(unknown):
        raise ValidationError(
            [
                Problem(
                    reason="piece of a parcel the parcel table does not have",
                    parcel_id=str(i),
                    fix="run the overlays on the same parcel table",
                )
                for i in unknown
            ],
            what="overlays",
        )
    covered = _check_overlap(pieces)
    crs = frame.crs

    # the remainder of each cut parcel: its uncovered share, outside every footprint
    rest = frame.loc[covered.index].copy()
    keep = 1.0 - covered.to_numpy(dtype=float)
    for column in ("area_m2", "tbmj_m2", "kcmj_m2"):
        if column in rest.columns:
            rest[column] = rest[column].to_numpy(dtype=float) * keep
    footprints = [result.footprint_geometry().to_crs(crs) for result in overlays]
    union = shapely.union_all(np.concatenate([f.geometry.to_numpy() for f in footprints]))
    rest["geometry"] = shapely.difference(rest.geometry.to_numpy(), union)
    rest = rest[rest["area_m2"].to_numpy(dtype=float) >= AREA_TOLERANCE_M2]

    # each piece: its parcel's row with the piece's own values
    rows = frame.loc[pieces["parcel_id"].to_numpy()].copy()
    rows.index = pd.Index(pieces.index.to_numpy(dtype=object), name=frame.index.name)
    for column in _PIECE_COLUMNS:
        rows[column] = pieces[column].to_numpy()
    rows["wetland_level"] = quota_levels(pieces)
    for column in _DESIGN_COLUMNS:
        if column in pieces.columns:
            own = pieces[column].to_numpy(dtype=object)
            inherited = rows[column].to_numpy(dtype=object) if column in rows else own
            rows[column] = np.where(pd.isna(own), inherited, own)
    net = pieces["area_m2"].to_numpy(dtype=float)
    rows["area_m2"] = net
    if "tbmj_m2" in rows.columns:
        rows["tbmj_m2"] = net
    if "kcmj_m2" in rows.columns:
        rows["kcmj_m2"] = 0.0
    if "deduction_coefficient" in rows.columns:
        rows["deduction_coefficient"] = 0.0
    rows["source_parcel"] = pieces["parcel_id"].to_numpy(dtype=object)
    piece_geoms = [result.geometry().to_crs(crs).geometry.to_numpy() for result in overlays]
    rows["geometry"] = np.concatenate(piece_geoms)

    others = frame.drop(index=covered.index)
    others = pd.concat([others, rest])
    cleared = 0
    if "role" in others.columns:
        roles = others["role"].astype(object)
        project_roles = roles.isin(["occupation", "restoration"]).to_numpy()
        cleared = int(project_roles.sum())
        others["role"] = roles.where(~project_roles, None)
        if "project_id" in others.columns:
            projects = others["project_id"].astype(object)
            others["project_id"] = projects.where(~project_roles, None)
    for column in ("role", "project_id", "land_class", "wetland_level"):
        if column in others.columns:
            others[column] = others[column].astype(object)
    combined = pd.concat([others, rows])
    combined = geopandas.GeoDataFrame(combined, geometry="geometry", crs=crs)
    combined = combined.drop(columns="area_source")
    combined.index.name = "parcel_id"
    combined = combined.reset_index()
    combined.attrs["synthetic"] = parcels.synthetic
    source = f"{parcels.source or 'parcel table'} cut by {len(overlays)} footprint(s)"
    return ParcelTable.from_frame(combined, scheme=parcels.scheme, source=source), cleared


def split_indicators(indicators: IndicatorTable, table: ParcelTable) -> IndicatorTable:
    """The indicators of a split parcel table: each piece gets its parcel's row.

    Parameters
    ----------
    indicators
        The indicators of the parcels before the split.
    table
        The result of :func:`split_parcels` (its ``source_parcel`` column).

    Returns
    -------
    IndicatorTable
        One row per parcel, remainder and piece of ``table`` whose parcel has indicators.
    """
    frame = indicators.to_frame()
    ids = table.ids.to_numpy(dtype=object)
    source = _sources(table)
    measured = pd.Index(source).isin(frame.index)
    out = frame.loc[source[measured]].copy()
    out.index = pd.Index(ids[measured], name="parcel_id")
    out = out.reset_index()
    out.attrs["synthetic"] = indicators.synthetic
    label = f"{indicators.source or 'indicator table'} (pieces inherit their parcel's)"
    return IndicatorTable.from_frame(out, source=label)


def _sources(table: ParcelTable) -> np.ndarray:
    """The parcel each row of a split table comes from (its own id where it was not cut)."""
    ids = table.ids.to_numpy(dtype=object)
    if not table.has("source_parcel"):
        return ids
    origin = table.column("source_parcel").astype(object)
    return np.where(pd.isna(origin), ids, origin)


def split_condition(condition: ConditionResult, table: ParcelTable) -> ConditionResult:
    """The condition of a split parcel table: each piece gets its parcel's unsplit score.

    Parameters
    ----------
    condition
        The condition scored on the parcels before the split.
    table
        The result of :func:`split_parcels` (its ``source_parcel`` column).

    Returns
    -------
    ConditionResult
        One row per parcel, remainder and piece of ``table`` whose parcel was
        scored: its parcel's index, grade, scores and contributions, with the
        row's own land class, township and area.
    """
    import dataclasses

    ids = table.ids.to_numpy(dtype=object)
    source = _sources(table)
    scored = pd.Index(source).isin(condition.parcels.index)
    index = pd.Index(ids[scored], name="parcel_id")

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(frame.loc[source[scored]])
        out.index = index
        return out

    parcels = rows(condition.parcels)
    own = table.to_frame()
    for column in ("land_class", "township"):
        if column in parcels.columns:
            parcels[column] = own[column].to_numpy()[scored]
    if "area_m2" in parcels.columns:
        parcels["area_m2"] = table.area("m2")[scored]
    return dataclasses.replace(
        condition,
        parcels=parcels,
        normalised=rows(condition.normalised),
        contributions=rows(condition.contributions),
    )
