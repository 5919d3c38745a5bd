"""Plugin registry through entry points, with fake third-party plugins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import metadata

import pytest

from wetval import get_method, list_methods
from wetval.errors import PluginError, PluginWarning, UnknownMethodError
from wetval.plugins import METHOD_GROUP, Method, clear_cache
from wetval.testing import check_method, checks_for, parametrize_with_checks


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = metadata.entry_points

    def entry_points(*, group: str):  # type: ignore[no-untyped-def]
        if group != METHOD_GROUP:
            return real(group=group)
        values = {
            "fake-unit-value": "plugin_fixtures:GOOD",
            "broken-import": "no_such_module_for_wetval:METHOD",
            "not-a-method": "plugin_fixtures:NOT_A_METHOD",
            "misnamed": "plugin_fixtures:MISNAMED",
        }
        return [metadata.EntryPoint(name, value, group) for name, value in values.items()]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    clear_cache()
    yield
    clear_cache()


@pytest.mark.usefixtures("fake_plugins")
def test_get_and_list_with_broken_plugins() -> None:
    method = get_method("fake-unit-value")
    assert method([1.0, 2.0]) == [2.0, 4.0]
    assert method.module == "plugin_fixtures"
    with pytest.warns(PluginWarning) as caught:
        names = [m.name for m in list_methods()]
    assert names == ["fake-unit-value"]
    messages = " ".join(str(w.message) for w in caught)
    assert "no_such_module_for_wetval" in messages
    assert "not a wetval.plugins.Method" in messages
    assert "calls itself 'other-name'" in messages


@pytest.mark.usefixtures("fake_plugins")
def test_unknown_and_broken_names() -> None:
    with pytest.raises(UnknownMethodError, match="fake-unit-value") as caught:
        get_method("xie")
    assert "broken-import" in caught.value.known
    with pytest.raises(PluginError, match="could not be imported"):
        get_method("broken-import")
    with pytest.raises(PluginError, match="not 'condition'"):
        get_method("fake-unit-value", kind="condition")


@pytest.mark.usefixtures("fake_plugins")
def test_kind_filter() -> None:
    with pytest.warns(PluginWarning):
        assert list_methods("condition") == []
    with pytest.raises(ValueError, match="known kinds"):
        list_methods("valuation")


def test_method_contract() -> None:
    with pytest.raises(PluginError, match="unknown kind"):
        Method("x", "magic", print, "x")
    with pytest.raises(PluginError, match="not callable"):
        Method("x", "condition", 3, "x")  # type: ignore[arg-type]


@parametrize_with_checks(list_methods())
def test_every_registered_method_conforms(method: Method, check: Callable[[Method], None]) -> None:
    check(method)


def test_check_method_runs_every_check_of_the_kind() -> None:
    method = get_method("condition-index")
    assert [c.__name__ for c in checks_for(method)] == ["check_contract", "check_condition_method"]
    check_method(method)
