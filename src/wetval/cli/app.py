"""The ``wetval`` command line: the parser, the core commands and :func:`main`.

Exit codes and the ``--json`` error object are described in
:mod:`wetval.cli.common`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wetval._text import text_table
from wetval._version import __version__
from wetval.cli.batch import add_batch_command
from wetval.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Interrupted,
    Terminated,
    add_force,
    check_table_output,
    emit,
    fail,
    load_result,
    new_output,
    write_file,
)
from wetval.cli.ledger import add_ledger_commands
from wetval.cli.overlay import add_overlay_command
from wetval.cli.registry import add_registry_commands
from wetval.cli.review import add_review_commands
from wetval.errors import Problem, ValidationError, WetvalError

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], Any]


def _inventory_data(inventory: Any) -> dict[str, Any]:
    frame = inventory.to_frame()
    data: dict[str, Any] = {
        "parcels": inventory.n_parcels,
        "area_m2": inventory.area_m2,
        "scheme": inventory.scheme,
        "synthetic": inventory.synthetic,
        "breakdown": frame.to_dict(orient="records"),
    }
    if inventory.coverage is not None:
        data["indicator_coverage"] = (
            inventory.coverage.to_frame().reset_index().to_dict(orient="records")
        )
        data["parcels_without_indicators"] = len(inventory.coverage.parcels_without_indicators)
    return data


def _progress(args: argparse.Namespace) -> Callable[[str], None] | None:
    """A step indicator on stderr when it is a terminal (never with --quiet or --json)."""
    if args.quiet or args.json or not sys.stderr.isatty():
        return None
    counter = iter(range(1, 100))

    def show(step: str) -> None:
        print(f"\r[{next(counter)}] {step:<24}", end="", file=sys.stderr, flush=True)

    return show


def _run_assessment(args: argparse.Namespace, spec: Any, default_output: str) -> None:
    from wetval.assess import assess
    from wetval.atomic import check_run_folder
    from wetval.report import is_run_file, write_reports

    output = Path(args.output or default_output)
    check_run_folder(output, is_run_file, force=args.force)  # before the work
    steps = _progress(args)
    assessment = assess(spec, progress=steps, monte_carlo_progress=None if steps else False)
    if steps is not None:
        print(file=sys.stderr)
    written = write_reports(
        assessment, output, formats=spec.report.formats, languages=spec.report.languages,
        force=args.force,
    )  # fmt: skip
    head = assessment.headline()
    lines = [str(assessment.summary())]
    if assessment.uncertainty is not None:
        p5, p50, p95 = head["price_per_unit_p5_p50_p95"]
        lines.append(
            f"  Monte Carlo ({assessment.uncertainty.n_draws:,} draws): price per quota unit "
            f"P5–P95 {p5:,.2f}–{p95:,.2f} CNY, median {p50:,.2f}"
        )
    lines += [
        f"  reports: {output.resolve()}",
        *(f"    {path.name}" for path in written.values()),
    ]
    files = {key: str(path.resolve()) for key, path in written.items()}
    emit(args, "\n".join(lines), {"output": str(output.resolve()), "files": files, **head})


def _cmd_demo(args: argparse.Namespace) -> None:
    from wetval.datasets import sample_project

    _run_assessment(args, sample_project(spatial=not args.attributes), "wetval-demo")


def _cmd_assess(args: argparse.Namespace) -> None:
    from wetval.assess import load_spec

    _run_assessment(args, load_spec(args.project), "wetval-output")


def _cmd_validate(args: argparse.Namespace) -> None:
    from wetval.io import read_indicators, read_parcels

    if args.path.endswith(".toml"):
        from wetval.assess import check_spec

        inventory = check_spec(args.path)
    else:
        parcels = read_parcels(
            args.path, scheme=args.scheme, encoding=args.encoding, sheet=args.sheet
        )
        indicators = read_indicators(args.indicators) if args.indicators else None
        inventory = parcels.inventory(indicators)
    emit(args, f"{args.path}: valid\n\n{inventory.summary()}", _inventory_data(inventory))


def _cmd_report(args: argparse.Namespace) -> None:
    from wetval.assess import Assessment
    from wetval.report import render
    from wetval.report.build import build_document

    target = Path(args.output or f"report_{args.lang}.{args.format}")
    new_output(args, target, "report")
    source = Path(args.assessment)
    if not source.is_file():
        raise ValidationError(
            [
                Problem(
                    reason="file not found",
                    fix="give the assessment.json written by 'wetval assess' or 'wetval demo'",
                )
            ],
            what="assessment file",
            source=str(source),
        )
    try:
        assessment = Assessment.from_json(source.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationError(
            [
                Problem(
                    reason=f"not a wetval assessment ({error})",
                    fix="give the assessment.json written by 'wetval assess'",
                )
            ],
            what="assessment file",
            source=str(source),
        ) from None
    review = None
    if args.review:
        from wetval.review import ReviewRecord

        review = load_result(args.review, ReviewRecord, "review record")
    content = render(build_document(assessment, args.lang, review=review), args.format)
    write_file(target, content)
    emit(args, f"wrote {target.resolve()}", {"output": str(target.resolve())})


def _cmd_screen(args: argparse.Namespace) -> None:
    from wetval.io import read_indicators, read_parcels, write_table
    from wetval.screening import screen

    target = Path(args.output)
    check_table_output(target)
    new_output(args, target, "census table")
    parcels = read_parcels(
        args.parcels, scheme=args.scheme, encoding=args.encoding, sheet=args.sheet
    )
    indicators = read_indicators(args.indicators, encoding=args.encoding)
    census = screen(parcels, indicators, args.card)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_table(census.to_frame(), target, encoding=args.output_encoding)
    emit(
        args,
        f"{census.summary()}\n\nwrote {target.resolve()}",
        {"output": str(target.resolve()), "parcels": len(census.to_frame())},
    )


def _cmd_cards(args: argparse.Namespace) -> None:
    from wetval.cards import list_cards, load_card

    if args.action == "show":
        if not args.card:
            raise SystemExit("wetval cards show: give a card id (see 'wetval cards list')")
        card = load_card(args.card)
        unverified = card.unverified()
        text = card.to_toml()
        if unverified:
            text += "\n# UNVERIFIED:\n" + "\n".join(f"#   {line}" for line in unverified)
        emit(args, text, card.model_dump(mode="json") | {"hash": card.hash})
        return
    cards = list_cards(args.kind)
    rows = [
        [c.id, c.version, c.kind, c.method or "", "yes" if c.verified else "NO", c.title.en]
        for c in cards
    ]
    text = text_table(rows, ["id", "version", "kind", "method", "verified", "title"])
    data = [
        {
            "id": c.id,
            "version": c.version,
            "kind": c.kind,
            "method": c.method,
            "verified": c.verified,
            "title": c.title.model_dump(),
            "hash": c.hash,
        }
        for c in cards
    ]
    emit(args, text, data)


def _cmd_methods(args: argparse.Namespace) -> None:
    from wetval.plugins import list_methods

    methods = list_methods(args.kind)
    rows = [[m.name, m.kind, m.module, m.summary] for m in methods]
    data = [
        {"name": m.name, "kind": m.kind, "module": m.module, "summary": m.summary} for m in methods
    ]
    emit(args, text_table(rows, ["name", "kind", "module", "summary"]), data)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``wetval`` command."""
    # the options work before and after the command; on the sub-commands their default is
    # SUPPRESS so that a sub-parser never resets a value given before the command
    common = argparse.ArgumentParser(add_help=False)
    top = argparse.ArgumentParser(add_help=False)
    for parser_ in (common, top):
        default = argparse.SUPPRESS if parser_ is common else False
        parser_.add_argument(
            "--json", action="store_true", default=default, help="machine-readable JSON output"
        )
        parser_.add_argument(
            "--quiet", action="store_true", default=default, help="print nothing on success"
        )
        parser_.add_argument(
            "--debug",
            action="store_true",
            default=default,
            help="show tracebacks of internal errors",
        )

    parser = argparse.ArgumentParser(
        prog="wetval",
        description="Wetland valuation and wetland-quota pricing (湿地占补平衡指标).",
        parents=[top],
    )
    parser.add_argument("--version", action="version", version=f"wetval {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="run the full assessment on the SYNTHETIC sample county (its GeoPackage and red line)",
    )
    demo.add_argument("-o", "--output", help="output directory (default: ./wetval-demo)")
    demo.add_argument(
        "--attributes",
        action="store_true",
        help="the attribute-only sample county (3,200 parcels, no geometry, no overlay) "
        "instead of the GeoPackage with the red line",
    )
    add_force(demo, "an earlier run in the output directory (the whole run)")
    demo.set_defaults(handler=_cmd_demo)

    assess = commands.add_parser(
        "assess", parents=[common], help="run the assessment a project file describes"
    )
    assess.add_argument("project", help="project file (TOML; see docs/example-project.toml)")
    assess.add_argument("-o", "--output", help="output directory (default: ./wetval-output)")
    add_force(assess, "an earlier run in the output directory (the whole run)")
    assess.set_defaults(handler=_cmd_assess)

    report = commands.add_parser(
        "report", parents=[common], help="render a report from an assessment.json"
    )
    report.add_argument("assessment", help="assessment.json written by assess or demo")
    report.add_argument("--format", choices=["html", "pdf", "md", "xlsx"], default="html")
    report.add_argument("--lang", choices=["zh", "en"], default="zh")
    report.add_argument("-o", "--output", help="output file (default: report_LANG.FORMAT)")
    report.add_argument(
        "--review", help="review record JSON of this assessment, added as an appendix"
    )
    add_force(report)
    report.set_defaults(handler=_cmd_report)

    screen = commands.add_parser(
        "screen", parents=[common], help="reserve-resource census (后备资源普查) to CSV/XLSX"
    )
    screen.add_argument("parcels", help="parcel file (CSV, XLSX, Parquet, GPKG or SHP)")
    screen.add_argument("--indicators", required=True, help="indicator file")
    screen.add_argument("--card", default="jiangxi-reserve-census", help="screening card")
    screen.add_argument("-o", "--output", required=True, help="output file (.csv or .xlsx)")
    screen.add_argument("--scheme", choices=["sandiao", "yongdi_yonghai"], default="sandiao")
    screen.add_argument("--encoding", help="input CSV encoding (default: detect)")
    screen.add_argument(
        "--sheet", default=0, help="Excel worksheet of the parcels (default: the first)"
    )
    screen.add_argument(
        "--output-encoding",
        default="utf-8-sig",
        help="CSV output encoding: utf-8-sig (default) or gbk",
    )
    add_force(screen)
    screen.set_defaults(handler=_cmd_screen)

    validate = commands.add_parser(
        "validate", parents=[common], help="check a project file, or a parcel file (and indicators)"
    )
    validate.add_argument(
        "path", help="project file (TOML), or a parcel file: CSV, XLSX, Parquet, GPKG or SHP"
    )
    validate.add_argument("--indicators", help="indicator file (CSV, XLSX or Parquet)")
    validate.add_argument(
        "--scheme",
        choices=["sandiao", "yongdi_yonghai"],
        default="sandiao",
        help="land-classification scheme of the codes (default: sandiao, 三调)",
    )
    validate.add_argument("--encoding", help="CSV encoding (default: detect UTF-8 or GBK)")
    validate.add_argument("--sheet", default=0, help="Excel worksheet (default: the first)")
    validate.set_defaults(handler=_cmd_validate)

    cards = commands.add_parser("cards", parents=[common], help="list or show method cards")
    cards.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    cards.add_argument("card", nargs="?", help="card id (with 'show')")
    cards.add_argument("--kind", help="only cards of this kind")
    cards.set_defaults(handler=_cmd_cards)

    methods = commands.add_parser("methods", parents=[common], help="list registered methods")
    methods.add_argument("--kind", help="only methods of this kind")
    methods.set_defaults(handler=_cmd_methods)

    add_review_commands(commands, common)
    add_ledger_commands(commands, common)
    add_batch_command(commands, common)
    add_overlay_command(commands, common)
    add_registry_commands(commands, common)
    return parser


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    handler: Handler = args.handler
    try:
        handler(args)
    except WetvalError as error:
        # on the command line every problem is printed (no "see error.problems")
        text = error.message(None) if isinstance(error, ValidationError) else str(error)
        return fail(args, error, EXIT_INPUT, f"wetval: error: {text}")
    except SystemExit as stop:
        return fail(args, stop, EXIT_USAGE, str(stop))
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as error:
        if args.debug:
            raise
        message = (
            f"wetval: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in wetval; run again with --debug and report the traceback."
        )
        return fail(args, error, EXIT_INTERNAL, message)
    return EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring).

    Ctrl-C (SIGINT) and SIGTERM interrupt the command: the writers remove
    their temporary files and staging folders, the command prints
    ``interrupted, nothing written`` and returns 130 (143 for SIGTERM).
    """
    previous: Any = None
    with contextlib.suppress(ValueError):  # not the main thread: leave SIGTERM alone
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _run(argv)
        sys.stdout.flush()
    except KeyboardInterrupt as stop:
        note = stop.note if isinstance(stop, Interrupted) else "nothing written"
        print(f"\nwetval: interrupted, {note}", file=sys.stderr)
        terminated = isinstance(stop, Terminated) or (
            isinstance(stop, Interrupted) and stop.terminated
        )
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader closed the pipe (``| head``): stop quietly, and point stdout at devnull
        # so that the interpreter's final flush does not fail again (Python docs, "Note on
        # SIGPIPE" in the signal module)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return code
