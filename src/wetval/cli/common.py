"""Helpers shared by every ``wetval`` subcommand: output, files, errors, exit codes.

Exit codes
----------
0
    Success.
1
    The input is wrong (bad data, card or file): the message says what and
    where; nothing was written.
2
    The command line is wrong (unknown command or option).
3
    An unexpected internal error (a bug: please report it with the traceback
    printed by ``--debug``).
130
    Interrupted (Ctrl-C, SIGINT): nothing was written and no staging file or
    folder is left behind (``wetval batch`` keeps the partitions it finished
    and says so; the same command resumes from them).
143
    Terminated (SIGTERM): as for 130.
141
    The reader of the output closed the pipe early (e.g. ``wetval methods |
    head``); 128 + SIGPIPE, as for other Unix tools.

With ``--json`` an error also prints a JSON object on stdout (see
:func:`error_data`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, TypeVar

from wetval.atomic import check_new_file, output_error, write_atomic
from wetval.dates import iso_date
from wetval.errors import DateError, Problem, ValidationError
from wetval.results import Result

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "SCREEN_FORMATS",
    "Interrupted",
    "Terminated",
    "add_footprint_options",
    "add_force",
    "check_table_output",
    "cli_date",
    "count",
    "emit",
    "error_data",
    "fail",
    "footprint_options",
    "load_result",
    "new_output",
    "positive_count",
    "positive_number",
    "write_file",
    "write_result",
]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_BROKEN_PIPE = 141

#: Extensions a table output may have.
SCREEN_FORMATS = (".csv", ".xlsx")

_R = TypeVar("_R", bound=Result)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every staging file and folder is cleaned up."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM after a command kept some output on purpose; ``note`` says what.

    The command line prints ``interrupted, <note>`` instead of ``nothing written``
    (``wetval batch`` keeps the partitions finished so far, to resume from).
    """

    def __init__(self, note: str, *, terminated: bool) -> None:
        super().__init__(note)
        self.note = note
        self.terminated = terminated


def emit(args: argparse.Namespace, text: str, data: Any) -> None:
    """Print ``data`` as JSON with ``--json``, else ``text`` unless ``--quiet``."""
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif not args.quiet:
        print(text)


def write_file(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` atomically (see :func:`wetval.atomic.write_atomic`).

    Missing parent directories are created (as ``assess -o`` does); a failure
    leaves neither the temporary file nor a partial ``target`` and is one
    :class:`~wetval.errors.OutputError` naming the path and the fix.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, content)
    except OSError as error:
        raise output_error(error, target) from None


def add_force(parser: argparse.ArgumentParser, what: str = "the output file") -> None:
    """Add ``--force``: allow replacing an existing output."""
    parser.add_argument(
        "--force", action="store_true", help=f"replace {what} if it exists (default: refuse)"
    )


def new_output(args: argparse.Namespace, path: str | Path | None, what: str = "output") -> None:
    """Refuse, before any work, an output that exists (without ``--force``) or cannot be one."""
    if path is not None:
        check_new_file(path, force=bool(getattr(args, "force", False)), what=what)


def check_table_output(target: Path) -> None:
    """Refuse, before any work, a table output whose extension is not CSV or XLSX."""
    if target.suffix.lower() not in SCREEN_FORMATS:
        raise ValidationError(
            [
                Problem(
                    reason=f"cannot write a {target.suffix or 'file without extension'} file",
                    fix=f"name the output file with one of: {', '.join(SCREEN_FORMATS)}",
                )
            ],
            what="output file",
            source=str(target),
        )


def cli_date(text: str) -> str:
    """An argparse ``type``: a date in a form :func:`wetval.dates.parse_date` reads, as ISO."""
    try:
        return iso_date(text)
    except DateError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def count(text: str) -> int:
    """An argparse ``type``: a whole number ≥ 0 (seeds, ids, counts that may be zero)."""
    return _whole_number(text, minimum=0)


def positive_count(text: str) -> int:
    """An argparse ``type``: a whole number ≥ 1 (workers, rows shown, panel sizes)."""
    return _whole_number(text, minimum=1)


def _whole_number(text: str, *, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number; give one ≥ {minimum}"
        ) from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is below {minimum}; give one ≥ {minimum}")
    return value


def positive_number(text: str) -> float:
    """An argparse ``type``: a finite number > 0 (areas, amounts)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give one > 0") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a finite number > 0; give one > 0")
    return value


def add_footprint_options(parser: argparse.ArgumentParser) -> None:
    """The options of an overlay (``wetval overlay`` and ``wetval batch --footprint``)."""
    parser.add_argument("--role", choices=["occupation", "restoration"], default="occupation")
    parser.add_argument("--project-id", help="project id of the whole footprint (default: P)")
    parser.add_argument("--project-field", help="footprint column with each feature's project id")
    parser.add_argument(
        "--control-area", type=positive_number, help="control area (控面) [m², finite > 0]"
    )
    parser.add_argument("--important-wetlands", help="important-wetland polygons (path)")
    parser.add_argument("--level-field", default="wetland_level", help="their level column")
    parser.add_argument("--name-field", help="their name column (the important wetland's name)")
    parser.add_argument(
        "--default-level",
        choices=["national", "provincial", "general"],
        help="level of legal wetland outside every important wetland (default: left empty)",
    )


def footprint_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`wetval.spatial.overlay` from :func:`add_footprint_options`.

    One project ``P`` for the whole footprint when neither project option is given.
    """
    return {
        "role": args.role,
        "project_id": args.project_id or (None if args.project_field else "P"),
        "project_field": args.project_field,
        "control_area_m2": args.control_area,
        "important_wetlands": args.important_wetlands,
        "level_field": args.level_field,
        "name_field": args.name_field,
        "default_level": args.default_level,
    }


def load_result(path: str, kind: type[_R], what: str) -> _R:
    """Read a wetval JSON document of ``kind``; wrong or unreadable files are input errors."""
    file = Path(path)
    if not file.is_file():
        raise ValidationError(
            [Problem(reason="file not found", fix="check the path")], what=what, source=path
        )
    try:
        return kind.from_json(file.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as error:
        raise ValidationError(
            [
                Problem(
                    reason=f"not a wetval {what} file ({error})",
                    fix=f"give the JSON file written by the step that makes the {what}",
                )
            ],
            what=what,
            source=path,
        ) from None


def write_result(result: Result, path: str) -> None:
    """Write a result's JSON to ``path`` atomically."""
    write_file(Path(path), result.to_json(indent=1).encode("utf-8"))


def error_data(error: BaseException, exit_code: int) -> dict[str, Any]:
    """The JSON object an error prints on stdout with ``--json``.

    Parameters
    ----------
    error
        The error; a :class:`SystemExit` raised by a command is a usage error.
    exit_code
        The exit code the command returns.

    Returns
    -------
    dict
        ``error`` (the exception's class name, ``"UsageError"`` for a wrong
        command line), ``message`` (the text also printed on stderr),
        ``problems`` (only for a :class:`~wetval.errors.ValidationError`: every
        problem with ``row``, ``parcel_id``, ``column``, ``value``, ``reason``
        and ``fix``) and ``exit_code``.
    """
    data: dict[str, Any] = {
        "error": "UsageError" if isinstance(error, SystemExit) else type(error).__name__,
        "message": str(error),
    }
    if isinstance(error, ValidationError):
        data["problems"] = json.loads(
            error.problems.to_json(orient="records", force_ascii=False, default_handler=str)
        )
    data["exit_code"] = exit_code
    return data


def fail(args: argparse.Namespace, error: BaseException, exit_code: int, message: str) -> int:
    """Print ``message`` on stderr (and the error as JSON on stdout with ``--json``)."""
    print(message, file=sys.stderr)
    if args.json:
        print(json.dumps(error_data(error, exit_code), ensure_ascii=False, indent=2))
    return exit_code
