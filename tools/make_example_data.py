"""Regenerate the SYNTHETIC example project data in ``docs/examples/jinxian/``.

Usage::

    python tools/make_example_data.py

Writes a 三调-style parcel export (GBK CSV, as Chinese Excel writes it), the
monitoring indicators (XLSX), the project list (CSV) and the bill of
quantities of restoration project R01 (CSV) — all SYNTHETIC, generated from
the sample county's seed — for ``docs/example-project.toml`` and the tutorial.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wetval.datasets import export_sample, sample_plans

TARGET = Path(__file__).resolve().parents[1] / "docs" / "examples" / "jinxian"


def main() -> None:
    paths = export_sample(TARGET, encoding="gbk")
    plan = next(p for p in sample_plans() if p.project_id == "R01")
    quantities = pd.DataFrame(list(plan.quantities))
    quantities.to_csv(TARGET / "plan_R01_quantities.csv", index=False, encoding="utf-8-sig")
    for path in [*paths.values(), TARGET / "plan_R01_quantities.csv"]:
        print(f"wrote {path.relative_to(TARGET.parents[2])} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
