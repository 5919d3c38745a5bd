"""Monte Carlo propagation of card-parameter and measurement uncertainty to the quota price.

:func:`monte_carlo` draws every uncertain parameter of a :class:`PriceChain`
(optionally also indicator measurement error) and evaluates the chain for
all draws with the chain's vectorised evaluator, chunk by chunk so memory
stays bounded (a chunk holds chunk_size × parcels arrays).

Random numbers come only from the seed given, through named streams
(:func:`wetval.uncertainty.chain.stream`): one per parameter, one per block
of 256 draws for the per-parcel condition draws, one for the re-scorings.
A draw's numbers therefore do not depend on the chunk size, and the first
n draws of a longer run are the draws of a run of n.

**Indicator measurement error.** Each indicator given in
``indicator_error`` gets independent normal noise (sd in the indicator's
unit), clipped to the indicator's valid range and rounded for whole-number
indicators; the condition card re-scores the whole table ``rescorings``
times. Each draw then takes, for every parcel independently, the condition
(index and grade) of one of those re-scorings at random. This is sampling
from each parcel's empirical distribution of condition under measurement
error: grade probabilities below about 1/``rescorings`` are not
represented, and errors are independent between parcels and indicators.
Condition reaches the service values through the card's condition rule and
the quota units and price through the quality factor, wherever the run used
this condition result.

**Convergence.** The Monte Carlo standard error (MCSE) of the mean and of
each percentile is estimated by batch means: the draws, in order, are cut
into ⌊√n⌋ batches of ⌊√n⌋ draws; MCSE = sd(batch statistic) / √batches
(Flegal & Jones 2010, *Ann. Statist.* 38: 1034–1070, for the mean; the
same batching for percentiles). An output has converged when every MCSE is
at most ``tolerance`` × |median|.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from wetval.boundary import accept
from wetval.errors import WetvalError
from wetval.messages import Message, MessageValue, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.strings import Lang, known, tr
from wetval.summary import Summary, SummaryTable, note
from wetval.tables import IndicatorTable
from wetval.uncertainty.chain import OUTPUTS, PriceChain, UncertainParameter, stream
from wetval.uncertainty.distributions import sample

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MonteCarloResult", "check_options", "monte_carlo"]

#: Draws per block of per-parcel random numbers (fixed: chunk-size invariance rests on it).
BLOCK = 256
#: Target size of the chunk's draws × parcels arrays when no chunk size is given.
CHUNK_ELEMENTS = 1_000_000

ProgressCallback = Callable[[int, int], None]


class _Progress(Protocol):
    def update(self, n: int) -> Any: ...

    def close(self) -> Any: ...


@dataclass(frozen=True)
class MonteCarloResult(Result):
    """Distribution of the quota price and service value under the chain's uncertainty.

    Attributes
    ----------
    summary_table
        Indexed by output (``total_price`` [CNY], ``price_per_mu`` [CNY/亩],
        ``price_per_unit`` [CNY/quota unit], ``total_value`` [CNY/yr], the
        approach totals ``cost``, ``market``, ``value`` [CNY] and ``units``):
        ``unit``, ``deterministic``, ``mean``, ``sd``, ``P<q>`` for each
        percentile, ``mcse_mean``, ``mcse_P<q>``, ``relative_mcse`` (largest
        MCSE / |median|) and ``converged``.
    draws
        One row per draw: every output.
    parameter_draws
        One row per draw: the value of every parameter drawn.
    parameters
        The chain's uncertain parameters (see :meth:`PriceChain.parameters`)
        with a column ``drawn``.
    running
        Running mean and percentiles of the total price after 1/16, 1/8, …
        of the draws (convergence trace).
    per_parcel
        Optional: per priced parcel, the deterministic recommended price,
        mean and percentiles [CNY] (``per_parcel=True``).
    grade_probabilities
        Optional: per parcel of the condition result, the share of
        re-scorings in each grade (``indicator_error``).
    n_draws, chunk_size, percentiles, tolerance
        Settings of the run.
    converged
        Whether every output met the tolerance.
    notes
        Statements for the report (what is held fixed, approximations).
    provenance
        Seed, options, cards.
    """

    summary_table: pd.DataFrame
    draws: pd.DataFrame
    parameter_draws: pd.DataFrame
    parameters: pd.DataFrame
    running: pd.DataFrame
    per_parcel: pd.DataFrame | None
    grade_probabilities: pd.DataFrame | None
    n_draws: int
    chunk_size: int
    percentiles: tuple[float, ...]
    tolerance: float
    converged: bool
    notes: tuple[str | Message, ...] = ()
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def price_draws(self) -> np.ndarray:
        """Total recommended price of every draw [CNY], e.g. for ``pledge_capacity``."""
        return self.draws["total_price"].to_numpy(dtype=float)

    def percentile(self, output: str, q: float) -> float:
        """A percentile of an output over the draws (computed afresh for any q)."""
        return float(np.percentile(self.draws[output].to_numpy(dtype=float), q))

    def to_frame(self) -> pd.DataFrame:
        """The summary table (one row per output)."""
        return self.summary_table.copy()

    def summary(self) -> Summary:
        """Percentiles, MCSE and convergence of each output, the drawn parameters and the notes."""
        labels = [f"P{_label(q)}" for q in self.percentiles]
        table = self.summary_table
        outputs = pd.DataFrame(
            {
                "output": [Term(f"out_{name}", str(name)) for name in table.index],
                "unit": [Term(f"unit_{unit}", str(unit)) for unit in table["unit"]],
                "deterministic": table["deterministic"].to_numpy(dtype=float),
                "mean": table["mean"].to_numpy(dtype=float),
                "sd": table["sd"].to_numpy(dtype=float),
                **{label: table[label].to_numpy(dtype=float) for label in labels},
                "mcse_mean": table["mcse_mean"].to_numpy(dtype=float),
                **{
                    _mcse_key(label): table[f"mcse_{label}"].to_numpy(dtype=float)
                    for label in labels
                },
                "relative_mcse": table["relative_mcse"].to_numpy(dtype=float),
                "converged": [bool(v) for v in table["converged"]],
            }
        )
        drawn = self.parameters[self.parameters["drawn"]]
        parameters = pd.DataFrame(
            {
                "parameter": [Term(f"param_{k.rsplit('.', 1)[-1]}", k) for k in drawn.index],
                "sum_distribution": [distribution_cell(str(d)) for d in drawn["distribution"]],
            }
        )
        title = Message.of(
            "sum_monte_carlo", "note", draws=self.n_draws, seed=str(self.provenance.seed),
            drawn=len(drawn),
        )  # fmt: skip
        convergence = Message.of(
            "sum_mc_converged" if self.converged else "sum_mc_not_converged",
            "note" if self.converged else "warning",
            tolerance=self.tolerance,
        )
        return Summary(
            title,
            (
                SummaryTable("monte_carlo", "percentiles", outputs, {"relative_mcse": 4}),
                SummaryTable("drawn", "sum_drawn_table", parameters),
            ),
            (convergence, *(note(n, "note") for n in self.notes)),
        )

    def plot(
        self, ax: Axes | None = None, output: str = "total_price", *, lang: Lang = "en"
    ) -> Axes:
        """Histogram of an output over the draws with its percentiles and deterministic value.

        Money is shown in 10⁴ CNY (万元); labels are in ``lang``. The report draws
        its Monte Carlo chart (the price per quota unit) with this.
        """
        ax = axes(ax)
        values = self.draws[output].to_numpy(dtype=float)
        row = {str(k): v for k, v in self.summary_table.loc[output].to_dict().items()}
        unit = str(row["unit"])
        scale = 1e4 if unit.startswith("CNY") else 1.0
        shown = tr(f"unit_{unit}", lang) if known(f"unit_{unit}") else unit
        if scale != 1.0:
            shown = tr("unit_ten_thousand", lang, unit=shown)
        ax.hist(values / scale, bins=min(60, max(10, self.n_draws // 50)), color="#9bc")
        for q in self.percentiles:
            at = float(row[f"P{_label(q)}"]) / scale
            ax.axvline(at, color="#c60", linestyle="--", linewidth=1)
            ax.annotate(
                f"P{_label(q)}", (at, 1.0), xycoords=("data", "axes fraction"), ha="center",
                va="bottom", fontsize="small",
            )  # fmt: skip
        ax.axvline(
            float(row["deterministic"]) / scale, color="black", label=tr("mc_deterministic", lang)
        )
        name = tr(f"out_{output}", lang) if known(f"out_{output}") else output
        ax.set_xlabel(f"{name} [{shown}]")
        ax.set_ylabel(tr("mc_draws_axis", lang))
        ax.legend(fontsize="small")
        return ax


def _label(q: float) -> str:
    return f"{q:g}"


def _mcse_key(label: str) -> str:
    """The summary column of a percentile's MCSE: its string key, or ``mcse_<label>``."""
    key = f"mcse_{label.lower()}"
    return key if known(key) else f"mcse_{label}"


_DISTRIBUTION = re.compile(r"^(\w+)\((.*)\)$")
_EMPIRICAL = re.compile(r"^empirical \((\d+) samples\)$")


def distribution_cell(text: str) -> Message | str:
    """A drawn distribution as the chain records it, as a keyed message for a summary cell.

    The chain's parameter table writes ``pert(low=1, mode=2, high=3, lamb=4)`` or
    ``empirical (40 samples)``; the message's English text is the same.
    A form without a string key (a plugin's) is shown as it is.
    """
    if found := _EMPIRICAL.match(text):
        return Message.of("dist_empirical", "note", n=int(found[1]))
    found = _DISTRIBUTION.match(text)
    if found is None or not known(f"dist_{found[1]}"):
        return text
    values: dict[str, MessageValue] = {}
    for pair in found[2].split(", "):
        name, _, number = pair.partition("=")
        try:
            values[name] = float(number)
        except ValueError:
            return text
    return Message.of(f"dist_{found[1]}", "note", **values)


def _seed_sequence(
    seed: int | np.random.SeedSequence | np.random.Generator,
) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1, size=4).tolist())
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise WetvalError(f"seed must be a non-negative integer or a Generator, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _progress(
    progress: bool | ProgressCallback | None, total: int
) -> tuple[_Progress | None, ProgressCallback | None]:
    """A tqdm bar (when wanted and installed), a minimal stderr counter, or a callback."""
    if callable(progress):
        return None, progress
    wanted = sys.stderr.isatty() and not os.environ.get("CI") if progress is None else progress
    if not wanted:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:
        return _StderrCounter(total), None
    bar: _Progress = tqdm(total=total, desc="Monte Carlo", unit="draw", file=sys.stderr)
    return bar, None


class _StderrCounter:
    """The fallback progress indicator: one line on stderr, rewritten in place."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def update(self, n: int) -> None:
        self.done += n
        sys.stderr.write(f"\rMonte Carlo: {self.done:,}/{self.total:,} draws")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


@dataclass(frozen=True)
class _Replicates:
    """Condition re-scorings under measurement error, mapped to the chain's parcels."""

    factor: np.ndarray | None  # (R, valued parcels), rows = re-scorings
    quality: np.ndarray | None  # (R, priced parcels)
    units: np.ndarray | None
    value_column: np.ndarray  # column of each valued parcel in the replicate-index matrix
    priced_column: np.ndarray
    columns: int
    count: int
    grade_probabilities: pd.DataFrame
    notes: tuple[str | Message, ...]


def _perturbed(
    indicators: IndicatorTable,
    frame: pd.DataFrame,
    errors: Mapping[str, float],
    rng: np.random.Generator,
    replicate: int,
) -> IndicatorTable:
    """The indicator table with measurement error added (normal, clipped, whole where needed)."""
    frame = frame.copy()
    for name, sd in errors.items():
        spec = indicators.catalogue[name]
        values = frame[name].to_numpy(dtype=float)
        noisy = np.clip(values + rng.normal(0.0, sd, values.size), spec.low, spec.high)
        frame[name] = np.round(noisy) if spec.integer else noisy
    table = IndicatorTable(frame, indicators.catalogue, indicators.source, indicators.synthetic)
    # a re-scoring's provenance is discarded (only its index and grades are used):
    # label it instead of hashing a perturbed copy of the table every time
    table.__dict__["hash"] = f"{indicators.hash}+measurement-error-{replicate}"
    return table


def _replicates(
    chain: PriceChain, errors: Mapping[str, float], count: int, rng: np.random.Generator
) -> _Replicates:
    from wetval.condition import score
    from wetval.valuation._common import condition_factors

    condition, indicators = chain.condition, chain.indicators
    if condition is None or indicators is None:
        raise WetvalError("indicator_error needs the chain's condition result and indicator table")
    unknown = [k for k in errors if k not in indicators.indicator_ids]
    bad = [k for k, sd in errors.items() if not (np.isfinite(sd) and sd > 0)]
    if unknown or bad:
        raise WetvalError(
            f"indicator_error: unknown indicators {unknown} (the table has "
            f"{indicators.indicator_ids}); standard deviations must be > 0: {bad}"
        )
    card = chain.condition_card_used
    scored_on = None
    if "parcels" in condition.provenance.inputs:
        scored_on = chain.parcels.subset(condition.parcels.index)
        if scored_on.hash != condition.provenance.inputs["parcels"]:
            raise WetvalError("the condition result was not scored on these parcels")
    central = condition.parcels
    notes: list[str | Message] = []

    # which stages used this condition result
    valued = chain.valued_parcels
    services = list(chain.services.services.index)
    value_linked, adjusted = False, list[str]()
    if not chain.valuation_held:
        valuation_card = chain.valuation_card_used
        cf_central, adjusted, _ = condition_factors(condition, valued, valuation_card, services)
        value_linked = bool(adjusted) and np.array_equal(cf_central, chain.condition_factor)
    if adjusted and not value_linked:
        notes.append(Message.of("n_mc_values_not_linked", "note"))
    credits = chain.quota_credits.table.reindex(chain.priced_ids)
    label_column = next(
        (
            column
            for column in ("grade", "grade_zh", "grade_en")
            if (central[column].reindex(chain.priced_ids).astype(object) == credits["grade"])
            .to_numpy()
            .all()
        ),
        None,
    )
    same_index = np.array_equal(
        central["index"].reindex(chain.priced_ids).to_numpy(dtype=float),
        credits["condition_index"].to_numpy(dtype=float),
    )
    quota_linked = label_column is not None and same_index
    if not quota_linked:
        notes.append(Message.of("n_mc_quota_not_linked", "note"))

    factors, qualities, unit_rows, grades = [], [], [], []
    # aligned once, so scoring does not re-align each perturbed copy
    base = (indicators.aligned(scored_on) if scored_on is not None else indicators).to_frame()
    for replicate in range(count):
        perturbed = _perturbed(indicators, base, errors, rng, replicate)
        rescored = score(perturbed, card, scored_on).parcels
        grades.append(rescored["grade"])
        if value_linked:
            factors.append(condition_factors(rescored, valued, valuation_card, services)[0])
        if quota_linked:
            assert label_column is not None
            aligned = rescored.reindex(chain.priced_ids)
            quality = chain.quality_factor(
                aligned[label_column].astype(object).to_numpy(),
                aligned["index"].to_numpy(dtype=float),
            )
            if np.isnan(quality).any():
                raise WetvalError(
                    "a re-scoring left a priced parcel without a grade (too few indicators "
                    "after the error?); lower the error or check the indicators"
                )
            qualities.append(quality)
            unit_rows.append(chain.credit_units(quality))
    stacked = pd.DataFrame({r: g.astype(object) for r, g in enumerate(grades)})
    keys = list(condition.grades.index)
    probabilities = pd.DataFrame(
        {key: (stacked == key).mean(axis=1).to_numpy() for key in keys}, index=central.index
    )
    probabilities["unscored"] = stacked.isna().mean(axis=1).to_numpy()
    # replicate-index columns: one per condition parcel a stage reads, one dummy (always 0)
    position = {pid: i for i, pid in enumerate(central.index)}
    value_positions = np.array([position.get(p, -1) for p in chain.value_ids])
    priced_positions = np.array([position.get(p, -1) for p in chain.priced_ids])
    needed = np.unique(
        np.concatenate(
            [
                value_positions[value_positions >= 0] if value_linked else [],
                priced_positions[priced_positions >= 0] if quota_linked else [],
            ]
        ).astype(np.int64)
    )
    dummy = len(needed)
    lookup = {int(p): i for i, p in enumerate(needed)}

    def columns_of(positions: np.ndarray, linked: bool) -> np.ndarray:
        if not linked:
            return np.full(positions.size, dummy)
        return np.array([lookup.get(int(p), dummy) for p in positions], dtype=np.int64)

    factor = None
    if value_linked:
        factor = np.vstack([np.asarray(f, dtype=float) for f in factors])
        outside = value_positions < 0
        factor[:, outside] = chain.condition_factor[outside]
    return _Replicates(
        factor=factor,
        quality=np.vstack(qualities) if quota_linked else None,
        units=np.vstack(unit_rows) if quota_linked else None,
        value_column=columns_of(value_positions, value_linked),
        priced_column=columns_of(priced_positions, quota_linked),
        columns=dummy + 1,
        count=count,
        grade_probabilities=probabilities,
        notes=tuple(notes),
    )


def _replicate_indices(
    root: np.random.SeedSequence, replicates: _Replicates, start: int, stop: int
) -> np.ndarray:
    """Re-scoring index of each (draw, column) for draws [start, stop), block by block."""
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = []
    for block in range(first, last + 1):
        rng = stream(root, "condition-block", block)
        drawn = rng.integers(0, replicates.count, size=(BLOCK, replicates.columns))
        drawn[:, -1] = 0
        blocks.append(drawn)
    stacked = np.vstack(blocks)
    offset = first * BLOCK
    result: np.ndarray = stacked[start - offset : stop - offset]
    return result


def _batch_mcse(values: np.ndarray, percentiles: Sequence[float]) -> tuple[float, list[float]]:
    """Batch-means MCSE of the mean and of each percentile."""
    n = values.size
    size = int(np.sqrt(n))
    batches = n // size if size else 0
    if batches < 2:
        return float("nan"), [float("nan")] * len(percentiles)
    grouped = values[: batches * size].reshape(batches, size)
    mean_se = float(grouped.mean(axis=1).std(ddof=1) / np.sqrt(batches))
    quantile_se = [
        float(np.percentile(grouped, q, axis=1).std(ddof=1) / np.sqrt(batches)) for q in percentiles
    ]
    return mean_se, quantile_se


def check_options(
    *,
    draws: int,
    percentiles: Sequence[float] = (5, 50, 95),
    chunk_size: int | None = None,
    rescorings: int = 100,
    tolerance: float = 0.01,
    indicator_error: Mapping[str, float] | None = None,
    indicator_ids: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """Every problem with :func:`monte_carlo`'s options, before any draw.

    ``wetval validate`` runs the same check as ``assess`` through this.

    Parameters
    ----------
    draws, percentiles, chunk_size, rescorings, tolerance, indicator_error
        As in :func:`monte_carlo`.
    indicator_ids
        The indicator table's ids, to check the keys of ``indicator_error``.

    Returns
    -------
    list of (option, reason)
        Empty if the options are valid; each reason ends with its fix.
    """
    problems = []
    if draws < 2:
        problems.append(("draws", f"need at least 2 draws, got {draws}; fix: draw 2 or more"))
    if chunk_size is not None and chunk_size < 1:
        problems.append(("chunk_size", f"must be >= 1, got {chunk_size}"))
    if rescorings < 2:
        problems.append(("rescorings", f"must be >= 2, got {rescorings}"))
    values = list(percentiles)
    if not values or not all(np.isfinite(q) and 0 <= q <= 100 for q in values):
        problems.append(("percentiles", f"must lie in 0–100, got {values}; fix: e.g. [5, 50, 95]"))
    if not 0 < tolerance < 1:
        problems.append(("tolerance", f"must be in (0, 1), got {tolerance}"))
    errors = dict(indicator_error or {})
    unknown = [k for k in errors if indicator_ids is not None and k not in indicator_ids]
    if unknown:
        problems.append(
            (
                "indicator_error",
                f"unknown indicators {unknown}; fix: use ids of the indicator table "
                f"({', '.join(indicator_ids or ())})",
            )
        )
    bad = [k for k, sd in errors.items() if not (np.isfinite(sd) and sd > 0)]
    if bad:
        problems.append(
            ("indicator_error", f"standard deviations must be > 0: {bad}; fix: give sd > 0")
        )
    return problems


def monte_carlo(
    chain: PriceChain,
    *,
    draws: int,
    seed: int | np.random.SeedSequence | np.random.Generator,
    chunk_size: int | None = None,
    per_parcel: bool = False,
    percentiles: Sequence[float] = (5, 50, 95),
    parameters: Sequence[str] | None = None,
    indicator_error: Mapping[str, float] | None = None,
    rescorings: int = 100,
    tolerance: float = 0.01,
    progress: bool | ProgressCallback | None = None,
) -> MonteCarloResult:
    """Propagate the chain's uncertainty to the quota price by Monte Carlo.

    Parameters
    ----------
    chain
        The deterministic run (:class:`PriceChain`).
    draws
        Number of draws (≥ 2).
    seed
        Seed (int or :class:`numpy.random.SeedSequence`) or a
        :class:`numpy.random.Generator` (one value is taken from it to seed
        the run; the provenance then has no seed). Same seed, same result.
    chunk_size
        Draws evaluated at once; memory grows with chunk_size × parcels.
        The result does not depend on it. Default: about 10⁶ / parcels
        (chunks of ~8 MB arrays, which also run fastest).
    per_parcel
        Also report percentiles of each priced parcel's recommended price
        (keeps draws × priced parcels floats: 8 bytes each).
    percentiles
        Percentiles reported, in 0–100.
    parameters
        Keys of the parameters to draw (default: every parameter that
        enters the chain; ``[]`` draws none). Others stay at their central
        value.
    indicator_error
        Indicator id → standard deviation of its measurement error [the
        indicator's unit]; needs the chain's condition result and indicators.
    rescorings
        Re-scorings of the condition under measurement error.
    tolerance
        Convergence threshold: MCSE of the mean and of every percentile at
        most this share of the median.
    progress
        ``None``: a progress bar on stderr when it is a terminal (tqdm if
        installed, else a counter); ``True``/``False`` to force it on or off;
        or a callable ``f(done, total)`` called after every chunk.

    Returns
    -------
    MonteCarloResult
    """
    chain = accept(chain, PriceChain, "chain")
    if not isinstance(chain, PriceChain):
        raise TypeError(f"chain must be a PriceChain, got {type(chain).__name__}")
    if chunk_size is None:
        chunk_size = max(16, CHUNK_ELEMENTS // chain.width)
    problems = check_options(
        draws=draws, percentiles=percentiles, chunk_size=chunk_size, rescorings=rescorings,
        tolerance=tolerance, indicator_error=indicator_error,
    )  # fmt: skip
    if problems:
        raise WetvalError("; ".join(f"{key}: {why}" for key, why in problems))
    percentiles = tuple(float(q) for q in percentiles)
    root = _seed_sequence(seed)
    chosen: list[UncertainParameter] = chain.entering(parameters)
    parameter_draws = {
        p.key: sample(p.distribution, p.central, draws, stream(root, "parameter", p.key))
        for p in chosen
    }
    replicates = None
    notes: list[str | Message] = list(chain.notes)
    if indicator_error:
        replicates = _replicates(
            chain, dict(indicator_error), rescorings, stream(root, "rescoring")
        )
        notes += replicates.notes
        notes.append(
            Message.of(
                "n_mc_indicator_error",
                "note",
                errors=tuple(f"{name} {sd:g}" for name, sd in indicator_error.items()),
                rescorings=rescorings,
            )
        )
    not_entering = [p for p in chain.uncertain if not p.enters]
    notes += [
        Message.of("n_parameter", "note", parameter=Term(f"param_{p.name}", p.key), note=p.note)
        for p in not_entering
    ]

    outputs = {name: np.empty(draws) for name in OUTPUTS}
    parcel_prices = np.empty((draws, len(chain.priced_ids))) if per_parcel else None
    bar, callback = _progress(progress, draws)
    try:
        for start in range(0, draws, chunk_size):
            stop = min(start + chunk_size, draws)
            n = stop - start
            chunk = {key: values[start:stop] for key, values in parameter_draws.items()}
            factor = quality = units = None
            if replicates is not None:
                index = _replicate_indices(root, replicates, start, stop)
                if replicates.factor is not None:
                    # gathers come out in Fortran order: make rows contiguous so that row
                    # sums do not depend on the chunk's shape
                    pick = np.ascontiguousarray(index[:, replicates.value_column])
                    factor = replicates.factor[pick, np.arange(pick.shape[1])]
                if replicates.quality is not None and replicates.units is not None:
                    pick = np.ascontiguousarray(index[:, replicates.priced_column])
                    columns = np.arange(pick.shape[1])
                    quality = replicates.quality[pick, columns]
                    units = replicates.units[pick, columns]
            totals, prices, _ = chain.totals(chunk, n, factor, quality, units)
            for name in OUTPUTS:
                outputs[name][start:stop] = totals[name]
            if parcel_prices is not None:
                parcel_prices[start:stop] = prices
            if bar is not None:
                bar.update(n)
            if callback is not None:
                callback(stop, draws)
    finally:
        if bar is not None:
            bar.close()

    deterministic = _deterministic(chain)
    rows = []
    labels = [f"P{_label(q)}" for q in percentiles]
    for name, unit in OUTPUTS.items():
        values = outputs[name]
        finite = bool(np.isfinite(values).all())
        quantiles = np.percentile(values, percentiles) if finite else [np.nan] * len(labels)
        mean_se, quantile_se = (
            _batch_mcse(values, percentiles) if finite else (np.nan, [np.nan] * len(labels))
        )
        median = float(np.median(values)) if finite else np.nan
        ses = [mean_se, *quantile_se]
        if not finite:
            relative = np.nan
        elif max(ses) == 0:
            relative = 0.0
        else:
            relative = max(ses) / abs(median) if median != 0 else np.inf
        rows.append(
            {
                "output": name,
                "unit": unit,
                "deterministic": deterministic[name],
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)),
                **{label: float(v) for label, v in zip(labels, quantiles, strict=True)},
                "mcse_mean": mean_se,
                **{f"mcse_{label}": se for label, se in zip(labels, quantile_se, strict=True)},
                "relative_mcse": relative,
                "converged": bool(relative <= tolerance),
            }
        )
    table = pd.DataFrame(rows).set_index("output")
    finite_rows = np.isfinite(table["mean"].to_numpy(dtype=float))
    converged = bool(table["converged"].to_numpy()[finite_rows].all())

    checkpoints = sorted({max(2, draws // 2**k) for k in range(4, -1, -1)})
    running = pd.DataFrame(
        [
            {
                "draws": k,
                "mean": float(outputs["total_price"][:k].mean()),
                **{
                    label: float(np.percentile(outputs["total_price"][:k], q))
                    for label, q in zip(labels, percentiles, strict=True)
                },
            }
            for k in checkpoints
        ]
    ).set_index("draws")

    per_parcel_frame = None
    if parcel_prices is not None:
        per_parcel_frame = _per_parcel(chain, parcel_prices, percentiles)
    drawn = {p.key for p in chosen}
    parameter_table = chain.parameters()
    parameter_table["drawn"] = [key in drawn for key in parameter_table.index]
    seed_value = int(seed) if isinstance(seed, int | np.integer) else None
    cards = [*chain.services.provenance.cards, *chain.price.provenance.cards]
    cards += list(chain.quota_credits.provenance.cards)
    if replicates is not None and chain.condition is not None:
        cards += list(chain.condition.provenance.cards)
    return MonteCarloResult(
        summary_table=table,
        draws=pd.DataFrame(outputs, index=pd.RangeIndex(draws, name="draw")),
        parameter_draws=pd.DataFrame(parameter_draws, index=pd.RangeIndex(draws, name="draw")),
        parameters=parameter_table,
        running=running,
        per_parcel=per_parcel_frame,
        grade_probabilities=None if replicates is None else replicates.grade_probabilities,
        n_draws=int(draws),
        chunk_size=int(chunk_size),
        percentiles=percentiles,
        tolerance=float(tolerance),
        converged=converged,
        notes=tuple(dict.fromkeys(notes)),
        provenance=Provenance(
            method="monte-carlo",
            cards=tuple(dict.fromkeys(cards)),
            inputs={
                "services": chain.price.provenance.inputs.get("services", ""),
                "credits": chain.price.provenance.inputs["credits"],
            },
            seed=seed_value,
            options={
                "draws": int(draws),
                "parameters": sorted(drawn),
                "indicator_error": dict(indicator_error or {}),
                "rescorings": int(rescorings) if indicator_error else None,
                "percentiles": list(percentiles),
                "tolerance": float(tolerance),
                "mcse": "batch means, floor(sqrt(n)) batches",
            },
            notes=tuple(dict.fromkeys(notes)),
        ),
    )


def _deterministic(chain: PriceChain) -> dict[str, float]:
    price = chain.price
    table = price.table.reindex(chain.priced_ids)
    return {
        "total_price": price.total,
        "price_per_mu": price.per_mu,
        "price_per_unit": price.per_unit,
        "total_value": chain.services.total(),
        "cost": float(table["cost"].sum()),
        "market": float(table["market"].sum()),
        "value": float(table["value"].sum(min_count=len(table)))
        if table["value"].notna().all()
        else float("nan"),
        "units": price.units,
    }


def _per_parcel(
    chain: PriceChain, prices: np.ndarray, percentiles: Sequence[float]
) -> pd.DataFrame:
    ids = chain.priced_ids
    frame = pd.DataFrame(
        {"deterministic": chain.price.table["recommended"].reindex(ids).to_numpy(dtype=float)},
        index=ids,
    )
    frame["mean"] = prices.mean(axis=0)
    step = max(1, 5_000_000 // max(prices.shape[0], 1))
    columns = {f"P{_label(q)}": np.empty(len(ids)) for q in percentiles}
    for start in range(0, len(ids), step):
        block = np.percentile(prices[:, start : start + step], percentiles, axis=0)
        for row, label in zip(block, columns, strict=True):
            columns[label][start : start + step] = row
    for label, values in columns.items():
        frame[label] = values
    return frame
