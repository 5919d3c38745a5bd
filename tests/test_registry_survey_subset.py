"""`Registry.survey_parcels(year, bsm=...)`: a vintage's rows for chosen parcel ids only
(used by the public register's site maps). SYNTHETIC data from test_registry_survey."""

from __future__ import annotations

import pandas as pd
import pytest

from registry_helpers import registry_url
from test_registry_survey import base_frame
from wetval.registry import Registry

__all__ = ["registry_url"]


def test_subset_equals_the_rows_of_the_whole_vintage(registry_url: str) -> None:
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
        whole = registry.survey_parcels(2020)
        chosen = registry.survey_parcels(2020, bsm=["W3", "P1", "not-a-parcel"])
        assert list(chosen.index) == ["P1", "W3"]
        assert chosen.crs == whole.crs
        pd.testing.assert_frame_equal(
            pd.DataFrame(chosen.drop(columns="geometry")),
            pd.DataFrame(whole.loc[["P1", "W3"]].drop(columns="geometry")),
        )
        assert chosen.geometry.equals(whole.geometry.loc[["P1", "W3"]])
        assert registry.survey_parcels(2020, bsm=[]).empty
