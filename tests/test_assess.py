"""The assessment: orchestration, consistency of the chain, spec errors, JSON round trip."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wetval.assess import Assessment, AssessmentSpec, SpecError, assess, check_spec, load_spec
from wetval.cards import Card, load_card
from wetval.datasets import sample_county, sample_project
from wetval.errors import ValidationError
from wetval.messages import Message
from wetval.report.build import build_document
from wetval.report.markdown import render_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_step_is_kept_and_consistent(sample_assessment: Assessment) -> None:
    a = sample_assessment
    assert a.synthetic
    assert set(a.services) == {"xie2015", "gep-garze2010"}
    assert all(s.price_year == 2024 for s in a.services.values())
    # the price is the reconciled total over the credit pool's quota units
    assert a.price.per_unit == pytest.approx(a.price.total / a.price.units)
    credits = a.accounts.credits.to_frame()
    assert a.price.units == pytest.approx(credits["units"].sum())
    # the proposed sale: matched credits' shares of their recommended prices
    table = a.price.to_frame()
    expected = (
        table["recommended"].reindex(a.sale["credit_parcel"]).to_numpy()
        * a.sale["credit_share"].to_numpy()
    )
    np.testing.assert_allclose(a.sale["amount"], np.round(expected, 2))
    assert a.funds is not None
    assert a.funds.amount_fen == round(Decimal(str(a.sale["amount"].sum())) * 100)
    parts = a.funds.township_fen + a.funds.centre_fen + a.funds.restoration_fen
    assert parts + a.funds.county_finance_fen == a.funds.amount_fen
    # every occupation parcel of P01 is in the balance, and the verdict is shown
    occupied = a.project_parcels[a.project_parcels["role"].astype(object) == "occupation"]
    assert set(occupied["project_id"].astype(object)) == {"P01"}
    assert a.balance.projects.loc["P01", "balanced"] == a.headline()["balanced"]
    # restoration parcels without a condition score are left out, and said so
    assert set(a.excluded.index) <= set(a.condition.to_frame().query("index != index").index)
    (note,) = [
        w for w in a.warnings if isinstance(w, Message) and w.key == "w_unscored_restoration"
    ]
    assert note.mapping()["parcels"] == len(a.excluded)


def test_finance_pledges_and_insures_the_priced_pool(sample_assessment: Assessment) -> None:
    a = sample_assessment
    assert a.finance is not None and a.uncertainty is not None
    # the whole priced pool, split by the credits' risk classes, valued at the run's prices
    assert int(a.finance.table["parcels"].sum()) == len(a.price.table)
    assert float(a.finance.appraised_value) == pytest.approx(a.price.total, abs=0.01)
    replacement = sum(p.replacement_cost for p in a.finance.premiums.values())
    assert float(replacement) == pytest.approx(float(a.price.totals["cost"]), abs=0.05)
    # the price haircut comes from the assessment's own Monte Carlo draws
    pledge = next(iter(a.finance.pledges.values()))
    assert pledge.price_haircut_source == "draws" and pledge.n_draws == a.uncertainty.n_draws
    assert a.headline()["loan_capacity"] == float(a.finance.loan_capacity)
    assert "finance-quota" in {ref.id for ref in a.provenance.cards}


def test_finance_can_be_left_out() -> None:
    spec = sample_project()
    options = spec.options.model_copy(
        update={"monte_carlo_draws": 0, "sensitivity": False, "finance": False}
    )
    result = assess(spec.model_copy(update={"options": options}))
    assert result.finance is None and "loan_capacity" not in result.headline()
    assert "finance-quota" not in {ref.id for ref in result.provenance.cards}


def test_project_discount_settings_replace_the_pricing_card_values() -> None:
    spec = sample_project()
    quick = {"monte_carlo_draws": 50, "sensitivity": False, "finance": False}
    base = assess(spec.model_copy(update={"options": spec.options.model_copy(update=quick)}))
    options = spec.options.model_copy(update={**quick, "discount_rate": 0.04, "om_years": 30})
    result = assess(spec.model_copy(update={"options": options}))
    # the value approach capitalises the annual service value as a perpetuity, V / r
    assert result.price.totals["value"] == pytest.approx(2 * base.price.totals["value"])
    assert result.price.totals["om_pv"] > base.price.totals["om_pv"]  # 30 years at 4 %
    assert (result.provenance.options["discount_rate"], result.provenance.options["om_years"]) == (
        0.04,
        30,
    )
    # the run priced with a project copy of the card (its own hash), the rate held fixed
    pricing = next(r for r in result.provenance.cards if r.id == "pricing-jinxian")
    assert pricing.hash != load_card("pricing-jinxian").hash
    assert result.uncertainty is not None
    assert "pricing-jinxian.discount_rate" not in result.uncertainty.parameter_draws.columns


def test_the_project_chooses_the_monte_carlo_percentiles() -> None:
    spec = sample_project()
    options = spec.options.model_copy(
        update={"monte_carlo_draws": 100, "sensitivity": False, "percentiles": (2.5, 50, 97.5)}
    )
    result = assess(spec.model_copy(update={"options": options}))
    assert result.uncertainty is not None
    assert {"P2.5", "P50", "P97.5"} <= set(result.uncertainty.to_frame().columns)
    printed = next(t for t in build_document(result, "en").tables() if t.sheet == "monte_carlo")
    assert {"P2.5", "P97.5"} <= set(printed.printed().columns)


def test_the_project_can_propagate_indicator_measurement_error() -> None:
    spec = sample_project()
    error = {"vegetation_cover": 8.0, "water_quality_class": 0.8}
    options = spec.options.model_copy(
        update={"monte_carlo_draws": 200, "sensitivity": False, "indicator_error": error}
    )
    result = assess(spec.model_copy(update={"options": options}))
    assert result.uncertainty is not None
    (note,) = [
        n for n in result.uncertainty.notes if getattr(n, "key", None) == "n_mc_indicator_error"
    ]
    assert "vegetation_cover 8、water_quality_class 0.8" in note.text("zh")
    assert "Indicator measurement error (sd) vegetation_cover 8, water_quality_class 0.8" in str(
        note
    )
    # grade probabilities of the re-scored parcels are kept with the result
    probabilities = result.uncertainty.grade_probabilities
    assert probabilities is not None and len(probabilities) == len(result.condition.parcels)


def test_a_ledger_file_limits_the_sale_to_released_units(
    sample_assessment: Assessment, tmp_path: Path
) -> None:
    from wetval.quota import QuotaLedger

    credits = sample_assessment.accounts.credits
    ledger = QuotaLedger.from_credits(credits, reference="登记 2024-001", date="2024-03-01")
    accounts = list(ledger.schedules)
    # only the first restoration project has passed its acceptance (60 % released)
    ledger = ledger.milestone(
        accounts[0], "acceptance", passed=True, reference="验收意见", date="2024-09-15"
    )
    path = tmp_path / "ledger.json"
    path.write_text(ledger.to_json(), encoding="utf-8")
    spec = sample_project()
    quick = {"monte_carlo_draws": 0, "sensitivity": False, "finance": False}
    data = spec.data.model_copy(update={"ledger": str(path)})
    result = assess(
        spec.model_copy(update={"data": data, "options": spec.options.model_copy(update=quick)})
    )
    report = result.balance
    assert report.ledger_accounts is not None
    assert report.provenance.inputs["ledger"] == ledger.hash == result.provenance.inputs["ledger"]
    # nothing is matched from a project that released nothing
    used = report.matches.groupby("credit_project")["credit_units"].sum()
    assert set(used.index) <= {accounts[0]}
    assert used.sum() <= float(ledger.available(accounts[0])) + 1e-9
    for lang, word in (("zh", "指标台账"), ("en", "quota ledger")):
        document = build_document(result, lang)  # type: ignore[arg-type]
        assert any(t.sheet == "ledger" for t in document.tables())
        assert word in render_markdown(document)


def test_every_project_file_key_is_documented() -> None:
    page = (DOCS / "assessment.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", page, flags=re.MULTILINE))
    sections = {
        name: field.annotation
        for name, field in AssessmentSpec.model_fields.items()
        if name != "base_dir"
    }
    keys = {
        f"{section}.{key}"
        for section, model in sections.items()
        for key in model.model_fields  # type: ignore[union-attr]
    }
    assert len(keys) > 30 and documented == keys


def test_provenance_and_hash(sample_assessment: Assessment) -> None:
    a = sample_assessment
    cards = {ref.id for ref in a.provenance.cards}
    assert {"jiangxi-db36-2134", "xie2015", "quota-jinxian", "pricing-jinxian"} <= cards
    assert a.provenance.seed == sample_project().options.seed
    assert {"parcels", "indicators"} <= set(a.provenance.inputs)
    assert len(a.hash) == 64 and a.report_id == a.hash[:16]
    # timings do not change the report id
    assert dataclasses.replace(a, timings={"x": 1.0}).hash == a.hash


def test_json_round_trip_is_exact(sample_assessment: Assessment) -> None:
    text = sample_assessment.to_json()
    again = Assessment.from_json(text)
    assert again.to_json() == text
    assert again.hash == sample_assessment.hash
    assert again.summary() == sample_assessment.summary()


def test_the_same_spec_gives_the_same_assessment(sample_assessment: Assessment) -> None:
    spec = sample_project()
    options = spec.options.model_copy(update={"monte_carlo_draws": 200})
    again = assess(spec.model_copy(update={"options": options}))
    assert again.hash == sample_assessment.hash


def test_example_project_file_loads_and_checks() -> None:
    spec = load_spec(DOCS / "example-project.toml")
    assert spec.project.restoration_projects == ("R01", "R02", "R03")
    assert spec.resolve(str(spec.data.parcels)).is_file()
    inventory = check_spec(spec)
    assert inventory.synthetic  # read back from files, still labelled SYNTHETIC


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "project.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[project]
name = "t"
applicant = "a"
assessor = "b"
occupation_project = "P01"
date = 2024-12-31
[data]
parcels = "sample"
indicators = "sample"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\n", "not valid TOML"),
        (GOOD.replace('assessor = "b"\n', ""), "project.assessor: Field required"),
        (GOOD + "\n[options]\ndraws = 5\n", "options.draws: unknown key; valid keys: price_year"),
        (GOOD + '\n[cards]\nquota = "no-such-card"\n', "cards.quota = 'no-such-card'"),
        (GOOD + '\n[cards]\nvalue_approach = "degroot2012"\n', "must be one of cards.valuation"),
        (GOOD.replace('"P01"', '"P99"'), "occupation projects in the data: ['P01', 'P02'"),
    ],
)
def test_spec_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("(", r"\(")):
        assess(load_spec(path))


def test_check_spec_selects_the_project_as_assess_does(tmp_path: Path) -> None:
    # check_spec had its own copy of the selection checks, with a terser message
    path = _write(tmp_path, GOOD.replace('"P01"', '"P99"'))
    with pytest.raises(SpecError, match=r"occupation projects in the data: \['P01', 'P02'"):
        check_spec(path)


def test_missing_data_file_is_a_validation_error(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('parcels = "sample"', 'parcels = "dltb.csv"'))
    with pytest.raises(ValidationError, match="file not found"):
        assess(load_spec(path))
    with pytest.raises(SpecError, match="project file not found"):
        load_spec(tmp_path / "nope.toml")


def test_unscored_occupation_policy() -> None:
    spec = sample_project()
    county = sample_county()
    parcels = county.parcels.to_frame()
    occupied = parcels[
        (parcels["role"].astype(object) == "occupation")
        & (parcels["project_id"].astype(object) == "P01")
    ]
    kept = county.indicators.to_frame().drop(index=occupied.index[:1])
    options = spec.options.model_copy(
        update={"unscored_occupation": "error", "monte_carlo_draws": 0}
    )
    data = spec.data.model_copy(update={"indicators": kept})
    with pytest.raises(ValidationError, match="occupied parcel has no condition score"):
        assess(spec.model_copy(update={"options": options, "data": data}))
    relaxed = options.model_copy(update={"unscored_occupation": "best-grade"})
    result = assess(spec.model_copy(update={"options": relaxed, "data": data}))
    assert any("best grade" in str(w) for w in result.warnings)


def test_hash_does_not_depend_on_where_the_project_file_lies(tmp_path: Path) -> None:
    spec = load_spec(DOCS / "example-project.toml")
    options = spec.options.model_copy(update={"monte_carlo_draws": 20, "sensitivity": False})
    here = spec.model_copy(update={"options": options})
    elsewhere_dir = tmp_path / "copy"
    import shutil

    shutil.copytree(DOCS / "examples", elsewhere_dir / "examples")
    elsewhere = here.model_copy(update={"base_dir": str(elsewhere_dir)})
    assert assess(here).hash == assess(elsewhere).hash


def _card_file(tmp_path: Path, card_id: str, edit: Callable[[dict[str, Any]], None]) -> str:
    """A project's own copy of an installed card, edited, written as TOML."""
    data = load_card(card_id).model_dump()
    edit(data)
    path = tmp_path / f"{card_id}-project.toml"
    path.write_text(Card.from_mapping(data).to_toml(), encoding="utf-8")
    return str(path)


def test_a_project_card_given_by_path_reaches_the_uncertainty_step(tmp_path: Path) -> None:
    def cheaper_works(data: dict[str, Any]) -> None:
        data["parameters"]["restoration_cost_per_mu"]["value"] = 30_000.0

    spec = sample_project()
    cards = spec.cards.model_copy(
        update={"pricing": _card_file(tmp_path, "pricing-jinxian", cheaper_works)}
    )
    options = spec.options.model_copy(update={"monte_carlo_draws": 20})
    result = assess(spec.model_copy(update={"cards": cards, "options": options}))
    # the chain is built from the project's card, not the installed one of the same id
    assert result.uncertainty is not None and result.sensitivity is not None
    deterministic = result.uncertainty.summary_table.loc["total_price", "deterministic"]
    assert deterministic == pytest.approx(result.price.total)


def test_no_sensitivity_when_no_uncertain_parameter_enters_the_chain(tmp_path: Path) -> None:
    def only_an_anchor_is_uncertain(data: dict[str, Any]) -> None:
        for parameter in data["parameters"].values():
            parameter["distribution"] = None
        data["parameters"]["jiangxi_trade_anchor"]["distribution"] = {
            "kind": "uniform", "low": 80_000.0, "high": 100_000.0,
        }  # fmt: skip

    spec = sample_project()
    cards = spec.cards.model_copy(
        update={
            "pricing": _card_file(tmp_path, "pricing-jinxian", only_an_anchor_is_uncertain),
            "valuation": ("gep-garze2010",),
            "value_approach": "gep-garze2010",
        }
    )
    options = spec.options.model_copy(update={"monte_carlo_draws": 0})
    result = assess(spec.model_copy(update={"cards": cards, "options": options}))
    # the anchor has a distribution but enters no price: nothing to swing, no tornado
    assert result.sensitivity is None
