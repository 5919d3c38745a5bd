"""Small SYNTHETIC 三调-shaped layers for the spatial tests (CGCS2000 zone 39, EPSG:4527)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from wetval.landclass import Scheme, catalogue
from wetval.spatial.crs import ellipsoidal_area

#: South-west corner of the test grid [m] in EPSG:4527 (near Jinxian, 116.4°E 28.4°N).
X0, Y0 = 39_440_000.0, 3_140_000.0


def grid_layer(nx: int = 4, ny: int = 3, size: float = 100.0, classes: tuple[str, ...] = ()):
    """A GeoDataFrame of nx × ny square parcels with consistent 三调 attributes."""
    import geopandas

    n = nx * ny
    i, j = np.divmod(np.arange(n), ny)
    boxes = shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
    codes = np.array(classes or ("1104", "1101", "0101", "1106"), dtype=object)[np.arange(n) % (
        len(classes) or 4)]  # fmt: skip
    tbmj = np.round(ellipsoidal_area(boxes, 4527), 2)
    kcxs = np.where(pd.Series(codes).str.startswith("01"), 0.1, 0.0)
    kcmj = np.round(tbmj * kcxs, 2)
    names = catalogue(Scheme.SANDIAO)["name_zh"].reindex(codes).to_numpy()
    town = np.where(i < nx // 2, "360124100", "360124101")
    village = np.where(j == 0, "001", "002")
    frame = pd.DataFrame(
        {
            "BSM": [f"SYN{k:09d}" for k in range(1, n + 1)],
            "DLBM": codes,
            "DLMC": names,
            "TBMJ": tbmj,
            "KCXS": kcxs,
            "KCDLBM": np.where(kcxs > 0, "1203", None),
            "KCMJ": kcmj,
            "TBDLMJ": np.round(tbmj - kcmj, 2),
            "QSXZ": "30",
            "ZLDWDM": [f"{t}{v}0000000" for t, v in zip(town, village, strict=True)],
            "ZLDWMC": np.where(i < nx // 2, "民和镇", "李渡镇") + np.where(j == 0, "东村", "西村"),
        }
    )
    return geopandas.GeoDataFrame(frame, geometry=boxes, crs=4527)
