"""Messages for the reader as string keys with values, rendered in zh or en by the report.

Method code states *what* it found (a key and the numbers or ids involved),
never an English sentence: the report looks the key up in
:mod:`wetval.strings` and formats the values in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from wetval.strings import Lang, known, tr

__all__ = ["Bilingual", "Message", "MessageValue", "Severity", "Term", "say", "value_text"]

Severity = Literal["warning", "note"]


@dataclass(frozen=True)
class Term:
    """A message value that is itself a string key (a parameter, output or unit name).

    Attributes
    ----------
    key
        Key of the term's text in :mod:`wetval.strings`.
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
        Key of the text in :mod:`wetval.strings` (e.g. ``"w_default_works"``).
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
        """The message's text in ``lang`` (from :mod:`wetval.strings`)."""
        return say(self, lang)

    def __str__(self) -> str:
        """The English text, for logs and text summaries."""
        return self.text("en")


Scalar = Term | Bilingual | Message | bool | int | float | str
#: What a message value may be: a number, an id, a term, a bilingual name, another message,
#: or a tuple of these.
MessageValue = Scalar | tuple[Scalar, ...]


def value_text(value: object, lang: Lang) -> object:
    """A message value as the reader sees it: terms translated, lists joined, flags as yes/no."""
    if isinstance(value, Term):
        return tr(value.key, lang) if known(value.key) else value.fallback
    if isinstance(value, Bilingual):
        return value.zh if lang == "zh" else value.en
    if isinstance(value, Message):
        return say(value, lang)
    if isinstance(value, bool):
        return tr("yes" if value else "no", lang)
    if isinstance(value, tuple | list):
        return ("、" if lang == "zh" else ", ").join(str(value_text(v, lang)) for v in value)
    return value


#: Count values → the English noun that agrees with them (``{parcels_word}``, ``{items_word}``).
_NOUNS = {"parcels": ("parcels_word", "parcel", "parcels"), "n": ("items_word", "item", "items")}


def _plural_words(message: Message) -> dict[str, str]:
    """``{noun}_word`` for each count value: the English noun in the number the count needs."""
    words = {}
    for name, value in message.values:
        if name in _NOUNS and isinstance(value, int) and not isinstance(value, bool):
            word, singular, plural = _NOUNS[name]
            words[word] = singular if value == 1 else plural
    return words


def say(message: Message, lang: Lang) -> str:
    """The text of a :class:`~wetval.messages.Message` in ``lang``, its values formatted.

    English texts may write ``{parcels_word}`` (``parcel``/``parcels``) or
    ``{items_word}`` to agree with the count ``parcels`` or ``n``.
    """
    values = {k: value_text(v, lang) for k, v in message.values}
    return tr(message.key, lang, **(_plural_words(message) | values))
