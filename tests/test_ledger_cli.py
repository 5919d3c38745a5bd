"""`wetval ledger open|milestone|debit|post|show` on the SYNTHETIC sample project."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from wetval.assess import Assessment, assess
from wetval.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from wetval.datasets import sample_project
from wetval.quota import QuotaLedger


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assessment(ledger: Path | None = None) -> Assessment:
    spec = sample_project()
    quick = {"monte_carlo_draws": 0, "sensitivity": False, "finance": False}
    update: dict[str, object] = {"options": spec.options.model_copy(update=quick)}
    if ledger is not None:
        update["data"] = spec.data.model_copy(update={"ledger": str(ledger)})
    return assess(spec.model_copy(update=update))


def test_open_release_post_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planned = tmp_path / "planned.json"
    planned.write_text(_assessment().to_json(), encoding="utf-8")
    ledger_file = tmp_path / "ledger.json"
    code, out, _ = run(
        capsys, "ledger", "open", str(planned), "-o", str(ledger_file),
        "--reference", "登记 2024-001", "--date", "2024-03-01",
    )  # fmt: skip
    assert code == EXIT_OK and "ledger written to" in out
    opened = QuotaLedger.from_json(ledger_file.read_text(encoding="utf-8"))
    accounts = list(opened.schedules)
    assert {"R01", "R03"} <= set(accounts)
    # the same file again would lose the history: refused, nothing written
    code, _, err = run(
        capsys, "ledger", "open", str(planned), "-o", str(ledger_file),
        "--reference", "x", "--date", "2024-03-02",
    )  # fmt: skip
    assert code == EXIT_INPUT and "would replace its history" in err
    for account in ("R01", "R03"):
        code, _, _ = run(
            capsys, "ledger", "milestone", str(ledger_file), account, "acceptance", "--passed",
            "--reference", "验收意见", "--date", "2024-09-15",
        )  # fmt: skip
        assert code == EXIT_OK
    # a failed check is recorded and releases nothing
    code, out, _ = run(
        capsys, "--json", "ledger", "milestone", str(ledger_file), "R01", "monitoring-1",
        "--failed", "--reference", "第1年监测不合格", "--date", "2025-09-20",
    )  # fmt: skip
    data = json.loads(out)
    assert code == EXIT_OK and data["added"][0]["kind"] == "withhold"
    assert Decimal(data["added"][0]["units"]) == 0

    # the assessment run against this ledger matches only released units; post books them
    released = _assessment(ledger_file)
    sale = tmp_path / "sale.json"
    sale.write_text(released.to_json(), encoding="utf-8")
    code, out, _ = run(
        capsys, "--json", "ledger", "post", str(ledger_file), str(sale),
        "--reference", "占用批复 P01", "--date", "2025-10-01",
    )  # fmt: skip
    data = json.loads(out)
    assert code == EXIT_OK and {row["kind"] for row in data["added"]} == {"debit"}
    after = QuotaLedger.from_json(ledger_file.read_text(encoding="utf-8"))
    assert after.hash == data["hash"] and data["ledger"] == str(ledger_file.resolve())
    matched = released.balance.ledger_accounts
    assert matched is not None
    for account in ("R01", "R03"):
        booked = Decimal(str(matched.loc[account, "available"])) - after.available(account)
        assert float(booked) == pytest.approx(matched.loc[account, "units_matched"], abs=1e-4)
    # posting the same assessment again is refused: the ledger has moved on
    code, _, err = run(
        capsys, "ledger", "post", str(ledger_file), str(sale),
        "--reference", "占用批复 P01", "--date", "2025-10-02",
    )  # fmt: skip
    assert code == EXIT_INPUT and "rerun balance" in err
    assert QuotaLedger.from_json(ledger_file.read_text(encoding="utf-8")) == after

    code, out, _ = run(capsys, "--json", "ledger", "show", str(ledger_file))
    shown = json.loads(out)
    assert code == EXIT_OK and shown["transactions"] == len(after.transactions)
    assert {row["account"] for row in shown["accounts"]} == set(accounts)


def test_ledger_errors_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = QuotaLedger().register(
        "R01", "10", schedule=[("acceptance", "1")], reference="登记", date="2024-01-01"
    )
    path = tmp_path / "ledger.json"
    path.write_text(ledger.to_json(), encoding="utf-8")
    # overdraft: nothing is released yet
    code, _, err = run(
        capsys, "ledger", "debit", str(path), "R01", "1", "--reference", "P01",
        "--date", "2024-02-01",
    )  # fmt: skip
    assert code == EXIT_INPUT and "available" in err
    assert QuotaLedger.from_json(path.read_text(encoding="utf-8")) == ledger
    # --output leaves the original file as it was
    other = tmp_path / "next.json"
    code, _, _ = run(
        capsys, "ledger", "milestone", str(path), "R01", "acceptance", "--passed",
        "--reference", "验收", "--date", "2024-06-01", "-o", str(other),
    )  # fmt: skip
    assert code == EXIT_OK
    assert QuotaLedger.from_json(path.read_text(encoding="utf-8")) == ledger
    assert QuotaLedger.from_json(other.read_text(encoding="utf-8")).available("R01") == 10
    # a hand-edited file (a debit of 4 rewritten as 40) is refused by name
    spent = (
        ledger.milestone("R01", "acceptance", passed=True, reference="验收", date="2024-06-01")
        .debit("R01", 4, reference="P01", date="2024-07-01")
        .to_json()
    )
    path.write_text(spent.replace('"4.0000"', '"40.0000"'), encoding="utf-8")
    code, _, err = run(capsys, "ledger", "show", str(path))
    assert code == EXIT_INPUT and "transaction 2" in err and "debit" in err
    # a missing file, a bad date and a missing outcome
    code, _, err = run(capsys, "ledger", "show", str(tmp_path / "missing.json"))
    assert code == EXIT_INPUT and "file not found" in err
    code, _, _ = run(
        capsys, "ledger", "debit", str(path), "R01", "1", "--reference", "x", "--date", "2024-13-01"
    )
    assert code == EXIT_USAGE
    code, _, _ = run(
        capsys, "ledger", "milestone", str(path), "R01", "acceptance", "--reference", "x",
        "--date", "2024-06-01",
    )  # fmt: skip
    assert code == EXIT_USAGE


def test_concurrent_debits_never_lose_a_transaction(tmp_path: Path) -> None:
    # issue 17: four `wetval ledger debit` processes at once used to lose a debit (one fixed
    # temporary name, no lock). Writers now lock the file and re-read it under the lock.
    import subprocess
    import sys

    ledger = (
        QuotaLedger()
        .register("R01", "100", schedule=[("acceptance", "1")], reference="批复", date="2024-01-10")
        .milestone("R01", "acceptance", passed=True, reference="验收", date="2024-06-01")
    )
    ledger_file = tmp_path / "ledger.json"
    ledger_file.write_text(ledger.to_json(indent=1), encoding="utf-8")
    writers = 4
    command = [sys.executable, "-m", "wetval", "ledger", "debit", str(ledger_file), "R01", "1"]
    processes = [
        subprocess.Popen(
            [*command, "--reference", f"占用 {n}", "--date", "2024-07-01"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(writers)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [EXIT_OK] * writers, errors
    final = QuotaLedger.from_json(ledger_file.read_text(encoding="utf-8"))
    references = {t.reference for t in final.transactions if t.kind == "debit"}
    assert references == {f"占用 {n}" for n in range(writers)}
    assert final.available("R01") == Decimal(100 - writers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.json"]  # no temporary left
