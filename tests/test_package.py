"""The built wheel ships the method cards and the font (non-editable installs)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_cards_and_font(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("wetval-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    cards = {p.relative_to(ROOT / "methods").as_posix() for p in (ROOT / "methods").rglob("*.toml")}
    assert cards and {f"wetval/methods/{c}" for c in cards} <= names
    assert {"wetval/fonts/WetvalCJKSans.ttf", "wetval/fonts/OFL.txt", "wetval/py.typed"} <= names
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "wetval = wetval.cli:main" in entry_points
