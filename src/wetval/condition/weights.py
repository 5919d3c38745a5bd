"""Indicator weights: AHP, group AHP, entropy, CRITIC and combined weights.

Sources of the formulas (``shared/reference/condition-scoring.md`` §6):

- **AHP** (Saaty 1977, 1980): weights are the principal right eigenvector of
  the reciprocal pairwise-comparison matrix, normalised to sum 1;
  CI = (lambda_max − n) / (n − 1); CR = CI / RI(n). Judgements are usually
  accepted when CR < 0.10.
- **Group AHP**: the element-wise geometric mean of the experts' matrices
  (Aczél & Saaty 1983), which keeps the matrix reciprocal.
- **Entropy weights**: min–max normalise each indicator (benefit/cost), take
  shares p_ij = z_ij / Σ_i z_ij, entropy e_j = −(1/ln m) Σ_i p_ij ln p_ij with
  0·ln 0 = 0, divergence d_j = 1 − e_j, weight w_j = d_j / Σ d_j.
- **CRITIC** (Diakoulaki, Mavrotas & Papayannakis 1995): C_j = σ_j Σ_k (1 − r_jk)
  on min–max normalised columns, w_j = C_j / Σ C_j.
- **Combined**: w = α·w_subjective + (1 − α)·w_objective (linear mix, α stated).

Random-index tables differ by source because each was simulated from a
different number of random matrices; the table used is always named in the
result (see :data:`RANDOM_INDEX`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from wetval.errors import Problem, ValidationError, WetvalWarning
from wetval.indicators import Direction
from wetval.messages import Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CONSISTENCY_LIMIT",
    "RANDOM_INDEX",
    "RANDOM_INDEX_SOURCES",
    "AHPConsistencyWarning",
    "PairwiseComparison",
    "ahp",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "group_ahp",
]

#: Saaty's acceptance limit of the consistency ratio.
CONSISTENCY_LIMIT = 0.10

#: Random-index tables RI(n), n = 1, 2, ... (RI(1) = RI(2) = 0).
RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    # Saaty, T. L. (1980) The Analytic Hierarchy Process, McGraw-Hill (Oak Ridge
    # simulation, 500 matrices); the table of most Chinese textbooks and papers.
    "saaty1980": (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51),
    # Saaty, T. L. (2005) Theory and Applications of the Analytic Network
    # Process, RWS Publications, p. 31.
    "saaty2005": (
        0.0,
        0.0,
        0.52,
        0.89,
        1.11,
        1.25,
        1.35,
        1.40,
        1.45,
        1.49,
        1.52,
        1.54,
        1.56,
        1.58,
        1.59,
    ),
    # Donegan, H. A. & Dodd, F. J. (1991) A note on Saaty's random indexes.
    # Mathematical and Computer Modelling 15(10): 135-137.
    "donegan-dodd1991": (
        0.0,
        0.0,
        0.4914,
        0.8286,
        1.0591,
        1.1797,
        1.2519,
        1.3171,
        1.3733,
        1.4055,
        1.4213,
        1.4497,
        1.4643,
        1.4822,
        1.4969,
    ),
}

#: Where each random-index table comes from and how it was checked.
RANDOM_INDEX_SOURCES: dict[str, str] = {
    "saaty1980": (
        "Saaty (1980) The Analytic Hierarchy Process, McGraw-Hill; recalled in "
        "shared/reference/condition-scoring.md §6.1 [R] and identical in several independent "
        "public AHP implementations (R, MATLAB); not checked against the book itself"
    ),
    "saaty2005": (
        "Saaty (2005) Theory and Applications of the Analytic Network Process, RWS, p. 31, "
        "as transcribed by the AHPy package (random_index='saaty'); not checked against the book"
    ),
    "donegan-dodd1991": (
        "Donegan & Dodd (1991) Math. Comput. Modelling 15(10): 135-137, as transcribed by the "
        "AHPy package (random_index='dd'); not checked against the paper"
    ),
}

_RECIPROCAL_TOLERANCE = 1e-6


class AHPConsistencyWarning(WetvalWarning):
    """A pairwise-comparison matrix has a consistency ratio at or above the limit."""


@dataclass(frozen=True)
class PairwiseComparison(Result):
    """Weights and consistency of an AHP pairwise-comparison matrix.

    Attributes
    ----------
    weights
        Principal-eigenvector weights, indexed by element, summing to 1.
    matrix
        The (reciprocal) comparison matrix used.
    lambda_max
        Principal eigenvalue.
    ci
        Consistency index (lambda_max − n) / (n − 1).
    cr
        Consistency ratio CI / RI(n); 0 for n <= 2.
    random_index
        RI(n) used.
    random_index_table
        Name of the RI table (a key of :data:`RANDOM_INDEX`).
    consistent
        Whether CR < :data:`CONSISTENCY_LIMIT`.
    provenance
        The method and the RI table.
    """

    weights: pd.Series
    matrix: pd.DataFrame
    lambda_max: float
    ci: float
    cr: float
    random_index: float
    random_index_table: str
    consistent: bool
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The weights as a one-column table."""
        return self.weights.to_frame("weight")

    def summary(self) -> Summary:
        """Weights, and lambda_max, CI and CR with the verdict."""
        weights = pd.DataFrame(
            {
                "ahp_element": [str(k) for k in self.weights.index],
                "weight": self.weights.to_numpy(dtype=float),
            }
        )
        consistency = pd.DataFrame(
            {
                "ahp_lambda_max": [float(self.lambda_max)],
                "ahp_ci": [float(self.ci)],
                "ahp_cr": [float(self.cr)],
                "ahp_order": [len(self.weights)],
                "ahp_ri": [float(self.random_index)],
                "ahp_ri_table": [self.random_index_table],
                "ahp_consistent": [bool(self.consistent)],
            }
        )
        digits = dict.fromkeys(["ahp_lambda_max", "ahp_ci", "ahp_cr"], 4) | {"ahp_ri": 2}
        verdict = (
            Message.of("ahp_acceptable", "note")
            if self.consistent
            else Message.of("ahp_not_acceptable", "note", limit=CONSISTENCY_LIMIT)
        )
        return Summary(
            Message.of("sum_ahp", "note", verdict=verdict),
            (
                SummaryTable("weights", "sum_weight_table", weights, {"weight": 4}),
                SummaryTable("consistency", "ahp_consistency_table", consistency, digits),
            ),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of the weights, the consistency ratio in the title."""
        ax = axes(ax)
        ax.bar([str(k) for k in self.weights.index], self.weights.to_numpy(dtype=float),
               color="#3b7ea1" if self.consistent else "#d9822b")  # fmt: skip
        ax.set_ylabel("AHP weight")
        verdict = "consistent" if self.consistent else "NOT consistent"
        ax.set_title(f"AHP weights: CR = {self.cr:.4f} ({verdict}, limit {CONSISTENCY_LIMIT:.2f})")
        return ax


def _as_matrix(matrix: pd.DataFrame | np.ndarray | Sequence[Sequence[float]]) -> pd.DataFrame:
    if isinstance(matrix, pd.DataFrame):
        return matrix.astype(float)
    array = np.atleast_2d(np.asarray(matrix, dtype=float))
    rows, columns = array.shape[0], array.shape[-1]
    return pd.DataFrame(
        array.reshape(rows, -1),
        index=[str(i + 1) for i in range(rows)],
        columns=[str(j + 1) for j in range(columns)],
    )


def _matrix_problems(frame: pd.DataFrame) -> list[Problem]:
    """Every reason ``frame`` is not a positive reciprocal matrix."""
    values = frame.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] == 0:
        return [
            Problem(reason=f"the matrix must be square and non-empty, got shape {values.shape}")
        ]
    if list(frame.index) != list(frame.columns):
        return [
            Problem(
                reason="row labels and column labels differ",
                value=f"{list(frame.index)} vs {list(frame.columns)}",
                fix="label rows and columns with the same elements in the same order",
            )
        ]
    problems = []
    labels = [str(x) for x in frame.index]
    n = len(labels)
    for i in range(n):
        for j in range(n):
            value = values[i, j]
            cell = f"[{labels[i]}, {labels[j]}]"
            if not np.isfinite(value) or value <= 0:
                problems.append(
                    Problem(
                        reason="entry is not a positive finite number",
                        row=labels[i],
                        column=labels[j],
                        value=value,
                        fix=f"enter a judgement on Saaty's 1–9 scale (or its reciprocal) at {cell}",
                    )
                )
            elif i == j and abs(value - 1.0) > _RECIPROCAL_TOLERANCE:
                problems.append(
                    Problem(
                        reason="diagonal entry is not 1",
                        row=labels[i],
                        column=labels[j],
                        value=value,
                        fix="every element is equally important as itself: a_ii = 1",
                    )
                )
            elif (
                i < j
                and np.isfinite(values[j, i])
                and values[j, i] > 0
                and abs(value * values[j, i] - 1.0) > _RECIPROCAL_TOLERANCE
            ):
                problems.append(
                    Problem(
                        reason="not reciprocal: a_ij × a_ji != 1",
                        row=labels[i],
                        column=labels[j],
                        value=f"{value:g} × {values[j, i]:g} = {value * values[j, i]:g}",
                        fix=f"set [{labels[j]}, {labels[i]}] = 1 / {value:g}",
                    )
                )
    return problems


def random_index(n: int, table: str = "saaty1980") -> float:
    """RI(n) from a named random-index table.

    Raises
    ------
    ValueError
        For an unknown table or an n the table does not cover.
    """
    if table not in RANDOM_INDEX:
        raise ValueError(
            f"unknown random-index table {table!r}; choose one of {list(RANDOM_INDEX)}"
        )
    values = RANDOM_INDEX[table]
    if not 1 <= n <= len(values):
        raise ValueError(
            f"the {table!r} random-index table covers n = 1..{len(values)}, not n = {n}; "
            "split the criteria into a hierarchy or choose another table"
        )
    return values[n - 1]


def ahp(
    matrix: pd.DataFrame | np.ndarray | Sequence[Sequence[float]],
    *,
    random_index_table: str = "saaty1980",
    on_inconsistent: Literal["warn", "error", "ignore"] = "warn",
) -> PairwiseComparison:
    """AHP weights and consistency of a pairwise-comparison matrix.

    Parameters
    ----------
    matrix
        Square positive reciprocal matrix; ``a_ij`` says how much more
        important element i is than element j on Saaty's 1–9 scale. A
        DataFrame's labels name the elements.
    random_index_table
        Key of :data:`RANDOM_INDEX` (default Saaty 1980).
    on_inconsistent
        What to do when CR >= 0.10: warn (:class:`AHPConsistencyWarning`),
        raise :class:`~wetval.errors.ValidationError`, or ignore.

    Returns
    -------
    PairwiseComparison

    Raises
    ------
    wetval.errors.ValidationError
        Naming every non-positive, non-finite, non-reciprocal or non-unit
        diagonal entry; or an inconsistent matrix with ``on_inconsistent="error"``.
    """
    frame = _as_matrix(matrix)
    problems = _matrix_problems(frame)
    if problems:
        raise ValidationError(problems, what="AHP pairwise-comparison matrix")
    values = frame.to_numpy(dtype=float)
    n = values.shape[0]
    ri = random_index(n, random_index_table)
    eigenvalues, eigenvectors = np.linalg.eig(values)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[principal].real)
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    consistent = cr < CONSISTENCY_LIMIT
    if not consistent:
        message = (
            f"AHP matrix over {list(frame.index)} is inconsistent: CR = {cr:.3f} >= "
            f"{CONSISTENCY_LIMIT} (lambda_max = {lambda_max:.3f}, RI = {ri}, "
            f"{random_index_table}); revise the judgements"
        )
        if on_inconsistent == "error":
            raise ValidationError(
                [Problem(reason=message, value=round(cr, 4), fix="revise the judgements")],
                what="AHP pairwise-comparison matrix",
            )
        if on_inconsistent == "warn":
            warnings.warn(message, AHPConsistencyWarning, stacklevel=2)
    return PairwiseComparison(
        weights=pd.Series(weights, index=frame.index, name="weight"),
        matrix=frame,
        lambda_max=lambda_max,
        ci=ci,
        cr=cr,
        random_index=ri,
        random_index_table=random_index_table,
        consistent=consistent,
        provenance=Provenance(method="ahp", options={"random_index_table": random_index_table}),
    )


def group_ahp(
    matrices: Sequence[pd.DataFrame | np.ndarray | Sequence[Sequence[float]]],
    *,
    random_index_table: str = "saaty1980",
    on_inconsistent: Literal["warn", "error", "ignore"] = "warn",
) -> PairwiseComparison:
    """AHP on the element-wise geometric mean of several experts' matrices.

    Parameters
    ----------
    matrices
        One pairwise-comparison matrix per expert, all over the same elements.
    random_index_table, on_inconsistent
        As in :func:`ahp`.

    Returns
    -------
    PairwiseComparison
        Of the aggregated matrix.

    Raises
    ------
    wetval.errors.ValidationError
        Naming each expert's invalid entries, or matrices of different shape.
    """
    frames = [_as_matrix(m) for m in matrices]
    if not frames:
        raise ValidationError([Problem(reason="no matrices given")], what="group AHP")
    problems = []
    for number, frame in enumerate(frames, start=1):
        if frame.shape != frames[0].shape or list(frame.index) != list(frames[0].index):
            problems.append(
                Problem(
                    reason=f"expert {number}'s matrix is over other elements than expert 1's",
                    value=f"{list(frame.index)}",
                    fix="compare the same elements in the same order",
                )
            )
            continue
        problems += [
            Problem(
                reason=f"expert {number}: {p.reason}",
                row=p.row,
                column=p.column,
                value=p.value,
                fix=p.fix,
            )
            for p in _matrix_problems(frame)
        ]
    if problems:
        raise ValidationError(problems, what="group AHP matrices")
    logs = np.mean([np.log(f.to_numpy(dtype=float)) for f in frames], axis=0)
    mean = pd.DataFrame(np.exp(logs), index=frames[0].index, columns=frames[0].columns)
    return ahp(mean, random_index_table=random_index_table, on_inconsistent=on_inconsistent)


def direction_problems(
    columns: Sequence[str],
    directions: Mapping[str, Direction | str] | Sequence[Direction | str],
) -> tuple[list[Direction], list[Problem]]:
    """Benefit/cost direction of each column, and every problem with them.

    Missing, unknown and non-benefit/cost directions (optimum, neutral) are all
    problems: objective weights and TOPSIS need one of the two.
    """
    if isinstance(directions, Mapping):
        missing = [c for c in columns if c not in directions]
        if missing:
            return [], [
                Problem(
                    reason="no direction given",
                    column=str(c),
                    fix="add higher_better or lower_better for it",
                )
                for c in missing
            ]
        given = [directions[c] for c in columns]
    else:
        given = list(directions)
        if len(given) != len(columns):
            return [], [
                Problem(
                    reason=f"{len(given)} directions for {len(columns)} columns",
                    fix="give one direction per column, in the frame's column order",
                )
            ]
    chosen: list[Direction] = []
    problems: list[Problem] = []
    for column, value in zip(columns, given, strict=True):
        try:
            direction = Direction(value)
        except ValueError:
            problems.append(
                Problem(
                    reason="unknown direction",
                    column=str(column),
                    value=value,
                    fix="use higher_better or lower_better",
                )
            )
            continue
        if direction not in (Direction.HIGHER_BETTER, Direction.LOWER_BETTER):
            problems.append(
                Problem(
                    reason="weights need a benefit or cost direction",
                    column=str(column),
                    value=direction.value,
                    fix="use higher_better or lower_better",
                )
            )
        chosen.append(direction)
    return chosen, problems


def _directions(
    frame: pd.DataFrame, directions: Mapping[str, Direction | str] | Sequence[Direction | str]
) -> list[Direction]:
    chosen, problems = direction_problems([str(c) for c in frame.columns], directions)
    if problems:
        raise ValidationError(problems, what="indicator directions")
    return chosen


def _minmax_columns(frame: pd.DataFrame, directions: Sequence[Direction]) -> np.ndarray:
    """Columns min–max normalised over the data; constant columns become 0."""
    values = frame.to_numpy(dtype=float)
    low = np.nanmin(values, axis=0)
    span = np.nanmax(values, axis=0) - low
    safe = np.where(span > 0, span, 1.0)
    z: np.ndarray = (values - low) / safe
    cost = np.array([d is Direction.LOWER_BETTER for d in directions])
    z[:, cost] = 1.0 - z[:, cost]
    z[:, span == 0] = np.where(np.isnan(values[:, span == 0]), np.nan, 0.0)
    return z


def _check_columns(frame: pd.DataFrame, what: str) -> None:
    problems = []
    for column in frame.columns:
        present = frame[column].notna().sum()
        if present < 2:
            problems.append(
                Problem(
                    reason="fewer than two values: no spread to weigh",
                    column=str(column),
                    value=int(present),
                    fix="add observations or drop the indicator",
                )
            )
        if np.isinf(frame[column].to_numpy(dtype=float)).any():
            problems.append(Problem(reason="infinite values", column=str(column)))
    if problems:
        raise ValidationError(problems, what=what)


def entropy_weights(
    frame: pd.DataFrame,
    directions: Mapping[str, Direction | str] | Sequence[Direction | str],
    *,
    normalisation: Literal["minmax", "sum"] = "minmax",
) -> pd.Series:
    """Entropy weights of the columns of ``frame``.

    Parameters
    ----------
    frame
        Rows are alternatives (parcels), columns indicators [their units].
        NaN is allowed; each column uses its present values (m_j of them).
    directions
        Per column ``higher_better`` (benefit) or ``lower_better`` (cost).
    normalisation
        ``"minmax"`` (default): z = (x − min)/(max − min), reversed for cost
        columns, then shares p = z / Σz (the variant of the reference notes
        §6.2). ``"sum"``: the classical Shannon-entropy variant of Hwang &
        Yoon (1981) and Xu (2004), p = x / Σx on the raw, non-negative values
        (benefit columns only).

    Returns
    -------
    pandas.Series
        Weights indexed by column, summing to 1. A column whose values are
        all equal carries no information and gets weight 0.

    Raises
    ------
    wetval.errors.ValidationError
        For unknown directions, columns with fewer than two values, negative
        values or cost columns under ``"sum"``, or when every column is constant.
    """
    chosen = _directions(frame, directions)
    _check_columns(frame, "entropy weights input")
    if normalisation == "minmax":
        z = _minmax_columns(frame, chosen)
    elif normalisation == "sum":
        values = frame.to_numpy(dtype=float)
        problems = [
            Problem(reason="the 'sum' variant needs non-negative benefit values", column=str(c))
            for k, c in enumerate(frame.columns)
            if chosen[k] is Direction.LOWER_BETTER or np.nanmin(values[:, k]) < 0
        ]
        if problems:
            raise ValidationError(problems, what="entropy weights input")
        z = values
    else:
        raise ValueError(f"unknown normalisation {normalisation!r}; use 'minmax' or 'sum'")
    entropy = np.array([_column_entropy(z[:, j]) for j in range(z.shape[1])])
    divergence = np.clip(1.0 - entropy, 0.0, None)
    if divergence.sum() <= 0:
        raise ValidationError(
            [Problem(reason="every column is constant: entropy weights are undefined")],
            what="entropy weights input",
        )
    return pd.Series(divergence / divergence.sum(), index=frame.columns, name="weight")


def _column_entropy(z: np.ndarray) -> float:
    """E = −(1/ln m) Σ p ln p over the m present values, p = z / Σz, 0·ln 0 = 0.

    A column whose values are all 0 (no spread after min–max) has e = 1.
    """
    present = z[~np.isnan(z)]
    total = present.sum()
    if not total > 0:
        return 1.0
    shares = present[present > 0] / total
    return float(-(shares * np.log(shares)).sum() / np.log(len(present)))


def critic_weights(
    frame: pd.DataFrame, directions: Mapping[str, Direction | str] | Sequence[Direction | str]
) -> pd.Series:
    """CRITIC weights (Diakoulaki et al. 1995) of the columns of ``frame``.

    Parameters
    ----------
    frame
        Rows are alternatives, columns indicators. Rows with any NaN are
        left out (correlations need complete rows).
    directions
        Per column ``higher_better`` or ``lower_better``; cost columns are
        reversed by the min–max normalisation, which flips the sign of their
        correlations.

    Returns
    -------
    pandas.Series
        Weights C_j / Σ C_j with C_j = σ_j Σ_k (1 − r_jk), σ the sample
        standard deviation of the normalised column.

    Raises
    ------
    wetval.errors.ValidationError
        For unknown directions or fewer than three complete rows.
    """
    chosen = _directions(frame, directions)
    complete = frame.dropna()
    if len(complete) < 3:
        raise ValidationError(
            [Problem(reason=f"only {len(complete)} complete rows; CRITIC needs at least 3")],
            what="CRITIC weights input",
        )
    z = _minmax_columns(complete, chosen)
    sigma = z.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.corrcoef(z, rowvar=False)
    # a constant column has no spread and correlates with nothing
    correlation = np.nan_to_num(np.atleast_2d(correlation), nan=0.0)
    information = sigma * (1.0 - correlation).sum(axis=1)
    if information.sum() <= 0:
        raise ValidationError(
            [Problem(reason="every column is constant: CRITIC weights are undefined")],
            what="CRITIC weights input",
        )
    return pd.Series(information / information.sum(), index=frame.columns, name="weight")


def combine_weights(subjective: pd.Series, objective: pd.Series, alpha: float) -> pd.Series:
    """Linear mix alpha·subjective + (1 − alpha)·objective.

    Parameters
    ----------
    subjective, objective
        Weights over the same indicators, each summing to 1.
    alpha
        Share of the subjective weights, in [0, 1].

    Returns
    -------
    pandas.Series
        Combined weights, summing to 1.

    Raises
    ------
    wetval.errors.ValidationError
        If alpha is outside [0, 1], the indexes differ or a set does not sum to 1.
    """
    problems = []
    if not 0.0 <= alpha <= 1.0:
        problems.append(Problem(reason="alpha must be in [0, 1]", value=alpha))
    if set(subjective.index) != set(objective.index):
        problems.append(
            Problem(
                reason="the two weight sets are over different indicators",
                value=f"{sorted(subjective.index)} vs {sorted(objective.index)}",
            )
        )
    for name, weights in (("subjective", subjective), ("objective", objective)):
        if abs(float(weights.sum()) - 1.0) > 1e-6:
            problems.append(
                Problem(reason=f"{name} weights sum to {weights.sum():.6f}, not 1", column=name)
            )
    if problems:
        raise ValidationError(problems, what="combined weights")
    mixed = alpha * subjective + (1.0 - alpha) * objective.reindex(subjective.index)
    return (mixed / mixed.sum()).rename("weight")
