"""Typed card bodies of the quota, valuation and screening methods (issue 13 item 2, issue 17).

For each newly declared kind: the shipped card loads with its body; a
misspelt option key is refused naming the key and the valid keys; a parameter
(or, for cards without parameters, an option or table cell) outside its range
is refused naming the key and the range; a wrong-typed option is refused.
The ranges come from the method code and the publications cited in the body
modules (``wetval.quota.body``, ``wetval.valuation.body``, ``wetval.screening``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wetval.cards import Card, load_card
from wetval.errors import CardError
from wetval.quota.body import HeaBody, JinxianQuotaBody, QuotaFinanceBody, UkMetricBody, UmamBody
from wetval.review.body import ReviewBody
from wetval.screening import ReserveCensusBody
from wetval.valuation.body import (
    CrosswalkBody,
    GepReplacementCostBody,
    IncomeElasticityBody,
    SeriesBody,
    TransferErrorBody,
    UnitValueTableBody,
    UnitValueTransferBody,
    ValueFunctionTransferBody,
    XieEquivalentBody,
)

SHIPPED = {
    "quota-jinxian": JinxianQuotaBody,
    "umam-fac-62-345": UmamBody,
    "uk-statutory-metric-2024": UkMetricBody,
    "hea-noaa": HeaBody,
    "finance-quota": QuotaFinanceBody,
    "xie2015": XieEquivalentBody,
    "costanza2014": UnitValueTableBody,
    "degroot2012": UnitValueTableBody,
    "transfer-global-wetland-syntheses": UnitValueTransferBody,
    "brander2013": ValueFunctionTransferBody,
    "gep-garze2010": GepReplacementCostBody,
    "jiangxi-reserve-census": ReserveCensusBody,
    "crosswalk-sandiao-xie2015": CrosswalkBody,
    "crosswalk-yongdi-xie2015": CrosswalkBody,
    "cn-cpi": SeriesBody,
    "cn-gdp-deflator": SeriesBody,
    "us-cpi-u": SeriesBody,
    "cn-ppp-gdp": SeriesBody,
    "cn-usd-market-rate": SeriesBody,
    "income-elasticity-btransfer": IncomeElasticityBody,
    "transfer-errors": TransferErrorBody,
    "review-jinxian": ReviewBody,
}


def _problems(card_id: str, change: dict[str, Any]) -> dict[str, str]:
    """The body problems of the shipped card with ``change`` applied (dotted path → value)."""
    data = load_card(card_id).model_dump(mode="python")
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        here = data
        for part in parents:
            here = here.setdefault(part, {})
        if value is _DELETE:
            del here[last]
        else:
            here[last] = value
    with pytest.raises(CardError) as caught:
        Card.from_mapping(data)
    return dict(caught.value.key_problems)


_DELETE = object()


@pytest.mark.parametrize(("card_id", "body"), SHIPPED.items())
def test_shipped_card_loads_with_its_body_and_keeps_its_hash(card_id: str, body: type) -> None:
    card = load_card(card_id)
    assert isinstance(card.body, body)
    assert body.of(card) is card.body
    # the body validates, it does not rewrite: the hash is that of the card as written
    assert Card.from_toml(card.to_toml()).hash == card.hash


# card, misspelt key (replacing a real one), a valid key that must be listed
MISSPELT = [
    ("quota-jinxian", "allow_cross_county", "allow_cross_countie", "quality_preference"),
    ("umam-fac-62-345", "score_dp", "score_db", "year_rounding"),
    ("uk-statutory-metric-2024", "net_gain_target", "net_gain", "significant_figures"),
    ("hea-noaa", "convention", "conventon", "base_year"),
    ("xie2015", "D_basis", "D_bases", "adjustment_factors"),
    ("costanza2014", "ecosystems", "ecosystem", "ecosystem_map"),
    ("transfer-global-wetland-syntheses", "combine", "combin", "ecosystems"),
    ("brander2013", "inputs", "input", "conformance_inputs"),
    ("gep-garze2010", "nep_ratio", "nep_ration", "carbon_price_basis"),
    ("jiangxi-reserve-census", "database_roles", "database_role", "verification_column"),
    ("crosswalk-yongdi-xie2015", "default_ecosystem", "default_ecosytem", "scheme"),
    ("cn-cpi", "form", "from", "base"),
    ("review-jinxian", "consensus", "concensus", "exclude_same_township"),
]


@pytest.mark.parametrize(("card_id", "real", "typo", "listed"), MISSPELT)
def test_misspelt_option_is_refused_naming_it_and_the_valid_keys(
    card_id: str, real: str, typo: str, listed: str
) -> None:
    options = dict(load_card(card_id).options)
    options[typo] = options.pop(real)
    problems = _problems(card_id, {"options": options})
    assert problems[f"options.{typo}"].startswith("unknown key; valid keys: ")
    assert listed in problems[f"options.{typo}"] and real in problems[f"options.{typo}"]


def test_misspelt_nested_option_names_the_dotted_key() -> None:
    options = dict(load_card("costanza2014").options)
    options["conversion"] = {**options["conversion"], "ratee": "ppp"}
    problem = _problems("costanza2014", {"options": options})["options.conversion.ratee"]
    assert "valid keys: rate, order, indices, rates, target_price_year" in problem


def test_option_of_a_card_without_options_is_refused() -> None:
    problems = _problems("finance-quota", {"options.ltv": 0.5})
    assert problems["options.ltv"] == "unknown key; valid keys: (none)"


def test_parameter_a_card_does_not_declare_is_refused() -> None:
    problems = _problems(
        "costanza2014", {"parameters.D": {"value": 1.0, "unit": "1", "verified": False}}
    )
    assert problems["parameters.D"].startswith("unknown key")


# card, dotted key, value, the range (or rule) the message states
OUT_OF_RANGE = [
    ("umam-fac-62-345", "parameters.paf_step.value", 1.5, "must be > 0 and <= 1"),
    ("umam-fac-62-345", "parameters.risk_min.value", 0.5, "must be >= 1"),
    ("hea-noaa", "parameters.discount_rate.value", -1.5, "must be > -1 and < 1"),
    ("finance-quota", "parameters.base_ltv.value", 1.5, "must be > 0 and <= 1"),
    ("finance-quota", "parameters.loading.value", -0.1, "must be >= 0"),
    ("xie2015", "parameters.D.value", -3406.5, "must be > 0"),
    ("transfer-global-wetland-syntheses", "parameters.elasticity.value", -0.6, "must be >= 0"),
    ("gep-garze2010", "parameters.latent_heat.value", 0.0, "must be > 0"),
    ("gep-garze2010", "parameters.price_cod.value", -700.0, "must be > 0"),
    ("jiangxi-reserve-census", "parameters.min_standing_water_months.value", 13, "<= 12"),
    ("jiangxi-reserve-census", "parameters.min_area_m2.value", -1.0, "must be >= 0"),
    ("review-jinxian", "parameters.panel_size.value", 3, "must be >= 5"),
    ("review-jinxian", "parameters.concordance_alpha.value", 1.0, "must be > 0 and < 1"),
    ("review-jinxian", "parameters.flag_on_time_share.value", 1.2, "must be >= 0 and <= 1"),
    ("review-jinxian", "parameters.approve_share.value", "3/2", "must be > 0 and <= 1"),
]


@pytest.mark.parametrize(("card_id", "dotted", "value", "described"), OUT_OF_RANGE)
def test_parameter_out_of_range_is_refused_naming_key_and_range(
    card_id: str, dotted: str, value: float, described: str
) -> None:
    key = dotted.removesuffix(".value")
    problem = _problems(card_id, {dotted: value})[key]
    assert f"value {value!r} is out of range" in problem and described in problem


@pytest.mark.parametrize(
    ("card_id", "parameter", "distribution"),
    [
        ("xie2015", "D", {"kind": "triangular", "low": -1.0, "mode": 3406.5, "high": 3406.5}),
        ("hea-noaa", "discount_rate", {"kind": "normal", "mean": 0.03, "sd": 0.01}),
        (
            "transfer-global-wetland-syntheses",
            "elasticity",
            {"kind": "uniform", "low": -0.2, "high": 1.2},
        ),
    ],
)
def test_distribution_reaching_outside_the_range_is_refused(
    card_id: str, parameter: str, distribution: dict[str, Any]
) -> None:
    problems = _problems(card_id, {f"parameters.{parameter}.distribution": distribution})
    assert "outside the valid range" in problems[f"parameters.{parameter}"]


# cards without parameters: the range of an option or a table cell
@pytest.mark.parametrize(
    ("card_id", "dotted", "value", "key", "described"),
    [
        ("quota-jinxian", "options.default_years_to_target", -1.0, None, "greater than or equal"),
        ("quota-jinxian", "options.unit_decimals", -2, None, "greater than or equal to 0"),
        ("uk-statutory-metric-2024", "options.net_gain_target", -0.1, None, "greater than or"),
        ("gep-garze2010", "options.nep_ratio", 1.5, None, "less than or equal to 1"),
    ],
)
def test_option_out_of_range_is_refused(
    card_id: str, dotted: str, value: Any, key: str | None, described: str
) -> None:
    assert described in _problems(card_id, {dotted: value})[key or dotted]


def _with_cell(card_id: str, table: str, row: int, column: str, value: Any) -> dict[str, str]:
    card = load_card(card_id)
    written = card.tables[table]
    rows = [list(r) for r in written.rows]
    rows[row][written.columns.index(column)] = value
    return _problems(card_id, {f"tables.{table}.rows": tuple(tuple(r) for r in rows)})


@pytest.mark.parametrize(
    ("card_id", "table", "column", "value", "described"),
    [
        ("quota-jinxian", "time_lag", "t_factor", 0.9, "greater than or equal to 1"),
        ("quota-jinxian", "risk_factors", "factor", 0.5, "greater than or equal to 1"),
        ("quota-jinxian", "location_factors", "factor", 1.25, "less than or equal to 1"),
        ("quota-jinxian", "release_schedule", "share", 0.0, "greater than 0"),
        ("quota-jinxian", "project_types", "national_permissible", "yes", "valid boolean"),
        ("uk-statutory-metric-2024", "difficulty", "multiplier", 1.5, "less than or equal"),
        ("finance-quota", "risk", "p_fail", 1.2, "less than or equal to 1"),
        ("transfer-global-wetland-syntheses", "study_values", "study_income", "n/a", "''"),
        ("jiangxi-reserve-census", "classes", "requires_verification", "false", "boolean"),
        ("crosswalk-sandiao-xie2015", "crosswalk", "confidence", "certain", "got 'certain'"),
        ("cn-cpi", "series", "value", -1.0, "greater than 0"),
        ("cn-cpi", "series", "year", "1995", "valid integer"),
        ("cn-ppp-gdp", "series", "value", 0.0, "greater than 0"),
        ("income-elasticity-btransfer", "income_class", "elasticity", -0.5, "greater than or"),
        ("income-elasticity-btransfer", "income_class", "gni_min", -1.0, "greater than or"),
        ("transfer-errors", "transfer_error", "value", -39.0, "greater than or equal to 0"),
    ],
)
def test_table_cell_out_of_range_or_mistyped_names_the_row(
    card_id: str, table: str, column: str, value: Any, described: str
) -> None:
    problems = _with_cell(card_id, table, 0, column, value)
    key = next(k for k in problems if k.startswith(f"tables.{table}.rows[0].{column}"))
    assert described in problems[key], problems


# card, option, a value of the wrong type or not among the allowed values
WRONG = [
    ("quota-jinxian", "allow_cross_county", "false", "valid boolean, got 'false'"),
    ("quota-jinxian", "area_unit", "亩", "'mu', 'ha' or 'm2', got '亩'"),
    ("quota-jinxian", "default_years_to_target", "3", "valid number"),
    ("quota-jinxian", "like_for_like_levels", ["national", "county"], "got 'county'"),
    ("umam-fac-62-345", "year_rounding", "round", "'ceil', 'floor' or 'nearest'"),
    ("umam-fac-62-345", "score_dp", "2", "got '2'"),
    ("uk-statutory-metric-2024", "temporal_precision", "dp3", "'full' or '3dp'"),
    ("uk-statutory-metric-2024", "significant_figures", "15", "got '15'"),
    ("hea-noaa", "convention", "midyear", "got 'midyear'"),
    ("hea-noaa", "base_year", "0", "valid number"),
    ("xie2015", "npp_reference", "500", "valid number"),
    ("transfer-global-wetland-syntheses", "combine", "mean", "'median' or 'weighted-mean'"),
    ("gep-garze2010", "carbon_price_basis", "tCO2", "got 'tCO2'"),
    ("gep-garze2010", "missing", "skip", "'zero' or 'error', got 'skip'"),
    ("jiangxi-reserve-census", "database_roles", ["existing", "wetland"], "got 'wetland'"),
    ("crosswalk-sandiao-xie2015", "scheme", "三调", "'sandiao' or 'yongdi_yonghai'"),
    ("cn-cpi", "form", "chained", "'level' or 'chain', got 'chained'"),
    ("cn-ppp-gdp", "unit", 1, "valid string"),
    ("review-jinxian", "exclude_same_township", "true", "valid boolean, got 'true'"),
    ("review-jinxian", "consensus", "average", "'trimmed_mean', 'mean' or 'median'"),
]


@pytest.mark.parametrize(("card_id", "option", "value", "message"), WRONG)
def test_wrong_typed_option_is_refused(card_id: str, option: str, value: Any, message: str) -> None:
    problems = _problems(card_id, {f"options.{option}": value})
    key = next(k for k in problems if k.startswith(f"options.{option}"))
    assert message in problems[key], problems


def test_wrong_nested_option_values_are_refused() -> None:
    options = dict(load_card("costanza2014").options)
    options["conversion"] = {**options["conversion"], "rate": "PPP", "target_price_year": "2017"}
    options["condition"] = {"basis": "grades"}
    problems = _problems("costanza2014", {"options": options})
    assert "'ppp' or 'market', got 'PPP'" in problems["options.conversion.rate"]
    assert "valid integer" in problems["options.conversion.target_price_year"]
    assert "got 'grades'" in problems["options.condition.basis"]


def test_value_function_inputs_must_be_numbers() -> None:
    options = dict(load_card("brander2013").options)
    options["inputs"] = {"constructed": "0"}
    problems = _problems("brander2013", {"options": options})
    assert "valid number" in problems["options.inputs.constructed"]


def test_cross_checks_of_the_bodies() -> None:
    problems = _problems("quota-jinxian", {"options.default_risk_class": "severe"})
    assert "'severe' is not a risk class of tables.risk_factors (low, medium, high)" in next(
        iter(problems.values())
    )
    problems = _problems("umam-fac-62-345", {"parameters.risk_max.value": 1.0,
                                             "parameters.risk_min.value": 2.0})  # fmt: skip
    assert "risk_min 2.0 is above risk_max 1.0" in problems["parameters"]


def test_quota_card_fault_names_the_file(tmp_path: Path) -> None:
    text = load_card("quota-jinxian").to_toml()
    assert "allow_cross_county = true" in text
    path = tmp_path / "quota.toml"
    path.write_text(text.replace("allow_cross_county = true", 'allow_cross_county = "no"'), "utf-8")
    with pytest.raises(CardError) as caught:
        load_card(path)
    assert str(path) in str(caught.value)
    assert "got 'no'" in dict(caught.value.key_problems)["options.allow_cross_county"]


def test_crosswalk_ecosystem_must_be_declared() -> None:
    problems = _problems("crosswalk-yongdi-xie2015", {"options.default_ecosystem": "forest"})
    assert "['forest']" in next(iter(problems.values()))


def test_income_class_column_is_read_by_its_name() -> None:
    body = IncomeElasticityBody.of(load_card("income-elasticity-btransfer"))
    assert body.tables.income_class.rows[0].class_ == "LIC"


def test_review_panel_must_be_odd_and_pass_score_within_the_scale() -> None:
    problems = _problems("review-jinxian", {"parameters.panel_size.value": 6,
                                            "parameters.pass_score.value": 120})  # fmt: skip
    assert "panel_size 6 must be odd" in problems["parameters"]
    assert "pass_score 120 is above score_max 100" in problems["parameters"]
    problem = _problems("review-jinxian", {"parameters.panel_size.value": 5.5})
    assert "must be a whole number" in problem["parameters.panel_size"]


def test_docs_list_every_option_of_the_new_bodies() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "cards.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[2].strip(" `"): line
        for line in doc.splitlines()
        if line.startswith("|") and "`wetval." in line
    }
    for model in {*SHIPPED.values()}:
        name = f"{model.__module__}.{model.__name__}"
        options = model.model_fields["options"].annotation
        assert isinstance(options, type)
        documented = {o.strip(" `") for o in rows[name].split("|")[3].split(",")} - {"(none)"}
        assert documented == set(options.model_fields), name


def test_missing_parameter_is_named() -> None:
    problems = _problems("hea-noaa", {"parameters.discount_rate": _DELETE})
    assert problems == {"parameters.discount_rate": "Field required"}
