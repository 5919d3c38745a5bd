"""The one argument check at wetval's public entries: what was given, what is expected.

Public functions start with one line per table or result argument::

    parcels = accept(parcels, ParcelTable, "parcels")

:func:`accept` returns the argument when it has the expected type, converts
the obvious stand-ins (a pandas DataFrame or the path of a file where a
:class:`~wetval.tables.ParcelTable` or :class:`~wetval.tables.IndicatorTable`
is wanted, the path of a project file where an assessment spec is wanted),
and otherwise raises :class:`~wetval.errors.ArgumentTypeError` naming the
function, the argument, what was given and what is expected — instead of an
``AttributeError`` deep inside a method. Conversions validate as the readers
do, so a converted DataFrame with bad rows is a
:class:`~wetval.errors.ValidationError` naming them.

Types defined above this layer (the assessment spec) register their
conversions with :func:`register_conversion` where they are defined.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, overload

import pandas as pd

from wetval.errors import ArgumentTypeError

__all__ = ["accept", "register_conversion"]

T = TypeVar("T")

#: Per expected type: how it is described, and (accepted stand-in types, converter) pairs.
_CONVERSIONS: dict[type, tuple[str, list[tuple[tuple[type, ...], Callable[[Any], Any], str]]]] = {}

_PATH = (str, os.PathLike)


def register_conversion(
    expected: type,
    described: str,
    accepted: tuple[type, ...],
    convert: Callable[[Any], Any],
    stand_in: str,
) -> None:
    """Let :func:`accept` turn values of the ``accepted`` types into ``expected``.

    Parameters
    ----------
    expected
        The type a public function wants.
    described
        What to call it in an error, e.g. ``"a ParcelTable"``; the stand-ins
        are added (``"a ParcelTable, a pandas DataFrame or a file path"``).
    accepted
        Types that are converted.
    convert
        The conversion (e.g. :meth:`ParcelTable.from_frame`).
    stand_in
        What to call the accepted types in an error (e.g. ``"a file path"``).
    """
    _, pairs = _CONVERSIONS.setdefault(expected, (described, []))
    _CONVERSIONS[expected] = (described, [*pairs, (accepted, convert, stand_in)])


def _given(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, Path):
        return f"the path {str(value)!r}"
    kind = type(value)
    module = kind.__module__
    name = (
        kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__qualname__}"
    )
    if isinstance(value, list | tuple | dict | set):
        return f"a {name} of {len(value)} item(s)"
    return f"a {name}"


def _a(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _described(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    parts = []
    for kind in types:
        described, pairs = _CONVERSIONS.get(kind, (_a(kind.__name__), []))
        parts.append(described)
        parts += [stand_in for _, _, stand_in in pairs]
    unique = list(dict.fromkeys(parts))
    return ", ".join(unique[:-1]) + (" or " if len(unique) > 1 else "") + unique[-1]


@overload
def accept(value: object, expected: type[T], name: str, *, optional: bool = False) -> T: ...


@overload
def accept(
    value: object, expected: tuple[type, ...], name: str, *, optional: bool = False
) -> Any: ...


def accept(
    value: object, expected: type | tuple[type, ...], name: str, *, optional: bool = False
) -> Any:
    """``value`` as the ``expected`` type, converted if it is an obvious stand-in.

    Parameters
    ----------
    value
        The argument as given.
    expected
        The type (or types) the function wants.
    name
        The argument's name, for the message.
    optional
        ``None`` is allowed (and returned).

    Returns
    -------
    object
        ``value``, or its conversion.

    Raises
    ------
    ArgumentTypeError
        If ``value`` is neither the expected type nor a stand-in; the message
        names the calling function, the argument, what was given and what is
        expected.
    """
    if value is None and optional:
        return None
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, types):
        return value
    for kind in types:
        for accepted, convert, _ in _CONVERSIONS.get(kind, ("", []))[1]:
            if isinstance(value, accepted):
                return convert(value)
    caller = sys._getframe(1).f_code.co_name
    raise ArgumentTypeError(
        f"{caller}(): {name} must be {_described(expected)}"
        + (" (or None)" if optional else "")
        + f"; got {_given(value)}; fix: pass {_described(expected)}"
    )


def _with_id_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame indexed by ``parcel_id`` (as ``to_frame()`` gives) with it as a column."""
    if frame.index.name == "parcel_id" and "parcel_id" not in frame.columns:
        return frame.reset_index()
    return frame


def _register_tables() -> None:
    from wetval.cards import Card, load_card
    from wetval.io import read_indicators, read_parcels
    from wetval.tables import IndicatorTable, ParcelTable

    register_conversion(Card, "a Card", _PATH, load_card, "a card id or the path of a card file")
    frame = "a pandas DataFrame"
    register_conversion(
        ParcelTable, "a ParcelTable", (pd.DataFrame,),
        lambda f: ParcelTable.from_frame(_with_id_column(f)), frame,
    )  # fmt: skip
    register_conversion(ParcelTable, "a ParcelTable", _PATH, read_parcels, "a parcel file's path")
    register_conversion(
        IndicatorTable, "an IndicatorTable", (pd.DataFrame,),
        lambda f: IndicatorTable.from_frame(_with_id_column(f)), frame,
    )  # fmt: skip
    register_conversion(
        IndicatorTable, "an IndicatorTable", _PATH, read_indicators, "an indicator file's path"
    )


_register_tables()
