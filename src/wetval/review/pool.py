"""The expert pool (专家库): experts, their conflicts and their managed history.

An :class:`ExpertPool` is an immutable roster of :class:`Expert` records plus
an append-only, hash-chained history of :class:`ExpertEvent` records:
suspensions and reinstatements (each with its reason) and every panel an
expert served on, with timeliness and how far their scores were from the
panel's consensus. Every change returns a new pool; nothing is ever edited
in place, and :meth:`ExpertPool.verify` detects an edited history.

Rosters are read from and written to CSV or XLSX (one row per expert, lists
such as fields separated by ``；`` or ``、``); the whole pool, history
included, is kept as JSON.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from wetval._flags import FLAG_SPELLINGS, parse_flags
from wetval.atomic import write_atomic
from wetval.cards import Card, load_card
from wetval.dates import iso_date
from wetval.errors import Problem, ProblemCollector, ValidationError
from wetval.hashing import content_hash
from wetval.messages import Bilingual, Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.results import Record, Result
from wetval.review._files import read_with_text_ids
from wetval.review.errors import ReviewIntegrityError
from wetval.review.fields import FIELDS, parse_fields, split_list
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.review.record import ReviewRecord

__all__ = ["EVENT_KINDS", "ROSTER_ALIASES", "Expert", "ExpertEvent", "ExpertPool", "read_pool"]

#: Kinds of history events.
EVENT_KINDS = ("suspended", "reinstated", "served")

#: Roster columns and the other headers accepted for them (case and spaces ignored).
ROSTER_ALIASES: dict[str, tuple[str, ...]] = {
    "expert_id": ("专家编号", "编号", "id"),
    "name": ("姓名", "专家姓名"),
    "fields": ("专业领域", "领域", "专业"),
    "affiliation": ("工作单位", "单位"),
    "title": ("职称",),
    "active": ("是否有效", "在库状态", "状态"),
    "conflict_organisations": ("回避单位", "关联单位", "conflict_organizations"),
    "conflict_projects": ("回避项目", "关联项目"),
    "conflict_townships": ("回避乡镇", "关联乡镇"),
}
_REQUIRED = ("expert_id", "name", "fields", "affiliation")
_LIST_COLUMNS = ("fields", "conflict_organisations", "conflict_projects", "conflict_townships")
#: Roster words for active / inactive besides the common yes/no spellings (wetval._flags).
_ACTIVE_WORDS = ("有效", "在库", "active")
_INACTIVE_WORDS = ("无效", "退出", "inactive")
#: What a status event is called in messages.
_REQUEST = {"suspended": "suspension", "reinstated": "reinstatement"}
_LIST_SEPARATOR = "；"
_CHAIN_START = "0" * 64


@dataclass(frozen=True)
class Expert(Record):
    """One expert of the pool.

    Attributes
    ----------
    expert_id
        Identifier, unique in the pool.
    name
        Full name.
    fields
        Field ids (see :data:`wetval.review.fields.FIELDS`); the expert counts
        for each of them in a panel.
    affiliation
        Employer (工作单位); an expert is never drawn for a case whose
        applicant or contractor is their employer.
    title
        Professional title (职称), free text.
    active
        False for experts who have left the pool (retired, resigned); they
        are never drawn. Temporary suspension is a history event instead.
    conflict_organisations, conflict_projects, conflict_townships
        Declared conflicts of interest (回避): organisations (besides the
        employer), project ids and townships.
    """

    expert_id: str
    name: str
    fields: tuple[str, ...]
    affiliation: str
    title: str = ""
    active: bool = True
    conflict_organisations: tuple[str, ...] = ()
    conflict_projects: tuple[str, ...] = ()
    conflict_townships: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        """Plain values for hashing."""
        return {
            "expert_id": self.expert_id,
            "name": self.name,
            "fields": list(self.fields),
            "affiliation": self.affiliation,
            "title": self.title,
            "active": self.active,
            "conflict_organisations": list(self.conflict_organisations),
            "conflict_projects": list(self.conflict_projects),
            "conflict_townships": list(self.conflict_townships),
        }


@dataclass(frozen=True)
class ExpertEvent(Record):
    """One entry of the pool's history; hash-chained to the one before.

    Attributes
    ----------
    seq
        Position in the history (0, 1, ...).
    kind
        ``"suspended"``, ``"reinstated"`` or ``"served"``.
    expert_id
        The expert concerned.
    on
        Date of the event (``YYYY-MM-DD``); for ``served``, the draw date.
    reason
        Why (required for suspension and reinstatement).
    by
        Who recorded it.
    details
        For ``served``: ``assessment_hash``, ``record_hash``, ``applicant``,
        ``due``, ``submitted_on``, ``days_late``, ``deviation`` [points],
        ``outlier``, ``decision``.
    prev_hash
        Hash of the previous event (64 zeros for the first).
    hash
        SHA-256 of this event's content and ``prev_hash``.
    """

    seq: int
    kind: str
    expert_id: str
    on: str
    reason: str
    by: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def payload(self) -> dict[str, Any]:
        """Plain values covered by :attr:`hash`."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "expert_id": self.expert_id,
            "on": self.on,
            "reason": self.reason,
            "by": self.by,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }


def _event(
    previous: Sequence[ExpertEvent],
    kind: str,
    expert_id: str,
    on: dt.date | str,
    reason: str,
    by: str,
    details: dict[str, Any] | None = None,
) -> ExpertEvent:
    prev_hash = previous[-1].hash if previous else _CHAIN_START
    draft = ExpertEvent(
        seq=len(previous),
        kind=kind,
        expert_id=expert_id,
        on=iso_date(on, "event date"),
        reason=reason,
        by=by,
        details=dict(details or {}),
        prev_hash=prev_hash,
        hash="",
    )
    return replace(draft, hash=content_hash(draft.payload()))


def _resolve(columns: Iterable[object]) -> dict[str, str]:
    """Canonical roster column → the frame's column holding it."""
    lookup = {str(c).strip().casefold(): str(c) for c in columns}
    resolved: dict[str, str] = {}
    for canonical, aliases in ROSTER_ALIASES.items():
        for name in (canonical, *aliases):
            if name.casefold() in lookup:
                resolved[canonical] = lookup[name.casefold()]
                break
    return resolved


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class ExpertPool(Result):
    """An immutable expert pool with its history.

    Build one with :meth:`from_frame` or :func:`read_pool`; manage it with
    :meth:`suspend`, :meth:`reinstate`, :meth:`record_review` and
    :meth:`with_roster`, each returning a new pool.

    Attributes
    ----------
    experts
        The roster, sorted by expert id.
    events
        The history, oldest first, hash-chained.
    source
        Where the roster came from.
    synthetic
        True for generated (SYNTHETIC) pools.
    """

    experts: tuple[Expert, ...]
    events: tuple[ExpertEvent, ...] = ()
    source: str | None = None
    synthetic: bool = False

    # ------------------------------------------------------------ building
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        source: str | None = None,
        first_row: int | None = None,
        synthetic: bool | None = None,
    ) -> ExpertPool:
        """Validate a roster table (one row per expert).

        Parameters
        ----------
        frame
            Columns ``expert_id``, ``name``, ``fields``, ``affiliation``
            (required) and ``title``, ``active``, ``conflict_organisations``,
            ``conflict_projects``, ``conflict_townships`` (optional), or
            their Chinese headers (:data:`ROSTER_ALIASES`). List cells
            separate items with ``；``, ``;``, ``、``, ``,`` or line breaks.
            Fields may be given by id, Chinese or English label.
        source
            Where the data came from, quoted in error messages.
        first_row
            Spreadsheet row number of the first record (2 for a file with a
            header line); errors then cite these numbers.
        synthetic
            Mark the pool SYNTHETIC; by default true when
            ``frame.attrs["synthetic"]`` is set or every id starts with ``SYN-``
            (the ids :func:`~wetval.review.synthetic_pool` writes, so a
            synthetic roster stays labelled after a round trip through a file).

        Returns
        -------
        ExpertPool

        Raises
        ------
        wetval.errors.ValidationError
            Listing every problem: missing columns, missing or duplicate
            ids, missing names or affiliations, experts without a field,
            unknown fields, unrecognised active flags.
        """
        labels = (
            list(range(first_row, first_row + len(frame)))
            if first_row is not None
            else list(frame.index)
        )
        problems = ProblemCollector(labels)
        resolved = _resolve(frame.columns)
        for required in _REQUIRED:
            if required not in resolved:
                accepted = ", ".join((required, *ROSTER_ALIASES[required]))
                problems.add(
                    Problem(
                        reason=f"required column {required!r} is missing (accepted headers: "
                        f"{accepted}; found: {', '.join(map(str, frame.columns))})",
                        column=required,
                        fix="add the column to the roster",
                    )
                )
        problems.raise_if_any("expert roster", source)

        def column(name: str) -> list[object]:
            return frame[resolved[name]].tolist() if name in resolved else [None] * len(frame)

        ids = pd.Series([_text(v) for v in column("expert_id")], dtype=object)
        names = [_text(v) for v in column("name")]
        affiliations = [_text(v) for v in column("affiliation")]
        raw_fields = column("fields")
        parsed = [parse_fields(v) for v in raw_fields]
        active = parse_flags(
            column("active") if "active" in resolved else None,
            len(frame),
            column=resolved.get("active", "active"),
            problems=problems,
            default=True,
            true_words=_ACTIVE_WORDS,
            false_words=_INACTIVE_WORDS,
            reason="active flag not recognised",
            fix=f"write {FLAG_SPELLINGS} (or 有效/无效) (blank means active)",
        )

        missing_id = (ids == "").to_numpy()
        problems.add_rows(
            missing_id,
            column=resolved["expert_id"],
            values=ids,
            reason="missing expert id",
            fix="give every expert a unique id",
        )
        problems.add_rows(
            ids.duplicated(keep=False).to_numpy() & ~missing_id,
            column=resolved["expert_id"],
            values=ids,
            reason="duplicate expert id",
            fix="expert ids must be unique",
        )
        problems.add_rows(
            np.array([not n for n in names]),
            column=resolved["name"],
            values=names,
            reason="missing name",
            fix="give the expert's name",
        )
        problems.add_rows(
            np.array([not a for a in affiliations]),
            column=resolved["affiliation"],
            values=affiliations,
            reason="missing affiliation",
            fix="give the expert's employer (工作单位); conflicts are checked against it",
        )
        no_field = np.array([not known and not unknown for known, unknown in parsed])
        problems.add_rows(
            no_field,
            column=resolved["fields"],
            values=raw_fields,
            reason="no field given",
            fix="give at least one field, e.g. 湿地；生态环境",
        )
        unknown_mask = np.array([bool(unknown) for _, unknown in parsed])
        unknown_values = ["; ".join(unknown) for _, unknown in parsed]
        valid = ", ".join(f"{f.id} ({f.zh})" for f in FIELDS)
        problems.add_rows(
            unknown_mask,
            column=resolved["fields"],
            values=unknown_values,
            reason="unknown field",
            fix=f"use one of: {valid}",
        )
        problems.raise_if_any("expert roster", source)

        lists = {name: [split_list(v) for v in column(name)] for name in _LIST_COLUMNS[1:]}
        titles = [_text(v) for v in column("title")]
        experts = [
            Expert(
                expert_id=ids.iloc[i],
                name=names[i],
                fields=parsed[i][0],
                affiliation=affiliations[i],
                title=titles[i],
                active=bool(active[i]),
                conflict_organisations=lists["conflict_organisations"][i],
                conflict_projects=lists["conflict_projects"][i],
                conflict_townships=lists["conflict_townships"][i],
            )
            for i in range(len(frame))
        ]
        if synthetic is None:
            synthetic = bool(frame.attrs.get("synthetic", False)) or (
                len(experts) > 0 and all(e.expert_id.startswith("SYN-") for e in experts)
            )
        return cls(
            experts=tuple(sorted(experts, key=lambda e: e.expert_id)),
            source=source,
            synthetic=synthetic,
        )

    @classmethod
    def read(
        cls, path: str | os.PathLike[str], *, encoding: str | None = None, sheet: str | int = 0
    ) -> ExpertPool:
        """Read a roster (CSV/XLSX) or a whole pool with history (JSON).

        A JSON pool is verified on reading (see :meth:`verify`).
        """
        path = Path(path)
        if path.suffix.lower() == ".json":
            if not path.is_file():
                raise ValidationError(
                    [Problem(reason="file not found", fix="check the path")],
                    what="expert pool",
                    source=str(path),
                )
            pool = cls.from_json(path.read_text(encoding="utf-8"))
            pool.verify()
            return replace(pool, source=str(path))
        ids = ("expert_id", *ROSTER_ALIASES["expert_id"])
        frame = read_with_text_ids(path, ids, encoding=encoding, sheet=sheet)
        first_row = 2 if path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm", ".xls"} else None
        return cls.from_frame(frame, source=str(path), first_row=first_row)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the pool: ``.json`` keeps the history; CSV/XLSX write the roster only."""
        from wetval.io import write_table

        path = Path(path)
        if path.suffix.lower() == ".json":
            return write_atomic(path, self.to_json(indent=1).encode("utf-8"))
        return write_table(self.roster(), path, index=False)

    # ------------------------------------------------------------- access
    @property
    def ids(self) -> tuple[str, ...]:
        """Expert ids, sorted."""
        return tuple(e.expert_id for e in self.experts)

    def __len__(self) -> int:
        return len(self.experts)

    def expert(self, expert_id: str) -> Expert:
        """The expert with this id.

        Raises
        ------
        wetval.errors.ValidationError
            If the pool has no such expert.
        """
        for expert in self.experts:
            if expert.expert_id == expert_id:
                return expert
        raise ValidationError(
            [
                Problem(
                    reason="no expert with this id in the pool",
                    value=expert_id,
                    fix=f"use one of the pool's {len(self)} ids (ExpertPool.ids)",
                )
            ],
            what="expert pool",
            source=self.source,
        )

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the roster and the history (changes with any edit or event)."""
        return content_hash(
            {
                "experts": [e.payload() for e in self.experts],
                "events": len(self.events),
                "head": self.events[-1].hash if self.events else _CHAIN_START,
            }
        )

    def status(self, on: dt.date | str | None = None) -> pd.Series:
        """Status per expert: ``active``, ``suspended`` or ``inactive``.

        Parameters
        ----------
        on
            Date the status holds on; only suspensions and reinstatements
            dated on or before it count. By default the latest status.

        Raises
        ------
        ValueError
            If ``on`` is not a date.
        """
        day = iso_date(on, "status date") if on is not None else None
        suspended: set[str] = set()
        for event in self.events:
            if day is not None and event.on > day:
                continue
            if event.kind == "suspended":
                suspended.add(event.expert_id)
            elif event.kind == "reinstated":
                suspended.discard(event.expert_id)
        values = [
            "inactive" if not e.active else "suspended" if e.expert_id in suspended else "active"
            for e in self.experts
        ]
        return pd.Series(values, index=pd.Index(self.ids, name="expert_id"), name="status")

    def roster(self) -> pd.DataFrame:
        """The roster as a table in the import format (lists joined with ``；``)."""
        records = []
        for expert in self.experts:
            record = expert.payload()
            for name in _LIST_COLUMNS:
                record[name] = _LIST_SEPARATOR.join(record[name])
            records.append(record)
        frame = pd.DataFrame.from_records(records, columns=list(ROSTER_ALIASES))
        frame.attrs["synthetic"] = self.synthetic
        return frame

    def to_frame(self) -> pd.DataFrame:
        """The roster indexed by expert id, with each expert's current status."""
        frame = self.roster().set_index("expert_id")
        frame.insert(len(frame.columns), "status", self.status())
        return frame

    def history(self) -> pd.DataFrame:
        """The history, one row per event (details flattened into columns)."""
        columns = ["seq", "kind", "expert_id", "on", "reason", "by"]
        records = [
            {**{c: getattr(e, c) for c in columns}, **e.details, "hash": e.hash}
            for e in self.events
        ]
        return pd.DataFrame.from_records(records, columns=None if records else [*columns, "hash"])

    @property
    def provenance(self) -> Provenance:
        """The roster's source and the pool hash (a pool is data, not a method's result)."""
        return Provenance(method="expert_pool", inputs={"pool": self.hash})

    def _field_counts(self) -> pd.DataFrame:
        """Per field with experts: ``experts`` and ``active`` (counts), in :data:`FIELDS` order."""
        status = self.status()
        rows = {}
        for f in FIELDS:
            holders = [e.expert_id for e in self.experts if f.id in e.fields]
            if holders:
                rows[f.id] = (len(holders), int((status.loc[holders] == "active").sum()))
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["experts", "active"], dtype=int
        ).rename_axis("field")

    def summary(self) -> Summary:
        """Experts by status and, per field, how many experts and how many are active."""
        counts = self.status().value_counts()
        title = Message.of(
            "sum_pool", "note", experts=len(self), active=int(counts.get("active", 0)),
            suspended=int(counts.get("suspended", 0)), inactive=int(counts.get("inactive", 0)),
            events=len(self.events),
        )  # fmt: skip
        fields = self._field_counts()
        labels = {f.id: Bilingual(f.zh, f.en) for f in FIELDS}
        table = pd.DataFrame(
            {
                "expert_field": [labels[str(f)] for f in fields.index],
                "sum_experts": fields["experts"].to_numpy(dtype=int),
                "sum_active": fields["active"].to_numpy(dtype=int),
            }
        )
        notes = (Message.of("sum_synthetic", "note"),) if self.synthetic else ()
        return Summary(title, (SummaryTable("fields", "sum_pool_fields_table", table),), notes)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Experts per field [experts], the active ones in front."""
        ax = axes(ax, figsize=(8, 0.35 * max(len(FIELDS), 1) + 1.5))
        fields = self._field_counts().iloc[::-1]
        labels = {f.id: f.zh for f in FIELDS}
        names = [labels[str(f)] for f in fields.index]
        ax.barh(names, fields["experts"], color="0.8", label="experts / 专家")
        ax.barh(names, fields["active"], color="tab:green", label="active / 在库")
        ax.set_xlabel("experts / 专家数")
        ax.set_title(f"Expert pool / 专家库 ({len(self)} experts)")
        ax.legend(loc="lower right")
        return ax

    # ---------------------------------------------------------- managing
    def _checked_id(self, expert_id: str) -> Expert:
        return self.expert(expert_id)

    def suspend(
        self, expert_id: str, reason: str, *, on: dt.date | str, by: str = ""
    ) -> ExpertPool:
        """Suspend an expert from draws; returns the new pool.

        Raises
        ------
        wetval.errors.ValidationError
            If the expert is unknown, already suspended or inactive, no
            reason is given or ``on`` is before the expert's latest history
            entry.
        """
        return self._status_event("suspended", expert_id, reason, on, by)

    def reinstate(
        self, expert_id: str, reason: str, *, on: dt.date | str, by: str = ""
    ) -> ExpertPool:
        """Lift an expert's suspension; returns the new pool.

        Raises
        ------
        wetval.errors.ValidationError
            If the expert is unknown or not suspended, no reason is given or
            ``on`` is before the expert's latest history entry (such as the
            suspension it lifts).
        """
        return self._status_event("reinstated", expert_id, reason, on, by)

    def _status_event(
        self,
        kind: Literal["suspended", "reinstated"],
        expert_id: str,
        reason: str,
        on: dt.date | str,
        by: str,
    ) -> ExpertPool:
        self._checked_id(expert_id)
        day = iso_date(on, "event date")
        current = self.status().loc[expert_id]
        problems: list[Problem] = []
        latest = max(
            (e for e in self.events if e.expert_id == expert_id),
            key=lambda e: (e.on, e.seq),
            default=None,
        )
        if latest is not None and day < latest.on:
            problems.append(
                Problem(
                    reason=f"dated {day}, before the expert's latest history entry "
                    f"({latest.kind} on {latest.on})",
                    column="on",
                    value=expert_id,
                    fix=f"date the {_REQUEST[kind]} on or after {latest.on}; the history "
                    "cannot be rewritten",
                )
            )
        if not reason.strip():
            problems.append(
                Problem(
                    reason=f"a {_REQUEST[kind]} needs a reason",
                    column="reason",
                    fix="say why, e.g. 未按时提交评审意见",
                )
            )
        if kind == "suspended" and current != "active":
            problems.append(
                Problem(
                    reason=f"the expert is {current}, not active",
                    value=expert_id,
                    fix="only active experts can be suspended",
                )
            )
        if kind == "reinstated" and current != "suspended":
            problems.append(
                Problem(
                    reason=f"the expert is {current}, not suspended",
                    value=expert_id,
                    fix="only suspended experts can be reinstated",
                )
            )
        if problems:
            raise ValidationError(problems, what=f"{_REQUEST[kind]} request for {expert_id}")
        event = _event(self.events, kind, expert_id, day, reason.strip(), by)
        return replace(self, events=(*self.events, event))

    def record_review(self, record: ReviewRecord, *, by: str = "") -> ExpertPool:
        """Add a ``served`` event for every panel member of a finished review.

        Each event holds the applicant, timeliness (``days_late``) and the
        member's deviation from the panel consensus, which
        :meth:`performance` summarises and the next draw uses to exclude
        recent panellists of the same applicant.

        Raises
        ------
        wetval.errors.ValidationError
            If a member is not in this pool or the record was already recorded.
        """
        record.verify()
        recorded = {e.details.get("record_hash") for e in self.events if e.kind == "served"}
        if record.content_hash in recorded:
            raise ValidationError(
                [
                    Problem(
                        reason="this review record is already in the history",
                        value=record.content_hash[:12],
                        fix="record each review once",
                    )
                ],
                what="expert pool history",
            )
        known = set(self.ids)
        rows = record.management_rows()
        unknown = [i for i in rows.index if i not in known]
        if unknown:
            raise ValidationError(
                [
                    Problem(
                        reason="panel member is not in this pool",
                        value=i,
                        fix="record the review in the pool the panel was drawn from",
                    )
                    for i in unknown
                ],
                what="expert pool history",
            )
        events = list(self.events)
        case = record.sheet.case
        for expert_id, row in rows.iterrows():
            details = {
                "assessment_hash": case.assessment_hash,
                "record_hash": record.content_hash,
                "applicant": case.applicant,
                "due": record.sheet.due,
                "submitted_on": str(row["submitted_on"]),
                "days_late": int(row["days_late"]),
                "deviation": float(row["deviation"]),
                "outlier": bool(row["outlier"]),
                "decision": str(row["decision"]),
            }
            events.append(_event(events, "served", str(expert_id), case.date, "", by, details))
        return replace(self, events=tuple(events))

    def with_roster(self, roster: pd.DataFrame | ExpertPool) -> ExpertPool:
        """A pool with a new roster and the same history (experts added or edited).

        Raises
        ------
        wetval.errors.ValidationError
            If the new roster is invalid or drops an expert who has history
            (set ``active`` to no instead: the history must stay attached).
        """
        new = roster if isinstance(roster, ExpertPool) else ExpertPool.from_frame(roster)
        dropped = sorted({e.expert_id for e in self.events} - set(new.ids))
        if dropped:
            raise ValidationError(
                [
                    Problem(
                        reason="expert with history is missing from the new roster",
                        value=i,
                        fix="keep the expert and mark them inactive (active = 否)",
                    )
                    for i in dropped
                ],
                what="expert roster",
            )
        return replace(new, events=self.events, synthetic=new.synthetic or self.synthetic)

    def until(self, n_events: int) -> ExpertPool:
        """The pool as it was after its first ``n_events`` history events."""
        if not 0 <= n_events <= len(self.events):
            raise ValueError(f"n_events must be between 0 and {len(self.events)}, got {n_events}")
        return replace(self, events=self.events[:n_events])

    def verify(self) -> None:
        """Check the history's hash chain.

        Raises
        ------
        ReviewIntegrityError
            Naming every event whose content or link was altered.
        """
        failures = []
        previous = _CHAIN_START
        for position, event in enumerate(self.events):
            if event.seq != position:
                failures.append(
                    f"event {position} is numbered {event.seq} (events removed or reordered)"
                )
            if event.prev_hash != previous:
                failures.append(
                    f"event {position} ({event.kind} {event.expert_id}) does not link to the "
                    "event before it"
                )
            if content_hash(event.payload()) != event.hash:
                failures.append(
                    f"event {position} ({event.kind} {event.expert_id}, {event.on}) was altered"
                )
            if event.kind not in EVENT_KINDS:
                failures.append(f"event {position} has unknown kind {event.kind!r}")
            previous = event.hash
        if failures:
            raise ReviewIntegrityError("expert pool history", failures)

    def performance(self, card: Card | str = "review-jinxian") -> pd.DataFrame:
        """Each expert's service record and management flags (专家评价考核).

        Parameters
        ----------
        card
            Review card with the flag thresholds ``flag_min_panels``,
            ``flag_on_time_share`` and ``flag_outlier_share``.

        Returns
        -------
        pandas.DataFrame
            Indexed by expert id: ``name``, ``status``, ``panels_served``,
            ``last_served``, ``on_time_share`` [0–1], ``mean_days_late`` [d],
            ``mean_deviation`` [points], ``outlier_share`` [0–1],
            ``suspensions`` and ``flags`` (reasons to consider, never
            automatic sanctions).
        """
        card = card if isinstance(card, Card) else load_card(card)
        min_panels = int(card.param("flag_min_panels"))
        on_time_floor = float(card.param("flag_on_time_share"))
        outlier_ceiling = float(card.param("flag_outlier_share"))
        served = [e for e in self.events if e.kind == "served"]
        index = pd.Index(self.ids, name="expert_id")
        frame = pd.DataFrame(
            {
                "name": [e.name for e in self.experts],
                "status": self.status().to_numpy(),
            },
            index=index,
        )
        service = pd.DataFrame.from_records(
            [
                {
                    "expert_id": e.expert_id,
                    "on": e.on,
                    "late": int(e.details["days_late"]),
                    "deviation": float(e.details["deviation"]),
                    "outlier": bool(e.details["outlier"]),
                }
                for e in served
            ],
            columns=["expert_id", "on", "late", "deviation", "outlier"],
        )
        grouped = service.groupby("expert_id")
        frame["panels_served"] = grouped.size().reindex(index, fill_value=0).astype(int)
        frame["last_served"] = grouped["on"].max().reindex(index)
        on_time = service.assign(on_time=service["late"] == 0).groupby("expert_id")["on_time"]
        frame["on_time_share"] = on_time.mean().reindex(index).astype(float)
        frame["mean_days_late"] = grouped["late"].mean().reindex(index).astype(float)
        frame["mean_deviation"] = grouped["deviation"].mean().reindex(index).astype(float)
        frame["outlier_share"] = grouped["outlier"].mean().reindex(index).astype(float)
        suspensions = pd.Series([e.expert_id for e in self.events if e.kind == "suspended"])
        frame["suspensions"] = suspensions.value_counts().reindex(index, fill_value=0).astype(int)
        enough = frame["panels_served"] >= min_panels
        late = enough & (frame["on_time_share"] < on_time_floor)
        outlying = enough & (frame["outlier_share"] > outlier_ceiling)
        flags = np.where(
            late & outlying,
            "often late; often outlying",
            np.where(late, "often late", np.where(outlying, "often outlying", "")),
        )
        frame["flags"] = flags
        return frame


def read_pool(
    path: str | os.PathLike[str], *, encoding: str | None = None, sheet: str | int = 0
) -> ExpertPool:
    """Read an expert pool: a roster (CSV/XLSX) or a pool with history (JSON).

    See :meth:`ExpertPool.from_frame` for the roster format.
    """
    return ExpertPool.read(path, encoding=encoding, sheet=sheet)
