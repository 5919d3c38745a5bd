"""Loading the project's data: the parcel, indicator and project tables, the units available.

Every file the project file names is read here, relative to the project file's
folder, and hashed into the assessment's provenance; ``"sample"`` stands for
the SYNTHETIC sample county (:func:`wetval.datasets.sample_county`).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from wetval.datasets import sample_county
from wetval.errors import Problem
from wetval.errors import ValidationError as DataError
from wetval.hashing import file_hash, path_hash
from wetval.io import read_indicators, read_parcels, read_table
from wetval.quota import LedgerBalances, QuotaLedger
from wetval.spec import SAMPLE_SOURCE, AssessmentSpec, SpecError
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["ProjectData", "hide_password", "load_data", "registry_balances", "registry_url"]


class ProjectData(NamedTuple):
    """The project's data as loaded, with the hashes of its inputs."""

    parcels: ParcelTable
    indicators: IndicatorTable | None
    projects: pd.DataFrame | None
    #: the units available: the ledger file's or the registry's balances
    ledger: LedgerBalances | None
    inputs: dict[str, str]


def load_data(spec: AssessmentSpec) -> ProjectData:
    """Load the data the spec names: its tables, files, ledger or registry.

    Parameters
    ----------
    spec
        The project.

    Returns
    -------
    ProjectData
        The tables and the hashes of every input (``Provenance.inputs``).

    Raises
    ------
    SpecError
        For a file of the wrong kind, or a ledger and a registry both named.
    wetval.errors.ValidationError
        For a missing file or bad data, naming every offending row.
    """
    data = spec.data
    inputs: dict[str, str] = {}
    county = sample_county() if SAMPLE_SOURCE in (data.parcels, data.indicators) else None

    def missing(kind: str, path: Path) -> DataError:
        return DataError(
            [Problem(reason="file not found", fix="check the path in the project file")],
            what=f"{kind} file",
            source=str(path),
        )

    if isinstance(data.parcels, ParcelTable):
        parcels = data.parcels
    elif isinstance(data.parcels, pd.DataFrame):
        parcels = ParcelTable.from_frame(data.parcels, scheme=data.scheme)
    elif data.parcels == SAMPLE_SOURCE:
        assert county is not None
        parcels = county.parcels
    else:
        from wetval.spatial.read import is_geometry_file

        path = spec.resolve(data.parcels)
        if is_geometry_file(path):
            from wetval.spatial import read_dltb

            parcels = read_dltb(path, data.layer, scheme=data.scheme, encoding=data.encoding)
            inputs["parcels_file"] = path_hash(path)
        else:
            if not path.is_file():
                raise missing("parcel", path)
            if data.layer is not None:
                raise SpecError(
                    f"data.layer = {data.layer!r}, but data.parcels = {data.parcels!r} is not "
                    "a layered spatial file; fix: name a .gdb folder, .gdb.zip, .gpkg or .shp "
                    "in data.parcels, or remove data.layer"
                )
            parcels = read_parcels(path, scheme=data.scheme, encoding=data.encoding)
            inputs["parcels_file"] = file_hash(path)
    inputs["parcels"] = parcels.hash

    indicators: IndicatorTable | None
    if data.indicators is None:
        indicators = None
    elif isinstance(data.indicators, IndicatorTable):
        indicators = data.indicators
    elif isinstance(data.indicators, pd.DataFrame):
        indicators = IndicatorTable.from_frame(data.indicators)
    elif data.indicators == SAMPLE_SOURCE:
        assert county is not None
        indicators = county.indicators
    else:
        path = spec.resolve(data.indicators)
        if not path.is_file():
            raise missing("indicator", path)
        indicators = read_indicators(path, encoding=data.encoding)
        inputs["indicators_file"] = file_hash(path)
    if indicators is not None:
        inputs["indicators"] = indicators.hash

    projects: pd.DataFrame | None
    if isinstance(data.projects, pd.DataFrame):
        projects = data.projects
    elif data.projects == SAMPLE_SOURCE or (data.projects is None and county is not None):
        projects = county.projects if county is not None else sample_county().projects
    elif data.projects is None:
        projects = None
    else:
        path = spec.resolve(data.projects)
        if not path.is_file():
            raise missing("project", path)
        projects = read_table(path, encoding=data.encoding)
        inputs["projects_file"] = file_hash(path)

    if data.ledger is not None and data.registry is not None:
        raise SpecError(
            "data.ledger and data.registry both name the units available; give only one: "
            "data.registry (the registry holds the quota history) or data.ledger (a ledger file)"
        )
    ledger: QuotaLedger | None
    if data.ledger is None or isinstance(data.ledger, QuotaLedger):
        ledger = data.ledger
    elif not isinstance(data.ledger, str):
        raise SpecError(
            f"data.ledger: expected a ledger file path or a QuotaLedger, "
            f"got {type(data.ledger).__name__}"
        )
    else:
        path = spec.resolve(data.ledger)
        if not path.is_file():
            raise missing("ledger", path)
        ledger = QuotaLedger.from_json(path.read_text(encoding="utf-8"))
    balances: LedgerBalances | None = None
    if ledger is not None:
        inputs["ledger"] = ledger.hash
        balances = ledger.balances()
    elif data.registry is not None:
        balances = registry_balances(spec, data.registry)
        inputs["registry"] = balances.hash
    return ProjectData(parcels, indicators, projects, balances, inputs)


def registry_url(spec: AssessmentSpec) -> str:
    """``data.registry`` with a relative SQLite file taken from the project file's folder.

    Raises
    ------
    SpecError
        If ``data.registry`` is not a database URL (naming it).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = spec.data.registry
    if not isinstance(url, str) or "://" not in url:
        raise SpecError(
            f"data.registry = {url!r} is not a database URL; fix: give the registry's "
            'SQLAlchemy URL, e.g. "sqlite:///jinxian.db" (a path relative to the project '
            'file) or "postgresql+psycopg://user@host/dbname"'
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SpecError(
            f"data.registry = {url!r} is not a database URL; fix: give the registry's "
            'SQLAlchemy URL, e.g. "sqlite:///jinxian.db"'
        ) from None
    database = parsed.database
    sqlite_file = parsed.get_backend_name() == "sqlite" and database not in (None, "", ":memory:")
    if sqlite_file and not Path(str(database)).is_absolute():
        return parsed.set(database=str(spec.resolve(str(database)))).render_as_string(
            hide_password=False
        )
    return url


def registry_balances(spec: AssessmentSpec, url: str) -> LedgerBalances:
    """The registry's quota balances (pledged units locked); one error naming data.registry."""
    from wetval.registry import Registry, RegistryError, SchemaError

    resolved = registry_url(spec)
    try:
        with Registry(resolved) as registry:
            return registry.ledger_balances()
    except (RegistryError, SchemaError) as error:
        shown = hide_password(url)
        raise SpecError(
            f"data.registry = {shown!r}: {error}\n(checked {hide_password(resolved)!r}; "
            "relative SQLite paths are taken from the project file's folder)"
        ) from None


def hide_password(url: str) -> str:
    """``url`` with its password masked (unchanged if it is not a database URL)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
