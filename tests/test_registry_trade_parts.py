"""A trade of several projects' units is refused whole, naming every part refused.

Before, `Registry.trade` stopped at the first project over its free units, so
a buyer fixing that one part learned of the next only on the next try.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry_helpers import project, registry_url, released
from wetval.registry import Registry, RegistryError

__all__ = ["registry_url"]


def _trade(registry: Registry, units: dict[str, str]) -> int:
    return registry.trade(
        contract="JX-2024-009", buyer="县交通局", occupation_project="G320 改线",
        approval_reference="赣自然资 (2024) 12", date="2024-08-01", units=units,
        price_per_unit="20000",
    )  # fmt: skip


def test_every_refused_part_is_named_and_nothing_is_written(registry_url: str) -> None:
    with Registry.create(registry_url, user="tester") as registry:
        for pid in ("P1", "P2", "P3", "P5"):
            project(registry, pid)
        for milestone, date in (("design", "2024-02-01"), ("acceptance", "2024-06-01")):
            for pid in ("P1", "P2", "P5"):  # 70 units released each; P3 none
                registry.milestone(pid, milestone, passed=True, reference=milestone, date=date)
        registry.pledge("P2", 30, bank="农商行", loan="1", start="2024-07-01", end="2025-06-30")
        before = registry.head()
        with pytest.raises(RegistryError) as caught:
            _trade(registry, {"P1": "71", "P2": "41", "P3": "1", "P9": "1", "P5": "1"})
        message = str(caught.value)
        assert "refused for 4 of its 5 parts; nothing was written" in message
        lines = [line for line in message.splitlines() if line.startswith("- ")]
        assert len(lines) == 4
        assert "'P1'" in lines[0] and "only 70.0000 units are available" in lines[0]
        assert "'P2'" in lines[1] and "pledge 1 to 农商行" in lines[1]
        assert "'P3'" in lines[2] and "only 0.0000 units are available" in lines[2]
        assert "unknown project 'P9'" in lines[3]
        assert "P5" not in message.split("registered:")[0]  # the part within its units
        assert registry.head() == before
        assert registry.trades().empty


def test_one_refused_part_keeps_its_own_message(registry_url: str) -> None:
    with Registry.create(registry_url, user="tester") as registry:
        released(registry, "P1")
        with pytest.raises(RegistryError, match=r"^trade of 70\.0001 units from project 'P1'"):
            _trade(registry, {"P1": "70.0001"})
        _trade(registry, {"P1": "70"})
        row = registry.projects().loc["P1"]
        assert (row["debited"], row["available"]) == (Decimal(70), Decimal(0))
