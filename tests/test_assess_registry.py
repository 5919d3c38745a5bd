"""``assess`` with ``data.registry`` and ``wetval registry trade --from-assessment`` (issue 15).

A SYNTHETIC registry is built from the demo's restoration projects: a ledger opened
from the demo's credits (``QuotaLedger.from_credits``), some milestones passed, then
imported into the registry (``Registry.import_ledger``). The registry must price exactly
what the equivalent ledger file prices (the same matching code reads both), with
pledged units locked as if they were debited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_helpers import registry_url
from test_report_build import _review_of
from wetval.assess import Assessment, assess
from wetval.cli import main
from wetval.datasets import sample_project
from wetval.quota import QuotaLedger
from wetval.registry import Registry
from wetval.spec import AssessmentSpec, SpecError, load_spec

__all__ = ["registry_url"]

#: The demo's restoration project its sale draws on most (see the ledger fixture).
BUSY = "R01"
QUICK = {"monte_carlo_draws": 0, "sensitivity": False, "finance": False}


def _spec(**data: object) -> AssessmentSpec:
    spec = sample_project()
    return spec.model_copy(
        update={
            "data": spec.data.model_copy(update=data),
            "options": spec.options.model_copy(update=QUICK),
        }
    )


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess(_spec())


@pytest.fixture(scope="module")
def ledger(demo: Assessment) -> QuotaLedger:
    """The demo's restoration projects past acceptance; R01 (which the demo's sale draws on
    most) debited down to 5 available units, fewer than the demo takes from it."""
    opened = QuotaLedger.from_credits(
        demo.accounts.credits, reference="登记 (SYNTHETIC)", date="2024-03-01"
    )
    for account in opened.schedules:
        opened = opened.milestone(
            account, "acceptance", passed=True, reference="验收 (SYNTHETIC)", date="2024-05-01"
        )
    assert _taken(demo)[BUSY] > 5
    return opened.debit(
        BUSY, opened.available(BUSY) - 5, reference="permit (SYNTHETIC)", date="2024-05-02"
    )


def _taken(result: Assessment) -> dict[str, float]:
    """Credit units the sale takes per restoration project."""
    units = result.balance.matches.groupby("credit_project")["credit_units"].sum()
    return {str(p): float(u) for p, u in units.items()}


def _registry(url: str, ledger: QuotaLedger) -> Registry:
    registry = Registry.create(url, user="tester", unit_decimals=ledger.unit_decimals)
    registry.import_ledger(ledger, townships=dict.fromkeys(ledger.schedules, "民和镇"))
    return registry


def _numbers(result: Assessment) -> dict[str, object]:
    """The figures the availability changes: matches, sale, price, funds."""
    return {
        "matches": result.balance.matches.round(10).to_dict(orient="list"),
        "sale": result.sale.round(10).to_dict(orient="list"),
        "projects": result.balance.projects.round(10).to_dict(orient="list"),
        "price": result.price.to_frame().round(6).to_dict(orient="list"),
        "funds": None if result.funds is None else result.funds.to_frame().to_dict(),
    }


def test_the_registry_prices_exactly_what_its_ledger_file_prices(
    registry_url: str, ledger: QuotaLedger, demo: Assessment, tmp_path: Path
) -> None:
    with _registry(registry_url, ledger) as registry:
        _, head = registry.head()
        exported = registry.export_ledger()
    path = tmp_path / "ledger.json"
    path.write_text(exported.to_json(), encoding="utf-8")
    by_registry = assess(_spec(registry=registry_url))
    by_ledger = assess(_spec(ledger=str(path)))
    assert _numbers(by_registry) == _numbers(by_ledger)
    # the availability binds: R01 gives at most its 5 available units (the same share of
    # each of its parcels), the rest comes from other projects
    taken = _taken(by_registry)
    assert 0 < taken[BUSY] <= 5 < _taken(demo)[BUSY]
    assert set(taken) - {BUSY}
    for project, units in taken.items():
        assert units <= float(ledger.available(project)) + 1e-9
    assert by_registry.balance.balanced
    assert by_registry.provenance.inputs["registry"] == head
    assert "ledger" not in by_registry.provenance.inputs
    assert by_registry.balance.provenance.inputs["ledger"] == head
    accounts = by_registry.balance.ledger_accounts
    assert accounts is not None and (accounts["pledged"] == 0).all()


def test_pledged_units_are_not_available(
    registry_url: str, ledger: QuotaLedger, tmp_path: Path
) -> None:
    project = BUSY
    pledged = ledger.available(project)  # all 5 units
    with _registry(registry_url, ledger) as registry:
        registry.pledge(project, pledged, bank="农商行", loan="1000", start="2024-06-01",
                        end="2025-06-01")  # fmt: skip
    result = assess(_spec(registry=registry_url))
    assert project not in set(result.balance.matches["credit_project"])
    accounts = result.balance.ledger_accounts
    assert accounts is not None
    assert accounts.loc[project, "pledged"] == pytest.approx(float(pledged))
    assert accounts.loc[project, "available"] == 0
    # a pledge locks the units as a debit would: the same assessment as a ledger that
    # debited them
    debited = ledger.debit(project, pledged, reference="permit", date="2024-06-01")
    assert _numbers(result) == _numbers(assess(_spec(ledger=debited)))


def _project_file(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "project.toml"
    path.write_text(
        '[project]\nname = "t (SYNTHETIC)"\napplicant = "a"\nassessor = "b"\n'
        'occupation_project = "P01"\ndate = 2024-12-31\n\n'
        f'[data]\nparcels = "sample"\nindicators = "sample"\n{data}\n\n'
        "[options]\nmonte_carlo_draws = 0\nsensitivity = false\nfinance = false\n",
        encoding="utf-8",
    )
    return path


def test_ledger_and_registry_together_are_one_error(tmp_path: Path, ledger: QuotaLedger) -> None:
    path = _project_file(tmp_path, 'ledger = "ledger.json"\nregistry = "sqlite:///r.db"')
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert "data.ledger" in message and "data.registry" in message
    assert message.count("\n- ") == 1  # one problem listed
    with pytest.raises(SpecError, match=r"data\.ledger and data\.registry"):
        assess(_spec(ledger=ledger, registry="sqlite:///r.db"))


def test_a_relative_registry_is_taken_from_the_project_folder(
    tmp_path: Path, ledger: QuotaLedger, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    _registry(f"sqlite:///{folder / 'jinxian.db'}", ledger).close()
    path = _project_file(folder, 'registry = "sqlite:///jinxian.db"')
    result = assess(path)
    assert "registry" in result.provenance.inputs
    assert main(["validate", str(path)]) == 0
    # a wrong URL: one error naming data.registry (assess and validate alike)
    wrong = _project_file(folder, 'registry = "sqlite:///missing.db"')
    with pytest.raises(SpecError, match=r"^data\.registry = 'sqlite:///missing.db': no registry"):
        assess(wrong)
    capsys.readouterr()
    assert main(["validate", str(wrong)]) == 1
    err = capsys.readouterr().err
    assert "data.registry" in err and "missing.db" in err and "Traceback" not in err
    # a file that is not a registry, and text that is no URL
    (folder / "notes.db").write_text("not a database", encoding="utf-8")
    for url, reason in (("sqlite:///notes.db", "not a wetval registry"), ("jinxian", "URL")):
        bad = _project_file(folder, f'registry = "{url}"')
        with pytest.raises(SpecError, match=rf"data\.registry = '{url}'.*{reason}"):
            assess(bad)


def test_a_password_in_the_registry_url_stays_out_of_the_assessment() -> None:
    spec = _spec(registry="postgresql+psycopg://centre:s3cret@db.example/jinxian")
    assert (
        spec.describe()["data"]["registry"] == "postgresql+psycopg://centre:***@db.example/jinxian"
    )


# ------------------------------------------------------------------ trade --from-assessment
def _trade(url: str, assessment: Path, *extra: str) -> list[str]:
    return [
        "registry", "trade", url, "--from-assessment", str(assessment), "--contract",
        "JX-T-2025-001", "--approval", "赣自然资审批 (SYNTHETIC) 3 号", "--date", "2025-01-15",
        "--user", "tester", *extra,
    ]  # fmt: skip


def test_trade_records_the_sale_an_assessment_proposes(
    registry_url: str, ledger: QuotaLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _registry(registry_url, ledger).close()
    result = assess(_spec(registry=registry_url))
    path = tmp_path / "assessment.json"
    path.write_text(result.to_json(), encoding="utf-8")
    loaded = Assessment.from_json(path.read_text(encoding="utf-8"))
    assert main(_trade(registry_url, path)) == 0, capsys.readouterr().err
    sale = result.sale_by_project()
    # the sale amount to the fen: the sum of the sale rows, each rounded to the fen by assess
    amount_fen = round(sum(round(float(a) * 100) for a in result.sale["amount"]))
    with Registry(registry_url) as registry:
        trades = registry.trades()
        funds = registry.fund_accounts()
        projects = registry.projects()
    assert set(trades["assessment_hash"]) == {loaded.hash}
    assert set(trades["occupation_project"]) == {"P01"}
    assert set(trades["project_id"]) == set(sale.index)
    assert int(funds["fen"].sum()) == amount_fen
    assert result.funds is not None and result.funds.amount_fen == amount_fen
    # each project is debited what posting the same balance to the equivalent ledger file
    # debits (QuotaLedger.post: the credit units taken, rounded up once per account)
    same = assess(_spec(ledger=ledger))
    posted = ledger.post(same.balance, reference="post", date="2025-01-15").accounts()
    before = ledger.accounts()
    for project in sale.index:
        part = trades.loc[trades["project_id"] == project, "units"].iloc[0]
        assert part == posted.loc[project, "debited"] - before.loc[project, "debited"] > 0
        assert projects.loc[project, "debited"] == posted.loc[project, "debited"]
    # the same contract again is refused, nothing more written
    assert main(_trade(registry_url, path)) == 1
    assert "already recorded" in capsys.readouterr().err


def test_trade_refuses_units_beyond_what_the_registry_shows_available(
    registry_url: str, ledger: QuotaLedger, demo: Assessment, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # the demo priced potential units (no ledger): it proposes more than is released
    _registry(registry_url, ledger).close()
    path = tmp_path / "assessment.json"
    path.write_text(demo.to_json(), encoding="utf-8")
    capsys.readouterr()
    assert main(_trade(registry_url, path)) == 1
    err = capsys.readouterr().err
    over = [
        str(p)
        for p, u in demo.sale_by_project()["credit_units"].items()
        if u > float(ledger.available(str(p))) + 1e-9
    ]
    assert over, "the demo's sale exceeds the released units of some project"
    assert "more units than the registry shows available" in err
    for project in over:
        assert f"- {project}: " in err
    assert "Traceback" not in err
    with Registry(registry_url) as registry:
        assert registry.trades().empty
        assert registry.fund_accounts().empty


def test_trade_options_without_an_assessment_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Registry.create(url).close()
    code = main(["registry", "trade", url, "--contract", "C", "--approval", "A", "--date",
                 "2025-01-15"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "--units is required" in err and "--price is required" in err


def test_trade_carries_the_review_record_hash(
    ledger: QuotaLedger, demo: Assessment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    _registry(url, ledger).close()
    result = assess(_spec(registry=url))
    path = tmp_path / "assessment.json"
    path.write_text(result.to_json(), encoding="utf-8")
    # a record of another assessment is refused, nothing written
    other = tmp_path / "other-review.json"
    other.write_text(_review_of(demo).to_json(), encoding="utf-8")
    assert main(_trade(url, path, "--review", str(other))) == 1
    assert "not " + result.hash[:12] in capsys.readouterr().err
    record = _review_of(result)
    review = tmp_path / "review.json"
    review.write_text(record.to_json(), encoding="utf-8")
    assert main(_trade(url, path, "--review", str(review), "--json")) == 0
    with Registry(url) as registry:
        trades = registry.trades()
    assert set(trades["review_hash"]) == {record.content_hash}
    assert set(trades["assessment_hash"]) == {result.hash}


def test_the_report_shows_the_registry_balances(ledger: QuotaLedger, tmp_path: Path) -> None:
    from wetval.report.build import build_document
    from wetval.report.markdown import render_markdown
    from wetval.strings import tr

    url = f"sqlite:///{tmp_path / 'r.db'}"
    with _registry(url, ledger) as registry:
        registry.pledge(BUSY, "2", bank="农商行", loan="1000", start="2024-06-01",
                        end="2025-06-01")  # fmt: skip
        _, head = registry.head()
    result = assess(_spec(registry=url))
    for lang in ("en", "zh"):
        document = build_document(result, lang)
        table = next(t for t in document.tables() if t.sheet == "ledger")
        assert len(table.frame) == len(ledger.schedules)
        row = table.frame.set_index(table.frame.columns[0]).loc[BUSY]
        assert float(row[tr("pledged", lang)]) == 2
        text = render_markdown(document)
        assert tr("ledger_text_registry", lang, ledger=head[:12]) in text
