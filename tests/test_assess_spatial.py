"""An assessment that starts from a 三调 layer and footprints (data.footprints): overlay first.

The sample is SYNTHETIC: the shipped GeoPackage (``sample_geopackage()``) with its DLTB
layer, the P01 red line (HXHX) and the restoration sites (XFDK).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from spatial_helpers import X0, Y0, grid_layer
from wetval.assess import Assessment, assess, load_spec
from wetval.condition import score
from wetval.datasets import sample_geopackage, sample_project, sample_spatial_county
from wetval.errors import DataQualityWarning, ValidationError
from wetval.report.build import build_document
from wetval.report.document import Figure
from wetval.spatial import overlay, read_dltb
from wetval.spatial.split import split_indicators, split_parcels
from wetval.spec import FootprintSpec, SpecError


def _quick(spec):  # type: ignore[no-untyped-def]
    options = spec.options.model_copy(update={"monte_carlo_draws": 100, "sensitivity": False})
    return spec.model_copy(update={"options": options})


@pytest.fixture(scope="module")
def spatial() -> Assessment:
    return assess(_quick(sample_project(spatial=True)))


def test_the_occupied_parcels_are_the_pieces_under_the_red_line(spatial: Assessment) -> None:
    occupation, restoration = spatial.overlays
    assert (occupation.role, restoration.role) == ("occupation", "restoration")
    debits = spatial.accounts.debits.to_frame()
    pieces = occupation.to_frame()
    assert sorted(debits.index) == sorted(pieces.index)
    np.testing.assert_allclose(
        debits["area_m2"].reindex(pieces.index).to_numpy(), pieces["area_m2"].to_numpy()
    )
    # only pieces of legal wetland need quota units
    needing = debits.index[debits["units"].to_numpy(dtype=float) > 0]
    assert pieces.loc[needing, "legal_wetland"].all()
    assert spatial.balance.balanced
    assert spatial.provenance.inputs["footprint_1"] == occupation.provenance.inputs["footprint"]


def test_each_piece_keeps_the_condition_of_its_parcel(spatial: Assessment) -> None:
    """Condition is measured on the parcel: a piece scores as its parcel scores unsplit."""
    county = sample_spatial_county()
    unsplit = score(county.indicators, "jiangxi-db36-2134", county.parcels).to_frame()
    scored = spatial.condition.to_frame()
    pieces = pd.concat([o.to_frame() for o in spatial.overlays])
    own = scored["index"].reindex(pieces.index).to_numpy(dtype=float)
    parcel = unsplit["index"].reindex(pieces["parcel_id"]).to_numpy(dtype=float)
    assert np.isfinite(own).sum() > 20
    np.testing.assert_allclose(own, parcel, equal_nan=True)


def test_the_assessment_round_trips_and_its_report_has_the_map(spatial: Assessment) -> None:
    again = Assessment.from_json(spatial.to_json())
    assert again.hash == spatial.hash
    assert len(again.overlays) == 2 and len(again.townships) > 0
    # the overview keeps every township of the county, the project map only those near it
    county = sample_spatial_county()
    assert set(again.county.index) == set(county.parcels.to_frame()["township_code"].astype(str))
    assert set(again.townships.index) <= set(again.county.index)
    captions = {
        "zh": ("图 项目在县域中的位置", "图 项目用地红线"),
        "en": ("Figure: where the project lies in the county", "Figure: the project's red line"),
    }
    for lang, expected in captions.items():
        section = next(s for s in build_document(again, lang).sections if s.id == "project")
        figures = [b for b in section.blocks if isinstance(b, Figure)]
        assert [f.caption[: len(c)] for f, c in zip(figures, expected, strict=True)] == list(
            expected
        )
        assert all(f.png[:4] == b"\x89PNG" for f in figures)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_carries_the_overlay_tables(spatial: Assessment, lang: str) -> None:
    """The 压占分析表 add up to the overlays' own pieces, each side with its own total."""
    from wetval.report.document import TableBlock
    from wetval.strings import tr

    section = next(s for s in build_document(spatial, lang).sections if s.id == "project")
    tables = {b.sheet: b.frame for b in section.blocks if isinstance(b, TableBlock)}
    by_class, by_owner = tables["overlay_classes"], tables["overlay_owners"]
    total, project = tr("total_row", lang), tr("project_id", lang)
    area = tr("overlay_class_area", lang)
    occupation, restoration = spatial.overlays
    for overlay_result in (occupation, restoration):
        side = tr(f"role_{overlay_result.role}", lang)
        mine = by_class[by_class[tr("role", lang)] == side]
        totals = mine[mine[project] == total]
        assert len(totals) == 1
        assert float(totals[area].iloc[0]) == pytest.approx(overlay_result.total_m2, rel=1e-12)
        rows = mine[mine[project] != total]
        assert float(rows[area].sum()) == pytest.approx(overlay_result.total_m2, rel=1e-12)
        assert int(rows[tr("overlay_pieces", lang)].sum()) == len(overlay_result.pieces)
    assert by_class[tr("role", lang)].iloc[0] == tr("role_occupation", lang)
    owner_total = by_owner[by_owner[tr("ownership_unit_code", lang)] == total]
    assert float(owner_total[area].iloc[0]) == pytest.approx(occupation.total_m2, rel=1e-12)
    names = by_class[tr("land_class_name", lang)].astype(str)
    has_han = names.str.contains(r"[\u4e00-\u9fff]")
    assert has_han[by_class[project] != total].all() == (lang == "zh")
    assert not has_han.any() or lang == "zh"


def test_the_report_says_which_projects_were_scaled_to_their_control_area(
    spatial: Assessment,
) -> None:
    """控面 scales the land-class areas: the overlay note names the projects so adjusted."""
    from wetval.report.document import Paragraph
    from wetval.strings import tr

    def note(assessment: Assessment, lang: str) -> str:
        section = next(s for s in build_document(assessment, lang).sections if s.id == "project")
        texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
        return next(t for t in texts if t.startswith(tr("overlay_text", lang)))

    assert "控面" not in note(spatial, "zh").removeprefix(tr("overlay_text", "zh"))
    spec = _quick(sample_project(spatial=True))
    red_line, *others = spec.data.footprints
    occupied = spatial.overlays[0].total_m2
    scaled = red_line.model_copy(update={"control_area_m2": round(occupied * 1.002, 2)})
    data = spec.data.model_copy(update={"footprints": (scaled, *others)})
    adjusted = assess(spec.model_copy(update={"data": data}))
    assert adjusted.overlays[0].total_m2 == pytest.approx(occupied * 1.002, rel=1e-6)
    projects = sorted(set(adjusted.overlays[0].pieces["project_id"].astype(str)))
    for lang, word in (("zh", "控面"), ("en", "control area")):
        text = note(adjusted, lang)
        assert word in text and all(p in text for p in projects), text


def test_a_project_file_names_the_layer_and_footprints(tmp_path: Path) -> None:
    gpkg = tmp_path / "delivery" / "jinxian.gpkg"
    gpkg.parent.mkdir()
    shutil.copy(sample_geopackage(), gpkg)
    county = sample_spatial_county()
    county.indicators.to_frame().to_csv(tmp_path / "indicators.csv")
    county.projects.to_csv(tmp_path / "projects.csv", index=False)
    reference = sample_project(spatial=True)
    (tmp_path / "project.toml").write_text(
        f"""
[project]
name = "t"
applicant = "a"
assessor = "b"
occupation_project = "P01"
date = 2024-12-31
[data]
parcels = "delivery/jinxian.gpkg"
layer = "DLTB"
indicators = "indicators.csv"
projects = "projects.csv"
default_level = "general"
[[data.footprints]]
path = "delivery/jinxian.gpkg"
layer = "HXHX"
role = "occupation"
project_field = "XMBH"
[[data.footprints]]
path = "delivery/jinxian.gpkg"
layer = "XFDK"
role = "restoration"
project_field = "XMBH"
[options]
monte_carlo_draws = 0
sensitivity = false
seed = {reference.options.seed}
""",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "project.toml")
    spec = spec.model_copy(
        update={"data": spec.data.model_copy(update={"plans": reference.data.plans})}
    )
    from_file = assess(spec)
    options = reference.options.model_copy(update={"monte_carlo_draws": 0, "sensitivity": False})
    from_python = assess(reference.model_copy(update={"options": options}))
    assert from_file.price.per_unit == pytest.approx(from_python.price.per_unit, rel=1e-12)
    pd.testing.assert_frame_equal(
        from_file.accounts.debits.to_frame(), from_python.accounts.debits.to_frame()
    )
    assert "parcels_file" in from_file.provenance.inputs


def test_footprints_need_parcels_with_geometry() -> None:
    spec = sample_project()
    data = spec.data.model_copy(
        update={
            "footprints": (
                FootprintSpec(path="red_line.gpkg", role="occupation", project_id="P01"),
            )
        }
    )
    with pytest.raises(SpecError, match=r"data\.footprints: .* have no geometry"):
        assess(spec.model_copy(update={"data": data}))


def test_a_footprint_names_exactly_one_project_key() -> None:
    with pytest.raises(ValueError, match="exactly one of project_id"):
        FootprintSpec(path="x.gpkg", role="occupation", project_id="P01", project_field="XMBH")
    with pytest.raises(ValueError, match="exactly one of project_id"):
        FootprintSpec(path="x.gpkg", role="occupation")


def test_a_layer_for_a_table_file_is_refused(tmp_path: Path) -> None:
    spec = sample_project()
    table = tmp_path / "parcels.csv"
    sample_spatial_county().parcels.to_frame().drop(columns="geometry").to_csv(table)
    data = spec.data.model_copy(update={"parcels": str(table), "layer": "DLTB"})
    with pytest.raises(SpecError, match=r"data\.layer = 'DLTB'.* not a layered spatial file"):
        assess(spec.model_copy(update={"data": data}))


def test_important_wetlands_without_footprints_are_refused() -> None:
    from wetval.spec import ImportantWetlandSpec

    spec = sample_project()
    data = spec.data.model_copy(
        update={"important_wetlands": ImportantWetlandSpec(path="important.gpkg")}
    )
    with pytest.raises(SpecError, match="only read to set the levels of overlaid pieces"):
        assess(spec.model_copy(update={"data": data}))


# ------------------------------------------------------------- split_parcels
@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("grid") / "grid.gpkg"
    grid_layer(nx=6, ny=4).to_file(path, layer="DLTB", engine="pyogrio")
    return read_dltb(path)


def _box(*corners: float):  # type: ignore[no-untyped-def]
    a, b, c, d = corners
    return geopandas.GeoDataFrame(
        {"XMBH": ["P"]}, geometry=[shapely.box(X0 + a, Y0 + b, X0 + c, Y0 + d)], crs=4527
    )


@pytest.mark.filterwarnings("ignore::wetval.errors.DataQualityWarning")  # slivers are listed
@settings(max_examples=25, deadline=None)
@given(
    x=st.floats(0, 400),
    y=st.floats(0, 250),
    w=st.floats(5, 200),
    h=st.floats(5, 150),
)
def test_cutting_conserves_every_parcels_gross_area(grid, x, y, w, h) -> None:  # type: ignore[no-untyped-def]
    """Remainder + pieces (+ deducted strips) of each cut parcel sum to its TBMJ."""
    result = overlay(grid, _box(x, y, min(x + w, 600), min(y + h, 400)), project_id="P")
    cut, _ = split_parcels(grid, [result])
    table = cut.to_frame()
    origin = table["source_parcel"].astype(object).where(table["source_parcel"].notna(), None)
    origin = origin.fillna(pd.Series(table.index, index=table.index))
    # a piece's gross area is its net area (tbmj_m2); a remainder keeps its share of TBMJ
    gross = table["tbmj_m2"].groupby(origin.to_numpy()).sum()
    original = grid.to_frame()["tbmj_m2"]
    np.testing.assert_allclose(gross.reindex(original.index).to_numpy(), original.to_numpy(),
                               rtol=1e-8, atol=1e-6)  # fmt: skip
    assert set(table.loc[table["role"].astype(object) == "occupation"].index) == set(
        result.pieces.index
    )


def test_footprints_that_overlap_on_a_parcel_are_refused(grid) -> None:  # type: ignore[no-untyped-def]
    occupied = overlay(grid, _box(50, 0, 250, 150), project_id="P01")
    sites = overlay(grid, _box(200, 100, 300, 200), role="restoration", project_id="R1")
    with pytest.raises(ValidationError) as caught:
        split_parcels(grid, [occupied, sites])
    text = str(caught.value)
    assert "footprints overlap on this parcel" in text
    # the parcel both footprints cover: column 2 (x 200..300), row 1 (y 100..200)
    assert "SYN000000010" in text


def test_pieces_inherit_the_indicators_of_their_parcel(grid) -> None:  # type: ignore[no-untyped-def]
    from wetval.tables import IndicatorTable

    ids = grid.ids.to_numpy(dtype=object)
    indicators = IndicatorTable.from_frame(
        pd.DataFrame({"parcel_id": ids, "vegetation_cover": np.linspace(10, 90, len(ids))})
    )
    cut, _ = split_parcels(grid, [overlay(grid, _box(50, 0, 250, 150), project_id="P01")])
    inherited = split_indicators(indicators, cut).to_frame()["vegetation_cover"]
    source = cut.to_frame()["source_parcel"].dropna()
    own = indicators.to_frame()["vegetation_cover"]
    np.testing.assert_array_equal(
        inherited.reindex(source.index).to_numpy(), own.reindex(source.to_numpy()).to_numpy()
    )
    kept = cut.ids[~cut.to_frame()["source_parcel"].notna().to_numpy()]
    np.testing.assert_array_equal(inherited.reindex(kept).to_numpy(), own.reindex(kept).to_numpy())


def test_pieces_keep_the_unsplit_score_of_a_whole_table_method() -> None:
    """Entropy weights are statistics over every row: pieces must not count as parcels.

    Scoring the cut table as rows of its own moves the weights (a cut parcel then
    weighs as often as it has pieces); split_condition gives each piece its parcel's
    score from the unsplit table, as the assessment does.
    """
    from wetval.spatial.split import split_condition

    county = sample_spatial_county()  # SYNTHETIC
    parcels, indicators = county.parcels, county.indicators
    frame = parcels.to_frame()
    x0, y0, x1, y1 = frame.total_bounds
    corridor = geopandas.GeoDataFrame(
        {"XMBH": ["P"]},
        geometry=[shapely.box(x0, y0, x0 + 0.6 * (x1 - x0), y0 + 0.5 * (y1 - y0))],
        crs=frame.crs,
    )
    with pytest.warns(DataQualityWarning):  # slivers along the box's edges are listed
        cut, _ = split_parcels(parcels, [overlay(parcels, corridor, project_id="P")])
    card = "psr-entropy-topsis"
    unsplit = score(indicators, card, parcels)
    mapped = split_condition(unsplit, cut).to_frame()
    origin = cut.to_frame()["source_parcel"].astype(object)
    origin = origin.where(origin.notna(), pd.Series(cut.ids, index=cut.ids)).to_numpy()
    expected = unsplit.to_frame()["index"].reindex(origin).to_numpy(dtype=float)
    np.testing.assert_array_equal(mapped["index"].reindex(cut.ids).to_numpy(dtype=float), expected)
    np.testing.assert_allclose(mapped["area_m2"].to_numpy(), cut.area("m2"))
    as_rows = score(split_indicators(indicators, cut), card, cut).to_frame()["index"]
    assert np.nanmax(np.abs(as_rows.reindex(cut.ids).to_numpy(dtype=float) - expected)) > 1e-6


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_spatial_report_keeps_one_caption_per_block(spatial: Assessment, lang: str) -> None:
    """The layout rules of tests/test_report_layout.py on a report with maps and overlay tables."""
    import re

    from wetval.report.document import TableBlock

    def bare(text: str) -> str:
        return re.sub(r"^(表|图|Table:|Figure:)\s*", "", text).strip().casefold()

    document = build_document(spatial, lang)
    blocks = [b for s in document.sections for b in s.blocks if isinstance(b, TableBlock | Figure)]
    captions = [b.caption for b in blocks]
    assert len(set(captions)) == len(captions), sorted(c for c in captions if captions.count(c) > 1)
    maps = [b for b in blocks if isinstance(b, Figure) and b.name in ("county_map", "project_map")]
    assert [m.name for m in maps] == ["county_map", "project_map"]
    for figure in maps:
        assert figure.caption.startswith("图 " if lang == "zh" else "Figure: ")
        assert figure.titles, figure.name  # a map carries its own title …
        for title in figure.titles:  # … which does not repeat the caption
            assert bare(title) not in bare(figure.caption), (title, figure.caption)
            assert bare(figure.caption) not in bare(title), (title, figure.caption)
