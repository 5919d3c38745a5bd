"""Side-by-side comparison of valuation results and per-service combination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from wetval.errors import WetvalError
from wetval.messages import Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable
from wetval.valuation._common import ServiceValues

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CombinedValues", "ValuationComparison", "combine", "compare"]


def _labels(results: Sequence[ServiceValues], labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        if len(labels) != len(results) or len(set(labels)) != len(labels):
            raise ValueError("give one distinct label per result")
        return list(labels)
    names = [r.card_id for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"two results share a card id ({names}); pass labels= to tell them apart")
    return names


def _check_same(results: Sequence[ServiceValues], labels: Sequence[str]) -> None:
    if not results:
        raise ValueError("give at least one ServiceValues result")
    first = results[0]
    for label, result in zip(labels, results, strict=True):
        if result.price_year != first.price_year or result.currency != first.currency:
            raise WetvalError(
                f"results are at different price years ({labels[0]}: {first.price_year}, "
                f"{label}: {result.price_year}); value them with the same price_year= or move "
                "one with .at_price_year()"
            )
        if not result.values.index.equals(first.values.index):
            raise WetvalError(
                f"results {labels[0]} and {label} value different parcels (or a different "
                "order); value the same ParcelTable with each method"
            )


@dataclass(frozen=True)
class ValuationComparison(Result):
    """Several valuations of the same parcels side by side.

    Attributes
    ----------
    by_service
        Rows (method label, service) with ``name_zh``, ``concept`` and
        ``value_cny`` [CNY/yr].
    totals
        Total value per method label [CNY/yr].
    price_year
        Common price year of all values.
    results
        The compared results, by label.
    """

    by_service: pd.DataFrame
    totals: pd.Series
    price_year: int
    results: dict[str, ServiceValues]
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The per-method, per-service table."""
        return self.by_service.copy()

    def by_concept(self) -> pd.DataFrame:
        """Value per common service concept (rows) and method (columns) [CNY/yr]."""
        return self.by_service.pivot_table(
            index="concept", columns="method", values="value_cny", aggfunc="sum", fill_value=0.0
        )

    def summary(self) -> Summary:
        """Values per concept and method, and the totals per method [万元/yr]."""
        table = self.by_concept() / 1e4
        methods = [str(c) for c in table.columns]
        concepts = pd.DataFrame(
            {
                "cmp_concept": [str(c) for c in table.index],
                **{
                    m: table[c].to_numpy(dtype=float)
                    for m, c in zip(methods, table.columns, strict=True)
                },
            }
        )
        totals = pd.DataFrame(
            {
                "method": [str(k) for k in self.totals.index],
                "cmp_total": (self.totals.to_numpy(dtype=float) / 1e4),
            }
        )
        return Summary(
            Message.of("sum_comparison", "note", year=self.price_year),
            (
                SummaryTable("by_concept", "cmp_concept_table", concepts),
                SummaryTable("totals", "cmp_totals_table", totals),
            ),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Grouped bars: value per concept and method [万元/yr]."""
        ax = axes(ax)
        table = self.by_concept() / 1e4
        positions = np.arange(len(table.index))
        width = 0.8 / max(len(table.columns), 1)
        for i, column in enumerate(table.columns):
            ax.barh(positions + i * width, table[column].to_numpy(), height=width, label=column)
        ax.set_yticks(positions + width * (len(table.columns) - 1) / 2, list(table.index))
        ax.set_xlabel(f"value [万元/yr, CNY {self.price_year}]")
        ax.legend()
        return ax

    def combine(self, take: Mapping[str, str]) -> CombinedValues:
        """Combine services of the compared results (see :func:`combine`)."""
        return combine(list(self.results.values()), take, labels=list(self.results))


def compare(
    results: Sequence[ServiceValues], *, labels: Sequence[str] | None = None
) -> ValuationComparison:
    """Put valuations of the same parcels side by side.

    Parameters
    ----------
    results
        :class:`ServiceValues` of the same parcels at the same price year.
    labels
        Names for the results (default: their card ids).

    Returns
    -------
    ValuationComparison
    """
    names = _labels(results, labels)
    _check_same(results, names)
    parts = []
    for label, result in zip(names, results, strict=True):
        totals = result.by_service()
        parts.append(
            pd.DataFrame(
                {
                    "method": label,
                    "service": totals.index,
                    "name_zh": result.services.loc[totals.index, "name_zh"].to_numpy(),
                    "concept": result.services.loc[totals.index, "concept"].to_numpy(),
                    "value_cny": totals.to_numpy(),
                }
            )
        )
    by_service = pd.concat(parts, ignore_index=True)
    totals_series = pd.Series(
        [r.total() for r in results], index=pd.Index(names, name="method"), name="value_cny"
    )
    provenance = Provenance(method="compare").merged(*(r.provenance for r in results))
    return ValuationComparison(
        by_service=by_service,
        totals=totals_series,
        price_year=results[0].price_year,
        results=dict(zip(names, results, strict=True)),
        provenance=provenance.model_copy(update={"method": "compare"}),
    )


@dataclass(frozen=True)
class CombinedValues(ServiceValues):
    """Service values taken from several valuations (:func:`combine`), method ``"combined"``.

    They come from no one card, so they cannot be re-evaluated per Monte Carlo
    draw (:attr:`ServiceValues.reevaluable` is False): the uncertainty chain holds
    them at the run and notes it.
    """

    reevaluable: ClassVar[bool] = False


def combine(
    results: Sequence[ServiceValues],
    take: Mapping[str, str],
    *,
    labels: Sequence[str] | None = None,
) -> CombinedValues:
    """One valuation taking each service from one named method.

    Parameters
    ----------
    results
        :class:`ServiceValues` of the same parcels at the same price year.
    take
        Service → label of the result to take it from, e.g.
        ``{"food": "xie2015", "water_storage": "gep-garze2010"}``.
    labels
        Names for the results (default: their card ids).

    Returns
    -------
    CombinedValues
        Method ``"combined"``; ``services`` gains a ``source`` column.

    Raises
    ------
    WetvalError
        If a label or service is unknown, or two chosen services share a
        concept (they would count the same benefit twice), naming each.
    """
    names = _labels(results, labels)
    _check_same(results, names)
    by_label = dict(zip(names, results, strict=True))
    problems = []
    for service, label in take.items():
        if label not in by_label:
            problems.append(f"{service}: no result labelled {label!r} (labels: {names})")
        elif service not in by_label[label].values.columns:
            problems.append(
                f"{service}: not a service of {label} "
                f"(it has {list(by_label[label].values.columns)})"
            )
    if problems:
        raise WetvalError("cannot combine:\n- " + "\n- ".join(problems))
    services = pd.DataFrame(
        [by_label[label].services.loc[service] for service, label in take.items()],
        index=pd.Index(list(take), name="service"),
    )
    services["source"] = list(take.values())
    concepts = services.groupby("concept")["source"].apply(list)
    clashes = {
        str(concept): [f"{s} ({services.loc[s, 'source']})"
                       for s in services.index[services["concept"] == concept]]
        for concept, sources in concepts.items()
        if len(sources) > 1 or (concept == "total" and len(services) > 1)
    }  # fmt: skip
    if clashes:
        lines = [f"{concept}: {', '.join(found)}" for concept, found in clashes.items()]
        raise WetvalError(
            "these services measure the same benefit and would be counted twice; take each "
            "concept from one method only:\n- " + "\n- ".join(lines)
        )
    values = np.column_stack(
        [by_label[label].values[service].to_numpy() for service, label in take.items()]
    )
    first = results[0]
    used = [by_label[label] for label in dict.fromkeys(take.values())]
    provenance = Provenance(method="combined").merged(
        *(r.provenance for r in used),
        options={"take": dict(take)},
    )
    note = "combined: " + "; ".join(f"{s} from {label}" for s, label in take.items())
    provenance = provenance.model_copy(
        update={"method": "combined", "notes": (note, *provenance.notes)}
    )
    return CombinedValues(
        values=pd.DataFrame(values, index=first.values.index, columns=list(take)),
        services=services,
        parcels=first.parcels.copy(),
        method="combined",
        kind="combined",
        card_id="+".join(dict.fromkeys(take.values())),
        price_year=first.price_year,
        conversion={label: by_label[label].conversion for label in dict.fromkeys(take.values())},
        synthetic=any(r.synthetic for r in used),
        provenance=provenance,
    )
