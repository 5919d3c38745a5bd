"""``wetval batch PROJECT.toml --partitions DIR``: the partitioned run on Dask.

Reads the cards of a project file's ``[cards]`` table (``condition``,
``value_approach``, ``quota`` and an optional ``screening``; the defaults of
:class:`wetval.scale.ScaleCards` otherwise), runs :func:`wetval.scale.run`
over the partitioned dataset and writes the per-partition results and the
county/province summaries to ``--output``. Finished partitions are not redone
(``--restart`` redoes them). ``--scheduler`` names a running Dask scheduler
(``tcp://host:8786``); ``--workers N`` starts a local cluster of N worker
processes; without either the threaded local scheduler runs. Handlers follow
:mod:`wetval.cli.common` (``--json`` output, wetval errors exit with 1).
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

from wetval.cli.common import (
    Interrupted,
    Terminated,
    add_footprint_options,
    emit,
    footprint_options,
    positive_count,
)
from wetval.errors import DataQualityWarning, WetvalError

__all__ = ["add_batch_command"]


#: ``[cards]`` keys ``wetval batch`` reads; the other keys of a project's ``[cards]``
#: (pricing, funds, finance, review) are accepted and not used.
_USED = ("condition", "value_approach", "valuation", "screening", "quota")
#: Stages a project may turn off with ``screening = false`` / ``quota = false`` (e.g. for a
#: condition card whose grades the quota card does not take).
_OPTIONAL = ("screening", "quota")
#: Names in a results folder that belong to a batch run (it resumes into such a folder).
_RUN_NAMES = {
    "condition", "valuation", "reserves", "credits", "overlay", "_done", "_summary",
    "summary_county.parquet", "summary_county.csv",
    "summary_province.parquet", "summary_province.csv",
    "_statistics.json",
    "_statistics.pickle",  # the statistics cache of earlier versions (no longer read)
}  # fmt: skip


def _allowed_keys() -> list[str]:
    from wetval.spec import CardSpec

    return sorted(set(CardSpec.model_fields) | set(_USED))


def _cards(project: Path) -> Any:
    """The :class:`~wetval.scale.ScaleCards` of a project file, loaded and checked.

    Raises
    ------
    WetvalError
        One error for an unreadable file (naming the fix for its encoding),
        every unknown ``[cards]`` key, every value of the wrong type, and
        every unknown card id or card of the wrong kind at once.
    """
    from wetval.scale import ScaleCards

    try:
        spec = tomllib.loads(project.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise WetvalError(
            f"project file {str(project)!r} is not UTF-8 text (byte {error.start}: "
            f"{error.reason}); fix: save it as UTF-8 (in Notepad: Save as, Encoding UTF-8)"
        ) from None
    except OSError as error:
        raise WetvalError(
            f"cannot read the project file {str(project)!r}: {error.strerror or error}; "
            "fix: check the path and its permissions"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise WetvalError(
            f"project file {str(project)!r} is not valid TOML: {error}; fix: correct the "
            "line and column named"
        ) from None
    table = spec.get("cards", {})
    if not isinstance(table, dict):
        raise WetvalError(
            f"project file {str(project)!r}: 'cards' is a {type(table).__name__}, not a table; "
            'fix: write it as a [cards] table (e.g. [cards] then condition = "jiangxi-db36-2134")'
        )
    allowed = _allowed_keys()
    problems: list[str] = []
    unknown = [key for key in table if key not in allowed]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        problems.append(
            f"unknown key(s) in [cards]: {', '.join(hints)}; fix: use only {', '.join(allowed)}"
        )
    for key in _USED:
        value = table.get(key)
        if value is None or (value is False and key in _OPTIONAL):
            continue  # screening = false / quota = false: the stage is not run
        if key == "valuation":
            if isinstance(value, str):
                value = [value]
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                problems.append(
                    f"[cards] valuation = {value!r} is not a list of card ids; fix: write e.g. "
                    'valuation = ["xie2015"]'
                )
        elif not isinstance(value, str) or not value:
            problems.append(
                f"[cards] {key} = {value!r} is not a card id; fix: write a card id or the path "
                f'of a card file in quotes (e.g. {key} = "{_EXAMPLES[key]}")'
            )
    if problems:
        raise WetvalError(f"project file {str(project)!r}:\n" + "\n".join(problems))

    def card(key: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is None or value is False:
            return None
        text = str(value)
        relative = project.parent / text
        return str(relative) if text.endswith(".toml") and relative.exists() else text

    listed = table.get("valuation") or ["xie2015"]
    valuation = table.get("value_approach") or (listed if isinstance(listed, str) else listed[0])
    defaults = ScaleCards()
    cards = ScaleCards(
        condition=card("condition", str(defaults.condition)) or "jiangxi-db36-2134",
        valuation=card("value_approach", str(valuation)) or "xie2015",
        screening=card("screening", "jiangxi-reserve-census"),
        quota=card("quota", "quota-jinxian"),
    )
    try:
        cards.loaded()
    except WetvalError as error:
        raise WetvalError(f"project file {str(project)!r}, [cards]:\n{error}") from None
    return cards


_EXAMPLES = {
    "condition": "jiangxi-db36-2134",
    "value_approach": "xie2015",
    "screening": "jiangxi-reserve-census",
    "quota": "quota-jinxian",
}


def _check_output(output: Path) -> None:
    """Refuse, before any work, an output that is a file, lies under a file or holds other files.

    A folder holding an earlier batch run is fine: the run resumes into it.
    """
    from wetval.errors import OutputError

    if output.exists() and not output.is_dir():
        raise OutputError(
            f"the output folder {str(output)!r} (-o) is a file; nothing was written; fix: name "
            "a new folder, or the folder of an earlier wetval batch run to resume it"
        )
    for parent in output.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(
                    f"cannot make the output folder {str(output)!r} (-o): {str(parent)!r} is a "
                    "file, not a folder; nothing was written; fix: name another path"
                )
            break
    if output.is_dir():
        foreign = sorted(
            p.name
            for p in output.iterdir()
            if p.name not in _RUN_NAMES and not (p.name.startswith(".") and ".partial" in p.name)
        )
        if foreign:
            shown = ", ".join(foreign[:5]) + (
                f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
            )
            raise OutputError(
                f"the output folder {str(output)!r} (-o) holds files that are not a wetval batch "
                f"run's ({shown}); the results would be mixed with them; nothing was written; "
                "fix: name a new or empty folder, or the folder of an earlier wetval batch run "
                "to resume it"
            )


def _client(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``; one clear error if it fails."""
    from distributed import Client

    try:
        return Client(address)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WetvalError(
            f"cannot connect to the Dask scheduler {address!r}: {reason}; nothing was "
            "written; fix: start the scheduler (dask scheduler) and give its address as "
            "tcp://HOST:PORT, or leave out --scheduler to run on this machine"
        ) from None


def _cmd_batch(args: argparse.Namespace) -> None:
    from wetval.scale import partition_names, run

    cards = _cards(Path(args.project))
    if not args.footprint:
        partition_names(args.partitions)  # a missing or empty dataset, before any work
    output = Path(args.output or Path(args.partitions).resolve().parent / "wetval-batch")
    _check_output(output)
    show = not (args.quiet or args.json)
    started = [False]

    def progress(done: int, total: int, name: str) -> None:
        if show:
            started[0] = done < total
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if done == total else ""
            print(f"\r[{bar}] {done}/{total} {name:<24}", end=end, file=sys.stderr, flush=True)

    client: Any = None
    cluster: Any = None
    try:
        if args.scheduler:
            client = _client(args.scheduler)
        elif args.workers:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=args.workers,
                threads_per_worker=1,
                dashboard_address=args.dashboard,  # ":0": any free port, so clusters never collide
            )
            client = Client(cluster)  # type: ignore[no-untyped-call]
        if args.footprint:
            from wetval.scale.overlay import overlay_partitions

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataQualityWarning)
                pieces = overlay_partitions(
                    args.partitions, args.footprint, output, client=client,
                    resume=not args.restart, progress=progress, **footprint_options(args),
                )  # fmt: skip
            notes = [str(w.message) for w in caught]
        else:
            result = run(
                args.partitions, output, cards=cards, client=client,
                resume=not args.restart, progress=progress,
            )  # fmt: skip
    except WetvalError:
        if started[0]:
            print(file=sys.stderr)  # end the progress line before the error
        raise
    except KeyboardInterrupt as stop:
        raise Interrupted(
            f"the partitions finished so far are kept in {output}; run the same command "
            "again to resume (or pass --restart to start over)",
            terminated=isinstance(stop, Terminated),
        ) from None
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if args.footprint:
        if not args.quiet:
            for note in notes:
                print(f"wetval: warning: {note}", file=sys.stderr)
        emit(
            args,
            f"overlay of {args.footprint}: {len(pieces.touched)} of {len(pieces.partitions)} "
            f"partitions can touch it ({len(pieces.skipped)} already finished); "
            f"{len(pieces.pieces)} pieces, {pieces.total_m2:,.2f} m² -> {output / 'overlay'}",
            {
                "output": str(output.resolve()),
                "partitions": list(pieces.partitions),
                "touched": list(pieces.touched),
                "skipped": list(pieces.skipped),
                "pieces": len(pieces.pieces),
                "area_m2": pieces.total_m2,
                "control": pieces.control,
                "findings": [{"key": m.key, "severity": m.severity, "values": dict(m.values)}
                             for m in pieces.messages],
                "warnings": notes,
            },
        )  # fmt: skip
        return
    redone = len(result.partitions) - len(result.skipped)
    text = (
        f"{len(result.partitions)} partitions ({redone} run, {len(result.skipped)} already "
        f"finished) -> {output}\n"
        f"{int(result.county['parcels'].sum()):,} parcels in "
        f"{result.county['county_code'].nunique()} counties; summaries: "
        f"{output / 'summary_county.csv'}, {output / 'summary_province.csv'}"
    )
    data = {
        "output": str(output.resolve()),
        "partitions": list(result.partitions),
        "skipped": list(result.skipped),
        "province": result.province.to_dict(orient="records"),
    }
    emit(args, text, data)


def add_batch_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``wetval batch`` on the sub-command parser."""
    batch = commands.add_parser(
        "batch",
        parents=[common],
        help="run validation, condition, valuation, reserve census and credits over a "
        "partitioned Parquet dataset with Dask (resumable)",
    )
    batch.add_argument("project", help="project file (TOML) whose [cards] are used")
    batch.add_argument(
        "--partitions",
        required=True,
        help="dataset folder with parcels/<partition>.parquet and indicators/<partition>.parquet",
    )
    batch.add_argument("-o", "--output", help="results folder (default: wetval-batch beside DIR)")
    batch.add_argument("--scheduler", help="address of a running Dask scheduler")
    batch.add_argument(
        "--workers", type=positive_count, help="start a local cluster of N worker processes"
    )
    batch.add_argument(
        "--dashboard",
        default=":0",
        help="dashboard address of the --workers cluster (default ':0', a free port; e.g. ':8787')",
    )
    batch.add_argument(
        "--footprint",
        help="red line (or restoration sites) to overlay on the partitions' GeoParquet "
        "parcels instead of the other stages (results in OUT/overlay/)",
    )
    add_footprint_options(batch)
    batch.add_argument("--restart", action="store_true", help="redo finished partitions as well")
    batch.set_defaults(handler=_cmd_batch)
