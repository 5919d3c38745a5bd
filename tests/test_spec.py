"""The project file: every section refuses unknown keys, naming file, dotted key and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import wetval.assess
from wetval import spec as spec_module
from wetval.spec import (
    AssessmentSpec,
    CardSpec,
    DataSpec,
    FootprintSpec,
    ImportantWetlandSpec,
    OptionSpec,
    PlanSpec,
    ProjectSpec,
    ReportSpec,
    SpecError,
    load_spec,
)

GOOD = """
[project]
name = "t"
applicant = "a"
assessor = "b"
occupation_project = "P01"
date = 2024-12-31
[data]
parcels = "sample"
indicators = "sample"
"""

PLAN = """
[[data.plans]]
name = "p"
project_id = "R01"
quantities = "boq.csv"
species = ["Phragmites australis"]
"""

FOOTPRINT = """
[[data.footprints]]
path = "red_line.gpkg"
role = "occupation"
project_id = "P01"
"""

IMPORTANT = """
[data.important_wetlands]
path = "important.gpkg"
"""

#: Each section of a project file: the TOML that opens it (or reaches it), its
#: dotted prefix in an error, and its model.
SECTIONS: list[tuple[str, str, str, type[BaseModel]]] = [
    ("project", GOOD.replace("[data]", "{line}\n[data]"), "project", ProjectSpec),
    ("data", GOOD + "{line}\n", "data", DataSpec),
    ("cards", GOOD + "[cards]\n{line}\n", "cards", CardSpec),
    ("options", GOOD + "[options]\n{line}\n", "options", OptionSpec),
    ("report", GOOD + "[report]\n{line}\n", "report", ReportSpec),
    ("plans", GOOD + PLAN + "{line}\n", "data.plans[0]", PlanSpec),
    ("footprints", GOOD + FOOTPRINT + "{line}\n", "data.footprints[0]", FootprintSpec),
    (
        "important_wetlands",
        GOOD + IMPORTANT + "{line}\n",
        "data.important_wetlands",
        ImportantWetlandSpec,
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "project.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sections_cover_every_model_of_the_spec() -> None:
    # a new section model added to the spec must be added to SECTIONS
    models = {
        value
        for value in vars(spec_module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == spec_module.__name__
    }
    assert {m for *_, m in SECTIONS} | {AssessmentSpec, spec_module._Model} == models


@pytest.mark.parametrize(
    ("name", "template", "prefix", "model"), SECTIONS, ids=[s[0] for s in SECTIONS]
)
def test_a_misspelt_key_in_any_section_is_refused_with_the_nearest_key(
    tmp_path: Path, name: str, template: str, prefix: str, model: type[BaseModel]
) -> None:
    key = "price_year" if "price_year" in model.model_fields else next(iter(model.model_fields))
    typo = key[:-1] + key[-1] * 2 + "x"  # price_year -> price_yearrx
    path = _write(tmp_path, template.format(line=f"{typo} = 1"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"- {prefix}.{typo}: unknown key; did you mean {key!r}?" in message
    assert "valid keys: " + ", ".join(model.model_fields) in message


def test_an_unknown_section_names_the_top_level_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "[optoins]\nseed = 1\n")
    with pytest.raises(SpecError, match=r"- optoins: unknown key; did you mean 'options'\? "):
        load_spec(path)


def test_a_key_with_no_near_match_lists_the_valid_keys_only(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "[report]\nzzz = 1\n")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert "- report.zzz: unknown key; valid keys: languages, formats" in str(caught.value)
    assert "did you mean" not in str(caught.value)


def test_base_dir_is_not_a_project_file_key(tmp_path: Path) -> None:
    # issue 17: a top-level base_dir redirected every data path of the file
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = _write(tmp_path, f'base_dir = "{elsewhere.as_posix()}"\n' + GOOD)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert str(path) in message and "- base_dir: not a project-file key" in message
    assert "valid keys: project, data, cards, options, report" in message
    # without it, relative paths follow the file
    assert load_spec(_write(tmp_path, GOOD)).base_dir == str(tmp_path.resolve())


def test_every_wrong_key_is_named_in_one_error(tmp_path: Path) -> None:
    text = GOOD.replace("[data]", "nmae = 1\n[data]") + "[options]\ndraws = 5\nseed = -1\n"
    with pytest.raises(SpecError) as caught:
        load_spec(_write(tmp_path, text))
    message = str(caught.value)
    assert "- project.nmae: unknown key; did you mean 'name'?" in message
    assert "- options.draws: unknown key" in message
    assert "- options.seed: Input should be greater than or equal to 0" in message


_IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(section=st.sampled_from(SECTIONS), key=_IDENT)
def test_no_unknown_key_is_ever_accepted(
    tmp_path_factory: pytest.TempPathFactory,
    section: tuple[str, str, str, type[BaseModel]],
    key: str,
) -> None:
    _, template, prefix, model = section
    if key in model.model_fields:
        return
    path = _write(tmp_path_factory.mktemp("spec"), template.format(line=f"{key} = 1"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert f"- {prefix}.{key}: unknown key" in str(caught.value)


def test_a_ledger_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(Exception, match="LedgerLike"):
        DataSpec(parcels="sample", ledger=3)  # type: ignore[arg-type]


def test_the_assessment_module_re_exports_the_spec() -> None:
    for name in ("AssessmentSpec", "DataSpec", "PlanSpec", "SpecError", "load_spec"):
        assert getattr(wetval.assess, name) is getattr(spec_module, name)


def test_the_sample_project_does_not_import_the_assessment() -> None:
    code = (
        "import sys, wetval.datasets as d; s = d.sample_project(); "
        "print(sorted(m for m in sys.modules if m in "
        "('wetval.assess', 'wetval.quota', 'wetval.pricing', 'wetval.condition', "
        "'wetval.valuation', 'wetval.uncertainty')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
