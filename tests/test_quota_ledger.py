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

from quota_helpers import condition, credit, debit, parcels
from wetval.errors import WetvalError
from wetval.quota import (
    BalanceReport,
    LedgerError,
    QuotaCredits,
    QuotaDebits,
    QuotaLedger,
    account_credits,
    account_quotas,
    balance,
)

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
    assert "R01" in str(passed.summary())


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
    result = account_credits(table, condition({"R1": "优", "R2": "良"}))
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
    result = account_credits(table, condition({"R1": "优", "R2": "优"}))
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


# ---------------------------------------------------------------- ledger meets balance
def _two_projects() -> tuple[QuotaCredits, QuotaDebits]:
    """C1 (R01, 民和镇, 9 亩 良: 7.2 units) and C2 (R02, 李渡镇, 9 亩 优: 9 units) against
    D1 (P01, 民和镇, 3 亩 中: 1.8 units) and D3 (P02, 李渡镇, 4 亩 良: 3.2 units)."""
    table = parcels(
        [
            credit("C1", "民和镇", "1104", 9, compensated_first=True, risk_class="low"),
            credit("C2", "李渡镇", "1104", 9, compensated_first=True, risk_class="low",
                   project_id="R02"),
            debit("D1", "民和镇", "1104", 3, "general", "P01"),
            debit("D3", "李渡镇", "1104", 4, "general", "P02"),
        ]
    )  # fmt: skip
    grades = condition({"C1": "良", "C2": "优", "D1": "中", "D3": "良"})
    accounts = account_quotas(table, "quota-jinxian", condition=grades)
    return accounts.credits, accounts.debits


_TWO_PROJECTS = _two_projects()


def _opened(credit_table: QuotaCredits) -> QuotaLedger:
    return QuotaLedger.from_credits(credit_table, reference="登记 2024-001", date="2024-03-01")


def test_balance_matches_only_the_units_the_ledger_released() -> None:
    credit_table, debit_table = _two_projects()
    # planning view: D3 takes C2 in its own township
    planned = balance(credit_table, debit_table).matches.set_index("debit_parcel")
    assert planned.loc["D3", "credit_parcel"] == "C2"
    # R01 passed acceptance (60 % of 7.2 = 4.32 units available); R02 released nothing
    ledger = _opened(credit_table).milestone(
        "R01", "acceptance", passed=True, reference="验收意见", date="2024-09-15"
    )
    report = balance(credit_table, debit_table, ledger=ledger)
    matches = report.matches.set_index("debit_parcel")
    # D1 needs max(3/9, 1.8/7.2) = 1/3 of C1, within its 0.6 available share
    assert matches.loc["D1", "credit_share"] == pytest.approx(1 / 3)
    # D3: C2 is unreleased; C1 (same county, 良 = 良) has 0.6 - 1/3 of its area left:
    # 0.2667 x 9 亩 = 2.4 亩 and 0.2667 x 7.2 = 1.92 units of the 4 亩 and 3.2 units needed
    assert matches.loc["D3", "credit_parcel"] == "C1"
    assert matches.loc["D3", "credit_share"] == pytest.approx(0.6 - 1 / 3)
    shortfall = report.shortfalls.loc["P02"]
    assert shortfall["units_shortfall"] == pytest.approx(1.28)
    assert shortfall["area_shortfall_mu"] == pytest.approx(1.6)
    # withheld: 40 % of C1 (2.88 units) and all of C2 (9 units)
    assert "11.8800 units of suitable credits await milestone release" in str(shortfall["reason"])
    accounts = report.ledger_accounts
    assert accounts is not None
    assert accounts.loc["R01", "available_share"] == pytest.approx(0.6)
    assert accounts.loc["R01", "units_matched"] == pytest.approx(4.32)
    assert accounts.loc["R02", "available_share"] == 0.0
    assert report.provenance.inputs["ledger"] == ledger.hash
    assert "Matched against the ledger's available units" in str(report.summary())
    again = BalanceReport.from_json(report.to_json())
    assert again.ledger_accounts is not None
    pd.testing.assert_frame_equal(again.ledger_accounts, accounts)


def test_posting_a_balance_debits_each_account_once_per_occupation_project() -> None:
    credit_table, debit_table = _two_projects()
    ledger = _opened(credit_table).milestone(
        "R01", "acceptance", passed=True, reference="验收意见", date="2024-09-15"
    )
    report = balance(credit_table, debit_table, ledger=ledger)
    posted = ledger.post(report, reference="占用批复 2024-10", date="2024-10-01")
    debits_booked = posted.to_frame().query("kind == 'debit'")
    assert list(debits_booked["reference"]) == ["占用批复 2024-10 · P01", "占用批复 2024-10 · P02"]
    # 1/3 x 7.2 = 2.4 units for P01, the rest of the 4.32 available for P02
    assert list(debits_booked["units"]) == [Decimal("2.4000"), Decimal("1.9200")]
    assert posted.available("R01") == 0 and posted.available("R02") == 0
    # a later balance against the posted ledger finds nothing left to match
    assert balance(credit_table, debit_table, ledger=posted).matches.empty


def test_post_refuses_a_balance_of_another_ledger_state() -> None:
    credit_table, debit_table = _two_projects()
    ledger = _opened(credit_table).milestone(
        "R01", "acceptance", passed=True, reference="验收意见", date="2024-09-15"
    )
    with pytest.raises(LedgerError, match="computed without a ledger"):
        ledger.post(balance(credit_table, debit_table), reference="x", date="2024-10-01")
    stale = balance(credit_table, debit_table, ledger=ledger)
    later = ledger.debit("R01", 1, reference="另一项目", date="2024-09-20")
    with pytest.raises(LedgerError, match=r"against ledger state .*rerun balance"):
        later.post(stale, reference="x", date="2024-10-01")


def test_balance_refuses_a_ledger_opened_from_other_credits() -> None:
    credit_table, debit_table = _two_projects()
    ledger = QuotaLedger().register(
        "R01", "5", schedule=SCHEDULE, reference="登记", date="2024-03-01"
    )
    with pytest.raises(
        WetvalError, match=r"R01: the credits give 7\.2000 units, the ledger account 5\.0000"
    ):
        balance(credit_table, debit_table, ledger=ledger)
    # a ledger without R02 is fine: R02 is simply not registered and supplies nothing
    only_r01 = QuotaLedger().register(
        "R01", "7.2", schedule=SCHEDULE, reference="登记", date="2024-03-01"
    )
    accounts = balance(credit_table, debit_table, ledger=only_r01).ledger_accounts
    assert accounts is not None
    assert accounts["registered"].to_dict() == {"R01": True, "R02": False}


def test_a_fully_released_ledger_matches_like_the_planning_view() -> None:
    credit_table, debit_table = _two_projects()
    ledger = _opened(credit_table)
    for account in ("R01", "R02"):
        for milestone, _ in SCHEDULE:
            ledger = ledger.milestone(
                account, milestone, passed=True, reference="合格", date="2025-01-01"
            )
    pd.testing.assert_frame_equal(
        balance(credit_table, debit_table, ledger=ledger).matches,
        balance(credit_table, debit_table).matches,
    )


@settings(max_examples=40, deadline=None)
@given(
    passed=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    earlier_debits=st.tuples(st.decimals("0", "1", places=2), st.decimals("0", "1", places=2)),
)
def test_balance_and_post_never_overdraw(
    passed: tuple[int, int], earlier_debits: tuple[Decimal, Decimal]
) -> None:
    credit_table, debit_table = _TWO_PROJECTS
    ledger = _opened(credit_table)
    for account, count in zip(("R01", "R02"), passed, strict=True):
        for milestone, _ in SCHEDULE[:count]:
            ledger = ledger.milestone(
                account, milestone, passed=True, reference="合格", date="2025-01-01"
            )
    for account, fraction in zip(("R01", "R02"), earlier_debits, strict=True):
        spend = (ledger.available(account) * fraction).quantize(Decimal("0.0001"))
        if spend > 0:
            ledger = ledger.debit(account, spend, reference="earlier", date="2025-02-01")
    report = balance(credit_table, debit_table, ledger=ledger)
    accounts = report.ledger_accounts
    assert accounts is not None
    assert (accounts["units_matched"] <= accounts["available"] + 1e-9).all()
    posted = ledger.post(report, reference="批复", date="2025-03-01")
    for account in ("R01", "R02"):
        booked = ledger.available(account) - posted.available(account)
        assert booked >= 0 and posted.available(account) >= 0
        assert float(booked) == pytest.approx(accounts.loc[account, "units_matched"], abs=1e-4)
