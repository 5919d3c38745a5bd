"""``wetval overlay PARCELS FOOTPRINT -o OUT.gpkg|shp|xlsx``: the 压占分析 on its own.

For firms that need only the overlay of a red line (or restoration sites) on a
三调 DLTB layer: the pieces and the totals by land class and ownership unit, as
a GeoPackage/Shapefile in CGCS2000 (the filing's vector data) or a workbook.
Data-quality warnings are printed on stderr (and listed with ``--json``).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from wetval.cli.common import add_footprint_options, add_force, emit, footprint_options, new_output
from wetval.errors import Problem, ValidationError

__all__ = ["add_overlay_command"]

_OUTPUTS = (".gpkg", ".shp", ".xlsx")


def _check_output(args: argparse.Namespace, target: Path) -> None:
    """Refuse, before reading anything, an output that is not new (or cannot be one).

    A Shapefile is refused if any of its files exists (``.shp``, ``.shx``,
    ``.dbf``, ``.prj``, ``.cpg`` or a spatial index), so ``--force`` never
    mixes a new ``.shp`` with an earlier ``.dbf``.
    """
    if target.suffix.lower() not in _OUTPUTS:
        raise ValidationError(
            [Problem(reason=f"cannot write a {target.suffix or 'file without extension'} file",
                     fix=f"name the output file with one of: {', '.join(_OUTPUTS)}")],
            what="output file", source=str(target),
        )  # fmt: skip
    from wetval.atomic import output_error
    from wetval.spatial.overlay import SHAPEFILE_PARTS

    files = [target]
    if target.suffix.lower() == ".shp":
        files += [target.with_suffix(part) for part in SHAPEFILE_PARTS]
    try:
        for file in files:
            new_output(args, file, "overlay output" + (" (a Shapefile part)" if file != target
                                                        else ""))  # fmt: skip
        _refuse_an_input(args, files)
    except OSError as error:  # e.g. a name too long for the file system
        raise output_error(error, target, "overlay output") from None


def _refuse_an_input(args: argparse.Namespace, files: list[Path]) -> None:
    """Refuse, even with ``--force``, an output that would replace one of the inputs."""
    from wetval.errors import OutputError

    for option, given in (("parcels", args.parcels), ("footprint", args.footprint),
                          ("--important-wetlands", args.important_wetlands)):  # fmt: skip
        if given is None:
            continue
        source = Path(given)
        inputs = [source]
        if source.suffix.lower() == ".shp":
            inputs += [source.with_suffix(part) for part in (".shx", ".dbf", ".prj", ".cpg")]
        for file in files:
            if file.exists() and any(i.exists() and file.samefile(i) for i in inputs):
                raise OutputError(
                    f"the overlay output {str(file)!r} is the {option} input {given!r}; "
                    "writing it would destroy the input; nothing was written; fix: name "
                    "another output file"
                )


def _write_workbook(result: Any, target: Path) -> None:
    import pandas as pd

    from wetval.atomic import write_atomic
    from wetval.spatial.overlay import FILE_FIELDS

    names = {canonical: zh for canonical, zh, _ in FILE_FIELDS}
    pieces = result.to_frame().reset_index().rename(columns=names)

    def write(temporary: Path) -> None:
        with pd.ExcelWriter(temporary, engine="openpyxl") as book:
            pieces.to_excel(book, sheet_name="压占图斑", index=False)
            result.by_land_class().reset_index().rename(columns=names).to_excel(
                book, sheet_name="按地类汇总", index=False
            )
            result.by_ownership().reset_index().rename(columns=names).to_excel(
                book, sheet_name="按权属单位汇总", index=False
            )

    write_atomic(target, write)


def _write(result: Any, target: Path) -> None:
    """Write the output, creating its missing folders (removed again if the writing fails)."""
    from wetval.atomic import output_error

    created = [p for p in reversed(target.parents) if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".xlsx":
            _write_workbook(result, target)
        else:
            result.to_file(target)
    except BaseException as error:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break
        if isinstance(error, OSError):
            raise output_error(error, target, "overlay output") from None
        raise


def _cmd_overlay(args: argparse.Namespace) -> None:
    import sys

    from wetval.spatial import overlay, read_dltb
    from wetval.spatial.read import read_layer

    target = Path(args.output)
    _check_output(args, target)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parcels = read_dltb(args.parcels, args.layer, encoding=args.encoding)
        footprint = read_layer(args.footprint, args.footprint_layer)
        result = overlay(parcels, footprint, **footprint_options(args))
    notes = [str(w.message) for w in caught]
    for note in notes:
        if not args.quiet:
            print(f"wetval: warning: {note}", file=sys.stderr)
    _write(result, target)
    emit(
        args,
        f"{result.summary()}\n\nwrote {target.resolve()}",
        {
            "output": str(target.resolve()),
            "pieces": len(result.pieces),
            "area_m2": result.total_m2,
            "crs": f"EPSG:{result.crs}",
            "warnings": notes,
        },
    )


def add_overlay_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``wetval overlay`` on the sub-command parser."""
    parser = commands.add_parser(
        "overlay",
        parents=[common],
        help="overlay a red line or restoration sites on a 三调 layer (压占分析)",
    )
    parser.add_argument("parcels", help="DLTB layer: .gdb folder, .gdb.zip, SHP, GPKG, GeoParquet")
    parser.add_argument("footprint", help="red line (用地红线) or restoration sites: GPKG, SHP, …")
    parser.add_argument("-o", "--output", required=True, help="output: .gpkg, .shp or .xlsx")
    parser.add_argument("--layer", help="parcel layer (default: DLTB or the only layer)")
    parser.add_argument("--footprint-layer", help="footprint layer (default: the only layer)")
    add_footprint_options(parser)
    parser.add_argument("--encoding", help="attribute encoding of a Shapefile (default: detect)")
    add_force(parser, "the output (a Shapefile: all its files)")
    parser.set_defaults(handler=_cmd_overlay)
