"""Score sheets, aggregation, outliers, verdict rules, Delphi rounds and tamper evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from wetval import write_table
from wetval.errors import ValidationError
from wetval.review import (
    DrawRules,
    ExpertPool,
    ReviewCase,
    ReviewIntegrityError,
    ReviewRecord,
    ReviewRules,
    ReviewSheet,
    draw_panel,
    synthetic_entries,
    synthetic_pool,
)
from wetval.review.sheet import entries_frame

ASSESSMENT = "ab" * 32
CRITERIA = ["data_adequacy", "method_appropriateness", "parameter_reasonableness"]
# card weights 0.20, 0.25, 0.20, rescaled to sum 1 over the three criteria
WEIGHTS = np.array([0.20, 0.25, 0.20]) / 0.65


def make_sheet(panel_size: int = 5, **rules: Any) -> ReviewSheet:
    frame = pd.DataFrame(
        {
            "expert_id": [f"E{i:02d}" for i in range(1, 12)],
            "name": [f"专家{i}" for i in range(1, 12)],
            "fields": (["湿地", "经济金融", "生态环境"] * 4)[:11],
            "affiliation": ["示意大学（示意）"] * 11,
        }
    )
    case = ReviewCase.build(ASSESSMENT, applicant="示意建设单位", date="2024-03-01")
    draw = draw_panel(
        ExpertPool.from_frame(frame), case, DrawRules.from_card(panel_size=panel_size), seed=1
    )
    review_rules = ReviewRules.from_card(**rules)
    return ReviewSheet.build(draw, due="2024-03-15", criteria=CRITERIA, rules=review_rules)


def fill(
    sheet: ReviewSheet, scores: list[list[float]], decisions: list[str], **extra: Any
) -> pd.DataFrame:
    frame = pd.DataFrame(scores, columns=CRITERIA)
    frame.insert(0, "expert_id", list(sheet.member_ids))
    frame.insert(1, "submitted_on", extra.get("submitted", ["2024-03-14"] * len(scores)))
    frame.insert(2, "decision", decisions)
    frame["comment"] = "ok"
    frame["revisions"] = [
        "补充说明" if d in ("approve_with_revisions", "修改后通过") else "" for d in decisions
    ]
    return frame


SCORES = [[60, 50, 70], [70, 50, 75], [80, 60, 80], [90, 90, 85], [100, 95, 90]]


def test_aggregation_by_hand() -> None:
    sheet = make_sheet()
    record = ReviewRecord.build(sheet, sheet.read_entries(fill(sheet, SCORES, ["approve"] * 5)))
    stats = record.final.criteria_stats
    # data_adequacy 60..100: mean 80, drop 60 and 100 -> (70 + 80 + 90) / 3 = 80, median 80
    assert stats.loc["data_adequacy", ["mean", "trimmed_mean", "median"]].tolist() == [80, 80, 80]
    # method 50, 50, 60, 90, 95: mean 69, trimmed (50 + 60 + 90) / 3, median 60
    assert stats.loc["method_appropriateness", "mean"] == pytest.approx(69)
    assert stats.loc["method_appropriateness", "trimmed_mean"] == pytest.approx(200 / 3)
    assert stats.loc["method_appropriateness", "median"] == 60
    # parameters 70, 75, 80, 85, 90: sd (ddof 1) = sqrt(62.5), cv = sd / 80
    assert stats.loc["parameter_reasonableness", "sd"] == pytest.approx(62.5**0.5)
    assert stats.loc["parameter_reasonableness", "cv"] == pytest.approx(62.5**0.5 / 80)
    assert stats["weight"].to_numpy() == pytest.approx(WEIGHTS)
    totals = np.array(SCORES, dtype=float) @ WEIGHTS
    experts = record.to_frame()
    assert experts["total"].to_numpy() == pytest.approx(totals)
    ordered = np.sort(totals)
    assert record.final.totals["trimmed_mean"] == pytest.approx(ordered[1:4].mean())
    assert record.final.totals["consensus"] == record.final.totals["trimmed_mean"]
    assert record.final.totals["median"] == pytest.approx(ordered[2])
    # deviation of expert 1: |60-80| + |50-60| + |70-80| over 3 criteria
    assert experts.loc["E" + sheet.member_ids[0][1:], "deviation"] == pytest.approx(40 / 3)
    assert experts["days_late"].tolist() == [0] * 5


def test_outlier_flags_follow_the_modified_z_score() -> None:
    sheet = make_sheet()
    scores = [[80, 80, 80], [82, 82, 82], [78, 78, 78], [81, 81, 81], [40, 40, 40]]
    record = ReviewRecord.build(sheet, sheet.read_entries(fill(sheet, scores, ["approve"] * 5)))
    experts = record.to_frame()
    # totals equal the common score; median 80, MAD = median(0, 2, 2, 1, 40) = 2
    assert experts["modified_z"].to_numpy() == pytest.approx(
        0.6745 * np.array([0, 2, -2, 1, -40]) / 2
    )
    assert record.final.outliers == (sheet.member_ids[4],)
    assert "outlying experts" in record.advice()[0]


def test_no_outlier_when_experts_agree_closely() -> None:
    sheet = make_sheet()
    # four identical totals: MAD = 0, so any other total has an infinite modified z;
    # a gap of 5 points is below outlier_min_gap (10) and is not flagged, 12 points is
    close = [[80, 80, 80]] * 4 + [[75, 75, 75]]
    record = ReviewRecord.build(sheet, sheet.read_entries(fill(sheet, close, ["approve"] * 5)))
    assert record.final.outliers == ()
    far = [[80, 80, 80]] * 4 + [[68, 68, 68]]
    record = ReviewRecord.build(sheet, sheet.read_entries(fill(sheet, far, ["approve"] * 5)))
    assert record.final.outliers == (sheet.member_ids[4],)


@pytest.mark.parametrize(
    ("panel_size", "decisions", "score", "outcome", "required"),
    [
        (5, ["approve"] * 4 + ["reject"], 80, "approve", 4),
        (
            5,
            ["approve"] * 3 + ["approve_with_revisions", "reject"],
            80,
            "approve_with_revisions",
            4,
        ),
        (5, ["approve"] * 2 + ["approve_with_revisions"] + ["reject"] * 2, 80, "reject", 4),
        (5, ["approve"] * 5, 55, "reject", 4),  # below the pass score
        (9, ["approve"] * 6 + ["reject"] * 3, 70, "approve", 6),
        (9, ["approve"] * 5 + ["reject"] * 4, 70, "reject", 6),
        (7, ["approve"] * 5 + ["reject"] * 2, 70, "approve", 5),
        (7, ["approve"] * 4 + ["reject"] * 3, 70, "reject", 5),
    ],
)
def test_two_thirds_verdict_rule(
    panel_size: int, decisions: list[str], score: float, outcome: str, required: int
) -> None:
    sheet = make_sheet(panel_size)
    scores = [[score] * 3] * panel_size
    record = ReviewRecord.build(sheet, sheet.read_entries(fill(sheet, scores, decisions)))
    assert record.verdict.outcome == outcome
    assert record.verdict.required_votes == required
    assert record.verdict.consensus_score == pytest.approx(score)
    if outcome == "approve_with_revisions":
        assert record.verdict.revisions == (f"{sheet.member_ids[3]}: 补充说明",)


def test_verdict_rule_from_the_card_can_be_changed() -> None:
    rules = ReviewRules.from_card(approve_share="1/2", pass_score=70, consensus="median")
    assert rules.required_votes(5) == 3 and rules.required_votes(4) == 2
    assert ReviewRules.from_card().share == pytest.approx(2 / 3)
    with pytest.raises(ValidationError) as caught:
        ReviewRules.from_card(approve_share="3/2", consensus="mode", pass_score=120)
    assert len(caught.value.problems) == 3


def test_entries_are_validated_together(tmp_path: Path) -> None:
    sheet = make_sheet()
    frame = fill(sheet, SCORES, ["approve", "通过", "修改后通过", "maybe", "reject"]).astype(object)
    frame.loc[0, "expert_id"] = "STRANGER"
    frame.loc[1, "data_adequacy"] = 101
    frame.loc[2, "revisions"] = ""
    frame.loc[4, "submitted_on"] = "soon"
    frame.loc[4, "method_appropriateness"] = "n/a"
    path = write_table(frame, tmp_path / "filled.xlsx", index=False)
    with pytest.raises(ValidationError) as caught:
        sheet.read_entries(path)
    problems = caught.value.problems
    found = {(r, c) for r, c in zip(problems["reason"], problems["row"], strict=True)}
    assert found == {
        ("not a member of this panel", 2),
        ("panel member has no entry", None),
        ("score outside 0–100", 3),
        ("approval with revisions does not say which revisions", 4),
        ("decision missing or not recognised", 5),
        ("submission date missing or not a date", 6),
        ("score missing or not a number", 6),
    }
    assert "filled.xlsx" in str(caught.value)


def test_timeliness_is_counted_from_the_due_date() -> None:
    sheet = make_sheet()
    dates = ["2024-03-15", "2024/3/16", "2024-03-10", "2024年3月22日", "2024-03-15"]
    record = ReviewRecord.build(
        sheet, sheet.read_entries(fill(sheet, SCORES, ["approve"] * 5, submitted=dates))
    )
    assert record.to_frame()["days_late"].tolist() == [0, 1, 0, 7, 0]


def test_sheet_binds_the_assessment() -> None:
    sheet = make_sheet()
    draw_case = sheet.case

    class Assessment:
        hash = "cd" * 32

        def summary(self) -> str:
            return "SYNTHETIC assessment"

    with pytest.raises(ValidationError, match="not the one the panel was drawn for"):
        ReviewSheet.build(_draw_for(draw_case), due="2024-03-15", assessment=Assessment())

    class Right(Assessment):
        hash = ASSESSMENT

    built = ReviewSheet.build(_draw_for(draw_case), due="2024-03-15", assessment=Right())
    assert built.assessment_summary == "SYNTHETIC assessment"
    with pytest.raises(ValidationError, match="before the draw date"):
        ReviewSheet.build(_draw_for(draw_case), due="2024-02-01")
    with pytest.raises(ValidationError, match="unknown criterion"):
        ReviewSheet.build(
            _draw_for(draw_case), due="2024-03-15", criteria=["beauty", "data_adequacy"]
        )


def _draw_for(case: ReviewCase) -> Any:
    return draw_panel(synthetic_pool(30, seed=2), case, DrawRules.from_card(), seed=4)


def test_form_round_trip(tmp_path: Path) -> None:
    sheet = make_sheet()
    form = sheet.form()
    assert form.columns.tolist() == [
        "expert_id",
        "name",
        "submitted_on",
        "decision",
        *CRITERIA,
        "comment",
        "revisions",
    ]
    assert form["expert_id"].tolist() == list(sheet.member_ids)
    filled = fill(sheet, SCORES, ["通过"] * 5).iloc[::-1]  # any row order
    path = write_table(filled, tmp_path / "filled.csv", encoding="gbk", index=False)
    entries = sheet.read_entries(path)
    assert [e.expert_id for e in entries] == list(sheet.member_ids)
    assert {e.decision for e in entries} == {"approve"}
    assert all(e.hash_matches for e in entries)


def test_delphi_second_round() -> None:
    sheet = synthetic_sheet()
    first = ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3, outlying_experts=1))
    feedback = first.feedback()
    text = feedback.to_json() + str(feedback.summary())
    assert not any(member in text for member in sheet.member_ids)  # anonymised
    assert feedback.criteria["n"].tolist() == [5] * len(sheet.criterion_ids)
    own = first.expert_feedback(sheet.member_ids[-1])
    assert set(own["position"]) <= {"below", "within", "above"}
    assert (own["position"] == "below").any()  # the outlying expert sees it
    second_entries = synthetic_entries(sheet, seed=4, round=2, previous=first.final)
    second = first.next_round(second_entries, due="2024-04-01")
    assert len(second.rounds) == 2 and second.verdict.round == 2
    assert second.final.concordance.w >= first.final.concordance.w
    assert first.rounds[0] is second.rounds[0]
    with pytest.raises(ValidationError, match="not for round 2"):
        first.next_round(first.final.entries, due="2024-04-01")
    with pytest.raises(ValidationError, match="before round 1"):
        first.next_round(second_entries, due="2024-03-01")


def synthetic_sheet() -> ReviewSheet:
    case = ReviewCase.build(ASSESSMENT, applicant="示意建设单位", date="2024-03-01")
    draw = draw_panel(synthetic_pool(40, seed=6), case, DrawRules.from_card(), seed=12)
    return ReviewSheet.build(draw, due="2024-03-15")


def stored(record: ReviewRecord) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(record.to_json())
    return document


def entries_of(document: dict[str, Any], round_index: int = 0) -> list[dict[str, Any]]:
    rounds = document["fields"]["rounds"]["__tuple__"]
    entries: list[dict[str, Any]] = rounds[round_index]["fields"]["entries"]["__tuple__"]
    return entries


def test_json_round_trip_is_exact_and_verified() -> None:
    sheet = synthetic_sheet()
    record = ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3))
    text = record.to_json()
    back = ReviewRecord.from_json(text)
    assert back.to_json() == text
    back.verify(record.content_hash, assessment=ASSESSMENT)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("score", "does not match its entry hash"),
        ("comment", "does not match its entry hash"),
        ("score_and_entry_hash", "content hash does not match"),
        ("verdict", "stored verdict does not follow"),
        ("weight", "score sheet (panel, criteria, weights, rules or case) was altered"),
        ("total", "stored experts do not follow from the entries"),
        ("drop_entry", "one entry per member"),
    ],
)
def test_tampering_is_detected_on_load(edit: str, message: str) -> None:
    sheet = synthetic_sheet()
    record = ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3))
    document = stored(record)
    entries = entries_of(document)
    fields = entries[1]["fields"]
    if edit == "score":
        fields["scores"]["__dict__"]["data_adequacy"] = 100.0
    elif edit == "comment":
        fields["comment"] = "(edited)"
    elif edit == "score_and_entry_hash":
        # a careful forger re-hashes the entry; the record hash still catches it
        from wetval.hashing import content_hash
        from wetval.review.sheet import ReviewEntry

        entry = ReviewEntry.from_json(
            json.dumps({"format": "wetval-result/1", "type": "ReviewEntry", "fields": fields})
        )
        changed = entry.payload() | {"decision": "reject"}
        fields["decision"] = "reject"
        fields["entry_hash"] = content_hash(changed)
    elif edit == "verdict":
        verdict = document["fields"]["verdict"]["fields"]
        verdict["outcome"] = "reject" if verdict["outcome"] != "reject" else "approve"
    elif edit == "weight":
        criteria = document["fields"]["sheet"]["fields"]["criteria"]["__frame__"]
        weights = criteria["data"][criteria["columns"].index("weight")]["values"]
        weights[0], weights[1] = weights[1], weights[0]
    elif edit == "total":
        experts = document["fields"]["rounds"]["__tuple__"][0]["fields"]["experts"]["__frame__"]
        totals = experts["data"][experts["columns"].index("total")]["values"]
        totals[0] = totals[0] + 1.0
    elif edit == "drop_entry":
        del entries[1]
    with pytest.raises(ReviewIntegrityError) as caught:
        ReviewRecord.from_json(json.dumps(document, ensure_ascii=False))
    assert any(message in failure for failure in caught.value.failures), caught.value.failures


def test_a_fully_recomputed_forgery_needs_the_quoted_hash() -> None:
    sheet = synthetic_sheet()
    entries = synthetic_entries(sheet, seed=3)
    record = ReviewRecord.build(sheet, entries)
    # forging every hash from scratch is possible without a secret; the hash quoted in
    # the report or minutes is what exposes it
    forged_entries = synthetic_entries(sheet, seed=99)
    forged = ReviewRecord.build(sheet, forged_entries)
    forged.verify()
    with pytest.raises(ReviewIntegrityError, match="is not the expected"):
        forged.verify(record.content_hash)
    with pytest.raises(ReviewIntegrityError, match="not cdcdcdcdcdcd"):
        record.verify(assessment="cd" * 32)


def test_entry_from_another_sheet_is_refused() -> None:
    sheet = synthetic_sheet()
    other = make_sheet()
    foreign = other.read_entries(fill(other, SCORES, ["approve"] * 5))
    with pytest.raises(ValidationError, match="belongs to another sheet"):
        ReviewRecord.build(sheet, foreign)


def test_record_outputs_and_pool_update(tmp_path: Path) -> None:
    pool = synthetic_pool(40, seed=6)
    case = ReviewCase.build(ASSESSMENT, applicant="示意建设单位", date="2024-03-01")
    draw = draw_panel(pool, case, DrawRules.from_card(), seed=12)
    sheet = ReviewSheet.build(draw, due="2024-03-15")
    record = ReviewRecord.build(sheet, synthetic_entries(sheet, seed=3, outlying_experts=1))
    appendix = record.appendix()
    json.dumps(appendix, ensure_ascii=False)  # plain data
    assert appendix["hashes"]["record"] == record.content_hash
    assert {e["expert_id"] for e in appendix["experts"]} == set(sheet.member_ids)
    assert "Verdict:" in str(record.summary()) and "record hash" in str(record.summary())
    assert record.criteria_frame().columns[:2].tolist() == ["name_zh", "name_en"]
    import matplotlib.pyplot as plt

    ax = record.plot()
    assert ax.get_title().startswith("Expert scores")
    plt.close(ax.figure)

    updated = pool.record_review(record, by="中心")
    served = updated.history().query("kind == 'served'")
    assert sorted(served["expert_id"]) == sorted(sheet.member_ids)
    assert served["record_hash"].unique().tolist() == [record.content_hash]
    performance = updated.performance()
    member = sheet.member_ids[-1]
    assert performance.loc[member, "panels_served"] == 1
    assert performance.loc[member, "mean_deviation"] == pytest.approx(
        record.to_frame().loc[member, "deviation"]
    )
    assert performance.loc[member, "outlier_share"] == 1.0
    with pytest.raises(ValidationError, match="already in the history"):
        updated.record_review(record)
    # the next draw for the same applicant leaves this panel out
    later = ReviewCase.build("ef" * 32, applicant="示意建设单位", date="2024-05-01")
    redraw = draw_panel(updated, later, DrawRules.from_card(), seed=12)
    recent = set(redraw.excluded.query("reason == 'recent_panel'")["expert_id"])
    assert recent == set(sheet.member_ids)


def test_performance_flags_late_experts() -> None:
    pool = synthetic_pool(40, seed=6)
    for number in range(3):
        case = ReviewCase.build(f"{number:064d}", applicant=f"申请单位{number}", date="2024-03-01")
        draw = draw_panel(pool, case, DrawRules.from_card(alternates=0, field_minimums={}), seed=0)
        sheet = ReviewSheet.build(draw, due="2024-03-15")
        filled = entries_frame(synthetic_entries(sheet, seed=number), sheet.criterion_ids)
        filled["submitted_on"] = "2024-03-20"  # everyone five days late
        pool = pool.record_review(ReviewRecord.build(sheet, sheet.read_entries(filled)))
    performance = pool.performance()
    veterans = performance[performance["panels_served"] >= 3]
    assert len(veterans) >= 1  # the same seed draws the same order each time
    assert (veterans["on_time_share"] == 0).all()
    assert (veterans["mean_days_late"] == 5).all()
    assert veterans["flags"].str.contains("often late").all()
    assert (performance.loc[performance["panels_served"] < 3, "flags"] == "").all()
