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
import os
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wetval.atomic import output_error, write_atomic
from wetval.errors import DependencyError, Problem, ValidationError
from wetval.indicators import CATALOGUE, IndicatorCatalogue
from wetval.landclass import Scheme
from wetval.spreadsheet import defuse_frame, text_cells
from wetval.tables import TEXT_COLUMNS, IndicatorTable, ParcelTable, _as_text

__all__ = ["detect_encoding", "read_indicators", "read_parcels", "read_table", "write_table"]

_CSV = {".csv", ".txt"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_PARQUET = {".parquet", ".pq"}
_GIS = {".gpkg", ".shp", ".geojson", ".fgb"}
_CANDIDATE_ENCODINGS = ("utf-8-sig", "gb18030")
#: Column names that mark a parcel table (三调 and canonical), for the worksheet hint.
_PARCEL_COLUMNS = ("BSM", "DLBM", "TBMJ", "parcel_id", "land_class", "area_m2", "地类编码")


def detect_encoding(path: str | os.PathLike[str], sample_bytes: int | None = None) -> str:
    """Return the encoding of a text file: ``"utf-8-sig"`` or ``"gb18030"``.

    ``utf-8-sig`` reads UTF-8 with and without a byte-order mark; ``gb18030``
    is the superset of GBK and GB 2312 that Chinese Windows writes. The whole
    file is examined (in blocks) unless ``sample_bytes`` limits it. A file
    that is valid UTF-8 with Chinese text up to some line and not UTF-8 after
    it (two files pasted together) is refused rather than read as GB 18030,
    which would turn its UTF-8 part into mojibake.

    Raises
    ------
    wetval.errors.ValidationError
        If the file is neither, or mixes them; the message gives the first
        bad byte's offset [bytes from the start] and its line.
    """
    path = Path(path)
    utf8 = _first_bad_byte(path, "utf-8-sig", sample_bytes)
    if utf8 is None:
        return "utf-8-sig"
    offset, line, cjk_before = utf8
    if cjk_before:
        raise ValidationError(
            [
                Problem(
                    row=line,
                    reason=f"mixed text encodings: the file is UTF-8 (with Chinese text) up to "
                    f"line {line}, where byte {offset} is not UTF-8 (GBK text pasted in?)",
                    fix="re-save the whole file in one encoding (Excel: 另存为 CSV UTF-8), or "
                    "pass the encoding of the whole file",
                )
            ],
            what="file",
            source=str(path),
        )
    gbk = _first_bad_byte(path, "gb18030", sample_bytes)
    if gbk is None:
        return "gb18030"
    raise _undecodable(path, [_where("utf-8-sig", utf8), _where("gb18030", gbk)])


def _undecodable(path: str | os.PathLike[str], failures: list[str]) -> ValidationError:
    return ValidationError(
        [
            Problem(
                reason="text encoding not recognised (" + ("; ".join(failures) or "?") + ")",
                fix="save the file as UTF-8 or GBK (Excel: 另存为 CSV UTF-8), or pass encoding=",
            )
        ],
        what="file",
        source=str(path),
    )


def _where(encoding: str, failure: tuple[int, int, bool]) -> str:
    offset, line, _ = failure
    return f"{encoding} fails at byte {offset} (line {line})"


#: Bytes decoded at a time when checking a file's encoding [bytes].
_BLOCK = 1 << 20


_CJK = re.compile("[\u3400-\u9fff]")


def _has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph (U+3400–U+9FFF)."""
    return _CJK.search(text) is not None


def _first_bad_byte(
    path: Path, encoding: str, limit: int | None = None
) -> tuple[int, int, bool] | None:
    """The first byte ``encoding`` cannot decode.

    Returns
    -------
    tuple or None
        ``(offset [bytes from the start of the file], line, cjk_before)``,
        where ``cjk_before`` tells whether the complete lines before the bad
        one hold Chinese characters (then the file really is in ``encoding``
        up to there); ``None`` if the file (or its first ``limit`` bytes)
        decodes.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    start = 0
    lines = 1
    cjk_lines = False  # Chinese text in the complete lines read so far
    cjk_line = False  # ... in the current, incomplete line

    def read(text: str) -> None:
        nonlocal lines, cjk_lines, cjk_line
        head, newline, tail = text.rpartition("\n")
        if newline:
            lines += text.count("\n")
            cjk_lines = cjk_lines or cjk_line or _has_cjk(head)
            cjk_line = not cjk_lines and _has_cjk(tail)
        elif not cjk_lines:
            cjk_line = cjk_line or _has_cjk(tail)

    with path.open("rb") as handle:
        while limit is None or start < limit:
            block = handle.read(_BLOCK if limit is None else min(_BLOCK, limit - start))
            final = not block
            try:
                read(decoder.decode(block, final=final and limit is None))
            except UnicodeDecodeError as error:
                # the decoder may hold back a few bytes of the previous block
                pending = len(error.object) - len(block)
                read(bytes(error.object[max(pending, 0) : error.start]).decode("utf-8", "replace"))
                return start - pending + error.start, lines, cjk_lines
            if final:
                return None
            start += len(block)
    return None


def _check_encoding_name(encoding: str | None, path: Path) -> None:
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValidationError(
            [
                Problem(
                    value=encoding,
                    reason=f"unknown text encoding {encoding!r}",
                    fix="use utf-8, utf-8-sig or gbk (or leave the encoding out: it is detected)",
                )
            ],
            what="file",
            source=str(path),
        ) from None


#: Delimiters other than the comma that CSV exports use, with their names.
_OTHER_DELIMITERS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def _refuse_other_delimiter(path: Path, header_line: str) -> None:
    """Refuse a header that is one field holding semicolons or tabs: not comma-separated."""
    if "," in header_line:
        return
    counts = {d: header_line.count(d) for d in _OTHER_DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        return
    raise ValidationError(
        [
            Problem(
                row=1,
                value=header_line.strip()[:60],
                reason=f"the file is separated by {_OTHER_DELIMITERS[delimiter]}, not commas, "
                "so its header reads as one column",
                fix="save it as comma-separated CSV (Excel: 另存为 CSV UTF-8 (逗号分隔))"
                + (
                    "; check the numbers use a decimal point, not a comma"
                    if delimiter == ";"
                    else ""
                ),
            )
        ],
        what="file",
        source=str(path),
    )


def _ragged_line(path: Path, encoding: str) -> tuple[int, int, int, str] | None:
    """The first line whose field count differs from the header's.

    Returns ``(line, fields, the header's fields, the line's text)``, or None.
    """
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        for record in reader:
            if record and len(record) != len(header):
                return reader.line_num, len(record), len(header), ",".join(record)
    return None


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    _check_encoding_name(encoding, path)
    chosen = encoding or detect_encoding(path)
    try:
        with path.open(encoding=chosen, newline="") as handle:
            header_line = handle.readline()
    except UnicodeDecodeError:
        failure = _first_bad_byte(path, chosen)
        raise _undecodable(path, [_where(chosen, failure)] if failure else []) from None
    _refuse_other_delimiter(path, header_line)
    header = [name.lstrip("\ufeff") for name in next(csv.reader([header_line]), [])]
    try:
        table = arrow_csv.read_csv(
            path,
            read_options=arrow_csv.ReadOptions(encoding=chosen),
            convert_options=arrow_csv.ConvertOptions(
                column_types={name: pa.string() for name in _text_dtypes(header)},
                strings_can_be_null=True,
            ),
        )
    except UnicodeDecodeError:
        failure = _first_bad_byte(path, chosen)
        raise _undecodable(path, [_where(chosen, failure)] if failure else []) from None
    except pa.ArrowInvalid as error:
        ragged = _ragged_line(path, chosen)
        if ragged is not None:
            line, fields, expected, text = ragged
            problem = Problem(
                row=line,
                value=text,
                reason=f"line {line} has {fields} fields, the header has {expected}",
                fix="quote values that contain commas, or remove the extra or missing fields "
                "of that line",
            )
        else:
            problem = Problem(
                reason=f"not a readable CSV table ({error})",
                fix="check the delimiter (commas), quoting and the number of columns",
            )
        raise ValidationError([problem], what="file", source=str(path)) from None
    frame: pd.DataFrame = table.to_pandas()
    frame.attrs["encoding"] = chosen
    return frame


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
    _check_encoding_name(encoding, path)
    if not path.is_file():
        raise ValidationError(
            [Problem(reason="file not found", fix="check the path")], what="file", source=str(path)
        )
    if suffix in _CSV:
        frame = _read_csv(path, encoding)
    elif suffix in _EXCEL:
        frame = _read_excel(path, sheet)
    elif suffix in _PARQUET:
        frame = _read_parquet(path)
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


def _not_readable(path: Path, reason: str, fix: str) -> ValidationError:
    return ValidationError([Problem(reason=reason, fix=fix)], what="file", source=str(path))


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return bool(head) and b"\x00" not in head and not head.startswith(b"PK")


def _read_excel(path: Path, sheet: str | int) -> pd.DataFrame:
    import zipfile

    sheet = _sheet_choice(sheet)
    try:
        workbook = pd.ExcelFile(path)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as error:
        if _looks_like_text(path):
            raise _not_readable(
                path,
                f"the file is named {path.suffix} but holds text (a CSV file?), not an Excel "
                "workbook",
                "rename it to .csv, or open it in Excel and save it as .xlsx",
            ) from None
        raise _not_readable(
            path,
            f"not a readable Excel workbook ({type(error).__name__}: {error}); it may be "
            "truncated or damaged",
            "open it in Excel and save it again as .xlsx, or export the table as CSV",
        ) from None
    with workbook:
        names = [str(n) for n in workbook.sheet_names]
        if (isinstance(sheet, str) and sheet not in names) or (
            isinstance(sheet, int) and not 0 <= sheet < len(names)
        ):
            raise _not_readable(
                path,
                f"the workbook has no worksheet {sheet!r}; its worksheets: "
                + ", ".join(repr(n) for n in names),
                "name one of them with --sheet (sheet= in Python)",
            )
        header = pd.read_excel(workbook, sheet_name=sheet, nrows=0)
        frame = pd.read_excel(
            workbook, sheet_name=sheet, dtype=_text_dtypes([str(c) for c in header.columns])
        )
    frame.attrs["sheets"] = names
    frame.attrs["sheet"] = names[sheet] if isinstance(sheet, int) else sheet
    return frame


def _sheet_choice(sheet: str | int) -> str | int:
    """A worksheet name, or a position given as digits on the command line ("2")."""
    if isinstance(sheet, str) and sheet.strip().isdigit():
        return int(sheet.strip())
    return sheet


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa

    try:
        return pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        reason = (
            "the file holds text (a CSV file?), not Parquet"
            if _looks_like_text(path)
            else f"not a readable Parquet file: truncated or damaged ({error})"
        )
        raise _not_readable(
            path, reason, "write the Parquet file again (or give the table as CSV or XLSX)"
        ) from None


def _other_sheet_hint(path: Path, frame: pd.DataFrame, wanted: tuple[str, ...]) -> Problem | None:
    """A hint naming the worksheet that holds ``wanted`` columns when the chosen one does not."""
    sheets = frame.attrs.get("sheets") or []
    chosen = frame.attrs.get("sheet")
    have = {str(c).strip().upper() for c in frame.columns}
    targets = {w.upper() for w in wanted}
    if len(sheets) < 2 or have & targets:
        return None
    with pd.ExcelFile(path) as workbook:
        for name in sheets:
            if name == chosen:
                continue
            columns = {
                str(c).strip().upper()
                for c in pd.read_excel(workbook, sheet_name=name, nrows=0).columns
            }
            if columns & targets:
                return Problem(
                    reason=f"worksheet {chosen!r} has none of the expected columns, but "
                    f"worksheet {name!r} has them",
                    fix=f"choose that worksheet: --sheet {name} (sheet={name!r} in Python)",
                )
    return None


def _with_sheet_hint(
    error: ValidationError, path: Path, frame: pd.DataFrame, wanted: tuple[str, ...]
) -> ValidationError:
    hint = _other_sheet_hint(path, frame, wanted)
    if hint is None:
        return error
    problems = pd.concat([pd.DataFrame([hint.__dict__]), error.problems], ignore_index=True).astype(
        object
    )
    return ValidationError(problems, what=error.what, source=error.source)


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
    try:
        return ParcelTable.from_frame(
            frame, scheme=scheme, source=str(path), first_row=_first_row(Path(path))
        )
    except ValidationError as error:
        raise _with_sheet_hint(error, Path(path), frame, _PARCEL_COLUMNS) from None


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
    try:
        return IndicatorTable.from_frame(
            frame, catalogue=catalogue, source=str(path), first_row=_first_row(Path(path)),
            extra=extra,
        )  # fmt: skip
    except ValidationError as error:
        wanted = ("parcel_id", "BSM", *catalogue)
        raise _with_sheet_hint(error, Path(path), frame, wanted) from None


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

    Text that a spreadsheet would run as a formula (beginning with ``=``,
    ``+``, ``-`` or ``@``) is written as text (:mod:`wetval.spreadsheet`).
    """
    path = Path(path)
    suffix = path.suffix.lower()

    def write(temporary: Path) -> None:
        if suffix in _CSV:
            defuse_frame(frame, index=index).to_csv(temporary, encoding=encoding, index=index)
        elif suffix == ".xlsx":
            with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
                frame.to_excel(writer, index=index)
                for sheet in writer.sheets.values():
                    text_cells(sheet)
        else:
            frame.to_parquet(temporary, index=index)

    if suffix in _CSV | _PARQUET | {".xlsx"}:
        try:
            return write_atomic(path, write)
        except OSError as error:
            raise output_error(error, path, "table") from None
    raise ValueError(f"cannot write {suffix!r}; use .csv, .xlsx or .parquet")
