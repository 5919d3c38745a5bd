"""Content hashes, assessment references and dates shared by the review modules."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from typing import Any

__all__ = ["assessment_reference", "content_hash", "iso_date"]

#: 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日, optionally followed by a time.
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def _plain(value: Any) -> Any:
    """``value`` with non-finite floats spelled out (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def content_hash(payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys, no spaces).

    ``payload`` is built from plain values only (str, int, float, bool, None,
    lists, dicts), so the hash does not depend on library versions. Floats
    are written by ``repr``, which is exact.
    """
    text = json.dumps(
        _plain(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assessment_reference(assessment: object) -> tuple[str, str]:
    """The hash and a display label of the assessment under review.

    Parameters
    ----------
    assessment
        The assessment's content hash as a string, or any object with a
        ``hash`` or ``report_id`` attribute (an ``Assessment`` or a report).
        The label is the object's ``title`` or ``name`` if it has one.

    Returns
    -------
    tuple
        ``(hash, label)``.

    Raises
    ------
    TypeError
        If no hash can be found, or it is empty or contains whitespace.
    """
    if isinstance(assessment, str):
        found: object = assessment
        label = ""
    else:
        found = getattr(assessment, "hash", None) or getattr(assessment, "report_id", None)
        label = str(getattr(assessment, "title", None) or getattr(assessment, "name", None) or "")
    if not isinstance(found, str):
        raise TypeError(
            "the assessment must be its hash (a string) or an object with a 'hash' or "
            f"'report_id' attribute; got {type(assessment).__name__}"
        )
    reference = found.strip()
    if not reference or any(ch.isspace() for ch in reference):
        raise TypeError(f"the assessment hash must be a non-empty word, got {reference!r}")
    return reference, label or reference[:12]


def iso_date(value: dt.date | str, what: str = "date") -> str:
    """A date as ``YYYY-MM-DD`` from a ``date``, ``datetime`` or text.

    Text may be ``2024-03-05``, ``2024/3/5``, ``2024.3.5`` or ``2024年3月5日``.

    Raises
    ------
    ValueError
        Naming ``what`` and the value, if it is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    match = _DATE.match(str(value).strip())
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date such as 2024-03-05, got {value!r}")
