"""Objects that fake third-party plugins in test_plugins.py."""

from __future__ import annotations

from wetval.plugins import Method


def _double(values: list[float]) -> list[float]:
    """Return twice each value (a stand-in for a real method)."""
    return [2 * v for v in values]


GOOD = Method("fake-unit-value", "unit-value", _double, "a fake unit-value method")
MISNAMED = Method("other-name", "unit-value", _double, "a method registered under another name")
NOT_A_METHOD = object()
