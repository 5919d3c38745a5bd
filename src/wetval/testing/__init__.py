"""Conformance checks for method plugins and cards, shipped for plugin authors.

Run :func:`check_method` on your method and :func:`check_card` on your cards
in your own test suite, or let :func:`parametrize_with_checks` give one pytest
case per method × check (the model is scikit-learn's
``parametrize_with_checks``). wetval runs the same checks over every registered
method and every installed card, so a third-party method is held to exactly
the standard the built-in ones meet.

Every method is ``function(card, inputs)`` with its kind's inputs bundle
(:mod:`wetval.kinds`); the checks call it through :meth:`Method.apply
<wetval.plugins.Method.apply>`, which checks the inputs and result types. The
checks of each kind (invariance to parcel order, units)
live in the modules of this package and are listed in :data:`KIND_CHECKS`;
nothing registers itself on import, and no method package imports
``wetval.testing``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from wetval.cards import Card
from wetval.errors import PluginError
from wetval.kinds import KINDS
from wetval.plugins import METHOD_KINDS, Method, get_method
from wetval.testing.condition import CONDITION_CHECKS
from wetval.testing.quota import QUOTA_CHECKS
from wetval.testing.screening import SCREENING_CHECKS
from wetval.testing.valuation import VALUATION_CHECKS

__all__ = [
    "KIND_CHECKS",
    "check_card",
    "check_contract",
    "check_method",
    "checks_for",
    "parametrize_with_checks",
]

KindCheck = Callable[[Method], None]

#: The conformance checks of every built-in method kind, by kind.
KIND_CHECKS: Mapping[str, tuple[KindCheck, ...]] = {
    **CONDITION_CHECKS,
    **SCREENING_CHECKS,
    **VALUATION_CHECKS,
    **QUOTA_CHECKS,
}


def check_contract(method: Method) -> None:
    """The generic contract: known kind, lower-case name, summary, docstring, f(card, inputs).

    Every method's function is called as ``function(card, inputs)`` with the
    kind's inputs bundle (:data:`wetval.kinds.KINDS`).
    """
    assert method.kind in METHOD_KINDS, f"{method.name}: unknown kind {method.kind!r}"
    try:
        inspect.signature(method.function).bind(None, None)
    except TypeError:
        raise AssertionError(
            f"{method.name}: a method is called as function(card, inputs) with the "
            f"{method.kind!r} inputs bundle {KINDS[method.kind].inputs.__name__}; "
            f"its signature is {inspect.signature(method.function)}"
        ) from None
    assert method.name and method.name == method.name.strip().lower(), (
        f"method names are lower-case without spaces, got {method.name!r}"
    )
    assert method.summary, f"{method.name}: give a one-line summary"
    assert inspect.getdoc(method.function), f"{method.name}: the function needs a docstring"


def checks_for(method: Method) -> tuple[KindCheck, ...]:
    """Every check a method must pass: the generic contract, then its kind's checks."""
    return (check_contract, *KIND_CHECKS.get(method.kind, ()))


def parametrize_with_checks(methods: Iterable[Method]) -> Any:
    """A pytest ``parametrize`` mark with one case per method × check.

    Parameters
    ----------
    methods
        The methods to check (e.g. ``list_methods()``).

    Returns
    -------
    pytest.MarkDecorator
        Parametrizes the arguments ``method`` and ``check``; each case's id is
        ``<method name>-<check name>``. The test body calls ``check(method)``.
    """
    import pytest

    cases = [(method, check) for method in methods for check in checks_for(method)]
    return pytest.mark.parametrize(
        ("method", "check"),
        cases,
        ids=[f"{method.name}-{check.__name__}" for method, check in cases],
    )


def check_method(method: Method) -> None:
    """Assert that a method meets the plugin contract.

    Runs every check of :func:`checks_for`: the generic contract (a named
    kind, a documented function) and then the checks of the method's kind.

    Raises
    ------
    AssertionError
        Describing the first violation.
    """
    for check in checks_for(method):
        check(method)


def check_card(card: Card) -> None:
    """Assert that a card is consistent with the method that reads it.

    A card of a method kind must name a registered method of the same kind;
    every unverified number must be marked so (the schema already enforces
    citations).

    Raises
    ------
    AssertionError
        Describing the violation.
    """
    if card.kind in METHOD_KINDS:
        assert card.method, f"card {card.id}: kind {card.kind!r} needs a 'method'"
        try:
            method = get_method(card.method)
        except (PluginError, KeyError) as error:
            raise AssertionError(f"card {card.id}: {error}") from None
        assert method.kind == card.kind, (
            f"card {card.id} is of kind {card.kind!r} but its method {card.method!r} "
            f"is of kind {method.kind!r}"
        )
    money = [n for n, p in card.parameters.items() if "CNY" in p.unit or "$" in p.unit]
    if money:
        assert card.price_year is not None, (
            f"card {card.id}: monetary parameters {money} need the card's price_year"
        )
