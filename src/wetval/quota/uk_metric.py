"""UK Statutory Biodiversity Metric (Defra, February 2024), area habitats.

Formulas (shared/reference/credit-accounting.md §2.1, read from Defra's own
engine and abitat's port of the official workbook)::

    baseline / retained units = A × D × C × S
    created units             = A × D × C × S × T(t) × Diff
    enhanced units            = ((A·D·C − A·D₀·C₀*) × Diff × T(t) + A·D₀·C₀*) × S,
                                C₀* = min(C₀, C)   (a fall in condition uses the new condition)
    off-site delivered units  = units × SRM
    required units            = baseline units × (1 + 10 %)

A area [ha], D distinctiveness score, C condition score, S strategic
significance, T(t) = 0.965^t the temporal multiplier for t years to target
("30+" = 0.965^32), Diff the difficulty multiplier, SRM the spatial-risk
multiplier. t = standard time − years created in advance + years of delay;
habitat created entirely in advance of the loss (advance ≥ standard time)
has t = 0 and difficulty Low. A final time over 30 years is "30+". The
workbook's standard times also take two labels (abitatdotdev/bng
``src/onSite/habitatCreation.ts`` @0675cf7, workbook sheet A-2 cell S12):
"30+" stays "30+" without advance creation and becomes max(0, 30 − advance)
with it; "Not Possible" gives no units.

Three settings change the answer and are card options, recorded in the
provenance: ``temporal_precision`` (``"full"`` workbook cells or Defra's
``"3dp"`` table), ``strategic_significance`` (``"applied"`` or Defra's
``"fixed_at_1"``) and ``significant_figures`` (Defra rounds every
intermediate to 15 significant figures to match Excel; ``"none"`` keeps
float precision).

Area, hedgerow and watercourse units cannot be summed or traded between
types; this module covers area habitats, the type relevant to wetland parcels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

__all__ = [
    "UkMetricUnits",
    "measure_uk_metric",
    "uk_baseline_units",
    "uk_created_units",
    "uk_enhanced_units",
    "uk_final_time_to_target",
    "uk_temporal_multiplier",
    "uk_trading_summary",
]

DEFAULT_CARD = "uk-statutory-metric-2024"
_ACTIONS = ("baseline", "retained", "created", "enhanced")
_BANDS = ("Very High", "High", "Medium", "Low", "Very Low")

Labels = str | list[str] | np.ndarray | pd.Series
Numbers = float | list[float] | np.ndarray | pd.Series
TimesToTarget = float | str | list[float | str] | np.ndarray | pd.Series

_OVER_30 = "30+"
_NOT_POSSIBLE = "not possible"


def _key(label: Any) -> str:
    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    text = text.replace("–", "-").replace("—", "-").strip().lower()
    text = " ".join(text.replace(" - ", "-").split())
    return {"v.high": "very high", "v high": "very high", "v.low": "very low"}.get(text, text)


class _Settings:
    """The card's tables as lookups, and its precision settings."""

    def __init__(self, card: Card) -> None:
        self.card = card
        self.distinctiveness = {
            _key(b): float(s) for b, s in card.table("distinctiveness")["score"].items()
        }
        self.condition = {_key(c): float(s) for c, s in card.table("condition")["score"].items()}
        self.strategic = {
            _key(k): float(v) for k, v in card.table("strategic_significance")["multiplier"].items()
        }
        self.difficulty = {
            _key(k): float(v) for k, v in card.table("difficulty")["multiplier"].items()
        }
        self.spatial = {
            _key(k): float(v) for k, v in card.table("spatial_risk")["multiplier"].items()
        }
        precision = str(card.option("temporal_precision", "full"))
        if precision not in ("full", "3dp"):
            raise ValueError(f"temporal_precision must be 'full' or '3dp', got {precision!r}")
        temporal = card.table("temporal")
        column = "full" if precision == "full" else "dp3"
        keys = [str(t) for t in range(31)] + ["30+"]
        self.temporal = temporal[column].reindex(keys).to_numpy(dtype=float)
        self.fixed_s = card.option("strategic_significance", "applied") == "fixed_at_1"
        figures = card.option("significant_figures", 15)
        self.figures = None if figures in (None, "none") else int(figures)

    def round(self, values: np.ndarray) -> np.ndarray:
        """Round to the card's significant figures (Excel's 15), or not at all."""
        if self.figures is None:
            return values
        magnitude = np.floor(np.log10(np.abs(np.where(values == 0, 1.0, values))))
        factor = 10.0 ** (self.figures - 1 - magnitude)
        result: np.ndarray = np.round(values * factor) / factor
        return result


def _lookup(
    labels: Labels, table: dict[str, float], column: str, problems: ProblemCollector
) -> np.ndarray:
    series = pd.Series(np.atleast_1d(np.asarray(labels, dtype=object)))
    keys = series.map(_key)
    values = keys.map(table).to_numpy(dtype=float)
    problems.add_rows(
        np.isnan(values), column=column, values=series,
        reason=f"unknown label; known: {sorted(table)}", fix="use the metric's labels",
    )  # fmt: skip
    return values


def _settings(card: Card | str) -> _Settings:
    return _Settings(resolve_card(card, "credit-metric"))


def _times_to_target(values: TimesToTarget) -> np.ndarray:
    """Standard or final times to target as numbers [yr]: "30+" → inf, "Not Possible" → NaN.

    Raises
    ------
    ValueError
        Naming the entries that are neither a whole number ≥ 0 nor one of the labels.
    """
    series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
    keys = series.map(lambda value: _key(value).rstrip(" ▲"))
    numbers = pd.to_numeric(series.where(~keys.isin([_OVER_30.lower(), _NOT_POSSIBLE])), "coerce")
    times = numbers.to_numpy(dtype=float, copy=True)
    times[(keys == _OVER_30).to_numpy()] = np.inf
    possible = (keys != _NOT_POSSIBLE).to_numpy()
    finite = np.isfinite(times)
    bad = possible & ~np.isinf(times) & ~(finite & (times >= 0) & (times == np.round(times)))
    if bad.any():
        raise ValueError(
            "times to target must be whole numbers ≥ 0, '30+' or 'Not Possible'; got "
            f"{series[bad].tolist()!r}"
        )
    return times


def uk_temporal_multiplier(years: TimesToTarget, card: Card | str = DEFAULT_CARD) -> np.ndarray:
    """Temporal multiplier T(t) = 0.965^t at the card's precision; t > 30 → "30+".

    Parameters
    ----------
    years
        Final years to target condition t [yr]: whole numbers ≥ 0 (over 30 is
        "30+"), "30+", or "Not Possible", whose multiplier is 0 (no units).

    Returns
    -------
    numpy.ndarray
        T(t) per entry of ``years`` [-].

    Examples
    --------
    >>> float(uk_temporal_multiplier(20)[0])
    0.4903952635
    >>> float(uk_temporal_multiplier("30+")[0])
    0.3197967361
    """
    return _temporal(_settings(card), _times_to_target(years))


def _temporal(settings: _Settings, years: np.ndarray) -> np.ndarray:
    """T(t) of parsed times [yr] (inf = "30+", NaN = "Not Possible" → 0) [-]."""
    possible = ~np.isnan(years)
    index = np.minimum(np.where(possible, years, 0.0), 31).astype(int)
    result: np.ndarray = np.where(possible, settings.temporal[index], 0.0)
    return result


def uk_final_time_to_target(
    standard_years: TimesToTarget, advance: Numbers = 0.0, delay: Numbers = 0.0
) -> np.ndarray:
    """Final years to target as the workbook computes them (sheet A-2, cell S12) [yr].

    standard − advance + delay, 0 when advance ≥ standard, "30+" (``inf``)
    when over 30. A standard time of "30+" stays "30+" without advance
    creation and is max(0, 30 − advance) with it; "Not Possible" stays
    "Not Possible" (NaN).

    Raises
    ------
    ValueError
        Where both advance and delay are non-zero (the metric forbids it), or
        a standard time is not a whole number ≥ 0, "30+" or "Not Possible".
    """
    return _final_time(_times_to_target(standard_years), advance, delay)


def _final_time(standard: np.ndarray, advance: Numbers, delay: Numbers) -> np.ndarray:
    """Final times [yr] of parsed standard times (inf = "30+", NaN = "Not Possible")."""
    ahead = np.broadcast_to(np.asarray(advance, dtype=float), standard.shape)
    late = np.broadcast_to(np.asarray(delay, dtype=float), standard.shape)
    if np.any((ahead != 0) & (late != 0)):
        raise ValueError("habitat creation cannot be both in advance and delayed")
    over_30 = np.isinf(standard)
    numeric = np.where(ahead >= standard, 0.0, standard - ahead + late)
    numeric = np.where(numeric > 30, np.inf, numeric)
    from_30_plus = np.where(ahead == 0, np.inf, np.maximum(0.0, 30 - ahead))
    result: np.ndarray = np.where(over_30, from_30_plus, numeric)
    return result


def _strategic(settings: _Settings, strategic: Labels, problems: ProblemCollector) -> np.ndarray:
    values = _lookup(strategic, settings.strategic, "strategic", problems)
    return np.where(np.isnan(values), values, 1.0) if settings.fixed_s else values


def uk_baseline_units(
    area_ha: Numbers,
    distinctiveness: Labels,
    condition: Labels,
    strategic: Labels,
    card: Card | str = DEFAULT_CARD,
) -> np.ndarray:
    """Baseline (or retained) area habitat units A × D × C × S [habitat units].

    ``area_ha`` is the area A [ha]; the labels are looked up in the card.

    Raises
    ------
    wetval.errors.ValidationError
        Naming every unknown distinctiveness, condition or strategic label.
    """
    settings = _settings(card)
    problems = ProblemCollector()
    d = _lookup(distinctiveness, settings.distinctiveness, "distinctiveness", problems)
    c = _lookup(condition, settings.condition, "condition", problems)
    s = _strategic(settings, strategic, problems)
    problems.raise_if_any("UK metric baseline inputs")
    r = settings.round
    return r(r(r(np.asarray(area_ha, dtype=float) * d) * c) * s)


def uk_created_units(
    area_ha: Numbers,
    distinctiveness: Labels,
    condition: Labels,
    strategic: Labels,
    standard_years: TimesToTarget,
    difficulty: Labels,
    card: Card | str = DEFAULT_CARD,
    *,
    advance: Numbers = 0.0,
    delay: Numbers = 0.0,
    spatial_risk: Labels | None = None,
) -> np.ndarray:
    """Created area habitat units A × D × C × S × T(t) × Diff (× SRM off site) [habitat units].

    Parameters
    ----------
    standard_years
        Standard time to reach the target condition [yr], or "30+" or
        "Not Possible" (no units), as in the workbook.
    advance, delay
        Years the creation starts before the loss / is delayed. Creation
        entirely in advance (advance ≥ standard, or ≥ 30 for "30+") has t = 0
        and difficulty Low.
    spatial_risk
        Off-site location (within / neighbouring / beyond / offsite_provider);
        ``None`` for on-site habitat.
    """
    settings = _settings(card)
    problems = ProblemCollector()
    d = _lookup(distinctiveness, settings.distinctiveness, "distinctiveness", problems)
    c = _lookup(condition, settings.condition, "condition", problems)
    s = _strategic(settings, strategic, problems)
    diff = _lookup(difficulty, settings.difficulty, "difficulty", problems)
    srm = (
        1.0
        if spatial_risk is None
        else _lookup(spatial_risk, settings.spatial, "spatial_risk", problems)
    )
    problems.raise_if_any("UK metric creation inputs")
    standard = _times_to_target(standard_years)
    t = _final_time(standard, advance, delay)
    in_advance = np.asarray(advance, dtype=float) >= np.where(np.isinf(standard), 30, standard)
    diff = np.where(in_advance, 1.0, diff)
    temporal = _temporal(settings, t)
    r = settings.round
    area = np.asarray(area_ha, dtype=float)
    units = r(r(r(r(r(area * d) * c) * s) * temporal) * diff)
    return r(units * srm)


def uk_enhanced_units(
    area_ha: Numbers,
    distinctiveness_before: Labels,
    condition_before: Labels,
    distinctiveness: Labels,
    condition: Labels,
    strategic: Labels,
    standard_years: TimesToTarget,
    difficulty: Labels,
    card: Card | str = DEFAULT_CARD,
    *,
    spatial_risk: Labels | None = None,
) -> np.ndarray:
    """Enhanced area habitat units ((A·D·C − A·D₀·C₀*) × Diff × T + A·D₀·C₀*) × S [habitat units].

    ``C₀* = min(C₀, C)``: if the condition falls, the baseline term uses the
    proposed condition. ``standard_years`` is the enhancement time to target
    [yr] or "30+" (from the "Lower Distinctiveness Habitat" row when the
    enhancement moves the parcel to a higher distinctiveness).

    Raises
    ------
    ValueError
        Where a time to target is "Not Possible" (the metric allows no such
        enhancement).
    """
    settings = _settings(card)
    problems = ProblemCollector()
    d0 = _lookup(distinctiveness_before, settings.distinctiveness, "band_before", problems)
    c0 = _lookup(condition_before, settings.condition, "condition_before", problems)
    d = _lookup(distinctiveness, settings.distinctiveness, "distinctiveness", problems)
    c = _lookup(condition, settings.condition, "condition", problems)
    s = _strategic(settings, strategic, problems)
    diff = _lookup(difficulty, settings.difficulty, "difficulty", problems)
    srm = (
        1.0
        if spatial_risk is None
        else _lookup(spatial_risk, settings.spatial, "spatial_risk", problems)
    )
    problems.raise_if_any("UK metric enhancement inputs")
    standard = _times_to_target(standard_years)
    if np.isnan(standard).any():
        raise ValueError("an enhancement whose time to target is 'Not Possible' cannot be entered")
    temporal = _temporal(settings, standard)
    r = settings.round
    area = np.asarray(area_ha, dtype=float)
    c0_star = np.minimum(c0, c)
    post = r(r(area * d) * c)
    base = r(r(area * d0) * c0_star)
    units = r(r(r(r(r(post - base) * diff) * temporal) + base) * s)
    return r(units * srm)


def uk_trading_summary(habitats: pd.DataFrame) -> pd.DataFrame:
    """Trading rules by distinctiveness band (surpluses flow down, deficits never up).

    Parameters
    ----------
    habitats
        One row per habitat type with columns ``habitat``, ``broad_habitat``,
        ``band`` (Very High … Very Low), ``baseline_units`` and ``post_units``
        (retained + created + enhanced).

    Returns
    -------
    pandas.DataFrame
        Indexed by band: ``surplus`` (Σ positive net changes), ``deficit``
        (Σ negative), ``net``, ``available_below`` (surplus this band passes
        down) and ``satisfied``.

    Notes
    -----
    Very High and High need the same habitat: every habitat of the band must
    have net ≥ 0, and no other band can help. Medium is netted per broad
    habitat; its deficits may draw on Very High and High surpluses. Low (same
    distinctiveness or better) is satisfied when the Low net change plus what
    the higher bands pass down is ≥ 0 (Defra's *cumulative availability*).
    """
    net = habitats["post_units"].astype(float) - habitats["baseline_units"].astype(float)
    frame = habitats.assign(net=net, band=habitats["band"].map(lambda b: _key(b).title()))
    per_habitat = frame.groupby(["band", "broad_habitat", "habitat"], sort=False)["net"].sum()

    def band(name: str) -> pd.Series:
        return per_habitat[per_habitat.index.get_level_values("band") == name]

    rows: dict[str, dict[str, float | bool]] = {}
    for name in ("Very High", "High"):
        values = band(name)
        rows[name] = {
            "surplus": float(values[values > 0].sum()),
            "deficit": float(values[values < 0].sum()),
            "net": float(values.sum()),
            "satisfied": bool((values >= 0).all()),
        }
    higher = rows["Very High"]["surplus"] + rows["High"]["surplus"]
    medium = band("Medium").groupby(level="broad_habitat").sum()
    medium_deficit = float(medium[medium < 0].sum())
    medium_surplus = float(medium[medium > 0].sum())
    rows["Medium"] = {
        "surplus": medium_surplus,
        "deficit": medium_deficit,
        "net": float(medium.sum()),
        "satisfied": higher + medium_deficit >= 0,
    }
    passed_down = max(higher + medium_deficit, 0.0) + medium_surplus
    low = band("Low")
    low_net = float(low.sum())
    rows["Low"] = {
        "surplus": float(low[low > 0].sum()),
        "deficit": float(low[low < 0].sum()),
        "net": low_net,
        "satisfied": passed_down + low_net >= 0,
    }
    very_low = band("Very Low")
    rows["Very Low"] = {
        "surplus": float(very_low[very_low > 0].sum()),
        "deficit": float(very_low[very_low < 0].sum()),
        "net": float(very_low.sum()),
        "satisfied": True,
    }
    result = pd.DataFrame.from_dict(rows, orient="index")
    result.index.name = "band"
    result["available_below"] = [
        rows["Very High"]["surplus"],
        rows["High"]["surplus"],
        passed_down,
        max(passed_down + low_net, 0.0),
        0.0,
    ]
    result["cumulative"] = [np.nan, np.nan, higher + medium_deficit, passed_down + low_net, np.nan]
    return result[["surplus", "deficit", "net", "available_below", "cumulative", "satisfied"]]


@dataclass(frozen=True)
class UkMetricUnits(Result):
    """Area habitat units per row, totals, net gain and trading summary.

    Attributes
    ----------
    table
        Per input row (index ``id``): ``action``, ``habitat``, ``area_ha``,
        ``units`` (before spatial risk), ``units_delivered`` (after spatial
        risk), ``counts_in`` (``baseline``, ``post`` or ``both``).
    baseline_units, post_units
        Totals [habitat units].
    trading
        :func:`uk_trading_summary` of the rows.
    net_gain_target
        Required relative gain (0.10 = 10 %).
    provenance
        Card, input hash and the three precision settings.
    """

    table: pd.DataFrame
    baseline_units: float
    post_units: float
    trading: pd.DataFrame
    net_gain_target: float
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def net_change(self) -> float:
        """Relative change of units (post / baseline − 1); NaN without a baseline."""
        return self.post_units / self.baseline_units - 1 if self.baseline_units else float("nan")

    @property
    def required_units(self) -> float:
        """Baseline × (1 + target): units needed for the net-gain requirement."""
        return self.baseline_units * (1 + self.net_gain_target)

    @property
    def shortfall(self) -> float:
        """Units missing for the net-gain requirement (0 when met)."""
        return max(self.required_units - self.post_units, 0.0)

    @property
    def statutory_credits(self) -> float:
        """Statutory credits to buy for the shortfall (the sheet doubles each shortfall)."""
        return 2.0 * self.shortfall

    def to_frame(self) -> pd.DataFrame:
        """Per-row table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """Totals, net gain against the target, the trading summary and the units per row."""
        trading = self.trading
        bands = pd.DataFrame(
            {
                "uk_band": [Term(_band_key(b), str(b)) for b in trading.index],
                **{
                    f"uk_{c}": trading[c].to_numpy(dtype=float)
                    for c in ("surplus", "deficit", "net")
                },
                "uk_satisfied": [bool(v) for v in trading["satisfied"]],
            }
        )
        table = self.table
        rows = pd.DataFrame(
            {
                "metric_row": [str(i) for i in table.index],
                "uk_action": [Term(f"uk_action_{a}", str(a)) for a in table["action"]],
                "uk_habitat": [str(h) for h in table["habitat"]],
                "area_ha": table["area_ha"].to_numpy(dtype=float),
                "uk_units": table["units"].to_numpy(dtype=float),
                "uk_units_delivered": table["units_delivered"].to_numpy(dtype=float),
            }
        )
        options = self.provenance.options
        temporal = str(options.get("temporal_precision"))
        strategic = str(options.get("strategic_significance"))
        title = Message.of(
            "sum_uk_metric", "note", temporal=Term(f"uk_temporal_{temporal}", temporal),
            strategic=Term(f"uk_strategic_{strategic}", strategic),
            baseline=self.baseline_units, post=self.post_units, change=self.net_change,
            target=self.net_gain_target, shortfall=self.shortfall,
            card=card_label(self.provenance),
        )  # fmt: skip
        four = ["uk_surplus", "uk_deficit", "uk_net", "uk_units", "uk_units_delivered"]
        return Summary(
            title,
            (
                SummaryTable("uk_trading", "uk_trading_table", bands, dict.fromkeys(four[:3], 4)),
                SummaryTable("uk_rows", "uk_rows_table", rows, dict.fromkeys(four[3:], 4)),
            ),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Baseline, required (baseline + net-gain target) and post-intervention units."""
        ax = axes(ax)
        labels = ["baseline", f"required (+{self.net_gain_target:.0%})", "post"]
        values = [self.baseline_units, self.required_units, self.post_units]
        met = self.post_units >= self.required_units
        ax.bar(labels, values, color=["tab:grey", "tab:blue", "tab:green" if met else "tab:red"])
        ax.set_ylabel("habitat units")
        ax.set_title(f"UK statutory metric: net change {self.net_change:+.2%}")
        return ax


def _band_key(band: object) -> str:
    """The string key of a distinctiveness band (``Very High`` → ``uk_band_very_high``)."""
    return "uk_band_" + str(band).lower().replace(" ", "_")


def _check_rows(
    frame: pd.DataFrame, action: np.ndarray, settings: _Settings, problems: ProblemCollector
) -> None:
    """Every label, time to target and advance/delay of the table, row by row, at once."""
    everywhere = np.ones(len(frame), dtype=bool)
    gaining = np.isin(action, ("created", "enhanced"))
    enhanced = action == "enhanced"
    labels = (
        ("band", settings.distinctiveness, everywhere),
        ("condition", settings.condition, everywhere),
        ("strategic", settings.strategic, everywhere),
        ("difficulty", settings.difficulty, gaining),
        ("band_before", settings.distinctiveness, enhanced),
        ("condition_before", settings.condition, enhanced),
        ("spatial_risk", settings.spatial, gaining),
    )
    for name, known, needed in labels:
        if name not in frame.columns:
            if name != "spatial_risk" and needed.any():
                problems.add(
                    Problem(
                        reason="required column missing", column=name,
                        fix="see the measure_uk_metric docstring",
                    )
                )  # fmt: skip
            continue
        unknown = needed & ~frame[name].map(_key).isin(list(known)).to_numpy()
        problems.add_rows(
            unknown, column=name, values=frame[name],
            reason=f"unknown label; known: {sorted(known)}", fix="use the metric's labels",
        )  # fmt: skip
    if "years" not in frame.columns:
        if gaining.any():
            problems.add(
                Problem(
                    reason="required for created and enhanced rows", column="years",
                    fix="give the standard years to target condition",
                )
            )  # fmt: skip
        return
    keys = frame["years"].map(lambda value: _key(value).rstrip(" ▲")).to_numpy()
    labelled = np.isin(keys, [_OVER_30, _NOT_POSSIBLE])
    years = pd.to_numeric(frame["years"].where(~labelled), errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        gaining & ~labelled & ~((years >= 0) & (years == np.round(years))), column="years",
        values=frame["years"], reason="years to target must be a whole number ≥ 0, '30+' or "
        "'Not Possible'", fix="give the standard years to target condition",
    )  # fmt: skip
    problems.add_rows(
        enhanced & (keys == _NOT_POSSIBLE), column="years", values=frame["years"],
        reason="the metric allows no enhancement whose time to target is 'Not Possible'",
        fix="enter the parcel as created habitat, or choose a feasible target condition",
    )  # fmt: skip
    if "advance" in frame.columns and "delay" in frame.columns:
        advance = pd.to_numeric(frame["advance"], errors="coerce").fillna(0.0).to_numpy()
        delay = pd.to_numeric(frame["delay"], errors="coerce").fillna(0.0).to_numpy()
        problems.add_rows(
            gaining & (advance != 0) & (delay != 0), column="advance", values=frame["advance"],
            reason="habitat creation cannot be both in advance and delayed",
            fix="keep advance or delay, not both",
        )  # fmt: skip


def measure_uk_metric(table: pd.DataFrame, card: Card | str = DEFAULT_CARD) -> UkMetricUnits:
    """Area habitat units of baseline, retained, created and enhanced habitat.

    The ``uk-biodiversity-metric`` method runs this (:mod:`wetval.quota.methods`).

    Parameters
    ----------
    table
        One row per habitat parcel with ``id``, ``action`` (baseline /
        retained / created / enhanced), ``habitat``, ``broad_habitat``,
        ``area_ha``, ``band``, ``condition``, ``strategic``; for created and
        enhanced rows ``years`` (standard time to target) and ``difficulty``;
        for enhanced rows ``band_before`` and ``condition_before``; optional
        ``advance`` and ``delay`` (creation) and ``spatial_risk``. A baseline
        row counts in the baseline only (lost or enhanced habitat), a retained
        row in both, created and enhanced rows in the post-intervention total.

    Returns
    -------
    UkMetricUnits
    """
    card = resolve_card(card, "credit-metric")
    settings = _Settings(card)
    frame = table.set_index("id") if "id" in table.columns else table
    problems = ProblemCollector(row_labels=frame.index)
    action = frame["action"].astype("object").to_numpy()
    problems.add_rows(
        ~pd.Series(action).isin(_ACTIONS).to_numpy(), column="action", values=action,
        reason=f"action not one of {', '.join(_ACTIONS)}",
        fix="baseline (lost or enhanced), retained, created or enhanced",
    )  # fmt: skip
    area = pd.to_numeric(frame["area_ha"], errors="coerce").to_numpy(dtype=float)
    problems.add_rows(
        ~(area > 0), column="area_ha", values=frame["area_ha"], reason="area must be > 0",
        fix="give the parcel's area in hectares",
    )  # fmt: skip
    _check_rows(frame, action, settings, problems)
    problems.raise_if_any("UK metric table")

    units = np.zeros(len(frame))
    delivered = np.zeros(len(frame))
    column: Callable[[str, Any], np.ndarray] = lambda name, default: (  # noqa: E731
        frame[name].to_numpy() if name in frame.columns else np.full(len(frame), default)
    )
    srm = pd.Series(column("spatial_risk", "within")).map(_key).map(settings.spatial)
    srm_values = srm.to_numpy(dtype=float)
    for kind in _ACTIONS:
        rows = np.flatnonzero(action == kind)
        if rows.size == 0:
            continue
        part = frame.iloc[rows]
        if kind in ("baseline", "retained"):
            values = uk_baseline_units(
                area[rows], part["band"], part["condition"], part["strategic"], card
            )
            units[rows] = values
            delivered[rows] = values
            continue
        years = part["years"].to_numpy()
        if kind == "created":
            base = uk_created_units(
                area[rows], part["band"], part["condition"], part["strategic"], years,
                part["difficulty"], card,
                advance=column("advance", 0.0)[rows].astype(float),
                delay=column("delay", 0.0)[rows].astype(float),
            )  # fmt: skip
        else:
            base = uk_enhanced_units(
                area[rows], part["band_before"], part["condition_before"], part["band"],
                part["condition"], part["strategic"], years, part["difficulty"], card,
            )  # fmt: skip
        units[rows] = base
        delivered[rows] = settings.round(base * srm_values[rows])
    counts_in = np.select(
        [action == "baseline", action == "retained"], ["baseline", "both"], default="post"
    )
    result = pd.DataFrame(
        {
            "action": action,
            "habitat": frame["habitat"].to_numpy(),
            "broad_habitat": frame["broad_habitat"].to_numpy(),
            "band": frame["band"].to_numpy(),
            "area_ha": area,
            "units": units,
            "units_delivered": delivered,
            "counts_in": counts_in,
        },
        index=pd.Index(frame.index, name="id"),
    )
    in_baseline = np.isin(counts_in, ["baseline", "both"])
    in_post = np.isin(counts_in, ["post", "both"])
    per_habitat = pd.DataFrame(
        {
            "habitat": result["habitat"],
            "broad_habitat": result["broad_habitat"],
            "band": result["band"],
            "baseline_units": np.where(in_baseline, units, 0.0),
            "post_units": np.where(in_post, delivered, 0.0),
        }
    )
    grouped = per_habitat.groupby(["habitat", "broad_habitat", "band"], as_index=False).sum()
    return UkMetricUnits(
        table=result,
        baseline_units=float(units[in_baseline].sum()),
        post_units=float(delivered[in_post].sum()),
        trading=uk_trading_summary(grouped),
        net_gain_target=float(card.option("net_gain_target", 0.1)),
        provenance=Provenance(
            method="uk-biodiversity-metric",
            cards=(card.ref,),
            inputs={"table": frame_hash(frame)},
            options={
                "temporal_precision": card.option("temporal_precision", "full"),
                "strategic_significance": card.option("strategic_significance", "applied"),
                "significant_figures": card.option("significant_figures", 15),
            },
        ),
    )


#: The old name, kept for one release (deprecated): one verb, "measure", per metric.
__getattr__ = forward(__name__, {"uk_metric_units": f"{__name__}:measure_uk_metric"})
