"""Page 1 of the report: every figure recomputed from the Assessment's own tables.

The sample assessment is SYNTHETIC (the demo's, with 200 Monte Carlo draws). Each
figure is recomputed here from the tables the later sections show (the price per
parcel, the balance per project, the matches, the debits, the Monte Carlo draws),
not from :mod:`wetval.report.first_page`, and compared; then the rendered page 1
must show the same numbers.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from wetval.assess import Assessment
from wetval.report import render
from wetval.report.build import build_document
from wetval.report.first_page import first_page


def _page_one_text(assessment: Assessment, lang: str) -> str:
    """The visible text of the rendered summary section (HTML, tags stripped)."""
    html = render(build_document(assessment, lang), "html").decode("utf-8")  # type: ignore[arg-type]
    start = html.index('id="summary"')
    end = html.index("<section", start)
    return re.sub(r"<[^>]+>", " ", html[start:end])


def test_every_page_one_figure_is_recomputed_from_the_tables(
    sample_assessment: Assessment,
) -> None:
    a = sample_assessment
    page = first_page(a)
    table = a.price.to_frame()
    weights = a.price.weights.reindex(["cost", "market", "value"]).to_numpy(dtype=float)
    approaches = table[["cost", "market", "value"]].to_numpy(dtype=float)
    # reconciliation as docs/pricing.md states it: weighted mean, not below the cost approach
    weighted = approaches @ weights / weights.sum()
    recommended = np.maximum(weighted, table["cost"].to_numpy())
    units = table["units"].sum()
    assert page.price_per_unit == pytest.approx(recommended.sum() / units, rel=1e-12)
    assert page.price_per_mu == pytest.approx(recommended.sum() / table["area_mu"].sum())
    assert page.floored_parcels == int((weighted < table["cost"].to_numpy()).sum())
    assert page.range_low == pytest.approx(
        np.maximum(approaches.min(axis=1), table["cost"].to_numpy()).sum() / units
    )
    assert page.range_high == pytest.approx(approaches.max(axis=1).sum() / units)
    # the units: required from the debits, delivered from the matches
    debits = a.accounts.debits.to_frame()
    assert page.units_required == pytest.approx(debits["units"].sum())
    assert page.units_delivered == pytest.approx(a.balance.matches["units_delivered"].sum())
    assert page.units_required is not None and page.units_delivered is not None
    assert page.units_surplus == pytest.approx(page.units_delivered - page.units_required)
    assert page.units_delivered >= page.units_required  # the demo is balanced
    assert page.pool_units == pytest.approx(a.accounts.credits.to_frame()["units"].sum())
    # the sale: each matched credit's share of its own parcel's price
    matches = a.balance.matches
    sale = (
        matches["credit_share"].to_numpy()
        * table["recommended"].reindex(matches["credit_parcel"]).to_numpy()
    )
    assert page.sale_amount == pytest.approx(sale.sum(), abs=0.01 * len(matches))
    assert page.sale_at_pool_price == pytest.approx(page.price_per_unit * page.units_delivered)
    # the Monte Carlo percentiles of the price per quota unit, from the draws
    assert a.uncertainty is not None
    draws = a.uncertainty.draws["price_per_unit"].to_numpy()
    assert page.mc_draws == len(draws)
    for mine, q in ((page.mc_p5, 5), (page.mc_p50, 50), (page.mc_p95, 95)):
        assert mine == pytest.approx(np.percentile(draws, q))
    # the headline no longer calls the delivered units "required"
    head = a.headline()
    assert head["units_required"] == pytest.approx(page.units_required, abs=1e-4)
    assert head["units_delivered"] == pytest.approx(page.units_delivered, abs=1e-4)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rendered_page_one_shows_those_figures(
    sample_assessment: Assessment, lang: str
) -> None:
    page = first_page(sample_assessment)
    text = _page_one_text(sample_assessment, lang)
    figures = [
        page.price_per_unit,
        page.price_per_mu,
        page.range_low,
        page.range_high,
        page.units_required,
        page.units_delivered,
        page.units_surplus,
        page.pool_units,
        page.sale_amount,
        page.sale_per_unit,
        page.sale_at_pool_price,
        page.mc_p5,
        page.mc_p50,
        page.mc_p95,
    ]
    missing = [f"{x:,.2f}" for x in figures if x is None or f"{x:,.2f}" not in text]
    assert not missing, f"page 1 ({lang}) does not show {missing}"
    assert ("指标单位：1 个指标单位" if lang == "zh" else "Quota unit: one quota unit") in text


def test_a_zero_swing_and_a_one_sided_range_are_warned(sample_assessment: Assessment) -> None:
    tornado = sample_assessment.sensitivity
    assert tornado is not None
    swings = tornado.to_frame()
    base = tornado.base_output
    # force: the first parameter does not move the price, the second moves it one way only
    first, second = swings.index[:2]
    swings.loc[first, ["output_low", "output_high", "swing"]] = [base, base, 0.0]
    swings.loc[second, ["output_low", "output_high", "swing"]] = [base, base * 1.1, base * 0.1]
    changed = dataclasses.replace(
        sample_assessment, sensitivity=dataclasses.replace(tornado, swings=swings)
    )
    found = {
        (m.key, m.mapping()["parameter"].fallback)
        for m in first_page(changed).messages
        if "parameter" in m.mapping()
    }  # type: ignore[attr-defined]
    assert ("w_zero_swing", str(first)) in found
    assert ("w_one_sided", str(second)) in found
    # and a tornado in which every parameter moves the price both ways gives neither
    both = swings.assign(output_low=base * 0.9, output_high=base * 1.1, swing=base * 0.2)
    clean = dataclasses.replace(
        sample_assessment, sensitivity=dataclasses.replace(tornado, swings=both)
    )
    keys = {m.key for m in first_page(clean).messages}
    assert not keys & {"w_zero_swing", "w_one_sided"}


def test_projects_without_a_bill_of_quantities_are_named(sample_assessment: Assessment) -> None:
    spec = copy.deepcopy(sample_assessment.spec)
    plans = spec["data"]["plans"]
    dropped = plans[1]["project_id"]
    spec["data"]["plans"] = [p for p in plans if p["project_id"] != dropped]
    changed = dataclasses.replace(sample_assessment, spec=spec)
    (works,) = [m for m in first_page(changed).messages if m.key == "w_default_works"]
    assert works.mapping()["projects"] == (dropped,)
    assert works.mapping()["value"] == 40_000.0  # pricing-jinxian's restoration_cost_per_mu
    assert "w_default_works" not in {m.key for m in first_page(sample_assessment).messages}
    text = _page_one_text(changed, "zh")
    assert f"修复项目 {dropped} 没有工程量清单" in text


def test_non_converged_outputs_are_on_page_one(sample_assessment: Assessment) -> None:
    result = sample_assessment.uncertainty
    assert result is not None
    summary = result.to_frame()
    summary["converged"] = pd.Series(True, index=summary.index)
    summary.loc["cost", "converged"] = False
    changed = dataclasses.replace(
        sample_assessment, uncertainty=dataclasses.replace(result, summary_table=summary)
    )
    page = first_page(changed)
    assert page.not_converged == ("cost",)
    assert "w_not_converged" in {m.key for m in page.messages}
    assert "未收敛：成本法总价" in _page_one_text(changed, "zh")


def test_odd_figures_are_explained_in_section_8(sample_assessment: Assessment) -> None:
    """The demo's one-sided ranges (D, discount rate: docs/uncertainty.md) and its annual value
    above its own P95 each get an explanation from keys, shown in the uncertainty section."""
    page = first_page(sample_assessment)
    tornado = sample_assessment.sensitivity.to_frame()  # type: ignore[union-attr]
    base = sample_assessment.sensitivity.base_output  # type: ignore[union-attr]
    one_sided = {
        str(p)
        for p, row in tornado.iterrows()
        if np.isclose(row["output_high"], base) or np.isclose(row["output_low"], base)
    }
    assert one_sided == {"pricing-jinxian.discount_rate", "xie2015.D"}
    explained = {
        m.mapping()["parameter"].fallback  # type: ignore[union-attr]
        for m in page.explanations
        if m.key == "x_one_sided"
    }
    assert explained == one_sided
    (band,) = [m for m in page.explanations if m.key == "x_outside_band"]
    summary = sample_assessment.uncertainty.to_frame()  # type: ignore[union-attr]
    value = summary.loc["total_value"]
    assert value["deterministic"] > value["P95"]
    assert band.mapping()["output"].fallback == "total_value"  # type: ignore[union-attr]
    section = next(
        s for s in build_document(sample_assessment, "zh").sections if s.id == "uncertainty"
    )
    texts = [b.text for b in section.blocks if hasattr(b, "text")]
    assert any("折现率" in t and "不是计算错误" in t for t in texts)
    assert any("年服务价值合计" in t and "P5–P95 之外" in t for t in texts)
