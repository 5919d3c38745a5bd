"""Build the review report's document from an :class:`~wetval.assess.Assessment`.

The document has the sections an expert panel needs (cover, summary, data and
data quality, condition, valuation, quota balance, price derivation, fund
split, uncertainty and sensitivity, quota-pledged loan and insurance, cards and
assumptions, provenance, review sheet) in one language;
:func:`wetval.report.render` turns it into HTML, PDF, Markdown or XLSX.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wetval.cards import Card, load_card
from wetval.indicators import CATALOGUE
from wetval.plotting import axes
from wetval.provenance import CardRef
from wetval.report.charts import figure_block
from wetval.report.document import (
    Block,
    Facts,
    Figure,
    Paragraph,
    ReportDocument,
    ReviewBlock,
    Section,
    TableBlock,
)
from wetval.report.first_page import first_page
from wetval.report.strings import Lang, known, say, tr
from wetval.units import M2_PER_HA

if TYPE_CHECKING:
    from wetval.assess import Assessment
    from wetval.review import ReviewRecord

__all__ = ["build_document"]


def _money(value: float) -> str:
    return f"{value:,.2f}"


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


def _summary(assessment: Assessment, lang: Lang) -> Section:
    """Page 1: every figure from :func:`~wetval.report.first_page.first_page`, with its unit."""
    page = first_page(assessment)
    recommended = tr("recommended_price", lang)
    weights = " + ".join(tr(f"p1_weight_{name}", lang, w=w) for name, w in page.weights)
    separator = "、" if lang == "zh" else ", "
    items = [
        (recommended, f"{_money(page.price_per_unit)} {tr('per_unit', lang)}"),
        (tr("p1_price_per_mu", lang), f"{_money(page.price_per_mu)} {tr('unit_CNY/亩', lang)}"),
        (
            tr("p1_basis", lang),
            tr(
                "p1_basis_text",
                lang,
                projects=separator.join(page.restoration_projects),
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
        outputs = separator.join(tr(f"out_{o}", lang) for o in page.not_converged)
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
        blocks += [Paragraph(w, tone="warning") for w in assessment.warnings]
    else:
        blocks.append(Paragraph(tr("no_warnings", lang), tone="note"))
    if not assessment.excluded.empty:
        excluded = assessment.excluded.reset_index().rename(columns={"index": "parcel_id"})
        excluded["role"] = _labelled(excluded["role"], lang, "role_")
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


def _grade_chart(assessment: Assessment, lang: Lang) -> Figure:
    frame = assessment.condition.to_frame()
    grades = assessment.condition.grades
    labels = grades["label_zh" if lang == "zh" else "label_en"]
    area = frame.groupby("grade", observed=True)["area_m2"].sum().reindex(grades.index).fillna(0)
    ax = axes(None, figsize=(6.5, 3.2))
    ax.bar([str(label) for label in labels], area.to_numpy() / M2_PER_HA, color="#2f7f6a")
    ax.set_ylabel(tr("area_ha", lang))
    ax.set_title(tr("grade_chart", lang))
    return figure_block(ax.figure, tr("grade_chart", lang), "grades")


def _condition(assessment: Assessment, lang: Lang) -> Section:
    condition = assessment.condition
    grades = condition.grades
    labels = grades["label_zh" if lang == "zh" else "label_en"]
    frame = condition.to_frame()
    counts = (
        frame.groupby("grade", observed=True)
        .agg(parcels=("index", "size"), area_m2=("area_m2", "sum"))
        .reindex(grades.index)
        .fillna(0)
    )
    grade_table = pd.DataFrame(
        {
            tr("grade", lang): labels.to_numpy(),
            tr("parcels", lang): counts["parcels"].astype(int).to_numpy(),
            tr("area_ha", lang): counts["area_m2"].to_numpy() / M2_PER_HA,
        }
    )
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
    separator = "、" if lang == "zh" else ", "
    low_table["missing"] = [
        separator.join(_indicator_name(i, lang) for i in str(items).split())
        if isinstance(items, str)
        else items
        for items in low_table["missing"]
    ]
    grade_names = "/".join(str(label) for label in labels)
    blocks: list[Block] = [
        Paragraph(tr("condition_text", lang, card=condition.card_id, grades=grade_names)),
        _grade_chart(assessment, lang),
        TableBlock(grade_table, tr("grade_table", lang), "grades", {tr("area_ha", lang): 2}),
        _table(
            contribution_table,
            lang,
            tr("contributions", lang),
            "contributions",
            headers={"contribution": "contribution"},
            decimals={"contribution": 3},
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
    ]
    return Section("condition", tr("s_condition", lang), tuple(blocks))


def _valuation_chart(assessment: Assessment, lang: Lang) -> Figure:
    ax = axes(None, figsize=(7.5, 3.6))
    names = list(assessment.services)
    labels: list[str] = []
    offset = 0
    for i, name in enumerate(names):
        by_service = assessment.services[name].by_service()
        x = offset + np.arange(len(by_service))
        ax.bar(x, by_service.to_numpy() / 1e4, 0.8, label=name, color=f"C{i}")
        labels += [str(s) for s in by_service.index]
        offset += len(by_service) + 1
        labels.append("")
    ax.set_xticks(np.arange(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("万元/年" if lang == "zh" else "10⁴ CNY/yr")
    ax.legend(fontsize=7)
    return figure_block(ax.figure, tr("valuation_chart", lang), "valuation")


def _valuation(assessment: Assessment, lang: Lang) -> Section:
    year = assessment.price.price_year
    value_card = assessment.spec["cards"]["value_approach"]
    blocks: list[Block] = [Paragraph(tr("valuation_text", lang, year=year, card=value_card))]
    comparison = pd.DataFrame(
        {
            tr("method", lang): list(assessment.services),
            tr("value_cny", lang): [s.total() for s in assessment.services.values()],
        }
    )
    blocks.append(TableBlock(comparison, tr("method_comparison", lang), "methods"))
    blocks.append(_valuation_chart(assessment, lang))
    name_column = "name_zh" if lang == "zh" else "name_en"
    for name, services in assessment.services.items():
        by_service = services.by_service()
        table = pd.DataFrame(
            {
                tr("service", lang): services.services[name_column]
                .reindex(by_service.index)
                .to_numpy(),
                tr("value_cny", lang): by_service.to_numpy(),
            }
        )
        blocks.append(
            TableBlock(table, f"{tr('by_service', lang)} — {name}", f"services_{name}"[:31])
        )
        if services.quantities is not None:
            totals = services.quantities.sum()
            quantities = pd.DataFrame(
                {
                    "quantity": _labelled(totals.index.to_series(), lang, "q_").to_numpy(),
                    "amount": totals.to_numpy(),
                    "unit": [services.quantity_units.get(str(k), "") for k in totals.index],
                    "quantity_id": totals.index,
                }
            )
            blocks.append(
                _table(
                    quantities,
                    lang,
                    f"{tr('quantities', lang)} — {name}",
                    f"quantities_{name}"[:31],
                    headers={"quantity": "quantity", "amount": "amount_quantity"},
                    print_columns=("quantity", "amount", "unit"),
                )
            )
        for note in services.provenance.notes:
            blocks.append(Paragraph(f"{name}: {note}", tone="note"))
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
        TableBlock(balances, tr("balance_table", lang), "balance", {}),
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
            Paragraph(tr("ledger_text", lang, ledger=report.provenance.inputs["ledger"][:12]))
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
    price = assessment.price
    names = ["cost", "market", "value", "recommended"]
    per_unit = [price.per_unit_of(n) for n in names]
    ax = axes(None, figsize=(6.5, 3.2))
    colours = ["#3b7ea1", "#8c6bb1", "#d9822b", "#2f7f6a"]
    ax.barh([tr(n, lang) for n in names][::-1], per_unit[::-1], color=colours[::-1])
    ax.set_xlabel(tr("per_unit", lang))
    return figure_block(ax.figure, tr("price_chart", lang), "price")


def _price(assessment: Assessment, lang: Lang) -> Section:
    price = assessment.price
    names = ["cost", "value", "market", "recommended"]
    approaches = pd.DataFrame(
        {
            tr("approach", lang): [tr(n, lang) for n in names],
            tr("total", lang): [float(price.totals[n]) for n in names],
            tr("per_unit", lang): [price.per_unit_of(n) for n in names],
            tr("weight", lang): [float(price.weights.get(n, np.nan)) for n in names],
        }
    )
    components = ["works", "compensation", "om_pv", "service_loss"]
    cost_table = pd.DataFrame(
        {
            tr("approach", lang): [tr(c, lang) for c in components],
            tr("total", lang): [float(price.totals[c]) for c in components],
        }
    )
    blocks: list[Block] = [
        Paragraph(
            tr(
                "price_text",
                lang,
                card=assessment.spec["cards"]["pricing"],
            )
        ),
        TableBlock(
            approaches, tr("approach_table", lang), "price_approaches", {tr("weight", lang): 2}
        ),
        _price_chart(assessment, lang),
        TableBlock(cost_table, tr("cost_table", lang), "cost_components"),
        _table(
            price.to_frame().reset_index(),
            lang,
            tr("approach_table", lang),
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
        blocks += [Paragraph(flag, tone="warning") for flag in price.flags]
    shown: list[str] = []
    for check in price.species_checks:
        table = check.to_frame().reset_index()
        if (key := table.to_json()) not in shown:
            shown.append(key)
            table["status"] = _labelled(table["status"], lang, "status_")
            table["verified"] = _yes_no(table["verified"], lang)
            blocks.append(
                _table(
                    table,
                    lang,
                    tr("species", lang),
                    f"species_{len(shown)}",
                    headers={"name_zh": "name_zh"},
                )
            )
    return Section("price", tr("s_price", lang), tuple(blocks))


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
        _table(table, lang, tr("funds_table", lang), "funds"),
        _table(
            sale,
            lang,
            tr("matches_table", lang),
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
                f"{tr('shortfall', lang)}: {funds.shortfall_fen / 100:,.2f} CNY", tone="warning"
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


def _uncertainty(assessment: Assessment, lang: Lang) -> Section:
    blocks: list[Block] = []
    result = assessment.uncertainty
    if result is None:
        blocks.append(Paragraph(tr("no_uncertainty", lang), tone="note"))
    else:
        summary = result.to_frame().reset_index()
        summary["output"] = _labelled(summary["output"], lang, "out_")
        summary["unit"] = _labelled(summary["unit"], lang, "unit_")
        summary["converged"] = _yes_no(summary["converged"], lang)
        blocks.append(
            _table(
                summary,
                lang,
                tr("percentiles", lang),
                "monte_carlo",
                decimals={"relative_mcse": 4},
                max_rows=None,
                print_columns=(
                    "output",
                    "deterministic",
                    *(c for c in summary.columns if str(c).startswith("P")),
                    "relative_mcse",
                    "converged",
                ),
            )
        )
        ax = result.plot(output="price_per_unit")
        blocks.append(figure_block(ax.figure, tr("uncertainty_chart", lang), "monte_carlo"))
        blocks += [Paragraph(note, tone="note") for note in result.notes]
    tornado = assessment.sensitivity
    if tornado is not None:
        ax = tornado.plot()
        blocks.append(figure_block(ax.figure, tr("tornado_chart", lang), "tornado"))
        blocks.append(
            _table(
                tornado.to_frame().reset_index(),
                lang,
                tr("tornado_chart", lang),
                "tornado",
                headers={"low": "param_low", "high": "param_high"},
            )
        )
    return Section("uncertainty", tr("s_uncertainty", lang), tuple(blocks))


def _installed(ref: CardRef) -> Card | None:
    """The installed card a result used, or None for a card installed in no matching version."""
    try:
        card = load_card(f"{ref.id}@{ref.version}")
    except KeyError:
        return None
    return card if card.hash == ref.hash else None


def _cards_section(assessment: Assessment, lang: Lang) -> Section:
    refs = list(assessment.provenance.cards)
    found = [_installed(ref) for ref in refs]
    cards = [card for card in found if card is not None]
    table = pd.DataFrame(
        {
            tr("card", lang): [ref.id for ref in refs],
            tr("version", lang): [ref.version for ref in refs],
            tr("kind", lang): [c.kind if c else "" for c in found],
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
                source.citation + (f" {source.url}" if source.url else ""),
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
    unverified = pd.DataFrame(
        [(card.id, item) for card in cards for item in card.unverified()],
        columns=[tr("card", lang), tr("unverified", lang)],
    )
    blocks: list[Block] = [
        TableBlock(table, tr("cards_table", lang), "cards", max_rows=None),
        TableBlock(sources, tr("sources", lang), "sources", max_rows=None),
        Paragraph(tr("unverified", lang), tone="warning"),
        TableBlock(unverified, tr("unverified", lang), "unverified", max_rows=None),
    ]
    return Section("cards", tr("s_cards", lang), tuple(blocks))


def _provenance(assessment: Assessment, lang: Lang) -> Section:
    provenance = assessment.provenance
    blocks: list[Block] = [
        Facts(tuple((k, v) for k, v in provenance.versions.items())),
        Paragraph(tr("inputs", lang) + ":"),
        Facts(tuple((k, v) for k, v in provenance.inputs.items())),
        Paragraph(tr("options", lang) + ":"),
        Facts(
            (
                (tr("seed", lang), str(provenance.seed)),
                *((k, str(v)) for k, v in provenance.options.items()),
            )
        ),
        Paragraph(tr("timings", lang) + ":"),
        Facts(tuple((k, f"{v:.3f}") for k, v in assessment.timings.items())),
    ]
    return Section("provenance", tr("s_provenance", lang), tuple(blocks))


def _review(assessment: Assessment, lang: Lang) -> Section:
    card = load_card(assessment.spec["cards"]["review"])
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


def _review_record(record: ReviewRecord, lang: Lang) -> Section:
    data = record.appendix()
    hashes = data["hashes"]
    concordance = data["kendalls_w"]
    verdict = record.verdict
    facts = Facts(
        (
            (tr("verdict", lang), verdict.summary().splitlines()[0]),
            (tr("rounds", lang), str(data["rounds"])),
            (
                tr("kendall", lang),
                f"W = {concordance['w']:.3f}, χ² = {concordance['chi2']:.2f} "
                f"(df {concordance['df']}), p = {concordance['p_value']:.4f}",
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
        ),
    ]
    if data["synthetic"]:
        blocks.insert(0, Paragraph(tr("synthetic_banner", lang), tone="synthetic"))
    return Section("review_record", tr("s_review_record", lang), tuple(blocks))


def build_document(
    assessment: Assessment, lang: Lang = "zh", *, review: ReviewRecord | None = None
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
    sections: tuple[Section, ...] = (
        _summary(assessment, lang),
        _data(assessment, lang),
        _condition(assessment, lang),
        _valuation(assessment, lang),
        _quota(assessment, lang),
        _price(assessment, lang),
        _funds(assessment, lang),
        _uncertainty(assessment, lang),
        _finance(assessment, lang),
        _cards_section(assessment, lang),
        _provenance(assessment, lang),
        _review(assessment, lang),
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
    )
