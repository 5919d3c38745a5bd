"""Typed card bodies: misspelt, mistyped and out-of-range card content is refused at load.

The three option faults and the negative discount rate are the ones issue 13
and issue 17 report for the shipped pricing card ``pricing-jinxian``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wetval.cards import Card, load_card
from wetval.condition.body import ConditionBody
from wetval.errors import CardError
from wetval.pricing.body import QuotaPriceBody


def _pricing_toml(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped pricing card with one line of its TOML text replaced."""
    text = load_card("pricing-jinxian").to_toml()
    assert old in text
    path = tmp_path / "pricing.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('floor = "cost"', 'flor = "none"', "options.flor", "unknown key; valid keys: gross_up"),
        ('floor = "cost"', 'floor = "Cost"', "options.floor", "'cost' or 'none'"),
        (
            "quality_adjust_value = true",
            'quality_adjust_value = "false"',
            "options.quality_adjust_value",
            "boolean",
        ),
        (
            "value = 0.08\n",
            "value = -0.05\n",
            "parameters.discount_rate",
            "out of range: must be > 0 and < 1",
        ),
    ],
)
def test_pricing_card_faults_are_refused_at_load_naming_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    path = _pricing_toml(tmp_path, old, new)
    with pytest.raises(CardError) as caught:
        load_card(path)
    assert str(path) in str(caught.value)
    problems = dict(caught.value.key_problems)
    assert message in problems[key], problems


def test_distribution_reaching_outside_the_range_is_refused(tmp_path: Path) -> None:
    path = _pricing_toml(tmp_path, "low = 0.03, high = 0.08", "low = -0.02, high = 0.08")
    with pytest.raises(CardError, match=r"parameters\.discount_rate: the uniform distribution"):
        load_card(path)


def test_unknown_table_column_lists_the_valid_columns(tmp_path: Path) -> None:
    data = load_card("pricing-jinxian").model_dump(mode="python")
    data["tables"]["weights"]["columns"] = ("approach", "wieght")
    with pytest.raises(CardError) as caught:
        Card.from_mapping(data)
    problem = dict(caught.value.key_problems)["tables.weights"]
    assert "unknown columns ['wieght']" in problem
    assert "valid columns: ['approach', 'weight']" in problem


def test_model_copy_is_validated_again() -> None:
    card = load_card("pricing-jinxian")
    with pytest.raises(CardError, match=r"options\.gross_up"):
        card.model_copy(update={"options": {**card.options, "gross_up": "everything"}})


def test_shipped_cards_get_their_typed_body_and_keep_their_hash() -> None:
    card = load_card("pricing-jinxian")
    body = QuotaPriceBody.of(card)
    assert body.options.floor == "cost"
    assert body.parameters.discount_rate.value == card.param("discount_rate")
    # the hash covers the card as written, not the defaults the body fills in
    trimmed = card.model_dump(mode="python")
    del trimmed["options"]["cap_per_m2"]
    again = Card.from_mapping(trimmed)
    assert QuotaPriceBody.of(again).options.cap_per_m2 == "none"
    assert again.hash != card.hash
    assert Card.from_toml(card.to_toml()).hash == card.hash


def test_body_of_another_method_is_refused() -> None:
    with pytest.raises(CardError, match="not a ConditionBody"):
        ConditionBody.of(load_card("pricing-jinxian"))


def test_docs_list_every_option_of_the_declared_bodies() -> None:
    from wetval.quota.funds import FundSplitBody

    doc = (Path(__file__).parents[1] / "docs" / "cards.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[2].strip(" `"): line
        for line in doc.splitlines()
        if line.startswith("|") and "`wetval." in line
    }
    for model in (QuotaPriceBody, ConditionBody, FundSplitBody):
        name = f"{model.__module__}.{model.__name__}"
        options = model.model_fields["options"].annotation
        assert isinstance(options, type)
        documented = {o.strip(" `") for o in rows[name].split("|")[3].split(",")}
        assert documented == set(options.model_fields), name
