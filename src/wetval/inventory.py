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

from wetval.landclass import classify
from wetval.messages import Bilingual, Message, MessageValue, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Result
from wetval.summary import Summary, SummaryTable
from wetval.units import M2_PER_HA, M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["IndicatorCoverage", "Inventory"]

_NONE = "(not given)"


def _term(prefix: str, value: object) -> Term:
    """A category or role as a term (``cat_wetland``, ``role_reserve``); not given as such."""
    if value == _NONE:
        return Term("sum_not_given", _NONE)
    return Term(f"{prefix}_{value}", str(value))


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

    @property
    def provenance(self) -> Provenance:
        """The method (the tables' hashes are in the inventory's provenance)."""
        return Provenance(method="indicator_coverage")

    def summary(self) -> Summary:
        """Per indicator, the parcels with a value and their share of parcels and of area [%]."""
        c = self.by_indicator
        table = pd.DataFrame(
            {
                "indicator": [str(i) for i in c.index],
                "parcels": c["parcels"].to_numpy(dtype=int),
                "sum_parcel_share": c["parcel_share"].to_numpy(dtype=float) * 100.0,
                "sum_area_share": c["area_share"].to_numpy(dtype=float) * 100.0,
            }
        )
        digits = {"sum_parcel_share": 1, "sum_area_share": 1}
        notes = (
            Message.of("sum_coverage_without", count=len(self.parcels_without_indicators)),
            Message.of("sum_coverage_unknown", count=len(self.unknown_parcels)),
        )
        return Summary(
            Message.of("sum_coverage", "note"),
            (SummaryTable("coverage", "sum_coverage_table", table, digits),),
            notes,
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Share of parcels and of area [%] each indicator covers."""
        ax = axes(ax, figsize=(8, 0.35 * len(self.by_indicator) + 1.5))
        c = self.by_indicator.iloc[::-1]
        y = np.arange(len(c))
        ax.barh(y + 0.2, c["parcel_share"] * 100.0, 0.4, label="of parcels / 占图斑数")
        ax.barh(y - 0.2, c["area_share"] * 100.0, 0.4, label="of area / 占面积")
        ax.set_yticks(y, [str(i) for i in c.index])
        ax.set_xlim(0, 100)
        ax.set_xlabel("coverage [%] / 覆盖率")
        ax.legend(loc="lower right", fontsize="small")
        return ax


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

    def summary(self) -> Summary:
        """Totals, then parcels and area by category, land class, township and role."""
        title = Message.of(
            "sum_inventory", "note", parcels=self.n_parcels, area_ha=self.area_m2 / M2_PER_HA,
            area_mu=self.area_m2 / M2_PER_MU, scheme=self.scheme,
        )  # fmt: skip

        def counts(table: pd.DataFrame, key: str, labels: list[MessageValue]) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    key: labels,
                    "parcels": table["parcels"].to_numpy(dtype=int),
                    "area_ha": table["area_ha"].to_numpy(dtype=float),
                    "area_mu": table["area_mu"].to_numpy(dtype=float),
                }
            )

        c = self.by_class
        by_class = counts(c, "land_class", [str(i) for i in c.index])
        by_class.insert(
            1,
            "name",
            [Bilingual(str(z), str(e)) for z, e in zip(c["name_zh"], c["name_en"], strict=True)],
        )
        by_class.insert(2, "category", [_term("cat", v) for v in c["category"]])
        by_class.insert(3, "legal_wetland", [bool(v) for v in c["legal_wetland"]])
        categories = self.by_category.index
        towns: list[MessageValue] = [
            Term("sum_not_given", _NONE) if v == _NONE else str(v) for v in self.by_township.index
        ]
        tables = [
            SummaryTable(
                "categories", "sum_by_category_table",
                counts(self.by_category, "category", [_term("cat", v) for v in categories]),
            ),
            SummaryTable("land_classes", "sum_by_class_table", by_class),
            SummaryTable(
                "townships", "sum_by_township_table",
                counts(self.by_township, "township", towns),
            ),
            SummaryTable(
                "roles", "sum_by_role_table",
                counts(self.by_role, "role", [_term("role", v) for v in self.by_role.index]),
            ),
        ]  # fmt: skip
        notes = (Message.of("sum_synthetic", "note"),) if self.synthetic else ()
        parts = () if self.coverage is None else (self.coverage.summary(),)
        return Summary(title, tuple(tables), notes, parts)

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
