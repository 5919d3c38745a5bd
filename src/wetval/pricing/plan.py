"""Restoration plans (engineering quantities and planting list) and the species check.

The Annex 2 rule computes the restoration cost from the design's engineering
quantities (工程量), and the Jinxian plan requires restoration "with local
native species as far as possible, avoiding alien species"
(尽可能采用当地乡土物种，避免引入外来物种). A :class:`RestorationPlan`
carries both; :func:`check_species` reads the planting list against a
``species-list`` card for the region:

* a listed **invasive** species is an error (the plan cannot be priced);
* a plan without any **native** species is an error;
* a **non-native** species, or one the card does not know, is a warning for
  the expert panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval._text import text_table
from wetval.cards import Card
from wetval.errors import Problem, ProblemCollector, ValidationError
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.quota._inputs import resolve_card
from wetval.results import Record, Result
from wetval.summary import Summary, SummaryTable, card_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["QUANTITY_COLUMNS", "RestorationPlan", "SpeciesCheck", "check_species"]

#: Columns of a plan's bill of quantities.
QUANTITY_COLUMNS = ("item", "unit", "quantity", "unit_cost")


def _normalise(name: str) -> str:
    return " ".join(str(name).replace("×", "x").split()).lower()


@dataclass(frozen=True)
class RestorationPlan(Record):
    """A restoration design: parcels, bill of quantities, planting list.

    Attributes
    ----------
    name
        Plan or project name.
    parcel_ids
        Restoration parcels the plan covers; its costs are spread over them
        in proportion to their area.
    quantities
        Bill of quantities: one row per item with ``item`` (e.g. 土方开挖
        earthwork, 水位控制构筑物 water-control structure, 植物种植 planting,
        监测 monitoring), ``unit``, ``quantity`` and ``unit_cost`` [CNY per
        unit], from the design budget.
    species
        Planting list (scientific or Chinese names).
    compensation
        Compensation to rights holders [CNY], if known from the design;
        otherwise the pricing card's per-亩 rate applies.
    om_per_year
        Operation and maintenance [CNY/yr], if known; otherwise the card's rate.
    price_year
        Price year of the unit costs.
    """

    name: str
    parcel_ids: tuple[str, ...]
    quantities: pd.DataFrame
    species: tuple[str, ...]
    compensation: float | None = None
    om_per_year: float | None = None
    price_year: int | None = None

    def __post_init__(self) -> None:
        problems = ProblemCollector(row_labels=self.quantities.index)
        missing = [c for c in QUANTITY_COLUMNS if c not in self.quantities.columns]
        if missing:
            raise ValidationError(
                [Problem(reason="bill of quantities lacks columns", column=", ".join(missing),
                         fix=f"give the columns {', '.join(QUANTITY_COLUMNS)}")],
                what=f"restoration plan {self.name!r}",
            )  # fmt: skip
        for column in ("quantity", "unit_cost"):
            values = pd.to_numeric(self.quantities[column], errors="coerce").to_numpy(dtype=float)
            problems.add_rows(
                ~(values >= 0), column=column, values=self.quantities[column],
                reason="must be a number ≥ 0", fix="correct the bill of quantities",
            )  # fmt: skip
        if not self.parcel_ids:
            problems.add(Problem(reason="the plan covers no parcels", column="parcel_ids"))
        if not self.species:
            problems.add(Problem(reason="the plan has no planting list", column="species"))
        for name, value in (("compensation", self.compensation), ("om_per_year", self.om_per_year)):
            if value is not None and not value >= 0:
                problems.add(Problem(reason="must be ≥ 0 yuan", column=name, value=value))
        problems.raise_if_any(f"restoration plan {self.name!r}")

    @property
    def engineering_cost(self) -> float:
        """Σ quantity × unit cost [CNY]."""
        quantity = self.quantities["quantity"].to_numpy(dtype=float)
        return float(np.sum(quantity * self.quantities["unit_cost"].to_numpy(dtype=float)))

    def to_frame(self) -> pd.DataFrame:
        """The bill of quantities with each line's cost."""
        frame = self.quantities.copy()
        frame["cost"] = frame["quantity"].astype(float) * frame["unit_cost"].astype(float)
        return frame

    def summary(self) -> str:
        """Bill of quantities, total and planting list."""
        frame = self.to_frame()
        rows = [
            [str(item), str(unit), float(quantity), float(unit_cost), float(cost)]
            for item, unit, quantity, unit_cost, cost in zip(
                frame["item"], frame["unit"], frame["quantity"].astype(float),
                frame["unit_cost"].astype(float), frame["cost"], strict=True,
            )
        ]  # fmt: skip
        return "\n".join(
            [
                f"Restoration plan {self.name}: {len(self.parcel_ids)} parcels, engineering cost "
                f"{self.engineering_cost:,.2f} yuan",
                text_table(rows, ["item", "unit", "quantity", "unit cost", "cost"]),
                "  planting: " + ", ".join(self.species),
            ]
        )


@dataclass(frozen=True)
class SpeciesCheck(Result):
    """Status of every species of a planting list.

    Attributes
    ----------
    table
        Per listed name: ``scientific_name`` and ``name_zh`` as matched,
        ``status`` (native / non_native / invasive / unknown), ``verified``.
    card_id
        The species card used.
    provenance
        The card.
    """

    table: pd.DataFrame
    card_id: str
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def invasive(self) -> list[str]:
        """Names on the list that are listed invasive species."""
        return [str(n) for n in self.table.index[self.table["status"] == "invasive"]]

    @property
    def findings(self) -> tuple[Message, ...]:
        """One keyed message per non-native or unknown species (for the expert panel)."""
        found = []
        for name, row in self.table.iterrows():
            if row["status"] == "non_native":
                found.append(
                    Message.of("sp_non_native", name=str(name), name_zh=str(row["name_zh"]))
                )
            elif row["status"] == "unknown":
                found.append(Message.of("sp_unknown", name=str(name), card=self.card_id))
        return tuple(found)

    @property
    def warnings(self) -> list[str]:
        """One line per non-native or unknown species: :attr:`findings` in English."""
        return [str(finding) for finding in self.findings]

    @property
    def has_native(self) -> bool:
        """Whether at least one local native species is planted."""
        return bool((self.table["status"] == "native").any())

    def raise_for_errors(self, plan: str = "restoration plan") -> None:
        """Raise one error naming every invasive species, or the lack of natives.

        Raises
        ------
        wetval.errors.ValidationError
        """
        problems = [
            Problem(
                reason="listed invasive species in the planting list",
                column="species",
                value=name,
                fix="remove it; restoration must use local native species (进贤县实施方案 四(四))",
            )
            for name in self.invasive
        ]
        if not self.has_native:
            problems.append(
                Problem(
                    reason="the planting list has no local native species",
                    column="species",
                    fix=f"plant native species of card {self.card_id} (e.g. Phragmites australis)",
                )
            )
        if problems:
            raise ValidationError(problems, what=plan)

    def to_frame(self) -> pd.DataFrame:
        """The per-species table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """Status of each species, the invasive ones and those for the panel to confirm."""
        table = pd.DataFrame(
            {
                "species_listed": [str(n) for n in self.table.index],
                "name_zh": ["" if pd.isna(v) else str(v) for v in self.table["name_zh"]],
                "status": [Term(f"status_{s}", str(s)) for s in self.table["status"]],
                "verified": [bool(v) for v in self.table["verified"]],
            }
        )
        notes = [Message.of("sp_invasive", name=name) for name in self.invasive]
        if not self.has_native:
            notes.append(Message.of("sp_no_native"))
        status = self.table["status"]
        title = Message.of(
            "sum_species", "note", card=card_label(self.provenance), species=len(self.table),
            native=int((status == "native").sum()), invasive=len(self.invasive),
        )  # fmt: skip
        return Summary(
            title,
            (SummaryTable("species", "species", table),),
            (*notes, *self.findings),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Number of listed species per status (native, non-native, invasive, unknown)."""
        ax = axes(ax)
        statuses = ["native", "non_native", "invasive", "unknown"]
        counts = self.table["status"].value_counts().reindex(statuses, fill_value=0)
        colours = ["tab:green", "tab:orange", "tab:red", "tab:grey"]
        ax.bar(statuses, counts.to_numpy(dtype=int), color=colours)
        ax.set_ylabel("species")
        ax.set_title(f"Planting list against {self.card_id}")
        return ax


def check_species(
    species: list[str] | tuple[str, ...], card: Card | str = "species-poyang"
) -> SpeciesCheck:
    """Status of each planted species according to a regional species card.

    Names match the card's scientific name, Chinese name or any synonym,
    ignoring case and spacing.

    Parameters
    ----------
    species
        Planting list.
    card
        A ``species-list`` card or id.

    Returns
    -------
    SpeciesCheck
    """
    card = resolve_card(card, "species-list")
    table = card.table("species")
    lookup: dict[str, tuple[str, str, str, bool]] = {}
    for scientific, row in table.iterrows():
        entry = (str(scientific), str(row["name_zh"]), str(row["status"]), bool(row["verified"]))
        names = [str(scientific), str(row["name_zh"]), *str(row["synonyms"]).split("|")]
        for name in names:
            if name.strip():
                lookup.setdefault(_normalise(name), entry)
    rows = []
    for name in species:
        scientific, name_zh, status, verified = lookup.get(
            _normalise(name), (None, None, "unknown", False)
        )
        rows.append(
            {
                "name": name,
                "scientific_name": scientific,
                "name_zh": name_zh,
                "status": status,
                "verified": verified,
            }
        )
    frame = pd.DataFrame(rows).set_index("name")
    return SpeciesCheck(
        table=frame,
        card_id=card.id,
        provenance=Provenance(method="check_species", cards=(card.ref,)),
    )
