"""Review benchmarks: panel draws from large pools, Kendall's W, building and verifying records.

Run with ``python -m pytest benchmarks --benchmark-only -k review``. Results go to
docs/performance.md. All pools are SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pytest

from wetval.review import (
    DrawRules,
    ReviewCase,
    ReviewRecord,
    ReviewSheet,
    draw_panel,
    kendalls_w,
    synthetic_entries,
    synthetic_pool,
)

APPLICANT = "示意建设单位 P01 (synthetic applicant)"


@pytest.fixture(scope="module")
def big_pool():  # type: ignore[no-untyped-def]
    return synthetic_pool(2000, seed=1)


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    return ReviewCase.build("a" * 64, applicant=APPLICANT, date="2024-03-01", townships=["民和镇"])


def test_draw_from_2000_experts(benchmark, big_pool, case) -> None:  # type: ignore[no-untyped-def]
    draw = benchmark(draw_panel, big_pool, case, DrawRules.from_card(), seed=3)
    assert len(draw.member_ids) == 5


def test_draw_with_scarce_fields_from_2000_experts(benchmark, big_pool, case) -> None:  # type: ignore[no-untyped-def]
    # surveying experts are 2 % of the pool: long runs of skips
    rules = DrawRules.from_card(
        panel_size=7, field_minimums={"surveying": 3, "law": 2, "wetland": 2}
    )
    draw = benchmark(draw_panel, big_pool, case, rules, seed=3)
    assert len(draw.skipped) > 100


def test_kendalls_w_with_9999_permutations(benchmark) -> None:  # type: ignore[no-untyped-def]
    scores = np.random.default_rng(0).integers(40, 100, size=(7, 5))
    result = benchmark(kendalls_w, scores, permutations=9999, seed=1)
    assert result.p_permutation is not None


def test_build_and_verify_a_record(benchmark, case) -> None:  # type: ignore[no-untyped-def]
    pool = synthetic_pool(60, seed=2)
    draw = draw_panel(pool, case, DrawRules.from_card(panel_size=7), seed=5)
    sheet = ReviewSheet.build(draw, due="2024-03-15")
    entries = synthetic_entries(sheet, seed=1)

    def build_store_load() -> ReviewRecord:
        return ReviewRecord.from_json(ReviewRecord.build(sheet, entries).to_json())

    record = benchmark(build_store_load)
    assert record.verdict.members == 7
