"""Card search benchmarks: ``list_cards``/``load_card`` with the cache, without, and the floor.

The floor is the work every call must still do to see an edit at once: one
``os.stat`` of each card directory and card file. Run with
``python -m pytest benchmarks/test_bench_cards.py --benchmark-only``; results
go to docs/performance.md.
"""

from __future__ import annotations

import os

from wetval.cards import card_paths, clear_cache, list_cards, load_card


def _stat_every_card_file() -> int:
    count = 0
    for directory in card_paths():
        for root, _, names in os.walk(directory):
            os.stat(root)
            for name in names:
                if name.endswith(".toml"):
                    os.stat(os.path.join(root, name))
                    count += 1
    return count


def test_floor_stat_every_card_file(benchmark) -> None:  # type: ignore[no-untyped-def]
    assert benchmark(_stat_every_card_file) == len(list_cards())


def test_list_cards_cached(benchmark) -> None:  # type: ignore[no-untyped-def]
    list_cards()
    assert benchmark(list_cards)


def test_load_card_cached(benchmark) -> None:  # type: ignore[no-untyped-def]
    load_card("funds-jinxian")
    assert benchmark(load_card, "funds-jinxian").kind == "fund-split"


def test_list_cards_uncached(benchmark) -> None:  # type: ignore[no-untyped-def]
    def cold() -> int:
        clear_cache()
        return len(list_cards())

    assert benchmark(cold)
