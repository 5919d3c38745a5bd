"""Registry benchmark (issue 15): record 10,000 trades in one registry. SYNTHETIC trades.

Run with ``python -m pytest benchmarks/test_bench_trades.py --benchmark-only -s -p no:randomly``
(``WETVAL_BENCH_TRADES`` sets the number, default 10,000). On SQLite (a database file in a
temporary directory) always; on PostgreSQL when ``WETVAL_TEST_POSTGRES_URL`` is set
(``eval "$(bash .ci/postgres)"``; the database's public schema is dropped and made again).

Set-up, through the registry's public API and untimed by the benchmark: ``PROJECTS``
restoration projects registered with the three-milestone schedule and every milestone
passed, so all their units are released. Timed: ``N_TRADES`` calls of
:meth:`wetval.registry.Registry.trade` (what ``wetval registry trade`` calls), each one
sale of 1–2.5 units from one project: its own write transaction with the debit, the
trade and trade-part rows, the four Annex 2 fund postings, the project's balance update
and an audit event per row. Printed: total time, trades per second (overall and of the
first and last thousand, which shows growth with the registry's size), the time of
``verify()`` over the whole audit chain afterwards, and the floors.

The floors, on the same backend and the same kind of database, timed alike:

1. bare SQLAlchemy Core inserting one row per trade into a table as wide as ``trades``
   (14 columns, the same values), one transaction per trade;
2. the same, inserting per transaction as many rows as wetval wrote per trade (events
   plus data rows, counted in the registry afterwards).

The ratio to floor 1 is wetval's cost of recording a trade against committing one
row; the ratio to floor 2 is what is left once the rows themselves are paid for
(checks, fund split, hashing, SQLAlchemy statement building). Results go to
docs/performance.md. The benchmark lives in ``benchmarks/``, outside the test run's
``testpaths``, so ``python -m pytest`` does not run it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, event, func, select, text

from wetval.registry import Registry, schema

pytestmark = pytest.mark.slow

N_TRADES = int(os.environ.get("WETVAL_BENCH_TRADES", "10000"))
PROJECTS = 50
SCHEDULE = [("design", "0.2"), ("acceptance", "0.5"), ("monitoring-1", "0.3")]
POSTGRES_ENV = "WETVAL_TEST_POSTGRES_URL"


def _units(k: int) -> str:
    """Units of trade ``k`` [quota units]: 1, 1.25, … 2.5."""
    return str(1 + (k % 7) * 0.25)


def _price(k: int) -> str:
    """Price of trade ``k`` [yuan per quota unit]: 3,000–3,100."""
    return str(3000 + (k % 11) * 10)


def _trade(k: int) -> dict[str, Any]:
    return {
        "contract": f"JX-2025-{k:06d}",
        "buyer": f"SYNTHETIC buyer {k % 97}",
        "occupation_project": f"OCC-{k:06d}",
        "approval_reference": f"赣自然资规划〔2025〕{k}号",
        "date": f"2025-{1 + k * 12 // N_TRADES:02d}-15",
        "units": {f"JX-R-{k % PROJECTS:03d}": _units(k)},
        "price_per_unit": _price(k),
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (PostgreSQL only when its URL is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trades.db'}"
        return
    pg = os.environ.get(POSTGRES_ENV)
    if not pg:
        pytest.skip(f'set {POSTGRES_ENV} (eval "$(bash .ci/postgres)") for PostgreSQL')
    _empty_postgres(pg)
    yield pg
    _empty_postgres(pg)


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _registry(url: str) -> Registry:
    """A registry with ``PROJECTS`` fully released projects holding enough units."""
    total = sum(float(_units(k)) for k in range(N_TRADES))
    potential = int(total / PROJECTS * 1.2) + 10
    registry = Registry.create(url, user="SYNTHETIC benchmark")
    for i in range(PROJECTS):
        registry.register_project(
            f"JX-R-{i:03d}", potential=str(potential), schedule=SCHEDULE,
            reference=f"设计批复 JX-R-{i:03d} (SYNTHETIC)", date="2024-01-10",
            township=f"SYNTHETIC 乡 {i % 12}", grade="II", cost=str(potential * 1000),
        )  # fmt: skip
    for day, (milestone, _) in zip(
        ("2024-02-01", "2024-06-20", "2024-12-20"), SCHEDULE, strict=True
    ):
        for i in range(PROJECTS):
            registry.milestone(
                f"JX-R-{i:03d}", milestone, passed=True, reference=f"{milestone} ok", date=day
            )
    return registry


def _rows(url: str) -> tuple[int, int]:
    """Events and audited data rows in the registry."""
    engine = create_engine(url)
    with engine.connect() as connection:
        events = connection.execute(select(func.count()).select_from(schema.events)).scalar_one()
        rows = sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (
                schema.trades, schema.trade_parts, schema.quota_transactions, schema.fund_postings
            )
        )  # fmt: skip
    engine.dispose()
    return int(events), int(rows)


def _floor_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":  # the registry's journal mode (same durability)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    return engine


def _floor(url: str, rows_per_trade: int) -> tuple[float, float]:
    """Wall and CPU time of the bare loop: ``rows_per_trade`` rows per transaction."""
    if url.startswith("sqlite"):
        url = url.replace(".db", f"-floor{rows_per_trade}.db")
    else:
        _empty_postgres(url)
    engine = _floor_engine(url)
    table = Table(
        "floor_trades", MetaData(),
        Column("row", schema.trades.c.id.type, primary_key=True, autoincrement=False),
        *(Column(c.name, c.type) for c in schema.trades.columns if c.name != "id"),
    )  # fmt: skip
    table.metadata.create_all(engine)
    statement = table.insert()
    records = [
        {
            "contract": t["contract"], "buyer": t["buyer"],
            "occupation_project": t["occupation_project"],
            "approval_reference": t["approval_reference"], "date": t["date"],
            "units": 10_000, "price_fen_per_unit": 300_000, "amount_fen": 300_000_00,
            "assessment_hash": None, "review_hash": None, "listing_id": None,
            "fund_card": "jinxian-fund-split@1.0.0#" + "0" * 64,
        }
        for t in map(_trade, range(N_TRADES))
    ]  # fmt: skip
    row = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for record in records:
        with engine.begin() as connection:
            for _ in range(rows_per_trade):
                connection.execute(statement, {"row": row, **record})
                row += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    return wall, cpu


def test_record_10000_trades(benchmark, url: str) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    registry = _registry(url)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{backend}: set-up ({PROJECTS} projects, 3 milestones each) "
          f"{time.perf_counter() - start:.2f} s")  # fmt: skip
    events_before, rows_before = _rows(url)
    marks: list[float] = []

    def record() -> None:
        begin = time.perf_counter()
        for k in range(N_TRADES):
            registry.trade(**_trade(k))
            if (k + 1) % 1000 == 0:
                marks.append(time.perf_counter() - begin)

    cpu = time.process_time()
    benchmark.pedantic(record, rounds=1, iterations=1)
    cpu = time.process_time() - cpu
    total = marks[-1] if N_TRADES % 1000 == 0 else benchmark.stats.stats.max
    blocks = [b - a for a, b in zip([0.0, *marks], marks, strict=False)]
    print(f"{N_TRADES:,} trades: {total:.1f} s wall, {cpu:.1f} s CPU of this process, "
          f"{N_TRADES / total:.0f} trades/s")  # fmt: skip
    if blocks:
        print(f"first 1,000: {1000 / blocks[0]:.0f} trades/s; last 1,000: "
              f"{1000 / blocks[-1]:.0f} trades/s")  # fmt: skip

    start = time.perf_counter()
    check = registry.verify()
    print(f"verify() of {check.events:,} events: {time.perf_counter() - start:.2f} s")
    assert check.ok, check.summary()
    assert len(registry.trades()) == N_TRADES
    registry.close()

    events, rows = _rows(url)
    per_trade = round((events - events_before) / N_TRADES)
    print(f"written per trade: {(rows - rows_before) / N_TRADES:.0f} data rows, "
          f"{per_trade} events (incl. the project update)")  # fmt: skip
    for n in (1, per_trade):
        wall, floor_cpu = _floor(url, n)
        print(f"floor ({n} row{'s' if n > 1 else ''} of trades' width per transaction, bare "
              f"SQLAlchemy Core): {wall:.1f} s wall, {floor_cpu:.1f} s CPU; ratio "
              f"{total / wall:.1f}× wall, {cpu / floor_cpu:.1f}× CPU")  # fmt: skip
