"""Habitat Equivalency Analysis (HEA): discounted service-acre-years and scaling.

Formulas (NOAA 1995; Dunford, Ginn & Desvousges 2004; shared/reference/
credit-accounting.md §3)::

    debit  (DSAYs lost)      = Σ_t A_injured · d_t · ρ_t      d_t = fractional service loss
    credit (DSAYs per acre)  = Σ_t g_t · ρ_t                  g_t = fractional service gain
    ρ_t                      = (1 + r)^(C − t)                C = base (claim) year
    required project area    = debit / credit per acre

A service path is piecewise linear between knots ``(times, levels)`` and
constant outside them; it is accounted over ``[start, end)``. How the level
within a year is credited — the *timing convention* — changes the answer
(Thur 2007) and is an explicit parameter:

``begin_year``
    each year t carries the level at its start, x(t);
``end_year``
    each year carries the level reached at its end, x(t + 1) (crediting a
    recovery from the beginning of the year: under-states losses and
    over-states gains on linear paths, the bias Thur describes);
``mid_year``
    each year carries x(t + ½), the within-year average on a linear path;
``continuous``
    the exact integral ∫ A·x(s)·(1 + r)^(C − s) ds.

The annual conventions discount year t by ρ_t at its start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from wetval._deprecation import forward
from wetval.cards import Card
from wetval.errors import Problem, ProblemCollector
from wetval.hashing import frame_hash
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, card_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["HeaScaling", "hea_dsays", "hea_required_area", "measure_hea"]

DEFAULT_CARD = "hea-noaa"
Convention = Literal["begin_year", "end_year", "mid_year", "continuous"]
CONVENTIONS: tuple[str, ...] = ("begin_year", "end_year", "mid_year", "continuous")


def _segment_integral(
    a: np.ndarray, b: np.ndarray, xa: np.ndarray, xb: np.ndarray, delta: float, base: float
) -> np.ndarray:
    """∫_a^b x(s) e^{−δ(s − C)} ds for linear x from xa (at a) to xb (at b)."""
    length = b - a
    slope = np.where(length > 0, (xb - xa) / np.where(length > 0, length, 1.0), 0.0)
    if delta == 0.0:
        flat_result: np.ndarray = xa * length + slope * length**2 / 2.0
        return flat_result
    x = delta * length
    # (1 − e^{−x}) / δ and (1 − e^{−x}(1 + x)) / δ² lose their digits for small x (and δ·L
    # underflows to 0 for subnormal δ): use their series there
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    flat = np.where(
        small,
        length * (1.0 - x / 2.0 + x**2 / 6.0 - x**3 / 24.0),
        -np.expm1(-safe) / np.where(small, 1.0, delta),
    )
    ramp = np.where(
        small,
        length**2 * (0.5 - x / 3.0 + x**2 / 8.0 - x**3 / 30.0),
        (1.0 - np.exp(-safe) * (1.0 + safe)) / (safe / np.where(small, 1.0, length)) ** 2,
    )
    result: np.ndarray = np.exp(-delta * (a - base)) * (xa * flat + slope * ramp)
    return result


def hea_dsays(
    times: np.ndarray | list[float],
    levels: np.ndarray | list[float],
    *,
    start: float,
    end: float,
    area: float = 1.0,
    rate: float = 0.03,
    base_year: float = 0.0,
    convention: Convention = "mid_year",
) -> float:
    """Discounted service-acre-years of a piecewise-linear service path.

    Parameters
    ----------
    times, levels
        Knots of the path: years and fractional service loss (debit) or gain
        (credit) relative to the baseline, linear between knots and constant
        outside them.
    start, end
        Accounting window [yr]; for annual conventions ``end − start`` must be
        a whole number of years.
    area
        Area [acre, ha or 亩: DSAYs come out in the same unit].
    rate
        Discount rate r [1/yr].
    base_year
        Claim (base) year C: earlier years are compounded, later ones discounted.
    convention
        ``begin_year``, ``end_year``, ``mid_year`` or ``continuous`` (see the
        module docstring).

    Returns
    -------
    float
        DSAYs [area-unit × yr].

    Examples
    --------
    10 acres with a total loss at year 0 recovering linearly by year 4, 3 %:

    >>> round(hea_dsays([0, 4], [1, 0], start=0, end=4, area=10, convention="begin_year"), 4)
    24.2824
    """
    knots_t = np.asarray(times, dtype=float)
    knots_x = np.asarray(levels, dtype=float)
    if knots_t.ndim != 1 or knots_t.shape != knots_x.shape or knots_t.size == 0:
        raise ValueError("times and levels must be equal-length 1-D sequences with ≥ 1 knot")
    if np.any(np.diff(knots_t) <= 0):
        raise ValueError(f"times must increase strictly, got {knots_t.tolist()}")
    if not end > start:
        raise ValueError(f"end ({end}) must be after start ({start})")
    if rate <= -1:
        raise ValueError(f"discount rate must be > −1, got {rate}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    delta = float(np.log1p(rate))
    if convention == "continuous":
        inside = knots_t[(knots_t > start) & (knots_t < end)]
        edges = np.concatenate([[start], inside, [end]])
        values = np.interp(edges, knots_t, knots_x)
        total = _segment_integral(edges[:-1], edges[1:], values[:-1], values[1:], delta, base_year)
        return float(area * total.sum())
    years = end - start
    if not np.isclose(years, round(years)):
        raise ValueError(f"annual conventions need whole years between start and end, got {years}")
    t = start + np.arange(round(years), dtype=float)
    offset = {"begin_year": 0.0, "mid_year": 0.5, "end_year": 1.0}[convention]
    level = np.interp(t + offset, knots_t, knots_x)
    discount = np.exp(delta * (base_year - t))
    return float(area * np.sum(level * discount))


def hea_required_area(debit_dsays: float, credit_dsays_per_area: float) -> float:
    """Compensation area that offsets a debit: debit DSAYs / credit DSAYs per unit area.

    Parameters
    ----------
    debit_dsays
        DSAYs lost [area unit × yr].
    credit_dsays_per_area
        DSAYs one unit area of the project gains [yr].

    Returns
    -------
    float
        Project area needed [the area unit of ``debit_dsays``].

    Raises
    ------
    ValueError
        If the project gains no services (credit ≤ 0).
    """
    if credit_dsays_per_area <= 0:
        raise ValueError(
            f"the compensation project gains no services ({credit_dsays_per_area} DSAYs per unit "
            "area); it cannot offset a loss"
        )
    return debit_dsays / credit_dsays_per_area


@dataclass(frozen=True)
class HeaScaling(Result):
    """HEA debits, credits per unit area and required compensation areas.

    Attributes
    ----------
    table
        Per row (index ``id``): ``side``, ``area``, ``dsays`` and, for credit
        rows, ``dsays_per_area`` and ``required_area`` (area of this project
        that offsets all debits).
    debit_dsays
        Total DSAYs lost.
    convention, rate, base_year
        Settings used.
    provenance
        Card, input hash, settings.
    """

    table: pd.DataFrame
    debit_dsays: float
    convention: str
    rate: float
    base_year: float
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """Per-row table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """Debit and, per compensation project, the area required (– for an injury row)."""
        table = self.table
        data = pd.DataFrame(
            {
                "metric_row": [str(i) for i in table.index],
                "side": [Term(f"hea_side_{s}", str(s)) for s in table["side"]],
                "metric_area": table["area"].to_numpy(dtype=float),
                "dsays": table["dsays"].to_numpy(dtype=float),
                "dsays_per_area": table["dsays_per_area"].to_numpy(dtype=float),
                "required_area": table["required_area"].to_numpy(dtype=float),
            }
        )
        digits = dict.fromkeys(["dsays", "dsays_per_area", "required_area"], 4)
        title = Message.of(
            "sum_hea", "note", convention=Term(f"hea_{self.convention}", self.convention),
            rate=self.rate, base_year=self.base_year, dsays=self.debit_dsays,
            card=card_label(self.provenance),
        )  # fmt: skip
        return Summary(title, (SummaryTable("hea", "hea_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """DSAYs lost per injury and gained per compensation project, with the debit total."""
        ax = axes(ax)
        table = self.table
        credit = (table["side"] == "credit").to_numpy()
        labels = [str(i) for i in table.index]
        colours = np.where(credit, "tab:green", "tab:red").tolist()
        ax.bar(labels, table["dsays"].to_numpy(dtype=float), color=colours)
        ax.axhline(self.debit_dsays, color="black", linestyle="--", label="DSAYs lost (total)")
        ax.set_ylabel("DSAYs")
        ax.set_title(f"HEA ({self.convention}, r = {self.rate:.1%})")
        ax.legend()
        return ax


def _knots(value: object) -> list[float]:
    if isinstance(value, str):
        return [float(v) for v in value.replace(",", " ").split()]
    return [float(v) for v in np.atleast_1d(np.asarray(value, dtype=float))]


def measure_hea(table: pd.DataFrame, card: Card | str = DEFAULT_CARD) -> HeaScaling:
    """Scale compensation projects to injuries with HEA.

    The ``hea`` method runs this (:mod:`wetval.quota.methods`).

    Parameters
    ----------
    table
        One row per injury (``side = "debit"``) or compensation project
        (``side = "credit"``) with ``id``, ``area``, ``times`` and ``levels``
        (knots as sequences or space-separated text; fractional loss for
        debits, fractional gain per unit area for credits), ``start`` and ``end``.
    card
        An HEA card: parameter ``discount_rate``, options ``convention`` and
        ``base_year``.

    Returns
    -------
    HeaScaling

    Raises
    ------
    wetval.errors.ValidationError
        Naming rows with an unknown side, non-positive area, malformed knots
        or a window the convention cannot account.
    """
    card = resolve_card(card, "credit-metric")
    rate = float(card.param("discount_rate"))
    convention = str(card.option("convention", "mid_year"))
    base_year = float(card.option("base_year", 0.0))
    frame = table.set_index("id") if "id" in table.columns else table
    problems = ProblemCollector(row_labels=frame.index)
    sided = frame["side"].isin(("debit", "credit")).to_numpy()
    problems.add_rows(
        ~sided, column="side", values=frame["side"], reason="side must be debit or credit",
        fix="'debit' for an injury, 'credit' for a compensation project",
    )  # fmt: skip
    dsays = np.full(len(frame), np.nan)
    for position in np.flatnonzero(sided).tolist():
        row = frame.iloc[position]
        try:
            dsays[position] = hea_dsays(
                _knots(row["times"]), _knots(row["levels"]),
                start=float(row["start"]), end=float(row["end"]),
                area=float(row["area"]), rate=rate, base_year=base_year,
                convention=convention,  # type: ignore[arg-type]
            )  # fmt: skip
        except (ValueError, TypeError) as error:
            problems.add(
                Problem(
                    reason=str(error),
                    row=frame.index[position],
                    column="times, levels, start, end",
                    value=f"times {row['times']}, levels {row['levels']}",
                    fix="give increasing times with one level each and a window of whole years "
                    "for the annual conventions",
                )
            )
    area = pd.to_numeric(frame["area"], errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        ~(area > 0), column="area", values=frame["area"], reason="area must be > 0",
        fix="give the injured or project area (acres, ha or 亩, the same unit on every row)",
    )  # fmt: skip
    problems.raise_if_any("HEA table")
    side = frame["side"].to_numpy()
    debit = float(dsays[side == "debit"].sum())
    per_area = np.where(side == "credit", dsays / area, np.nan)
    required = np.where(
        (side == "credit") & (per_area > 0), debit / np.where(per_area > 0, per_area, 1.0), np.nan
    )
    result = pd.DataFrame(
        {
            "side": side,
            "area": area,
            "dsays": dsays,
            "dsays_per_area": per_area,
            "required_area": required,
        },
        index=pd.Index(frame.index, name="id"),
    )
    return HeaScaling(
        table=result,
        debit_dsays=debit,
        convention=convention,
        rate=rate,
        base_year=base_year,
        provenance=Provenance(
            method="hea",
            cards=(card.ref,),
            inputs={"table": frame_hash(frame.astype(str))},
            options={"convention": convention, "rate": rate, "base_year": base_year},
        ),
    )


#: The old name, kept for one release (deprecated): one verb, "measure", per metric.
__getattr__ = forward(__name__, {"hea_scaling": f"{__name__}:measure_hea"})
