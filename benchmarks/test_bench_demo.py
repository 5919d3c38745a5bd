"""The README's first command: ``wetval demo`` (full assessment, 2,000 draws, six reports).

Aim: under 60 s on a 2-core machine. Run with
``python -m pytest benchmarks/test_bench_demo.py --benchmark-only``.
"""

from __future__ import annotations

from pathlib import Path

from wetval.assess import assess
from wetval.cli import main
from wetval.datasets import sample_project


def test_demo_command(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    counter = iter(range(100))

    def run() -> int:
        return main(["demo", "--quiet", "-o", str(tmp_path / f"demo{next(counter)}")])

    code = benchmark.pedantic(run, rounds=3, iterations=1)
    assert code == 0


def test_assessment_without_reports(benchmark) -> None:  # type: ignore[no-untyped-def]
    spec = sample_project()
    result = benchmark.pedantic(assess, args=(spec,), rounds=3, iterations=1)
    assert result.uncertainty is not None and result.uncertainty.n_draws == 2000
