"""The wetland database: survey vintages, versioned parcels, lineage and the wetland balance.

The 三调 base is imported as the first vintage; each year's change survey
(年度国土变更调查) is applied as an update. Its increment package holds the
after-change parcels (DLTBGX, with plain or ``BGH``-prefixed fields) and the
change process (DLTBGXGC: one row per piece, ``BGQTBBSM → BGHTBBSM`` and the
piece's area ``BGMJ``). Parcels that split or merge get new BSMs, so every
parcel row carries ``valid_from``/``valid_to`` (the vintage years it is alive
in: ``valid_from <= year < valid_to``) and every piece is kept as a lineage
link; queries follow it (:func:`successors`).

The survey tables are bulk data: they are not written row by row through
audit events. Each vintage's event carries ``content_hash``, the SHA-256 of
the whole ``parcels`` and ``lineage`` tables after the import
(:func:`survey_hash`), which :meth:`wetval.registry.Registry.verify` recomputes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, LargeBinary, Table, and_, case, func, or_, select

from wetval.errors import Problem, ValidationError
from wetval.landclass import wetland_codes
from wetval.messages import Message
from wetval.plotting import axes
from wetval.provenance import Provenance
from wetval.registry import schema
from wetval.registry.audit import Writer
from wetval.results import Result
from wetval.summary import Summary, SummaryTable, note
from wetval.tables import ParcelTable
from wetval.units import M2_PER_HA

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "WetlandBalance",
    "alive",
    "apply_change",
    "check_year",
    "file_hashes",
    "import_base",
    "refused",
    "successors",
    "survey_hash",
    "wetland_balance",
]

#: The first year a survey vintage may have: the first national land survey (一调) began in 1984.
FIRST_SURVEY_YEAR = 1984
#: Rows written per INSERT batch.
_CHUNK = 20_000
#: Tolerance when a parcel's area is compared with the sum of its change pieces [m² per piece].
PIECE_TOLERANCE_M2 = 0.01
#: Accepted names of the process layer's columns (DLTBGXGC), in order of preference.
PROCESS_ALIASES = {
    "before": ("BGQTBBSM", "变更前图斑标识码"),
    "after": ("BGHTBBSM", "变更后图斑标识码"),
    "area": ("BGMJ", "变更面积", "area_m2"),
}


def refused(reason: str, fix: str, *, what: str, source: str | None = None) -> ValidationError:
    """A one-problem :class:`~wetval.errors.ValidationError` (raise it)."""
    return ValidationError([Problem(reason=reason, fix=fix)], what=what, source=source)


def check_year(year: object, what: str) -> int:
    """``year`` as a survey year from :data:`FIRST_SURVEY_YEAR` to the current year.

    Raises
    ------
    ValidationError
        For a year that is not a whole number or lies outside that range.
    """
    last = dt.date.today().year
    allowed = f"{FIRST_SURVEY_YEAR}–{last}"
    value: int | None = None
    if isinstance(year, numbers.Integral) and not isinstance(year, bool):
        value = int(year)
    elif isinstance(year, str) and year.strip().isdigit():
        value = int(year.strip())
    if value is None or not FIRST_SURVEY_YEAR <= value <= last:
        shown = repr(year) if value is None else str(value)
        raise ValidationError(
            [Problem(column="year", value=shown,
                     reason=f"year {shown} is not a survey year ({allowed})",
                     fix=f"give the survey's year, from {FIRST_SURVEY_YEAR} (the first national "
                         f"land survey) to {last}")],
            what=what,
        )  # fmt: skip
    return value


def file_hashes(paths: Iterable[str | Path]) -> list[dict[str, str]]:
    """Name and SHA-256 of each source file (every file must exist).

    Raises
    ------
    ValidationError
        Naming every missing file.
    """
    from wetval.hashing import file_hash, path_hash

    files = [Path(p) for p in paths]
    missing = [
        Problem(reason="file not found", fix="give the path of the delivered file", value=str(p))
        for p in files
        if not (p.is_file() or (p.is_dir() and p.name.lower().endswith(".gdb")))
    ]
    if missing:
        raise ValidationError(missing, what="survey source files")
    # a File Geodatabase is a folder: its files' names and contents are hashed
    return [{"file": p.name, "sha256": path_hash(p) if p.is_dir() else file_hash(p)}
            for p in files]  # fmt: skip


def _table(parcels: ParcelTable | pd.DataFrame, source: str) -> ParcelTable:
    if isinstance(parcels, ParcelTable):
        return parcels
    return ParcelTable.from_frame(parcels, source=source)


def _text_column(series: pd.Series[Any], missing: str | None) -> list[Any]:
    """``series`` as a list of Python ``str`` (``missing`` where a value is missing)."""
    if isinstance(series.dtype, pd.StringDtype):  # only str and missing values
        values = series.to_numpy(dtype=object)
        absent = pd.isna(values)
        if absent.any():
            values = values.copy()  # (may be the series' own array)
            values[absent] = missing
        return list(values.tolist())
    values = series.astype(object).to_numpy()
    absent = pd.isna(values)
    if absent.any():
        values = values.copy()
        values[absent] = missing
    return [v if v is None or type(v) is str else str(v) for v in values.tolist()]


def parcel_columns(parcels: ParcelTable, year: int) -> dict[str, list[Any]]:
    """The columns a vintage stores for validated parcels, as lists of plain Python values.

    ``None`` stands for a missing value; geometry is WKB (``bytes``) with its CRS.
    One vectorised pass per column: no per-row Python objects besides the values.
    """
    frame = parcels.to_frame()
    n = len(frame)
    land_class = _text_column(frame["land_class"], "")
    wetland = pd.Series(land_class, dtype=object).isin(wetland_codes("sandiao")).to_numpy()
    given = (
        np.array(_text_column(frame["wetland_level"], ""), dtype=object)
        if "wetland_level" in frame.columns
        else np.full(n, "", dtype=object)
    )
    # object arrays of str: the list holds str
    level = np.where(wetland, np.where(given == "", "general", given), "").astype(object)
    geometry: list[bytes | None] = [None] * n
    crs = None
    if type(frame).__name__ == "GeoDataFrame":
        import shapely

        geometry = shapely.to_wkb(frame.geometry.to_numpy()).tolist()
        if geometry.count(None) < n:
            crs = None if frame.crs is None else str(frame.crs.to_string())
    return {
        "bsm": _text_column(frame.index.to_series(), "nan"),
        "valid_from": [year] * n,
        "valid_to": [None] * n,
        "land_class": land_class,
        "area_m2": frame["area_m2"].to_numpy(dtype=float).tolist(),
        "township": (
            _text_column(frame["township"], "") if "township" in frame.columns else [""] * n
        ),
        "wetland_level": level.tolist(),
        "geometry": geometry,
        "crs": [crs] * n,
        "location_code": (
            _text_column(frame["location_code"], None)
            if "location_code" in frame.columns
            else [None] * n
        ),
    }


def parcel_rows(parcels: ParcelTable, year: int) -> pd.DataFrame:
    """The rows a vintage stores for validated parcels (geometry as WKB with its CRS)."""
    columns = parcel_columns(parcels, year)
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts of Python values, ``None`` for missing ones."""
    names = [str(c) for c in rows.columns]
    columns = []
    for name in rows.columns:
        values = rows[name]
        missing = values.isna().to_numpy()
        items = values.tolist()
        if missing.any():
            items = [None if m else v for v, m in zip(items, missing, strict=True)]
        columns.append(items)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _insert_sql(connection: Connection, table: Table, names: Sequence[str]) -> str:
    """One positional ``INSERT`` of ``names`` into ``table`` in the driver's paramstyle."""
    quote = connection.dialect.identifier_preparer.quote
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )


def _insert_columns(connection: Connection, table: Table, columns: Mapping[str, list[Any]]) -> None:
    """Insert rows given as equal-length lists of plain Python values (``None``: NULL).

    One cached driver-level ``INSERT`` run by ``executemany`` over plain tuples, in
    batches of :data:`_CHUNK` rows (no per-row SQLAlchemy parameter processing).
    """
    sql = _insert_sql(connection, table, list(columns))
    rows = list(zip(*columns.values(), strict=True))
    for start in range(0, len(rows), _CHUNK):
        connection.exec_driver_sql(sql, rows[start : start + _CHUNK])


def _insert(connection: Connection, table: Table, rows: pd.DataFrame) -> None:
    names = [str(c) for c in rows.columns]
    columns = {}
    for name in names:
        values = rows[name]
        missing = values.isna().to_numpy()
        items = values.tolist()
        if missing.any():
            items = [None if m else v for v, m in zip(items, missing, strict=True)]
        columns[name] = items
    _insert_columns(connection, table, columns)


def alive(year: int) -> Any:
    """SQL condition: the parcel row is part of the ``year`` vintage."""
    p = schema.parcels
    return and_(p.c.valid_from <= year, or_(p.c.valid_to.is_(None), p.c.valid_to > year))


def _joined_repr(values: Sequence[Any]) -> str:
    """The values' ``repr`` joined by the unit separator U+001F, in one pass when it can be.

    A printable ``str`` without quote or backslash is its own ``repr`` between single
    quotes, so a column of only such strings is joined without a ``repr`` per value.
    """
    if values and values[0] is None and values.count(None) == len(values):
        return "\x1f".join(["None"] * len(values))
    if values:
        try:
            flat = "".join(values)
        except TypeError:  # not all str (None, numbers)
            pass
        else:
            if flat.isprintable() and "'" not in flat and "\\" not in flat:
                return "'" + "'\x1f'".join(values) + "'"
    return "\x1f".join(map(repr, values))


def _hash_batch(digest: Any, binary: Sequence[bool], columns: Iterable[Sequence[Any]]) -> None:
    """Feed one batch of rows, given column by column, to the survey digest."""
    for is_binary, values in zip(binary, columns, strict=True):
        if is_binary and values.count(None) != len(values):
            values = [None if v is None else hashlib.sha256(bytes(v)).hexdigest() for v in values]
        digest.update(_joined_repr(values).encode("utf-8"))
        digest.update(b"\x1e")


_HASHED = (
    (schema.parcels, (schema.parcels.c.bsm, schema.parcels.c.valid_from)),
    (schema.lineage, tuple(schema.lineage.primary_key.columns)),
)


def survey_hash(connection: Connection) -> str:
    """SHA-256 over every ``parcels`` and ``lineage`` row, in key order (geometry by hash).

    Rows are read in batches of :data:`_CHUNK` and hashed column by column (the
    ``repr`` of each value, so the digest is the same on SQLite and PostgreSQL).
    """
    digest = hashlib.sha256()
    for table, order in _HASHED:
        digest.update(table.name.encode())
        binary = [isinstance(c.type, LargeBinary) for c in table.columns]
        query = select(table).order_by(*order)
        if connection.dialect.name == "sqlite":
            # the driver's cursor, not SQLAlchemy Row objects: the values are the same
            cursor = connection.exec_driver_sql(
                str(query.compile(dialect=connection.dialect))
            ).cursor
            try:
                while batch := cursor.fetchmany(_CHUNK):
                    _hash_batch(digest, binary, zip(*batch, strict=True))
            finally:
                cursor.close()
        else:  # a server-side cursor, batch by batch
            result = connection.execute(query.execution_options(yield_per=_CHUNK))
            for rows in result.partitions():
                _hash_batch(digest, binary, zip(*rows, strict=True))
    return digest.hexdigest()


def _base_hash(connection: Connection, columns: Mapping[str, list[Any]]) -> str | None:
    """:func:`survey_hash` of a registry whose only survey rows are ``columns`` (a base).

    ``columns`` are :func:`parcel_columns`' (``str``, ``int``, ``float``, ``bytes`` or
    ``None`` values: what SQLite returns for them). Computed from the rows in memory,
    without reading them back: only on SQLite, whose ``BINARY`` collation orders
    text as Python does, and only while ``parcels`` and ``lineage`` are empty.
    ``None`` otherwise; the caller then reads the tables.
    """
    if connection.dialect.name != "sqlite":
        return None
    table = schema.parcels
    names = [c.name for c in table.columns]
    if list(columns) != names or any(
        connection.execute(select(t).limit(1)).first() is not None for t, _ in _HASHED
    ):
        return None
    if not np.isfinite(np.asarray(columns["area_m2"], dtype=float)).all():
        return None  # SQLite stores NaN as NULL
    bsm = columns["bsm"]
    # (duplicate BSMs are refused by the primary key, and the hash with them)
    order: list[int] | None = (
        None if sorted(bsm) == bsm else sorted(range(len(bsm)), key=bsm.__getitem__)
    )
    digest = hashlib.sha256()
    digest.update(table.name.encode())
    binary = [isinstance(c.type, LargeBinary) for c in table.columns]
    for start in range(0, len(bsm), _CHUNK):
        if order is None:
            batch = [columns[n][start : start + _CHUNK] for n in names]
        else:
            rows = order[start : start + _CHUNK]
            batch = [[columns[n][i] for i in rows] for n in names]
        _hash_batch(digest, binary, batch)
    digest.update(schema.lineage.name.encode())
    return digest.hexdigest()


def _vintage_years(connection: Connection) -> list[int]:
    return [
        int(y)
        for y in connection.execute(
            select(schema.vintages.c.year).order_by(schema.vintages.c.year)
        ).scalars()
    ]


def _record_vintage(
    writer: Writer,
    year: int,
    kind: str,
    sources: Sequence[Mapping[str, str]],
    count: int,
    content_hash: str | None = None,
) -> dict[str, Any]:
    if content_hash is None:
        # a change's lineage (which needs this row) follows; its hash is set after it
        content_hash = survey_hash(writer.connection) if kind == "base" else ""
    row = {
        "year": year,
        "kind": kind,
        "source_hashes": json.dumps(list(sources), ensure_ascii=False, sort_keys=True),
        "parcels": count,
        "content_hash": content_hash,
    }
    writer.insert(schema.vintages, f"import-{kind}", row)
    return row


def import_base(
    writer: Writer,
    parcels: ParcelTable | pd.DataFrame,
    year: int,
    sources: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """Store the 三调 base as the first vintage (see the module docstring)."""
    year = check_year(year, "三调 base")
    years = _vintage_years(writer.connection)
    if years:
        raise refused(
            f"the registry already holds vintages {years}",
            "apply each later year as a change survey (apply_change)",
            what="三调 base",
            source=str(year),
        )
    table = _table(parcels, f"三调 base {year}")
    columns = parcel_columns(table, year)
    content_hash = _base_hash(writer.connection, columns)
    _insert_columns(writer.connection, schema.parcels, columns)
    return _record_vintage(writer, year, "base", sources, len(table), content_hash)


def _column(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    upper = {str(c).upper(): str(c) for c in frame.columns}
    return next((upper[n.upper()] for n in names if n.upper() in upper), None)


def _after_parcels(changes: pd.DataFrame) -> pd.DataFrame:
    """DLTBGX with ``BGH``-prefixed fields renamed to the plain 三调 names (BGQ* dropped)."""
    renamed: dict[str, str] = {}
    drop = []
    for column in map(str, changes.columns):
        upper = column.upper()
        if upper == "BGHTBBSM":
            renamed[column] = "BSM"
        elif upper.startswith("BGH"):
            renamed[column] = column[3:]
        elif upper.startswith("BGQ"):
            drop.append(column)
    plain = [c for c in renamed.values() if c in changes.columns]
    return changes.drop(columns=drop + plain).rename(columns=renamed)


def apply_change(
    writer: Writer,
    year: int,
    changes: ParcelTable | pd.DataFrame,
    process: pd.DataFrame,
    sources: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """Apply one year's change survey as an update with lineage (see the module docstring).

    Raises
    ------
    ValidationError
        Naming every before-parcel that is not in the registry's current
        vintage, every after-parcel without a process record (or a process
        record without its parcel), every new id that collides with a live
        parcel and every parcel whose pieces do not add up to its area.
    """
    year = check_year(year, "change survey")
    connection = writer.connection
    years = _vintage_years(connection)
    if not years:
        raise ValidationError(
            [Problem(reason="no 三调 base", fix="import the base first (import_survey)")],
            what="change survey",
            source=str(year),
        )
    if year <= years[-1]:
        raise refused(
            f"year {year} is not after the last vintage {years[-1]}",
            "apply change surveys in year order, each once",
            what="change survey",
            source=str(year),
        )
    what = f"change survey {year}"
    table = (
        changes
        if isinstance(changes, ParcelTable)
        else ParcelTable.from_frame(_after_parcels(changes), source=f"{what} (DLTBGX)")
    )
    columns = {k: _column(process, v) for k, v in PROCESS_ALIASES.items()}
    missing = [f"{k}: {' or '.join(PROCESS_ALIASES[k])}" for k, c in columns.items() if c is None]
    if missing:
        raise ValidationError(
            [
                Problem(reason=f"missing column {m}", fix="give the DLTBGXGC process layer")
                for m in missing
            ],
            what=f"{what} (DLTBGXGC)",
        )
    pieces = pd.DataFrame(
        {
            "before": process[columns["before"]].astype(str).str.strip().to_numpy(),
            "after": process[columns["after"]].astype(str).str.strip().to_numpy(),
            "area_m2": pd.to_numeric(process[columns["area"]], errors="coerce").to_numpy(),
        }
    )
    rows = parcel_rows(table, year)
    problems = _check_change(connection, years[-1], pieces, rows, columns)
    if problems:
        raise ValidationError(problems, what=what)
    p = schema.parcels
    retired = sorted(set(pieces["before"]))
    for start in range(0, len(retired), 1000):
        connection.execute(
            p.update()
            .where(p.c.bsm.in_(retired[start : start + 1000]), p.c.valid_to.is_(None))
            .values(valid_to=year)
        )
    _insert(connection, p, rows)
    links = pd.DataFrame(pieces.groupby(["before", "after"])["area_m2"].sum()).reset_index()
    links.columns = pd.Index(["before_bsm", "after_bsm", "area_m2"])
    links.insert(0, "year", year)
    row = _record_vintage(writer, year, "change", sources, len(rows))
    _insert(connection, schema.lineage, links)
    return writer.update(
        schema.vintages, "import-change", row, {"content_hash": survey_hash(connection)}
    )


def _check_change(
    connection: Connection,
    last_year: int,
    pieces: pd.DataFrame,
    rows: pd.DataFrame,
    columns: Mapping[str, str | None],
) -> list[Problem]:
    p = schema.parcels
    problems: list[Problem] = []
    bad_area = ~np.isfinite(pieces["area_m2"].to_numpy(dtype=float)) | (pieces["area_m2"] <= 0)
    for i in np.flatnonzero(bad_area):
        problems.append(
            Problem(
                row=int(i),
                column=columns["area"],
                value=pieces["area_m2"][i],
                reason="missing or non-positive piece area",
                fix="every DLTBGXGC piece needs its area BGMJ [m²]",
            )
        )
    before_ids = sorted(set(pieces["before"]))
    current: dict[str, float] = {}
    for start in range(0, len(before_ids), 1000):
        for bsm, area in connection.execute(
            select(p.c.bsm, p.c.area_m2).where(
                p.c.bsm.in_(before_ids[start : start + 1000]), alive(last_year)
            )
        ):
            current[str(bsm)] = float(area)
    for bsm in before_ids:
        if bsm not in current:
            problems.append(
                Problem(
                    parcel_id=bsm,
                    column=columns["before"],
                    value=bsm,
                    reason=f"not a parcel of the {last_year} vintage",
                    fix="check BGQTBBSM against the registry's current parcels",
                )
            )
    after_area = dict(zip(rows["bsm"], rows["area_m2"], strict=True))
    for bsm in sorted(set(pieces["after"]) - set(after_area)):
        problems.append(
            Problem(
                parcel_id=bsm,
                column=columns["after"],
                value=bsm,
                reason="BGHTBBSM has no parcel in DLTBGX",
                fix="deliver DLTBGX and DLTBGXGC of the same package",
            )
        )
    for bsm in sorted(set(after_area) - set(pieces["after"])):
        problems.append(
            Problem(
                parcel_id=bsm,
                column="BSM",
                value=bsm,
                reason="DLTBGX parcel without a DLTBGXGC process record",
                fix="every new parcel needs the pieces it came from",
            )
        )
    new_ids = sorted(set(after_area) - set(before_ids))
    for start in range(0, len(new_ids), 1000):
        for bsm in connection.execute(
            select(p.c.bsm).where(p.c.bsm.in_(new_ids[start : start + 1000]), alive(last_year))
        ).scalars():
            problems.append(
                Problem(
                    parcel_id=str(bsm),
                    column="BSM",
                    value=bsm,
                    reason="new parcel id is already a live parcel, and the "
                    "change does not retire it",
                    fix="a changed parcel keeping its BSM must be a BGQTBBSM",
                )
            )
    if problems:
        return problems
    for side, areas, label in (("before", current, "BGQ"), ("after", after_area, "BGH")):
        grouped = pieces.groupby(side)["area_m2"].agg(["sum", "size"])
        for bsm, total, size in grouped.itertuples():
            if abs(total - areas[str(bsm)]) > PIECE_TOLERANCE_M2 * size:
                problems.append(
                    Problem(
                        parcel_id=str(bsm),
                        column=columns["area"],
                        value=round(float(total), 2),
                        reason=f"its pieces add up to {total:.2f} m², the {label} parcel has "
                        f"{areas[str(bsm)]:.2f} m²",
                        fix="check the DLTBGXGC pieces of this parcel",
                    )
                )
    return problems


def successors(connection: Connection, bsm: str, year: int | None = None) -> list[str]:
    """The parcels of the ``year`` vintage (default: the last) that ``bsm`` became.

    Follows the lineage through every change survey after the parcel's vintage;
    a parcel that did not change is its own successor. Empty if ``bsm`` was
    never stored.
    """
    p, lineage = schema.parcels, schema.lineage
    first = connection.execute(select(func.min(p.c.valid_from)).where(p.c.bsm == bsm)).scalar()
    if first is None:
        return []
    years = [y for y in _vintage_years(connection) if y > first and (year is None or y <= year)]
    frontier = {bsm}
    for y in years:
        links = connection.execute(
            select(lineage.c.before_bsm, lineage.c.after_bsm).where(
                lineage.c.year == y, lineage.c.before_bsm.in_(sorted(frontier))
            )
        )
        moved: dict[str, set[str]] = {}
        for before, after in links:
            moved.setdefault(str(before), set()).add(str(after))
        frontier = {a for b in frontier for a in moved.get(b, {b})}
    return sorted(frontier)


@dataclass(frozen=True)
class WetlandBalance(Result):
    """County wetland area per vintage year and the 总量不减少 check, year by year.

    Attributes
    ----------
    by_class
        One row per year, land class (三调 湿地 class codes) and wetland level:
        ``area_m2`` [m²].
    totals
        Indexed by year: ``wetland_m2``, ``change_from_base_m2``,
        ``change_from_previous_m2`` [m²] and ``not_decreased`` (the total is
        not below the year before's).
    causes
        The change-survey pieces that moved wetland area, per year:
        ``before_bsm``, ``after_bsm``, ``before_class``, ``after_class``,
        ``area_m2`` and ``wetland_change_m2`` [m²] (negative: wetland lost).
    base_year
        Year of the 三调 base.
    """

    by_class: pd.DataFrame
    totals: pd.DataFrame
    causes: pd.DataFrame
    base_year: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """Wetland area [m²] by year (rows) and class/level (columns)."""
        return self.by_class.pivot_table(
            index="year",
            columns=["land_class", "wetland_level"],
            values="area_m2",
            aggfunc="sum",
            fill_value=0.0,
        )

    def decreased(self) -> list[int]:
        """Years whose wetland total fell below the year before's."""
        return [int(str(y)) for y, ok in self.totals["not_decreased"].items() if not ok]

    @property
    def provenance(self) -> Provenance:
        """The method and the base year (the vintages' hashes are in the registry's events)."""
        return Provenance(method="wetland_balance", options={"base_year": self.base_year})

    def summary(self) -> Summary:
        """Totals by year and, for each decrease, the pieces that caused it."""
        t = self.totals
        table = pd.DataFrame(
            {
                "sum_year": [str(y) for y in t.index],
                **{
                    c: t[c].to_numpy(dtype=float)
                    for c in ("wetland_m2", "change_from_base_m2", "change_from_previous_m2")
                },
                "not_decreased": [bool(v) for v in t["not_decreased"]],
            }
        )
        notes = []
        for year in self.decreased():
            lost = self.causes[
                (self.causes["year"] == year) & (self.causes["wetland_change_m2"] < 0)
            ]
            pieces = tuple(
                Message.of(
                    "sum_wetland_piece", "note", before=str(r.before_bsm), after=str(r.after_bsm),
                    before_class=str(r.before_class), after_class=str(r.after_class),
                    change=float(str(r.wetland_change_m2)),
                )
                for r in lost.itertuples()
            )  # fmt: skip
            notes.append(Message.of("sum_wetland_lost", year=str(year), pieces=pieces))
        title = Message.of("sum_wetland_balance", "note", base=str(self.base_year))
        return Summary(
            title,
            (SummaryTable("totals", "sum_wetland_table", table),),
            (*notes, *(note(n, "note") for n in self.notes)),
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Wetland total per year [ha]; a year below the year before in red."""
        ax = axes(ax)
        t = self.totals
        colours = ["tab:blue" if ok else "tab:red" for ok in t["not_decreased"]]
        ax.bar([str(y) for y in t.index], t["wetland_m2"].to_numpy(dtype=float) / M2_PER_HA,
               color=colours)  # fmt: skip
        ax.set_ylabel("wetland [ha] / 湿地面积 [公顷]")
        ax.set_title(f"Wetland balance / 湿地总量 (base {self.base_year})")
        return ax


def wetland_balance(connection: Connection, year: int | None = None) -> WetlandBalance:
    """The wetland balance of every vintage up to ``year`` (see :class:`WetlandBalance`)."""
    p, lineage = schema.parcels, schema.lineage
    if year is not None:
        year = check_year(year, "wetland balance")
    years = _vintage_years(connection)
    if not years:
        raise refused(
            "the registry holds no survey vintage",
            "import the 三调 base first (import_survey)",
            what="wetland balance",
        )
    if year is not None:
        if year < years[0]:
            raise refused(
                f"year {year} is before the {years[0]} base",
                f"ask for a year from {years[0]}",
                what="wetland balance",
            )
        years = [y for y in years if y <= year]
    codes = sorted(wetland_codes("sandiao"))
    # one scan: per class and level, one SUM per year over the rows alive in it
    query = (
        select(
            p.c.land_class,
            p.c.wetland_level,
            *(func.sum(case((alive(y), p.c.area_m2))).label(f"y{y}") for y in years),
        )
        .where(
            p.c.land_class.in_(codes),
            p.c.valid_from <= years[-1],
            or_(p.c.valid_to.is_(None), p.c.valid_to > years[0]),
        )
        .group_by(p.c.land_class, p.c.wetland_level)
        .order_by(p.c.land_class, p.c.wetland_level)
    )
    sums = [tuple(r) for r in connection.execute(query)]
    by_class = pd.DataFrame(
        [
            (y, land_class, level, float(area[i]))
            for i, y in enumerate(years)
            for land_class, level, *area in sums
            if area[i] is not None
        ],
        columns=["year", "land_class", "wetland_level", "area_m2"],
    )
    by_class["year"] = by_class["year"].astype("int64")
    by_class["area_m2"] = by_class["area_m2"].astype(float)
    total = by_class.groupby("year")["area_m2"].sum().reindex(years, fill_value=0.0)
    totals = pd.DataFrame(
        {
            "wetland_m2": total,
            "change_from_base_m2": total - total.iloc[0],
            "change_from_previous_m2": total.diff().fillna(0.0),
        }
    )
    totals.index.name = "year"
    totals["not_decreased"] = totals["change_from_previous_m2"] >= -PIECE_TOLERANCE_M2
    before, after = p.alias("before"), p.alias("after")
    query = (
        select(
            lineage.c.year,
            lineage.c.before_bsm,
            lineage.c.after_bsm,
            before.c.land_class.label("before_class"),
            after.c.land_class.label("after_class"),
            lineage.c.area_m2,
        )
        .join(
            before, and_(before.c.bsm == lineage.c.before_bsm, before.c.valid_to == lineage.c.year)
        )
        .join(after, and_(after.c.bsm == lineage.c.after_bsm, after.c.valid_from == lineage.c.year))
        .where(lineage.c.year.in_(years))
        .order_by(lineage.c.year, lineage.c.before_bsm, lineage.c.after_bsm)
    )
    causes = pd.DataFrame(
        [tuple(r) for r in connection.execute(query)],
        columns=["year", "before_bsm", "after_bsm", "before_class", "after_class", "area_m2"],
    )
    causes["area_m2"] = causes["area_m2"].astype(float)
    wet = set(codes)
    sign = causes["after_class"].isin(wet).astype(float) - causes["before_class"].isin(wet)
    causes["wetland_change_m2"] = causes["area_m2"] * sign
    causes = causes[causes["wetland_change_m2"] != 0].reset_index(drop=True)
    return WetlandBalance(by_class=by_class, totals=totals, causes=causes, base_year=years[0])
