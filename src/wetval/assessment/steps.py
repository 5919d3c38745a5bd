"""The step runner of an assessment: times each step and collects its warnings."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from wetval.cards import CardBundle
from wetval.messages import Message

__all__ = ["Steps"]


class Steps:
    """Runs steps, timing each and collecting its warnings.

    Once :attr:`bundle` is set (the cards the assessment resolved), it is the
    active bundle while each step runs, so every ``plugins.run`` of a step reuses
    those cards instead of loading them again.
    """

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.timings: dict[str, float] = {}
        self.warnings: list[str | Message] = []
        self.bundle: CardBundle | None = None
        self._progress = progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run the ``with`` block as the step ``name``: time it, keep its warnings prefixed."""
        if self._progress is not None:
            self._progress(name)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught, ExitStack() as active:
            warnings.simplefilter("always")
            if self.bundle is not None:
                active.enter_context(self.bundle.use())
            yield
        self.timings[name] = round(time.perf_counter() - start, 4)
        for warning in caught:
            message = f"{name}: {warning.message}"
            if message not in self.warnings:
                self.warnings.append(message)
