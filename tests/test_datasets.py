"""The SYNTHETIC sample county and the generator."""

from __future__ import annotations

import numpy as np

from wetval.datasets import County, sample_county, synthetic_county


def test_sample_county_shape(county: County) -> None:
    parcels = county.parcels.to_frame()
    assert len(parcels) >= 3000
    assert parcels["township"].nunique() >= 20
    assert parcels["county_code"].unique().tolist() == ["360124"]
    roles = set(parcels["role"].dropna())
    assert roles == {"existing", "reserve", "restoration", "occupation"}
    reserve_classes = set(parcels.loc[parcels["role"] == "reserve", "land_class"])
    assert {"1104", "1106", "1104A"} <= reserve_classes  # ponds, flats, some aquaculture
    assert set(county.projects["kind"]) == {"occupation", "restoration"}
    occupied = parcels[parcels["role"] == "occupation"]
    assert set(occupied["project_id"]) <= set(county.projects["project_id"])
    assert {"general", "provincial", "national"} <= set(occupied["wetland_level"].dropna())


def test_indicators_have_realistic_gaps(county: County) -> None:
    coverage = county.indicators.coverage(county.parcels)
    shares = coverage.by_indicator["parcel_share"]
    assert (shares < 1).all() and (shares > 0.7).all()
    assert len(coverage.parcels_without_indicators) > 0
    assert len(coverage.unknown_parcels) == 0
    quality = county.indicators.values("water_quality_class")
    assert set(np.unique(quality[~np.isnan(quality)])) <= {1, 2, 3, 4, 5, 6}


def test_labelled_synthetic_everywhere(county: County) -> None:
    assert county.synthetic and "SYNTHETIC" in county.name and "SYNTHETIC" in repr(county)
    assert county.parcels.synthetic and county.indicators.synthetic
    assert all(str(i).startswith("SYN") for i in county.parcels.ids[:50])
    assert "SYNTHETIC" in str(county.parcels.inventory().summary())
    assert "SYNTHETIC" in repr(county.parcels)


def test_reproducible_and_seed_dependent() -> None:
    assert sample_county() is sample_county()
    a = synthetic_county(500, seed=1)
    b = synthetic_county(500, seed=1)
    c = synthetic_county(500, seed=2)
    assert a.parcels.hash == b.parcels.hash and a.indicators.hash == b.indicators.hash
    assert a.parcels.hash != c.parcels.hash


def test_scales_up() -> None:
    big = synthetic_county(20_000, seed=7)
    assert len(big.parcels) == 20_000
    assert big.parcels.to_frame()["township"].nunique() == 21


def test_inventory_plot_renders_chinese_labels(county: County, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    returned = county.parcels.inventory().plot(ax=ax)
    assert returned is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "梅庄镇" in labels
    fig.savefig(tmp_path / "inventory.png")  # warnings are errors: a missing glyph would fail
    plt.close(fig)
