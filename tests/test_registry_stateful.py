"""Hypothesis stateful test: random sequences of registry operations keep every invariant.

A simple model tracks released, debited and pledged units; each operation must be
accepted exactly when the model says it fits (no overdraft, pledged units locked),
and after every step the registry's balances equal the model's, the quota history
replays under the ledger rules and the audit chain verifies. Runs on both backends.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from registry_helpers import SCHEDULE, empty_postgres, project
from wetval.registry import Registry, RegistryError

MILESTONES = [m for m, _ in SCHEDULE]
SHARES = [Decimal(s) for _, s in SCHEDULE]


def machine(backend: str) -> type[RuleBasedStateMachine]:
    class Operations(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            if backend == "sqlite":
                url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'r.db'}"
            else:
                url = empty_postgres()
            self.registry = Registry.create(url)
            project(self.registry)  # 100 potential units
            self.released = Decimal(0)
            self.debited = Decimal(0)
            self.pledges: dict[int, Decimal] = {}
            self.passed = 0
            self.contracts = 0

        def teardown(self) -> None:
            self.registry.close()

        def _free(self) -> Decimal:
            return self.released - self.debited - sum(self.pledges.values(), Decimal(0))

        @rule()
        def milestone(self) -> None:
            if self.passed == len(MILESTONES):
                with pytest.raises(RegistryError):
                    self.registry.milestone(
                        "P1", MILESTONES[-1], passed=True, reference="m", date="2024-07-01"
                    )
                return
            self.registry.milestone(
                "P1", MILESTONES[self.passed], passed=True, reference="m", date="2024-07-01"
            )
            self.released += 100 * SHARES[self.passed]
            self.passed += 1

        @rule(units=st.integers(1, 40), sell=st.booleans())
        def take(self, units: int, sell: bool) -> None:
            fits = units <= self._free()
            try:
                if sell:
                    self.contracts += 1
                    self.registry.trade(
                        contract=f"C{self.contracts}", buyer="b", occupation_project="o",
                        approval_reference="A", date="2024-07-01", units={"P1": units},
                        price_per_unit=20000,
                    )  # fmt: skip
                else:
                    self.registry.debit("P1", units, reference="permit", date="2024-07-01")
            except RegistryError:
                assert not fits
            else:
                assert fits
                self.debited += units

        @rule(units=st.integers(1, 40))
        def pledge(self, units: int) -> None:
            fits = units <= self._free()
            try:
                pledge_id = self.registry.pledge(
                    "P1", units, bank="bank", loan=1000, start="2024-07-01", end="2025-07-01"
                )
            except RegistryError:
                assert not fits
            else:
                assert fits
                self.pledges[pledge_id] = Decimal(units)

        @rule()
        def release_pledge(self) -> None:
            if self.pledges:
                pledge_id = min(self.pledges)
                self.registry.release_pledge(pledge_id, date="2024-07-01")
                del self.pledges[pledge_id]

        @invariant()
        def balances_hold(self) -> None:
            row = self.registry.projects().loc["P1"]
            assert row["released"] == self.released
            assert row["debited"] == self.debited
            assert row["pledged"] == sum(self.pledges.values(), Decimal(0))
            assert row["debited"] + row["pledged"] <= row["released"] <= row["potential"]
            self.registry.export_ledger()
            assert self.registry.verify().ok

    Operations.TestCase.settings = settings(max_examples=8, stateful_step_count=8, deadline=None)
    return Operations


TestOperationsSQLite = machine("sqlite").TestCase
TestOperationsPostgreSQL = machine("postgresql").TestCase
