"""The wetland bank's system of record (SQLite or PostgreSQL, through SQLAlchemy).

See :class:`Registry`, ``docs/registry.md`` (a year in the registry) and
``docs/registry-integration.md`` (schema, migrations, transactions).
"""

from __future__ import annotations

try:
    import alembic  # noqa: F401
    import sqlalchemy  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installation
    from wetval.errors import DependencyError

    raise DependencyError("the registry", "registry", error.name or "sqlalchemy") from None

from wetval.registry.audit import ChainCheck
from wetval.registry.core import Registry, RegistryError
from wetval.registry.migrate import SchemaError

__all__ = ["ChainCheck", "Registry", "RegistryError", "SchemaError"]
