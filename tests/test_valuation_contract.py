"""The valuation kind checks catch broken methods; extra bad-input and card paths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wetval import ParcelTable, load_card
from wetval.cards import Card
from wetval.errors import CardError, ValidationError
from wetval.kinds import ValuationInputs
from wetval.plugins import Method
from wetval.testing.valuation import check_valuation_method
from wetval.units import PriceIndexError
from wetval.valuation import ServiceValues, compare, override, value
from wetval.valuation.unit_value import xie_equivalent


def parcels(codes: list[str], areas_m2: list[float], **extra: list[object]) -> ParcelTable:
    frame = pd.DataFrame(
        {"parcel_id": [f"P{i}" for i in range(len(codes))], "land_class": codes,
         "area_m2": areas_m2, **extra}
    )  # fmt: skip
    return ParcelTable.from_frame(frame)


def ignores_area(card: Card, inputs: ValuationInputs) -> ServiceValues:
    """Broken on purpose: values per parcel, not per area."""
    result = xie_equivalent(inputs.parcels, card, price_year=inputs.price_year)
    per_parcel = result.values.div(result.parcels["area_m2"], axis=0)
    import dataclasses

    return dataclasses.replace(result, values=per_parcel)


def reorders(card: Card, inputs: ValuationInputs) -> ServiceValues:
    """Broken on purpose: sorts the parcels."""
    result = xie_equivalent(inputs.parcels, card, price_year=inputs.price_year)
    import dataclasses

    return dataclasses.replace(result, values=result.values.sort_index(ascending=False))


@pytest.mark.parametrize(
    ("function", "message"),
    [(ignores_area, "doubling areas"), (reorders, "index is not the parcels' ids")],
)
def test_kind_check_catches_broken_methods(function: object, message: str) -> None:
    broken = Method("xie-equivalent", "unit-value", function, "broken")  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=message):
        check_valuation_method(broken)


def test_net_profit_d_from_card_table() -> None:
    data = load_card("xie2015").model_dump(mode="json", exclude_none=True)
    data["options"]["D_basis"] = "net-profit"
    data["tables"]["standard_equivalent_crops"] = {
        "columns": ["crop", "sown_share", "net_profit"],
        "rows": [["rice", 0.5, 4000.0], ["wheat", 0.25, 2000.0], ["maize", 0.25, 2400.0]],
        "verified": False,
    }
    card = Card.from_mapping(data)
    result = value(parcels(["1106"], [10_000.0]), card)
    d = 0.5 * 4000 + 0.25 * 2000 + 0.25 * 2400
    assert result.total() == pytest.approx(52.02 * d, abs=0.1)
    assert any(getattr(n, "key", "") == "n_d_net_profit" for n in result.provenance.notes)


def test_missing_price_and_bad_kind() -> None:
    data = load_card("gep-garze2010").model_dump(mode="json", exclude_none=True)
    del data["parameters"]["price_oxygen"]
    with pytest.raises(CardError, match=r"parameters\.price_oxygen"):
        value(parcels(["1104"], [1.0]), Card.from_mapping(data))
    with pytest.raises(CardError, match="valuation needs one of"):
        value(parcels(["1104"], [1.0]), "us-cpi-u")


def test_price_year_outside_series_is_one_clear_error() -> None:
    with pytest.raises(PriceIndexError, match=r"1980 is not in the series 'cn-cpi'"):
        value(parcels(["1106"], [1.0]), "xie2015", price_year=1980)
    with pytest.raises(PriceIndexError, match="cn-ppp-gdp"):
        value(parcels(["1106"], [1.0]), "degroot2012", price_year=2023)


def test_ecosystem_column_with_card_types_and_comparison_plot() -> None:
    direct = value(parcels(["1106"], [1.0], ecosystem=["rivers_lakes"]), "degroot2012")
    assert direct.parcels["ecosystem"].tolist() == ["rivers_lakes"]
    table = parcels(["1106", "1104"], [10_000.0] * 2, ecosystem=["water_body", None])
    result = value(table, "degroot2012")
    assert result.parcels["ecosystem"].tolist() == ["rivers_lakes", "rivers_lakes"]
    a = value(table, "costanza2014", price_year=2017)
    comparison = compare([result, a])
    import matplotlib.pyplot as plt

    ax = comparison.plot()
    plt.close(ax.figure)
    back = type(comparison).from_json(comparison.to_json())
    assert isinstance(back.results["degroot2012"], ServiceValues)
    assert override("xie2015", parameters={"D": 1000.0}).param("D") == 1000.0


def test_land_class_without_crosswalk_entry(tmp_path: Path) -> None:
    crosswalk = load_card("crosswalk-sandiao-xie2015").model_dump(mode="json", exclude_none=True)
    crosswalk["id"] = "crosswalk-partial"
    table = crosswalk["tables"]["crosswalk"]
    table["rows"] = [row for row in table["rows"] if row[0] not in ("1104", "0101")]
    path = tmp_path / "partial.toml"
    path.write_text(Card.from_mapping(crosswalk).to_toml(), encoding="utf-8")
    card = override("xie2015", options={"crosswalk": {"sandiao": str(path)}})
    table_in = parcels(
        ["1106", "1104", "0101", "1104"], [1.0] * 4, ecosystem=[None] * 3 + ["wetland"]
    )
    with pytest.raises(ValidationError) as caught:
        value(table_in, card)
    text = str(caught.value)
    assert "no entry in the crosswalk crosswalk-partial" in text
    assert "P1" in text and "P2" in text and "P3" not in text and "P0" not in text
