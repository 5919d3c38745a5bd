"""Method registry: built-in and third-party methods through entry points.

A *method* is a pure, vectorised function of (parcels, indicators or upstream
results, card) registered under the entry-point group ``wetval.methods``. The
entry point's name is the method name and its value an importable
:class:`Method` object::

    # pyproject.toml of a plugin package
    [project.entry-points."wetval.methods"]
    my-unit-values = "my_package.methods:MY_UNIT_VALUES"

wetval's own methods are registered exactly the same way in wetval's
``pyproject.toml``. Discovery is lazy: nothing is imported until a method is
asked for. A plugin that fails to import, or does not hold a
:class:`Method`, is skipped by :func:`list_methods` with a
:class:`~wetval.errors.PluginWarning`; asking for it by name raises
:class:`~wetval.errors.PluginError` with the cause.

Every method has one calling convention, ``f(card, inputs) -> result``:
``inputs`` is the frozen inputs bundle of the method's kind and the result its
result type (both in :data:`wetval.kinds.KINDS`). :func:`run` is the one
dispatcher: it finds the card's method, checks kind, card kind, inputs and
result, and every step of wetval (``score``, ``value``, ``assess``...) runs
methods through it. Each kind has conformance checks in :mod:`wetval.testing`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from wetval._deprecation import warn as warn_deprecated
from wetval.errors import (
    MethodInputsError,
    MethodKindError,
    MethodResultError,
    PluginError,
    PluginWarning,
    UnknownMethodError,
)
from wetval.kinds import KINDS

if TYPE_CHECKING:
    from wetval.cards import Card

__all__ = [
    "METHOD_GROUP",
    "METHOD_KINDS",
    "RENAMED_METHODS",
    "Method",
    "get_method",
    "list_methods",
    "register",
    "renamed_method",
    "run",
    "unregister",
]

METHOD_GROUP = "wetval.methods"

#: Known method kinds and what a method of each kind computes (from :data:`wetval.kinds.KINDS`).
METHOD_KINDS: dict[str, str] = {kind: spec.description for kind, spec in KINDS.items()}


#: Method names retired in favour of a method with an option, accepted in cards for one
#: release with a :class:`DeprecationWarning`: old name -> (kind, new name, options set).
RENAMED_METHODS: dict[str, tuple[str, str, dict[str, str]]] = {
    old: ("condition", "condition-index", {"aggregation": old})
    for old in (
        "weighted-sum",
        "hierarchical-points",
        "topsis",
        "weighted-geometric-mean",
        "minimum",
    )
}


def renamed_method(
    kind: str, method: str | None, options: dict[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """The current method and options of a card naming a retired method, with a warning.

    The one place where retired method names are mapped (see :data:`RENAMED_METHODS`);
    cards apply it when they load.

    Parameters
    ----------
    kind, method, options
        The card's kind, method and options as written.

    Returns
    -------
    tuple or None
        ``(method, options)`` to use instead, or ``None`` if the name is current.

    Warns
    -----
    DeprecationWarning
        When the name is retired (names the replacement to write).
    """
    renamed = RENAMED_METHODS.get(method or "")
    if renamed is None or renamed[0] != kind:
        return None
    _, new, set_options = renamed
    written = ", ".join(f'{key} = "{value}"' for key, value in set_options.items())
    warn_deprecated(
        f'method = "{method}" in a {kind} card',
        f'method = "{new}" with options {written}',
        stacklevel=3,
    )
    return new, {**options, **set_options}


@dataclass(frozen=True)
class Method:
    """A registered method.

    Attributes
    ----------
    name
        Registry name (the entry point's name), e.g. ``"xie-equivalent"``.
    kind
        One of :data:`METHOD_KINDS`.
    function
        The pure function that computes it, ``function(card, inputs)`` with the
        inputs bundle of the kind (:data:`wetval.kinds.KINDS`), returning the
        kind's result type.
    summary
        One line describing the method, for listings.
    card_kinds
        Card kinds this method accepts as its card (default: just ``kind``);
        :func:`run` refuses a card of another kind.
    uncertainty
        Optional uncertainty hook: returns a :class:`wetval.variation.Variation`
        saying which card parameters change the method's result and the per-draw
        multipliers (arguments by kind: ``(card, parcels)`` for valuation kinds,
        ``(card, inputs)`` with :class:`~wetval.pricing.PricingInputs` for
        ``pricing``). Without one, the Monte Carlo chain holds the method's
        result at its run and notes it.
    body
        The typed body of the method's cards (a :class:`wetval.cards.CardBody`
        subclass), validated when a card of this method loads; ``None`` leaves
        the card's options and tables unchecked.
    references
        Ids of cards the method always reads besides its own (constant
        dependencies, e.g. benefit transfer's ``transfer-errors``); resolved
        with the card's declared references into the bundle before it runs.
    """

    name: str
    kind: str
    function: Callable[..., Any]
    summary: str
    card_kinds: tuple[str, ...] = ()
    uncertainty: Callable[..., Any] | None = None
    body: type[BaseModel] | None = None
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in METHOD_KINDS:
            raise PluginError(
                f"method {self.name!r} declares unknown kind {self.kind!r}; "
                f"known kinds: {', '.join(METHOD_KINDS)}"
            )
        if not callable(self.function):
            raise PluginError(f"method {self.name!r}: function is not callable")
        if not self.card_kinds:
            object.__setattr__(self, "card_kinds", (self.kind,))

    def apply(self, card: Card, inputs: object) -> Any:
        """Run this method on a card, checking the contract at both ends.

        :func:`run` finds the method by the card's name and calls this; the
        conformance checks of :mod:`wetval.testing` call it directly.

        Parameters
        ----------
        card
            A card of one of :attr:`card_kinds` (its ``method`` is not read).
        inputs
            The inputs bundle of the method's kind.

        Returns
        -------
        Any
            The method's result, an instance of the kind's result type.

        Raises
        ------
        MethodKindError
            If the card's kind is not one of :attr:`card_kinds`.
        MethodInputsError
            If ``inputs`` is not the kind's inputs bundle (names the expected type).
        MethodResultError
            If the method returns another type than the kind's result.
        """
        spec = KINDS[self.kind]
        self.check_call(card, inputs)
        result = self.function(card, inputs)
        if not isinstance(result, spec.result_type):
            raise MethodResultError(
                f"method {self.name!r} returned a {type(result).__name__}; a {self.kind!r} "
                f"method returns {spec.result.replace(':', '.')}"
            )
        return result

    def check_call(self, card: Card, inputs: object) -> None:
        """Refuse a card of another kind or inputs that are not the kind's bundle.

        Raises
        ------
        MethodKindError, MethodInputsError
            As :meth:`apply`.
        """
        spec = KINDS[self.kind]
        if card.kind not in self.card_kinds:
            raise MethodKindError(
                f"method {self.name!r} reads cards of kind {', '.join(self.card_kinds)}; "
                f"card {card.id!r} is of kind {card.kind!r}"
            )
        if not isinstance(inputs, spec.inputs):
            raise MethodInputsError(
                f"a {self.kind!r} method is given a {spec.inputs.__module__}."
                f"{spec.inputs.__qualname__}, not a {type(inputs).__name__} "
                f"(method {self.name!r}, card {card.id!r})"
            )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method's function directly, without the checks of :meth:`apply`."""
        return self.function(*args, **kwargs)

    @property
    def module(self) -> str:
        """Module defining the method's function."""
        return str(getattr(self.function, "__module__", "?"))


@cache
def _entry_points() -> dict[str, metadata.EntryPoint]:
    points: dict[str, metadata.EntryPoint] = {}
    for entry_point in metadata.entry_points(group=METHOD_GROUP):
        if entry_point.name in points and points[entry_point.name].value != entry_point.value:
            warnings.warn(
                f"two installed packages register a method named {entry_point.name!r} "
                f"({points[entry_point.name].value} and {entry_point.value}); "
                "the first is used",
                PluginWarning,
                stacklevel=3,
            )
            continue
        points.setdefault(entry_point.name, entry_point)
    return points


@cache
def _load(name: str) -> Method:
    entry_point = _entry_points()[name]
    try:
        loaded = entry_point.load()
    except Exception as error:
        raise PluginError(
            f"method {name!r} ({entry_point.value}) could not be imported: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(loaded, Method):
        raise PluginError(
            f"entry point {name!r} ({entry_point.value}) is a {type(loaded).__name__}, "
            "not a wetval.plugins.Method"
        )
    if loaded.name != name:
        raise PluginError(
            f"entry point {name!r} holds a method that calls itself {loaded.name!r}; "
            "the two names must match"
        )
    return loaded


#: Methods registered in this process with :func:`register` (not through entry points).
_REGISTERED: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Register a method in this process, as an entry point would (notebooks, docs, tests).

    A package registers its methods through entry points; this is for trying a
    method out before packaging it. :func:`unregister` removes it again.

    Parameters
    ----------
    method
        The method; its name must not be taken by an installed method.

    Returns
    -------
    Method
        ``method``, so the call can wrap the definition.

    Raises
    ------
    PluginError
        If an installed or registered method already has the name.
    """
    if method.name in _entry_points() or method.name in _REGISTERED:
        raise PluginError(f"a method named {method.name!r} is already registered")
    _REGISTERED[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method registered with :func:`register` (nothing if there is none)."""
    _REGISTERED.pop(name, None)


def get_method(name: str, kind: str | None = None) -> Method:
    """Return the method registered under ``name``.

    Parameters
    ----------
    name
        Method name, e.g. ``"xie-equivalent"``.
    kind
        If given, the method must be of this kind.

    Raises
    ------
    UnknownMethodError
        If no method has that name (lists the registered names).
    PluginError
        If the method's plugin cannot be loaded or is of another kind.
    """
    points = _entry_points()
    if name not in points and name not in _REGISTERED:
        known = [m.name for m in list_methods(kind)] if kind else [*points, *_REGISTERED]
        raise UnknownMethodError(name, known, kind)
    method = _REGISTERED[name] if name in _REGISTERED else _load(name)
    if kind is not None and method.kind != kind:
        raise MethodKindError(f"method {name!r} is of kind {method.kind!r}, not {kind!r}")
    return method


def run(kind: str, card: Card, inputs: object) -> Any:
    """Run the method a card names: the one dispatcher of every method kind.

    Parameters
    ----------
    kind
        The kind of step (one of :data:`METHOD_KINDS`).
    card
        A loaded card naming its method (``card.method``).
    inputs
        The kind's inputs bundle (:data:`wetval.kinds.KINDS`), e.g.
        :class:`wetval.kinds.QuotaInputs` for ``"quota"``.

    Returns
    -------
    Any
        The method's result, an instance of the kind's result type.

    Raises
    ------
    MethodKindError
        For an unknown kind, a card without a method, a method of another kind
        or a card of a kind the method does not read.
    UnknownMethodError
        If no method has the card's name (lists the methods of the kind).
    MethodInputsError
        If ``inputs`` is not the kind's inputs bundle (names the expected type).
    MethodResultError
        If the method returns another type than the kind's result.
    PluginError
        If the method's plugin cannot be loaded.
    CardError
        If a card the method's card references (or the method declares) is not
        found: one error naming the referring card file and the dotted key.
    """
    if kind not in KINDS:
        raise MethodKindError(f"unknown method kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if not card.method:
        raise MethodKindError(f"card {card.id!r} (kind {card.kind!r}) names no method")
    method = get_method(card.method, kind)
    method.check_call(card, inputs)  # before the inputs name the cards to resolve
    # every card the method reads is resolved here, once, into a bundle before it computes
    bundle = card.references_bundle(
        kind, (*method.references, *KINDS[kind].references_of(card, inputs))
    )
    with bundle.use():
        return method.apply(card, inputs)


def list_methods(kind: str | None = None) -> list[Method]:
    """Every loadable registered method, optionally of one kind, sorted by kind and name.

    Plugins that fail to load are skipped with a :class:`~wetval.errors.PluginWarning`.
    """
    if kind is not None and kind not in METHOD_KINDS:
        raise ValueError(f"unknown method kind {kind!r}; known kinds: {', '.join(METHOD_KINDS)}")
    methods = []
    for name in _entry_points():
        try:
            method = _load(name)
        except PluginError as error:
            warnings.warn(f"skipping a broken method plugin: {error}", PluginWarning, stacklevel=2)
            continue
        if kind is None or method.kind == kind:
            methods.append(method)
    methods += [m for m in _REGISTERED.values() if kind is None or m.kind == kind]
    return sorted(methods, key=lambda m: (m.kind, m.name))


def clear_cache() -> None:
    """Forget discovered entry points (after installing a plugin at run time)."""
    _entry_points.cache_clear()
    _load.cache_clear()
