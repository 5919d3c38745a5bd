"""Structured summaries of the credit metrics and quota finance, and keyed findings (issue 13).

- ``summary()`` of HeaScaling, UmamAssessment, UkMetricUnits, PledgeCapacity,
  InsurancePremium, PoolFinance and SpeciesCheck is a :class:`~wetval.summary.Summary`
  whose Chinese text has no English word beyond ids, card names and units, and whose
  zh and en renderings carry the same numbers; ``plot()`` draws;
- the balance's shortfall reasons (``BalanceReport.projects["reason"]``) and the price
  flags are keyed messages, rendered in both languages and kept by the JSON round trip.

Reference numbers: the cards' worked examples (``hea-noaa``, ``umam-fac-62-345``,
``uk-statutory-metric-2024``; pinned by tests/test_quota_metrics.py) and hand-built
parcels in whole 亩 (tests/quota_helpers.py; quality factor 优 1.0, completed first,
low risk: one quota unit per 亩, as in tests/test_quota_accounts.py).
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

from quota_helpers import condition, credit, debit, parcels
from test_summary import _ids
from wetval.cards import load_card
from wetval.messages import Message
from wetval.pricing import (
    InsurancePremium,
    PledgeCapacity,
    QuotaPrice,
    check_species,
    insurance_premium,
    pledge_capacity,
    price_quota,
)
from wetval.quota import (
    BalanceReport,
    account_credits,
    account_debits,
    balance,
    measure_hea,
    measure_uk_metric,
    measure_umam,
)
from wetval.results import Result
from wetval.summary import Summary

_NUMERAL = r"\d[\d,]*\.\d+"


def _example(card_id: str) -> tuple[Any, pd.DataFrame]:
    card = load_card(card_id)
    return card, card.table("example").reset_index()


def _hea() -> Result:
    card, table = _example("hea-noaa")
    return measure_hea(table, card)


def _umam() -> Result:
    card, table = _example("umam-fac-62-345")
    return measure_umam(table, card)


def _umam_two_decimals() -> Result:
    card, table = _example("umam-fac-62-345")
    return measure_umam(table, card.model_copy(update={"options": {**card.options, "score_dp": 2}}))


def _uk() -> Result:
    card, table = _example("uk-statutory-metric-2024")
    return measure_uk_metric(table, card)


def _pledge() -> Result:
    draws = np.random.default_rng(7).normal(1_000_000.0, 150_000.0, 500)
    return pledge_capacity(1_000_000, risk_class="low", price_draws=draws)


def _premium() -> Result:
    return insurance_premium(500_000, risk_class="medium")


def _species() -> Result:
    # 芦苇 native, 再力花 (Thalia dealbata) non-native, 水葫芦 invasive, one the card lacks
    return check_species(["芦苇", "Thalia dealbata", "水葫芦", "Unknownia sp."])


BUILDERS: dict[str, Callable[[], Result]] = {
    "hea": _hea,
    "umam": _umam,
    "umam_2dp": _umam_two_decimals,
    "uk_metric": _uk,
    "pledge": _pledge,
    "premium": _premium,
    "species": _species,
}


@pytest.fixture(scope="module")
def results(sample_assessment: Any) -> dict[str, Result]:
    built = {name: build() for name, build in BUILDERS.items()}
    built["pool_finance"] = sample_assessment.finance
    return built


NAMES = (*BUILDERS, "pool_finance")


def _english_words(summary: Summary) -> set[str]:
    """English words of the Chinese text once the plain values (ids, names) are removed."""
    text = summary.text("zh")
    for value in sorted(set(_ids(summary)), key=len, reverse=True):
        text = text.replace(value, " ")
    return set(re.findall(r"[A-Za-z][A-Za-z_]+", text))


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_structured_and_chinese_throughout(
    name: str, results: dict[str, Result]
) -> None:
    summary = results[name].summary()
    assert isinstance(summary, Summary) and summary.tables
    assert _english_words(summary) == set(), name
    assert summary.text("zh") != summary.text("en")
    assert str(summary) == summary.text("en")
    assert summary.html("zh").count("<table>") == len(summary.all_tables())


@pytest.mark.parametrize("name", NAMES)
def test_zh_and_en_carry_the_same_numbers(name: str, results: dict[str, Result]) -> None:
    summary = results[name].summary()
    texts = {lang: summary.text(lang) for lang in ("zh", "en")}
    assert sorted(re.findall(_NUMERAL, texts["zh"])) == sorted(re.findall(_NUMERAL, texts["en"]))
    for table in summary.all_tables():
        zh, en = table.frame("zh"), table.frame("en")
        assert zh.shape == en.shape == table.data.shape
        assert re.findall(_NUMERAL, table.text("zh")) == re.findall(_NUMERAL, table.text("en"))


@pytest.mark.parametrize("name", NAMES)
def test_plot_draws(name: str, results: dict[str, Result]) -> None:
    ax = results[name].plot()
    assert ax.patches  # bars
    plt.close(ax.figure)


def test_the_summaries_show_the_results_own_numbers(results: dict[str, Result]) -> None:
    """The tables hold what the result holds (not recomputed), NaN where a row has none."""
    hea = results["hea"]
    data = hea.summary().table("hea").data  # type: ignore[attr-defined]
    np.testing.assert_array_equal(data["dsays"], hea.table["dsays"])  # type: ignore[attr-defined]
    # the card's example: 10 acres lost, recovering over 4 years (tests/test_quota_metrics.py)
    assert f"{hea.debit_dsays:.4f}" in hea.summary().text("zh")  # type: ignore[attr-defined]
    assert np.isnan(data.set_index("metric_row").loc["injury", "required_area"])
    umam = results["umam"]
    text = umam.summary().text("en")
    assert "FL 1.4000" in text and "full precision" in text
    assert "保留 2 位小数" in results["umam_2dp"].summary().text("zh")
    uk = results["uk_metric"].summary()
    assert uk.table("uk_trading").frame("zh")["独特性等级"].tolist() == [
        "很高", "高", "中", "低", "很低",
    ]  # fmt: skip
    pledge = results["pledge"]
    assert isinstance(pledge, PledgeCapacity)
    values = pledge.summary().table("pledge").data["sum_value"].tolist()
    assert values[4] == pledge.capacity and values[3] == pledge.effective_ltv
    premium = results["premium"]
    assert isinstance(premium, InsurancePremium)
    assert premium.summary().table("premium").data["sum_value"].tolist()[-1] == premium.premium
    assert premium.premium == Decimal("93750.00")  # 15 % × 500,000 × 1.25 (finance-quota card)
    pool = results["pool_finance"]
    frame = pool.summary().table("finance").data
    assert frame["loan_capacity"].tolist() == pool.table["loan_capacity"].tolist()  # type: ignore[attr-defined]


def test_species_findings_are_keyed() -> None:
    check = _species()
    keys = [m.key for m in check.findings]  # type: ignore[attr-defined]
    assert keys == ["sp_non_native", "sp_unknown"]
    assert check.warnings == [  # type: ignore[attr-defined]
        "Thalia dealbata (再力花) is not native to the region",
        "Unknownia sp. is not in species card species-poyang: confirm it is native",
    ]
    zh = check.summary().text("zh")
    assert "不是本地乡土物种" in zh and "入侵种" in zh and "水葫芦" in zh


# ---------------------------------------------------------------------------- shortfalls


@pytest.fixture(scope="module")
def short_balance() -> BalanceReport:
    # 1 亩 of credit (1 unit) for project P1's 5 亩 (D1) and 2 亩 (D2): D1 takes all of C1 and
    # is 4 units, 4 亩 short; nothing is left for D2
    table = parcels(
        [
            credit("C1", "民和镇", "1104", 1, compensated_first=True, risk_class="low"),
            debit("D1", "民和镇", "1104", 5, "general", "P1"),
            debit("D2", "民和镇", "1104", 2, "general", "P1"),
        ]
    )
    grades = condition({"C1": "优", "D1": "优", "D2": "优"})
    return balance(account_credits(table, grades), account_debits(table, grades))


def test_a_shortfall_reason_is_a_keyed_message_in_both_languages(
    short_balance: BalanceReport,
) -> None:
    reason = short_balance.projects.loc["P1", "reason"]
    assert isinstance(reason, Message) and reason.key == "qb_reasons"
    assert [m.key for m in reason.mapping()["reasons"]] == ["qb_ran_out", "qb_no_credits"]  # type: ignore[union-attr]
    assert reason.text("en") == (
        "D1: eligible credits ran out (4.0000 units, 4.0000 亩 short), D2: no eligible credits left"
    )
    assert reason.text("zh") == (
        "D1：符合条件的补充指标已用完（缺 4.0000 个指标单位、4.0000 亩）、"
        "D2：已无符合条件的补充指标"
    )
    summary = short_balance.summary()
    assert "缺口：项目 P1 缺 6.0000 个指标单位、6.0000 亩（D1：" in summary.text("zh")
    assert "Shortfall P1: 6.0000 units, 6.0000 亩 (D1: eligible" in summary.text("en")
    assert _english_words(summary) == set()


def test_shortfall_reasons_survive_the_json_round_trip(short_balance: BalanceReport) -> None:
    again = BalanceReport.from_json(short_balance.to_json())
    pd.testing.assert_frame_equal(again.projects, short_balance.projects)
    assert again.summary().text("zh") == short_balance.summary().text("zh")


def test_a_covered_project_keeps_an_empty_text_reason(sample_assessment: Any) -> None:
    """All covered: the column stays text ("") as the golden files hold it."""
    projects = sample_assessment.balance.projects
    assert projects["balanced"].all()
    assert projects["reason"].tolist() == [""] * len(projects)


# ---------------------------------------------------------------------------- price flags


def _price(**kwargs: Any) -> QuotaPrice:
    table = parcels([credit("R1", "民和镇", "1108", 9, compensated_first=True, risk_class="low")])
    credits = account_credits(table, condition({"R1": "优"}))
    return price_quota(credits, **kwargs)


def test_a_price_flag_renders_in_both_languages() -> None:
    # ≈ 97 yuan/m² is below the 200 yuan/m² floor for important wetland (tests/test_pricing.py)
    services = pd.Series({"R1": 20_000.0})
    services.attrs["price_year"] = 2024
    price = _price(services=services, wetland_level="provincial")
    floor = next(f for f in price.flags if isinstance(f, Message) and f.key == "f_below_floor")
    assert floor.text("en") == (
        "1 parcel priced below the statutory restoration-fee floor (200 yuan/m² for important "
        "wetland of this type, 财税〔2024〕15号)"
    )
    assert floor.text("zh") == (
        "1 块图斑的价格低于法定湿地恢复费下限（该类型重要湿地 200 元/平方米，财税〔2024〕15号）。"
    )
    assert floor.text("zh") in price.summary().text("zh")


def test_every_price_flag_is_keyed_and_round_trips() -> None:
    price = _price()  # no services: the value approach is left out
    assert price.flags and all(isinstance(f, Message) for f in price.flags)
    keys = {f.key for f in price.flags if isinstance(f, Message)}
    assert "f_no_services" in keys
    zh = price.summary().text("zh")
    assert "未提供服务价值：不计收益法与恢复期服务损失。" in zh
    assert _english_words(price.summary()) == set()
    again = QuotaPrice.from_json(price.to_json())
    assert again.flags == price.flags


def test_the_national_wetland_fine_flag_names_the_wetland_in_each_language() -> None:
    services = pd.Series({"R1": 20_000_000.0})
    services.attrs["price_year"] = 2024
    price = _price(services=services, wetland_level="national")
    flag = next(f for f in price.flags if isinstance(f, Message) and f.key == "f_above_low_fine")
    assert "lowest fine for filling national important wetland (1000" in flag.text("en")
    assert "填埋国家重要湿地的最低罚款（1000 元/平方米）" in flag.text("zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_shortfall_reasons_in_its_language(
    sample_assessment: Any, short_balance: BalanceReport, lang: str
) -> None:
    import dataclasses

    from wetval.report import build
    from wetval.report.document import TableBlock

    short = dataclasses.replace(sample_assessment, balance=short_balance)
    section = build._quota(short, lang)  # type: ignore[arg-type]
    cells = [
        str(v)
        for block in section.blocks
        if isinstance(block, TableBlock)
        for v in block.frame.to_numpy().ravel()
    ]
    expected = short_balance.projects.loc["P1", "reason"].text(lang)  # type: ignore[union-attr]
    assert expected in cells
