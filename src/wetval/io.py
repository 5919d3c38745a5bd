"""Reading and writing tables: CSV (UTF-8, UTF-8 with BOM, GBK), XLSX, Parquet, GIS.

Code columns (BSM, DLBM, ZLDWDM, QSXZ, their canonical names, and any column
whose name ends in ``_class``, ``_code``, ``_id``, ``DM``, ``BM`` or ``BH``) are
always read as text so leading zeros survive ("0101" stays "0101"). CSV encoding is
detected: UTF-8 (with or without BOM) is tried first and GBK/GB 18030 — what
Chinese Excel writes — second; UTF-8 decoding of GBK bytes fails reliably, so
the two are never confused. GeoPackage and Shapefile need the ``geo`` extra
(``pip install 'wetval[geo]'``).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wetval.atomic import output_error, write_atomic
from wetval.errors import DependencyError, Problem, ValidationError
from wetval.indicators import CATALOGUE, IndicatorCatalogue
from wetval.landclass import Scheme
from wetval.tables import TEXT_COLUMNS, IndicatorTable, ParcelTable, _as_text

__all__ = ["detect_encoding", "read_indicators", "read_parcels", "read_table", "write_table"]

_CSV = {".csv", ".txt"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_PARQUET = {".parquet", ".pq"}
_GIS = {".gpkg", ".shp", ".geojson", ".fgb"}
_CANDIDATE_ENCODINGS = ("utf-8-sig", "gb18030")


def detect_encoding(path: str | os.PathLike[str], sample_bytes: int = 1 << 20) -> str:
    """Return the likely encoding of a text file: ``"utf-8-sig"`` or ``"gb18030"``.

    ``utf-8-sig`` reads UTF-8 with and without a byte-order mark; ``gb18030``
    is the superset of GBK and GB 2312 that Chinese Windows writes. Only the
    first ``sample_bytes`` are examined; :func:`read_table` falls back to
    GB 18030 if UTF-8 fails later in the file.

    Raises
    ------
    wetval.errors.ValidationError
        If the sample is neither (the message says where decoding failed).
    """
    with Path(path).open("rb") as handle:
        sample = handle.read(sample_bytes)
    failures = []
    for encoding in _CANDIDATE_ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError as error:
            failures.append(f"{encoding} fails at byte {error.start}")
            continue
        return encoding
    raise _undecodable(path, failures)


def _undecodable(path: str | os.PathLike[str], failures: list[str]) -> ValidationError:
    return ValidationError(
        [
            Problem(
                reason="text encoding not recognised (" + "; ".join(failures) + ")",
                fix="save the file as UTF-8 or GBK (Excel: 另存为 CSV UTF-8), or pass encoding=",
            )
        ],
        what="file",
        source=str(path),
    )


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    chosen = encoding or detect_encoding(path)
    candidates = (
        [chosen] if encoding else [chosen] + [e for e in _CANDIDATE_ENCODINGS if e != chosen]
    )
    failures = []
    for candidate in candidates:
        try:
            with path.open(encoding=candidate, newline="") as handle:
                header = next(csv.reader(io.StringIO(handle.readline())), [])
            header = [name.lstrip("\ufeff") for name in header]
            table = arrow_csv.read_csv(
                path,
                read_options=arrow_csv.ReadOptions(encoding=candidate),
                convert_options=arrow_csv.ConvertOptions(
                    column_types={name: pa.string() for name in _text_dtypes(header)},
                    strings_can_be_null=True,
                ),
            )
        except UnicodeDecodeError as error:
            failures.append(f"{candidate} fails at byte {error.start}")
            continue
        except pa.ArrowInvalid as error:
            raise ValidationError(
                [
                    Problem(
                        reason=f"not a readable CSV table ({error})",
                        fix="check the delimiter (commas), quoting and the number of columns",
                    )
                ],
                what="file",
                source=str(path),
            ) from None
        frame: pd.DataFrame = table.to_pandas()
        frame.attrs["encoding"] = candidate
        return frame
    raise _undecodable(path, failures)


#: Column-name endings that mark codes and identifiers, read as text like TEXT_COLUMNS.
_TEXT_SUFFIXES = ("_CLASS", "_CODE", "_ID", "DM", "BM", "BH")


def _text_dtypes(columns: list[str]) -> dict[str, Any]:
    """Columns to read as text: known code columns and names ending like codes."""
    known = {t.upper() for t in TEXT_COLUMNS}
    return {
        c: str
        for c in columns
        if c.strip().upper() in known or c.strip().upper().endswith(_TEXT_SUFFIXES)
    }


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    sheet: str | int = 0,
    layer: str | None = None,
) -> pd.DataFrame:
    """Read a table from CSV, XLSX, Parquet, GeoPackage or Shapefile.

    Parameters
    ----------
    path
        The file. The format follows the extension.
    encoding
        CSV (and Shapefile attribute) encoding; detected for CSV when omitted.
    sheet
        Worksheet name or position for Excel files.
    layer
        Layer name for GeoPackage files (default: the first layer).

    Returns
    -------
    pandas.DataFrame
        Code columns as text; ``attrs["source"]`` holds the path and
        ``attrs["encoding"]`` the CSV encoding used.

    Raises
    ------
    wetval.errors.ValidationError
        If the file does not exist, has an unsupported extension or cannot
        be decoded.
    wetval.errors.DependencyError
        For GIS formats without the ``geo`` extra.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError(
            [Problem(reason="file not found", fix="check the path")], what="file", source=str(path)
        )
    if suffix in _CSV:
        frame = _read_csv(path, encoding)
    elif suffix in _EXCEL:
        header_frame = pd.read_excel(path, sheet_name=sheet, nrows=0)
        frame = pd.read_excel(
            path, sheet_name=sheet, dtype=_text_dtypes([str(c) for c in header_frame.columns])
        )
    elif suffix in _PARQUET:
        frame = pd.read_parquet(path)
    elif suffix in _GIS:
        try:
            import geopandas
        except ImportError:
            raise DependencyError("reading GIS files", "geo", "geopandas") from None
        options: dict[str, Any] = {"engine": "pyogrio"}
        if layer is not None:
            options["layer"] = layer
        if encoding is not None:
            options["encoding"] = encoding
        frame = geopandas.read_file(path, **options)
        # the file's field types are fixed: a numeric code field (floats where it has NULLs)
        # becomes text as CSV and Parquet ids do, whole numbers without ".0"
        for column in _text_dtypes([str(c) for c in frame.columns]):
            if not pd.api.types.is_string_dtype(frame[column].dtype):
                frame[column] = _as_text(frame[column])
    else:
        supported = sorted(_CSV | _EXCEL | _PARQUET | _GIS)
        raise ValidationError(
            [Problem(reason=f"unsupported file type {suffix!r}", fix=f"use one of {supported}")],
            what="file",
            source=str(path),
        )
    frame.attrs["source"] = str(path)
    return frame


def _first_row(path: Path) -> int | None:
    """Spreadsheet row number of the first record (header is row 1)."""
    return 2 if path.suffix.lower() in _CSV | _EXCEL else None


def read_parcels(
    path: str | os.PathLike[str],
    *,
    scheme: Scheme | Literal["sandiao", "yongdi_yonghai"] = "sandiao",
    encoding: str | None = None,
    sheet: str | int = 0,
    layer: str | None = None,
) -> ParcelTable:
    """Read and validate a parcel table (e.g. a 三调 DLTB export).

    Parameters
    ----------
    path
        CSV, XLSX, Parquet, GeoPackage or Shapefile.
    scheme
        Land-classification scheme of the codes; named, never guessed.
    encoding, sheet, layer
        As in :func:`read_table`.

    Returns
    -------
    ParcelTable

    Raises
    ------
    wetval.errors.ValidationError
        Listing every problem with spreadsheet row numbers.
    """
    frame = read_table(path, encoding=encoding, sheet=sheet, layer=layer)
    return ParcelTable.from_frame(
        frame, scheme=scheme, source=str(path), first_row=_first_row(Path(path))
    )


def read_indicators(
    path: str | os.PathLike[str],
    *,
    catalogue: IndicatorCatalogue = CATALOGUE,
    encoding: str | None = None,
    sheet: str | int = 0,
    extra: Literal["error", "ignore"] = "error",
) -> IndicatorTable:
    """Read and validate an indicator table.

    Parameters
    ----------
    path
        CSV, XLSX or Parquet.
    catalogue
        Indicator catalogue to validate against.
    encoding, sheet
        As in :func:`read_table`.
    extra
        See :meth:`IndicatorTable.from_frame`.
    """
    frame = read_table(path, encoding=encoding, sheet=sheet)
    return IndicatorTable.from_frame(
        frame, catalogue=catalogue, source=str(path), first_row=_first_row(Path(path)), extra=extra
    )


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8-sig",
    index: bool = True,
) -> Path:
    """Write a table as CSV, XLSX or Parquet, atomically.

    The file is written next to its destination under a temporary name and
    moved into place only when complete, so a failure never leaves a
    half-written file.

    Parameters
    ----------
    frame
        The table.
    path
        Destination; the format follows the extension.
    encoding
        CSV encoding: ``"utf-8-sig"`` (opens correctly in Excel, the default)
        or ``"gbk"``.
    index
        Whether to write the index (e.g. ``parcel_id``).
    """
    path = Path(path)
    suffix = path.suffix.lower()

    def write(temporary: Path) -> None:
        if suffix in _CSV:
            frame.to_csv(temporary, encoding=encoding, index=index)
        elif suffix == ".xlsx":
            frame.to_excel(temporary, index=index, engine="openpyxl")
        else:
            frame.to_parquet(temporary, index=index)

    if suffix in _CSV | _PARQUET | {".xlsx"}:
        try:
            return write_atomic(path, write)
        except OSError as error:
            raise output_error(error, path, "table") from None
    raise ValueError(f"cannot write {suffix!r}; use .csv, .xlsx or .parquet")
