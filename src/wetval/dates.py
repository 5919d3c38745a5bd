"""The one date parser: every wetval API that takes a date reads it here.

A date may be given as a :class:`datetime.date`, a :class:`datetime.datetime`
(its date is used) or text in any of the forms used in Chinese county
paperwork: ``2024-03-05``, ``2024/3/5``, ``2024.3.5`` or ``2024年3月5日``,
optionally followed by a time (which is ignored).
"""

from __future__ import annotations

import datetime as dt
import re

from wetval.errors import DateError

__all__ = ["DateLike", "iso_date", "parse_date"]

#: What a date argument accepts.
DateLike = dt.date | str

#: 2024-03-05, 2024/3/5, 2024.3.5 or 2024年3月5日, optionally followed by a time.
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def parse_date(value: object, what: str = "date") -> dt.date:
    """Read a date.

    Parameters
    ----------
    value
        A ``date``, a ``datetime`` or text such as ``2024-03-05``,
        ``2024/3/5``, ``2024.3.5`` or ``2024年3月5日``.
    what
        What the date is, for the error message (e.g. ``"due date"``).

    Returns
    -------
    datetime.date
        The calendar date.

    Raises
    ------
    DateError
        Naming ``what`` and the value, if it is not a calendar date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
    raise DateError(
        f"{what} {value!r} is not a date; write it as 2024-03-05, 2024/3/5 or 2024年3月5日"
    )


def iso_date(value: object, what: str = "date") -> str:
    """A date as ISO text ``YYYY-MM-DD`` (see :func:`parse_date` for the forms read).

    Raises
    ------
    DateError
        Naming ``what`` and the value, if it is not a calendar date.
    """
    return parse_date(value, what).isoformat()
