"""Whole-table statistics of a condition card, reduced over partitions.

Some condition cards score a parcel against the whole table it is scored
with: entropy and CRITIC weights are estimated from every parcel's item
scores, TOPSIS measures distances to the table's ideal and anti-ideal points
(and vector-normalises by the table's column norms), and the
``impute_median`` policy fills a missing value with the median of the
parcel's land class over the table. :class:`TableStatistics` holds exactly
these numbers; :func:`wetval.condition.score` uses them instead of
estimating them from the table it is given (``statistics=``), so a partition
scored with the statistics of the whole table gets the scores of the
in-memory run.

The statistics are computed from partial results that combine
associatively (counts, minima, maxima, value counts and lists of partial
sums added once, exactly rounded, with :func:`math.fsum`), in up to three
passes over the partitions, each pass needing the result of the one before:

1. ``"medians"`` (only under ``impute_median``): value counts per land class
   and indicator → the land-class medians;
2. ``"moments"``: per item the count, minimum and maximum of the present
   scores and their sum of squares (TOPSIS), and the co-moments of the
   complete rows (CRITIC);
3. ``"entropy"`` (only for entropy weights): per item Σz′ and Σz′·ln z′ of
   the scores min–max normalised with the minima and maxima of pass 2.

::

    stats = StatisticsBuilder(card)
    while stats.needs():
        stats.add(*[stats.partial(indicators_k, parcels_k) for k in partitions])
    result_k = score(indicators_k, card, parcels=parcels_k, statistics=stats.result())

:meth:`TableStatistics.of` does the same over one table. Entropy sums over
partitions differ from one long sum in the last bits: the weights agree with
the in-memory estimate to about 1e-15 relative, and the condition index,
which the engine rounds to 12 decimals, to within one unit of the 12th
decimal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wetval.cards import Card
from wetval.condition.aggregate import topsis_against
from wetval.condition.body import ConditionBody
from wetval.condition.scheme import ConditionScheme
from wetval.errors import Problem, ValidationError, WetvalError
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["StatisticsBuilder", "StatisticsPartial", "TableStatistics"]

#: The passes, in order.
PASSES = ("medians", "moments", "entropy")


@dataclass(frozen=True)
class TableStatistics:
    """What a condition card estimates from the whole table it scores.

    Attributes
    ----------
    card_id
        The condition card the statistics belong to.
    items
        Item ids, in the card's order.
    parcels
        Number of parcels (indicator rows) of the table [parcels].
    objective
        Entropy or CRITIC weights of the items (summing to 1), or ``None``
        when the card's weights do not come from the data.
    topsis_norm
        Per item sqrt(Σ z²) over the present scores (TOPSIS vector
        normalisation), or ``None`` without TOPSIS.
    topsis_high, topsis_low
        Per item the largest and smallest present score (NaN for an item no
        parcel has); the ideal and anti-ideal points are these times w / norm.
    medians
        Under ``impute_median``: per indicator, the median of each land class
        (a Series indexed by land class), else ``None``.
    """

    card_id: str
    items: tuple[str, ...]
    parcels: int
    objective: pd.Series | None = None
    topsis_norm: np.ndarray | None = None
    topsis_high: np.ndarray | None = None
    topsis_low: np.ndarray | None = None
    medians: dict[str, pd.Series] | None = None

    @classmethod
    def of(
        cls, indicators: IndicatorTable, card: Card, parcels: ParcelTable | None = None
    ) -> TableStatistics:
        """The statistics of one table (the reduction over a single partition)."""
        builder = StatisticsBuilder(card)
        while builder.needs():
            builder.add(builder.partial(indicators, parcels))
        return builder.result()

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for hashing and records); floats as their exact hex text."""

        def exact(values: Any) -> list[str] | None:
            if values is None:
                return None
            return [float(v).hex() for v in np.asarray(values, dtype=float)]

        return {
            "card_id": self.card_id,
            "items": list(self.items),
            "parcels": self.parcels,
            "objective": exact(self.objective),
            "topsis_norm": exact(self.topsis_norm),
            "topsis_high": exact(self.topsis_high),
            "topsis_low": exact(self.topsis_low),
            "medians": None
            if self.medians is None
            else {
                name: dict(zip(map(str, series.index), exact(series) or [], strict=True))
                for name, series in self.medians.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableStatistics:
        """The statistics :meth:`to_dict` wrote, bit for bit (floats are read from hex)."""

        def exact(values: list[str] | None) -> np.ndarray | None:
            if values is None:
                return None
            return np.array([float.fromhex(v) for v in values], dtype=float)

        items = tuple(str(i) for i in data["items"])
        objective = exact(data["objective"])
        medians = data["medians"]
        return cls(
            card_id=str(data["card_id"]),
            items=items,
            parcels=int(data["parcels"]),
            objective=None
            if objective is None
            else pd.Series(objective, index=list(items), name="weight"),
            topsis_norm=exact(data["topsis_norm"]),
            topsis_high=exact(data["topsis_high"]),
            topsis_low=exact(data["topsis_low"]),
            medians=None
            if medians is None
            else {
                name: pd.Series(
                    {str(k): float.fromhex(v) for k, v in by_class.items()}, dtype=float
                )
                for name, by_class in medians.items()
            },
        )

    def check(self, scheme: ConditionScheme) -> None:
        """Refuse statistics of another card or other items."""
        items = tuple(i.id for i in scheme.items)
        if self.card_id != scheme.card.id or self.items != items:
            raise WetvalError(
                f"the table statistics are of card {self.card_id!r} (items {list(self.items)}), "
                f"not of card {scheme.card.id!r} (items {list(items)}); fix: compute them with "
                "the card you score with (TableStatistics.of or StatisticsBuilder)"
            )

    def impute(
        self, raw: dict[str, np.ndarray], land_class: pd.Categorical[str]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Fill missing values with the whole table's land-class medians."""
        assert self.medians is not None
        codes = np.asarray(land_class.codes)
        n_classes = len(land_class.categories)
        filled, imputed = {}, {}
        for name, values in raw.items():
            medians = self.medians[name].reindex(pd.Index(land_class.categories, dtype=object))
            lookup = np.append(medians.to_numpy(dtype=float), np.nan)
            candidate = lookup[np.where(codes >= 0, codes, n_classes)]
            missing = np.isnan(values)
            imputed[name] = missing & ~np.isnan(candidate)
            filled[name] = np.where(missing, candidate, values)
        return filled, imputed

    def topsis(self, zt: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """TOPSIS closeness (vector normalisation, Euclidean) against the table's points.

        :func:`wetval.condition.aggregate.topsis_against` with the column norms,
        maxima and minima of the whole table, so given the one-table statistics
        the result is bit for bit the in-memory one.
        """
        assert self.topsis_norm is not None
        assert self.topsis_high is not None and self.topsis_low is not None
        return topsis_against(zt, weights, self.topsis_norm, self.topsis_high, self.topsis_low)


@dataclass(frozen=True)
class StatisticsPartial:
    """One partition's contribution to one pass; partials of a pass combine associatively.

    Attributes
    ----------
    stage
        The pass (one of ``"medians"``, ``"moments"``, ``"entropy"``).
    values
        The pass's partial numbers (counts, minima, maxima, value counts, lists
        of partial sums); see :meth:`combine`.
    """

    stage: str
    values: dict[str, Any] = field(default_factory=dict)

    def combine(self, other: StatisticsPartial) -> StatisticsPartial:
        """The partial of both partitions (order does not matter)."""
        if other.stage != self.stage:
            raise ValueError(f"cannot combine a {self.stage!r} and a {other.stage!r} partial")
        a, b = self.values, other.values
        out: dict[str, Any] = {}
        for key in a:
            x, y = a[key], b[key]
            if key.startswith("sums_") or key == "critic":
                out[key] = x + y  # tuples of partial sums / per-partition moments
            elif key.startswith("max"):
                out[key] = np.fmax(x, y)
            elif key.startswith("min"):
                out[key] = np.fmin(x, y)
            elif key == "counts":  # value counts per indicator: Series (land class, value)
                out[key] = {
                    name: pd.concat([x[name], y[name]]).groupby(level=[0, 1]).sum() for name in x
                }
            else:  # integer counts
                out[key] = x + y
        return StatisticsPartial(self.stage, out)


def _fsum(parts: tuple[np.ndarray, ...], width: int) -> np.ndarray:
    """Exactly rounded sum of per-partition arrays (any order gives the same bits)."""
    if not parts:
        return np.zeros(width)
    stacked = np.vstack(parts)
    return np.array([math.fsum(stacked[:, j]) for j in range(width)])


class StatisticsBuilder:
    """Reduce a card's :class:`TableStatistics` over partitions, pass by pass.

    Parameters
    ----------
    card
        The condition card.
    """

    def __init__(self, card: Card) -> None:
        from wetval.indicators import CATALOGUE

        self.card = card
        self.scheme = ConditionScheme.from_card(card, CATALOGUE)
        options = ConditionBody.of(card).options
        self.topsis = options.aggregation == "topsis"
        objective = self.scheme.weighting
        if objective == "combined":
            assert options.combine is not None
            objective = options.combine.objective
        self.objective = objective if objective in ("entropy", "critic") else None
        self.items = tuple(i.id for i in self.scheme.items)
        self._todo = [
            stage
            for stage, wanted in (
                ("medians", self.scheme.missing == "impute_median"),
                ("moments", self.topsis or self.objective is not None),
                ("entropy", self.objective == "entropy"),
            )
            if wanted
        ]
        self._done: dict[str, StatisticsPartial] = {}
        self._median_statistics: TableStatistics | None = None
        #: Whether the card estimates anything from the whole table.
        self.needed = bool(self._todo)

    def needs(self) -> str | None:
        """The next pass, or ``None`` when :meth:`result` is ready."""
        return self._todo[0] if self._todo else None

    def add(self, *partials: StatisticsPartial) -> None:
        """Finish the current pass with the partials of every partition."""
        stage = self.needs()
        if stage is None:
            raise ValueError("every pass is done; call result()")
        if not partials:
            raise ValueError(f"pass {stage!r} needs the partials of at least one partition")
        total = partials[0]
        for other in partials[1:]:
            total = total.combine(other)
        if total.stage != stage:
            raise ValueError(f"expected {stage!r} partials, got {total.stage!r}")
        self._done[stage] = total
        self._todo.pop(0)

    # -- per partition ------------------------------------------------------------

    def _scores(self, indicators: IndicatorTable, parcels: ParcelTable | None) -> np.ndarray:
        """Item scores (items × parcels) as the engine computes them."""
        table = indicators.aligned(parcels) if parcels is not None else indicators
        n = len(table.ids)
        present_columns = set(table.indicator_ids)
        raw = {
            i: (table.values(i) if i in present_columns else np.full(n, np.nan))
            for i in self.scheme.indicator_ids
        }
        if self.scheme.missing == "impute_median":
            assert parcels is not None
            raw, _ = self._medians().impute(raw, pd.Categorical(parcels.to_frame()["land_class"]))
        if not self.scheme.items:
            return np.zeros((0, n))
        return np.vstack(
            [
                item.normalise([raw[i] for i in item.indicators], indicators.catalogue)
                for item in self.scheme.items
            ]
        )

    def partial(
        self, indicators: IndicatorTable, parcels: ParcelTable | None = None
    ) -> StatisticsPartial:
        """The partial of the current pass over this partition."""
        stage = self.needs()
        if stage is None:
            raise ValueError("every pass is done; call result()")
        if stage == "medians":
            if parcels is None:
                raise ValidationError(
                    [
                        Problem(
                            reason=f"card {self.card.id!r} imputes missing values by land-class "
                            "median, which needs the parcels' land classes",
                            fix="pass the parcel table",
                        )
                    ],
                    what="table statistics",
                )
            table = indicators.aligned(parcels)
            land = parcels.to_frame()["land_class"].astype(object).to_numpy()
            counts = {}
            for name in self.scheme.indicator_ids:
                column = (
                    table.values(name)
                    if name in set(table.indicator_ids)
                    else np.full(len(land), np.nan)
                )
                keep = ~np.isnan(column) & pd.notna(land)
                frame = pd.DataFrame({"land_class": land[keep], "value": column[keep]})
                counts[name] = frame.groupby(["land_class", "value"]).size()
            return StatisticsPartial("medians", {"counts": counts})
        zt = self._scores(indicators, parcels)
        width = zt.shape[0]
        if stage == "moments":
            present = ~np.isnan(zt)
            with np.errstate(invalid="ignore"):
                values: dict[str, Any] = {
                    "rows": zt.shape[1],
                    "count": present.sum(axis=1),
                    "max": np.where(
                        present.any(axis=1), np.nanmax(zt, axis=1, initial=-np.inf), np.nan
                    ),
                    "min": np.where(
                        present.any(axis=1), np.nanmin(zt, axis=1, initial=np.inf), np.nan
                    ),
                    "sums_square": (np.nansum(zt * zt, axis=1),),
                }
            complete = zt[:, present.all(axis=0)]
            m = complete.shape[1]
            values["max_complete"] = complete.max(axis=1) if m else np.full(width, np.nan)
            values["min_complete"] = complete.min(axis=1) if m else np.full(width, np.nan)
            if m:
                mean = complete.mean(axis=1)
                centred = complete - mean[:, None]
                values["critic"] = ((m, mean, centred @ centred.T),)
            else:
                values["critic"] = ()
            return StatisticsPartial("moments", values)
        moments = self._done["moments"].values
        low, high = moments["min"], moments["max"]
        span = high - low
        safe = np.where(span > 0, span, 1.0)
        shifted = (zt - low[:, None]) / safe[:, None]  # as _minmax_columns
        shifted[span == 0] = np.where(np.isnan(zt[span == 0]), np.nan, 0.0)
        positive = np.where(shifted > 0, shifted, 1.0)  # NaN > 0 is False
        with np.errstate(invalid="ignore", divide="ignore"):
            return StatisticsPartial(
                "entropy",
                {
                    "sums_z": (np.nansum(shifted, axis=1),),
                    "sums_zlogz": (
                        np.nansum(np.where(shifted > 0, shifted * np.log(positive), 0.0), axis=1),
                    ),
                },
            )

    # -- finishing ------------------------------------------------------------------

    def _medians(self) -> TableStatistics:
        if self._median_statistics is not None:
            return self._median_statistics
        counts = self._done["medians"].values["counts"]
        medians = {}
        for name, series in counts.items():
            out = {}
            for land_class, group in series.groupby(level=0, sort=False):
                values = group.index.get_level_values(1).to_numpy(dtype=float)
                order = np.argsort(values, kind="stable")
                values, weight = values[order], group.to_numpy()[order]
                total = int(weight.sum())
                cumulative = np.cumsum(weight)
                upper = values[np.searchsorted(cumulative, total // 2 + 1)]
                if total % 2:
                    out[land_class] = upper
                else:
                    lower = values[np.searchsorted(cumulative, total // 2)]
                    out[land_class] = (lower + upper) / 2
            medians[name] = pd.Series(out, dtype=float)
        self._median_statistics = TableStatistics(self.card.id, self.items, 0, medians=medians)
        return self._median_statistics

    def result(self) -> TableStatistics:
        """The reduced statistics (every pass done)."""
        if self._todo:
            raise ValueError(f"pass {self._todo[0]!r} is not done yet")
        medians = self._medians().medians if "medians" in self._done else None
        if "moments" not in self._done:
            return TableStatistics(self.card.id, self.items, 0, medians=medians)
        moments = self._done["moments"].values
        width = len(self.items)
        parcels = int(moments["rows"])
        norm = np.sqrt(_fsum(moments["sums_square"], width))
        objective = None
        if self.objective == "entropy":
            objective = self._entropy(moments)
        elif self.objective == "critic":
            objective = self._critic(moments)
        return TableStatistics(
            self.card.id,
            self.items,
            parcels,
            objective=objective,
            topsis_norm=norm if self.topsis else None,
            topsis_high=moments["max"] if self.topsis else None,
            topsis_low=moments["min"] if self.topsis else None,
            medians=medians,
        )

    def _entropy(self, moments: dict[str, Any]) -> pd.Series:
        count = moments["count"]
        problems = [
            Problem(
                reason="fewer than two values: no spread to weigh",
                column=item,
                value=int(count[k]),
                fix="add observations or drop the indicator",
            )
            for k, item in enumerate(self.items)
            if count[k] < 2
        ]
        if problems:
            raise ValidationError(problems, what="entropy weights input")
        sums = self._done["entropy"].values
        total = _fsum(sums["sums_z"], len(self.items))
        zlogz = _fsum(sums["sums_zlogz"], len(self.items))
        # Σ p ln p with p = z / T over z > 0 is Σ z ln z / T − ln T
        entropy = np.ones(len(self.items))
        positive = total > 0
        entropy[positive] = -(zlogz[positive] / total[positive] - np.log(total[positive])) / np.log(
            count[positive]
        )
        divergence = np.clip(1.0 - entropy, 0.0, None)
        if divergence.sum() <= 0:
            raise ValidationError(
                [Problem(reason="every column is constant: entropy weights are undefined")],
                what="entropy weights input",
            )
        return pd.Series(divergence / divergence.sum(), index=list(self.items), name="weight")

    def _critic(self, moments: dict[str, Any]) -> pd.Series:
        parts = moments["critic"]
        n = sum(p[0] for p in parts)
        if n < 3:
            raise ValidationError(
                [Problem(reason=f"only {n} complete rows; CRITIC needs at least 3")],
                what="CRITIC weights input",
            )
        # Chan, Golub & LeVeque (1979): merge counts, means and co-moments pairwise
        count, mean, comoment = parts[0]
        for m, mean_b, comoment_b in parts[1:]:
            delta = mean_b - mean
            total = count + m
            comoment = comoment + comoment_b + np.outer(delta, delta) * (count * m / total)
            mean = mean + delta * (m / total)
            count = total
        span = moments["max_complete"] - moments["min_complete"]
        safe = np.where(span > 0, span, 1.0)
        variance = np.diag(comoment) / (count - 1)
        sigma = np.where(span > 0, np.sqrt(np.clip(variance, 0.0, None)) / safe, 0.0)
        scale = np.sqrt(np.clip(np.diag(comoment), 0.0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            correlation = np.clip(comoment / scale[:, None] / scale[None, :], -1.0, 1.0)
        constant = span == 0
        correlation[constant, :] = 0.0
        correlation[:, constant] = 0.0
        correlation = np.nan_to_num(correlation, nan=0.0)
        information = sigma * (1.0 - correlation).sum(axis=1)
        if information.sum() <= 0:
            raise ValidationError(
                [Problem(reason="every column is constant: CRITIC weights are undefined")],
                what="CRITIC weights input",
            )
        return pd.Series(information / information.sum(), index=list(self.items), name="weight")
