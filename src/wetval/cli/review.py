"""``wetval review draw|sheet|summarise|verify``: the expert-review commands.

Registered on the main parser by :func:`add_review_commands`; handlers follow
the pattern of :mod:`wetval.cli` (parse, call the library, print; ``--json``
for machine-readable output; wetval errors exit with 1). This module lives
outside :mod:`wetval.review` so that building the parser does not import the
review package (and scipy's optimiser) for every ``wetval`` command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from wetval.cli.common import (
    add_force,
    check_table_output,
    cli_date,
    emit,
    load_result,
    new_output,
    write_result,
)

__all__ = ["add_review_commands"]


def _cmd_draw(args: argparse.Namespace) -> None:
    from wetval.review import DrawRules, ReviewCase, draw_panel, read_pool

    new_output(args, args.output, "draw record")
    pool = read_pool(args.pool)
    case = ReviewCase.build(
        args.assessment,
        applicant=args.applicant,
        date=args.date or dt.date.today().isoformat(),
        contractor=args.contractor,
        projects=args.project,
        townships=args.township,
    )
    overrides: dict[str, Any] = {}
    if args.panel_size is not None:
        overrides["panel_size"] = args.panel_size
    if args.alternates is not None:
        overrides["alternates"] = args.alternates
    rules = DrawRules.from_card(args.card, **overrides)
    generated = args.seed is None
    seed = secrets.randbelow(2**32) if generated else args.seed
    draw = draw_panel(pool, case, rules, seed=seed)
    write_result(draw, args.output)
    note = " (generated now; it is recorded in the draw)" if generated else ""
    text = f"{draw.summary()}\n\nseed {seed}{note}\nwritten: {args.output}"
    data = {
        "draw_hash": draw.draw_hash,
        "seed": seed,
        "seed_generated": generated,
        "pool_hash": draw.pool_hash,
        "members": list(draw.member_ids),
        "alternates": list(draw.alternate_ids),
        "excluded": draw.excluded.to_dict(orient="records"),
        "skipped": list(draw.skipped),
        "synthetic": draw.synthetic,
        "output": str(Path(args.output).resolve()),
    }
    emit(args, text, data)


def _cmd_sheet(args: argparse.Namespace) -> None:
    from wetval.io import write_table
    from wetval.review import PanelDraw, ReviewSheet

    new_output(args, args.output, "score sheet")
    if args.form:
        check_table_output(Path(args.form))
        new_output(args, args.form, "score form")
    draw = load_result(args.draw, PanelDraw, "panel draw")
    sheet = ReviewSheet.build(draw, due=args.due, card=args.card)
    write_result(sheet, args.output)
    written = [args.output]
    if args.form:
        write_table(sheet.form(), args.form, index=False)
        written.append(args.form)
    text = f"{sheet.summary()}\n\nwritten: {', '.join(written)}"
    data = {
        "sheet_hash": sheet.sheet_hash,
        "assessment_hash": sheet.case.assessment_hash,
        "due": sheet.due,
        "members": list(sheet.member_ids),
        "criteria": sheet.criteria.reset_index().to_dict(orient="records"),
        "written": [str(Path(path).resolve()) for path in written],
    }
    emit(args, text, data)


def _cmd_summarise(args: argparse.Namespace) -> None:
    from wetval.review import ReviewRecord, ReviewSheet

    if args.round2 and not args.round2_due:
        raise SystemExit("wetval review summarise: --round2 needs --round2-due")
    new_output(args, args.output, "review record")
    sheet = load_result(args.sheet, ReviewSheet, "score sheet")
    record = ReviewRecord.build(sheet, sheet.read_entries(args.scores))
    if args.round2:
        entries = sheet.read_entries(args.round2, round=2)
        record = record.next_round(entries, due=args.round2_due)
    text = record.summary().text("en")
    if args.output:
        write_result(record, args.output)
        text += f"\nwritten: {args.output}"
    output = str(Path(args.output).resolve()) if args.output else None
    emit(args, text, record.appendix() | {"output": output})


def _cmd_verify(args: argparse.Namespace) -> None:
    from wetval.review import ReviewRecord

    record = load_result(args.record, ReviewRecord, "review record")
    record.verify(args.expect, assessment=args.assessment)
    text = (
        f"{args.record}: valid — every entry, the sheet and the verdict match their hashes\n"
        f"record hash {record.content_hash}\n{record.verdict.summary()}"
    )
    data = {
        "valid": True,
        "content_hash": record.content_hash,
        "assessment_hash": record.assessment_hash,
        "verdict": record.verdict.outcome,
    }
    emit(args, text, data)


def add_review_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the ``review`` command group to the ``wetval`` parser."""
    review = commands.add_parser(
        "review",
        parents=[common],
        help="expert review: draw a panel, make the score sheet, "
        "summarise the scores, verify a record",
    )
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    draw = actions.add_parser("draw", parents=[common], help="draw a review panel from the pool")
    draw.add_argument("pool", help="expert pool: roster CSV/XLSX or pool JSON (with history)")
    draw.add_argument("--assessment", required=True, help="hash of the assessment under review")
    draw.add_argument("--applicant", required=True, help="the applicant organisation")
    draw.add_argument("--contractor", help="the restoration contractor, if known")
    draw.add_argument("--project", action="append", default=[], help="project id (repeatable)")
    draw.add_argument("--township", action="append", default=[], help="township (repeatable)")
    draw.add_argument("--date", type=cli_date, help="draw date (default: today)")
    draw.add_argument("--seed", type=int, help="seed of the draw (default: generated, recorded)")
    draw.add_argument("--card", default="review-jinxian", help="review card (default: %(default)s)")
    draw.add_argument("--panel-size", type=int, help="override the card's panel size")
    draw.add_argument("--alternates", type=int, help="override the card's number of alternates")
    draw.add_argument("--output", required=True, help="where to write the draw record (JSON)")
    add_force(draw, "the draw record")
    draw.set_defaults(handler=_cmd_draw)

    sheet = actions.add_parser("sheet", parents=[common], help="make the score sheet for a draw")
    sheet.add_argument("draw", help="draw record (JSON) from 'wetval review draw'")
    sheet.add_argument("--due", required=True, type=cli_date, help="date the scores are due")
    sheet.add_argument(
        "--card", default="review-jinxian", help="review card (default: %(default)s)"
    )
    sheet.add_argument("--output", required=True, help="where to write the sheet (JSON)")
    sheet.add_argument("--form", help="also write the blank form for the experts (CSV or XLSX)")
    add_force(sheet, "the sheet and the form")
    sheet.set_defaults(handler=_cmd_sheet)

    summarise = actions.add_parser(
        "summarise", parents=[common], help="aggregate filled forms and reach the verdict"
    )
    summarise.add_argument("sheet", help="score sheet (JSON) from 'wetval review sheet'")
    summarise.add_argument("scores", help="filled form (CSV or XLSX), round 1")
    summarise.add_argument("--round2", help="filled form of a Delphi second round")
    summarise.add_argument("--round2-due", type=cli_date, help="due date of the second round")
    summarise.add_argument("--output", help="where to write the review record (JSON)")
    add_force(summarise, "the review record")
    summarise.set_defaults(handler=_cmd_summarise)

    verify = actions.add_parser("verify", parents=[common], help="check a stored review record")
    verify.add_argument("record", help="review record (JSON)")
    verify.add_argument("--expect", help="the record hash quoted in the report or minutes")
    verify.add_argument("--assessment", help="the hash of the assessment it should review")
    verify.set_defaults(handler=_cmd_verify)
