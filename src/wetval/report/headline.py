"""The page-1 figures as numbers: the first sheet of the XLSX workbook.

:func:`headline` reads the same source as the report's first page
(:func:`wetval.report.first_page.first_page`, plus the pledged-pool loan and
premium that :meth:`wetval.assess.Assessment.headline` adds) and returns a
:class:`~wetval.report.document.Headline`: each figure with its label, its value
at full precision, its unit and the report section whose tables reproduce it,
all in the report's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wetval.report.document import DECIMALS, Headline, HeadlineFigure, Kind
from wetval.report.first_page import first_page
from wetval.strings import Lang, tr

if TYPE_CHECKING:
    from wetval.assess import Assessment

__all__ = ["headline"]


def headline(assessment: Assessment, lang: Lang) -> Headline:
    """The page-1 figures of ``assessment`` with labels, units and sections in ``lang``.

    Parameters
    ----------
    assessment
        The assessment.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    Headline
        Amounts in [CNY], prices in [CNY/quota unit] or [CNY/亩], areas in [亩],
        quota units in [quota unit], weights as fractions of 1.
    """
    page = first_page(assessment)
    per_unit, per_mu = tr("unit_CNY/quota unit", lang), tr("unit_CNY/亩", lang)
    cny, units, mu = tr("unit_CNY", lang), tr("unit_quota units", lang), "亩"
    figures: list[HeadlineFigure] = []

    def add(label: str, value: float | str | None, unit: str, section: str, kind: Kind) -> None:
        if value is not None:
            figures.append(
                HeadlineFigure(label, value, unit, tr(f"s_{section}", lang), kind, DECIMALS[kind])
            )

    add(tr("recommended_price", lang), page.price_per_unit, per_unit, "price", "money")
    add(tr("p1_price_per_mu", lang), page.price_per_mu, per_mu, "price", "money")
    add(tr("hl_range_low", lang), page.range_low, per_unit, "price", "money")
    add(tr("hl_range_high", lang), page.range_high, per_unit, "price", "money")
    add(tr("hl_recommended_total", lang), page.recommended_total, cny, "price", "money")
    parcels = tr("hl_parcels", lang)
    add(tr("hl_priced_parcels", lang), page.priced_parcels, parcels, "price", "count")
    add(tr("credit_units", lang), page.priced_units, units, "price", "units")
    add(tr("hl_priced_area", lang), page.priced_area_mu, mu, "price", "area")
    for approach, weight in page.weights:
        add(tr(f"hl_weight_{approach}", lang), weight, "", "price", "factor")
    add(tr("hl_floored", lang), page.floored_parcels, tr("hl_parcels", lang), "price", "count")
    add(tr("hl_mc_p5", lang), page.mc_p5, per_unit, "uncertainty", "money")
    add(tr("hl_mc_p50", lang), page.mc_p50, per_unit, "uncertainty", "money")
    add(tr("hl_mc_p95", lang), page.mc_p95, per_unit, "uncertainty", "money")
    add(tr("hl_mc_draws", lang), page.mc_draws, tr("hl_draws", lang), "uncertainty", "count")
    add(tr("price_year", lang), page.price_year, "", "price", "year")
    add(tr("p1_units_required", lang), page.units_required, units, "quota", "units")
    add(tr("p1_units_delivered", lang), page.units_delivered, units, "quota", "units")
    add(tr("p1_units_surplus", lang), page.units_surplus, units, "quota", "units")
    add(tr("p1_pool", lang), page.pool_units, units, "quota", "units")
    add(tr("hl_pool_after", lang), page.pool_units_after, units, "quota", "units")
    verdict = tr("balanced" if page.balanced else "not_balanced", lang)
    add(tr("balance_verdict", lang), verdict, "", "quota", "text")
    add(tr("p1_sale", lang), page.sale_amount, cny, "funds", "money")
    if page.sale_amount is not None:
        add(tr("hl_sale_credits", lang), page.sale_credit_parcels, tr("hl_parcels", lang),
            "funds", "count")  # fmt: skip
        add(tr("hl_sale_debits", lang), page.sale_debit_parcels, tr("hl_parcels", lang),
            "funds", "count")  # fmt: skip
    add(tr("hl_sale_per_unit", lang), page.sale_per_unit, per_unit, "funds", "money")
    add(tr("hl_sale_at_pool", lang), page.sale_at_pool_price, cny, "funds", "money")
    if assessment.finance is not None:
        finance = assessment.finance
        add(tr("hl_loan", lang), float(finance.loan_capacity), cny, "finance", "money")
        add(tr("hl_premium", lang), float(finance.premium), cny, "finance", "money")
    headers = (
        tr("xlsx_item", lang),
        tr("hl_value", lang),
        tr("unit", lang),
        tr("hl_section", lang),
    )
    return Headline(tuple(figures), tr("sheet_headline", lang), headers)
