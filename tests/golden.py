"""The golden assessments: the demo's and the example project's, as stored JSON.

The stored files were written by ``tools/make_golden.py`` before the architecture
refactor (issue 13) and pin every number an assessment carries. Library versions and
step timings are left out (they change with the machine, not the assessment), and so
are the names of the Python classes that serialised a value (``__result__`` /
``__model__`` tags), so code can move between modules without touching a number.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

_LEFT_OUT = frozenset({"versions", "timings"})
_TYPE_TAGS = frozenset({"__result__", "__model__"})


def golden_cases() -> Iterator[tuple[str, Any]]:
    """(name, spec) of each golden assessment."""
    from wetval.assess import load_spec
    from wetval.datasets import sample_project

    yield "demo", sample_project()
    yield "example", load_spec(ROOT / "docs" / "example-project.toml")


def normalised(document: Any) -> Any:
    """The JSON document without versions, timings and class-name tags."""
    if isinstance(document, dict):
        return {
            key: "<type>" if key in _TYPE_TAGS else normalised(value)
            for key, value in document.items()
            if key not in _LEFT_OUT
        }
    if isinstance(document, list):
        return [normalised(value) for value in document]
    return document


def differences(expected: Any, actual: Any, path: str = "$") -> Iterator[str]:
    """Paths at which two JSON documents differ, with both values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                yield f"{path}.{key}: missing (expected {str(expected[key])[:80]})"
            elif key not in expected:
                yield f"{path}.{key}: unexpected ({str(actual[key])[:80]})"
            else:
                yield from differences(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: length {len(actual)}, expected {len(expected)}"
        for i, (left, right) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(left, right, f"{path}[{i}]")
    elif expected != actual:
        yield f"{path}: {str(actual)[:80]!r}, expected {str(expected)[:80]!r}"
