"""References between cards: declared, resolved once into a bundle before computing.

The static check walks the source (``ast``) of the method packages and fails
on any call of ``load_card`` or ``list_cards`` outside a short allow-list of
boundaries; the behaviour tests show that the bundle is what a method reads
(a substituted card changes the result) and that a missing reference is one
error naming the referring card file and the dotted key.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from wetval import ParcelTable
from wetval.cards import Card, CardBundle, card_references, load_card
from wetval.errors import CardError
from wetval.kinds import IN_FORCE, KINDS, MONEY_SERIES, ValuationInputs
from wetval.plugins import run
from wetval.quota.funds import fund_split_card
from wetval.units import DEFAULT_PRICE_INDEX, RATE_SERIES

SRC = Path(__file__).resolve().parents[1] / "src" / "wetval"

#: The method packages and modules whose code computes (report included).
METHOD_CODE = (
    "condition",
    "screening.py",
    "valuation",
    "quota",
    "pricing",
    "uncertainty",
    "registry",
    "report",
)

#: Calls allowed, as (file, enclosing function). Keep this short: each is a
#: public function's boundary that accepts a card id and loads it there once.
ALLOWED = {
    # score(card="condition-default") accepts an id at the public entry; the
    # condition engine belongs to another work stream (issue 13, engine split)
    ("condition/engine.py", "score"),
    # screen(parcels, indicators, card="reserve-census") accepts an id likewise
    ("screening.py", "screen"),
}

_LOADERS = {"load_card", "list_cards"}


def _files() -> list[Path]:
    found: list[Path] = []
    for name in METHOD_CODE:
        path = SRC / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _calls(path: Path) -> list[tuple[str, int, str]]:
    """(function, line, name) of every call of a card loader in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = function or child.name  # the outermost function: the public entry
            if isinstance(child, ast.Call):
                target = child.func
                name = (
                    target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                )
                if name in _LOADERS:
                    found.append((function, child.lineno, name))
            visit(child, inner)

    visit(tree, "")
    return found


def test_no_method_loads_cards_while_computing() -> None:
    offending = [
        f"{path.relative_to(SRC)}:{line} {name}() in {function or '(module)'}"
        for path in _files()
        for function, line, name in _calls(path)
        if (str(path.relative_to(SRC)), function) not in ALLOWED
    ]
    assert not offending, (
        "method code loads cards (declare a reference and read it with "
        "wetval.cards.referenced instead):\n" + "\n".join(offending)
    )


def test_the_static_check_finds_a_load(tmp_path: Path) -> None:
    # the check can fail: a module calling load_card mid-function is found
    module = tmp_path / "m.py"
    module.write_text("def f():\n    def g():\n        return cards.load_card('x')\n    return g\n")
    assert _calls(module) == [("f", 3, "load_card")]


def test_allow_list_entries_still_exist() -> None:
    # a stale entry would silently allow a new load elsewhere under the same name
    for file, function in ALLOWED:
        assert any(f == function for f, _, _ in _calls(SRC / file)), (file, function)


# ------------------------------------------------------------------ behaviour
def _parcels() -> ParcelTable:
    frame = pd.DataFrame(
        {"parcel_id": ["P0", "P1"], "land_class": ["1106", "1104"], "area_m2": [1e4, 1e4]}
    )
    return ParcelTable.from_frame(frame)


def test_declared_references_are_listed_with_dotted_keys() -> None:
    refs = dict(card_references(load_card("transfer-global-wetland-syntheses")))
    # methods/benefit-transfer/transfer-global-wetland-syntheses.toml, options.crosswalk
    assert refs["options.crosswalk.sandiao"] == "crosswalk-sandiao-xie2015"
    assert refs["options.crosswalk.yongdi_yonghai"] == "crosswalk-yongdi-xie2015"
    pricing = dict(card_references(load_card("pricing-jinxian")))
    assert {"options.fund_card", "options.comparables_card", "options.species_card"} <= set(pricing)


def test_a_substituted_transfer_error_card_changes_the_result() -> None:
    card = load_card("transfer-global-wetland-syntheses")
    inputs = ValuationInputs(_parcels())
    plain = run("benefit-transfer", card, inputs)
    errors = load_card("transfer-errors")
    data = errors.model_dump(mode="json", exclude_none=True)
    data["tables"]["transfer_error"]["rows"][0][3] = 999.0
    changed = Card.from_mapping(data, path=None)
    bundle = CardBundle.resolve({"valuation": card}).with_cards({"transfer-errors": changed})
    with bundle.use():
        substituted = run("benefit-transfer", card, inputs)
    assert plain.transfer_error is not None and substituted.transfer_error is not None
    assert plain.transfer_error["value"].iloc[0] != 999.0
    assert substituted.transfer_error["value"].iloc[0] == 999.0
    # the money is the same: only the reported transfer error came from the other card
    pd.testing.assert_frame_equal(plain.values, substituted.values)


def test_a_reference_outside_the_bundle_is_refused_while_computing() -> None:
    from wetval.valuation._common import parcel_ecosystems

    card = load_card("transfer-global-wetland-syntheses")
    parcels = _parcels()
    # inside a computation nothing is loaded: the crosswalk is not in this bundle
    with CardBundle({"valuation": card}).use(), pytest.raises(CardError) as error:
        parcel_ecosystems(parcels, card, ["wetland"])
    assert "options.crosswalk.sandiao" in str(error.value)
    assert "not in the bundle" in str(error.value)


def test_a_missing_referenced_card_is_one_error_naming_file_and_key(tmp_path: Path) -> None:
    source = load_card("transfer-global-wetland-syntheses")
    text = source.path.read_text(encoding="utf-8") if source.path else ""
    text = text.replace('"crosswalk-sandiao-xie2015"', '"no-such-crosswalk"')
    text = text.replace('"crosswalk-yongdi-xie2015"', '"no-such-crosswalk-either"')
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    card = load_card(path)
    with pytest.raises(CardError) as error:
        run("benefit-transfer", card, ValuationInputs(_parcels()))
    message = str(error.value)
    assert f"{path}: options.crosswalk.sandiao" in message
    assert f"{path}: options.crosswalk.yongdi_yonghai" in message  # both, in one error
    assert "no-such-crosswalk" in message


def test_the_fund_split_in_force_is_the_same_choice_at_the_boundary() -> None:
    # funds-jinxian 2023.1 takes effect on 2023-07-23 (methods/quota/funds-jinxian-2023.toml)
    pricing = load_card("pricing-jinxian")
    fund = pricing.option("fund_card")
    bundle = CardBundle.resolve({"pricing": pricing}, (f"{fund}{IN_FORCE}2024-05-01",))
    assert bundle[f"{fund}{IN_FORCE}2024-05-01"] is fund_split_card("2024-05-01", fund)
    with pytest.raises(CardError, match="in force"):
        CardBundle.resolve({"pricing": pricing}, (f"{fund}{IN_FORCE}2000-01-01",))


def test_money_series_of_the_valuation_kinds_are_the_units_defaults() -> None:
    assert set(MONEY_SERIES) == {*DEFAULT_PRICE_INDEX.values(), *RATE_SERIES.values()}
    for kind in ("unit-value", "benefit-transfer", "replacement-cost"):
        assert KINDS[kind].references == MONEY_SERIES


def test_a_bundle_is_frozen_and_records_hashes() -> None:
    card = load_card("transfer-errors")
    bundle = CardBundle({"transfer-errors": card})
    assert bundle.hashes == {"transfer-errors": card.hash}
    with pytest.raises(AttributeError):
        bundle._cards = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        bundle["x"] = card  # type: ignore[index]
