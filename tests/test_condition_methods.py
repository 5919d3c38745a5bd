"""Weighting, normalisation, aggregation and grading formulas against published and
hand-computed cases. Each test says where its numbers come from and why the
tolerance is what it is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wetval.condition import (
    AHPConsistencyWarning,
    GradeScale,
    ahp,
    combine_weights,
    critic_weights,
    entropy_weights,
    group_ahp,
    minimum,
    normalise,
    topsis,
    weighted_geometric_mean,
    weighted_sum,
)
from wetval.errors import ValidationError
from wetval.indicators import Direction

HB, LB = Direction.HIGHER_BETTER, Direction.LOWER_BETTER

# --------------------------------------------------------------------- AHP

#: Saaty, T. L. (2008) Decision making with the analytic hierarchy process.
#: Int. J. Services Sciences 1(1): 83–98, doi:10.1504/IJSSCI.2008.017590 —
#: "relative consumption of drinks in the United States" matrix and its derived
#: priorities (3 decimals), as transcribed in the AHPy README (PhilipGriffith/AHPy),
#: which also reports CR = 0.022.
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PRIORITIES = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def test_ahp_reproduces_saaty_2008_drinks() -> None:
    matrix = pd.DataFrame(DRINKS_MATRIX, index=DRINKS, columns=DRINKS)
    result = ahp(matrix)
    # published to 3 decimals: half a unit in the last place
    np.testing.assert_allclose(result.weights[DRINKS], DRINKS_PRIORITIES, atol=0.0005)
    assert result.cr == pytest.approx(0.022, abs=0.0005)
    assert result.random_index_table == "saaty1980" and result.random_index == 1.32
    assert result.consistent
    # CR = CI / RI: the published CR also holds with Saaty's 2005 table (RI(7) = 1.35)
    later = ahp(matrix, random_index_table="saaty2005")
    assert later.cr == pytest.approx(0.022, abs=0.0005)
    assert later.ci == pytest.approx(result.ci) and later.random_index == 1.35


def test_ahp_consistent_matrix_hand_computed() -> None:
    # a_ij = w_i / w_j is perfectly consistent: weights w, lambda_max = n, CI = CR = 0
    w = np.array([0.5, 0.3, 0.2])
    result = ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w, rtol=1e-12)
    assert result.lambda_max == pytest.approx(3.0, abs=1e-12)
    assert result.ci == pytest.approx(0.0, abs=1e-12) and result.cr == pytest.approx(0.0, abs=1e-12)
    two = ahp([[1, 3], [1 / 3, 1]])  # 2 × 2 is always consistent: weights 3/4, 1/4
    np.testing.assert_allclose(two.weights, [0.75, 0.25], rtol=1e-12)
    assert two.cr == 0.0


def test_ahp_bad_matrices_name_every_cell() -> None:
    bad = [[1, 3, 0], [1 / 3, 2, 5], [1, 1 / 4, 1]]
    with pytest.raises(ValidationError) as caught:
        ahp(bad)
    problems = caught.value.problems
    reasons = set(problems["reason"])
    assert "entry is not a positive finite number" in reasons  # the zero: a degenerate matrix
    assert "diagonal entry is not 1" in reasons
    assert "not reciprocal: a_ij × a_ji != 1" in reasons
    cells = set(zip(problems["row"], problems["column"], problems["reason"], strict=True))
    assert cells == {
        ("1", "3", "entry is not a positive finite number"),
        ("2", "2", "diagonal entry is not 1"),
        ("2", "3", "not reciprocal: a_ij × a_ji != 1"),
    }  # [1, 2] is fine: 3 × 1/3 = 1
    with pytest.raises(ValidationError, match="square"):
        ahp([[1, 2, 3]])
    with pytest.raises(ValueError, match=r"covers n = 1\.\.11"):
        ahp(np.ones((12, 12)))


def test_ahp_inconsistency_policy() -> None:
    # 1 ≻ 2 (9), 2 ≻ 3 (9), but 3 ≻ 1 (9): circular judgements
    circular = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.warns(AHPConsistencyWarning, match="CR ="):
        result = ahp(circular)
    assert not result.consistent and result.cr >= 0.10
    with pytest.raises(ValidationError, match="inconsistent"):
        ahp(circular, on_inconsistent="error")
    assert not ahp(circular, on_inconsistent="ignore").consistent


def test_group_ahp_geometric_mean_hand_computed() -> None:
    # experts say 2 and 8: the geometric mean is 4, so the weights are 4/5 and 1/5
    result = group_ahp([[[1, 2], [1 / 2, 1]], [[1, 8], [1 / 8, 1]]])
    np.testing.assert_allclose(result.matrix.to_numpy(), [[1, 4], [1 / 4, 1]], rtol=1e-12)
    np.testing.assert_allclose(result.weights, [0.8, 0.2], rtol=1e-12)
    with pytest.raises(ValidationError, match="expert 2"):
        group_ahp([[[1, 2], [1 / 2, 1]], [[1, 2], [2, 1]]])


# ----------------------------------------------------------------- entropy


def test_entropy_reproduces_xu_2004() -> None:
    # Xu, X. (2004) A note on the subjective and objective integrated approach to
    # determine attribute weights. EJOR 156(2): 530–532, doi:10.1016/S0377-2217(03)00146-2.
    # Decision matrix and entropy weights (4 decimals) as transcribed in the test
    # suite of pyrepo-mcda (A. Bączkiewicz). The paper uses the classical
    # p_ij = x_ij / Σ x_ij shares: our "sum" variant.
    matrix = pd.DataFrame(
        [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]],
        columns=["c1", "c2", "c3", "c4"],
    )
    weights = entropy_weights(matrix, [HB] * 4, normalisation="sum")
    np.testing.assert_allclose(weights, [0.4630, 0.3992, 0.1378, 0.0000], atol=0.00005)


def test_entropy_minmax_hand_computed() -> None:
    # benefit [0, 1, 2] → z = [0, .5, 1], p = [0, 1/3, 2/3], e = (ln3/3 + 2/3 ln1.5)/ln3 = 0.579380
    # cost [3, 1, 1]    → z = [0, 1, 1],  p = [0, .5, .5],   e = ln2/ln3 = 0.630930 (0·ln0 = 0)
    # w = (1 − e) / Σ(1 − e) = [0.532639, 0.467361]
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [3.0, 1.0, 1.0]})
    weights = entropy_weights(frame, {"a": HB, "b": LB})
    np.testing.assert_allclose(weights, [0.532639, 0.467361], atol=1e-6)
    with_constant = entropy_weights(frame.assign(c=5.0), {"a": HB, "b": LB, "c": HB})
    assert with_constant["c"] == 0.0  # no spread, no information
    np.testing.assert_allclose(with_constant[["a", "b"]], weights, rtol=1e-12)


def test_entropy_bad_input() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValidationError, match="fewer than two values"):
        entropy_weights(frame, {"a": HB, "b": HB})
    with pytest.raises(ValidationError, match="no direction given"):
        entropy_weights(frame[["b"]].assign(c=1.0), {"b": HB})
    with pytest.raises(ValidationError, match="every column is constant"):
        entropy_weights(pd.DataFrame({"a": [1.0, 1.0]}), {"a": HB})


# ------------------------------------------------------------------ CRITIC


def test_critic_reproduces_tus_and_aytac_adali_2019() -> None:
    # Tuş, A. & Aytaç Adalı, E. (2019) The new combination with CRITIC and WASPAS
    # methods for the time and attendance software selection problem. Opsearch
    # 56(2): 528–538. Matrix and CRITIC weights (3 decimals) as transcribed in the
    # pyrepo-mcda test suite. The published weights are reproduced when every
    # column is min–max normalised as a benefit criterion (the transcription's
    # expected values do not invert the price column), so we test them that way.
    matrix = pd.DataFrame(
        [
            [5000, 3, 3, 4, 3, 2],
            [680, 5, 3, 2, 2, 1],
            [2000, 3, 2, 3, 4, 3],
            [600, 4, 3, 1, 2, 2],
            [800, 2, 4, 3, 3, 4],
        ],
        dtype=float,
    )
    weights = critic_weights(matrix, [HB] * 6)
    np.testing.assert_allclose(weights, [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=0.0005)
    # a cost column is the benefit column reversed: same σ, correlations of opposite sign
    as_cost = critic_weights(matrix, [LB, HB, HB, HB, HB, HB])
    negated = matrix.copy()
    negated[0] = -matrix[0]
    np.testing.assert_allclose(as_cost, critic_weights(negated, [HB] * 6), rtol=1e-12)
    assert not np.allclose(as_cost, weights)


def test_combined_weights() -> None:
    subjective = pd.Series({"a": 0.6, "b": 0.4})
    objective = pd.Series({"b": 0.8, "a": 0.2})
    mixed = combine_weights(subjective, objective, alpha=0.25)
    # 0.25 × 0.6 + 0.75 × 0.2 = 0.30; 0.25 × 0.4 + 0.75 × 0.8 = 0.70
    np.testing.assert_allclose(mixed[["a", "b"]], [0.30, 0.70], rtol=1e-12)
    with pytest.raises(ValidationError) as caught:
        combine_weights(subjective * 2, objective, alpha=1.5)
    reasons = " ".join(caught.value.problems["reason"])
    assert "alpha must be in [0, 1]" in reasons and "sum to 2.000000, not 1" in reasons


# ------------------------------------------------------------------ TOPSIS


def test_topsis_reproduces_papathanasiou_ploskas_2018() -> None:
    # Papathanasiou, J. & Ploskas, N. (2018) Multiple Criteria Decision Aid: Methods,
    # Examples and Python Implementations, ch. "TOPSIS", Springer: the first facility-
    # location example (4 benefit criteria, weights 0.4/0.3/0.1/0.2), relative
    # closeness to 3 decimals as transcribed in the distance-metrics-mcda test suite.
    # The book rounds its normalised matrix to 3 decimals; our unrounded values stay
    # within half a unit of the published third decimal.
    matrix = pd.DataFrame(
        [[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7], [6, 9, 5, 4]],
        columns=["c1", "c2", "c3", "c4"],
    )
    closeness = topsis(matrix, [0.4, 0.3, 0.1, 0.2], [HB] * 4)
    np.testing.assert_allclose(closeness, [0.387, 0.327, 0.391, 0.615, 0.868, 0.493], atol=0.0005)


def test_topsis_cost_criterion_hand_computed() -> None:
    # B is better on both (higher benefit, lower cost): B is the ideal, A the anti-ideal
    matrix = pd.DataFrame({"benefit": [1.0, 2.0], "cost": [2.0, 1.0]}, index=["A", "B"])
    closeness = topsis(matrix, {"benefit": 0.5, "cost": 0.5}, {"benefit": HB, "cost": LB})
    assert closeness["A"] == pytest.approx(0.0) and closeness["B"] == pytest.approx(1.0)
    from wetval.condition.aggregate import topsis_closeness

    with pytest.raises(ValueError, match="unknown TOPSIS variant"):
        topsis_closeness(np.ones((2, 2)), np.array([0.5, 0.5]), "minmax-manhattan")


# ------------------------------------------------------ other aggregations


def test_aggregations_hand_computed() -> None:
    z = np.array([[0.5, 1.0], [0.25, np.nan], [np.nan, np.nan], [0.0, 1.0]])
    w = np.array([0.25, 0.75])
    # 0.25×0.5 + 0.75×1 = 0.875; second row re-weighted over the present item
    np.testing.assert_allclose(weighted_sum(z, w), [0.875, 0.25, np.nan, 0.75])
    # 0.5^0.25 × 1^0.75 = 0.840896; a zero score gives 0
    np.testing.assert_allclose(
        weighted_geometric_mean(z, w), [0.5**0.25, 0.25, np.nan, 0.0], rtol=1e-12
    )
    np.testing.assert_allclose(minimum(z, w), [0.5, 0.25, np.nan, 0.0])


# --------------------------------------------------------- normalisation


def test_normalisation_rules() -> None:
    x = np.array([-1.0, 0.0, 5.0, 10.0, 20.0, np.nan])
    np.testing.assert_allclose(
        normalise.minmax(x, 0, 10, HB), [0, 0, 0.5, 1, 1, np.nan], equal_nan=True
    )
    np.testing.assert_allclose(
        normalise.minmax(x, 0, 10, LB), [1, 1, 0.5, 0, 0, np.nan], equal_nan=True
    )
    # intervals [lower, upper); the last one includes its upper bound
    np.testing.assert_allclose(
        normalise.steps(np.array([-5.0, -4.9, 5.0, 1000.0, 1000.1]), [-100, -5, 5], [-5, 5, 1000],
                        [1 / 3, 2 / 3, 1]),
        [2 / 3, 2 / 3, 1, 1, np.nan],
        equal_nan=True,
    )  # fmt: skip
    np.testing.assert_allclose(
        normalise.categories(np.array([1.0, 3.0, 7.0]), [3, 1], [0.5, 1.0]),
        [1.0, 0.5, np.nan],
        equal_nan=True,
    )
    np.testing.assert_allclose(
        normalise.optimum(np.array([0.0, 1.0, 2.0, 3.0, 5.0]), 0, 2, 3, 5), [0, 0.5, 1, 1, 0]
    )
    np.testing.assert_allclose(normalise.piecewise(np.array([0.0, 5.0]), [0, 10], [1, 0]), [1, 0.5])
    # best tier present counts; a missing higher tier leaves it unknown
    national_1 = np.array([1.0, 0.0, np.nan, 0.0, np.nan])
    national_2 = np.array([0.0, 2.0, 1.0, 0.0, 0.0])
    provincial = np.array([0.0, 0.0, 0.0, np.nan, 0.0])
    np.testing.assert_allclose(
        normalise.presence([national_1, national_2, provincial], [1.0, 0.6, 0.3]),
        [1.0, 0.6, np.nan, np.nan, np.nan],
        equal_nan=True,
    )


def test_grade_boundaries() -> None:
    five = GradeScale(
        keys=("excellent", "good", "moderate", "weak", "morbid"),
        label_zh=("优秀", "良好", "中等", "较弱", "病态"),
        label_en=("excellent", "good", "moderate", "weak", "morbid"),
        lower=(0.81, 0.61, 0.41, 0.21, 0.0),
    )
    index = np.array([1.0, 0.81, 0.8099, 0.805, 0.21, 0.2, 0.0, np.nan])
    grades = five.assign(index)
    assert list(grades.astype(object)) == [
        "excellent", "excellent", "good", "good", "weak", "morbid", "morbid", np.nan,
    ]  # fmt: skip
    assert grades.ordered and grades.categories[-1] == "excellent"
    upper = GradeScale(five.keys, five.label_zh, five.label_en, five.lower, "upper-inclusive")
    assert list(upper.assign(np.array([0.81, 0.8101, 0.0])).astype(object)) == [
        "good", "excellent", "morbid",
    ]  # fmt: skip
    assert five.table().loc["good", "interval"] == "[0.61, 0.81)"
