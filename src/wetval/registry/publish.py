"""The public register: static HTML pages of a registry's projects, units and trades.

:func:`publish` writes, into one folder and all at once (staged beside it and
moved into place, :func:`wetval.atomic.write_folder`):

- ``index.html``: every restoration project with its township, status and
  potential, released, debited, pledged, available and free units, and the
  totals (they equal the ``quota`` statement's);
- ``project-….html``: one page per project with its data, a small map of its
  sites (when the registry stores their geometry; otherwise the page says so),
  its units by state, the milestone checks with dates and the SHA-256 of every
  evidence file, and the trades of its units;
- ``trades.html``: every trade part.

Prices (per unit and amount) appear only when the centre publishes them
(``publish_prices=True``, on the command line ``--prices``); funds, pledges'
banks and loans, listings and contract numbers are never published. Every
page is self-contained (inline CSS, the bundled font subset to the page's
text, maps as inline SVG with text as paths; no script, no network), in
Chinese or English from :mod:`wetval.strings`, and ends with the audit chain's
head hash, the result of :meth:`Registry.verify` and the publication date. A
SYNTHETIC registry is labelled as such on every page and map.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wetval.strings import Lang, tr

if TYPE_CHECKING:
    import os

    import pandas as pd

    from wetval.registry.core import Registry

__all__ = ["INDEX", "TRADES", "is_register_file", "page_name", "publish"]

#: File name of the index page and of the trades page.
INDEX, TRADES = "index.html", "trades.html"

_PROJECT_FILE = re.compile(r"project-[A-Za-z0-9._-]+\.html")

#: Text that marks a registry as SYNTHETIC when it is in any project or trade field.
_SYNTHETIC_MARK = re.compile(r"SYNTHETIC", re.IGNORECASE)

#: Size of a project map [inch].
_MAP_SIZE = (5.0, 3.6)


def is_register_file(name: str) -> bool:
    """Whether a file name is one :func:`publish` writes (so ``force`` may replace it)."""
    return name in (INDEX, TRADES) or _PROJECT_FILE.fullmatch(name) is not None


def page_name(project: str) -> str:
    """File name of a project's page: ``project-ID.html``, with a hash if ID is not plain.

    An id of ASCII letters, digits, ``.``, ``_`` and ``-`` is kept as it is;
    any other id is reduced to those characters plus the first 10 hex digits of
    its SHA-256, so two ids never share a page.
    """
    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", project):
        return f"project-{project}.html"
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", project).strip("._")[:60]
    digest = hashlib.sha256(project.encode("utf-8")).hexdigest()[:10]
    return f"project-{plain + '-' if plain else ''}{digest}.html"


# ---------------------------------------------------------------- page model
@dataclass
class _Cell:
    text: str
    href: str | None = None
    mono: bool = False


@dataclass
class _Table:
    caption: str
    columns: list[str]
    numeric: list[bool]
    rows: list[list[_Cell]]
    total: list[_Cell] | None = None
    css_id: str = ""


@dataclass
class _Section:
    title: str
    css_id: str
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (tone, text)
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    figure: tuple[str, str] | None = None  # (svg, caption)


@dataclass
class _Page:
    name: str
    title: str
    subtitle: str
    sections: list[_Section]


@dataclass(frozen=True)
class _Context:
    lang: Lang
    prices: bool
    synthetic: bool
    footer: str
    decimals: int


# ---------------------------------------------------------------- formatting
def _units(value: Any, decimals: int) -> str:
    """Quota units with thousands separators and the registry's decimals."""
    return f"{Decimal(str(value)):,.{decimals}f}"


def _yuan(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def _amount(price: Decimal, units: Decimal) -> Decimal:
    """Amount of a trade part [yuan]: price × units, half up to the fen (as the registry)."""
    return (Decimal(str(price)) * Decimal(str(units))).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _status(row: Any) -> str:
    potential, released, debited = row["potential"], row["released"], row["debited"]
    if released == 0:
        return "pub_status_registered"
    if debited >= potential:
        return "pub_status_retired"
    if released < potential:
        return "pub_status_releasing"
    return "pub_status_released"


_UNIT_STATES = ("potential", "released", "debited", "pledged", "available", "free")


# ---------------------------------------------------------------- registry reads
def _is_synthetic(projects: pd.DataFrame, trades: pd.DataFrame) -> bool:
    """Whether any project id or text field, or any trade's text, is marked SYNTHETIC."""
    texts: list[str] = [str(i) for i in projects.index]
    for frame, columns in (
        (projects, ("name", "reference", "design", "plan")),
        (trades, ("buyer", "occupation_project", "approval_reference", "contract")),
    ):
        for column in columns:
            if column in frame:
                texts.extend(str(v) for v in frame[column])
    return any(t.startswith("SYN-") or _SYNTHETIC_MARK.search(t) for t in texts)


def _site_geometry(registry: Registry, project: str) -> tuple[Any, int] | None:
    """The project's sites in the last vintage (GeoDataFrame, year), or None without geometry."""
    sites = registry.project_sites(project)
    bsms = sorted({b for after in sites.values() for b in after})
    if not bsms:
        return None
    vintages = registry.vintages()
    if vintages.empty:
        return None
    year = int(vintages.index.max())
    parcels = registry.survey_parcels(year, bsm=bsms)
    if "geometry" not in parcels or not parcels.geometry.notna().any():
        return None
    frame = parcels.loc[parcels.geometry.notna(), ["geometry"]].reset_index()
    return frame, year


def _map_svg(sites: Any, year: int, context: _Context) -> tuple[str, str]:
    """A small map of the sites (inline SVG, text as paths) and its caption."""
    import matplotlib.pyplot as plt

    from wetval.plotting import axes
    from wetval.spatial.crs import gk_zone_epsg
    from wetval.spatial.maps import scale_bar

    lang = context.lang
    if sites.crs is not None and sites.crs.is_geographic:
        # draw in metres: the CGCS2000 3-degree zone of the sites' centre
        longitude = float(sites.to_crs(4490).union_all().centroid.x)
        sites = sites.to_crs(gk_zone_epsg(longitude))
    epsg = sites.crs.to_epsg() if sites.crs is not None else None
    crs_name = f"EPSG:{epsg}" if epsg else tr("pub_none", lang)
    ax = axes(figsize=_MAP_SIZE)
    figure = ax.get_figure(root=True)
    assert figure is not None
    try:
        sites.plot(ax=ax, facecolor="#3f9c7f", edgecolor="#1f4f40", linewidth=0.8, alpha=0.8)
        for bsm, point in zip(sites["bsm"], sites.representative_point(), strict=True):
            ax.annotate(bsm, (point.x, point.y), ha="center", va="center", fontsize=7)
        x0, y0, x1, y1 = sites.total_bounds
        pad = max(x1 - x0, y1 - y0, 10.0) * 0.15
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        title = tr("pub_map_title", lang)
        if context.synthetic:
            synthetic = tr("map_synthetic", lang)
            title += f"（{synthetic}）" if lang == "zh" else f" ({synthetic})"
        ax.set_title(title, fontsize=10)
        if sites.crs is not None and not sites.crs.is_geographic:
            scale_bar(ax, lang=lang)
        svg = io.StringIO()
        with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "wetval"}):
            figure.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        plt.close(figure)
    text = svg.getvalue()
    return text[text.index("<svg") :], tr("pub_map_caption", lang, year=year, crs=crs_name)


# ---------------------------------------------------------------- pages
def _project_table(projects: pd.DataFrame, context: _Context) -> _Table:
    lang, n = context.lang, context.decimals
    columns = ["project", "name", "township", "status", *_UNIT_STATES]
    rows = []
    for pid, row in projects.iterrows():
        rows.append(
            [
                _Cell(str(pid), href=page_name(str(pid))),
                _Cell(str(row["name"])),
                _Cell(str(row["township"])),
                _Cell(tr(_status(row), lang)),
                *(_Cell(_units(row[c], n)) for c in _UNIT_STATES),
            ]
        )
    total = [
        _Cell(tr("pub_total", lang)), _Cell(""), _Cell(""), _Cell(""),
        *(_Cell(_units(sum(projects[c], Decimal(0)), n)) for c in _UNIT_STATES),
    ]  # fmt: skip
    return _Table(
        caption=tr("pub_projects_caption", lang),
        columns=[tr(f"pub_col_{c}", lang) for c in columns],
        numeric=[False] * 4 + [True] * len(_UNIT_STATES),
        rows=rows,
        total=total if rows else None,
        css_id="projects",
    )


def _trade_table(trades: pd.DataFrame, context: _Context, *, with_project: bool) -> _Table:
    lang, n = context.lang, context.decimals
    columns = ["trade", "date", "occupation", "approval"]
    if with_project:
        columns += ["project", "township"]
    columns.append("units")
    if context.prices:
        columns += ["price", "amount"]
    rows = []
    for _, row in trades.iterrows():
        cells = [
            _Cell(str(row["trade_id"])),
            _Cell(str(row["date"])),
            _Cell(str(row["occupation_project"])),
            _Cell(str(row["approval_reference"])),
        ]
        if with_project:
            pid = str(row["project_id"])
            cells += [_Cell(pid, href=page_name(pid)), _Cell(str(row["township"]))]
        cells.append(_Cell(_units(row["units"], n)))
        if context.prices:
            cells += [
                _Cell(_yuan(row["price_per_unit"])),
                _Cell(_yuan(_amount(row["price_per_unit"], row["units"]))),
            ]
        rows.append(cells)
    total = None
    if rows:
        total = [_Cell(tr("pub_total", lang))] + [_Cell("")] * (len(columns) - 1)
        at = columns.index("units")
        total[at] = _Cell(_units(sum(trades["units"], Decimal(0)), n))
        if context.prices:
            amounts = (_amount(p, u) for p, u in zip(trades["price_per_unit"], trades["units"],
                                                     strict=True))  # fmt: skip
            total[at + 2] = _Cell(_yuan(sum(amounts, Decimal(0))))
    numeric = [c in ("trade", "units", "price", "amount") for c in columns]
    return _Table(
        caption=tr("pub_trades_caption", lang),
        columns=[tr(f"pub_col_{c}", lang) for c in columns],
        numeric=numeric,
        rows=rows,
        total=total,
        css_id="trades",
    )


def _price_note(context: _Context) -> tuple[str, str]:
    return (
        "note",
        tr("pub_prices_shown" if context.prices else "pub_prices_withheld", context.lang),
    )


def _index_page(projects: pd.DataFrame, context: _Context) -> _Page:
    lang = context.lang
    section = _Section(tr("pub_nav_projects", lang), "projects-section")
    section.paragraphs.append(("normal", tr("pub_projects_text", lang)))
    if projects.empty:
        section.paragraphs.append(("note", tr("pub_no_projects", lang)))
    else:
        section.tables.append(_project_table(projects, context))
    return _Page(INDEX, tr("pub_title", lang), tr("pub_subtitle", lang), [section])


def _trades_page(trades: pd.DataFrame, context: _Context) -> _Page:
    lang = context.lang
    section = _Section(tr("pub_nav_trades", lang), "trades-section")
    section.paragraphs.append(_price_note(context))
    if trades.empty:
        section.paragraphs.append(("note", tr("pub_no_trades", lang)))
    else:
        section.tables.append(_trade_table(trades, context, with_project=True))
    title = f"{tr('pub_title', lang)} · {tr('pub_nav_trades', lang)}"
    return _Page(TRADES, title, tr("pub_subtitle", lang), [section])


def _milestone_table(ledger_rows: list[Any], evidence: pd.DataFrame, context: _Context) -> _Table:
    lang, n = context.lang, context.decimals
    rows = []
    for t in ledger_rows:
        files = evidence[evidence["transaction_seq"] == t.seq] if not evidence.empty else evidence
        documents = "; ".join(
            f"{e['doc_type']}: {e['file_name']} {e['sha256']}" for _, e in files.iterrows()
        )
        rows.append(
            [
                _Cell(str(t.milestone)),
                _Cell(str(t.date)),
                _Cell(tr(f"pub_outcome_{t.kind}", lang)),
                _Cell(_units(t.units, n)),
                _Cell(str(t.reference)),
                _Cell(documents or tr("pub_none", lang), mono=bool(documents)),
            ]
        )
    columns = ["milestone", "date", "outcome", "units", "record", "evidence"]
    return _Table(
        caption=tr("pub_milestones_caption", lang),
        columns=[tr(f"pub_col_{c}", lang) for c in columns],
        numeric=[c == "units" for c in columns],
        rows=rows,
        css_id="milestones",
    )


def _project_page(
    pid: str,
    row: Any,
    ledger_rows: list[Any],
    evidence: pd.DataFrame,
    trades: pd.DataFrame,
    site_map: tuple[str, str] | None,
    context: _Context,
) -> _Page:
    lang, n = context.lang, context.decimals
    none = tr("pub_none", lang)
    sites = json.loads(row["sites"]) if row["sites"] else []
    schedule = json.loads(row["schedule"]) if row["schedule"] else []
    about = _Section(tr("pub_s_project", lang), "project")
    about.facts = [
        (tr("pub_col_project", lang), pid),
        (tr("pub_col_name", lang), str(row["name"]) or none),
        (tr("pub_col_township", lang), str(row["township"]) or none),
        (tr("pub_col_grade", lang), str(row["grade"]) or none),
        (tr("pub_col_status", lang), tr(_status(row), lang)),
        (tr("pub_registered_on", lang), str(row["registered_on"])),
        (tr("pub_reference", lang), str(row["reference"]) or none),
        (tr("pub_design", lang), str(row["design"]) or none),
        (tr("pub_plan", lang), str(row["plan"]) or none),
        (tr("pub_sites", lang), ", ".join(str(s) for s in sites) or none),
        (
            tr("pub_schedule", lang),
            " · ".join(f"{m} {(Decimal(s) * 100).normalize():f} %" for m, s in schedule) or none,
        ),
    ]
    if lang == "en":  # the column labels are lower case
        about.facts = [(label[:1].upper() + label[1:], value) for label, value in about.facts]
    where = _Section(tr("pub_s_map", lang), "map")
    if site_map is None:
        where.paragraphs.append(("note", tr("pub_no_map", lang)))
    else:
        where.figure = site_map
    units = _Section(tr("pub_s_units", lang), "units")
    units.tables.append(
        _Table(
            caption=tr("pub_units_caption", lang),
            columns=[tr("pub_col_state", lang), tr("pub_col_units", lang)],
            numeric=[False, True],
            rows=[
                [_Cell(tr(f"pub_col_{c}", lang)), _Cell(_units(row[c], n))] for c in _UNIT_STATES
            ],
            css_id="unit-states",
        )
    )
    units.paragraphs.append(("normal", tr("pub_projects_text", lang)))
    milestones = _Section(tr("pub_s_milestones", lang), "milestones-section")
    if ledger_rows:
        milestones.tables.append(_milestone_table(ledger_rows, evidence, context))
    else:
        milestones.paragraphs.append(("note", tr("pub_no_milestones", lang)))
    sold = _Section(tr("pub_s_project_trades", lang), "trades-section")
    sold.paragraphs.append(_price_note(context))
    if trades.empty:
        sold.paragraphs.append(("note", tr("pub_no_trades", lang)))
    else:
        sold.tables.append(_trade_table(trades, context, with_project=False))
    title = tr("pub_project_title", lang, project=pid)
    subtitle = str(row["name"]) or tr("pub_title", lang)
    return _Page(page_name(pid), title, subtitle, [about, where, units, milestones, sold])


def _render(pages: list[_Page], context: _Context) -> dict[str, bytes]:
    from jinja2 import Environment, select_autoescape

    from wetval.plotting import font_face_css

    source = resources.files("wetval.registry") / "templates" / "register.html.j2"
    environment = Environment(autoescape=select_autoescape(default=True), trim_blocks=True)
    template = environment.from_string(source.read_text(encoding="utf-8"))
    nav = [(INDEX, tr("pub_nav_projects", context.lang)),
           (TRADES, tr("pub_nav_trades", context.lang))]  # fmt: skip
    banner = tr("pub_synthetic_banner", context.lang) if context.synthetic else ""

    def render(page: _Page, font_face: str) -> str:
        return template.render(
            page=page, lang=context.lang, nav=nav, banner=banner, footer=context.footer,
            font_face=font_face,
        )  # fmt: skip

    drafts = {page.name: render(page, "") for page in pages}
    # one subset for the whole register: every page embeds the same font rule
    font_face = font_face_css("".join(drafts.values()))
    return {page.name: render(page, font_face).encode("utf-8") for page in pages}


def publish(
    registry: Registry,
    directory: str | os.PathLike[str],
    *,
    lang: Lang = "zh",
    publish_prices: bool = False,
    force: bool = False,
    synthetic: bool | None = None,
    published_on: dt.date | str | None = None,
) -> dict[str, Path]:
    """Write the registry's static public register into ``directory`` (see the module docstring).

    Parameters
    ----------
    registry
        The registry to publish (only read).
    directory
        Output folder; new or empty, or (with ``force``) an earlier register.
    lang
        ``zh`` (default) or ``en``.
    publish_prices
        Show the trades' prices per unit and amounts [yuan]; off by default
        (the centre decides whether prices are public).
    force
        Replace an earlier register in ``directory`` (a folder holding other
        files is still refused).
    synthetic
        Label the register SYNTHETIC; default: when any project id starts with
        ``SYN-`` or any project or trade text says SYNTHETIC.
    published_on
        Date of publication shown in the footer (default: today).

    Returns
    -------
    dict
        File name → path written.

    Raises
    ------
    OutputError
        If ``directory`` is a file, or is not empty and ``force`` is false, or
        holds files that are not a register's (checked before any work); or if
        it cannot be written. Nothing is written then.
    RegistryError
        For a ``lang`` other than zh or en.
    """
    from wetval._version import __version__
    from wetval.atomic import check_run_folder, write_folder
    from wetval.registry.core import RegistryError

    if lang not in ("zh", "en"):
        raise RegistryError(f"lang {lang!r}: use zh or en")
    target = Path(directory)
    check_run_folder(target, is_register_file, force=force)  # before any work
    if published_on is None:
        day = dt.date.today().isoformat()
    elif isinstance(published_on, dt.date):
        day = published_on.isoformat()
    else:
        try:
            day = dt.date.fromisoformat(str(published_on)).isoformat()
        except ValueError:
            raise RegistryError(
                f"publication date {published_on!r} is not an ISO date; fix: give YYYY-MM-DD"
            ) from None

    projects = registry.projects()
    trades = registry.trades()
    if synthetic is None:
        synthetic = _is_synthetic(projects, trades)
    check = registry.verify()
    seq, head = registry.head()
    verdict = (
        tr("pub_verify_ok", lang, events=check.events)
        if check.ok
        else tr("pub_verify_broken", lang, seq=check.first_bad, reason=check.reason_text(lang))
    )
    footer = " · ".join(
        [
            tr("pub_footer", lang, date=day, head=head, seq=seq, check=verdict),
            tr("pub_generated", lang, version=__version__),
        ]
    )
    context = _Context(lang, bool(publish_prices), bool(synthetic), footer, registry.unit_decimals)

    milestones: dict[str, list[Any]] = {}
    for t in registry.export_ledger().transactions:
        if t.kind in ("release", "withhold"):
            milestones.setdefault(t.account, []).append(t)
    evidence = registry.evidence()

    pages = [_index_page(projects, context), _trades_page(trades, context)]
    names: dict[str, str] = {}
    for pid, row in projects.iterrows():
        name = page_name(str(pid))
        if name in names:  # pragma: no cover - page_name hashes every non-plain id
            raise RegistryError(f"projects {names[name]!r} and {pid!r} share the page {name}")
        names[name] = str(pid)
        located = _site_geometry(registry, str(pid))
        site_map = None if located is None else _map_svg(*located, context)
        pages.append(
            _project_page(
                str(pid), row, milestones.get(str(pid), []),
                evidence[evidence["account"] == pid] if not evidence.empty else evidence,
                trades[trades["project_id"] == pid], site_map, context,
            )
        )  # fmt: skip
    return write_folder(target, _render(pages, context), force=force, names=is_register_file)
