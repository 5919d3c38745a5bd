"""Results and records: frozen, JSON round-trip exact; the result protocol.

Every frozen record wetval writes derives from :class:`Record`, the codec
base: :meth:`Record.to_json` writes it and :meth:`Record.from_json` reads it
back *exactly*: DataFrames keep their
index, column order, dtypes and every float bit for bit (floats are written
with ``repr``, which round-trips), numpy arrays keep their dtype and shape.

Supported field types: ``None``, ``bool``, ``int``, ``float``, ``str``,
``Decimal``, tuples, lists and dicts of those, numpy arrays, pandas
DataFrames and Series, pydantic models (e.g. :class:`~wetval.provenance.Provenance`,
:class:`~wetval.cards.Card`) and nested :class:`Record` objects. Subclasses
are found by class name, so every subclass must have a unique name.

A *result* (inventory, condition, service values, quota accounts, prices,
Monte Carlo summaries, assessments) derives from :class:`Result` and keeps
the :class:`ResultProtocol`: ``provenance``, one ``to_frame()``,
``summary()`` returning a :class:`~wetval.summary.Summary` (tables and
notes with string keys, rendered in zh or en) and ``plot(ax=None)``.
Records that are not results (rules, experts, transactions, plans) derive
from :class:`Record` only.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import BaseModel

from wetval.messages import Bilingual, Message, Term

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from wetval.provenance import Provenance
    from wetval.summary import Summary

__all__ = ["Record", "Result", "ResultProtocol"]

_REGISTRY: dict[str, type[Record]] = {}
_FORMAT = "wetval-result/1"


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"__float__": repr(value)} if not np.isfinite(value) else value
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, Record):
        return {"__result__": type(value).__name__, "fields": value._fields_json()}
    if isinstance(value, Message | Term | Bilingual):
        return {
            "__message__": type(value).__name__,
            "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, BaseModel):
        return {
            "__model__": f"{type(value).__module__}:{type(value).__qualname__}",
            "data": value.model_dump(mode="json"),
        }
    if isinstance(value, pd.DataFrame):
        return {"__frame__": _frame_json(value)}
    if isinstance(value, pd.Series):
        return {"__series__": _frame_json(value.to_frame(name="__value__")), "name": value.name}
    if isinstance(value, pd.Index):
        return {"__index__": _frame_json(pd.DataFrame(index=value))}
    if isinstance(value, np.ndarray):
        return {
            "__array__": [_encode(v) for v in value.ravel().tolist()],
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _encode(v) for k, v in value.items()}}
        return {"__pairs__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot serialise {type(value).__name__} in a result")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__decimal__" in value:
        return Decimal(value["__decimal__"])
    if "__result__" in value:
        return _REGISTRY[value["__result__"]]._from_fields_json(value["fields"])
    if "__message__" in value:
        kind = {"Message": Message, "Term": Term, "Bilingual": Bilingual}[value["__message__"]]
        return kind(**{k: _decode(v) for k, v in value["fields"].items()})
    if "__model__" in value:
        module, _, name = value["__model__"].partition(":")
        model = getattr(__import__(module, fromlist=[name]), name)
        return model.model_validate(value["data"])
    if "__frame__" in value:
        return _frame_from_json(value["__frame__"])
    if "__series__" in value:
        series = _frame_from_json(value["__series__"])["__value__"]
        series.name = value["name"]
        return series
    if "__index__" in value:
        return _frame_from_json(value["__index__"]).index
    if "__array__" in value:
        flat = [_decode(v) for v in value["__array__"]]
        dtype = np.dtype(value["dtype"])
        return np.array(flat, dtype=dtype).reshape(value["shape"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_decode(k): _decode(v) for k, v in value["__pairs__"]}
    raise ValueError(f"unrecognised encoded value with keys {sorted(value)}")


_MISSING = {"None": None, "NA": pd.NA, "NaT": pd.NaT}


def _encode_cell(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return {"__missing__": "None"}
    if value is pd.NA:
        return {"__missing__": "NA"}
    if value is pd.NaT:
        return {"__missing__": "NaT"}
    return _encode(value)


def _decode_cell(value: Any) -> Any:
    if isinstance(value, dict) and "__missing__" in value:
        return _MISSING[value["__missing__"]]
    return _decode(value)


def _column_json(series: pd.Series) -> dict[str, Any]:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "kind": "category",
            "categories": _column_json(pd.Series(dtype.categories)),
            "ordered": bool(dtype.ordered),
            "codes": series.cat.codes.to_numpy().tolist(),
        }
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return {
            "kind": "numeric",
            "dtype": dtype.str,
            "values": [_encode(v) for v in series.to_numpy().tolist()],
        }
    return {
        "kind": "values",
        "dtype": str(dtype),
        "values": [_encode_cell(v) for v in series.to_numpy(dtype=object)],
    }


def _column_from_json(data: dict[str, Any], index: pd.Index | None = None) -> pd.Series:
    if data["kind"] == "category":
        categories = _column_from_json(data["categories"])
        dtype = pd.CategoricalDtype(pd.Index(categories), ordered=data["ordered"])
        return pd.Series(pd.Categorical.from_codes(data["codes"], dtype=dtype), index=index)
    if data["kind"] == "numeric":
        values = [_decode(v) for v in data["values"]]
        return pd.Series(np.array(values, dtype=np.dtype(data["dtype"])), index=index)
    series = pd.Series([_decode_cell(v) for v in data["values"]], index=index, dtype=object)
    return series if data["dtype"] == "object" else series.astype(data["dtype"])


def _frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    index = frame.index
    level_values = [index.get_level_values(i) for i in range(index.nlevels)]
    levels = [_column_json(pd.Series(level, dtype=level.dtype)) for level in level_values]
    return {
        "columns": [_encode(c) for c in frame.columns.tolist()],
        "columns_name": frame.columns.name,
        "index_names": [_encode(n) for n in index.names],
        "index": levels,
        "data": [_column_json(frame.iloc[:, i]) for i in range(frame.shape[1])],
        "attrs": _encode(dict(frame.attrs)),
    }


def _frame_from_json(data: dict[str, Any]) -> pd.DataFrame:
    levels = [_column_from_json(level) for level in data["index"]]
    names = [_decode(n) for n in data["index_names"]]
    indexes = [pd.Index(level, dtype=level.dtype) for level in levels]
    if len(indexes) == 1:
        index = indexes[0].rename(names[0])
    else:
        index = pd.MultiIndex.from_arrays(indexes, names=names)
    columns = [_decode(c) for c in data["columns"]]
    frame = pd.DataFrame(
        {i: _column_from_json(col, index=index) for i, col in enumerate(data["data"])},
        index=index,
    )
    frame.columns = pd.Index(columns, name=data["columns_name"], dtype=object)
    if all(isinstance(c, str) for c in columns):
        frame.columns = pd.Index(columns, name=data["columns_name"])
    frame.attrs.update(_decode(data["attrs"]))
    return frame


@dataclasses.dataclass(frozen=True)
class Record:
    """Codec base of wetval's frozen records: exact JSON round trip, found by class name.

    Subclasses are frozen dataclasses with a unique class name. Records that
    are results derive from :class:`Result` instead.
    """

    json_format: ClassVar[str] = _FORMAT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__ in _REGISTRY and _REGISTRY[cls.__name__] is not cls:
            existing = _REGISTRY[cls.__name__]
            raise TypeError(
                f"two result classes are named {cls.__name__!r}: "
                f"{existing.__module__} and {cls.__module__}"
            )
        _REGISTRY[cls.__name__] = cls

    def _fields_json(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def _from_fields_json(cls, data: dict[str, Any]) -> Self:
        # the annotations as written (postponed: strings), so a field's type need not be
        # importable here; only whether it is a tuple matters
        hints = {
            k: v
            for c in reversed(cls.__mro__)
            for k, v in vars(c).get("__annotations__", {}).items()
        }
        values = {}
        for field in dataclasses.fields(cls):
            if field.name not in data:
                continue
            value = _decode(data[field.name])
            if isinstance(value, list) and "tuple" in str(hints.get(field.name, "")):
                value = tuple(value)
            values[field.name] = value
        return cls(**values)

    def to_json(self, *, indent: int | None = None) -> str:
        """Serialise to JSON text that :meth:`from_json` reads back exactly."""
        document = {"format": _FORMAT, "type": type(self).__name__, "fields": self._fields_json()}
        return json.dumps(document, ensure_ascii=False, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Read a result written by :meth:`to_json`.

        Raises
        ------
        ValueError
            If the text is not a wetval result of this class.
        """
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise ValueError(f"not a wetval result document (expected format {_FORMAT!r})")
        kind = _REGISTRY.get(document["type"])
        if kind is None or not issubclass(kind, cls):
            raise ValueError(f"the document holds a {document['type']}, not a {cls.__name__}")
        result = kind._from_fields_json(document["fields"])
        assert isinstance(result, cls)
        return result


@runtime_checkable
class ResultProtocol(Protocol):
    """What every wetval result offers (a conformance test checks each :class:`Result`).

    Attributes
    ----------
    provenance
        Cards, input hashes and options the result came from.
    """

    provenance: Provenance

    def to_frame(self) -> pd.DataFrame:
        """The result's main table (a copy)."""
        ...

    def summary(self) -> Summary:
        """Titled tables and notes with string keys, rendered in zh or en."""
        ...

    def plot(self, ax: Axes | None = None) -> Axes:
        """The result's chart on ``ax`` (a new figure when ``None``)."""
        ...


@dataclasses.dataclass(frozen=True)
class Result(Record):
    """Base of wetval's results: a :class:`Record` that keeps the :class:`ResultProtocol`.

    Subclasses implement ``to_frame()``, ``summary()`` (a
    :class:`~wetval.summary.Summary`) and ``plot(ax=None)`` and carry a
    ``provenance`` field.
    """
