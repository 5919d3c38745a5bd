"""ParcelTable and IndicatorTable: aliases, areas, and every validation error path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval import IndicatorTable, ParcelTable
from wetval.errors import DataQualityWarning, ValidationError
from wetval.indicators import CATALOGUE, Direction, Indicator


def sandiao_frame() -> pd.DataFrame:
    """Five rows shaped like a 三调 DLTB export (values invented for the test)."""
    return pd.DataFrame(
        {
            "BSM": ["361", "362", "363", "364", "365"],
            "DLBM": ["1104", "1104A", "0101", "1106", "1107"],
            "DLMC": ["坑塘水面", "养殖坑塘", "水田", "内陆滩涂", "沟渠"],
            "TBMJ": [1000.0, 2000.0, 3000.0, 4000.0, 500.0],
            "KCMJ": [0.0, 0.0, 300.0, np.nan, 0.0],
            "TBDLMJ": [1000.0, np.nan, np.nan, 3900.0, 500.0],
            "QSXZ": ["30", "30", "30", "10", "30"],
            "ZLDWDM": ["3601241010010000000"] * 5,
            "ZLDWMC": ["民和镇"] * 5,
            "remark": ["a", "b", "c", "d", "e"],
        }
    )


def test_sandiao_aliases_and_area_precedence() -> None:
    table = ParcelTable.from_frame(sandiao_frame())
    frame = table.to_frame()
    assert list(table.ids) == ["361", "362", "363", "364", "365"]
    # TBDLMJ where present, else TBMJ − KCMJ, else TBMJ
    assert frame["area_m2"].tolist() == [1000.0, 2000.0, 2700.0, 3900.0, 500.0]
    assert frame["area_source"].tolist() == ["TBDLMJ", "TBMJ-KCMJ", "TBMJ-KCMJ", "TBDLMJ", "TBDLMJ"]
    assert frame["county_code"].tolist() == ["360124"] * 5
    assert frame["township"].tolist() == ["民和镇"] * 5
    assert frame["ownership"].tolist()[3] == "10"
    assert frame["remark"].tolist() == ["a", "b", "c", "d", "e"]  # caller's columns kept
    np.testing.assert_allclose(table.area("ha"), frame["area_m2"] / 10_000)
    np.testing.assert_allclose(table.area("mu"), frame["area_m2"] * 15 / 10_000)
    with pytest.raises(ValueError, match=r"unknown area unit 'acre'; use one of"):
        table.area("acre")  # type: ignore[arg-type]
    assert table.legal_wetland.tolist() == [True, False, False, True, True]
    assert table.category.tolist() == ["water", "water", "paddy", "wetland", "water"]


def test_aliases_ignore_case_and_canonical_wins() -> None:
    frame = sandiao_frame().rename(columns={"DLBM": "dlbm", "BSM": "bsm"})
    frame["parcel_id"] = [f"P{i}" for i in range(5)]
    table = ParcelTable.from_frame(frame)
    assert list(table.ids) == ["P0", "P1", "P2", "P3", "P4"]
    assert "bsm" in table.columns  # the unused alias column is kept as an extra


def test_explicit_area_units() -> None:
    frame = pd.DataFrame(
        {"parcel_id": ["a", "b"], "land_class": ["1106", "1108"], "area_mu": [15.0, 1.5]}
    )
    table = ParcelTable.from_frame(frame)
    assert table.area("ha").tolist() == pytest.approx([1.0, 0.1])
    assert set(table.to_frame()["area_source"]) == {"area_mu"}


def test_roles_and_levels_accept_chinese_terms() -> None:
    frame = sandiao_frame()
    frame["role"] = ["现有", "后备", "reserve", "占用", "Restoration"]
    frame["wetland_level"] = ["一般", None, "省级重要", "国家重要", "general"]
    result = ParcelTable.from_frame(frame).to_frame()
    assert result["role"].tolist() == [
        "existing",
        "reserve",
        "reserve",
        "occupation",
        "restoration",
    ]
    assert result["wetland_level"].tolist()[2:] == ["provincial", "national", "general"]


def test_every_problem_is_listed_in_one_error() -> None:
    frame = sandiao_frame()
    frame.loc[0, "DLBM"] = "9999"  # unknown land class
    frame.loc[1, "TBMJ"] = -5.0  # negative area (TBDLMJ missing, so TBMJ − KCMJ is used)
    frame.loc[2, "BSM"] = "361"  # duplicate id with row 0
    frame.loc[3, "TBDLMJ"] = 4500.0  # larger than TBMJ = 4000
    frame.loc[4, "TBDLMJ"] = 0.0  # zero area
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame, source="dltb.csv", first_row=2)
    problems = caught.value.problems
    reasons = set(problems["reason"])
    assert "unknown land class in the sandiao scheme" in reasons
    assert "area is zero or negative" in reasons
    assert "duplicate parcel id" in reasons
    assert "TBDLMJ (图斑地类面积) is larger than TBMJ (图斑面积)" in reasons
    # row numbers are spreadsheet rows (header = 1), and parcel ids are named
    unknown = problems[problems["reason"].str.startswith("unknown land class")]
    assert unknown[["row", "parcel_id", "value"]].values.tolist() == [[2, "361", "9999"]]
    duplicate_rows = problems.loc[problems["reason"] == "duplicate parcel id", "row"].tolist()
    assert duplicate_rows == [2, 4]
    zero = problems[problems["reason"] == "area is zero or negative"]
    assert sorted(zero["row"]) == [3, 6]
    message = str(caught.value)
    assert "dltb.csv" in message and "row 5 / parcel 364" in message and "fix:" in message


def test_missing_required_columns_lists_found_columns_and_aliases() -> None:
    frame = pd.DataFrame({"编号": ["1"], "面积": [3.0]})
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame)
    message = str(caught.value)
    assert "'parcel_id' is missing" in message and "BSM, TBBH" in message
    assert "'land_class' is missing" in message and "DLBM" in message
    assert "no area column" in message and "TBDLMJ" in message
    assert "columns found: 编号, 面积" in message


def test_missing_values_and_non_numbers() -> None:
    frame = pd.DataFrame(
        {"BSM": ["1", None, "3"], "DLBM": ["1104", None, "1104"], "TBMJ": ["12,000.5", "x", None]}
    )
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame)
    reasons = caught.value.problems.groupby("reason")["row"].apply(list).to_dict()
    assert reasons["missing parcel id"] == [1]
    assert reasons["missing land-class code"] == [1]
    assert reasons["not a number"] == [1]
    assert sorted(reasons["missing area"]) == [1, 2]


def test_codes_read_as_numbers_are_refused() -> None:
    frame = pd.DataFrame({"BSM": ["1"], "DLBM": [101], "TBMJ": [10.0]})
    with pytest.raises(ValidationError, match="leading zeros are lost"):
        ParcelTable.from_frame(frame)


def test_scheme_is_never_guessed_but_hinted() -> None:
    frame = pd.DataFrame({"BSM": ["1", "2"], "DLBM": ["0501", "0506"], "TBMJ": [10.0, 20.0]})
    with pytest.raises(ValidationError, match="scheme='yongdi_yonghai'"):
        ParcelTable.from_frame(frame)
    table = ParcelTable.from_frame(frame, scheme="yongdi_yonghai")
    assert table.legal_wetland.all()


def test_bad_role_and_level() -> None:
    frame = sandiao_frame()
    frame["role"] = ["existing", "bank", "reserve", "reserve", "reserve"]
    frame["wetland_level"] = ["general", "general", "county", "general", "general"]
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame)
    problems = caught.value.problems
    assert problems[["column", "value"]].values.tolist() == [
        ["role", "bank"],
        ["wetland_level", "county"],
    ]


def test_name_mismatch_is_a_data_quality_warning() -> None:
    frame = sandiao_frame()
    frame.loc[0, "DLMC"] = "湖泊水面"
    with pytest.warns(DataQualityWarning, match="1104 given as '湖泊水面'"):
        ParcelTable.from_frame(frame)


def test_tbbh_duplicates_get_a_hint() -> None:
    frame = sandiao_frame().drop(columns="BSM")
    frame["TBBH"] = ["1", "2", "1", "3", "4"]
    with pytest.raises(ValidationError, match="TBBH is numbered within each"):
        ParcelTable.from_frame(frame)


def test_subset_and_read_only_columns() -> None:
    table = ParcelTable.from_frame(sandiao_frame())
    part = table.subset(["363", "361"])
    assert list(part.ids) == ["363", "361"]
    assert len(table.subset(table.legal_wetland)) == 3
    with pytest.raises(KeyError, match="999"):
        table.subset(["999"])
    with pytest.raises(ValueError, match="read-only"):
        table.column("area_m2")[0] = 1.0
    with pytest.raises(KeyError, match="has no column 'nope'"):
        table.column("nope")


def test_hash_changes_with_content_only() -> None:
    a = ParcelTable.from_frame(sandiao_frame())
    b = ParcelTable.from_frame(sandiao_frame())
    changed = sandiao_frame()
    changed.loc[0, "TBDLMJ"] = 1000.01
    assert a.hash == b.hash
    assert a.hash != ParcelTable.from_frame(changed).hash


@given(st.permutations(range(5)))
def test_validation_is_invariant_to_row_order(order: list[int]) -> None:
    base = ParcelTable.from_frame(sandiao_frame()).to_frame()
    shuffled = ParcelTable.from_frame(sandiao_frame().iloc[order]).to_frame()
    pd.testing.assert_frame_equal(shuffled.loc[base.index], base)


@given(st.lists(st.floats(min_value=0.01, max_value=1e8), min_size=1, max_size=30))
def test_total_area_is_conserved_across_units(areas: list[float]) -> None:
    frame = pd.DataFrame(
        {"parcel_id": [str(i) for i in range(len(areas))], "land_class": "1104", "area_m2": areas}
    )
    table = ParcelTable.from_frame(frame)
    assert table.area("mu").sum() * 10_000 / 15 == pytest.approx(sum(areas), rel=1e-9)


# ------------------------------------------------------------------ indicators
def indicator_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parcel_id": ["361", "362", "363", "999"],
            "water_quality_class": ["III", "劣V", "Ⅱ类", None],
            "vegetation_cover": [45.0, 10.5, np.nan, 80.0],
            "bird_species_richness": [12.0, 3.0, 0.0, 40.0],
        }
    )


def test_indicator_labels_and_missing_values() -> None:
    table = IndicatorTable.from_frame(indicator_frame())
    np.testing.assert_array_equal(table.values("water_quality_class"), [3, 6, 2, np.nan])
    assert table.direction("water_quality_class") is Direction.LOWER_BETTER
    assert np.isnan(table.values("vegetation_cover")[2])


def test_indicator_problems_in_one_error() -> None:
    frame = indicator_frame()
    frame.loc[0, "vegetation_cover"] = 450.0  # out of range (0–100 %)
    frame.loc[1, "bird_species_richness"] = 2.5  # counts are whole numbers
    frame.loc[2, "water_quality_class"] = "good"  # not a class label
    frame.loc[3, "parcel_id"] = "361"  # duplicate
    frame["ph"] = 7.0  # not in the catalogue
    with pytest.raises(ValidationError) as caught:
        IndicatorTable.from_frame(frame, first_row=2)
    problems = caught.value.problems
    found = set(zip(problems["column"], problems["reason"], strict=True))
    assert ("vegetation_cover", "outside the valid range 0–100 [%]") in found
    assert ("bird_species_richness", "must be a whole number") in found
    assert ("water_quality_class", "not a number") in found
    assert ("parcel_id", "duplicate parcel id") in found
    assert ("ph", "not an indicator of the catalogue") in found
    assert "extend the catalogue" in str(caught.value)


def test_extra_columns_can_be_ignored_and_catalogue_extended() -> None:
    frame = indicator_frame().assign(ph=[7.0, 7.5, 6.8, 8.0])
    assert "ph" not in IndicatorTable.from_frame(frame, extra="ignore").indicator_ids
    ph = Indicator("ph", "pH值", "pH", "1", 0, 14, Direction.OPTIMUM, "water pH")
    table = IndicatorTable.from_frame(frame, catalogue=CATALOGUE.extend(ph))
    assert table.values("ph").tolist() == [7.0, 7.5, 6.8, 8.0]
    with pytest.raises(ValueError, match="already in the catalogue"):
        CATALOGUE.extend(ph, CATALOGUE["npp"])


def test_coverage_reports_missing_and_unknown_parcels() -> None:
    parcels = ParcelTable.from_frame(sandiao_frame())
    indicators = IndicatorTable.from_frame(indicator_frame())
    coverage = indicators.coverage(parcels)
    assert list(coverage.unknown_parcels) == ["999"]
    assert sorted(coverage.parcels_without_indicators) == ["364", "365"]
    assert coverage.by_indicator.loc["vegetation_cover", "parcels"] == 2
    area = parcels.area()
    assert coverage.by_indicator.loc["vegetation_cover", "area_share"] == pytest.approx(
        (area[0] + area[1]) / area.sum()
    )
    aligned = indicators.aligned(parcels)
    assert list(aligned.ids) == list(parcels.ids)
    assert "parcels without any indicator: 2" in str(coverage.summary())


def test_indicator_id_column_missing() -> None:
    with pytest.raises(ValidationError, match="'parcel_id' is missing"):
        IndicatorTable.from_frame(pd.DataFrame({"npp": [1.0]}))
