"""The checks of a project's data and options run before anything is computed."""

from __future__ import annotations

from wetval.spec import AssessmentSpec, SpecError
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["preflight"]


def preflight(
    spec: AssessmentSpec, parcels: ParcelTable, indicators: IndicatorTable | None
) -> None:
    """The checks of the data and options ``assess`` runs before computing, all at once.

    :func:`check_spec` (``wetval validate``) runs the same function, so a
    project it calls valid is not refused by ``assess`` for any of these.

    Raises
    ------
    SpecError
        Listing every problem with its project-file key and the fix.
    """
    from wetval.uncertainty.monte_carlo import check_options

    problems = []
    if len(parcels.to_frame()) == 0:
        problems.append(
            f"- data.parcels = {spec.data.parcels!r}: the parcel table has no rows; fix: "
            "export the parcels with their records, not only the header"
        )
    if indicators is None:
        problems.append(
            "- data.indicators is required: condition scoring needs them; fix: name the "
            "indicator file"
        )
    if spec.data.footprints and not parcels.has("geometry"):
        problems.append(
            f"- data.footprints: the parcels of data.parcels = {spec.data.parcels!r} have no "
            "geometry to overlay them on; fix: name the DLTB layer (.gdb folder, .gdb.zip, "
            ".gpkg or .shp) in data.parcels, or pass a table read with wetval.spatial.read_dltb"
        )
    if spec.data.important_wetlands is not None and not spec.data.footprints:
        problems.append(
            "- data.important_wetlands is only read to set the levels of overlaid pieces; "
            "fix: add data.footprints or remove data.important_wetlands"
        )
    if spec.options.monte_carlo_draws:
        found = check_options(
            draws=spec.options.monte_carlo_draws,
            percentiles=spec.options.percentiles,
            indicator_error=spec.options.indicator_error,
            indicator_ids=None if indicators is None else list(indicators.indicator_ids),
        )
        key = {"draws": "monte_carlo_draws"}
        problems += [f"- options.{key.get(name, name)}: {why}" for name, why in found]
    if problems:
        raise SpecError(
            f"the project cannot be assessed ({len(problems)} problem(s)):\n" + "\n".join(problems)
        )
