"""The one dispatcher: ``wetval.plugins.run`` and third-party methods inside ``assess``."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plugin_fixtures
from wetval.assess import assess
from wetval.cards import Card, load_card
from wetval.datasets import sample_county, sample_project
from wetval.errors import (
    MethodInputsError,
    MethodKindError,
    MethodResultError,
    UnknownMethodError,
)
from wetval.kinds import KINDS, ConditionInputs, QuotaInputs
from wetval.plugins import (
    METHOD_GROUP,
    METHOD_KINDS,
    Method,
    clear_cache,
    get_method,
    list_methods,
    run,
)


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Install the fixtures' quota and pricing methods next to the built-in ones."""
    real = metadata.entry_points

    def entry_points(*, group: str):  # type: ignore[no-untyped-def]
        points = list(real(group=group))
        if group == METHOD_GROUP:
            points += [
                metadata.EntryPoint(name, f"plugin_fixtures:{attr}", group)
                for name, attr in (
                    ("test-premium-quota", "PREMIUM_QUOTA"),
                    ("test-flat-price", "FLAT_PRICE"),
                )
            ]
        return points

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    clear_cache()
    yield
    clear_cache()


def _card_file(tmp_path: Path, card_id: str, method: str, **options: object) -> str:
    card = load_card(card_id)
    data = card.model_dump(mode="json", exclude_none=True)
    data.update(id=f"{card_id}-{method}", method=method)
    data["options"] = {**data.get("options", {}), **options}
    path = tmp_path / f"{card_id}-{method}.toml"
    path.write_text(Card.from_mapping(data).to_toml(), encoding="utf-8")
    return str(path)


@pytest.mark.usefixtures("third_party")
def test_third_party_quota_and_pricing_run_inside_assess(tmp_path: Path) -> None:
    base_spec = sample_project()
    base_spec = base_spec.model_copy(
        update={"options": base_spec.options.model_copy(update={"monte_carlo_draws": 0})}
    )
    base = assess(base_spec)
    cards = base_spec.cards.model_copy(
        update={
            "quota": _card_file(tmp_path, "quota-jinxian", "test-premium-quota", premium=2.0),
            "pricing": _card_file(tmp_path, "pricing-jinxian", "test-flat-price"),
        }
    )
    spec = base_spec.model_copy(update={"cards": cards})
    result = assess(spec)

    # the quota method ran: every credit doubled, debits untouched
    units = result.accounts.credits.table["units"]
    base_units = base.accounts.credits.table["units"].reindex(units.index)
    np.testing.assert_allclose(units, 2.0 * base_units)
    pd.testing.assert_frame_equal(result.accounts.debits.table, base.accounts.debits.table)
    # the pricing method ran on the doubled credits: a flat price per unit
    priced = result.price.table
    np.testing.assert_allclose(priced["per_unit"], plugin_fixtures.FLAT_PER_UNIT, rtol=1e-12)
    assert not np.allclose(priced["recommended"], base.price.table["recommended"])
    assert result.price.totals["recommended"] == pytest.approx(
        plugin_fixtures.FLAT_PER_UNIT * float(priced["units"].sum())
    )
    # and the methods are recorded as the ones that ran
    refs = {ref.id for ref in result.provenance.cards}
    assert {"quota-jinxian-test-premium-quota", "pricing-jinxian-test-flat-price"} <= refs


def test_kinds_table_covers_every_kind() -> None:
    assert set(KINDS) == set(METHOD_KINDS)
    for method in list_methods():
        assert method.kind in method.card_kinds or method.card_kinds, method.name


def test_card_kinds_default_to_the_kind() -> None:
    method = Method("x-quota", "quota", plugin_fixtures.PREMIUM_QUOTA.function, "x")
    assert method.card_kinds == ("quota",)


def _county() -> tuple[object, object]:
    county = sample_county()
    return county.parcels, county.indicators


def test_run_refuses_each_misuse() -> None:
    parcels, indicators = _county()
    condition_card = load_card("jiangxi-db36-2134")
    inputs = ConditionInputs(indicators, parcels)  # type: ignore[arg-type]
    with pytest.raises(MethodKindError, match="known kinds"):
        run("valuation", condition_card, inputs)
    with pytest.raises(MethodKindError, match="is of kind 'condition', not 'quota'"):
        run("quota", condition_card, inputs)
    with pytest.raises(UnknownMethodError, match="hierarchical-points") as caught:
        get_method("no-such-aggregation", "condition")
    assert "jinxian-quota" not in caught.value.known  # only methods of the kind are listed
    with pytest.raises(
        MethodInputsError, match=r"wetval\.kinds\.ConditionInputs, not a QuotaInputs"
    ):
        run("condition", condition_card, QuotaInputs(parcels, pd.DataFrame()))  # type: ignore[arg-type]
    screening = load_card("jiangxi-reserve-census")
    method = get_method(str(condition_card.method))
    with pytest.raises(MethodKindError, match="reads cards of kind condition"):
        method.apply(screening, inputs)


def test_run_checks_the_result_type() -> None:
    parcels, indicators = _county()
    broken = Method("broken-condition", "condition", lambda card, inputs: 42, "returns a number")
    with pytest.raises(MethodResultError, match=r"returned a int.*ConditionResult"):
        broken.apply(load_card("jiangxi-db36-2134"), ConditionInputs(indicators, parcels))  # type: ignore[arg-type]
