"""Quota ledger: potential → released → debited → available, append-only.

Modelled on US mitigation-bank ledgers (33 CFR 332.8(o) milestone releases,
332.8(p) ledger of every transaction; shared/reference/credit-accounting.md
§4). Each account (usually a restoration project) has a *potential* number of
quota units and a release schedule of milestones (restoration acceptance,
monitoring years). Units become *released* only when a milestone is passed,
in schedule order; a failed (withheld) milestone releases nothing until a
later check passes. Units are *debited* against occupation permits or
contracts and never beyond what is *available* (released − debited).

The ledger is immutable: every operation returns a new ledger with one more
transaction; earlier transactions never change. Units are kept as
:class:`~decimal.Decimal` with a fixed number of decimals so the invariants
hold exactly:

* Σ released ≤ potential, per account;
* Σ debited ≤ Σ released, per account, after every transaction;
* a debit larger than the available units is rejected (no overdraft);
* a withheld milestone releases nothing;
* every transaction carries a reference (permit, contract, acceptance record).

Releases are rounded down and debits rounded up to the ledger's decimals, so
rounding never creates units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from wetval._text import text_table
from wetval.cards import Card
from wetval.errors import WetvalError
from wetval.results import Result

if TYPE_CHECKING:
    from wetval.quota.accounts import QuotaCredits

__all__ = ["LedgerError", "LedgerTransaction", "QuotaLedger"]

KINDS = ("register", "release", "withhold", "debit")


class LedgerError(WetvalError):
    """A ledger operation would break a ledger rule; the ledger is unchanged."""


@dataclass(frozen=True)
class LedgerTransaction(Result):
    """One ledger transaction.

    Attributes
    ----------
    seq
        Position in the ledger (0, 1, 2, ...).
    kind
        ``register`` (potential units), ``release`` (a milestone passed),
        ``withhold`` (a milestone failed; 0 units) or ``debit``.
    account
        Account (restoration project) id.
    units
        Units of the transaction [quota units] (potential for ``register``).
    milestone
        Milestone of a ``release`` or ``withhold``.
    reference
        Permit, contract or acceptance record the transaction rests on.
    date
        ISO date.
    """

    seq: int
    kind: str
    account: str
    units: Decimal
    milestone: str | None
    reference: str
    date: str


def _iso(date: dt.date | str) -> str:
    if isinstance(date, dt.date):
        return date.isoformat()
    try:
        return dt.date.fromisoformat(date).isoformat()
    except (TypeError, ValueError):
        raise LedgerError(f"date {date!r} is not an ISO date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class QuotaLedger(Result):
    """An append-only quota ledger (see the module docstring).

    Attributes
    ----------
    transactions
        Every transaction, oldest first.
    schedules
        Per account: ``(milestone, share)`` pairs in release order.
    unit_decimals
        Decimals kept for units.
    """

    transactions: tuple[LedgerTransaction, ...] = ()
    schedules: dict[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)
    unit_decimals: int = 4

    # ------------------------------------------------------------ state
    @cached_property
    def _state(self) -> dict[str, dict[str, Decimal]]:
        state: dict[str, dict[str, Decimal]] = {}
        zero = self._units(0, ROUND_DOWN)
        for t in self.transactions:
            account = state.setdefault(
                t.account, {"potential": zero, "released": zero, "debited": zero}
            )
            if t.kind == "register":
                account["potential"] += t.units
            elif t.kind == "release":
                account["released"] += t.units
            elif t.kind == "debit":
                account["debited"] += t.units
        return state

    @cached_property
    def _released_milestones(self) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {}
        for t in self.transactions:
            if t.kind == "release" and t.milestone is not None:
                done.setdefault(t.account, []).append(t.milestone)
        return done

    def available(self, account: str) -> Decimal:
        """Units released and not yet debited [quota units]."""
        state = self._account(account)
        return state["released"] - state["debited"]

    def accounts(self) -> pd.DataFrame:
        """Per account: potential, released, debited, available and withheld units.

        ``withheld`` is the potential not yet released (including units whose
        milestone failed and awaits re-monitoring).
        """
        rows = {
            name: {
                "potential": s["potential"],
                "released": s["released"],
                "debited": s["debited"],
                "available": s["released"] - s["debited"],
                "withheld": s["potential"] - s["released"],
                "next_milestone": self._next_milestone(name),
            }
            for name, s in sorted(self._state.items())
        }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "account"
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Every transaction, one row each, oldest first."""
        return pd.DataFrame(
            [
                {
                    "seq": t.seq, "date": t.date, "kind": t.kind, "account": t.account,
                    "milestone": t.milestone, "units": t.units, "reference": t.reference,
                }
                for t in self.transactions
            ],
            columns=["seq", "date", "kind", "account", "milestone", "units", "reference"],
        )  # fmt: skip

    def summary(self) -> str:
        """Balances per account and the number of transactions."""
        frame = self.accounts()
        rows = [
            [
                str(a), str(r.potential), str(r.released), str(r.debited), str(r.available),
                r.next_milestone or "-",
            ]
            for a, r in frame.iterrows()
        ]  # fmt: skip
        return "\n".join(
            [
                f"Quota ledger: {len(self.transactions)} transactions, {len(frame)} accounts",
                text_table(
                    rows, ["account", "potential", "released", "debited", "available", "next"]
                ),
            ]
        )

    # -------------------------------------------------------- operations
    @classmethod
    def from_credits(
        cls,
        credits: QuotaCredits,
        *,
        reference: str,
        date: dt.date | str,
        card: Card | None = None,
    ) -> QuotaLedger:
        """Open a ledger with one account per restoration project of ``credits``.

        Each account's potential is the project's credit units; its release
        schedule is the ``release_schedule`` table of the quota card (the
        card of ``credits`` unless another is given).
        """
        from wetval.quota.accounts import QuotaRules

        rules = QuotaRules.from_card(card or credits.card)
        ledger = cls(unit_decimals=rules.unit_decimals)
        schedule = [(m, Decimal(str(s))) for m, s in rules.release_schedule]
        for project, row in credits.by_project().iterrows():
            if row["units"] > 0:
                # the parcels' units are multiples of 10^-decimals; their float sum is not
                # (0.7 + 0.1 = 0.7999…), and register() rounds down: round to nearest first
                potential = round(float(row["units"]), ledger.unit_decimals)
                ledger = ledger.register(
                    str(project), potential, schedule=schedule, reference=reference, date=date
                )
        return ledger

    def register(
        self,
        account: str,
        potential: float | Decimal | str,
        *,
        schedule: Sequence[tuple[str, Decimal | float | str]],
        reference: str,
        date: dt.date | str,
    ) -> QuotaLedger:
        """Add an account with its potential units and release schedule.

        Parameters
        ----------
        account
            New account id (e.g. the restoration project id).
        potential
            Potential units [quota units], ≥ 0.
        schedule
            ``(milestone, share)`` in release order; shares > 0 summing to 1.
        reference, date
            Record behind the registration (e.g. the approved restoration design).

        Raises
        ------
        LedgerError
            If the account exists, the schedule is malformed or the reference is empty.
        """
        if account in self.schedules:
            raise LedgerError(f"account {account!r} is already registered")
        units = self._units(potential, ROUND_DOWN)
        if units < 0:
            raise LedgerError(f"potential units of {account!r} must be ≥ 0, got {units}")
        shares = tuple((str(m), Decimal(str(s))) for m, s in schedule)
        names = [m for m, _ in shares]
        if not shares or any(s <= 0 for _, s in shares) or sum(s for _, s in shares) != 1:
            raise LedgerError(
                f"release schedule of {account!r} needs positive shares summing to 1, got {shares}"
            )
        if len(set(names)) != len(names):
            raise LedgerError(f"release schedule of {account!r} repeats a milestone: {names}")
        return self._append("register", account, units, None, reference, date, {account: shares})

    def milestone(
        self,
        account: str,
        milestone: str,
        *,
        passed: bool,
        reference: str,
        date: dt.date | str,
    ) -> QuotaLedger:
        """Record a milestone check; a pass releases the milestone's share.

        A failed check (``passed=False``) is recorded as ``withhold`` with 0
        units; the milestone can be checked again later. Milestones release
        in schedule order, each once.

        Raises
        ------
        LedgerError
            For an unknown account or milestone, a milestone already released,
            or one whose predecessors have not been released.
        """
        schedule = self._schedule(account)
        names = [m for m, _ in schedule]
        if milestone not in names:
            raise LedgerError(f"account {account!r} has no milestone {milestone!r}; has {names}")
        done = self._released_milestones.get(account, [])
        if milestone in done:
            raise LedgerError(f"milestone {milestone!r} of {account!r} was already released")
        position = names.index(milestone)
        pending = [m for m in names[:position] if m not in done]
        if pending:
            raise LedgerError(
                f"milestone {milestone!r} of {account!r} cannot release before {pending}"
            )
        if not passed:
            return self._append("withhold", account, Decimal(0), milestone, reference, date)
        state = self._account(account)
        cumulative = sum((s for _, s in schedule[: position + 1]), Decimal(0))
        if position == len(schedule) - 1:
            target = state["potential"]
        else:
            target = self._units(state["potential"] * cumulative, ROUND_DOWN)
        amount = max(min(target, state["potential"]) - state["released"], Decimal(0))
        return self._append("release", account, amount, milestone, reference, date)

    def debit(
        self,
        account: str,
        units: float | Decimal | str,
        *,
        reference: str,
        date: dt.date | str,
    ) -> QuotaLedger:
        """Debit units against an occupation permit or contract.

        Raises
        ------
        LedgerError
            If the units are not positive or exceed the available units.
        """
        amount = self._units(units, ROUND_UP)
        if amount <= 0:
            raise LedgerError(f"debit must be positive, got {amount}")
        available = self.available(account)
        if amount > available:
            raise LedgerError(
                f"debit of {amount} units from {account!r} rejected: only {available} available "
                f"(released {self._account(account)['released']}, debited "
                f"{self._account(account)['debited']}); wait for the next milestone or use "
                "another account"
            )
        return self._append("debit", account, amount, None, reference, date)

    # ----------------------------------------------------------- helpers
    def _units(self, value: float | Decimal | str, rounding: str) -> Decimal:
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except ArithmeticError:
            raise LedgerError(f"units {value!r} are not a number") from None
        if not number.is_finite():
            raise LedgerError(f"units {value!r} are not a finite number")
        return number.quantize(Decimal(1).scaleb(-self.unit_decimals), rounding=rounding)

    def _schedule(self, account: str) -> tuple[tuple[str, Decimal], ...]:
        if account not in self.schedules:
            raise LedgerError(
                f"unknown account {account!r}; registered: {sorted(self.schedules) or '(none)'}"
            )
        return self.schedules[account]

    def _account(self, account: str) -> dict[str, Decimal]:
        self._schedule(account)
        return self._state[account]

    def _next_milestone(self, account: str) -> str | None:
        done = self._released_milestones.get(account, [])
        pending = [m for m, _ in self.schedules.get(account, ()) if m not in done]
        return pending[0] if pending else None

    def _append(
        self,
        kind: str,
        account: str,
        units: Decimal,
        milestone: str | None,
        reference: str,
        date: dt.date | str,
        new_schedule: dict[str, tuple[tuple[str, Decimal], ...]] | None = None,
    ) -> QuotaLedger:
        if not isinstance(reference, str) or not reference.strip():
            raise LedgerError(
                f"{kind} on {account!r} needs a reference (permit, contract or acceptance record)"
            )
        iso = _iso(date)
        if self.transactions and iso < self.transactions[-1].date:
            raise LedgerError(
                f"{kind} dated {iso} is earlier than the last transaction "
                f"({self.transactions[-1].date}); the ledger is chronological"
            )
        transaction = LedgerTransaction(
            seq=len(self.transactions),
            kind=kind,
            account=account,
            units=units,
            milestone=milestone,
            reference=reference.strip(),
            date=iso,
        )
        return QuotaLedger(
            transactions=(*self.transactions, transaction),
            schedules={**self.schedules, **(new_schedule or {})},
            unit_decimals=self.unit_decimals,
        )
