"""Build the review report's document from an :class:`~wetval.assess.Assessment`.

The document has the sections an expert panel needs (cover, summary, the
project and its parcels, condition, valuation, quota balance, price derivation,
fund split, uncertainty and sensitivity, quota-pledged loan and insurance, legal
basis, cards and assumptions, the county-wide inventory and data quality as an
appendix, provenance with the step timings, review sheet, sign-off) in one language;
:func:`wetval.report.render` turns it into HTML, PDF, Markdown or XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.cards import Card, attached_bundle, referenced
from wetval.indicators import CATALOGUE
from wetval.messages import Message, say
from wetval.plotting import axes
from wetval.report.charts import county_overview, figure_block
from wetval.report.charts import project_map as overlay_project_map
from wetval.report.document import (
    Block,
    Facts,
    Figure,
    Kind,
    Paragraph,
    ReportDocument,
    ReviewBlock,
    Section,
    SignOff,
    TableBlock,
)
from wetval.report.first_page import first_page, used_card
from wetval.report.headline import headline
from wetval.report.legal import LegalBasisBody, legal_basis
from wetval.strings import Lang, known, tr
from wetval.summary import SummaryTable
from wetval.units import M2_PER_HA, M2_PER_MU

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.assess import Assessment
    from wetval.review import ReviewRecord
    from wetval.uncertainty.monte_carlo import MonteCarloResult
    from wetval.uncertainty.sensitivity import TornadoResult
    from wetval.valuation import ServiceValues

__all__ = ["build_document"]


def _money(value: float) -> str:
    return f"{value:,.2f}"


_WIKI_LINK = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")

#: Section number of the cards section, for references from card texts.
_CARDS_SECTION = 11


def _plain(text: str, lang: Lang) -> str:
    """Card text without wiki-link syntax.

    ``[[assumptions]]`` becomes a reference to the card's assumptions in the
    report, ``[[page|label]]`` its label.
    """

    def replace(match: re.Match[str]) -> str:
        target, label = match.groups()
        if target.strip() == "assumptions":
            return tr("see_assumptions", lang, section=_CARDS_SECTION)
        return label or target

    return _WIKI_LINK.sub(replace, text)


def _text(note: str | Message, lang: Lang) -> str:
    """A note, warning or flag of a result in ``lang``.

    A Message by its key and values; a plain string (a plugin's) as it is,
    without wiki-link syntax.
    """
    if isinstance(note, Message):
        return say(note, lang)
    return _plain(str(note), lang)


def _sheet_title(sheet: str, lang: Lang, **values: object) -> str:
    """The XLSX sheet name of table ``sheet`` in ``lang`` (the id when it has no string)."""
    key = f"sheet_{sheet}"
    return tr(key, lang, **values) if known(key) else sheet


def _param_label(name: str, lang: Lang) -> str:
    """A parameter (``card.parameter`` or a bare name) by its label in ``lang``."""
    key = f"param_{name.rsplit('.', 1)[-1]}"
    return tr(key, lang) if known(key) else name


_ZH_UNITS = {
    "CNY": "元", "yr": "年", "d": "天", "points": "分", "experts": "人", "panels": "次评审",
    "permutations": "次", "1": "", "ha": "公顷", "visits": "人次",
}  # fmt: skip


def _unit_text(unit: str, lang: Lang) -> str:
    """A card unit (``CNY/亩/yr``) in ``lang``: in Chinese its words as Chinese units."""
    if lang != "zh":
        return "" if unit == "1" else unit
    return re.sub(r"[A-Za-z0-9]+", lambda m: _ZH_UNITS.get(m.group(0), m.group(0)), unit)


#: Result-frame column → strings key of its header; a table may override a column.
_HEADERS: dict[str, str] = {
    "parcel_id": "parcel_id",
    "project_id": "project_id",
    "parcels": "parcels",
    "area_ha": "area_ha",
    "area_mu": "area_mu",
    "area_m2": "area_m2",
    "units": "units",
    "category": "category",
    "land_class": "land_class",
    "name": "name",
    "name_zh": "name",
    "name_en": "name",
    "legal_wetland": "legal_wetland",
    "township": "township",
    "indicator": "indicator",
    "indicator_id": "indicator_id",
    "quantity_id": "quantity_id",
    "parcel_share": "share_parcels",
    "area_share": "share_area",
    "role": "role",
    "reason": "reason",
    "index": "index",
    "condition_index": "index",
    "grade": "grade",
    "quality": "quality",
    "missing": "missing",
    "area_required_mu": "area_required_mu",
    "area_delivered_mu": "area_delivered_mu",
    "units_required": "units_required_col",
    "units_delivered": "units_delivered",
    "area_shortfall_mu": "area_shortfall_mu",
    "units_shortfall": "units_shortfall",
    "balanced": "balanced_col",
    "debit_parcel": "debit_parcel",
    "credit_parcel": "credit_parcel",
    "credit_project": "credit_project",
    "location": "location",
    "location_factor": "location_factor",
    "credit_share": "credit_share",
    "credit_units": "credit_parcel_units",
    "registered": "registered",
    "released": "released",
    "debited": "debited",
    "pledged": "pledged",
    "available": "available",
    "available_share": "available_share",
    "units_matched": "units_matched",
    "amount": "amount",
    "restoration_cost": "restoration_cost",
    "recipient": "recipient",
    "share": "share",
    "yuan": "amount",
    "fen": "amount_fen",
    "works": "works_cny",
    "compensation": "compensation_cny",
    "om_pv": "om_pv_cny",
    "service_loss": "service_loss_cny",
    "cost": "cost_cny",
    "market": "market_cny",
    "value": "value_approach_cny",
    "recommended": "recommended_cny",
    "low": "price_low",
    "high": "price_high",
    "per_mu": "per_mu_col",
    "per_unit": "per_unit",
    "output": "output",
    "unit": "unit",
    "deterministic": "deterministic",
    "mean": "mean",
    "sd": "sd",
    "mcse_mean": "mcse_mean",
    "mcse_P5": "mcse_p5",
    "mcse_P50": "mcse_p50",
    "mcse_P95": "mcse_p95",
    "relative_mcse": "relative_mcse",
    "converged": "converged",
    "parameter": "parameter",
    "output_low": "output_low",
    "output_high": "output_high",
    "swing": "swing",
    "scientific_name": "scientific_name",
    "status": "status",
    "verified": "verified",
    "project_type": "project_type",
    "county_code": "county_code",
    "type_group": "type_group",
    "wetland_level": "wetland_level",
    "quality_factor": "quality_factor",
    "type_factor": "type_factor",
    "level_factor": "level_factor",
    "needs_quota": "needs_quota",
    "permissible": "permissible",
    "expert_id": "expert_id",
    "decision": "decision",
    "total": "review_total",
    "deviation": "review_deviation",
    "modified_z": "modified_z",
    "outlier": "outlier",
    "submitted_on": "submitted_on",
    "days_late": "days_late",
    "entry_hash": "entry_hash",
    "criterion": "criterion",
    "weight": "weight",
    "trimmed_mean": "trimmed_mean",
    "median": "median",
    "cv": "cv",
    "min": "minimum",
    "max": "maximum",
}


#: The kind of a column by the strings key of its header (quota units, factors and
#: shares), declared for every table :func:`_table` builds; money and areas say
#: so by the unit in their header (:func:`wetval.report.document.infer_kind`).
_UNITS: Kind = "units"
_FACTOR: Kind = "factor"
_KINDS: dict[str, Kind] = dict.fromkeys(
    ("units", "units_required_col", "units_delivered", "units_shortfall", "credit_parcel_units",
     "units_matched", "released", "debited", "pledged", "available"), _UNITS,
) | dict.fromkeys(
    ("index", "quality_factor", "type_factor", "level_factor", "location_factor", "share",
     "share_parcels", "share_area", "credit_share", "available_share", "weight", "relative_mcse",
     "effective_ltv", "p_fail", "cv"), _FACTOR,
)  # fmt: skip


def _table(
    frame: pd.DataFrame,
    lang: Lang,
    caption: str,
    sheet: str,
    *,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    decimals: Mapping[str, int] | None = None,
    max_rows: int | None = 40,
    print_columns: Sequence[str] | None = None,
    sheet_name: str | None = None,
    kinds: Mapping[str, Kind] | None = None,
) -> TableBlock:
    """A result frame as a report table with its column names in ``lang``.

    Parameters
    ----------
    frame
        The data, with the result's own column names.
    lang
        Report language.
    caption, sheet, max_rows
        As for :class:`~wetval.report.document.TableBlock`.
    columns
        Columns kept, in order (those the frame has); all when ``None``.
    headers
        Column → strings key, overriding :data:`_HEADERS` for this table.
    decimals, print_columns
        As for :class:`~wetval.report.document.TableBlock`, naming the frame's own columns.
    sheet_name
        The sheet's name in ``lang``; by default the string ``sheet_{sheet}``.
    kinds
        Column → kind, naming the frame's own columns; by default the kind
        :data:`_KINDS` declares for the column's strings key.
    """
    keys = _HEADERS | dict(headers or {})

    def header(column: object) -> str:
        key = keys.get(str(column))
        return tr(key, lang) if key else str(column)

    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    return TableBlock(
        frame.rename(columns=header),
        caption,
        sheet,
        {header(c): d for c, d in (decimals or {}).items()},
        max_rows,
        None if print_columns is None else tuple(header(c) for c in print_columns),
        sheet_name if sheet_name is not None else _sheet_title(sheet, lang),
        {
            header(c): kind
            for c in frame.columns
            if (kind := (kinds or {}).get(str(c)) or _KINDS.get(keys.get(str(c), "")))
        },
    )


def _summary_table(
    table: SummaryTable,
    lang: Lang,
    sheet: str,
    *,
    caption: str | None = None,
    max_rows: int | None = 40,
    print_columns: Sequence[str] | None = None,
) -> TableBlock:
    """A result's summary table (:meth:`summary`) as a report table in ``lang``.

    The caption is the table's own title unless given; decimals come from the
    summary table, and the kind of each column from :data:`_KINDS` by its key.
    """
    frame = table.frame(lang)
    header = dict(zip(table.data.columns, frame.columns, strict=True))
    return TableBlock(
        frame,
        caption if caption is not None else tr(table.title, lang),
        sheet,
        {header[c]: d for c, d in table.digits.items() if c in header},
        max_rows,
        None if print_columns is None else tuple(header[c] for c in print_columns),
        _sheet_title(sheet, lang),
        {header[c]: _KINDS[str(c)] for c in table.data.columns if str(c) in _KINDS},
    )


def _labelled(values: pd.Series, lang: Lang, prefix: str) -> pd.Series:
    """Coded values (land categories, roles …) as the strings ``prefix + value`` in ``lang``.

    A value without such a string is kept as it is.
    """
    return values.astype(object).map(
        lambda v: tr(f"{prefix}{v}", lang) if known(f"{prefix}{v}") else v
    )


def _yes_no(values: pd.Series, lang: Lang) -> pd.Series:
    return values.astype(object).map({True: tr("yes", lang), False: tr("no", lang)})


def _indicator_name(indicator: str, lang: Lang) -> str:
    """A catalogue indicator's (or a combined condition item's) name in ``lang``."""
    if indicator in CATALOGUE:
        found = CATALOGUE[indicator]
        return found.name_zh if lang == "zh" else found.name_en
    key = f"item_{indicator}"
    return tr(key, lang) if known(key) else indicator


def _cover(assessment: Assessment, lang: Lang) -> Facts:
    project = assessment.spec["project"]
    items = [
        (tr("project", lang), project["name"]),
        (tr("applicant", lang), project["applicant"]),
        (tr("assessor", lang), project["assessor"]),
        (tr("date", lang), str(project["date"])),
        (tr("report_id", lang), assessment.hash),
    ]
    if project.get("township"):
        items.insert(3, (tr("township", lang), project["township"]))
    return Facts(tuple(items))


def _listing(items: Iterable[str], lang: Lang) -> str:
    """Items in a sentence: 甲、乙 in Chinese, "a, b" in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def _summary(assessment: Assessment, lang: Lang) -> Section:
    """Page 1: every figure from :func:`~wetval.report.first_page.first_page`, with its unit."""
    page = first_page(assessment)
    recommended = tr("recommended_price", lang)
    weights = " + ".join(tr(f"p1_weight_{name}", lang, w=w) for name, w in page.weights)
    items = [
        (recommended, f"{_money(page.price_per_unit)} {tr('per_unit', lang)}"),
        (tr("p1_price_per_mu", lang), f"{_money(page.price_per_mu)} {tr('unit_CNY/亩', lang)}"),
        (
            tr("p1_basis", lang),
            tr(
                "p1_basis_text",
                lang,
                projects=_listing(page.restoration_projects, lang),
                parcels=page.priced_parcels,
                units=page.priced_units,
                area=page.priced_area_mu,
                weights=weights,
                total=page.recommended_total,
                floored=page.floored_parcels,
            ),
        ),
        (tr("p1_range", lang), tr("p1_range_text", lang, low=page.range_low, high=page.range_high)),
    ]
    if page.mc_draws is not None:
        items.append(
            (
                tr("p1_mc", lang),
                tr(
                    "p1_mc_text",
                    lang,
                    p5=page.mc_p5,
                    p50=page.mc_p50,
                    p95=page.mc_p95,
                    draws=page.mc_draws,
                ),
            )
        )
        outputs = _listing((tr(f"out_{o}", lang) for o in page.not_converged), lang)
        items.append(
            (
                tr("p1_convergence", lang),
                tr("p1_not_converged", lang, outputs=outputs)
                if page.not_converged
                else tr("p1_converged", lang),
            )
        )
    items.append((tr("price_year", lang), str(page.price_year)))
    if page.units_required is not None:
        items += [
            (tr("p1_units_required", lang), tr("p1_units_value", lang, units=page.units_required)),
            (
                tr("p1_units_delivered", lang),
                tr("p1_units_value", lang, units=page.units_delivered),
            ),
            (tr("p1_units_surplus", lang), tr("p1_units_value", lang, units=page.units_surplus)),
        ]
    items += [
        (
            tr("p1_pool", lang),
            tr("p1_pool_text", lang, units=page.pool_units, after=page.pool_units_after),
        ),
        (tr("balance_verdict", lang), tr("balanced" if page.balanced else "not_balanced", lang)),
    ]
    if page.sale_amount is not None:
        items.append((tr("p1_sale", lang), tr("p1_amount", lang, amount=page.sale_amount)))
        items.append(
            (
                "",
                tr(
                    "p1_sale_text",
                    lang,
                    credits=page.sale_credit_parcels,
                    debits=page.sale_debit_parcels,
                    units=page.units_delivered,
                    per_unit=page.sale_per_unit,
                    at_pool=page.sale_at_pool_price,
                ),
            )
        )
    conclusion = tr(
        "p1_conclusion",
        lang,
        year=page.price_year,
        price=page.price_per_unit,
        per_mu=page.price_per_mu,
        balance=tr(
            "p1_conclusion_balanced" if page.balanced else "p1_conclusion_not_balanced", lang
        ),
        sale=""
        if page.sale_amount is None
        else tr("p1_conclusion_sale", lang, amount=page.sale_amount),
    )
    blocks: list[Block] = []
    if assessment.synthetic:
        blocks.append(Paragraph(tr("synthetic_banner", lang), tone="synthetic"))
    blocks += [
        Paragraph(conclusion),
        Facts(tuple(items), emphasis=(recommended,)),
        Paragraph(tr("p1_unit_defined", lang), tone="note"),
        Paragraph(tr("p1_pool_note", lang), tone="note"),
        Paragraph(tr("p1_warnings", lang) + ":"),
    ]
    if page.messages:
        blocks += [
            Paragraph(
                say(message, lang), tone="warning" if message.severity == "warning" else "note"
            )
            for message in page.messages
        ]
    else:
        blocks.append(Paragraph(tr("p1_no_warnings", lang), tone="note"))
    return Section("summary", tr("s_summary", lang), tuple(blocks), page_break=False)


#: Columns of the project's parcels table (section 2), from the debit and credit accounts.
_PARCEL_COLUMNS = (
    "side", "parcel_id", "project_id", "land_class", "land_class_name", "township",
    "wetland_level", "area_mu", "area_ha", "grade", "condition_index", "quality_factor", "units",
)  # fmt: skip


def _project_parcels(assessment: Assessment, lang: Lang) -> pd.DataFrame:
    """The occupied parcels and the credit parcels matched to them, one row each."""
    debits = assessment.accounts.debits.to_frame()
    credits = assessment.accounts.credits.to_frame()
    matched = assessment.balance.matches
    used = (
        list(dict.fromkeys(str(p) for p in matched["credit_parcel"])) if not matched.empty else []
    )
    frames = []
    for side, frame in (("occupied", debits), ("credit", credits.reindex(used))):
        part = frame.reset_index().rename(columns={"index": "parcel_id"})
        part.insert(0, "side", tr(f"side_{side}", lang))
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    table["area_ha"] = table["area_m2"] / M2_PER_HA
    names = assessment.project_parcels["land_class_name"].astype(object)
    table["land_class_name"] = _land_class_names(
        table["land_class"],
        table["parcel_id"].map(dict(names.items())),
        lang,
        str(assessment.spec["data"].get("scheme") or "sandiao"),
    )
    grades = assessment.condition.grades
    # quota accounts carry the Chinese label, the condition result the grade key
    shown = grades["label_zh" if lang == "zh" else "label_en"]
    labels = dict(shown.items()) | dict(zip(grades["label_zh"], shown, strict=True))
    table["grade"] = table["grade"].astype(object).map(lambda g: labels.get(g, g))
    if "wetland_level" in table.columns:
        table["wetland_level"] = _labelled(table["wetland_level"], lang, "level_")
    return table[[c for c in _PARCEL_COLUMNS if c in table.columns]]


def _land_class_names(codes: pd.Series, given: pd.Series, lang: Lang, scheme: str) -> pd.Series:
    """Land-class names in ``lang``: the layer's own DLMC in Chinese, the scheme's English name.

    A code the scheme does not know keeps the name the layer gave it.
    """
    from wetval.landclass import classify

    if lang == "zh":
        return given.astype(object)
    english = classify(codes.astype(str).to_numpy(), scheme)["name_en"].to_numpy(dtype=object)
    fallback = given.astype(object).to_numpy()
    return pd.Series(np.where(pd.isna(english), fallback, english), index=codes.index)


#: Columns of the 压占分析表 by land class, in order.
_OVERLAY_CLASS_COLUMNS = (
    "role", "project_id", "land_class", "land_class_name", "legal_wetland", "pieces",
    "piece_area_m2", "area_m2", "area_mu", "area_ha",
)  # fmt: skip


def _overlay_totals(pieces: pd.DataFrame, by: list[str], lang: Lang) -> pd.DataFrame:
    """Pieces summed by ``by``: count, overlapped and prorated areas [m², 亩, ha].

    Each value of ``by[0]`` (occupation, restoration) ends in its total row,
    written in the ``by[1]`` column; the two sides are never added together.
    """
    parts = []
    for side, mine in pieces.groupby(by[0], sort=True, observed=True):
        grouped = mine.groupby(by, sort=True, observed=True, dropna=False)
        table = grouped.agg(
            pieces=("area_m2", "size"),
            piece_area_m2=("piece_area_m2", "sum"),
            area_m2=("area_m2", "sum"),
        ).reset_index()
        total = dict.fromkeys(by, "") | {
            by[0]: side,
            by[1]: tr("total_row", lang),
            "pieces": int(table["pieces"].sum()),
            "piece_area_m2": float(table["piece_area_m2"].sum()),
            "area_m2": float(table["area_m2"].sum()),
        }
        parts += [table, pd.DataFrame([total])]
    table = pd.concat(parts, ignore_index=True)
    table["area_mu"] = table["area_m2"] / M2_PER_MU
    table["area_ha"] = table["area_m2"] / M2_PER_HA
    return table


def _overlay_tables(assessment: Assessment, lang: Lang) -> list[Block]:
    """The 压占分析表 of the footprints: by land class per project, by ownership unit.

    Areas are those of :class:`~wetval.spatial.Overlay`: the ellipsoidal area of
    each piece and the land-class area it carries (the parcel's TBDLMJ × its
    share; the deducted strip, KCDLBM, a row of its own).
    """
    if not assessment.overlays:
        return []
    scheme = str(assessment.spec["data"].get("scheme") or "sandiao")
    pieces = pd.concat([o.pieces.drop(columns="geometry_wkb") for o in assessment.overlays])
    pieces["land_class_name"] = _land_class_names(
        pieces["land_class"], pieces["land_class_name"], lang, scheme
    )
    pieces["legal_wetland"] = _yes_no(pieces["legal_wetland"].astype(bool), lang)
    sides = [tr(f"role_{role}", lang) for role in ("occupation", "restoration")]
    # the occupation first in either language
    pieces["role"] = pd.Categorical(_labelled(pieces["role"], lang, "role_"), categories=sides)
    by_class = _overlay_totals(
        pieces, ["role", "project_id", "land_class", "land_class_name", "legal_wetland"], lang
    )
    decimals = {"piece_area_m2": 2, "area_m2": 2, "area_mu": 2, "area_ha": 4}
    headers = {
        "pieces": "overlay_pieces",
        "piece_area_m2": "overlay_piece_area",
        "area_m2": "overlay_class_area",
        "area_mu": "overlay_class_area_mu",
        "area_ha": "overlay_class_area_ha",
        "land_class_name": "land_class_name",
        "ownership": "ownership_code",
        "ownership_unit": "ownership_unit_code",
    }
    controlled = [o for o in assessment.overlays if o.control]
    text = tr("overlay_text", lang)
    if controlled:
        projects = sorted({str(p) for o in controlled for p in o.pieces["project_id"].unique()})
        text += ("" if lang == "zh" else " ") + tr(
            "overlay_text_control", lang, projects=_listing(projects, lang)
        )
    blocks: list[Block] = [
        Paragraph(text, tone="note"),
        _table(by_class, lang, tr("overlay_class_table", lang), "overlay_classes",
               columns=_OVERLAY_CLASS_COLUMNS, headers=headers, decimals=decimals,
               max_rows=60),
    ]  # fmt: skip
    occupied = pieces[pieces["role"] == tr("role_occupation", lang)]
    if len(occupied):
        by_owner = _overlay_totals(
            occupied,
            ["role", "ownership_unit", "ownership", "land_class", "land_class_name"],
            lang,
        ).drop(columns="role")
        blocks.append(
            _table(by_owner, lang, tr("overlay_owner_table", lang), "overlay_owners",
                   headers=headers, decimals=decimals, max_rows=60)
        )  # fmt: skip
    return blocks


def _project(assessment: Assessment, lang: Lang, project_map: Figure | None = None) -> Section:
    """Section 2: the project's own parcels, its map when given, and their condition."""
    table = _project_parcels(assessment, lang)
    occupied = table["side"] == tr("side_occupied", lang)
    blocks: list[Block] = [
        Paragraph(
            tr(
                "project_text",
                lang,
                occupied=int(occupied.sum()),
                occupied_mu=float(table.loc[occupied, "area_mu"].sum()),
                credits=int((~occupied).sum()),
                credits_mu=float(table.loc[~occupied, "area_mu"].sum()),
            )
        ),
    ]
    county = county_overview(assessment, lang)
    if county is not None:
        blocks.append(county)
    if project_map is not None:
        blocks.append(project_map)
    blocks += _overlay_tables(assessment, lang)
    blocks.append(
        _table(
            table,
            lang,
            tr("project_parcels_table", lang),
            "project_parcels",
            headers={
                "side": "side",
                "land_class_name": "land_class_name",
                "condition_index": "index",
            },
            decimals={"area_mu": 2, "area_ha": 4, "condition_index": 3, "quality_factor": 2},
            max_rows=80,
        )
    )
    return Section("project", tr("s_project", lang), tuple(blocks))


def _legal(assessment: Assessment, lang: Lang, card: Card, body: LegalBasisBody) -> Section:
    """The laws and policies applied, and who approves an occupation of this level."""
    zh = lang == "zh"
    instruments = pd.DataFrame(
        {
            tr("legal_instrument", lang): [
                r.title_zh if zh else r.title_en for r in body.tables.instruments.rows
            ],
            tr("legal_provisions", lang): [r.provisions for r in body.tables.instruments.rows],
            tr("legal_applies", lang): [
                r.applies_zh if zh else r.applies_en for r in body.tables.instruments.rows
            ],
            tr("source_key", lang): [r.source for r in body.tables.instruments.rows],
            tr("verified", lang): [
                tr("yes" if r.verified else "no", lang) for r in body.tables.instruments.rows
            ],
        }
    )
    level = str(assessment.price.provenance.options.get("wetland_level") or "general")
    approval = {r.level: r for r in body.tables.approval.rows}
    blocks: list[Block] = [
        Paragraph(tr("legal_text", lang, card=f"{card.id} {card.version}")),
        TableBlock(
            instruments,
            tr("legal_table", lang),
            "legal_basis",
            max_rows=None,
            sheet_name=_sheet_title("legal_basis", lang),
        ),
    ]
    if level in approval:
        row = approval[level]
        blocks.append(
            Paragraph(
                tr(
                    "legal_approval",
                    lang,
                    level=tr(f"level_{level}", lang),
                    authority=row.authority_zh if zh else row.authority_en,
                    provisions=row.provisions,
                ),
                tone="note",
            )
        )
    blocks += [
        Paragraph(_plain(a.text.zh if zh else a.text.en, lang), tone="warning")
        for a in card.assumptions
        if not a.verified
    ]
    return Section("legal", tr("s_legal", lang), tuple(blocks))


def _signoff(assessment: Assessment, lang: Lang, body: LegalBasisBody) -> Section:
    """The appraisal firm's and the review panel's sign-off blocks, from the legal card."""
    zh = lang == "zh"
    project = assessment.spec["project"]
    blocks: list[Block] = [
        Paragraph(
            tr(
                "signoff_text",
                lang,
                report=assessment.report_id,
                assessor=project.get("assessor", ""),
            )
        )
    ]
    for block in ("firm", "panel"):
        roles = [r for r in body.tables.signoff.rows if r.block == block]
        lines = tuple(
            (
                (r.role_zh if zh else r.role_en) + (f" {i}" if r.count > 1 else ""),
                tuple(tr(f"field_{f}", lang) for f in r.field_names() if f != "seal"),
            )
            for r in roles
            for i in range(1, r.count + 1)
        )
        seal = any("seal" in r.field_names() for r in roles)
        blocks.append(
            SignOff(
                title=tr(f"signoff_{block}", lang),
                lines=lines,
                seal=tr("field_seal", lang) if seal else "",
            )
        )
    return Section("signoff", tr("s_signoff", lang), tuple(blocks))


def _data(assessment: Assessment, lang: Lang) -> Section:
    inventory = assessment.inventory
    numbers = ("parcels", "area_ha", "area_mu")
    areas = {"area_ha": 2, "area_mu": 1}
    by_category = inventory.by_category.reset_index()
    by_category["category"] = _labelled(by_category["category"], lang, "cat_")
    by_class = inventory.by_class.reset_index()
    by_class["category"] = _labelled(by_class["category"], lang, "cat_")
    by_class["legal_wetland"] = _yes_no(by_class["legal_wetland"], lang)
    name_column = "name_zh" if lang == "zh" else "name_en"
    blocks: list[Block] = [
        _table(
            by_category,
            lang,
            tr("by_category", lang),
            "by_category",
            columns=("category", *numbers),
            decimals=areas,
        ),
        _table(
            by_class,
            lang,
            tr("by_class", lang),
            "by_class",
            columns=("land_class", name_column, "category", "legal_wetland", *numbers),
            decimals=areas,
        ),
        _table(
            inventory.by_township.reset_index(),
            lang,
            tr("by_township", lang),
            "by_township",
            columns=("township", *numbers),
            decimals=areas,
        ),
    ]
    if inventory.coverage is not None:
        coverage = inventory.coverage.to_frame().reset_index()
        coverage.insert(0, "indicator_id", coverage["indicator"])
        coverage["indicator"] = [_indicator_name(i, lang) for i in coverage["indicator"]]
        blocks.append(
            _table(
                coverage,
                lang,
                tr("coverage", lang),
                "coverage",
                columns=("indicator", "parcels", "parcel_share", "area_share", "indicator_id"),
                decimals={"parcel_share": 3, "area_share": 3},
                # the ids are for researchers matching their indicator tables: XLSX only
                print_columns=("indicator", "parcels", "parcel_share", "area_share"),
            )
        )
    blocks.append(Paragraph(tr("warnings", lang) + ":"))
    if assessment.warnings:
        blocks += [Paragraph(_text(w, lang), tone="warning") for w in assessment.warnings]
    else:
        blocks.append(Paragraph(tr("no_warnings", lang), tone="note"))
    if not assessment.excluded.empty:
        excluded = assessment.excluded.reset_index().rename(columns={"index": "parcel_id"})
        excluded["role"] = _labelled(excluded["role"], lang, "role_")
        excluded["reason"] = _labelled(excluded["reason"], lang, "reason_")
        blocks.append(
            _table(
                excluded,
                lang,
                tr("excluded", lang),
                "excluded",
                columns=("parcel_id", "role", "reason"),
            )
        )
    return Section("data", tr("s_data", lang), tuple(blocks))


def _chart_axes() -> Axes:
    """Empty axes of the report's chart size, for a result's ``plot()`` to draw into."""
    return axes(None, figsize=(6.5, 3.2))


def _grade_chart(assessment: Assessment, lang: Lang) -> Figure:
    """The condition result's own grade plot (:meth:`ConditionResult.plot`) in ``lang``."""
    ax = assessment.condition.plot(_chart_axes(), lang=lang)
    ax.set_title("")  # the figure's caption names it
    return figure_block(ax.figure, tr("grade_chart", lang), "grades")


def _condition(assessment: Assessment, lang: Lang) -> Section:
    condition = assessment.condition
    grades = condition.grades
    labels = grades["label_zh" if lang == "zh" else "label_en"]
    frame = condition.to_frame()
    grade_table = condition.summary().table("grades")
    project_ids = assessment.project_parcels.index
    contributions = condition.contributions.reindex(project_ids).mean().sort_values(ascending=False)
    contribution_table = pd.DataFrame(
        {
            "indicator": [_indicator_name(str(i), lang) for i in contributions.index],
            "contribution": contributions.to_numpy(),
            "indicator_id": contributions.index,
        }
    )
    project = frame.reindex(project_ids)
    low = project[project["quality"].astype(object).isin(["reweighted", "imputed", "unscored"])]
    low_table = low.reset_index()
    low_table["grade"] = low_table["grade"].astype(object).map(dict(labels.items()))
    low_table["quality"] = _labelled(low_table["quality"], lang, "quality_")
    low_table["missing"] = [
        _listing((_indicator_name(i, lang) for i in str(items).split()), lang)
        if isinstance(items, str)
        else items
        for items in low_table["missing"]
    ]
    grade_names = "/".join(str(label) for label in labels)
    blocks: list[Block] = [
        Paragraph(tr("condition_text", lang, card=condition.card_id, grades=grade_names)),
        _grade_chart(assessment, lang),
        _summary_table(grade_table, lang, "grades", caption=tr("grade_table", lang)),
        _table(
            contribution_table,
            lang,
            tr("contributions", lang),
            "contributions",
            headers={"contribution": "contribution"},
            decimals={"contribution": 3},
            kinds={"contribution": "factor"},
            print_columns=("indicator", "contribution"),
        ),
        _table(
            low_table,
            lang,
            tr("low_confidence", lang),
            "low_confidence",
            columns=("parcel_id", "land_class", "index", "grade", "quality", "missing"),
            decimals={"index": 3},
        ),
        *(Paragraph(_text(note, lang), tone="note") for note in condition.provenance.notes),
    ]
    return Section("condition", tr("s_condition", lang), tuple(blocks))


def _method_title(assessment: Assessment, name: str, lang: Lang) -> str:
    """A valuation method by its card's title in ``lang`` (the card id when not installed)."""
    refs = assessment.services[name].provenance.cards
    card = used_card(assessment, refs[0]) if refs else None
    if card is None:
        return name
    return card.title.zh if lang == "zh" else card.title.en


def _service_names(services: ServiceValues, index: pd.Index, lang: Lang) -> list[str]:
    """The services of ``index`` by their names in ``lang`` (the code when unnamed)."""
    column = "name_zh" if lang == "zh" else "name_en"
    if column not in services.services.columns:
        return [str(s) for s in index]
    names = services.services[column].reindex(index)
    return [
        str(n) if isinstance(n, str) and n else str(s) for s, n in zip(index, names, strict=True)
    ]


def _valuation_chart(assessment: Assessment, lang: Lang) -> Figure:
    ax = axes(None, figsize=(7.5, 3.6))
    names = list(assessment.services)
    labels: list[str] = []
    offset = 0
    for i, name in enumerate(names):
        services = assessment.services[name]
        by_service = services.by_service()
        x = offset + np.arange(len(by_service))
        ax.bar(
            x,
            by_service.to_numpy() / 1e4,
            0.8,
            label=_method_title(assessment, name, lang),
            color=f"C{i}",
        )
        labels += _service_names(services, by_service.index, lang)
        offset += len(by_service) + 1
        labels.append("")
    ax.set_xticks(np.arange(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(tr("valuation_chart_y", lang))
    ax.legend(fontsize=7)
    return figure_block(ax.figure, tr("valuation_chart", lang), "valuation")


def _valuation(assessment: Assessment, lang: Lang) -> Section:
    year = assessment.price.price_year
    value_card = assessment.spec["cards"]["value_approach"]
    blocks: list[Block] = [Paragraph(tr("valuation_text", lang, year=year, card=value_card))]
    comparison = pd.DataFrame(
        {
            tr("method", lang): [_method_title(assessment, n, lang) for n in assessment.services],
            tr("card", lang): list(assessment.services),
            tr("value_cny", lang): [s.total() for s in assessment.services.values()],
        }
    )
    blocks.append(
        TableBlock(
            comparison,
            tr("method_comparison", lang),
            "methods",
            sheet_name=_sheet_title("methods", lang),
        )
    )
    blocks.append(_valuation_chart(assessment, lang))
    for name, services in assessment.services.items():
        title = _method_title(assessment, name, lang)
        by_service = services.by_service()
        table = pd.DataFrame(
            {
                tr("service", lang): _service_names(services, by_service.index, lang),
                tr("value_cny", lang): by_service.to_numpy(),
            }
        )
        blocks.append(
            TableBlock(
                table,
                f"{tr('by_service', lang)} — {title}",
                f"services_{name}"[:31],
                sheet_name=_sheet_title("services", lang, name=name)[:31],
            )
        )
        if services.quantities is not None:
            totals = services.quantities.sum()
            quantities = pd.DataFrame(
                {
                    "quantity": _labelled(totals.index.to_series(), lang, "q_").to_numpy(),
                    "amount": totals.to_numpy(),
                    "unit": [
                        _unit_text(services.quantity_units.get(str(k), ""), lang)
                        for k in totals.index
                    ],
                    "quantity_id": totals.index,
                }
            )
            blocks.append(
                _table(
                    quantities,
                    lang,
                    f"{tr('quantities', lang)} — {title}",
                    f"quantities_{name}"[:31],
                    headers={"quantity": "quantity", "amount": "amount_quantity"},
                    print_columns=("quantity", "amount", "unit"),
                    sheet_name=_sheet_title("quantities", lang, name=name)[:31],
                )
            )
        for note in services.provenance.notes:
            blocks.append(
                Paragraph(
                    f"{title}：{_text(note, lang)}"
                    if lang == "zh"
                    else f"{title}: {_text(note, lang)}",
                    tone="note",
                )
            )
    return Section("valuation", tr("s_valuation", lang), tuple(blocks))


_BALANCE_ROWS = {
    "area_mu": "area_mu",
    "quality_weighted_mu": "quality_weighted_mu",
    "units": "units",
}


def _quota(assessment: Assessment, lang: Lang) -> Section:
    report = assessment.balance
    balances = report.balances.reset_index()
    balances.columns = [
        tr("measure", lang),
        tr("credits", lang),
        tr("debits", lang),
        tr("balance", lang),
    ]
    balances.iloc[:, 0] = [
        tr(_BALANCE_ROWS[str(row)], lang) if str(row) in _BALANCE_ROWS else row
        for row in balances.iloc[:, 0]
    ]
    projects = report.projects.reset_index()
    projects["balanced"] = _yes_no(projects["balanced"], lang)
    projects["reason"] = [_text(r, lang) if r else "" for r in projects["reason"]]
    matches = report.matches.copy()
    matches["location"] = _labelled(matches["location"], lang, "loc_")
    credits = assessment.accounts.credits.to_frame()
    by_project = (
        credits.groupby(credits["project_id"].astype(object))
        .agg(parcels=("units", "size"), area_mu=("area_mu", "sum"), units=("units", "sum"))
        .reset_index()
    )
    blocks: list[Block] = [
        Paragraph(tr("quota_text", lang, card=report.card.id)),
        TableBlock(
            balances,
            tr("balance_table", lang),
            "balance",
            # rows of areas [亩] and of quota units: four decimals, as quota units show
            dict.fromkeys(balances.columns[1:], 4),
            sheet_name=_sheet_title("balance", lang),
            kinds=dict.fromkeys(balances.columns[1:], "number"),
        ),
        _table(
            projects,
            lang,
            tr("projects_table", lang),
            "balance_projects",
            print_columns=(
                "project_id",
                "area_required_mu",
                "area_delivered_mu",
                "units_required",
                "units_delivered",
                "balanced",
                "reason",
            ),
        ),
        _table(
            matches,
            lang,
            tr("matches_table", lang),
            "matches",
            print_columns=(
                "debit_parcel",
                "credit_parcel",
                "location",
                "credit_share",
                "area_mu",
                "units_delivered",
            ),
        ),
        _table(by_project, lang, tr("credits_table", lang), "credits_by_project"),
    ]
    if report.ledger_accounts is not None:
        ledger = report.ledger_accounts.reset_index()
        ledger["registered"] = _yes_no(ledger["registered"], lang)
        blocks.append(
            Paragraph(
                tr(
                    "ledger_text_registry"
                    if "registry" in assessment.provenance.inputs
                    else "ledger_text",
                    lang,
                    ledger=report.provenance.inputs["ledger"][:12],
                )
            )
        )
        blocks.append(
            _table(
                ledger,
                lang,
                tr("ledger_table", lang),
                "ledger",
                headers={"credit_units": "potential_units"},
                decimals={"available_share": 3},
            )
        )
    if not report.not_permissible.empty:
        blocks.append(Paragraph(tr("not_permissible", lang), tone="warning"))
        not_permissible = report.not_permissible.reset_index()
        for column in ("needs_quota", "permissible"):
            not_permissible[column] = _yes_no(not_permissible[column], lang)
        blocks.append(_table(not_permissible, lang, tr("not_permissible", lang), "not_permissible"))
    return Section("quota", tr("s_quota", lang), tuple(blocks))


def _price_chart(assessment: Assessment, lang: Lang) -> Figure:
    """The price's own plot (:meth:`QuotaPrice.plot`) in ``lang``."""
    ax = assessment.price.plot(_chart_axes(), lang=lang)
    ax.set_title("")  # the figure's caption names it
    return figure_block(ax.figure, tr("price_chart", lang), "price")


#: Cost item → (plan field that replaces the pricing card's default, card parameter).
_COST_BASIS = {
    "works": ("quantities", "restoration_cost_per_mu"),
    "compensation": ("compensation", "compensation_per_mu"),
    "om_pv": ("om_per_year", "om_per_mu_year"),
}


def _cost_basis(assessment: Assessment, lang: Lang) -> TableBlock:
    """Per restoration project: where each cost item comes from (its plan, or the card's default).

    The defaulted items are named here and, as warnings, on page 1.
    """
    price = assessment.price
    frame = price.to_frame()
    plans = {str(p["project_id"]): p for p in assessment.spec["data"].get("plans") or ()}
    pricing = used_card(assessment, price.provenance.cards[0])
    grouped = frame.groupby(frame["project_id"].astype(object))
    rows = []
    for project, group in grouped:
        area = float(group["area_mu"].sum())
        row: dict[str, object] = {
            "project_id": project,
            "parcels": len(group),
            "area_mu": area,
            "works_per_mu": float(group["works"].sum()) / area if area else np.nan,
        }
        for item, (field, parameter) in _COST_BASIS.items():
            if plans.get(str(project), {}).get(field) is not None:
                row[f"basis_{item}"] = tr("basis_plan", lang)
            elif pricing is not None and parameter in pricing.parameters:
                spec = pricing.parameters[parameter]
                row[f"basis_{item}"] = tr(
                    "basis_default",
                    lang,
                    value=float(spec.value),
                    unit=_unit_text(spec.unit, lang),
                )
            else:
                row[f"basis_{item}"] = tr("basis_card", lang)
        rows.append(row)
    return _table(
        pd.DataFrame(rows),
        lang,
        tr("cost_basis_table", lang),
        "cost_basis",
        headers={
            "works_per_mu": "works_per_mu",
            "basis_works": "basis_works",
            "basis_compensation": "basis_compensation",
            "basis_om_pv": "basis_om",
        },
        decimals={"area_mu": 2, "works_per_mu": 0},
        max_rows=None,
    )


def _price(assessment: Assessment, lang: Lang) -> Section:
    price = assessment.price
    summary = price.summary()
    approaches = summary.table("price_approaches").frame(lang)
    cost_table = summary.table("cost_components").frame(lang)
    blocks: list[Block] = [
        Paragraph(
            tr(
                "price_text",
                lang,
                card=assessment.spec["cards"]["pricing"],
            )
        ),
        TableBlock(
            approaches,
            tr("approach_table", lang),
            "price_approaches",
            {tr("weight", lang): 2},
            sheet_name=_sheet_title("price_approaches", lang),
            kinds={tr("weight", lang): "factor"},
        ),
        _price_chart(assessment, lang),
        _cost_basis(assessment, lang),
        TableBlock(
            cost_table,
            tr("cost_table", lang),
            "cost_components",
            sheet_name=_sheet_title("cost_components", lang),
        ),
        _table(
            price.to_frame().reset_index(),
            lang,
            tr("price_by_parcel_table", lang),
            "price_by_parcel",
            max_rows=25,
            print_columns=(
                "parcel_id",
                "area_mu",
                "units",
                "cost",
                "market",
                "value",
                "recommended",
                "per_unit",
            ),
        ),
    ]
    if price.flags:
        blocks.append(Paragraph(tr("flags", lang) + ":"))
        blocks += [Paragraph(_text(flag, lang), tone="warning") for flag in price.flags]
    blocks += _species_tables(assessment, lang)
    return Section("price", tr("s_price", lang), tuple(blocks))


def _species_tables(assessment: Assessment, lang: Lang) -> list[TableBlock]:
    """One table per distinct species list of the restoration plans, each with its own caption.

    The Chinese-name column is left out when it repeats the listed name in every
    row (plans list species by their Chinese names).
    """
    tables: dict[str, pd.DataFrame] = {}
    for check in assessment.price.species_checks:
        tables.setdefault(check.to_frame().reset_index().to_json(), check.to_frame().reset_index())
    blocks: list[TableBlock] = []
    for n, table in enumerate(tables.values(), start=1):
        table["status"] = _labelled(table["status"], lang, "status_")
        table["verified"] = _yes_no(table["verified"], lang)
        same = "name" in table and table["name"].astype(str).equals(table["name_zh"].astype(str))
        caption = tr("species", lang) if len(tables) == 1 else tr("species_n", lang, n=n)
        blocks.append(
            _table(
                table,
                lang,
                caption,
                f"species_{n}",
                columns=[c for c in table.columns if not (same and c == "name_zh")],
                headers={"name_zh": "name_zh"},
                sheet_name=_sheet_title("species", lang, n=n),
            )
        )
    return blocks


def _funds(assessment: Assessment, lang: Lang) -> Section:
    funds = assessment.funds
    if funds is None:
        return Section("funds", tr("s_funds", lang), (Paragraph(tr("no_sale", lang), tone="note"),))
    table = funds.to_frame().reset_index()
    table["recipient"] = _labelled(table["recipient"], lang, "recipient_")
    sale = assessment.sale.copy()
    sale["location"] = _labelled(sale["location"], lang, "loc_")
    blocks: list[Block] = [
        Paragraph(tr("funds_text", lang)),
        # yuan in print; the exact fen stay in the XLSX workbook
        _table(
            table,
            lang,
            tr("funds_table", lang),
            "funds",
            print_columns=("recipient", "share", "yuan"),
        ),
        _table(
            sale,
            lang,
            tr("sale_table", lang),
            "sale",
            print_columns=(
                "credit_parcel",
                "location",
                "units_delivered",
                "credit_share",
                "amount",
                "restoration_cost",
            ),
        ),
    ]
    if funds.shortfall_fen:
        blocks.append(
            Paragraph(
                tr("shortfall", lang)
                + ": "
                + tr("p1_amount", lang, amount=funds.shortfall_fen / 100),
                tone="warning",
            )
        )
    return Section("funds", tr("s_funds", lang), tuple(blocks))


_FINANCE_ROWS = {
    "low": "risk_low",
    "medium": "risk_medium",
    "high": "risk_high",
    "total": "total_row",
}


def _finance_row_label(label: object, lang: Lang) -> str:
    """The quota card's risk classes and the total row in the report's language."""
    key = _FINANCE_ROWS.get(str(label))
    return tr(key, lang) if key else str(label)


def _finance(assessment: Assessment, lang: Lang) -> Section:
    finance = assessment.finance
    if finance is None:
        return Section(
            "finance", tr("s_finance", lang), (Paragraph(tr("no_finance", lang), tone="note"),)
        )
    pledge = next(iter(finance.pledges.values()))
    haircut = f"{pledge.price_haircut:.1%}"
    source = (
        tr("haircut_draws", lang, draws=pledge.n_draws, haircut=haircut)
        if pledge.price_haircut_source == "draws"
        else tr("haircut_card", lang, haircut=haircut)
    )
    frame = finance.to_frame()
    money = ["appraised_value", "loan_capacity", "stress_capacity", "replacement_cost", "premium"]
    frame[money] = frame[money].astype(float)
    frame.index = [_finance_row_label(label, lang) for label in frame.index]
    table = frame.rename_axis("risk_class").reset_index()
    card = finance.provenance.cards[0]
    blocks: list[Block] = [
        Paragraph(tr("finance_text", lang, source=source, card=f"{card.id} {card.version}")),
        _table(
            table,
            lang,
            tr("finance_table", lang),
            "finance",
            headers={column: column for column in table.columns},
            # whole yuan in print (the table is wide); XLSX keeps the fen
            decimals={"effective_ltv": 3, "p_fail": 2} | dict.fromkeys(money, 0),
        ),
    ]
    return Section("finance", tr("s_finance", lang), tuple(blocks))


def _mc_chart(result: MonteCarloResult, lang: Lang, output: str = "price_per_unit") -> Figure:
    """The Monte Carlo result's own histogram (:meth:`MonteCarloResult.plot`) in ``lang``."""
    ax = result.plot(_chart_axes(), output, lang=lang)
    return figure_block(ax.figure, tr("uncertainty_chart", lang), "monte_carlo")


def _tornado_chart(tornado: TornadoResult, lang: Lang) -> Figure:
    """The tornado chart with parameter names and legend in ``lang``."""
    table = tornado.to_frame().iloc[::-1]
    y = np.arange(len(table))
    base = float(tornado.base_output)
    ax = axes(None, figsize=(6.5, 3.2))
    ax.barh(y, table["output_low"] - base, left=base, color="#3b7ea1", label=tr("param_low", lang))
    ax.barh(
        y, table["output_high"] - base, left=base, color="#d9822b", label=tr("param_high", lang)
    )
    ax.axvline(base, color="black", linewidth=0.8, label=tr("tornado_base", lang))
    ax.set_yticks(y, [_param_label(str(i), lang) for i in table.index])
    ax.set_xlabel(f"{tr('out_price_per_unit', lang)} [{tr('per_unit', lang)}]")
    ax.legend(loc="lower right", fontsize="small")
    return figure_block(ax.figure, tr("tornado_chart", lang), "tornado")


def _uncertainty(assessment: Assessment, lang: Lang) -> Section:
    blocks: list[Block] = []
    result = assessment.uncertainty
    if result is None:
        blocks.append(Paragraph(tr("no_uncertainty", lang), tone="note"))
    else:
        table = result.summary().table("monte_carlo")
        blocks.append(
            _summary_table(
                table,
                lang,
                "monte_carlo",
                max_rows=None,
                print_columns=(
                    "output",
                    "deterministic",
                    *(str(c) for c in table.data.columns if str(c).startswith("P")),
                    "relative_mcse",
                    "converged",
                ),
            )
        )
        if "price_per_unit" in result.draws.columns:
            blocks.append(_mc_chart(result, lang))
        blocks += [Paragraph(_text(note, lang), tone="note") for note in result.notes]
    tornado = assessment.sensitivity
    if tornado is not None:
        blocks.append(_tornado_chart(tornado, lang))
        swings = tornado.to_frame().reset_index()
        swings.insert(
            1, "parameter_label", [_param_label(str(p), lang) for p in swings["parameter"]]
        )
        blocks.append(
            _table(
                swings,
                lang,
                tr("tornado_table", lang),
                "tornado",
                columns=(
                    "parameter_label",
                    "low",
                    "high",
                    "output_low",
                    "output_high",
                    "swing",
                    "parameter",
                ),
                headers={
                    "low": "param_low",
                    "high": "param_high",
                    "parameter_label": "parameter",
                    "parameter": "parameter_id",
                },
                print_columns=(
                    "parameter_label",
                    "low",
                    "high",
                    "output_low",
                    "output_high",
                    "swing",
                ),
            )
        )
    blocks += [
        Paragraph(say(message, lang), tone="note")
        for message in first_page(assessment).explanations
    ]
    return Section("uncertainty", tr("s_uncertainty", lang), tuple(blocks))


def _unverified_rows(card: Card, lang: Lang) -> list[tuple[str, str, str, str, str]]:
    """Every unverified item of a card: (card, kind, item, content, item id) in ``lang``."""
    rows = [
        (card.id, tr("ukind_source", lang), source.key, tr("see_sources", lang), source.key)
        for source in card.sources
        if not source.verified
    ]
    rows += [
        (
            card.id,
            tr("ukind_parameter", lang),
            _param_label(name, lang),
            f"{parameter.value} {_unit_text(parameter.unit, lang)}".strip(),
            name,
        )
        for name, parameter in card.parameters.items()
        if not parameter.verified
    ]
    rows += [
        (
            card.id,
            tr("ukind_table", lang),
            tr(f"table_{name}", lang) if known(f"table_{name}") else name,
            tr("table_source", lang, source=table.source) if table.source else "",
            name,
        )
        for name, table in card.tables.items()
        if not table.verified
    ]
    rows += [
        (
            card.id,
            tr("ukind_assumption", lang),
            "",
            _plain(assumption.text.zh if lang == "zh" else assumption.text.en, lang),
            assumption.key,
        )
        for assumption in card.assumptions
        if not assumption.verified
    ]
    return rows


def _kind_label(kind: str, lang: Lang) -> str:
    key = f"kind_{kind}"
    return tr(key, lang) if known(key) else kind


def _cards_section(assessment: Assessment, lang: Lang) -> Section:
    refs = list(assessment.provenance.cards)
    found = [used_card(assessment, ref) for ref in refs]
    cards = [card for card in found if card is not None]
    table = pd.DataFrame(
        {
            tr("card", lang): [ref.id for ref in refs],
            tr("version", lang): [ref.version for ref in refs],
            tr("kind", lang): [_kind_label(c.kind, lang) if c else "" for c in found],
            tr("title_col", lang): [
                (c.title.zh if lang == "zh" else c.title.en) if c else tr("project_card", lang)
                for c in found
            ],
            tr("verified", lang): [tr("yes" if c and c.verified else "no", lang) for c in found],
            tr("hash", lang): [ref.hash[:16] for ref in refs],
        }
    )
    sources = pd.DataFrame(
        [
            (
                card.id,
                source.key,
                _plain(source.citation, lang) + (f" {source.url}" if source.url else ""),
                tr("yes" if source.verified else "no", lang),
            )
            for card in cards
            for source in card.sources
        ],
        columns=[
            tr("card", lang),
            tr("source_key", lang),
            tr("sources", lang),
            tr("verified", lang),
        ],
    ).drop_duplicates(subset=[tr("sources", lang)])
    columns = ("card", "item_kind", "item_key", "item_text", "item_id")
    unverified = pd.DataFrame(
        [row for card in cards for row in _unverified_rows(card, lang)],
        columns=[tr(c, lang) for c in columns],
    )
    blocks: list[Block] = [
        TableBlock(
            table,
            tr("cards_table", lang),
            "cards",
            max_rows=None,
            sheet_name=_sheet_title("cards", lang),
        ),
        TableBlock(
            sources,
            tr("sources_table", lang),
            "sources",
            max_rows=None,
            sheet_name=_sheet_title("sources", lang),
        ),
        Paragraph(tr("unverified_text", lang), tone="warning"),
        TableBlock(
            unverified,
            tr("unverified", lang),
            "unverified",
            max_rows=None,
            # item ids are for those editing the cards: XLSX only
            print_columns=tuple(tr(c, lang) for c in columns[:-1]),
            sheet_name=_sheet_title("unverified", lang),
        ),
    ]
    return Section("cards", tr("s_cards", lang), tuple(blocks))


def _labelled_key(prefix: str, name: str, lang: Lang) -> str:
    key = f"{prefix}{name}"
    return tr(key, lang) if known(key) else name


def _option_value(value: object, lang: Lang) -> str:
    if isinstance(value, bool):
        return tr("yes" if value else "no", lang)
    return _labelled_key("optv_", str(value), lang)


def _provenance(assessment: Assessment, lang: Lang) -> Section:
    provenance = assessment.provenance
    blocks: list[Block] = [
        Paragraph(tr("versions", lang) + ":"),
        Facts(tuple((k, v) for k, v in provenance.versions.items())),
        Paragraph(tr("inputs", lang) + ":"),
        Facts(tuple((_labelled_key("input_", k, lang), v) for k, v in provenance.inputs.items())),
        Paragraph(tr("options", lang) + ":"),
        Facts(
            (
                (tr("seed", lang), str(provenance.seed)),
                *(
                    (_labelled_key("opt_", k, lang), _option_value(v, lang))
                    for k, v in provenance.options.items()
                ),
            )
        ),
        Paragraph(tr("timings", lang) + ":"),
        Facts(
            tuple(
                (_labelled_key("step_", k, lang), f"{v:.3f}") for k, v in assessment.timings.items()
            )
        ),
    ]
    return Section("provenance", tr("s_provenance", lang), tuple(blocks))


def _review(assessment: Assessment, lang: Lang) -> Section:
    bundle = attached_bundle(assessment)
    # the review card the assessment loaded; read back from JSON: the spec's, resolved here
    card = bundle["review"] if bundle is not None and "review" in bundle else None
    card = card or referenced(assessment.spec["cards"]["review"])
    criteria = card.table("criteria")
    name = "name_zh" if lang == "zh" else "name_en"
    rows = tuple(
        (str(ident), str(row[name]), float(row["weight"])) for ident, row in criteria.iterrows()
    )
    sheet = ReviewBlock(
        criteria=rows,
        decisions=(tr("approve", lang), tr("approve_revisions", lang), tr("reject", lang)),
        signature_lines=6,
        instructions=tr("review_instructions", lang) + f" ({assessment.report_id})",
    )
    return Section("review", tr("s_review", lang), (sheet,))


_CRITERIA_COLUMNS = {
    lang: ("criterion", f"name_{lang}", "weight", "mean", "trimmed_mean", "median", "sd", "cv",
           "min", "max")
    for lang in ("zh", "en")
}  # fmt: skip


def _review_experts(record: ReviewRecord, lang: Lang) -> pd.DataFrame:
    """The per-expert table with decisions and the outlier flag in ``lang``."""
    from wetval.review import DECISIONS

    frame = record.to_frame().reset_index()
    frame["decision"] = frame["decision"].map(
        lambda d: DECISIONS[d][0 if lang == "zh" else 1] if d in DECISIONS else d
    )
    frame["outlier"] = _yes_no(frame["outlier"], lang)
    frame["entry_hash"] = frame["entry_hash"].astype(str).str[:16]
    return frame


def _approval_share(votes: Mapping[str, int], members: int) -> float:
    """Share of the panel voting approve or approve with revisions."""
    return (votes.get("approve", 0) + votes.get("approve_with_revisions", 0)) / max(members, 1)


def _review_record(record: ReviewRecord, lang: Lang) -> Section:
    from wetval.review import DECISIONS

    data = record.appendix()
    hashes = data["hashes"]
    concordance = data["kendalls_w"]
    verdict = record.verdict
    facts = Facts(
        (
            (
                tr("verdict", lang),
                tr(
                    "verdict_text",
                    lang,
                    decision=DECISIONS[verdict.outcome][0 if lang == "zh" else 1]
                    if verdict.outcome in DECISIONS
                    else verdict.outcome,
                    score=verdict.consensus_score,
                    share=_approval_share(verdict.votes, verdict.members),
                ),
            ),
            (tr("rounds", lang), str(data["rounds"])),
            (
                tr("kendall", lang),
                tr(
                    "kendall_text",
                    lang,
                    w=concordance["w"],
                    chi2=concordance["chi2"],
                    df=concordance["df"],
                    p=concordance["p_value"],
                ),
            ),
        ),
        emphasis=(tr("verdict", lang),),
    )
    blocks: list[Block] = [
        Paragraph(
            tr(
                "review_record_text",
                lang,
                record=hashes["record"][:16],
                sheet=hashes["sheet"][:16],
                draw=hashes["draw"][:16],
            )
        ),
        facts,
        _table(
            _review_experts(record, lang),
            lang,
            tr("experts_table", lang),
            "review_experts",
            decimals={"modified_z": 2},
        ),
        _table(
            record.criteria_frame().reset_index(),
            lang,
            tr("criteria_table", lang),
            "review_criteria",
            columns=_CRITERIA_COLUMNS[lang],
            headers={f"name_{lang}": "criterion", "criterion": "criterion_id"},
            # criterion ids are for the card's editors: XLSX only
            print_columns=_CRITERIA_COLUMNS[lang][1:],
        ),
    ]
    if data["synthetic"]:
        blocks.insert(0, Paragraph(tr("synthetic_banner", lang), tone="synthetic"))
    return Section("review_record", tr("s_review_record", lang), tuple(blocks))


#: Strings keys of the renderers' own words (ReportDocument.labels).
_RENDERER_LABELS = (
    "more_rows", "page_of", "contents", "xlsx_item", "xlsx_value", "sheet_cover",
    "form_number", "form_criterion", "form_weight", "form_score", "form_comments",
    "form_signature",
)  # fmt: skip


def build_document(
    assessment: Assessment,
    lang: Lang = "zh",
    *,
    review: ReviewRecord | None = None,
    legal: str | Card = "legal-jinxian",
    project_map: Figure | Callable[[Assessment, Lang], Figure | None] | None = None,
) -> ReportDocument:
    """Build the review report of an assessment in one language.

    Parameters
    ----------
    assessment
        The assessment to report.
    lang
        ``"zh"`` (default) or ``"en"``.
    review
        A completed expert review of this assessment, appended after the review
        sheet; it is verified first (its hashes, and that it reviews this
        assessment).
    legal
        The ``legal-basis`` card (id, path or card) of the legal-basis section
        and the sign-off blocks; a province or county installs its own.
    project_map
        The project's map for section 2, optional: a report figure (e.g.
        :func:`wetval.report.charts.figure_block` of a map drawn by
        ``wetval.spatial``), or a function ``(assessment, lang)`` returning one
        (or ``None``) in the report's language. Without it, an assessment with
        footprints gets its overlay map (:func:`wetval.report.charts.project_map`)
        and one without has no map.

    Returns
    -------
    ReportDocument

    Raises
    ------
    wetval.errors.WetvalError
        If the review record was tampered with or reviews another assessment.
    """
    if review is not None:
        review.verify(assessment=assessment)
    legal_card, legal_body = legal_basis(legal)
    if project_map is None:
        project_map = overlay_project_map
    figure = project_map(assessment, lang) if callable(project_map) else project_map
    sections: tuple[Section, ...] = (
        _summary(assessment, lang),
        _project(assessment, lang, figure),
        _condition(assessment, lang),
        _valuation(assessment, lang),
        _quota(assessment, lang),
        _price(assessment, lang),
        _funds(assessment, lang),
        _uncertainty(assessment, lang),
        _finance(assessment, lang),
        _legal(assessment, lang, legal_card, legal_body),
        _cards_section(assessment, lang),
        _data(assessment, lang),
        _provenance(assessment, lang),
        _review(assessment, lang),
        _signoff(assessment, lang, legal_body),
    )
    if review is not None:
        sections = (*sections, _review_record(review, lang))
    subtitle = tr("subtitle", lang)
    if assessment.synthetic:
        subtitle += " · SYNTHETIC"
    return ReportDocument(
        lang=lang,
        title=tr("title", lang),
        subtitle=subtitle,
        report_id=assessment.report_id,
        cover=_cover(assessment, lang),
        sections=sections,
        footer=tr("footer", lang),
        labels={key: tr(key, lang) for key in _RENDERER_LABELS},
        headline=headline(assessment, lang),
    )
