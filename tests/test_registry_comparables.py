"""The registry's trades as market comparables (issue 15: trades feed the market approach).

SYNTHETIC registry of ``test_registry_publish`` (one trade: 10.5 units at 23,456.78
yuan) plus a second trade recorded here (4 units of P2 at 30,000.00 yuan), so the
expected price is the unit-weighted mean (10.5 × 23,456.78 + 4 × 30,000) / 14.5.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_pricing import _credits
from test_registry_publish import build
from wetval.pricing import price_quota
from wetval.registry import Registry, RegistryError
from wetval.registry.comparables import comparables_card

EXPECTED = (10.5 * 23_456.78 + 4 * 30_000.00) / 14.5  # [yuan per quota unit]


@pytest.fixture
def registry(tmp_path: Path):  # type: ignore[no-untyped-def]
    with build(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path) as opened:
        opened.trade(
            contract="JX-T-2024-002", buyer="县水利局", occupation_project="堤防加固",
            approval_reference="赣水审批 3 号", date="2024-10-01", units={"P2": "4"},
            price_per_unit="30000",
        )  # fmt: skip
        yield opened


def test_each_trade_is_one_comparable_weighted_by_its_units(registry: Registry) -> None:
    card = comparables_card(registry)
    _, head = registry.head()
    assert card.id == f"market-registry-{head[:12]}" and card.kind == "market-comparables"
    trades = card.table("trades")
    assert list(trades["weight"]) == [10.5, 4.0]
    assert list(trades["price_per_mu"]) == pytest.approx([23_456.78, 30_000.0], abs=1e-9)
    assert set(trades["source"]) == {f"registry-{head[:12]}"}
    # the market approach prices 9 units (a 9 亩 优 credit) at the weighted mean
    price = price_quota(_credits(), comparables=card)
    assert price.table.loc["R1", "market"] == pytest.approx(9 * EXPECTED, rel=1e-12)


def test_since_and_scope_are_checked(registry: Registry) -> None:
    assert len(comparables_card(registry, since="2024-09-01").table("trades")) == 1
    with pytest.raises(RegistryError, match="no trade since 2025-01-01"):
        comparables_card(registry, since="2025-01-01")
    with pytest.raises(RegistryError, match="not a location of the card"):
        comparables_card(registry, scope="moon")
