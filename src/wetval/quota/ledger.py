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

The ledger and the area-and-quality balance meet in two places:
``balance(credits, debits, ledger=ledger)`` matches only the units the ledger
holds available, and :meth:`QuotaLedger.post` books that balance's matches as
debits (one per restoration account and occupation project).

Every ledger is checked when it is built, whether by an operation, directly or
by :meth:`QuotaLedger.from_json`: its transactions are replayed and each one
must keep these rules (and be numbered in order, dated no earlier than the one
before, on a registered account, with the release its milestone's share
gives). A tampered or hand-edited ledger file is refused with a
:class:`LedgerError` naming every offending transaction.

The transactions are chained by hash, as review records and the registry's
audit events are: each transaction's :attr:`~LedgerTransaction.hash` covers
its fields, the hash of the transaction before it and, for a ``register``,
the account's release schedule; the ledger's :attr:`~QuotaLedger.head` seals
the last hash, the number of transactions and the unit decimals. A hand edit
that keeps every ledger rule (a debit lowered, a reference rewritten, a
schedule share changed together with its release) no longer matches its
transaction's hash, and a deleted tail no longer matches the head, so
:meth:`QuotaLedger.from_json` refuses it naming the transaction. The chain
makes edits evident, not impossible: quote the head in the minutes (``wetval
ledger show`` prints it; ``--head`` checks it) or keep the ledger in the
registry for an anchor outside the file. A ledger built in code
(``QuotaLedger(transactions=...)``, with no head) gets its chain computed;
a ledger *file* must carry it (older files: :func:`migrate_ledger_file`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_UP, Decimal, getcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.atomic import write_atomic
from wetval.cards import Card
from wetval.dates import iso_date
from wetval.errors import WetvalError
from wetval.hashing import content_hash, result_hash
from wetval.messages import Message, Term
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Record, Result
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.quota.accounts import QuotaCredits
    from wetval.quota.balance import BalanceReport

__all__ = [
    "LedgerBalances",
    "LedgerError",
    "LedgerTransaction",
    "QuotaLedger",
    "migrate_ledger_file",
    "update_ledger_file",
]

KINDS = ("register", "release", "withhold", "debit")

#: The "hash before" the first transaction of every ledger.
GENESIS = "0" * 64


class LedgerError(WetvalError):
    """A ledger operation would break a ledger rule; the ledger is unchanged."""


@dataclass(frozen=True)
class LedgerBalances:
    """The per-account balances a matching draws on: from a ledger or from the registry.

    :func:`wetval.quota.balance` reads only these, so a ledger file
    (:meth:`QuotaLedger.balances`) and the registry
    (:meth:`wetval.registry.Registry.ledger_balances`) are matched by one code
    path. Pledged units are locked: ``available`` = released − debited − pledged.

    Attributes
    ----------
    table
        Per account (index ``account``): ``potential``, ``released``,
        ``debited``, ``pledged`` and ``available`` [quota units, Decimal].
    hash
        Names the exact state read: the ledger's :attr:`QuotaLedger.hash`, or
        the registry's audit-chain head.
    source
        ``"ledger"`` or ``"registry"``.
    unit_decimals
        Decimals kept for units.
    """

    table: pd.DataFrame
    hash: str
    source: str = "ledger"
    unit_decimals: int = 4

    def accounts(self) -> pd.DataFrame:
        """Per account: potential, released, debited, pledged and available units."""
        return self.table.copy()

    def available(self, account: str) -> Decimal:
        """Units released, not debited and not pledged [quota units]."""
        if account not in self.table.index:
            return Decimal(0)
        return Decimal(str(self.table.at[account, "available"]))


@dataclass(frozen=True)
class LedgerTransaction(Record):
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
    hash
        SHA-256 chaining this transaction to the one before it (see the
        module docstring); computed by the ledger, empty on a transaction
        built by hand.
    """

    seq: int
    kind: str
    account: str
    units: Decimal
    milestone: str | None
    reference: str
    date: str
    hash: str = ""

    def chained(self, previous: str, schedule: Sequence[tuple[str, Decimal]] | None) -> str:
        """The hash of this transaction after ``previous`` (``schedule``: a register's).

        Parameters
        ----------
        previous
            Hash of the transaction before it (:data:`GENESIS` for the first).
        schedule
            The account's release schedule for a ``register``; ignored otherwise.

        Returns
        -------
        str
            Hex SHA-256 digest.
        """
        return content_hash(
            {
                "previous": previous, "seq": self.seq, "kind": self.kind,
                "account": self.account, "units": str(self.units),
                "milestone": self.milestone, "reference": self.reference, "date": self.date,
                "schedule": (
                    [[str(m), str(s)] for m, s in schedule or ()]
                    if self.kind == "register"
                    else None
                ),
            }
        )  # fmt: skip


def _head(last: str, count: int, unit_decimals: int) -> str:
    """The seal of a chain: its last hash, its length and the ledger's unit decimals."""
    return content_hash(
        {"ledger_head": last, "transactions": count, "unit_decimals": unit_decimals}
    )


def _schedule_problem(shares: Sequence[tuple[str, Decimal]]) -> str | None:
    """Why a release schedule is malformed, or None."""
    names = [m for m, _ in shares]
    if not shares or any(s <= 0 for _, s in shares) or sum(s for _, s in shares) != 1:
        return f"release schedule needs positive shares summing to 1, got {tuple(shares)}"
    if len(set(names)) != len(names):
        return f"release schedule repeats a milestone: {names}"
    return None


@dataclass(frozen=True)
class _AccountState:
    """Balances of one account [quota units] and its released milestones, in order."""

    potential: Decimal
    released: Decimal
    debited: Decimal
    milestones: tuple[str, ...] = ()


class _Replay:
    """Balances after a run of transactions, each checked against the ledger rules.

    :meth:`apply` checks one transaction against the balances so far and, if
    it keeps every rule, applies it. Copies share the unchanged account
    states, so checking one more transaction costs O(accounts), not
    O(transactions).
    """

    def __init__(
        self,
        unit_decimals: int,
        accounts: dict[str, _AccountState] | None = None,
        last_date: str = "",
        count: int = 0,
    ) -> None:
        self.unit_decimals = unit_decimals
        self.step = Decimal(1).scaleb(-unit_decimals)
        self.accounts = dict(accounts or {})
        self.last_date = last_date
        self.count = count

    def copy(self) -> _Replay:
        return _Replay(self.unit_decimals, self.accounts, self.last_date, self.count)

    def expected_release(
        self, account: str, milestone: str | None, schedule: Sequence[tuple[str, Decimal]]
    ) -> Decimal:
        """Units a passed ``milestone`` releases [quota units]; 0 if it is not in the schedule."""
        names = [m for m, _ in schedule]
        state = self.accounts.get(account)
        if state is None or milestone not in names:
            return Decimal(0)
        position = names.index(milestone)
        if position == len(schedule) - 1:
            target = state.potential
        else:
            cumulative = sum((s for _, s in schedule[: position + 1]), Decimal(0))
            target = (state.potential * cumulative).quantize(self.step, rounding=ROUND_DOWN)
        return max(min(target, state.potential) - state.released, Decimal(0))

    def apply(
        self, t: LedgerTransaction, schedules: dict[str, tuple[tuple[str, Decimal], ...]]
    ) -> list[tuple[str, str]]:
        """Check ``t`` as the next transaction; apply it if it keeps every rule.

        Returns
        -------
        list of (reason, fix)
            Every rule ``t`` breaks; empty if it was applied.
        """
        problems: list[tuple[str, str]] = []
        if t.seq != self.count:
            problems.append(
                (f"is numbered {t.seq}, expected {self.count}", "number transactions 0, 1, 2, …")
            )
        if t.kind not in KINDS:
            problems.append((f"unknown kind {t.kind!r}", f"use one of {', '.join(KINDS)}"))
        try:
            date_ok = dt.date.fromisoformat(t.date).isoformat() == t.date
        except (TypeError, ValueError):
            date_ok = False
        if not date_ok:
            problems.append((f"date {t.date!r} is not an ISO date", "write dates as YYYY-MM-DD"))
        elif t.date < self.last_date:
            problems.append(
                (
                    f"dated {t.date}, earlier than the transaction before it ({self.last_date}); "
                    "the ledger is chronological",
                    "record transactions in date order",
                )
            )
        if not isinstance(t.reference, str) or not t.reference.strip():
            problems.append(
                (
                    "needs a reference (permit, contract or acceptance record)",
                    "give the record the transaction rests on",
                )
            )
        units_ok = isinstance(t.units, Decimal) and t.units.is_finite()
        if not units_ok or t.units != t.units.quantize(self.step):
            problems.append(
                (
                    f"units {t.units!r} are not a number with at most {self.unit_decimals} "
                    "decimals",
                    "round units to the ledger's decimals",
                )
            )
            units_ok = False
        state = self.accounts.get(t.account)
        if t.kind == "register":
            problems += self._check_register(t, state, schedules, units_ok)
        elif t.kind in KINDS and state is None:
            problems.append(
                (
                    f"unknown account {t.account!r}",
                    f"register it first; registered: {sorted(self.accounts) or '(none)'}",
                )
            )
        elif t.kind in ("release", "withhold") and state is not None:
            problems += self._check_milestone(t, state, schedules[t.account], units_ok)
        elif t.kind == "debit" and state is not None and units_ok:
            available = state.released - state.debited
            if t.units <= 0:
                problems.append((f"debit must be positive, got {t.units}", "debit whole units"))
            elif t.units > available:
                problems.append(
                    (
                        f"debit of {t.units} units from {t.account!r} rejected: only {available} "
                        f"available (released {state.released}, debited {state.debited})",
                        "wait for the next milestone or use another account",
                    )
                )
        if date_ok and t.date >= self.last_date:
            self.last_date = t.date
        self.count += 1
        if problems:
            return problems
        zero = Decimal(0).quantize(self.step)
        if t.kind == "register":
            self.accounts[t.account] = _AccountState(t.units, zero, zero)
        elif state is not None and t.kind == "release":
            self.accounts[t.account] = replace(
                state,
                released=state.released + t.units,
                milestones=(*state.milestones, str(t.milestone)),
            )
        elif state is not None and t.kind == "debit":
            self.accounts[t.account] = replace(state, debited=state.debited + t.units)
        return problems

    def _check_register(
        self,
        t: LedgerTransaction,
        state: _AccountState | None,
        schedules: dict[str, tuple[tuple[str, Decimal], ...]],
        units_ok: bool,
    ) -> list[tuple[str, str]]:
        problems = []
        if state is not None:
            problems.append(
                (f"account {t.account!r} is already registered", "use a new account id")
            )
        if t.account not in schedules:
            problems.append((f"account {t.account!r} has no release schedule", "give its schedule"))
        else:
            malformed = _schedule_problem(schedules[t.account])
            if malformed is not None:
                problems.append((f"{malformed} for {t.account!r}", "fix the schedule"))
        if units_ok and t.units < 0:
            problems.append(
                (f"potential units of {t.account!r} must be ≥ 0, got {t.units}", "register ≥ 0")
            )
        if t.milestone is not None:
            problems.append((f"a register carries milestone {t.milestone!r}", "drop it"))
        return problems

    def _check_milestone(
        self,
        t: LedgerTransaction,
        state: _AccountState,
        schedule: tuple[tuple[str, Decimal], ...],
        units_ok: bool,
    ) -> list[tuple[str, str]]:
        names = [m for m, _ in schedule]
        if t.milestone not in names:
            return [
                (
                    f"account {t.account!r} has no milestone {t.milestone!r}; has {names}",
                    "check a milestone of the account's schedule",
                )
            ]
        problems = []
        if t.milestone in state.milestones:
            problems.append(
                (
                    f"milestone {t.milestone!r} of {t.account!r} was already released",
                    "each milestone releases once",
                )
            )
        pending = [m for m in names[: names.index(t.milestone)] if m not in state.milestones]
        if pending:
            problems.append(
                (
                    f"milestone {t.milestone!r} of {t.account!r} cannot release before {pending}",
                    "check the milestones in schedule order",
                )
            )
        expected = (
            Decimal(0)
            if t.kind == "withhold"
            else self.expected_release(t.account, t.milestone, schedule)
        )
        if units_ok and not problems and t.units != expected:
            problems.append(
                (
                    f"{t.kind} of {t.units} units; milestone {t.milestone!r} gives {expected}",
                    "a release is the milestone's share of the potential; a withhold is 0",
                )
            )
        return problems


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

    Raises
    ------
    LedgerError
        On construction (directly or by :meth:`from_json`), naming every
        transaction that breaks a ledger rule, and every schedule of an
        account that was never registered.
    """

    transactions: tuple[LedgerTransaction, ...] = ()
    schedules: dict[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)
    unit_decimals: int = 4
    head: str = ""

    def __post_init__(self) -> None:
        if "_replay" in self.__dict__:
            return  # built by _append from a checked ledger: chain and balances are handed over
        chain = self._chain_problems()
        lines = []
        replay = _Replay(self.unit_decimals)
        for position, t in enumerate(self.transactions):
            label = (
                f"- transaction {position} ({t.date}, {t.kind}, account {t.account!r}, "
                f"{t.units} units): "
            )
            lines += [label + reason for reason in chain.pop(position, [])]
            lines += [label + reason for reason, _ in replay.apply(t, self.schedules)]
        lines += chain.pop(-1, [])
        lines += [
            f"- schedule of account {name!r}: no register transaction for it"
            for name in sorted(set(self.schedules) - set(replay.accounts))
        ]
        if lines:
            raise LedgerError(
                f"quota ledger refused: {len(lines)} problem(s) with its transactions "
                "(a transaction that breaks a rule is left out of the balances the later "
                "ones are checked against)\n"
                + "\n".join(lines)
                + "\nfix: every operation keeps these rules and the hash chain, so this ledger "
                "was edited or assembled by hand; restore it from the original ledger file, or "
                "rebuild it with QuotaLedger.register / milestone / debit (transactions are "
                "never edited)"
            )
        self.__dict__["_replay"] = replay

    def _chain_problems(self) -> dict[int, list[str]]:
        """Check the hash chain and the head, or compute them for a ledger built in code.

        Returns
        -------
        dict
            Reasons per transaction position (``-1``: the head).
        """
        problems: dict[int, list[str]] = {}
        computed = []
        previous = GENESIS
        for position, t in enumerate(self.transactions):
            expected = t.chained(previous, self.schedules.get(t.account))
            if self.head and t.hash != expected:
                problems[position] = [
                    "does not match its hash in the chain: it (or, for a register, its "
                    "account's release schedule) was edited after it was written"
                    if t.hash
                    else "has no hash: the chain of this ledger file is broken"
                ]
            # the stored hash links the next transaction, so an edit is named once, where it is
            previous = t.hash if self.head and t.hash else expected
            computed.append(replace(t, hash=expected))
        head = _head(previous, len(self.transactions), self.unit_decimals)
        if not self.head:
            object.__setattr__(self, "transactions", tuple(computed))
            object.__setattr__(self, "head", head)
        elif self.head != head:
            problems[-1] = [
                f"- the ledger's head {self.head[:12]} does not seal its "
                f"{len(self.transactions)} transactions (it seals {head[:12]}): transactions "
                "were deleted from its end, or the unit decimals were changed"
            ]
        return problems

    # ------------------------------------------------------------ state
    @cached_property
    def _replay(self) -> _Replay:
        """Balances after every transaction (set by ``__post_init__`` or ``_append``)."""
        raise AssertionError("unreachable: __post_init__ sets the replay")  # pragma: no cover

    @classmethod
    def from_json(cls, text: str) -> QuotaLedger:
        """Read a ledger file written by :meth:`to_json`, checking its hash chain.

        Raises
        ------
        LedgerError
            If the file has no hash chain (written before wetval kept one:
            :func:`migrate_ledger_file`), or a transaction does not match its
            hash or a ledger rule, or the head does not seal the transactions.
        ValueError
            If the text is no wetval ledger.
        """
        document = json.loads(text)
        fields = document.get("fields") if isinstance(document, dict) else None
        if isinstance(fields, dict) and not fields.get("head"):
            raise LedgerError(
                "the ledger file has no hash chain (it was written before wetval chained "
                "ledger transactions by hash, or its head was removed); fix: if it is the "
                "original file, seal it once with 'wetval ledger migrate FILE' (every "
                "transaction is checked against the ledger rules first) and record the head "
                "it prints"
            )
        return super().from_json(text)

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the ledger's content: names this exact state of the ledger."""
        return result_hash(self.to_json())

    def available(self, account: str) -> Decimal:
        """Units released and not yet debited [quota units]."""
        state = self._account(account)
        return state.released - state.debited

    def accounts(self) -> pd.DataFrame:
        """Per account: potential, released, debited, available and withheld units.

        ``withheld`` is the potential not yet released (including units whose
        milestone failed and awaits re-monitoring).
        """
        rows = {
            name: {
                "potential": s.potential,
                "released": s.released,
                "debited": s.debited,
                "available": s.released - s.debited,
                "withheld": s.potential - s.released,
                "next_milestone": self._next_milestone(name),
            }
            for name, s in sorted(self._replay.accounts.items())
        }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "account"
        return frame

    def balances(self) -> LedgerBalances:
        """Every account's balances as a matching reads them (nothing is pledged in a ledger)."""
        frame = self.accounts()
        columns = ["potential", "released", "debited", "available"]
        table = frame.reindex(columns=columns)
        table["pledged"] = pd.Series(Decimal(0), index=table.index, dtype=object)
        return LedgerBalances(
            table=table[["potential", "released", "debited", "pledged", "available"]],
            hash=self.hash,
            source="ledger",
            unit_decimals=self.unit_decimals,
        )

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

    @property
    def provenance(self) -> Provenance:
        """The ledger's state hash (a ledger is a record of transactions, no method's output)."""
        return Provenance(method="quota_ledger", inputs={"ledger": self.hash})

    def summary(self) -> Summary:
        """Units per account (potential, released, debited, available) and the next milestone."""
        frame = self.accounts()
        table = pd.DataFrame(
            {
                "account": [str(a) for a in frame.index],
                **{
                    key: list(frame[column])
                    for key, column in (
                        ("potential_units", "potential"), ("released", "released"),
                        ("debited", "debited"), ("available", "available"),
                    )
                },
                "next_milestone": [
                    Term("sum_none", "none") if not m else str(m) for m in frame["next_milestone"]
                ],
            }
        )  # fmt: skip
        title = Message.of(
            "sum_ledger", "note", transactions=len(self.transactions), accounts=len(frame)
        )
        return Summary(title, (SummaryTable("accounts", "ledger_table", table),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Per account: units debited, available and withheld (stacked) [quota units]."""
        ax = axes(ax, figsize=(8, 0.4 * max(len(self._replay.accounts), 1) + 1.5))
        frame = self.accounts().iloc[::-1]
        names = [str(a) for a in frame.index]
        left = np.zeros(len(frame))
        for column, colour in (
            ("debited", "tab:gray"),
            ("available", "tab:green"),
            ("withheld", "tab:orange"),
        ):
            values = frame[column].astype(float).to_numpy()
            ax.barh(names, values, left=left, color=colour, label=column)
            left += values
        ax.set_xlabel("quota units / 指标单位")
        ax.set_title(f"Quota ledger / 指标台账 ({len(self.transactions)} transactions)")
        ax.legend(loc="lower right", fontsize="small")
        return ax

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
        units = self._units(potential, ROUND_DOWN)
        shares = tuple((str(m), Decimal(str(s))) for m, s in schedule)
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
        if not passed:
            return self._append("withhold", account, Decimal(0), milestone, reference, date)
        amount = self._replay.expected_release(account, milestone, schedule)
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
        return self._append("debit", account, amount, None, reference, date)

    def post(self, report: BalanceReport, *, reference: str, date: dt.date | str) -> QuotaLedger:
        """Debit the credit units a balance matched against this ledger.

        One debit per (restoration account, occupation project), in that
        order, of the credit units the project's matches took from the
        account (before location factors: the account holds credit units).
        Each debit is the rise of the account's running total rounded up, so
        the account is debited its total rounded up once, not once per
        project.

        Parameters
        ----------
        report
            ``balance(credits, debits, ledger=self)``: the balance must have
            been computed against exactly this ledger state.
        reference
            Record behind the debits (e.g. the occupation approval batch); the
            occupation project id is appended to it.
        date
            ISO date of the debits.

        Returns
        -------
        QuotaLedger
            This ledger with the debits appended (this one is unchanged).

        Raises
        ------
        LedgerError
            If the balance was computed without a ledger or against another
            ledger state, or a debit breaks a ledger rule.
        """
        from wetval.quota.accounts import NO_PROJECT

        matched_against = report.provenance.inputs.get("ledger")
        if matched_against != self.hash:
            found = (
                "without a ledger"
                if matched_against is None
                else f"against ledger state {matched_against[:12]}"
            )
            raise LedgerError(
                f"the balance was computed {found}, not against this ledger "
                f"({self.hash[:12]}, {len(self.transactions)} transactions); fix: rerun "
                "balance(credits, debits, ledger=ledger) with this ledger and post that report"
            )
        taken = (
            report.matches.assign(
                account=report.matches["credit_project"].fillna(NO_PROJECT).astype(str),
                occupation=report.matches["project_id"].fillna(NO_PROJECT).astype(str),
            )
            .groupby(["account", "occupation"], sort=True)["credit_units"]
            .sum()
        )
        step = Decimal(1).scaleb(-self.unit_decimals)
        ledger = self
        booked: dict[str, Decimal] = {}
        running: dict[str, float] = {}
        for account, occupation, units in taken.reset_index().itertuples(index=False):
            running[account] = running.get(account, 0.0) + float(units)
            # six further decimals absorb the float noise of summing parcel shares
            total = Decimal(str(round(running[account], self.unit_decimals + 6)))
            total = total.quantize(step, rounding=ROUND_UP)
            amount = total - booked.get(account, Decimal(0))
            booked[account] = total
            if amount > 0:
                ledger = ledger.debit(
                    account, amount, reference=f"{reference} · {occupation}", date=date
                )
        return ledger

    # ----------------------------------------------------------- helpers
    def _units(self, value: float | Decimal | str, rounding: str) -> Decimal:
        fix = "; fix: give the units as a decimal number, e.g. 12.5"
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except ArithmeticError:
            raise LedgerError(f"units {value!r} are not a number{fix}") from None
        if not number.is_finite():
            raise LedgerError(f"units {value!r} are not a finite number{fix}")
        try:
            return number.quantize(Decimal(1).scaleb(-self.unit_decimals), rounding=rounding)
        except ArithmeticError:  # more digits than the decimal context keeps (1e400)
            raise LedgerError(
                f"units {value!r} are far too large for a quota ledger (more than "
                f"{getcontext().prec - self.unit_decimals} digits before the point){fix}"
            ) from None

    def _schedule(self, account: str) -> tuple[tuple[str, Decimal], ...]:
        if account not in self.schedules:
            raise LedgerError(
                f"unknown account {account!r}; registered: {sorted(self.schedules) or '(none)'}"
            )
        return self.schedules[account]

    def _account(self, account: str) -> _AccountState:
        self._schedule(account)
        return self._replay.accounts[account]

    def _next_milestone(self, account: str) -> str | None:
        done = self._replay.accounts[account].milestones
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
        if not isinstance(reference, str):
            raise LedgerError(f"the reference of a {kind} on {account!r} must be text")
        transaction = LedgerTransaction(
            seq=len(self.transactions),
            kind=kind,
            account=account,
            units=units,
            milestone=milestone,
            reference=reference.strip(),
            date=iso_date(date, "date"),
        )
        schedules = {**self.schedules, **(new_schedule or {})}
        previous = self.transactions[-1].hash if self.transactions else GENESIS
        transaction = replace(
            transaction, hash=transaction.chained(previous, schedules.get(account))
        )
        replay = self._replay.copy()
        problems = replay.apply(transaction, schedules)
        if problems:
            raise LedgerError(
                f"{kind} on {account!r}: "
                + "; ".join(f"{reason}; fix: {fix}" for reason, fix in problems)
            )
        ledger = QuotaLedger.__new__(QuotaLedger)
        # hand over the checked balances so __post_init__ does not replay the whole history
        ledger.__dict__["_replay"] = replay
        QuotaLedger.__init__(
            ledger, transactions=(*self.transactions, transaction), schedules=schedules,
            unit_decimals=self.unit_decimals,
            head=_head(transaction.hash, len(self.transactions) + 1, self.unit_decimals),
        )  # fmt: skip
        return ledger


def _read_ledger(path: Path, *, unchained: bool = False) -> QuotaLedger:
    """Read a ledger file; ``unchained``: read a file written before the hash chain."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError(
            f"cannot read the ledger file {str(path)!r} ({error.strerror}); fix: check the path"
        ) from None
    try:
        if unchained:
            ledger = super(QuotaLedger, QuotaLedger).from_json(text)
            if json.loads(text)["fields"].get("head"):
                raise LedgerError(
                    f"the ledger file {str(path)!r} already has a hash chain (head "
                    f"{ledger.head[:12]}); nothing to migrate"
                )
            return ledger
        return QuotaLedger.from_json(text)
    except LedgerError as error:
        raise LedgerError(f"{path}: {error}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise LedgerError(
            f"{str(path)!r} is not a wetval quota ledger file ({error}); fix: give the JSON "
            "file written by 'wetval ledger open'"
        ) from None


def _write_ledger(target: Path, ledger: QuotaLedger) -> None:
    """Write ``ledger`` through :func:`wetval.atomic.write_atomic` (unique temporary name)."""
    try:
        write_atomic(target, ledger.to_json(indent=1).encode("utf-8"))
    except OSError as error:
        raise LedgerError(
            f"cannot write the ledger file {str(target)!r} ({error.strerror}); nothing was "
            "changed; fix: check the folder is writable and has free space"
        ) from None


def update_ledger_file(
    path: str | os.PathLike[str],
    change: Callable[[QuotaLedger], QuotaLedger],
    *,
    output: str | os.PathLike[str] | None = None,
) -> tuple[QuotaLedger, QuotaLedger]:
    """Apply ``change`` to the ledger file under an exclusive lock, re-reading it first.

    Concurrent writers of one ledger file (several ``wetval ledger debit``
    processes) queue on the lock; each re-reads the ledger the previous one
    wrote, so no transaction is lost. The new ledger is written with
    :func:`wetval.atomic.write_atomic` (a uniquely named temporary file
    swapped in), so a failure leaves the file as it was. The lock is an
    advisory ``flock`` on the ledger file itself (POSIX); a writer that finds
    the file swapped while it waited locks the new file and reads again.

    Parameters
    ----------
    path
        The ledger file [JSON].
    change
        Builds the new ledger from the current one (e.g.
        ``lambda ledger: ledger.debit(...)``); a :class:`LedgerError` it
        raises leaves the file unchanged.
    output
        Write the new ledger here instead of back to ``path``.

    Returns
    -------
    tuple of QuotaLedger
        The ledger as read under the lock, and the ledger written.

    Raises
    ------
    LedgerError
        If the file cannot be read, is no ledger, has no or a broken hash
        chain, or cannot be written, or ``change`` breaks a ledger rule.
    """
    return _locked_update(Path(path), change, output, unchained=False)


def migrate_ledger_file(path: str | os.PathLike[str]) -> QuotaLedger:
    """Seal a ledger file written before wetval chained transactions by hash.

    Every transaction is checked against the ledger rules, the chain and
    the head are computed and the file is rewritten in place (under the
    lock, atomically). Record the head it returns (``ledger.head``) in the
    minutes: from now on any edit of the file is refused.

    Parameters
    ----------
    path
        The old ledger file [JSON].

    Returns
    -------
    QuotaLedger
        The sealed ledger.

    Raises
    ------
    LedgerError
        If the file already has a chain, is no ledger, or breaks a ledger rule.
    """
    return _locked_update(Path(path), lambda ledger: ledger, None, unchained=True)[1]


def _locked_update(
    source: Path,
    change: Callable[[QuotaLedger], QuotaLedger],
    output: str | os.PathLike[str] | None,
    *,
    unchained: bool,
) -> tuple[QuotaLedger, QuotaLedger]:
    import fcntl  # POSIX only; wetval's CLI runs on Linux and macOS servers

    target = Path(output) if output is not None else source
    while True:
        try:
            handle = source.open("rb")
        except OSError as error:
            raise LedgerError(
                f"cannot open the ledger file {str(source)!r} ({error.strerror}); fix: check "
                "the path"
            ) from None
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_ino != os.stat(source).st_ino:
                    continue  # another writer swapped the file in while this one waited
            except FileNotFoundError:
                continue
            before = _read_ledger(source, unchained=unchained)
            after = change(before)
            _write_ledger(target, after)
            return before, after


# ------------------------------------------------------------------ checking interface
#: Balances of one account [quota units] and its released milestones, for stores that
#: keep the ledger elsewhere (the registry) and check each transaction with these rules.
AccountBalance = _AccountState


def check_transaction(
    t: LedgerTransaction,
    schedule: Sequence[tuple[str, Decimal]],
    *,
    unit_decimals: int,
    account: AccountBalance | None = None,
    last_date: str = "",
    count: int = 0,
) -> str:
    """Why ``t`` may not follow a ledger in this state; empty text if it keeps every rule.

    Parameters
    ----------
    t
        The next transaction.
    schedule
        Release schedule of ``t.account``.
    account
        Balances of ``t.account`` so far (``None``: not registered).
    last_date, count
        Date and number of transactions so far in the whole ledger.
    """
    replay = _Replay(unit_decimals, {} if account is None else {t.account: account})
    replay.last_date, replay.count = last_date, count
    problems = replay.apply(t, {t.account: tuple(schedule)})
    return "; ".join(f"{reason}; fix: {fix}" for reason, fix in problems)


def release_due(
    account: AccountBalance,
    milestone: str,
    schedule: Sequence[tuple[str, Decimal]],
    *,
    unit_decimals: int,
) -> Decimal:
    """Units a passed ``milestone`` releases from ``account`` [quota units]."""
    return _Replay(unit_decimals, {"": account}).expected_release("", milestone, schedule)
