"""``Registry.wetland_balance`` against a straightforward reference (issues 15 and 18).

A SYNTHETIC county of 300 parcels goes through two change surveys with splits,
merges and reclassifications (some keeping their BSM). The reference replays the
changes on a plain ``dict`` of live parcels and sums the wetland area of every
year by class and level in Python; it knows nothing of the registry's tables,
lineage or SQL. Areas are multiples of 1/8 m², so every sum is exact in binary
floating point whatever the order of addition, and the comparison is exact.
Run on SQLite and on PostgreSQL (``registry_url``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from registry_helpers import registry_url
from wetval.landclass import wetland_codes
from wetval.registry import Registry

__all__ = ["registry_url"]

CLASSES = ["1106", "1108", "0402", "0304", "1104", "1104A", "0101", "0301", "0702"]
LEVELS = ["national", "provincial", "general", ""]
WET = set(wetland_codes("sandiao"))

Parcel = tuple[str, str, float]  # land class, wetland level as given, area [m²]


def _base(rng: np.random.Generator, n: int = 300) -> tuple[pd.DataFrame, dict[str, Parcel]]:
    bsm = [f"B{i:04d}" for i in range(n)]
    classes = rng.choice(CLASSES, n).tolist()
    levels = rng.choice(LEVELS, n).tolist()
    area = (rng.integers(800, 40_000, n) / 4).tolist()  # multiples of 0.25 m²
    frame = pd.DataFrame(
        {"BSM": bsm, "DLBM": classes, "TBMJ": area, "SD_DJ": levels,
         "ZLDWDM": ["3601241010010000000"] * n}
    )  # fmt: skip
    frame["SD_DJ"] = frame["SD_DJ"].replace("", None)
    return frame, {b: (c, lv, a) for b, c, lv, a in zip(bsm, classes, levels, area, strict=True)}


def _change(
    year: int, live: dict[str, Parcel], rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str, float]]]:
    """20 splits, 10 merges of two and 15 reclassifications keeping the BSM."""
    ids = sorted(live)
    picked = rng.permutation(ids)[: 20 + 2 * 10 + 15].tolist()
    after: list[tuple[str, str, float]] = []  # BSM, class, area
    pieces: list[tuple[str, str, float]] = []  # before, after, area
    for b in picked[:20]:
        area = live[b][2]
        half = area / 2  # a multiple of 1/8
        for suffix, cls, part in (
            ("a", live[b][0], half),
            ("b", str(rng.choice(CLASSES)), area - half),
        ):
            after.append((f"{b}{suffix}{year}", cls, part))
            pieces.append((b, f"{b}{suffix}{year}", part))
    for i in range(10):
        one, two = picked[20 + 2 * i : 22 + 2 * i]
        merged = f"M{year}x{i:03d}"
        after.append((merged, str(rng.choice(CLASSES)), live[one][2] + live[two][2]))
        pieces += [(one, merged, live[one][2]), (two, merged, live[two][2])]
    for b in picked[40:]:
        after.append((b, str(rng.choice(CLASSES)), live[b][2]))
        pieces.append((b, b, live[b][2]))
    gx = pd.DataFrame(
        {"BGHTBBSM": [a for a, _, _ in after], "BGHDLBM": [c for _, c, _ in after],
         "BGHTBMJ": [m for _, _, m in after]}
    )  # fmt: skip
    gc = pd.DataFrame(pieces, columns=["BGQTBBSM", "BGHTBBSM", "BGMJ"])
    for b in {p[0] for p in pieces}:
        del live[b]
    for bsm, cls, area in after:
        live[bsm] = (cls, "", area)
    return gx, gc, pieces


def _sums(year: int, live: dict[str, Parcel]) -> dict[tuple[int, str, str], float]:
    sums: dict[tuple[int, str, str], float] = defaultdict(float)
    for cls, level, area in live.values():
        if cls in WET:
            sums[(year, cls, level or "general")] += area
    return sums


def test_balance_equals_a_replay_of_the_changes(registry_url: str) -> None:
    rng = np.random.default_rng(1518)
    frame, live = _base(rng)
    expected = dict(_sums(2020, live))
    causes = []
    with Registry.create(registry_url) as registry:
        registry.import_survey(frame, year=2020)
        for year in (2021, 2022):
            classes = {b: p[0] for b, p in live.items()}
            gx, gc, pieces = _change(year, live, rng)
            registry.apply_change(year, gx, gc)
            classes.update({b: p[0] for b, p in live.items() if b not in classes})
            after_class = dict(zip(gx["BGHTBBSM"], gx["BGHDLBM"], strict=True))
            for before, after, area in pieces:
                sign = (after_class[after] in WET) - (classes[before] in WET)
                if sign:
                    causes.append((year, before, after, classes[before], after_class[after],
                                   area, area * sign))  # fmt: skip
            expected.update(_sums(year, live))
        balance = registry.wetland_balance()
        middle = registry.wetland_balance(2021)

    by_class = pd.DataFrame(
        [(y, c, lv, a) for (y, c, lv), a in sorted(expected.items())],
        columns=["year", "land_class", "wetland_level", "area_m2"],
    )
    got = balance.by_class.astype({"land_class": object, "wetland_level": object})
    pd.testing.assert_frame_equal(got, by_class.astype({"land_class": object,
                                                        "wetland_level": object}),
                                  check_exact=True)  # fmt: skip
    totals = by_class.groupby("year")["area_m2"].sum()
    assert balance.totals["wetland_m2"].to_dict() == totals.to_dict()
    assert balance.totals["change_from_base_m2"].to_dict() == (totals - totals[2020]).to_dict()
    assert balance.totals["change_from_previous_m2"].tolist() == [
        0.0, totals[2021] - totals[2020], totals[2022] - totals[2021]
    ]  # fmt: skip
    assert balance.totals["not_decreased"].tolist() == [
        True, totals[2021] >= totals[2020] - 0.01, totals[2022] >= totals[2021] - 0.01
    ]  # fmt: skip
    reference = pd.DataFrame(
        sorted(causes),
        columns=["year", "before_bsm", "after_bsm", "before_class", "after_class", "area_m2",
                 "wetland_change_m2"],
    )  # fmt: skip
    assert len(reference) > 10  # the changes above do move wetland area
    pd.testing.assert_frame_equal(
        balance.causes.astype(object), reference.astype(object), check_exact=True
    )
    assert middle.totals.index.tolist() == [2020, 2021]
    pd.testing.assert_frame_equal(
        middle.by_class.reset_index(drop=True),
        balance.by_class[balance.by_class["year"] <= 2021].reset_index(drop=True),
    )
