"""Seeded, stratified and auditable drawing of review panels.

How a panel is drawn (:func:`draw_panel`):

1. **Exclusions.** Every expert of the pool is checked against the case:
   inactive experts and experts suspended on the case date (a suspension
   dated after it does not count); experts employed by, or declaring a
   conflict with, the applicant or the restoration contractor; experts
   declaring a conflict with one of the case's projects; where the card says
   so, experts declaring a conflict with one of the case's townships; and
   experts who served on a panel for the same applicant within the card's
   look-back period. Each exclusion is recorded with its reason.
2. **Random order.** The eligible experts, sorted by id (so the row order of
   the roster file does not matter), are put in a random order by a
   ``numpy.random.Generator`` seeded with the draw's seed.
3. **Panel.** Experts are taken in that order. An expert is skipped only if
   taking them would leave too few places or candidates to reach every
   field's minimum (an expert counts for every field they hold); the check
   is exact (an integer programme solved by ``scipy.optimize.milp``).
4. **Alternates.** Alternates are taken from the rest of the order: first,
   where possible, one holding each field whose minimum rests on the panel
   exactly (so that any member can be replaced), then the next in order.
   They are called in the random order when a member withdraws
   (:meth:`PanelDraw.replace`); if none of them keeps every minimum, the next
   suitable eligible expert in the order is called.

The :class:`PanelDraw` records the seed, the pool's hash, the rules, the
random order of the eligible experts, every exclusion and skip, so anyone holding the pool can
re-run the draw (:meth:`PanelDraw.verify`) and get the same panel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from wetval.cards import Card, load_card
from wetval.dates import iso_date
from wetval.errors import Problem, ValidationError
from wetval.hashing import content_hash
from wetval.messages import Message, MessageValue, Term
from wetval.plotting import axes
from wetval.provenance import CardRef, Provenance
from wetval.results import Record, Result
from wetval.review._hashing import assessment_reference
from wetval.review.errors import InfeasibleDrawError, ReviewIntegrityError
from wetval.review.fields import FIELDS, field_ids, field_labels, normalise_name
from wetval.review.pool import Expert, ExpertPool
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "EXCLUSION_REASONS",
    "MIN_PANEL_SIZE",
    "DrawRules",
    "PanelDraw",
    "ReviewCase",
    "draw_panel",
]

#: Fewest panel members [experts]: 《招标投标法》 Art. 37 requires evaluation committees of
#: "五人以上单数" (five or more, odd); the review card ``review-jinxian`` adopts it by analogy.
MIN_PANEL_SIZE = 5

#: Exclusion reason codes and what they mean.
EXCLUSION_REASONS: dict[str, str] = {
    "inactive": "not an active member of the pool",
    "suspended": "suspended from draws",
    "applicant": "employed by or declared a conflict with the applicant",
    "contractor": "employed by or declared a conflict with the restoration contractor",
    "project": "declared a conflict with a project of the case",
    "township": "declared a conflict with a township of the case",
    "recent_panel": "served on a recent panel for the same applicant",
}

_FIELD_LABEL = {f.id: f.zh for f in FIELDS}


@dataclass(frozen=True)
class ReviewCase(Record):
    """The case a panel is drawn for: which assessment, whose, where, when.

    Build it with :meth:`build`, which accepts the assessment itself.

    Attributes
    ----------
    assessment_hash
        Content hash of the assessment under review.
    assessment_label
        Display name of the assessment.
    applicant
        The organisation that applies (e.g. the occupying project's owner).
    date
        Date of the draw (``YYYY-MM-DD``); the look-back period ends here
        and suspensions count as of this date.
    contractor
        The restoration contractor, if one is known.
    projects
        Project ids of the case (occupation and restoration).
    townships
        Townships the case's parcels lie in.
    """

    assessment_hash: str
    assessment_label: str
    applicant: str
    date: str
    contractor: str | None = None
    projects: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        assessment: object,
        *,
        applicant: str,
        date: dt.date | str,
        contractor: str | None = None,
        projects: Iterable[str] = (),
        townships: Iterable[str] = (),
    ) -> ReviewCase:
        """Describe a case.

        Parameters
        ----------
        assessment
            The assessment's hash, or an object with a ``hash`` or
            ``report_id`` attribute (see
            :func:`wetval.review._hashing.assessment_reference`).
        applicant, date, contractor, projects, townships
            As the attributes.
        """
        problems = []
        try:
            reference, label = assessment_reference(assessment)
        except TypeError as error:
            problems.append(Problem(reason=str(error), column="assessment"))
        if not applicant.strip():
            problems.append(
                Problem(reason="the case needs the applicant's name", column="applicant")
            )
        try:
            day = iso_date(date, "draw date")
        except ValueError as error:
            problems.append(Problem(reason=str(error), column="date", value=date))
        if problems:
            raise ValidationError(problems, what="review case")
        return cls(
            assessment_hash=reference,
            assessment_label=label,
            applicant=applicant.strip(),
            date=day,
            contractor=contractor.strip() if contractor and contractor.strip() else None,
            projects=tuple(p.strip() for p in projects if p.strip()),
            townships=tuple(t.strip() for t in townships if t.strip()),
        )

    def payload(self) -> dict[str, Any]:
        """Plain values for hashing."""
        return {
            "assessment_hash": self.assessment_hash,
            "assessment_label": self.assessment_label,
            "applicant": self.applicant,
            "date": self.date,
            "contractor": self.contractor,
            "projects": list(self.projects),
            "townships": list(self.townships),
        }


@dataclass(frozen=True)
class DrawRules(Record):
    """Rules of a panel draw, normally taken from the review card.

    Attributes
    ----------
    panel_size
        Members; odd and at least :data:`MIN_PANEL_SIZE` (5).
    alternates
        Alternates drawn with the panel (≥ 0).
    field_minimums
        Field id → minimum members holding that field.
    exclude_same_township
        Exclude experts declaring a conflict with a township of the case.
    applicant_lookback_days
        Exclude experts who served for the same applicant within this many
        days before the draw date [d].
    card
        The card the rules came from, if any.

    Raises
    ------
    wetval.errors.ValidationError
        On construction, listing every invalid rule.
    """

    panel_size: int
    alternates: int
    field_minimums: dict[str, int]
    exclude_same_township: bool = True
    applicant_lookback_days: int = 365
    card: CardRef | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.panel_size < MIN_PANEL_SIZE or self.panel_size % 2 == 0:
            problems.append(
                Problem(
                    reason=f"the panel size must be odd and at least {MIN_PANEL_SIZE} "
                    "(招标投标法 Art. 37: 五人以上单数)",
                    column="panel_size",
                    value=self.panel_size,
                    fix="use 5, 7 or 9 (an odd panel cannot tie)",
                )
            )
        if self.alternates < 0:
            problems.append(
                Problem(
                    reason="alternates cannot be negative",
                    column="alternates",
                    value=self.alternates,
                    fix="use 0 for no alternates, or e.g. 2",
                )
            )
        if self.applicant_lookback_days < 0:
            problems.append(
                Problem(
                    reason="the look-back period cannot be negative",
                    column="applicant_lookback_days",
                    value=self.applicant_lookback_days,
                    fix="use 0 to exclude nobody for past panels, or a number of days, e.g. 365",
                )
            )
        known = field_ids()
        for name, minimum in self.field_minimums.items():
            if name not in known:
                problems.append(
                    Problem(
                        reason="unknown field",
                        column="field_minimums",
                        value=name,
                        fix=f"use one of {', '.join(known)}",
                    )
                )
            if int(minimum) != minimum or minimum < 0 or minimum > self.panel_size:
                problems.append(
                    Problem(
                        reason=f"a field minimum must be a whole number from 0 to the panel size "
                        f"({self.panel_size})",
                        column=f"field_minimums.{name}",
                        value=minimum,
                        fix=f"give a whole number of members from 0 to {self.panel_size}, or "
                        "raise the panel size",
                    )
                )
        if problems:
            raise ValidationError(problems, what="draw rules")

    @classmethod
    def from_card(cls, card: Card | str = "review-jinxian", **overrides: Any) -> DrawRules:
        """Rules from a review card, with optional overrides.

        Parameters
        ----------
        card
            Card or card id; reads ``panel_size``, ``alternates``,
            ``applicant_lookback_days``, the table ``field_minimums`` and the
            option ``exclude_same_township``.
        **overrides
            Any attribute, e.g. ``panel_size=7``.
        """
        card = card if isinstance(card, Card) else load_card(card)
        minimums = card.table("field_minimums")["minimum"]
        values: dict[str, Any] = {
            "panel_size": int(card.param("panel_size")),
            "alternates": int(card.param("alternates")),
            "field_minimums": {str(k): int(v) for k, v in minimums.items()},
            "exclude_same_township": bool(card.option("exclude_same_township", True)),
            "applicant_lookback_days": int(card.param("applicant_lookback_days")),
            "card": card.ref,
        }
        unknown = set(overrides) - set(values)
        if unknown:
            raise TypeError(f"unknown draw rules {sorted(unknown)}; known: {sorted(values)}")
        return cls(**(values | overrides))

    def payload(self) -> dict[str, Any]:
        """Plain values for hashing."""
        return {
            "panel_size": self.panel_size,
            "alternates": self.alternates,
            "field_minimums": {k: int(v) for k, v in sorted(self.field_minimums.items())},
            "exclude_same_township": self.exclude_same_township,
            "applicant_lookback_days": self.applicant_lookback_days,
            "card": self.card.model_dump() if self.card else None,
        }


# --------------------------------------------------------------- exclusions
def _exclusions(pool: ExpertPool, case: ReviewCase, rules: DrawRules) -> list[tuple[str, str, str]]:
    """(expert id, reason code, detail) for every exclusion, in id order."""
    status = pool.status(on=case.date).to_dict()
    applicant = normalise_name(case.applicant)
    contractor = normalise_name(case.contractor) if case.contractor else None
    projects = {normalise_name(p): p for p in case.projects}
    townships = {normalise_name(t): t for t in case.townships}
    case_date = dt.date.fromisoformat(case.date)
    recent: dict[str, list[str]] = {}
    for event in pool.events:
        if event.kind != "served":
            continue
        if normalise_name(str(event.details.get("applicant", ""))) != applicant:
            continue
        age = (case_date - dt.date.fromisoformat(event.on)).days
        if 0 <= age <= rules.applicant_lookback_days:
            recent.setdefault(event.expert_id, []).append(event.on)

    found: list[tuple[str, str, str]] = []
    for expert in pool.experts:
        reasons: list[tuple[str, str]] = []
        state = status[expert.expert_id]
        if state != "active":
            reasons.append((state, f"status {state}"))
        organisations = {normalise_name(o) for o in expert.conflict_organisations}
        employer = normalise_name(expert.affiliation)
        if applicant == employer:
            reasons.append(("applicant", f"employed by the applicant ({expert.affiliation})"))
        elif applicant in organisations:
            reasons.append(("applicant", f"declared a conflict with {case.applicant}"))
        if contractor is not None:
            if contractor == employer:
                reasons.append(("contractor", f"employed by the contractor ({expert.affiliation})"))
            elif contractor in organisations:
                reasons.append(("contractor", f"declared a conflict with {case.contractor}"))
        clashes = [
            projects[p] for p in map(normalise_name, expert.conflict_projects) if p in projects
        ]
        if clashes:
            reasons.append(("project", "declared conflict with project " + ", ".join(clashes)))
        if rules.exclude_same_township:
            towns = [
                townships[t]
                for t in map(normalise_name, expert.conflict_townships)
                if t in townships
            ]
            if towns:
                reasons.append(("township", "declared conflict with township " + ", ".join(towns)))
        if expert.expert_id in recent:
            dates = ", ".join(sorted(recent[expert.expert_id]))
            reasons.append(("recent_panel", f"served for {case.applicant} on {dates}"))
        found += [(expert.expert_id, code, detail) for code, detail in reasons]
    return found


# ----------------------------------------------------------- feasibility
def _cover(experts: Sequence[Expert], fields: Sequence[str]) -> np.ndarray:
    """Boolean matrix experts × constrained fields."""
    return np.array([[f in e.fields for f in fields] for e in experts], dtype=bool).reshape(
        len(experts), len(fields)
    )


def _fewest_members(cover: np.ndarray, need: np.ndarray) -> int | None:
    """Fewest candidates (rows of ``cover``) that together meet ``need``; None if impossible."""
    if not (need > 0).any():
        return 0
    if cover.shape[0] == 0 or (cover.sum(axis=0) < need).any():
        return None
    n = cover.shape[0]
    result = milp(
        c=np.ones(n),
        constraints=LinearConstraint(cover.T.astype(float), lb=need.astype(float), ub=np.inf),
        integrality=np.ones(n, dtype=np.int64),
        bounds=Bounds(0, 1),
    )
    if result.status != 0:
        return None
    return round(float(result.fun))


def _greedy_members(cover: np.ndarray, need: np.ndarray) -> int | None:
    """Members a greedy cover uses (an upper bound of the fewest); None if it fails."""
    remaining = need.astype(np.int64).copy()
    available = np.ones(cover.shape[0], dtype=bool)
    count = 0
    while (remaining > 0).any():
        gains = (cover & (remaining > 0)).sum(axis=1) * available
        best = int(np.argmax(gains))
        if gains[best] == 0:
            return None
        remaining -= cover[best]
        available[best] = False
        count += 1
    return count


def _completable(cover: np.ndarray, need: np.ndarray, seats: int) -> bool:
    """Whether ``seats`` more members can be chosen from the candidates to meet ``need``."""
    if cover.shape[0] < seats or int(need.max(initial=0)) > seats:
        return False
    greedy = _greedy_members(cover, need)
    if greedy is not None and greedy <= seats:
        return True  # the greedy cover is a witness; no need for the exact programme
    fewest = _fewest_members(cover, need)
    return fewest is not None and fewest <= seats


# ------------------------------------------------------------------ record
@dataclass(frozen=True)
class PanelDraw(Result):
    """The record of a panel draw: who, why, and how to check it.

    Attributes
    ----------
    case, rules, seed
        What was drawn for, under which rules, with which seed.
    pool_hash
        :attr:`ExpertPool.hash` of the pool drawn from.
    pool_size, pool_events
        Experts in that pool and the length of its history then.
    eligible
        Every eligible expert, in the random order of the draw, indexed by
        expert id (``name``, ``fields`` as ``"；"``-joined ids,
        ``affiliation``, ``title``).
    members, alternates
        Panel members and alternates (rows of ``eligible``), in the order
        they were drawn or are called.
    excluded
        One row per exclusion: ``expert_id``, ``name``, ``reason`` (a code of
        :data:`EXCLUSION_REASONS`) and ``detail``.
    skipped
        Eligible experts passed over because taking them would have made a
        field minimum unreachable.
    replacements
        Withdrawals after the draw, in order: ``{"out", "in", "reason",
        "source"}``; ``source`` is ``"alternates"`` or ``"order"`` (no
        alternate fitted, the next suitable eligible expert was called).
    synthetic
        True when drawn from a SYNTHETIC pool.
    draw_hash
        SHA-256 of everything above.
    provenance
        Card, input hashes, seed.
    """

    case: ReviewCase
    rules: DrawRules
    seed: int
    pool_hash: str
    pool_size: int
    pool_events: int
    eligible: pd.DataFrame
    members: pd.DataFrame
    alternates: pd.DataFrame
    excluded: pd.DataFrame
    skipped: tuple[str, ...]
    draw_hash: str
    replacements: tuple[dict[str, str], ...] = ()
    synthetic: bool = False
    provenance: Provenance = field(default_factory=Provenance)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Read a draw written by :meth:`to_json`, checking its draw hash.

        Raises
        ------
        ReviewIntegrityError
            If the stored draw was altered (re-running it needs the pool:
            :meth:`verify`).
        """
        draw = super().from_json(text)
        if content_hash(draw.payload()) != draw.draw_hash:
            raise ReviewIntegrityError(
                "panel draw", ["the draw record's content does not match its draw hash"]
            )
        return draw

    @property
    def order(self) -> tuple[str, ...]:
        """Eligible expert ids in the random order of the draw."""
        return tuple(str(i) for i in self.eligible.index)

    @property
    def member_ids(self) -> tuple[str, ...]:
        """Panel member ids, in draw order."""
        return tuple(str(i) for i in self.members.index)

    @property
    def alternate_ids(self) -> tuple[str, ...]:
        """Alternate ids, in the order they are called."""
        return tuple(str(i) for i in self.alternates.index)

    def payload(self) -> dict[str, Any]:
        """Plain values covered by :attr:`draw_hash`."""
        return {
            "case": self.case.payload(),
            "rules": self.rules.payload(),
            "seed": self.seed,
            "pool_hash": self.pool_hash,
            "pool_size": self.pool_size,
            "pool_events": self.pool_events,
            "eligible": _rows(self.eligible),
            "members": list(self.member_ids),
            "alternates": list(self.alternate_ids),
            "excluded": self.excluded[["expert_id", "reason", "detail"]].to_numpy().tolist(),
            "skipped": list(self.skipped),
            "replacements": [dict(r) for r in self.replacements],
            "synthetic": self.synthetic,
        }

    def to_frame(self) -> pd.DataFrame:
        """Members and alternates in one table with a ``role`` column."""
        members = self.members.assign(role="member")
        alternates = self.alternates.assign(role="alternate")
        return pd.concat([members, alternates])

    def summary(self) -> Summary:
        """The draw: case, audit data, rules, panel, alternates, replacements, exclusions."""
        case = self.case
        title = Message.of(
            "sum_draw", "note", assessment=case.assessment_label,
            hash=case.assessment_hash[:12], applicant=case.applicant, date=case.date,
        )  # fmt: skip
        minimums = tuple(
            Message.of("sum_field_count", "note", field=label, count=int(n))
            for label, n in zip(
                field_labels(self.rules.field_minimums),
                self.rules.field_minimums.values(),
                strict=True,
            )
        )
        tables = [
            SummaryTable("panel", "sum_panel_table", _experts_table(self.members)),
            SummaryTable("alternates", "sum_alternates_table", _experts_table(self.alternates)),
        ]
        if self.replacements:
            replacements = pd.DataFrame(
                {
                    "sum_replaced_out": [r["out"] for r in self.replacements],
                    "sum_replaced_in": [r["in"] for r in self.replacements],
                    "sum_reason": [r["reason"] for r in self.replacements],
                    "sum_source": [
                        Term(f"sum_source_{r['source']}", r["source"]) for r in self.replacements
                    ],
                }
            )
            tables.append(SummaryTable("replacements", "sum_replacements_table", replacements))
        counts = self.excluded.groupby("reason")["expert_id"].nunique()
        if len(counts):
            excluded = pd.DataFrame(
                {
                    "sum_reason": [Term(f"excl_{k}", str(k)) for k in counts.index],
                    "sum_experts": counts.to_numpy(dtype=int),
                }
            )
            tables.append(SummaryTable("excluded", "sum_excluded_table", excluded))
        skipped: MessageValue = self.skipped or Term("sum_none", "none")
        excluded_experts = int(self.excluded["expert_id"].nunique())
        notes = [
            Message.of(
                "sum_draw_audit", "note", seed=str(self.seed), pool=self.pool_hash[:12],
                size=self.pool_size, events=self.pool_events, draw=self.draw_hash[:12],
            ),
            Message.of(
                "sum_draw_rules", "note", members=self.rules.panel_size,
                alternates=self.rules.alternates, minimums=minimums,
            ),
            Message.of("sum_draw_excluded", "note", experts=excluded_experts),
            Message.of("sum_draw_skipped", "note", skipped=skipped),
        ]  # fmt: skip
        if self.synthetic:
            notes.insert(0, Message.of("sum_synthetic", "note"))
        return Summary(title, tuple(tables), tuple(notes))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Panel members per field against the rules' minimum [experts]."""
        ax = axes(ax)
        held = {f.id: 0 for f in FIELDS}
        for text in self.members["fields"]:
            for f in str(text).split("；"):
                if f in held:
                    held[f] += 1
        shown = [f for f in FIELDS if held[f.id] or self.rules.field_minimums.get(f.id)]
        x = np.arange(len(shown))
        ax.bar(x, [held[f.id] for f in shown], color="tab:blue", label="panel / 评审专家")
        ax.plot(
            x, [self.rules.field_minimums.get(f.id, 0) for f in shown], marker="_",
            markersize=30, linestyle="none", color="tab:red", label="minimum / 最少人数",
        )  # fmt: skip
        ax.set_xticks(x, [f.zh for f in shown], rotation=20)
        ax.set_ylabel("experts / 专家数")
        ax.set_title(f"Panel draw / 专家抽取 (seed {self.seed})")
        ax.legend(loc="upper right")
        return ax

    def replace(self, expert_id: str, reason: str) -> PanelDraw:
        """Replace a withdrawing member, keeping every field minimum.

        The first alternate (in call order) who keeps every minimum takes the
        seat; if none does, the first such eligible expert further down the
        random order. A withdrawn expert is never called back.

        Parameters
        ----------
        expert_id
            The member who withdraws.
        reason
            Why (recorded).

        Returns
        -------
        PanelDraw
            A new record with the replacement appended.

        Raises
        ------
        wetval.errors.ValidationError
            If the expert is not a member or no reason is given.
        InfeasibleDrawError
            If no alternate and no other eligible expert keeps every field
            minimum.
        """
        if expert_id not in self.member_ids or not reason.strip():
            problems = []
            if expert_id not in self.member_ids:
                problems.append(
                    Problem(
                        reason="not a panel member",
                        value=expert_id,
                        fix=f"members: {', '.join(self.member_ids)}",
                    )
                )
            if not reason.strip():
                problems.append(Problem(reason="a replacement needs a reason", column="reason"))
            raise ValidationError(problems, what="replacement request")
        remaining = self.members.drop(index=expert_id)
        minimums = self.rules.field_minimums
        unavailable = {r["out"] for r in self.replacements} | {expert_id, *self.member_ids}
        reserve = [
            i for i in self.order if i not in unavailable and i not in set(self.alternate_ids)
        ]
        candidates = [(i, "alternates") for i in self.alternate_ids] + [
            (i, "order") for i in reserve
        ]
        for candidate, source in candidates:
            panel = pd.concat([remaining, self.eligible.loc[[candidate]]])
            if not _shortfalls(panel, minimums):
                replacement = {
                    "out": expert_id,
                    "in": candidate,
                    "reason": reason.strip(),
                    "source": source,
                }
                updated = replace(
                    self,
                    members=panel,
                    alternates=self.alternates.drop(index=candidate, errors="ignore"),
                    replacements=(*self.replacements, replacement),
                    draw_hash="",
                )
                return replace(updated, draw_hash=content_hash(updated.payload()))
        short = _shortfalls(remaining, minimums)
        raise InfeasibleDrawError(
            f"no eligible expert can replace {expert_id} without breaking the field minimums: "
            + "; ".join(f"{f} would have {have} of {need}" for f, (have, need) in short.items())
            + ". Draw a new panel, or lower the minimums.",
            {f: need - have for f, (have, need) in short.items()},
        )

    def verify(self, pool: ExpertPool) -> None:
        """Re-run the draw on ``pool`` and check it gives this record.

        ``pool`` may have grown since (more history events): it is then
        taken as it was at the draw (:meth:`ExpertPool.until`).

        Raises
        ------
        ReviewIntegrityError
            If the pool is not the one drawn from, or the re-run differs
            (naming what differs), or the record's hash does not match.
        """
        failures = []
        if content_hash(self.payload()) != self.draw_hash:
            failures.append("the draw record's content does not match its draw hash")
        then = pool
        if pool.hash != self.pool_hash and len(pool.events) > self.pool_events:
            then = pool.until(self.pool_events)
        if then.hash != self.pool_hash:
            failures.append(
                f"the pool given ({then.hash[:12]}) is not the pool drawn from "
                f"({self.pool_hash[:12]}); use the pool file saved with the draw"
            )
            raise ReviewIntegrityError("panel draw", failures)
        rerun = draw_panel(then, self.case, self.rules, seed=self.seed)
        for replacement in self.replacements:
            rerun = rerun.replace(replacement["out"], replacement["reason"])
        if not rerun.eligible.equals(self.eligible):
            failures.append("re-running the draw gives different eligible experts or order")
        for name in ("member_ids", "alternate_ids", "skipped", "replacements"):
            if getattr(rerun, name) != getattr(self, name):
                failures.append(f"re-running the draw gives different {name.replace('_ids', 's')}")
        if not rerun.excluded[["expert_id", "reason"]].equals(
            self.excluded[["expert_id", "reason"]]
        ):
            failures.append("re-running the draw gives different exclusions")
        if failures:
            raise ReviewIntegrityError("panel draw", failures)


def _experts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Expert id, name, fields (both languages) and affiliation of a members' frame."""
    return pd.DataFrame(
        {
            "expert_id": [str(i) for i in frame.index],
            "expert_name": [str(v) for v in frame["name"]],
            "expert_fields": [field_labels(str(v).split("；")) for v in frame["fields"]],
            "affiliation": [str(v) for v in frame["affiliation"]],
        }
    )


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    """An expert table as plain rows (id, name, fields, affiliation, title) for hashing."""
    columns = [frame[c].astype(str).tolist() for c in ("name", "fields", "affiliation", "title")]
    return [[str(i), *values] for i, *values in zip(frame.index, *columns, strict=True)]


def _shortfalls(panel: pd.DataFrame, minimums: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Field → (members holding it, minimum) for every unmet minimum."""
    held = [set(str(f).split("；")) for f in panel["fields"]]
    short = {}
    for name, need in minimums.items():
        have = sum(name in fields for fields in held)
        if have < need:
            short[name] = (have, int(need))
    return short


def _expert_rows(experts: Sequence[Expert]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [e.name for e in experts],
            "fields": ["；".join(e.fields) for e in experts],
            "affiliation": [e.affiliation for e in experts],
            "title": [e.title for e in experts],
        },
        index=pd.Index([e.expert_id for e in experts], name="expert_id", dtype=object),
    )


def _alternates(cover: np.ndarray, chosen: list[int], need: np.ndarray, count: int) -> list[int]:
    """Positions of the alternates: cover the fields resting on the panel exactly, then fill.

    A field is *tight* when the panel holds exactly its minimum, so losing any
    holder breaks it. Going down the order, an expert holding a tight field not
    yet covered is taken first; the remaining places go to the next experts in
    order. The result is in the random order (the call order).
    """
    taken = set(chosen)
    rest = [i for i in range(cover.shape[0]) if i not in taken]
    held = cover[chosen].sum(axis=0) if chosen else np.zeros(cover.shape[1], dtype=np.int64)
    uncovered = (need > 0) & (held == need)
    picked: list[int] = []
    for position in rest:
        if len(picked) == count or not uncovered.any():
            break
        if (cover[position] & uncovered).any():
            picked.append(position)
            uncovered &= ~cover[position]
    picked += [i for i in rest if i not in set(picked)][: count - len(picked)]
    return sorted(picked)


def _infeasible(
    pool: ExpertPool,
    case: ReviewCase,
    rules: DrawRules,
    cover: np.ndarray,
    exclusions: Sequence[tuple[str, str, str]],
) -> InfeasibleDrawError | None:
    """The error explaining why no panel can be drawn, or None if one can.

    ``cover`` is the eligible experts × constrained fields matrix.
    """
    fields = [f for f, n in rules.field_minimums.items() if n > 0]
    need = np.array([rules.field_minimums[f] for f in fields], dtype=int)
    n_eligible = cover.shape[0]
    reasons_of: dict[str, list[str]] = {}
    for expert_id, code, _ in exclusions:
        reasons_of.setdefault(expert_id, []).append(code)
    shortfalls: dict[str, int] = {}
    lines = []
    for position, name in enumerate(fields):
        have = int(cover[:, position].sum())
        if have < need[position]:
            shortfalls[name] = int(need[position]) - have
            holders = [e.expert_id for e in pool.experts if name in e.fields]
            excluded = [i for i in holders if i in reasons_of]
            codes = pd.Series([reasons_of[i][0] for i in excluded], dtype=object).value_counts()
            why = ", ".join(f"{n} {EXCLUSION_REASONS[str(c)]}" for c, n in codes.items())
            lines.append(
                f"- {name} ({_FIELD_LABEL[name]}): {have} eligible, the rules need "
                f"{need[position]} — short by {shortfalls[name]} (the pool has {len(holders)} "
                f"{name} experts; {len(excluded)} excluded" + (f": {why}" if why else "") + ")"
            )
    total_needed = rules.panel_size + rules.alternates
    if n_eligible < rules.panel_size:
        shortfalls["panel"] = rules.panel_size - n_eligible
        lines.append(
            f"- panel: {n_eligible} eligible experts in all, a panel needs "
            f"{rules.panel_size} — short by {shortfalls['panel']}"
        )
    elif n_eligible < total_needed:
        shortfalls["alternates"] = total_needed - n_eligible
        lines.append(
            f"- alternates: {n_eligible} eligible experts in all, {rules.panel_size} members "
            f"and {rules.alternates} alternates need {total_needed} — short by "
            f"{shortfalls['alternates']}"
        )
    if not shortfalls:
        fewest = _fewest_members(cover, need)
        if fewest is None or fewest > rules.panel_size:
            seats = fewest if fewest is not None else n_eligible + 1
            shortfalls["combination"] = seats - rules.panel_size
            lines.append(
                f"- combination: meeting every minimum at once takes {seats} members, the panel "
                f"has {rules.panel_size} — short by {shortfalls['combination']} seat(s); too few "
                "eligible experts hold several of the required fields"
            )
    if not shortfalls:
        return None
    message = (
        f"cannot draw a panel of {rules.panel_size} with {rules.alternates} alternate(s) for "
        f"assessment {case.assessment_label} (applicant {case.applicant}):\n"
        + "\n".join(lines)
        + "\nfix: add eligible experts in the short fields, lower the minimums, the panel size "
        "or the alternates in the card, or reinstate suspended experts"
    )
    return InfeasibleDrawError(message, shortfalls)


def draw_panel(
    pool: ExpertPool,
    case: ReviewCase,
    rules: DrawRules | None = None,
    *,
    seed: int,
) -> PanelDraw:
    """Draw a review panel and its alternates (see the module docstring).

    Parameters
    ----------
    pool
        The expert pool (with its history: suspensions, past panels).
    case
        What the panel reviews (:class:`ReviewCase`).
    rules
        Draw rules; by default from the card ``review-jinxian``.
    seed
        Seed of the random order; recorded, so the draw can be repeated.
        Fix it before the draw in a way nobody controls (e.g. announced in
        advance or drawn in front of witnesses), so that nobody can re-draw
        until they like the panel.

    Returns
    -------
    PanelDraw

    Raises
    ------
    InfeasibleDrawError
        Saying which field is short and by how many (or that the panel or
        the alternates are short, or that the minimums cannot be met
        together).
    """
    rules = rules if rules is not None else DrawRules.from_card()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"the seed must be a non-negative whole number, got {seed!r}")
    seed = int(seed)
    exclusions = _exclusions(pool, case, rules)
    excluded_ids = {expert_id for expert_id, _, _ in exclusions}
    eligible = [e for e in pool.experts if e.expert_id not in excluded_ids]
    fields = [f for f, n in rules.field_minimums.items() if n > 0]
    need = np.array([rules.field_minimums[f] for f in fields], dtype=int)
    eligible_cover = _cover(eligible, fields)
    error = _infeasible(pool, case, rules, eligible_cover, exclusions)
    if error is not None:
        raise error

    rng = np.random.default_rng(seed)
    permutation = rng.permutation(len(eligible))
    ordered = [eligible[i] for i in permutation]
    cover = eligible_cover[permutation]
    chosen: list[int] = []
    skipped: list[int] = []
    # Once an expert holding none of the still-needed fields had to be skipped, every
    # later such expert must be skipped too (same need, same seats, fewer candidates),
    # until somebody is chosen; this keeps long runs of skips cheap.
    useless_blocked = False
    for position in range(len(ordered)):
        if len(chosen) == rules.panel_size:
            break
        needed = np.maximum(need - cover[chosen].sum(axis=0), 0)
        useless = not (cover[position] & (needed > 0)).any()
        if useless and useless_blocked:
            skipped.append(position)
            continue
        remaining_need = np.maximum(needed - cover[position], 0)
        seats = rules.panel_size - len(chosen) - 1
        if _completable(cover[position + 1 :], remaining_need, seats):
            chosen.append(position)
            useless_blocked = False
        else:
            skipped.append(position)
            useless_blocked = useless_blocked or useless
    alternates = _alternates(cover, chosen, need, rules.alternates)

    names = {e.expert_id: e.name for e in pool.experts}
    excluded = pd.DataFrame(
        {
            "expert_id": [i for i, _, _ in exclusions],
            "name": [names[i] for i, _, _ in exclusions],
            "reason": [c for _, c, _ in exclusions],
            "detail": [d for _, _, d in exclusions],
        },
        columns=["expert_id", "name", "reason", "detail"],
        dtype=object,
    )
    pool_hash = pool.hash
    record = PanelDraw(
        case=case,
        rules=rules,
        seed=seed,
        pool_hash=pool_hash,
        pool_size=len(pool),
        pool_events=len(pool.events),
        eligible=_expert_rows(ordered),
        members=_expert_rows([ordered[i] for i in chosen]),
        alternates=_expert_rows([ordered[i] for i in alternates]),
        excluded=excluded,
        skipped=tuple(ordered[i].expert_id for i in skipped),
        draw_hash="",
        synthetic=pool.synthetic,
        provenance=Provenance(
            method="review-panel-draw",
            cards=(rules.card,) if rules.card else (),
            inputs={"pool": pool_hash, "assessment": case.assessment_hash},
            seed=seed,
            options=rules.payload(),
        ),
    )
    return replace(record, draw_hash=content_hash(record.payload()))
