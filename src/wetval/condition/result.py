"""The result of condition scoring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.messages import Bilingual, Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.strings import Lang, tr
from wetval.summary import Summary, SummaryTable, note
from wetval.units import M2_PER_HA

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ConditionResult"]

#: Data-quality flags of a parcel, in order of severity.
QUALITY_FLAGS = ("complete", "reweighted", "imputed", "unscored")


@dataclass(frozen=True)
class ConditionResult(Result):
    """Condition index, points and grade per parcel, with their explanation.

    Attributes
    ----------
    parcels
        Indexed by ``parcel_id``: ``index`` (0–1), ``points`` (0–100),
        ``grade`` (key, ordered worst < best), ``grade_zh``, ``grade_en``,
        ``points_<group>`` per group, ``weight_present`` (share of the
        scheme's weight with a score), ``quality`` (complete / reweighted /
        imputed / unscored), ``missing`` and ``imputed`` (the items concerned,
        space-separated), ``limiting_item`` (lowest-scoring item), and
        ``land_class``, ``township`` and ``area_m2`` when parcels were given.
    normalised
        Parcels × items: each item's score in [0, 1] (1 best); NaN where missing.
    contributions
        Parcels × items: weight × score in points (out of 100), with the
        weights re-normalised over the parcel's present items. For weighted
        sums and points schemes they add up to ``points``; for TOPSIS, the
        geometric mean and the minimum they are the weighted scores, shown to
        explain, not a decomposition.
    weights
        Items × (``group``, ``weight``): the scheme's weights (sum 1).
    grades
        The grade scale: labels and interval of each grade.
    method
        Name of the method used (``condition-index``; its aggregation is
        ``provenance.options["aggregation"]``).
    card_id
        Id of the card.
    weighting
        Where the weights came from (card, ahp, entropy, critic, combined).
    weight_details
        AHP consistency (lambda_max, CI, CR, RI table) per matrix, or the
        objective weights used in a combination.
    synthetic
        True when the input data are synthetic.
    provenance
        Card, inputs, options.
    """

    parcels: pd.DataFrame
    normalised: pd.DataFrame
    contributions: pd.DataFrame
    weights: pd.DataFrame
    grades: pd.DataFrame
    method: str
    card_id: str
    weighting: str
    weight_details: pd.DataFrame
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    def to_frame(self) -> pd.DataFrame:
        """One row per parcel: the parcel columns, then ``<item>_score`` and ``<item>_points``."""
        scores = self.normalised.add_suffix("_score")
        points = self.contributions.add_suffix("_points")
        parts = (self.parcels, scores, points)
        names = [c for part in parts for c in part.columns]
        index = self.parcels.index
        if (
            index.is_unique
            and len(set(names)) == len(names)
            and all(part.index.equals(index) for part in parts[1:])
        ):
            # the same rows in the same order (as scored): the joins would only align them,
            # through an object copy of the text ids; the columns as they are instead
            columns = {c: part[c].array for part in parts for c in part.columns}
            return pd.DataFrame(columns, index=index)
        return self.parcels.join(scores).join(points)

    def _by_grade(self) -> pd.DataFrame:
        grade = self.parcels["grade"].cat.add_categories(["(unscored)"]).fillna("(unscored)")
        frame = pd.DataFrame({"grade": grade})
        if "area_m2" in self.parcels.columns:
            frame["area_ha"] = self.parcels["area_m2"].to_numpy() / M2_PER_HA
        else:
            frame["area_ha"] = np.nan
        table = frame.groupby("grade", observed=False)["area_ha"].agg(["size", "sum"])
        table.columns = pd.Index(["parcels", "area_ha"])
        order = [*self.grades.index, "(unscored)"]
        table = table.reindex(order)
        labels = self.grades["label_zh"].to_dict() | {"(unscored)": "未评分"}
        table.insert(0, "label_zh", [labels[k] for k in table.index])
        table["parcels"] = table["parcels"].astype(int)
        return table

    def summary(self) -> Summary:
        """Parcels and area by grade, data quality, the weights used and the notes."""
        table = self._by_grade()
        labels = dict(zip(self.grades.index, self.grades["label_en"], strict=True))
        grades = pd.DataFrame(
            {
                "grade": [
                    Bilingual(str(z), str(labels.get(k, k)))
                    if k in labels
                    else Term("quality_unscored", str(k))
                    for k, z in zip(table.index, table["label_zh"], strict=True)
                ],
                "parcels": table["parcels"].to_numpy(dtype=int),
                "area_ha": table["area_ha"].to_numpy(dtype=float),
            }
        )
        quality = self.parcels["quality"].value_counts().reindex(list(QUALITY_FLAGS)).fillna(0)
        qualities = pd.DataFrame(
            {
                "quality": [Term(f"quality_{k}", str(k)) for k in quality.index],
                "parcels": quality.to_numpy(dtype=int),
            }
        )
        weights = pd.DataFrame(
            {
                "indicator": self.weights.index.astype(str).tolist(),
                "sum_group": self.weights["group"].astype(str).tolist(),
                "weight": self.weights["weight"].to_numpy(dtype=float),
            }
        )
        scored = self.parcels["index"].dropna()
        title = Message.of(
            "sum_condition", "note", card=self.card_id, method=self.method,
            aggregation=str(self.provenance.options.get("aggregation", "–")),
            weighting=self.weighting, parcels=len(self.parcels), scored=len(scored),
            mean=float(scored.mean()) if len(scored) else float("nan"),
        )  # fmt: skip
        notes = [Message.of("sum_synthetic", "note")] if self.synthetic else []
        return Summary(
            title,
            (
                SummaryTable("grades", "sum_grade_table", grades, {"area_ha": 2}),
                SummaryTable("quality", "sum_quality_table", qualities),
                SummaryTable("weights", "sum_weight_table", weights, {"weight": 4}),
            ),
            (*notes, *(note(n, "note") for n in self.provenance.notes)),
        )

    def plot(self, ax: Axes | None = None, *, lang: Lang = "en") -> Axes:
        """Bars of area [ha] (or parcel counts without parcels) by grade, labelled in ``lang``.

        One bar per grade of the card, in its order, and one for the unscored
        parcels when there are any. The report draws its grade chart with this.
        """
        ax = axes(ax)
        table = self._by_grade()
        if table.loc["(unscored)", "parcels"] == 0:
            table = table.drop(index="(unscored)")
        has_area = table["area_ha"].notna().any()
        values = table["area_ha"] if has_area else table["parcels"]
        shown = self.grades["label_zh" if lang == "zh" else "label_en"].to_dict()
        labels = [
            str(shown[k]) if k in shown else tr("quality_unscored", lang) for k in table.index
        ]
        ax.bar(labels, values.to_numpy(dtype=float), color="#2f7f6a")
        ax.set_ylabel(tr("area_ha" if has_area else "parcels", lang))
        ax.set_title(tr("grade_plot_title", lang, card=self.card_id))
        return ax
