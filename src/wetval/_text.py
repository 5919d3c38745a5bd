"""Plain-text tables that line up with Chinese characters (double-width)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def display_width(text: str) -> int:
    """Columns a string occupies in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def text_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], indent: int = 2) -> str:
    """Format rows as an aligned text table; numbers right-aligned.

    Parameters
    ----------
    rows
        Table rows; floats get two decimals and thousands separators.
    headers
        Column headers.
    indent
        Spaces before each line.
    """
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) and not isinstance(row[i], bool) for row in rows)
        for i in range(len(headers))
    ]
    widths = [
        max([display_width(h)] + [display_width(row[i]) for row in cells])
        for i, h in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, width, right in zip(values, widths, numeric, strict=True):
            padding = " " * (width - display_width(value))
            parts.append(padding + value if right else value + padding)
        return " " * indent + "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])
