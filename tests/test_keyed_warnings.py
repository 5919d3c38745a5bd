"""Data-quality warnings carry their message, so a Chinese report shows them in Chinese.

A warning made with ``DataQualityWarning.of(message)`` reads as the English text
and keeps the :class:`~wetval.messages.Message`; an assessment keeps the message
(not the English line) among its warnings, and the report renders it per language.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from wetval import datasets
from wetval.assess import assess
from wetval.errors import DataQualityWarning
from wetval.messages import Message


def test_a_keyed_warning_reads_as_english_and_keeps_its_message() -> None:
    message = Message.of("w_invalid_geometry", parcels=2, source="x.gpkg", ids=("A", "B"))
    warning = DataQualityWarning.of(message)
    assert warning.keyed is message
    assert str(warning) == message.text("en")
    assert "A, B" in str(warning) and "A、B" in message.text("zh")


def test_a_dlmc_mismatch_reaches_the_assessment_as_a_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = datasets.export_sample(tmp_path, encoding="utf-8")  # SYNTHETIC files
    table = pd.read_csv(paths["parcels"], dtype=str, encoding="utf-8")
    table.loc[table.index[0], "DLMC"] = "错误的地类名称"
    table.to_csv(paths["parcels"], index=False, encoding="utf-8")
    spec = datasets.sample_project()
    data = {name: str(paths[name]) for name in ("parcels", "indicators", "projects")}
    spec = spec.model_copy(update={"data": spec.data.model_copy(update=data)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        result = assess(spec)
    keyed = [w for w in result.warnings if isinstance(w, Message) and w.key == "w_dlmc_mismatch"]
    assert len(keyed) == 1
    zh = keyed[0].text("zh")
    assert "错误的地类名称" in zh and "地类名称（DLMC）不符" in zh
    assert not re.search(
        r"[A-Za-z]{4,}",
        zh.replace("DLBM", "")
        .replace("DLMC", "")
        .replace("wetval", "")
        .replace("sandiao", "")
        .replace(str(paths["parcels"]), ""),
    )
    assert not any(isinstance(w, str) and "DLMC" in w for w in result.warnings)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_keyed_warnings_in_its_language(lang: str) -> None:
    from wetval.report.build import _text

    message = Message.of("w_area_departs_tbmj", parcels=1, source="a.gpkg", absolute_m2=1.0,
                         relative=0.001, rows=("SYN1 (9,999.12 / 10,099.11 m²)",))  # fmt: skip
    text = _text(message, lang)  # type: ignore[arg-type]
    assert ("椭球面几何面积" in text) == (lang == "zh")
    assert "SYN1 (9,999.12 / 10,099.11 m²)" in text
