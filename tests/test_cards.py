"""Method cards: schema, loading, hashing, errors that name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from wetval import list_cards, load_card
from wetval.cards import Card, card_paths
from wetval.errors import CardError, UnknownCardError
from wetval.testing import check_card

MINIMAL = """
id = "test-card"
kind = "unit-value"
method = "xie-equivalent"
version = "1.2.0"
title = { zh = "测试", en = "test" }
price_year = 2010
currency = "CNY"

[[sources]]
key = "xie2015"
citation = "谢高地 et al. 2015"
verified = true

[parameters.D]
value = 3406.5
unit = "CNY/ha"
source = "xie2015"
distribution = { kind = "triangular", low = 1498.58, mode = 3406.5, high = 3406.5 }

[tables.factors]
columns = ["ecosystem", "hydro"]
rows = [["wetland", 24.23], ["water_body", 102.24]]
source = "xie2015"
"""


def write(tmp_path: Path, text: str, name: str = "card.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_from_path_and_access(tmp_path: Path) -> None:
    card = load_card(write(tmp_path, MINIMAL))
    assert card.param("D") == 3406.5
    assert card.table("factors").loc["water_body", "hydro"] == 102.24
    assert card.parameters["D"].distribution is not None
    assert card.verified
    assert card.path is not None and card.path.name == "card.toml"


def test_hash_is_content_based(tmp_path: Path) -> None:
    original = load_card(write(tmp_path, MINIMAL, "a.toml"))
    reformatted = MINIMAL.replace(
        'rows = [["wetland", 24.23], ["water_body", 102.24]]',
        'rows = [\n  ["wetland", 24.23],\n  ["water_body", 102.24],\n]',
    )
    assert load_card(write(tmp_path, reformatted, "b.toml")).hash == original.hash
    changed = MINIMAL.replace("24.23", "24.24")
    assert load_card(write(tmp_path, changed, "c.toml")).hash != original.hash
    assert Card.from_toml(original.to_toml()).hash == original.hash


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (('version = "1.2.0"', 'version = "one"'), "version", "pattern"),
        (('id = "test-card"\n', ""), "id", "Field required"),
        (
            ("low = 1498.58", "low = 9999.0"),
            "parameters.D.distribution.triangular",
            "low <= mode <= high",
        ),
        (
            ('source = "xie2015"\ndistribution', 'source = "xie2016"\ndistribution'),
            "parameters.D.source",
            "cites source 'xie2016', which is not in [[sources]]",
        ),
        (
            ("[parameters.D]", "[parameters.D]\nbogus = 1"),
            "parameters.D.bogus",
            "Extra inputs are not permitted",
        ),
        (
            ('rows = [["wetland", 24.23], ["water_body", 102.24]]', 'rows = [["wetland"]]'),
            "tables.factors",
            "do not have 2 values",
        ),
    ],
)
def test_schema_errors_name_file_and_key(
    tmp_path: Path, edit: tuple[str, str], key: str, message: str
) -> None:
    path = write(tmp_path, MINIMAL.replace(*edit))
    with pytest.raises(CardError) as caught:
        load_card(path)
    text = str(caught.value)
    assert str(path) in text
    assert message in text
    assert any(k.startswith(key) for k, _ in caught.value.key_problems)


def test_unsourced_numbers_must_say_unverified(tmp_path: Path) -> None:
    text = MINIMAL.replace('unit = "CNY/ha"\nsource = "xie2015"\n', 'unit = "CNY/ha"\n')
    with pytest.raises(CardError, match=r"parameters\.D: has no source but claims verified = true"):
        load_card(write(tmp_path, text))
    card = load_card(
        write(tmp_path, text.replace('unit = "CNY/ha"\n', 'unit = "CNY/ha"\nverified = false\n'))
    )
    assert not card.verified
    assert card.unverified() == ["parameter D = 3406.5 CNY/ha"]


def test_toml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="not valid TOML"):
        load_card(write(tmp_path, "id = \n"))


def test_missing_parameter_or_table_names_card_and_key(tmp_path: Path) -> None:
    card = load_card(write(tmp_path, MINIMAL))
    with pytest.raises(CardError, match=r"parameters\.E: missing; present: \['D'\]"):
        card.param("E")
    with pytest.raises(CardError, match=r"tables\.nope"):
        card.table("nope")


def test_builtin_cards_by_id_and_unknown_id() -> None:
    crosswalk = load_card("crosswalk-sandiao-xie2015")
    assert crosswalk.kind == "crosswalk"
    assert load_card("crosswalk-sandiao-xie2015@1.0.0") is crosswalk
    with pytest.raises(UnknownCardError, match="crosswalk-sandiao-xie2015"):
        load_card("no-such-card")
    with pytest.raises(UnknownCardError, match=r"1\.0\.0"):
        load_card("crosswalk-sandiao-xie2015@9.9")
    assert {c.id for c in list_cards("crosswalk")} >= {
        "crosswalk-sandiao-xie2015",
        "crosswalk-yongdi-xie2015",
    }


def test_user_card_path_versions_and_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, MINIMAL, "v120.toml")
    write(tmp_path, MINIMAL.replace('version = "1.2.0"', 'version = "1.10.0"'), "v1100.toml")
    monkeypatch.setenv("WETVAL_CARD_PATH", str(tmp_path))
    assert card_paths()[0] == tmp_path
    assert load_card("test-card").version == "1.10.0"  # numeric, not text, ordering
    assert load_card("test-card@1.2.0").version == "1.2.0"
    write(tmp_path, MINIMAL, "copy.toml")
    with pytest.raises(CardError, match="defined twice"):
        load_card("test-card")


def test_every_installed_card_is_consistent() -> None:
    for card in list_cards():
        check_card(card)


def test_one_error_lists_schema_and_citation_problems_together(tmp_path: Path) -> None:
    # a bad version (a field error) used to hide the unknown source until it was fixed
    text = MINIMAL.replace('version = "1.2.0"', 'version = "one"').replace(
        'source = "xie2015"\ndistribution', 'source = "xie2016"\ndistribution'
    )
    with pytest.raises(CardError) as caught:
        load_card(write(tmp_path, text))
    keys = [key for key, _ in caught.value.key_problems]
    assert "version" in keys and "parameters.D.source" in keys
