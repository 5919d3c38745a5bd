"""``wetval registry …``: the registry's commands (see ``docs/registry.md``).

Every action takes the registry first: an SQLAlchemy URL
(``sqlite:///jinxian.db``, ``postgresql+psycopg://…``) or the path of an
SQLite file. ``--user`` names who makes the change (recorded in every audit
event; default: the login name). Handlers follow :mod:`wetval.cli.common`:
``--json`` output, a wetval error exits with 1 and one message, nothing written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wetval.cli.common import (
    SCREEN_FORMATS,
    add_force,
    cli_date,
    count,
    emit,
    new_output,
    positive_count,
    write_file,
)
from wetval.errors import Problem, ValidationError

if TYPE_CHECKING:
    from wetval.registry import Registry
    from wetval.report import Format

__all__ = ["add_registry_commands"]


def _months(text: str) -> float:
    """An argparse ``type``: months of standing water per year, 0 to 12."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 12:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of months from 0 to 12; give one from 0 to 12"
        )
    return value


def _url(text: str) -> str:
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def _user(args: argparse.Namespace) -> str:
    if getattr(args, "user", None):
        return str(args.user)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "wetval"


def _open(args: argparse.Namespace) -> Registry:
    from wetval.registry import Registry

    if "://" not in args.registry and not Path(args.registry).is_file():
        raise ValidationError(
            [Problem(reason="no registry file here",
                     fix="create one with 'wetval registry init PATH', or check the path")],
            what="registry", source=args.registry,
        )  # fmt: skip
    return Registry(_url(args.registry), user=_user(args))


def _records(frame: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        frame.to_json(orient="records", force_ascii=False, default_handler=str)
    )
    return data


def _cmd_init(args: argparse.Namespace) -> None:
    from wetval.registry import Registry

    with Registry.create(_url(args.registry), user=_user(args), unit_decimals=args.unit_decimals):
        pass
    emit(args, f"registry created: {args.registry}", {"registry": args.registry})


def _cmd_upgrade(args: argparse.Namespace) -> None:
    from wetval.registry import Registry
    from wetval.registry.migrate import head_revision

    with Registry.upgrade(_url(args.registry), user=_user(args)):
        pass
    emit(args, f"registry at schema revision {head_revision()}: {args.registry}",
         {"registry": args.registry, "revision": head_revision()})  # fmt: skip


def _read_survey(args: argparse.Namespace) -> Any:
    """The 三调 base: GIS files with geometry and CRS (``read_dltb``), else ``read_parcels``."""
    from wetval.spatial.read import is_geometry_file

    path = Path(args.parcels)
    if is_geometry_file(path):
        from wetval.spatial import read_dltb

        return read_dltb(path, args.layer, encoding=args.encoding)
    if args.layer is not None:
        raise ValidationError(
            [Problem(value=args.layer, column="--layer",
                     reason="the parcel file is a table, not a layered spatial file",
                     fix="remove --layer, or name a .gdb folder, .gdb.zip, .gpkg, .shp or "
                         "GeoParquet file")],
            what="parcel file", source=args.parcels,
        )  # fmt: skip
    from wetval.io import read_parcels

    return read_parcels(path, encoding=args.encoding)


def _cmd_import_survey(args: argparse.Namespace) -> None:
    from wetval.registry.survey import check_year

    check_year(args.year, "三调 base")
    with _open(args) as registry:
        parcels = _read_survey(args)
        row = registry.import_survey(parcels, year=args.year, sources=[args.parcels])
    emit(args, f"三调 base {args.year} imported: {row['parcels']:,} parcels", row)


def _cmd_import_change(args: argparse.Namespace) -> None:
    from wetval.io import read_table
    from wetval.registry.survey import check_year

    check_year(args.year, "change survey")
    changes = read_table(args.dltbgx, encoding=args.encoding)
    process = read_table(args.dltbgxgc, encoding=args.encoding)
    with _open(args) as registry:
        row = registry.apply_change(
            args.year, changes, process, sources=[args.dltbgx, args.dltbgxgc]
        )
    emit(args, f"change survey {args.year} applied: {row['parcels']:,} new parcels", row)


def _cmd_balance(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        balance = registry.wetland_balance(args.year)
    data = {
        "totals": _records(balance.totals.reset_index()),
        "by_class": _records(balance.by_class),
        "causes": _records(balance.causes),
        "decreased": balance.decreased(),
    }
    emit(args, balance.summary().text("en"), data)


def _cmd_census(args: argparse.Namespace) -> None:
    from wetval.io import read_indicators, read_parcels
    from wetval.registry.survey import check_year
    from wetval.screening import screen

    check_year(args.year, "reserve census")
    parcels = read_parcels(args.parcels, encoding=args.encoding)
    indicators = read_indicators(args.indicators, encoding=args.encoding)
    census = screen(parcels, indicators, args.card)
    with _open(args) as registry:
        census_id = registry.register_census(
            census, year=args.year, date=args.date, parcels=parcels
        )
    emit(args, f"census {census_id} registered\n\n{census.summary()}",
         {"census": census_id, "parcels": len(census.parcels),
          "candidates": len(census.candidates)})  # fmt: skip


def _cmd_reserves(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        frame = registry.reserves(township=args.township, status=args.status, census=args.census)
    shown = frame[["township_code", "land_class", "area_m2", "potential", "status", "rank"]]
    emit(args, shown.to_string() if len(frame) else "(no reserve parcels)",
         _records(frame.reset_index()))  # fmt: skip


def _evidence(items: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        path, _, kind = item.rpartition(":") if ":" in item else (item, "", "document")
        pairs.append((path, kind or "document"))
    return pairs


def _cmd_field_verify(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        status = registry.verify_reserve(
            args.parcel, finding=args.finding, water_months=args.water_months,
            verifier=args.verifier, date=args.date, evidence=_evidence(args.evidence),
            note=args.note, census=args.census,
        )  # fmt: skip
    emit(args, f"{args.parcel}: {status}", {"parcel": args.parcel, "status": status})


#: Statement outputs in the report style (:func:`wetval.report.statements.statement_document`).
_STATEMENT_REPORTS: dict[str, Format] = {".html": "html", ".pdf": "pdf", ".md": "md"}


def _cmd_statement(args: argparse.Namespace) -> None:
    suffix = Path(args.output).suffix.lower()
    if suffix not in (*SCREEN_FORMATS, *_STATEMENT_REPORTS):
        raise ValidationError(
            [Problem(value=args.output,
                     reason="a statement is written as .xlsx or .csv (a table), or as .html, "
                            ".pdf or .md (in the report style)",
                     fix="name the output file with .xlsx, .csv, .html, .pdf or .md")],
            what="statement", source=args.output,
        )  # fmt: skip
    if args.kind == "all" and suffix in SCREEN_FORMATS:
        raise ValidationError(
            [Problem(value="all", column="kind",
                     reason="every statement at once is a report, not one table",
                     fix="write all to .html, .pdf or .md, or name one statement kind")],
            what="statement", source=args.output,
        )  # fmt: skip
    new_output(args, args.output, "statement")
    target = Path(args.output)
    with _open(args) as registry:
        if suffix in SCREEN_FORMATS:
            path = registry.statement(args.kind, target, lang=args.lang)
        else:
            from wetval.report import render
            from wetval.report.statements import statement_document

            kinds = None if args.kind == "all" else [args.kind]
            document = statement_document(registry, kinds, args.lang, on=args.date)
            write_file(target, render(document, _STATEMENT_REPORTS[suffix]))
            path = target
    emit(args, f"wrote {path.resolve()}", {"output": str(path.resolve())})


def _cmd_publish(args: argparse.Namespace) -> None:
    from wetval.atomic import check_run_folder
    from wetval.registry.publish import is_register_file, publish

    check_run_folder(args.output, is_register_file, force=args.force)  # before any work
    with _open(args) as registry:
        written = publish(
            registry, args.output, lang=args.lang, publish_prices=args.prices, force=args.force,
            synthetic=True if args.synthetic else None,
        )  # fmt: skip
    folder = Path(args.output).resolve()
    emit(args, f"wrote {len(written)} pages to {folder} (open {folder / 'index.html'})",
         {"output": str(folder), "pages": sorted(written)})  # fmt: skip


def _cmd_verify(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        check = registry.verify()
    emit(args, check.summary().text("en"), {"ok": check.ok, "events": check.events,
                                 "first_bad": check.first_bad, "reason": check.reason})  # fmt: skip
    if not check.ok:
        raise ValidationError(
            [Problem(row=check.first_bad, reason=check.reason,
                     fix="restore the database from a backup; find who wrote behind wetval")],
            what="audit chain", source=args.registry,
        )  # fmt: skip


def _cmd_audit(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        events = registry.events().tail(args.last)
    shown = events[["seq", "at", "user", "action", "entity", "entity_key"]]
    emit(args, shown.to_string(index=False), _records(events))


def _cmd_show(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        frame = registry.projects()
    columns = ["potential", "released", "debited", "pledged", "available", "free"]
    emit(args, frame[columns].to_string() if len(frame) else "(no projects)",
         _records(frame.reset_index()))  # fmt: skip


def _cmd_import_ledger(args: argparse.Namespace) -> None:
    from wetval.cli.common import load_result
    from wetval.quota import QuotaLedger

    ledger = load_result(args.ledger, QuotaLedger, "quota ledger")
    with _open(args) as registry:
        registry.import_ledger(ledger)
    emit(args, f"imported {len(ledger.transactions)} transactions from {args.ledger}",
         {"transactions": len(ledger.transactions), "hash": ledger.hash})  # fmt: skip


def _cmd_export_ledger(args: argparse.Namespace) -> None:
    from wetval.cli.common import write_result

    new_output(args, args.output, "ledger file")
    with _open(args) as registry:
        ledger = registry.export_ledger()
    write_result(ledger, args.output)
    emit(args, f"wrote {Path(args.output).resolve()}", {"output": str(Path(args.output).resolve()),
                                                        "hash": ledger.hash})  # fmt: skip


def _cmd_project(args: argparse.Namespace) -> None:
    schedule = [tuple(item.split("=", 1)) for item in args.schedule]
    bad = [item for item, pair in zip(args.schedule, schedule, strict=True) if len(pair) != 2]
    if bad:
        raise ValidationError(
            [Problem(value=b, reason="not MILESTONE=SHARE", fix="e.g. --schedule acceptance=0.6")
             for b in bad],
            what="release schedule",
        )  # fmt: skip
    with _open(args) as registry:
        registry.register_project(
            args.project, potential=args.potential, schedule=schedule, reference=args.reference,
            date=args.date, name=args.name, township=args.township, grade=args.grade,
            cost=args.cost, sites=args.site,
        )  # fmt: skip
    emit(args, f"project {args.project} registered", {"project": args.project})


def _cmd_milestone(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        units = registry.milestone(
            args.project, args.milestone, passed=args.passed, reference=args.reference,
            date=args.date, evidence=_evidence(args.evidence),
        )  # fmt: skip
    emit(args, f"{args.project} {args.milestone}: {units} units released",
         {"project": args.project, "released": str(units)})  # fmt: skip


def _cmd_list(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        listing = registry.list_units(
            args.project, args.units, seller=args.seller, asking_price=args.price, date=args.date
        )
    emit(args, f"listing {listing} open", {"listing": listing})


def _cmd_trade(args: argparse.Namespace) -> None:
    if args.from_assessment:
        _trade_assessment(args)
        return
    missing = [
        option
        for option, value in (
            ("--buyer", args.buyer), ("--occupation", args.occupation),
            ("--units", args.units), ("--price", args.price),
        )
        if not value
    ]  # fmt: skip
    if missing or args.review:
        raise ValidationError(
            [Problem(reason=f"{option} is required", fix="give it, or record the sale an "
                     "assessment proposes with --from-assessment assessment.json")
             for option in missing]
            + ([Problem(reason="--review needs --from-assessment",
                        fix="give --review-hash, or --from-assessment with --review")]
               if args.review else []),
            what="trade options",
        )  # fmt: skip
    pairs = [item.split("=", 1) for item in args.units if "=" in item]
    projects = [project for project, _ in pairs]
    problems = [
        Problem(value=u, reason="not PROJECT=UNITS", fix="e.g. --units JX-R-01=40")
        for u in args.units if "=" not in u
    ] + [
        Problem(value=project, column="--units",
                reason=f"the project is given {projects.count(project)} times",
                fix="give each project once, with the units it sells in this trade")
        for project in sorted(set(projects)) if projects.count(project) > 1
    ]  # fmt: skip
    if problems:
        raise ValidationError(problems, what="trade units")
    parts = dict(pairs)
    with _open(args) as registry:
        trade = registry.trade(
            contract=args.contract, buyer=args.buyer, occupation_project=args.occupation,
            approval_reference=args.approval, date=args.date, units=parts,
            price_per_unit=args.price, assessment_hash=args.assessment_hash,
            review_hash=args.review_hash, listing=args.listing,
        )  # fmt: skip
    emit(args, f"trade {trade} recorded ({args.contract})", {"trade": trade})


def _trade_assessment(args: argparse.Namespace) -> None:
    """Record the sale an assessment proposes (``trade --from-assessment``)."""
    from decimal import ROUND_UP, Decimal

    from wetval.assess import Assessment
    from wetval.cli.common import load_result
    from wetval.registry import RegistryError

    given = [o for o, v in (("--units", args.units), ("--price", args.price)) if v]
    if given or args.assessment_hash:
        given += ["--assessment-hash"] if args.assessment_hash else []
        raise ValidationError(
            [Problem(reason=f"{option} cannot be given with --from-assessment",
                     fix="the assessment gives the units, amounts and its hash; leave it out")
             for option in given],
            what="trade options",
        )  # fmt: skip
    assessment = load_result(args.from_assessment, Assessment, "assessment")
    review_hash = args.review_hash
    if args.review:
        from wetval.review import ReviewRecord

        record = load_result(args.review, ReviewRecord, "review record")
        record.verify(review_hash, assessment=assessment)
        review_hash = record.content_hash
    project = assessment.spec.get("project", {})
    occupation = args.occupation or project.get("occupation_project")
    buyer = args.buyer or project.get("applicant")
    sale = assessment.sale_by_project()
    if not occupation or sale.empty:
        raise RegistryError(
            f"{args.from_assessment}: the assessment proposes no sale ("
            + ("it prices the credit pool alone: no project.occupation_project"
               if not occupation else "no credits were matched to the occupation")
            + "); fix: record a trade from an assessment of an occupation project, or give "
            "--units and --price"
        )  # fmt: skip
    orphans = [p for p in sale.index if not isinstance(p, str) or not p]
    if orphans:
        raise RegistryError(
            f"{args.from_assessment}: the sale takes credits of restoration parcels of no "
            "project, which the registry cannot debit; fix: give every restoration parcel "
            "its project_id and assess again"
        )
    with _open(args) as registry:
        step = Decimal(1).scaleb(-registry.unit_decimals)
        # six further decimals absorb the float noise of summing parcel shares (QuotaLedger.post)
        units = {
            str(p): Decimal(str(round(float(u), registry.unit_decimals + 6))).quantize(
                step, rounding=ROUND_UP
            )
            for p, u in sale["credit_units"].items()
        }
        projects = registry.projects()
        lines = []
        for name, wanted in units.items():
            if name not in projects.index:
                lines.append(f"- {name}: {wanted} units proposed, not registered")
                continue
            row = projects.loc[name]
            if wanted > row["free"]:
                lines.append(
                    f"- {name}: {wanted} units proposed, {row['free']} available (released "
                    f"{row['released']}, debited {row['debited']}, pledged {row['pledged']})"
                )
        if lines:
            raise RegistryError(
                f"{args.from_assessment}: the sale takes more units than the registry shows "
                f"available from {len(lines)} project(s); nothing was written\n"
                + "\n".join(lines)
                + "\nfix: assess again with data.registry set to this registry (it prices "
                "only the available units), or release the units first"
            )
        trade = registry.trade(
            contract=args.contract, buyer=str(buyer), occupation_project=str(occupation),
            approval_reference=args.approval, date=args.date, units=units,
            amounts={str(p): a for p, a in sale["amount"].items()},
            assessment_hash=assessment.hash, review_hash=review_hash, listing=args.listing,
        )  # fmt: skip
    total = sum(sale["amount"], Decimal(0))
    emit(
        args,
        f"trade {trade} recorded ({args.contract}): {sum(units.values())} units from "
        f"{len(units)} project(s), {total} yuan, assessment {assessment.hash[:12]}",
        {
            "trade": trade,
            "assessment_hash": assessment.hash,
            "review_hash": review_hash,
            "units": {p: str(u) for p, u in units.items()},
            "amount": str(total),
        },
    )


def _cmd_pledge(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        pledge = registry.pledge(
            args.project, args.units, bank=args.bank, loan=args.loan, start=args.start,
            end=args.end,
        )  # fmt: skip
    emit(args, f"pledge {pledge} recorded", {"pledge": pledge})


def _cmd_insure(args: argparse.Namespace) -> None:
    with _open(args) as registry:
        policy = registry.insure(
            args.project, args.units, insurer=args.insurer, policy_number=args.policy,
            premium=args.premium, start=args.start, end=args.end,
        )  # fmt: skip
    emit(args, f"policy {policy} recorded", {"policy": policy})


def add_registry_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the ``registry`` command group to the ``wetval`` parser."""
    group = commands.add_parser(
        "registry", parents=[common],
        help="the wetland bank's registry: surveys, wetland balance, reserves, statements, audit",
    )  # fmt: skip
    actions = group.add_subparsers(dest="registry_command", metavar="ACTION", required=True)

    def action(
        name: str, handler: Callable[[argparse.Namespace], None], text: str,
        aliases: tuple[str, ...] = (), within: Any = actions,
    ) -> argparse.ArgumentParser:  # fmt: skip
        parser: argparse.ArgumentParser = within.add_parser(
            name, parents=[common], help=text, aliases=list(aliases)
        )
        parser.add_argument("registry", help="registry URL (sqlite:///…, postgresql+psycopg://…) "
                            "or SQLite file")  # fmt: skip
        parser.add_argument("--user", help="who makes the change (default: the login name)")
        parser.set_defaults(handler=handler)
        return parser

    init = action("init", _cmd_init, "create an empty registry", ("create",))
    init.add_argument("--unit-decimals", type=count, default=4, help="decimals of quota units")
    action("upgrade", _cmd_upgrade, "migrate a registry made by an older wetval")

    survey = action("import-survey", _cmd_import_survey, "import the 三调 base as a vintage")
    survey.add_argument(
        "parcels",
        help="DLTB file: .gdb folder, .gdb.zip, GPKG, SHP or GeoParquet "
        "(read with its geometry and CRS), or a CSV, XLSX or Parquet table",
    )
    survey.add_argument("--year", type=int, required=True, help="vintage year")
    survey.add_argument("--layer", help="layer of a .gdb or GeoPackage (default: DLTB)")
    survey.add_argument("--encoding", help="CSV encoding (default: detect)")

    change = action("import-change", _cmd_import_change, "apply a year's change survey",
                    ("apply-change",))  # fmt: skip
    change.add_argument("--year", type=int, required=True, help="change-survey year")
    change.add_argument("--dltbgx", required=True, help="DLTBGX: the after-change parcels")
    change.add_argument("--dltbgxgc", required=True, help="DLTBGXGC: the change pieces")
    change.add_argument("--encoding", help="CSV encoding (default: detect)")

    balance = action("balance", _cmd_balance, "wetland area by year, 总量不减少 check")
    balance.add_argument("--year", type=int, help="last year (default: every vintage)")

    census = action("census", _cmd_census, "screen reserves and register the census")
    census.add_argument("parcels", help="parcel file")
    census.add_argument("--indicators", required=True, help="indicator file")
    census.add_argument("--card", default="jiangxi-reserve-census", help="screening card")
    census.add_argument("--year", type=int, required=True, help="survey year screened")
    census.add_argument("--date", type=cli_date, required=True, help="date of the census")
    census.add_argument("--encoding", help="CSV encoding (default: detect)")

    reserves = action("reserves", _cmd_reserves, "reserve parcels, ranked (by township, status)")
    reserves.add_argument("--township", help="township code (ZLDWDM[:9]) or name")
    reserves.add_argument("--status", choices=["verified", "rejected", "unverified"])
    reserves.add_argument("--census", type=positive_count, help="census id (default: the latest)")

    verify_reserve = action("field-verify", _cmd_field_verify, "record a field verification")
    verify_reserve.add_argument("parcel", help="parcel id (BSM)")
    verify_reserve.add_argument("--finding", required=True, help="pond (坑塘) or aquaculture")
    verify_reserve.add_argument("--water-months", type=_months, required=True,
                                help="observed months of standing water per year")  # fmt: skip
    verify_reserve.add_argument("--verifier", required=True, help="who verified")
    verify_reserve.add_argument("--date", type=cli_date, required=True, help="date of the visit")
    verify_reserve.add_argument("--evidence", action="append", default=[],
                                help="PATH[:TYPE] of an evidence file (repeatable)")  # fmt: skip
    verify_reserve.add_argument("--note", default="", help="remark")
    verify_reserve.add_argument(
        "--census", type=positive_count, help="census id (default: the latest)"
    )

    statement = action("statement", _cmd_statement, "write a statement (XLSX or CSV)",
                       ("statements",))  # fmt: skip
    statement.add_argument(
        "kind", choices=["quota", "trades", "funds", "pledges", "wetland", "all"],
        help="the statement (all: every statement, in a report)",
    )  # fmt: skip
    statement.add_argument(
        "-o", "--output", required=True,
        help="output file: .xlsx or .csv (the table), .html, .pdf or .md (report style)",
    )  # fmt: skip
    statement.add_argument("--lang", choices=["zh", "en"], default="zh")
    statement.add_argument("--date", type=cli_date, help="date on the cover (default: today)")
    add_force(statement, "the statement")

    published = action("publish", _cmd_publish, "write the static public register (HTML)")
    published.add_argument("-o", "--output", required=True, help="output folder (new or empty)")
    published.add_argument("--lang", choices=["zh", "en"], default="zh")
    published.add_argument("--prices", action="store_true",
                           help="publish the trades' prices (default: not shown)")  # fmt: skip
    published.add_argument(
        "--synthetic", action="store_true",
        help="label the register SYNTHETIC (default: when its data say so)",
    )  # fmt: skip
    add_force(published, "an earlier register in the folder")

    action("verify", _cmd_verify, "check the audit chain (exit 1 if broken)")
    audit = actions.add_parser(
        "audit", parents=[common], help="audit trail: verify the chain, show the last events"
    )
    audit_actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    action("verify", _cmd_verify, "check the audit chain (exit 1 if broken)", within=audit_actions)
    shown = action("show", _cmd_audit, "the last events", within=audit_actions)
    shown.add_argument("--last", type=positive_count, default=20, help="events shown")

    def record(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--reference", required=True, help="record behind it")
        parser.add_argument("--date", type=cli_date, required=True, help="its date")

    project = action("project", _cmd_project, "register a restoration project")
    project.add_argument("project", help="project id")
    project.add_argument("--potential", required=True, help="potential quota units")
    project.add_argument("--schedule", action="append", required=True,
                         help="MILESTONE=SHARE in release order (repeat)")  # fmt: skip
    project.add_argument("--name", default="")
    project.add_argument("--township", default="")
    project.add_argument("--grade", default="")
    project.add_argument("--cost", default="0", help="restoration cost [yuan]")
    project.add_argument("--site", action="append", default=[], help="site parcel BSM (repeat)")
    record(project)

    milestone = action("milestone", _cmd_milestone, "record a milestone check with evidence")
    milestone.add_argument("project", help="project id")
    milestone.add_argument("milestone", help="milestone name")
    outcome = milestone.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--passed", dest="passed", action="store_true")
    outcome.add_argument("--failed", dest="passed", action="store_false")
    milestone.add_argument("--evidence", action="append", default=[], help="PATH[:TYPE]")
    record(milestone)

    listing = action("list", _cmd_list, "offer units for sale")
    listing.add_argument("project", help="project id")
    listing.add_argument("units", help="quota units")
    listing.add_argument("--seller", required=True)
    listing.add_argument("--price", required=True, help="asking price [yuan per unit]")
    listing.add_argument("--date", type=cli_date, required=True)

    trade = action("trade", _cmd_trade, "record a sale (debit + Annex 2 fund split)")
    trade.add_argument("--contract", required=True)
    trade.add_argument("--buyer", help="default with --from-assessment: its applicant")
    trade.add_argument(
        "--occupation", help="occupation project (default with --from-assessment: its own)"
    )
    trade.add_argument("--approval", required=True, help="its approval reference")
    trade.add_argument("--units", action="append", help="PROJECT=UNITS (repeat)")
    trade.add_argument("--price", help="[yuan per unit]")
    trade.add_argument("--date", type=cli_date, required=True)
    trade.add_argument("--listing", type=positive_count, help="listing id")
    trade.add_argument("--assessment-hash")
    trade.add_argument("--review-hash")
    trade.add_argument(
        "--from-assessment", metavar="ASSESSMENT_JSON",
        help="record the sale this assessment.json proposes (units and amount per project)",
    )  # fmt: skip
    trade.add_argument(
        "--review", metavar="RECORD_JSON", help="review record of the assessment (its hash)"
    )

    pledge = action("pledge", _cmd_pledge, "pledge released units to a bank")
    pledge.add_argument("project")
    pledge.add_argument("units")
    pledge.add_argument("--bank", required=True)
    pledge.add_argument("--loan", required=True, help="[yuan]")
    pledge.add_argument("--start", type=cli_date, required=True)
    pledge.add_argument("--end", type=cli_date, required=True)

    insure = action("insure", _cmd_insure, "record an insurance policy")
    insure.add_argument("project")
    insure.add_argument("units")
    insure.add_argument("--insurer", required=True)
    insure.add_argument("--policy", required=True, help="policy number")
    insure.add_argument("--premium", required=True, help="[yuan]")
    insure.add_argument("--start", type=cli_date, required=True)
    insure.add_argument("--end", type=cli_date, required=True)

    action("show", _cmd_show, "quota balances per project")
    imported = action("import-ledger", _cmd_import_ledger, "import a quota ledger JSON")
    imported.add_argument("ledger", help="ledger file (JSON) written by 'wetval ledger'")
    exported = action("export", _cmd_export_ledger, "export the quota history as ledger JSON")
    exported.add_argument("-o", "--output", required=True, help="ledger file (JSON)")
    add_force(exported, "the ledger file")
