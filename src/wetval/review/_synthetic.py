"""SYNTHETIC expert pools and score entries, for the demo, the docs and the tests.

Everything here is invented: the names carry "（示意）", the ids start with
``SYN-``, the institutions are fictitious and the pools are marked
``synthetic``. The township names are Jinxian's and some affiliations are
the synthetic sample county's applicants, so that the demo shows real-looking
conflicts of interest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wetval.datasets._synthetic import TOWNSHIPS
from wetval.review.pool import ExpertPool
from wetval.review.record import ReviewRound
from wetval.review.sheet import ReviewEntry, ReviewSheet

__all__ = ["CONTRACTORS", "SAMPLE_POOL_SEED", "synthetic_entries", "synthetic_pool"]

#: Seed of the pool used in the docs.
SAMPLE_POOL_SEED = 35

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
_GIVEN = list("文华明国建平志军红英伟芳秀玉兰海燕俊涛丽静强磊洋勇艳杰娟超霞敏辉")

#: Share of experts whose first field is each field (invented).
_FIELD_WEIGHTS = {
    "wetland": 0.20,
    "ecology_environment": 0.20,
    "economics_finance": 0.18,
    "asset_appraisal": 0.10,
    "accounting_audit": 0.05,
    "law": 0.07,
    "engineering": 0.08,
    "hydrology": 0.06,
    "forestry": 0.04,
    "surveying": 0.02,
}

_INSTITUTIONS = (
    "示意大学生命科学学院（示意）",
    "示意大学经济管理学院（示意）",
    "示意农业大学林学院（示意）",
    "示意省林业科学研究院（示意）",
    "示意省水利科学研究院（示意）",
    "示意湖泊湿地研究所（示意）",
    "示意资产评估事务所（示意）",
    "示意会计师事务所（示意）",
    "示意律师事务所（示意）",
    "示意水利规划设计院（示意）",
    "示意国土测绘院（示意）",
    "示意农村商业银行（示意）",
)
#: Affiliations shared with the synthetic county's projects (creates conflicts in the demo).
_APPLICANTS = tuple(f"示意建设单位 P0{i} (synthetic applicant)" for i in range(1, 5))
#: Fictitious restoration contractors.
CONTRACTORS = ("示意生态修复工程有限公司（示意）", "示意园林绿化工程有限公司（示意）")
_TITLES = (
    "教授",
    "研究员",
    "正高级工程师",
    "副教授",
    "副研究员",
    "高级工程师",
    "高级经济师",
    "资产评估师",
    "注册会计师",
    "律师",
)


def synthetic_pool(n_experts: int = 60, seed: int = SAMPLE_POOL_SEED) -> ExpertPool:
    """A SYNTHETIC expert pool.

    Parameters
    ----------
    n_experts
        Number of experts (≥ 10).
    seed
        Seed of the random generator; the same seed gives the same pool.

    Returns
    -------
    ExpertPool
        Marked synthetic; about one expert in eight has a second field, one
        in twenty is inactive, some are employed by the sample county's
        applicants or a contractor, and some declare conflicts with a
        township or project.
    """
    if n_experts < 10:
        raise ValueError(f"n_experts must be at least 10, got {n_experts}")
    rng = np.random.default_rng(seed)
    names_available = [s + g1 + g2 for s in _SURNAMES for g1 in _GIVEN for g2 in ("", *_GIVEN[:6])]
    picked = rng.choice(len(names_available), size=n_experts, replace=False)
    field_names = list(_FIELD_WEIGHTS)
    probabilities = np.array(list(_FIELD_WEIGHTS.values()))
    first = rng.choice(len(field_names), size=n_experts, p=probabilities / probabilities.sum())
    second = rng.choice(len(field_names), size=n_experts)
    has_second = rng.random(n_experts) < 0.35
    towns = [t[0] for t in TOWNSHIPS]
    employer_kind = rng.random(n_experts)
    records = []
    for i in range(n_experts):
        fields = [field_names[first[i]]]
        if has_second[i] and second[i] != first[i]:
            fields.append(field_names[second[i]])
        if employer_kind[i] < 0.06:
            affiliation = _APPLICANTS[int(rng.integers(len(_APPLICANTS)))]
        elif employer_kind[i] < 0.09:
            affiliation = CONTRACTORS[int(rng.integers(len(CONTRACTORS)))]
        else:
            affiliation = _INSTITUTIONS[int(rng.integers(len(_INSTITUTIONS)))]
        organisations = (
            [_APPLICANTS[int(rng.integers(len(_APPLICANTS)))]] if rng.random() < 0.08 else []
        )
        projects = [f"P0{int(rng.integers(1, 5))}"] if rng.random() < 0.05 else []
        townships = [towns[int(rng.integers(len(towns)))]] if rng.random() < 0.3 else []
        records.append(
            {
                "expert_id": f"SYN-E{i + 1:03d}",
                "name": names_available[int(picked[i])] + "（示意）",
                "fields": "；".join(fields),
                "affiliation": affiliation,
                "title": _TITLES[int(rng.integers(len(_TITLES)))],
                "active": "否" if rng.random() < 0.05 else "是",
                "conflict_organisations": "；".join(organisations),
                "conflict_projects": "；".join(projects),
                "conflict_townships": "；".join(townships),
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame.attrs["synthetic"] = True
    return ExpertPool.from_frame(
        frame, source=f"synthetic_pool(n_experts={n_experts}, seed={seed})", synthetic=True
    )


def synthetic_entries(
    sheet: ReviewSheet,
    *,
    seed: int,
    quality: float = 0.75,
    round: int = 1,
    outlying_experts: int = 0,
    previous: ReviewRound | None = None,
) -> tuple[ReviewEntry, ...]:
    """SYNTHETIC entries of every panel member, as if they had filled the form.

    Parameters
    ----------
    sheet
        The score sheet.
    seed
        Seed of the random generator.
    quality
        Latent quality of the assessment [0–1]; scores centre on
        ``quality × score_max``.
    round
        Round number of the entries.
    outlying_experts
        How many members (the last ones) score far below the rest.
    previous
        For a Delphi round: each score moves halfway towards the previous
        round's median of its criterion.

    Returns
    -------
    tuple of ReviewEntry
        Validated and hashed (through :meth:`ReviewSheet.read_entries`).
    """
    rng = np.random.default_rng(seed)
    members = sheet.member_ids
    criteria = sheet.criterion_ids
    top = sheet.rules.score_max
    m, n = len(members), len(criteria)
    centre = quality * top + rng.normal(0, 0.05 * top, size=n)
    bias = rng.normal(0, 0.04 * top, size=(m, 1))
    if outlying_experts:
        bias[m - outlying_experts :] -= 0.3 * top
    scores = centre + bias + rng.normal(0, 0.03 * top, size=(m, n))
    if previous is not None:
        medians = previous.criteria_stats["median"].reindex(list(criteria)).to_numpy(dtype=float)
        earlier = np.array([[e.scores[c] for c in criteria] for e in previous.entries], dtype=float)
        scores = earlier + 0.5 * (medians - earlier)
    scores = np.clip(np.round(scores), 0, top)
    totals = scores @ sheet.criteria["weight"].to_numpy(dtype=float)
    decision = np.where(
        totals >= 0.8 * top,
        "approve",
        np.where(totals >= 0.65 * top, "approve_with_revisions", "reject"),
    )
    due = dt.date.fromisoformat(sheet.due)
    early = rng.integers(0, 6, size=m)
    late = np.where(rng.random(m) < 0.15, rng.integers(1, 8, size=m), 0)
    submitted = [
        (due - dt.timedelta(days=int(e)) + dt.timedelta(days=int(d))).isoformat()
        for e, d in zip(early * (late == 0), late, strict=True)
    ]
    frame = pd.DataFrame(scores, columns=list(criteria))
    frame.insert(0, "expert_id", list(members))
    frame.insert(1, "submitted_on", submitted)
    frame.insert(2, "decision", decision)
    frame["comment"] = "SYNTHETIC entry（示意意见）"
    frame["revisions"] = np.where(
        decision == "approve_with_revisions", "补充价格参照的来源说明（示意）", ""
    )
    return sheet.read_entries(frame, round=round)
