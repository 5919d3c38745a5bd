"""The step runner of an assessment: times each step and collects its warnings."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from wetval.messages import Message

__all__ = ["Steps"]


class Steps:
    """Runs steps, timing each and collecting its warnings."""

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[str | Message] = []
        self._progress = progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run the ``with`` block as the step ``name``: time it, keep its warnings prefixed."""
        if self._progress is not None:
            self._progress(name)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.timings[name] = round(time.perf_counter() - start, 4)
        for warning in caught:
            message = f"{name}: {warning.message}"
            if message not in self.warnings:
                self.warnings.append(message)
