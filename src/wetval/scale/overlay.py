"""The red-line overlay (压占分析) over a partitioned GeoParquet parcel dataset.

:func:`overlay_partitions` runs :func:`wetval.spatial.overlay` — the same
kernel as the in-memory overlay — on every partition a footprint can touch,
with Dask, and concatenates the pieces. Partitions whose bounds (the
GeoParquet ``bbox`` metadata, read with dask-geopandas' spatial partitions) do
not intersect the footprint are skipped without being read; in a partition
that is read, only the footprint features that intersect one of its parcels
are overlaid (a feature that crosses partitions is cut in each one: a parcel
lies in exactly one partition, so every piece is made once).

Layout::

    DIR/parcels/<partition>.parquet         GeoParquet: 三调 DLTB rows with geometry
    OUT/overlay/<partition>.parquet         the partition's pieces (Overlay.pieces)
    OUT/overlay/_done/<partition>.json      written last: input fingerprint, pieces

A finished partition (a ``_done`` record for the same parcel file, footprint
and options) is not redone.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from wetval.errors import DependencyError, WetvalError
from wetval.hashing import content_hash, file_hash
from wetval.messages import Message
from wetval.provenance import Provenance
from wetval.scale._common import PartitionError, _atomic, _write
from wetval.spatial.overlay import (
    SLIVER_M2,
    ImportantWetlands,
    Overlay,
    _check_control_area,
    _check_footprint,
    _control_adjustment,
    _error,
    _findings_frame,
    _findings_messages,
    _footprint_frame,
    _geometry_hash,
    _multipart_findings,
    _projects,
    _sliver_findings,
    _uncovered_findings,
    _warn_findings,
)

__all__ = ["PartitionedOverlay", "overlay_partitions"]


@dataclass(frozen=True)
class PartitionedOverlay:
    """What a partitioned overlay did.

    Attributes
    ----------
    pieces
        The pieces of every partition, concatenated in partition order (the
        columns of :attr:`wetval.spatial.Overlay.pieces`, index ``piece_id``).
    partitions
        Partitions considered, in order.
    touched
        Partitions whose bounds intersect the footprint (overlaid or resumed).
    skipped
        Of those, partitions finished by an earlier run (not redone).
    crs
        EPSG code of the working CRS of the pieces.
    out
        Results folder (``None`` when nothing is written).
    footprints
        The footprint features, as :attr:`wetval.spatial.Overlay.footprints`.
    control
        The 控面 adjustment of the whole run, as :attr:`wetval.spatial.Overlay.control`.
    findings
        The whole run's findings (multi-part footprints, uncovered area, slivers,
        the 控面 adjustment, the working CRS), as :attr:`wetval.spatial.Overlay.findings`.
    provenance
        The partitions' file hashes, the footprint's and the options.
    """

    pieces: pd.DataFrame
    partitions: tuple[str, ...]
    touched: tuple[str, ...]
    skipped: tuple[str, ...]
    crs: int
    out: Path | None
    footprints: pd.DataFrame
    control: dict[str, float]
    findings: pd.DataFrame
    provenance: Provenance

    @property
    def total_m2(self) -> float:
        """Sum of the prorated land-class areas [m²]."""
        return float(self.pieces["area_m2"].sum())

    @property
    def messages(self) -> tuple[Message, ...]:
        """The findings as :class:`~wetval.messages.Message` (texts in the report strings)."""
        return _findings_messages(self.findings)

    def to_overlay(self) -> Overlay:
        """The run as one :class:`wetval.spatial.Overlay` (what the in-memory overlay returns).

        Quota accounting (``Overlay.to_parcels``), the 压占分析表 totals, the
        file writers and the report take it as they take an in-memory overlay.
        """
        return Overlay(
            pieces=self.pieces,
            crs=self.crs,
            footprints=self.footprints,
            control=self.control,
            findings=self.findings,
            provenance=self.provenance,
        )


def _bounds(files: Sequence[Path]) -> list[tuple[float, float, float, float] | None]:
    """Each partition's bounds from its GeoParquet metadata (``None``: unknown, always read)."""
    import dask_geopandas

    out: list[tuple[float, float, float, float] | None] = []
    for file in files:
        try:
            frame = dask_geopandas.read_parquet(file, gather_spatial_partitions=True)
            spatial = frame.spatial_partitions
        except (OSError, ValueError, KeyError, TypeError):
            spatial = None  # the partition's own read names the problem
        if spatial is None or len(spatial) == 0:
            out.append(None)
        else:
            minx, miny, maxx, maxy = spatial.total_bounds
            out.append((float(minx), float(miny), float(maxx), float(maxy)))
    return out


def _fingerprint(file: Path, footprint_hash: str, options: dict[str, Any]) -> str:
    return content_hash({"parcels": file_hash(file), "footprint": footprint_hash, **options})


def _overlay_partition(
    name: str,
    file: Path,
    footprint: Any,
    options: dict[str, Any],
    out: Path | None,
    fingerprint: str | None,
) -> tuple[pd.DataFrame, int | None, tuple[str, ...], dict[str, str] | None]:
    """One partition: its pieces, working CRS, the footprint features it touched.

    And the finding that says why that CRS (a row of :attr:`Overlay.findings`, as a dict).
    """
    import shapely

    from wetval.errors import DataQualityWarning
    from wetval.spatial import overlay, read_dltb
    from wetval.spatial.crs import check_crs

    try:
        parcels = read_dltb(file)
        geoms = np.asarray(parcels._frame.geometry.to_numpy())
        # the overlay's own CRS check, before the pre-filter could skip a partition in a wrong CRS
        check_crs(parcels._frame.crs, shapely.total_bounds(geoms), parcels.source or str(file))
        fp = footprint
        if parcels._frame.crs is not None and fp.crs is not None and fp.crs != parcels._frame.crs:
            probe = fp.to_crs(parcels._frame.crs).geometry.to_numpy()
        else:
            probe = fp.geometry.to_numpy()
        # the spatial pre-filter: only features that meet one of this partition's parcels
        hits = np.unique(shapely.STRtree(geoms).query(probe, predicate="intersects")[0])
        result = None
        if len(hits):  # else the bounds met, but no feature meets a parcel: no pieces
            with warnings.catch_warnings():
                # multi-part, sliver and uncovered findings are the whole run's, not a partition's
                warnings.simplefilter("ignore", DataQualityWarning)
                result = overlay(parcels, fp.iloc[hits], **options)
    except WetvalError as error:
        raise PartitionError(name, str(error)) from error
    except OSError as error:
        raise PartitionError(name, f"cannot read {str(file)!r}: {error}") from error
    pieces = result.pieces if result is not None else pd.DataFrame()
    crs = result.crs if result is not None else None
    touched = tuple(str(v) for v in pieces["footprint"].unique()) if len(pieces) else ()
    # the overlay's last finding is always its working-CRS choice
    reason = (
        None if result is None else {str(k): str(v) for k, v in result.findings.iloc[-1].items()}
    )
    if out is not None:
        _write(pieces, out / "overlay" / f"{name}.parquet")
        record = {"partition": name, "fingerprint": fingerprint, "crs": crs, "pieces": len(pieces),
                  "touched": list(touched), "crs_reason": reason}  # fmt: skip
        _atomic(out / "overlay" / "_done" / f"{name}.json", json.dumps(record).encode("utf-8"))
    return pieces, crs, touched, reason


def overlay_partitions(
    directory: str | os.PathLike[str],
    footprint: Any,
    out: str | os.PathLike[str] | None = None,
    *,
    role: Literal["occupation", "restoration"] = "occupation",
    project_id: str | None = None,
    project_field: str | None = None,
    default_level: Literal["national", "provincial", "general"] | None = None,
    control_area_m2: float | None = None,
    important_wetlands: Any = None,
    level_field: str = "wetland_level",
    name_field: str | None = None,
    sliver_m2: float = SLIVER_M2,
    client: Any = None,
    partitions: Sequence[str] | None = None,
    resume: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> PartitionedOverlay:
    """Overlay a footprint on a partitioned GeoParquet parcel dataset with Dask.

    Parameters
    ----------
    directory
        Dataset folder with ``parcels/<partition>.parquet`` in GeoParquet (geometry).
    footprint
        The red line (or restoration sites): a path, GeoDataFrame or GeoSeries
        in CGCS2000, as :func:`wetval.spatial.overlay` takes it.
    out
        Results folder (``OUT/overlay/``); ``None`` writes nothing (no resuming).
    role, project_id, project_field, default_level, level_field, name_field, sliver_m2
        As :func:`wetval.spatial.overlay`.
    control_area_m2
        The red line's control area (控面) [m²]: the pieces of all partitions are
        scaled together to sum to it (after the partitions are overlaid).
    important_wetlands
        As :func:`wetval.spatial.overlay`; the layer is read and checked once and
        every partition's pieces take their levels from it.
    client
        A ``distributed.Client``; without one Dask's threaded scheduler runs.
    partitions
        Only these partitions (default all).
    resume
        Skip partitions finished by an earlier run with the same inputs and options.
    progress
        Called as ``progress(finished, total, partition)`` after each touched partition.

    Returns
    -------
    PartitionedOverlay
        The pieces equal those of the in-memory overlay of the concatenated
        partitions (areas to float rounding; sort both by ``piece_id``), and so
        do the findings: they are made once for the whole run, not per partition.

    Raises
    ------
    wetval.scale.PartitionError
        Naming the partition and every offending row (geometry, attributes, CRS).
    wetval.errors.ValidationError
        A footprint that is empty, invalid or not polygonal, or whose features
        overlap no parcel of any partition (all listed); a control area that is
        not a finite number > 0; an important-wetland layer without features,
        level column or known levels.

    Warns
    -----
    wetval.errors.DataQualityWarning
        As :func:`wetval.spatial.overlay`, once for the whole run.
    """
    try:
        from dask.base import compute
        from dask.delayed import delayed
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise DependencyError("the partitioned overlay", "scale", "dask") from error
    try:
        import dask_geopandas  # noqa: F401
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise DependencyError("the partitioned overlay", "scale", "dask-geopandas") from error
    import geopandas
    import shapely

    root = Path(directory)
    folder = root / "parcels"
    names = (
        list(partitions)
        if partitions is not None
        else sorted(p.stem for p in folder.glob("*.parquet"))
    )
    if not names:
        raise WetvalError(
            f"no partitions in {str(folder)!r}: expected parcels/<partition>.parquet in "
            "GeoParquet; fix: write each county's DLTB layer with GeoDataFrame.to_parquet"
        )
    fp = _footprint_frame(footprint)
    source = str(fp.attrs.get("source", "footprint"))
    if len(fp) == 0:
        raise _error("the footprint has no features", "give at least one polygon", source)
    _check_footprint(fp, source)
    if role not in ("occupation", "restoration"):
        raise ValueError(f"role must be 'occupation' or 'restoration', not {role!r}")
    _check_control_area(control_area_m2)
    projects = _projects(fp, project_id, project_field, source)
    layer = (
        None
        if important_wetlands is None
        else ImportantWetlands.read(important_wetlands, level_field, name_field)
    )
    options: dict[str, Any] = {
        "role": role,
        "project_id": project_id,
        "project_field": project_field,
        "default_level": default_level,
        "sliver_m2": sliver_m2,
        "important_wetlands": layer,
    }
    files = [folder / f"{n}.parquet" for n in names]
    bounds = _bounds(files)
    box = shapely.box(*fp.total_bounds)
    crs = fp.crs
    chosen: list[int] = []
    for k, (file, bound) in enumerate(zip(files, bounds, strict=True)):
        if bound is None:
            chosen.append(k)
            continue
        part = geopandas.GeoSeries([shapely.box(*bound)], crs=_file_crs(file) or crs)
        if crs is None or part.crs is None or part.crs != crs:
            chosen.append(k)  # another CRS: read it (the overlay checks and reprojects)
            continue
        if part.iloc[0].intersects(box):
            chosen.append(k)
    target = Path(out) if out is not None else None
    footprint_hash = _geometry_hash(fp)
    stored = {
        "footprint_hash": footprint_hash,
        **{k: str(v) for k, v in options.items() if k != "important_wetlands"},
        "important_wetlands": None if layer is None else layer.hash,
    }
    results: dict[int, tuple[pd.DataFrame, int | None, tuple[str, ...], dict[str, str] | None]]
    results = {}
    skipped: list[str] = []
    tasks: dict[int, Any] = {}
    for k in chosen:
        fingerprint = None
        if target is not None:
            fingerprint = _fingerprint(files[k], footprint_hash, stored)
            done = target / "overlay" / "_done" / f"{names[k]}.json"
            piece_file = target / "overlay" / f"{names[k]}.parquet"
            if resume and done.exists() and piece_file.exists():
                record = json.loads(done.read_text(encoding="utf-8"))
                if record.get("fingerprint") == fingerprint:
                    results[k] = (
                        pd.read_parquet(piece_file),
                        record.get("crs"),
                        tuple(record.get("touched", ())),
                        record.get("crs_reason"),
                    )
                    skipped.append(names[k])
                    continue
        tasks[k] = delayed(_overlay_partition)(
            names[k],
            files[k],
            fp,
            options,
            target,
            fingerprint,
            dask_key_name=f"wetval-overlay-{names[k]}",
        )
    count = len(results)
    if progress is not None:
        for k in sorted(results):
            progress(count, len(chosen), names[k])
    order = list(tasks)
    if client is not None:
        from distributed import as_completed

        futures = client.compute([tasks[k] for k in order])
        where = {future.key: k for k, future in zip(order, futures, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            k = where[future.key]
            results[k] = future.result()
            count += 1
            if progress is not None:
                progress(count, len(chosen), names[k])
    elif order:
        from wetval.errors import DataQualityWarning

        with warnings.catch_warnings():  # the filters are the process's, shared by the threads
            warnings.simplefilter("ignore", DataQualityWarning)
            computed = compute(*[tasks[k] for k in order], scheduler="threads")  # type: ignore[no-untyped-call]
        for k, value in zip(order, computed, strict=True):
            results[k] = value
            count += 1
            if progress is not None:
                progress(count, len(chosen), names[k])
    frames = [results[k][0] for k in sorted(results) if len(results[k][0])]
    systems = {int(c) for k in results if (c := results[k][1]) is not None}
    if len(systems) > 1:
        raise WetvalError(
            f"the partitions were overlaid in different working CRSs ({sorted(systems)}); fix: "
            "put every partition's parcels in one CGCS2000 Gauss–Krüger zone"
        )
    touched = {f for k in results for f in results[k][2]}
    labels = [str(v) for v in fp.index]
    untouched = [label for label in labels if label not in touched]
    if untouched:
        raise _error(
            "footprint feature overlaps no parcel of the dataset (wrong dataset, wrong county, "
            "or coordinates shifted?)",
            "check that the footprint and the parcel partitions cover the same place",
            source,
            untouched,
        )
    pieces = pd.concat(frames) if frames else pd.DataFrame()
    working = int(next(iter(systems)))  # every footprint feature met a parcel (checked above)
    footprints = _footprint_geometry(fp, working, projects)
    messages = _run_findings(pieces, footprints, role, working, sliver_m2)
    control = _control_adjustment(pieces, control_area_m2)
    if control:
        messages.append(Message.of("n_overlay_control", "note", **control))
    reasons = [r for k in sorted(results) if (r := results[k][3]) is not None]
    findings = pd.concat([_findings_frame(messages), pd.DataFrame(reasons[:1])], ignore_index=True)
    _warn_findings(messages, source)
    provenance = Provenance(
        method="wetval.scale.overlay_partitions",
        inputs={
            "footprint": footprint_hash,
            **{f"parcels:{names[k]}": file_hash(files[k]) for k in chosen},
        },
        options={
            **{k: v for k, v in stored.items() if k != "footprint_hash"},
            "control_area_m2": control_area_m2,
            "area": "ellipsoidal (CGCS2000)",
        },
    )
    return PartitionedOverlay(
        pieces=pieces,
        partitions=tuple(names),
        touched=tuple(names[k] for k in chosen),
        skipped=tuple(skipped),
        crs=working,
        out=target,
        footprints=footprints,
        control=control,
        findings=findings,
        provenance=provenance,
    )


def _footprint_geometry(fp: Any, working: int, projects: np.ndarray) -> pd.DataFrame:
    """The footprint features in the working CRS, as :attr:`Overlay.footprints`."""
    import shapely

    geometry = fp.to_crs(epsg=working).geometry.to_numpy() if fp.crs != working else fp.geometry
    return pd.DataFrame(
        {"project_id": projects, "geometry_wkb": shapely.to_wkb(np.asarray(geometry), hex=True)},
        index=pd.Index([str(v) for v in fp.index], name="footprint"),
    )


def _run_findings(
    pieces: pd.DataFrame, footprints: pd.DataFrame, role: str, working: int, sliver_m2: float
) -> list[Message]:
    """Multi-part features, uncovered area and slivers of the whole run (not per partition).

    The uncovered area is per footprint feature: its planar area less the planar area
    of the parcel pieces cut from it in every partition.
    """
    import shapely

    geometry = shapely.from_wkb(footprints["geometry_wkb"].to_numpy())
    labels = footprints.index.to_numpy(dtype=object)
    parcel_rows = pieces[pieces["record"] == "parcel"]
    planar = shapely.area(shapely.from_wkb(parcel_rows["geometry_wkb"].to_numpy()))
    covered = pd.Series(planar).groupby(parcel_rows["footprint"].to_numpy()).sum()
    covered_m2 = covered.reindex(labels, fill_value=0.0).to_numpy(dtype=float)
    return [
        *_multipart_findings(geometry, footprints["project_id"].to_numpy(), labels, role),
        *_uncovered_findings(geometry, covered_m2, working, sliver_m2),
        *_sliver_findings(pieces.sort_index(kind="stable"), sliver_m2),
    ]


def _file_crs(file: Path) -> Any:
    """The CRS in a GeoParquet file's metadata (``None`` if it has none)."""
    import pyarrow.parquet as pq
    from pyproj import CRS

    try:
        meta = pq.read_metadata(file).metadata or {}
        geo = json.loads(meta.get(b"geo", b"{}"))
        column = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {})
        value = column.get("crs")
        return CRS.from_user_input(value) if value is not None else None
    except (OSError, ValueError):
        return None
