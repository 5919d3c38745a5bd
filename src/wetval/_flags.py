"""The one parser of yes/no columns (flags) in parcel tables, rosters and similar inputs.

A flag column may hold real booleans, 1/0 (also read as 1.0/0.0 when a
spreadsheet column has blanks) or the words 是/否, yes/no, true/false, y/n,
t/f, in any case and with surrounding spaces. A caller may accept further
words of its own domain (e.g. 已核实/未核实 for a verification column). Empty
cells take the caller's documented default; any other value is a problem of
that row, collected so that one error names every offending row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wetval.errors import ProblemCollector

__all__ = ["FALSE_WORDS", "FLAG_SPELLINGS", "TRUE_WORDS", "parse_flags"]

#: Words read as true (compared after stripping and case-folding).
TRUE_WORDS = frozenset({"是", "yes", "y", "true", "t", "1", "1.0"})
#: Words read as false (compared after stripping and case-folding).
FALSE_WORDS = frozenset({"否", "no", "n", "false", "f", "0", "0.0"})
#: The accepted spellings, for error messages and documentation.
FLAG_SPELLINGS = "是/否, yes/no, true/false, y/n or 1/0"


def _word(value: object) -> str:
    """The comparable text of one distinct cell value."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value).strip().casefold()


def parse_flags(
    values: Sequence[Any] | np.ndarray | pd.Series | pd.api.extensions.ExtensionArray | None,
    n: int,
    *,
    column: str,
    problems: ProblemCollector,
    default: bool,
    true_words: Iterable[str] = (),
    false_words: Iterable[str] = (),
    reason: str = "not a yes/no flag",
    fix: str | None = None,
) -> np.ndarray:
    """Read a yes/no column as booleans, collecting every unreadable cell as a problem.

    Vectorised over the distinct values of the column, not over rows.

    Parameters
    ----------
    values
        The column's cells in row order, or None when the column is absent
        (every row takes ``default``).
    n
        Number of rows [-].
    column
        Column name, for the problems.
    problems
        Collector of the caller's input (its row labels name the rows).
    default
        Value of empty cells (missing, None, NaN or blank text).
    true_words, false_words
        Further words accepted besides :data:`TRUE_WORDS` / :data:`FALSE_WORDS`
        (lower case).
    reason
        Reason given for an unreadable cell.
    fix
        How to correct an unreadable cell; by default the accepted spellings
        and what an empty cell means.

    Returns
    -------
    numpy.ndarray
        Boolean flag per row; rows with unreadable cells are False (the
        caller raises the collected problems before using them).
    """
    if values is None:
        return np.full(n, default, dtype=bool)
    plain = getattr(values, "dtype", None)
    if plain is not None and plain == np.dtype(bool):
        # real booleans read as themselves (no cell can be empty or unreadable)
        return np.array(values, dtype=bool)
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    words = [_word(u) for u in uniques]
    true = TRUE_WORDS.union(true_words)
    false = FALSE_WORDS.union(false_words)
    # per distinct value, then one gather; the extra last entry is the missing-value sentinel
    empty = np.array([w == "" for w in words] + [True], dtype=bool)[codes]
    is_true = np.array([w in true for w in words] + [False], dtype=bool)[codes]
    is_false = np.array([w in false for w in words] + [False], dtype=bool)[codes]
    problems.add_rows(
        ~(empty | is_true | is_false),
        column=column,
        values=series,
        reason=reason,
        fix=fix or f"write {FLAG_SPELLINGS}; leave the cell empty for {'yes' if default else 'no'}",
    )
    flags: np.ndarray = np.where(empty, default, is_true)
    return flags
