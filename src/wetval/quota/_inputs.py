"""Input protocols of quota accounting and pricing (condition and valuation results).

Quota accounting and pricing read two upstream results through narrow,
documented protocols, so that any condition or valuation method can feed them:

Condition
    A :class:`pandas.DataFrame` indexed by ``parcel_id`` with columns ``grade``
    (grade label, e.g. 优/良/中/差; a condition result's ``grade_zh`` or
    ``grade_en`` column is used instead when its labels are the card's) and
    ``index`` (condition index, 0–1), or any
    object with a ``to_frame()`` method returning such a frame (wetval's
    ``ConditionResult`` does; extra columns such as ``points`` are ignored).
Services
    Annual ecosystem-service value per parcel [CNY/yr] at a stated price year:
    a :class:`pandas.Series` indexed by ``parcel_id`` with
    ``series.attrs["price_year"]`` set, or any object with a ``by_parcel()``
    method returning such a Series and a ``price_year`` attribute (wetval's
    ``ServiceValues`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa

from wetval.cards import Card, referenced
from wetval.errors import CardError, Problem, ProblemCollector, WetvalError

__all__ = [
    "ConditionLike",
    "ServicesLike",
    "condition_frame",
    "resolve_card",
    "service_values",
]


@runtime_checkable
class _HasFrame(Protocol):
    def to_frame(self) -> pd.DataFrame: ...


@runtime_checkable
class _HasByParcel(Protocol):
    @property
    def price_year(self) -> int: ...

    def by_parcel(self) -> pd.Series: ...


#: A condition input: a frame with ``grade`` and ``index`` or an object with ``to_frame()``.
ConditionLike = pd.DataFrame | _HasFrame
#: A services input: a Series [CNY/yr] or an object with ``by_parcel()`` and ``price_year``.
ServicesLike = pd.Series | _HasByParcel


def resolve_card(card: Card | str, kind: str) -> Card:
    """Resolve ``card`` (an id or a :class:`Card`) and check it is of ``kind``.

    An id is taken from the active card bundle inside a computation
    (:func:`wetval.cards.referenced`), or loaded here at a public function's boundary.

    Raises
    ------
    CardError
        If the card is of another kind.
    """
    loaded = card if isinstance(card, Card) else referenced(card)
    if loaded.kind != kind:
        raise CardError(
            f"card {loaded.id!r}",
            [("kind", f"is {loaded.kind!r}; this call needs a {kind!r} card")],
        )
    return loaded


def condition_frame(
    condition: ConditionLike, parcel_ids: pd.Index, grades: list[str], *, what: str
) -> pd.DataFrame:
    """The condition grade and index of each parcel, aligned to ``parcel_ids``.

    Parameters
    ----------
    condition
        See the module docstring.
    parcel_ids
        Parcels that need a condition, in the order wanted.
    grades
        Grade labels the card knows.
    what
        What is being computed, for error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``grade`` (str) and ``index`` (float), indexed like ``parcel_ids``.

    Raises
    ------
    wetval.errors.ValidationError
        Naming every parcel without a condition, with an unknown grade or an
        index outside 0–1.
    """
    frame = condition if isinstance(condition, pd.DataFrame) else None
    if frame is None:
        if not isinstance(condition, _HasFrame):
            raise TypeError(
                f"condition must be a DataFrame with columns 'grade' and 'index' or an object "
                f"with to_frame(); got {type(condition).__name__}"
            )
        frame = condition.to_frame()
    problems = ProblemCollector()
    missing_columns = [c for c in ("grade", "index") if c not in frame.columns]
    for column in missing_columns:
        problems.add(
            Problem(
                reason="the condition input has no such column", column=column,
                fix="pass the condition result (ConditionResult or its to_frame()) with 'grade' "
                "and 'index' columns",
            )
        )  # fmt: skip
    problems.raise_if_any(f"condition input for {what}")
    if not frame.index.is_unique:
        duplicated = frame.index.duplicated(keep=False)
        problems.add_rows(
            duplicated, column="parcel_id", values=frame.index.to_numpy(dtype=object),
            reason="parcel listed twice in the condition input",
            fix="give one condition per parcel",
        )  # fmt: skip
        problems.raise_if_any(f"condition input for {what}")
    # positions through the index's hash table: fast for Arrow-backed string ids too
    positions = frame.index.get_indexer(parcel_ids)
    absent = positions < 0
    take = np.where(absent, 0, positions)
    # the grade labels through their distinct values (integer codes), not per row
    grade_column: pd.Series = frame[_grade_column(frame, grades)]
    grade_codes, grade_labels = pd.factorize(grade_column, use_na_sentinel=True)
    labels = np.asarray(pd.Index(grade_labels).astype(object), dtype=object)

    def grade_objects() -> np.ndarray:
        """The grade of each parcel as Python objects (only built when needed)."""
        if len(frame):
            grade = labels[grade_codes][take] if len(labels) else np.empty(len(take), dtype=object)
            missing = grade_codes[take] < 0
            if missing.any():  # keep the input's own missing marker (None or NaN)
                grade[missing] = grade_column.astype("object").to_numpy()[take[missing]]
        else:
            grade = np.full(len(parcel_ids), None, dtype=object)
        grade[absent] = None
        return grade

    index = pd.to_numeric(frame["index"], errors="coerce").to_numpy(dtype=float)
    index = index[take] if len(frame) else np.full(len(parcel_ids), np.nan)
    index[absent] = np.nan
    checker = ProblemCollector(row_labels=parcel_ids, parcel_ids=parcel_ids)
    if absent.any():
        checker.add_rows(
            absent, column="parcel_id", values=parcel_ids.to_numpy(dtype=object),
            reason="no condition grade for this parcel",
            fix="score the parcel's condition first (wetval condition methods) or drop it",
        )  # fmt: skip
    codes = np.where(absent, -1, grade_codes[take] if len(frame) else -1)
    known = np.array([u in grades for u in labels] + [False], dtype=bool)[codes]
    unknown = ~absent & ~known
    if unknown.any():
        checker.add_rows(
            unknown, column="grade", values=grade_objects(),
            reason=f"grade not in the card's grades {grades}",
            fix="use the card's grade labels or a card for this grading scheme",
        )  # fmt: skip
    bad_index = ~absent & ~((index >= 0.0) & (index <= 1.0))
    checker.add_rows(
        bad_index, column="index", values=index,
        reason="condition index missing or outside 0–1", fix="give the condition index in 0–1",
    )  # fmt: skip
    checker.raise_if_any(f"condition input for {what}")
    return pd.DataFrame({"grade": _labels_column(grade_objects, codes, labels), "index": index},
                        index=parcel_ids)  # fmt: skip


def _labels_column(grade: Callable[[], np.ndarray], codes: np.ndarray, labels: np.ndarray) -> Any:
    """The grade column as pandas would infer it from ``grade()``, built from integer codes.

    Every parcel has a known text grade here (the checks above raise otherwise),
    so pandas infers its string dtype; Arrow builds that column from the codes
    and the few distinct labels instead of converting a million Python strings (``grade()``,
    the labels as Python objects, is only built when that does not apply).
    """
    inferred = pd.Series(["x"]).dtype
    texts = all(isinstance(u, str) for u in labels)
    if (codes < 0).any() or not texts or not isinstance(inferred, pd.StringDtype):
        return grade()
    text = pa.array(labels.tolist(), type=pa.large_string()).take(pa.array(codes))
    return pd.array(text, dtype=inferred)


def _grade_column(frame: pd.DataFrame, grades: Sequence[str]) -> str:
    """The column whose labels the card's grades use.

    Condition results label grades by id (``grade``) and by Chinese and English
    labels (``grade_zh``, ``grade_en``); a quota card names grades in one of them
    (the Jiangxi card: 优/良/中/差). Take ``grade`` unless a label column matches
    the card and ``grade`` does not.
    """
    known = set(grades)
    candidates = [c for c in ("grade", "grade_zh", "grade_en") if c in frame.columns]
    for column in candidates:
        present = {str(u) for u in frame[column].dropna().unique()}
        if present and present <= known:
            return column
    return "grade"


def service_values(services: ServicesLike, parcel_ids: pd.Index) -> tuple[pd.Series, int]:
    """Annual service value per parcel [CNY/yr] and its price year.

    Parameters
    ----------
    services
        See the module docstring.
    parcel_ids
        The quota parcels the values are for. A Series must list only these
        (another id is most likely a typo, and its parcel would silently go
        without a value); a valuation result (``by_parcel()``) may also cover
        other parcels of the same parcel table, e.g. occupation parcels valued
        alongside, which are ignored.

    Returns
    -------
    tuple of pandas.Series and int
        Values [CNY/yr] indexed by parcel id (missing values stay NaN: the
        caller flags those parcels) and their price year.

    Raises
    ------
    WetvalError
        If no price year is attached.
    wetval.errors.ValidationError
        Naming every parcel listed more than once, every value that is not a
        finite number ≥ 0 and every parcel id of a Series that is not a quota
        parcel.
    TypeError
        If ``services`` follows neither protocol.
    """
    if isinstance(services, pd.Series):
        year: Any = services.attrs.get("price_year")
        if year is None:
            raise WetvalError(
                "the service-value Series has no price year; set "
                "series.attrs['price_year'] = <year of the prices> before pricing"
            )
        series = services
    elif isinstance(services, _HasByParcel):
        series = services.by_parcel()
        year = services.price_year
    else:
        raise TypeError(
            "services must be a Series of CNY/yr indexed by parcel_id (with attrs['price_year']) "
            f"or an object with by_parcel() and price_year; got {type(services).__name__}"
        )
    problems = ProblemCollector(row_labels=series.index, parcel_ids=series.index)
    problems.add_rows(
        series.index.duplicated(keep=False), column="parcel_id", values=series,
        reason="parcel listed more than once in the service values",
        fix="give one annual value per parcel (e.g. ServiceValues.by_parcel() sums services)",
    )  # fmt: skip
    numbers = pd.to_numeric(series, errors="coerce").astype(float)
    values = numbers.to_numpy()
    with np.errstate(invalid="ignore"):
        unusable = series.notna().to_numpy() & ~(np.isfinite(values) & (values >= 0.0))
    problems.add_rows(
        unusable, column="services", values=series,
        reason="annual service value is not a finite number ≥ 0 [CNY/yr]",
        fix="give the parcel's annual service value in CNY/yr, or leave it empty (no value "
        "approach or service loss for that parcel)",
    )  # fmt: skip
    # through the quota ids' hash table: Index.isin is per element on Arrow strings
    strangers = (
        parcel_ids.get_indexer(series.index) < 0 if isinstance(services, pd.Series) else None
    )
    if strangers is not None and strangers.any():  # (the ids as objects only for the problems)
        problems.add_rows(
            strangers, column="parcel_id",
            values=series.index.to_numpy(dtype=object),
            reason="not a quota parcel (not among the restoration parcels of the credits)",
            fix="correct the parcel id, or drop the value if the parcel supplies no quota",
        )  # fmt: skip
    problems.raise_if_any("service values")
    return numbers, int(year)
