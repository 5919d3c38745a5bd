"""An assessment resolves every card once: its steps' ``plugins.run`` reuse its bundle.

``assess`` resolves the project's cards, their references and the constants their
methods declare into one bundle (:func:`wetval.assessment.cards.declared_references`)
and keeps it active while each step runs, so no step loads a card the bundle holds.
"""

from __future__ import annotations

from collections import Counter

import pytest

import wetval.cards
from wetval import datasets
from wetval.assess import assess
from wetval.assessment.cards import declared_references, load_cards
from wetval.kinds import MONEY_SERIES


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    original = wetval.cards._resolve_one

    def counting(ref: str) -> wetval.cards.Card:
        counts[ref] += 1
        return original(ref)

    monkeypatch.setattr(wetval.cards, "_resolve_one", counting)
    return counts


def test_every_reference_is_resolved_once_per_assessment(resolved: Counter[str]) -> None:
    spec = datasets.sample_project()
    assess(spec)
    assert resolved, "the sample project's cards reference other cards"
    again = {ref: n for ref, n in resolved.items() if n > 1}
    assert not again, f"resolved more than once: {again}"
    # the money series the valuation kinds declare are among them (resolved up front)
    assert set(MONEY_SERIES) & set(resolved)


def test_declared_references_are_the_methods_constants() -> None:
    cards = load_cards(datasets.sample_project())
    declared = declared_references(cards)
    assert set(MONEY_SERIES) <= set(declared)
    assert len(declared) == len(set(declared))  # each once
