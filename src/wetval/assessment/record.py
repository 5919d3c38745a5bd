"""The provenance of an assessment: its cards, inputs, seed and options."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from wetval.cards import Card
from wetval.provenance import CardRef, Provenance
from wetval.spec import AssessmentSpec
from wetval.units import M2_PER_MU

__all__ = ["HasProvenance", "assessment_provenance", "unique_refs"]


class HasProvenance(Protocol):
    """A result: anything with a provenance."""

    @property
    def provenance(self) -> Provenance:
        """The result's provenance."""
        ...


def unique_refs(named: list[CardRef], *results: HasProvenance | None) -> list[CardRef]:
    """The spec's cards, then every further card a step's result used, each once.

    Steps load cards the spec does not name: the valuation card's crosswalk, the
    market comparables, the fund split in force, the species list.
    """
    refs: list[CardRef] = []
    for ref in [*named, *(r for result in results if result for r in result.provenance.cards)]:
        if ref not in refs:
            refs.append(ref)
    return refs


def assessment_provenance(
    spec: AssessmentSpec,
    cards: dict[str, Card],
    inputs: dict[str, str],
    level: str,
    results: Sequence[HasProvenance | None],
) -> Provenance:
    """The assessment's provenance.

    Parameters
    ----------
    spec
        The project.
    cards
        The cards the spec names (:func:`wetval.assessment.cards.load_cards`).
    inputs
        Hashes of every input (the data files, the ledger or registry, the footprints).
    level
        The wetland level priced (:func:`wetval.assessment.selection.priced_level`).
    results
        Every step's result, in order; ``None`` for a step that did not run.
    """
    return Provenance(
        method="assessment",
        cards=tuple(unique_refs([card.ref for card in cards.values()], *results)),
        inputs=inputs,
        seed=spec.options.seed,
        options={
            "price_year": spec.options.price_year,
            "price_index": spec.options.price_index,
            "monte_carlo_draws": spec.options.monte_carlo_draws,
            "unscored_occupation": spec.options.unscored_occupation,
            "discount_rate": cards["pricing"].param("discount_rate"),
            "om_years": cards["pricing"].param("om_years"),
            "wetland_level_priced": level,
            "area_unit": f"亩 = {M2_PER_MU:.4f} m²",
        },
    )
