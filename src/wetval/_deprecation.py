"""The one way wetval keeps an old name working for one release.

A renamed or moved name is listed in its old module's table of old name →
``"new.module:new_name"``; :func:`forward` builds the module's PEP 562
``__getattr__`` that imports the new name on first use and warns with a
:class:`DeprecationWarning` naming the replacement. Nothing else in wetval
warns about deprecations, so the wording and the removal promise are the same
everywhere, and ``tests/test_import_layers.py`` can read every table (it checks
that a forward never points up the layers).

Example
-------
In ``wetval/quota/__init__.py``::

    __getattr__ = forward(__name__, {"pool_finance": "wetval.pricing:pool_finance"})
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["forward"]


def forward(module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving deprecated names to their replacements.

    Parameters
    ----------
    module
        The old module's name (pass ``__name__``).
    moved
        Old name → ``"package.module:name"`` of its replacement.

    Returns
    -------
    callable
        ``__getattr__(name)``: the replacement object, after a
        :class:`DeprecationWarning`; :class:`AttributeError` for any other name.
    """
    table = dict(moved)
    for old, target in table.items():
        if target.count(":") != 1:
            raise ValueError(f"{module}.{old}: target {target!r} is not 'module:name'")

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new_module, new_name = target.split(":")
        warnings.warn(
            f"{module}.{name} is deprecated: use {new_module}.{new_name}; "
            "the old name will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new_module), new_name)

    __getattr__.moved = table  # type: ignore[attr-defined]
    return __getattr__
