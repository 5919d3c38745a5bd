"""Inventory of a parcel table: counts and areas by class, township and role.

Below :mod:`wetval.tables` in the import graph (tables import this module for
:meth:`wetval.tables.ParcelTable.inventory`; this module reads the tables only
through their methods, so it never imports them at run time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval._text import text_table
from wetval.landclass import classify
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.units import M2_PER_HA, M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["IndicatorCoverage", "Inventory"]

_NONE = "(not given)"


def _totals(keys: pd.Series, area_m2: np.ndarray, name: str) -> pd.DataFrame:
    frame = pd.DataFrame({name: keys.astype(object).fillna(_NONE).to_numpy(), "area_m2": area_m2})
    table = frame.groupby(name, sort=True, observed=True)["area_m2"].agg(["size", "sum"])
    table.columns = pd.Index(["parcels", "area_m2"])
    table["area_ha"] = table["area_m2"] / M2_PER_HA
    table["area_mu"] = table["area_m2"] / M2_PER_MU
    return table


@dataclass(frozen=True)
class IndicatorCoverage(Result):
    """How an indicator table covers a parcel table.

    Attributes
    ----------
    by_indicator
        Per indicator: parcels with a value, their share of parcels and of area.
    parcels_without_indicators
        Ids of parcels with no row or only missing values.
    unknown_parcels
        Ids in the indicator table that are not in the parcel table.
    """

    by_indicator: pd.DataFrame
    parcels_without_indicators: pd.Index
    unknown_parcels: pd.Index

    def to_frame(self) -> pd.DataFrame:
        """The per-indicator coverage table."""
        return self.by_indicator.copy()

    def summary(self) -> str:
        """A short text report."""
        rows = [
            [
                str(ident),
                int(row["parcels"]),
                f"{row['parcel_share']:.1%}",
                f"{row['area_share']:.1%}",
            ]
            for ident, row in self.by_indicator.iterrows()
        ]
        return "\n".join(
            [
                "Indicator coverage:",
                text_table(rows, ["indicator", "parcels", "of parcels", "of area"]),
                f"  parcels without any indicator: {len(self.parcels_without_indicators):,}",
                f"  indicator rows for unknown parcels: {len(self.unknown_parcels):,}",
            ]
        )


@dataclass(frozen=True)
class Inventory(Result):
    """Counts and areas of a parcel table.

    Attributes
    ----------
    by_class
        Per land-class code: names, category, legal-wetland flag, parcels,
        area in m², ha and 亩.
    by_category
        Per category (wetland / water / paddy / other).
    by_township
        Per township, with area by category as extra columns [ha].
    by_role
        Per role (existing / reserve / restoration / occupation).
    coverage
        Indicator coverage, if an indicator table was given.
    provenance
        Input hash and versions.
    """

    by_class: pd.DataFrame
    by_category: pd.DataFrame
    by_township: pd.DataFrame
    by_role: pd.DataFrame
    n_parcels: int
    area_m2: float
    scheme: str
    synthetic: bool = False
    coverage: IndicatorCoverage | None = None
    provenance: Provenance = field(default_factory=Provenance)

    @classmethod
    def build(cls, parcels: ParcelTable, indicators: IndicatorTable | None = None) -> Inventory:
        """Compute the inventory of ``parcels`` (and indicator coverage)."""
        frame = parcels.to_frame()
        area = parcels.area("m2")
        by_class = _totals(frame["land_class"], area, "land_class")
        info = classify(pd.Series(by_class.index, dtype=object), parcels.scheme)
        info.index = by_class.index
        by_class = info[["name_zh", "name_en", "category", "legal_wetland"]].join(by_class)
        by_class = by_class.sort_values("area_m2", ascending=False)
        by_category = _totals(pd.Series(parcels.category), area, "category")
        empty = pd.Series([None] * len(frame), dtype=object)
        township = frame.get("township", empty)
        by_township = _totals(township, area, "township")
        per_category = (
            pd.DataFrame(
                {
                    "township": township.astype(object).fillna(_NONE).to_numpy(),
                    "category": parcels.category,
                    "area_ha": area / M2_PER_HA,
                }
            )
            .pivot_table(index="township", columns="category", values="area_ha", aggfunc="sum")
            .fillna(0.0)
        )
        per_category.columns = [f"{c}_ha" for c in per_category.columns]
        by_township = by_township.join(per_category).sort_values("area_m2", ascending=False)
        role = frame.get("role", empty)
        by_role = _totals(role, area, "role")
        coverage = indicators.coverage(parcels) if indicators is not None else None
        inputs = {"parcels": parcels.hash}
        if indicators is not None:
            inputs["indicators"] = indicators.hash
        return cls(
            by_class=by_class,
            by_category=by_category,
            by_township=by_township,
            by_role=by_role,
            n_parcels=len(parcels),
            area_m2=float(area.sum()),
            scheme=parcels.scheme.value,
            synthetic=parcels.synthetic,
            coverage=coverage,
            provenance=Provenance(method="inventory", inputs=inputs),
        )

    def to_frame(self) -> pd.DataFrame:
        """All breakdowns in one long table (``dimension``, ``key``, counts, areas)."""
        parts = []
        for dimension, table in (
            ("land_class", self.by_class),
            ("category", self.by_category),
            ("township", self.by_township),
            ("role", self.by_role),
        ):
            part = table[["parcels", "area_m2", "area_ha", "area_mu"]].copy()
            part.index = pd.Index([str(k) for k in part.index], name="key")
            part.insert(0, "dimension", dimension)
            parts.append(part.reset_index())
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        """A text report of the inventory."""
        synthetic = " (SYNTHETIC data)" if self.synthetic else ""
        lines = [
            f"Parcels: {self.n_parcels:,}   area: {self.area_m2 / M2_PER_HA:,.2f} ha "
            f"({self.area_m2 / M2_PER_MU:,.0f} 亩)   scheme: {self.scheme}{synthetic}",
        ]

        def block(title: str, table: pd.DataFrame, key: str, extra: list[str]) -> None:
            rows = [
                [
                    str(index),
                    *(row[c] for c in extra),
                    int(row["parcels"]),
                    row["area_ha"],
                    row["area_mu"],
                ]
                for index, row in table.iterrows()
            ]
            lines.extend(["", title, text_table(rows, [key, *extra, "parcels", "ha", "亩"])])

        block("By category:", self.by_category, "category", [])
        by_class = self.by_class.assign(
            legal=self.by_class["legal_wetland"].map({True: "yes", False: "no"})
        )
        block("By land class:", by_class, "DLBM", ["name_zh", "category", "legal"])
        block("By township:", self.by_township, "township", [])
        block("By role:", self.by_role, "role", [])
        if self.coverage is not None:
            lines += ["", self.coverage.summary()]
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Stacked bars of area [ha] by township and category."""
        ax = axes(ax, figsize=(8, 0.3 * len(self.by_township) + 1.5))
        columns = [c for c in self.by_township.columns if c.endswith("_ha") and c != "area_ha"]
        data = self.by_township[columns].iloc[::-1]
        left = np.zeros(len(data))
        for column in columns:
            ax.barh(data.index.astype(str), data[column], left=left, label=column[:-3])
            left += data[column].to_numpy()
        ax.set_xlabel("area [ha]")
        ax.legend(loc="lower right", fontsize="small")
        return ax
