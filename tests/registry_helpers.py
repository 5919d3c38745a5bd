"""Backends for the registry tests: every registry test runs on SQLite and on PostgreSQL.

The PostgreSQL half needs a server: ``.ci/postgres`` installs and starts one and
prints ``WETVAL_TEST_POSTGRES_URL``; without it those tests skip with that message.
Each test gets an empty database (SQLite: a new file; PostgreSQL: the public
schema dropped and made again).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POSTGRES_ENV = "WETVAL_TEST_POSTGRES_URL"
SCHEDULE = [("design", "0.2"), ("acceptance", "0.5"), ("monitoring-1", "0.3")]


def empty_postgres() -> str:
    """URL of the test PostgreSQL database with an empty public schema (or skip)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f'PostgreSQL tests need a server: run `eval "$(bash .ci/postgres)"` to start one '
            f"and set {POSTGRES_ENV}"
        )
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    return empty_postgres()


def project(registry, pid: str = "P1", township: str = "三里乡", **extra: object) -> None:  # type: ignore[no-untyped-def]
    """Register a 100-unit project with the three-milestone schedule."""
    options: dict[str, object] = {
        "potential": "100", "schedule": SCHEDULE, "reference": f"design approval {pid}",
        "date": "2024-01-10", "township": township, "grade": "II", "cost": "100000",
    }  # fmt: skip
    options.update(extra)
    registry.register_project(pid, **options)


def released(registry, pid: str = "P1") -> None:  # type: ignore[no-untyped-def]
    """Register ``pid`` and pass its first two milestones (70 units released)."""
    project(registry, pid)
    registry.milestone(pid, "design", passed=True, reference="design ok", date="2024-02-01")
    registry.milestone(pid, "acceptance", passed=True, reference="验收", date="2024-06-01")
