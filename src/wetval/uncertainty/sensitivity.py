"""Sensitivity analysis: one-at-a-time swings (tornado), Sobol indices and Morris screening.

:func:`sobol` and :func:`morris` wrap SALib (Herman & Usher 2017,
*J. Open Source Softw.* 2(9): 97; install ``wetval[sensitivity]``) for any
vectorised model: ``model`` maps an (N, k) array of parameter values (one
column per parameter, in the order of ``bounds``) to N outputs.
:func:`one_at_a_time` needs no extra package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wetval.errors import DependencyError
from wetval.messages import Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MorrisResult", "SobolResult", "TornadoResult", "morris", "one_at_a_time", "sobol"]

Model = Callable[[np.ndarray], np.ndarray]

#: Columns of a Sobol and of a Morris summary, in order.
_SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
_MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma", "mu")
#: A tornado summary's column keys and the swings columns they show.
_TORNADO_COLUMNS = {
    "param_low": "low", "param_high": "high", "output_low": "output_low",
    "output_high": "output_high", "swing": "swing",
}  # fmt: skip


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    bad = [name for name, (low, high) in bounds.items() if not low < high]
    if bad:
        raise ValueError(f"bounds need low < high; check {', '.join(bad)}")
    if not bounds:
        raise ValueError("give at least one parameter in bounds")
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[float(low), float(high)] for low, high in bounds.values()],
    }


def _evaluate(model: Model, sample: np.ndarray) -> np.ndarray:
    output = np.asarray(model(sample), dtype=float).reshape(-1)
    if output.shape[0] != sample.shape[0]:
        raise ValueError(
            f"the model returned {output.shape[0]} outputs for {sample.shape[0]} parameter rows"
        )
    if not np.isfinite(output).all():
        raise ValueError("the model returned NaN or infinite outputs")
    return output


def _salib() -> Any:
    try:
        import SALib
    except ImportError:
        raise DependencyError("Sobol and Morris analysis", "sensitivity", "SALib") from None
    return SALib


@dataclass(frozen=True)
class SobolResult(Result):
    """First-order and total Sobol indices with confidence intervals.

    Attributes
    ----------
    indices
        Per parameter: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the
        ``conf_level`` bootstrap intervals).
    n_base
        Base sample size N (the model ran N·(k + 2) times).
    conf_level
        Confidence level of the intervals.
    provenance
        Seed and options.
    """

    indices: pd.DataFrame
    n_base: int
    conf_level: float
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def S1(self) -> pd.Series:
        """First-order indices by parameter."""
        return self.indices["S1"]

    @property
    def ST(self) -> pd.Series:
        """Total-effect indices by parameter."""
        return self.indices["ST"]

    def to_frame(self) -> pd.DataFrame:
        """The indices table."""
        return self.indices.copy()

    def summary(self) -> Summary:
        """Indices sorted by total effect."""
        table = self.indices.sort_values("ST", ascending=False)
        data = pd.DataFrame(
            {
                "parameter": [str(n) for n in table.index],
                **{f"sa_{c.lower()}": table[c].to_numpy(dtype=float) for c in _SOBOL_COLUMNS},
            }
        )
        digits = {f"sa_{c.lower()}": 3 for c in _SOBOL_COLUMNS}
        title = Message.of("sum_sobol", "note", n=self.n_base, level=self.conf_level)
        return Summary(title, (SummaryTable("indices", "sa_sobol_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of S1 and ST with their intervals."""
        ax = axes(ax)
        table = self.indices.sort_values("ST")
        y = np.arange(len(table))
        ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], label="S1")
        ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="ST")
        ax.set_yticks(y, [str(i) for i in table.index])
        ax.set_xlabel("Sobol index")
        ax.legend()
        return ax


def sobol(
    model: Model,
    bounds: Mapping[str, tuple[float, float]],
    *,
    n: int,
    seed: int | np.random.Generator,
    conf_level: float = 0.95,
) -> SobolResult:
    """Sobol first-order and total indices of a vectorised model (Saltelli sampling).

    Parameters
    ----------
    model
        Maps an (M, k) array (columns in the order of ``bounds``) to M outputs.
    bounds
        Parameter name → (low, high); parameters are uniform on these ranges.
    n
        Base sample size; a power of two keeps the Sobol sequence balanced.
    seed
        Seed or generator for the scrambled Sobol sequence and the bootstrap.
    conf_level
        Level of the bootstrap confidence intervals.

    Returns
    -------
    SobolResult
    """
    _salib()
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = _problem(bounds)
    rng = np.random.default_rng(seed)
    design = sample.sample(problem, n, calc_second_order=False, seed=rng)
    output = _evaluate(model, design)
    result = analyze.analyze(
        problem, output, calc_second_order=False, conf_level=conf_level, seed=rng
    )
    indices = pd.DataFrame(
        {k: np.asarray(result[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(problem["names"], name="parameter"),
    )
    seed_value = seed if isinstance(seed, int) else None
    provenance = Provenance(
        method="sobol-saltelli",
        seed=seed_value,
        options={
            "n": n,
            "conf_level": conf_level,
            "bounds": {k: list(v) for k, v in bounds.items()},
        },
    )
    return SobolResult(indices=indices, n_base=n, conf_level=conf_level, provenance=provenance)


@dataclass(frozen=True)
class MorrisResult(Result):
    """Morris elementary-effects screening: mu*, its interval and sigma per parameter."""

    effects: pd.DataFrame
    trajectories: int
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """Columns ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` by parameter."""
        return self.effects.copy()

    def summary(self) -> Summary:
        """Parameters ranked by mu*."""
        table = self.effects.sort_values("mu_star", ascending=False)
        data = pd.DataFrame(
            {
                "parameter": [str(n) for n in table.index],
                **{f"sa_{c}": table[c].to_numpy(dtype=float) for c in _MORRIS_COLUMNS},
            }
        )
        digits = dict.fromkeys((f"sa_{c}" for c in _MORRIS_COLUMNS), 4)
        title = Message.of("sum_morris", "note", n=self.trajectories)
        return Summary(title, (SummaryTable("effects", "sa_morris_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of mu* with their intervals, the largest on top."""
        ax = axes(ax)
        table = self.effects.sort_values("mu_star")
        y = np.arange(len(table))
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], color="#3b7ea1",
                capsize=3, label="mu*")  # fmt: skip
        ax.plot(table["sigma"], y, "o", color="#d9822b", label="sigma")
        ax.set_yticks(y, [str(i) for i in table.index])
        ax.set_xlabel("Morris elementary effect")
        ax.legend(loc="lower right", fontsize="small")
        return ax


def morris(
    model: Model,
    bounds: Mapping[str, tuple[float, float]],
    *,
    trajectories: int,
    seed: int | np.random.Generator,
    levels: int = 4,
) -> MorrisResult:
    """Morris screening of a vectorised model (Morris 1991; Campolongo et al. 2007 mu*).

    Parameters
    ----------
    model, bounds
        As in :func:`sobol`.
    trajectories
        Number of one-at-a-time trajectories (10–50 is usual).
    seed
        Seed or generator.
    levels
        Grid levels per parameter.
    """
    _salib()
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = _problem(bounds)
    rng = np.random.default_rng(seed)
    design = sample.sample(problem, trajectories, num_levels=levels, seed=rng)
    output = _evaluate(model, design)
    result = analyze.analyze(problem, design, output, num_levels=levels, seed=rng)
    effects = pd.DataFrame(
        {k: np.asarray(result[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=pd.Index(problem["names"], name="parameter"),
    )
    provenance = Provenance(
        method="morris",
        seed=seed if isinstance(seed, int) else None,
        options={"trajectories": trajectories, "levels": levels},
    )
    return MorrisResult(effects=effects, trajectories=trajectories, provenance=provenance)


@dataclass(frozen=True)
class TornadoResult(Result):
    """One-at-a-time swings of an output over each parameter's range.

    Attributes
    ----------
    swings
        Per parameter: ``low``, ``high`` (the parameter values), ``output_low``,
        ``output_high`` and ``swing`` = |output_high − output_low|, sorted by swing.
    base_output
        Output with every parameter at its base value.
    output_label
        What the output is, with its unit, e.g. ``"quota price [CNY/亩]"``.
    """

    swings: pd.DataFrame
    base_output: float
    output_label: str
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The swings table."""
        return self.swings.copy()

    def summary(self) -> Summary:
        """Parameters ranked by swing."""
        swings = self.swings
        data = pd.DataFrame(
            {
                "parameter": [str(n) for n in swings.index],
                **{key: swings[c].to_numpy(dtype=float) for key, c in _TORNADO_COLUMNS.items()},
            }
        )
        digits = {"param_low": 4, "param_high": 4}
        title = Message.of("sum_tornado", "note", output=self.output_label, base=self.base_output)
        return Summary(title, (SummaryTable("swings", "tornado_table", data, digits),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """The tornado chart: bars from the base output to each end of each swing."""
        ax = axes(ax)
        table = self.swings.iloc[::-1]
        y = np.arange(len(table))
        base = self.base_output
        ax.barh(y, table["output_low"] - base, left=base, color="#3b7ea1", label="parameter low")
        ax.barh(y, table["output_high"] - base, left=base, color="#d9822b", label="parameter high")
        ax.axvline(base, color="black", linewidth=0.8)
        ax.set_yticks(y, [str(i) for i in table.index])
        ax.set_xlabel(self.output_label)
        ax.legend(loc="lower right", fontsize="small")
        return ax


def one_at_a_time(
    model: Model,
    parameters: Mapping[str, tuple[float, float, float]],
    *,
    output_label: str = "output",
) -> TornadoResult:
    """Swing each parameter from low to high with the others at base (tornado data).

    Parameters
    ----------
    model
        Maps an (M, k) array (columns in the order of ``parameters``) to M outputs.
    parameters
        Name → (low, base, high).
    output_label
        Name and unit of the output, for tables and the chart.

    Returns
    -------
    TornadoResult
    """
    names = list(parameters)
    if not names:
        raise ValueError("give at least one parameter to swing")
    values = np.asarray([parameters[n] for n in names], dtype=float)  # k × 3
    if not ((values[:, 0] <= values[:, 1]) & (values[:, 1] <= values[:, 2])).all():
        bad = [n for n, (lo, b, hi) in zip(names, values, strict=True) if not lo <= b <= hi]
        raise ValueError(f"need low <= base <= high; check {', '.join(bad)}")
    k = len(names)
    design = np.tile(values[:, 1], (2 * k + 1, 1))
    for i in range(k):
        design[1 + 2 * i, i] = values[i, 0]
        design[2 + 2 * i, i] = values[i, 2]
    output = _evaluate(model, design)
    swings = pd.DataFrame(
        {
            "low": values[:, 0],
            "high": values[:, 2],
            "output_low": output[1::2],
            "output_high": output[2::2],
        },
        index=pd.Index(names, name="parameter"),
    )
    swings["swing"] = (swings["output_high"] - swings["output_low"]).abs()
    swings = swings.sort_values("swing", ascending=False)
    return TornadoResult(
        swings=swings,
        base_output=float(output[0]),
        output_label=output_label,
        provenance=Provenance(method="one-at-a-time"),
    )
