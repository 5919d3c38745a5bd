"""Schema revisions of a registry database (Alembic, run on wetval's own connection).

The migrations ship in the package (``wetval/registry/migrations``). A
registry records its revision in Alembic's ``alembic_version`` table;
:func:`schema_revision` reads it, :func:`upgrade` brings it to the newest
revision this wetval knows, and :func:`check_revision` refuses a database that
is older (upgrade it) or newer (made by a newer wetval) than this code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from wetval.errors import WetvalError

__all__ = [
    "SchemaError",
    "check_revision",
    "head_revision",
    "known_revisions",
    "schema_revision",
    "upgrade",
]

_SCRIPTS = Path(__file__).parent / "migrations"


class SchemaError(WetvalError):
    """The database is not a registry, or its schema revision does not match this wetval."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _revisions() -> tuple[str, ...]:
    """Known revisions, oldest first."""
    scripts = ScriptDirectory.from_config(_config())
    return tuple(reversed([s.revision for s in scripts.walk_revisions()]))


def known_revisions() -> tuple[str, ...]:
    """Every schema revision this wetval knows, oldest first."""
    return _revisions()


def head_revision() -> str:
    """The newest schema revision this wetval writes."""
    return _revisions()[-1]


def schema_revision(connection: Connection) -> str | None:
    """The database's schema revision, or ``None`` if it has none (not a registry)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database on ``connection`` to ``revision``, inside its transaction."""
    command.upgrade(_config(connection), revision)


def check_revision(connection: Connection, source: str) -> None:
    """Refuse a database that is not a registry or not at this wetval's revision.

    Raises
    ------
    SchemaError
        Naming the database's revision, the expected one, and the fix.
    """
    found = schema_revision(connection)
    head = head_revision()
    if found == head:
        return
    if found is None:
        raise SchemaError(
            f"{source} is not a wetval registry (no schema revision); fix: name the file or "
            "database made by 'wetval registry init' (Registry.create), or create a registry "
            "at a new path: init refuses a database that already holds other tables"
        )
    if found in _revisions():
        raise SchemaError(
            f"{source} has registry schema revision {found}, older than this wetval's "
            f"{head}; fix: back the database up, then run 'wetval registry upgrade' "
            "(Registry.upgrade(url))"
        )
    raise SchemaError(
        f"{source} has registry schema revision {found}, which this wetval does not know "
        f"(it knows {', '.join(_revisions())}): it was written by a newer wetval; "
        "fix: install that newer wetval to use it, never an older one"
    )
