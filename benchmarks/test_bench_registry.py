"""Registry benchmarks (issue 15): import a 1,000,000-parcel 三调 vintage, apply change surveys,
and the wetland balance over the lineage, on SQLite. SYNTHETIC parcels.

Run with ``python -m pytest benchmarks/test_bench_registry.py --benchmark-only -s``
(``WETVAL_BENCH_PARCELS`` sets the size, default 1,000,000). Each benchmark prints its
floor: the same rows written with bare ``sqlite3.executemany`` (import), or the same
per-year sums by class done by numpy on in-memory arrays (balance), measured before
every round (interleaved with wetval's rounds), and the ratio of the best wetval round
to the best floor. Results go to docs/performance.md.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wetval.registry import Registry
from wetval.tables import ParcelTable

N = int(os.environ.get("WETVAL_BENCH_PARCELS", "1000000"))
CLASSES = np.array(["1106", "1108", "0402", "1104", "1104A", "0101", "0301", "0702"])
CHANGED = 0.01  # share of parcels each change survey splits


def _frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "BSM": np.char.add("B", np.char.zfill(np.arange(n).astype(str), 9)),
            "DLBM": rng.choice(CLASSES, n),
            "TBMJ": np.round(rng.lognormal(np.log(3000), 0.8, n), 2),
            "ZLDWDM": np.char.add(
                "360124", np.char.zfill(rng.integers(100, 120, n).astype(str), 13)
            ),
        }
    )
    frame.attrs["synthetic"] = True
    return frame


@pytest.fixture(scope="module")
def base() -> ParcelTable:
    return ParcelTable.from_frame(_frame(N, np.random.default_rng(15)), source="SYNTHETIC")


def _change(year: int, alive: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, ...]:
    """Split ``CHANGED`` of the live parcels in two halves; the second half changes class."""
    chosen = alive.sample(frac=CHANGED, random_state=year)
    halves = chosen["area_m2"].round(2) / 2
    new_a = (chosen.index + f"a{year}").to_numpy()
    new_b = (chosen.index + f"b{year}").to_numpy()
    gx = pd.DataFrame(
        {
            "BGHTBBSM": np.concatenate([new_a, new_b]),
            "BGHDLBM": np.concatenate([chosen["land_class"], rng.choice(CLASSES, len(chosen))]),
            "BGHTBMJ": np.concatenate([halves, chosen["area_m2"] - halves]),
        }
    )
    gc = pd.DataFrame(
        {
            "BGQTBBSM": np.concatenate([chosen.index, chosen.index]),
            "BGHTBBSM": gx["BGHTBBSM"],
            "BGMJ": gx["BGHTBMJ"],
        }
    )
    return gx, gc


def _floor_import(rows: ParcelTable, path: Path) -> float:
    frame = rows.to_frame()
    records = list(zip(frame.index, frame["land_class"].astype(str), frame["area_m2"], strict=True))
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE p (bsm TEXT PRIMARY KEY, dlbm TEXT, area REAL)")
    connection.executemany("INSERT INTO p VALUES (?, ?, ?)", records)
    connection.commit()
    connection.close()
    return time.perf_counter() - start


def test_import_vintage(benchmark, base: ParcelTable, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    counter = iter(range(100))
    floors: list[float] = []
    times: list[float] = []

    def setup() -> tuple[tuple[Registry], dict[str, object]]:
        i = next(counter)
        floors.append(_floor_import(base, tmp_path / f"floor{i}.db"))
        return (Registry.create(f"sqlite:///{tmp_path / f'r{i}.db'}"),), {}

    def run(registry: Registry) -> None:
        start = time.perf_counter()
        registry.import_survey(base, year=2020)
        registry.close()
        times.append(time.perf_counter() - start)

    benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    print(
        f"\nimport {N:,} parcels: floor (bare sqlite3 executemany, 3 columns) best "
        f"{min(floors):.2f} s of {[round(f, 2) for f in floors]}; wetval best {min(times):.2f} s "
        f"of {[round(t, 2) for t in times]}; ratio {min(times) / min(floors):.1f}x"
    )


def test_wetland_balance_over_lineage(benchmark, base: ParcelTable, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(16)
    registry = Registry.create(f"sqlite:///{tmp_path / 'balance.db'}")
    registry.import_survey(base, year=2020)
    for year in (2021, 2022):
        start = time.perf_counter()
        registry.apply_change(year, *_change(year, registry.survey_parcels(year - 1), rng))
        print(f"\napply_change {year} ({CHANGED:.0%} split): {time.perf_counter() - start:.2f} s")
    # floor: the same sums by class for three vintages with numpy on in-memory arrays
    arrays = []
    for y in (2020, 2021, 2022):
        frame = registry.survey_parcels(y)
        codes, uniques = pd.factorize(frame["land_class"])
        arrays.append((codes, frame["area_m2"].to_numpy(), len(uniques)))
    floors: list[float] = []
    times: list[float] = []

    def setup() -> tuple[tuple[()], dict[str, object]]:
        start = time.perf_counter()
        for codes, area, n in arrays:
            np.bincount(codes, weights=area, minlength=n)
        floors.append(time.perf_counter() - start)
        return (), {}

    def run() -> object:
        start = time.perf_counter()
        result = registry.wetland_balance()
        times.append(time.perf_counter() - start)
        return result

    balance = benchmark.pedantic(run, setup=setup, rounds=5, iterations=1)
    assert list(balance.totals.index) == [2020, 2021, 2022]
    print(
        f"balance floor (numpy bincount, factorised classes, 3 vintages) best "
        f"{min(floors):.3f} s; wetval best {min(times):.3f} s of "
        f"{[round(t, 2) for t in times]}; ratio {min(times) / min(floors):.0f}x"
    )
    start = time.perf_counter()
    check = registry.verify()
    print(f"verify() incl. survey hash: {time.perf_counter() - start:.2f} s")
    assert check.ok
    registry.close()
