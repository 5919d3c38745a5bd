"""Kendall's W: published examples, the tie correction, invariants, the permutation test."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from wetval.errors import ValidationError
from wetval.review import kendalls_w

# NAG Library Manual, routine G08DAF (nagf_nonpar_concordance_kendall), example program:
# data file g08dafe.d and results g08dafe.r, e.g.
# https://support.nag.com/numeric/nl/nagdoc_29.2/examples/data/g08dafe.d.html and
# https://support.nag.com/numeric/nl/nagdoc_27.1/examples/baseresults/g08dafe.r.html
# 3 comparisons (raters) x 10 objects, with ties in every comparison. Published output:
# "Kendall's coefficient = 0.828, Significance = 0.008" (3 decimals, so |error| <= 0.0005).
NAG_G08DAF = [
    [1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0],
    [2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5],
    [2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0],
]


def test_nag_g08daf_example_with_ties() -> None:
    result = kendalls_w(NAG_G08DAF)
    assert result.w == pytest.approx(0.828, abs=0.0005)
    assert result.p_value == pytest.approx(0.008, abs=0.0005)
    # The intermediate numbers, by hand from the published ranks:
    # rank sums 5.5, 6.5, 9, 13.5, 12, 20, 23, 23.5, 25.5, 26.5 (mean 16.5), so S = 591;
    # ties: row 1 two pairs (2 x 6 = 12), row 2 three pairs (18), row 3 a group of four
    # (60) and of three (24): sum T = 114;
    # W = 12 x 591 / (3^2 (10^3 - 10) - 3 x 114) = 7092 / 8568.
    assert result.rank_sums.tolist() == [5.5, 6.5, 9, 13.5, 12, 20, 23, 23.5, 25.5, 26.5]
    assert result.tie_sum == 114
    assert result.w == pytest.approx(7092 / 8568, rel=1e-12)
    assert result.w_uncorrected == pytest.approx(7092 / 8910, rel=1e-12)
    assert result.chi2 == pytest.approx(3 * 9 * 7092 / 8568, rel=1e-12)
    assert result.df == 9
    assert not result.small_sample


def test_proofwiki_example_without_ties() -> None:
    # ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1":
    # 4 judges rank 3 competitors X, Y, Z (judge A: 1, 3, 2; B: 1, 2, 3; C: 2, 3, 1;
    # D: 3, 1, 2); W = 1/16 exactly. Judges are the rows here.
    ranks = [[1, 3, 2], [1, 2, 3], [2, 3, 1], [3, 1, 2]]
    result = kendalls_w(ranks)
    assert result.w == pytest.approx(1 / 16, abs=1e-15)
    assert result.w == result.w_uncorrected
    assert result.tie_sum == 0
    assert result.rank_sums.tolist() == [7, 9, 8]
    assert result.small_sample


def test_perfect_agreement_and_labels() -> None:
    scores = pd.DataFrame(
        [[60, 70, 80, 90], [61, 72, 85, 99], [10, 20, 30, 40]],
        index=["E1", "E2", "E3"],
        columns=["data", "method", "parameters", "price"],
    )
    result = kendalls_w(scores)
    assert result.w == pytest.approx(1.0)
    assert list(result.rank_sums.index) == ["data", "method", "parameters", "price"]
    assert result.to_frame()["mean_rank"].tolist() == [1, 2, 3, 4]
    assert "Kendall's W = 1.0000" in str(result.summary())


def test_all_scores_tied_gives_nan_not_an_error() -> None:
    result = kendalls_w([[5, 5, 5], [7, 7, 7]])
    assert np.isnan(result.w) and np.isnan(result.p_value)


score_matrices = st.integers(2, 7).flatmap(
    lambda m: st.integers(3, 8).flatmap(
        lambda n: arrays(np.int64, (m, n), elements=st.integers(0, 5))
    )
)


@given(score_matrices)
def test_matches_friedman_with_tie_correction(scores: np.ndarray) -> None:
    # chi-square = m (n - 1) W is Friedman's statistic with the tie correction
    if all(len(set(row)) == 1 for row in scores.tolist()):
        return  # no ranking information: Friedman's statistic is undefined too
    result = kendalls_w(scores)
    friedman = stats.friedmanchisquare(*scores.T)
    assert result.chi2 == pytest.approx(friedman.statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(friedman.pvalue, rel=1e-9, abs=1e-12)
    assert 0.0 <= result.w <= 1.0 + 1e-12


@given(score_matrices, st.randoms(use_true_random=False))
def test_invariant_to_order_and_monotone_rescaling(scores: np.ndarray, random) -> None:  # type: ignore[no-untyped-def]
    base = kendalls_w(scores)
    rows = list(range(scores.shape[0]))
    columns = list(range(scores.shape[1]))
    random.shuffle(rows)
    random.shuffle(columns)
    shuffled = kendalls_w(scores[rows][:, columns])
    rescaled = kendalls_w(3.0 * scores.astype(float) ** 3 + 7.0)  # increasing per expert
    for other in (shuffled, rescaled):
        assert other.w == pytest.approx(base.w, rel=1e-12, abs=1e-15) or (
            np.isnan(other.w) and np.isnan(base.w)
        )
    assert shuffled.rank_sums.to_numpy() == pytest.approx(base.rank_sums.to_numpy()[columns])


def test_permutation_p_against_exact_enumeration() -> None:
    # m = 2 experts, n = 4 criteria: the exact null distribution has 4!^2 = 576 equally
    # likely arrangements; count those with S >= observed S.
    scores = np.array([[1, 2, 3, 4], [2, 1, 4, 3]])
    observed = kendalls_w(scores)
    ranks = [np.array(p) for p in itertools.permutations([1, 2, 3, 4])]
    s_obs = ((observed.rank_sums.to_numpy() - 5.0) ** 2).sum()
    exact = np.mean([((a + b - 5.0) ** 2).sum() >= s_obs - 1e-9 for a in ranks for b in ranks])
    result = kendalls_w(scores, permutations=40_000, seed=11)
    # Monte Carlo error of a proportion near 0.1 with 40,000 draws: sd about 0.0015
    assert result.p_permutation == pytest.approx(exact, abs=0.006)
    again = kendalls_w(scores, permutations=40_000, seed=11)
    assert again.p_permutation == result.p_permutation
    assert result.seed == 11 and result.permutations == 40_000


def test_permutation_p_of_perfect_agreement_is_at_its_floor() -> None:
    scores = np.tile(np.arange(5), (5, 1))
    result = kendalls_w(scores, permutations=999, seed=3)
    # chance of W* = 1 under the null is (1/120)^4: practically never
    assert result.p_permutation == pytest.approx(1 / 1000)


def test_permutation_needs_a_seed() -> None:
    with pytest.raises(ValueError, match="needs a seed"):
        kendalls_w([[1, 2, 3], [1, 3, 2]], permutations=100)


def test_bad_input_is_one_error_naming_each_cell() -> None:
    frame = pd.DataFrame(
        {"data": [70, None], "method": [80, "abc"], "price": [90, 60]}, index=["E1", "E2"]
    )
    with pytest.raises(ValidationError) as caught:
        kendalls_w(frame)
    problems = caught.value.problems
    assert set(zip(problems["row"], problems["column"], strict=True)) == {
        ("E2", "data"),
        ("E2", "method"),
    }
    with pytest.raises(ValidationError, match="2-D"):
        kendalls_w([1, 2, 3])
    with pytest.raises(ValidationError, match="at least 2 experts"):
        kendalls_w([[1, 2, 3]])
