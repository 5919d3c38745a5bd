"""Condition scoring end to end: the DB36/T 2134 card by hand, missing-data policies,
card errors, AHP-weighted cards, invariants (hypothesis) and the result object."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import wetval
from wetval.cards import Card
from wetval.condition import ConditionResult, ConditionScheme, score
from wetval.errors import CardError, ValidationError
from wetval.indicators import CATALOGUE, Direction
from wetval.tables import IndicatorTable, ParcelTable

DB36 = "jiangxi-db36-2134"
PSR = "psr-entropy-topsis"
AGGREGATIONS = [
    "hierarchical-points", "weighted-sum", "topsis", "weighted-geometric-mean", "minimum"
]  # fmt: skip


def with_aggregation(card: Card, aggregation: str) -> Card:
    return card.model_copy(update={"options": {**card.options, "aggregation": aggregation}})


COLUMNS = [
    "water_quality_class", "water_area_change_rate", "protected_species_national_1",
    "protected_species_national_2", "protected_species_provincial", "plant_species_richness",
    "animal_species_richness", "invasive_species_cover", "biomass", "vegetation_cover",
]  # fmt: skip


def indicator_table(rows: dict[str, list[float]]) -> IndicatorTable:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    frame.index.name = "parcel_id"
    return IndicatorTable.from_frame(frame)


def test_db36_points_hand_computed() -> None:
    # points from the card's tables, by hand:
    # A: III 11 + (+6 %) 15 + class II present 6 + plant 45 → 12 + animal 25 → 8
    #    + invasive 3 % → 7 + biomass 12 → 8 + cover 65 % → 8                     = 75 (良)
    # B: I 15 + (−10 %) 5 + class I 10 + 70 → 15 + 65 → 15 + 0.5 % → 10 + 25 → 10
    #    + 90 → 10                                                                  = 90 (优)
    # C: V 3 + (0 %) 10 + none 0 + 5 → 0 + 12 → 4 + 40 % → 0; biomass and cover missing:
    #    17 points over 80 measured → 17 / 0.8 = 21.25 (差), re-weighted
    # D: only water quality (15 of 100 < 60 %): unscored
    table = indicator_table(
        {
            "A": [3, 6, 0, 1, 2, 45, 25, 3, 12, 65],
            "B": [1, -10, 1, 0, 0, 70, 65, 0.5, 25, 90],
            "C": [5, 0, 0, 0, 0, 5, 12, 40, np.nan, np.nan],
            "D": [2] + [np.nan] * 9,
        }
    )
    result = score(table, DB36)
    frame = result.parcels
    np.testing.assert_allclose(frame["points"], [75, 90, 21.25, np.nan], equal_nan=True)
    assert list(frame["grade_zh"].astype(object)) == ["良", "优", "差", np.nan]
    assert list(frame["quality"].astype(str)) == ["complete", "complete", "reweighted", "unscored"]
    assert frame.loc["C", "missing"] == "biomass vegetation_cover"
    assert frame.loc["C", "weight_present"] == pytest.approx(0.8)
    groups = ["points_environment", "points_species", "points_productivity"]
    np.testing.assert_allclose(frame.loc["A", groups].astype(float), [26, 33, 16])
    # contributions add up to the points for a points scheme
    np.testing.assert_allclose(result.contributions.sum(axis=1, min_count=1), frame["points"])
    assert result.contributions.loc["A", "protected_species"] == pytest.approx(6.0)
    assert frame.loc["B", "limiting_item"] == "water_area_change_rate"
    assert "1 parcel unscored" in str(result.provenance.notes[0])


def test_fail_policy_lists_every_missing_value() -> None:
    card = wetval.load_card(DB36)
    strict = card.model_copy(update={"options": {**card.options, "missing": "fail"}})
    table = indicator_table(
        {
            "A": [3, 6, 0, 1, 2, 45, 25, 3, np.nan, 65],
            "B": [1, -10, 1, 0, 0, 70, 65, 0.5, 25, np.nan],
        }
    )
    with pytest.raises(ValidationError) as caught:
        score(table, strict)
    problems = caught.value.problems
    assert set(zip(problems["parcel_id"], problems["column"], strict=True)) == {
        ("A", "biomass"),
        ("B", "vegetation_cover"),
    }


def test_impute_by_land_class_median() -> None:
    card = wetval.load_card(DB36)
    imputing = card.model_copy(update={"options": {**card.options, "missing": "impute_median"}})
    parcels = ParcelTable.from_frame(
        pd.DataFrame(
            {"BSM": ["A", "B", "C", "D"], "DLBM": ["1104", "1104", "1104", "1106"],
             "TBDLMJ": [1000.0, 2000.0, 3000.0, 4000.0]}
        )
    )  # fmt: skip
    full = [3, 6, 0, 1, 2, 45, 25, 3]
    table = indicator_table(
        {
            "A": [*full, 4, 65],  # biomass 4 → 4 points
            "B": [*full, 12, 65],  # biomass 12 → 8 points
            "C": [*full, np.nan, 65],  # 1104 median of 4 and 12 = 8 → 6 points
            "D": [*full, np.nan, 65],  # no other 1106 parcel: stays missing, re-weighted
        }
    )
    result = score(table, imputing, parcels)
    frame = result.parcels
    assert result.normalised.loc["C", "biomass"] == pytest.approx(0.6)
    assert list(frame["quality"].astype(str)) == ["complete", "complete", "imputed", "reweighted"]
    assert frame.loc["C", "imputed"] == "biomass" and frame.loc["D", "missing"] == "biomass"
    assert frame.loc["C", "area_m2"] == 3000.0 and frame.loc["D", "land_class"] == "1106"
    with pytest.raises(ValidationError, match="pass the parcel table"):
        score(table, imputing)


BAD_CARD = """
id = "bad-condition"
kind = "condition"
method = "condition-index"
version = "1.0.0"
title = { zh = "坏", en = "bad" }

[options]
missing = "guess"

[tables.items]
columns = ["item", "group", "weight", "rule"]
rows = [
  ["water_quality_class", "a", 0.5, "categories"],
  ["vegetation_cover", "a", 0.3, "steps"],
  ["no_such_indicator", "a", 0.1, "minmax"],
  ["biomass", "a", 0.1, "magic"],
]

[tables.rule_water_quality_class]
columns = ["value", "score"]
rows = [[1, 1.0], [2, 0.8], [3, 0.9], [4, 0.4]]

[tables.rule_vegetation_cover]
columns = ["lower", "upper", "score"]
rows = [[0, 40, 0.2], [50, 100, 1.0]]

[tables.grades]
columns = ["grade", "label_zh", "label_en", "lower"]
rows = [["good", "好", "good", 0.4], ["bad", "差", "bad", 0.5]]
"""


def test_bad_card_one_error_names_every_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CARD, encoding="utf-8")
    # a bad option is refused by the typed card body, when the card loads
    with pytest.raises(CardError) as loading:
        wetval.load_card(path)
    assert (
        "'fail', 'reweight' or 'impute_median'"
        in dict(loading.value.key_problems)["options.missing"]
    )
    path.write_text(BAD_CARD.replace('missing = "guess"', 'missing = "fail"'), encoding="utf-8")
    card = wetval.load_card(path)
    with pytest.raises(CardError) as caught:
        ConditionScheme.from_card(card)
    keys = dict(caught.value.key_problems)
    assert "no_such_indicator" in keys["tables.items.rows[2].indicators"]
    assert "unknown rule 'magic'" in keys["tables.items.rows[3].rule"]
    assert "contiguous" in keys["tables.rule_vegetation_cover"]
    assert (
        "no score for water_quality_class = 5, 6" in keys["tables.rule_water_quality_class.value"]
    )
    assert "must fall strictly" in keys["tables.grades.lower"]
    # the weights are checked once the items are readable
    fixed = BAD_CARD.replace('["no_such_indicator", "a", 0.1, "minmax"],\n', "").replace(
        '  ["biomass", "a", 0.1, "magic"],\n', ""
    )
    path.write_text(fixed.replace('missing = "guess"', 'missing = "fail"'), encoding="utf-8")
    with pytest.raises(CardError, match=r"weights sum to 0\.8, not 1"):
        ConditionScheme.from_card(wetval.load_card(path))


def test_non_monotone_rule_is_a_card_error() -> None:
    card = wetval.load_card(DB36)
    tables = dict(card.tables)
    rule = tables["rule_vegetation_cover"]
    rows = ((0, 20, 10), *rule.rows[1:])  # cover below 20 % would outscore 20–40 %
    tables["rule_vegetation_cover"] = rule.model_copy(update={"rows": rows})
    with pytest.raises(CardError, match="must not fall as a higher-is-better value rises"):
        ConditionScheme.from_card(card.model_copy(update={"tables": tables}))


def _card_with(card_id: str, edit: Callable[[dict[str, Any]], None]) -> Card:
    data = wetval.load_card(card_id).model_dump(mode="json", exclude_none=True)
    edit(data)
    return Card.from_mapping(data)


def test_non_numeric_item_weight_is_a_card_error() -> None:
    def weight_as_text(data: dict[str, Any]) -> None:
        data["tables"]["items"]["rows"][0][2] = "fifteen"

    with pytest.raises(CardError) as caught:
        ConditionScheme.from_card(_card_with(DB36, weight_as_text))
    keys = dict(caught.value.key_problems)
    assert "'fifteen' is not a non-negative number" in keys["tables.items.rows[0].weight"]


@pytest.mark.parametrize(("card_id", "table"), [(PSR, "rule_disturbance"), (DB36, "rule_biomass")])
def test_empty_rule_table_is_a_card_error(card_id: str, table: str) -> None:
    # a minmax rule (PSR) and a steps rule (DB36) without rows
    def empty(data: dict[str, Any]) -> None:
        data["tables"][table]["rows"] = []

    with pytest.raises(CardError) as caught:
        ConditionScheme.from_card(_card_with(card_id, empty))
    assert "has no rows" in dict(caught.value.key_problems)[f"tables.{table}"]


def test_unknown_topsis_variant_is_a_card_error(county) -> None:  # type: ignore[no-untyped-def]
    def variant(data: dict[str, Any]) -> None:
        data["options"]["topsis_variant"] = "minmax-manhattan"

    with pytest.raises(CardError) as caught:
        score(county.indicators, _card_with(PSR, variant), county.parcels)
    assert (
        "'minmax-manhattan' is not one of"
        in dict(caught.value.key_problems)["options.topsis_variant"]
    )


AHP_CARD = """
id = "ahp-condition"
kind = "condition"
method = "condition-index"
version = "1.0.0"
title = { zh = "层次分析", en = "AHP" }

[options]
weights = "ahp"
ahp_policy = "error"

[tables.items]
columns = ["item", "group", "rule"]
rows = [
  ["disturbance", "pressure", "minmax"],
  ["vegetation_cover", "state", "minmax"],
  ["biomass", "state", "minmax"],
]

[tables.groups]
columns = ["group", "label_zh", "label_en"]
rows = [["pressure", "压力", "pressure"], ["state", "状态", "state"]]

[tables.ahp_groups]
columns = ["group", "pressure", "state"]
rows = [["pressure", 1, 0.5], ["state", 2, 1]]

[tables.ahp_state]
columns = ["item", "vegetation_cover", "biomass"]
rows = [["vegetation_cover", 1, 3], ["biomass", 0.3333333333333333, 1]]

[tables.rule_disturbance]
columns = ["low", "high"]
rows = [[0, 1]]

[tables.rule_vegetation_cover]
columns = ["low", "high"]
rows = [[0, 100]]

[tables.rule_biomass]
columns = ["low", "high"]
rows = [[0, 20]]

[tables.grades]
columns = ["grade", "label_zh", "label_en", "lower"]
rows = [["good", "好", "good", 0.5], ["poor", "差", "poor", 0.0]]
"""


def test_ahp_weighted_card(tmp_path: Path) -> None:
    path = tmp_path / "ahp.toml"
    path.write_text(AHP_CARD, encoding="utf-8")
    table = IndicatorTable.from_frame(
        pd.DataFrame(
            {"parcel_id": ["A", "B"], "disturbance": [0.2, 1.0], "vegetation_cover": [50.0, 0.0],
             "biomass": [10.0, 0.0]}
        )
    )  # fmt: skip
    result = score(table, wetval.load_card(path))
    # groups 1:2 → 1/3, 2/3; within state 3:1 → 3/4, 1/4
    np.testing.assert_allclose(result.weights["weight"], [1 / 3, 2 / 3 * 3 / 4, 2 / 3 / 4])
    # A: 1/3 × 0.8 + 1/2 × 0.5 + 1/6 × 0.5 = 0.6
    assert result.parcels.loc["A", "index"] == pytest.approx(0.6)
    assert result.parcels.loc["B", "index"] == pytest.approx(0.0)
    assert list(result.weight_details.index) == ["ahp_groups", "ahp_state"]
    bad = AHP_CARD.replace('["biomass", 0.3333333333333333, 1]', '["biomass", 2, 1]')
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CardError, match=r"tables.ahp_state\[vegetation_cover, biomass\]"):
        score(table, wetval.load_card(path))


def test_every_condition_card_reads_and_scores(county) -> None:  # type: ignore[no-untyped-def]
    cards = wetval.list_cards("condition")
    assert {c.id for c in cards} >= {DB36, PSR}
    for card in cards:
        scheme = ConditionScheme.from_card(card)
        assert set(scheme.indicator_ids) <= set(CATALOGUE)
        result = score(county.indicators, card, county.parcels)
        assert result.parcels["index"].notna().mean() > 0.8
        assert card.unverified(), "the shipped cards state their assumptions"


def test_result_round_trip_summary_plot(county) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    result = score(county.indicators, PSR, county.parcels)
    again = ConditionResult.from_json(result.to_json())
    assert again.to_json() == result.to_json()
    pd.testing.assert_frame_equal(again.parcels, result.parcels)
    text = result.summary().text("zh")
    assert "SYNTHETIC" in text and "优秀" in text and "entropy" in text
    counts = result.parcels["grade"].value_counts()
    assert f"{counts['good']:,}" in text
    frame = result.to_frame()
    assert {"index", "points", "grade", "biomass_score", "biomass_points"} <= set(frame.columns)
    assert "estimated from these" in " ".join(map(str, result.provenance.notes))
    assert result.provenance.cards[0].id == PSR
    ax = result.plot()
    assert ax.get_ylabel() == "area [ha]"
    plt.close(ax.figure)


# --------------------------------------------------------------- invariants


@pytest.fixture(scope="module")
def small_county():  # type: ignore[no-untyped-def]
    from wetval.datasets import synthetic_county

    return synthetic_county(200, seed=5)


@pytest.mark.parametrize("card_id", [DB36, PSR])
@given(seed=st.integers(0, 2**32 - 1))
def test_invariant_to_parcel_order(small_county, card_id: str, seed: int) -> None:  # type: ignore[no-untyped-def]
    parcels, indicators = small_county.parcels, small_county.indicators
    order = np.random.default_rng(seed).permutation(len(parcels))
    shuffled_parcels = parcels.subset(parcels.ids[order])
    shuffled_indicators = IndicatorTable.from_frame(indicators.to_frame().iloc[
        np.random.default_rng(seed + 1).permutation(len(indicators))
    ])  # fmt: skip
    base = score(indicators, card_id, parcels).parcels
    moved = score(shuffled_indicators, card_id, shuffled_parcels).parcels.reindex(base.index)
    np.testing.assert_allclose(moved["index"], base["index"], rtol=1e-10, atol=1e-12)
    pd.testing.assert_series_equal(moved["grade"], base["grade"])


def _better(value: float, indicator_id: str, step: float) -> float:
    indicator = CATALOGUE[indicator_id]
    if indicator.direction is Direction.HIGHER_BETTER:
        moved = min(value + step * (indicator.high - value), indicator.high)
    else:
        moved = max(value - step * (value - indicator.low), indicator.low)
    return float(np.round(moved)) if indicator.integer else moved


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@given(parcel=st.integers(0, 199), column=st.sampled_from(COLUMNS), step=st.floats(0.01, 1.0))
def test_better_indicator_never_lowers_the_score(  # type: ignore[no-untyped-def]
    small_county, aggregation: str, parcel: int, column: str, step: float
) -> None:
    # every card-weighted scheme: a better value of one indicator of one parcel
    # never lowers that parcel's index when the same items are measured
    # (data-estimated weights are excluded: they move with the data)
    card = with_aggregation(wetval.load_card(DB36), aggregation)
    frame = small_county.indicators.to_frame()
    frame = frame.iloc[:200]
    row = frame.index[parcel % len(frame)]
    value = frame.loc[row, column]
    if np.isnan(value):
        return
    improved = frame.copy()
    improved.loc[row, column] = _better(float(value), column, step)
    before = score(IndicatorTable.from_frame(frame), card).parcels.loc[row]
    after = score(IndicatorTable.from_frame(improved), card).parcels.loc[row]
    # under the re-weighting policy a missing item is in effect valued at the parcel's
    # mean; a better value that makes it known (e.g. a class II species found while the
    # class I count is missing) can then lower the index. The property holds for the
    # same set of measured items, which is what we test (docs/condition.md).
    if np.isnan(before["index"]) or before["missing"] != after["missing"]:
        return
    assert after["index"] >= before["index"] - 1e-12


def test_one_condition_method_with_an_aggregation_option() -> None:
    assert {m.name for m in wetval.list_methods("condition")} == {"condition-index"}
    assert isinstance(wetval.get_method("condition-index"), wetval.Method)
    card: Card = wetval.load_card(DB36)
    assert card.method == "condition-index"
    assert card.option("aggregation") == "hierarchical-points"
    with pytest.raises(CardError, match="'hierarchical-points' needs scale = 'points'"):
        score(
            indicator_table({"A": [3, 6, 0, 1, 2, 45, 25, 3, 12, 65]}),
            with_aggregation(wetval.load_card(PSR), "hierarchical-points"),
        )
    with pytest.raises(CardError, match=r"options\.aggregation"):
        with_aggregation(card, "median")


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_retired_method_names_still_load_with_a_warning(
    small_county,
    aggregation: str,  # type: ignore[no-untyped-def]
) -> None:
    modern = with_aggregation(wetval.load_card(DB36), aggregation)
    data = modern.model_dump(mode="json", exclude_none=True)
    data["method"] = aggregation
    del data["options"]["aggregation"]
    with pytest.warns(DeprecationWarning, match=f'aggregation = "{aggregation}"'):
        old = Card.from_mapping(data)
    assert old.method == "condition-index" and old.option("aggregation") == aggregation
    assert old.hash == modern.hash
    indicators = IndicatorTable.from_frame(small_county.indicators.to_frame().iloc[:100])
    pd.testing.assert_frame_equal(score(indicators, old).parcels, score(indicators, modern).parcels)


def test_out_of_range_indicator_values_are_refused_before_scoring() -> None:
    frame = pd.DataFrame.from_dict(
        {"A": [3, 6, 0, 1, 2, 45, 25, 3, 12, 150], "B": [7, 6, 0, 1, 2, 45, 25, -3, 12, 65]},
        orient="index",
        columns=COLUMNS,
    )
    frame.index.name = "parcel_id"
    with pytest.raises(ValidationError) as caught:
        IndicatorTable.from_frame(frame)
    located = set(
        zip(caught.value.problems["parcel_id"], caught.value.problems["column"], strict=True)
    )
    assert located == {
        ("A", "vegetation_cover"),
        ("B", "water_quality_class"),
        ("B", "invasive_species_cover"),
    }


def test_ahp_card_consistency_policy(tmp_path: Path) -> None:
    three = AHP_CARD.replace(
        """  ["biomass", "state", "minmax"],
]""",
        """  ["biomass", "state", "minmax"],
  ["plant_species_richness", "state", "minmax"],
]""",
    ).replace(
        """[tables.ahp_state]
columns = ["item", "vegetation_cover", "biomass"]
rows = [["vegetation_cover", 1, 3], ["biomass", 0.3333333333333333, 1]]""",
        """[tables.ahp_state]
columns = ["item", "vegetation_cover", "biomass", "plant_species_richness"]
rows = [
  ["vegetation_cover", 1, 9, 0.1111111111111111],
  ["biomass", 0.1111111111111111, 1, 9],
  ["plant_species_richness", 9, 0.1111111111111111, 1],
]

[tables.rule_plant_species_richness]
columns = ["low", "high"]
rows = [[0, 80]]""",
    )
    path = tmp_path / "ahp3.toml"
    path.write_text(three, encoding="utf-8")
    table = IndicatorTable.from_frame(
        pd.DataFrame(
            {"parcel_id": ["A", "B"], "disturbance": [0.2, 1.0], "vegetation_cover": [50.0, 0.0],
             "biomass": [10.0, 0.0], "plant_species_richness": [30.0, 5.0]}
        )
    )  # fmt: skip
    with pytest.raises(ValidationError, match="inconsistent"):
        score(table, wetval.load_card(path))
    path.write_text(three.replace('ahp_policy = "error"', 'ahp_policy = "warn"'), encoding="utf-8")
    from wetval.condition import AHPConsistencyWarning

    with pytest.warns(AHPConsistencyWarning):
        result = score(table, wetval.load_card(path))
    assert not result.weight_details.loc["ahp_state", "consistent"]
    assert result.weight_details.loc["ahp_state", "random_index_table"] == "saaty1980"


def test_db36_result_round_trip(county) -> None:  # type: ignore[no-untyped-def]
    result = score(county.indicators, DB36, county.parcels)
    assert ConditionResult.from_json(result.to_json()).to_json() == result.to_json()
    assert result.weight_details.empty and result.weighting == "card"
