"""The expert pool: roster import/export, validation, managed history, performance."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from wetval.errors import ValidationError
from wetval.review import ExpertPool, ReviewIntegrityError, read_pool, synthetic_pool
from wetval.review.fields import FIELDS, parse_fields, split_list

ROSTER = """专家编号,姓名,专业领域,工作单位,职称,是否有效,回避单位,回避项目,回避乡镇
E01,张某某,湿地；生态环境,示意大学（示意）,教授,是,,,
E02,李某某,economics and finance,示意银行（示意）,高级经济师,否,示意建设单位,,梅庄镇
E03,王某某,"法律, 资产评估",示意律所（示意）,律师,,示意建设单位、示意修复公司,P01,
"""


def test_roster_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="gbk")
    pool = read_pool(path)
    assert pool.ids == ("E01", "E02", "E03")
    e01, e02, e03 = pool.experts
    assert e01.fields == ("wetland", "ecology_environment")
    assert e02.fields == ("economics_finance",) and not e02.active
    assert e02.conflict_townships == ("梅庄镇",)
    assert e03.active  # blank means active
    assert e03.fields == ("asset_appraisal", "law")  # report order
    assert e03.conflict_organisations == ("示意建设单位", "示意修复公司")
    assert pool.status().to_dict() == {"E01": "active", "E02": "inactive", "E03": "active"}
    assert "3 experts — 2 active, 0 suspended, 1 inactive" in str(pool.summary())


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_write_and_read_back(tmp_path: Path, suffix: str) -> None:
    pool = synthetic_pool(30, seed=5).suspend("SYN-E003", "未按时提交", on="2024-05-01")
    path = pool.write(tmp_path / f"pool{suffix}")
    back = read_pool(path)
    assert back.experts == pool.experts
    if suffix == ".json":
        assert back.hash == pool.hash and back.synthetic
        assert back.status()["SYN-E003"] == "suspended"
    else:
        assert back.events == ()  # a roster carries no history


def test_roster_problems_are_reported_together(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "expert_id": ["E1", "E1", "", "E4", "E5"],
            "name": ["a", "b", "c", "", "e"],
            "fields": ["湿地", "astrology; 湿地", "湿地", "", "law"],
            "affiliation": ["x", "y", "z", "w", ""],
            "active": ["是", "maybe", "1", "0", "no"],
        }
    )
    with pytest.raises(ValidationError) as caught:
        ExpertPool.from_frame(frame, source="roster.xlsx", first_row=2)
    problems = caught.value.problems
    found = set(zip(problems["reason"], problems["row"], strict=True))
    assert found == {
        ("duplicate expert id", 2),
        ("duplicate expert id", 3),
        ("missing expert id", 4),
        ("missing name", 5),
        ("missing affiliation", 6),
        ("no field given", 5),
        ("unknown field", 3),
        ("active flag not recognised", 3),
    }
    message = str(caught.value)
    assert "roster.xlsx" in message and "wetland (湿地)" in message
    with pytest.raises(ValidationError, match="required column 'affiliation' is missing"):
        ExpertPool.from_frame(pd.DataFrame({"id": ["E1"], "姓名": ["a"], "领域": ["湿地"]}))


def test_field_vocabulary() -> None:
    assert parse_fields("湿地、Wetland；法律|unknown") == (("wetland", "law"), ("unknown",))
    assert split_list(None) == () and split_list(" a ;; b\nc ") == ("a", "b", "c")
    assert len({f.id for f in FIELDS}) == len(FIELDS)
    assert {"economics_finance", "wetland", "ecology_environment"} <= {f.id for f in FIELDS}


def test_suspension_history_is_append_only() -> None:
    pool = synthetic_pool(20, seed=1)
    suspended = pool.suspend("SYN-E001", "连续两次逾期提交", on="2024-04-01", by="中心")
    assert pool.events == () and pool.status()["SYN-E001"] == "active"  # unchanged
    assert suspended.status()["SYN-E001"] == "suspended"
    reinstated = suspended.reinstate("SYN-E001", "已说明情况", on="2024-06-01")
    assert reinstated.status()["SYN-E001"] == "active"
    history = reinstated.history()
    assert history[["kind", "reason"]].to_numpy().tolist() == [
        ["suspended", "连续两次逾期提交"],
        ["reinstated", "已说明情况"],
    ]
    assert reinstated.events[1].prev_hash == reinstated.events[0].hash
    reinstated.verify()
    assert len({pool.hash, suspended.hash, reinstated.hash}) == 3
    assert reinstated.until(1).hash == suspended.hash


def test_history_is_dated_in_order_and_status_holds_on_a_date() -> None:
    pool = synthetic_pool(20, seed=1).suspend("SYN-E001", "逾期", on="2024-05-01")
    with pytest.raises(ValidationError) as caught:
        pool.reinstate("SYN-E001", "已整改", on="2024-04-01")
    message = str(caught.value)
    assert "reinstatement request for SYN-E001" in message
    assert "dated 2024-04-01, before the expert's latest history entry (suspended on " \
        "2024-05-01)" in message  # fmt: skip
    assert "date the reinstatement on or after 2024-05-01" in message
    with pytest.raises(ValidationError, match="suspension request for SYN-E001"):
        pool.suspend("SYN-E001", "again", on="2024-05-02")  # already suspended
    pool = pool.reinstate("SYN-E001", "已整改", on="2024-05-01")  # same day is in order
    with pytest.raises(ValidationError, match=r"\(reinstated on 2024-05-01\)"):
        pool.suspend("SYN-E001", "late", on="2024-04-30")
    pool = pool.suspend("SYN-E001", "late", on="2024-09-01")
    assert pool.status(on="2024-04-30")["SYN-E001"] == "active"
    assert pool.status(on=dt.date(2024, 5, 1))["SYN-E001"] == "active"  # reinstated that day
    assert pool.status(on="2024-07-01")["SYN-E001"] == "active"
    assert pool.status(on="2024-09-01")["SYN-E001"] == "suspended"
    assert pool.status()["SYN-E001"] == "suspended"
    with pytest.raises(ValueError, match="status date"):
        pool.status(on="soon")


def test_management_requests_are_checked() -> None:
    pool = synthetic_pool(20, seed=1)
    with pytest.raises(ValidationError, match="needs a reason"):
        pool.suspend("SYN-E001", "  ", on="2024-04-01")
    with pytest.raises(ValidationError, match="not suspended"):
        pool.reinstate("SYN-E001", "why", on="2024-04-01")
    twice = pool.suspend("SYN-E001", "late", on="2024-04-01")
    with pytest.raises(ValidationError, match="is suspended, not active"):
        twice.suspend("SYN-E001", "late again", on="2024-04-02")
    with pytest.raises(ValidationError, match="no expert with this id"):
        pool.suspend("NOBODY", "x", on="2024-04-01")
    with pytest.raises(ValueError, match="date"):
        pool.suspend("SYN-E002", "x", on="April")


def test_edited_history_is_detected(tmp_path: Path) -> None:
    pool = synthetic_pool(20, seed=1).suspend("SYN-E004", "逾期", on="2024-04-01")
    pool = pool.reinstate("SYN-E004", "已整改", on="2024-05-01")
    path = pool.write(tmp_path / "pool.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    events = document["fields"]["events"]["__tuple__"]
    events[0]["fields"]["reason"] = "(edited)"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReviewIntegrityError, match=r"event 0 \(suspended SYN-E004, 2024-04-01\)"):
        read_pool(path)
    del events[0]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReviewIntegrityError) as caught:
        read_pool(path)
    assert any("numbered 1" in f for f in caught.value.failures)
    assert any("does not link" in f for f in caught.value.failures)


def test_with_roster_keeps_history_and_refuses_to_drop_experts() -> None:
    pool = synthetic_pool(20, seed=1).suspend("SYN-E004", "逾期", on="2024-04-01")
    roster = pool.roster()
    added = pd.concat(
        [
            roster,
            pd.DataFrame(
                [
                    {
                        "expert_id": "NEW1",
                        "name": "新专家（示意）",
                        "fields": "湿地",
                        "affiliation": "示意大学（示意）",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    grown = pool.with_roster(added)
    assert "NEW1" in grown.ids and grown.events == pool.events
    assert grown.status()["SYN-E004"] == "suspended"
    with pytest.raises(ValidationError, match="missing from the new roster"):
        pool.with_roster(roster[roster["expert_id"] != "SYN-E004"])


def test_to_frame_has_status() -> None:
    frame = synthetic_pool(20, seed=1).suspend("SYN-E002", "x", on="2024-01-01").to_frame()
    assert frame.loc["SYN-E002", "status"] == "suspended"
    assert frame.index.name == "expert_id" and "fields" in frame.columns


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_numeric_ids_keep_leading_zeros(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame(
        {
            "专家编号": ["007", "010", "123"],
            "姓名": ["甲", "乙", "丙"],
            "专业领域": ["湿地", "经济金融", "生态环境"],
            "工作单位": ["示意大学（示意）"] * 3,
        }
    )
    path = tmp_path / f"roster{suffix}"
    if suffix == ".csv":
        path.write_text(frame.to_csv(index=False), encoding="utf-8")
    else:
        frame.to_excel(path, index=False)  # Excel text cells
    assert read_pool(path).ids == ("007", "010", "123")
