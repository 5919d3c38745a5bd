"""Unit-value methods: Xie 2015 equivalents and per-type tables (de Groot 2012, Costanza 2014)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wetval import ParcelTable, load_card
from wetval.errors import CardError, ValidationError
from wetval.units import M2_PER_MU
from wetval.valuation import (
    ServiceValues,
    override,
    standard_equivalent_net_profit,
    standard_equivalent_one_seventh,
    value,
)


def parcels(codes: list[str], areas_m2: list[float], **extra: list[object]) -> ParcelTable:
    frame = pd.DataFrame(
        {"parcel_id": [f"P{i}" for i in range(len(codes))], "land_class": codes,
         "area_m2": areas_m2, **extra}
    )  # fmt: skip
    return ParcelTable.from_frame(frame)


def test_xie_rows_sum_to_published_totals() -> None:
    # Xie et al. 2015 row sums as published (shared/reference/unit-values.md §1); 11 values rounded
    # to 0.01 each allow a sum difference of at most 0.055.
    table = load_card("xie2015").table("equivalents")
    services = list(load_card("xie2015").table("services").index)
    sums = table[services].sum(axis=1)
    np.testing.assert_allclose(sums, table["sum"], atol=0.055)
    assert table.loc["wetland", "sum"] == 52.02 and table.loc["water_body", "sum"] == 125.61
    unverified = set(table.index[~table["verified"].astype(bool)])
    assert unverified == {"coniferous", "steppe", "shrub_grass", "meadow", "glacier"}
    # 赵鸿雁 et al. (ChinaXiv-202004.00060V1) Table 2: 田坎 takes Xie's 荒漠 equivalents.
    tiankan = [0.01, 0.03, 0.02, 0.11, 0.1, 0.31, 0.21, 0.13, 0.01, 0.12, 0.05]
    assert table.loc["desert", services].tolist() == pytest.approx(tiankan)
    # Its 其他草地 column is 草原 scaled by cover: the recalled 草原 row × 0.254 rounds to it.
    other_grass = [0.03, 0.04, 0.02, 0.13, 0.34, 0.11, 0.25, 0.16, 0.01, 0.14, 0.06]
    scaled = (table.loc["steppe", services].astype(float) * 0.254).round(2).tolist()
    assert scaled == pytest.approx(other_grass)


def test_xie_derived_unit_values_at_d_3406_5() -> None:
    # shared/reference/unit-values.md §2 "Derived unit values at D = 3406.5 yuan/ha (2010 prices)":
    # 湿地 177,206 yuan/ha (≈ 11,814 /亩), 水系 427,890 (≈ 28,526), 水田 13,251 (≈ 883).
    # Codes: 1106 内陆滩涂 → 湿地, 1104 坑塘水面 → 水系, 0101 水田 → 水田 (crosswalk card).
    result = value(parcels(["1106", "1104", "0101"], [10_000.0] * 3), "xie2015")
    per_ha = result.by_parcel().to_numpy()
    np.testing.assert_allclose(per_ha, [177_206, 427_890, 13_251], atol=1.0)
    per_mu = per_ha * M2_PER_MU / 10_000
    np.testing.assert_allclose(per_mu, [11_814, 28_526, 883], atol=1.0)
    assert result.price_year == 2010
    # paddy consumes water: negative water supply is kept (Xie 2015, -2.63 equivalents)
    assert result.values.loc["P2", "water"] == pytest.approx(-2.63 * 3406.5)
    assert result.parcels["ecosystem"].tolist() == ["wetland", "water_body", "paddy"]


def test_standard_equivalent_functions() -> None:
    # 1/7 rule: 4600.89 kg/ha × 2.28 yuan/kg ÷ 7 = 1498.58 yuan/ha (China 1990–2015 mean;
    # shared/reference/unit-values.md §2, source 中国城镇化进程对生态系统服务价值的影响)
    assert standard_equivalent_one_seventh(2.28, 4600.89) == pytest.approx(1498.58, abs=0.005)
    assert standard_equivalent_net_profit([0.5, 0.5], [3000.0, 1000.0]) == 2000.0
    with pytest.raises(ValueError, match="sum to 1"):
        standard_equivalent_net_profit([0.5, 0.6], [1.0, 1.0])
    card = override(
        "xie2015",
        options={"D_basis": "one-seventh"},
    )
    with pytest.raises(CardError, match="grain_price"):
        value(parcels(["1106"], [10_000.0]), card)


def test_degroot_subtotals_and_method() -> None:
    # de Groot et al. 2012 Table 2: service rows sum to the published subtotals within ±1.
    card = load_card("degroot2012")
    table = card.table("unit_values")
    published = card.table("published_subtotals")
    for biome in ("inland_wetlands", "coastal_wetlands", "rivers_lakes"):
        groups = table.groupby("group")[biome].sum()
        for group in ("provisioning", "regulating", "habitat", "cultural"):
            assert abs(groups[group] - published.loc[group, biome]) <= 1, (biome, group)
        # The total is rounded independently of the subtotals: the coastal row sum (193,843, which
        # is Costanza 2014's tidal-marsh value) is 2 below the published total 193,845, so the
        # reference's "±1" holds for subtotals only; the total allows ±2.
        assert abs(table[biome].sum() - published.loc["total", biome]) <= 2
    result = value(parcels(["1106", "1104"], [10_000.0, 20_000.0]), card)
    factor = result.conversion["factor"]
    assert result.price_year == 2017 and result.conversion["rate"] == "ppp"
    per_ha_int = result.by_parcel().to_numpy() / factor / np.array([1.0, 2.0])
    np.testing.assert_allclose(per_ha_int, [table["inland_wetlands"].sum(),
                                            table["rivers_lakes"].sum()])  # fmt: skip


def test_costanza_swamps_equal_degroot_inland_wetlands() -> None:
    # Costanza et al. 2014 Table 3 swamps/floodplains 25,681 vs de Groot 2012 inland wetlands
    # 25,682 (2007 $/ha/yr): the same synthesis, equal within rounding.
    a = value(parcels(["1106"], [10_000.0]), "costanza2014", price_year=2017)
    b = value(parcels(["1106"], [10_000.0]), "degroot2012", price_year=2017)
    assert abs(a.total() - b.total()) / a.conversion["factor"] <= 1.0


def test_bad_input_errors_name_rows() -> None:
    with pytest.raises(ValidationError) as caught:
        value(parcels(["1106", "0101", "0301"], [1.0, 1.0, 1.0]), "degroot2012")
    text = str(caught.value)
    assert "no row in card degroot2012" in text and "P1" in text and "P2" in text
    assert "P0" not in text
    frame = parcels(["1106", "1104"], [1.0, 1.0], ecosystem=["no_such_type", None])
    with pytest.raises(ValidationError, match="no_such_type"):
        value(frame, "xie2015")


def test_card_missing_service_column(tmp_path: Path) -> None:
    text = load_card("xie2015").to_toml().replace('"aesth", ', "", 1)
    data = load_card("xie2015").model_dump(mode="json", exclude_none=True)
    table = data["tables"]["equivalents"]
    drop = table["columns"].index("aesth")
    table["columns"] = [c for i, c in enumerate(table["columns"]) if i != drop]
    table["rows"] = [[v for i, v in enumerate(r) if i != drop] for r in table["rows"]]
    from wetval.cards import Card

    card = Card.from_mapping(data)
    with pytest.raises(CardError, match="has no column for service 'aesth'"):
        value(parcels(["1106"], [1.0]), card)
    assert text


def test_ecosystem_column_overrides_crosswalk() -> None:
    result = value(
        parcels(["0101", "0101"], [10_000.0] * 2, ecosystem=["wetland", None]), "xie2015"
    )
    assert result.parcels["ecosystem"].tolist() == ["wetland", "paddy"]
    assert result.by_parcel().iloc[0] == pytest.approx(52.02 * 3406.5, abs=0.6)
    assert any("ecosystem column overrides" in str(n) for n in result.provenance.notes)


class FakeCondition:
    """A stand-in for issue 3's ConditionResult: only to_frame() is used."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def test_condition_adjustment_by_index_and_protocol() -> None:
    table = parcels(["1106", "1106", "1106"], [10_000.0] * 3)
    plain = value(table, "xie2015")
    assert "no condition result: services not condition-adjusted" in plain.provenance.notes
    condition = pd.DataFrame(
        {"index": [0.5, 1.0], "points": [50, 100], "grade": ["中", "优"]},
        index=pd.Index(["P0", "P1"], name="parcel_id"),
    )
    adjusted = value(table, "xie2015", condition=FakeCondition(condition))
    ratio = adjusted.values / plain.values
    adjusted_services = ["gas", "climate", "purif", "hydro", "soil", "nutr", "biodiv", "aesth"]
    assert ratio.loc["P0", adjusted_services].tolist() == pytest.approx([0.5] * 8)
    assert ratio.loc["P0", ["food", "raw", "water"]].tolist() == pytest.approx([1.0] * 3)
    assert ratio.loc["P1"].tolist() == pytest.approx([1.0] * 11)
    assert ratio.loc["P2"].tolist() == pytest.approx([1.0] * 11)  # not scored: unadjusted
    (missing,) = [
        n for n in adjusted.provenance.notes if getattr(n, "key", "") == "n_no_condition_result"
    ]
    assert missing.mapping()["parcels"] == 1
    assert str(missing).startswith("1 parcel (")
    assert missing.text("zh").startswith("1 块图斑（占面积")
    with pytest.raises(TypeError, match="to_frame"):
        value(table, "xie2015", condition=[0.5, 1.0])


def test_condition_adjustment_by_grade() -> None:
    card = load_card("xie2015")
    data = card.model_dump(mode="json", exclude_none=True)
    data["options"]["condition"] = {"basis": "grade", "services": ["hydro"], "missing": "error"}
    data["tables"]["condition_grades"] = {
        "columns": ["grade", "factor"], "rows": [["优", 1.0], ["excellent", 1.0], ["差", 0.25]],
        "verified": False,
    }  # fmt: skip
    from wetval.cards import Card

    graded = Card.from_mapping(data)
    table = parcels(["1106", "1106"], [10_000.0] * 2)
    condition = pd.DataFrame({"grade": ["差", "excellent"]}, index=pd.Index(["P0", "P1"]))
    result = value(table, graded, condition=condition)
    assert result.values.loc["P0", "hydro"] == pytest.approx(0.25 * 24.23 * 3406.5)
    assert result.values.loc["P1", "hydro"] == pytest.approx(24.23 * 3406.5)
    with pytest.raises(ValidationError, match="grade not in the card"):
        value(table, graded, condition=pd.DataFrame({"grade": ["良", "优"]}, index=["P0", "P1"]))
    with pytest.raises(ValidationError, match="no condition result for this parcel"):
        value(table, graded, condition=pd.DataFrame({"grade": ["优"]}, index=["P0"]))


def test_unknown_condition_basis_is_a_card_error_with_or_without_a_condition() -> None:
    # refused when the card is made, by its typed body (wetval.valuation.body.ConditionRule),
    # so no valuation can run with it, with or without a condition
    with pytest.raises(CardError, match=r"options\.condition\.basis: .*got 'grades'"):
        override("xie2015", options={"condition": {"basis": "grades"}})


def test_spatial_adjustment_per_parcel_and_npp(county) -> None:  # type: ignore[no-untyped-def]
    table = parcels(["1106", "1106"], [10_000.0] * 2, adjust_precipitation=[2.0, None])
    result = value(table, "xie2015")
    assert result.values.loc["P0", "hydro"] == pytest.approx(2 * 24.23 * 3406.5)
    assert result.values.loc["P1", "hydro"] == pytest.approx(24.23 * 3406.5)
    assert result.values.loc["P0", "food"] == pytest.approx(0.51 * 3406.5)
    card = override("xie2015", options={"npp_reference": 500.0})
    with pytest.raises(ValidationError, match="needs the indicator 'npp'"):
        value(table, card)


def test_price_year_conversion_uses_card_index() -> None:
    table = parcels(["1106"], [10_000.0])
    base = value(table, "xie2015")
    later = value(table, "xie2015", price_year=2020)
    from wetval.units import adjust_price_year

    assert later.total() == pytest.approx(adjust_price_year(base.total(), 2010, 2020, "cn-cpi"))
    moved = base.at_price_year(2020)
    assert moved.total() == pytest.approx(later.total())


def test_result_views_and_json_round_trip() -> None:
    result = value(parcels(["1106", "1104", "0702"], [10_000.0, 5_000.0, 100.0]), "xie2015")
    long = result.to_frame("long")
    assert len(long) == 3 * 11 and set(long.columns) == {
        "parcel_id",
        "service",
        "ecosystem",
        "value_cny",
    }
    assert long["value_cny"].sum() == pytest.approx(result.total())
    assert result.by_service().sum() == pytest.approx(result.by_parcel().sum())
    assert result.by_parcel().loc["P2"] == 0.0  # built land ("none")
    text = str(result.summary())
    assert "hydro" in text and "2010 prices" in text
    back = ServiceValues.from_json(result.to_json())
    pd.testing.assert_frame_equal(back.values, result.values)
    assert back.provenance == result.provenance


def test_plot() -> None:
    import matplotlib.pyplot as plt

    ax = value(parcels(["1106"], [10_000.0]), "xie2015").plot()
    assert ax.get_xlabel().startswith("value")
    plt.close(ax.figure)


codes = st.sampled_from(["1106", "1104", "0101", "0304", "1101", "0301"])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(codes, st.floats(min_value=1.0, max_value=1e7)), min_size=1, max_size=20),
    st.floats(min_value=0.1, max_value=100.0),
    st.randoms(use_true_random=False),
)
def test_area_scaling_and_parcel_order(
    rows: list[tuple[str, float]], factor: float, random: object
) -> None:
    land = [c for c, _ in rows]
    areas = [a for _, a in rows]
    base = value(parcels(land, areas), "xie2015")
    scaled = value(parcels(land, [a * factor for a in areas]), "xie2015")
    np.testing.assert_allclose(scaled.values.to_numpy(), base.values.to_numpy() * factor, rtol=1e-9)
    order = list(range(len(rows)))
    random.shuffle(order)  # type: ignore[attr-defined]
    frame = pd.DataFrame(
        {
            "parcel_id": [f"P{i}" for i in order],
            "land_class": [land[i] for i in order],
            "area_m2": [areas[i] for i in order],
        }
    )
    shuffled = value(ParcelTable.from_frame(frame), "xie2015")
    pd.testing.assert_frame_equal(shuffled.values.loc[base.values.index], base.values)
