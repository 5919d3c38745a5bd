"""Benefit transfer (unit value, value function) and GEP replacement cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wetval import IndicatorTable, ParcelTable, load_card
from wetval.errors import CardError, ValidationError, WetvalError
from wetval.messages import Message, Term
from wetval.units import money_conversion
from wetval.valuation import (
    combine,
    compare,
    override,
    standardise_study_value,
    transfer_unit_value,
    value,
)


def parcels(codes: list[str], areas_m2: list[float], **extra: list[object]) -> ParcelTable:
    frame = pd.DataFrame(
        {"parcel_id": [f"P{i}" for i in range(len(codes))], "land_class": codes,
         "area_m2": areas_m2, **extra}
    )  # fmt: skip
    return ParcelTable.from_frame(frame)


def indicators(**columns: list[float]) -> IndicatorTable:
    n = len(next(iter(columns.values())))
    return IndicatorTable.from_frame(
        pd.DataFrame({"parcel_id": [f"P{i}" for i in range(n)], **columns})
    )


# ------------------------------------------------------------- unit transfer
def test_transfer_unit_value_formula_and_range() -> None:
    t = transfer_unit_value(1000.0, study_income=40_000, policy_income=10_000, elasticity=0.5,
                            elasticity_range=(0.2, 1.2))  # fmt: skip
    assert t.value == pytest.approx(1000.0 * 0.25**0.5)
    assert (t.low, t.high) == pytest.approx((1000.0 * 0.25**1.2, 1000.0 * 0.25**0.2))
    # the literature's expected errors travel with the value (Kaul et al. 2013: median APE 39 %)
    errors = t.transfer_error.set_index("study")
    assert errors.loc["Kaul et al. 2013", "value"] == 39
    assert "expected transfer error" in str(t.summary())


def test_transfer_unit_value_with_money_conversion() -> None:
    t = transfer_unit_value(100.0, study_income=1.0, policy_income=1.0, elasticity=0.6,
                            from_currency="Int$", from_year=2011, to_year=2017)  # fmt: skip
    expected = money_conversion(from_currency="Int$", from_year=2011, to_year=2017).factor
    assert t.value == pytest.approx(100.0 * expected)
    assert t.currency == "CNY" and t.price_year == 2017
    with pytest.raises(ValueError, match="both"):
        transfer_unit_value(1.0, study_income=1, policy_income=1, elasticity=1, from_year=2010)


# García Álvarez, Botzen, Tesselaar, Aerts, Staccione, Mysiak & Bockarjova, "Economic
# Benefits of Nature-Based Solutions for Climate Risk: A Meta-Analysis", Land Economics
# 102(2): 290, Table 2 "Systematic Standardization Protocol Example" (Viti et al. 2023,
# Aarhus): €0.15 per household per month; 7.43 DKK per € (ECB reference rate 2022);
# 6.153561 DKK per international $ (WDI PA.NUS.PPP 2022); 173,000 households; no
# deflation (2022 prices). Printed: 1.11 DKK, 0.18 and 2.17 (2022 Int$ per household per
# month and per year), 375,994 (aggregated, per year). The table prints the intermediate
# values to 2 decimals but carries them unrounded (the printed 2.17 × 173,000 would be
# 375,410), so the chain is compared unrounded: to the printed decimals, and the total
# to ±0.5.
# The site area behind the table's 2,426 per ha is not printed, so that step is not
# checked. The table's "US$" is the PPP (international) dollar of its PPP row.
def test_standardisation_reproduces_garcia_alvarez_table_2() -> None:
    # € → DKK is the published cross rate; wetval converts through the dollar and the
    # table prints no dollar rates for € or DKK, so this step is the table's own product
    monthly_dkk = 0.15 * 7.43
    assert round(monthly_dkk, 2) == 1.11
    ppp = money_conversion(
        from_currency="DKK", from_year=2022, to_currency="Int$", to_year=2022,
        rates={"DKK": {"ppp": {2022: 6.153561}}},
    )  # fmt: skip
    result = standardise_study_value(
        monthly_dkk, per="household", period="month", currency="DKK", money=ppp,
        beneficiaries=173_000,
    )  # fmt: skip
    steps = result.steps.set_index("step")["value"]
    assert round(steps["money"], 2) == 0.18
    assert round(steps["per year"], 2) == 2.17
    assert steps["site total"] == pytest.approx(375_994, abs=0.5)
    assert result.value == steps["site total"]
    assert result.unit == "Int$ per site per year"
    assert ppp.factor == 1 / 6.153561 and ppp.rate == "ppp"


def test_standardise_study_value_steps_and_errors() -> None:
    # a one-off payment annualised over 20 years at 4 %, over 500 persons and 25 ha
    once = standardise_study_value(
        100.0, per="person", period="once", currency="CNY", beneficiaries=500, area_ha=25.0,
        discount_rate=0.04, horizon_years=20,
    )  # fmt: skip
    annuity = 0.04 / (1 - 1.04**-20)
    assert once.value == pytest.approx(100.0 * annuity * 500 / 25.0)
    assert once.unit == "CNY per ha per year"
    assert list(once.steps["step"]) == ["reported", "per year", "site total", "per ha"]
    perpetual = standardise_study_value(1000.0, per="ha", period="once", currency="USD",
                                        discount_rate=0.05)  # fmt: skip
    assert perpetual.value == pytest.approx(50.0)
    with pytest.raises(ValueError, match="cannot standardise") as caught:
        standardise_study_value(
            1.0, per="household", period="once", currency="EUR", area_ha=0.0,
            money=money_conversion(from_currency="USD", from_year=2020, to_currency="Int$",
                                   to_year=2020),
        )  # fmt: skip
    message = str(caught.value)
    for fragment in ("needs beneficiaries", "area_ha must be > 0", "needs discount_rate",
                     "starts from USD, the value is in EUR"):  # fmt: skip
        assert fragment in message
    again = type(once).from_json(once.to_json())
    pd.testing.assert_frame_equal(again.steps, once.steps)
    assert "per ha" in str(once.summary())


def test_other_currencies_convert_through_the_dollar_with_given_series() -> None:
    rates = {"EUR": {"ppp": {2015: 0.78, 2020: 0.75}}, "DKK": {"ppp": {2020: 6.6}}}
    # EUR 2015 → DKK 2020: deflate in EUR, then × DKK per $ ÷ EUR per $ at 2020
    step = money_conversion(
        from_currency="EUR", from_year=2015, to_currency="DKK", to_year=2020, rates=rates,
        indices={"EUR": {2015: 100.0, 2020: 104.0}},
    )  # fmt: skip
    assert step.factor == pytest.approx(1.04 * 6.6 / 0.75)
    # EUR → CNY uses the shipped CNY PPP card at the target year
    cny = money_conversion(from_currency="EUR", from_year=2017, to_year=2017,
                           rates={"EUR": {"ppp": {2017: 0.8}}})  # fmt: skip
    cny_per_dollar = load_card("cn-ppp-gdp").table("series").loc[2017, "value"]
    assert cny.factor == pytest.approx(cny_per_dollar / 0.8)
    with pytest.raises(ValueError, match=r"unknown currency 'GBP'.*rates=\{'GBP'"):
        money_conversion(from_currency="GBP", from_year=2020, to_year=2020)
    with pytest.raises(ValueError, match="no price index for EUR"):
        money_conversion(from_currency="EUR", from_year=2015, to_year=2020, rates=rates)
    with pytest.raises(ValueError, match="no ppp rate series for GBP"):
        # a price index alone moves GBP between years, but cannot convert it
        money_conversion(from_currency="GBP", from_year=2020, to_currency="Int$", to_year=2020,
                         indices={"GBP": {2020: 100.0}})  # fmt: skip
    with pytest.raises(ValueError, match="no market rate series for EUR"):
        money_conversion(from_currency="EUR", from_year=2020, to_year=2020, rate="market",
                         rates=rates)  # fmt: skip


def test_unit_value_transfer_combines_study_values() -> None:
    # transfer-global-wetland-syntheses: inland wetlands 25,682 (de Groot 2012, 2007 Int$) and
    # 34,018 (Brander et al. 2024, 2020 Int$); rivers/lakes 4,267, 12,512 (2007) and 33,447 (2020).
    result = value(
        parcels(["1106", "1104"], [10_000.0, 10_000.0]), "transfer-global-wetland-syntheses"
    )
    f2007 = money_conversion(from_currency="Int$", from_year=2007, to_year=2017).factor
    f2020 = money_conversion(from_currency="Int$", from_year=2020, to_year=2017).factor
    wetland = sorted([25_682 * f2007, 34_018 * f2020])
    rivers = sorted([4_267 * f2007, 12_512 * f2007, 33_447 * f2020])
    assert result.values.loc["P0", "total"] == pytest.approx(np.median(wetland))
    assert result.values.loc["P1", "total"] == pytest.approx(rivers[1])
    assert result.low is not None and result.high is not None
    assert result.low.loc["P1", "total"] == pytest.approx(rivers[0])
    assert result.high.loc["P1", "total"] == pytest.approx(rivers[2])
    assert result.transfer_error is not None
    assert any("not income-adjusted" in str(n) for n in result.provenance.notes)


def test_unit_value_transfer_income_adjustment_and_weighted_mean() -> None:
    card = load_card("transfer-global-wetland-syntheses")
    data = card.model_dump(mode="json", exclude_none=True)
    data["tables"]["study_values"]["rows"] = [
        ["a", "wetland", "total", 1000.0, "Int$", 2017, 20_000.0, 3.0, "degroot2012"],
        ["b", "wetland", "total", 2000.0, "Int$", 2017, 10_000.0, 1.0, "degroot2012"],
    ]
    data["parameters"]["policy_income"] = {
        "value": 10_000.0,
        "unit": "Int$/person",
        "verified": False,
    }
    data["options"]["combine"] = "weighted-mean"
    from wetval.cards import Card

    result = value(parcels(["1106"], [10_000.0]), Card.from_mapping(data))
    ppp = money_conversion(from_currency="Int$", from_year=2017, to_year=2017).factor
    a = 1000.0 * 0.5**0.6 * ppp
    b = 2000.0 * ppp
    assert result.total() == pytest.approx((3 * a + b) / 4)


# ------------------------------------------------------------ value function
BRANDER_INPUTS = {"site_area_ha": 5000.0, "wetland_abundance_ha": 80_000.0,
                  "population_50km": 3.0e6, "gcp": 1.0e4}  # fmt: skip


def test_brander_card_reproduces_published_coefficients() -> None:
    # Brander, Brouwer & Wagtendonk 2013, Ecological Engineering 56: 89–96, meta-regression table.
    table = load_card("brander2013").table("coefficients")
    published = {"constant": (3.74, 1.93), "constructed": (0.45, 0.78),
                  "water_supply": (-1.30, 0.62), "water_quality": (-0.80, 0.59),
                  "wetland_area": (-0.37, 0.08), "wetland_abundance": (-0.30, 0.08),
                  "population": (0.45, 0.15), "gcp": (0.27, 0.15)}  # fmt: skip
    for variable, (coefficient, se) in published.items():
        assert (table.loc[variable, "coefficient"], table.loc[variable, "se"]) == (coefficient, se)
    regional = load_card("brander2013").table("regional_transfer")
    assert regional.loc["China region", "mean_value"] == 1502


def test_value_function_evaluation() -> None:
    card = override("brander2013", options={"inputs": {"constructed": 0, **BRANDER_INPUTS}})
    result = value(parcels(["1106", "1104"], [10_000.0, 20_000.0]), card)
    ln = (3.74 - 0.37 * math.log(5000) - 0.30 * math.log(80_000) + 0.45 * math.log(3e6)
          + 0.27 * math.log(1e4))  # fmt: skip
    factor = result.conversion["factor"]
    per_ha = result.values / factor / np.array([[1.0], [2.0]])
    assert per_ha.loc["P0", "flood_control"] == pytest.approx(math.exp(ln))
    assert per_ha.loc["P0", "water_supply"] == pytest.approx(math.exp(ln - 1.30))
    assert per_ha.loc["P1", "water_quality"] == pytest.approx(math.exp(ln - 0.80))
    assert result.low is not None and result.high is not None
    assert (result.low.to_numpy() < result.values.to_numpy()).all()
    assert (result.high.to_numpy() > result.values.to_numpy()).all()
    assert any("GCP unit ambiguous" in n for n in result.provenance.notes)
    assert "diagonal covariance" in (result.interval or "")
    # per-parcel site columns win over the card's project-wide inputs
    by_column = value(parcels(["1106"], [10_000.0], site_area_ha=[500.0]), card)
    assert by_column.values.iloc[0, 0] / factor == pytest.approx(
        math.exp(ln + 0.37 * math.log(5000) - 0.37 * math.log(500))
    )


def test_value_function_missing_and_bad_inputs() -> None:
    with pytest.raises(ValidationError) as caught:
        value(parcels(["1106"], [1.0]), "brander2013")
    text = str(caught.value)
    for name in ("site_area_ha", "wetland_abundance_ha", "population_50km", "gcp"):
        assert name in text
    card = override("brander2013", options={"inputs": BRANDER_INPUTS})
    with pytest.raises(ValidationError, match="positive number"):
        value(parcels(["1106"], [1.0], population_50km=[0.0]), card)


# ---------------------------------------------------------- replacement cost
def test_garze_prices_reproduce_published_table() -> None:
    # 白玛卓嘎 et al. 2017 (Garzê GEP, 2010 prices) Table 3 and 江波 et al. 2017 (Baiyangdian)
    card = load_card("gep-garze2010")
    prices = {"price_water_storage": 7.06, "price_cod": 700, "price_nh3n": 875, "price_tp": 2800,
              "price_carbon": 380, "price_oxygen": 727, "price_electricity": 0.53,
              "price_recreation": 973.83}  # fmt: skip
    for name, price in prices.items():
        assert card.param(name) == price
    # the pollutant prices follow the old 排污费 schedule: 0.7 yuan per pollution equivalent ÷
    # equivalent weight (COD 1 kg, NH3-N 0.8 kg, TP 0.25 kg) per kg → per t (reference §3 [I])
    for name, weight_kg in (("price_cod", 1.0), ("price_nh3n", 0.8), ("price_tp", 0.25)):
        assert card.param(name) == pytest.approx(0.7 / weight_kg * 1000)
    # Baiyangdian travel cost: 52.47 + 343.33 + 578.03 = 973.83 yuan/visit
    assert pytest.approx(card.param("price_recreation")) == 52.47 + 343.33 + 578.03


def test_gep_quantities_and_values() -> None:
    table = parcels(["1104", "1106"], [10_000.0, 20_000.0])
    found = indicators(water_depth=[1.5, np.nan], npp=[500.0, 800.0])
    result = value(table, "gep-garze2010", indicators=found)
    assert result.quantities is not None
    q = result.quantities
    assert q.loc["P0", "storage_m3"] == pytest.approx(15_000.0)
    assert q.loc["P1", "storage_m3"] == 0.0  # missing depth: not valued, noted
    assert any(
        isinstance(n, Message)
        and n.key == "n_quantity_missing"
        and n.mapping()["quantity"] == Term("q_storage_m3", "storage_m3")
        and n.mapping()["parcels"] == 1
        for n in result.provenance.notes
    )
    assert q.loc["P0", "carbon_t"] == pytest.approx(5.0)  # 500 g C/m² × 10,000 m²
    dry = 5.0 * 44 / 12 / 1.63
    assert q.loc["P0", "oxygen_t"] == pytest.approx(1.2 * dry)
    assert result.values.loc["P0", "water_storage"] == pytest.approx(15_000 * 7.06)
    # 380 CNY per t CO2 (Garzê §2.4.7/§3.2.7 measure sequestration as CO2)
    assert result.values.loc["P0", "carbon_sequestration"] == pytest.approx(5.0 * 44 / 12 * 380)
    assert result.quantity_units["carbon_t"] == "t C/yr"
    assert result.price_year == 2010


def test_gep_overrides_columns_and_price_years() -> None:
    card = override(
        "gep-garze2010",
        parameters={"price_carbon": 100.0},
        options={"services": ["water_purification", "climate_regulation", "recreation",
                              "carbon_sequestration"],
                 "removal_rates": {"cod": 2.0, "nh3n": 0.1, "tp": 0.05},
                 "carbon_price_basis": "t CO2"},
    )  # fmt: skip
    table = parcels(["1106"], [10_000.0], visits=[100.0], cod_removed_t=[3.0])
    found = indicators(evapotranspiration=[1000.0], npp=[300.0])
    result = value(table, card, indicators=found, price_year=2012)
    q = result.quantities
    assert q is not None
    assert q.loc["P0", "cod_t"] == 3.0 and q.loc["P0", "nh3n_t"] == pytest.approx(0.1)
    kwh = 1000 / 1000 * 10_000 * 1000 * 2.45 / 3.6 / 3.0
    assert q.loc["P0", "cooling_kwh"] == pytest.approx(kwh)
    cpi = money_conversion(from_currency="CNY", from_year=2010, to_year=2012).factor
    assert result.values.loc["P0", "recreation"] == pytest.approx(100 * 973.83)  # 2012 price
    assert result.values.loc["P0", "carbon_sequestration"] == pytest.approx(
        3.0 * 44 / 12 * 100 * cpi
    )
    assert result.values.loc["P0", "water_purification"] == pytest.approx(
        (3.0 * 700 + 0.1 * 875 + 0.05 * 2800) * cpi
    )
    assert any("override" in line for line in load_card("gep-garze2010").unverified()) is False
    assert any("price_carbon" in line for line in card.unverified())


def test_gep_missing_inputs_named_together() -> None:
    card = override("gep-garze2010", options={"services": ["water_storage", "recreation",
                                                           "climate_regulation"]})  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        value(parcels(["1104"], [1.0]), card, indicators=indicators(npp=[1.0]))
    text = str(caught.value)
    assert "'water_depth'" in text and "'visits'" in text and "'evapotranspiration'" in text
    with pytest.raises(CardError, match="unknown services"):
        value(parcels(["1104"], [1.0]), override("gep-garze2010", options={"services": ["magic"]}))
    with pytest.raises(CardError, match="not a parameter"):
        override("gep-garze2010", parameters={"price_gold": 1.0})


def test_gep_unknown_missing_policy_and_carbon_basis_are_card_errors() -> None:
    # a misspelt option must not silently fall back to valuing gaps at 0 or pricing per t C
    # (refused when the card is made, by its typed body: wetval.valuation.body.GepOptions)
    with pytest.raises(CardError) as caught:
        override("gep-garze2010", options={"missing": "skip", "carbon_price_basis": "tCO2"})
    keys = dict(caught.value.key_problems)
    assert "'skip'" in keys["options.missing"] and "'tCO2'" in keys["options.carbon_price_basis"]


def test_gep_reproduces_garze_table_3() -> None:
    # 白玛卓嘎 et al. 2017, 生态学报 37(19): 6302–6312, Table 3 (2010): physical quantity × price
    # = value [亿元]. Quantities are published to 0.01 (亿 m³, 亿 kWh, 亿 t) or 1 t, so the
    # tolerance is half a unit of the last digit times the price.
    yi = 1e8
    area_m2 = 1e10
    co2_t = 0.31 * yi  # 固碳(CO2) 0.31 亿 t → 117.35 亿元 at 380 CNY/t
    npp = co2_t * 12 / 44 * 1e6 / area_m2  # g C/m²/yr giving that CO2
    card = override(
        "gep-garze2010",
        options={"services": ["water_storage", "water_purification", "carbon_sequestration",
                              "climate_regulation"]},
    )  # fmt: skip
    table = parcels(
        ["1106"], [area_m2],
        storage_m3=[321.49 * yi],                      # 水源涵养量 321.49 亿 m³
        cod_removed_t=[5424.0], nh3n_removed_t=[625.0], tp_removed_t=[0.0],
        cooling_kwh=[(2799.10 + 1272.35) * yi],        # 植被蒸腾 + 水面蒸发 亿 kW·h
    )  # fmt: skip
    result = value(table, card, indicators=indicators(npp=[npp]))
    by_service = result.by_service() / yi
    assert by_service["water_storage"] == pytest.approx(2269.7074, abs=0.005 * 7.06)
    assert by_service["water_purification"] == pytest.approx(0.0380 + 0.0055, abs=0.0001)
    assert by_service["carbon_sequestration"] == pytest.approx(117.3548, abs=0.005 * 380)
    assert by_service["climate_regulation"] == pytest.approx(1483.5208 + 674.3433, abs=0.01 * 0.53)


def test_gep_reproduces_baiyangdian_recreation() -> None:
    # 江波 et al. 2017, 生态学报 37(8): 2497–2505, §2.3.1 and Table 3: 135×10⁴ visits in 2011 ×
    # (52.47 + 343.33 + 578.03) CNY/visit = 13.15×10⁸ CNY (published to 0.01×10⁸).
    card = override("gep-garze2010", options={"services": ["recreation"]})
    result = value(parcels(["1106"], [1.0], visits=[135e4]), card, price_year=2012)
    assert result.total() / 1e8 == pytest.approx(13.15, abs=0.005)


# ---------------------------------------------------------- compare / combine
def test_compare_and_combine_without_double_counting() -> None:
    table = parcels(["1106", "1104"], [10_000.0, 10_000.0])
    found = indicators(water_depth=[1.0, 2.0], npp=[500.0, 400.0])
    xie = value(table, "xie2015", price_year=2017)
    gep = value(table, "gep-garze2010", indicators=found, price_year=2017)
    comparison = compare([xie, gep])
    assert set(comparison.totals.index) == {"xie2015", "gep-garze2010"}
    assert "water_regulation" in comparison.by_concept().index
    combined = comparison.combine({"food": "xie2015", "biodiv": "xie2015",
                                   "water_storage": "gep-garze2010"})  # fmt: skip
    assert combined.total() == pytest.approx(
        xie.values[["food", "biodiv"]].to_numpy().sum() + gep.values["water_storage"].sum()
    )
    assert combined.services["source"].tolist() == ["xie2015", "xie2015", "gep-garze2010"]
    with pytest.raises(WetvalError, match="counted twice") as caught:
        combine([xie, gep], {"hydro": "xie2015", "water_storage": "gep-garze2010"})
    assert "water_regulation" in str(caught.value)
    with pytest.raises(WetvalError, match="different price years"):
        compare([xie, value(table, "xie2015")], labels=["a", "b"])
    with pytest.raises(WetvalError, match="not a service of"):
        combine([xie, gep], {"nothing": "xie2015"})
    assert "Valuation comparison" in str(comparison.summary())


def test_value_function_interval_with_full_covariance() -> None:
    card = load_card("brander2013")
    data = card.model_dump(mode="json", exclude_none=True)
    names = list(card.table("coefficients").index)
    rng = np.random.default_rng(3)
    root = rng.normal(0, 0.1, (len(names), len(names)))
    sigma = root @ root.T  # a dense positive semi-definite covariance
    data["tables"]["covariance"] = {
        "columns": ["variable", *names],
        "rows": [[n, *map(float, row)] for n, row in zip(names, sigma, strict=True)],
        "verified": False,
    }
    data["options"]["inputs"] = {"constructed": 0, "wetland_abundance_ha": 80_000.0,
                                 "population_50km": 3.0e6, "gcp": 1.0e4}  # fmt: skip
    from wetval.cards import Card

    dense = Card.from_mapping(data)
    table = parcels(["1106", "1104"], [10_000.0, 10_000.0], site_area_ha=[500.0, 8000.0])
    result = value(table, dense)
    beta = card.table("coefficients")["coefficient"].to_numpy()
    factor = result.conversion["factor"]
    for row, area in enumerate([500.0, 8000.0]):
        for j, (ws, wq) in enumerate([(0, 0), (1, 0), (0, 1)]):
            x = np.array([1, 0, ws, wq, math.log(area), math.log(80_000), math.log(3e6),
                          math.log(1e4)])  # fmt: skip
            central = math.exp(x @ beta)
            spread = math.exp(1.959963984540054 * math.sqrt(x @ sigma @ x))
            assert result.values.iloc[row, j] / factor == pytest.approx(central)
            assert result.high is not None and result.low is not None
            assert result.high.iloc[row, j] / factor == pytest.approx(central * spread)
            assert result.low.iloc[row, j] / factor == pytest.approx(central / spread)
    assert result.interval is not None and "covariance" in result.interval


def test_gep_measured_carbon_and_oxygen_take_precedence_over_npp() -> None:
    # Garzê Table 3 (白玛卓嘎 et al. 2017) reports 固碳 0.31 亿 t CO2 on its own basis: given as a
    # measured quantity (in t C) it is valued directly, whatever the NPP indicator says.
    yi = 1e8
    carbon_t = 0.31 * yi * 12 / 44
    card = override("gep-garze2010", options={"services": ["carbon_sequestration",
                                                           "oxygen_release"]})  # fmt: skip
    table = parcels(
        ["1106", "1106"], [1e10, 10_000.0],
        carbon_sequestered_t=[carbon_t, np.nan], oxygen_released_t=[2.0e6, np.nan],
    )  # fmt: skip
    result = value(table, card, indicators=indicators(npp=[1.0, 500.0]))
    q = result.quantities
    assert q is not None
    assert q.loc["P0", "carbon_t"] == pytest.approx(carbon_t)
    assert q.loc["P0", "oxygen_t"] == pytest.approx(2.0e6)
    # 117.35 亿元 published (0.31 亿 t × 380 CNY/t CO2, quantity to 0.01 亿 t)
    assert result.values.loc["P0", "carbon_sequestration"] / yi == pytest.approx(
        117.3548, abs=0.005 * 380
    )
    assert result.values.loc["P0", "oxygen_release"] == pytest.approx(2.0e6 * 727)
    # the empty cells fall back to the NPP formula: 500 g C/m² × 10,000 m² = 5 t C
    assert q.loc["P1", "carbon_t"] == pytest.approx(5.0)
    assert q.loc["P1", "oxygen_t"] == pytest.approx(1.2 * 5.0 * 44 / 12 / 1.63)
    # with both columns filled, no NPP is needed and no NEP upper-bound note is given
    measured = value(
        parcels(["1106"], [1.0], carbon_sequestered_t=[1.0], oxygen_released_t=[1.0]), card
    )
    assert measured.total() == pytest.approx(1.0 * 44 / 12 * 380 + 727)
    assert not any("nep_ratio" in str(note) for note in measured.provenance.notes)


# ---------------------------------------------------------- income elasticity by income class
@pytest.mark.parametrize(
    ("gni", "expected_class", "epsilon"),
    [
        # giuliomela/btransfer data-raw/income_class.csv @19286e5, rule min ≤ GNI < max
        # (R/compute_epsilon.R @1c2c18d): thresholds 1,046 / 4,095 / 12,695 US$
        (500.0, "LIC", 1.2), (1045.99, "LIC", 1.2), (1046.0, "LMC", 0.8),
        (4094.0, "LMC", 0.8), (4095.0, "UMC", 0.5), (12_694.0, "UMC", 0.5),
        (12_695.0, "HIC", 0.2), (20_000.0, "HIC", 0.2),
    ],
)  # fmt: skip
def test_income_elasticity_follows_btransfer_classes(
    gni: float, expected_class: str, epsilon: float
) -> None:
    from wetval.valuation import income_elasticity

    chosen = income_elasticity(gni)
    assert (chosen.income_class, chosen.elasticity) == (expected_class, epsilon)
    assert chosen.gni_min <= gni < chosen.gni_max
    assert chosen.provenance.cards[0].id == "income-elasticity-btransfer"
    assert chosen.class_name["zh"] in chosen.summary().text("zh")


def test_income_elasticity_refuses_bad_input_and_wrong_cards() -> None:
    from wetval.valuation import income_elasticity

    for bad in (-1.0, float("nan"), "a lot", None):
        with pytest.raises(ValidationError, match="gni_per_capita"):
            income_elasticity(bad)  # type: ignore[arg-type]
    with pytest.raises(CardError, match="income-elasticity card"):
        income_elasticity(5000.0, "transfer-errors")
    # the chosen ε feeds the transfer: China (UMC in FY2022) → ε = 0.5
    epsilon = income_elasticity(10_550.0).elasticity
    moved = transfer_unit_value(100.0, study_income=40_000, policy_income=20_000,
                                elasticity=epsilon)  # fmt: skip
    assert moved.value == pytest.approx(100 * 0.5**0.5)
