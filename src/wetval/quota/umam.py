"""Florida UMAM (Uniform Mitigation Assessment Method, Ch. 62-345 F.A.C.).

Formulas (62-345.500, 62-345.600(3); shared/reference/credit-accounting.md §1)::

    score          = Σ indicator scores / 30   (/ 20 when community structure is not scored)
    impact delta   = score_current − score_with_impact
    functional loss FL = impact delta × impact acres
    mitigation delta   = score_with_mitigation − score_current
    preservation delta = (score_with_preservation − score_without_preservation) × PAF
    RFG (per acre)     = delta / (T × risk)
    credits            = RFG × acres of the mitigation (bank) assessment area
    acres needed       = FL / RFG

T is the time-lag factor of Table 1, a *lookup table*, never a formula (the
table cannot be reproduced by a simple 3 % discount formula): see
:func:`umam_time_lag_factor`. Rounding matters: rounding scores to the two
decimals the Part II form shows, before they are multiplied by acres, changes
FL and the acreage needed; the card option ``score_dp`` ("none" or 2) makes
the choice explicit and it is recorded in the provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wetval._deprecation import forward
from wetval.cards import Card
from wetval.errors import Problem, ProblemCollector, WetvalError
from wetval.hashing import frame_hash
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.quota._lookup import step_lookup
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, card_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "UmamAssessment",
    "measure_umam",
    "umam_functional_loss",
    "umam_relative_functional_gain",
    "umam_score",
    "umam_time_lag_factor",
]

DEFAULT_CARD = "umam-fac-62-345"
_ROLES = ("impact", "mitigation", "preservation")


def umam_time_lag_factor(
    years: float | np.ndarray, card: Card | str = DEFAULT_CARD
) -> float | np.ndarray:
    """UMAM time-lag factor T for years between impact and full offset (Table 1).

    Parameters
    ----------
    years
        Years [yr] until the mitigation fully offsets the impact; 0 (or ≤ 1)
        when it does so before or at the time of impact (T = 1).
    card
        A ``credit-metric`` card with a ``t_factor`` table.

    Returns
    -------
    float or numpy.ndarray
        T, a number ≥ 1 (same shape as ``years``).

    Raises
    ------
    WetvalError
        For negative or missing years.

    Examples
    --------
    >>> umam_time_lag_factor(5)
    1.14
    >>> umam_time_lag_factor(5.5)  # rounded up to 6 years: row 6-10
    1.25
    """
    card = resolve_card(card, "credit-metric")
    values = np.asarray(years, dtype=float)
    if np.any(np.isnan(values)) or np.any(values < 0):
        raise WetvalError(
            f"years must be numbers ≥ 0, got {years!r}; give the years [yr] until the "
            "mitigation offsets the impact, 0 when it does so before the impact"
        )
    table = card.table("t_factor").sort_index()
    factors = step_lookup(
        values,
        table.index.to_numpy(dtype=float),
        table["t_factor"].to_numpy(dtype=float),
        str(card.option("year_rounding", "ceil")),
    )
    return float(factors) if factors.ndim == 0 else factors


def umam_score(
    location: np.ndarray | pd.Series | float,
    water: np.ndarray | pd.Series | float,
    community: np.ndarray | pd.Series | float | None = None,
    *,
    dp: int | None = None,
) -> np.ndarray:
    """Assessment-area score: Σ indicator scores / 30, or / 20 without community structure.

    Parameters
    ----------
    location, water, community
        Indicator scores (integers 0–10). ``community`` NaN or ``None``
        means community structure is not scored (open water): the sum of the
        other two is divided by 20.
    dp
        Round the score to this many decimals (``None``: full precision).

    Returns
    -------
    numpy.ndarray
        Scores in 0–1.
    """
    loc = np.asarray(location, dtype=float)
    wat = np.asarray(water, dtype=float)
    com = np.full(np.broadcast(loc, wat).shape, np.nan) if community is None else community
    com = np.asarray(com, dtype=float)
    scored = ~np.isnan(com)
    score = np.where(scored, (loc + wat + np.where(scored, com, 0.0)) / 30.0, (loc + wat) / 20.0)
    # scores are multiples of 1/30 or 1/20, so two-decimal ties (x.xx5) cannot occur
    result: np.ndarray = np.round(score, dp) if dp is not None else score
    return result


def umam_functional_loss(
    score_current: np.ndarray | float,
    score_with_impact: np.ndarray | float,
    acres: np.ndarray | float,
) -> np.ndarray:
    """Functional loss FL = (score_current − score_with_impact) × acres [functional units]."""
    delta = np.asarray(score_current, float) - np.asarray(score_with_impact, float)
    result: np.ndarray = delta * np.asarray(acres, float)
    return result


def umam_relative_functional_gain(
    delta: np.ndarray | float, t_factor: np.ndarray | float, risk: np.ndarray | float
) -> np.ndarray:
    """Relative functional gain per acre, RFG = delta / (T × risk) [functional units/acre].

    ``delta`` is the score change [0–1], ``t_factor`` and ``risk`` are the
    time-lag and risk divisors [-].
    """
    result: np.ndarray = np.asarray(delta, float) / (
        np.asarray(t_factor, float) * np.asarray(risk, float)
    )
    return result


@dataclass(frozen=True)
class UmamAssessment(Result):
    """UMAM results per assessment area and in total.

    Attributes
    ----------
    table
        Per assessment area (index ``id``): ``role``, ``acres``,
        ``score_before``, ``score_after``, ``delta``, ``t_factor``, ``risk``,
        ``paf``, ``functional_loss`` (impacts), ``rfg`` and ``credits``
        (mitigation and preservation) and ``acres_needed`` (mitigation and
        preservation: acres of this area that would offset all impacts).
    functional_loss
        Total FL of the impacts (= credits to debit).
    credits
        Total credits of the mitigation and preservation areas.
    score_dp
        Rounding applied to scores (``None`` = full precision).
    provenance
        Card, input hash, rounding option.
    """

    table: pd.DataFrame
    functional_loss: float
    credits: float
    score_dp: int | None
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def net(self) -> float:
        """Credits − functional loss (≥ 0: the mitigation offsets the impacts)."""
        return self.credits - self.functional_loss

    def to_frame(self) -> pd.DataFrame:
        """Per-area table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """Per-area scores, FL, RFG and credits, and the net balance (– where not defined)."""
        table = self.table
        numbers = {
            "acres": "acres", "score_before": "score_before", "score_after": "score_after",
            "functional_loss": "functional_loss", "rfg": "rfg", "metric_credits": "credits",
            "acres_needed": "acres_needed",
        }  # fmt: skip
        data = pd.DataFrame(
            {
                "metric_row": [str(i) for i in table.index],
                "role": [Term(f"umam_role_{r}", str(r)) for r in table["role"]],
                **{key: table[column].to_numpy(dtype=float) for key, column in numbers.items()},
            }
        )
        digits = dict.fromkeys(list(numbers)[1:], 4)
        rounding = (
            Term("umam_full_precision", "full precision")
            if self.score_dp is None
            else Message.of("umam_dp", "note", dp=self.score_dp)
        )
        title = Message.of(
            "sum_umam", "note", rounding=rounding, loss=self.functional_loss,
            credits=self.credits, net=self.net, card=card_label(self.provenance),
        )  # fmt: skip
        return Summary(title, (SummaryTable("umam", "umam_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Functional loss of each impact area and credits of each mitigation area."""
        ax = axes(ax)
        table = self.table
        labels = [str(i) for i in table.index]
        loss = table["functional_loss"].fillna(0.0).to_numpy(dtype=float)
        credits = table["credits"].fillna(0.0).to_numpy(dtype=float)
        ax.bar(labels, -loss, color="tab:red", label="functional loss")
        ax.bar(labels, credits, color="tab:green", label="credits")
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_ylabel("functional units (credits − loss)")
        ax.set_title(f"UMAM: net {self.net:+.4f}")
        ax.legend()
        return ax


def _on_grid(values: np.ndarray, low: float, high: float, step: float) -> np.ndarray:
    steps = (values - low) / step
    return (values >= low - 1e-9) & (values <= high + 1e-9) & np.isclose(steps, np.round(steps))


def measure_umam(table: pd.DataFrame, card: Card | str = DEFAULT_CARD) -> UmamAssessment:
    """Score impact, mitigation and preservation assessment areas with UMAM.

    The ``umam`` method runs this (:mod:`wetval.quota.methods`).

    Parameters
    ----------
    table
        One row per assessment area with columns ``id``, ``role`` (impact /
        mitigation / preservation), ``acres``, the indicator scores
        ``location_before``, ``water_before``, ``community_before`` (current,
        or without preservation) and ``location_after``, ``water_after``,
        ``community_after`` (with impact / mitigation / preservation;
        community NaN when not scored), ``years`` (time lag), ``risk``
        (1–3 in 0.25 steps) and ``paf`` (preservation adjustment factor, 0–1
        in 0.1 steps; used for preservation rows).
    card
        A UMAM card (default ``umam-fac-62-345``); option ``score_dp``
        ("none" or an integer) sets the score rounding.

    Returns
    -------
    UmamAssessment

    Raises
    ------
    wetval.errors.ValidationError
        Naming every row with a non-integer or out-of-range score, a risk or
        PAF off its scale, non-positive acres, negative years or an unknown role.
    """
    card = resolve_card(card, "credit-metric")
    frame = table.set_index("id") if "id" in table.columns else table
    problems = ProblemCollector(row_labels=frame.index)
    required = [
        "role", "acres", "location_before", "water_before", "location_after", "water_after",
        "years", "risk",
    ]  # fmt: skip
    for column in required:
        if column not in frame.columns:
            problems.add(
                Problem(
                    reason="required column missing", column=column,
                    fix="see the measure_umam docstring",
                )
            )  # fmt: skip
    problems.raise_if_any("UMAM assessment table")
    top = float(card.param("indicator_max"))
    for column in [c for c in frame.columns if c.startswith(("location_", "water_", "community_"))]:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        optional = column.startswith("community_")
        bad = ~np.isnan(values) & ~((values >= 0) & (values <= top) & (values == np.round(values)))
        bad |= np.isnan(values) & (not optional)
        problems.add_rows(
            bad, column=column, values=frame[column],
            reason=f"indicator score must be an integer 0–{top:g}",
            fix="score with the anchors 10 / 7 / 4 / 0 or an integer between",
        )  # fmt: skip
    role = frame["role"].astype("object").to_numpy()
    problems.add_rows(
        ~pd.Series(role).isin(_ROLES).to_numpy(), column="role", values=role,
        reason=f"role not one of {', '.join(_ROLES)}", fix="use impact, mitigation or preservation",
    )  # fmt: skip
    acres = pd.to_numeric(frame["acres"], errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        ~(acres > 0), column="acres", values=frame["acres"], reason="acres must be > 0",
        fix="give the assessment area's size in acres",
    )  # fmt: skip
    years = pd.to_numeric(frame["years"], errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        ~(years >= 0), column="years", values=frame["years"], reason="years must be ≥ 0",
        fix="give the years until the mitigation fully offsets the impact (0 if already)",
    )  # fmt: skip
    risk = pd.to_numeric(frame["risk"], errors="coerce").to_numpy(dtype=float)
    risk_ok = _on_grid(
        risk, float(card.param("risk_min")), float(card.param("risk_max")),
        float(card.param("risk_step")),
    )  # fmt: skip
    problems.add_rows(
        ~risk_ok, column="risk", values=frame["risk"],
        reason="risk must be 1–3 in steps of 0.25", fix="use 1, 1.25, 1.5, … 3",
    )  # fmt: skip
    paf = (
        pd.to_numeric(frame["paf"], errors="coerce").to_numpy(dtype=float)
        if "paf" in frame.columns
        else np.ones(len(frame))
    )
    preservation = role == "preservation"
    paf_ok = _on_grid(paf, 0.0, 1.0, float(card.param("paf_step")))
    problems.add_rows(
        preservation & ~paf_ok, column="paf", values=paf,
        reason="preservation adjustment factor must be 0–1 in steps of 0.1",
        fix="use 0, 0.1, … 1",
    )  # fmt: skip
    problems.raise_if_any("UMAM assessment table")

    dp_option: Any = card.option("score_dp", "none")
    dp = None if dp_option in (None, "none") else int(dp_option)
    community_before = frame.get("community_before")
    community_after = frame.get("community_after")
    before = umam_score(
        frame["location_before"], frame["water_before"],
        None if community_before is None else pd.to_numeric(community_before, errors="coerce"),
        dp=dp,
    )  # fmt: skip
    after = umam_score(
        frame["location_after"], frame["water_after"],
        None if community_after is None else pd.to_numeric(community_after, errors="coerce"),
        dp=dp,
    )  # fmt: skip
    impact = role == "impact"
    gain = ~impact
    delta = np.where(impact, before - after, (after - before) * np.where(preservation, paf, 1.0))
    t_factor = np.asarray(umam_time_lag_factor(years, card), dtype=float)
    t_factor = np.where(impact, np.nan, t_factor)
    fl = np.where(impact, delta * acres, np.nan)
    rfg = np.where(gain, umam_relative_functional_gain(delta, t_factor, risk), np.nan)
    credits = np.where(gain, rfg * acres, np.nan)
    total_fl = float(np.nansum(fl))
    with np.errstate(divide="ignore"):
        needed = np.where(gain & (rfg > 0), total_fl / np.where(rfg > 0, rfg, 1.0), np.nan)
    result = pd.DataFrame(
        {
            "role": role,
            "acres": acres,
            "score_before": before,
            "score_after": after,
            "delta": delta,
            "t_factor": t_factor,
            "risk": risk,
            "paf": np.where(preservation, paf, np.nan),
            "functional_loss": fl,
            "rfg": rfg,
            "credits": credits,
            "acres_needed": needed,
        },
        index=pd.Index(frame.index, name="id"),
    )
    return UmamAssessment(
        table=result,
        functional_loss=total_fl,
        credits=float(np.nansum(credits)),
        score_dp=dp,
        provenance=Provenance(
            method="umam",
            cards=(card.ref,),
            inputs={"table": frame_hash(frame)},
            options={"score_dp": dp, "year_rounding": card.option("year_rounding", "ceil")},
        ),
    )


#: The old name, kept for one release (deprecated): one verb, "measure", per metric.
__getattr__ = forward(__name__, {"umam_assessment": f"{__name__}:measure_umam"})
