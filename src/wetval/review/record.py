"""Aggregating the experts' entries, the verdict, Delphi rounds and the review record.

:meth:`ReviewRecord.build` takes a :class:`~wetval.review.sheet.ReviewSheet`
and the experts' entries and computes, per round:

- per criterion: mean, trimmed mean (highest and lowest dropped), median,
  standard deviation and coefficient of variation;
- per expert: the weighted total, the mean absolute deviation of their
  scores from the panel's per-criterion medians, a modified z-score of the
  total (Iglewicz & Hoaglin 1993) and whether it is outlying;
- Kendall's W of the experts × criteria scores with its chi-square and
  permutation p-values;

and the verdict by the card's rule. A Delphi second round
(:meth:`ReviewRecord.next_round`) shows the experts the first round's
anonymised distribution (:meth:`ReviewRecord.feedback`) and collects new
entries; the verdict comes from the last round.

The record is tamper-evident: every entry is hashed, the sheet is hashed,
and the record's :attr:`~ReviewRecord.content_hash` covers the sheet, all
entries and the verdict. :meth:`ReviewRecord.verify` recomputes every hash
and every aggregate; reading a record from JSON verifies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from wetval._text import text_table
from wetval.dates import iso_date
from wetval.errors import Problem, ValidationError
from wetval.hashing import content_hash
from wetval.messages import Bilingual, Message, say
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Record, Result
from wetval.review._hashing import assessment_reference
from wetval.review.concordance import ReviewKendallW, kendalls_w
from wetval.review.errors import ReviewIntegrityError
from wetval.review.sheet import DECISIONS, ReviewEntry, ReviewSheet, criterion_names
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MODIFIED_Z_FACTOR", "DelphiFeedback", "ReviewRecord", "ReviewRound", "ReviewVerdict"]

#: 0.6745 ≈ Φ⁻¹(0.75): makes the MAD comparable to a standard deviation
#: (Iglewicz & Hoaglin 1993).
MODIFIED_Z_FACTOR = 0.6745

_FORMAT = "wetval-review-record/1"


@dataclass(frozen=True)
class ReviewRound(Record):
    """One round of a review: the entries and everything computed from them.

    Attributes
    ----------
    number
        1, 2, ...
    due
        Due date of this round's entries.
    entries
        One hashed entry per member, in panel order.
    criteria_stats
        Per criterion: ``weight``, ``mean``, ``trimmed_mean``, ``median``,
        ``sd``, ``cv``, ``min``, ``max`` [points; cv unitless].
    experts
        Per expert (index ``expert_id``): ``name``, ``decision``, ``total``
        [points, weighted], ``deviation`` [points, mean |score − criterion
        median|], ``modified_z``, ``outlier``, ``submitted_on``,
        ``days_late`` [d], ``entry_hash``.
    totals
        ``mean``, ``trimmed_mean``, ``median`` of the totals and the
        ``consensus`` chosen by the rules [points].
    decisions
        Decision id → number of experts.
    concordance
        Kendall's W of the experts × criteria scores.
    """

    number: int
    due: str
    entries: tuple[ReviewEntry, ...]
    criteria_stats: pd.DataFrame
    experts: pd.DataFrame
    totals: dict[str, float]
    decisions: dict[str, int]
    concordance: ReviewKendallW

    @property
    def outliers(self) -> tuple[str, ...]:
        """Ids of the experts flagged as outlying."""
        return tuple(str(i) for i in self.experts.index[self.experts["outlier"].to_numpy()])

    def to_frame(self) -> pd.DataFrame:
        """The per-expert table."""
        return self.experts.copy()

    def part(self, names: Sequence[Bilingual] | None = None) -> Summary:
        """The round as a summary part: agreement, per-expert and per-criterion tables.

        ``names`` are the criteria's names in the order of :attr:`criteria_stats`
        (:func:`~wetval.review.sheet.criterion_names` of the sheet); the ids without them.
        """
        w = self.concordance
        title = Message.of(
            "sum_round", "note", round=self.number, due=self.due,
            consensus=float(self.totals["consensus"]), w=w.w, p=w.p_value,
        )  # fmt: skip
        experts = pd.DataFrame(
            {
                "expert_id": [str(i) for i in self.experts.index],
                "decision": [Bilingual(*DECISIONS[str(d)]) for d in self.experts["decision"]],
                "review_total": self.experts["total"].to_numpy(dtype=float),
                "review_deviation": self.experts["deviation"].to_numpy(dtype=float),
                "outlier": [bool(v) for v in self.experts["outlier"]],
                "days_late": self.experts["days_late"].to_numpy(dtype=int),
                "entry_hash": [str(h)[:12] for h in self.experts["entry_hash"]],
            }
        )
        stats = self.criteria_stats
        criteria = pd.DataFrame(
            {
                "criterion": list(names) if names is not None else [str(i) for i in stats.index],
                **{
                    c: stats[c].to_numpy(dtype=float)
                    for c in ("weight", "mean", "trimmed_mean", "median", "cv")
                },
            }
        )
        notes: tuple[Message, ...] = ()
        if w.p_permutation is not None:
            notes = (
                Message.of(
                    "sum_kendall_permutation", "note", p=w.p_permutation,
                    permutations=w.permutations, seed=str(w.seed),
                ),
            )  # fmt: skip
        n = self.number
        return Summary(
            title,
            (
                SummaryTable(f"round{n}_experts", "experts_table", experts),
                SummaryTable(f"round{n}_criteria", "criteria_table", criteria, {"cv": 3}),
            ),
            notes,
        )

    def summary(self) -> str:
        """The round's experts, criteria and agreement as text."""
        rows = [
            [
                str(i),
                r["decision"],
                float(r["total"]),
                float(r["deviation"]),
                "yes" if r["outlier"] else "",
                int(r["days_late"]),
                str(r["entry_hash"])[:12],
            ]
            for i, r in self.experts.iterrows()
        ]
        criteria = [
            [
                str(i),
                float(r["weight"]),
                float(r["mean"]),
                float(r["trimmed_mean"]),
                float(r["median"]),
                float(r["cv"]),
            ]
            for i, r in self.criteria_stats.iterrows()
        ]
        w = self.concordance
        permutation = (
            f", permutation p = {w.p_permutation:.4g}" if w.p_permutation is not None else ""
        )
        return "\n".join(
            [
                f"Round {self.number} (due {self.due}): consensus {self.totals['consensus']:.2f}; "
                f"Kendall's W = {w.w:.3f} (chi-square p = {w.p_value:.4g}{permutation})",
                text_table(
                    rows,
                    ["expert", "decision", "total", "deviation", "outlier", "days late", "entry"],
                ),
                "",
                text_table(criteria, ["criterion", "weight", "mean", "trimmed", "median", "cv"]),
            ]
        )


@dataclass(frozen=True)
class ReviewVerdict(Record):
    """The panel's verdict by the card's rule.

    The rule: the consensus score must reach the pass score, and at least
    ``ceil(approve_share × members)`` members must vote for approval. The
    verdict is ``approve`` if that many voted ``approve`` outright,
    ``approve_with_revisions`` if that many voted ``approve`` or
    ``approve_with_revisions``, and ``reject`` otherwise.

    Attributes
    ----------
    outcome
        ``"approve"``, ``"approve_with_revisions"`` or ``"reject"``.
    round
        The round the verdict comes from (the last).
    members
        Panel size.
    votes
        Decision id → votes.
    required_votes
        Votes for approval needed.
    approve_share
        The rule's share, e.g. ``"2/3"``.
    consensus_score, pass_score
        Consensus total and the pass mark [points].
    consensus_method
        How the consensus was formed.
    reasons
        The rule applied, in words.
    revisions
        Revisions required by members who approved with revisions
        (``"expert_id: text"``).
    """

    outcome: str
    round: int
    members: int
    votes: dict[str, int]
    required_votes: int
    approve_share: str
    consensus_score: float
    pass_score: float
    consensus_method: str
    reasons: tuple[str, ...]
    revisions: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        """Plain values for hashing."""
        return {
            "outcome": self.outcome,
            "round": self.round,
            "members": self.members,
            "votes": dict(sorted(self.votes.items())),
            "required_votes": self.required_votes,
            "approve_share": self.approve_share,
            "consensus_score": self.consensus_score,
            "pass_score": self.pass_score,
            "consensus_method": self.consensus_method,
            "reasons": list(self.reasons),
            "revisions": list(self.revisions),
        }

    def to_frame(self) -> pd.DataFrame:
        """Votes per decision."""
        return pd.DataFrame(
            {
                "label_zh": [DECISIONS[k][0] for k in DECISIONS],
                "votes": [self.votes.get(k, 0) for k in DECISIONS],
            },
            index=pd.Index(list(DECISIONS), name="decision"),
        )

    def summary(self) -> str:
        """The verdict and the rule applied, as text."""
        zh, en = DECISIONS[self.outcome]
        lines = [f"Verdict: {en.upper()} ({zh}), round {self.round}"]
        lines += [f"  {reason}" for reason in self.reasons]
        if self.revisions:
            lines += ["  Revisions required:"] + [f"    {r}" for r in self.revisions]
        return "\n".join(lines)


@dataclass(frozen=True)
class DelphiFeedback(Result):
    """A round's anonymised distribution, shown to the experts before the next round.

    No expert ids appear here; each expert can be told their own position
    separately (:meth:`ReviewRecord.expert_feedback`).

    Attributes
    ----------
    round
        The round summarised.
    criteria
        Per criterion: ``name_zh``, ``name_en``, ``n``, ``min``, ``q1``,
        ``median``, ``q3``, ``max``, ``mean`` [points].
    totals
        ``min``, ``q1``, ``median``, ``q3``, ``max`` of the weighted totals.
    decisions
        Decision id → number of experts.
    concordance_w
        Kendall's W of the round.
    """

    round: int
    criteria: pd.DataFrame
    totals: dict[str, float]
    decisions: dict[str, int]
    concordance_w: float

    def to_frame(self) -> pd.DataFrame:
        """The per-criterion distribution."""
        return self.criteria.copy()

    @property
    def provenance(self) -> Provenance:
        """The round summarised (feedback carries no expert id and no input of its own)."""
        return Provenance(method="delphi_feedback", options={"round": self.round})

    def summary(self) -> Summary:
        """The feedback sheet (for sending to the panel): score spread, totals, votes, W."""
        c = self.criteria
        table = pd.DataFrame(
            {
                "criterion": [str(i) for i in c.index],
                "name": criterion_names(c),
                **{
                    key: c[column].to_numpy(dtype=float)
                    for key, column in (
                        ("minimum", "min"), ("q1", "q1"), ("median", "median"), ("q3", "q3"),
                        ("maximum", "max"),
                    )
                },
            }
        )  # fmt: skip
        votes = tuple(
            Message.of("sum_decision_votes", "note", decision=Bilingual(*DECISIONS[k]), count=v)
            for k, v in self.decisions.items()
        )
        t = self.totals
        notes = (
            Message.of(
                "sum_feedback_totals", "note", min=t["min"], q1=t["q1"], median=t["median"],
                q3=t["q3"], max=t["max"],
            ),
            Message.of("sum_feedback_votes", "note", votes=votes, w=self.concordance_w),
        )  # fmt: skip
        title = Message.of("sum_feedback", "note", round=self.round)
        return Summary(title, (SummaryTable("criteria", "sum_feedback_table", table),), notes)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Per criterion: the middle half of the scores (box), their range and median [points]."""
        ax = axes(ax)
        c = self.criteria
        x = np.arange(len(c))
        q1, q3 = c["q1"].to_numpy(dtype=float), c["q3"].to_numpy(dtype=float)
        for i, (low, high) in enumerate(zip(c["min"], c["max"], strict=True)):
            ax.plot([i, i], [low, high], color="0.4")
        ax.bar(x, q3 - q1, 0.4, bottom=q1, color="tab:blue", alpha=0.6, label="Q1–Q3")
        ax.plot(x, c["median"], marker="_", markersize=20, linestyle="none", color="tab:red",
                label="median / 中位数")  # fmt: skip
        ax.set_xticks(x, c["name_zh"].astype(str).tolist(), rotation=20)
        ax.set_ylabel("score [points] / 得分")
        ax.set_title(
            f"Round {self.round} / 第 {self.round} 轮 (Kendall's W = {self.concordance_w:.2f})"
        )
        ax.legend(loc="lower right")
        return ax


def _days_late(submitted: str, due: str) -> int:
    return max(0, (dt.date.fromisoformat(submitted) - dt.date.fromisoformat(due)).days)


def _aggregate(
    sheet: ReviewSheet, entries: Sequence[ReviewEntry], number: int, due: str
) -> ReviewRound:
    """Compute a round from its entries (entries in panel order)."""
    criteria = list(sheet.criterion_ids)
    rules = sheet.rules
    ids = [e.expert_id for e in entries]
    scores = np.array([[e.scores[c] for c in criteria] for e in entries], dtype=float)
    weights = sheet.criteria["weight"].to_numpy(dtype=float)
    m = scores.shape[0]

    medians = np.median(scores, axis=0)
    means = scores.mean(axis=0)
    trimmed = (scores.sum(axis=0) - scores.max(axis=0) - scores.min(axis=0)) / (m - 2)
    sd = scores.std(axis=0, ddof=1)
    cv = np.divide(sd, means, out=np.full_like(sd, np.nan), where=means != 0)
    criteria_stats = pd.DataFrame(
        {
            "weight": weights,
            "mean": means,
            "trimmed_mean": trimmed,
            "median": medians,
            "sd": sd,
            "cv": cv,
            "min": scores.min(axis=0),
            "max": scores.max(axis=0),
        },
        index=pd.Index(criteria, name="criterion", dtype=object),
    )

    totals = scores @ weights
    centre = float(np.median(totals))
    gaps = totals - centre
    mad = float(np.median(np.abs(gaps)))
    if mad > 0:
        modified_z = MODIFIED_Z_FACTOR * gaps / mad
    else:
        modified_z = np.where(gaps > 0, np.inf, np.where(gaps < 0, -np.inf, 0.0))
    outlier = (np.abs(modified_z) > rules.outlier_z) & (np.abs(gaps) >= rules.outlier_min_gap)
    deviation = np.abs(scores - medians).mean(axis=1)
    experts = pd.DataFrame(
        {
            "name": [str(sheet.panel.loc[i, "name"]) for i in ids],
            "decision": [e.decision for e in entries],
            "total": totals,
            "deviation": deviation,
            "modified_z": modified_z,
            "outlier": outlier,
            "submitted_on": [e.submitted_on for e in entries],
            "days_late": np.array(
                [_days_late(e.submitted_on, due) for e in entries], dtype=np.int64
            ),
            "entry_hash": [e.entry_hash for e in entries],
        },
        index=pd.Index(ids, name="expert_id", dtype=object),
    )
    summary_totals = {
        "mean": float(totals.mean()),
        "trimmed_mean": float((totals.sum() - totals.max() - totals.min()) / (m - 2)),
        "median": centre,
    }
    summary_totals["consensus"] = summary_totals[rules.consensus]
    decisions = {k: sum(e.decision == k for e in entries) for k in DECISIONS}
    seed = int(sheet.sheet_hash[:15], 16) + number
    concordance = kendalls_w(
        pd.DataFrame(scores, index=ids, columns=criteria),
        permutations=rules.concordance_permutations,
        seed=seed if rules.concordance_permutations else None,
    )
    return ReviewRound(
        number=number,
        due=due,
        entries=tuple(entries),
        criteria_stats=criteria_stats,
        experts=experts,
        totals=summary_totals,
        decisions=decisions,
        concordance=concordance,
    )


def _verdict(sheet: ReviewSheet, last: ReviewRound) -> ReviewVerdict:
    rules = sheet.rules
    members = len(last.entries)
    required = rules.required_votes(members)
    votes = dict(last.decisions)
    unconditional = votes["approve"]
    in_favour = unconditional + votes["approve_with_revisions"]
    consensus = last.totals["consensus"]
    passes = consensus >= rules.pass_score
    method = rules.consensus.replace("_", " ")
    reasons = [
        f"{in_favour} of {members} members voted for approval ({unconditional} without "
        f"revisions); {required} needed ({rules.approve_share} of {members}, rounded up)",
        f"consensus score {consensus:.2f} ({method}) "
        + (">=" if passes else "<")
        + f" pass score {rules.pass_score:g}",
    ]
    if passes and unconditional >= required:
        outcome = "approve"
    elif passes and in_favour >= required:
        outcome = "approve_with_revisions"
    else:
        outcome = "reject"
    revisions = tuple(
        f"{e.expert_id}: {e.revisions}"
        for e in last.entries
        if e.decision == "approve_with_revisions"
    )
    return ReviewVerdict(
        outcome=outcome,
        round=last.number,
        members=members,
        votes=votes,
        required_votes=required,
        approve_share=rules.approve_share,
        consensus_score=consensus,
        pass_score=rules.pass_score,
        consensus_method=rules.consensus,
        reasons=tuple(reasons),
        revisions=revisions if outcome == "approve_with_revisions" else (),
    )


def _entry_problems(sheet: ReviewSheet, entries: Sequence[ReviewEntry], number: int) -> list[str]:
    """Everything wrong with a round's entries, in words."""
    problems = []
    for entry in entries:
        who = f"entry of {entry.expert_id} (round {entry.round})"
        if (
            entry.sheet_hash != sheet.sheet_hash
            or entry.assessment_hash != sheet.case.assessment_hash
        ):
            problems.append(f"{who} belongs to another sheet or assessment")
        if entry.round != number:
            problems.append(f"{who} is not for round {number}")
        if not entry.hash_matches:
            problems.append(f"{who} does not match its entry hash (altered)")
        if set(entry.scores) != set(sheet.criterion_ids):
            problems.append(f"{who} does not score exactly the sheet's criteria")
    ids = [e.expert_id for e in entries]
    if ids != list(sheet.member_ids):
        problems.append(
            f"round {number} entries are for {ids}, the panel is {list(sheet.member_ids)} "
            "(one entry per member, in panel order)"
        )
    return problems


@dataclass(frozen=True)
class ReviewRecord(Result):
    """The tamper-evident record of an expert review (the report appendix).

    Build with :meth:`build`; add a Delphi round with :meth:`next_round`.

    Attributes
    ----------
    sheet
        The score sheet (binds the assessment hash and the draw hash).
    rounds
        The rounds, first to last.
    verdict
        The verdict from the last round.
    content_hash
        SHA-256 of the sheet hash, every entry hash and the verdict. Quote
        it in the report and minutes; :meth:`verify` checks it.
    provenance
        Card, input hashes (assessment, draw, sheet).
    """

    sheet: ReviewSheet
    rounds: tuple[ReviewRound, ...]
    verdict: ReviewVerdict
    content_hash: str
    provenance: Provenance = field(default_factory=Provenance)

    # ---------------------------------------------------------- building
    @classmethod
    def build(cls, sheet: ReviewSheet, entries: Sequence[ReviewEntry]) -> ReviewRecord:
        """Aggregate the first round and reach a verdict.

        Parameters
        ----------
        sheet
            The score sheet.
        entries
            One entry per member (from :meth:`ReviewSheet.read_entries`).

        Raises
        ------
        wetval.errors.ValidationError
            If entries are missing, duplicated, for another sheet or round,
            or altered.
        """
        return cls._assemble(sheet, (), entries, sheet.due)

    def next_round(self, entries: Sequence[ReviewEntry], *, due: dt.date | str) -> ReviewRecord:
        """Add a (Delphi) round; the verdict then comes from it.

        Parameters
        ----------
        entries
            One entry per member for round ``len(rounds) + 1`` (read them with
            ``sheet.read_entries(..., round=2)``).
        due
            Due date of this round.
        """
        return self._assemble(self.sheet, self.rounds, entries, iso_date(due, "due date"))

    @classmethod
    def _assemble(
        cls,
        sheet: ReviewSheet,
        previous: tuple[ReviewRound, ...],
        entries: Sequence[ReviewEntry],
        due: str,
    ) -> ReviewRecord:
        number = len(previous) + 1
        order = {m: i for i, m in enumerate(sheet.member_ids)}
        entries = sorted(entries, key=lambda e: order.get(e.expert_id, len(order)))
        problems = _entry_problems(sheet, entries, number)
        if previous and due < previous[-1].due:
            problems.append(
                f"round {number} is due {due}, before round {number - 1} ({previous[-1].due})"
            )
        if problems:
            raise ValidationError(
                [Problem(reason=p) for p in problems], what=f"round {number} entries"
            )
        rounds = (*previous, _aggregate(sheet, entries, number, due))
        verdict = _verdict(sheet, rounds[-1])
        draft = cls(
            sheet=sheet,
            rounds=rounds,
            verdict=verdict,
            content_hash="",
            provenance=Provenance(
                method="expert-review",
                cards=tuple(c for c in (sheet.rules.card,) if c is not None),
                inputs={
                    "assessment": sheet.case.assessment_hash,
                    "draw": sheet.draw_hash,
                    "sheet": sheet.sheet_hash,
                },
                options=sheet.rules.payload(),
                notes=("SYNTHETIC panel",) if sheet.synthetic else (),
            ),
        )
        return replace(draft, content_hash=content_hash(draft.payload()))

    # ------------------------------------------------------------ access
    @property
    def assessment_hash(self) -> str:
        """Hash of the reviewed assessment."""
        return self.sheet.case.assessment_hash

    @property
    def final(self) -> ReviewRound:
        """The last round."""
        return self.rounds[-1]

    def payload(self) -> dict[str, Any]:
        """Plain values covered by :attr:`content_hash`."""
        return {
            "format": _FORMAT,
            "assessment_hash": self.assessment_hash,
            "sheet_hash": self.sheet.sheet_hash,
            "rounds": [
                {"number": r.number, "due": r.due, "entries": [e.entry_hash for e in r.entries]}
                for r in self.rounds
            ],
            "verdict": self.verdict.payload(),
        }

    def verify(self, expected_hash: str | None = None, *, assessment: object | None = None) -> None:
        """Check every hash and recompute every aggregate and the verdict.

        Parameters
        ----------
        expected_hash
            The content hash quoted in the report or minutes, if any.
        assessment
            The assessment (or its hash) the review should belong to.

        Raises
        ------
        ReviewIntegrityError
            Naming everything that does not match.
        """
        failures: list[str] = []
        sheet = self.sheet
        if content_hash(sheet.payload()) != sheet.sheet_hash:
            failures.append("the score sheet (panel, criteria, weights, rules or case) was altered")
        for position, stored in enumerate(self.rounds):
            number = position + 1
            if stored.number != number:
                failures.append(f"round {position + 1} is numbered {stored.number}")
            failures += _entry_problems(sheet, stored.entries, number)
            if failures:
                continue
            fresh = _aggregate(sheet, stored.entries, number, stored.due)
            for name in ("criteria_stats", "experts"):
                if not getattr(fresh, name).equals(getattr(stored, name)):
                    failures.append(
                        f"round {number}: the stored {name} do not follow from the entries"
                    )
            if fresh.totals != stored.totals or fresh.decisions != stored.decisions:
                failures.append(
                    f"round {number}: the stored totals or vote counts do not follow from "
                    "the entries"
                )
            if _concordance_key(fresh.concordance) != _concordance_key(stored.concordance):
                failures.append(
                    f"round {number}: the stored Kendall's W does not follow from the entries"
                )
        if not failures and _verdict(sheet, self.rounds[-1]).payload() != self.verdict.payload():
            failures.append("the stored verdict does not follow from the last round")
        if content_hash(self.payload()) != self.content_hash:
            failures.append("the record's content hash does not match its content")
        if expected_hash is not None and expected_hash != self.content_hash:
            failures.append(
                f"the record's hash {self.content_hash[:12]} is not the expected "
                f"{expected_hash[:12]}"
            )
        if assessment is not None:
            reference, _ = assessment_reference(assessment)
            if reference != self.assessment_hash:
                failures.append(
                    f"the record reviews assessment {self.assessment_hash[:12]}, "
                    f"not {reference[:12]}"
                )
        if failures:
            raise ReviewIntegrityError("review record", failures)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Read a record written by :meth:`to_json` and verify it.

        Raises
        ------
        ReviewIntegrityError
            If the stored record was altered.
        """
        record = super().from_json(text)
        record.verify()
        return record

    # ----------------------------------------------------------- outputs
    def management_rows(self) -> pd.DataFrame:
        """Per member: timeliness and agreement, for :meth:`ExpertPool.record_review`.

        Columns ``submitted_on`` (last round), ``days_late`` (worst round)
        [d], ``deviation`` (last round) [points], ``outlier`` (in any round)
        and ``decision`` (last round).
        """
        last = self.final.experts
        late = pd.concat([r.experts["days_late"] for r in self.rounds], axis=1).max(axis=1)
        outlier = pd.concat([r.experts["outlier"] for r in self.rounds], axis=1).any(axis=1)
        return pd.DataFrame(
            {
                "submitted_on": last["submitted_on"],
                "days_late": late.astype(np.int64),
                "deviation": last["deviation"],
                "outlier": outlier,
                "decision": last["decision"],
            }
        )

    def feedback(self) -> DelphiFeedback:
        """The last round's anonymised distribution, for a Delphi round."""
        last = self.final
        criteria = list(self.sheet.criterion_ids)
        scores = np.array([[e.scores[c] for c in criteria] for e in last.entries], dtype=float)
        q1, median, q3 = np.percentile(scores, [25, 50, 75], axis=0)
        frame = pd.DataFrame(
            {
                "name_zh": self.sheet.criteria["name_zh"].to_numpy(),
                "name_en": self.sheet.criteria["name_en"].to_numpy(),
                "n": np.full(len(criteria), scores.shape[0], dtype=np.int64),
                "min": scores.min(axis=0),
                "q1": q1,
                "median": median,
                "q3": q3,
                "max": scores.max(axis=0),
                "mean": scores.mean(axis=0),
            },
            index=pd.Index(criteria, name="criterion", dtype=object),
        )
        totals = last.experts["total"].to_numpy(dtype=float)
        t_q1, t_median, t_q3 = np.percentile(totals, [25, 50, 75])
        return DelphiFeedback(
            round=last.number,
            criteria=frame,
            totals={
                "min": float(totals.min()),
                "q1": float(t_q1),
                "median": float(t_median),
                "q3": float(t_q3),
                "max": float(totals.max()),
            },
            decisions=dict(last.decisions),
            concordance_w=last.concordance.w,
        )

    def expert_feedback(self, expert_id: str) -> pd.DataFrame:
        """One expert's own scores against the last round's distribution (private).

        Returns
        -------
        pandas.DataFrame
            Per criterion: ``score``, ``q1``, ``median``, ``q3`` and
            ``position`` (``below``, ``within`` or ``above`` the middle half).
        """
        entries = {e.expert_id: e for e in self.final.entries}
        if expert_id not in entries:
            raise ValidationError(
                [Problem(reason="not a panel member", value=expert_id)], what="feedback request"
            )
        spread = self.feedback().criteria
        own = pd.Series(entries[expert_id].scores).reindex(spread.index).astype(float)
        position = np.where(
            own < spread["q1"], "below", np.where(own > spread["q3"], "above", "within")
        )
        return pd.DataFrame(
            {
                "score": own,
                "q1": spread["q1"],
                "median": spread["median"],
                "q3": spread["q3"],
                "position": position,
            },
            index=spread.index,
        )

    def advice(self) -> tuple[str, ...]:
        """Reasons to hold a (further) Delphi round; empty when none. Advisory only."""
        return tuple(say(m, "en") for m in self.advice_messages())

    def advice_messages(self) -> tuple[Message, ...]:
        """:meth:`advice` as keyed messages (zh and en)."""
        last = self.final
        reasons = []
        if last.outliers:
            reasons.append(Message.of("adv_outliers", experts=last.outliers))
        w = last.concordance
        p = w.p_permutation if w.p_permutation is not None else w.p_value
        alpha = self.sheet.rules.concordance_alpha
        if not np.isfinite(w.w):
            reasons.append(Message.of("adv_w_undefined"))
        elif p > alpha:
            reasons.append(Message.of("adv_not_significant", w=w.w, p=p, alpha=float(alpha)))
        in_favour = self.verdict.votes["approve"] + self.verdict.votes["approve_with_revisions"]
        if self.verdict.outcome != "reject" and in_favour == self.verdict.required_votes:
            reasons.append(Message.of("adv_single_approval"))
        if self.verdict.outcome == "reject" and in_favour == self.verdict.required_votes - 1:
            reasons.append(Message.of("adv_single_rejection"))
        return tuple(reasons)

    def to_frame(self) -> pd.DataFrame:
        """The last round's per-expert table (decision, total, deviation, outlier, entry hash)."""
        return self.final.to_frame()

    def criteria_frame(self) -> pd.DataFrame:
        """The last round's per-criterion statistics with the criterion names."""
        names = self.sheet.criteria[["name_zh", "name_en"]]
        return names.join(self.final.criteria_stats)

    def summary(self) -> Summary:
        """The review: verdict and votes, each round's experts and criteria, advice, hashes."""
        case = self.sheet.case
        v = self.verdict
        title = Message.of(
            "sum_record", "note", assessment=case.assessment_label,
            hash=case.assessment_hash[:12], applicant=case.applicant,
        )  # fmt: skip
        votes = pd.DataFrame(
            {
                "decision": [Bilingual(zh, en) for zh, en in DECISIONS.values()],
                "sum_votes": np.array([v.votes.get(k, 0) for k in DECISIONS], dtype=int),
            }
        )
        outcome = Bilingual(*DECISIONS[v.outcome])
        notes = [
            Message.of("sum_verdict", "note", outcome=outcome, round=v.round),
            Message.of(
                "sum_verdict_rule", "note", consensus=v.consensus_score, pass_score=v.pass_score,
                required=v.required_votes, share=v.approve_share, members=v.members,
            ),
            *(Message.of("sum_revision", "note", text=r) for r in v.revisions),
        ]  # fmt: skip
        advice = self.advice_messages()
        names = criterion_names(self.sheet.criteria.loc[list(self.final.criteria_stats.index)])
        if advice:
            notes += [Message.of("sum_advice", reason=m) for m in advice]
        notes.append(
            Message.of(
                "sum_record_hashes", "note", record=self.content_hash,
                sheet=self.sheet.sheet_hash[:12], draw=self.sheet.draw_hash[:12],
            )
        )  # fmt: skip
        if self.sheet.synthetic:
            notes.insert(0, Message.of("sum_synthetic", "note"))
        return Summary(
            title,
            (SummaryTable("votes", "sum_votes_table", votes),),
            tuple(notes),
            tuple(r.part(names) for r in self.rounds),
        )

    def appendix(self) -> dict[str, Any]:
        """Plain data for the report appendix (JSON-serialisable, no pandas objects)."""
        last = self.final
        experts = last.experts.reset_index()
        experts["days_late"] = experts["days_late"].astype(int)
        return {
            "assessment_hash": self.assessment_hash,
            "assessment_label": self.sheet.case.assessment_label,
            "applicant": self.sheet.case.applicant,
            "synthetic": self.sheet.synthetic,
            "verdict": self.verdict.payload(),
            "rounds": len(self.rounds),
            "consensus": dict(last.totals),
            "kendalls_w": {
                "w": last.concordance.w,
                "chi2": last.concordance.chi2,
                "df": last.concordance.df,
                "p_value": last.concordance.p_value,
                "p_permutation": last.concordance.p_permutation,
                "small_sample": last.concordance.small_sample,
            },
            "experts": experts.to_dict(orient="records"),
            "criteria": self.criteria_frame().reset_index().to_dict(orient="records"),
            "outliers": list(last.outliers),
            "hashes": {
                "record": self.content_hash,
                "sheet": self.sheet.sheet_hash,
                "draw": self.sheet.draw_hash,
            },
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Each expert's score per criterion (last round), with the panel median."""
        ax = axes(ax)
        last = self.final
        criteria = list(self.sheet.criterion_ids)
        scores = np.array([[e.scores[c] for c in criteria] for e in last.entries], dtype=float)
        m = scores.shape[0]
        offsets = np.linspace(-0.15, 0.15, m) if m > 1 else np.zeros(1)
        for row in range(m):
            ax.scatter(np.arange(len(criteria)) + offsets[row], scores[row], s=18, color="0.35")
        ax.plot(
            np.arange(len(criteria)),
            np.median(scores, axis=0),
            marker="_",
            markersize=25,
            linestyle="none",
            color="tab:red",
            label="median / 中位数",
        )
        ax.set_xticks(np.arange(len(criteria)))
        ax.set_xticklabels(self.sheet.criteria["name_zh"].tolist(), rotation=20)
        ax.set_ylim(0, self.sheet.rules.score_max)
        ax.set_ylabel("score [points] / 得分")
        ax.set_title(f"Expert scores, round {last.number} (Kendall's W = {last.concordance.w:.2f})")
        ax.legend(loc="lower right")
        return ax


def _concordance_key(result: ReviewKendallW) -> tuple[Any, ...]:
    return (
        repr(result.w),
        repr(result.chi2),
        repr(result.p_value),
        repr(result.p_permutation),
        result.permutations,
        result.seed,
        tuple(result.rank_sums.tolist()),
    )
