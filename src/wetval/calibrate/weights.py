"""Indicator weights from experts (group AHP) and from observed data (entropy, CRITIC).

The weighting formulas are those of :mod:`wetval.condition.weights`
(:func:`~wetval.condition.ahp`, :func:`~wetval.condition.group_ahp`,
:func:`~wetval.condition.entropy_weights`, :func:`~wetval.condition.critic_weights`,
:func:`~wetval.condition.combine_weights`); this module adds what a
calibration needs around them: every expert's consistency, the judgements
that disagree most with the weights they imply, and export of the weights
into a condition card.

**Least-consistent judgements.** For a consistent matrix a_ij = w_i / w_j.
Each judgement's deviation is |ln a_ij − ln(w_i / w_j)| with w the expert's
own eigenvector weights (Saaty 2003, *Eur. J. Oper. Res.* 145: 85–91, revises
the judgement with the largest such ratio first); the table lists them
largest first, with the Saaty-scale value nearest to w_i / w_j as the
suggested revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from wetval.cards import Card, load_card
from wetval.condition.weights import (
    CONSISTENCY_LIMIT,
    PairwiseComparison,
    ahp,
    combine_weights,
    critic_weights,
    entropy_weights,
    group_ahp,
)
from wetval.errors import CardError, UnknownCardError
from wetval.hashing import frame_hash
from wetval.indicators import Direction
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CalibratedWeights", "combined_weights", "data_weights", "expert_weights"]

#: Saaty's 1–9 scale and reciprocals.
SAATY_SCALE = np.array([*[1.0 / k for k in range(9, 1, -1)], *range(1, 10)], dtype=float)


@dataclass(frozen=True)
class CalibratedWeights(Result):
    """Indicator (item) weights with how they were derived.

    Attributes
    ----------
    weights
        Weight per item, summing to 1.
    method
        ``"group-ahp"``, ``"entropy"``, ``"critic"`` or ``"combined"``.
    consistency
        Group AHP: per expert and for the aggregated matrix (``group``):
        ``lambda_max``, ``ci``, ``cr``, ``consistent``.
    judgements
        Group AHP: every judgement (expert, row, column, given a_ij, implied
        w_i/w_j, ``deviation`` = |ln a_ij − ln(w_i/w_j)|, nearest Saaty value),
        largest deviation first.
    data_hash
        Hash of the expert matrices or of the observed data.
    random_index_table
        RI table used (AHP).
    provenance
        Method and inputs.
    """

    weights: pd.Series
    method: str
    consistency: pd.DataFrame | None = None
    judgements: pd.DataFrame | None = None
    data_hash: str = ""
    random_index_table: str | None = None
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """The weights as a one-column table."""
        return self.weights.to_frame("weight")

    def least_consistent(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` judgements that deviate most from the weights their expert implies."""
        if self.judgements is None:
            raise ValueError("only AHP weights have judgements")
        return self.judgements.head(n).copy()

    def summary(self) -> Summary:
        """Weights, consistency of each expert and the least-consistent judgements."""
        weights = pd.DataFrame(
            {
                "item_key": [str(k) for k in self.weights.index],
                "weight": self.weights.to_numpy(dtype=float),
            }
        )
        tables = [SummaryTable("weights", "sum_weight_table", weights, {"weight": 4})]
        notes: list[Message] = []
        if self.consistency is not None:
            consistency = pd.DataFrame(
                {
                    "cal_expert": [
                        Term("cal_group_matrix", "group") if str(k) == "group" else str(k)
                        for k in self.consistency.index
                    ],
                    "ahp_lambda_max": self.consistency["lambda_max"].to_numpy(dtype=float),
                    "ahp_cr": self.consistency["cr"].to_numpy(dtype=float),
                    "ahp_consistent": [bool(v) for v in self.consistency["consistent"]],
                }
            )
            digits = {"ahp_lambda_max": 4, "ahp_cr": 4}
            tables.append(SummaryTable("consistency", "cal_consistency_table", consistency, digits))
            notes.append(
                Message.of(
                    "cal_consistency_note", "note",
                    table=str(self.random_index_table), limit=CONSISTENCY_LIMIT,
                )
            )  # fmt: skip
        if self.judgements is not None:
            worst = self.least_consistent()
            judgements = pd.DataFrame(
                {
                    "cal_expert": worst["expert"].astype(str).tolist(),
                    "cal_judgement": [
                        Message.of("cal_pair", "note", row=str(r), column=str(c))
                        for r, c in zip(worst["row"], worst["column"], strict=True)
                    ],
                    **{
                        f"cal_{c}": worst[c].to_numpy(dtype=float)
                        for c in ("given", "implied", "deviation", "suggested")
                    },
                }
            )
            digits = dict.fromkeys(
                ["cal_given", "cal_implied", "cal_deviation", "cal_suggested"], 3
            )
            tables.append(SummaryTable("judgements", "cal_judgements_table", judgements, digits))
        title = Message.of("sum_calibrated_weights", "note", method=self.method)
        return Summary(title, tuple(tables), tuple(notes))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of the weights."""
        ax = axes(ax)
        ax.bar([str(k) for k in self.weights.index], self.weights.to_numpy(dtype=float),
               color="#3b7ea1")  # fmt: skip
        ax.set_ylabel("weight")
        ax.set_title(f"Calibrated weights ({self.method})")
        return ax

    def to_card(
        self,
        base: Card | str,
        *,
        id: str,
        version: str = "1.0.0",
        title: Mapping[str, str] | None = None,
        citation: str,
        created: str | None = None,
    ) -> Card:
        """A condition card: ``base`` with these weights as its card weights.

        Parameters
        ----------
        base
            The condition card whose items the weights are over (every item
            needs a weight).
        id, version
            A new card id or a new version (an installed id@version is refused).
        title
            ``{"zh": ..., "en": ...}`` (default: the base card's with a note).
        citation
            Who judged or what data were weighed.
        created
            Date (default: today).

        Returns
        -------
        Card
            ``options.weights = "card"``, ``options.weight_method`` (how the
            weights were derived) and ``options.data_hash`` (SHA-256 of the
            expert matrices or observed data); for expert (AHP) weights also
            ``options.experts`` (their number) and a table ``fit_statistics``
            with each expert's and the group's ``lambda_max``, ``ci``, ``cr``
            and ``consistent``. In a points card each item's points
            become 100 × weight (rule tables in points are converted to
            0–1 scores first, so the rules keep their shape) and group
            points their items' sum.
        """
        card = base if isinstance(base, Card) else load_card(base)
        try:
            load_card(f"{id}@{version}")
        except UnknownCardError:
            pass
        else:
            raise CardError(f"card {id!r}", [("version", f"{id}@{version} is installed")])
        data: dict[str, Any] = card.model_dump(mode="json", exclude_none=True)
        items_table = data["tables"]["items"]
        columns = list(items_table["columns"])
        items = [str(row[columns.index("item")]) for row in items_table["rows"]]
        missing = [i for i in items if i not in self.weights.index]
        extra = [i for i in self.weights.index if i not in items]
        if missing or extra:
            raise CardError(
                f"card {card.id!r}",
                [
                    (
                        "tables.items",
                        f"weights lack items {missing}; weights for unknown items {extra}",
                    )
                ],
            )
        weights = (self.weights.reindex(items) / self.weights.sum()).to_numpy(dtype=float)
        points = data.get("options", {}).get("scale", "index") == "points"
        old = (
            [float(row[columns.index("weight")]) for row in items_table["rows"]]
            if "weight" in columns
            else [float("nan")] * len(items)
        )
        new = [float(w * 100.0) if points else float(w) for w in weights]
        if "weight" not in columns:
            columns.insert(2, "weight")
            rows = [
                [*row[:2], w, *row[2:]] for row, w in zip(items_table["rows"], new, strict=True)
            ]
        else:
            at = columns.index("weight")
            rows = [
                [*row[:at], w, *row[at + 1 :]]
                for row, w in zip(items_table["rows"], new, strict=True)
            ]
        items_table["columns"], items_table["rows"] = columns, rows
        if points:
            for item, before in zip(items, old, strict=True):
                _points_to_scores(data["tables"].get(f"rule_{item}"), before)
        groups = data["tables"].get("groups")
        if groups is not None and "weight" in groups["columns"]:
            at = groups["columns"].index("weight")
            group_of = dict(zip(items, [row[columns.index("group")] for row in rows], strict=True))
            if points:
                totals = dict.fromkeys(group_of.values(), 0.0)
                for item, value in zip(items, new, strict=True):
                    totals[group_of[item]] += value
                groups["rows"] = [
                    [*row[:at], totals[row[0]], *row[at + 1 :]] for row in groups["rows"]
                ]
            else:
                groups["columns"] = [c for c in groups["columns"] if c != "weight"]
                groups["rows"] = [[*row[:at], *row[at + 1 :]] for row in groups["rows"]]
        options = dict(data.get("options", {}))
        options["weights"] = "card"
        options.pop("combine", None)
        options["weight_method"] = self.method
        options["data_hash"] = self.data_hash
        data["tables"].pop("fit_statistics", None)
        options.pop("experts", None)
        if self.consistency is not None:
            options["experts"] = int((self.consistency.index != "group").sum())
            data["tables"]["fit_statistics"] = {
                "description": "Consistency of each expert's pairwise comparisons and of the "
                f"aggregated (group) matrix; RI table {self.random_index_table}, CR < 0.10 "
                "accepted.",
                "columns": ["expert", "lambda_max", "ci", "cr", "consistent"],
                "rows": [
                    [
                        str(expert),
                        float(row["lambda_max"]),
                        float(row["ci"]),
                        float(row["cr"]),
                        bool(row["consistent"]),
                    ]
                    for expert, row in self.consistency.iterrows()
                ],
                "source": "calibration",
            }
        data["options"] = options
        date = created or dt.date.today().isoformat()
        data["id"], data["version"], data["created"] = id, version, date
        if title is not None:
            data["title"] = dict(title)
        data["sources"] = [
            *data.get("sources", []),
            {
                "key": "calibration",
                "citation": citation,
                "verified": True,
                "note": f"weights by {self.method} with wetval.calibrate on {date}; input SHA-256 "
                f"{self.data_hash}",
            },
        ]
        items_table["source"] = "calibration"
        items_table["verified"] = True
        data["assumptions"] = [
            a for a in data.get("assumptions", []) if "weight" not in str(a.get("key", ""))
        ]
        return Card.from_mapping(data)


def _points_to_scores(table: dict[str, Any] | None, item_points: float) -> None:
    """Turn a rule table's ``points`` column into 0–1 ``score`` (points / the item's points)."""
    if table is None or "points" not in table["columns"] or "score" in table["columns"]:
        return
    at = table["columns"].index("points")
    table["columns"] = [*table["columns"][:at], "score", *table["columns"][at + 1 :]]
    table["rows"] = [
        [*row[:at], float(row[at]) / item_points, *row[at + 1 :]] for row in table["rows"]
    ]


def _judgements(name: str, result: PairwiseComparison) -> list[dict[str, Any]]:
    matrix = result.matrix.to_numpy(dtype=float)
    w = result.weights.to_numpy(dtype=float)
    labels = [str(x) for x in result.matrix.index]
    rows = []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            implied = w[i] / w[j]
            nearest = SAATY_SCALE[np.argmin(np.abs(np.log(SAATY_SCALE) - np.log(implied)))]
            rows.append(
                {
                    "expert": name,
                    "row": labels[i],
                    "column": labels[j],
                    "given": float(matrix[i, j]),
                    "implied": float(implied),
                    "deviation": float(abs(np.log(matrix[i, j]) - np.log(implied))),
                    "suggested": float(nearest),
                }
            )
    return rows


def expert_weights(
    matrices: Mapping[str, pd.DataFrame | np.ndarray | Sequence[Sequence[float]]],
    *,
    random_index_table: str = "saaty1980",
) -> CalibratedWeights:
    """Group AHP weights from several experts' pairwise-comparison matrices.

    The experts' matrices are aggregated by the element-wise geometric mean
    (:func:`wetval.condition.group_ahp`, Aczél & Saaty 1983) and weighted by
    the principal eigenvector; each expert's own matrix is checked too.

    Parameters
    ----------
    matrices
        Expert name → matrix over the same items (a DataFrame's labels name
        the items).
    random_index_table
        RI table (see :data:`wetval.condition.RANDOM_INDEX`).

    Returns
    -------
    CalibratedWeights
        With per-expert consistency and every judgement's deviation.
    """
    names = list(matrices)
    each = {
        name: ahp(m, random_index_table=random_index_table, on_inconsistent="ignore")
        for name, m in matrices.items()
    }
    group = group_ahp(
        [matrices[n] for n in names],
        random_index_table=random_index_table,
        on_inconsistent="ignore",
    )
    consistency = pd.DataFrame(
        [
            {
                "expert": name,
                "lambda_max": r.lambda_max,
                "ci": r.ci,
                "cr": r.cr,
                "consistent": r.consistent,
            }
            for name, r in [*each.items(), ("group", group)]
        ]
    ).set_index("expert")
    judgements = pd.DataFrame(
        [row for name, r in each.items() for row in _judgements(name, r)]
    ).sort_values(["deviation", "expert"], ascending=[False, True], kind="stable")
    # the hash covers every expert's judgements
    data_hash = frame_hash(pd.concat([each[n].matrix.assign(expert=n) for n in names]))
    return CalibratedWeights(
        weights=group.weights.rename("weight"),
        method="group-ahp",
        consistency=consistency,
        judgements=judgements.reset_index(drop=True),
        data_hash=data_hash,
        random_index_table=random_index_table,
        provenance=Provenance(
            method="group-ahp",
            inputs={"matrices": data_hash},
            options={"experts": names, "random_index_table": random_index_table},
        ),
    )


def data_weights(
    frame: pd.DataFrame,
    directions: Mapping[str, Direction | str] | Sequence[Direction | str],
    *,
    method: Literal["entropy", "critic"] = "entropy",
) -> CalibratedWeights:
    """Entropy or CRITIC weights from observed indicator data (rows = sites, columns = items).

    See :func:`wetval.condition.entropy_weights` and :func:`wetval.condition.critic_weights`;
    the weights depend on the sites observed (they move when sites are added).
    """
    if method == "entropy":
        weights = entropy_weights(frame, directions)
    elif method == "critic":
        weights = critic_weights(frame, directions)
    else:
        raise ValueError(f"method must be 'entropy' or 'critic', not {method!r}")
    data_hash = frame_hash(frame)
    return CalibratedWeights(
        weights=weights.rename("weight"),
        method=method,
        data_hash=data_hash,
        provenance=Provenance(method=method, inputs={"data": data_hash}),
    )


def combined_weights(
    subjective: CalibratedWeights, objective: CalibratedWeights, alpha: float
) -> CalibratedWeights:
    """α·subjective + (1 − α)·objective (:func:`wetval.condition.combine_weights`)."""
    weights = combine_weights(subjective.weights, objective.weights, alpha)
    return CalibratedWeights(
        weights=weights.rename("weight"),
        method="combined",
        consistency=subjective.consistency,
        judgements=subjective.judgements,
        data_hash=frame_hash(pd.DataFrame({"s": subjective.weights, "o": objective.weights})),
        random_index_table=subjective.random_index_table,
        provenance=subjective.provenance.merged(
            objective.provenance,
            options={
                "alpha": alpha,
                "subjective": subjective.method,
                "objective": objective.method,
            },
        ),
    )
