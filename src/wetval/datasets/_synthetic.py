"""Generator of SYNTHETIC county data modelled on 进贤县 (Jinxian), Jiangxi.

Everything here is invented. The township names are Jinxian's and the county
code is Jinxian's (360124) so that the data look like a real 三调 export, but
no parcel, area, indicator or project corresponds to a real one. Parcel ids
start with ``SYN`` and every frame carries ``attrs["synthetic"] = True``.

The shape of the county follows public descriptions: a lake-and-river plain
south-east of Nanchang with large lakes (军山湖, 青岚湖), many ponds and
aquaculture ponds, ditches and paddy. Class shares, parcel sizes and
indicator spreads are our assumptions, chosen to exercise every code path
(reserve candidates to verify, gaps in monitoring, occupation projects on
general, provincial and national important wetland).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wetval.landclass import Scheme, catalogue

__all__ = ["COUNTY_CODE", "TOWNSHIPS", "ClassProfile", "generate_frames"]

COUNTY_CODE = "360124"

#: Townships of 进贤县 with a weight for parcel counts and a lake weight.
TOWNSHIPS: tuple[tuple[str, float, float], ...] = (
    ("民和镇", 1.2, 0.5),
    ("李渡镇", 1.0, 0.3),
    ("温圳镇", 1.0, 0.2),
    ("文港镇", 0.9, 0.2),
    ("梅庄镇", 1.1, 3.0),
    ("张公镇", 0.9, 0.5),
    ("罗溪镇", 0.9, 0.3),
    ("架桥镇", 1.0, 0.4),
    ("前坊镇", 0.9, 0.6),
    ("三里乡", 1.1, 2.5),
    ("二塘乡", 1.0, 2.0),
    ("钟陵乡", 1.0, 1.5),
    ("池溪乡", 0.8, 0.4),
    ("南台乡", 0.9, 1.2),
    ("三阳集乡", 1.1, 2.5),
    ("七里乡", 0.8, 0.5),
    ("下埠集乡", 0.9, 1.0),
    ("衙前乡", 0.8, 0.4),
    ("白圩乡", 0.9, 0.8),
    ("长山晏乡", 0.8, 0.6),
    ("泉岭乡", 0.8, 0.3),
)


@dataclass(frozen=True)
class ClassProfile:
    """Assumed profile of one land class in the synthetic county.

    Attributes
    ----------
    share
        Share of parcels.
    median_m2, sigma
        Log-normal parcel size: median [m²] and log-scale sigma.
    deduction
        Maximum 扣除系数 (KCXS) for the 田坎 deduction; 0 for water.
    quality
        Beta(a, b) parameters of the latent ecological quality.
    water_months
        (low, high) months with standing water.
    depth_m
        (low, high) mean water depth [m].
    connectivity
        (low, high) hydrological connectivity.
    cover
        (low, high) vegetation cover [%].
    reserve
        Share of parcels that are reserve candidates (后备资源).
    """

    share: float
    median_m2: float
    sigma: float
    deduction: float
    quality: tuple[float, float]
    water_months: tuple[float, float]
    depth_m: tuple[float, float]
    connectivity: tuple[float, float]
    cover: tuple[float, float]
    reserve: float = 0.0


_P = ClassProfile
PROFILES: dict[str, ClassProfile] = {
    "1104": _P(0.21, 2500, 0.9, 0, (3, 3), (9, 12), (1, 3), (0.1, 0.5), (10, 60), 0.25),
    "1104A": _P(0.14, 8000, 0.9, 0, (2, 4), (10, 12), (1, 2.5), (0.1, 0.4), (5, 30), 0.2),
    "1104K": _P(0.03, 6000, 0.8, 0, (2, 4), (8, 12), (0.8, 2), (0.1, 0.4), (5, 40), 0.6),
    "1107": _P(0.12, 1500, 0.8, 0, (2, 3), (6, 12), (0.5, 1.5), (0.5, 0.9), (20, 70)),
    "1107A": _P(0.01, 6000, 0.7, 0, (3, 3), (10, 12), (1.5, 3), (0.7, 1), (10, 40)),
    "1101": _P(0.04, 60000, 1.2, 0, (5, 2.5), (12, 12), (2, 6), (0.9, 1), (5, 30)),
    "1102": _P(0.015, 400000, 1.4, 0, (6, 2.5), (12, 12), (2, 5), (0.8, 1), (10, 40)),
    "1103": _P(0.02, 150000, 1.2, 0, (5, 2.5), (12, 12), (5, 15), (0.4, 0.8), (5, 20)),
    "1106": _P(0.07, 20000, 1.1, 0, (4, 2.5), (3, 9), (0, 0.5), (0.5, 1), (40, 95), 0.1),
    "1108": _P(0.02, 15000, 1.0, 0, (5, 2), (6, 12), (0.2, 1), (0.4, 0.9), (60, 98)),
    "0402": _P(0.01, 20000, 1.0, 0, (5, 2.5), (4, 9), (0, 0.4), (0.4, 0.9), (70, 98)),
    "0306": _P(0.005, 10000, 1.0, 0, (5, 2.5), (4, 10), (0, 0.5), (0.3, 0.8), (60, 95)),
    "0304": _P(0.003, 8000, 1.0, 0, (5, 2), (5, 11), (0, 0.6), (0.3, 0.8), (70, 98)),
    "1109": _P(0.01, 1000, 0.8, 0, (2, 5), (0, 12), (0, 2), (0, 1), (0, 10)),
    "0101": _P(0.22, 3000, 0.8, 0.12, (2, 4), (4, 7), (0, 0.1), (0.2, 0.6), (50, 90)),
    "0103": _P(0.02, 2000, 0.8, 0.12, (2, 5), (0, 1), (0, 0), (0, 0.2), (30, 80)),
    "0301": _P(0.02, 10000, 1.0, 0, (4, 3), (0, 1), (0, 0), (0, 0.2), (60, 95)),
    "1202": _P(0.01, 1500, 0.8, 0, (2, 5), (0, 2), (0, 0), (0, 0.2), (0, 30)),
    "0702": _P(0.01, 600, 0.6, 0, (2, 5), (0, 0), (0, 0), (0, 0.1), (0, 20)),
    "1206": _P(0.005, 3000, 0.9, 0, (2, 3), (2, 7), (0, 0.3), (0.1, 0.5), (5, 40), 0.4),
}

#: Land classes that belong to the wetland database (existing wetland).
_DATABASE_CLASSES = {
    "0304",
    "0306",
    "0402",
    "1101",
    "1102",
    "1103",
    "1104",
    "1106",
    "1107",
    "1107A",
    "1108",
}
#: Classes that get monitoring indicators.
_MONITORED = _DATABASE_CLASSES | {"1104A", "1104K", "1206", "0101"}

_OCCUPATION_PROJECTS = (
    (
        "P01",
        "进贤至南昌快速路（示意）",
        "Jinxian–Nanchang expressway (illustrative)",
        "transport",
        "民和镇",
    ),
    (
        "P02",
        "温圳工业园扩区（示意）",
        "Wenzhen industrial-park extension (illustrative)",
        "industrial",
        "温圳镇",
    ),
    (
        "P03",
        "青岚湖堤防加固（示意）",
        "Qinglan Lake embankment reinforcement (illustrative)",
        "water_conservancy",
        "三里乡",
    ),
    (
        "P04",
        "军山湖旅游码头（示意）",
        "Junshan Lake tourist wharf (illustrative)",
        "tourism",
        "梅庄镇",
    ),
)
_RESTORATION_PROJECTS = ("R01", "R02", "R03", "R04", "R05", "R06")


def _uniform(rng: np.random.Generator, bounds: np.ndarray) -> np.ndarray:
    low, high = bounds[:, 0], bounds[:, 1]
    result: np.ndarray = low + (high - low) * rng.random(len(bounds))
    return result


def generate_frames(
    n_parcels: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Generate raw 三调-style parcel, indicator and project frames.

    Parameters
    ----------
    n_parcels
        Number of parcels.
    rng
        Random generator (the only source of randomness).

    Returns
    -------
    parcels, indicators, projects : pandas.DataFrame
        ``parcels`` uses 三调 field names (BSM, DLBM, DLMC, TBMJ, KCMJ,
        TBDLMJ, QSXZ, ZLDWDM, ZLDWMC) plus ``role``, ``wetland_level`` and
        ``project_id``; ``indicators`` has ``parcel_id`` and catalogue ids.
    """
    codes = np.array(list(PROFILES))
    profiles = [PROFILES[c] for c in codes]
    shares = np.array([p.share for p in profiles])
    class_index = rng.choice(len(codes), size=n_parcels, p=shares / shares.sum())
    land_class = codes[class_index]

    def per_class(values: list[float] | list[tuple[float, float]]) -> np.ndarray:
        return np.asarray(values, dtype=float)[class_index]

    # townships: lakes and rivers concentrate in lake townships
    names = np.array([t[0] for t in TOWNSHIPS])
    weights = np.array([t[1] for t in TOWNSHIPS])
    lake_weights = np.array([t[2] for t in TOWNSHIPS])
    is_lake_like = np.isin(land_class, ["1102", "1106", "1108", "0402", "1101"])
    township_index = np.where(
        is_lake_like,
        rng.choice(len(names), size=n_parcels, p=lake_weights / lake_weights.sum()),
        rng.choice(len(names), size=n_parcels, p=weights / weights.sum()),
    )
    township = names[township_index]
    village = rng.integers(1, 31, size=n_parcels)
    location_code = pd.Series(
        COUNTY_CODE
        + pd.Series(100 + township_index).astype(str).to_numpy()
        + pd.Series(village).astype(str).str.zfill(3).to_numpy()
        + "0000000"
    )

    # areas [m²] with two decimals, as in the survey
    median = per_class([p.median_m2 for p in profiles])
    sigma = per_class([p.sigma for p in profiles])
    tbmj = np.round(median * np.exp(sigma * rng.standard_normal(n_parcels)) + 50.0, 2)
    kcxs = per_class([p.deduction for p in profiles]) * rng.random(n_parcels)
    kcmj = np.round(tbmj * kcxs, 2)
    tbdlmj = np.round(tbmj - kcmj, 2)

    # roles
    in_database = np.isin(land_class, list(_DATABASE_CLASSES))
    reserve_share = per_class([p.reserve for p in profiles])
    reserve = rng.random(n_parcels) < reserve_share
    role = np.full(n_parcels, None, dtype=object)
    role[in_database] = "existing"
    role[reserve] = "reserve"
    restoration = reserve & (rng.random(n_parcels) < 0.2)
    role[restoration] = "restoration"
    project = np.full(n_parcels, None, dtype=object)
    project[restoration] = np.array(_RESTORATION_PROJECTS)[
        rng.integers(0, len(_RESTORATION_PROJECTS), size=int(restoration.sum()))
    ]
    existing = role == "existing"
    # occupation projects take small parcels, never whole lakes or reservoirs
    occupiable = existing & (tbdlmj < 30_000) & ~np.isin(land_class, ["1102", "1103"])
    for project_id, _, _, _, project_township in _OCCUPATION_PROJECTS:
        candidates = np.flatnonzero(occupiable & (township == project_township))
        take = min(len(candidates), max(2, n_parcels // 600))
        chosen = rng.choice(candidates, size=take, replace=False) if take else candidates
        role[chosen] = "occupation"
        project[chosen] = project_id
        occupiable[chosen] = False

    # wetland importance (湿地保护法 Art. 14) for database parcels
    level = np.full(n_parcels, None, dtype=object)
    wet = np.isin(role, ["existing", "occupation"])
    level[wet] = "general"
    draw = rng.random(n_parcels)
    level[wet & (land_class == "1102") & (draw < 0.5)] = "provincial"
    level[wet & np.isin(land_class, ["1101", "1106", "1108"]) & (draw < 0.15)] = "provincial"
    level[wet & (land_class == "1102") & (draw < 0.05)] = "national"
    # the wharf project touches important wetland, to exercise the permissibility rules
    wharf = project == "P04"
    level[wharf] = np.where(np.arange(int(wharf.sum())) % 2 == 0, "national", "provincial")

    names_zh = catalogue(Scheme.SANDIAO)["name_zh"]
    state_owned = np.isin(land_class, ["1101", "1102", "1103", "1107A"])
    parcels = pd.DataFrame(
        {
            "BSM": pd.Series(np.arange(1, n_parcels + 1)).astype(str).str.zfill(9).radd("SYN"),
            "DLBM": land_class,
            "DLMC": names_zh.reindex(land_class).to_numpy(),
            "TBMJ": tbmj,
            "KCMJ": kcmj,
            "TBDLMJ": tbdlmj,
            "QSXZ": np.where(state_owned, "10", "30"),
            "ZLDWDM": location_code.to_numpy(),
            "ZLDWMC": township,
            "role": role,
            "wetland_level": level,
            "project_id": project,
        }
    )
    _restoration_design(parcels, rng.spawn(1)[0])
    parcels.attrs["synthetic"] = True

    indicators = _indicators(parcels, class_index, profiles, rng)
    projects = _projects(parcels)
    return parcels, indicators, projects


#: Class a restoration parcel will have once restored (退养还湿, flats from bare land).
_RESTORED_CLASS = {"1104A": "1104", "1104K": "1104", "1206": "1106"}


def _restoration_design(parcels: pd.DataFrame, rng: np.random.Generator) -> None:
    """Add the restoration design columns quota accounting reads (in place).

    ``target_class`` (class after restoration; empty when unchanged),
    ``compensated_first`` (restoration finished before the occupation, 先补后占),
    ``years_to_target`` and ``risk_class`` (low / medium / high) — all SYNTHETIC.
    A separate generator keeps the other columns' random streams unchanged.
    """
    restoration = (parcels["role"] == "restoration").to_numpy()
    n = len(parcels)
    target = np.full(n, None, dtype=object)
    mapped = parcels["DLBM"].map(_RESTORED_CLASS).to_numpy(dtype=object)
    target[restoration] = mapped[restoration]
    first = rng.random(n) < 0.6
    years = np.where(first, 0, rng.integers(1, 7, n)).astype(float)
    risk = np.array(["low", "medium", "high"], dtype=object)[
        rng.choice(3, size=n, p=[0.5, 0.35, 0.15])
    ]
    compensated_first = np.full(n, None, dtype=object)
    compensated_first[restoration] = first[restoration]
    risk_class = np.full(n, None, dtype=object)
    risk_class[restoration] = risk[restoration]
    parcels["target_class"] = target
    parcels["compensated_first"] = compensated_first
    parcels["years_to_target"] = np.where(restoration, years, np.nan)
    parcels["risk_class"] = risk_class


def _indicators(
    parcels: pd.DataFrame,
    class_index: np.ndarray,
    profiles: list[ClassProfile],
    rng: np.random.Generator,
) -> pd.DataFrame:
    monitored = parcels["DLBM"].isin(list(_MONITORED)).to_numpy()
    rows = np.flatnonzero(monitored)
    # 3 % of monitored parcels have no monitoring at all
    rows = rows[rng.random(len(rows)) >= 0.03]
    n = len(rows)
    ci = class_index[rows]

    def bounds(attribute: str) -> np.ndarray:
        table = np.asarray([getattr(p, attribute) for p in profiles], dtype=float)
        result: np.ndarray = table[ci]
        return result

    quality_ab = bounds("quality")
    quality = rng.beta(quality_ab[:, 0], quality_ab[:, 1])
    size = np.log10(parcels["TBDLMJ"].to_numpy()[rows]) - 2.0  # 0 for 100 m², 4 for 1 km²
    size = np.clip(size, 0.0, None)
    restored = parcels["role"].to_numpy()[rows] == "restoration"
    quality = np.where(restored, np.clip(quality + 0.1, 0, 1), quality)

    water_class = np.clip(np.round(1.5 + 4.5 * (1 - quality) + rng.normal(0, 0.6, n)), 1, 6)
    plant = rng.poisson(8 + 45 * quality * (1 + 0.3 * size))
    birds = rng.poisson(5 + 40 * quality * (1 + 0.4 * size))
    values = {
        "water_quality_class": water_class,
        "water_area_change_rate": np.round(
            np.clip(rng.normal(12 * (quality - 0.45), 6, n), -100, None), 1
        ),
        "protected_species_national_1": rng.poisson(0.02 + 0.5 * quality**3 * size),
        "protected_species_national_2": rng.poisson(0.2 + 1.5 * quality**2 * size),
        "protected_species_provincial": rng.poisson(0.3 + 2.0 * quality * size),
        "plant_species_richness": plant,
        "animal_species_richness": birds + rng.poisson(5 + 20 * quality, n),
        "bird_species_richness": birds,
        "invasive_species_cover": np.round(100 * rng.beta(1.0, 6 + 14 * quality), 1),
        "vegetation_cover": np.round(
            np.clip(_uniform(rng, bounds("cover")) * (0.7 + 0.5 * quality), 0, 100), 1
        ),
        "biomass": np.round(np.exp(rng.normal(np.log(2 + 18 * quality), 0.4)), 2),
        "standing_water_months": np.round(_uniform(rng, bounds("water_months"))),
        "hydrological_connectivity": np.round(_uniform(rng, bounds("connectivity")), 2),
        "disturbance": np.round(np.clip(1 - quality + rng.normal(0, 0.1, n), 0, 1), 2),
        "water_depth": np.round(_uniform(rng, bounds("depth_m")), 2),
        "npp": np.round(250 + 850 * quality + rng.normal(0, 60, n)).clip(0, None),
    }
    frame = pd.DataFrame(values)
    # gaps: 4 % per indicator, bird counts missing more often (no bird survey)
    gap_rate = dict.fromkeys(frame.columns, 0.04) | {"bird_species_richness": 0.10}
    for column, rate in gap_rate.items():
        frame[column] = frame[column].astype(float).mask(rng.random(n) < rate)
    frame.insert(0, "parcel_id", parcels["BSM"].to_numpy()[rows])
    frame.attrs["synthetic"] = True
    return frame


def _projects(parcels: pd.DataFrame) -> pd.DataFrame:
    records: list[dict[str, str | None]] = []
    for project_id, name_zh, name_en, project_type, township in _OCCUPATION_PROJECTS:
        records.append(
            {
                "project_id": project_id,
                "kind": "occupation",
                "name_zh": name_zh,
                "name_en": name_en,
                "project_type": project_type,
                "township": township,
                "applicant": f"示意建设单位 {project_id} (synthetic applicant)",
            }
        )
    for project_id in _RESTORATION_PROJECTS:
        towns = parcels.loc[parcels["project_id"] == project_id, "ZLDWMC"]
        records.append(
            {
                "project_id": project_id,
                "kind": "restoration",
                "name_zh": f"湿地后备资源修复项目 {project_id}（示意）",
                "name_en": f"Reserve-land restoration project {project_id} (illustrative)",
                "project_type": "restoration",
                "township": towns.mode().iloc[0] if len(towns) else None,
                "applicant": "进贤县湿地资源运营中心 (synthetic)",
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame.attrs["synthetic"] = True
    return frame
