"""A result's summary as data: titled tables and notes with string keys, rendered in zh or en.

``summary()`` of a result returns a :class:`Summary`, not English text, so
the report renders the same tables in the reader's language instead of
deriving them a second time. A summary holds

* a title (a :class:`~wetval.messages.Message`: a key and its values),
* :class:`SummaryTable` objects: a DataFrame whose column labels are string
  keys and whose cells are numbers, ids, or values the reader's language
  changes (:class:`~wetval.messages.Term`, :class:`~wetval.messages.Bilingual`,
  :class:`~wetval.messages.Message`), under a title key,
* notes (messages), and
* parts: the summaries of nested results (a price's fund split).

The numbers are the same in every language; only labels are looked up.
``str(summary)`` is the English text, so ``print(result.summary())`` reads as
before; in a notebook the HTML rendering is shown.

Examples
--------
>>> import pandas as pd
>>> from wetval.messages import Message, Term
>>> s = Summary(
...     Message.of("sum_price", "note", year=2024, currency="CNY", parcels=2, area_mu=3.0,
...                units=3.0, level=Term("level_general", "general")),
...     tables=(SummaryTable("price_approaches", "approach_table", pd.DataFrame(
...         {"approach": [Term("cost", "cost")], "total": [1200.0]})),),
... )
>>> print(s.table("price_approaches").frame("zh").columns.tolist())
['方法', '合计 [元]']
"""

from __future__ import annotations

import html as _html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from wetval._text import display_width
from wetval.messages import Message, say, value_text
from wetval.strings import Lang, known, tr

if TYPE_CHECKING:
    from wetval.provenance import Provenance

__all__ = ["Summary", "SummaryTable", "card_label", "cell_text", "note"]


def card_label(provenance: Provenance) -> str:
    """``id@version`` of a result's (first) card for a summary's title, ``–`` without one."""
    card = provenance.cards[0] if provenance.cards else None
    return f"{card.id}@{card.version}" if card else "–"


def note(flag: str | Message, severity: str = "warning") -> Message:
    """A result's flag as a summary note: a message as it is, a plain string (a plugin's) wrapped.

    The wrapped string is shown as written in both languages.
    """
    if isinstance(flag, Message):
        return flag
    return Message.of("summary_plain", "warning" if severity == "warning" else "note", text=flag)


def _label(key: str, lang: Lang) -> str:
    """A column label: the string key's text, the key itself when the table has none (an id)."""
    return tr(key, lang) if known(key) else key


def cell_text(value: Any, digits: int | None = None) -> str:
    """A rendered cell as text: floats with thousands separators and ``digits`` decimals (2).

    Missing numbers (NaN, None) are shown as ``–``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{2 if digits is None else digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return str(value)


@dataclass(frozen=True, eq=False)
class SummaryTable:
    """One titled table of a :class:`Summary`.

    Attributes
    ----------
    key
        Stable id of the table (e.g. ``"price_approaches"``), for :meth:`Summary.table`.
    title
        String key of the table's caption in :mod:`wetval.strings`.
    data
        The table: column labels are string keys (or ids shown as they are);
        cells are numbers, ids, :class:`~wetval.messages.Term`,
        :class:`~wetval.messages.Bilingual` or :class:`~wetval.messages.Message`.
    digits
        Decimals per column key when rendered as text (default 2 for floats).
    """

    key: str
    title: str
    data: pd.DataFrame
    digits: Mapping[str, int] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        """Same id, title, digits and table (cell for cell, column order included)."""
        if not isinstance(other, SummaryTable):
            return NotImplemented
        return (
            (self.key, self.title, dict(self.digits))
            == (other.key, other.title, dict(other.digits))
            and self.data.columns.equals(other.data.columns)
            and self.data.equals(other.data)
        )

    __hash__ = None  # type: ignore[assignment]

    def frame(self, lang: Lang = "en") -> pd.DataFrame:
        """The table in ``lang``: labels translated, numbers unchanged (a new DataFrame)."""
        out = pd.DataFrame(
            {
                _label(str(c), lang): [value_text(v, lang) for v in self.data[c].tolist()]
                for c in self.data.columns
            }
        )
        for c in self.data.columns:
            if self.data[c].dtype.kind in "iuf":
                out[_label(str(c), lang)] = self.data[c].to_numpy()
        return out

    def rows(self, lang: Lang = "en") -> list[list[str]]:
        """The table's cells as text, a header row first."""
        frame = self.frame(lang)
        digits = [self.digits.get(str(c)) for c in self.data.columns]
        body = [
            [cell_text(v, d) for v, d in zip(row, digits, strict=True)]
            for row in frame.itertuples(index=False)
        ]
        return [[str(c) for c in frame.columns], *body]

    def text(self, lang: Lang = "en") -> str:
        """The caption and the table as aligned plain text (numbers right-aligned)."""
        rows = self.rows(lang)
        numeric = [_numeric(self.data[c]) for c in self.data.columns]
        widths = [max(display_width(r[i]) for r in rows) for i in range(len(numeric))]
        lines = [tr(self.title, lang)]
        for row in rows:
            cells = [
                " " * (w - display_width(c)) + c if right else c + " " * (w - display_width(c))
                for c, w, right in zip(row, widths, numeric, strict=True)
            ]
            lines.append("  " + "  ".join(cells).rstrip())
        return "\n".join(lines)

    def html(self, lang: Lang = "en") -> str:
        """The table as an HTML ``<table>`` with its caption."""
        rows = self.rows(lang)
        head = "".join(f"<th>{_html.escape(c)}</th>" for c in rows[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{_html.escape(c)}</td>" for c in row) + "</tr>"
            for row in rows[1:]
        )
        caption = _html.escape(tr(self.title, lang))
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


def _numeric(column: pd.Series) -> bool:
    """Whether a column holds numbers only (right-aligned in text)."""
    if column.dtype.kind in "iuf":
        return True
    return all(
        isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in column.tolist()
    )


@dataclass(frozen=True)
class Summary:
    """A result's summary: a title, titled tables, notes and nested summaries (see the module).

    Attributes
    ----------
    title
        The headline (a message: key and values).
    tables
        The tables, in reading order.
    notes
        Findings for the reader (messages), after the tables.
    parts
        Summaries of nested results, rendered after the notes.
    """

    title: Message
    tables: tuple[SummaryTable, ...] = ()
    notes: tuple[Message, ...] = ()
    parts: tuple[Summary, ...] = ()

    def table(self, key: str) -> SummaryTable:
        """The table with id ``key`` (this summary's or a part's).

        Raises
        ------
        KeyError
            Naming the ids there are.
        """
        for table in self.all_tables():
            if table.key == key:
                return table
        ids = ", ".join(t.key for t in self.all_tables())
        raise KeyError(f"no summary table {key!r}; the tables are: {ids}")

    def all_tables(self) -> tuple[SummaryTable, ...]:
        """The tables of this summary and of its parts, in reading order."""
        return self.tables + tuple(t for part in self.parts for t in part.all_tables())

    def all_notes(self) -> tuple[Message, ...]:
        """The notes of this summary and of its parts."""
        return self.notes + tuple(n for part in self.parts for n in part.all_notes())

    def text(self, lang: Lang = "en") -> str:
        """Plain text in ``lang``: title, tables, notes and parts."""
        lines = [say(self.title, lang)]
        lines += [table.text(lang) for table in self.tables]
        lines += [f"  {tr('summary_note', lang)}{say(note, lang)}" for note in self.notes]
        text = "\n".join(lines)
        return "\n\n".join([text, *(part.text(lang) for part in self.parts)])

    def html(self, lang: Lang = "en") -> str:
        """An HTML fragment in ``lang``: a heading, the tables, the notes as a list, the parts."""
        parts = [f"<h4>{_html.escape(say(self.title, lang))}</h4>"]
        parts += [table.html(lang) for table in self.tables]
        if self.notes:
            items = "".join(f"<li>{_html.escape(say(n, lang))}</li>" for n in self.notes)
            parts.append(f"<ul>{items}</ul>")
        parts += [part.html(lang) for part in self.parts]
        return f'<div class="wetval-summary" lang="{lang}">' + "".join(parts) + "</div>"

    def __str__(self) -> str:
        """The English text (so ``print(result.summary())`` reads as text)."""
        return self.text("en")

    def _repr_html_(self) -> str:
        return self.html("en")
