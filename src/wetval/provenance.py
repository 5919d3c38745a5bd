"""Provenance: what produced a result, so anyone can reproduce it.

Every result object carries a :class:`Provenance`: the wetval and library
versions, the method cards used (id, version, content hash), hashes of the
input data, the random seed and the options. Hashes are SHA-256 hex digests.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import scipy
from pydantic import BaseModel, ConfigDict, Field

from wetval._version import __version__
from wetval.hashing import frame_hash
from wetval.messages import Message

__all__ = ["CardRef", "Provenance", "frame_hash", "library_versions"]


def library_versions() -> dict[str, str]:
    """Versions of wetval, Python and the core libraries, for provenance."""
    return {
        "wetval": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "pydantic": pydantic.VERSION,
    }


class CardRef(BaseModel):
    """Reference to a method card as used: id, version and content hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    hash: str


class Provenance(BaseModel):
    """What produced a result.

    Attributes
    ----------
    versions
        wetval, Python and core library versions.
    method
        Name of the method that produced the result, if any.
    cards
        Cards used, in the order used.
    inputs
        Input name → SHA-256 of its content.
    seed
        Seed of the random generator, if randomness was involved.
    options
        Any options that change the result.
    notes
        Plain statements a reviewer should read (e.g. "no condition result
        given: services not condition-adjusted").
    """

    model_config = ConfigDict(frozen=True)

    versions: dict[str, str] = Field(default_factory=library_versions)
    method: str | None = None
    cards: tuple[CardRef, ...] = ()
    inputs: dict[str, str] = Field(default_factory=dict)
    seed: int | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    notes: tuple[str | Message, ...] = ()

    def with_inputs(self, **hashes: str) -> Provenance:
        """Return a copy with more input hashes."""
        return self.model_copy(update={"inputs": {**self.inputs, **hashes}})

    def merged(self, *others: Provenance, options: Mapping[str, Any] | None = None) -> Provenance:
        """Combine provenance of several steps (cards and inputs are united)."""
        cards = list(self.cards)
        inputs = dict(self.inputs)
        notes = list(self.notes)
        for other in others:
            cards += [c for c in other.cards if c not in cards]
            inputs.update(other.inputs)
            notes += [n for n in other.notes if n not in notes]
        return self.model_copy(
            update={
                "cards": tuple(cards),
                "inputs": inputs,
                "notes": tuple(notes),
                "options": {**self.options, **(options or {})},
            }
        )
