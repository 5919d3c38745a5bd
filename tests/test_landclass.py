"""Land-class catalogues. Expected sets come from shared/reference/land-classes.md §1–3, §5."""

from __future__ import annotations

import pandas as pd
import pytest

from wetval.landclass import (
    Category,
    Scheme,
    catalogue,
    classify,
    land_class,
    normalise_codes,
    wetland_codes,
)

# land-classes.md §1: the eight 三调 湿地 codes, from four numeric groups
SANDIAO_WETLAND = {"0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"}
# land-classes.md §3: first-level 05 湿地 of the 用地用海 classification
YONGDI_WETLAND = {"0501", "0502", "0503", "0504", "0505", "0506", "0507"}


def test_wetland_code_sets_are_exactly_the_published_ones() -> None:
    assert wetland_codes("sandiao") == SANDIAO_WETLAND
    assert wetland_codes(Scheme.YONGDI_YONGHAI) == YONGDI_WETLAND


@pytest.mark.parametrize(
    "code",
    ["1101", "1102", "1103", "1104", "1104A", "1104K", "1107", "1107A", "1109", "1110", "0101"],
)
def test_issue_classes_are_catalogued(code: str) -> None:
    assert land_class(code, "sandiao").code == code


@pytest.mark.parametrize(
    ("code", "legal", "category"),
    [
        ("0101", False, Category.PADDY),  # 湿地保护法 Art. 2 excludes 水田
        ("1104A", False, Category.WATER),  # ... and aquaculture water
        ("1104K", False, Category.WATER),
        ("1104", True, Category.WATER),  # ponds are wetland unless aquaculture
        ("1102", True, Category.WATER),
        ("1106", True, Category.WETLAND),
        ("1109", False, Category.OTHER),  # hydraulic structures are built land
        ("0701", False, Category.OTHER),
    ],
)
def test_legal_wetland_flag_and_category(code: str, legal: bool, category: Category) -> None:
    found = land_class(code, "sandiao")
    assert found.legal_wetland is legal
    assert found.category is category


def test_every_wetland_class_is_legal_wetland_and_every_paddy_is_not() -> None:
    for scheme in Scheme:
        table = catalogue(scheme)
        assert table.loc[table["category"] == "wetland", "legal_wetland"].all()
        assert not table.loc[table["category"] == "paddy", "legal_wetland"].any()


def test_names_in_both_languages() -> None:
    pond = land_class("1104A", "sandiao")
    assert (pond.name_zh, pond.name_en) == ("养殖坑塘", "aquaculture pond")
    assert land_class("0501", "yongdi_yonghai").name_zh == "森林沼泽"


def test_same_code_means_different_land_in_the_two_schemes() -> None:
    assert land_class("0501", "yongdi_yonghai").category is Category.WETLAND
    with pytest.raises(KeyError, match="sandiao"):
        land_class("0501", "sandiao")  # 三调 commercial land is 05H1
    assert land_class("1003", "sandiao").name_zh == "公路用地"
    assert land_class("1003", "yongdi_yonghai").name_zh == "盐田"


def test_third_level_codes_use_their_parent() -> None:
    assert land_class("070101", "yongdi_yonghai").name_zh == "城镇住宅用地"
    with pytest.raises(KeyError):
        land_class("070101", "sandiao")


def test_normalise_codes_strips_and_upper_cases() -> None:
    result = normalise_codes(pd.Series([" 1104k", "0101 ", None, "05h1"], dtype=object))
    assert result.tolist()[:2] == ["1104K", "0101"]
    assert pd.isna(result.iloc[2])
    assert result.iloc[3] == "05H1"


def test_classify_agrees_with_single_lookup_and_marks_unknown() -> None:
    codes = pd.Series(["1104A", "9999", "1106", None, "1104A"], dtype=object)
    result = classify(codes, "sandiao")
    assert result["known"].tolist() == [True, False, True, False, True]
    assert result.loc[0, "name_en"] == land_class("1104A", "sandiao").name_en
    assert result.loc[1, "category"] == "other"
    assert not result.loc[1, "legal_wetland"]


def test_scheme_must_be_named_correctly() -> None:
    with pytest.raises(ValueError, match="sandiao"):
        land_class("1104", "sandao")
