from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wetval.units import M2_PER_MU, convert_area


def test_reference_conversions() -> None:
    # shared/reference/README.md Conventions: 1 ha = 15 亩 = 10,000 m²; 1 亩 = 666.67 m²
    assert convert_area(1.0, "ha", "mu") == 15.0
    assert convert_area(1.0, "ha", "m2") == 10_000.0
    assert round(M2_PER_MU, 2) == 666.67


@given(
    st.floats(min_value=1e-6, max_value=1e12),
    st.sampled_from(["m2", "ha", "mu"]),
    st.sampled_from(["m2", "ha", "mu"]),
)
def test_round_trip(value: float, a: str, b: str) -> None:
    back = convert_area(convert_area(value, a, b), b, a)  # type: ignore[arg-type]
    assert back == pytest.approx(value, rel=1e-12)


def test_arrays_and_unknown_unit() -> None:
    np.testing.assert_allclose(convert_area(np.array([15.0, 30.0]), "mu", "ha"), [1.0, 2.0])
    with pytest.raises(ValueError, match="acre"):
        convert_area(1.0, "acre", "ha")  # type: ignore[arg-type]
