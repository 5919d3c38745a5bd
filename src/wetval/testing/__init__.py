"""Conformance checks for method plugins and cards, shipped for plugin authors.

Run :func:`check_method` on your method and :func:`check_card` on your cards
in your own test suite; wetval runs the same checks over every registered
method and every installed card. Each method kind registers its own checks
(call conventions, invariance to parcel order, units) with
:func:`register_kind_check`, so a third-party method is held to exactly the
standard the built-in ones meet.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from wetval.cards import Card
from wetval.errors import PluginError
from wetval.plugins import METHOD_KINDS, Method, get_method

__all__ = ["check_card", "check_method", "register_kind_check"]

KindCheck = Callable[[Method], None]
_KIND_CHECKS: dict[str, list[KindCheck]] = {}


def register_kind_check(kind: str) -> Callable[[KindCheck], KindCheck]:
    """Decorator registering a conformance check for every method of ``kind``."""
    if kind not in METHOD_KINDS:
        raise ValueError(f"unknown method kind {kind!r}")

    def decorator(check: KindCheck) -> KindCheck:
        _KIND_CHECKS.setdefault(kind, []).append(check)
        return check

    return decorator


def check_method(method: Method) -> None:
    """Assert that a method meets the plugin contract.

    Checks the generic contract (a named kind, a documented pure function)
    and then every check registered for the method's kind.

    Raises
    ------
    AssertionError
        Describing the first violation.
    """
    assert method.kind in METHOD_KINDS, f"{method.name}: unknown kind {method.kind!r}"
    assert method.name and method.name == method.name.strip().lower(), (
        f"method names are lower-case without spaces, got {method.name!r}"
    )
    assert method.summary, f"{method.name}: give a one-line summary"
    assert inspect.getdoc(method.function), f"{method.name}: the function needs a docstring"
    for check in _KIND_CHECKS.get(method.kind, []):
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


# Kind checks of the built-in method kinds register themselves on import; they use
# register_kind_check above, so they are imported last.
import wetval.valuation.conformance  # noqa: E402, F401
from wetval.quota import _checks as _quota_checks  # noqa: E402, F401
