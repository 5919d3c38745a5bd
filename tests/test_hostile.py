"""Hostile inputs (issue 17): each is ONE WetvalError naming the row/column and the fix.

Every parcel table here is invented for the test; nothing is survey data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wetval import ParcelTable
from wetval.errors import ValidationError
from wetval.io import read_parcels


def _parcels(**columns: object) -> pd.DataFrame:
    """Three rows shaped like a 三调 DLTB export, with ``columns`` replaced."""
    frame = pd.DataFrame(
        {
            "BSM": ["1", "2", "3"],
            "DLBM": ["1104", "1106", "0101"],
            "TBMJ": ["1000", "2000", "3000"],
            "KCMJ": ["0", "0", "0"],
            "ZLDWDM": ["3601241010010000000"] * 3,
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def _problems(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(ValidationError) as caught:
        ParcelTable.from_frame(frame)
    return caught.value.problems


# --------------------------------------------------------------- silently wrong numbers
@pytest.mark.parametrize("text", ["1234,5", "1.234,5", "12,34"])
def test_decimal_commas_are_refused_with_the_fix(text: str) -> None:
    problems = _problems(_parcels(TBMJ=["1000", text, "1,234.5"]))  # 1,234.5 is fine
    hit = problems[problems["reason"].str.contains("decimal comma")]
    assert hit["row"].tolist() == [1] and hit["column"].tolist() == ["TBMJ"]  # 2nd row
    assert "decimal point" in hit["fix"].iloc[0]
    assert set(problems["row"]) == {1}


@pytest.mark.parametrize(
    ("column", "values", "reason"),
    [
        ("KCMJ", ["0", "-50", "0"], "KCMJ (扣除地类面积) is negative"),
        ("KCMJ", ["0", "2500", "0"], "larger than TBMJ"),
        ("TBMJ", ["1000", "1e12", "3000"], "plausible maximum"),
        ("TBMJ", ["1000", "1e300", "3000"], "plausible maximum"),
        ("TBMJ", ["1000", "1e400", "3000"], "not a finite number"),
    ],
)
def test_implausible_areas_are_refused(column: str, values: list[str], reason: str) -> None:
    problems = _problems(_parcels(**{column: values}))
    hit = problems[problems["reason"].str.contains(reason, regex=False)]
    assert hit["row"].tolist() == [1] and hit["column"].tolist() == [column]
    assert hit["fix"].str.len().iloc[0] > 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("3.60124E+11", "scientific notation"),
        ("3.60124101001e+18", "scientific notation"),
        ("36O124", "digits only"),
    ],
)
def test_mangled_location_codes_are_refused(code: str, reason: str) -> None:
    problems = _problems(_parcels(ZLDWDM=["3601241010010000000", code, "3601241010010000000"]))
    assert problems["row"].tolist() == [1] and problems["column"].tolist() == ["ZLDWDM"]
    assert reason in problems["reason"].iloc[0]


@pytest.mark.parametrize(("code", "meant"), [("101", "0101"), ("102", "0102"), ("301", "0301")])
def test_lost_leading_zero_gets_a_hint(code: str, meant: str) -> None:
    problems = _problems(_parcels(DLBM=["1104", code, "1106"]))
    assert problems["row"].tolist() == [1]
    assert f"did you mean {meant}?" in problems["fix"].iloc[0]


def test_a_hostile_csv_file_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "dltb.csv"
    _parcels(TBMJ=["1000", "1234,5", "3000"]).to_csv(path, index=False)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ValidationError, match="decimal comma"):
        read_parcels(path)
    assert sorted(tmp_path.iterdir()) == before
