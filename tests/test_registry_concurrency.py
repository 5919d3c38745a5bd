"""Several processes debiting, trading and pledging the same units at once (issue 15).

Each backend: 4 processes × 12 operations of 3 units on one project with 70
released units (bounded so it runs in seconds). Whatever interleaving happens,
no update is lost and nothing is overdrawn: the project's balances equal the
sum of the operations that succeeded, debited + pledged ≤ released, the quota
history replays under the ledger rules, and the audit chain verifies.
"""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest

from registry_helpers import registry_url, released
from wetval.registry import Registry, RegistryError

__all__ = ["registry_url"]

WORKERS = 4
OPERATIONS = 12


def _worker(url: str, worker: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    done = {"debit": 0, "trade": 0, "pledge": 0, "refused": 0}
    with Registry(url, user=f"worker-{worker}") as registry:
        for step in range(OPERATIONS):
            kind = ("debit", "trade", "pledge")[(worker + step) % 3]
            try:
                if kind == "debit":
                    registry.debit("P1", 3, reference=f"permit {worker}-{step}", date="2024-07-01")
                elif kind == "trade":
                    registry.trade(
                        contract=f"C-{worker}-{step}", buyer="b", occupation_project="o",
                        approval_reference="A", date="2024-07-01", units={"P1": 3},
                        price_per_unit=20000,
                    )  # fmt: skip
                else:
                    registry.pledge(
                        "P1", 3, bank="bank", loan=1000, start="2024-07-01", end="2025-07-01"
                    )
                done[kind] += 1
            except RegistryError:
                done["refused"] += 1
    results.put(done)


@pytest.mark.slow
def test_concurrent_writers_keep_the_invariants(registry_url: str) -> None:
    with Registry.create(registry_url) as registry:
        released(registry)  # 70 units released
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(registry_url, w, results)) for w in range(WORKERS)
    ]
    for process in workers:
        process.start()
    totals = {"debit": 0, "trade": 0, "pledge": 0, "refused": 0}
    for _ in workers:
        for key, value in results.get(timeout=300).items():
            totals[key] += value
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert sum(totals.values()) == WORKERS * OPERATIONS
    with Registry(registry_url) as registry:
        row = registry.projects().loc["P1"]
        assert row["debited"] == Decimal(3 * (totals["debit"] + totals["trade"]))
        assert row["pledged"] == Decimal(3 * totals["pledge"])
        assert row["debited"] + row["pledged"] <= row["released"] == Decimal(70)
        # 70 units in lots of 3: 23 operations fit, the rest must have been refused
        assert totals["debit"] + totals["trade"] + totals["pledge"] == 23
        assert len(registry.trades()) == totals["trade"]
        assert registry.fund_accounts()["fen"].sum() == totals["trade"] * 3 * 20000 * 100
        registry.export_ledger()  # replays every transaction under the ledger rules
        assert registry.verify().ok
