"""Units: area conversions.

Areas are kept in square metres (``area_m2``), the unit of the Third National
Land Survey (三调) fields TBMJ, KCMJ and TBDLMJ, and converted only where a
formula or a report needs hectares or 亩 (mu).

1 ha = 10,000 m² and 1 亩 = 10,000 / 15 m² (≈ 666.67 m²), so 1 ha = 15 亩
(the statutory 市制 mu; see ``shared/reference/README.md``, *Conventions*).
"""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np
import pandas as pd

__all__ = ["AREA_UNITS", "M2_PER_HA", "M2_PER_MU", "AreaUnit", "convert_area"]

AreaUnit = Literal["m2", "ha", "mu"]

#: Square metres per hectare [m²/ha].
M2_PER_HA = 10_000.0
#: Square metres per 亩 [m²/亩]; exactly 10,000 / 15.
M2_PER_MU = 10_000.0 / 15.0

#: Square metres in one unit of each supported area unit.
AREA_UNITS: dict[str, float] = {"m2": 1.0, "ha": M2_PER_HA, "mu": M2_PER_MU}

_T = TypeVar("_T", float, np.ndarray, pd.Series)


def convert_area(value: _T, from_unit: AreaUnit, to_unit: AreaUnit) -> _T:
    """Convert an area between m², ha and 亩.

    Parameters
    ----------
    value
        Area(s) in ``from_unit``: a number, an array or a Series.
    from_unit, to_unit
        ``"m2"``, ``"ha"`` or ``"mu"`` (亩).

    Returns
    -------
    Same type as ``value``
        The area(s) in ``to_unit``.

    Examples
    --------
    >>> convert_area(1.0, "ha", "mu")
    15.0
    >>> round(convert_area(1.0, "mu", "m2"), 2)
    666.67
    """
    try:
        factor = AREA_UNITS[from_unit] / AREA_UNITS[to_unit]
    except KeyError as missing:
        raise ValueError(
            f"unknown area unit {missing.args[0]!r}; use one of {sorted(AREA_UNITS)}"
        ) from None
    return value * factor
