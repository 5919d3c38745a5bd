"""Reading review tables so that identifiers keep their leading zeros."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from wetval.io import read_table

__all__ = ["read_with_text_ids"]


def read_with_text_ids(
    path: str | os.PathLike[str],
    id_columns: tuple[str, ...],
    *,
    encoding: str | None = None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """:func:`wetval.read_table`, with identifier columns read as text.

    ``read_table`` keeps the survey's code columns as text; expert ids are
    not among them, so a CSV column of ids such as ``007`` would come back
    as the number 7. Those columns (matched by header, case and spaces
    ignored) are read again as text.
    """
    path = Path(path)
    frame = read_table(path, encoding=encoding, sheet=sheet)
    wanted = {name.casefold() for name in id_columns}
    numeric = [
        c
        for c in frame.columns
        if str(c).strip().casefold() in wanted and not pd.api.types.is_string_dtype(frame[c])
    ]
    if not numeric:
        return frame
    if path.suffix.lower() in {".csv", ".txt"}:
        text = pd.read_csv(path, usecols=numeric, dtype=str, encoding=frame.attrs["encoding"])
    else:
        text = pd.read_excel(path, sheet_name=sheet, usecols=numeric, dtype=str)
    for column in numeric:
        frame[column] = text[column].to_numpy()
    return frame
