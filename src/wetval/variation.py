"""How a method's results vary with its card's parameters: what an uncertainty hook returns.

A method may declare an uncertainty hook (:attr:`wetval.plugins.Method.uncertainty`):
a function of the card (and of the inputs the kind names, see
``docs/uncertainty.md``) returning a :class:`Variation`. The Monte Carlo
chain (:class:`wetval.uncertainty.PriceChain`) asks the method for it instead
of knowing methods by name; a method without a hook is held at the values of
its run, and the chain says so in a note.

Draws reach a hook's factors keyed by the parameter's name on its card
(``"D"``, ``"coefficients.ln_area"``), each an array of N values (one per draw);
a parameter not drawn is absent and stands at its central value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from wetval.cards import Distribution
from wetval.messages import Message

__all__ = ["DrawFactor", "HookParameter", "Variation"]

#: Per-draw multipliers given draws of a card's parameters (name → N values) and N:
#: an (N, k) array, or None when none of the parameters it reads is drawn.
DrawFactor = Callable[[Mapping[str, np.ndarray], int], np.ndarray | None]


@dataclass(frozen=True)
class HookParameter:
    """An uncertain parameter a method declares that is not a parameter of its card.

    Attributes
    ----------
    name
        Name the draws use (e.g. ``"coefficients.ln_area"``).
    central
        The value of the run [``unit``].
    distribution
        The distribution its draws come from.
    unit
        Unit of the parameter.
    note
        Where it enters.
    verified
        Whether its source is verified.
    """

    name: str
    central: float
    distribution: Distribution
    unit: str
    note: str
    verified: bool


@dataclass(frozen=True)
class Variation:
    """Which of a card's parameters change a method's result, and how, per draw.

    Attributes
    ----------
    entering
        Card parameter name → where it enters. The card's other parameters with a
        distribution are held at their central value.
    held
        Why the card's other uncertain parameters are held (the chain's note
        "held at its central value: <held>").
    held_because
        Parameter name → a specific reason it is held (overrides ``held``), e.g. a
        rate no parcel uses.
    added
        Uncertain parameters that are not card parameters (e.g. regression
        coefficients with standard errors), all entering.
    service_factor
        Valuation methods: multipliers of each service's values, draws × services
        (or draws × 1 for all services alike).
    parcel_factor
        Valuation methods: multipliers of each parcel's values, draws × parcels.
    note
        A statement for the chain's notes (e.g. what is approximated), or None.
    """

    entering: Mapping[str, str] = field(default_factory=dict)
    held: str | Message = ""
    held_because: Mapping[str, str | Message] = field(default_factory=dict)
    added: tuple[HookParameter, ...] = ()
    service_factor: DrawFactor | None = None
    parcel_factor: DrawFactor | None = None
    note: str | None = None
