"""Headless Chromium for the tests that render HTML (the report, the public register)."""

from __future__ import annotations

import shutil
from typing import Any

#: Chromium switches for a sandbox-less, offline test run.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def font_families(page: Any, selector: str) -> set[str]:
    """Font families Chromium drew glyphs of ``selector``'s text with (DevTools protocol).

    The inspection logs its own console error about file:// URLs: collect a page's
    console errors before calling this.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return {f["familyName"] for f in fonts["fonts"] if f["glyphCount"]}
