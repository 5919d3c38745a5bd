"""Quota pricing: approaches by hand, reconciliation, anchors, restoration plans, species.

Card values used below (``pricing-jinxian``): works 40,000 yuan/亩, compensation
8,000 yuan/亩, O&M 300 yuan/亩/yr for 20 years, discount rate 8 %, weights cost 0.5 /
market 0.35 / value 0.15, floor = cost; fund shares 20 % + 10 % (``funds-jinxian``);
comparables 88,453.65 and 94,117.65 yuan/亩 weighted 0.5 each (``market-jiangxi-trades``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from quota_helpers import condition, credit, parcels
from wetval.cards import Card, load_card
from wetval.errors import CardError, DataQualityWarning, ValidationError, WetvalError
from wetval.pricing import (
    QuotaPrice,
    RestorationPlan,
    check_species,
    price_quota,
    recovery_loss_factor,
)
from wetval.pricing.kernel import annuity_factor
from wetval.quota import QuotaCredits, account_credits

ANNUITY_8_20 = (1 - 1.08**-20) / 0.08  # 9.818147
MARKET = 0.5 * 88453.65 + 0.5 * 94117.65  # 91,285.65 yuan per quota unit


def _credits(**extra: object) -> QuotaCredits:
    row = {"compensated_first": True, "risk_class": "low", **extra}
    table = parcels([credit("R1", "民和镇", "1108", 9, **row)])
    return account_credits(table, condition({"R1": "优"}))


def _esv(value: float = 20_000.0, year: int = 2024) -> pd.Series:
    series = pd.Series({"R1": value})
    series.attrs["price_year"] = year
    return series


def test_cost_approach_by_hand_both_gross_up_rules() -> None:
    price = price_quota(_credits())
    row = price.table.loc["R1"]
    assert row["units"] == 9.0  # 9 亩, 优, completed first, low risk
    assert row["works"] == pytest.approx(360_000)
    assert row["compensation"] == pytest.approx(72_000)
    assert row["om_pv"] == pytest.approx(2_700 * ANNUITY_8_20)
    # Annex 2: the township's 20 % pays compensation + O&M, the other 70 % the works
    assert row["cost"] == pytest.approx(max(360_000 / 0.7, (72_000 + 2_700 * ANNUITY_8_20) / 0.2))
    card = load_card("pricing-jinxian")
    additive = card.model_copy(update={"options": {**card.options, "gross_up": "all_costs"}})
    row = price_quota(_credits(), additive).table.loc["R1"]
    assert row["cost"] == pytest.approx((360_000 + 72_000 + 2_700 * ANNUITY_8_20) / 0.7)


def test_value_market_and_reconciliation_by_hand() -> None:
    price = price_quota(_credits(), services=_esv(), valuation_date="2024-08-25")
    row = price.table.loc["R1"]
    cost = 360_000 / 0.7
    assert row["value"] == pytest.approx(20_000 / 0.08)  # perpetuity, quality factor 1
    # comparables adjusted with 0 %/yr drift: per unit price × 9 units
    assert row["market"] == pytest.approx(9 * MARKET)
    recommended = 0.5 * cost + 0.35 * 9 * MARKET + 0.15 * 250_000
    assert row["recommended"] == pytest.approx(recommended)
    assert row["low"] == pytest.approx(cost)  # floor = cost
    assert row["high"] == pytest.approx(9 * MARKET)
    assert price.per_unit == pytest.approx(recommended / 9)
    assert price.per_mu == pytest.approx(recommended / 9)
    assert price.range_per_unit == pytest.approx((cost / 9, MARKET))
    # the fund split of the total covers the works and the two shares
    split = price.fund_split
    assert split is not None and split.covered
    assert split.restoration_fen == 36_000_000


def test_service_loss_during_recovery() -> None:
    # 3 years to target, linear recovery, mid-year, 8 %:
    # (5/6)·1.08^-0.5 + (1/2)·1.08^-1.5 + (1/6)·1.08^-2.5
    factor = (5 / 6) * 1.08**-0.5 + 0.5 * 1.08**-1.5 + (1 / 6) * 1.08**-2.5
    assert recovery_loss_factor(np.array([3.0]), 0.08)[0] == pytest.approx(factor)
    assert recovery_loss_factor(np.array([0.0]), 0.08)[0] == 0.0
    late = _credits(compensated_first=False, years_to_target=3)
    row = price_quota(late, services=_esv()).table.loc["R1"]
    assert row["service_loss"] == pytest.approx(20_000 * factor)
    assert row["cost"] == pytest.approx((360_000 + 20_000 * factor) / 0.7)
    # 先补后占: no time lag, no service loss
    assert price_quota(_credits(), services=_esv()).table.loc["R1", "service_loss"] == 0.0


def test_factors_for_one_rate_and_for_a_vector_of_rates_agree() -> None:
    # price_quota uses one rate; the Monte Carlo chain one rate per draw, through the same code
    years = np.array([0.0, 3.0, 2.5, 3.0])
    rates = np.array([0.03, 0.08])
    table = recovery_loss_factor(years, rates)
    assert table.shape == (2, 4)
    for row, rate in zip(table, rates, strict=True):
        np.testing.assert_array_equal(row, recovery_loss_factor(years, float(rate)))
    np.testing.assert_allclose(annuity_factor(rates, 20.0), (1 - (1 + rates) ** -20) / rates)
    assert annuity_factor(0.0, 20.0) == 20.0
    assert annuity_factor(0.08, 0.0) == 0.0


def test_value_horizon_and_quality_adjustment() -> None:
    card = load_card("pricing-jinxian")
    table = parcels([credit("R1", "民和镇", "1108", 9, compensated_first=True, risk_class="low")])
    good = account_credits(table, condition({"R1": "良"}))  # quality factor 0.8
    row = price_quota(good, services=_esv()).table.loc["R1"]
    assert row["value"] == pytest.approx(20_000 * 0.8 / 0.08)
    horizon = card.model_copy(
        update={"options": {**card.options, "value_horizon": 30, "quality_adjust_value": False}}
    )
    row = price_quota(good, horizon, services=_esv()).table.loc["R1"]
    assert row["value"] == pytest.approx(20_000 * (1 - 1.08**-30) / 0.08)


def test_anchor_flags() -> None:
    # per unit ≈ 64,688 yuan ≈ 97 yuan/m²: below the 200 yuan/m² floor for important wetland
    price = price_quota(_credits(), services=_esv(), wetland_level="provincial")
    assert any("restoration-fee floor" in str(f) for f in price.flags)
    general = price_quota(_credits(), services=_esv())
    assert not any("restoration-fee floor" in str(f) for f in general.flags)
    # a huge service value pushes the price above the penalty range and far from trades
    high = price_quota(_credits(), services=_esv(2_000_000.0))  # ≈ 716 yuan/m²
    assert any("lowest fine" in str(f) for f in high.flags)
    assert any("away from recent Jiangxi trades" in str(f) for f in high.flags)
    extreme = price_quota(_credits(), services=_esv(20_000_000.0))  # ≈ 6,300 yuan/m²
    assert any("whole penalty range" in str(f) for f in extreme.flags)
    # national important wetland has higher fines (Art. 52, 54: 1,000–10,000 yuan/m²): the same
    # ≈ 716 yuan/m² is under its lowest fine, ≈ 6,300 yuan/m² within its range
    national_high = price_quota(_credits(), services=_esv(2_000_000.0), wetland_level="national")
    assert not any("lowest fine" in str(f) for f in national_high.flags)
    national = price_quota(_credits(), services=_esv(20_000_000.0), wetland_level="national")
    assert any(
        "lowest fine for filling national important wetland (1000" in str(f) for f in national.flags
    )
    assert not any("whole penalty range" in str(f) for f in national.flags)
    missing = price_quota(_credits())
    assert any("no service values" in str(f) for f in missing.flags)
    assert np.isnan(missing.totals["value"])


def test_comparables_without_a_location_factor_are_a_card_error() -> None:
    comparables = load_card("market-jiangxi-trades")
    data = comparables.model_dump()
    rows = [list(row) for row in data["tables"]["trades"]["rows"]]
    rows[1][6] = "abroad"  # the scope column of the Nanfeng trade
    data["tables"]["trades"]["rows"] = rows
    broken = Card.from_mapping(data)
    # the market approach used to come out NaN and silently drop out of the reconciliation
    with pytest.raises(CardError, match=r"tables\.trades\.nanfeng-anshan-2024\.scope"):
        price_quota(_credits(), services=_esv(), comparables=broken)


def test_fund_split_version_in_force_on_the_valuation_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a later revision of the Annex 2 rule (SYNTHETIC: 25 % to the township from 2025)
    data = load_card("funds-jinxian").model_dump()
    data["version"] = "2025.1"
    data["options"] = {
        **data["options"],
        "effective_from": "2025-01-01",
        "review_due": "2026-01-01",
    }
    data["parameters"]["township_share"]["value"] = 0.25
    (tmp_path / "funds-2025.toml").write_text(Card.from_mapping(data).to_toml(), encoding="utf-8")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    om_pv = 2_700 * ANNUITY_8_20
    # priced in 2024 the 2023 rule applies, as allocate_funds applies it to a 2024 sale
    # (the latest version was taken whatever the date)
    price = price_quota(_credits(), valuation_date="2024-08-25")
    assert [ref.version for ref in price.provenance.cards if ref.id == "funds-jinxian"] == [
        "2023.1"
    ]
    assert price.table.loc["R1", "cost"] == pytest.approx(
        max(360_000 / 0.7, (72_000 + om_pv) / 0.2)
    )
    later = price_quota(_credits(), valuation_date="2025-03-01")
    assert later.table.loc["R1", "cost"] == pytest.approx(
        max(360_000 / 0.65, (72_000 + om_pv) / 0.25)
    )

    card = load_card("pricing-jinxian")
    capped = card.model_copy(update={"options": {**card.options, "cap_per_m2": 50}})
    row = price_quota(_credits(), capped, services=_esv()).table.loc["R1"]
    cap = 50 * 9 * 10_000 / 15
    assert row["recommended"] == pytest.approx(cap)
    assert row["high"] == pytest.approx(cap)


def test_services_price_year_must_match() -> None:
    with pytest.raises(WetvalError, match="services_price_factor"):
        price_quota(_credits(), services=_esv(year=2020))
    row = price_quota(_credits(), services=_esv(year=2020), services_price_factor=1.1).table
    assert row.loc["R1", "value"] == pytest.approx(22_000 / 0.08)
    with pytest.raises(WetvalError, match="price year"):
        price_quota(_credits(), services=pd.Series({"R1": 1.0}))
    twice = pd.Series([1.0, 2.0], index=pd.Index(["R1", "R1"], name="parcel_id"))
    twice.attrs["price_year"] = 2024
    with pytest.raises(ValidationError, match="more than once") as caught:
        price_quota(_credits(), services=twice)
    assert set(caught.value.problems["parcel_id"]) == {"R1"}


PLAN_QUANTITIES = pd.DataFrame(
    {
        "item": ["土方开挖 earthwork", "水位控制构筑物 water-control structure",
                 "植物种植 planting", "监测 monitoring"],
        "unit": ["m3", "item", "m2", "yr"],
        "quantity": [3000.0, 1.0, 6000.0, 3.0],
        "unit_cost": [25.0, 50_000.0, 8.0, 5_000.0],
    }
)  # fmt: skip


def _plan(species: tuple[str, ...], **extra: object) -> RestorationPlan:
    return RestorationPlan(
        name="R01 design", parcel_ids=("R1",), quantities=PLAN_QUANTITIES, species=species,
        price_year=2024, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_plan_quantities_replace_the_per_mu_rate() -> None:
    plan = _plan(("Phragmites australis", "苦草", "Zizania latifolia"), compensation=50_000.0)
    assert plan.engineering_cost == 75_000 + 50_000 + 48_000 + 15_000
    row = price_quota(_credits(), plans=[plan]).table.loc["R1"]
    assert row["works"] == pytest.approx(188_000)
    assert row["compensation"] == pytest.approx(50_000)
    assert row["cost"] == pytest.approx(max(188_000 / 0.7, (50_000 + 2_700 * ANNUITY_8_20) / 0.2))
    assert "R01 design" in plan.summary()


def test_plan_costs_at_another_price_year_are_refused() -> None:
    plan = RestorationPlan(
        name="old budget", parcel_ids=("R1",), quantities=PLAN_QUANTITIES,
        species=("Phragmites australis",), price_year=2019,
    )  # fmt: skip
    # 2019 unit costs used to be added to 2024 prices without a word
    with pytest.raises(ValidationError, match="at 2019 prices") as caught:
        price_quota(_credits(), plans=[plan])
    assert caught.value.problems["column"].tolist() == ["price_year"]


def test_species_check_statuses() -> None:
    check = check_species(["芦苇", "Eichhornia crassipes", "thalia dealbata", "Unknownia sp."])
    assert check.table["status"].tolist() == ["native", "invasive", "non_native", "unknown"]
    assert check.invasive == ["Eichhornia crassipes"]
    assert len(check.warnings) == 2
    synonym = check_species(["Pontederia crassipes", "水花生"])
    assert synonym.table["status"].tolist() == ["invasive", "invasive"]


def test_invasive_or_no_native_species_stop_pricing() -> None:
    with pytest.raises(ValidationError, match="invasive") as caught:
        price_quota(_credits(), plans=[_plan(("Phragmites australis", "空心莲子草", "互花米草"))])
    assert set(caught.value.problems["value"]) == {"空心莲子草", "互花米草"}
    with pytest.raises(ValidationError, match="no local native species"):
        price_quota(_credits(), plans=[_plan(("Thalia dealbata",))])


def test_non_native_species_warn() -> None:
    with pytest.warns(DataQualityWarning, match="not native"):
        price = price_quota(_credits(), plans=[_plan(("Phragmites australis", "再力花"))])
    assert any("再力花" in str(flag) for flag in price.flags)


def test_plan_errors() -> None:
    with pytest.raises(ValidationError, match="≥ 0"):
        RestorationPlan(
            name="bad", parcel_ids=("R1",), species=("芦苇",),
            quantities=PLAN_QUANTITIES.assign(quantity=[-1.0, 1.0, 1.0, 1.0]),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="no quota units"):
        price_quota(
            _credits(),
            plans=[RestorationPlan(name="x", parcel_ids=("R9",), quantities=PLAN_QUANTITIES,
                                   species=("芦苇",))],
        )  # fmt: skip


def test_nothing_to_price_gives_nan_per_unit_not_an_error() -> None:
    aquaculture = parcels([credit("R2", "民和镇", "1104A", 3)])  # not legal wetland: 0 units
    price = price_quota(account_credits(aquaculture, condition({"R2": "良"})))
    assert price.units == 0 and price.table.empty
    assert np.isnan(price.per_unit) and all(np.isnan(price.range_per_unit))
    assert "0 parcels" in str(price.summary())


def test_not_eligible_parcels_are_not_priced_and_json_round_trip() -> None:
    table = parcels(
        [
            credit("R1", "民和镇", "1108", 9, compensated_first=True, risk_class="low"),
            credit("R2", "民和镇", "1104A", 3),
        ]
    )
    price = price_quota(account_credits(table, condition({"R1": "优", "R2": "良"})))
    assert list(price.table.index) == ["R1"]
    assert any("not priced" in str(f) for f in price.flags)
    again = QuotaPrice.from_json(price.to_json())
    pd.testing.assert_frame_equal(again.table, price.table)
    assert again.fund_split == price.fund_split
    assert "recommended" in str(price.summary())
    import matplotlib.pyplot as plt

    ax = price.plot()
    assert len(ax.containers[0]) == 2  # bars for cost and market (no service values)
    plt.close(ax.figure)


def test_compensated_first_text_in_a_credit_table_is_parsed() -> None:
    # a credit table written by hand or by an older tool may carry the flag as text
    late = _credits(compensated_first=False, years_to_target=3)
    table = late.table.astype({"compensated_first": object})
    factor = recovery_loss_factor(np.array([3.0]), 0.08)[0]
    for word, loss in (("否", 20_000 * factor), ("No", 20_000 * factor), ("是", 0.0)):
        texts = QuotaCredits(table=table.assign(compensated_first=word), card=late.card)
        row = price_quota(texts, services=_esv()).table.loc["R1"]
        assert row["service_loss"] == pytest.approx(loss)
    unreadable = QuotaCredits(table=table.assign(compensated_first="later"), card=late.card)
    with pytest.raises(ValidationError, match="compensated_first") as caught:
        price_quota(unreadable, services=_esv())
    assert caught.value.problems["parcel_id"].tolist() == ["R1"]


def _two_parcel_credits() -> QuotaCredits:
    rows = [credit(p, "民和镇", "1108", 9, compensated_first=True) for p in ("R1", "R2", "R3")]
    return account_credits(parcels(rows), condition({"R1": "优", "R2": "良", "R3": "中"}))


def test_bad_service_values_are_one_error_naming_every_parcel() -> None:
    services = pd.Series(
        [-20_000.0, "n/a", np.inf, 10_000.0, 5_000.0],
        index=pd.Index(["R1", "R2", "R3", "ZZ", "R9"], name="parcel_id"),
        dtype=object,
    )
    services.attrs["price_year"] = 2024
    with pytest.raises(ValidationError) as caught:
        price_quota(_two_parcel_credits(), services=services)
    problems = caught.value.problems
    assert problems[["parcel_id", "column"]].to_dict("records") == [
        {"parcel_id": "R1", "column": "services"},
        {"parcel_id": "R2", "column": "services"},
        {"parcel_id": "R3", "column": "services"},
        {"parcel_id": "ZZ", "column": "parcel_id"},
        {"parcel_id": "R9", "column": "parcel_id"},
    ]


def test_a_missing_service_value_stays_a_flag() -> None:
    services = pd.Series({"R1": 20_000.0, "R2": np.nan})
    services.attrs["price_year"] = 2024
    price = price_quota(_two_parcel_credits(), services=services)
    assert "no service value for 2 parcels" in " ".join(
        map(str, price.flags)
    )  # R2 (NaN) and R3 (absent)
    assert np.isnan(price.table.loc["R2", "value"]) and price.table.loc["R1", "value"] > 0


@pytest.mark.parametrize("factor", [0.0, -1.0, float("nan"), float("inf")])
def test_services_price_factor_must_be_finite_and_positive(factor: float) -> None:
    with pytest.raises(WetvalError, match="services_price_factor must be a finite number > 0"):
        price_quota(_credits(), services=_esv(year=2020), services_price_factor=factor)


def test_valuation_date_is_read_by_the_one_date_parser() -> None:
    with pytest.raises(WetvalError, match=r"valuation_date '2024/13/01' is not a date"):
        price_quota(_credits(), valuation_date="2024/13/01")
    import datetime as dt

    on_date = price_quota(_credits(), valuation_date="2024-06-01").table
    as_datetime = price_quota(_credits(), valuation_date=dt.datetime(2024, 6, 1, 9, 30)).table
    pd.testing.assert_frame_equal(on_date, as_datetime)
    for spelling in ("2024/6/1", "2024年6月1日"):
        pd.testing.assert_frame_equal(
            on_date, price_quota(_credits(), valuation_date=spelling).table
        )


def test_restoration_fee_floor_is_three_times_for_mangrove_peat_and_coastal() -> None:
    # 财税〔2024〕15号: floor 200 yuan/m² for important wetland, 3 × for mangrove, peat-swamp and
    # coastal wetland (Zhejiang 浙财综〔2025〕4号 and Fujian apply the same 3 ×)
    multipliers = load_card("pricing-jinxian").table("fee_floor_multiplier")["multiplier"]
    assert multipliers.to_dict() == {"mangrove": 3.0, "peat-swamp": 3.0, "coastal": 3.0,
                                     "other": 1.0}  # fmt: skip
    # ≈ 340.8 yuan/m²: above the 200 floor, below the 600 floor of the three types
    priced = {
        kind: price_quota(
            _credits(),
            services=_esv(800_000.0),
            wetland_level="provincial",
            occupied_wetland_type=kind,
        )
        for kind in multipliers.index
    }
    per_m2 = priced["other"].table["per_unit"].iloc[0] / 666.6667
    assert 200 < per_m2 < 600
    assert not any("restoration-fee floor" in str(f) for f in priced["other"].flags)
    for kind in ("mangrove", "peat-swamp", "coastal"):
        assert any("floor (600 yuan/m²" in str(f) for f in priced[kind].flags), kind
        assert priced[kind].provenance.options["occupied_wetland_type"] == kind
    with pytest.raises(WetvalError, match="fee_floor_multiplier"):
        price_quota(_credits(), services=_esv(), occupied_wetland_type="mangroves")
