"""Structured summaries of the review, registry, overlay, inventory and ledger results (issue 13).

For each result: ``summary()`` is a :class:`~wetval.summary.Summary` whose Chinese text has
no English word beyond ids, names and units (the check of ``tests/test_summary.py``), the zh
and the en tables carry the same numbers, the numbers are the result's own (not recomputed),
and ``plot()`` draws bars or lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from test_summary import _ids
from wetval.messages import Message
from wetval.registry import ChainCheck
from wetval.registry.survey import WetlandBalance
from wetval.review import (
    DrawRules,
    ReviewCase,
    ReviewRecord,
    ReviewSheet,
    draw_panel,
    kendalls_w,
    synthetic_entries,
    synthetic_pool,
)
from wetval.summary import Summary

ASSESSMENT = "ab" * 32


@pytest.fixture(scope="module")
def review() -> dict[str, Any]:
    """A SYNTHETIC pool, a draw, its sheet and a two-round record (as test_review_record's)."""
    pool = synthetic_pool(40, seed=6)
    case = ReviewCase.build(ASSESSMENT, applicant="示意建设单位", date="2024-03-01")
    draw = draw_panel(pool, case, DrawRules.from_card(), seed=12)
    sheet = ReviewSheet.build(draw, due="2024-03-15")
    first = ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3, outlying_experts=1))
    second = first.next_round(
        synthetic_entries(sheet, seed=4, round=2, previous=first.final), due="2024-04-01"
    )
    return {"pool": pool, "draw": draw, "sheet": sheet, "record": second, "first": first}


def _ledger() -> Any:
    from wetval.quota import QuotaLedger

    schedule = [("acceptance", "0.6"), ("monitoring-1", "0.2"), ("monitoring-2", "0.2")]
    ledger = QuotaLedger().register(
        "R01", "10", schedule=schedule, reference="修复设计批复", date="2024-01-10"
    )
    ledger = ledger.register(
        "R02", "4", schedule=schedule, reference="修复设计批复", date="2024-01-11"
    )
    ledger = ledger.milestone("R01", "acceptance", passed=True, reference="验收", date="2024-06-01")
    return ledger.debit("R01", "2.5", reference="P01 占用批复", date="2024-06-02")


def _balance() -> WetlandBalance:
    """The balance of tests/test_registry_survey.py: base 1800 m², 2021 loses W1b (400 m²)."""
    totals = pd.DataFrame(
        {
            "wetland_m2": [1800.0, 1400.0, 2200.0],
            "change_from_base_m2": [0.0, -400.0, 400.0],
            "change_from_previous_m2": [0.0, -400.0, 800.0],
            "not_decreased": [True, False, True],
        },
        index=pd.Index([2020, 2021, 2022], name="year"),
    )
    causes = pd.DataFrame(
        {
            "year": [2021, 2022],
            "before_bsm": ["W1", "F1"],
            "after_bsm": ["W1b", "F1"],
            "before_class": ["1106", "0101"],
            "after_class": ["0702", "1106"],
            "area_m2": [400.0, 800.0],
            "wetland_change_m2": [-400.0, 800.0],
        }
    )
    by_class = pd.DataFrame(
        {
            "year": [2020, 2021, 2022],
            "land_class": ["1106", "1106", "1106"],
            "wetland_level": ["general"] * 3,
            "area_m2": [1800.0, 1400.0, 2200.0],
        }
    )
    return WetlandBalance(by_class=by_class, totals=totals, causes=causes, base_year=2020)


def _broken_chain() -> ChainCheck:
    return ChainCheck(False, 12, 7, Message.of("chain_row_deleted", table="pledges", row="3"))


def _overlay() -> Any:
    import tempfile
    from pathlib import Path

    import geopandas
    import shapely

    from spatial_helpers import X0, Y0, grid_layer
    from wetval.spatial import overlay, read_dltb

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "county.gpkg"
        grid_layer().to_file(path, layer="DLTB", engine="pyogrio")
        parcels = read_dltb(path)
    red = geopandas.GeoDataFrame(
        {"name": ["F0"]}, geometry=[shapely.box(X0 + 50, Y0, X0 + 250, Y0 + 150)], crs=4527
    )
    return overlay(parcels, red, project_id="P01")


BUILDERS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "pool": lambda r, c: r["pool"],
    "draw": lambda r, c: r["draw"],
    "sheet": lambda r, c: r["sheet"],
    "record": lambda r, c: r["record"],
    "feedback": lambda r, c: r["first"].feedback(),
    "kendall": lambda r, c: kendalls_w(
        [[1, 2, 3, 4], [1, 2, 4, 3], [2, 1, 3, 4]], permutations=99, seed=1
    ),
    "chain_ok": lambda r, c: ChainCheck(True, 12),
    "chain_broken": lambda r, c: _broken_chain(),
    "wetland_balance": lambda r, c: _balance(),
    "inventory": lambda r, c: c.parcels.inventory(c.indicators),
    "coverage": lambda r, c: c.indicators.coverage(c.parcels),
    "ledger": lambda r, c: _ledger(),
    "overlay": lambda r, c: _overlay(),
}


@pytest.fixture(scope="module")
def results(review: dict[str, Any], county: Any) -> dict[str, Any]:
    return {name: build(review, county) for name, build in BUILDERS.items()}


@pytest.mark.parametrize("name", BUILDERS)
def test_zh_summary_is_chinese(name: str, results: dict[str, Any]) -> None:
    summary = results[name].summary()
    assert isinstance(summary, Summary)
    text = summary.text("zh")
    for value in sorted(set(_ids(summary)), key=len, reverse=True):
        text = text.replace(value, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))
    assert words <= {"SYNTHETIC"}, f"{name}: English in the Chinese summary: {sorted(words)}"


@pytest.mark.parametrize("name", BUILDERS)
def test_zh_and_en_carry_the_same_numbers(name: str, results: dict[str, Any]) -> None:
    summary = results[name].summary()
    assert summary.all_tables()
    assert summary.text("zh") != summary.text("en") and str(summary) == summary.text("en")
    for table in summary.all_tables():
        zh, en = table.frame("zh"), table.frame("en")
        assert zh.shape == en.shape == table.data.shape
        numbers = [re.findall(r"\d[\d,]*\.\d+", t) for t in (table.text("zh"), table.text("en"))]
        assert numbers[0] == numbers[1]
    for lang in ("zh", "en"):
        assert summary.html(lang).count("<table>") == len(summary.all_tables())


@pytest.mark.parametrize("name", BUILDERS)
def test_plot_draws(name: str, results: dict[str, Any]) -> None:
    ax = results[name].plot()
    try:
        assert ax.patches or ax.lines
    finally:
        plt.close(ax.figure)


def test_kendall_numbers_are_the_results() -> None:
    # three experts ranking three criteria identically: W = 1, rank sums 3, 6, 9 (by hand)
    result = kendalls_w([[1, 2, 3], [2, 3, 4], [5, 6, 7]])
    summary = result.summary()
    assert summary.table("rank_sums").data["rank_sum"].tolist() == [3.0, 6.0, 9.0]
    assert summary.table("rank_sums").data["mean_rank"].tolist() == [1.0, 2.0, 3.0]
    assert "Kendall's W = 1.0000" in str(summary) and "W = 1.0000" in summary.text("zh")
    assert any(n.key == "sum_kendall_small" for n in summary.notes)  # 3 < 8 criteria


def test_pool_and_draw_tables(review: dict[str, Any]) -> None:
    pool, draw = review["pool"], review["draw"]
    title = dict(pool.summary().title.values)
    counts = pool.status().value_counts()
    assert (
        title["experts"] == len(pool) == sum(title[s] for s in ("active", "suspended", "inactive"))
    )
    assert title["active"] == counts.get("active", 0)
    summary = draw.summary()
    assert summary.table("panel").data["expert_id"].tolist() == list(draw.member_ids)
    assert summary.table("alternates").data["expert_id"].tolist() == list(draw.alternate_ids)
    excluded = summary.table("excluded").data
    assert excluded["sum_experts"].sum() >= draw.excluded["expert_id"].nunique()
    assert "专家抽取" in summary.text("zh") and "Panel draw" in summary.text("en")


def test_record_votes_and_rounds(review: dict[str, Any]) -> None:
    record = review["record"]
    summary = record.summary()
    votes = summary.table("votes").data["sum_votes"]
    assert votes.sum() == record.verdict.members == sum(record.verdict.votes.values())
    for stored in record.rounds:
        experts = summary.table(f"round{stored.number}_experts").data
        assert experts["review_total"].tolist() == stored.experts["total"].tolist()
        criteria = summary.table(f"round{stored.number}_criteria").data
        assert criteria["median"].tolist() == stored.criteria_stats["median"].tolist()
    assert "Verdict:" in str(summary) and "评审结论" in summary.text("zh")
    assert record.advice() == tuple(str(m) for m in record.advice_messages())


def test_feedback_is_anonymous_and_the_rounds(review: dict[str, Any]) -> None:
    feedback = review["first"].feedback()
    summary = feedback.summary()
    data = summary.table("criteria").data
    assert data["median"].tolist() == feedback.criteria["median"].tolist()
    for member in review["sheet"].member_ids:
        assert member not in summary.text("zh") and member not in summary.text("en")


def test_chain_check_reason_in_both_languages() -> None:
    check = _broken_chain()
    assert check.reason == "row pledges[3] was deleted"
    assert check.reason_text("zh") == "pledges[3] 行被删除"
    assert "BROKEN at event 7" in str(check.summary())
    assert "第 7 条事件处断裂" in check.summary().text("zh")
    assert check.summary().table("chain").data["sum_value"].tolist() == [12, 7]
    again = ChainCheck.from_json(check.to_json())
    assert again.reason == check.reason


def test_wetland_balance_names_the_lost_pieces() -> None:
    summary = _balance().summary()
    assert summary.table("totals").data["wetland_m2"].tolist() == [1800.0, 1400.0, 2200.0]
    assert "2021: wetland lost in W1 → W1b (1106→0702, -400.00 m²)" in str(summary)
    assert "2021 年湿地减少：W1 → W1b（1106→0702，-400.00 平方米）" in summary.text("zh")


def test_inventory_and_coverage_numbers(county: Any) -> None:
    inventory = county.parcels.inventory(county.indicators)
    summary = inventory.summary()
    for key in ("categories", "land_classes", "townships", "roles"):
        assert summary.table(key).data["parcels"].sum() == inventory.n_parcels
    coverage = summary.table("coverage").data
    expected = inventory.coverage.by_indicator["parcel_share"].to_numpy() * 100.0
    np.testing.assert_allclose(coverage["sum_parcel_share"].to_numpy(), expected, rtol=1e-15)
    assert "SYNTHETIC" in str(summary)


def test_ledger_table_is_the_accounts() -> None:
    ledger = _ledger()
    data = ledger.summary().table("accounts").data
    accounts = ledger.accounts()
    assert data["available"].tolist() == accounts["available"].tolist()
    assert data["available"].tolist() == [Decimal("3.5000"), Decimal("0.0000")]
    assert "3.5000" in ledger.summary().text("zh")


def test_overlay_totals_are_the_pieces() -> None:
    result = _overlay()
    summary = result.summary()
    assert summary.table("land_classes").data["area_m2"].sum() == pytest.approx(result.total_m2)
    assert summary.table("ownership").data["area_m2"].sum() == pytest.approx(result.total_m2)
    assert "压占分析" in summary.text("zh") and "EPSG:4527" in summary.text("zh")
