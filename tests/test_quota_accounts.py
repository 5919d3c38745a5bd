"""Quota credits, debits and the area-and-quality balance, on hand-built parcels.

Every expected number is computed by hand from the rules of the ``quota-jinxian``
card (quality factors 优 1.0 / 良 0.8 / 中 0.6 / 差 0.4; T-factor of UMAM Table 1;
risk low 1.0 / medium 1.25 / high 1.5; cross-county 0.75), with areas in whole 亩.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quota_helpers import condition, credit, debit, parcels
from wetval.cards import load_card
from wetval.errors import ValidationError, WetvalError
from wetval.quota import (
    BalanceReport,
    QuotaCredits,
    account_credits,
    account_debits,
    account_quotas,
    balance,
)


def test_credit_units_by_hand() -> None:
    table = parcels(
        [
            # 9 亩, 优, 3 years to target (T = 1.07), medium risk (1.25)
            credit("R1", "民和镇", "1104", 9, years_to_target=3, risk_class="medium"),
            # 18 亩, 良, completed before the occupation (先补后占: T = 1), low risk
            credit("R2", "李渡镇", "1108", 18, compensated_first=True, risk_class="low"),
            # aquaculture pond without a target class: not legal wetland (湿地保护法 Art. 2)
            credit("R3", "民和镇", "1104A", 6),
            # the same pond restored to a pond (退养还湿): eligible, 5.5 years -> row 6-10, T = 1.25
            credit("R4", "民和镇", "1104A", 6, target_class="1104", years_to_target=5.5,
                   risk_class="high"),
            # paddy can never generate quota, even with a target class of paddy
            credit("R5", "民和镇", "0101", 3, target_class="0101"),
        ]
    )  # fmt: skip
    result = account_credits(
        table, condition({"R1": "优", "R2": "良", "R3": "良", "R4": "中", "R5": "优"})
    )
    units = result.table["units"]
    assert units["R1"] == pytest.approx(round(9 * 1.0 * 1.0 / (1.07 * 1.25), 4))
    assert units["R2"] == pytest.approx(18 * 0.8)
    assert units["R3"] == 0.0 and not result.table.loc["R3", "eligible"]
    assert "Art. 2" in result.table.loc["R3", "reason"]
    assert units["R4"] == pytest.approx(round(6 * 0.6 / (1.25 * 1.5), 4))
    assert units["R5"] == 0.0
    assert result.total_units == pytest.approx(units.sum())
    projects = result.by_project()
    assert projects.loc["R01", "eligible_parcels"] == 3
    assert "Not eligible (2)" in str(result.summary())


def test_quality_basis_index_uses_the_condition_index() -> None:
    card = load_card("quota-jinxian")
    by_index = card.model_copy(update={"options": {**card.options, "quality_basis": "index"}})
    table = parcels([credit("R1", "民和镇", "1108", 10, compensated_first=True, risk_class="low")])
    result = account_credits(table, condition({"R1": "良"}, index=0.55), by_index)
    assert result.table.loc["R1", "units"] == pytest.approx(5.5)


def test_debits_levels_and_article_19() -> None:
    table = parcels(
        [
            debit("O1", "民和镇", "1104", 3, "general", "P01"),
            debit("O2", "梅庄镇", "1102", 5, "national", "P02", kind="tourism"),
            debit("O3", "梅庄镇", "1102", 5, "national", "P03", kind="water_conservancy"),
            debit("O4", "民和镇", "1104A", 4, "general", "P01"),
        ]
    )
    result = account_debits(table, condition({"O1": "中", "O2": "优", "O3": "良", "O4": "良"}))
    frame = result.table
    assert frame.loc["O1", "units"] == pytest.approx(3 * 0.6)
    assert not frame.loc["O2", "permissible"] and frame.loc["O2", "units"] == 0.0
    assert "Art. 19" in frame.loc["O2", "reason"]
    assert frame.loc["O3", "permissible"] and frame.loc["O3", "units"] == pytest.approx(4.0)
    # occupying an aquaculture pond needs no quota (not legal wetland)
    assert not frame.loc["O4", "needs_quota"] and frame.loc["O4", "units"] == 0.0
    assert list(result.not_permissible().index) == ["O2"]
    assert "Not permissible: parcel O2" in str(result.summary())


def test_debits_project_types_from_a_project_table() -> None:
    rows = [debit("O1", "梅庄镇", "1102", 2, "national", "P09")]
    del rows[0]["project_type"]
    projects = pd.DataFrame({"project_id": ["P09"], "project_type": ["disaster_prevention"]})
    result = account_debits(parcels(rows), condition({"O1": "优"}), projects=projects)
    assert result.table.loc["O1", "permissible"]


def test_errors_name_every_offending_parcel() -> None:
    table = parcels(
        [
            credit("R1", "民和镇", "1104", 9, years_to_target=-1),
            credit("R2", "民和镇", "1104", 9, risk_class="extreme"),
            credit("R3", "民和镇", "1104", 9, target_class="9999"),
        ]
    )
    with pytest.raises(ValidationError) as caught:
        account_credits(table, condition({"R1": "优", "R2": "优", "R3": "优"}))
    problems = caught.value.problems
    assert set(problems["parcel_id"]) == {"R1", "R2", "R3"}
    assert set(problems["column"]) == {"years_to_target", "risk_class", "target_class"}
    with pytest.raises(ValidationError) as caught:
        account_credits(table, condition({"R1": "优", "R2": "A+"}))
    text = str(caught.value)
    assert "no condition grade" in text and "R3" in text and "A+" in text
    with pytest.raises(ValidationError) as caught:
        account_credits(table, condition({"R1": "优"}).drop(columns="index"))
    # a missing column is named as such, not pinned on a row
    assert caught.value.problems[["row", "column"]].to_dict("records") == [
        {"row": None, "column": "index"}
    ]


def test_debits_need_level_and_project_type() -> None:
    row = debit("O1", "民和镇", "1104", 3, "general", "P01")
    row["wetland_level"] = None
    row["project_type"] = None
    with pytest.raises(ValidationError, match="重要湿地名录") as caught:
        account_debits(parcels([row]), condition({"O1": "中"}))
    assert set(caught.value.problems["column"]) == {"wetland_level", "project_type"}


def _sample() -> tuple[QuotaCredits, object]:
    table = parcels(
        [
            credit("C1", "民和镇", "1104", 9, compensated_first=True, risk_class="low"),
            credit("C2", "李渡镇", "1104", 9, compensated_first=True, risk_class="low"),
            credit("C3", "民和镇", "1106", 6, compensated_first=True, risk_class="low"),
            debit("D1", "民和镇", "1104", 3, "general", "P01"),
            debit("D2", "李渡镇", "1106", 6, "provincial", "P03"),
            debit("D3", "李渡镇", "1104", 4, "general", "P02"),
        ]
    )
    grades = {"C1": "良", "C2": "优", "C3": "中", "D1": "中", "D2": "良", "D3": "良"}
    accounts = account_quotas(table, "quota-jinxian", condition=condition(grades))
    return accounts.credits, accounts.debits


def test_balance_matches_and_names_shortfalls() -> None:
    credit_table, debit_table = _sample()
    report = balance(credit_table, debit_table)  # type: ignore[arg-type]
    # three balances, by hand: areas 9+9+6 vs 3+6+4; quality-weighted 0.8*9+1*9+0.6*6 vs
    # 0.6*3+0.8*6+0.8*4; units equal quality-weighted area here (T = 1, low risk)
    assert report.balances.loc["area_mu"].tolist() == pytest.approx([24, 13, 11])
    assert report.balances.loc["quality_weighted_mu"].tolist() == pytest.approx([19.8, 9.8, 10.0])
    assert report.balances.loc["units"].tolist() == pytest.approx([19.8, 9.8, 10.0])
    matches = report.matches.set_index("debit_parcel")
    # D1 (中, 民和镇): same-township credits first, closest grade first -> C3 (中), half of it
    assert matches.loc["D1", "credit_parcel"] == "C3"
    assert matches.loc["D1", "credit_share"] == pytest.approx(0.5)
    assert matches.loc["D1", "location"] == "same_township"
    # D3 (良, 李渡镇): C2 (优) is in the same township; 4 亩 of 9 satisfies area and units
    assert matches.loc["D3", "credit_parcel"] == "C2"
    assert matches.loc["D3", "credit_share"] == pytest.approx(4 / 9)
    assert matches.loc["D3", "units_delivered"] == pytest.approx(4.0)
    # D2 is provincial (important) wetland of type 'flat': the only flat credit (C3, 中) is of
    # a lower grade than D2 (良) -> no like-for-like credit, named shortfall
    assert "D2" not in matches.index
    assert not report.balanced
    shortfall = report.shortfalls.loc["P03"]
    assert shortfall["units_shortfall"] == pytest.approx(4.8)
    assert shortfall["area_shortfall_mu"] == pytest.approx(6.0)
    assert "like-for-like" in str(shortfall["reason"])
    assert report.projects.loc[["P01", "P02"], "balanced"].all()
    unused = report.unused_credits["units_left"]
    assert unused.to_dict() == pytest.approx({"C1": 7.2, "C2": 5.0, "C3": 1.8})
    assert "Shortfall P03" in str(report.summary())


def test_cross_county_location_factor_and_switch() -> None:
    table = parcels(
        [
            credit("C3", "民和镇", "1106", 6, compensated_first=True, risk_class="low"),
            debit("D4", "某镇", "1104", 3, "general", "P04", county="360100"),
        ]
    )
    grades = condition({"C3": "中", "D4": "差"})
    accounts = account_quotas(table, condition=grades)
    report = balance(accounts.credits, accounts.debits)
    match = report.matches.iloc[0]
    # needs 3 亩 and 3 * 0.4 = 1.2 units; C3 delivers 3.6 * 0.75 units per whole parcel,
    # so the area (3 of 6 亩) binds: share 0.5, units 0.5 * 3.6 * 0.75 = 1.35
    assert match["location"] == "cross_county" and match["location_factor"] == 0.75
    assert match["credit_share"] == pytest.approx(0.5)
    assert match["units_delivered"] == pytest.approx(1.35)
    assert report.balanced
    card = load_card("quota-jinxian")
    local = card.model_copy(update={"options": {**card.options, "allow_cross_county": False}})
    accounts = account_quotas(table, local, condition=grades)
    report = balance(accounts.credits, accounts.debits)
    assert not report.balanced
    assert "cross-county not allowed" in str(report.shortfalls.loc["P04", "reason"])


def test_shortfall_of_an_occupation_without_project_keeps_its_reason() -> None:
    table = parcels(
        [
            credit("C1", "民和镇", "1104", 1, compensated_first=True, risk_class="low"),
            debit("D1", "民和镇", "1104", 5, "general", None),  # type: ignore[arg-type]
        ]
    )
    grades = condition({"C1": "优", "D1": "优"})
    report = balance(account_credits(table, grades), account_debits(table, grades))
    # the reason was filed under the missing id and the '(no project)' row showed none
    reason = str(report.shortfalls.loc["(no project)", "reason"])
    assert reason.startswith("D1: eligible credits ran out (4.0000 units")


def test_balance_refuses_mixed_cards() -> None:
    credit_table, debit_table = _sample()
    card = load_card("quota-jinxian")
    other = card.model_copy(update={"version": "9.0.0"})
    mixed = QuotaCredits(table=credit_table.table, card=other)
    with pytest.raises(WetvalError, match=r"quota-jinxian@9\.0\.0 but debits use quota-jinxian@1"):
        balance(mixed, debit_table)  # type: ignore[arg-type]


@given(st.permutations(["C1", "C2", "C3"]))
def test_matching_does_not_depend_on_credit_order(order: list[str]) -> None:
    credit_table, debit_table = _sample()
    shuffled = QuotaCredits(table=credit_table.table.loc[order], card=credit_table.card)
    first = balance(credit_table, debit_table).matches  # type: ignore[arg-type]
    second = balance(shuffled, debit_table).matches  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(first, second)


def test_results_round_trip_json_and_plot() -> None:
    credit_table, debit_table = _sample()
    report = balance(credit_table, debit_table)  # type: ignore[arg-type]
    again = BalanceReport.from_json(report.to_json())
    pd.testing.assert_frame_equal(again.matches, report.matches)
    assert again.card.hash == report.card.hash
    restored = QuotaCredits.from_json(credit_table.to_json())
    pd.testing.assert_frame_equal(restored.table, credit_table.table)
    import matplotlib.pyplot as plt

    ax = report.plot()
    assert len(ax.patches) == 4 * len(report.projects)
    plt.close(ax.figure)


def test_sample_county_flags_the_wharf_on_national_wetland(county) -> None:  # type: ignore[no-untyped-def]
    ids = county.parcels.ids
    grades = pd.DataFrame(
        {"grade": np.resize(["优", "良", "中", "差"], len(ids)), "index": 0.6}, index=ids
    )
    accounts = account_quotas(county.parcels, condition=grades, projects=county.projects)
    bad = accounts.debits.not_permissible()
    assert set(bad["project_id"]) == {"P04"}  # the SYNTHETIC tourist wharf on national wetland
    assert (bad["wetland_level"] == "national").all()
    report = balance(accounts.credits, accounts.debits)
    assert "P04" in report.projects.index  # its provincial parcels are still matched


# 先补后占 flag spellings: T = 1 only where the cell says yes; empty means no
_YES = ["是", "yes", "y", "true", "t", "1", True, 1, 1.0]
_NO = ["否", "no", "n", "false", "f", "0", False, 0, 0.0]


def _recased(word: object, upper: list[bool], pad: str) -> object:
    if not isinstance(word, str):
        return word
    return pad + "".join(c.upper() if u else c for c, u in zip(word, upper, strict=False)) + pad


@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 8), st.lists(st.booleans(), min_size=5,
             max_size=5), st.sampled_from(["", " ", "\t"])), min_size=1, max_size=6)
)  # fmt: skip
def test_compensated_first_spellings_are_read_as_yes_or_no(
    cells: list[tuple[bool, int, list[bool], str]],
) -> None:
    rows, grades, expected = [], {}, []
    for number, (yes, pick, upper, pad) in enumerate(cells):
        word = _recased((_YES if yes else _NO)[pick], upper, pad)
        rows.append(credit(f"R{number}", "民和镇", "1108", 9, compensated_first=word,
                           years_to_target=20))  # fmt: skip
        grades[f"R{number}"] = "良"
        expected.append(yes)
    frame = account_credits(parcels(rows), condition(grades)).table
    assert frame["compensated_first"].tolist() == expected
    # 20 years to target: T = 1.68 (card time_lag row 16-20) unless compensated first
    assert frame["time_lag_factor"].tolist() == [1.0 if yes else 1.68 for yes in expected]


def test_compensated_first_empty_is_no_and_unreadable_values_are_named() -> None:
    rows = [
        credit("R1", "民和镇", "1108", 9, compensated_first=None, years_to_target=20),
        credit("R2", "民和镇", "1108", 9, compensated_first="  ", years_to_target=20),
    ]
    frame = account_credits(parcels(rows), condition({"R1": "良", "R2": "良"})).table
    assert not frame["compensated_first"].any()
    rows += [
        credit("R3", "民和镇", "1108", 9, compensated_first="maybe"),
        credit("R4", "民和镇", "1108", 9, compensated_first="已完成"),
        credit("R5", "民和镇", "1108", 9, compensated_first=2),
    ]
    with pytest.raises(ValidationError, match="是/否") as caught:
        account_credits(
            parcels(rows), condition(dict.fromkeys(["R1", "R2", "R3", "R4", "R5"], "良"))
        )
    problems = caught.value.problems
    assert problems[["parcel_id", "column"]].to_dict("records") == [
        {"parcel_id": p, "column": "compensated_first"} for p in ("R3", "R4", "R5")
    ]
    assert problems["value"].tolist() == ["maybe", "已完成", 2]


def test_project_types_accept_the_cards_names_and_refuse_unknown_ones_on_national_wetland() -> None:
    # quota-jinxian tables.project_types: ids, name_zh and name_en are aliases (湿地保护法 Art. 19)
    kinds = ["水利", "Water Conservancy", " disaster-prevention ", "旅游", "TOURISM"]
    rows = [
        debit(f"O{i}", "梅庄镇", "1102", 2, "national", "P01", kind=k) for i, k in enumerate(kinds)
    ]
    frame = account_debits(parcels(rows), condition(dict.fromkeys(frame_ids(rows), "良"))).table
    assert frame["project_type"].tolist() == [
        "water_conservancy", "water_conservancy", "disaster_prevention", "tourism", "tourism",
    ]  # fmt: skip
    assert frame["permissible"].tolist() == [True, True, True, False, False]
    unknown = [
        debit("N1", "梅庄镇", "1102", 2, "national", "P01", kind="dam"),
        debit("N2", "梅庄镇", "1102", 2, "national", "P01", kind="nationl major"),
        debit("G1", "民和镇", "1104", 2, "general", "P01", kind="dam"),  # general: no Art. 19 test
    ]
    with pytest.raises(ValidationError, match="water_conservancy \\(水利\\)") as caught:
        account_debits(parcels(unknown), condition(dict.fromkeys(frame_ids(unknown), "良")))
    problems = caught.value.problems
    assert problems[["parcel_id", "column", "value"]].to_dict("records") == [
        {"parcel_id": "N1", "column": "project_type", "value": "dam"},
        {"parcel_id": "N2", "column": "project_type", "value": "nationl major"},
    ]


def frame_ids(rows: list[dict[str, object]]) -> list[str]:
    return [str(row["parcel_id"]) for row in rows]
