"""The overlay step of an assessment: the footprints on the parcels (压占分析).

Runs only when the project file names ``data.footprints``; the parcels are
cut into the pieces the footprints cover, and the overlays, the township
boundaries of the maps and the findings are handed on.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from wetval.messages import Message
from wetval.spec import AssessmentSpec
from wetval.tables import IndicatorTable, ParcelTable

if TYPE_CHECKING:
    from wetval.spatial import Overlay

__all__ = ["Overlaid", "footprint_layer", "not_overlaid", "overlay_footprints"]


def footprint_layer(spec: AssessmentSpec, source: str | pd.DataFrame, layer: str | None) -> Any:
    """The footprint layer ``source`` names (a frame passes through), read relative to the spec."""
    from wetval.spatial.read import read_layer

    if isinstance(source, pd.DataFrame):
        return source
    return read_layer(spec.resolve(source), layer)


class Overlaid(NamedTuple):
    """What the overlay step hands on: the cut tables, the overlays, the maps' townships."""

    parcels: ParcelTable
    indicators: IndicatorTable
    overlays: tuple[Overlay, ...]
    townships: pd.DataFrame
    county: pd.DataFrame
    notes: list[str | Message]
    inputs: dict[str, str]


def not_overlaid(parcels: ParcelTable, indicators: IndicatorTable) -> Overlaid:
    """What a project without footprints hands on: its tables as they are, no overlay."""
    return Overlaid(parcels, indicators, (), pd.DataFrame(), pd.DataFrame(), [], {})


def overlay_footprints(
    spec: AssessmentSpec, parcels: ParcelTable, indicators: IndicatorTable
) -> Overlaid:
    """Overlay every footprint of the spec and cut the parcels into pieces (压占分析).

    Returns the cut parcel table and its indicators, the overlays, the township
    boundaries of the project map and of the county overview, the overlays'
    findings as messages, and input hashes.
    """
    from wetval.errors import DataQualityWarning
    from wetval.spatial import overlay
    from wetval.spatial.maps import county_townships, map_view, township_boundaries
    from wetval.spatial.split import split_indicators, split_parcels

    data = spec.data
    levels: dict[str, Any] = {}
    if data.important_wetlands is not None:
        wetlands = data.important_wetlands
        levels = {
            "important_wetlands": footprint_layer(spec, wetlands.path, wetlands.layer),
            "level_field": wetlands.level_field,
            "name_field": wetlands.name_field,
        }
    results: list[Overlay] = []
    notes: list[str | Message] = []
    inputs: dict[str, str] = {}
    for number, footprint in enumerate(data.footprints, start=1):
        layer = footprint_layer(spec, footprint.path, footprint.layer)
        with warnings.catch_warnings():
            # the findings come back as messages (below), in the reader's language
            warnings.simplefilter("ignore", DataQualityWarning)
            result = overlay(
                parcels,
                layer,
                role=footprint.role,
                project_id=footprint.project_id,
                project_field=footprint.project_field,
                control_area_m2=footprint.control_area_m2,
                default_level=data.default_level,
                **levels,
            )
        results.append(result)
        notes += result.messages
        inputs[f"footprint_{number}"] = result.provenance.inputs["footprint"]
    cut, cleared = split_parcels(parcels, results)
    if cleared:
        notes.append(Message.of("w_footprints_cleared_roles", rows=cleared))
    crs = results[0].crs
    return Overlaid(
        cut,
        split_indicators(indicators, cut),
        tuple(results),
        township_boundaries(parcels, map_view(results), crs),
        county_townships(parcels, crs),
        notes,
        inputs,
    )
