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
import sys
import tomllib
from pathlib import Path
from typing import Any

from wetval.cli.common import emit
from wetval.errors import WetvalError

__all__ = ["add_batch_command"]


def _cards(project: Path) -> Any:
    from wetval.scale import ScaleCards

    try:
        spec = tomllib.loads(project.read_text(encoding="utf-8"))
    except OSError as error:
        raise WetvalError(f"cannot read the project file {project}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise WetvalError(f"project file {project} is not valid TOML: {error}") from error
    table = spec.get("cards", {})

    def card(key: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is None:
            return None
        text = str(value)
        relative = project.parent / text
        return str(relative) if text.endswith(".toml") and relative.exists() else text

    valuation = table.get("value_approach") or (table.get("valuation") or ["xie2015"])[0]
    defaults = ScaleCards()
    return ScaleCards(
        condition=card("condition", str(defaults.condition)) or "jiangxi-db36-2134",
        valuation=card("value_approach", str(valuation)) or "xie2015",
        screening=card("screening", "jiangxi-reserve-census"),
        quota=card("quota", "quota-jinxian"),
    )


def _cmd_batch(args: argparse.Namespace) -> None:
    from wetval.scale import run

    cards = _cards(Path(args.project))
    output = Path(args.output or Path(args.partitions).with_name("wetval-batch"))
    show = not (args.quiet or args.json)

    def progress(done: int, total: int, name: str) -> None:
        if show:
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if done == total else ""
            print(f"\r[{bar}] {done}/{total} {name:<24}", end=end, file=sys.stderr, flush=True)

    client: Any = None
    cluster: Any = None
    try:
        if args.scheduler or args.workers:
            from distributed import Client, LocalCluster

            if args.scheduler:
                client = Client(args.scheduler)  # type: ignore[no-untyped-call]
            else:
                cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1)  # type: ignore[no-untyped-call]
                client = Client(cluster)  # type: ignore[no-untyped-call]
        result = run(
            args.partitions, output, cards=cards, client=client,
            resume=not args.restart, progress=progress,
        )  # fmt: skip
    except WetvalError:
        if show:
            print(file=sys.stderr)  # end the progress line before the error
        raise
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
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
    batch.add_argument("--workers", type=int, help="start a local cluster of N worker processes")
    batch.add_argument("--restart", action="store_true", help="redo finished partitions as well")
    batch.set_defaults(handler=_cmd_batch)
