"""Messages for the reader as string keys with values, rendered in zh or en by the report.

Method code states *what* it found (a key and the numbers or ids involved),
never an English sentence: the report looks the key up in
:mod:`wetval.report.strings` and formats the values in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["Bilingual", "Message", "MessageValue", "Severity", "Term"]

Severity = Literal["warning", "note"]


@dataclass(frozen=True)
class Term:
    """A message value that is itself a string key (a parameter, output or unit name).

    Attributes
    ----------
    key
        Key of the term's text in :mod:`wetval.report.strings`.
    fallback
        Shown when the strings table has no text for ``key`` (e.g. a plugin's parameter id).
    """

    key: str
    fallback: str


@dataclass(frozen=True)
class Bilingual:
    """A message value that a card or table gives in both languages (a service's name).

    Attributes
    ----------
    zh, en
        The Chinese and the English text.
    """

    zh: str
    en: str


@dataclass(frozen=True)
class Message:
    """A finding for the reader: a string key and the values its text is formatted with.

    Attributes
    ----------
    key
        Key of the text in :mod:`wetval.report.strings` (e.g. ``"w_default_works"``).
    values
        Name → value pairs the text refers to (numbers, ids joined by the report).
    severity
        ``"warning"`` (shown on page 1 for the panel to weigh) or ``"note"``.
    """

    key: str
    values: tuple[tuple[str, MessageValue], ...] = ()
    severity: Severity = "warning"

    @classmethod
    def of(cls, key: str, severity: Severity = "warning", **values: MessageValue) -> Message:
        """A message from keyword values."""
        return cls(key, tuple(values.items()), severity)

    def mapping(self) -> Mapping[str, MessageValue]:
        """The values as a mapping (for formatting the text)."""
        return dict(self.values)

    def text(self, lang: Literal["zh", "en"] = "en") -> str:
        """The message's text in ``lang`` (from :mod:`wetval.report.strings`)."""
        from wetval.report.strings import say

        return say(self, lang)

    def __str__(self) -> str:
        """The English text, for logs and text summaries."""
        return self.text("en")


Scalar = Term | Bilingual | Message | bool | int | float | str
#: What a message value may be: a number, an id, a term, a bilingual name, another message,
#: or a tuple of these.
MessageValue = Scalar | tuple[Scalar, ...]
