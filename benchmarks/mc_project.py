"""A SYNTHETIC Monte Carlo benchmark project: 5,000 priced restoration parcels.

Shared by ``test_bench_monte_carlo.py`` and ``peak_memory_monte_carlo.py``.
"""

from __future__ import annotations

import numpy as np

from wetval.condition import score
from wetval.datasets import synthetic_county
from wetval.pricing import price_quota
from wetval.quota import account_credits
from wetval.tables import ParcelTable
from wetval.uncertainty import PriceChain
from wetval.valuation import value

ELIGIBLE = ["1104", "1107", "1106", "1101", "1103", "1108", "1102", "0402", "1107A"]


def project(n_priced: int = 5_000, seed: int = 6) -> PriceChain:
    """Condition, credits, Xie values and price of ``n_priced`` SYNTHETIC restoration parcels."""
    county = synthetic_county(int(n_priced * 2.4), seed)
    card = "jiangxi-db36-2134"
    scored = score(county.indicators, card, county.parcels).parcels["index"].notna().to_numpy()
    frame = county.parcels.to_frame().reset_index()
    candidates = np.flatnonzero(scored & frame["land_class"].isin(ELIGIBLE).to_numpy())
    if candidates.size < n_priced:
        raise ValueError(f"only {candidates.size} eligible scored parcels; use a larger county")
    chosen = candidates[:n_priced]
    rng = np.random.default_rng(seed)
    for column in ("role", "project_id"):
        frame[column] = frame[column].astype(object)
    frame.loc[frame["role"] == "restoration", "role"] = "reserve"  # only the chosen ones restore
    frame.loc[chosen, "role"] = "restoration"
    frame.loc[chosen, "project_id"] = rng.choice([f"R{i:02d}" for i in range(40)], n_priced)
    frame["years_to_target"] = np.where(
        frame["role"] == "restoration", rng.integers(0, 12, len(frame)), np.nan
    )
    frame["compensated_first"] = (frame["role"] == "restoration") & (rng.random(len(frame)) < 0.3)
    frame["risk_class"] = rng.choice(["low", "medium", "high"], len(frame))
    frame.attrs["synthetic"] = True
    parcels = ParcelTable.from_frame(frame, source="SYNTHETIC Monte Carlo benchmark")
    condition = score(county.indicators, card, parcels)
    restoration = parcels.subset((parcels.to_frame()["role"] == "restoration").to_numpy())
    grades = condition.to_frame().loc[restoration.ids, ["index", "grade_zh"]]
    quota = account_credits(restoration, grades.rename(columns={"grade_zh": "grade"}))
    services = value(restoration, "xie2015", condition=condition, price_year=2024)
    price = price_quota(quota, "pricing-jinxian", services=services)
    return PriceChain(
        parcels=parcels,
        services=services,
        credits=quota,
        price=price,
        condition=condition,
        indicators=county.indicators,
    )
