"""Exceptions and warnings raised by wetval.

Every error a user can cause derives from :class:`WetvalError`. Errors about
input data collect *every* problem before raising, so one run tells the user
everything that must be fixed: each problem names the row, the column, the
offending value, why it is wrong and, where possible, how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ArgumentTypeError",
    "CardError",
    "DataQualityWarning",
    "DateError",
    "DependencyError",
    "MethodInputsError",
    "MethodKindError",
    "MethodResultError",
    "OutputError",
    "PluginError",
    "PluginWarning",
    "Problem",
    "ProblemCollector",
    "UnknownCardError",
    "UnknownMethodError",
    "ValidationError",
    "WetvalError",
    "WetvalWarning",
]

#: How many offending rows of one kind an error message lists before it
#: summarises the rest as a count (the full list is on ``error.problems``).
MESSAGE_ROWS_PER_GROUP = 20


class WetvalError(Exception):
    """Base class of every error wetval raises on purpose."""


class WetvalWarning(UserWarning):
    """Base class of wetval's warnings.

    A warning made with :meth:`of` carries its :class:`~wetval.messages.Message`
    (:attr:`keyed`): its text is the English one, and an assessment keeps the
    message, so a Chinese report shows it in Chinese.
    """

    def __init__(self, *args: Any, keyed: Any = None) -> None:
        super().__init__(*args)
        self.keyed = keyed

    @classmethod
    def of(cls, message: Any) -> WetvalWarning:
        """The warning of a message (English text, the message kept as :attr:`keyed`)."""
        return cls(message.text("en"), keyed=message)


class DataQualityWarning(WetvalWarning):
    """Input data are usable but something deserves a reviewer's attention."""


class PluginWarning(WetvalWarning):
    """A third-party method plugin could not be loaded and was skipped."""


class DateError(WetvalError, ValueError):
    """A date argument or field is not a calendar date; names it and the forms read."""


class DependencyError(WetvalError, ImportError):
    """An optional dependency needed for this call is not installed."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {missing!r}, which is not installed. "
            f"Install it with: pip install 'wetval[{extra}]'"
        )
        self.extra = extra
        self.missing = missing


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell, row, column or key of the input.

    Parameters
    ----------
    reason
        What is wrong, in words a data clerk understands.
    row
        Where the row is: a spreadsheet row number (``int``, header = row 1) or
        the row's label in a DataFrame. ``None`` for problems of a whole column.
    parcel_id
        The parcel identifier of the row, when it is known.
    column
        The column (or card key) the problem is in.
    value
        The offending value, as found.
    fix
        What would fix it.
    """

    reason: str
    row: Any = None
    parcel_id: Any = None
    column: str | None = None
    value: Any = None
    fix: str | None = None


_PROBLEM_COLUMNS = ["row", "parcel_id", "column", "value", "reason", "fix"]


def _take(values: Any, positions: np.ndarray) -> np.ndarray:
    """Values at ``positions`` as an object array (missing as ``None``)."""
    if isinstance(values, pd.Series | pd.Index):
        taken = values.take(positions)
    else:
        taken = pd.Series(np.asarray(values, dtype=object)).take(positions)
    result = np.array(taken, dtype=object)
    result[np.asarray(pd.isna(taken), dtype=bool)] = None
    return result


class ProblemCollector:
    """Accumulate problems, row-wise or for whole boolean masks at once.

    Parameters
    ----------
    row_labels
        Label of each input row, in input order (spreadsheet row numbers or
        DataFrame index labels).
    parcel_ids
        Parcel id of each input row, when already known.
    """

    def __init__(
        self,
        row_labels: Sequence[Any] | np.ndarray | pd.Index | pd.Series | None = None,
        parcel_ids: Sequence[Any] | np.ndarray | pd.Index | pd.Series | None = None,
    ) -> None:
        self._row_labels = row_labels
        self._parcel_ids = parcel_ids
        self._chunks: list[pd.DataFrame] = []

    def set_parcel_ids(self, parcel_ids: Sequence[Any] | np.ndarray | pd.Index | pd.Series) -> None:
        """Attach parcel ids to rows added from now on."""
        self._parcel_ids = parcel_ids

    def add(self, problem: Problem) -> None:
        """Add a single problem."""
        self._chunks.append(pd.DataFrame([problem.__dict__], columns=_PROBLEM_COLUMNS))

    def add_rows(
        self,
        mask: np.ndarray | pd.Series,
        *,
        column: str | None,
        values: Sequence[Any] | np.ndarray | pd.Series,
        reason: str,
        fix: str | None = None,
    ) -> None:
        """Add one problem for every row where ``mask`` is true.

        Parameters
        ----------
        mask
            Boolean array over all input rows.
        column
            Column the problem is in.
        values
            The column's values over all input rows.
        reason, fix
            As in :class:`Problem`; the same for every flagged row.
        """
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        chunk = pd.DataFrame(
            {
                "row": _take(self._row_labels, positions)
                if self._row_labels is not None
                else positions,
                "parcel_id": _take(self._parcel_ids, positions)
                if self._parcel_ids is not None
                else None,
                "column": column,
                "value": _take(values, positions),
                "reason": reason,
                "fix": fix,
            },
            columns=_PROBLEM_COLUMNS,
        )
        self._chunks.append(chunk)

    def __bool__(self) -> bool:
        return bool(self._chunks)

    def frame(self) -> pd.DataFrame:
        """All problems collected so far, one row each."""
        if not self._chunks:
            return pd.DataFrame(columns=_PROBLEM_COLUMNS)
        return pd.concat(self._chunks, ignore_index=True)

    def raise_if_any(self, what: str, source: str | None = None) -> None:
        """Raise one :class:`ValidationError` listing every problem, if there are any."""
        if self._chunks:
            raise ValidationError(self.frame(), what=what, source=source)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _format_value(value: Any) -> str:
    if _is_empty(value):
        return "(empty)"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _format_row(row: Any, parcel_id: Any) -> str:
    parts = []
    if row is not None and not (isinstance(row, float) and np.isnan(row)):
        parts.append(f"row {row}")
    if parcel_id is not None and not (isinstance(parcel_id, float) and np.isnan(parcel_id)):
        parts.append(f"parcel {parcel_id}")
    return " / ".join(parts)


class ValidationError(WetvalError, ValueError):
    """Input data failed validation; lists every problem found.

    Parameters
    ----------
    problems
        One row per problem with the columns ``row``, ``parcel_id``, ``column``,
        ``value``, ``reason`` and ``fix`` (see :class:`Problem`), or an
        iterable of :class:`Problem`.
    what
        What was being validated, e.g. ``"parcel table"``.
    source
        Where the data came from (file path), if known.

    Attributes
    ----------
    problems : pandas.DataFrame
        Every problem, also those the message leaves out for brevity.
    """

    def __init__(
        self,
        problems: pd.DataFrame | Iterable[Problem],
        *,
        what: str,
        source: str | None = None,
    ) -> None:
        if not isinstance(problems, pd.DataFrame):
            problems = pd.DataFrame([p.__dict__ for p in problems], columns=_PROBLEM_COLUMNS)
        self.problems = problems.reset_index(drop=True)
        self.what = what
        self.source = source
        super().__init__(self._message())

    def message(self, rows_per_group: int | None = MESSAGE_ROWS_PER_GROUP) -> str:
        """The error's text, listing up to ``rows_per_group`` rows per problem (None: all).

        The command line prints every row (``rows_per_group=None``); ``str(error)``
        lists the first :data:`MESSAGE_ROWS_PER_GROUP` of each kind.
        """
        return self._message(rows_per_group)

    def _message(self, rows_per_group: int | None = MESSAGE_ROWS_PER_GROUP) -> str:
        limit = len(self.problems) if rows_per_group is None else rows_per_group
        n = len(self.problems)
        where = f" ({self.source})" if self.source else ""
        lines = [f"{n} problem{'s' if n != 1 else ''} in the {self.what}{where}:"]
        for (column, reason), group in self.problems.groupby(
            ["column", "reason"], sort=False, dropna=False
        ):
            label = f"column {column!r}" if isinstance(column, str) else "table"
            count = len(group)
            located_rows = group["row"].notna() | group["parcel_id"].notna()
            lines.append(
                f"- {label}: {reason}"
                + (f" ({count} row{'s' if count != 1 else ''})" if located_rows.any() else "")
            )
            fixes = {f for f in group["fix"] if isinstance(f, str) and f}
            fix_per_row = len(fixes) > 1
            for record in group.head(limit).itertuples(index=False):
                located = _format_row(record.row, record.parcel_id)
                if located or not _is_empty(record.value):
                    value = _format_value(record.value)
                    line = f"    {located}: {value}" if located else f"    {value}"
                    if fix_per_row and isinstance(record.fix, str) and record.fix:
                        line += f" (fix: {record.fix})"
                    lines.append(line)
            if count > limit:
                lines.append(f"    ... and {count - limit} more (all are listed in error.problems)")
            if fixes and not fix_per_row:
                lines.append(f"    fix: {fixes.pop()}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Every problem as a table (a copy of :attr:`problems`)."""
        return self.problems.copy()


class CardError(WetvalError):
    """A method card is malformed; names the file and each offending key.

    Parameters
    ----------
    source
        The card file (or card id) the problems are in.
    problems
        ``(key, message)`` pairs; the key is a dotted path such as
        ``"parameters.D.value"``.
    """

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.key_problems = list(problems)
        lines = [f"invalid method card {source}:"]
        lines += [f"- {key or '(top level)'}: {message}" for key, message in self.key_problems]
        if not any("fix:" in message for _, message in self.key_problems):
            lines.append(
                "fix: correct these keys of the card (docs/cards.md lists the keys and the "
                "parameters of each kind; 'wetval cards show ID' prints a shipped card to start "
                "from)"
            )
        super().__init__("\n".join(lines))


class UnknownCardError(WetvalError, KeyError):
    """No card with the given id is installed."""

    def __init__(self, card_id: str, known: Sequence[str]) -> None:
        self.card_id = card_id
        self.known = sorted(known)
        super().__init__(
            f"no method card with id {card_id!r}; fix: use an installed card "
            f"({', '.join(self.known)}), or pass the path of a .toml file to load a card of "
            "your own"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownMethodError(WetvalError, KeyError):
    """No method with the given name is registered."""

    def __init__(self, name: str, known: Sequence[str], kind: str | None = None) -> None:
        self.name = name
        self.known = sorted(known)
        scope = f" of kind {kind!r}" if kind else ""
        super().__init__(
            f"no method named {name!r}{scope}. Registered methods: "
            f"{', '.join(self.known) or '(none)'}."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class PluginError(WetvalError):
    """A method plugin exists but could not be loaded or is malformed."""


class MethodKindError(PluginError):
    """A method was run as another kind, or on a card of a kind it does not read."""


class MethodInputsError(PluginError, TypeError):
    """A method was given an inputs bundle of the wrong type (names the expected one)."""


class MethodResultError(PluginError, TypeError):
    """A method returned something other than its kind's result type."""


class OutputError(WetvalError):
    """An output cannot be written, or would replace an earlier one; nothing was written.

    The message names the path, why, and the fix (another path, ``--force``,
    free space, permissions).
    """


class ArgumentTypeError(WetvalError, TypeError):
    """A public function was given an argument of the wrong type.

    The message names the argument, what was given and what is expected.
    """
