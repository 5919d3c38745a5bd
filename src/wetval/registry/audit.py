"""The audit trail: append-only events in a SHA-256 hash chain.

Every change to the registry is written inside the same transaction as an
event ``(seq, at, user, action, entity, entity_key, before, after)`` whose
hash covers those fields and the hash of the event before it. The chain's head
(last seq and hash) is kept in ``meta`` too, so deleting the newest events is
seen as well. :func:`verify_chain` re-derives every hash and checks that each
row of the registry's tables equals what the last event that wrote it says;
the first event that does not hold is named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Insert, Table, select

from wetval.messages import Message, Term, say
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.registry import schema
from wetval.results import Result
from wetval.strings import Lang
from wetval.summary import Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GENESIS", "ChainCheck", "Writer", "row_dict", "verify_chain"]

GENESIS = "0" * 64
HEAD_KEY = "chain_head"

# tables whose every row is written through an event (the bulk survey tables are
# covered by their vintage's content hash instead)
AUDITED: tuple[Table, ...] = (
    schema.projects,
    schema.quota_transactions,
    schema.evidence,
    schema.listings,
    schema.trades,
    schema.trade_parts,
    schema.fund_postings,
    schema.pledges,
    schema.insurance,
    schema.vintages,
)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def row_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row as JSON-ready values (binary as its SHA-256)."""
    return {k: _plain(v) for k, v in row.items()}


def entity_key(table: Table, row: Mapping[Any, Any]) -> str:
    """The row's primary-key values joined by ``/``."""
    return "/".join(str(row[c.name]) for c in table.primary_key.columns)


def _event_hash(fields: Mapping[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dump(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@cache
def _insert(table: Table) -> Insert:
    """``INSERT INTO table``; the row's values are passed as parameters."""
    return table.insert()


class Writer:
    """Writes rows and their events inside one open transaction.

    Parameters
    ----------
    connection
        A connection inside a write transaction that holds the registry's write
        lock (see :meth:`wetval.registry.Registry._write`).
    user
        Who makes the change (recorded in every event).
    """

    def __init__(self, connection: Connection, user: str) -> None:
        self.connection = connection
        self.user = user
        head = connection.execute(
            select(schema.meta.c.value).where(schema.meta.c.key == HEAD_KEY).with_for_update()
        ).scalar_one()
        state = json.loads(head)
        self.seq: int = state["seq"]
        self.hash: str = state["hash"]
        self.at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")

    def event(
        self,
        action: str,
        entity: str,
        key: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """Append one event to the chain."""
        fields = {
            "seq": self.seq + 1,
            "at": self.at,
            "user": self.user,
            "action": action,
            "entity": entity,
            "entity_key": key,
            "before": _dump(before),
            "after": _dump(after),
            "prev_hash": self.hash,
        }
        digest = _event_hash(fields)
        # values as parameters of one cached statement per table (a statement built with
        # .values(**row) is coerced and cache-keyed value by value on every call)
        self.connection.execute(_insert(schema.events), {**fields, "hash": digest})
        self.seq += 1
        self.hash = digest

    def insert(self, table: Table, action: str, row: Mapping[str, Any]) -> None:
        """Insert ``row`` into ``table`` with its event."""
        self.connection.execute(_insert(table), dict(row))
        self.event(action, table.name, entity_key(table, row), None, row_dict(row))

    def update(
        self, table: Table, action: str, before: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Change one row (given as it is now) with its event; returns the row after."""
        after = {**before, **changes}
        condition = [c == before[c.name] for c in table.primary_key.columns]
        self.connection.execute(table.update().where(*condition).values(**changes))
        self.event(action, table.name, entity_key(table, before), row_dict(before), row_dict(after))
        return after

    def close(self) -> None:
        """Move the chain head in ``meta`` to the last event written."""
        self.connection.execute(
            schema.meta.update()
            .where(schema.meta.c.key == HEAD_KEY)
            .values(value=json.dumps({"seq": self.seq, "hash": self.hash}))
        )


@dataclass(frozen=True)
class ChainCheck(Result):
    """Outcome of :meth:`wetval.registry.Registry.verify`.

    Attributes
    ----------
    ok
        True when every event and every audited row holds.
    events
        Number of events checked.
    first_bad
        Sequence number of the first event that does not hold (``None`` if ok).
    problem
        Why that event does not hold (``None`` if ok); :attr:`reason` is its English text.
    """

    ok: bool
    events: int
    first_bad: int | None = None
    problem: Message | None = None

    @property
    def reason(self) -> str:
        """Why the first bad event does not hold, in English (empty if ok)."""
        return self.reason_text("en")

    def reason_text(self, lang: Lang = "en") -> str:
        """Why the first bad event does not hold, in ``lang`` (empty if ok)."""
        return "" if self.problem is None else say(self.problem, lang)

    @property
    def provenance(self) -> Provenance:
        """The check's method (it reads the registry, no card)."""
        return Provenance(method="verify_chain")

    def to_frame(self) -> pd.DataFrame:
        """One row: ``ok``, ``events``, ``first_bad`` and the English ``reason``."""
        return pd.DataFrame(
            {
                "ok": [self.ok],
                "events": [self.events],
                "first_bad": pd.array([self.first_bad], dtype="Int64"),
                "reason": [self.reason],
            }
        )

    def summary(self) -> Summary:
        """Intact, or the first bad event and why; the events checked."""
        if self.ok or self.problem is None:
            title = Message.of("sum_chain_ok", "note", events=self.events)
        else:
            title = Message.of("sum_chain_broken", seq=str(self.first_bad), reason=self.problem)
        table = pd.DataFrame(
            {
                "sum_figure": [Term("sum_chain_events", "events checked")]
                + ([] if self.ok else [Term("sum_chain_first_bad", "first bad event")]),
                "sum_value": [self.events] + ([] if self.ok else [int(self.first_bad or 0)]),
            }
        )
        return Summary(title, (SummaryTable("chain", "sum_chain_table", table),))

    def plot(self, ax: Axes | None = None) -> Axes:
        """The events checked [events]: those that hold in green, from the first bad one in red."""
        ax = axes(ax, figsize=(8.0, 1.8))
        good = self.events if self.ok or self.first_bad is None else self.first_bad - 1
        ax.barh(["events / 事件"], [good], color="tab:green", label="holds / 成立")
        if not self.ok:
            bad = max(self.events - good, 1)
            ax.barh(["events / 事件"], [bad], left=[good], color="tab:red", label="broken / 断裂")
        ax.set_xlabel("events [seq] / 事件序号")
        ax.set_title("Audit chain / 审计链")
        ax.legend(loc="lower right")
        return ax


def verify_chain(connection: Connection, extra: Mapping[str, str] | None = None) -> ChainCheck:
    """Check the chain, the head in ``meta`` and every audited row (see the module docstring).

    Parameters
    ----------
    connection
        Any connection to the registry.
    extra
        Per entity name, a content hash computed now; the last event of that
        entity must carry it as ``after["content_hash"]`` (used for the
        survey tables).
    """
    previous = GENESIS
    count = 0
    latest: dict[tuple[str, str], tuple[int, str | None]] = {}
    for row in connection.execute(select(schema.events).order_by(schema.events.c.seq)).mappings():
        fields = {k: row[k] for k in row if k != "hash"}
        count += 1
        if row["seq"] != count:
            return ChainCheck(
                False, count, count, Message.of("chain_missing", seq=count, found=row["seq"])
            )
        if row["prev_hash"] != previous:
            return ChainCheck(False, count, count, Message.of("chain_prev_hash"))
        if _event_hash(fields) != row["hash"]:
            return ChainCheck(False, count, count, Message.of("chain_changed"))
        previous = row["hash"]
        latest[(row["entity"], row["entity_key"])] = (row["seq"], row["after"])
    head = json.loads(
        connection.execute(
            select(schema.meta.c.value).where(schema.meta.c.key == HEAD_KEY)
        ).scalar_one()
    )
    if head != {"seq": count, "hash": previous}:
        return ChainCheck(
            False, count, count + 1, Message.of("chain_deleted_after", seq=count, head=head["seq"])
        )
    for table in AUDITED:
        seen = set()
        for current in connection.execute(select(table)).mappings():
            key = entity_key(table, current)
            seen.add(key)
            last = latest.get((table.name, key))
            if last is None:
                return ChainCheck(
                    False,
                    count,
                    count + 1,
                    Message.of("chain_no_event", table=table.name, row=key),
                )
            if last[1] != _dump(row_dict(current)):
                return ChainCheck(
                    False,
                    count,
                    last[0],
                    Message.of("chain_row_differs", table=table.name, row=key),
                )
        for (entity, key), (seq, after) in latest.items():
            if entity == table.name and key not in seen and after is not None:
                return ChainCheck(
                    False, count, seq, Message.of("chain_row_deleted", table=entity, row=key)
                )
    for entity, digest in (extra or {}).items():
        events = [(s, a) for (e, _), (s, a) in latest.items() if e == entity]
        if events:
            seq, after = max(events)
            if after is None or json.loads(after).get("content_hash") != digest:
                return ChainCheck(
                    False, count, seq, Message.of("chain_entity_differs", entity=entity)
                )
    return ChainCheck(True, count)
