"""Kendall's coefficient of concordance W, with the tie correction.

``m`` experts each score the same ``n`` criteria. Each expert's scores are
turned into ranks (average ranks for ties), the ranks are summed per
criterion (``R_j``) and

    S = Σ_j (R_j − m(n + 1)/2)²
    W = 12 S / (m²(n³ − n) − m Σ T),   T = Σ (t³ − t) over each expert's tie groups

(Kendall & Babington Smith 1939; the tie correction as in Kendall 1948 and
the NAG routine G08DAF). W is 0 when the experts' rankings are unrelated and
1 when they agree perfectly. Its significance uses the chi-square
approximation ``χ² = m(n − 1)W`` with ``n − 1`` degrees of freedom, which is
identical to Friedman's test with tie correction. The approximation needs
many criteria: with fewer than 8 criteria (a typical score sheet has 5) it
is rough, so a seeded permutation test is offered as well.

Applied to a review panel (experts × criteria), W answers "do the experts
agree on which aspects of the assessment are strong and which are weak?"
— not whether their overall verdicts agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from wetval.errors import Problem, ProblemCollector, ValidationError
from wetval.messages import Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SMALL_SAMPLE_CRITERIA", "ReviewKendallW", "kendalls_w"]

#: With fewer criteria than this the chi-square p-value is flagged as rough.
SMALL_SAMPLE_CRITERIA = 8

_PERMUTATION_CHUNK = 2048


@dataclass(frozen=True)
class ReviewKendallW(Result):
    """Kendall's W of an experts × criteria score array.

    Attributes
    ----------
    w
        W with the tie correction [0–1]; NaN when every expert scored every
        criterion equally (no ranking to compare).
    w_uncorrected
        W without the tie correction (equal to ``w`` without ties).
    chi2, df, p_value
        Chi-square approximation: ``χ² = m(n − 1)W``, ``n − 1`` degrees of
        freedom, upper-tail probability.
    p_permutation
        Permutation p-value (each expert's ranks shuffled independently),
        ``(1 + #{W* ≥ W}) / (1 + permutations)``; ``None`` unless asked for.
    permutations, seed
        Number of permutations and the seed used for them.
    n_experts, n_criteria
        ``m`` and ``n``.
    tie_sum
        Σ T = Σ (t³ − t) over every expert's groups of tied scores.
    rank_sums
        Rank sum ``R_j`` per criterion (rank 1 = lowest score).
    small_sample
        True when ``n < 8``: the chi-square p-value is then rough; prefer
        ``p_permutation``.
    """

    w: float
    w_uncorrected: float
    chi2: float
    df: int
    p_value: float
    n_experts: int
    n_criteria: int
    tie_sum: float
    rank_sums: pd.Series
    small_sample: bool
    p_permutation: float | None = None
    permutations: int = 0
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """Rank sum and mean rank per criterion."""
        return pd.DataFrame(
            {"rank_sum": self.rank_sums, "mean_rank": self.rank_sums / self.n_experts}
        )

    @property
    def provenance(self) -> Provenance:
        """The method and the permutation seed (W takes no card)."""
        return Provenance(method="kendalls_w", seed=self.seed)

    def summary(self) -> Summary:
        """W, its test, the small-sample caveat and the rank sum per criterion."""
        title = Message.of(
            "sum_kendall", "note", w=self.w, w_uncorrected=self.w_uncorrected,
            experts=self.n_experts, criteria=self.n_criteria,
        )  # fmt: skip
        notes = [Message.of("sum_kendall_test", "note", chi2=self.chi2, df=self.df, p=self.p_value)]
        if self.p_permutation is not None:
            notes.append(
                Message.of(
                    "sum_kendall_permutation",
                    "note",
                    p=self.p_permutation,
                    permutations=self.permutations,
                    seed=str(self.seed),
                )
            )
        if self.small_sample:
            notes.append(Message.of("sum_kendall_small", criteria=SMALL_SAMPLE_CRITERIA))
        frame = self.to_frame()
        table = pd.DataFrame(
            {
                "criterion": [str(k) for k in frame.index],
                "rank_sum": frame["rank_sum"].to_numpy(dtype=float),
                "mean_rank": frame["mean_rank"].to_numpy(dtype=float),
            }
        )
        return Summary(
            title, (SummaryTable("rank_sums", "sum_rank_sums_table", table),), tuple(notes)
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Mean rank per criterion, against the mean rank of unrelated rankings ((n + 1)/2)."""
        ax = axes(ax)
        frame = self.to_frame()
        ax.bar([str(k) for k in frame.index], frame["mean_rank"], color="tab:blue")
        ax.axhline((self.n_criteria + 1) / 2.0, color="0.3", linestyle="--", label="(n + 1)/2")
        ax.set_ylabel("mean rank / 平均秩")
        ax.set_title(f"Kendall's W = {self.w:.3f} ({self.n_experts} experts / 位专家)")
        ax.legend(loc="upper right")
        return ax


def _score_array(scores: object) -> tuple[np.ndarray, pd.Index]:
    """The scores as a float array and the criterion labels; one error for bad input."""
    labels: pd.Index
    if isinstance(scores, pd.DataFrame):
        labels = pd.Index(scores.columns)
        frame = scores
    else:
        array = np.asarray(scores, dtype=object)
        if array.ndim != 2:
            raise ValidationError(
                [
                    Problem(
                        reason=f"scores must be a 2-D experts x criteria array, got {array.ndim}-D"
                    )
                ],
                what="score array",
            )
        frame = pd.DataFrame(array)
        labels = pd.RangeIndex(array.shape[1])
    numeric = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    problems = ProblemCollector(list(frame.index))
    for column in frame.columns:
        values = numeric[column].to_numpy()
        problems.add_rows(
            ~np.isfinite(values),
            column=str(column),
            values=frame[column],
            reason="score is missing or not a finite number",
            fix="every expert must score every criterion",
        )
    m, n = numeric.shape
    if m < 2:
        problems.add(Problem(reason=f"need at least 2 experts (rows), got {m}"))
    if n < 2:
        problems.add(Problem(reason=f"need at least 2 criteria (columns), got {n}"))
    problems.raise_if_any("score array")
    return numeric.to_numpy(), labels


def _tie_sums(ranks: np.ndarray) -> np.ndarray:
    """Σ (t³ − t) over the groups of tied ranks in each row."""
    ordered = np.sort(ranks, axis=1)
    m, n = ordered.shape
    # a new group starts where the sorted value changes
    starts = np.ones((m, n), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts, axis=1) - 1 + (np.arange(m) * n)[:, None]
    sizes = np.bincount(group.ravel(), minlength=m * n).reshape(m, n).astype(float)
    tie_sum: np.ndarray = (sizes**3 - sizes).sum(axis=1)
    return tie_sum


def kendalls_w(
    scores: object,
    *,
    permutations: int = 0,
    seed: int | None = None,
) -> ReviewKendallW:
    """Kendall's coefficient of concordance of an experts × criteria array.

    Parameters
    ----------
    scores
        Array-like or DataFrame, one row per expert (rater) and one column
        per criterion (object being ranked); scores on any scale, higher =
        better. Each row is ranked separately; ties get average ranks and
        the standard tie correction.
    permutations
        Number of random permutations for a permutation p-value (0 = none).
        Recommended with fewer than 8 criteria, e.g. 9999.
    seed
        Seed of the permutation test (required when ``permutations > 0``).

    Returns
    -------
    ReviewKendallW

    Raises
    ------
    wetval.errors.ValidationError
        If the array is not 2-D, has fewer than 2 experts or criteria, or
        holds missing or non-numeric scores (each is named).
    ValueError
        If permutations are asked for without a seed.

    Notes
    -----
    ``χ² = m(n − 1)W`` equals Friedman's statistic with the tie correction,
    so the p-value matches ``scipy.stats.friedmanchisquare`` on the same
    data. The chi-square approximation is only valid for large samples
    (R package irr, ``kendall`` documentation); with few criteria use the
    permutation p-value. Reproduces the NAG G08DAF example (W = 0.828,
    p = 0.008; see the tests).
    """
    values, labels = _score_array(scores)
    if permutations < 0:
        raise ValueError(f"permutations must be >= 0, got {permutations}")
    if permutations and seed is None:
        raise ValueError("a permutation test needs a seed (seed=...), so it can be repeated")
    m, n = values.shape
    ranks = stats.rankdata(values, axis=1)
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - m * (n + 1) / 2.0) ** 2).sum())
    tie_sum = float(_tie_sums(ranks).sum())
    full = m * m * (n**3 - n)
    denominator = full - m * tie_sum
    w = 12.0 * s / denominator if denominator > 0 else float("nan")
    chi2 = m * (n - 1) * w
    p_value = float(stats.chi2.sf(chi2, n - 1)) if np.isfinite(chi2) else float("nan")
    p_permutation = None
    if permutations:
        p_permutation = _permutation_p(ranks, s, permutations, seed)
    return ReviewKendallW(
        w=w,
        w_uncorrected=12.0 * s / full,
        chi2=float(chi2),
        df=n - 1,
        p_value=p_value,
        n_experts=m,
        n_criteria=n,
        tie_sum=tie_sum,
        rank_sums=pd.Series(rank_sums, index=labels, name="rank_sum"),
        small_sample=n < SMALL_SAMPLE_CRITERIA,
        p_permutation=p_permutation,
        permutations=permutations,
        seed=seed if permutations else None,
    )


def _permutation_p(
    ranks: np.ndarray, s_observed: float, permutations: int, seed: int | None
) -> float:
    """Share of row-wise permutations whose S is at least the observed S.

    Shuffling each expert's ranks keeps the tie structure, so comparing S is
    the same as comparing W.
    """
    rng = np.random.default_rng(seed)
    m, n = ranks.shape
    centre = m * (n + 1) / 2.0
    at_least = 0
    remaining = permutations
    while remaining:
        size = min(remaining, _PERMUTATION_CHUNK)
        shuffled = rng.permuted(np.broadcast_to(ranks, (size, m, n)), axis=2)
        s = ((shuffled.sum(axis=1) - centre) ** 2).sum(axis=1)
        # S is a sum of squares of multiples of 0.5; compare with a tolerance for rounding
        at_least += int(np.count_nonzero(s >= s_observed - 1e-9))
        remaining -= size
    return (1 + at_least) / (1 + permutations)
