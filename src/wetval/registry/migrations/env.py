"""Alembic environment of the registry: runs on the connection wetval hands over.

:mod:`wetval.registry.migrate` puts an open SQLAlchemy connection in
``config.attributes["connection"]``; the migrations run inside its transaction.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
