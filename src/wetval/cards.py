"""Method cards: cited, versioned coefficient sets stored as TOML.

A card is data, not code: an id, a kind, the method that reads it, a
version, titles in Chinese and English, a price year and currency where money
is involved, the sources it cites (each marked verified or not), parameters
(value, unit, source, optional distribution for uncertainty analysis),
tables, explicit assumptions and method options. Researchers calibrate by
writing a new card, never by editing code.

Cards are found, in this order of precedence, in

1. the directories listed in the ``WETVAL_CARD_PATH`` environment variable
   (separated by ``os.pathsep``),
2. directories provided by installed packages through the entry-point group
   ``wetval.cards`` (the entry point names a package; its ``methods/``
   sub-directory is searched, or the package directory itself), and
3. the cards shipped with wetval (the repository's ``methods/`` folder,
   installed as ``wetval/methods``).

The same id may exist in several versions; :func:`load_card` picks the
highest unless asked for ``"id@version"``. The same id and version twice is
an error. See ``docs/cards.md`` for the format.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
import re
import sys
import time
import tomllib
import types
import typing
from collections.abc import Mapping
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from wetval.errors import CardError, UnknownCardError, WetvalError
from wetval.hashing import content_hash
from wetval.kinds import IN_FORCE
from wetval.plugins import get_method, renamed_method
from wetval.provenance import CardRef

__all__ = [
    "CARD_REFERENCE",
    "Assumption",
    "BodyOptions",
    "BodyParameters",
    "BodyTables",
    "Card",
    "CardBody",
    "CardBundle",
    "CardReference",
    "Distribution",
    "Parameter",
    "Row",
    "Source",
    "Table",
    "Text",
    "TypedTable",
    "active_bundle",
    "attach_bundle",
    "attached_bundle",
    "card_paths",
    "card_references",
    "check_recorded",
    "clear_cache",
    "in_force",
    "list_cards",
    "load_card",
    "recorded_card",
    "referenced",
    "within",
]

CARD_GROUP = "wetval.cards"
BODY_GROUP = "wetval.card_bodies"
_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_VERSION_PATTERN = r"^\d+(\.\d+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Chinese and English."""

    zh: str
    en: str


class Source(_Strict):
    """A cited source.

    Attributes
    ----------
    key
        Short key used by parameters and tables to cite it.
    citation
        Full citation.
    url
        Where to read it, if online.
    verified
        Whether the numbers taken from it were checked against the source
        itself (tags [V]/[V2] of ``shared/reference``); false for recalled or
        inferred numbers, which reports highlight.
    note
        What exactly was checked, or what remains to check.
    """

    key: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    citation: str
    url: str | None = None
    verified: bool
    note: str | None = None


class Fixed(_Strict):
    """No uncertainty: always the parameter's value."""

    kind: Literal["fixed"] = "fixed"


class Uniform(_Strict):
    """Uniform on [low, high]."""

    kind: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Triangular(_Strict):
    """Triangular with minimum ``low``, mode ``mode`` and maximum ``high``."""

    kind: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self


class Pert(_Strict):
    """Beta-PERT with minimum, mode, maximum and shape ``lamb`` (4 = classic PERT)."""

    kind: Literal["pert"] = "pert"
    low: float
    mode: float
    high: float
    lamb: float = Field(default=4.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self


class Normal(_Strict):
    """Normal with mean ``mean`` and standard deviation ``sd``."""

    kind: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(gt=0)


class LogNormal(_Strict):
    """Log-normal given by its median and geometric standard deviation (> 1)."""

    kind: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    gsd: float = Field(gt=1)


class Empirical(_Strict):
    """Resampling of observed values (with replacement)."""

    kind: Literal["empirical"] = "empirical"
    samples: tuple[float, ...] = Field(min_length=2)


Distribution = Annotated[
    Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Empirical,
    Field(discriminator="kind"),
]


class Parameter(_Strict):
    """A card parameter.

    Attributes
    ----------
    value
        The central (default) value.
    unit
        Unit in brackets-free text, e.g. ``"CNY/ha"``; ``"1"`` if dimensionless.
    description
        What the parameter is.
    source
        Key of the cited source, or ``None`` for an assumption (then
        ``verified`` must be false).
    verified
        Whether the value was checked against its source.
    distribution
        Optional uncertainty distribution.
    """

    value: float | int | bool | str
    unit: str = "1"
    description: str = ""
    source: str | None = None
    verified: bool = True
    distribution: Distribution | None = None


class Table(_Strict):
    """A table in a card: named columns and rows of values.

    Attributes
    ----------
    columns
        Column names; the first column is the key unless ``index`` says otherwise.
    rows
        Rows of values, each as long as ``columns``.
    index
        Column to index the table by (default: the first).
    units
        Unit per column, where meaningful.
    source
        Key of the cited source of the whole table.
    verified
        Whether the table was checked against its source.
    description
        What the table is.

    Notes
    -----
    Where rows come from different sources, give the table a column named
    ``source`` holding a source key per row; card validation checks them.
    """

    columns: tuple[str, ...] = Field(min_length=1)
    rows: tuple[tuple[Any, ...], ...]
    index: str | None = None
    units: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    verified: bool = True
    description: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Table:
        width = len(self.columns)
        bad = [i for i, row in enumerate(self.rows) if len(row) != width]
        if bad:
            raise ValueError(f"rows {bad} do not have {width} values (columns {self.columns})")
        if self.index is not None and self.index not in self.columns:
            raise ValueError(f"index {self.index!r} is not a column")
        if len(set(self.columns)) != width:
            raise ValueError("column names must be unique")
        return self

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by its key column."""
        frame = pd.DataFrame(list(self.rows), columns=list(self.columns))
        return frame.set_index(self.index or self.columns[0])


class Assumption(_Strict):
    """An explicit assumption the card makes where sources are silent.

    Reports list every assumption; unverified ones are highlighted.
    """

    key: str
    text: Text
    verified: bool = False


# ------------------------------------------------------------------ typed bodies
def _support(distribution: Any, value: float) -> tuple[float, float]:
    """Smallest and largest value a parameter can take under its distribution."""
    match distribution:
        case None | Fixed():
            return value, value
        case Uniform() | Triangular() | Pert():
            return distribution.low, distribution.high
        case Normal():
            return -math.inf, math.inf
        case LogNormal():
            return 0.0, math.inf
        case Empirical():
            return min(distribution.samples), max(distribution.samples)
    raise TypeError(f"unknown distribution {type(distribution).__name__}")  # pragma: no cover


def within(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    integer: bool = False,
) -> AfterValidator:
    """Declare the valid range of a card parameter (value and distribution support).

    Use as ``name: Annotated[Parameter, within(gt=0, lt=1)]`` in a
    :class:`BodyParameters` model. The parameter's value must be a number
    (an integer when ``integer``) in the range, and so must every value its
    distribution can draw: a normal distribution is refused for a bounded
    parameter, a log-normal one for a parameter bounded above.

    Parameters
    ----------
    ge, gt, le, lt
        Inclusive and exclusive lower and upper bounds [unit of the parameter].
    integer
        Whether the value must be a whole number.
    """
    lower = [f">= {ge}"] if ge is not None else [f"> {gt}"] if gt is not None else []
    upper = [f"<= {le}"] if le is not None else [f"< {lt}"] if lt is not None else []
    described = " and ".join(lower + upper) or "any number"

    def inside(number: float) -> bool:
        return not (
            (ge is not None and number < ge)
            or (gt is not None and number <= gt)
            or (le is not None and number > le)
            or (lt is not None and number >= lt)
        )

    def check(parameter: Parameter) -> Parameter:
        value = parameter.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"value {value!r} must be a number ({described})")
        if integer and not float(value).is_integer():
            raise ValueError(f"value {value!r} must be a whole number ({described})")
        if not math.isfinite(float(value)):  # nan passes every comparison: refuse it first
            raise ValueError(f"value {value!r} is not a finite number (must be {described})")
        if not inside(float(value)):
            raise ValueError(f"value {value!r} is out of range: must be {described}")
        low, high = _support(parameter.distribution, float(value))
        if not (inside(low) and inside(high)):
            raise ValueError(
                f"the {getattr(parameter.distribution, 'kind', 'fixed')} distribution draws "
                f"values from {low} to "
                f"{high}, outside the valid range ({described}); narrow it or choose a "
                "bounded distribution"
            )
        return parameter

    return AfterValidator(check)


class Row(_Strict):
    """Base of the typed row of a card table: one field per column."""


RowT = TypeVar("RowT", bound=Row)


class TypedTable(_Strict, Generic[RowT]):
    """A card table whose rows were validated against a row model.

    Attributes
    ----------
    table
        The table as written in the card.
    rows
        Its rows as instances of the row model (columns by name).
    """

    table: Table
    rows: tuple[RowT, ...]

    @model_validator(mode="before")
    @classmethod
    def _from_table(cls, data: Any) -> Any:
        if not isinstance(data, Table):
            return data
        row_model = typing.get_args(cls.model_fields["rows"].annotation)[0]
        fields = {  # by column name: a field may be aliased (a column named "class")
            field.alias or name: field
            for name, field in (
                row_model.model_fields
                if isinstance(row_model, type) and issubclass(row_model, BaseModel)
                else {}
            ).items()
        }
        unknown = [c for c in data.columns if c not in fields]
        missing = [n for n, f in fields.items() if f.is_required() and n not in data.columns]
        if unknown or missing:
            found = [f"unknown columns {unknown}"] if unknown else []
            found += [f"missing columns {missing}"] if missing else []
            raise ValueError(f"{'; '.join(found)}; valid columns: {list(fields)}")
        return {
            "table": data,
            "rows": [dict(zip(data.columns, row, strict=True)) for row in data.rows],
        }

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by its key column."""
        return self.table.to_frame()


class BodyOptions(_Strict):
    """Base of a method's ``[options]`` model (no options unless declared)."""


class BodyTables(_Strict):
    """Base of a method's tables model: one :class:`TypedTable` field per table."""


class BodyParameters(_Strict):
    """Base of a method's parameters model: one ``Parameter`` field per parameter."""


class CardBody(_Strict):
    """Base of the typed body of a card: its options, tables and parameters.

    A method declares its body by subclassing this and giving the three
    sections their own models; :class:`Card` validates the body when the card
    loads, so unknown keys, values of the wrong type or out of range are load
    errors naming the card file and the dotted key.
    """

    options: BodyOptions = Field(default_factory=BodyOptions)
    tables: BodyTables = Field(default_factory=BodyTables)
    parameters: BodyParameters = Field(default_factory=BodyParameters)

    @classmethod
    def of(cls, card: Card) -> Self:
        """The typed body of ``card``, which must be declared by this model.

        Raises
        ------
        CardError
            If the card's method or kind declares another body.
        """
        body = card.body
        if not isinstance(body, cls):
            raise CardError(
                card._label(),
                [
                    (
                        "method" if card.method else "kind",
                        f"the card's body is a {type(body).__name__}, not a {cls.__name__}; "
                        "pass a card of the method that reads it",
                    )
                ],
            )
        return body


@cache
def _body_entry_points() -> dict[str, Any]:
    return {point.name: point for point in metadata.entry_points(group=BODY_GROUP)}


def body_schema(method: str | None, kind: str) -> type[CardBody] | None:
    """The body model of cards of ``method`` (or, for data cards, of ``kind``).

    A method declares its body with its registration (``Method.body``); data
    cards without a method (crosswalks, price indices, ...) are declared under
    the entry-point group ``wetval.card_bodies`` by kind.

    Raises
    ------
    WetvalError
        If the method is not registered (lists the registered ones).
    """
    if method is not None:
        schema = get_method(method).body
    elif kind in _body_entry_points():
        schema = _body_entry_points()[kind].load()
    else:
        return None
    if schema is not None and not (isinstance(schema, type) and issubclass(schema, CardBody)):
        raise CardError(f"method {method or kind}", [("body", "is not a CardBody subclass")])
    return schema


def _dotted(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _model_at(model: Any, loc: tuple[int | str, ...]) -> Any:
    """The pydantic model a validation location points into (for its field names)."""
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields
        ):
            continue
        model = model.model_fields[part].annotation
        while not (isinstance(model, type) and issubclass(model, BaseModel)):
            inner = [
                a
                for a in typing.get_args(model)
                if a is not type(None) and a is not Ellipsis and not isinstance(a, AfterValidator)
            ]
            if not inner:
                return None
            model = inner[0]
            if typing.get_origin(model) is types.UnionType:
                model = typing.get_args(model)[0]
    return model


def _at(data: Any, loc: tuple[int | str, ...]) -> Any:
    """The input value a validation location points to (``None`` if there is none)."""
    for part in loc:
        if isinstance(data, Table) and part == "rows":  # rows are validated by column name
            data = [dict(zip(data.columns, row, strict=True)) for row in data.rows]
        elif isinstance(part, int) and isinstance(data, list | tuple):
            data = data[part] if -len(data) <= part < len(data) else None
        elif isinstance(part, str) and isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(part, str) and isinstance(data, BaseModel):
            data = getattr(data, part, None)
        else:
            return None
    return data


def _union_member(loc: tuple[int | str, ...], data: Any) -> bool:
    """Whether the last part of ``loc`` is a union member's tag, not a key of the card."""
    if not loc or not isinstance(loc[-1], str):
        return False
    parent = _at(data, loc[:-1])
    if isinstance(parent, Mapping):
        return loc[-1] not in parent
    return parent is not None and not isinstance(parent, list | tuple | BaseModel)


_SAY_INPUT = ("literal_error", "bool_type", "float_type", "int_type", "string_type")


def _body_problems(
    schema: type[CardBody], error: ValidationError, data: Any = None
) -> list[tuple[str, str]]:
    problems: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    for item in error.errors():
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            parent = _model_at(schema, loc[:-1])
            valid = list(parent.model_fields) if parent is not None else []
            message = f"unknown key; valid keys: {', '.join(valid) or '(none)'}"
        elif item["type"] != "missing" and _union_member(loc, data):  # `A | B`: one problem
            loc = loc[:-1]
        key = _dotted(loc)
        if item["type"] in _SAY_INPUT or item["type"].endswith("_parsing"):
            given[key] = f", got {item['input']!r}"  # say what the card wrote
        problems.setdefault(key, []).append(message)
    return [
        (key, "; or ".join(dict.fromkeys(found)) + given.get(key, ""))
        for key, found in problems.items()
    ]


class Card(_Strict):
    """A method card. See the module docstring and ``docs/cards.md``."""

    id: str = Field(pattern=_ID_PATTERN)
    kind: str
    method: str | None = None
    version: str = Field(pattern=_VERSION_PATTERN)
    title: Text
    description: Text | None = None
    price_year: int | None = Field(default=None, ge=1900, le=2200)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$|^Int\$$")
    region: str | None = None
    sources: tuple[Source, ...] = ()
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    tables: dict[str, Table] = Field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    options: dict[str, Any] = Field(default_factory=dict)
    created: str | None = None

    _path: Path | None = PrivateAttr(default=None)
    _body: CardBody | None = PrivateAttr(default=None)
    _body_checked: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _renamed_method(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("method"), str):
            options = data.get("options") or {}
            renamed = renamed_method(str(data.get("kind")), data["method"], dict(options))
            if renamed is not None:
                data = {**data, "method": renamed[0], "options": renamed[1]}
        return data

    @field_validator("kind")
    @classmethod
    def _kind_format(cls, kind: str) -> str:
        if not re.match(r"^[a-z][a-z-]*$", kind):
            raise ValueError("kind must be lower-case words joined by '-'")
        return kind

    @model_validator(mode="after")
    def _citations(self) -> Card:
        problems = _citation_problems(self.model_dump(mode="python"))
        if problems:
            raise ValueError(" | ".join(f"{key}: {message}" for key, message in problems))
        return self

    # --------------------------------------------------------------- access
    @property
    def path(self) -> Path | None:
        """The file the card was loaded from, if any."""
        return self._path

    @property
    def body(self) -> CardBody | None:
        """The typed body declared by the card's method (or kind), validated at load.

        ``None`` for a card whose method or kind declares no body. Read a
        method's own body with ``TheBody.of(card)``.
        """
        if not self._body_checked:
            self._body = self._validated_body()
            self._body_checked = True
        return self._body

    def _validated_body(self) -> CardBody | None:
        try:
            schema = body_schema(self.method, self.kind)
        except WetvalError as error:
            raise CardError(self._label(), [("method", str(error))]) from None
        if schema is None:
            return None
        sections = {"options": self.options, "tables": self.tables, "parameters": self.parameters}
        try:
            return schema.model_validate(sections)
        except ValidationError as error:
            raise CardError(self._label(), _body_problems(schema, error, sections)) from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied, validated again (schema and body) like a loaded card."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            data = copied.model_dump(mode="python")
            return typing.cast(Self, type(self).from_mapping(data, path=self._path))
        return copied

    @property
    def hash(self) -> str:
        """SHA-256 of the card's content (independent of file formatting)."""
        return content_hash(self.model_dump(mode="json"))

    @property
    def ref(self) -> CardRef:
        """Id, version and hash, for provenance."""
        return CardRef(id=self.id, version=self.version, hash=self.hash)

    def param(self, name: str) -> Any:
        """The value of a parameter.

        Raises
        ------
        CardError
            If the card has no such parameter (names the card and the key).
        """
        if name not in self.parameters:
            raise CardError(
                self._label(),
                [(f"parameters.{name}", f"missing; present: {list(self.parameters)}")],
            )
        return self.parameters[name].value

    def table(self, name: str) -> pd.DataFrame:
        """A table of the card as a DataFrame indexed by its key column.

        Raises
        ------
        CardError
            If the card has no such table.
        """
        if name not in self.tables:
            raise CardError(
                self._label(), [(f"tables.{name}", f"missing; present: {list(self.tables)}")]
            )
        return self.tables[name].to_frame()

    def option(self, name: str, default: Any = None) -> Any:
        """A method option, or ``default``."""
        return self.options.get(name, default)

    def source(self, key: str) -> Source:
        """A cited source by key."""
        for source in self.sources:
            if source.key == key:
                return source
        raise KeyError(f"card {self.id!r} has no source {key!r}")

    def unverified(self) -> list[str]:
        """Everything in the card that is not verified, as readable lines."""
        lines = [f"source {s.key}: {s.citation}" for s in self.sources if not s.verified]
        lines += [
            f"parameter {n} = {p.value} {p.unit}"
            for n, p in self.parameters.items()
            if not p.verified
        ]
        lines += [f"table {n}" for n, t in self.tables.items() if not t.verified]
        lines += [f"assumption {a.key}: {a.text.en}" for a in self.assumptions if not a.verified]
        return lines

    @property
    def verified(self) -> bool:
        """True when every source, parameter, table and assumption is verified."""
        return not self.unverified()

    def _label(self) -> str:
        return str(self._path) if self._path else f"card {self.id!r}"

    def references_bundle(self, role: str, constants: typing.Iterable[str] = ()) -> CardBundle:
        """The card and every card it references, resolved into a bundle.

        See :meth:`CardBundle.resolve`.

        The active bundle's cards are reused, not loaded again; ``constants``
        are references a method or kind declares it always reads.
        """
        return CardBundle.resolve({role: self}, constants, base=_ACTIVE.get())

    def __repr__(self) -> str:
        return f"<Card {self.id}@{self.version} kind={self.kind} method={self.method}>"

    __str__ = __repr__

    # ------------------------------------------------------------- building
    @classmethod
    def from_toml(cls, text: str, *, path: Path | None = None) -> Card:
        """Parse a card from TOML text.

        Raises
        ------
        CardError
            For TOML syntax errors and schema violations, naming each key.
        """
        label = str(path) if path else "(TOML text)"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CardError(label, [("", f"not valid TOML: {error}")]) from None
        return cls.from_mapping(data, path=path)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: Path | None = None) -> Card:
        """Build a card from a mapping (as parsed from TOML or JSON)."""
        label = str(path) if path else f"card {data.get('id', '(no id)')!r}"
        try:
            card = cls.model_validate(data)
        except ValidationError as error:
            schema = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
            # a field error stops pydantic before the card-level citation check, which
            # otherwise reports its findings joined in one message: check the raw mapping
            # and report each citation problem under its own key, in one error either way
            citation = _citation_problems(data)
            problems = [
                (key, message)
                for key, message in schema
                if not any(found in message for _, found in citation)
            ]
            raise CardError(label, problems + citation) from None
        card._path = path
        card._body = card._validated_body()  # at load: a bad body is a load error
        card._body_checked = True
        return card

    def to_toml(self) -> str:
        """The card as TOML text that :meth:`from_toml` reads back identically."""
        return _to_toml(self.model_dump(mode="json", exclude_none=True))


def _citation_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Citation problems of a card as (key, message).

    Unknown or duplicate source keys, and parameters claiming ``verified``
    without a source.

    Works on a validated card's dump and on a raw mapping alike: parts that are
    malformed (and reported by the schema) are skipped.
    """

    def mapping(value: object) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}

    sources = data.get("sources")
    keys = [
        str(source["key"])
        for source in (sources if isinstance(sources, list | tuple) else ())
        if isinstance(source, Mapping) and "key" in source
    ]
    problems: list[tuple[str, str]] = []
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        problems.append(("sources", f"source keys used twice: {duplicates}"))
    cited: list[tuple[str, object]] = []
    parameters = mapping(data.get("parameters"))
    for name, parameter in parameters.items():
        cited.append((f"parameters.{name}.source", mapping(parameter).get("source")))
    for name, table in mapping(data.get("tables")).items():
        table = mapping(table)
        cited.append((f"tables.{name}.source", table.get("source")))
        columns = list(table.get("columns") or ())
        if "source" in columns:
            position = columns.index("source")
            for i, row in enumerate(table.get("rows") or ()):
                if isinstance(row, list | tuple) and len(row) > position:
                    cited.append((f"tables.{name}.rows[{i}].source", row[position]))
    for where, key in cited:
        if key and key not in keys:
            problems.append(
                (
                    where,
                    f"cites source {key!r}, which is not in [[sources]] (sources: {keys}); "
                    "add a [[sources]] entry with this key or correct the key",
                )
            )
    for name, parameter in parameters.items():
        parameter = mapping(parameter)
        if parameter.get("source") is None and parameter.get("verified", True) is True:
            problems.append(
                (
                    f"parameters.{name}",
                    "has no source but claims verified = true; cite a source or mark it "
                    "verified = false",
                )
            )
    return problems


# ------------------------------------------------------------------ TOML out
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else json.dumps(key, ensure_ascii=False)


def _to_toml(data: dict[str, Any]) -> str:
    lines: list[str] = []
    scalars = {
        k: v
        for k, v in data.items()
        if not isinstance(v, dict) and k not in ("sources", "assumptions")
    }
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key in ("title", "description"):
        if key in data:
            lines.append(f"{key} = {_toml_value(data[key])}")
    for source in data.get("sources", []):
        lines += ["", "[[sources]]"] + [
            f"{_toml_key(k)} = {_toml_value(v)}" for k, v in source.items()
        ]
    for assumption in data.get("assumptions", []):
        lines += ["", "[[assumptions]]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in assumption.items()]
    for section in ("parameters", "tables"):
        for name, body in data.get(section, {}).items():
            lines += ["", f"[{section}.{_toml_key(name)}]"]
            for key, value in body.items():
                if key == "rows":
                    rows = ",\n".join(f"  {_toml_value(row)}" for row in value)
                    lines.append(f"rows = [\n{rows},\n]" if value else "rows = []")
                else:
                    lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    if data.get("options"):
        lines += ["", "[options]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data["options"].items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ registry
# Searching the card directories is cached in this module, for every caller: the
# installed packages' entry points once per state of ``sys.path`` (the mtimes of its
# directories change when a package is installed or removed), each directory's listing
# once per state of the directory and each card file once per state of the file
# (stamp: inode, size, mtime_ns). Every call of list_cards and load_card stats every
# card directory and card file again, so a card added, edited in place or deleted is
# seen at once; only what is unchanged is neither listed nor parsed again. A file or
# directory modified within _RACY_NS of when it was read is read again (and a file
# compared by content), since a second change within one tick of the file system's
# clock may keep its stamp: the "racy clean" rule git uses for its index.
_RACY_NS = 2_000_000_000


class _Entry(typing.NamedTuple):
    """A parsed card file: its stamp, its text, when it was read, the card."""

    stamp: tuple[int, int, int]
    text: str
    read_ns: int
    card: Card


_FILES: dict[Path, _Entry] = {}
_DIRECTORIES: dict[str, _Listing] = {}
_PLUGIN_DIRS: dict[str, Any] = {}  # "key" → stamp of sys.path, "dirs" → plugin card dirs


@cache
def _builtin_dir() -> Path:
    installed = resources.files("wetval") / "methods"
    if installed.is_dir():
        return Path(str(installed))
    # running from a source checkout (editable install): cards live at the repo root
    return Path(__file__).resolve().parents[2] / "methods"


def _stamp(stat: os.stat_result) -> tuple[int, int, int]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _sys_path_stamp() -> tuple[tuple[str, int], ...]:
    """``sys.path`` with each entry's mtime_ns (-1 if absent): changes on install/uninstall."""
    stamps = []
    for entry in sys.path:
        try:
            stamps.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamps.append((entry, -1))
    return tuple(stamps)


def _plugin_dirs() -> list[Path]:
    """Card directories of the packages registered under ``wetval.cards`` (cached)."""
    key = _sys_path_stamp()
    if _PLUGIN_DIRS.get("key") != key:
        paths = []
        for entry_point in metadata.entry_points(group=CARD_GROUP):
            package = resources.files(entry_point.value)
            candidate = package / "methods"
            paths.append(Path(str(candidate if candidate.is_dir() else package)))
        _PLUGIN_DIRS.update(key=key, dirs=paths)
    return list(_PLUGIN_DIRS["dirs"])


def clear_cache() -> None:
    """Forget the parsed card files and the plugins' card directories.

    Never needed to see a card file added, edited or deleted (every call checks the
    directories); only after changing the entry points without touching
    ``sys.path`` (as tests that fake ``importlib.metadata.entry_points`` do).
    """
    _FILES.clear()
    _DIRECTORIES.clear()
    _PLUGIN_DIRS.clear()


def card_paths() -> list[Path]:
    """Directories searched for cards, highest precedence first."""
    paths = [Path(p) for p in os.environ.get("WETVAL_CARD_PATH", "").split(os.pathsep) if p]
    return paths + _plugin_dirs() + [_builtin_dir()]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _parse(text: str, path: Path) -> Card:
    """Parse one card file's text (the only place card files are parsed)."""
    return Card.from_toml(text, path=path)


def _read(path: Path, stat: os.stat_result | None = None) -> Card:
    """The card in ``path``, parsed again only when the file changed.

    Raises
    ------
    CardError
        If the file is malformed (not cached: the next call reads it again).
    """
    stamp = _stamp(path.stat() if stat is None else stat)
    entry = _FILES.get(path)
    if entry is not None and entry.stamp == stamp and stamp[2] < entry.read_ns - _RACY_NS:
        return entry.card
    now = time.time_ns()
    text = path.read_text(encoding="utf-8")
    unchanged = entry is not None and entry.text == text  # touched or copied over
    card = entry.card if unchanged and entry is not None else _parse(text, path)
    _FILES[path] = _Entry(stamp, text, now, card)
    return card


class _Listing(typing.NamedTuple):
    """A listed directory: its stamp, when it was listed, its sub-directories and cards."""

    stamp: tuple[int, int, int]
    listed_ns: int
    directories: tuple[str, ...]
    files: tuple[Path, ...]


def _listing(directory: str) -> _Listing | None:
    """What ``directory`` holds, listed again only when it changed (``None`` if absent).

    A directory's mtime changes when an entry is added, removed or renamed in it; the
    same rule for recent changes as :func:`_read`.
    """
    try:
        stamp = _stamp(os.stat(directory))
    except OSError:
        return None
    cached = _DIRECTORIES.get(directory)
    if cached is not None and cached.stamp == stamp and stamp[2] < cached.listed_ns - _RACY_NS:
        return cached
    now = time.time_ns()
    directories: list[str] = []
    files: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return None
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):  # as rglob: no linked directories
                directories.append(entry.path)
            elif entry.name.endswith(".toml") and entry.is_file():
                files.append(Path(entry.path))
        except OSError:  # deleted while listed, or a broken link
            continue
    listing = _DIRECTORIES[directory] = _Listing(stamp, now, tuple(directories), tuple(files))
    return listing


def _card_files(directory: Path) -> list[tuple[Path, os.stat_result]]:
    """Every ``*.toml`` file under ``directory`` (as ``rglob``), sorted, with its stat."""
    found: list[tuple[Path, os.stat_result]] = []
    pending = [str(directory)]
    while pending:
        listing = _listing(pending.pop())
        if listing is None:
            continue
        pending.extend(listing.directories)
        for path in listing.files:
            try:
                found.append((path, os.stat(path)))
            except OSError:  # deleted since it was listed
                continue
    return sorted(found, key=lambda item: item[0])


def _index() -> dict[str, dict[str, Card]]:
    """Id → version → card over every card directory (errors name the files).

    A card in a higher-precedence directory shadows the same id and version in
    a lower one; the same id and version twice in one directory is an error.
    Unchanged files are not parsed again (see :func:`_read`).
    """
    found: dict[str, dict[str, Card]] = {}
    origin: dict[tuple[str, str], Path] = {}
    errors: list[str] = []
    for directory in card_paths():
        for path, stat in _card_files(directory):
            try:
                card = _read(path, stat)
            except FileNotFoundError:  # deleted since it was listed
                continue
            except (CardError, OSError) as error:
                errors.append(str(error))
                continue
            key = (card.id, card.version)
            if key in origin:
                if origin[key] == directory:
                    errors.append(
                        f"card {card.id}@{card.version} is defined twice: "
                        f"{found[card.id][card.version].path} and {path}"
                    )
                continue
            origin[key] = directory
            found.setdefault(card.id, {})[card.version] = card
    if errors:
        raise CardError("card directories", [("", e) for e in errors])
    return found


def load_card(id_or_path: str | os.PathLike[str]) -> Card:
    """Load a card by id (``"xie2015"``, ``"xie2015@1.0.0"``) or from a file.

    Parameters
    ----------
    id_or_path
        A card id, optionally with ``@version``, or a path to a ``.toml`` file.

    Returns
    -------
    Card

    Raises
    ------
    UnknownCardError
        If no installed card has that id (lists the installed ids).
    CardError
        If the card file is malformed (names the file and each key).
    """
    text = os.fspath(id_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise CardError(text, [("", "file not found")])
        return _read(path.resolve())
    card_id, _, version = text.partition("@")
    index = _index()
    if card_id not in index:
        raise UnknownCardError(card_id, list(index))
    versions = index[card_id]
    if version:
        if version not in versions:
            raise UnknownCardError(
                f"{card_id}@{version}", [f"{card_id}@{v}" for v in sorted(versions)]
            )
        return versions[version]
    return versions[max(versions, key=_version_key)]


def list_cards(kind: str | None = None) -> list[Card]:
    """Every installed card (all versions), optionally of one kind, sorted by kind, id, version."""
    cards = [card for versions in _index().values() for card in versions.values()]
    if kind is not None:
        cards = [c for c in cards if c.kind == kind]
    return sorted(cards, key=lambda c: (c.kind, c.id, _version_key(c.version)))


# ------------------------------------------------------ references between cards
class CardReference:
    """Marker of a body field holding the id (or ids) of other cards.

    Written into a field's type, ``Annotated[str, CardReference()]`` (or a
    mapping or union whose values are ids); :meth:`CardBundle.resolve` finds
    these fields and loads the cards they name once, before computing.
    """

    def __repr__(self) -> str:
        return "CardReference()"


#: The one marker instance written into field types.
CARD_REFERENCE = CardReference()


def card_references(card: Card) -> list[tuple[str, str]]:
    """The references of ``card`` to other cards declared by its typed body.

    Returns
    -------
    list of (str, str)
        ``(dotted key, reference)`` pairs such as ``("options.fund_card",
        "fund-split-cn")``, in field order; a mapping field gives one pair per
        value (``options.crosswalk.sandiao``).
    """
    body = card.body
    found: list[tuple[str, str]] = []
    if body is not None:
        for section in ("options", "tables", "parameters"):
            _model_references(getattr(body, section), section, found)
    return found


def _model_references(model: BaseModel, prefix: str, found: list[tuple[str, str]]) -> None:
    """Collect the declared references of ``model`` and its nested models into ``found``."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = f"{prefix}.{name}"
        if any(isinstance(m, CardReference) for m in info.metadata):
            _reference_values(value, key, found)
        elif isinstance(value, BaseModel):
            _model_references(value, key, found)


def _reference_values(value: Any, key: str, found: list[tuple[str, str]]) -> None:
    """The ids in a reference field: a string, or the strings of a (nested) mapping."""
    if isinstance(value, str):
        found.append((key, value))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _reference_values(v, f"{key}.{k}", found)


class CardBundle(Mapping[str, Card]):
    """The cards one computation reads, resolved once before it starts.

    A frozen mapping reference → :class:`Card`: the reference is the id (or
    ``id@version``, or path) as a card's body or a method's declared constant
    dependencies write it, or a role (``"pricing"``, ``"funds"``) the
    boundary gives. :func:`wetval.plugins.run` resolves the bundle of the card
    it runs and makes it the active bundle while the method computes; method
    code reads other cards only through :func:`referenced`, never by loading.

    Parameters
    ----------
    cards
        Reference → card.
    """

    __slots__ = ("_cards",)

    def __init__(self, cards: Mapping[str, Card] | None = None) -> None:
        self._cards: Mapping[str, Card] = types.MappingProxyType(dict(cards or {}))

    def __getitem__(self, ref: str) -> Card:
        return self._cards[ref]

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)

    def __repr__(self) -> str:
        return f"CardBundle({', '.join(f'{k}={c.id}@{c.version}' for k, c in self.items())})"

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_cards" or hasattr(self, "_cards"):
            raise AttributeError("a CardBundle is frozen; use with_cards() for a changed copy")
        object.__setattr__(self, name, value)

    @property
    def hashes(self) -> dict[str, str]:
        """Reference → content hash of the card it resolved to."""
        return {ref: card.hash for ref, card in self.items()}

    def with_cards(self, cards: Mapping[str, Card]) -> CardBundle:
        """A copy with some references resolved to other cards (e.g. an override)."""
        return CardBundle({**self._cards, **cards})

    def by_hash(self, content: str) -> Card | None:
        """The card of the bundle with this content hash, if any."""
        return next((card for card in self.values() if card.hash == content), None)

    @classmethod
    def resolve(
        cls,
        cards: Mapping[str, Card],
        constants: typing.Iterable[str] = (),
        *,
        base: CardBundle | None = None,
    ) -> CardBundle:
        """Resolve every reference the cards declare, transitively, into a bundle.

        Parameters
        ----------
        cards
            Role → card (the cards a computation is given).
        constants
            References a method declares it always reads (e.g. the
            ``transfer-errors`` card of benefit transfer).
        base
            An already resolved bundle; its references are reused, not loaded again.

        Returns
        -------
        CardBundle

        Raises
        ------
        CardError
            One error naming every reference that names no card, with the
            referring card's file and the dotted key.
        """
        found: dict[str, Card] = dict(base or {})
        found.update(cards)
        problems: list[tuple[str, str]] = []
        pending: list[tuple[Card | None, str, str]] = [(None, "", ref) for ref in constants]
        pending += [
            (card, key, ref) for card in cards.values() for key, ref in card_references(card)
        ]
        while pending:
            referrer, key, ref = pending.pop(0)
            if ref in found:
                continue
            try:
                card = _resolve_one(ref)
            except (UnknownCardError, CardError, WetvalError) as error:
                where = "a method's constant dependency" if referrer is None else referrer._label()
                problems.append(
                    (f"{where}: {key or ref}", f"names card {ref!r}, which is not found ({error})")
                )
                continue
            found[ref] = card
            pending += [(card, k, r) for k, r in card_references(card)]
        if problems:
            raise CardError(
                "references between cards",
                [
                    (key, f"{message}; fix: install the card or correct the reference")
                    for key, message in problems
                ],
            )
        return cls(found)

    def use(self) -> typing.ContextManager[CardBundle]:
        """Make this the active bundle while a ``with`` block computes."""
        return _using(self)


_ACTIVE: contextvars.ContextVar[CardBundle | None] = contextvars.ContextVar(
    "wetval_card_bundle", default=None
)


@contextlib.contextmanager
def _using(bundle: CardBundle) -> typing.Iterator[CardBundle]:
    token = _ACTIVE.set(bundle)
    try:
        yield bundle
    finally:
        _ACTIVE.reset(token)


def active_bundle() -> CardBundle | None:
    """The bundle of the computation running now (``None`` outside one)."""
    return _ACTIVE.get()


def referenced(ref: str, *, referrer: Card | None = None, key: str = "") -> Card:
    """The card ``ref`` names, from the bundle resolved before computing.

    Inside a computation started by :func:`wetval.plugins.run` (or given a
    bundle with :meth:`CardBundle.use`), the card comes from the active
    bundle and nothing is loaded; a reference the bundle lacks was not
    declared and is an error. Called outside any computation (a public
    function used on its own), the reference is resolved here, once, at that
    function's boundary.

    Parameters
    ----------
    ref
        The card id (``id@version``) or path the referring card names.
    referrer, key
        The referring card and the dotted key naming ``ref``, for the error.

    Raises
    ------
    CardError
        If the reference names no card (or, inside a computation, is not in
        its bundle), naming the referring card's file and the dotted key.
    """
    bundle = _ACTIVE.get()
    where = referrer._label() if referrer is not None else "a method's constant dependency"
    if bundle is not None:
        if ref in bundle:
            return bundle[ref]
        raise CardError(
            where,
            [
                (
                    key or ref,
                    f"names card {ref!r}, which is not in the bundle resolved before computing "
                    f"(it holds {sorted(bundle)}); fix: declare the reference as a card field "
                    "(CardReference) or a constant of the method",
                )
            ],
        )
    try:
        return _resolve_one(ref)
    except (UnknownCardError, CardError) as error:
        raise CardError(
            where,
            [
                (
                    key or ref,
                    f"names card {ref!r}, which is not found ({error}); fix: install "
                    "the card or correct the reference",
                )
            ],
        ) from None


def _resolve_one(ref: str) -> Card:
    """Load one reference: an id, ``id@version``, a path or a dated ``id@on:DATE``."""
    if IN_FORCE in ref:
        card_id, _, day = ref.partition(IN_FORCE)
        return in_force(card_id, day)
    return load_card(ref)


def in_force(card_id: str, on: Any, *, option: str = "effective_from") -> Card:
    """The version of card ``card_id`` in force on a date.

    The version with the latest ``options.effective_from`` on or before the
    date wins. Called where a computation's cards are resolved (its boundary),
    never while it computes; a computation asks for the dated reference
    ``f"{card_id}@on:{date}"`` (:data:`IN_FORCE`).

    Parameters
    ----------
    card_id
        The card id (every installed version is considered).
    on
        The date (a :class:`datetime.date` or an ISO string).
    option
        The option holding each version's start date.

    Raises
    ------
    WetvalError
        If no version was in force on that date (lists the versions).
    """
    from wetval.dates import parse_date

    when = parse_date(on, "date")
    versions = [
        (parse_date(card.option(option), option), card)
        for card in list_cards()
        if card.id == card_id
    ]
    chosen = [(start, card) for start, card in versions if start <= when]
    if not chosen:
        known = ", ".join(f"{card.version} from {start}" for start, card in versions)
        raise WetvalError(f"no version of {card_id!r} was in force on {when}; versions: {known}")
    return max(chosen, key=lambda version: version[0])[1]


def recorded_card(ref: CardRef, bundle: Mapping[str, Card] | None = None) -> Card:
    """The card a result recorded (id, version, hash) as used.

    Taken from ``bundle`` (or the active bundle) when a card there has the
    recorded content hash; otherwise the installed ``id@version`` is loaded
    here, once, at the caller's boundary, and must have that hash.

    Raises
    ------
    CardError
        If the installed card of that id and version has other content (an
        overridden copy was used: pass it, or the bundle of the run).
    """
    for cards in (bundle, _ACTIVE.get()):
        if cards is not None:
            found = next((card for card in cards.values() if card.hash == ref.hash), None)
            if found is not None:
                return found
    return check_recorded(load_card(f"{ref.id}@{ref.version}"), ref)


def check_recorded(card: Card, ref: CardRef) -> Card:
    """``card`` if it is the card ``ref`` recorded (same content hash).

    Raises
    ------
    CardError
        If its content differs (an overridden copy was used: pass it instead).
    """
    if card.hash != ref.hash:
        raise CardError(
            f"card {card.id!r}",
            [
                (
                    "",
                    f"is not the card the result was computed with ({ref.id}@{ref.version}, hash "
                    f"{ref.hash[:12]}…, this card {card.hash[:12]}…); pass the card used "
                    "(e.g. the overridden copy)",
                )
            ],
        )
    return card


_ATTACHED = "_wetval_card_bundle"


def attach_bundle(result: object, bundle: CardBundle) -> None:
    """Record on an in-memory result the bundle of cards it was computed with.

    Not serialised: a result read back from JSON has none, and readers fall
    back to its provenance (:func:`recorded_card`).
    """
    object.__setattr__(result, _ATTACHED, bundle)


def attached_bundle(result: object) -> CardBundle | None:
    """The bundle :func:`attach_bundle` recorded on ``result`` (``None`` if none)."""
    found = getattr(result, _ATTACHED, None)
    return found if isinstance(found, CardBundle) else None
