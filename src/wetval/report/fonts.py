"""The bundled CJK font for reports: file path and a subset embedded in HTML."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from wetval.plotting import font_face_css

__all__ = ["font_face_css", "font_path"]


def font_path() -> Path:
    """Path of the bundled TrueType font (Wetval CJK Sans)."""
    return Path(str(resources.files("wetval") / "fonts" / "WetvalCJKSans.ttf"))
