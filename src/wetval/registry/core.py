"""The registry: the wetland bank's system of record on SQLite or PostgreSQL.

:class:`Registry` holds restoration projects and their quota units
(potential → released → pledged → debited), milestones with evidence,
listings, trades with the Annex 2 fund split posted to fund accounts, pledges,
insurance, survey vintages and the audit trail. Every write method is one
database transaction that first takes the registry's write lock (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT … FOR UPDATE`` on the audit chain's
head), checks everything, then writes the rows and their audit events; an
error leaves nothing written. Writers are therefore serialised: concurrent
processes never lose an update or overdraw.

Quota transactions obey exactly the rules of :class:`wetval.quota.QuotaLedger`
(the same checking code runs): releases in schedule order by the milestone's
share, no debit beyond the available units, chronological dates, a reference
on every transaction. On top of the ledger, pledged units are locked: a debit
or trade may take only released − debited − pledged units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from wetval.errors import WetvalError
from wetval.quota.funds import FundSplit, allocate_funds, fund_split_card, to_fen
from wetval.quota.ledger import (
    AccountBalance,
    LedgerBalances,
    LedgerTransaction,
    QuotaLedger,
    check_transaction,
    release_due,
)
from wetval.registry import reserves as _reserves
from wetval.registry import schema
from wetval.registry import survey as _survey
from wetval.registry.audit import GENESIS, HEAD_KEY, ChainCheck, Writer, verify_chain
from wetval.registry.migrate import (
    SchemaError,
    check_revision,
    known_revisions,
    schema_revision,
    upgrade,
)
from wetval.registry.survey import WetlandBalance
from wetval.screening import ReserveCensus
from wetval.tables import ParcelTable

__all__ = ["Registry", "RegistryError"]

_ACCOUNTS = ("township", "centre", "restoration", "county_finance")


class RegistryError(WetvalError):
    """A registry operation was refused; nothing was written."""


def _iso(value: dt.date | str, what: str) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise RegistryError(f"{what} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{what} is required (got {value!r}); fix: give it as text")
    return value.strip()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The first 16 bytes of every SQLite 3 database file.
_SQLITE_HEADER = b"SQLite format 3\x00"

#: Files SQLite keeps beside a database (WAL, shared memory, rollback journal).
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL, or ``None`` for another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse, before SQLite opens it, a registry file that is missing, a folder or not SQLite.

    Nothing is created or modified: SQLite would make a missing file and switch
    a foreign one to WAL mode.
    """
    shown = str(path)
    if path.is_dir():
        raise RegistryError(
            f"the registry {shown!r} is a folder; nothing was written; "
            f"fix: name a file inside it, e.g. {str(path / 'registry.db')!r}"
        )
    if not path.exists():
        if not create:
            raise RegistryError(
                f"no registry file {shown!r}; nothing was written; fix: create one with "
                "'wetval registry init PATH' (Registry.create), or check the path"
            )
        folder = path.parent
        if not folder.is_dir():
            state = "is a file, not a folder" if folder.exists() else "does not exist"
            raise RegistryError(
                f"cannot create the registry {shown!r}: its folder {str(folder)!r} {state}; "
                "nothing was written; fix: create the folder first, or name another path"
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise RegistryError(
                f"cannot create the registry {shown!r}: the folder {str(folder)!r} is not "
                "writable; nothing was written; fix: name a folder you may write to"
            )
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise RegistryError(
            f"cannot read the registry {shown!r}: {error.strerror or error}; "
            "fix: check the path and its permissions"
        ) from None
    if header and header != _SQLITE_HEADER:
        raise RegistryError(
            f"{shown!r} is not a wetval registry (not an SQLite database file); nothing was "
            "written; fix: name the registry file made by 'wetval registry init', or "
            "create a new one at another path"
        )


def _is_registry(cursor: Any) -> bool:
    """Whether an SQLite database holds Alembic's revision table (a wetval registry)."""
    import sqlite3

    try:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        )
        return cursor.fetchone() is not None
    except sqlite3.DatabaseError:
        return False  # not a database: the schema check names it


def _is_empty(cursor: Any) -> bool:
    """Whether an SQLite database has no schema at all (a new or zero-byte file)."""
    import sqlite3

    try:
        cursor.execute("SELECT count(*) FROM sqlite_master")
        return int(cursor.fetchone()[0]) == 0
    except sqlite3.DatabaseError:
        return False


def _engine(url: str, *, create: bool = False) -> Engine:
    """An engine for ``url``; ``create``: the registry is being made (``Registry.create``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise RegistryError(
            f"{url!r} is not a database URL; fix: use sqlite:///path/to/registry.db or "
            "postgresql+psycopg://user@host/dbname"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise RegistryError("a registry needs a database file; fix: sqlite:///path/to.db")
        _check_sqlite_file(Path(str(parsed.database)), create=create)
        engine = create_engine(parsed, connect_args={"timeout": 120})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # let SQLAlchemy's "begin" event below issue BEGIN itself
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL only for a registry (or one being made in an empty file): switching a
            # foreign SQLite file to WAL would rewrite its header before the schema check
            if _is_registry(cursor) or (create and _is_empty(cursor)):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            write = connection.get_execution_options().get("wetval_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise RegistryError(
        f"registry backend {parsed.get_backend_name()!r} is not supported; "
        "fix: use sqlite:///… or postgresql+psycopg://…"
    )


def _database_error(error: DatabaseError, source: str) -> RegistryError:
    """One :class:`RegistryError` for a database error opening or writing a registry."""
    reason = str(error.orig) if error.orig is not None else str(error)
    lowered = reason.lower()
    if "not a database" in lowered or "malformed" in lowered:
        fix = "name the registry file made by 'wetval registry init', or restore it from a backup"
        return RegistryError(f"{source} is not a wetval registry ({reason}); fix: {fix}")
    if "readonly" in lowered or "read-only" in lowered:
        fix = "make the registry file and its folder writable, or work on a copy"
    elif "unable to open" in lowered:
        fix = "check the path, and that you may read and write the file and its folder"
    elif "full" in lowered:
        fix = "free space on the disk, then try again"
    elif "locked" in lowered or "busy" in lowered:
        fix = "another process holds the registry: wait for it to finish, then try again"
    else:
        fix = "check the URL, the server and your permissions"
    return RegistryError(
        f"cannot use the registry {source}: {reason}; nothing was written; fix: {fix}"
    )


class Registry:
    """The wetland bank's registry at an SQLAlchemy URL (see the module docstring).

    Parameters
    ----------
    url
        ``sqlite:///jinxian.db`` or ``postgresql+psycopg://user@host/db``.
    user
        Who makes the changes; recorded in every audit event.

    Raises
    ------
    SchemaError
        If the database is not a registry, or its schema revision is older
        (run :meth:`upgrade`) or newer (made by a newer wetval) than this one.
    """

    def __init__(self, url: str, *, user: str = "wetval") -> None:
        self.url = url
        self.user = _text(user, "user")
        self._engine = _engine(url)
        try:
            with self._engine.connect() as connection:
                check_revision(connection, self.source)
                self.unit_decimals = int(self._meta(connection, "unit_decimals"))
        except DatabaseError as error:
            self._engine.dispose()
            raise _database_error(error, self.source) from None
        except SchemaError:
            self._engine.dispose()
            raise
        self._step = Decimal(1).scaleb(-self.unit_decimals)

    @property
    def source(self) -> str:
        """The registry's URL as it may be shown: the password hidden."""
        return make_url(self.url).render_as_string(hide_password=True)

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, url: str, *, user: str = "wetval", unit_decimals: int = 4) -> Registry:
        """Make an empty registry at ``url`` (the newest schema) and open it.

        Parameters
        ----------
        unit_decimals
            Decimals kept for quota units (as :class:`~wetval.quota.QuotaLedger`).

        Raises
        ------
        RegistryError
            If ``url`` already holds a registry or other tables.
        """
        cls._initialise(url, user, unit_decimals, "head")
        return cls(url, user=user)

    @classmethod
    def _initialise(cls, url: str, user: str, unit_decimals: int, revision: str) -> None:
        """Create the schema at ``revision`` with meta rows and the opening event."""
        if not isinstance(unit_decimals, int) or not 0 <= unit_decimals <= 8:
            raise RegistryError(
                f"unit decimals (--unit-decimals) {unit_decimals!r} must be a whole number "
                "from 0 to 8; fix: give one from 0 to 8 (default 4)"
            )
        engine = _engine(url, create=True)
        file = _sqlite_file(url)
        created = file is not None and not file.exists()
        source = make_url(url).render_as_string(hide_password=True)
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(wetval_write=True)
                with connection.begin():
                    if schema_revision(connection) is not None or _has_tables(connection):
                        raise RegistryError(
                            f"{source} already holds tables; fix: open it with "
                            "Registry(url), or name a new database"
                        )
                    upgrade(connection, revision)
                    connection.execute(
                        schema.meta.insert(),
                        [
                            {"key": "unit_decimals", "value": str(unit_decimals)},
                            {"key": HEAD_KEY, "value": json.dumps({"seq": 0, "hash": GENESIS})},
                        ],
                    )
                    writer = Writer(connection, _text(user, "user"))
                    writer.event(
                        "create", "registry", "registry", None, {"unit_decimals": unit_decimals}
                    )
                    writer.close()
        except BaseException as error:
            engine.dispose()
            if created and file is not None:
                # nothing left behind: the file SQLite made, and its WAL and journal
                for path in (file, *(file.with_name(file.name + s) for s in _SQLITE_SIDE_FILES)):
                    path.unlink(missing_ok=True)
            if isinstance(error, DatabaseError):
                raise _database_error(error, source) from None
            raise
        finally:
            engine.dispose()

    @classmethod
    def upgrade(cls, url: str, *, user: str = "wetval") -> Registry:
        """Migrate an older registry to this wetval's schema (one transaction) and open it."""
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(wetval_write=True)
                with connection.begin():
                    before = schema_revision(connection)
                    if before is None:
                        raise SchemaError(
                            f"{make_url(url).render_as_string(hide_password=True)} is not a "
                            "wetval registry; fix: create one with 'wetval registry init'"
                        )
                    if before not in known_revisions():
                        # written by a newer wetval: refuse, naming it (never downgrade)
                        check_revision(connection, make_url(url).render_as_string(True))
                    upgrade(connection, "head")
                    after = schema_revision(connection)
                    if after != before:
                        writer = Writer(connection, _text(user, "user"))
                        writer.event(
                            "upgrade", "registry", "schema", {"revision": before},
                            {"revision": after},
                        )  # fmt: skip
                        writer.close()
        except DatabaseError as error:
            raise _database_error(error, make_url(url).render_as_string(True)) from None
        finally:
            engine.dispose()
        return cls(url, user=user)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Writer]:
        """One write transaction holding the registry's write lock."""
        try:
            with self._engine.connect() as connection:
                connection = connection.execution_options(wetval_write=True)
                with connection.begin():
                    writer = Writer(connection, self.user)
                    yield writer
                    writer.close()
        except OperationalError as error:  # read-only file, disk full, locked
            raise _database_error(error, self.source) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as connection, connection.begin():
                yield connection
        except OperationalError as error:
            raise _database_error(error, self.source) from None

    @staticmethod
    def _meta(connection: Connection, key: str) -> str:
        return str(
            connection.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == key)
            ).scalar_one()
        )

    # ------------------------------------------------------------ units
    def _scaled(self, value: Decimal | float | int | str, what: str, rounding: str) -> int:
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except ArithmeticError:
            raise RegistryError(f"{what} {value!r} is not a number") from None
        if not number.is_finite():
            raise RegistryError(f"{what} {value!r} is not a finite number")
        return int(number.quantize(self._step, rounding=rounding).scaleb(self.unit_decimals))

    def _units(self, scaled: int) -> Decimal:
        return Decimal(int(scaled)).scaleb(-self.unit_decimals).quantize(self._step)

    def _stored_units(self, kind: str, scaled: int) -> Decimal:
        """Units of a quota transaction as :class:`~wetval.quota.QuotaLedger` writes them.

        A withhold carries ``Decimal(0)`` (as ``QuotaLedger.milestone`` does), so an
        imported ledger exports to the same JSON.
        """
        return Decimal(0) if kind == "withhold" else self._units(scaled)

    def _unit_series(self, scaled: pd.Series[Any]) -> pd.Series[Any]:
        """Stored integer units as exact Decimal units [quota units]."""
        return pd.Series([self._units(v) for v in scaled], index=scaled.index, dtype=object)

    # ------------------------------------------------------------ quota checks
    def _project(self, connection: Connection, project: str) -> dict[str, Any]:
        row = (
            connection.execute(select(schema.projects).where(schema.projects.c.id == project))
            .mappings()
            .first()
        )
        if row is None:
            known = connection.execute(
                select(schema.projects.c.id).order_by(schema.projects.c.id).limit(20)
            ).scalars()
            raise RegistryError(
                f"unknown project {project!r}; registered: {', '.join(known) or '(none)'}; "
                "fix: register the project first"
            )
        return dict(row)

    def _ledger_step(
        self, writer: Writer, t: LedgerTransaction, project: dict[str, Any] | None,
        schedule: tuple[tuple[str, Decimal], ...],
    ) -> None:  # fmt: skip
        """Check ``t`` with the ledger's own rules, then write it and the project's balances."""
        connection = writer.connection
        qt = schema.quota_transactions
        last = connection.execute(
            select(qt.c.seq, qt.c.date).order_by(qt.c.seq.desc()).limit(1)
        ).first()
        account = None
        if project is not None:
            # only a milestone check reads the released milestones; reading them for a
            # debit scanned the account's whole history on every trade
            milestones = (
                connection.execute(
                    select(qt.c.milestone)
                    .where(qt.c.account == project["id"], qt.c.kind == "release")
                    .order_by(qt.c.seq)
                ).scalars()
                if t.kind in ("release", "withhold")
                else ()
            )
            account = AccountBalance(
                self._units(project["potential"]),
                self._units(project["released"]),
                self._units(project["debited"]),
                tuple(str(m) for m in milestones),
            )
        self._refuse(
            t, schedule, account, "" if last is None else str(last.date),
            0 if last is None else int(last.seq) + 1,
        )  # fmt: skip
        scaled = int(t.units.scaleb(self.unit_decimals))
        writer.insert(
            qt,
            t.kind,
            {
                "seq": t.seq, "kind": t.kind, "account": t.account, "units": scaled,
                "milestone": t.milestone, "reference": t.reference, "date": t.date,
            },
        )  # fmt: skip
        if project is not None and t.kind in ("release", "debit"):
            column = "released" if t.kind == "release" else "debited"
            writer.update(schema.projects, t.kind, project, {column: project[column] + scaled})

    def _next_seq(self, connection: Connection) -> int:
        last = connection.execute(select(func.max(schema.quota_transactions.c.seq))).scalar()
        return 0 if last is None else int(last) + 1

    @staticmethod
    def _next_id(connection: Connection, column: Any) -> int:
        last = connection.execute(select(func.max(column))).scalar()
        return 1 if last is None else int(last) + 1

    def _not_before_registration(self, project: dict[str, Any], date: str, what: str) -> None:
        if date < project["registered_on"]:
            raise RegistryError(
                f"{what} dated {date} is before project {project['id']!r} was registered "
                f"({project['registered_on']}); fix: check the date"
            )

    def _free(
        self, connection: Connection, project: dict[str, Any], scaled: int, what: str
    ) -> None:
        """Refuse taking ``scaled`` units beyond released − debited − pledged, naming pledges."""
        available = project["released"] - project["debited"]
        free = available - project["pledged"]
        if scaled <= free or scaled > available:
            return  # the ledger check reports an overdraft of released units itself
        active = connection.execute(
            select(schema.pledges).where(
                schema.pledges.c.project_id == project["id"], schema.pledges.c.released_on.is_(None)
            )
        ).mappings()
        named = "; ".join(
            f"pledge {p['id']} to {p['bank']} ({self._units(p['units'])} units, "
            f"{p['start']}–{p['end']})"
            for p in active
        )
        raise RegistryError(
            f"{what} of {self._units(scaled)} units from project {project['id']!r} refused: "
            f"only {self._units(free)} of its {self._units(available)} available units are free; "
            f"the rest are pledged: {named}; fix: release the pledge first or take fewer units"
        )

    def _trade_parts(
        self, connection: Connection, parts: Mapping[str, int], day: str
    ) -> dict[str, dict[str, Any]]:
        """The project row of every part of a trade; one error naming every part refused.

        A part is refused for an unknown project, a date before the project's
        registration, or more units than are released and not yet debited or pledged.
        """
        rows: dict[str, dict[str, Any]] = {}
        refused: list[str] = []
        for p, scaled in parts.items():
            try:
                row = self._project(connection, p)
                self._not_before_registration(row, day, "trade")
                self._free(connection, row, scaled, "trade")
            except RegistryError as error:
                refused.append(str(error))
                continue
            available = row["released"] - row["debited"]
            if scaled > available:
                refused.append(
                    f"trade of {self._units(scaled)} units from project {p!r} refused: only "
                    f"{self._units(available)} units are available (released "
                    f"{self._units(row['released'])}, debited {self._units(row['debited'])}); "
                    "fix: take fewer units, or record the milestone that releases more first"
                )
            rows[p] = row
        if len(refused) == 1:
            raise RegistryError(refused[0])
        if refused:
            raise RegistryError(
                f"trade refused for {len(refused)} of its {len(parts)} parts; nothing was "
                "written:\n" + "\n".join(f"- {line}" for line in refused)
            )
        return rows

    # ------------------------------------------------------------ projects and quota
    def register_project(
        self,
        project: str,
        *,
        potential: Decimal | float | str,
        schedule: Sequence[tuple[str, Decimal | float | str]],
        reference: str,
        date: dt.date | str,
        name: str = "",
        township: str = "",
        grade: str = "",
        sites: Sequence[str] = (),
        design: str = "",
        plan: str = "",
        cost: Decimal | int | str = 0,
    ) -> None:
        """Register a restoration project with its potential units and release schedule.

        Parameters
        ----------
        project
            New project id (the quota account).
        potential
            Potential units [quota units], rounded down to the registry's decimals.
        schedule
            ``(milestone, share)`` in release order; shares > 0 summing to 1
            (the quota card's ``release_schedule``).
        reference, date
            Record behind the registration (e.g. the approved design) and its date.
        name, township, grade
            Project name, township (receives the township fund share) and quality grade.
        sites
            Parcel ids (BSM) of the restoration sites.
        design, plan
            Design and plan references.
        cost
            Restoration cost from the design's engineering quantities [yuan];
            a trade's restoration share is this cost pro rata to its units.

        Raises
        ------
        RegistryError
            For an existing project, a malformed schedule, a missing reference or
            an out-of-order date (nothing is written).
        """
        project_id = _text(project, "project id")
        shares = _shares(schedule)
        units = self._units(self._scaled(potential, "potential units", ROUND_DOWN))
        cost_fen = _fen(cost, "restoration cost")
        day = _iso(date, "date")
        with self._write() as writer:
            connection = writer.connection
            exists = connection.execute(
                select(schema.projects.c.id).where(schema.projects.c.id == project_id)
            ).first()
            if exists is not None:
                raise RegistryError(f"project {project_id!r} is already registered")
            t = LedgerTransaction(
                seq=self._next_seq(connection), kind="register", account=project_id,
                units=units, milestone=None, reference=str(reference).strip(), date=day,
            )  # fmt: skip
            # check the ledger rules before the project row exists
            self._check_only(connection, t, shares)
            writer.insert(
                schema.projects,
                "register",
                {
                    "id": project_id, "name": name, "township": township, "grade": grade,
                    "registered_on": day, "potential": int(units.scaleb(self.unit_decimals)),
                    "released": 0, "debited": 0, "pledged": 0,
                    "schedule": json.dumps([[m, str(s)] for m, s in shares]),
                    "sites": json.dumps(list(sites), ensure_ascii=False), "design": design,
                    "plan": plan, "cost_fen": cost_fen, "reference": t.reference,
                },
            )  # fmt: skip
            self._ledger_step(writer, t, None, shares)

    def _check_only(
        self, connection: Connection, t: LedgerTransaction, shares: tuple[tuple[str, Decimal], ...]
    ) -> None:
        last = connection.execute(
            select(schema.quota_transactions.c.date)
            .order_by(schema.quota_transactions.c.seq.desc())
            .limit(1)
        ).scalar()
        self._refuse(t, shares, None, str(last or ""), t.seq)

    def _refuse(
        self,
        t: LedgerTransaction,
        schedule: Sequence[tuple[str, Decimal]],
        account: AccountBalance | None,
        last_date: str,
        count: int,
    ) -> None:
        """Raise if ``t`` breaks a ledger rule (the ledger's own check)."""
        problems = check_transaction(
            t, schedule, unit_decimals=self.unit_decimals, account=account,
            last_date=last_date, count=count,
        )  # fmt: skip
        if problems:
            raise RegistryError(f"{t.kind} on project {t.account!r} refused: {problems}")

    @staticmethod
    def _schedule(project: Mapping[Any, Any]) -> tuple[tuple[str, Decimal], ...]:
        return tuple((str(m), Decimal(s)) for m, s in json.loads(project["schedule"]))

    def milestone(
        self,
        project: str,
        milestone: str,
        *,
        passed: bool,
        reference: str,
        date: dt.date | str,
        evidence: Sequence[tuple[str | Path, str]] = (),
    ) -> Decimal:
        """Record a milestone check (design approval, 验收, a monitoring year) with evidence.

        Parameters
        ----------
        passed
            A pass releases the milestone's share of the potential; a failure
            records a withhold of 0 units (the milestone can be checked again).
        evidence
            ``(path, document type)`` of each evidence file; its name and
            SHA-256 are stored. Every file must exist.

        Returns
        -------
        Decimal
            Units released [quota units] (0 for a failed check).

        Raises
        ------
        RegistryError
            For an unknown project or milestone, a milestone out of order or
            already released, a date before the registration, or a missing
            evidence file (all missing files named; nothing is written).
        """
        day = _iso(date, "date")
        files = [(Path(p), _text(kind, f"document type of {p}")) for p, kind in evidence]
        missing = [str(p) for p, _ in files if not p.is_file()]
        if missing:
            raise RegistryError(
                f"evidence file(s) not found: {', '.join(missing)}; fix: give the path of each "
                "document as it is on disk (nothing was recorded)"
            )
        hashes = [(p.name, _file_sha256(p), kind) for p, kind in files]
        with self._write() as writer:
            connection = writer.connection
            row = self._project(connection, project)
            self._not_before_registration(row, day, f"milestone {milestone!r}")
            schedule = self._schedule(row)
            state = AccountBalance(
                self._units(row["potential"]), self._units(row["released"]),
                self._units(row["debited"]),
            )  # fmt: skip
            kind = "release" if passed else "withhold"
            amount = (
                release_due(state, milestone, schedule, unit_decimals=self.unit_decimals)
                if passed
                else Decimal(0)
            )
            seq = self._next_seq(connection)
            t = LedgerTransaction(
                seq=seq, kind=kind, account=project,
                units=self._stored_units(kind, int(amount.scaleb(self.unit_decimals))),
                milestone=milestone, reference=str(reference).strip(), date=day,
            )  # fmt: skip
            self._ledger_step(writer, t, row, schedule)
            first = self._next_id(connection, schema.evidence.c.id)
            for offset, (file_name, digest, doc_type) in enumerate(hashes):
                writer.insert(
                    schema.evidence,
                    "evidence",
                    {
                        "id": first + offset, "transaction_seq": seq, "file_name": file_name,
                        "sha256": digest, "doc_type": doc_type,
                    },
                )  # fmt: skip
        return t.units

    def debit(
        self, project: str, units: Decimal | float | str, *, reference: str, date: dt.date | str
    ) -> None:
        """Debit units against an occupation permit outside a trade (rounded up).

        Raises
        ------
        RegistryError
            If the units exceed the released, unpledged units (a pledge is named).
        """
        day = _iso(date, "date")
        scaled = self._scaled(units, "units", ROUND_UP)
        with self._write() as writer:
            row = self._project(writer.connection, project)
            self._not_before_registration(row, day, "debit")
            self._free(writer.connection, row, scaled, "debit")
            t = LedgerTransaction(
                seq=self._next_seq(writer.connection), kind="debit", account=project,
                units=self._units(scaled), milestone=None, reference=str(reference).strip(),
                date=day,
            )  # fmt: skip
            self._ledger_step(writer, t, row, self._schedule(row))

    def import_ledger(
        self, ledger: QuotaLedger, *, townships: Mapping[str, str] | None = None
    ) -> None:
        """Import an existing quota ledger losslessly (into a registry with no quota yet).

        Every transaction is replayed through the registry's checks in its
        order, keeping its sequence number, date, reference and units, so
        :meth:`export_ledger` gives back a ledger with the same JSON and hash.

        Parameters
        ----------
        ledger
            The ledger (e.g. ``QuotaLedger.from_json(path.read_text())``).
        townships
            Optional township per account (for the fund split of later trades).

        Raises
        ------
        RegistryError
            If the registry already has quota transactions or its unit decimals
            differ from the ledger's.
        """
        if ledger.unit_decimals != self.unit_decimals:
            raise RegistryError(
                f"the ledger keeps {ledger.unit_decimals} unit decimals, this registry "
                f"{self.unit_decimals}; fix: create the registry with "
                f"unit_decimals={ledger.unit_decimals}"
            )
        with self._write() as writer:
            connection = writer.connection
            if self._next_seq(connection) != 0:
                raise RegistryError(
                    "the registry already has quota transactions; fix: import a ledger into a "
                    "new registry"
                )
            rows: dict[str, dict[str, Any]] = {}
            for t in ledger.transactions:
                schedule = ledger.schedules.get(t.account, ())
                if t.kind == "register":
                    self._check_only(connection, t, schedule)
                    row = {
                        "id": t.account, "name": "",
                        "township": (townships or {}).get(t.account, ""),
                        "grade": "", "registered_on": t.date,
                        "potential": int(t.units.scaleb(self.unit_decimals)), "released": 0,
                        "debited": 0, "pledged": 0,
                        "schedule": json.dumps([[m, str(s)] for m, s in schedule]),
                        "sites": "[]", "design": "", "plan": "", "cost_fen": 0,
                        "reference": t.reference,
                    }  # fmt: skip
                    writer.insert(schema.projects, "import-ledger", row)
                    self._ledger_step(writer, t, None, schedule)
                    rows[t.account] = row
                else:
                    before = self._project(connection, t.account)
                    self._ledger_step(writer, t, before, schedule)

    def export_ledger(self) -> QuotaLedger:
        """The registry's quota transactions as a :class:`~wetval.quota.QuotaLedger`.

        Building it replays every transaction through the ledger's rules, so
        this is also a full check of the stored quota history.
        """
        with self._read() as connection:
            projects = connection.execute(select(schema.projects)).mappings().all()
            rows = connection.execute(
                select(schema.quota_transactions).order_by(schema.quota_transactions.c.seq)
            ).mappings()
            transactions = tuple(
                LedgerTransaction(
                    seq=int(r["seq"]), kind=r["kind"], account=r["account"],
                    units=self._stored_units(r["kind"], r["units"]), milestone=r["milestone"],
                    reference=r["reference"], date=r["date"],
                )
                for r in rows
            )  # fmt: skip
        return QuotaLedger(
            transactions=transactions,
            schedules={p["id"]: self._schedule(p) for p in projects},
            unit_decimals=self.unit_decimals,
        )

    def ledger_balances(self) -> LedgerBalances:
        """Every project's quota balances as a matching reads them, pledged units locked.

        What :func:`wetval.quota.balance` (and ``assess`` with
        ``data.registry``) matches against, as it matches a ledger file's
        :meth:`~wetval.quota.QuotaLedger.balances`: ``available`` is released −
        debited − pledged, and the hash is the audit chain's head, read in the
        same transaction as the balances.
        """
        with self._read() as connection:
            head = str(json.loads(self._meta(connection, HEAD_KEY))["hash"])
            frame = pd.read_sql(
                select(
                    schema.projects.c.id, schema.projects.c.potential, schema.projects.c.released,
                    schema.projects.c.debited, schema.projects.c.pledged,
                ).order_by(schema.projects.c.id),
                connection,
            )  # fmt: skip
        frame = frame.rename(columns={"id": "account"}).set_index("account")
        for column in ("potential", "released", "debited", "pledged"):
            frame[column] = self._unit_series(frame[column])
        frame["available"] = frame["released"] - frame["debited"] - frame["pledged"]
        return LedgerBalances(
            table=frame, hash=head, source="registry", unit_decimals=self.unit_decimals
        )

    # ------------------------------------------------------------ pledges and insurance
    def pledge(
        self,
        project: str,
        units: Decimal | float | str,
        *,
        bank: str,
        loan: Decimal | int | str,
        start: dt.date | str,
        end: dt.date | str,
    ) -> int:
        """Pledge released, unpledged units to a bank; they cannot be sold until released.

        Parameters
        ----------
        units
            Units pledged [quota units], rounded up.
        loan
            Loan amount [yuan].
        start, end
            Pledge term.

        Returns
        -------
        int
            The pledge id.
        """
        first, last = _iso(start, "start"), _iso(end, "end")
        if last < first:
            raise RegistryError(f"the pledge ends ({last}) before it starts ({first})")
        scaled = self._scaled(units, "pledged units", ROUND_UP)
        _positive(scaled, units, "pledged units")
        loan_fen = _fen(loan, "loan amount")
        _positive(loan_fen, loan, "loan amount [yuan]")
        bank_name = _text(bank, "bank")
        with self._write() as writer:
            connection = writer.connection
            row = self._project(connection, project)
            self._not_before_registration(row, first, "pledge")
            free = row["released"] - row["debited"] - row["pledged"]
            if scaled <= 0 or scaled > free:
                raise RegistryError(
                    f"pledge of {self._units(scaled)} units of project {project!r} refused: "
                    f"{self._units(free)} released units are free (released "
                    f"{self._units(row['released'])}, debited {self._units(row['debited'])}, "
                    f"pledged {self._units(row['pledged'])}); fix: pledge at most the free units"
                )
            pledge_id = self._next_id(connection, schema.pledges.c.id)
            writer.insert(
                schema.pledges,
                "pledge",
                {
                    "id": pledge_id, "bank": bank_name, "project_id": project, "units": scaled,
                    "loan_fen": loan_fen, "start": first, "end": last, "released_on": None,
                },
            )  # fmt: skip
            writer.update(schema.projects, "pledge", row, {"pledged": row["pledged"] + scaled})
        return pledge_id

    def release_pledge(self, pledge: int, *, date: dt.date | str) -> None:
        """Release a pledge (loan repaid): its units can be sold again."""
        day = _iso(date, "date")
        with self._write() as writer:
            connection = writer.connection
            row = (
                connection.execute(select(schema.pledges).where(schema.pledges.c.id == pledge))
                .mappings()
                .first()
            )
            if row is None or row["released_on"] is not None:
                state = "unknown" if row is None else f"already released on {row['released_on']}"
                raise RegistryError(f"pledge {pledge} is {state}")
            if day < row["start"]:
                raise RegistryError(
                    f"pledge {pledge} cannot be released ({day}) before {row['start']}"
                )
            project = self._project(connection, row["project_id"])
            writer.update(schema.pledges, "release-pledge", dict(row), {"released_on": day})
            writer.update(
                schema.projects, "release-pledge", project,
                {"pledged": project["pledged"] - row["units"]},
            )  # fmt: skip

    def insure(
        self,
        project: str,
        units: Decimal | float | str,
        *,
        insurer: str,
        policy_number: str,
        premium: Decimal | int | str,
        start: dt.date | str,
        end: dt.date | str,
    ) -> int:
        """Record an insurance policy on a project's units (at most its potential).

        Returns
        -------
        int
            The policy's id.
        """
        first, last = _iso(start, "start"), _iso(end, "end")
        if last < first:
            raise RegistryError(f"the policy ends ({last}) before it starts ({first})")
        scaled = self._scaled(units, "insured units", ROUND_UP)
        premium_fen = _fen(premium, "premium")
        with self._write() as writer:
            connection = writer.connection
            row = self._project(connection, project)
            self._not_before_registration(row, first, "insurance")
            if not 0 < scaled <= row["potential"]:
                raise RegistryError(
                    f"insured units must be > 0 and at most the potential "
                    f"{self._units(row['potential'])} of {project!r}, got {self._units(scaled)}"
                )
            policy_id = self._next_id(connection, schema.insurance.c.id)
            writer.insert(
                schema.insurance,
                "insure",
                {
                    "id": policy_id, "policy_number": _text(policy_number, "policy number"),
                    "insurer": _text(insurer, "insurer"), "project_id": project, "units": scaled,
                    "premium_fen": premium_fen, "start": first, "end": last,
                },
            )  # fmt: skip
        return policy_id

    # ------------------------------------------------------------ listings and trades
    def list_units(
        self,
        project: str,
        units: Decimal | float | str,
        *,
        seller: str,
        asking_price: Decimal | int | str,
        date: dt.date | str,
    ) -> int:
        """Offer units of a project for sale (asking price per unit [yuan]); returns the id."""
        day = _iso(date, "date")
        scaled = self._scaled(units, "listed units", ROUND_UP)
        _positive(scaled, units, "listed units")
        asking = _fen(asking_price, "asking price")
        _positive(asking, asking_price, "asking price [yuan per unit]")
        with self._write() as writer:
            connection = writer.connection
            row = self._project(connection, project)
            self._not_before_registration(row, day, "listing")
            self._free(connection, row, scaled, "listing")
            available = row["released"] - row["debited"]
            if not 0 < scaled <= available:
                raise RegistryError(
                    f"listing of {self._units(scaled)} units of {project!r} refused: "
                    f"{self._units(available)} units are available"
                )
            listing_id = self._next_id(connection, schema.listings.c.id)
            writer.insert(
                schema.listings,
                "list",
                {
                    "id": listing_id, "seller": _text(seller, "seller"), "project_id": project,
                    "units": scaled, "asking_fen_per_unit": asking, "date": day, "status": "open",
                },
            )  # fmt: skip
        return listing_id

    def trade(
        self,
        *,
        contract: str,
        buyer: str,
        occupation_project: str,
        approval_reference: str,
        date: dt.date | str,
        units: Mapping[str, Decimal | float | str],
        price_per_unit: Decimal | int | str | None = None,
        amounts: Mapping[str, Decimal | int | str] | None = None,
        assessment_hash: str | None = None,
        review_hash: str | None = None,
        listing: int | None = None,
    ) -> int:
        """Record a sale: debit the units and post the Annex 2 fund split to the fen.

        Each part (units from one project) is its own debit (reference: the
        contract number) and its own fund split: amount = price × units rounded
        half up to the fen; township share to that project's township,
        centre share, restoration cost (the project's cost pro rata to the
        units, to the fen) and the remainder to county finance, by the
        ``fund-split`` card in force on the date.

        Parameters
        ----------
        contract
            Contract number (unique).
        approval_reference
            The occupation project's approval (required).
        units
            Units per restoration project [quota units], rounded up.
        price_per_unit
            [yuan per quota unit], at most two decimals.
        amounts
            Instead of ``price_per_unit``: the amount of each part [yuan, to the
            fen], e.g. the sale an assessment proposes; the trade's price per
            unit is then the total amount over the total units, to the fen.
        assessment_hash, review_hash
            Hash of the assessment and of the review record the price relied on.
        listing
            The listing this sale closes, if any.

        Returns
        -------
        int
            The trade id.

        Raises
        ------
        RegistryError
            Without an approval reference, for an unknown project, units beyond
            the free units (a pledge is named), a sale that does not cover the
            restoration cost and shares, or a duplicate contract number.
        """
        day = _iso(date, "date")
        approval = _text(approval_reference, "approval reference of the occupation project")
        contract_number = _text(contract, "contract number")
        if not units:
            raise RegistryError("a trade needs units from at least one project")
        parts = {p: self._scaled(u, f"units of {p!r}", ROUND_UP) for p, u in units.items()}
        bad = [p for p, s in parts.items() if s <= 0]
        if bad:
            raise RegistryError(f"units must be positive for {', '.join(bad)}")
        if (price_per_unit is None) == (amounts is None):
            raise RegistryError(
                "a trade needs exactly one of price_per_unit and amounts; fix: give the price "
                "per unit, or the amount of each part"
            )
        if amounts is None:
            price_fen = _fen(price_per_unit, "price per unit")  # type: ignore[arg-type]
            amount_fen = {
                p: int((Decimal(price_fen) * self._units(n)).to_integral_value(ROUND_HALF_UP))
                for p, n in parts.items()
            }
        else:
            if set(amounts) != set(parts):
                raise RegistryError(
                    f"the amounts name projects {sorted(map(str, amounts))}, the units "
                    f"{sorted(parts)}; fix: give one amount per project sold"
                )
            amount_fen = {p: _fen(amounts[p], f"amount of {p!r}") for p in parts}
            for p, fen in amount_fen.items():
                _positive(fen, amounts[p], f"amount of {p!r} [yuan]")
            total_units = self._units(sum(parts.values()))
            price_fen = int(
                (Decimal(sum(amount_fen.values())) / total_units).to_integral_value(ROUND_HALF_UP)
            )
        with self._write() as writer:
            connection = writer.connection
            if connection.execute(
                select(schema.trades.c.id).where(schema.trades.c.contract == contract_number)
            ).first():
                raise RegistryError(f"contract {contract_number!r} is already recorded")
            rows = self._trade_parts(connection, parts, day)
            listing_row = self._listing(connection, listing, parts) if listing else None
            splits: dict[str, FundSplit] = {}
            for p, scaled in parts.items():
                amount = amount_fen[p]
                restoration = (
                    Decimal(rows[p]["cost_fen"]) * scaled / max(rows[p]["potential"], 1)
                ).to_integral_value(ROUND_HALF_UP)
                try:
                    split = allocate_funds(
                        FundSplit.yuan(int(amount)), FundSplit.yuan(int(restoration)),
                        fund_split_card(day), date=day,
                    )  # fmt: skip
                except WetvalError as error:
                    raise RegistryError(f"trade {contract_number!r}: {error}") from None
                if not split.covered:
                    raise RegistryError(
                        f"trade {contract_number!r}: the price of the {self._units(scaled)} units "
                        f"of {p!r} ({split.yuan(split.amount_fen)} yuan) does not cover the "
                        f"restoration cost plus the township and centre shares (short by "
                        f"{split.yuan(split.shortfall_fen)} yuan); fix: check the price"
                    )
                splits[p] = split
            trade_id = self._next_id(connection, schema.trades.c.id)
            card = next(iter(splits.values())).provenance.cards[0]
            writer.insert(
                schema.trades,
                "trade",
                {
                    "id": trade_id, "contract": contract_number, "buyer": _text(buyer, "buyer"),
                    "occupation_project": _text(occupation_project, "occupation project"),
                    "approval_reference": approval, "date": day, "units": sum(parts.values()),
                    "price_fen_per_unit": price_fen,
                    "amount_fen": sum(s.amount_fen for s in splits.values()),
                    "assessment_hash": assessment_hash, "review_hash": review_hash,
                    "listing_id": listing, "fund_card": f"{card.id}@{card.version}#{card.hash}",
                },
            )  # fmt: skip
            posting = self._next_id(connection, schema.fund_postings.c.id)
            for p, scaled in parts.items():
                seq = self._next_seq(connection)
                t = LedgerTransaction(
                    seq=seq, kind="debit", account=p, units=self._units(scaled), milestone=None,
                    reference=f"trade {contract_number} · {approval}", date=day,
                )  # fmt: skip
                self._ledger_step(writer, t, rows[p], self._schedule(rows[p]))
                writer.insert(
                    schema.trade_parts,
                    "trade",
                    {
                        "trade_id": trade_id,
                        "project_id": p,
                        "units": scaled,
                        "transaction_seq": seq,
                    },
                )
                split = splits[p]
                for account, fen in (
                    (f"township/{rows[p]['township'] or p}", split.township_fen),
                    ("centre", split.centre_fen),
                    (f"restoration/{p}", split.restoration_fen),
                    ("county_finance", split.county_finance_fen),
                ):
                    writer.insert(
                        schema.fund_postings,
                        "fund-posting",
                        {"id": posting, "trade_id": trade_id, "account": account, "fen": fen},
                    )
                    posting += 1
            if listing_row is not None:
                writer.update(schema.listings, "trade", listing_row, {"status": "sold"})
        return trade_id

    def _listing(
        self, connection: Connection, listing: int, parts: Mapping[str, int]
    ) -> dict[str, Any]:
        row = (
            connection.execute(select(schema.listings).where(schema.listings.c.id == listing))
            .mappings()
            .first()
        )
        if row is None or row["status"] != "open":
            raise RegistryError(
                f"listing {listing} is {'unknown' if row is None else row['status']}"
            )
        if row["project_id"] not in parts or parts[row["project_id"]] > row["units"]:
            raise RegistryError(
                f"listing {listing} offers {self._units(row['units'])} units of "
                f"{row['project_id']!r}; the trade takes other units"
            )
        return dict(row)

    # ------------------------------------------------------------ queries
    def projects(self) -> pd.DataFrame:
        """Per project: potential, released, debited, pledged, available and free units.

        ``available`` = released − debited; ``free`` = available − pledged (what
        can be sold now) [quota units, Decimal].
        """
        with self._read() as connection:
            frame = pd.read_sql(select(schema.projects).order_by(schema.projects.c.id), connection)
        for column in ("potential", "released", "debited", "pledged"):
            frame[column] = self._unit_series(frame[column])
        frame["available"] = frame["released"] - frame["debited"]
        frame["free"] = frame["available"] - frame["pledged"]
        return frame.set_index("id")

    def trades(self) -> pd.DataFrame:
        """Every trade part: trade, date, project, grade, units, price and amount [yuan]."""
        t, p, pr = schema.trades, schema.trade_parts, schema.projects
        query = (
            select(
                t.c.id.label("trade_id"), t.c.contract, t.c.date, t.c.buyer,
                t.c.occupation_project, t.c.approval_reference, p.c.project_id, pr.c.grade,
                pr.c.township, p.c.units, t.c.price_fen_per_unit, t.c.assessment_hash,
                t.c.review_hash,
            )
            .join(p, p.c.trade_id == t.c.id)
            .join(pr, pr.c.id == p.c.project_id)
            .order_by(t.c.id, p.c.project_id)
        )  # fmt: skip
        with self._read() as connection:
            frame = pd.read_sql(query, connection)
        frame["units"] = self._unit_series(frame["units"])
        frame["price_per_unit"] = _yuan_series(frame["price_fen_per_unit"])
        return frame.drop(columns="price_fen_per_unit")

    def price_index(self) -> pd.DataFrame:
        """Recorded prices by year and grade: trades, units, unit-weighted mean, min, max.

        Prices are [yuan per quota unit]; this is what the market approach of
        pricing takes as comparables.
        """
        frame = self.trades()
        if frame.empty:
            return pd.DataFrame(
                columns=["trades", "units", "mean_price", "min_price", "max_price"],
                index=pd.MultiIndex.from_arrays([[], []], names=["year", "grade"]),
            )
        frame = frame.assign(
            year=frame["date"].str[:4].astype(int),
            units_f=frame["units"].astype(float),
            price_f=frame["price_per_unit"].astype(float),
        )
        frame["value"] = frame["units_f"] * frame["price_f"]
        grouped = frame.groupby(["year", "grade"])
        return pd.DataFrame(
            {
                "trades": grouped["trade_id"].nunique(),
                "units": grouped["units_f"].sum(),
                "mean_price": grouped["value"].sum() / grouped["units_f"].sum(),
                "min_price": grouped["price_f"].min(),
                "max_price": grouped["price_f"].max(),
            }
        )

    def fund_accounts(self) -> pd.DataFrame:
        """Balance of every fund account [fen and yuan], from all postings."""
        query = (
            select(
                schema.fund_postings.c.account, func.sum(schema.fund_postings.c.fen).label("fen")
            )
            .group_by(schema.fund_postings.c.account)
            .order_by(schema.fund_postings.c.account)
        )
        with self._read() as connection:
            frame = pd.read_sql(query, connection)
        frame["fen"] = frame["fen"].astype("int64")
        frame["yuan"] = _yuan_series(frame["fen"])
        return frame.set_index("account")

    def pledges(self) -> pd.DataFrame:
        """Every pledge with its units [quota units] and loan [yuan]; active ones unreleased."""
        with self._read() as connection:
            frame = pd.read_sql(select(schema.pledges).order_by(schema.pledges.c.id), connection)
        frame["units"] = self._unit_series(frame["units"])
        frame["loan"] = _yuan_series(frame["loan_fen"])
        return frame.drop(columns="loan_fen").set_index("id")

    def insurance(self) -> pd.DataFrame:
        """Every insurance policy with its units and premium [yuan]."""
        with self._read() as connection:
            frame = pd.read_sql(
                select(schema.insurance).order_by(schema.insurance.c.id), connection
            )
        frame["units"] = self._unit_series(frame["units"])
        frame["premium"] = _yuan_series(frame["premium_fen"])
        return frame.drop(columns="premium_fen").set_index("id")

    def evidence(self) -> pd.DataFrame:
        """Evidence documents with the quota transaction (milestone) they back."""
        e, q = schema.evidence, schema.quota_transactions
        query = (
            select(e, q.c.account, q.c.milestone, q.c.kind, q.c.date)
            .join(q, q.c.seq == e.c.transaction_seq)
            .order_by(e.c.id)
        )
        with self._read() as connection:
            return pd.read_sql(query, connection).set_index("id")

    def events(self) -> pd.DataFrame:
        """The audit trail, oldest first."""
        with self._read() as connection:
            return pd.read_sql(select(schema.events).order_by(schema.events.c.seq), connection)

    def head(self) -> tuple[int, str]:
        """The audit chain's head: the last event's sequence number and hash.

        Quote it (in minutes, a statement, the public register) to anchor the
        chain: :meth:`verify` checks every event up to it, so an event deleted
        from the end is detected against a quoted head.
        """
        with self._read() as connection:
            state = json.loads(self._meta(connection, HEAD_KEY))
        return int(state["seq"]), str(state["hash"])

    def verify(self) -> ChainCheck:
        """Check the audit chain and every row against it; names the first bad event.

        The bulk survey and census rows are checked against the content hash
        their last vintage or census event carries.
        """
        with self._read() as connection:
            return verify_chain(
                connection,
                {
                    "vintages": _survey.survey_hash(connection),
                    "reserve_censuses": _reserves.reserves_hash(connection),
                },
            )

    def statement(self, kind: str, target: str | Path, *, lang: str = "zh") -> Path:
        """Write a statement for the centre as XLSX or CSV (by the extension).

        Parameters
        ----------
        kind
            ``quota`` (balance sheet), ``trades``, ``funds`` (fund accounts),
            ``pledges`` or ``wetland`` (wetland balance by year).
        target
            Output file (``.xlsx`` or ``.csv``), written atomically.
        lang
            ``zh`` or ``en`` headers.

        Returns
        -------
        Path
            The file written.
        """
        from wetval.atomic import output_error, write_atomic
        from wetval.registry.statements import write_statement

        if lang not in ("zh", "en"):
            raise RegistryError(f"lang {lang!r}: use zh or en")
        path = Path(target)
        content = write_statement(self, kind, path, "zh" if lang == "zh" else "en")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, content)
        except OSError as error:
            raise output_error(error, path, "statement") from None
        return path

    # ------------------------------------------------------------ wetland database
    def import_survey(
        self,
        parcels: ParcelTable | pd.DataFrame,
        *,
        year: int,
        sources: Sequence[str | Path] = (),
    ) -> dict[str, Any]:
        """Import the 三调 base as the first survey vintage.

        Parameters
        ----------
        parcels
            A :class:`~wetval.tables.ParcelTable` (e.g. from
            :func:`wetval.read_parcels`), or a (Geo)DataFrame it validates;
            geometry is stored as WKB with its CRS when present.
        year
            The vintage year (the survey's reference date is 12-31 of it).
        sources
            The delivered files; their names and SHA-256 are recorded.

        Returns
        -------
        dict
            The vintage row (year, kind, source_hashes, parcels, content_hash).

        Raises
        ------
        ValidationError
            For invalid parcels, a missing source file or a registry that
            already holds a vintage (nothing is written).
        """
        year = _survey.check_year(year, "三调 base")
        hashes = _survey.file_hashes(sources)
        with self._write() as writer:
            return _survey.import_base(writer, parcels, year, hashes)

    def apply_change(
        self,
        year: int,
        changes: ParcelTable | pd.DataFrame,
        process: pd.DataFrame,
        *,
        sources: Sequence[str | Path] = (),
    ) -> dict[str, Any]:
        """Apply a year's change survey (DLTBGX after-parcels, DLTBGXGC pieces) with lineage.

        Every before-parcel (BGQTBBSM) is retired at ``year``, every
        after-parcel stored from ``year``, and every piece kept as a lineage
        link with its area; see :mod:`wetval.registry.survey`.

        Raises
        ------
        ValidationError
            Naming every parcel the increment does not fit (nothing is written).
        """
        year = _survey.check_year(year, "change survey")
        hashes = _survey.file_hashes(sources)
        with self._write() as writer:
            return _survey.apply_change(writer, year, changes, process, hashes)

    def vintages(self) -> pd.DataFrame:
        """The survey vintages: kind, source file hashes, parcels, content hash."""
        with self._read() as connection:
            frame = pd.read_sql(
                select(schema.vintages).order_by(schema.vintages.c.year), connection
            )
        return frame.set_index("year")

    def survey_parcels(self, year: int, *, bsm: Sequence[str] | None = None) -> pd.DataFrame:
        """Parcels of the ``year`` vintage (a GeoDataFrame when geometry is stored).

        Parameters
        ----------
        year
            Vintage [year].
        bsm
            If given, only these parcel ids (those not in the vintage are left out).
        """
        p = schema.parcels
        chosen = select(p).where(_survey.alive(int(year)))
        if bsm is not None:
            chosen = chosen.where(p.c.bsm.in_([str(b) for b in bsm]))
        with self._read() as connection:
            frame = pd.read_sql(chosen.order_by(p.c.bsm), connection)
        frame = frame.set_index("bsm")
        if frame["geometry"].notna().any():
            import geopandas
            import shapely

            crs = frame["crs"].dropna().iloc[0] if frame["crs"].notna().any() else None
            wkb = [None if g is None else bytes(g) for g in frame["geometry"]]
            result: pd.DataFrame = geopandas.GeoDataFrame(
                frame.drop(columns="geometry"), geometry=shapely.from_wkb(wkb), crs=crs
            )
            return result
        return frame.drop(columns="geometry")

    def successors(self, bsm: str, year: int | None = None) -> list[str]:
        """Parcel ids of the ``year`` vintage (default: the last) that ``bsm`` became."""
        with self._read() as connection:
            return _survey.successors(connection, str(bsm), year)

    def project_sites(self, project: str, year: int | None = None) -> dict[str, list[str]]:
        """A project's registered site parcels and what each became in ``year`` (lineage).

        Returns
        -------
        dict
            Site BSM as registered → parcel ids of the ``year`` vintage (default:
            the last); an empty list for a site that is in no vintage.
        """
        with self._read() as connection:
            row = self._project(connection, project)
            sites = [str(s) for s in json.loads(row["sites"])]
            return {s: _survey.successors(connection, s, year) for s in sites}

    def wetland_balance(self, year: int | None = None) -> WetlandBalance:
        """County wetland area by class and level per vintage, and 总量不减少 year by year.

        Parameters
        ----------
        year
            Last year to include (default: every vintage).

        Returns
        -------
        WetlandBalance
            With the change-survey pieces that moved wetland area each year.
        """
        with self._read() as connection:
            return _survey.wetland_balance(connection, year)

    # ------------------------------------------------------------ reserve resources
    def register_census(
        self,
        census: ReserveCensus,
        *,
        year: int,
        date: dt.date | str,
        parcels: ParcelTable | None = None,
        min_water_months: float | None = None,
    ) -> int:
        """Register a reserve-resource census with every parcel's rule outcomes.

        Parameters
        ----------
        census
            The result of :func:`wetval.screening.screen`.
        year
            Survey vintage the census screened (its parcels give the township
            codes unless ``parcels`` does).
        date
            Date of the census.
        parcels
            The screened parcels, when they carry ZLDWDM (township = its first 9).
        min_water_months
            Months of standing water a verified reserve needs [months/yr];
            default: the census card's ``min_standing_water_months``.

        Returns
        -------
        int
            The census id.
        """
        year = _survey.check_year(year, "reserve census")
        day = _iso(date, "date")
        if min_water_months is None:
            # the census card the census recorded (id, version, hash), not the latest of its id
            from wetval.cards import recorded_card

            card = recorded_card(census.provenance.cards[0])
            min_water_months = float(card.param("min_standing_water_months"))
        with self._write() as writer:
            return _reserves.register_census(
                writer, census, year=year, date=day, min_water_months=min_water_months,
                parcels=parcels,
            )  # fmt: skip

    def verify_reserve(
        self,
        bsm: str,
        *,
        finding: str,
        water_months: float,
        verifier: str,
        date: dt.date | str,
        evidence: Sequence[tuple[str | Path, str]] = (),
        note: str = "",
        census: int | None = None,
    ) -> str:
        """Record a field verification of a reserve parcel; returns its new status.

        Parameters
        ----------
        finding
            ``pond`` (坑塘, not used for aquaculture) or ``aquaculture`` (养殖坑塘).
        water_months
            Observed months of standing water per year [months/yr].
        verifier, date
            Who verified, and when.
        evidence
            ``(path, document type)`` of photos, forms…; names and SHA-256 stored.
        census
            The census the parcel is in (default: the latest that holds it).

        Returns
        -------
        str
            ``verified`` or ``rejected`` (see :mod:`wetval.registry.reserves`).
        """
        day = _iso(date, "date")
        files = _reserves.evidence_records(evidence)
        with self._write() as writer:
            row = _reserves.verify_reserve(
                writer, str(bsm), finding=finding, water_months=water_months,
                verifier=verifier, date=day, evidence=files, note=note, census=census,
            )  # fmt: skip
        return str(row["status"])

    def reserves(
        self,
        *,
        township: str | None = None,
        status: str | None = None,
        census: int | None = None,
    ) -> pd.DataFrame:
        """Reserve parcels of a census (default: the latest) with status, ranked.

        ``reserves(township="360124101", status="verified")`` answers "which
        verified reserves, ranked, in township X" (township by code ZLDWDM[:9]
        or by name).
        """
        if status not in (None, "verified", "rejected", "unverified"):
            raise RegistryError(f"status {status!r}: use verified, rejected or unverified")
        with self._read() as connection:
            return _reserves.reserves(connection, township=township, status=status, census=census)


def _shares(schedule: object) -> tuple[tuple[str, Decimal], ...]:
    """The release schedule as ``(milestone, share)`` pairs, every malformed entry named."""
    expected = (
        "fix: give (milestone, share) pairs with shares > 0 summing to 1, e.g. "
        "[('acceptance', '0.6'), ('monitoring-1', '0.4')] (CLI: --schedule acceptance=0.6)"
    )
    if isinstance(schedule, str | bytes) or not isinstance(schedule, Sequence | tuple):
        raise RegistryError(f"release schedule {schedule!r} is not a list of pairs; {expected}")
    pairs: list[tuple[str, Decimal]] = []
    bad: list[str] = []
    for entry in schedule:
        try:
            milestone, share = entry
            number = Decimal(str(share).strip())
        except (ArithmeticError, ValueError, TypeError):
            bad.append(repr(entry))
            continue
        if not number.is_finite() or not str(milestone).strip():
            bad.append(repr(entry))
            continue
        pairs.append((str(milestone), number))
    if bad:
        raise RegistryError(
            f"release schedule entries not a milestone and a finite share: {', '.join(bad)}; "
            + expected
        )
    return tuple(pairs)


def _fen(amount: Decimal | int | str | float, what: str) -> int:
    try:
        return to_fen(amount, what)
    except WetvalError as error:
        text = str(error)
        fix = "" if "fix:" in text else f"; fix: give the {what} in yuan, a plain number"
        raise RegistryError(text + fix) from None


def _positive(amount: int, value: object, what: str) -> None:
    """Refuse an amount ≤ 0 (stored integer units or fen), naming ``value`` as given."""
    if amount <= 0:
        raise RegistryError(f"{what} must be > 0, got {value!r}; fix: give a number > 0")


def _yuan_series(fen: pd.Series[Any]) -> pd.Series[Any]:
    """Integer fen as exact Decimal yuan."""
    return pd.Series([FundSplit.yuan(int(v)) for v in fen], index=fen.index, dtype=object)


def _has_tables(connection: Connection) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(connection).get_table_names())


__all__ += ["ChainCheck", "SchemaError"]
