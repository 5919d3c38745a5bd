"""A condition card whose grades the quota card cannot price is refused before any work.

The psr-entropy-topsis card grades in five classes (excellent … morbid, 优秀 … 病态);
quota-jinxian has quality factors for 优/良/中/差 only (methods/quota/quota-jinxian.toml,
tables.quality_factors). Before this check an assessment or ``wetval batch`` with
these two cards failed in quota credits, on every parcel or partition.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wetval import datasets
from wetval.assess import assess
from wetval.cards import Card, load_card
from wetval.errors import WetvalError
from wetval.quota.accounts import QuotaRules
from wetval.spec import SpecError

PSR_GRADES = ("excellent", "good", "moderate", "weak", "morbid")


def _quota_with_grades(grades: list[str]) -> Card:
    """quota-jinxian with its quality factors relabelled.

    The factors are made up for the test; the source key only satisfies the card schema.
    """
    card = load_card("quota-jinxian")
    table = card.tables["quality_factors"]
    rows = tuple(
        (grade, len(grades) - i, round(1.0 - 0.15 * i, 2), "db36t2134")
        for i, grade in enumerate(grades)
    )
    relabelled = table.model_copy(update={"rows": rows})
    return card.model_copy(update={"tables": {**card.tables, "quality_factors": relabelled}})


def test_assess_refuses_unmatched_grades_before_computing() -> None:
    spec = datasets.sample_project()
    spec = spec.model_copy(
        update={"cards": spec.cards.model_copy(update={"condition": "psr-entropy-topsis"})}
    )
    steps: list[str] = []
    with pytest.raises(SpecError) as caught:
        assess(spec, progress=steps.append)
    message = str(caught.value)
    assert steps == ["cards"]  # nothing scored, valued or credited
    assert "cards.condition = 'psr-entropy-topsis'" in message
    assert "cards.quota = 'quota-jinxian'" in message
    assert ", ".join(PSR_GRADES) in message
    assert "优, 良, 中, 差" in message and "fix:" in message


def test_a_quota_card_may_use_any_labelling_of_the_grades() -> None:
    psr = load_card("psr-entropy-topsis")
    zh = ["优秀", "良好", "中等", "较弱", "病态"]
    assert QuotaRules.from_card(_quota_with_grades(zh)).uncovered_grades(psr) == ()
    assert QuotaRules.from_card(_quota_with_grades(list(PSR_GRADES))).uncovered_grades(psr) == ()
    partial = QuotaRules.from_card(_quota_with_grades(["优秀", "good", "中等"]))
    # no single labelling is covered: the grades none of whose labels has a factor
    assert partial.uncovered_grades(psr) == ("weak", "morbid")
    db36 = load_card("jiangxi-db36-2134")
    assert QuotaRules.from_card(load_card("quota-jinxian")).uncovered_grades(db36) == ()


def test_an_index_based_quality_factor_needs_no_grades() -> None:
    card = load_card("quota-jinxian")
    by_index = card.model_copy(update={"options": {**card.options, "quality_basis": "index"}})
    psr = load_card("psr-entropy-topsis")
    assert QuotaRules.from_card(by_index).uncovered_grades(psr) == ()


def test_batch_refuses_unmatched_grades_and_runs_without_quota(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    from wetval import scale
    from wetval.datasets._synthetic import generate_frames

    with pytest.raises(WetvalError, match=r"condition = 'psr-entropy-topsis' grades parcels"):
        scale.ScaleCards(condition="psr-entropy-topsis").loaded()
    parcels, indicators, _ = generate_frames(3_000, np.random.default_rng(1819))
    scale.write_partitions(parcels, indicators, tmp_path / "data", rows=1_500)
    # the reserve census does not read grades: only the quota stage is left out
    cards = scale.ScaleCards(condition="psr-entropy-topsis", quota=None)
    result = scale.run(tmp_path / "data", tmp_path / "out", cards=cards)
    assert (tmp_path / "out" / "reserves").is_dir()
    assert int(result.county["reserve_candidates"].sum()) > 0
