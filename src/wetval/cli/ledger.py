"""``wetval ledger open|milestone|debit|post|show``: the quota-ledger commands.

The centre keeps its quota ledger (:class:`wetval.quota.QuotaLedger`) as one
JSON file. ``open`` starts it from an assessment's credits; ``milestone``,
``debit`` and ``post`` append transactions and write the ledger back (to the
same file unless ``--output`` names another) under an exclusive lock, re-reading
the file first, so concurrent writers never lose a transaction, and through a
uniquely named temporary file so a failure never leaves a half-written ledger;
``show`` prints the balances and the ledger's head (``--head`` checks it against
the head quoted in the minutes); ``migrate`` seals a ledger file written before the
transactions were chained by hash.
Every operation is checked by the ledger itself: an overdraft, a milestone out
of order or a balance computed against another ledger state is refused and
nothing is written. Handlers follow :mod:`wetval.cli.common` (``--json`` output,
wetval errors exit with 1).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from wetval.cli.common import cli_date, emit, load_result, write_result
from wetval.errors import Problem, ValidationError

if TYPE_CHECKING:
    from wetval.quota import QuotaLedger

__all__ = ["add_ledger_commands"]


def _ledger(path: str) -> QuotaLedger:
    from wetval.quota import LedgerError, QuotaLedger

    try:
        return load_result(path, QuotaLedger, "quota ledger")
    except LedgerError as error:
        raise LedgerError(f"{path}: {error}") from None


def _report(
    args: argparse.Namespace, target: str, before: QuotaLedger | None, after: QuotaLedger
) -> None:
    """Print the transactions ``after`` added to ``before`` and the balances."""
    added = after.to_frame().iloc[len(before.transactions) if before is not None else 0 :]
    text = "\n".join(
        [
            f"ledger written to {target}: {len(added)} new transaction(s), "
            f"{len(after.transactions)} in all",
            added.to_string(index=False),
            "",
            after.summary().text("en"),
        ]
    )
    data = {
        "ledger": str(Path(target).resolve()),
        "hash": after.hash,
        "added": added.to_dict(orient="records"),
        "accounts": after.accounts().reset_index().to_dict(orient="records"),
    }
    emit(args, text, data)


def _cmd_open(args: argparse.Namespace) -> None:
    from wetval.assess import Assessment
    from wetval.quota import QuotaLedger

    target = Path(args.output)
    if target.exists():
        raise ValidationError(
            [
                Problem(
                    reason="the file exists; opening a ledger would replace its history",
                    fix="name a new file, or append to the existing ledger with "
                    "'wetval ledger milestone|debit|post'",
                )
            ],
            what="quota ledger",
            source=str(target),
        )
    assessment = load_result(args.assessment, Assessment, "assessment")
    ledger = QuotaLedger.from_credits(
        assessment.accounts.credits, reference=args.reference, date=args.date
    )
    write_result(ledger, args.output)
    _report(args, args.output, None, ledger)


def _update(args: argparse.Namespace, change: Callable[[QuotaLedger], QuotaLedger]) -> None:
    """Apply ``change`` to the ledger file under its lock (re-read first) and report it."""
    from wetval.quota.ledger import update_ledger_file

    _ledger(args.ledger)  # a missing or unreadable file is reported as an input error
    target = args.output or args.ledger
    before, after = update_ledger_file(args.ledger, change, output=target)
    _report(args, target, before, after)


def _cmd_milestone(args: argparse.Namespace) -> None:
    _update(
        args,
        lambda ledger: ledger.milestone(
            args.account, args.milestone, passed=args.passed, reference=args.reference,
            date=args.date,
        ),
    )  # fmt: skip


def _cmd_debit(args: argparse.Namespace) -> None:
    _update(
        args,
        lambda ledger: ledger.debit(
            args.account, args.units, reference=args.reference, date=args.date
        ),
    )


def _cmd_post(args: argparse.Namespace) -> None:
    from wetval.assess import Assessment

    assessment = load_result(args.assessment, Assessment, "assessment")
    _update(
        args,
        lambda ledger: ledger.post(assessment.balance, reference=args.reference, date=args.date),
    )


def _cmd_show(args: argparse.Namespace) -> None:
    from wetval.quota import LedgerError

    ledger = _ledger(args.ledger)
    if args.head is not None and not ledger.head.startswith(args.head.strip().lower()):
        raise LedgerError(
            f"{args.ledger}: the ledger's head is {ledger.head[:12]}, not the expected "
            f"{args.head.strip()[:12]}: transactions were deleted from its end, or it was "
            "replaced by another ledger; fix: restore the ledger file whose head the minutes "
            "record"
        )
    data = {
        "ledger": str(Path(args.ledger).resolve()),
        "hash": ledger.hash,
        "head": ledger.head,
        "transactions": len(ledger.transactions),
        "accounts": ledger.accounts().reset_index().to_dict(orient="records"),
    }
    emit(
        args,
        ledger.summary().text("en") + f"\n  ledger state {ledger.hash[:12]}; head {ledger.head}",
        data,
    )


def _cmd_migrate(args: argparse.Namespace) -> None:
    from wetval.quota.ledger import migrate_ledger_file

    if not Path(args.ledger).is_file():
        _ledger(args.ledger)  # reports the missing file as an input error
    ledger = migrate_ledger_file(args.ledger)
    emit(
        args,
        f"{args.ledger}: sealed {len(ledger.transactions)} transaction(s) with a hash chain; "
        f"head {ledger.head} (record it in the minutes)",
        {"ledger": str(Path(args.ledger).resolve()), "head": ledger.head},
    )


def add_ledger_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the ``ledger`` command group to the ``wetval`` parser."""
    ledger = commands.add_parser(
        "ledger",
        parents=[common],
        help="quota ledger: open it from an assessment, record milestones and debits, "
        "post a balance, show the balances",
    )
    actions = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)

    def record(parser: argparse.ArgumentParser, what: str) -> None:
        parser.add_argument("--reference", required=True, help=f"record behind the {what}")
        parser.add_argument("--date", required=True, type=cli_date, help=f"date of the {what}")

    def appending(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("ledger", help="ledger file (JSON)")
        parser.add_argument(
            "-o", "--output", help="write the new ledger here (default: back to the ledger file)"
        )

    opening = actions.add_parser(
        "open", parents=[common], help="open a ledger: one account per restoration project"
    )
    opening.add_argument("assessment", help="assessment.json whose credits open the ledger")
    opening.add_argument("-o", "--output", required=True, help="new ledger file (JSON)")
    record(opening, "registration (e.g. the approved restoration design)")
    opening.set_defaults(handler=_cmd_open)

    milestone = actions.add_parser(
        "milestone", parents=[common], help="record a milestone check (a pass releases units)"
    )
    appending(milestone)
    milestone.add_argument("account", help="account (restoration project id)")
    milestone.add_argument("milestone", help="milestone name (e.g. acceptance, monitoring-1)")
    outcome = milestone.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--passed", dest="passed", action="store_true", help="the check passed")
    outcome.add_argument("--failed", dest="passed", action="store_false", help="it failed")
    record(milestone, "check (acceptance or monitoring record)")
    milestone.set_defaults(handler=_cmd_milestone)

    debit = actions.add_parser("debit", parents=[common], help="debit units from an account")
    appending(debit)
    debit.add_argument("account", help="account (restoration project id)")
    debit.add_argument("units", help="quota units to debit")
    record(debit, "debit (occupation permit or contract)")
    debit.set_defaults(handler=_cmd_debit)

    post = actions.add_parser(
        "post", parents=[common], help="debit the credits an assessment's balance matched"
    )
    appending(post)
    post.add_argument("assessment", help="assessment.json computed with this ledger (data.ledger)")
    record(post, "debits (the occupation approval)")
    post.set_defaults(handler=_cmd_post)

    show = actions.add_parser("show", parents=[common], help="print the balances per account")
    show.add_argument("ledger", help="ledger file (JSON)")
    show.add_argument(
        "--head", help="refuse unless the ledger's head starts with this hash (from the minutes)"
    )
    show.set_defaults(handler=_cmd_show)

    migrate = actions.add_parser(
        "migrate",
        parents=[common],
        help="seal a ledger file written before wetval chained transactions by hash",
    )
    migrate.add_argument("ledger", help="ledger file (JSON), rewritten in place")
    migrate.set_defaults(handler=_cmd_migrate)
