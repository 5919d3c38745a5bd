"""Small hand-built parcel tables and condition frames for the quota and pricing tests.

Areas are chosen in whole 亩 (1 亩 = 10,000/15 m²) so every expected number in the
tests can be computed by hand.
"""

from __future__ import annotations

import pandas as pd

from wetval.tables import ParcelTable
from wetval.units import M2_PER_MU


def parcels(rows: list[dict[str, object]]) -> ParcelTable:
    """A ParcelTable from rows with ``area_mu`` instead of ``area_m2``."""
    frame = pd.DataFrame(rows)
    frame["area_m2"] = frame.pop("area_mu").astype(float) * M2_PER_MU
    return ParcelTable.from_frame(frame)


def condition(grades: dict[str, str], index: float = 0.7) -> pd.DataFrame:
    """Condition frame (grade, index) indexed by parcel_id, as the condition protocol expects."""
    return pd.DataFrame(
        {"grade": list(grades.values()), "index": [index] * len(grades)},
        index=pd.Index(list(grades), name="parcel_id"),
    )


def credit(pid: str, town: str, cls: str, mu: float, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "parcel_id": pid, "land_class": cls, "area_mu": mu, "township": town,
        "county_code": "360124", "role": "restoration", "project_id": "R01",
    }  # fmt: skip
    row.update(extra)
    return row


def debit(
    pid: str, town: str, cls: str, mu: float, level: str, project: str, kind: str = "transport",
    county: str = "360124",
) -> dict[str, object]:  # fmt: skip
    return {
        "parcel_id": pid, "land_class": cls, "area_mu": mu, "township": town,
        "county_code": county, "role": "occupation", "wetland_level": level,
        "project_id": project, "project_type": kind,
    }  # fmt: skip
