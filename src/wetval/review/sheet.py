"""Score sheets and the experts' entries.

A :class:`ReviewSheet` is made for one drawn panel and one assessment: the
criteria and weights from the review card, the score scale, the due date,
the panel, and the hashes binding it to the assessment and the draw. Its
:meth:`~ReviewSheet.form` is the blank table the experts fill in (one row
per expert); :meth:`~ReviewSheet.read_entries` validates the filled table
and returns one hashed :class:`ReviewEntry` per expert.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from wetval.cards import Card, load_card
from wetval.dates import iso_date
from wetval.errors import Problem, ProblemCollector, ValidationError
from wetval.hashing import content_hash
from wetval.messages import Bilingual, Message
from wetval.plotting import axes
from wetval.provenance import CardRef, Provenance
from wetval.results import Record, Result
from wetval.review._files import read_with_text_ids
from wetval.review._hashing import assessment_reference
from wetval.review.draw import PanelDraw, ReviewCase
from wetval.review.errors import ReviewIntegrityError
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CONSENSUS_METHODS",
    "DECISIONS",
    "ReviewEntry",
    "ReviewRules",
    "ReviewSheet",
    "entries_frame",
    "parse_decision",
    "parse_share",
]

#: Decisions an expert can give: id → (zh, en).
DECISIONS: dict[str, tuple[str, str]] = {
    "approve": ("通过", "approve"),
    "approve_with_revisions": ("修改后通过", "approve with revisions"),
    "reject": ("不通过", "reject"),
}
_DECISION_LOOKUP = {
    label.casefold(): key
    for key, labels in DECISIONS.items()
    for label in (key, *labels, key.replace("_", " "))
} | {"同意": "approve", "不同意": "reject", "修改通过": "approve_with_revisions"}

#: Ways to form the panel's consensus score from the experts' totals.
CONSENSUS_METHODS = ("trimmed_mean", "mean", "median")

_FORM_FIXED = ("expert_id", "name", "submitted_on", "decision")
_FORM_TEXT = ("comment", "revisions")


def parse_decision(value: object) -> str | None:
    """The decision id for a label (``"通过"``, ``"approve"``, ...), or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return _DECISION_LOOKUP.get(str(value).strip().casefold())


def parse_share(value: object) -> Fraction:
    """A share such as ``"2/3"`` or ``0.75`` as an exact fraction in (0, 1].

    Raises
    ------
    ValueError
        If it is not a number or fraction in (0, 1].
    """
    try:
        share = Fraction(str(value).strip()).limit_denominator(1000)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"a share must be a fraction such as 2/3, got {value!r}") from None
    if not 0 < share <= 1:
        raise ValueError(f"a share must be in (0, 1], got {value!r}")
    return share


@dataclass(frozen=True)
class ReviewRules(Record):
    """How scores are aggregated and the verdict reached; from the review card.

    Attributes
    ----------
    score_max
        Top of every criterion's score scale [points]; scores run from 0.
    pass_score
        The consensus total needed for any approval [points].
    approve_share
        Share of members who must vote for approval, as a fraction (``"2/3"``).
    consensus
        ``"trimmed_mean"`` (drop the highest and lowest total), ``"mean"``
        or ``"median"``.
    outlier_z
        Modified z-score beyond which an expert's total is outlying.
    outlier_min_gap
        Minimum distance from the panel median for an outlier [points].
    concordance_alpha
        Significance level for Kendall's W.
    concordance_permutations
        Permutations of the permutation test of W (its seed is derived from
        the sheet's hash, so the record is reproducible).
    card
        The card the rules came from.
    """

    score_max: float
    pass_score: float
    approve_share: str
    consensus: str
    outlier_z: float
    outlier_min_gap: float
    concordance_alpha: float
    concordance_permutations: int = 9999
    card: CardRef | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.score_max > 0:
            problems.append(
                Problem(reason="must be positive", column="score_max", value=self.score_max)
            )
        if not 0 <= self.pass_score <= self.score_max:
            problems.append(
                Problem(
                    reason=f"must be between 0 and score_max ({self.score_max})",
                    column="pass_score",
                    value=self.pass_score,
                )
            )
        try:
            parse_share(self.approve_share)
        except ValueError as error:
            problems.append(
                Problem(reason=str(error), column="approve_share", value=self.approve_share)
            )
        if self.consensus not in CONSENSUS_METHODS:
            problems.append(
                Problem(
                    reason="unknown consensus method",
                    column="consensus",
                    value=self.consensus,
                    fix=f"use {CONSENSUS_METHODS}",
                )
            )
        if not self.outlier_z > 0 or self.outlier_min_gap < 0:
            problems.append(
                Problem(
                    reason="outlier_z must be positive and outlier_min_gap >= 0",
                    column="outlier_z",
                    value=(self.outlier_z, self.outlier_min_gap),
                )
            )
        if not 0 < self.concordance_alpha < 1 or self.concordance_permutations < 0:
            problems.append(
                Problem(
                    reason="concordance_alpha must be in (0, 1) and concordance_permutations >= 0",
                    column="concordance_alpha",
                    value=self.concordance_alpha,
                )
            )
        if problems:
            raise ValidationError(problems, what="review rules")

    @classmethod
    def from_card(cls, card: Card | str = "review-jinxian", **overrides: Any) -> ReviewRules:
        """Rules from a review card, with optional overrides (e.g. ``pass_score=70``)."""
        card = card if isinstance(card, Card) else load_card(card)
        values: dict[str, Any] = {
            "score_max": float(card.param("score_max")),
            "pass_score": float(card.param("pass_score")),
            "approve_share": str(parse_share(card.param("approve_share"))),
            "consensus": str(card.option("consensus", "trimmed_mean")),
            "outlier_z": float(card.param("outlier_z")),
            "outlier_min_gap": float(card.param("outlier_min_gap")),
            "concordance_alpha": float(card.param("concordance_alpha")),
            "concordance_permutations": int(card.param("concordance_permutations")),
            "card": card.ref,
        }
        unknown = set(overrides) - set(values)
        if unknown:
            raise TypeError(f"unknown review rules {sorted(unknown)}; known: {sorted(values)}")
        return cls(**(values | overrides))

    @property
    def share(self) -> Fraction:
        """:attr:`approve_share` as a fraction."""
        return parse_share(self.approve_share)

    def required_votes(self, members: int) -> int:
        """Votes for approval needed on a panel of ``members`` (rounded up, exactly)."""
        return math.ceil(self.share * members)

    def payload(self) -> dict[str, Any]:
        """Plain values for hashing."""
        return {
            "score_max": self.score_max,
            "pass_score": self.pass_score,
            "approve_share": self.approve_share,
            "consensus": self.consensus,
            "outlier_z": self.outlier_z,
            "outlier_min_gap": self.outlier_min_gap,
            "concordance_alpha": self.concordance_alpha,
            "concordance_permutations": self.concordance_permutations,
            "card": self.card.model_dump() if self.card else None,
        }


@dataclass(frozen=True)
class ReviewEntry(Record):
    """One expert's scores, decision and comments in one round; hashed.

    Attributes
    ----------
    expert_id
        The expert.
    round
        1 for the first round, 2 for a Delphi second round, ...
    scores
        Criterion id → score [points].
    decision
        ``"approve"``, ``"approve_with_revisions"`` or ``"reject"``.
    submitted_on
        Date the expert returned the sheet (``YYYY-MM-DD``).
    comment, revisions
        General comment; revisions required (for approval with revisions).
    assessment_hash, sheet_hash
        What the entry belongs to.
    entry_hash
        SHA-256 of everything above; give it to the expert as a receipt.
    """

    expert_id: str
    round: int
    scores: dict[str, float]
    decision: str
    submitted_on: str
    comment: str
    revisions: str
    assessment_hash: str
    sheet_hash: str
    entry_hash: str

    def payload(self) -> dict[str, Any]:
        """Plain values covered by :attr:`entry_hash`."""
        return {
            "expert_id": self.expert_id,
            "round": self.round,
            "scores": {k: float(v) for k, v in self.scores.items()},
            "decision": self.decision,
            "submitted_on": self.submitted_on,
            "comment": self.comment,
            "revisions": self.revisions,
            "assessment_hash": self.assessment_hash,
            "sheet_hash": self.sheet_hash,
        }

    @property
    def hash_matches(self) -> bool:
        """Whether :attr:`entry_hash` matches the entry's content."""
        return content_hash(self.payload()) == self.entry_hash


def criterion_names(criteria: pd.DataFrame) -> list[Bilingual]:
    """The criteria's names: Chinese, and in English the English name with the Chinese one.

    The sheet's wording is the Chinese one, so an English reader sees it too.
    """
    return [
        Bilingual(str(zh), f"{en} ({zh})")
        for zh, en in zip(criteria["name_zh"], criteria["name_en"], strict=True)
    ]


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class ReviewSheet(Result):
    """The score sheet of one review: criteria, weights, panel, due date, bindings.

    Build it with :meth:`build` from a :class:`~wetval.review.draw.PanelDraw`.

    Attributes
    ----------
    case
        The case (assessment hash, applicant, ...), from the draw.
    draw_hash
        Hash of the panel draw.
    panel
        Members, indexed by expert id (``name``, ``fields``, ``affiliation``,
        ``title``), after any replacements.
    criteria
        Indexed by criterion id: ``name_zh``, ``name_en``, ``weight`` (sum 1),
        ``guidance_zh``, ``guidance_en``.
    rules
        Aggregation and verdict rules.
    due
        Date the entries are due (``YYYY-MM-DD``); later entries count as late.
    assessment_summary
        Text summary of the assessment shown to the experts, if available.
    synthetic
        True when the panel came from a SYNTHETIC pool.
    sheet_hash
        SHA-256 of everything above.
    """

    case: ReviewCase
    draw_hash: str
    panel: pd.DataFrame
    criteria: pd.DataFrame
    rules: ReviewRules
    due: str
    sheet_hash: str
    assessment_summary: str = ""
    synthetic: bool = False

    @classmethod
    def build(
        cls,
        draw: PanelDraw,
        *,
        due: dt.date | str,
        card: Card | str = "review-jinxian",
        assessment: object | None = None,
        criteria: Sequence[str] | None = None,
        rules: ReviewRules | None = None,
    ) -> ReviewSheet:
        """Make the score sheet for a drawn panel.

        Parameters
        ----------
        draw
            The panel draw (members after any replacements).
        due
            Due date of the entries.
        card
            Review card with the table ``criteria`` and the rules.
        assessment
            The assessment itself (optional): checked against the draw's
            assessment hash; its ``summary()`` text, if any, goes on the sheet.
        criteria
            Criterion ids to use (default: all of the card's); weights are
            rescaled to sum to 1.
        rules
            Aggregation rules (default: from ``card``).

        Raises
        ------
        wetval.errors.ValidationError
            If the assessment is not the one the panel was drawn for, the due
            date precedes the draw, criteria are unknown or fewer than two,
            or the card's weights are not positive.
        """
        card = card if isinstance(card, Card) else load_card(card)
        table = card.table("criteria")
        problems: list[Problem] = []
        summary = ""
        if assessment is not None:
            reference, _ = assessment_reference(assessment)
            if reference != draw.case.assessment_hash:
                problems.append(
                    Problem(
                        reason="this assessment is not the one the panel was drawn for",
                        value=reference[:12],
                        fix=f"the draw is for {draw.case.assessment_hash[:12]}",
                    )
                )
            if callable(getattr(assessment, "summary", None)):
                summary = str(assessment.summary())  # type: ignore[attr-defined]
        due_text = iso_date(due, "due date")
        if due_text < draw.case.date:
            problems.append(
                Problem(
                    reason="the due date is before the draw date",
                    column="due",
                    value=due_text,
                    fix=f"on or after {draw.case.date}",
                )
            )
        chosen = list(table.index) if criteria is None else list(criteria)
        unknown = [c for c in chosen if c not in table.index]
        problems += [
            Problem(
                reason="unknown criterion",
                column="criteria",
                value=c,
                fix=f"the card has {', '.join(map(str, table.index))}",
            )
            for c in unknown
        ]
        if len(set(chosen)) < 2:
            problems.append(
                Problem(
                    reason="a review needs at least two criteria", column="criteria", value=chosen
                )
            )
        weights = pd.to_numeric(table["weight"], errors="coerce")
        if not (weights > 0).all():
            problems.append(
                Problem(
                    reason="criterion weights must be positive numbers",
                    column="tables.criteria.weight",
                )
            )
        if problems:
            raise ValidationError(problems, what="score sheet", source=str(card.path or card.id))
        selected = table.loc[list(dict.fromkeys(chosen))].copy()
        selected["weight"] = selected["weight"].astype(float) / float(selected["weight"].sum())
        selected = selected[["name_zh", "name_en", "weight", "guidance_zh", "guidance_en"]]
        selected.index = pd.Index([str(i) for i in selected.index], name="criterion", dtype=object)
        sheet = cls(
            case=draw.case,
            draw_hash=draw.draw_hash,
            panel=draw.members.copy(),
            criteria=selected,
            rules=rules if rules is not None else ReviewRules.from_card(card),
            due=due_text,
            sheet_hash="",
            assessment_summary=summary,
            synthetic=draw.synthetic,
        )
        return replace(sheet, sheet_hash=content_hash(sheet.payload()))

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Read a sheet written by :meth:`to_json`, checking its sheet hash.

        Raises
        ------
        ReviewIntegrityError
            If the stored sheet was altered.
        """
        sheet = super().from_json(text)
        if content_hash(sheet.payload()) != sheet.sheet_hash:
            raise ReviewIntegrityError(
                "score sheet", ["the sheet's content does not match its sheet hash"]
            )
        return sheet

    # ------------------------------------------------------------- access
    @property
    def member_ids(self) -> tuple[str, ...]:
        """Panel member ids, in draw order."""
        return tuple(str(i) for i in self.panel.index)

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        """Criterion ids, in sheet order."""
        return tuple(str(i) for i in self.criteria.index)

    def payload(self) -> dict[str, Any]:
        """Plain values covered by :attr:`sheet_hash`."""
        return {
            "case": self.case.payload(),
            "draw_hash": self.draw_hash,
            "panel": [
                [str(i), str(r["name"]), str(r["fields"]), str(r["affiliation"]), str(r["title"])]
                for i, r in self.panel.iterrows()
            ],
            "criteria": [
                [
                    str(i),
                    str(r["name_zh"]),
                    str(r["name_en"]),
                    float(r["weight"]),
                    str(r["guidance_zh"]),
                    str(r["guidance_en"]),
                ]
                for i, r in self.criteria.iterrows()
            ],
            "rules": self.rules.payload(),
            "due": self.due,
            "assessment_summary": self.assessment_summary,
            "synthetic": self.synthetic,
        }

    def to_frame(self) -> pd.DataFrame:
        """The criteria with weights and guidance."""
        return self.criteria.copy()

    @property
    def provenance(self) -> Provenance:
        """The assessment and the draw the sheet is bound to."""
        inputs = {"assessment": self.case.assessment_hash, "draw": self.draw_hash}
        return Provenance(method="review_sheet", inputs=inputs)

    def summary(self) -> Summary:
        """The sheet: case, scale and due date, criteria with weights, panel, decisions."""
        case = self.case
        title = Message.of(
            "sum_sheet", "note", assessment=case.assessment_label,
            hash=case.assessment_hash[:12], applicant=case.applicant,
        )  # fmt: skip
        criteria = pd.DataFrame(
            {
                "criterion": [str(i) for i in self.criteria.index],
                "name": criterion_names(self.criteria),
                "weight": self.criteria["weight"].to_numpy(dtype=float),
            }
        )
        panel = pd.DataFrame(
            {
                "expert_id": [str(i) for i in self.panel.index],
                "expert_name": [str(v) for v in self.panel["name"]],
            }
        )
        decisions = tuple(Bilingual(zh, en) for zh, en in DECISIONS.values())
        notes = [
            Message.of(
                "sum_sheet_terms", "note", due=self.due, score_max=float(self.rules.score_max),
                sheet=self.sheet_hash[:12], draw=self.draw_hash[:12],
            ),
            Message.of("sum_sheet_decisions", "note", decisions=decisions),
        ]  # fmt: skip
        if self.synthetic:
            notes.insert(0, Message.of("sum_synthetic", "note"))
        return Summary(
            title,
            (
                SummaryTable("criteria", "sum_criteria_table", criteria, {"weight": 3}),
                SummaryTable("panel", "sum_panel_table", panel),
            ),
            tuple(notes),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """The criteria's weights."""
        ax = axes(ax, figsize=(8, 0.4 * len(self.criteria) + 1.5))
        criteria = self.criteria.iloc[::-1]
        ax.barh(criteria["name_zh"].astype(str), criteria["weight"].astype(float))
        ax.set_xlabel("weight / 权重")
        ax.set_title(f"Score sheet / 评分表 ({len(self.panel)} experts, due {self.due})")
        return ax

    # -------------------------------------------------------------- forms
    def form(self) -> pd.DataFrame:
        """The blank form: one row per member, a score column per criterion.

        Columns ``expert_id``, ``name``, ``submitted_on``, ``decision``, one
        column per criterion id, ``comment`` and ``revisions``. Write it with
        :func:`wetval.write_table` (``index=False``) and read it back with
        :meth:`read_entries`.
        """
        columns = [*_FORM_FIXED, *self.criterion_ids, *_FORM_TEXT]
        frame = pd.DataFrame(
            {column: [""] * len(self.panel) for column in columns}, columns=columns, dtype=object
        )
        frame["expert_id"] = list(self.member_ids)
        frame["name"] = self.panel["name"].tolist()
        frame.attrs["synthetic"] = self.synthetic
        return frame

    def entry(
        self,
        expert_id: str,
        scores: Mapping[str, float],
        decision: str,
        submitted_on: dt.date | str,
        *,
        comment: str = "",
        revisions: str = "",
        round: int = 1,
    ) -> ReviewEntry:
        """One expert's entry, validated and hashed.

        Raises
        ------
        wetval.errors.ValidationError
            As :meth:`read_entries`.
        """
        row = {
            "expert_id": expert_id,
            "submitted_on": submitted_on,
            "decision": decision,
            "comment": comment,
            "revisions": revisions,
            **dict(scores),
        }
        frame = pd.DataFrame([row])
        (entry,) = self._entries(frame, round=round, source=None, first_row=None, complete=False)
        return entry

    def read_entries(
        self,
        source: pd.DataFrame | str | os.PathLike[str],
        *,
        round: int = 1,
        encoding: str | None = None,
        sheet: str | int = 0,
    ) -> tuple[ReviewEntry, ...]:
        """Validate a filled form and return one hashed entry per member.

        Parameters
        ----------
        source
            The filled form (DataFrame, CSV or XLSX); see :meth:`form`.
            Decisions may be written as ids or labels (通过, 修改后通过, 不通过).
        round
            Round number (2 for a Delphi second round).
        encoding, sheet
            As in :func:`wetval.read_table`.

        Returns
        -------
        tuple of ReviewEntry
            In panel order.

        Raises
        ------
        wetval.errors.ValidationError
            Listing every problem: missing columns, rows for experts not on
            the panel or listed twice, members without a row, scores that
            are missing, not numbers or outside 0–``score_max``, unknown
            decisions, approvals with revisions that do not say which,
            unreadable dates.
        """
        if isinstance(source, pd.DataFrame):
            return self._entries(source, round=round, source=None, first_row=None, complete=True)
        path = Path(source)
        frame = read_with_text_ids(path, ("expert_id",), encoding=encoding, sheet=sheet)
        return self._entries(frame, round=round, source=str(path), first_row=2, complete=True)

    def _entries(
        self,
        frame: pd.DataFrame,
        *,
        round: int,
        source: str | None,
        first_row: int | None,
        complete: bool,
    ) -> tuple[ReviewEntry, ...]:
        if isinstance(round, bool) or not isinstance(round, int) or round < 1:
            raise ValueError(f"round must be a whole number >= 1, got {round!r}")
        frame = frame.rename(columns=lambda c: str(c).strip())
        labels = (
            list(range(first_row, first_row + len(frame)))
            if first_row is not None
            else list(frame.index)
        )
        problems = ProblemCollector(labels)
        required = ["expert_id", "submitted_on", "decision", *self.criterion_ids]
        for column in required:
            if column not in frame.columns:
                problems.add(
                    Problem(
                        reason=f"required column {column!r} is missing",
                        column=column,
                        fix="use the form from ReviewSheet.form()",
                    )
                )
        problems.raise_if_any("review entries", source)

        ids = pd.Series([_text(v) for v in frame["expert_id"]], dtype=object)
        members = set(self.member_ids)
        problems.add_rows(
            (~ids.isin(members)).to_numpy(),
            column="expert_id",
            values=ids,
            reason="not a member of this panel",
            fix=f"members: {', '.join(self.member_ids)}",
        )
        problems.add_rows(
            (ids.duplicated(keep=False) & ids.isin(members)).to_numpy(),
            column="expert_id",
            values=ids,
            reason="expert listed twice",
            fix="one row per expert",
        )
        if complete:
            absent = [m for m in self.member_ids if m not in set(ids)]
            for member in absent:
                problems.add(
                    Problem(
                        reason="panel member has no entry",
                        column="expert_id",
                        value=member,
                        fix="collect the member's sheet, or replace the member with an alternate "
                        "(PanelDraw.replace) and build a new sheet",
                    )
                )
        scores: dict[str, np.ndarray] = {}
        top = self.rules.score_max
        for criterion in self.criterion_ids:
            values = pd.to_numeric(frame[criterion], errors="coerce").to_numpy(dtype=float)
            scores[criterion] = values
            problems.add_rows(
                ~np.isfinite(values),
                column=criterion,
                values=frame[criterion],
                reason="score missing or not a number",
                fix=f"a number from 0 to {top:g}",
            )
            problems.add_rows(
                np.isfinite(values) & ((values < 0) | (values > top)),
                column=criterion,
                values=frame[criterion],
                reason=f"score outside 0–{top:g}",
                fix=f"scores run from 0 to {top:g}",
            )
        decisions = [parse_decision(v) for v in frame["decision"]]
        accepted = ", ".join(f"{k} / {zh}" for k, (zh, _) in DECISIONS.items())
        problems.add_rows(
            np.array([d is None for d in decisions], dtype=bool),
            column="decision",
            values=frame["decision"],
            reason="decision missing or not recognised",
            fix=f"write one of: {accepted}",
        )
        revisions = [_text(v) for v in frame.get("revisions", pd.Series([""] * len(frame)))]
        problems.add_rows(
            np.array(
                [
                    d == "approve_with_revisions" and not r
                    for d, r in zip(decisions, revisions, strict=True)
                ],
                dtype=bool,
            ),
            column="revisions",
            values=revisions,
            reason="approval with revisions does not say which revisions",
            fix="list the required revisions in the 'revisions' column",
        )
        dates: list[str | None] = []
        for value in frame["submitted_on"]:
            try:
                dates.append(iso_date(value, "submitted_on") if _text(value) else None)
            except ValueError:
                dates.append(None)
        problems.add_rows(
            np.array([d is None for d in dates], dtype=bool),
            column="submitted_on",
            values=frame["submitted_on"],
            reason="submission date missing or not a date",
            fix="write the date the expert returned the sheet, e.g. 2024-03-05",
        )
        problems.raise_if_any("review entries", source)

        comments = [_text(v) for v in frame.get("comment", pd.Series([""] * len(frame)))]
        order = {member: position for position, member in enumerate(self.member_ids)}
        entries = []
        for row in sorted(range(len(frame)), key=lambda r: order[ids.iloc[r]]):
            draft = ReviewEntry(
                expert_id=ids.iloc[row],
                round=round,
                scores={c: float(scores[c][row]) for c in self.criterion_ids},
                decision=str(decisions[row]),
                submitted_on=str(dates[row]),
                comment=comments[row],
                revisions=revisions[row],
                assessment_hash=self.case.assessment_hash,
                sheet_hash=self.sheet_hash,
                entry_hash="",
            )
            entries.append(replace(draft, entry_hash=content_hash(draft.payload())))
        return tuple(entries)


def entries_frame(entries: Iterable[ReviewEntry], criteria: Sequence[str]) -> pd.DataFrame:
    """Entries as a form-shaped table (for export and for the tests)."""
    records = [
        {
            "expert_id": e.expert_id,
            "submitted_on": e.submitted_on,
            "decision": e.decision,
            **{c: e.scores[c] for c in criteria},
            "comment": e.comment,
            "revisions": e.revisions,
        }
        for e in entries
    ]
    return pd.DataFrame.from_records(
        records, columns=["expert_id", "submitted_on", "decision", *criteria, *_FORM_TEXT]
    )
