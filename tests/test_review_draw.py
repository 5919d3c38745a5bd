"""Panel draws: every rule holds over random pools, draws repeat, impossible draws explain."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval.errors import ValidationError
from wetval.review import (
    DrawRules,
    ExpertPool,
    InfeasibleDrawError,
    PanelDraw,
    ReviewCase,
    ReviewIntegrityError,
    draw_panel,
    synthetic_pool,
)
from wetval.review.pool import _event

FIELDS4 = ["economics_finance", "wetland", "ecology_environment", "law"]
APPLICANT, CONTRACTOR = "申请单位甲", "修复公司乙"
ORGS = [APPLICANT, CONTRACTOR, "大学丙", "研究所丁"]
TOWNS = ["民和镇", "李渡镇", "梅庄镇"]
CASE_DATE = dt.date(2024, 6, 30)


def rarely(value: Any, one_in: int) -> st.SearchStrategy[Any]:
    """``value`` once in ``one_in`` draws, otherwise the empty list."""
    return st.sampled_from([[]] * (one_in - 1) + [value])


experts = st.fixed_dictionaries(
    {
        "fields": st.lists(st.sampled_from(FIELDS4), min_size=1, max_size=2, unique=True),
        "affiliation": st.sampled_from([APPLICANT, CONTRACTOR] + ["大学丙", "研究所丁"] * 4),
        "active": st.sampled_from([True] * 7 + [False]),
        "orgs": st.one_of(rarely([APPLICANT], 8), rarely([CONTRACTOR], 8), rarely(["大学丙"], 4)),
        "projects": st.one_of(rarely(["P1"], 8), rarely(["P2"], 4)),
        "towns": st.one_of(rarely(["民和镇"], 5), rarely(["梅庄镇"], 4)),
        "suspended": st.sampled_from([False] * 7 + [True]),
        "served_days_ago": st.one_of(st.none(), st.none(), st.integers(-30, 800)),
        "served_for_applicant": st.booleans(),
    }
)
rules_strategy = st.builds(
    lambda size, alternates, minimums, township, lookback: DrawRules(
        panel_size=size,
        alternates=alternates,
        field_minimums=dict(zip(FIELDS4[:3], minimums, strict=True)),
        exclude_same_township=township,
        applicant_lookback_days=lookback,
    ),
    st.sampled_from([5, 7]),
    st.integers(0, 2),
    st.lists(st.integers(0, 2), min_size=3, max_size=3),
    st.booleans(),
    st.sampled_from([0, 90, 365]),
)


def build_pool(specs: list[dict[str, Any]], order: list[int] | None = None) -> ExpertPool:
    rows = [
        {
            "expert_id": f"X{i:02d}",
            "name": f"专家{i}",
            "fields": "；".join(s["fields"]),
            "affiliation": s["affiliation"],
            "active": "是" if s["active"] else "否",
            "conflict_organisations": "；".join(s["orgs"]),
            "conflict_projects": "；".join(s["projects"]),
            "conflict_townships": "；".join(s["towns"]),
        }
        for i, s in enumerate(specs)
    ]
    frame = pd.DataFrame(rows)
    if order is not None:
        frame = frame.iloc[order]
    pool = ExpertPool.from_frame(frame)
    events: list[Any] = []
    for i, s in enumerate(specs):
        if s["served_days_ago"] is not None:
            on = CASE_DATE - dt.timedelta(days=s["served_days_ago"])
            details = {
                "applicant": APPLICANT if s["served_for_applicant"] else "研究所丁",
                "days_late": 0,
                "deviation": 0.0,
                "outlier": False,
            }
            events.append(_event(events, "served", f"X{i:02d}", on, "", "test", details))
        if s["suspended"] and s["active"]:
            events.append(_event(events, "suspended", f"X{i:02d}", "2024-01-01", "test", "test"))
    return replace(pool, events=tuple(events))


def case() -> ReviewCase:
    return ReviewCase.build(
        "f" * 64,
        applicant=APPLICANT,
        date=CASE_DATE,
        contractor=CONTRACTOR,
        projects=["P1"],
        townships=["民和镇"],
    )


def eligible_by_hand(specs: list[dict[str, Any]], rules: DrawRules) -> list[str]:
    """An independent reading of the exclusion rules."""
    ids = []
    for i, s in enumerate(specs):
        conflicted = (
            not s["active"]
            or s["suspended"]
            or s["affiliation"] in (APPLICANT, CONTRACTOR)
            or bool(set(s["orgs"]) & {APPLICANT, CONTRACTOR})
            or "P1" in s["projects"]
            or (rules.exclude_same_township and "民和镇" in s["towns"])
            or (
                s["served_days_ago"] is not None
                and s["served_for_applicant"]
                and 0 <= s["served_days_ago"] <= rules.applicant_lookback_days
            )
        )
        if not conflicted:
            ids.append(f"X{i:02d}")
    return ids


def meets(panel: list[str], fields: dict[str, set[str]], minimums: dict[str, int]) -> bool:
    return all(sum(f in fields[e] for e in panel) >= n for f, n in minimums.items())


@given(st.lists(experts, min_size=3, max_size=14), rules_strategy, st.integers(0, 2**32 - 1))
def test_draw_respects_every_rule_and_repeats(
    specs: list[dict[str, Any]], rules: DrawRules, seed: int
) -> None:
    pool = build_pool(specs)
    eligible = eligible_by_hand(specs, rules)
    fields = {f"X{i:02d}": set(s["fields"]) for i, s in enumerate(specs)}
    k, minimums = rules.panel_size, rules.field_minimums
    feasible = len(eligible) >= k + rules.alternates and any(
        meets(list(c), fields, minimums) for c in itertools.combinations(eligible, k)
    )
    if not feasible:
        with pytest.raises(InfeasibleDrawError) as caught:
            draw_panel(pool, case(), rules, seed=seed)
        shortfalls = caught.value.shortfalls
        assert shortfalls
        for name, need in minimums.items():
            have = sum(name in fields[e] for e in eligible)
            if have < need:
                assert shortfalls[name] == need - have
                assert f"{name} (" in str(caught.value) and f"short by {need - have}" in str(
                    caught.value
                )
        return

    draw = draw_panel(pool, case(), rules, seed=seed)
    members, alternates = list(draw.member_ids), list(draw.alternate_ids)
    # size, oddness, uniqueness, alternates
    assert len(members) == k and k % 2 == 1 and len(set(members)) == k
    assert len(alternates) == rules.alternates and not set(members) & set(alternates)
    # nobody conflicted, every exclusion justified, every minimum met
    assert set(members) | set(alternates) <= set(eligible)
    assert set(draw.excluded["expert_id"]) == set(pool.ids) - set(eligible)
    assert meets(members, fields, minimums)
    # the random order is the sorted eligible ids permuted by the seed
    rng = np.random.default_rng(seed)
    assert list(draw.order) == [sorted(eligible)[i] for i in rng.permutation(len(eligible))]
    # the panel is the first panel in that order that can still meet the minimums
    chosen: list[str] = []
    for position, expert in enumerate(draw.order):
        if len(chosen) == k:
            break
        later = draw.order[position + 1 :]
        if any(
            meets([*chosen, expert, *rest], fields, minimums)
            for rest in itertools.combinations(later, k - len(chosen) - 1)
        ):
            chosen.append(expert)
    assert members == chosen
    # alternates: first one per field that rests on the panel exactly, then the next in order
    rest = [e for e in draw.order if e not in chosen]
    tight = {f for f, n in minimums.items() if n > 0 and sum(f in fields[e] for e in chosen) == n}
    expected: list[str] = []
    for expert in rest:
        if len(expected) == rules.alternates or not tight:
            break
        if fields[expert] & tight:
            expected.append(expert)
            tight -= fields[expert]
    expected += [e for e in rest if e not in expected][: rules.alternates - len(expected)]
    assert alternates == [e for e in rest if e in expected]
    # a withdrawing member is replaced whenever some eligible expert keeps the minimums
    leaving = members[seed % k]
    stays = [e for e in members if e != leaving]
    fits = [e for e in rest if meets([*stays, e], fields, minimums)]
    if fits:
        after = draw.replace(leaving, "withdrew")
        incoming = after.replacements[0]["in"]
        fitting_alternates = [e for e in alternates if e in fits]
        assert incoming == (fitting_alternates or fits)[0]
        assert after.replacements[0]["source"] == ("alternates" if fitting_alternates else "order")
        assert meets(list(after.member_ids), fields, minimums) and leaving not in after.member_ids
        after.verify(pool)
    else:
        with pytest.raises(InfeasibleDrawError):
            draw.replace(leaving, "withdrew")
    # same seed, same draw; the roster's row order does not matter
    again = draw_panel(pool, case(), rules, seed=seed)
    shuffled = build_pool(specs, order=list(reversed(range(len(specs)))))
    assert shuffled.hash == pool.hash
    assert again.draw_hash == draw.draw_hash
    assert draw_panel(shuffled, case(), rules, seed=seed).draw_hash == draw.draw_hash
    draw.verify(pool)


def small_pool() -> ExpertPool:
    frame = pd.DataFrame(
        {
            "专家编号": ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"],
            "姓名": [f"专家{i}" for i in range(1, 9)],
            "专业领域": [
                "湿地",
                "湿地、生态环境",
                "经济金融",
                "经济金融",
                "生态环境",
                "法律",
                "工程",
                "湿地",
            ],
            "工作单位": [
                "大学丙",
                APPLICANT,
                "研究所丁",
                "大学丙",
                "研究所丁",
                "大学丙",
                CONTRACTOR,
                "研究所丁",
            ],
            "回避乡镇": ["", "", "", "民和镇", "", "", "", ""],
        }
    )
    return ExpertPool.from_frame(frame)


def test_impossible_draw_names_the_short_field() -> None:
    rules = DrawRules(panel_size=5, alternates=0, field_minimums={"wetland": 3})
    with pytest.raises(InfeasibleDrawError) as caught:
        draw_panel(small_pool(), case(), rules, seed=1)
    # wetland experts: E1, E2, E8; E2 works for the applicant
    assert caught.value.shortfalls == {"wetland": 1}
    message = str(caught.value)
    assert "wetland (湿地): 2 eligible, the rules need 3 — short by 1" in message
    assert "1 employed by or declared a conflict with the applicant" in message


def test_short_panel_alternates_and_combination() -> None:
    pool = small_pool()
    # eligible: E1 E3 E5 E6 E8 (E2 applicant, E4 township, E7 contractor)
    with pytest.raises(InfeasibleDrawError) as caught:
        draw_panel(pool, case(), DrawRules(panel_size=7, alternates=0, field_minimums={}), seed=1)
    assert caught.value.shortfalls == {"panel": 2}
    with pytest.raises(InfeasibleDrawError) as caught:
        draw_panel(pool, case(), DrawRules(panel_size=5, alternates=2, field_minimums={}), seed=1)
    assert caught.value.shortfalls == {"alternates": 2}
    # with E4 (township) eligible too: six experts of one field each, six seats needed
    rules = DrawRules(
        panel_size=5,
        alternates=0,
        field_minimums={"wetland": 2, "economics_finance": 2, "ecology_environment": 1, "law": 1},
        exclude_same_township=False,
    )
    with pytest.raises(InfeasibleDrawError) as caught:
        draw_panel(pool, case(), rules, seed=1)
    assert caught.value.shortfalls == {"combination": 1}
    assert "takes 6 members, the panel has 5" in str(caught.value)


def test_exclusions_are_recorded_with_reasons() -> None:
    draw = draw_panel(small_pool(), case(), DrawRules(5, 0, {"wetland": 1}), seed=5)
    reasons = dict(zip(draw.excluded["expert_id"], draw.excluded["reason"], strict=True))
    assert reasons == {"E2": "applicant", "E4": "township", "E7": "contractor"}
    relaxed = DrawRules(5, 0, {"wetland": 1}, exclude_same_township=False)
    assert "E4" not in set(draw_panel(small_pool(), case(), relaxed, seed=5).excluded["expert_id"])
    assert "Excluded: 3 experts" in str(draw.summary())


def test_suspensions_count_as_of_the_case_date() -> None:
    pool = small_pool()  # E1 is eligible for case()
    rules = DrawRules(5, 0, {"wetland": 1}, exclude_same_township=False)  # six eligible
    later = pool.suspend("E1", "逾期", on=CASE_DATE + dt.timedelta(days=1))
    draw = draw_panel(later, case(), rules, seed=5)
    assert "E1" not in set(draw.excluded["expert_id"])
    on_the_day = pool.suspend("E1", "逾期", on=CASE_DATE)
    draw = draw_panel(on_the_day, case(), rules, seed=5)
    assert dict(zip(draw.excluded["expert_id"], draw.excluded["reason"], strict=True))["E1"] == (
        "suspended"
    )
    lifted = on_the_day.reinstate("E1", "已整改", on=CASE_DATE + dt.timedelta(days=30))
    draw = draw_panel(lifted, case(), rules, seed=5)
    assert "E1" in set(draw.excluded["expert_id"])  # still suspended on the case date


def test_recent_panels_for_the_same_applicant_are_excluded() -> None:
    pool = small_pool()
    details = {"applicant": f" {APPLICANT} ", "days_late": 0, "deviation": 0.0, "outlier": False}
    events = [_event([], "served", "E1", CASE_DATE - dt.timedelta(days=100), "", "", details)]
    other = details | {"applicant": "研究所丁"}
    events.append(_event(events, "served", "E3", CASE_DATE - dt.timedelta(days=10), "", "", other))
    old = details.copy()
    events.append(_event(events, "served", "E5", CASE_DATE - dt.timedelta(days=400), "", "", old))
    pool = replace(pool, events=tuple(events))
    draw = draw_panel(pool, case(), DrawRules(5, 0, {}, exclude_same_township=False), seed=2)
    recent = draw.excluded.query("reason == 'recent_panel'")
    assert recent["expert_id"].tolist() == ["E1"]
    assert "2024-03-22" in recent["detail"].iloc[0]


def test_seed_fixes_the_panel_and_different_seeds_vary() -> None:
    pool = synthetic_pool(80, seed=4)
    rules = DrawRules.from_card()
    panels = {draw_panel(pool, case(), rules, seed=s).member_ids for s in range(12)}
    assert len(panels) > 6
    assert (
        draw_panel(pool, case(), rules, seed=3).draw_hash
        == draw_panel(pool, case(), rules, seed=3).draw_hash
    )
    with pytest.raises(ValueError, match="seed"):
        draw_panel(pool, case(), rules, seed=-1)


def test_replacement_keeps_minimums_and_is_replayed_by_verify() -> None:
    pool = synthetic_pool(60, seed=8)
    draw = draw_panel(pool, case(), DrawRules.from_card(alternates=3), seed=21)
    member = draw.member_ids[1]
    replaced = draw.replace(member, "illness / 因病不能参加")
    assert member not in replaced.member_ids and len(replaced.member_ids) == 5
    incoming = replaced.replacements[0]["in"]
    assert incoming in draw.alternate_ids and incoming not in replaced.alternate_ids
    assert replaced.draw_hash != draw.draw_hash
    replaced.verify(pool)
    with pytest.raises(ValidationError, match="not a panel member"):
        replaced.replace(member, "again")
    with pytest.raises(ValidationError, match="needs a reason"):
        replaced.replace(replaced.member_ids[0], " ")


def test_replacement_without_a_fitting_alternate() -> None:
    # two economists in the pool and the rules need both: no alternate can stand in
    frame = pd.DataFrame(
        {
            "expert_id": list("ABCDEFG"),
            "name": list("ABCDEFG"),
            "fields": ["经济金融", "经济金融", "湿地", "生态环境", "法律", "湿地", "工程"],
            "affiliation": ["大学丙"] * 7,
        }
    )
    rules = DrawRules(5, 2, {"economics_finance": 2})
    draw = draw_panel(ExpertPool.from_frame(frame), case(), rules, seed=0)
    assert {"A", "B"} <= set(draw.member_ids)
    with pytest.raises(InfeasibleDrawError, match="economics_finance would have 1 of 2") as caught:
        draw.replace("A", "withdrew")
    assert caught.value.shortfalls == {"economics_finance": 1}


def test_verify_detects_a_changed_pool_and_accepts_a_grown_history() -> None:
    pool = synthetic_pool(40, seed=2)
    draw = draw_panel(pool, case(), DrawRules.from_card(), seed=9)
    grown = pool.suspend(draw.member_ids[0], "late twice", on="2024-07-10")
    draw.verify(grown)  # the pool is taken as it was at the draw
    edited = pool.with_roster(pool.roster().assign(title="教授"))
    with pytest.raises(ReviewIntegrityError, match="not the pool drawn from"):
        draw.verify(edited)


def test_stored_draw_is_checked_when_read() -> None:
    draw = draw_panel(synthetic_pool(40, seed=2), case(), DrawRules.from_card(), seed=9)
    text = draw.to_json()
    assert PanelDraw.from_json(text).draw_hash == draw.draw_hash
    tampered = text.replace(draw.member_ids[0], draw.alternate_ids[0], 1)
    with pytest.raises(ReviewIntegrityError, match="does not match its draw hash"):
        PanelDraw.from_json(tampered)


def test_rules_are_validated() -> None:
    with pytest.raises(ValidationError) as caught:
        DrawRules(panel_size=4, alternates=-1, field_minimums={"astrology": 1, "wetland": 9})
    message = str(caught.value)
    assert "odd and at least 5" in message and "unknown field" in message
    # every problem says how to fix it
    assert message.count("fix: ") == len(caught.value.problems) == 4
    for size in (1, 3, 6):
        with pytest.raises(ValidationError, match=r"招标投标法 Art\. 37"):
            DrawRules(panel_size=size, alternates=0, field_minimums={})
    with pytest.raises(ValidationError, match="odd and at least 5"):
        DrawRules.from_card(panel_size=3)
    assert "alternates cannot be negative" in message and "whole number from 0" in message
    rules = DrawRules.from_card(panel_size=7)
    assert rules.panel_size == 7 and rules.field_minimums["wetland"] == 1
    assert rules.card is not None and rules.card.id == "review-jinxian"
    with pytest.raises(TypeError, match="unknown draw rules"):
        DrawRules.from_card(size=7)


def test_case_validation() -> None:
    with pytest.raises(ValidationError) as caught:
        ReviewCase.build("has space", applicant=" ", date="2024-13-01")
    assert len(caught.value.problems) == 3

    class Report:
        report_id = "RPT-2024-001"
        title = "示意评估报告"

    built = ReviewCase.build(Report(), applicant=APPLICANT, date="2024年6月30日")
    assert built.assessment_hash == "RPT-2024-001" and built.assessment_label == "示意评估报告"
    assert built.date == "2024-06-30"
