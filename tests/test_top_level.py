"""The user's path at the top level: lazy names, a callable ``wetval.assess``, one verb per step."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from typing import Any

import pytest

import wetval
from wetval._deprecation import forward


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_wetval_loads_no_pandas_and_no_method_package() -> None:
    loaded = _run(
        "import sys, wetval; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('wetval', 'pandas', 'numpy')))"
    )
    assert loaded == "['wetval', 'wetval._version']"


def test_names_load_on_first_use_only_what_they_need() -> None:
    loaded = _run(
        "import sys, wetval; wetval.load_spec; "
        "print(sorted(m for m in sys.modules if m.startswith('wetval.')))"
    )
    assert "wetval.spec" in loaded
    for heavy in ("wetval.assess", "wetval.quota", "wetval.uncertainty", "wetval.report"):
        assert f"'{heavy}'" not in loaded


@pytest.mark.parametrize("name", sorted(wetval._NAMES))
def test_every_top_level_name_is_the_documented_object(name: str) -> None:
    module, _, attribute = wetval._NAMES[name].partition(":")
    found = importlib.import_module(module)
    expected = getattr(found, attribute) if attribute else found
    assert getattr(wetval, name) is expected
    assert name in wetval.__all__ and name in dir(wetval)


def test_all_lists_exactly_the_lazy_names() -> None:
    assert sorted(wetval.__all__) == sorted(["__version__", *wetval._NAMES])


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = wetval.no_such_name  # type: ignore[attr-defined]


def test_the_users_path_from_a_fresh_interpreter() -> None:
    # the "done when": import wetval; wetval.assess(wetval.datasets.sample_project())
    out = _run(
        "import wetval\n"
        "spec = wetval.datasets.sample_project()\n"
        "options = spec.options.model_copy(update={'monte_carlo_draws': 0, 'sensitivity': False})\n"
        "a = wetval.assess(spec.model_copy(update={'options': options}))\n"
        "print(type(a).__name__, a.synthetic, a.price.units > 0)"
    )
    assert out == "Assessment True True"


def test_wetval_assess_is_callable_whatever_was_imported_first(sample_assessment: Any) -> None:
    # the submodule import rebinds wetval.assess to the module: the module is callable
    import wetval.assess
    from wetval.assess import AssessmentSpec, assess

    assert wetval.assess is sys.modules["wetval.assess"]
    assert wetval.AssessmentSpec is AssessmentSpec and wetval.assess.assess is assess
    spec = wetval.datasets.sample_project()
    options = spec.options.model_copy(update={"monte_carlo_draws": 200})
    assert (
        wetval.assess(spec.model_copy(update={"options": options})).hash == sample_assessment.hash
    )
    # the other order, in a fresh interpreter
    assert (
        _run("import wetval; f = wetval.assess; import wetval.assess as m; print(f is m)") == "True"
    )


#: (module, old name, new name): the old verbs and clashing names, deprecated for one release.
DEPRECATED = [
    ("wetval.quota", "credits", "account_credits"),
    ("wetval.quota", "debits", "account_debits"),
    ("wetval.quota", "quota_accounts", "account_quotas"),
    ("wetval.quota", "umam_assessment", "measure_umam"),
    ("wetval.quota", "uk_metric_units", "measure_uk_metric"),
    ("wetval.quota", "hea_scaling", "measure_hea"),
    ("wetval.quota.accounts", "credits", "account_credits"),
    ("wetval.quota.accounts", "debits", "account_debits"),
    ("wetval.quota.accounts", "quota_accounts", "account_quotas"),
    ("wetval.quota.umam", "umam_assessment", "measure_umam"),
    ("wetval.quota.uk_metric", "uk_metric_units", "measure_uk_metric"),
    ("wetval.quota.hea", "hea_scaling", "measure_hea"),
    ("wetval.screening", "screen_reserves", "screen"),
    ("wetval.report", "export_assessment", "write_reports"),
    ("wetval.report.document", "Table", "TableBlock"),
    ("wetval.report.document", "ReviewSheet", "ReviewBlock"),
]


@pytest.mark.parametrize(("module", "old", "new"), DEPRECATED)
def test_old_names_warn_and_are_the_new_objects(module: str, old: str, new: str) -> None:
    found = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=rf"{module}\.{old} is deprecated: use .*\.{new};"):
        obj = getattr(found, old)
    assert obj is getattr(found, new)
    assert old not in found.__all__ and new in found.__all__


def test_new_names_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module, _, new in DEPRECATED:
            getattr(importlib.import_module(module), new)


def test_the_presentation_blocks_no_longer_clash_with_review_and_cards() -> None:
    from wetval.cards import Table
    from wetval.report.document import ReviewBlock, TableBlock
    from wetval.review import ReviewSheet

    assert len({ReviewBlock, ReviewSheet, TableBlock, Table}) == 4
    assert {"ReviewSheet", "Table"}.isdisjoint(importlib.import_module("wetval.report").__dict__)


def test_a_forward_table_is_checked_when_built() -> None:
    with pytest.raises(ValueError, match=r"m\.old: target 'nowhere' is not 'module:name'"):
        forward("m", {"old": "nowhere"})
    getattr_ = forward("m", {"old": "wetval.spec:load_spec"})
    with pytest.raises(AttributeError, match="module 'm' has no attribute 'other'"):
        getattr_("other")
