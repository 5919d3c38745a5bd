"""Errors of the review package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wetval.errors import WetvalError

__all__ = ["InfeasibleDrawError", "ReviewIntegrityError"]


class InfeasibleDrawError(WetvalError):
    """No panel satisfies the draw rules with the eligible experts.

    Attributes
    ----------
    shortfalls
        What is short and by how many: a field id (eligible experts missing
        in that field), ``"panel"`` (eligible experts missing in all),
        ``"alternates"`` or ``"combination"`` (seats missing because too
        few eligible experts cover several fields at once).
    """

    def __init__(self, message: str, shortfalls: Mapping[str, int]) -> None:
        super().__init__(message)
        self.shortfalls = dict(shortfalls)


class ReviewIntegrityError(WetvalError):
    """A stored review record, draw or pool history fails verification.

    Attributes
    ----------
    failures
        Every check that failed, in words (which entry, which field).
    """

    def __init__(self, what: str, failures: Sequence[str]) -> None:
        self.what = what
        self.failures = list(failures)
        lines = [f"{what} failed verification ({len(self.failures)} problem(s)):"]
        lines += [f"- {failure}" for failure in self.failures]
        lines.append(
            "The stored record does not match its hashes: it was altered after it was made, "
            "or it is not the record you expected. Use the original file."
        )
        super().__init__("\n".join(lines))
