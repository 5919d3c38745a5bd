"""Quota ledger: milestone releases, debits, rejections and its invariants (hypothesis).

Invariants from shared/reference/credit-accounting.md §4 (33 CFR 332.8(o)–(p) practice):
Σ released ≤ potential; Σ debited ≤ Σ released at every point; a debit larger than the
available units is rejected; a failed milestone releases nothing; transactions are
append-only and carry a reference.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quota_helpers import condition, credit, parcels
from wetval.quota import LedgerError, QuotaLedger, credits

SCHEDULE = [("acceptance", "0.6"), ("monitoring-1", "0.2"), ("monitoring-2", "0.2")]


def _ledger(potential: str = "10") -> QuotaLedger:
    return QuotaLedger().register(
        "R01", potential, schedule=SCHEDULE, reference="修复设计批复 2024-01", date="2024-01-10"
    )


def test_release_debit_and_rejection() -> None:
    ledger = _ledger()
    assert ledger.available("R01") == 0
    with pytest.raises(LedgerError, match=r"only 0\.0000 available"):
        ledger.debit("R01", 1, reference="P01 占用批复", date="2024-02-01")
    ledger = ledger.milestone(
        "R01", "acceptance", passed=True, reference="验收意见", date="2024-06-01"
    )
    assert ledger.available("R01") == Decimal("6.0000")
    ledger = ledger.debit("R01", "2.5", reference="P01 占用批复", date="2024-06-02")
    with pytest.raises(LedgerError, match="rejected"):
        ledger.debit("R01", "3.6", reference="P02", date="2024-06-03")
    failed = ledger.milestone(
        "R01", "monitoring-1", passed=False, reference="第1年监测不合格", date="2025-06-01"
    )
    assert failed.available("R01") == ledger.available("R01")  # withheld: nothing released
    assert failed.accounts().loc["R01", "next_milestone"] == "monitoring-1"
    passed = failed.milestone(
        "R01", "monitoring-1", passed=True, reference="复测合格", date="2025-09-01"
    ).milestone("R01", "monitoring-2", passed=True, reference="第2年监测合格", date="2026-06-01")
    row = passed.accounts().loc["R01"]
    assert row["released"] == row["potential"] == Decimal("10.0000")
    assert row["debited"] == Decimal("2.5000") and row["available"] == Decimal("7.5000")
    assert row["next_milestone"] is None
    assert list(passed.to_frame()["kind"]) == [
        "register", "release", "debit", "withhold", "release", "release",
    ]  # fmt: skip
    assert "R01" in passed.summary()


def test_rule_violations() -> None:
    ledger = _ledger()
    with pytest.raises(LedgerError, match="cannot release before"):
        ledger.milestone("R01", "monitoring-1", passed=True, reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="no milestone"):
        ledger.milestone("R01", "acceptence", passed=True, reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="unknown account"):
        ledger.debit("R09", 1, reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="needs a reference"):
        ledger.milestone("R01", "acceptance", passed=True, reference=" ", date="2024-06-01")
    with pytest.raises(LedgerError, match="chronological"):
        ledger.milestone("R01", "acceptance", passed=True, reference="x", date="2023-01-01")
    with pytest.raises(LedgerError, match="already registered"):
        ledger.register("R01", 1, schedule=SCHEDULE, reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="summing to 1"):
        ledger.register("R02", 1, schedule=[("a", "0.5")], reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="must be positive"):
        ledger.debit("R01", 0, reference="x", date="2024-06-01")
    done = ledger.milestone("R01", "acceptance", passed=True, reference="x", date="2024-06-01")
    with pytest.raises(LedgerError, match="already released"):
        done.milestone("R01", "acceptance", passed=True, reference="x", date="2024-06-02")


def test_rounding_never_creates_units() -> None:
    # thirds do not divide 10 exactly: releases round down, the last one releases the rest
    thirds = [("a", "0.3333333333333333"), ("b", "0.3333333333333333"), ("c", "0.3333333333333334")]
    ledger = QuotaLedger().register("R", 10, schedule=thirds, reference="x", date="2024-01-01")
    ledger = ledger.milestone("R", "a", passed=True, reference="x", date="2024-01-02")
    assert ledger.available("R") == Decimal("3.3333")
    # debits round up: 3.33331 becomes 3.3334, more than the 3.3333 released
    with pytest.raises(LedgerError, match=r"3\.3334"):
        ledger.debit("R", "3.33331", reference="x", date="2024-01-03")
    ledger = ledger.debit("R", "3.3333", reference="x", date="2024-01-03")
    assert ledger.available("R") == 0
    ledger = ledger.milestone("R", "b", passed=True, reference="x", date="2024-01-04")
    ledger = ledger.milestone("R", "c", passed=True, reference="x", date="2024-01-05")
    assert ledger.accounts().loc["R", "released"] == Decimal("10.0000")


def test_from_credits_and_json_round_trip() -> None:
    table = parcels(
        [
            credit("R1", "民和镇", "1108", 9, compensated_first=True, risk_class="low"),
            credit("R2", "民和镇", "1104A", 3),
        ]
    )
    result = credits(table, condition({"R1": "优", "R2": "良"}))
    ledger = QuotaLedger.from_credits(result, reference="登记 2024-001", date="2024-03-01")
    assert ledger.accounts().loc["R01", "potential"] == Decimal("9.0000")
    ledger = ledger.milestone("R01", "acceptance", passed=True, reference="验收", date="2024-09-01")
    again = QuotaLedger.from_json(ledger.to_json())
    assert again == ledger
    assert again.available("R01") == Decimal("5.4000")


def test_from_credits_registers_the_exact_sum_of_the_parcels_units() -> None:
    table = parcels(
        [
            credit("R1", "民和镇", "1108", 0.7, compensated_first=True, risk_class="low"),
            credit("R2", "民和镇", "1108", 0.1, compensated_first=True, risk_class="low"),
        ]
    )
    result = credits(table, condition({"R1": "优", "R2": "优"}))
    assert list(result.table["units"]) == [0.7, 0.1]
    ledger = QuotaLedger.from_credits(result, reference="登记 2024-002", date="2024-03-01")
    # 0.7 + 0.1 is 0.7999… in floating point; rounded down it lost a unit step (0.7999)
    assert ledger.accounts().loc["R01", "potential"] == Decimal("0.8000")


def _history() -> QuotaLedger:
    ledger = _ledger().milestone(
        "R01", "acceptance", passed=True, reference="验收", date="2024-09-01"
    )
    return ledger.debit("R01", 4, reference="P01 占用批复", date="2024-10-01")


def test_a_tampered_ledger_file_is_refused() -> None:
    ledger = _history()
    text = ledger.to_json()
    assert QuotaLedger.from_json(text) == ledger
    # the audit's edit: a debit rewritten to ten times its units in the JSON file
    tampered = text.replace('{"__decimal__": "4.0000"}', '{"__decimal__": "40.0000"}')
    assert tampered != text
    with pytest.raises(LedgerError) as caught:
        QuotaLedger.from_json(tampered)
    message = str(caught.value)
    assert "transaction 2 (2024-10-01, debit, account 'R01', 40.0000 units)" in message
    assert "only 6.0000 available" in message
    assert "fix: " in message


def test_direct_construction_names_every_offending_transaction() -> None:
    ledger = _history()
    register, release, debit = ledger.transactions
    edited = (
        register,
        dataclasses.replace(release, units=Decimal("8.0000")),  # the share gives 6
        dataclasses.replace(debit, date="2024-01-01", account="R99"),
        dataclasses.replace(debit, seq=7),
    )
    schedules = {**ledger.schedules, "R02": ledger.schedules["R01"]}
    with pytest.raises(LedgerError) as caught:
        QuotaLedger(transactions=edited, schedules=schedules, unit_decimals=4)
    lines = str(caught.value).splitlines()
    problems = [line for line in lines if line.startswith("- ")]
    assert len(problems) == 6, lines
    assert "- transaction 1 (2024-09-01, release, account 'R01', 8.0000 units): release of " \
        "8.0000 units; milestone 'acceptance' gives 6.0000" in problems  # fmt: skip
    assert any(p.startswith("- transaction 2 ") and "earlier than" in p for p in problems)
    assert any(p.startswith("- transaction 2 ") and "unknown account 'R99'" in p for p in problems)
    # the bad release was left out, so nothing is available for the last debit either
    assert any(p.startswith("- transaction 3 ") and "numbered 7" in p for p in problems)
    assert any(p.startswith("- transaction 3 ") and "only 0.0000 available" in p for p in problems)
    assert "- schedule of account 'R02': no register transaction for it" in problems


def test_construction_checks_units_and_milestones() -> None:
    ledger = _history()
    register, release = ledger.transactions[:2]
    cases = {
        "at most 4 decimals": (register, dataclasses.replace(release, units=Decimal("6.00001"))),
        "already registered": (register, dataclasses.replace(register, seq=1)),
        "cannot release before": (register, dataclasses.replace(release, milestone="monitoring-1")),
        "unknown kind 'refund'": (register, dataclasses.replace(release, kind="refund")),
        "needs a reference": (register, dataclasses.replace(release, reference=" ")),
    }  # fmt: skip
    for expected, transactions in cases.items():
        with pytest.raises(LedgerError, match=expected):
            QuotaLedger(transactions=transactions, schedules=ledger.schedules)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("milestone"), st.sampled_from(["A", "B"]),
                  st.sampled_from([m for m, _ in SCHEDULE]), st.booleans()),
        st.tuples(st.just("debit"), st.sampled_from(["A", "B"]),
                  st.decimals(min_value="0.0001", max_value="12", places=4), st.none()),
    ),
    max_size=30,
)  # fmt: skip


@settings(max_examples=80)
@given(
    potentials=st.tuples(
        st.decimals(min_value=0, max_value=1000, places=4),
        st.decimals(min_value=0, max_value=1000, places=4),
    ),
    ops=operations,
)
def test_ledger_invariants(potentials: tuple[Decimal, Decimal], ops: list[tuple]) -> None:  # type: ignore[type-arg]
    ledger = QuotaLedger()
    for name, potential in zip("AB", potentials, strict=True):
        ledger = ledger.register(
            name, potential, schedule=SCHEDULE, reference="reg", date="2024-01-01"
        )
    for kind, account, arg, passed in ops:
        before = ledger
        try:
            if kind == "milestone":
                ledger = ledger.milestone(
                    account, arg, passed=passed, reference="chk", date="2024-06-01"
                )
                if not passed:
                    assert ledger.available(account) == before.available(account)
                    assert ledger.transactions[-1].units == 0
            else:
                ledger = ledger.debit(account, arg, reference="permit", date="2024-06-01")
        except LedgerError:
            ledger = before
            if kind == "debit":  # rejected only when it would overdraw
                assert Decimal(arg) > before.available(account)
        # append-only: the earlier transactions are untouched
        assert ledger.transactions[: len(before.transactions)] == before.transactions
        state = ledger.accounts()
        assert (state["released"] <= state["potential"]).all()
        assert (state["debited"] <= state["released"]).all()
        assert (state["available"] >= 0).all()
    # what the operations built passes the checks on construction, with the same balances
    rebuilt = QuotaLedger(transactions=ledger.transactions, schedules=ledger.schedules)
    pd.testing.assert_frame_equal(rebuilt.accounts(), ledger.accounts())
