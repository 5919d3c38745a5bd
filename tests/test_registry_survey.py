"""Survey vintages, change surveys with lineage, the wetland balance and the reserve register
(issue 15), on both backends. All data are SYNTHETIC; expected areas follow from the
construction below (sums of the parcel areas written here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from registry_helpers import registry_url
from wetval.errors import ValidationError
from wetval.registry import Registry
from wetval.screening import screen
from wetval.tables import IndicatorTable, ParcelTable

__all__ = ["registry_url"]

TOWN_A = "360124101"  # 9-digit township codes (ZLDWDM[:9])
TOWN_B = "360124102"


def base_frame() -> pd.DataFrame:
    """The SYNTHETIC 三调 base: 1,800 m² of wetland (W1 1106, W2 1108, W3 1106)."""
    return pd.DataFrame(
        {
            "BSM": ["W1", "W2", "W3", "F1", "P1", "P2"],
            "DLBM": ["1106", "1108", "1106", "0101", "1104", "1104A"],
            "TBMJ": [1000.0, 500.0, 300.0, 800.0, 2000.0, 5000.0],
            "ZLDWDM": [TOWN_A + "0010000000"] * 3 + [TOWN_B + "0010000000"] * 3,
            "ZLDWMC": ["三里村"] * 3 + ["李渡村"] * 3,
        }
    )


def change_2021() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split W1 → W1a (wetland 600) + W1b (宅基地 400); merge W2 + W3 → W23 (1108, 800)."""
    gx = pd.DataFrame(
        {
            "BGQTBBSM": ["W1", "W1", "W2"],  # BGQ fields are dropped on import
            "BGHTBBSM": ["W1a", "W1b", "W23"],
            "BGHDLBM": ["1106", "0702", "1108"],
            "BGHTBMJ": [600.0, 400.0, 800.0],
            "BGHZLDWDM": [TOWN_A + "0010000000"] * 3,
        }
    )
    gc = pd.DataFrame(
        {
            "BGQTBBSM": ["W1", "W1", "W2", "W3"],
            "BGHTBBSM": ["W1a", "W1b", "W23", "W23"],
            "BGMJ": [600.0, 400.0, 500.0, 300.0],
        }
    )
    return gx, gc


def change_2022() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reclassify F1 (水田 0101 → 内陆滩涂 1106), keeping its BSM: +800 m² of wetland."""
    gx = pd.DataFrame(
        {"BSM": ["F1"], "DLBM": ["1106"], "TBMJ": [800.0], "ZLDWDM": [TOWN_B + "0010000000"]}
    )
    gc = pd.DataFrame({"BGQTBBSM": ["F1"], "BGHTBBSM": ["F1"], "BGMJ": [800.0]})
    return gx, gc


@pytest.fixture
def surveyed(registry_url: str, tmp_path: Path) -> Registry:
    source = tmp_path / "DLTB.gdb.zip"
    source.write_bytes(b"SYNTHETIC delivery")
    registry = Registry.create(registry_url, user="测绘")
    registry.import_survey(ParcelTable.from_frame(base_frame()), year=2020, sources=[source])
    registry.apply_change(2021, *change_2021())
    registry.apply_change(2022, *change_2022())
    yield registry
    registry.close()


def test_vintages_record_source_hashes(surveyed: Registry, tmp_path: Path) -> None:
    import hashlib
    import json

    vintages = surveyed.vintages()
    assert list(vintages.index) == [2020, 2021, 2022]
    assert list(vintages["kind"]) == ["base", "change", "change"]
    assert list(vintages["parcels"]) == [6, 3, 1]
    digest = hashlib.sha256(b"SYNTHETIC delivery").hexdigest()
    assert json.loads(vintages.loc[2020, "source_hashes"]) == [
        {"file": "DLTB.gdb.zip", "sha256": digest}
    ]
    assert surveyed.verify().ok


def test_parcels_per_vintage_and_lineage(surveyed: Registry) -> None:
    assert list(surveyed.survey_parcels(2020).index) == ["F1", "P1", "P2", "W1", "W2", "W3"]
    assert list(surveyed.survey_parcels(2021).index) == ["F1", "P1", "P2", "W1a", "W1b", "W23"]
    y2022 = surveyed.survey_parcels(2022)
    assert y2022.loc["F1", "land_class"] == "1106"
    assert y2022.loc["F1", "wetland_level"] == "general"
    assert surveyed.successors("W1") == ["W1a", "W1b"]
    assert surveyed.successors("W3") == ["W23"]
    assert surveyed.successors("W1", 2020) == ["W1"]
    assert surveyed.successors("F1") == ["F1"]
    assert surveyed.successors("nope") == []


def test_project_sites_follow_lineage(surveyed: Registry) -> None:
    surveyed.register_project(
        "R1", potential="10", schedule=[("acceptance", "1")], reference="设计", date="2021-01-05",
        sites=["W1", "W3", "nope"],
    )  # fmt: skip
    assert surveyed.project_sites("R1") == {"W1": ["W1a", "W1b"], "W3": ["W23"], "nope": []}
    assert surveyed.project_sites("R1", 2020)["W1"] == ["W1"]


def test_wetland_balance_year_by_year(surveyed: Registry) -> None:
    balance = surveyed.wetland_balance()
    totals = balance.totals
    # base 1000 + 500 + 300; 2021 loses W1b (400); 2022 gains F1 (800)
    assert totals["wetland_m2"].to_dict() == {2020: 1800.0, 2021: 1400.0, 2022: 2200.0}
    assert totals["change_from_base_m2"].to_dict() == {2020: 0.0, 2021: -400.0, 2022: 400.0}
    assert balance.decreased() == [2021]
    lost = balance.causes[balance.causes["wetland_change_m2"] < 0]
    assert lost[["year", "before_bsm", "after_bsm", "wetland_change_m2"]].values.tolist() == [
        [2021, "W1", "W1b", -400.0]
    ]
    gained = balance.causes[balance.causes["wetland_change_m2"] > 0]
    assert gained[["year", "before_bsm", "after_bsm"]].values.tolist() == [[2022, "F1", "F1"]]
    by_class = balance.to_frame()
    assert by_class.loc[2021, ("1108", "general")] == 800.0  # the merged W23
    assert by_class.loc[2020, ("1106", "general")] == 1300.0
    assert "W1 → W1b" in str(balance.summary())
    assert surveyed.wetland_balance(2020).totals.index.tolist() == [2020]


def test_bad_change_is_refused_naming_parcels(surveyed: Registry) -> None:
    events = len(surveyed.events())
    gx = pd.DataFrame({"BSM": ["X1", "X2"], "DLBM": ["1106", "1106"], "TBMJ": [600.0, 10.0]})
    gc = pd.DataFrame({"BGQTBBSM": ["W1", "W23"], "BGHTBBSM": ["X1", "X9"], "BGMJ": [600.0, 5]})
    with pytest.raises(ValidationError) as caught:
        surveyed.apply_change(2023, gx, gc)
    problems = caught.value.problems
    assert set(problems["parcel_id"]) == {"W1", "X9", "X2"}
    assert "not a parcel of the 2022 vintage" in str(caught.value)
    # pieces that do not add up to the parcels
    gc = pd.DataFrame({"BGQTBBSM": ["W23", "W23"], "BGHTBBSM": ["X1", "X2"], "BGMJ": [600, 5]})
    with pytest.raises(ValidationError, match=r"add up to 605.00 m², the BGQ parcel has 800"):
        surveyed.apply_change(2023, gx, gc)
    with pytest.raises(ValidationError, match="not after the last vintage 2022"):
        surveyed.apply_change(2022, *change_2022())
    with pytest.raises(ValidationError, match="already holds vintages"):
        surveyed.import_survey(base_frame(), year=2020)
    assert len(surveyed.events()) == events
    assert list(surveyed.vintages().index) == [2020, 2021, 2022]


def test_tampered_parcel_is_detected(surveyed: Registry) -> None:
    engine = create_engine(surveyed.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE parcels SET area_m2 = 1 WHERE bsm = 'W23'"))
    engine.dispose()
    check = surveyed.verify()
    last_vintage = surveyed.events().query("entity == 'vintages'")["seq"].max()
    assert not check.ok and check.first_bad == last_vintage
    assert "vintages" in check.reason


def test_geometry_is_stored_as_wkb_with_crs(registry_url: str) -> None:
    geopandas = pytest.importorskip("geopandas")
    from shapely.geometry import box

    frame = geopandas.GeoDataFrame(
        base_frame(),
        geometry=[box(39_500_000 + i * 100, 3_140_000, 39_500_050 + i * 100, 3_140_020)
                  for i in range(6)],
        crs="EPSG:4527",
    )  # fmt: skip
    with Registry.create(registry_url) as registry:
        registry.import_survey(frame, year=2020)
        back = registry.survey_parcels(2020)
        assert back.crs.to_epsg() == 4527
        assert back.geometry["W2"].equals(frame.set_index("BSM").geometry["W2"])
        assert registry.verify().ok


# ------------------------------------------------------------------ reserves
def census_inputs() -> tuple[ParcelTable, IndicatorTable]:
    parcels = base_frame().iloc[3:].reset_index(drop=True)
    parcels = pd.concat(
        [parcels, pd.DataFrame({"BSM": ["P8"], "DLBM": ["1104"], "TBMJ": [300.0],
                                "ZLDWDM": [TOWN_A + "0020000000"], "ZLDWMC": ["三里村"]})]
    )  # fmt: skip
    indicators = pd.DataFrame(
        {
            "parcel_id": ["F1", "P1", "P2", "P8"],
            "standing_water_months": [0, 6, np.nan, 9],
            "hydrological_connectivity": [0.1, 0.5, 0.3, 0.9],
            "disturbance": [0.5, 0.2, 0.5, 0.1],
            "vegetation_cover": [10.0, 40.0, 10.0, 60.0],
        }
    )
    return ParcelTable.from_frame(parcels), IndicatorTable.from_frame(indicators)


def test_census_verification_and_ranked_query(registry_url: str, tmp_path: Path) -> None:
    parcels, indicators = census_inputs()
    census = screen(parcels, indicators)
    photo = tmp_path / "P2.jpg"
    photo.write_bytes(b"SYNTHETIC photo")
    with Registry.create(registry_url, user="外业") as registry:
        cid = registry.register_census(census, year=2020, date="2021-03-01", parcels=parcels)
        stored = registry.reserves()
        assert stored["status"].eq("unverified").all()
        assert stored.loc["P1", "township_code"] == TOWN_B
        assert stored.loc["P2", "candidate"] == census.parcels.loc["P2", "candidate"]
        # P2 (1104A) passes once the field team finds a pond with standing water
        status = registry.verify_reserve(
            "P2", finding="坑塘", water_months=12, verifier="王工", date="2021-04-02",
            evidence=[(photo, "photo")],
        )  # fmt: skip
        assert status == "verified"
        assert registry.verify_reserve(
            "P1", finding="pond", water_months=8, verifier="王工", date="2021-04-02"
        ) == "verified"  # fmt: skip
        # P8 is too small (min_area fails): a pond there is still rejected
        assert registry.verify_reserve(
            "P8", finding="pond", water_months=12, verifier="王工", date="2021-04-03"
        ) == "rejected"  # fmt: skip
        verified = registry.reserves(township=TOWN_B, status="verified")
        assert list(verified.index) == sorted(
            ["P1", "P2"], key=lambda b: -census.parcels.loc[b, "potential"]
        )
        assert list(verified["rank"]) == [1, 2]
        assert verified.loc["P2", "verifier"] == "王工"
        assert registry.reserves(township=TOWN_A + "0020000000", status="verified").empty
        with pytest.raises(ValidationError, match="evidence file not found"):
            registry.verify_reserve(
                "P1", finding="pond", water_months=8, verifier="王工", date="2021-05-01",
                evidence=[(tmp_path / "no.jpg", "photo")],
            )  # fmt: skip
        with pytest.raises(ValidationError, match="before the census"):
            registry.verify_reserve("P1", finding="pond", water_months=8, verifier="王工",
                                    date="2020-05-01")  # fmt: skip
        with pytest.raises(ValidationError, match="not in any registered census"):
            registry.verify_reserve("Q9", finding="pond", water_months=8, verifier="王工",
                                    date="2021-05-01")  # fmt: skip
        assert cid == 1 and registry.verify().ok
        engine = create_engine(registry_url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE reserves SET potential = 1 WHERE bsm = 'P8'"))
        engine.dispose()
        assert "reserve_censuses" in registry.verify().reason


def test_census_township_codes_from_the_vintage(registry_url: str) -> None:
    parcels, indicators = census_inputs()
    census = screen(parcels, indicators)
    with Registry.create(registry_url) as registry:
        with pytest.raises(ValidationError, match="no 9-digit township code") as caught:
            registry.register_census(census, year=2020, date="2021-03-01")
        assert set(caught.value.problems["parcel_id"]) == {"F1", "P1", "P2", "P8"}
        registry.import_survey(base_frame(), year=2020)
        with pytest.raises(ValidationError) as caught:
            registry.register_census(census, year=2020, date="2021-03-01")
        assert list(caught.value.problems["parcel_id"]) == ["P8"]  # not in the vintage


# ------------------------------------------------------------------ invariants

_OPS = st.lists(
    st.tuples(st.sampled_from(["split", "merge", "reclass"]), st.integers(0, 10**6),
              st.sampled_from(["1106", "1108", "0101", "0702"])),
    min_size=1, max_size=4,
)  # fmt: skip


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_OPS)
def test_lineage_conserves_area_and_covers_every_parcel(tmp_path_factory, ops) -> None:  # type: ignore[no-untyped-def]
    """Random splits, merges and reclassifications: the county's area never changes, the
    successors of the base parcels are exactly the live parcels, and the wetland change
    of every year equals the sum of its causes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('lineage') / 'r.db'}"
    with Registry.create(url) as registry:
        registry.import_survey(base_frame(), year=2020)
        for year, (op, pick, code) in enumerate(ops, start=2021):
            live = registry.survey_parcels(year - 1)
            ids = list(live.index)
            first = ids[pick % len(ids)]
            area = float(live.loc[first, "area_m2"])
            if op == "split":
                after = [(f"{first}-{year}a", area / 2), (f"{first}-{year}b", area - area / 2)]
                pieces = [(first, a, m) for a, m in after]
            elif op == "merge" and len(ids) > 1:
                second = ids[(pick + 1) % len(ids)]
                total = area + float(live.loc[second, "area_m2"])
                after = [(f"M{year}", total)]
                pieces = [(first, f"M{year}", area), (second, f"M{year}", total - area)]
            else:
                after = [(first, area)]
                pieces = [(first, first, area)]
            gx = pd.DataFrame({"BSM": [a for a, _ in after], "DLBM": code,
                               "TBMJ": [m for _, m in after]})  # fmt: skip
            gc = pd.DataFrame(pieces, columns=["BGQTBBSM", "BGHTBBSM", "BGMJ"])
            registry.apply_change(year, gx, gc)
        last = 2020 + len(ops)
        live = registry.survey_parcels(last)
        assert live["area_m2"].sum() == pytest.approx(base_frame()["TBMJ"].sum())
        reached = set().union(*(registry.successors(b) for b in base_frame()["BSM"]))
        assert reached == set(live.index)
        balance = registry.wetland_balance()
        causes = balance.causes.groupby("year")["wetland_change_m2"].sum()
        for year, change in balance.totals["change_from_previous_m2"].items():
            assert change == pytest.approx(causes.get(year, 0.0), abs=1e-6)
        assert registry.verify().ok
