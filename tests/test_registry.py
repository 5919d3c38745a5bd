"""The registry (issue 15) on both backends: schema, audit chain, quota rules, trades, pledges."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from registry_helpers import SCHEDULE, project, registry_url, released
from wetval.quota import QuotaLedger
from wetval.quota.funds import allocate_funds
from wetval.registry import Registry, RegistryError, SchemaError
from wetval.registry.migrate import head_revision

__all__ = ["registry_url"]  # the fixture, re-exported for pytest


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _events(registry: Registry) -> int:
    return len(registry.events())


# ------------------------------------------------------------------ schema
def test_create_open_and_refuse_existing(registry_url: str) -> None:
    with Registry.create(registry_url, user="李工") as registry:
        assert registry.unit_decimals == 4
        first = registry.events().iloc[0]
        assert (first["action"], first["user"]) == ("create", "李工")
    with pytest.raises(RegistryError, match="already holds tables"):
        Registry.create(registry_url)
    Registry(registry_url).close()


def test_not_a_registry_is_refused(registry_url: str) -> None:
    _sql(registry_url, "CREATE TABLE other (x INTEGER)")
    with pytest.raises(SchemaError, match="not a wetval registry"):
        Registry(registry_url)


def test_newer_schema_is_refused(registry_url: str) -> None:
    Registry.create(registry_url).close()
    _sql(registry_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaError, match=r"9999.*newer wetval"):
        Registry(registry_url)


def test_older_schema_upgrades(registry_url: str) -> None:
    Registry._initialise(registry_url, "wetval", 4, "0001")
    with pytest.raises(SchemaError, match=r"0001, older.*wetval registry upgrade"):
        Registry(registry_url)
    with Registry.upgrade(registry_url, user="admin") as registry:
        last = registry.events().iloc[-1]
        assert last["action"] == "upgrade"
        assert json.loads(last["after"]) == {"revision": head_revision()}
        assert registry.verify().ok


def test_migrations_build_the_declared_schema(registry_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from wetval.registry.schema import METADATA

    Registry.create(registry_url).close()
    engine = create_engine(registry_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), METADATA)
    engine.dispose()
    assert diff == []


# ------------------------------------------------------------------ audit chain
@pytest.fixture
def busy(registry_url: str) -> Iterator[Registry]:
    registry = Registry.create(registry_url, user="tester")
    released(registry)
    registry.pledge("P1", 10, bank="农商行", loan="300000", start="2024-07-01", end="2025-06-30")
    registry.trade(
        contract="JX-2024-001", buyer="县交通局", occupation_project="G320 改线",
        approval_reference="赣自然资 (2024) 12", date="2024-08-01", units={"P1": "20"},
        price_per_unit="20000",
    )  # fmt: skip
    yield registry
    registry.close()


def test_intact_chain_verifies(busy: Registry) -> None:
    check = busy.verify()
    assert check.ok, check.summary()
    assert check.events == _events(busy)


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE events SET after = replace(after, '20000', '10000') WHERE seq = 12", "changed"),
        ("DELETE FROM events WHERE seq = 7", "missing"),
        ("UPDATE projects SET debited = 0", "differs"),
        ("DELETE FROM pledges", "deleted"),
        ("INSERT INTO listings VALUES (9, 'x', 'P1', 1, 1, '2024-01-01', 'open')", "without"),
    ],
)
def test_tampering_is_detected(busy: Registry, statement: str, reason: str) -> None:
    events = busy.events()
    _sql(busy.url, statement)
    check = busy.verify()
    assert not check.ok
    assert reason in check.reason
    if reason == "changed":
        assert check.first_bad == 12
    if reason == "differs":  # the last event that wrote the project row is named
        wrote = events[(events["entity"] == "projects") & (events["entity_key"] == "P1")]
        assert check.first_bad == int(wrote["seq"].max())


def test_deleting_the_newest_events_is_detected(busy: Registry) -> None:
    total = _events(busy)
    _sql(busy.url, f"DELETE FROM events WHERE seq = {total}")
    check = busy.verify()
    assert not check.ok
    assert check.first_bad == total


# ------------------------------------------------------------------ quota rules
def test_releases_follow_the_schedule(registry_url: str) -> None:
    with Registry.create(registry_url) as registry:
        project(registry)
        assert registry.milestone(
            "P1", "design", passed=True, reference="ok", date="2024-02-01"
        ) == Decimal("20.0000")
        assert registry.milestone(
            "P1", "acceptance", passed=False, reference="failed", date="2024-05-01"
        ) == Decimal(0)
        with pytest.raises(RegistryError, match="cannot release before"):
            registry.milestone("P1", "monitoring-1", passed=True, reference="x", date="2024-06-01")
        registry.milestone("P1", "acceptance", passed=True, reference="ok", date="2024-06-01")
        registry.milestone("P1", "monitoring-1", passed=True, reference="ok", date="2025-06-01")
        row = registry.projects().loc["P1"]
        assert row["released"] == row["potential"] == Decimal(100)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.debit("P1", "70.0001", reference="permit", date="2024-07-01"), "only 70"),
        (lambda r: r.debit("P9", "1", reference="permit", date="2024-07-01"), "unknown project"),
        (lambda r: r.debit("P1", "1", reference=" ", date="2024-07-01"), "needs a reference"),
        (lambda r: r.debit("P1", "1", reference="p", date="2024-05-01"), "earlier than"),
        (lambda r: r.debit("P1", "1", reference="p", date="2023-12-31"), "before project"),
        (lambda r: r.debit("P1", "1", reference="p", date="2024-13-01"), "not an ISO date"),
        (
            lambda r: r.trade(
                contract="C", buyer="b", occupation_project="o", approval_reference="",
                date="2024-07-01", units={"P1": 1}, price_per_unit=20000,
            ),
            "approval reference",
        ),
        (
            lambda r: r.trade(
                contract="C", buyer="b", occupation_project="o", approval_reference="A",
                date="2024-07-01", units={"P1": 1}, price_per_unit=1,
            ),
            "does not cover",
        ),
        (
            lambda r: r.milestone(
                "P1", "monitoring-1", passed=True, reference="m", date="2025-06-01",
                evidence=[("/no/such/report.pdf", "monitoring report")],
            ),
            "/no/such/report.pdf",
        ),
        (lambda r: r.milestone("P1", "design", passed=True, reference="m", date="2025-06-01"),
         "already released"),
    ],
)  # fmt: skip
def test_bad_operations_write_nothing(registry_url: str, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with Registry.create(registry_url) as registry:
        released(registry)
        before = (registry.events(), registry.projects())
        with pytest.raises(RegistryError, match=message):
            call(registry)
        assert registry.events().equals(before[0])
        assert registry.projects().equals(before[1])
        assert registry.verify().ok


def test_evidence_is_stored_with_its_hash(registry_url: str, tmp_path: Path) -> None:
    report = tmp_path / "验收报告.pdf"
    report.write_bytes(b"%PDF-1.4 SYNTHETIC acceptance report")
    with Registry.create(registry_url) as registry:
        project(registry)
        registry.milestone("P1", "design", passed=True, reference="d", date="2024-02-01")
        registry.milestone(
            "P1", "acceptance", passed=True, reference="验收 2024-3", date="2024-06-01",
            evidence=[(report, "acceptance report")],
        )  # fmt: skip
        stored = registry.evidence().iloc[0]
        assert stored["file_name"] == "验收报告.pdf"
        assert stored["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
        assert (stored["milestone"], stored["doc_type"]) == ("acceptance", "acceptance report")


def test_ledger_imports_losslessly(registry_url: str) -> None:
    ledger = (
        QuotaLedger()
        .register("A", "12.5", schedule=SCHEDULE, reference="design A", date="2023-03-01")
        .register("B", 40, schedule=[("acceptance", 1)], reference="design B", date="2023-04-01")
        .milestone("A", "design", passed=True, reference="ok", date="2023-05-01")
        .milestone("B", "acceptance", passed=False, reference="failed", date="2023-06-01")
        .milestone("A", "acceptance", passed=True, reference="验收", date="2023-09-01")
        .debit("A", "3.3333", reference="permit 1", date="2023-10-01")
        .milestone("B", "acceptance", passed=True, reference="验收", date="2024-02-01")
        .debit("B", 40, reference="permit 2", date="2024-03-01")
    )
    with Registry.create(registry_url) as registry:
        registry.import_ledger(QuotaLedger.from_json(ledger.to_json()))
        back = registry.export_ledger()
        assert back.to_json() == ledger.to_json()
        assert back.hash == ledger.hash
        with pytest.raises(RegistryError, match="already has quota transactions"):
            registry.import_ledger(ledger)
        assert registry.verify().ok


# ------------------------------------------------------------------ trades, funds, pledges
def test_trade_posts_the_annex_2_split_to_the_fen(busy: Registry) -> None:
    # 20 units × 20,000 yuan = 400,000 yuan; Annex 2 of the Jinxian plan (2023): 20 % to the
    # township, 10 % to the centre (shared/reference/jinxian-plan-2023.txt, lines 89 and 95)
    funds = busy.fund_accounts()
    assert funds.loc["township/三里乡", "fen"] == 400_000_00 * 20 // 100
    assert funds.loc["centre", "fen"] == 400_000_00 * 10 // 100
    assert funds["fen"].sum() == 400_000_00
    expected = allocate_funds("400000", "20000", date="2024-08-01")  # cost 100,000 × 20/100
    assert funds.loc["restoration/P1", "fen"] == expected.restoration_fen
    assert funds.loc["county_finance", "fen"] == expected.county_finance_fen
    trade = busy.trades().iloc[0]
    assert trade["approval_reference"] == "赣自然资 (2024) 12"
    assert trade["price_per_unit"] == Decimal("20000.00")
    assert busy.export_ledger().available("P1") == Decimal("50.0000")


def test_pledged_units_cannot_be_sold(busy: Registry) -> None:
    # P1: 70 released, 20 debited, 10 pledged → 40 free
    with pytest.raises(RegistryError, match="pledge 1 to 农商行"):
        busy.trade(
            contract="C2", buyer="b", occupation_project="o", approval_reference="A2",
            date="2024-09-01", units={"P1": "45"}, price_per_unit=20000,
        )  # fmt: skip
    with pytest.raises(RegistryError, match="pledge 1 to 农商行"):
        busy.debit("P1", "41", reference="permit", date="2024-09-01")
    busy.release_pledge(1, date="2024-10-01")
    busy.debit("P1", "45", reference="permit", date="2024-10-02")
    row = busy.projects().loc["P1"]
    assert (row["pledged"], row["available"]) == (Decimal(0), Decimal(5))


def test_pledge_beyond_free_units_is_refused(busy: Registry) -> None:
    with pytest.raises(RegistryError, match=r"40\.0000 released units are free"):
        busy.pledge("P1", 41, bank="b", loan=1, start="2024-09-01", end="2025-09-01")


def test_insurance_and_listing(busy: Registry) -> None:
    policy = busy.insure(
        "P1", 100, insurer="人保财险", policy_number="PICC-1", premium="1234.56",
        start="2024-07-01", end="2027-06-30",
    )  # fmt: skip
    assert busy.insurance().loc[policy, "premium"] == Decimal("1234.56")
    listing = busy.list_units("P1", 10, seller="运营中心", asking_price=22000, date="2024-09-01")
    busy.trade(
        contract="C3", buyer="b", occupation_project="o", approval_reference="A3",
        date="2024-09-02", units={"P1": 10}, price_per_unit=21000, listing=listing,
    )  # fmt: skip
    with pytest.raises(RegistryError, match=f"listing {listing} is sold"):
        busy.trade(
            contract="C4", buyer="b", occupation_project="o", approval_reference="A4",
            date="2024-09-03", units={"P1": 1}, price_per_unit=21000, listing=listing,
        )  # fmt: skip
    assert busy.verify().ok


def test_price_index_by_year_and_grade(busy: Registry) -> None:
    project(busy, "P2", grade="I", date="2024-08-01")
    busy.milestone("P2", "design", passed=True, reference="d", date="2024-08-02")
    busy.trade(
        contract="C5", buyer="b", occupation_project="o", approval_reference="A5",
        date="2025-01-05", units={"P1": 10, "P2": 10}, price_per_unit=25000,
    )  # fmt: skip
    index = busy.price_index()
    assert index.loc[(2024, "II"), "mean_price"] == 20000
    assert index.loc[(2025, "I"), "trades"] == 1
    assert index.loc[(2025, "II"), "units"] == 10
